/*
 * `imgbaseline diff OLD NEW`: scan both images with the same rules and options and report
 * NEW against OLD: findings new in NEW (+), fixed in NEW (-), unchanged (=), in the scan's
 * formats (json, table, sarif, html; the cloud API formats have no field for it).  The gate
 * (--fail-on, --exit-code, --only-own, the ignore file) counts only NEW's new findings: the
 * pre-push question "did my change make the image worse than main's?".
 * --base-image/--base-layers describe NEW's base (origins of its findings); OLD is scanned
 * with the base it declares itself.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <imgbaseline/imgbaseline.h>

#include "cli.h"
#include "report_cli.h"

int cmd_diff(int argc, char **argv);

typedef struct diff_args {
    const char *format;
    const char *lang;
    const char *output;
    const char *ignore_file;
    cli_strvec rules_dirs;
    bool no_default_rules;
    imgb_scan_options scan;
    bool fail_on_set;
    imgb_severity fail_on;
    int exit_code;
    bool exit_code_set;
    bool quiet;
    bool allow_incomplete;        /* --allow-incomplete: either side may be partial (warned) */
    cli_strvec ignores;           /* -i/--ignore ID (borrowed) */
    imgb_report_request *report;
} diff_args;

static int opt_str(void *a, const cli_option *opt, const char *v)
{
    diff_args *d = a;
    const char **slot = !strcmp(opt->key, "format")        ? &d->format
                        : !strcmp(opt->key, "lang")        ? &d->lang
                        : !strcmp(opt->key, "output")      ? &d->output
                        : !strcmp(opt->key, "ignore-file") ? &d->ignore_file
                        : !strcmp(opt->key, "image")       ? &d->scan.image_ref
                        : !strcmp(opt->key, "platform")    ? &d->scan.platform
                                                           : &d->scan.base_image;
    *slot = v;
    return 0;
}

static int opt_flag(void *a, const cli_option *opt, const char *v)
{
    diff_args *d = a;
    (void)v;
    if (!strcmp(opt->key, "quiet"))
        d->quiet = true;
    else if (!strcmp(opt->key, "no-verify"))
        d->scan.no_verify = 1;
    else if (!strcmp(opt->key, "no-default-rules"))
        d->no_default_rules = true;
    else if (!strcmp(opt->key, "allow-incomplete"))
        d->allow_incomplete = true;
    else
        imgb_report_request_set_only_own(d->report, 1);
    return 0;
}

static int opt_num(void *a, const cli_option *opt, const char *v)
{
    diff_args *d = a;
    long n;
    long max = !strcmp(opt->key, "jobs") ? 256 : !strcmp(opt->key, "exit-code") ? 255
               : 86400;
    long min = !strcmp(opt->key, "base-layers") || !strcmp(opt->key, "exit-code") ? 0 : 1;
    if (cli_parse_int(v, min, max, &n) < 0)
        return cli_fail("diff: --%s wants a number from %ld to %ld", opt->name, min, max), -1;
    if (!strcmp(opt->key, "jobs"))
        d->scan.jobs = (int)n;
    else if (!strcmp(opt->key, "exit-code")) {
        d->exit_code = (int)n;
        d->exit_code_set = true;
    } else if (!strcmp(opt->key, "base-layers"))
        d->scan.base_layers = (int)n;
    else
        d->scan.weak_password_budget = (double)n;
    return 0;
}

static int opt_rules(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    cli_strvec_push(&((diff_args *)a)->rules_dirs, v);
    return 0;
}

static int opt_ignore(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    if (!*v)
        return cli_fail("diff: --ignore wants an item id or key"), -1;
    cli_strvec_push(&((diff_args *)a)->ignores, v);
    return 0;
}

static int opt_fail_on(void *a, const cli_option *opt, const char *v)
{
    diff_args *d = a;
    (void)opt;
    if (imgb_severity_parse(v, &d->fail_on) < 0)
        return cli_fail("diff: --fail-on must be high, medium or low"), -1;
    d->fail_on_set = true;
    return 0;
}

