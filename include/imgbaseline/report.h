/*
 * Rendering a scan result.  Every format is a row of one table: the native JSON report
 * ("json"), the four cloud API responses (aliyun-baseline-check-result,
 * aliyun-build-risk-images, huawei-risk-configs, huawei-baseline-statistic), SARIF, the
 * self-contained HTML audit report ("html"), the terminal table and the inspect views.
 * The cloud formats take request parameters by their API names, validated against the
 * documented ranges, so a program can answer those APIs:
 *
 *   imgb_report_request *req;
 *   imgb_report_request_new(&req);
 *   if (imgb_report_request_set(req, "page_size", "50") < 0) ... imgb_error_last() ...
 *   char *out; size_t len;
 *   if (imgb_report_render(res, "aliyun-baseline-check-result", req, &out, &len) == 0) {
 *       fwrite(out, 1, len, stdout);
 *       imgb_free(out);
 *   }
 *   imgb_report_request_free(req);
 */
#ifndef IMGBASELINE_REPORT_H
#define IMGBASELINE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "result.h"
#include "ruleset.h"
#include "scan.h"

IMGB_BEGIN_DECLS

typedef struct imgb_report_request imgb_report_request;
typedef struct imgb_ignore_list imgb_ignore_list;

/** Number of output formats. */
IMGB_API size_t imgb_report_format_count(void);
/** Name of format `i` ("json", "table", "sarif", ...; static), or NULL past the end. */
IMGB_API const char *imgb_report_format_name(size_t i);
/** One-line description of format `i` (static), or NULL. */
IMGB_API const char *imgb_report_format_summary(size_t i);
/** Non-zero when format `i` is a cloud API response (request parameters apply). */
IMGB_API int imgb_report_format_is_api(size_t i);
/** Index of the format called `name`.  @return the index, or IMGB_ENOTFOUND. */
IMGB_API int imgb_report_format_find(const char *name);

/** A new request with every parameter at its documented default (lang zh).  Free with
 *  imgb_report_request_free().  @return 0. */
IMGB_API int imgb_report_request_new(imgb_report_request **out);
/** Free a request (NULL-safe).  An ignore list set on it is not freed. */
IMGB_API void imgb_report_request_free(imgb_report_request *req);

/**
 * Set request parameter `name` from its string form.  Names are the APIs' own in snake case
 * ("lang", "image_uuid", "risk_level", "criteria", "criteria_type", "page_size",
 * "current_page", "scan_range", "risk_key", "status", "region_id", "instance_id",
 * "image_type", "offset", "limit", "namespace", "image_name", "image_version", "image_id",
 * "check_name", "severity", "standard", "enterprise_project_id").
 * @return 0, IMGB_ENOTFOUND for an unknown name, or IMGB_EINVAL with a message stating the
 *         documented range or values.
 */
IMGB_API int imgb_report_request_set(imgb_report_request *req, const char *name,
                                     const char *value);
/** The NULL-terminated parameter names imgb_report_request_set() accepts (static). */
IMGB_API const char *const *imgb_report_param_names(void);

/**
 * Check the parameters a format requires (huawei-* need image_type; CriteriaType values)
 * before any scan, so a program can refuse a request early.
 * @return 0 or IMGB_EINVAL naming the parameter; IMGB_ENOTFOUND for an unknown format.
 */
IMGB_API int imgb_report_request_check(const imgb_report_request *req, const char *format);

/**
 * Show and count only items of these severities, in every format and in the gate's counts
 * (Trivy's --severity): a comma-separated list of LOW, MEDIUM, HIGH (any case; UNKNOWN and
 * CRITICAL are accepted and match nothing, as imgbaseline's top severity is HIGH).
 * @return 0 or IMGB_EINVAL naming the word that is not a severity.
 */
IMGB_API int imgb_report_request_set_severities(imgb_report_request *req, const char *list);
/** Table layout: wrap at `columns` (0: 80; < 0: never), list passed and not-applicable
 *  items too, show every piece of evidence instead of the first five. */
IMGB_API void imgb_report_request_set_table(imgb_report_request *req, int columns,
                                            int show_passed, int evidence_all);
/** ANSI colours in the table (only for a terminal).  Default off. */
IMGB_API void imgb_report_request_set_color(imgb_report_request *req, int color);
/** Scope the gate (imgb_report_count_findings) to the image's own layers: an item whose
 *  origin is base is not counted; own and unknown ones are (a boundary that is not known
 *  fails closed).  Default off. */
