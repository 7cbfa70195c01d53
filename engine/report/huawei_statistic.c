/*
 * huawei-baseline-statistic: the response of Huawei Cloud HSS
 * GET /v5/{project_id}/image/baseline/statistic
 * (../shared/spec/huawei-image-baseline-statistic.txt).  The table types the three fields
 * Integer; the example shows strings; we follow the table.
 *
 * What each field counts in the scanned image (items by their rule `bucket`, build risks
 * excluded because HSS reports them through ListImageBuildCommandRisks; ignored and
 * false-positive findings are not counted):
 *   image_weak_pwd  accounts with a weak password: the distinct account names in the
 *                   failing evidence of failed image_weak_pwd items (cracked, empty,
 *                   duplicate hash, weak algorithm); failing evidence without an account
 *                   counts once each
 *   pwd_policy      failed pwd_policy items (login.defs, PAM, pwquality settings)
 *   security_check  failed security_check items (SSH configuration, accounts, files, keys)
 * When the image filters (image_type, namespace, image_name, image_version, image_id) do not
 * select the scanned image, all three are 0.
 */
#include <string.h>

#include "report/report_priv.h"
#include "report/rows.h"

static bool seen_account(imgb_ptrvec *seen, const char *account)
{
    for (size_t k = 0; k < seen->len; k++)
        if (!strcmp(seen->items[k], account))
            return true;
    imgb_ptrvec_push(seen, (void *)account);
    return false;
}

void imgb_report_hw_stat_counts(const imgb_scan_result *res, const imgb_report_params *p,
                                imgb_hw_stat *out)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    long long weak = 0, policy = 0, check = 0;
    imgb_ptrvec seen = IMGB_PTRVEC_INIT;

    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        for (size_t i = 0; i < br->nitems; i++) {
            const imgb_item_result *r = &br->items[i];
            const imgb_item *it = r->item;
            if (imgb_report_is_build_risk(br->baseline, it) ||
                !imgb_report_item_open_failure(t, res, b, i))
                continue;
            if (it->bucket == IMGB_BUCKET_PWD_POLICY) {
                policy++;
            } else if (it->bucket == IMGB_BUCKET_SECURITY_CHECK) {
                check++;
            } else if (r->nevidence == 0) {
                weak++;
            } else {
                for (size_t e = 0; e < r->nevidence; e++) {
                    const imgb_evidence *ev = &r->evidence[e];
                    if (!imgb_report_evidence_failing(r, e) ||
                        imgb_report_evidence_status(t, b, i, e, NULL) != IMGB_STATUS_UNHANDLED)
                        continue;
                    if (!ev->account || !seen_account(&seen, ev->account))
                        weak++;
                }
            }
        }
    }
    imgb_ptrvec_dispose(&seen, NULL);
    imgb_report_triage_free(t);
    *out = (imgb_hw_stat){ weak, policy, check };
}

int imgb_report_hw_stat_emit(const imgb_hw_stat *s, imgb_buf *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "image_weak_pwd", json_integer(s->weak));
    json_object_set_new(root, "pwd_policy", json_integer(s->policy));
    json_object_set_new(root, "security_check", json_integer(s->check));
    return imgb_report_emit_json(root, out);
}

int imgb_render_huawei_statistic(const imgb_scan_result *res, const imgb_report_params *p,
                                 imgb_buf *out)
{
    imgb_hw_stat s = { 0, 0, 0 };
    if (imgb_report_hw_image_selected(res, p))
        imgb_report_hw_stat_counts(res, p, &s);
    return imgb_report_hw_stat_emit(&s, out);
}
