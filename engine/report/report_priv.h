/*
 * Helpers shared by the renderers of engine/report (not used outside it): the triage of a
 * result against the ignore list, localised text, build-risk classification, the image
 * reference split, derived RequestIds and JSON emission.
 */
#ifndef IMGB_REPORT_PRIV_H
#define IMGB_REPORT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "report/report.h"
#include "report/rows.h"

/*
 * Status of every failed item and of its failing evidence after applying the ignore list.
 * Items that did not fail are IMGB_STATUS_UNHANDLED and never findings.
 */
typedef struct imgb_report_triage imgb_report_triage;

/** Build the triage of `res` with the ignore list and date of `p`.  Free with _free. */
imgb_report_triage *imgb_report_triage_new(const imgb_scan_result *res,
                                           const imgb_report_params *p);
void imgb_report_triage_free(imgb_report_triage *t);
/** Status of item `i` of baseline `b`; `*entry` (optional) gets a covering entry or NULL. */
imgb_ignore_status imgb_report_item_status(const imgb_report_triage *t, size_t b, size_t i,
                                           const imgb_ignore_entry **entry);
/** Status of evidence `e` of that item (only meaningful for failing evidence). */
imgb_ignore_status imgb_report_evidence_status(const imgb_report_triage *t, size_t b,
                                               size_t i, size_t e,
                                               const imgb_ignore_entry **entry);
/** Where a piece of evidence points, as plain text: "file:line", "file@offset" (binary
 *  files), "file", "history[N]" (image history), or NULL (the image config).  malloc'd. */
char *imgb_report_evidence_location(const imgb_evidence *ev);
/** Whether evidence `e` of a failed item is part of the failure. */
bool imgb_report_evidence_failing(const imgb_item_result *r, size_t e);
/** Whether ignore entry `e` covers some failing evidence of `res`. */
bool imgb_report_entry_matches_any(const imgb_scan_result *res, const imgb_ignore_entry *e);
/** Whether some item of the scanned ruleset has `id` as its id or key. */
bool imgb_report_ruleset_names(const imgb_scan_result *res, const char *id);
/** A failed item that no entry covers. */
bool imgb_report_item_open_failure(const imgb_report_triage *t, const imgb_scan_result *res,
                                   size_t b, size_t i);

/** The Dockerfile snippet of `ev` in `lang`: "# note\nRUN ..." (the note as a comment line
 *  when the fix variant has one), malloc'd; NULL when the evidence has no fix. */
char *imgb_report_fix_snippet(const imgb_evidence *ev, imgb_lang lang);

/* ---- diff mode (engine/report/diff.c) ---- */
enum { IMGB_DIFF_NEW = 0, IMGB_DIFF_FIXED = 1, IMGB_DIFF_UNCHANGED = 2 };
/** Whether failing evidence `e` of `r` (of one scan) is also a failing finding of `other`. */
bool imgb_report_finding_in(const imgb_scan_result *other, const imgb_item_result *r,
                            size_t e);
/** In diff mode, IMGB_DIFF_NEW or _UNCHANGED for failing evidence `e` of `r`; else -1. */
int imgb_report_diff_state(const imgb_report_params *p, const imgb_item_result *r, size_t e);
/** NEW when any failing evidence of `r` is new, UNCHANGED when some is unchanged, else -1. */
int imgb_report_diff_item_state(const imgb_report_params *p, const imgb_item_result *r);
/** Failing evidence of `res` that is new / unchanged against p->diff_old. */
void imgb_report_diff_counts(const imgb_scan_result *res, const imgb_report_params *p,
                             size_t *nnew, size_t *nunchanged);
/** "new", "fixed", "unchanged" (NULL for -1). */
const char *imgb_report_diff_name(int state);
/** Call `cb` for every failing evidence of the old scan that `res` no longer has (non-zero
 *  stops); returns how many there were (counted up to the stop). */
size_t imgb_report_diff_fixed(const imgb_scan_result *res, const imgb_report_params *p,
                              int (*cb)(const imgb_item_result *old, size_t e, void *payload),
                              void *payload);

/**
 * The result with the engine's messages in `lang` (engine/report/localize.c): evidence
 * messages, expected conditions and sources, baseline reasons, skip reasons and warnings
 * through the ruleset's message catalog.  NULL when there is nothing to translate (English,
 * or no catalog): render `res` itself then.  Free with imgb_report_localized_free().
 */
imgb_scan_result *imgb_report_localize(const imgb_scan_result *res, imgb_lang lang);
void imgb_report_localized_free(imgb_scan_result *loc);

/*
 * Display groups of the human formats (table, html), in display order: open failures, then
 * ignored / false positive, errors and incomplete checks, not applicable, passed.
 */
