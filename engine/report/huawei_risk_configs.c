/*
 * huawei-risk-configs: the response of Huawei Cloud HSS ListImageRiskConfigs,
 * GET /v5/{project_id}/image/baseline/risk-configs
 * (../shared/spec/huawei-image-baseline-risk-configs.txt).
 *
 * One data_list row per (applied baseline with a Huawei check_name, standard it carries;
 * hw_standard when it names none):
 *   severity         Security when no unignored item failed, else the highest failed
 *                    severity as Low|Medium|High
 *   check_name       the baseline's Huawei check_name ("CentOS 7", "Debian 10", "EulerOS",
 *                    "Ubuntu16", ...); check_type its check_type (a String, as the table says;
 *                    the example's bare 3 is not followed); check_type_desc in the request's
 *                    language
 *   check_rule_num   check items of the baseline (build risks excluded)
 *   failed_rule_num  those that failed, ignored ones excluded
 * Filters: the image filters (image_type required and in range, namespace, image_name fuzzy,
 * image_version with image_name, image_id first; an image the filters do not select gives
 * an empty list), check_name, severity and standard exact (an undocumented value matches
 * nothing: "an empty result will be returned").  offset/limit page the rows; total_num
 * counts all matching rows.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_priv.h"
#include "report/rows.h"

static const char *const hw_severity[] = { "Low", "Medium", "High" };

size_t imgb_report_hw_rows(const imgb_scan_result *res, const imgb_report_params *p,
                           imgb_hw_row **rows_out)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    size_t n = 0, cap = 0;
    imgb_hw_row *rows = NULL;

    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        const imgb_baseline *bl = br->baseline;
        if (!bl->hw_check_name)
            continue;
        size_t nrules = 0, nfailed = 0;
        int level = -1;
        for (size_t i = 0; i < br->nitems; i++) {
            const imgb_item *it = br->items[i].item;
            if (imgb_report_is_build_risk(bl, it))
                continue;
            nrules++;
            if (imgb_report_item_open_failure(t, res, b, i)) {
                nfailed++;
                if ((int)it->severity > level)
                    level = (int)it->severity;
            }
        }
        static const char *const default_std[] = { "hw_standard" };
        const char *const *stds = bl->nstandards ? (const char *const *)bl->standards
                                                 : default_std;
        size_t nstds = bl->nstandards ? bl->nstandards : 1;
        for (size_t s = 0; s < nstds; s++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                rows = imgb_xrealloc(rows, cap * sizeof *rows);
            }
            rows[n++] = (imgb_hw_row){
                .severity = level >= 0 ? hw_severity[level] : "Security",
                .check_name = bl->hw_check_name,
                .check_type = bl->hw_check_type ? bl->hw_check_type
                              : bl->class_key ? bl->class_key : "",
                .standard = stds[s], .nrules = (long long)nrules,
                .nfailed = (long long)nfailed, .desc = bl->hw_check_type_desc,
            };
        }
    }
    imgb_report_triage_free(t);
    *rows_out = rows;
    return n;
}

bool imgb_report_hw_row_selected(const imgb_hw_row *r, const imgb_report_params *p)
{
    return (!p->check_name || !strcmp(p->check_name, r->check_name)) &&
           (!p->severity || !strcmp(p->severity, r->severity)) &&
           (!p->standard || !strcmp(p->standard, r->standard));
}

int imgb_report_hw_rows_emit(const imgb_hw_row *rows, size_t n, long long total,
                             const imgb_report_params *p, imgb_buf *out)
{
    json_t *page = json_array();
    for (size_t k = 0; k < n; k++) {
        const imgb_hw_row *r = &rows[k];
        json_t *o = json_object();
        json_object_set_new(o, "severity", imgb_report_jstr(r->severity));
        json_object_set_new(o, "check_name", imgb_report_jstr(r->check_name));
        json_object_set_new(o, "check_type", imgb_report_jstr(r->check_type));
        json_object_set_new(o, "standard", imgb_report_jstr(r->standard));
        json_object_set_new(o, "check_rule_num", json_integer(r->nrules));
        json_object_set_new(o, "failed_rule_num", json_integer(r->nfailed));
        json_object_set_new(o, "check_type_desc",
                            imgb_report_jstr(imgb_report_text(&r->desc, p->lang)));
        json_array_append_new(page, o);
    }
    json_t *root = json_object();
    json_object_set_new(root, "total_num", json_integer(total));
    json_object_set_new(root, "data_list", page);
    return imgb_report_emit_json(root, out);
}

int imgb_render_huawei_risk_configs(const imgb_scan_result *res, const imgb_report_params *p,
                                    imgb_buf *out)
{
    imgb_hw_row *rows = NULL;
    size_t n = imgb_report_hw_image_selected(res, p) ? imgb_report_hw_rows(res, p, &rows) : 0;
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        if (imgb_report_hw_row_selected(&rows[k], p))
            rows[total++] = rows[k];
    long long off = imgb_report_hw_offset(p), lim = imgb_report_hw_limit(p);
    size_t first = off < (long long)total ? (size_t)off : total;
    size_t count = total - first < (size_t)lim ? total - first : (size_t)lim;
    int rc = imgb_report_hw_rows_emit(rows + first, count, (long long)total, p, out);
    free(rows);
    return rc;
}