static int opt_param(void *a, const cli_option *opt, const char *v)
{
    if (imgb_report_request_set(((diff_args *)a)->report, opt->key, v) < 0)
        return cli_fail("diff: --%s: %s", opt->name, imgb_error_last()), -1;
    return 0;
}

static int opt_severity(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    if (imgb_report_request_set_severities(((diff_args *)a)->report, v) < 0)
        return cli_fail("diff: --severity: %s", imgb_error_last()), -1;
    return 0;
}

static const cli_option diff_options[] = {
    { "format", 'f', "FORMAT",
      "json, table, sarif or html (default: table on a terminal, else json)", opt_str, "format" },
    { "output", 'o', "FILE", "write the report to FILE (atomically)", opt_str, "output" },
    { "lang", 0, "zh|en", "language of the report (default: zh for a zh_* locale in LC_ALL, "
      "LC_MESSAGES or LANG, else en)",
      opt_str, "lang" },
    { "rules", 0, "DIR", "also load rule files from DIR (repeatable)", opt_rules, NULL },
    { "no-default-rules", 0, NULL, "do not load the built-in rules", opt_flag,
      "no-default-rules" },
    { "image", 0, "REF", "pick one image of a multi-image archive (both)", opt_str, "image" },
    { "platform", 0, "OS/ARCH[/VAR]", "pick a platform (both)", opt_str, "platform" },
    { "no-verify", 0, NULL, "skip digest verification", opt_flag, "no-verify" },
    { "jobs", 'j', "N", "parallel layer decompression and password cracking", opt_num, "jobs" },
    { "weak-password-budget", 0, "SECONDS", "cracking time per image (default 30)", opt_num,
      "budget" },
    { "ignore-file", 0, "FILE", "accepted findings (default ./" IMGB_IGNORE_DEFAULT_FILE
      " when present)", opt_str, "ignore-file" },
    { "ignore", 'i', "ID", "accept the findings of item ID (id or key; repeatable), as an "
      "ignore-file entry would", opt_ignore, NULL },
    { "fail-on", 0, "SEVERITY", "exit 1 (or --exit-code) when a NEW unignored finding of "
      "SEVERITY or above exists", opt_fail_on, NULL },
    { "exit-code", 0, "N", "exit status for new findings (default 1); alone: any new finding",
      opt_num, "exit-code" },
    { "only-own", 0, NULL, "the gate counts only new findings of NEW's own layers", opt_flag,
      "only-own" },
    { "base-image", 0, "FILE", "NEW's base image: its layers are NEW's first ones", opt_str,
      "base-image" },
    { "base-layers", 0, "N", "NEW's first N layers are its base image's", opt_num,
      "base-layers" },
    { "severity", 's', "LIST", "show and count only these severities, e.g. HIGH or MEDIUM,HIGH "
      "(as scan -s)", opt_severity, NULL },
    { "allow-incomplete", 0, NULL, "report images that could not be read or judged in full with "
      "a warning instead of exit status 2 (as scan)", opt_flag, "allow-incomplete" },
    { "risk-level", 0, "LEVELS", "show only these severities (high,medium,low)", opt_param,
      "risk_level" },
    { "quiet", 'q', NULL, "no progress or warnings on stderr", opt_flag, "quiet" },
    { NULL, 0, NULL, NULL, NULL, NULL },
};

static int diff_scan(imgb_scan_result **out, const imgb_ruleset *rs, const char *path,
                     const imgb_scan_options *o, bool quiet)
{
    cli_progress(quiet, "scanning %s", path);
    if (imgb_scan(out, rs, path, o) < 0)
        return cli_fail("%s", imgb_error_last());
    return 0;
}

