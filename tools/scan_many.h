/* Several images in one `imgbaseline scan` (tools/scan_many.c). */
#ifndef IMGB_TOOLS_SCAN_MANY_H
#define IMGB_TOOLS_SCAN_MANY_H

#include <stdbool.h>
#include <stddef.h>

#include "report/report.h"
#include "scan.h"
#include "util/mem.h"

typedef struct many_args {
    const imgb_ruleset *rs;
    const imgb_scan_options *scan;
    const imgb_report_format *fmt;  /* NULL: native JSON Lines */
    const char *lang;
    const imgb_report_params *report;
    int parallel;                   /* images scanned at once (<= 0: 2) */
    int threshold;                  /* exit-code severity threshold, < 0: none */
    int exit_code;
    bool quiet;
    /* --store: record each scanned image (NULL: none), and answer the API formats from the
     * history, which then holds every image (NULL: combine the results here) */
    int (*record)(void *ctx, const imgb_scan_result *res);
    int (*answer)(void *ctx, const imgb_report_format *fmt, imgb_buf *out);
    void *ctx;
} many_args;

/** Append the non-empty, non-'#' lines of FILE ("-": stdin) to `out` (malloc'd strings).
 *  @return 0, or -1 after printing one line naming the file and line. */
int cli_read_image_list(const char *file, imgb_ptrvec *out);

/** Scan `refs` and render into `out`; returns the exit status (worst image). */
int cli_scan_many(char *const *refs, size_t n, const many_args *a, imgb_buf *out);

#endif
