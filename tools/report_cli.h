/*
 * The report side of `imgbaseline scan`: output options (--format, -o, --quiet, --lang),
 * the request flags of the cloud APIs (--page-size, --limit, --image-type, ...), the CI
 * options (--exit-code, --fail-on/--severity, --ignore-file), and emitting the rendered
 * result with the exit status a CI job acts on.  cmd_scan.c merges cli_report_longopts()
 * into its getopt_long table and hands every option it does not know to
 * cli_report_getopt().
 *
 * Exit statuses: 0 no unignored failure at or above the threshold (or no threshold asked
 * for), N (--exit-code, default 1 once --fail-on/--severity is given) when there is one,
 * 2 only for errors (CLI_EXIT_ERROR), so CI can tell findings from a broken run.
 */
#ifndef IMGB_TOOLS_REPORT_CLI_H
#define IMGB_TOOLS_REPORT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/report.h"

/* getopt values of the report options (above any character option). */
#define CLI_REPORT_OPT_BASE 0x1000

typedef struct cli_report_opts {
    const char *format;           /* --format/-f; NULL: table on a TTY, else json */
    const char *output;           /* -o/--output FILE, written atomically */
    const char *ignore_file;      /* --ignore-file; NULL: .imgbaselineignore when present */
    bool quiet;                   /* --quiet/-q: no progress, no warnings */
    int exit_code;                /* --exit-code N (-1: not given) */
    int fail_on;                  /* imgb_severity threshold (-1: none) */
    bool fail_on_explicit;        /* --fail-on given (beats --severity) */
    imgb_report_params params;
    imgb_ignore_list *ignore;     /* loaded by cli_report_prepare */
} cli_report_opts;

/*
 * The native JSON report (engine/report/native.c) is rendered through this hook so the
 * report options work for `--format json` too.
 */
typedef int (*cli_native_render)(const imgb_scan_result *res, const imgb_report_params *p,
                                 imgb_buf *out);

void cli_report_opts_init(cli_report_opts *o);
void cli_report_opts_dispose(cli_report_opts *o);

/** The report's getopt_long entries (terminated by a zero entry). */
const struct option *cli_report_longopts(void);
/** `base` (terminated) followed by the report entries; malloc'd, caller frees. */
struct option *cli_report_merge_longopts(const struct option *base);

/**
 * Handle getopt result `c` with `arg`.  Also accepts 'f' (--format), 'o' (--output) and
 * 'q' (--quiet) when the caller maps them here.
 * @return 1 handled, 0 not a report option, -1 error (already printed, exit 2).
 */
int cli_report_getopt(cli_report_opts *o, int c, const char *arg);

/**
 * After parsing: check the format name and the flag combinations, load the ignore file.
 * @return 0 or CLI_EXIT_ERROR (message printed).
 */
int cli_report_prepare(cli_report_opts *o);

/** Whether the chosen format is the native JSON report. */
bool cli_report_is_native(const cli_report_opts *o);

/** Progress line on stderr, only when stderr is a terminal and not --quiet. */
void cli_report_progress(const cli_report_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * Render `res`, write it (stdout or -o atomically), print warnings (expired ignore
 * entries) on stderr, and return the exit status.
 */
int cli_report_emit(cli_report_opts *o, const imgb_scan_result *res, cli_native_render native);

/** Write `data` to `path` atomically: a temporary file in the same directory, renamed. */
int cli_write_atomic(const char *path, const char *data, size_t len);

/** The usage lines of the report options. */
void cli_report_usage(FILE *f);

#endif
