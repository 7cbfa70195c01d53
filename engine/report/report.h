/*
 * Renderers of a scan result: one file per output schema, picked from a const table.
 * Every renderer works from the one in-memory result of a scan (engine/scan.h) plus the
 * request parameters below; nothing re-scans per format.
 *
 * Formats (engine/report/<file>.c):
 *   aliyun-baseline-check-result  DescribeImageBaselineCheckResult response (aliyun_check_result.c)
 *   aliyun-build-risk-images      DescribeImageListByBuildRisk response     (aliyun_build_risk.c)
 *   huawei-risk-configs           ListImageRiskConfigs response             (huawei_risk_configs.c)
 *   huawei-baseline-statistic     image baseline statistic response         (huawei_statistic.c)
 *   table                         grouped human table                       (table.c)
 *   sarif                         SARIF 2.1.0                               (sarif.c)
 *   html                          self-contained HTML audit report          (html.c)
 * The native JSON report belongs to engine/report/native.c (the CLI calls it directly).
 *
 * Request parameters mirror the documented API parameters (../shared/spec/): they are set
 * by name from strings (imgb_report_param_set), so the range checks and their messages live
 * here and not in the CLI.  An out-of-range value is refused with IMGB_EINVAL and a message
 * stating the documented range.  Where a document says that an invalid value yields an
 * empty result (Huawei image_type, severity, standard), the renderer returns that instead.
 *
 * Ignored and false-positive findings (engine/report/ignore.h) change the Alibaba Status
 * fields, SARIF suppressions and the table marks, and never count for the exit code.
 *
 * Tests: tests/test_report.c.
 */
#ifndef IMGB_REPORT_REPORT_H
#define IMGB_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <imgbaseline/report.h>

#include "report/ignore.h"
#include "scan.h"
#include "util/mem.h"

/* imgb_lang, the request handle and the public rendering calls: <imgbaseline/report.h>. */

/* Documented defaults and ranges (../shared/spec/). */
#define IMGB_ALI_PAGE_SIZE_DEFAULT    20
#define IMGB_ALI_CURRENT_PAGE_DEFAULT 1
#define IMGB_ALI_REGION_DEFAULT       "cn-hangzhou" /* the documents' example region */
#define IMGB_ALI_INSTANCE_DEFAULT     ""            /* no ACR Enterprise instance: a local scan */
#define IMGB_HW_OFFSET_MAX            2000000
#define IMGB_HW_LIMIT_MIN             10
#define IMGB_HW_LIMIT_MAX             200
#define IMGB_HW_LIMIT_DEFAULT         10

/*
 * The request.  Initialise with imgb_report_params_init() and release with
 * imgb_report_params_dispose(); set the request fields with imgb_report_param_set().
 * Strings are owned by the params.  Unset strings are NULL, unset numbers -1.
 */
/* The public imgb_report_request is this struct. */
typedef struct imgb_report_request {
    imgb_lang lang;                /* lang (zh|en; default zh) */
    /* Alibaba */
    char *image_uuid;              /* ImageUuid: must name the scanned image when given */
    unsigned risk_levels;          /* RiskLevel: bit (1u << imgb_severity); 0 = all */
    char *criteria;                /* Criteria: case-insensitive substring */
    char *criteria_type;           /* CriteriaType (checked against the format) */
    long long page_size;           /* PageSize (>= 1; default 20) */
    long long current_page;        /* CurrentPage (>= 1; default 1) */
    unsigned scan_range;           /* ScanRange: bit 0 image, bit 1 container; 0 = both */
    char *risk_key;                /* RiskKey (build risks) */
    int status;                    /* Status 0|1|2 (build risks), -1 = all */
    char *region_id;               /* RegionId of the image rows (default cn-hangzhou) */
    char *instance_id;             /* InstanceId (Alibaba) / instance_id (Huawei) */
    /* Huawei */
    char *image_type;              /* image_type (required by both Huawei formats) */
    long long offset;              /* 0..2,000,000 (default 0) */
    long long limit;               /* 10..200 (default 10) */
    char *namespace_name;          /* namespace */
    char *image_name;              /* image_name (fuzzy) */
    char *image_version;           /* image_version (only with image_name) */
    char *image_id;                /* image_id (beats image_name + image_version) */
    char *check_name;              /* check_name */
    char *severity;                /* severity: Security|Low|Medium|High */
    char *standard;                /* standard: cn_standard|hw_standard */
    char *enterprise_project_id;   /* enterprise_project_id (1..256 characters) */
    /* Not part of any API request. */
    const imgb_ignore_list *ignore; /* borrowed, may be NULL */
    int64_t now_ms;                /* "today" for ignore expiry; 0: the current time */
    bool color;                    /* table: ANSI severity colours (only for a TTY) */
    unsigned severity_mask;        /* bit (1u << imgb_severity) of the items shown and
                                      counted by every format and the gate; 0: all */
    int width;                     /* table: columns to wrap at (0: 80; < 0: no wrapping) */
    bool show_passed;              /* table: list passed and not-applicable items too */
    bool evidence_all;             /* table: every piece of evidence, not the first few */
    bool only_own;                 /* the gate counts only items not placed in the base image */
    const struct imgb_scan_result *diff_old; /* diff mode: the older scan (borrowed) */
} imgb_report_params;

