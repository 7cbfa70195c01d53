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
#include <stdlib.h>
#include <string.h>

#include "report/report_priv.h"
#include "report/rows.h"

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

int imgb_report_build_images_emit(const imgb_build_image_row *rows, size_t n, long long total,
                                  const imgb_report_params *p, const char *request_id,
                                  imgb_buf *out)
{
    long long size = imgb_report_page_size(p), page = imgb_report_current_page(p);
    json_t *list = json_array();
    for (size_t k = 0; k < n; k++) {
        const imgb_build_image_row *r = &rows[k];
        json_t *o = json_object();
        json_object_set_new(o, "Uuid", imgb_report_jstr(r->uuid));
        json_object_set_new(o, "RegionId",
                            imgb_report_jstr(p->region_id ? p->region_id : IMGB_ALI_REGION_DEFAULT));
        json_object_set_new(o, "InstanceId", imgb_report_jstr(p->instance_id ? p->instance_id
                                                         : IMGB_ALI_INSTANCE_DEFAULT));
        json_object_set_new(o, "RepoNamespace", imgb_report_jstr(r->namespace_name));
        json_object_set_new(o, "RepoName", imgb_report_jstr(r->name));
        json_object_set_new(o, "Digest", imgb_report_jstr(r->digest));
        json_object_set_new(o, "Tag", imgb_report_jstr(r->tag));
        json_object_set_new(o, "FirstScanTime", json_integer(r->first_ms));
        json_object_set_new(o, "LastScanTime", json_integer(r->last_ms));
        json_object_set_new(o, "RiskLevel",
                            json_string(imgb_severity_name((imgb_severity)r->level)));
        json_object_set_new(o, "Status", json_integer(r->status));
        json_array_append_new(list, o);
    }

    json_t *root = json_object();
    json_t *data = json_object();
    json_object_set_new(data, "List", list);
    json_t *pi = json_object();
    json_object_set_new(pi, "CurrentPage", json_integer(page));
    json_object_set_new(pi, "PageSize", json_integer(size));
    json_object_set_new(pi, "TotalCount", json_integer(total));
    json_object_set_new(data, "PageInfo", pi);
    json_object_set_new(root, "Data", data);
    json_object_set_new(root, "Success", json_true());
    json_object_set_new(root, "Code", json_string("200"));
    json_object_set_new(root, "Message", json_string("successful"));
    json_object_set_new(root, "RequestId", json_string(request_id));
    return imgb_report_emit_json(root, out);
}

size_t imgb_report_build_risk_rows(const imgb_scan_result *res, const imgb_report_params *p,
                                   imgb_build_risk_row **rows_out)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    imgb_build_risk_row *rows = NULL;
    size_t n = 0, cap = 0;
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        for (size_t i = 0; i < br->nitems; i++) {
            const imgb_item_result *r = &br->items[i];
            const imgb_item *it = r->item;
            if (r->verdict != IMGB_V_FAIL || !imgb_report_is_build_risk(br->baseline, it))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                rows = imgb_xrealloc(rows, cap * sizeof *rows);
            }
            rows[n++] = (imgb_build_risk_row){ .key = it->key ? it->key : it->id, .id = it->id,
                                               .severity = (int)it->severity,
                                               .status = (int)imgb_report_item_status(t, b, i,
                                                                                      NULL) };
        }
    }
    imgb_report_triage_free(t);
    *rows_out = rows;
    return n;
}

int imgb_render_aliyun_build_risk(const imgb_scan_result *res, const imgb_report_params *p,
                                  imgb_buf *out)
{
    imgb_image_ref ref;
    imgb_report_image_ref(res, &ref);
    imgb_build_risk_row *risks = NULL;
    size_t nrisks = imgb_report_build_risk_rows(res, p, &risks);

    int level = -1;
    int status = 3;
    for (size_t k = 0; k < nrisks; k++) {
        const imgb_build_risk_row *r = &risks[k];
        if (p->risk_levels && !(p->risk_levels & (1u << r->severity)))
            continue;
        if (p->risk_key && strcmp(p->risk_key, r->key) != 0 && strcmp(p->risk_key, r->id) != 0)
            continue;
        if (p->status >= 0 && r->status != p->status)
            continue;
        if (r->severity > level)
            level = r->severity;
        if (r->status < status)
            status = r->status;
    }
    free(risks);
    size_t total = level >= 0 && criteria_match(&ref, p) ? 1 : 0;
    long long start = (imgb_report_current_page(p) - 1) * imgb_report_page_size(p);
    imgb_build_image_row row = {
        .uuid = imgb_report_image_id(res), .namespace_name = ref.namespace_name,
        .name = ref.name, .digest = ref.digest, .tag = ref.tag,
        .first_ms = imgb_report_first_scan_ms(res), .last_ms = imgb_report_last_scan_ms(res),
        .level = level, .status = status,
    };
    char rid[37];
    imgb_report_request_id(res, "aliyun-build-risk-images", p, rid);
    int rc = imgb_report_build_images_emit(&row, total && start == 0 ? 1 : 0, (long long)total,
                                           p, rid, out);
    imgb_report_image_ref_dispose(&ref);
    return rc;
}
