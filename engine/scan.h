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

#include <imgbaseline/scan.h>

#include "fs/view.h"
#include "image/image.h"
#include "rules/rules.h"

typedef struct imgb_scan_config {
    imgb_read_options read;        /* image selection, verification, jobs, limits */
    double weak_password_budget;   /* seconds; <= 0: default 30 */
    size_t keep_file_max;          /* 0: IMGB_KEEP_FILE_MAX */
    uint64_t keep_total_max;       /* 0: IMGB_KEEP_TOTAL_MAX */
    const char *only_baseline;     /* evaluate only this baseline key (NULL: all applicable) */
    imgb_progress_fn progress;     /* public API callbacks (<imgbaseline/scan.h>); may be NULL */
    void *progress_payload;
    imgb_cancel_fn cancel;
    void *cancel_payload;
    bool has_base_layers;          /* --base-layers given */
    int base_layers;               /* the number of base layers (0: no base, FROM scratch) */
    const char *base_image;        /* --base-image FILE (NULL: none) */
} imgb_scan_config;

/* The base-image boundary (engine/attribution.h). */
typedef struct imgb_base_info {
    int layers;                    /* layers of the base, -1: unknown */
    int history;                   /* history entries of the base, -1: unknown */
    char *source;                  /* how it was found, or why it is unknown */
    char *name;                    /* declared or given base name (NULL: none) */
    char *digest;                  /* its manifest digest (NULL: none) */
} imgb_base_info;

typedef struct imgb_baseline_result {
    const imgb_baseline *baseline;
    char *reason;                  /* why it applies, e.g. "os-release ID=centos VERSION_ID=7" */
    imgb_item_result *items;       /* one per baseline item, same order */
    size_t nitems;
    size_t failed[3];              /* failed items by imgb_severity */
    size_t passed, not_applicable, errors, incomplete;
} imgb_baseline_result;

/* What a scan cost, stage by stage (native report: scan.stats). */
typedef struct imgb_scan_stats {
    imgb_read_stats read;          /* bytes read/inflated/parsed, passes, inflate/verify/apply */
    double open_ms;                /* manifest, index, config: wall */
    double read_ms;                /* layers read and merged (threads overlap): wall */
    double evaluate_ms;            /* every item of every applied baseline: wall */
    double crack_ms;               /* of which weak-password cracking: wall */
} imgb_scan_stats;

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
    char *platform;                /* "os/arch[/variant]" of the image config */
    char *incomplete_reason;       /* imgb_scan_result_incomplete() at the end of the scan */
    imgb_scan_stats stats;
    imgb_base_info base;           /* base-image boundary (engine/attribution.c) */
} imgb_scan_result;

/* A baseline that did not apply: "os-release ID=debian VERSION_ID=12 is not centos|rhel 7..8",
 * "covered by debian10_ssh (ssh)". */
typedef struct imgb_baseline_skip {
    const imgb_baseline *baseline;
    char *reason;
} imgb_baseline_skip;

/** Scan `path` against `rs` (NULL: read the image and identify the OS only).  Free the
 *  result with imgb_scan_result_free().  IMGB_ECANCELED when opts->cancel asked to stop. */
int imgb_scan_run(imgb_scan_result **out, const imgb_ruleset *rs, const char *path,
                  const imgb_scan_config *opts);
/** Scan an archive read once from `fd` (a pipe; see imgb_image_open_fd); `name` stands for
 *  it in messages and reports. */
int imgb_scan_run_fd(imgb_scan_result **out, const imgb_ruleset *rs, int fd, const char *name,
                     const imgb_scan_config *opts);

/**
 * Whether the result cannot be trusted as whole: a layer stream was truncated, the OS could
 * not be identified while the ruleset has OS baselines, or items could not be judged (error,
 * incomplete).  @return 0 when complete, else 1 with a one-line reason in `*reason` (malloc'd;
 * may be NULL).
 */
int imgb_scan_result_incomplete(const imgb_scan_result *res, char **reason);

/** Whether the image was read in full and identified (the first two causes above). */
bool imgb_scan_result_image_complete(const imgb_scan_result *res);

/** Name the scanned image `name` in reports (a stream read through /proc/self/fd). */
void imgb_scan_result_set_name(imgb_scan_result *res, const char *name);

/** The applied baseline `key` of `res`, or NULL (borrowed from `res`). */
const imgb_baseline_result *imgb_scan_result_baseline(const imgb_scan_result *res,
                                                      const char *key);
/** The result of item `id` in any applied baseline of `res`, or NULL (borrowed). */
const imgb_item_result *imgb_scan_result_item(const imgb_scan_result *res, const char *id);

#endif