/* One output format: a row of the format table. */
typedef struct imgb_report_format {
    const char *name;
    const char *summary;
    bool api;                      /* a cloud API response (JSON, request parameters apply) */
    int (*render)(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out);
} imgb_report_format;

void imgb_report_params_init(imgb_report_params *p);
void imgb_report_params_dispose(imgb_report_params *p);

/**
 * Set request parameter `name` (the API's own name in snake case: "lang", "image_uuid",
 * "risk_level", "criteria", "criteria_type", "page_size", "current_page", "scan_range",
 * "risk_key", "status", "region_id", "instance_id", "image_type", "offset", "limit",
 * "namespace", "image_name", "image_version", "image_id", "check_name", "severity",
 * "standard", "enterprise_project_id") from its string form.
 * @return 0, IMGB_ENOTFOUND for an unknown name, or IMGB_EINVAL with a message stating the
 *         documented range or values.
 */
int imgb_report_param_set(imgb_report_params *p, const char *name, const char *value);

/** The NULL-terminated table of known parameter names (for the CLI's flags). */
const char *const *imgb_report_param_names(void);

/**
 * Check the parameters that depend on the format (CriteriaType values, required
 * image_type, ImageUuid against the scanned image; `res` NULL: a history, where the store
 * resolves ImageUuid).  Called by imgb_report_render_fmt().
 * @return 0 or IMGB_EINVAL with a message.
 */
int imgb_report_params_check(const imgb_report_params *p, const imgb_report_format *fmt,
                             const imgb_scan_result *res);

/** The NULL-name-terminated format table. */
const imgb_report_format *imgb_report_formats(void);
/** Find a format by name (NULL if unknown). */
const imgb_report_format *imgb_report_format_lookup(const char *name);

/**
 * Render `res` as `fmt` into `out` (appended).  Checks the parameters first.
 * @return 0 or a negative IMGB_E* code with a message; `out` may hold partial output then.
 */
int imgb_report_render_fmt(const imgb_scan_result *res, const imgb_report_format *fmt,
                       const imgb_report_params *p, imgb_buf *out);

/*
 * A result as every renderer is given it: the view the severity filter shows (items of other
 * severities left out, counts recomputed) in the report's language.  `res` is what to render;
 * the copies are owned (NULL when not needed) and borrow from the original, which must
 * outlive them.
 */
typedef struct imgb_report_shown {
    const imgb_scan_result *res;
    imgb_scan_result *view, *loc;
} imgb_report_shown;

void imgb_report_shown_init(imgb_report_shown *s, const imgb_scan_result *res,
                            const imgb_report_params *p);
void imgb_report_shown_dispose(imgb_report_shown *s);

/**
 * The Content-Security-Policy an "html" page declares in its <meta> and needs from a server
 * that sends it (engine/report/html.c): no fetch of any kind, inline style, data: images,
 * the page's one inline script by its hash.  malloc'd.
 */
char *imgb_report_html_csp(void);

/**
 * Render several scanned images as one response (engine/report/many.c): "json" is JSON
 * Lines (one compact native report per image, in order); otherwise the images' rows
 * combined as the APIs answer a query over many images (build-risk images listed, Huawei
 * rows and statistics summed per check, SARIF runs), paging over the whole;
 * aliyun-baseline-check-result, a per-image API, gives one compact response a line.
 * With image_uuid, only the images it names (none: the single-image error).
 */
int imgb_report_render_many_fmt(const imgb_scan_result *const *res, size_t n,
                                const imgb_report_format *fmt, const imgb_report_params *p,
                                imgb_buf *out);


/**
 * The exit-code decision: the number of failed items at or above `min` that no applicable
 * ignore entry covers (ignore list and date from `p`; filters of `p` do not apply).
 */
size_t imgb_report_count_findings(const imgb_scan_result *res, const imgb_report_params *p,
                                  imgb_severity min);

/** Items of severity `min` or above (and shown by the severity filter) that could not be
 *  judged: error or incomplete.  A gate never passes them. */
size_t imgb_report_count_unjudged(const imgb_scan_result *res, const imgb_report_params *p,
                                  imgb_severity min);

/**
 * Warnings about the ignore list against this result: expired entries ("... expired on
 * 2024-01-31; it no longer applies").  Each line is malloc'd; free with
 * imgb_report_free_lines().
 */
char **imgb_report_ignore_lines(const imgb_scan_result *res, const imgb_report_params *p,
                                   size_t *count);
void imgb_report_free_lines(char **lines, size_t count);

#endif
