/*
 * `imgbaseline scan IMAGE`: load the rules, scan once, render the one result in the chosen
 * format (native JSON, or any row of the report format table), write it to stdout or -o FILE.
 *
 * Options are rows: the scan's own table below, then one `--<param>` per report request
 * parameter (imgb_report_param_names(): --risk-level, --page-size, --image-type, ...), so
 * a new API parameter needs no change here.
 * Exit: 0, 2 on error, and N (--exit-code, default 1) when a failed item at or above the
 * threshold is not covered by the ignore file.  The threshold is --fail-on, else --severity
 * (also Huawei's severity filter), else low when --exit-code is given alone.
 * The format defaults to the table on a terminal and to the native JSON otherwise; -o writes
 * atomically (report_cli.c); progress goes to stderr only when stderr is a terminal.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <imgbaseline/imgbaseline.h>

#include "cli.h"
#include "report_cli.h"
#include "scan_many.h"
#include <imgbaseline/store.h>

int cmd_scan(int argc, char **argv);

typedef struct scan_args {
    const char *format;
    cli_strvec rules_dirs;        /* borrowed from argv */
    cli_strvec dicts;             /* --dict FILE: appended to the dictionary (borrowed) */
    const char *dict_replace;     /* --dict-replace FILE: instead of the shipped dictionary */
    bool no_default_rules;
    imgb_scan_options scan;
    const char *lang;
    const char *output;
    const char *ignore_file;
    bool fail_on_set;
    bool fail_on_explicit;        /* --fail-on given: --severity is then only a filter */
    imgb_severity fail_on;
    int exit_code;
    bool exit_code_set;
    bool quiet;
    imgb_report_request *report;
    bool image_uuid_set;          /* --image-uuid given */
    const char *store;            /* --store PATH|URL: record, answer API formats from history */
    imgb_store_identity who;      /* --tenant, --repo-namespace, --repo-name, --tag, --retention */
    cli_strvec images_from;       /* --images-from FILE (borrowed) */
    int parallel;                 /* --parallel N: images scanned at once */
    const char *job, *worker;     /* --job ID --worker NAME: record as that queued job */
} scan_args;

/* ---- the scan's own options ----------------------------------------------------------- */

static int opt_format(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->format = v;
    return 0;
}

static int opt_rules(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    cli_strvec_push(&((scan_args *)a)->rules_dirs, v);
    return 0;
}

static int opt_dict(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    cli_strvec_push(&((scan_args *)a)->dicts, v);
    return 0;
}

static int opt_dict_replace(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->dict_replace = v;
    return 0;
}

static int opt_no_default_rules(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    (void)v;
    ((scan_args *)a)->no_default_rules = true;
    return 0;
}

static int opt_jobs(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    long n;
    if (cli_parse_int(v, 1, 256, &n) < 0)
        return cli_fail("scan: -j wants a number of jobs from 1 to 256"), -1;
    ((scan_args *)a)->scan.jobs = (int)n;
    return 0;
}

static int opt_no_verify(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    (void)v;
    ((scan_args *)a)->scan.no_verify = 1;
    return 0;
}

static int opt_image(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->scan.image_ref = v;
    return 0;
}

static int opt_platform(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->scan.platform = v;
    return 0;
}

/* Registry transport (docker://): the flags of skopeo. */
static int opt_creds(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    if (!strchr(v, ':') || v[0] == ':')
        return cli_fail("scan: --creds wants USER:PASSWORD"), -1;
    ((scan_args *)a)->scan.creds = v;
    return 0;
}

static int opt_authfile(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->scan.auth_file = v;
    return 0;
}

static int opt_tls_verify(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    if (strcmp(v, "true") && strcmp(v, "false"))
        return cli_fail("scan: --tls-verify wants true or false"), -1;
    ((scan_args *)a)->scan.tls_no_verify = strcmp(v, "false") == 0;
    return 0;
}

static int opt_registry_timeout(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    long n;
    if (cli_parse_int(v, 1, 3600, &n) < 0)
        return cli_fail("scan: --registry-timeout wants seconds from 1 to 3600"), -1;
    ((scan_args *)a)->scan.registry_timeout = (double)n;
    return 0;
}

