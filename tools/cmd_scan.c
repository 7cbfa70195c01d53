/*
 * `imgbaseline scan IMAGE`: load the rules, scan once, render the one result in the chosen
 * format (any row of the library's format table), write it to stdout or -o FILE.
 *
 * Options are rows: the scan's own table below, then one `--<param>` per report request
 * parameter (imgb_report_param_names(): --risk-level, --page-size, --image-type, ...), so
 * a new API parameter needs no change here.  Every flag, request parameter and the output
 * path are checked before the image is opened.
 *
 * Exit status (Trivy's meanings where the names are Trivy's):
 *   --severity LIST   only items of these severities are shown and counted, in every format;
 *   --fail-on SEV     the gate: unignored failures at or above SEV exit with --exit-code
 *                     (default 1);
 *   --exit-code N     alone: the status when any shown unignored failure exists (0 allowed,
 *                     Trivy's default, for report-only wrappers);
 *   2                 an error, and the gate failing closed: an image not read in full or not
 *                     identified exits 2 whatever the flags say, and so do unjudged (error,
 *                     incomplete) items under a gate; --allow-incomplete turns both into
 *                     warnings.
 * The format defaults to the table on a terminal and to the native JSON otherwise; -o writes
 * atomically (report_cli.c); progress and warnings go to stderr, progress only on a terminal,
 * nothing but errors with -q.
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
    bool lang_set;                /* --lang given */
    const char *output;
    const char *ignore_file;
    bool fail_on_set;
    imgb_severity fail_on;
    int exit_code;
    bool exit_code_set;
    bool quiet;
    bool allow_incomplete;        /* --allow-incomplete: a partial scan warns, never exits 2 */
    bool show_passed;             /* --show-passed (table) */
    bool evidence_all;            /* --evidence all (table) */
    cli_strvec ignores;           /* -i/--ignore ID (borrowed) */
    const char *severities;       /* --severity LIST (Trivy's filter) */
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
        return cli_fail("scan: --lang must be zh or en, not '%s'", v), -1;
    s->lang_set = true;
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
        return cli_fail("scan: --fail-on must be high, medium or low, not '%s'", v), -1;
    s->fail_on_set = true;
    return 0;
}

static int opt_exit_code(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    long n;
    if (cli_parse_int(v, 0, 125, &n) < 0 || n == CLI_EXIT_ERROR)
        return cli_fail("scan: --exit-code wants 0, 1 or 3..125 (2 means error), not '%s'", v),
               -1;
    ((scan_args *)a)->exit_code = (int)n;
    ((scan_args *)a)->exit_code_set = true;
    return 0;
}

static int opt_severity(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    scan_args *s = a;
    if (imgb_report_request_set_severities(s->report, v) < 0)
        return cli_fail("scan: --severity: %s", imgb_error_last()), -1;
    s->severities = v;
    return 0;
}

static int opt_flag(void *a, const cli_option *opt, const char *v)
{
    (void)v;
    scan_args *s = a;
    if (!strcmp(opt->name, "allow-incomplete"))
        s->allow_incomplete = true;
    else if (!strcmp(opt->name, "show-passed"))
        s->show_passed = true;
    return 0;
}

static int opt_evidence(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    if (strcmp(v, "all") != 0 && strcmp(v, "first") != 0)
        return cli_fail("scan: --evidence wants all or first (the first five), not '%s'", v), -1;
    ((scan_args *)a)->evidence_all = strcmp(v, "all") == 0;
    return 0;
}

