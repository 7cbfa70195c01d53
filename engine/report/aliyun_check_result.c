/*
 * aliyun-baseline-check-result: the response of Alibaba Cloud Security Center's
 * DescribeImageBaselineCheckResult (../shared/spec/aliyun-DescribeImageBaselineCheckResult.txt).
 *
 * One BaselineResult per applied baseline (build risks belong to DescribeImageListByBuildRisk
 * and are left out):
 *   Status              0 unfixed when an unignored item failed, else 1 fixed
 *   High/Middle/LowRiskItemCount  failed items of that severity, ignored ones excluded
 *   BaselineNameLevel   highest severity among those failures; without failures the highest
 *                       severity the baseline checks
 *   BaselineItemCount   check items evaluated in the baseline
 *   BaselineNameKey     the baseline key; BaselineNameAlias / BaselineClassAlias the aliases
 *                       in the requested language (the document's example puts a key in
 *                       BaselineClassAlias; the field name and Lang say alias)
 *   First/LastScanTime  scan start / end, ms
 * Filters: RiskLevel on BaselineNameLevel; Criteria as a case-insensitive substring of the
 * alias (either language) or key chosen by CriteriaType (default BaselineNameAlias);
 * ScanRange without "image" selects nothing (an image scan has no container assets).
 * Rows are ordered unfixed first, then by level, then in ruleset order; PageSize/CurrentPage
 * page them, TotalCount counts all matching rows, Count those on the page (0 past the end).
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_priv.h"
#include "report/rows.h"

static int row_cmp(const void *a, const void *b)
{
    const imgb_check_row *x = a, *y = b;
    if (x->status != y->status)
        return x->status - y->status;
    if (x->level != y->level)
        return y->level - x->level;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool criteria_match(const imgb_check_row *r, const imgb_report_params *p)
{
    if (!p->criteria || !*p->criteria)
        return true;
    bool by_class = p->criteria_type && !strcmp(p->criteria_type, "BaselineClassAlias");
    const imgb_text *alias = by_class ? &r->class_alias : &r->alias;
    const char *key = by_class ? r->class_key : r->key;
    return imgb_report_contains_ci(alias->zh, p->criteria) ||
           imgb_report_contains_ci(alias->en, p->criteria) ||
           imgb_report_contains_ci(key, p->criteria);
}

size_t imgb_report_check_rows(const imgb_scan_result *res, const imgb_report_params *p,
                              imgb_check_row *rows)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    size_t nrows = 0;
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        const imgb_baseline *bl = br->baseline;
        imgb_check_row r = { .key = bl->key ? bl->key : "", .alias = bl->alias,
                             .class_key = bl->class_key, .class_alias = bl->class_alias,
                             .status = 1, .order = b,
                             .first_ms = imgb_report_first_scan_ms(res),
                             .last_ms = imgb_report_last_scan_ms(res) };
        int failed_level = -1;
        imgb_severity max_level = IMGB_SEV_LOW;
        for (size_t i = 0; i < br->nitems; i++) {
            const imgb_item *it = br->items[i].item;
            if (imgb_report_is_build_risk(bl, it))
                continue;
            r.nitems++;
            if (it->severity > max_level)
                max_level = it->severity;
            if (imgb_report_item_open_failure(t, res, b, i)) {
                r.counts[it->severity]++;
                r.status = 0;
                if ((int)it->severity > failed_level)
                    failed_level = (int)it->severity;
            }
        }
        if (r.nitems == 0)
            continue;
        r.level = failed_level >= 0 ? failed_level : (int)max_level;
        rows[nrows++] = r;
    }
    imgb_report_triage_free(t);
    return nrows;
}

int imgb_report_check_emit(imgb_check_row *rows, size_t n, const imgb_report_params *p,
                           const char *request_id, imgb_buf *out)
{
    bool image_in_range = p->scan_range == 0 || (p->scan_range & 1u);
    size_t nrows = 0;
    for (size_t k = 0; k < n && image_in_range; k++) {
        if (p->risk_levels && !(p->risk_levels & (1u << rows[k].level)))
            continue;
        if (!criteria_match(&rows[k], p))
            continue;
        rows[nrows++] = rows[k];
    }
    qsort(rows, nrows, sizeof *rows, row_cmp);

    long long size = imgb_report_page_size(p), page = imgb_report_current_page(p);
    long long start = (page - 1) * size;
    json_t *list = json_array();
    for (long long k = start; k >= 0 && k < (long long)nrows && k < start + size; k++) {
        const imgb_check_row *r = &rows[k];
        json_t *o = json_object();
        json_object_set_new(o, "Status", json_integer(r->status));
        json_object_set_new(o, "LowRiskItemCount", json_integer(r->counts[IMGB_SEV_LOW]));
        json_object_set_new(o, "BaselineNameLevel",
                            json_string(imgb_severity_name((imgb_severity)r->level)));
        json_object_set_new(o, "LastScanTime", json_integer(r->last_ms));
        json_object_set_new(o, "MiddleRiskItemCount", json_integer(r->counts[IMGB_SEV_MEDIUM]));
        json_object_set_new(o, "BaselineNameKey", imgb_report_jstr(r->key));
        json_object_set_new(o, "BaselineItemCount", json_integer(r->nitems));
        json_object_set_new(o, "BaselineNameAlias",
                            imgb_report_jstr(imgb_report_text(&r->alias, p->lang)));
        json_object_set_new(o, "BaselineClassAlias",
                            imgb_report_jstr(imgb_report_text(&r->class_alias, p->lang)));
        json_object_set_new(o, "FirstScanTime", json_integer(r->first_ms));
        json_object_set_new(o, "HighRiskItemCount", json_integer(r->counts[IMGB_SEV_HIGH]));
        json_array_append_new(list, o);
    }

    json_t *root = json_object();
    json_object_set_new(root, "RequestId", json_string(request_id));
    json_t *pi = json_object();
    json_object_set_new(pi, "CurrentPage", json_integer(page));
    json_object_set_new(pi, "PageSize", json_integer(size));
    json_object_set_new(pi, "TotalCount", json_integer((json_int_t)nrows));
    json_object_set_new(pi, "Count", json_integer((json_int_t)json_array_size(list)));
    json_object_set_new(root, "PageInfo", pi);
    json_object_set_new(root, "BaselineResult", list);
    return imgb_report_emit_json(root, out);
}

int imgb_render_aliyun_check_result(const imgb_scan_result *res, const imgb_report_params *p,
                                    imgb_buf *out)
{
    imgb_check_row *rows = imgb_xcalloc(res->nbaselines ? res->nbaselines : 1, sizeof *rows);
    size_t n = imgb_report_check_rows(res, p, rows);
    char rid[37];
    imgb_report_request_id(res, "aliyun-baseline-check-result", p, rid);
    int rc = imgb_report_check_emit(rows, n, p, rid, out);
    free(rows);
    return rc;
}