static int opt_images_from(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    cli_strvec_push(&((scan_args *)a)->images_from, v);
    return 0;
}

static int opt_parallel(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    long n;
    if (cli_parse_int(v, 1, 64, &n) < 0)
        return cli_fail("scan: --parallel wants a number of images from 1 to 64"), -1;
    ((scan_args *)a)->parallel = (int)n;
    return 0;
}

static int opt_lang(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    scan_args *s = a;
    if (imgb_report_request_set(s->report, "lang", v) < 0)
        return cli_fail("scan: %s", imgb_error_last()), -1;
    s->lang = v;
    return 0;
}

static int opt_output(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->output = v;
    return 0;
}

static int opt_baseline(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->scan.only_baseline = v;
    return 0;
}

static int opt_budget(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    long n;
    if (cli_parse_int(v, 1, 86400, &n) < 0)
        return cli_fail("scan: --weak-password-budget wants seconds from 1 to 86400"), -1;
    ((scan_args *)a)->scan.weak_password_budget = (double)n;
    return 0;
}

static int opt_base_image(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->scan.base_image = v;
    return 0;
}

static int opt_base_layers(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    long n;
    if (cli_parse_int(v, 0, 100000, &n) < 0)
        return cli_fail("scan: --base-layers wants a number of layers from 0"), -1;
    ((scan_args *)a)->scan.base_layers = (int)n;
    return 0;
}

static int opt_only_own(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    (void)v;
    imgb_report_request_set_only_own(((scan_args *)a)->report, 1);
    return 0;
}

static int opt_ignore_file(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    ((scan_args *)a)->ignore_file = v;
    return 0;
}

static int opt_fail_on(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    scan_args *s = a;
    if (imgb_severity_parse(v, &s->fail_on) < 0)
        return cli_fail("scan: --fail-on must be high, medium or low"), -1;
    s->fail_on_set = true;
    s->fail_on_explicit = true;
    return 0;
}

static int opt_exit_code(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    long n;
    if (cli_parse_int(v, 1, 125, &n) < 0 || n == CLI_EXIT_ERROR)
        return cli_fail("scan: --exit-code wants 1 or 3..125 (2 means error)"), -1;
    ((scan_args *)a)->exit_code = (int)n;
    ((scan_args *)a)->exit_code_set = true;
    return 0;
}

static int opt_quiet(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    (void)v;
    ((scan_args *)a)->quiet = true;
    return 0;
}

static int opt_store(void *a, const cli_option *opt, const char *v)
{
    scan_args *s = a;
    const char *k = opt->name;
    if (!strcmp(k, "store"))
        s->store = v;
    else if (!strcmp(k, "tenant"))
        s->who.tenant = v;
    else if (!strcmp(k, "repo-namespace"))
        s->who.repo_namespace = v;
    else if (!strcmp(k, "repo-name"))
        s->who.repo_name = v;
    else if (!strcmp(k, "tag"))
        s->who.tag = v;
    else if (!strcmp(k, "job"))
        s->job = v;
    else if (!strcmp(k, "worker"))
        s->worker = v;
    else if (cli_parse_int(v, 1, 1000000, &s->who.retention) < 0)
        return cli_fail("scan: --retention wants a number of scans from 1 to 1000000"), -1;
    return 0;
}