static int opt_ignore(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    if (!*v)
        return cli_fail("scan: --ignore wants an item id or key"), -1;
    cli_strvec_push(&((scan_args *)a)->ignores, v);
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
    { "quiet", 'q', NULL, "nothing on stderr but errors (no progress, no warnings)", opt_quiet,
      NULL },
    { "lang", 0, "zh|en", "language of the report (default: zh for a zh_* locale in LC_ALL, "
      "LC_MESSAGES or LANG, else en; the cloud API formats: zh, their APIs' default)",
      opt_lang, NULL },
    { "severity", 's', "LIST", "show and count only these severities, e.g. HIGH or "
      "MEDIUM,HIGH (every format and the exit status)", opt_severity, NULL },
    { "show-passed", 0, NULL, "table: list passed and not-applicable items too", opt_flag,
      NULL },
    { "evidence", 0, "all|first", "table: every piece of evidence, or the first five "
      "(default)", opt_evidence, NULL },
    { "ignore", 'i', "ID", "accept the findings of item ID (id or key; repeatable), as an "
      "ignore-file entry would", opt_ignore, NULL },
    { "allow-incomplete", 0, NULL, "report an image that could not be read or judged in full "
      "with a warning instead of exit status 2", opt_flag, NULL },
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
    { "fail-on", 0, "SEVERITY", "the gate: exit 1 (or --exit-code) when an unignored item of "
      "SEVERITY or above fails; unjudged items at or above it exit 2", opt_fail_on, NULL },
    { "exit-code", 0, "N", "exit status for findings (default 1 with --fail-on); alone: the "
      "status when any shown unignored failure exists (0 allowed)", opt_exit_code, NULL },
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
        /* Huawei's `severity` request parameter is --huawei-severity: --severity is Trivy's */
        snprintf(names[n], sizeof names[n], "%s%s", strcmp(keys[i], "severity") ? "" : "huawei_",
                 keys[i]);
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
    fputs("\n\n"
          "severity and exit status (as in Trivy):\n"
          "  --severity LIST filters what is shown and counted in every format; --fail-on SEV\n"
          "  is the gate's threshold; --exit-code N is the status for findings that pass both\n"
          "  (default 1 with --fail-on; alone it applies to any shown finding, 0 allowed).\n"
          "  imgbaseline scan app.tar --fail-on high            exit 1 on a high finding\n"
          "  imgbaseline scan app.tar -s HIGH --exit-code 1     the same, Trivy style\n"
          "  imgbaseline scan app.tar -s MEDIUM,HIGH            report only, exit 0\n"
          "exit status: 0 ok; 1 (or N) findings; 2 error, or the gate failing closed: an\n"
          "image not read in full or not identified, or (under a gate) items that could not\n"
          "be judged; --allow-incomplete turns those into warnings\n", f);
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

/* A request parameter's error names the flag that sets it ("image_type" -> --image-type). */
static int scan_fail_param(const char *what)
{
    const char *msg = imgb_error_last();
    const char *const *names = imgb_report_param_names();
    for (size_t i = 0; names[i]; i++) {
        if (!strstr(msg, names[i]))
            continue;
        char flag[64];
        snprintf(flag, sizeof flag, "%s%s", strcmp(names[i], "severity") ? "" : "huawei-",
                 names[i]);
        for (char *c = flag; *c; c++)
            if (*c == '_')
                *c = '-';
        return cli_fail("scan: %s needs --%s: %s", what, flag, msg);
    }
    return cli_fail("scan: %s: %s", what, msg);
}

/* Everything that can be checked without the image, checked before it is opened. */
static int scan_check_early(scan_args *s, bool tty_out)
{
    if (!s->format)
        s->format = tty_out ? "table" : "json";
    if (imgb_report_format_find(s->format) < 0 || strncmp(s->format, "inspect", 7) == 0)
        return cli_fail("scan: --format: unknown format '%s' (see --help)", s->format);
    char what[96];
    snprintf(what, sizeof what, "--format %s", s->format);
    if (imgb_report_request_check(s->report, s->format) < 0)
        return scan_fail_param(what);
    if (s->output) {
        /* the directory must take the report: found out now, not after a long crack */
        char *dir = cli_xstrdup(s->output);
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        const char *d = slash ? dir : ".";
        struct stat st;
        int bad = stat(d, &st) != 0 || !S_ISDIR(st.st_mode) || access(d, W_OK | X_OK) != 0;
        if (!bad && stat(s->output, &st) == 0 && S_ISDIR(st.st_mode))
            bad = 2;
        free(dir);
        if (bad)
            return cli_fail("scan: -o %s: %s", s->output,
                            bad == 2 ? "is a directory" : "its directory does not exist or "
                                                          "is not writable");
    }
    return 0;
}

/* Progress on a terminal: one line, rewritten in place, from the library's callback. */
typedef struct scan_progress_state {
    int64_t last_ms;
    bool drawn;
} scan_progress_state;

static void scan_on_progress(const imgb_progress *p, void *payload)
{
    scan_progress_state *ps = payload;
    int64_t now = cli_now_ms();
    bool final = p->stage == IMGB_STAGE_DONE;
    if (!final && now - ps->last_ms < 100)
        return;
    ps->last_ms = now;
    char line[160];
    switch (p->stage) {
    case IMGB_STAGE_OPEN: snprintf(line, sizeof line, "reading the manifest and config"); break;
    case IMGB_STAGE_READ:
        snprintf(line, sizeof line, "layer %zu/%zu read (%.1f of %.1f MB)", p->layer + 1,
                 p->nlayers, (double)p->bytes / 1e6, (double)p->total_bytes / 1e6);
        break;
    case IMGB_STAGE_DETECT: snprintf(line, sizeof line, "identifying the OS"); break;
    case IMGB_STAGE_EVALUATE: snprintf(line, sizeof line, "checking %.100s", p->item); break;
    case IMGB_STAGE_CRACK:
        snprintf(line, sizeof line, "weak passwords: %zu/%zu accounts settled, %llu candidates "
                 "tried, %.0f s of the budget left", p->accounts_done, p->accounts,
                 (unsigned long long)p->candidates, p->budget_left);
        break;
    default: line[0] = '\0'; break;
    }
    fprintf(stderr, "\r\033[K%s%s", final ? "" : "imgbaseline: ", line);
    ps->drawn = !final;
    fflush(stderr);
}

static void scan_progress_end(scan_progress_state *ps)
{
    if (ps->drawn)
        fputs("\r\033[K", stderr);
    ps->drawn = false;
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
    scan_args s = { .format = NULL, .exit_code = CLI_EXIT_FINDINGS };
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
    scan_progress_state ps = { 0 };

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
    if (scan_check_early(&s, tty_out) != 0)
        goto done;
    /* The language: --lang, else the locale's for the human formats; the cloud API formats
     * keep their APIs' documented default (zh), so a response equals the service's. */
    if (!s.lang_set && !imgb_report_format_is_api((size_t)imgb_report_format_find(s.format)))
        imgb_report_request_set(s.report, "lang", cli_default_lang());

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

    if (cli_load_ignore(&ignore, s.ignore_file, s.ignores.v, s.ignores.n) != 0)
        goto done;
    imgb_report_request_set_ignore(s.report, ignore);
    imgb_report_request_set_color(s.report, tty_out && getenv("NO_COLOR") == NULL);
    /* the terminal's width (or $COLUMNS when set); a file gets 80 columns */
    imgb_report_request_set_table(s.report,
                                  tty_out || getenv("COLUMNS") ? cli_terminal_columns() : 0,
                                  s.show_passed, s.evidence_all);
    /* The gate's threshold: --fail-on, else (Trivy) --exit-code applies to any finding shown. */
    if (s.exit_code_set && !s.fail_on_set) {
        s.fail_on = IMGB_SEV_LOW;
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
                        .allow_incomplete = s.allow_incomplete,
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
    if (!s.quiet && isatty(STDERR_FILENO)) {
        s.scan.progress = scan_on_progress;
        s.scan.progress_payload = &ps;
    }
    int rc = imgb_scan(&res, rs, image, &s.scan);
    scan_progress_end(&ps);
    if (rc < 0) {
        cli_fail("%s", imgb_error_last());
        goto done;
    }

    if (s.store && scan_record(&s, res) != 0) /* cli_fail() returns CLI_EXIT_ERROR */
        goto done;
    int fi = imgb_report_format_find(s.format);
    rc = s.store && imgb_report_format_is_api((size_t)fi)
             ? scan_from_history(&s, res, &out, &outlen)
             : imgb_report_render(res, s.format, s.report, &out, &outlen);
    if (rc < 0) {
        cli_fail("%s", imgb_error_last());
        goto done;
    }
    if (scan_write(s.output, out, outlen) != 0)
        goto done;

    /* Warnings once each on stderr (the table on this terminal already lists the scan's). */
    if (!s.quiet) {
        if (!(tty_out && strcmp(s.format, "table") == 0))
            for (size_t w = 0; w < imgb_result_warning_count(res); w++)
                scan_print_warning(imgb_result_warning(res, w), NULL);
        imgb_report_ignore_warnings(res, s.report, scan_print_warning, NULL);
    }
    status = cli_gate(res, s.report, s.fail_on_set ? (int)s.fail_on : -1, s.exit_code,
                      s.allow_incomplete, s.quiet);

done:
    imgb_free(out);
    imgb_scan_result_free(res);
    imgb_ruleset_free(rs);
    imgb_ignore_list_free(ignore);
    imgb_report_request_free(s.report);
    cli_strvec_dispose(&s.rules_dirs);
    cli_strvec_dispose(&s.dicts);
    cli_strvec_dispose(&s.ignores);
    cli_strvec_dispose(&s.images_from);
    for (size_t i = 0; i < listed.n; i++)
        free((char *)listed.v[i]);
    cli_strvec_dispose(&listed);
    return status;
}
