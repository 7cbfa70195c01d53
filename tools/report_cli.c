/*
 * Report options of `imgbaseline scan` and the emission of its result: see report_cli.h.
 * The request flags are generated from the engine's parameter table
 * (imgb_report_param_names: page_size -> --page-size), so the CLI carries no range of its
 * own: every value is checked, and refused with the documented range, by the engine.
 */
#include "report_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/error.h"
#include "util/mem.h"

enum {
    OPT_FORMAT = CLI_REPORT_OPT_BASE,
    OPT_OUTPUT,
    OPT_QUIET,
    OPT_IGNORE_FILE,
    OPT_EXIT_CODE,
    OPT_FAIL_ON,
    OPT_PARAM, /* OPT_PARAM + i: request parameter i */
};

#define MAX_PARAMS 64
#define FLAG_NAME_MAX 48

static int report_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int report_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("imgbaseline: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

void cli_report_opts_init(cli_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->exit_code = -1;
    o->fail_on = -1;
    imgb_report_params_init(&o->params);
}

void cli_report_opts_dispose(cli_report_opts *o)
{
    imgb_report_params_dispose(&o->params);
    imgb_ignore_list_free(o->ignore);
    o->ignore = NULL;
}

const struct option *cli_report_longopts(void)
{
    static char names[MAX_PARAMS][FLAG_NAME_MAX];
    static struct option opts[MAX_PARAMS + 8];
    if (opts[0].name)
        return opts;
    size_t n = 0;
    opts[n++] = (struct option){ "format", required_argument, NULL, OPT_FORMAT };
    opts[n++] = (struct option){ "output", required_argument, NULL, OPT_OUTPUT };
    opts[n++] = (struct option){ "quiet", no_argument, NULL, OPT_QUIET };
    opts[n++] = (struct option){ "ignore-file", required_argument, NULL, OPT_IGNORE_FILE };
    opts[n++] = (struct option){ "exit-code", required_argument, NULL, OPT_EXIT_CODE };
    opts[n++] = (struct option){ "fail-on", required_argument, NULL, OPT_FAIL_ON };
    const char *const *pn = imgb_report_param_names();
    for (size_t i = 0; pn[i] && i < MAX_PARAMS; i++) {
        size_t k;
        for (k = 0; pn[i][k] && k + 1 < FLAG_NAME_MAX; k++)
            names[i][k] = pn[i][k] == '_' ? '-' : pn[i][k];
        names[i][k] = '\0';
        opts[n++] = (struct option){ names[i], required_argument, NULL, OPT_PARAM + (int)i };
    }
    opts[n] = (struct option){ NULL, 0, NULL, 0 };
    return opts;
}

struct option *cli_report_merge_longopts(const struct option *base)
{
    const struct option *mine = cli_report_longopts();
    size_t nb = 0, nm = 0;
    while (base && base[nb].name)
        nb++;
    while (mine[nm].name)
        nm++;
    struct option *all = imgb_xcalloc(nb + nm + 1, sizeof *all);
    if (nb)
        memcpy(all, base, nb * sizeof *all);
    memcpy(all + nb, mine, nm * sizeof *all);
    return all;
}

int cli_report_getopt(cli_report_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'f':
    case OPT_FORMAT:
        o->format = arg;
        return 1;
    case 'o':
    case OPT_OUTPUT:
        o->output = arg;
        return 1;
    case 'q':
    case OPT_QUIET:
        o->quiet = true;
        return 1;
    case OPT_IGNORE_FILE:
        o->ignore_file = arg;
        return 1;
    case OPT_EXIT_CODE: {
        char *end;
        errno = 0;
        long n = strtol(arg, &end, 10);
        if (!*arg || *end || errno || n < 0 || n > 255)
            return report_fail("--exit-code wants a number from 0 to 255, not '%s'", arg);
        if (n == CLI_EXIT_ERROR)
            fprintf(stderr, "imgbaseline: warning: --exit-code 2 is also the error status\n");
        o->exit_code = (int)n;
        return 1;
    }
    case OPT_FAIL_ON: {
        imgb_severity s;
        if (imgb_severity_parse(arg, &s) < 0)
            return report_fail("--fail-on: %s", imgb_error_last());
        o->fail_on = (int)s;
        o->fail_on_explicit = true;
        return 1;
    }
    default:
        break;
    }
    if (c >= OPT_PARAM && c < OPT_PARAM + MAX_PARAMS) {
        const char *name = imgb_report_param_names()[c - OPT_PARAM];
        if (imgb_report_param_set(&o->params, name, arg) < 0)
            return report_fail("%s", imgb_error_last());
        /* --severity is both the Huawei severity filter and, unless --fail-on is given,
         * the exit-code threshold (as trivy's -s counts what it shows). */
        imgb_severity s;
        if (!strcmp(name, "severity") && !o->fail_on_explicit &&
            imgb_severity_parse(arg, &s) == 0)
            o->fail_on = (int)s;
        return 1;
    }
    return 0;
}

bool cli_report_is_native(const cli_report_opts *o)
{
    return o->format && !strcmp(o->format, "json");
}

