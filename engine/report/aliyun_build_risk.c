/*
 * aliyun-build-risk-images: the response of Alibaba Cloud Security Center's
 * DescribeImageListByBuildRisk (../shared/spec/aliyun-DescribeImageListByBuildRisk.txt):
 * the images affected by image build risks.  A local scan knows one image, so List holds
 * that image when at least one build-risk item failed and passes the filters:
 *   RiskLevel  the item severities to consider;  RiskKey  an item key (or item id);
 *   Status     the item's triage status (0 unhandled, 1 ignored, 2 false positive, from the
 *              ignore file);  Criteria + CriteriaType  a case-insensitive substring of
 *              RepoNamespace or RepoName (without a type: either).
 * The row's RiskLevel is the highest severity of the matching failed risks, its Status the
 * lowest of their statuses (one unhandled risk makes the image unhandled).
 * Uuid is the image id (hex of the config digest); RepoNamespace/RepoName/Tag come from the
 * image reference `registry/namespace/name:tag` (Docker Hub names without a namespace are
 * in "library", untagged references are "latest", no reference gives empty strings);
 * Digest is the manifest digest in hex, as in the example; RegionId and InstanceId come from
 * the request (defaults IMGB_ALI_REGION_DEFAULT and IMGB_ALI_INSTANCE_DEFAULT).
 * Code is the string "200": the parameter table types it String (the example shows 200).
 */
#include <string.h>

#include "report/report_priv.h"

static bool criteria_match(const imgb_image_ref *ref, const imgb_report_params *p)
{
    if (!p->criteria || !*p->criteria)
        return true;
    if (p->criteria_type && !strcmp(p->criteria_type, "RepoNamespace"))
        return imgb_report_contains_ci(ref->namespace_name, p->criteria);
    if (p->criteria_type && !strcmp(p->criteria_type, "RepoName"))
        return imgb_report_contains_ci(ref->name, p->criteria);
    return imgb_report_contains_ci(ref->namespace_name, p->criteria) ||
           imgb_report_contains_ci(ref->name, p->criteria);
}

int imgb_render_aliyun_build_risk(const imgb_scan_result *res, const imgb_report_params *p,
                                  imgb_buf *out)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    imgb_image_ref ref;
    imgb_report_image_ref(res, &ref);

    int level = -1;
    int status = 3;
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        for (size_t i = 0; i < br->nitems; i++) {
            const imgb_item_result *r = &br->items[i];
            const imgb_item *it = r->item;
            if (r->verdict != IMGB_V_FAIL || !imgb_report_is_build_risk(br->baseline, it))
                continue;
            if (p->risk_levels && !(p->risk_levels & (1u << it->severity)))
                continue;
            if (p->risk_key && strcmp(p->risk_key, it->key ? it->key : "") != 0 &&
                strcmp(p->risk_key, it->id) != 0)
                continue;
            int st = (int)imgb_report_item_status(t, b, i, NULL);
            if (p->status >= 0 && st != p->status)
                continue;
            if ((int)it->severity > level)
                level = (int)it->severity;
            if (st < status)
                status = st;
        }
    }
    size_t total = level >= 0 && criteria_match(&ref, p) ? 1 : 0;

    long long size = imgb_report_page_size(p), page = imgb_report_current_page(p);
    long long start = (page - 1) * size;
    json_t *list = json_array();
    if (total && start == 0) {
        json_t *o = json_object();
        json_object_set_new(o, "Uuid", json_string(imgb_report_image_id(res)));
        json_object_set_new(o, "RegionId",
                            imgb_report_jstr(p->region_id ? p->region_id : IMGB_ALI_REGION_DEFAULT));
        json_object_set_new(o, "InstanceId", imgb_report_jstr(p->instance_id ? p->instance_id
                                                         : IMGB_ALI_INSTANCE_DEFAULT));
        json_object_set_new(o, "RepoNamespace", imgb_report_jstr(ref.namespace_name));
        json_object_set_new(o, "RepoName", imgb_report_jstr(ref.name));
        json_object_set_new(o, "Digest", imgb_report_jstr(ref.digest));
        json_object_set_new(o, "Tag", imgb_report_jstr(ref.tag));
        json_object_set_new(o, "FirstScanTime", json_integer(imgb_report_first_scan_ms(res)));
        json_object_set_new(o, "LastScanTime", json_integer(imgb_report_last_scan_ms(res)));
        json_object_set_new(o, "RiskLevel",
                            json_string(imgb_severity_name((imgb_severity)level)));
        json_object_set_new(o, "Status", json_integer(status));
        json_array_append_new(list, o);
    }

    char rid[37];
    imgb_report_request_id(res, "aliyun-build-risk-images", p, rid);
    json_t *root = json_object();
    json_t *data = json_object();
    json_object_set_new(data, "List", list);
    json_t *pi = json_object();
    json_object_set_new(pi, "CurrentPage", json_integer(page));
    json_object_set_new(pi, "PageSize", json_integer(size));
    json_object_set_new(pi, "TotalCount", json_integer((json_int_t)total));
    json_object_set_new(data, "PageInfo", pi);
    json_object_set_new(root, "Data", data);
    json_object_set_new(root, "Success", json_true());
    json_object_set_new(root, "Code", json_string("200"));
    json_object_set_new(root, "Message", json_string("successful"));
    json_object_set_new(root, "RequestId", json_string(rid));

    imgb_report_image_ref_dispose(&ref);
    imgb_report_triage_free(t);
    return imgb_report_emit_json(root, out);
}