int cmd_diff(int argc, char **argv)
{
    diff_args d = { .lang = cli_default_lang(), .exit_code = CLI_EXIT_FINDINGS };
    const cli_option *tables[] = { diff_options };
    char *images[2] = { NULL, NULL };
    size_t npos = 0;
    bool help = false;
    int status = CLI_EXIT_ERROR;
    imgb_ruleset *rs = NULL;
    imgb_scan_result *old = NULL, *new_ = NULL;
    imgb_ignore_list *ignore = NULL;
    char *out = NULL;
    size_t outlen = 0;

    imgb_scan_options_init(&d.scan, IMGB_SCAN_OPTIONS_VERSION);
    imgb_report_request_new(&d.report);
    if (cli_parse(argc, argv, tables, 1, &d, images, 2, &npos, &help) < 0)
        goto done;
    if (help) {
        fputs("usage: imgbaseline diff OLD NEW [options]\n\nNEW's findings against OLD's: new "
              "(+), fixed (-), unchanged (=).\n\noptions:\n", stdout);
        cli_print_options(stdout, diff_options);
        fputs("\nexit status: 0 ok, 1 (or --exit-code N) a new unignored finding at or above "
              "--fail-on, 2 error\n", stdout);
        status = CLI_EXIT_OK;
        goto done;
    }
    if (npos != 2) {
        cli_fail("diff: expected two images, OLD and NEW (see --help)");
        goto done;
    }
    bool tty_out = !d.output && isatty(STDOUT_FILENO);
    if (!d.format)
        d.format = tty_out ? "table" : "json";
    if (imgb_report_request_set(d.report, "lang", d.lang) < 0) {
        cli_fail("diff: --lang: %s", imgb_error_last());
        goto done;
    }
    int fi = imgb_report_format_find(d.format);
    if (fi < 0 || imgb_report_format_is_api((size_t)fi) || strncmp(d.format, "inspect", 7) == 0 ||
        strcmp(d.format, "junit") == 0) {
        cli_fail("diff: format '%s' cannot show new and fixed findings (json, table, sarif or "
                 "html)", d.format);
        goto done;
    }
    if (cli_load_ignore(&ignore, d.ignore_file, d.ignores.v, d.ignores.n) != 0)
        goto done;
    imgb_report_request_set_ignore(d.report, ignore);
    imgb_report_request_set_color(d.report, tty_out && getenv("NO_COLOR") == NULL);
    if (d.exit_code_set && !d.fail_on_set) {
        d.fail_on = IMGB_SEV_LOW;
        d.fail_on_set = true;
    }
    if (cli_load_rules(&rs, (char *const *)d.rules_dirs.v, d.rules_dirs.n,
                       d.no_default_rules) != 0)
        goto done;
    /* the base options describe NEW; OLD keeps the base it declares */
    imgb_scan_options old_opts = d.scan;
    old_opts.base_image = NULL;
    old_opts.base_layers = -1;
    if (diff_scan(&old, rs, images[0], &old_opts, d.quiet) < 0 ||
        diff_scan(&new_, rs, images[1], &d.scan, d.quiet) < 0)
        goto done;
    imgb_report_request_set_diff(d.report, old);
    if (imgb_report_render(new_, d.format, d.report, &out, &outlen) < 0) {
        cli_fail("%s", imgb_error_last());
        goto done;
    }
    if (d.output ? cli_write_atomic(d.output, out, outlen) < 0
                 : (fwrite(out, 1, outlen, stdout) != outlen || fflush(stdout) != 0)) {
        if (!d.output)
            cli_fail("diff: write error on stdout");
        goto done;
    }
    /* fail closed on either side: a diff against an image not read in full proves nothing */
    if (!imgb_result_image_complete(old)) {
        const char *why = imgb_result_incomplete_reason(old);
        why = why ? why : "the old image was not read in full";
        if (!d.allow_incomplete) {
            status = cli_fail("diff: %s (--allow-incomplete to accept it)", why);
            goto done;
        }
        if (!d.quiet)
            fprintf(stderr, "imgbaseline: warning: diff: %s\n", why);
    }
    status = cli_gate(new_, d.report, d.fail_on_set ? (int)d.fail_on : -1, d.exit_code,
                      d.allow_incomplete, d.quiet);
done:
    imgb_free(out);
    imgb_scan_result_free(old);
    imgb_scan_result_free(new_);
    imgb_ruleset_free(rs);
    imgb_ignore_list_free(ignore);
    imgb_report_request_free(d.report);
    cli_strvec_dispose(&d.rules_dirs);
    cli_strvec_dispose(&d.ignores);
    return status;
}
