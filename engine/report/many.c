/*
 * One report over several scanned images (`scan REF...`, --images-from), as the APIs answer
 * a query over many images.  The native "json" is JSON Lines: one compact report a line.  Each image is rendered by its own renderer with paging opened
 * wide, and the rows are combined here; paging and the counts are then those of the whole:
 *   aliyun-build-risk-images   Data.List: every affected image, in scan order;
 *   huawei-risk-configs        data_list: one row per (check_name, check_type, standard)
 *                              over the selected images: check_rule_num and failed_rule_num
 *                              summed, severity the highest (Security < Low < Medium < High);
 *   huawei-baseline-statistic  the three counts summed;
 *   aliyun-baseline-check-result  the API is per image (ImageUuid is required): one response
 *                              per image (with --image-uuid only that image's), one a line;
 *   sarif                      one run per image in one log;
 *   table                      the images' tables one after the other;
 *   junit                      one document, the suites of each image in turn.
 * Each image is rendered as the single-image path renders it: through the severity filter's
 * view and in the report's language (imgb_report_shown).
 * RequestId of a combined response: derived from the per-image ones (same inputs, same id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "report/report.h"
#include "report/report_priv.h"
#include "util/error.h"

#define WIDE (1ll << 30) /* page size / limit that holds every row of one image */

static json_t *render_json(const imgb_scan_result *res, const imgb_report_format *fmt,
                           const imgb_report_params *p, int *rc)
{
    imgb_buf b = IMGB_BUF_INIT;
    *rc = fmt->render(res, p, &b);
    json_t *j = NULL;
    if (*rc == 0) {
        json_error_t e;
        j = json_loadb(b.ptr ? b.ptr : "", b.len, 0, &e);
        if (!j)
            *rc = imgb_error_set(IMGB_ERROR, "%s: cannot combine the images' reports: %s",
                                 fmt->name, e.text);
    }
    imgb_buf_dispose(&b);
    return j;
}

static void combined_id(json_t *const *docs, size_t n, const char *key, char out[37])
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        abort();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_object_get(docs[i], key));
        EVP_DigestUpdate(md, s ? s : "", s ? strlen(s) + 1 : 1);
    }
    EVP_DigestFinal_ex(md, h, &hl);
    EVP_MD_CTX_free(md);
    imgb_report_uuid_of_hash(h, out);
}

/* Rows [from, from + count) of `rows` (stolen) as a new array. */
static json_t *slice(json_t *rows, long long from, long long count)
{
    json_t *page = json_array();
    long long n = (long long)json_array_size(rows);
    for (long long i = from; i >= 0 && i < n && i < from + count; i++)
        json_array_append(page, json_array_get(rows, (size_t)i));
    json_decref(rows);
    return page;
}

static int sev_rank(const char *s)
{
    static const char *const order[] = { "Security", "Low", "Medium", "High" };
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, order[i]))
            return i;
    return -1;
}

static void add_int(json_t *into, json_t *from, const char *key)
{
    json_int_t a = json_integer_value(json_object_get(into, key));
    json_int_t b = json_integer_value(json_object_get(from, key));
    json_object_set_new(into, key, json_integer(a + b));
}

