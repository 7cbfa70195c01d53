/*
 * The scan: the one place that knows every stage.  Open the image, let every check kind of
 * the applicable baselines register kept paths and consumers, stream the layers into the
 * merged view, detect the OS, choose baselines (and say why), evaluate every item, and keep
 * the whole result in memory so that every renderer works from the same object.
 *
 * Tests: tests/test_scan.c (end to end on images built with umoci/skopeo).
 */
#ifndef IMGB_SCAN_H
#define IMGB_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/view.h"
#include "image/image.h"
#include "rules/rules.h"

typedef struct imgb_scan_options {
    imgb_read_options read;        /* image selection, verification, jobs, limits */
    double weak_password_budget;   /* seconds; <= 0: default 30 */
    size_t keep_file_max;          /* 0: IMGB_KEEP_FILE_MAX */
    uint64_t keep_total_max;       /* 0: IMGB_KEEP_TOTAL_MAX */
    const char *only_baseline;     /* evaluate only this baseline key (NULL: all applicable) */
} imgb_scan_options;

typedef struct imgb_baseline_result {
    const imgb_baseline *baseline;
    char *reason;                  /* why it applies, e.g. "os-release ID=centos VERSION_ID=7" */
    imgb_item_result *items;       /* one per baseline item, same order */
    size_t nitems;
    size_t failed[3];              /* failed items by imgb_severity */
    size_t passed, not_applicable, errors, incomplete;
} imgb_baseline_result;

typedef struct imgb_scan_result {
    imgb_image *image;             /* owned */
    imgb_view *view;               /* owned: the merged filesystem */
    struct imgb_os_info *os;       /* owned */
    const imgb_ruleset *ruleset;   /* borrowed */
    imgb_baseline_result *baselines;
    size_t nbaselines;
    char **warnings;               /* scan-level warnings (plus image->warnings) */
    size_t nwarnings;
    int64_t started_ms;            /* scan start, ms since epoch (LastScanTime) */
    int64_t finished_ms;
    struct imgb_baseline_skip *skipped; /* baselines of the ruleset that did not apply, and why */
    size_t nskipped;
} imgb_scan_result;

/* A baseline that did not apply: "os-release ID=debian VERSION_ID=12 is not centos|rhel 7..8",
 * "covered by debian10_ssh (ssh)". */
typedef struct imgb_baseline_skip {
    const imgb_baseline *baseline;
    char *reason;
} imgb_baseline_skip;

/** Scan `path` against `rs`.  Free the result with imgb_scan_result_free(). */
int imgb_scan_run(imgb_scan_result **out, const imgb_ruleset *rs, const char *path,
                  const imgb_scan_options *opts);
/** Scan an archive read once from `fd` (a pipe; see imgb_image_open_fd); `name` stands for
 *  it in messages and reports. */
int imgb_scan_run_fd(imgb_scan_result **out, const imgb_ruleset *rs, int fd, const char *name,
                     const imgb_scan_options *opts);
void imgb_scan_result_free(imgb_scan_result *res);

/** The applied baseline `key` of `res`, or NULL (borrowed from `res`). */
const imgb_baseline_result *imgb_scan_result_baseline(const imgb_scan_result *res,
                                                      const char *key);
/** The result of item `id` in any applied baseline of `res`, or NULL (borrowed). */
const imgb_item_result *imgb_scan_result_item(const imgb_scan_result *res, const char *id);

#endif
