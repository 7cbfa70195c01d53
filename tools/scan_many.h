/* Several images in one `imgbaseline scan` (tools/scan_many.c). */
#ifndef IMGB_TOOLS_SCAN_MANY_H
#define IMGB_TOOLS_SCAN_MANY_H

#include <stdbool.h>
#include <stddef.h>

#include <imgbaseline/imgbaseline.h>

#include "cli.h"

typedef struct many_args {
    const imgb_ruleset *rs;
    const imgb_scan_options *scan;
    const char *format;             /* "json": JSON Lines */
    const imgb_report_request *report;
    int parallel;                   /* images scanned at once (<= 0: 2) */
    int threshold;                  /* exit-code severity threshold, < 0: none */
    int exit_code;
    bool quiet;
    /* --store: record each scanned image (NULL: none), and answer the API formats from the
     * history, which then holds every image (NULL: combine the results here) */
    int (*record)(void *ctx, const imgb_scan_result *res);
    int (*answer)(void *ctx, char **out, size_t *len);
    void *ctx;
} many_args;

/** Append the non-empty, non-'#' lines of FILE ("-": stdin) to `out` (malloc'd strings,
 *  freed by the caller).  @return 0, or -1 after printing one line naming the file and line. */
int cli_read_image_list(const char *file, cli_strvec *out);

/** Scan `refs`, render into *out (malloc'd); returns the exit status (the worst image's). */
int cli_scan_many(const char *const *refs, size_t n, const many_args *a, char **out,
                  size_t *len);

#endif