static int combine(json_t *const *docs, size_t n, const imgb_report_format *fmt,
                   const imgb_report_params *p, imgb_buf *out)
{
    const char *name = fmt->name;
    json_t *res = json_deep_copy(docs[0]);
    char rid[37];
    if (!strcmp(name, "aliyun-build-risk-images")) {
        json_t *rows = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_extend(rows, json_object_get(json_object_get(docs[i], "Data"), "List"));
        long long size = imgb_report_page_size(p), page = imgb_report_current_page(p);
        long long total = (long long)json_array_size(rows);
        json_t *data = json_object_get(res, "Data");
        json_object_set_new(data, "List", slice(rows, (page - 1) * size, size));
        json_t *pi = json_object_get(data, "PageInfo");
        json_object_set_new(pi, "CurrentPage", json_integer(page));
        json_object_set_new(pi, "PageSize", json_integer(size));
        json_object_set_new(pi, "TotalCount", json_integer(total));
        combined_id(docs, n, "RequestId", rid);
        json_object_set_new(res, "RequestId", json_string(rid));
    } else if (!strcmp(name, "huawei-risk-configs")) {
        json_t *rows = json_array();
        for (size_t i = 0; i < n; i++) {
            size_t k;
            json_t *r;
            json_array_foreach(json_object_get(docs[i], "data_list"), k, r) {
                json_t *same = NULL;
                size_t m;
                json_t *have;
                json_array_foreach(rows, m, have) {
                    bool eq = true;
                    static const char *const keys[] = { "check_name", "check_type", "standard" };
                    for (size_t q = 0; q < 3; q++)
                        eq &= json_equal(json_object_get(have, keys[q]),
                                         json_object_get(r, keys[q])) != 0;
                    if (eq) {
                        same = have;
                        break;
                    }
                }
                if (!same) {
                    json_array_append_new(rows, json_deep_copy(r));
                    continue;
                }
                add_int(same, r, "check_rule_num");
                add_int(same, r, "failed_rule_num");
                const char *a = json_string_value(json_object_get(same, "severity"));
                const char *b = json_string_value(json_object_get(r, "severity"));
                if (sev_rank(b) > sev_rank(a))
                    json_object_set(same, "severity", json_object_get(r, "severity"));
            }
        }
        long long total = (long long)json_array_size(rows);
        long long off = p->offset >= 0 ? p->offset : 0;
        long long lim = p->limit > 0 ? p->limit : IMGB_HW_LIMIT_DEFAULT;
        json_object_set_new(res, "total_num", json_integer(total));
        json_object_set_new(res, "data_list", slice(rows, off, lim));
    } else if (!strcmp(name, "huawei-baseline-statistic")) {
        for (size_t i = 1; i < n; i++) {
            add_int(res, docs[i], "image_weak_pwd");
            add_int(res, docs[i], "pwd_policy");
            add_int(res, docs[i], "security_check");
        }
    } else if (!strcmp(name, "sarif")) {
        json_t *runs = json_object_get(res, "runs");
        for (size_t i = 1; i < n; i++)
            json_array_extend(runs, json_object_get(docs[i], "runs"));
    } else {
        json_decref(res);
        return imgb_error_set(IMGB_EUNSUPPORTED, "%s: no combined form for several images",
                              name);
    }
    return imgb_report_emit_json(res, out);
}

int imgb_report_render_many_fmt(const imgb_scan_result *const *res, size_t n,
                                const imgb_report_format *fmt, const imgb_report_params *p,
                                imgb_buf *out)
{
    if (n == 0)
        return imgb_error_set(IMGB_EINVAL, "no image to report on");
    /* ImageUuid picks the images it names; naming none is the single-image error */
    const imgb_scan_result **sel = imgb_xcalloc(n, sizeof *sel);
    size_t ns = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = imgb_report_params_check(p, fmt, res[i])) == 0)
            sel[ns++] = res[i];
        else if (rc != IMGB_EINVAL || !p->image_uuid)
            break;
    }
    if (ns == 0 || (rc && rc != IMGB_EINVAL) || (rc && !p->image_uuid)) {
        free(sel);
        return rc ? rc : IMGB_EINVAL;
    }
    imgb_error_clear();
    rc = 0;
    /* each image as the single-image path shows it: severity filter, report language */
    imgb_report_shown *shown = imgb_xcalloc(ns, sizeof *shown);
    for (size_t i = 0; i < ns; i++) {
        imgb_report_shown_init(&shown[i], sel[i], p);
        sel[i] = shown[i].res;
    }
    if (!strcmp(fmt->name, "junit")) {
        rc = imgb_render_junit_many(sel, ns, p, out);
    } else if (!strcmp(fmt->name, "table")) {
        for (size_t i = 0; i < ns && rc == 0; i++)
            rc = fmt->render(sel[i], p, out);
    } else if (!strcmp(fmt->name, "aliyun-baseline-check-result") ||
               !strcmp(fmt->name, "json")) {
        for (size_t i = 0; i < ns && rc == 0; i++) {
            json_t *j = render_json(sel[i], fmt, p, &rc);
            if (j) {
                char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
                imgb_buf_puts(out, s);
                imgb_buf_putc(out, '\n');
                free(s);
                json_decref(j);
            }
        }
    } else {
        imgb_report_params wide = *p; /* shallow: strings stay owned by *p */
        wide.page_size = WIDE;
        wide.current_page = 1;
        wide.offset = 0;
        wide.limit = WIDE;
        json_t **docs = imgb_xcalloc(ns, sizeof *docs);
        for (size_t i = 0; i < ns && rc == 0; i++)
            docs[i] = render_json(sel[i], fmt, &wide, &rc);
        if (rc == 0)
            rc = combine(docs, ns, fmt, p, out);
        for (size_t i = 0; i < ns; i++)
            json_decref(docs[i]);
        free(docs);
    }
    for (size_t i = 0; i < ns; i++)
        imgb_report_shown_dispose(&shown[i]);
    free(shown);
    free(sel);
    return rc;
}
