/*
 * The rows behind the four cloud API responses, shared by the per-scan renderers
 * (engine/report/aliyun_*.c, huawei_*.c) and the history of engine/store/: a scan is
 * reduced to these rows once, the store keeps them, and both paths page and emit them with
 * the same functions below, so `scan IMAGE --format X`, `scan --store S --format X` and
 * `serve` give the same bytes for the same rows (request id aside).
 *
 * Strings in rows are borrowed (from the ruleset or from the store's result set).
 */
#ifndef IMGB_REPORT_ROWS_H
#define IMGB_REPORT_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report.h"

/* DescribeImageBaselineCheckResult: one baseline of one image. */
typedef struct imgb_check_row {
    const char *key;              /* BaselineNameKey */
    imgb_text alias;              /* BaselineNameAlias (zh/en, either may be NULL) */
    const char *class_key;
    imgb_text class_alias;        /* BaselineClassAlias */
    int status;                   /* 0 unfixed, 1 fixed */
    long long counts[3];          /* failed items by imgb_severity, ignored ones excluded */
    int level;                    /* BaselineNameLevel as imgb_severity */
    long long nitems;             /* BaselineItemCount */
    int64_t first_ms, last_ms;    /* FirstScanTime / LastScanTime */
    size_t order;                 /* ruleset order (tie-break) */
} imgb_check_row;

/* Huawei ListImageRiskConfigs: one (baseline, standard) of one image. */
typedef struct imgb_hw_row {
    const char *severity;         /* Security|Low|Medium|High */
    const char *check_name;
    const char *check_type;
    const char *standard;
    long long nrules, nfailed;
    imgb_text desc;               /* check_type_desc */
} imgb_hw_row;

/* DescribeImageListByBuildRisk: one image with failed build risks. */
typedef struct imgb_build_image_row {
    const char *uuid, *namespace_name, *name, *digest, *tag;
    int64_t first_ms, last_ms;
    int level;                    /* imgb_severity */
    int status;                   /* 0 unhandled, 1 ignored, 2 false positive */
} imgb_build_image_row;

/* Huawei statistic counts. */
typedef struct imgb_hw_stat {
    long long weak, policy, check;
} imgb_hw_stat;

/**
 * The check rows of `res` (every applied baseline with non-build-risk items), unfiltered,
 * with the ignore list of `p`.  `rows` has room for res->nbaselines.  @return the count.
 */
size_t imgb_report_check_rows(const imgb_scan_result *res, const imgb_report_params *p,
                              imgb_check_row *rows);
/** Filter (RiskLevel, Criteria, ScanRange), order, page and emit check rows (reorders `rows`). */
int imgb_report_check_emit(imgb_check_row *rows, size_t n, const imgb_report_params *p,
                           const char *request_id, imgb_buf *out);

/**
 * The Huawei risk-config rows of `res` (image filters not applied), unfiltered.  Free the
 * array with free().  @return the count.
 */
size_t imgb_report_hw_rows(const imgb_scan_result *res, const imgb_report_params *p,
                           imgb_hw_row **rows);
/** Whether row `r` passes check_name, severity and standard of `p`. */
bool imgb_report_hw_row_selected(const imgb_hw_row *r, const imgb_report_params *p);
/** Emit a risk-configs response: `total` matching rows, `rows` the page. */
int imgb_report_hw_rows_emit(const imgb_hw_row *rows, size_t n, long long total,
                             const imgb_report_params *p, imgb_buf *out);

/** The statistic counts of `res` (image filters not applied). */
void imgb_report_hw_stat_counts(const imgb_scan_result *res, const imgb_report_params *p,
                                imgb_hw_stat *out);
int imgb_report_hw_stat_emit(const imgb_hw_stat *s, imgb_buf *out);

/** Whether image_type is one of the documented values (else the result is empty). */
bool imgb_report_hw_image_type_ok(const imgb_report_params *p);

/* One failed build-risk item of one image. */
typedef struct imgb_build_risk_row {
    const char *key;              /* the item's key, else its id (RiskKey) */
    const char *id;
    int severity;                 /* imgb_severity */
    int status;                   /* triage status from the ignore list */
} imgb_build_risk_row;

/** The failed build-risk items of `res` (free the array with free()).  @return the count. */
size_t imgb_report_build_risk_rows(const imgb_scan_result *res, const imgb_report_params *p,
                                   imgb_build_risk_row **rows);

/** Emit a DescribeImageListByBuildRisk response: `total` matching images, `rows` the page. */
int imgb_report_build_images_emit(const imgb_build_image_row *rows, size_t n, long long total,
                                  const imgb_report_params *p, const char *request_id,
                                  imgb_buf *out);

/* The image reference split the way registries name repositories. */
typedef struct imgb_image_ref {
    char *registry;   /* "" when the reference has none */
    char *namespace_name; /* everything between registry and name ("library" for docker.io) */
    char *name;       /* repository name */
    char *tag;        /* "" when there is no reference at all, "latest" when untagged */
    char *digest;     /* manifest digest, hex without "sha256:" ("" if unknown) */
} imgb_image_ref;

void imgb_report_image_ref(const imgb_scan_result *res, imgb_image_ref *out);
void imgb_report_image_ref_dispose(imgb_image_ref *r);

/** The scanned image's id (hex config digest) or "". */
const char *imgb_report_image_id(const imgb_scan_result *res);

/* What the store keeps of an image's identity (borrowed strings). */
typedef struct imgb_image_ref_view {
    const char *namespace_name, *name, *tag, *digest, *image_id;
} imgb_image_ref_view;

/** Effective paging values (defaults applied). */
long long imgb_report_page_size(const imgb_report_params *p);
long long imgb_report_current_page(const imgb_report_params *p);
long long imgb_report_hw_offset(const imgb_report_params *p);
long long imgb_report_hw_limit(const imgb_report_params *p);

#endif
