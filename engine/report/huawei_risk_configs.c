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
#include <string.h>

#include "report/report_priv.h"

static const char *const hw_severity[] = { "Low", "Medium", "High" };

int imgb_render_huawei_risk_configs(const imgb_scan_result *res, const imgb_report_params *p,
                                    imgb_buf *out)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    json_t *rows = json_array();
    bool selected = imgb_report_hw_image_selected(res, p);

    for (size_t b = 0; b < res->nbaselines && selected; b++) {
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
        const char *sev = level >= 0 ? hw_severity[level] : "Security";
        if (p->check_name && strcmp(p->check_name, bl->hw_check_name) != 0)
            continue;
        if (p->severity && strcmp(p->severity, sev) != 0)
            continue;
        static const char *const default_std[] = { "hw_standard" };
        const char *const *stds = bl->nstandards ? (const char *const *)bl->standards
                                                 : default_std;
        size_t nstds = bl->nstandards ? bl->nstandards : 1;
        for (size_t s = 0; s < nstds; s++) {
            if (p->standard && strcmp(p->standard, stds[s]) != 0)
                continue;
            json_t *o = json_object();
            json_object_set_new(o, "severity", json_string(sev));
            json_object_set_new(o, "check_name", json_string(bl->hw_check_name));
            json_object_set_new(o, "check_type", json_string(bl->hw_check_type ? bl->hw_check_type
                                                             : bl->class_key ? bl->class_key
                                                             : ""));
            json_object_set_new(o, "standard", json_string(stds[s]));
            json_object_set_new(o, "check_rule_num", json_integer((json_int_t)nrules));
            json_object_set_new(o, "failed_rule_num", json_integer((json_int_t)nfailed));
            json_object_set_new(o, "check_type_desc",
                                json_string(imgb_report_text(&bl->hw_check_type_desc, p->lang)));
            json_array_append_new(rows, o);
        }
    }

    long long off = imgb_report_hw_offset(p), lim = imgb_report_hw_limit(p);
    size_t total = json_array_size(rows);
    json_t *page = json_array();
    for (long long k = off; k < (long long)total && k < off + lim; k++)
        json_array_append(page, json_array_get(rows, (size_t)k));
    json_decref(rows);

    json_t *root = json_object();
    json_object_set_new(root, "total_num", json_integer((json_int_t)total));
    json_object_set_new(root, "data_list", page);
    imgb_report_triage_free(t);
    return imgb_report_emit_json(root, out);
}