IMGB_API void imgb_report_request_set_only_own(imgb_report_request *req, int only_own);
/**
 * Diff mode (`imgbaseline diff OLD NEW`): render the new scan against `old` (borrowed; NULL
 * ends diff mode).  json marks items and evidence "new" / "unchanged" and lists the old
 * findings that are fixed; table marks them +, =, and lists the fixed ones (-); sarif sets
 * baselineState (new, unchanged, absent for fixed); html marks items and evidence rows
 * "+ new" / "= unchanged" and lists the fixed findings on a page of their own.  The gate
 * (imgb_report_count_findings) then counts only items with a new unignored failing finding.
 * The cloud API formats have no field for it and are refused (IMGB_EINVAL).  A finding is an
 * item's failing evidence, the same across scans by item id and account, and for per-file
 * checks (file modes, contents, presence, secrets) by file.
 */
IMGB_API void imgb_report_request_set_diff(imgb_report_request *req,
                                           const imgb_scan_result *old);
/** "Today" for ignore-file expiry, ms since the epoch (0: the current time). */
IMGB_API void imgb_report_request_set_now(imgb_report_request *req, int64_t now_ms);
/** Accepted findings to apply (borrowed: keep `list` alive while `req` is used; NULL: none). */
IMGB_API void imgb_report_request_set_ignore(imgb_report_request *req,
                                             const imgb_ignore_list *list);

/**
 * Render `res` as `format` into a new buffer.
 * @param[out] out  the bytes, NUL-terminated (free with imgb_free()); NULL on error.
 * @param[out] len  their length without the NUL (may be NULL).
 * @return 0, IMGB_ENOTFOUND for an unknown format, IMGB_EINVAL for a parameter the format
 *         refuses, or another IMGB_E* code with a message.
 */
IMGB_API int imgb_report_render(const imgb_scan_result *res, const char *format,
                                const imgb_report_request *req, char **out, size_t *len);

/**
 * The gate: the number of failed items of severity `min` or above that no entry of the
 * request's ignore list covers (the request's filters do not apply).
 */
IMGB_API size_t imgb_report_count_findings(const imgb_scan_result *res,
                                           const imgb_report_request *req, imgb_severity min);

/**
 * Items of severity `min` or above (and shown by the severity filter) that could not be
 * judged (error or incomplete verdicts).  A gate fails closed on them.
 */
IMGB_API size_t imgb_report_count_unjudged(const imgb_scan_result *res,
                                           const imgb_report_request *req, imgb_severity min);

/**
 * Render several scanned images as one answer (`imgbaseline scan REF REF...`):
 *   "json"                          JSON Lines, one compact native report a line, in order;
 *   "aliyun-build-risk-images"      every affected image in Data.List, paged over the whole;
 *   "huawei-risk-configs"           rows summed per (check_name, check_type, standard), paged;
 *   "huawei-baseline-statistic"     the counts summed;
 *   "aliyun-baseline-check-result"  per image (ImageUuid is required by the API): one compact
 *                                   response a line (with image_uuid, that image's only);
 *   "sarif"                         one run per image; "table": the tables in turn.
 * @param[out] out malloc'd text (free with imgb_free()), `len` its length (may be NULL).
 * @return 0, or IMGB_EINVAL / IMGB_ENOTFOUND with a message.
 */
IMGB_API int imgb_report_render_many(const imgb_scan_result *const *res, size_t n,
                                     const char *format, const imgb_report_request *req,
                                     char **out, size_t *len);

/** Receives one line of text. */
typedef void (*imgb_line_fn)(const char *line, void *payload);

/**
 * Warnings about the request's ignore list against `res` (expired entries, entries naming
 * no item of the rules, entries that matched no finding), one line each to `fn`.
 * @return the number of lines.
 */
IMGB_API size_t imgb_report_ignore_warnings(const imgb_scan_result *res,
                                            const imgb_report_request *req, imgb_line_fn fn,
                                            void *payload);

/** The default ignore file name in the working directory (".imgbaselineignore"). */
#define IMGB_IGNORE_DEFAULT_FILE ".imgbaselineignore"

/**
 * Read an ignore file (YAML; see the README).  @param[out] out the list (free with
 * imgb_ignore_list_free()).  @return 0, IMGB_ENOTFOUND, IMGB_EFORMAT (file:line:column) or
 * IMGB_ELIMIT.
 */
IMGB_API int imgb_ignore_load(imgb_ignore_list **out, const char *path);
/** Parse an ignore file held in memory; `name` is used in messages. */
IMGB_API int imgb_ignore_parse(imgb_ignore_list **out, const char *text, size_t len,
                               const char *name);
/** Add an entry ignoring item (or build-risk key) `id` everywhere, as `--ignore ID` does;
 *  creates the list when `*list` is NULL.  @return 0 or IMGB_EINVAL for an empty id. */
IMGB_API int imgb_ignore_list_add(imgb_ignore_list **list, const char *id);
/** Free an ignore list (NULL-safe). */
IMGB_API void imgb_ignore_list_free(imgb_ignore_list *list);

IMGB_END_DECLS

#endif