typedef enum imgb_report_group {
    IMGB_GROUP_FAILED = 0,
    IMGB_GROUP_IGNORED,
    IMGB_GROUP_ERROR,
    IMGB_GROUP_NOT_APPLICABLE,
    IMGB_GROUP_PASSED,
    IMGB_GROUP_COUNT
} imgb_report_group;

/** The group of an item result with triage status `st`. */
imgb_report_group imgb_report_item_group(const imgb_item_result *r, imgb_ignore_status st);
/** Item indexes of baseline `b` in display order: by group, then severity (high first), then
 *  rule order.  malloc'd, br->nitems entries. */
size_t *imgb_report_item_order(const imgb_report_triage *t, const imgb_scan_result *res,
                               size_t b);

/** The text in `lang`, falling back to the other language, then "". */
const char *imgb_report_text(const imgb_text *t, imgb_lang lang);

/**
 * Whether an item is an image build risk (Alibaba DescribeImageListByBuildRisk): its check
 * kind reads the image config or history (kind names "build_*"), or its baseline's class
 * key is "build_risk".
 */
bool imgb_report_is_build_risk(const imgb_baseline *b, const imgb_item *it);

/** Highest severity of the unignored failed items of baseline `b`; -1 if none failed. */
int imgb_report_baseline_failed_level(const imgb_report_triage *t, const imgb_scan_result *res,
                                      size_t b);
/** Highest severity of all items of baseline `bl` (LOW for an empty baseline). */
imgb_severity imgb_report_baseline_max_level(const imgb_baseline *bl);



/**
 * RequestId: a UUID-shaped id (RFC 9562 version 8, upper case like the documents' examples)
 * derived from SHA-256 of the format name, the image id, the scan start time and the
 * request parameters: the same scan and request give the same id, another scan another.
 */
void imgb_report_request_id(const imgb_scan_result *res, const char *format,
                            const imgb_report_params *p, char out[37]);

/** The RequestId form (RFC 9562 version 8, upper case) of the first 16 bytes of a hash
 *  (modified in place: version and variant bits). */
void imgb_report_uuid_of_hash(unsigned char h[16], char out[37]);

/** Current time in ms (p->now_ms when set). */
int64_t imgb_report_now_ms(const imgb_report_params *p);
/** Scan times: FirstScanTime = scan start, LastScanTime = scan end (ms). */
int64_t imgb_report_first_scan_ms(const imgb_scan_result *res);
int64_t imgb_report_last_scan_ms(const imgb_scan_result *res);

int imgb_report_emit_json(json_t *j, imgb_buf *out);

/** Case-insensitive (ASCII) substring test; a NULL or empty needle matches. */
bool imgb_report_contains_ci(const char *hay, const char *needle);

/** Length of the valid UTF-8 sequence at `s` (RFC 3629: no overlongs, no surrogates, at
 *  most U+10FFFF), or 0. */
size_t imgb_report_utf8_len(const unsigned char *s);

/**
 * A JSON string of `s` that is always valid: NULL gives "", bytes that are not UTF-8 (file
 * names, account names or values read from an image) become U+FFFD.  jansson refuses
 * invalid UTF-8, which would silently drop a field.
 */
json_t *imgb_report_jstr(const char *s);

/** Dump `j` (stolen) into `out` with two-space indentation and a final newline. */

/**
 * Whether the scanned image passes the Huawei image filters of `p` (image_type in range,
 * namespace, image_name fuzzy, image_version with image_name, image_id beating both).
 */
bool imgb_report_hw_image_selected(const imgb_scan_result *res, const imgb_report_params *p);

/* Renderers (one file each). */
int imgb_render_aliyun_check_result(const imgb_scan_result *res, const imgb_report_params *p,
                                    imgb_buf *out);
int imgb_render_aliyun_build_risk(const imgb_scan_result *res, const imgb_report_params *p,
                                  imgb_buf *out);
int imgb_render_huawei_risk_configs(const imgb_scan_result *res, const imgb_report_params *p,
                                    imgb_buf *out);
int imgb_render_huawei_statistic(const imgb_scan_result *res, const imgb_report_params *p,
                                 imgb_buf *out);
int imgb_render_table(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out);
int imgb_render_sarif(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out);
int imgb_render_html(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out);
int imgb_render_junit(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out);
/** JUnit XML of several results (each already filtered and localized): one document. */
int imgb_render_junit_many(const imgb_scan_result *const *res, size_t n,
                           const imgb_report_params *p, imgb_buf *out);
int imgb_render_native(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out);
int imgb_render_inspect_text(const imgb_scan_result *res, const imgb_report_params *p,
                             imgb_buf *out);
int imgb_render_inspect_json(const imgb_scan_result *res, const imgb_report_params *p,
                             imgb_buf *out);

#endif