static const cli_option scan_options[] = {
    { "format", 'f', "FORMAT", "json (native report) or a report format, see below (default: "
      "table on a terminal, else json)", opt_format, NULL },
    { "output", 'o', "FILE", "write the report to FILE (atomically) instead of stdout",
      opt_output, NULL },
    { "quiet", 'q', NULL, "no progress on stderr", opt_quiet, NULL },
    { "lang", 0, "zh|en", "language of titles, advice and aliases (default zh)", opt_lang, NULL },
    { "rules", 0, "DIR", "also load rule files from DIR (repeatable)", opt_rules, NULL },
    { "no-default-rules", 0, NULL, "do not load the built-in rules", opt_no_default_rules, NULL },
    { "baseline", 0, "KEY", "evaluate only the baseline KEY", opt_baseline, NULL },
    { "image", 0, "REF", "pick one image of a multi-image archive", opt_image, NULL },
    { "platform", 0, "OS/ARCH[/VAR]", "pick a platform of a multi-platform image", opt_platform, NULL },
    { "no-verify", 0, NULL, "skip digest verification (reported as unverified)", opt_no_verify, NULL },
    { "jobs", 'j', "N", "parallel layer decompression and password cracking", opt_jobs, NULL },
    { "images-from", 0, "FILE", "also scan the images listed in FILE, one a line (- for stdin)",
      opt_images_from, NULL },
    { "parallel", 0, "N", "images scanned at once when several are given (default 2)",
      opt_parallel, NULL },
    { "creds", 0, "USER:PASSWORD", "registry credentials (docker://; default: the auth files)",
      opt_creds, NULL },
    { "authfile", 0, "FILE", "registry auth file (default $REGISTRY_AUTH_FILE, "
      "$XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json)", opt_authfile, NULL },
    { "tls-verify", 0, "true|false", "false: accept any certificate and plain-HTTP registries",
      opt_tls_verify, NULL },
    { "registry-timeout", 0, "SECONDS", "a registry transfer without progress for this long "
      "fails (default 30)", opt_registry_timeout, NULL },
    { "weak-password-budget", 0, "SECONDS", "cracking time per image (default 30)", opt_budget, NULL },
    { "dict", 0, "FILE", "add FILE's words (one a line) after the weak-password dictionary "
      "(repeatable)", opt_dict, NULL },
    { "dict-replace", 0, "FILE", "use FILE instead of the shipped weak-password dictionary",
      opt_dict_replace, NULL },
    { "ignore-file", 0, "FILE", "accepted findings (default ./" IMGB_IGNORE_DEFAULT_FILE
      " when present)", opt_ignore_file, NULL },
    { "fail-on", 0, "SEVERITY", "exit 1 (or --exit-code) when an unignored item of SEVERITY or "
      "above fails", opt_fail_on, NULL },
    { "exit-code", 0, "N", "exit status for findings (default 1); alone: any unignored failure",
      opt_exit_code, NULL },
    { "only-own", 0, NULL, "the gate counts only findings of the image's own layers (base ones "
      "not; unknown origin counts)", opt_only_own, NULL },
    { "base-image", 0, "FILE", "the base image (archive or layout): its layers are the first "
      "of IMAGE (findings' origin: base or own)", opt_base_image, NULL },
    { "base-layers", 0, "N", "the first N layers are the base image's", opt_base_layers, NULL },
    { "store", 0, "PATH|URL", "record the scan in a history (SQLite file, or postgresql://...); "
      "API formats then answer from the history", opt_store, NULL },
    { "tenant", 0, "NAME", "tenant of the recorded scan (default: default)", opt_store, NULL },
    { "repo-namespace", 0, "NS", "repository namespace to record (default: from the image)",
      opt_store, NULL },
    { "repo-name", 0, "NAME", "repository name to record (default: from the image)", opt_store,
      NULL },
    { "tag", 0, "TAG", "tag to record (default: from the image)", opt_store, NULL },
    { "retention", 0, "N", "keep the last N scans of this image in the history", opt_store,
      NULL },
    { "job", 0, "ID", "(workers) record as queued job ID, exactly once, with --worker", opt_store,
      NULL },
    { "worker", 0, "NAME", "(workers) the worker holding the job's lease", opt_store, NULL },
    { NULL, 0, NULL, NULL, NULL, NULL },
};

/* ---- report request parameters as options ------------------------------------------------ */

#define SCAN_MAX_PARAMS 64

static int opt_report_param(void *a, const cli_option *opt, const char *v)
{
    scan_args *s = a;
    if (imgb_report_request_set(s->report, opt->key, v) < 0)
        return cli_fail("scan: --%s: %s", opt->name, imgb_error_last()), -1;
    if (strcmp(opt->key, "image_uuid") == 0)
        s->image_uuid_set = true;
    /* --severity is Huawei's severity filter and, unless --fail-on is given, the exit-code
     * threshold (trivy's -s also decides what counts). */
    imgb_severity sev;
    if (strcmp(opt->key, "severity") == 0 && !s->fail_on_explicit &&
        imgb_severity_parse(v, &sev) == 0) {
        s->fail_on = sev;
        s->fail_on_set = true;
    }
    return 0;
}