int cli_report_prepare(cli_report_opts *o)
{
    if (!o->format)
        o->format = !o->output && isatty(STDOUT_FILENO) ? "table" : "json";
    if (!cli_report_is_native(o) && !imgb_report_format_find(o->format)) {
        fprintf(stderr, "imgbaseline: unknown format '%s' (json", o->format);
        for (const imgb_report_format *f = imgb_report_formats(); f->name; f++)
            fprintf(stderr, ", %s", f->name);
        fputs(")\n", stderr);
        return CLI_EXIT_ERROR;
    }
    if (o->exit_code >= 0 && o->fail_on < 0)
        o->fail_on = IMGB_SEV_LOW; /* --exit-code alone: any unignored failure */
    const char *path = o->ignore_file;
    if (!path && access(IMGB_IGNORE_DEFAULT_FILE, F_OK) == 0)
        path = IMGB_IGNORE_DEFAULT_FILE;
    if (path) {
        if (imgb_ignore_load(&o->ignore, path) < 0) {
            report_fail("%s", imgb_error_last());
            return CLI_EXIT_ERROR;
        }
        o->params.ignore = o->ignore;
    }
    o->params.color = !o->output && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    return 0;
}

void cli_report_progress(const cli_report_opts *o, const char *fmt, ...)
{
    if (o->quiet || !isatty(STDERR_FILENO))
        return;
    va_list ap;
    fputs("imgbaseline: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_write_atomic(const char *path, const char *data, size_t len)
{
    char *dcopy = imgb_xstrdup(path), *bcopy = imgb_xstrdup(path);
    char *tmp = imgb_xasprintf("%s/.%s.XXXXXX", dirname(dcopy), basename(bcopy));
    free(dcopy);
    free(bcopy);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        report_fail("%s: cannot create a temporary file next to it: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    /* mkstemp creates 0600; a report is as readable as any file the user creates. */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    size_t off = 0;
    int rc = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = -1;
            break;
        }
        off += (size_t)n;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc < 0) {
        report_fail("%s: cannot write the report: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

int cli_report_emit(cli_report_opts *o, const imgb_scan_result *res, cli_native_render native)
{
    imgb_buf out = IMGB_BUF_INIT;
    int rc;
    if (cli_report_is_native(o)) {
        rc = native ? native(res, &o->params, &out)
                    : imgb_error_set(IMGB_EUNSUPPORTED, "the native json report is not built in");
    } else {
        rc = imgb_report_render(res, imgb_report_format_find(o->format), &o->params, &out);
    }
    if (rc < 0) {
        report_fail("%s", imgb_error_last());
        imgb_buf_dispose(&out);
        return CLI_EXIT_ERROR;
    }

    if (!o->quiet) {
        size_t n = 0;
        char **w = imgb_report_ignore_warnings(res, &o->params, &n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "imgbaseline: warning: %s\n", w[i]);
        imgb_report_free_lines(w, n);
    }

    if (o->output) {
        if (cli_write_atomic(o->output, out.ptr ? out.ptr : "", out.len) < 0) {
            imgb_buf_dispose(&out);
            return CLI_EXIT_ERROR;
        }
    } else if (out.len && (fwrite(out.ptr, 1, out.len, stdout) != out.len ||
                           fflush(stdout) != 0)) {
        report_fail("cannot write the report to stdout: %s", strerror(errno));
        imgb_buf_dispose(&out);
        return CLI_EXIT_ERROR;
    }
    imgb_buf_dispose(&out);

    if (o->fail_on < 0)
        return CLI_EXIT_OK;
    size_t n = imgb_report_count_findings(res, &o->params, (imgb_severity)o->fail_on);
    if (n == 0)
        return CLI_EXIT_OK;
    if (!o->quiet)
        fprintf(stderr, "imgbaseline: %zu unignored failed item%s at or above %s\n", n,
                n == 1 ? "" : "s", imgb_severity_name((imgb_severity)o->fail_on));
    return o->exit_code >= 0 ? o->exit_code : 1;
}

void cli_report_usage(FILE *f)
{
    fputs("output:\n"
          "  -f, --format NAME      json", f);
    for (const imgb_report_format *fmt = imgb_report_formats(); fmt->name; fmt++)
        fprintf(f, ", %s", fmt->name);
    fputs("\n"
          "                         (default: table on a terminal, json otherwise)\n"
          "  -o, --output FILE      write the report to FILE (atomically)\n"
          "  -q, --quiet            no progress or warnings on stderr\n"
          "  --lang zh|en           language of titles, descriptions, advice, aliases\n"
          "CI:\n"
          "  --exit-code N          exit N when an unignored failure at or above the\n"
          "                         threshold exists (default threshold: low)\n"
          "  --fail-on LEVEL        threshold high|medium|low (exit 1 unless --exit-code)\n"
          "  --severity LEVEL       Huawei severity filter; also the threshold without\n"
          "                         --fail-on\n"
          "  --ignore-file FILE     accepted findings (default ./" IMGB_IGNORE_DEFAULT_FILE
          " when present)\n"
          "request parameters of the cloud API formats:\n"
          "  Alibaba: --image-uuid --risk-level --criteria --criteria-type --page-size\n"
          "           --current-page --scan-range --risk-key --status --region-id\n"
          "           --instance-id\n"
          "  Huawei:  --image-type (required) --offset --limit --namespace --image-name\n"
          "           --image-version --image-id --check-name --severity --standard\n"
          "           --instance-id --enterprise-project-id\n"
          "exit status: 0 ok, N findings (--exit-code), 2 error\n", f);
}