/* One `--<param>` row per report request parameter ("page_size" -> --page-size). */
static void scan_build_param_options(cli_option *rows, char (*names)[64])
{
    const char *const *keys = imgb_report_param_names();
    size_t n = 0;
    for (size_t i = 0; keys[i] && n < SCAN_MAX_PARAMS; i++) {
        if (strcmp(keys[i], "lang") == 0)
            continue; /* the scan's own --lang sets it */
        snprintf(names[n], sizeof names[n], "%s", keys[i]);
        for (char *c = names[n]; *c; c++)
            if (*c == '_')
                *c = '-';
        rows[n] = (cli_option){ names[n], 0, "VALUE", "report request parameter",
                                opt_report_param, keys[i] };
        n++;
    }
    rows[n] = (cli_option){ NULL, 0, NULL, NULL, NULL, NULL };
}

/* ---- running ----------------------------------------------------------------------------- */

static void scan_usage(FILE *f, const cli_option *params)
{
    fputs("usage: imgbaseline scan IMAGE... [options]\n\n"
          "IMAGE: an archive or OCI layout, - (an archive on stdin), "
          "docker://HOST[:PORT]/REPO[:TAG|@DIGEST],\n"
          "       oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REF]\n"
          "Several images: the native output is JSON Lines (one report per image), the API "
          "formats\ncombine the images; the exit status is the worst image's.\n\n"
          "options:\n", f);
    cli_print_options(f, scan_options);
    fputs("\nformats:\n", f);
    for (size_t i = 0; imgb_report_format_name(i); i++)
        if (strncmp(imgb_report_format_name(i), "inspect", 7) != 0)
            fprintf(f, "  %-32s %s\n", imgb_report_format_name(i), imgb_report_format_summary(i));
    fputs("\nreport request parameters (API formats):\n ", f);
    for (size_t i = 0; params[i].name; i++)
        fprintf(f, " --%s", params[i].name);
    fputs("\n\nexit status: 0 ok, 1 (or --exit-code N) unignored findings at or above the "
          "threshold (--fail-on, --severity, or low with --exit-code alone), 2 error\n", f);
}

static int scan_write(const char *path, const char *out, size_t len)
{
    if (path)
        return cli_write_atomic(path, out, len) < 0 ? -1 : 0;
    size_t n = len ? fwrite(out, 1, len, stdout) : 0;
    if (n != len || fflush(stdout) != 0)
        return cli_fail("scan: write error on stdout");
    return 0;
}

static void scan_print_warning(const char *line, void *payload)
{
    (void)payload;
    fprintf(stderr, "imgbaseline: warning: %s\n", line);
}

/* The dictionary belongs to the ruleset: --dict-replace first, then every --dict. */
static int scan_load_dicts(imgb_ruleset *rs, const scan_args *s)
{
    if (s->dict_replace && imgb_ruleset_dict_load(rs, s->dict_replace, IMGB_DICT_REPLACE) < 0)
        return cli_fail("scan: --dict-replace: %s", imgb_error_last());
    for (size_t i = 0; i < s->dicts.n; i++)
        if (imgb_ruleset_dict_load(rs, s->dicts.v[i], IMGB_DICT_APPEND) < 0)
            return cli_fail("scan: --dict: %s", imgb_error_last());
    return 0;
}

/* --store: record the result in the history (one transaction). */
static int scan_record(scan_args *s, const imgb_scan_result *res)
{
    imgb_store *st = NULL;
    char id[33];
    if (imgb_store_open(&st, s->store) < 0 ||
        imgb_store_record_job(st, res, &s->who, s->report, s->job, s->worker, id) < 0) {
        imgb_store_close(st);
        return cli_fail("scan: --store: %s", imgb_error_last());
    }
    imgb_store_close(st);
    cli_progress(s->quiet, "recorded scan %s", id);
    return 0;
}

/* API formats with --store answer from the history: the same code as `serve`. */
static int scan_from_history(scan_args *s, const imgb_scan_result *res, char **out,
                             size_t *len)
{
    imgb_store *st = NULL;
    /* DescribeImageBaselineCheckResult needs an ImageUuid: the scanned image by default. */
    if (!strcmp(s->format, "aliyun-baseline-check-result") && !s->image_uuid_set && res) {
        const char *id = imgb_result_attr(res, IMGB_R_IMAGE_ID);
        if (id && *id && imgb_report_request_set(s->report, "image_uuid", id) < 0)
            return IMGB_EINVAL;
    }
    int rc = imgb_store_open(&st, s->store);
    if (rc == 0)
        rc = imgb_store_report(st, s->who.tenant ? s->who.tenant : "default", s->format,
                               s->report, out, len);
    imgb_store_close(st);
    return rc;
}

static int many_record(void *ctx, const imgb_scan_result *res)
{
    return scan_record(ctx, res);
}

static int many_answer(void *ctx, char **out, size_t *len)
{
    return scan_from_history(ctx, NULL, out, len);
}

#define SCAN_MAX_IMAGES 1024 /* on the command line */

int cmd_scan(int argc, char **argv)
{
    scan_args s = { .format = NULL, .lang = "zh", .exit_code = CLI_EXIT_FINDINGS };
    imgb_ruleset *rs = NULL;
    imgb_scan_result *res = NULL;
    imgb_ignore_list *ignore = NULL;
    char *out = NULL;
    size_t outlen = 0;
    cli_option params[SCAN_MAX_PARAMS + 1];
    char param_names[SCAN_MAX_PARAMS][64];
    const cli_option *tables[] = { scan_options, params };
    char *image = NULL;
    char *posv[SCAN_MAX_IMAGES];
    cli_strvec listed = { 0 };
    size_t npos;
    bool help;
    int status = CLI_EXIT_ERROR;

    imgb_scan_options_init(&s.scan, IMGB_SCAN_OPTIONS_VERSION);
    imgb_report_request_new(&s.report);
    scan_build_param_options(params, param_names);
    if (cli_parse(argc, argv, tables, 2, &s, posv, SCAN_MAX_IMAGES, &npos, &help) < 0)
        goto done;
    for (size_t i = 0; i < s.images_from.n; i++)
        if (cli_read_image_list(s.images_from.v[i], &listed) < 0)
            goto done;
    image = npos ? posv[0] : listed.n ? (char *)listed.v[0] : NULL;
    size_t nstdin = 0;
    for (size_t i = 0; i < npos; i++)
        nstdin += strcmp(posv[i], "-") == 0;
    for (size_t i = 0; i < s.images_from.n; i++)
        nstdin += strcmp(s.images_from.v[i], "-") == 0;
    for (size_t i = 0; i < listed.n; i++)
        nstdin += strcmp(listed.v[i], "-") == 0;
    if (nstdin > 1) {
        cli_fail("scan: stdin (-) can be read only once");
        goto done;
    }
    if (help) {
        scan_usage(stdout, params);
        status = CLI_EXIT_OK;
        goto done;
    }
    if (!image && !s.store) {
        scan_usage(stderr, params);
        goto done;
    }
    bool tty_out = !s.output && isatty(STDOUT_FILENO);
    if (!s.format)
        s.format = tty_out ? "table" : "json";
    if (imgb_report_format_find(s.format) < 0 || strncmp(s.format, "inspect", 7) == 0) {
        cli_fail("scan: unknown format '%s' (see --help)", s.format);
        goto done;
    }

    if (!image) {
        /* --store without IMAGE: answer an API format from the history, scan nothing. */
        if (!imgb_report_format_is_api((size_t)imgb_report_format_find(s.format))) {
            cli_fail("scan: without IMAGE, --store answers only the API formats (aliyun-*, "
                     "huawei-*)");
            goto done;
        }
        if (scan_from_history(&s, NULL, &out, &outlen) < 0) {
            cli_fail("%s", imgb_error_last());
            goto done;
        }
        if (scan_write(s.output, out, outlen) == 0)
            status = CLI_EXIT_OK;
        goto done;
    }
    if (s.job && (!s.store || !s.worker)) {
        cli_fail("scan: --job needs --store and --worker");
        goto done;
    }

    struct stat st;
    const char *ignore_path = s.ignore_file;
    if (!ignore_path && stat(IMGB_IGNORE_DEFAULT_FILE, &st) == 0)
        ignore_path = IMGB_IGNORE_DEFAULT_FILE;
    if (ignore_path && imgb_ignore_load(&ignore, ignore_path) < 0) {
        cli_fail("%s", imgb_error_last());
        goto done;
    }
    imgb_report_request_set_ignore(s.report, ignore);
    imgb_report_request_set_color(s.report, tty_out && getenv("NO_COLOR") == NULL);
    if (s.exit_code_set && !s.fail_on_set) {
        s.fail_on = IMGB_SEV_LOW; /* --exit-code alone: any unignored failure */
        s.fail_on_set = true;
    }

    if (cli_load_rules(&rs, (char *const *)s.rules_dirs.v, s.rules_dirs.n,
                       s.no_default_rules) != 0)
        goto done;
    if (scan_load_dicts(rs, &s) != 0)
        goto done;
    if (npos + listed.n > 1) {
        const char **all = calloc(npos + listed.n, sizeof *all);
        if (!all)
            abort();
        for (size_t i = 0; i < npos; i++)
            all[i] = posv[i];
        for (size_t i = 0; i < listed.n; i++)
            all[npos + i] = listed.v[i];
        many_args m = { .rs = rs, .scan = &s.scan, .format = s.format, .report = s.report,
                        .parallel = s.parallel,
                        .threshold = s.fail_on_set ? (int)s.fail_on : -1,
                        .exit_code = s.exit_code, .quiet = s.quiet,
                        .record = s.store ? many_record : NULL,
                        .answer = s.store ? many_answer : NULL, .ctx = &s };
        if (s.store && (s.who.repo_namespace || s.who.repo_name || s.who.tag)) {
            cli_fail("scan: --repo-namespace, --repo-name and --tag name one image; with "
                     "several images each is recorded under its own reference");
        } else {
            char *text = NULL;
            size_t tl = 0;
            status = cli_scan_many(all, npos + listed.n, &m, &text, &tl);
            if (scan_write(s.output, text, tl) != 0)
                status = CLI_EXIT_ERROR;
            free(text);
        }
        free(all);
        goto done;
    }
    cli_progress(s.quiet, "scanning %s", image);
    if (imgb_scan(&res, rs, image, &s.scan) < 0) {
        cli_fail("%s", imgb_error_last());
        goto done;
    }

    if (s.store && scan_record(&s, res) != 0) /* cli_fail() returns CLI_EXIT_ERROR */
        goto done;
    int fi = imgb_report_format_find(s.format);
    int rc = s.store && imgb_report_format_is_api((size_t)fi)
                 ? scan_from_history(&s, res, &out, &outlen)
                 : imgb_report_render(res, s.format, s.report, &out, &outlen);
    if (rc < 0) {
        cli_fail("%s", imgb_error_last());
        goto done;
    }
    if (scan_write(s.output, out, outlen) != 0)
        goto done;

    imgb_report_ignore_warnings(res, s.report, scan_print_warning, NULL);

    cli_progress(s.quiet, "scanned %s in %lld ms", image,
                 (long long)(imgb_result_finished_ms(res) - imgb_result_started_ms(res)));
    status = cli_exit_status(res, s.report, s.fail_on_set ? (int)s.fail_on : -1, s.exit_code,
                             s.quiet);

done:
    imgb_free(out);
    imgb_scan_result_free(res);
    imgb_ruleset_free(rs);
    imgb_ignore_list_free(ignore);
    imgb_report_request_free(s.report);
    cli_strvec_dispose(&s.rules_dirs);
    cli_strvec_dispose(&s.dicts);
    cli_strvec_dispose(&s.images_from);
    for (size_t i = 0; i < listed.n; i++)
        free((char *)listed.v[i]);
    cli_strvec_dispose(&listed);
    return status;
}
