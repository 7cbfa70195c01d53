/*
 * The format table, the request parameters (set by name from strings, validated against the
 * documented ranges of ../shared/spec/) and the render entry point.
 */
#include "report/report.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attribution.h"
#include "report/report_priv.h"
#include "rules/i18n.h"
#include "util/error.h"
#include "util/limits.h"

static const imgb_report_format formats[] = {
    { "json", "the native report (every item, evidence, counts)", false, imgb_render_native },
    { "aliyun-baseline-check-result",
      "Alibaba Cloud DescribeImageBaselineCheckResult response", true,
      imgb_render_aliyun_check_result },
    { "aliyun-build-risk-images", "Alibaba Cloud DescribeImageListByBuildRisk response", true,
      imgb_render_aliyun_build_risk },
    { "huawei-risk-configs", "Huawei Cloud HSS ListImageRiskConfigs response", true,
      imgb_render_huawei_risk_configs },
    { "huawei-baseline-statistic", "Huawei Cloud HSS image baseline statistic response", true,
      imgb_render_huawei_statistic },
    { "table", "human-readable table grouped by baseline", false, imgb_render_table },
    { "sarif", "SARIF 2.1.0 for code-scanning dashboards", false, imgb_render_sarif },
    { "html", "self-contained HTML audit report (prints to PDF)", false, imgb_render_html },
    { "junit", "JUnit XML for CI test reports (GitLab, Jenkins): a testcase per item", false,
      imgb_render_junit },
    { "inspect", "what the reader made of the image, as text (no rules)", false,
      imgb_render_inspect_text },
    { "inspect-json", "what the reader made of the image, as JSON (no rules)", false,
      imgb_render_inspect_json },
    { NULL, NULL, false, NULL },
};

const imgb_report_format *imgb_report_formats(void)
{
    return formats;
}

const imgb_report_format *imgb_report_format_lookup(const char *name)
{
    for (size_t i = 0; formats[i].name; i++)
        if (strcmp(formats[i].name, name) == 0)
            return &formats[i];
    return NULL;
}

/* ---- severities ------------------------------------------------------------------------ */

int imgb_severity_parse(const char *s, imgb_severity *out)
{
    if (!strcasecmp(s, "high"))
        *out = IMGB_SEV_HIGH;
    else if (!strcasecmp(s, "medium"))
        *out = IMGB_SEV_MEDIUM;
    else if (!strcasecmp(s, "low"))
        *out = IMGB_SEV_LOW;
    else
        return imgb_error_set(IMGB_EINVAL, "invalid severity '%.64s' (expected high, medium "
                              "or low)", s);
    return 0;
}

/* ---- parameters ------------------------------------------------------------------------ */

typedef enum param_type {
    PT_STRING,   /* length-checked string */
    PT_INT,      /* integer in [min, max] */
    PT_LANG,
    PT_LEVELS,   /* comma list of high/medium/low */
    PT_RANGE,    /* comma list of image/container */
    PT_STATUS,   /* 0|1|2 */
} param_type;

typedef struct param_def {
    const char *name;       /* snake case, as the CLI flag without "--" and with '_' */
    const char *api_name;   /* the name the API document uses, for messages */
    param_type type;
    size_t off;
    long long min, max;     /* PT_INT: value range; PT_STRING: length range */
    const char *range;      /* the document's range sentence, quoted in errors */
} param_def;

#define P(f) offsetof(imgb_report_params, f)

static const param_def params[] = {
    { "lang", "Lang", PT_LANG, P(lang), 0, 0, "Valid values: zh, en." },
    { "image_uuid", "ImageUuid", PT_STRING, P(image_uuid), 1, 256, "1 to 256 characters." },
    { "risk_level", "RiskLevel", PT_LEVELS, P(risk_levels), 0, 0,
      "Valid values: high, medium, low (separate several with commas)." },
    { "criteria", "Criteria", PT_STRING, P(criteria), 0, IMGB_MAX_REPORT_PARAM,
      "0 to 65535 characters." },
    { "criteria_type", "CriteriaType", PT_STRING, P(criteria_type), 1, 64,
      "BaselineNameAlias, BaselineClassAlias, RepoNamespace or RepoName." },
    { "page_size", "PageSize", PT_INT, P(page_size), 1, INT32_MAX,
      "an integer of at least 1; default value: 20." },
    { "current_page", "CurrentPage", PT_INT, P(current_page), 1, INT32_MAX,
      "an integer of at least 1; default value: 1." },
    { "scan_range", "ScanRange", PT_RANGE, P(scan_range), 0, 0,
      "Valid values: image, container (separate several with commas)." },
    { "risk_key", "RiskKey", PT_STRING, P(risk_key), 1, 256, "1 to 256 characters." },
    { "status", "Status", PT_STATUS, P(status), 0, 2,
      "Valid values: 0 (unhandled), 1 (ignored), 2 (false positive)." },
    { "region_id", "RegionId", PT_STRING, P(region_id), 1, 128, "1 to 128 characters." },
    { "instance_id", "instance_id", PT_STRING, P(instance_id), 0, 128,
      "The value can contain 0 to 128 characters." },
    { "image_type", "image_type", PT_STRING, P(image_type), 1, 256,
      "private_image, shared_image, local_image, instance_image, registry, local." },
    { "offset", "offset", PT_INT, P(offset), 0, IMGB_HW_OFFSET_MAX,
      "The value range is 0 to 2,000,000." },
    { "limit", "limit", PT_INT, P(limit), IMGB_HW_LIMIT_MIN, IMGB_HW_LIMIT_MAX,
      "Value range: 10-200" },
    { "namespace", "namespace", PT_STRING, P(namespace_name), 0, IMGB_MAX_REPORT_PARAM,
      "The value can contain 0 to 65,535 characters." },
    { "image_name", "image_name", PT_STRING, P(image_name), 0, IMGB_MAX_REPORT_PARAM,
      "The value can contain 0 to 65,535 characters." },
    { "image_version", "image_version", PT_STRING, P(image_version), 0, IMGB_MAX_REPORT_PARAM,
      "The value can contain 0 to 65,535 characters." },
    { "image_id", "image_id", PT_STRING, P(image_id), 0, 128,
      "Image ID. The value contains 0 to 128 characters." },
    { "check_name", "check_name", PT_STRING, P(check_name), 0, 256,
      "CentOS 7, Debian 10, EulerOS, Ubuntu16 (and the names of the other baselines)." },
    { "severity", "severity", PT_STRING, P(severity), 0, 64, "Security, Low, Medium, High." },
    { "standard", "standard", PT_STRING, P(standard), 0, 64, "cn_standard, hw_standard." },
    { "enterprise_project_id", "enterprise_project_id", PT_STRING, P(enterprise_project_id),
      1, 256, "The value can contain 1 to 256 characters." },
};

#undef P

#define NPARAMS (sizeof params / sizeof params[0])

const char *const *imgb_report_param_names(void)
{
    static const char *names[NPARAMS + 1];
    if (!names[0])
        for (size_t i = 0; i < NPARAMS; i++)
            names[i] = params[i].name;
    return names;
}

void imgb_report_params_init(imgb_report_params *p)
{
    memset(p, 0, sizeof *p);
    p->lang = IMGB_LANG_ZH;
    p->page_size = -1;
    p->current_page = -1;
    p->status = -1;
    p->offset = -1;
    p->limit = -1;
}

void imgb_report_params_dispose(imgb_report_params *p)
{
    for (size_t i = 0; i < NPARAMS; i++) {
        if (params[i].type == PT_STRING) {
            char **s = (char **)((char *)p + params[i].off);
            free(*s);
            *s = NULL;
        }
    }
}

static int param_error(const param_def *d, const char *value, const char *what)
{
    return imgb_error_set(IMGB_EINVAL, "invalid %s '%.64s'%s: %s", d->api_name, value, what,
                          d->range);
}

/* Split a comma list and map each word through `words` into a bit set. */
static int parse_word_set(const param_def *d, const char *value, const char *const *words,
                          unsigned *out)
{
    unsigned set = 0;
    const char *s = value;
    for (;;) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        size_t w;
        for (w = 0; words[w]; w++)
            if (strlen(words[w]) == n && strncasecmp(words[w], s, n) == 0)
                break;
        if (!words[w])
            return param_error(d, value, "");
        set |= 1u << w;
        if (!end)
            break;
        s = end + 1;
    }
    *out = set;
    return 0;
}

int imgb_report_param_set(imgb_report_params *p, const char *name, const char *value)
{
    const param_def *d = NULL;
    for (size_t i = 0; i < NPARAMS; i++)
        if (strcmp(params[i].name, name) == 0)
            d = &params[i];
    if (!d)
        return imgb_error_set(IMGB_ENOTFOUND, "unknown request parameter '%.64s'", name);
    void *field = (char *)p + d->off;

    switch (d->type) {
    case PT_STRING: {
        size_t n = strlen(value);
        if ((long long)n < d->min || (long long)n > d->max)
            return param_error(d, value, " (length out of range)");
        char **s = field;
        free(*s);
        *s = imgb_xstrdup(value);
        return 0;
    }
    case PT_INT:
    case PT_STATUS: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (!*value || *end || errno == ERANGE)
            return param_error(d, value, " (not an integer)");
        if (v < d->min || v > d->max)
            return param_error(d, value, " (out of range)");
        if (d->type == PT_STATUS)
            *(int *)field = (int)v;
        else
            *(long long *)field = v;
        return 0;
    }
    case PT_LANG:
        if (!strcmp(value, "zh"))
            p->lang = IMGB_LANG_ZH;
        else if (!strcmp(value, "en"))
            p->lang = IMGB_LANG_EN;
        else
            return param_error(d, value, "");
        return 0;
    case PT_LEVELS: {
        /* Word order follows imgb_severity so that bit i is severity i. */
        static const char *const words[] = { "low", "medium", "high", NULL };
        return parse_word_set(d, value, words, field);
    }
    case PT_RANGE: {
        static const char *const words[] = { "image", "container", NULL };
        return parse_word_set(d, value, words, field);
    }
    }
    return imgb_error_set(IMGB_ERROR, "internal: parameter type");
}

int imgb_report_params_check(const imgb_report_params *p, const imgb_report_format *fmt,
                             const imgb_scan_result *res)
{
    const char *name = fmt->name;
    bool ali_check = !strcmp(name, "aliyun-baseline-check-result");
    bool ali_build = !strcmp(name, "aliyun-build-risk-images");
    bool huawei = !strncmp(name, "huawei-", 7);

    if (p->criteria_type && ali_check && strcmp(p->criteria_type, "BaselineNameAlias") != 0 &&
        strcmp(p->criteria_type, "BaselineClassAlias") != 0)
        return imgb_error_set(IMGB_EINVAL, "invalid CriteriaType '%.64s': Valid values: "
                              "BaselineNameAlias, BaselineClassAlias.", p->criteria_type);
    if (p->criteria_type && ali_build && strcmp(p->criteria_type, "RepoNamespace") != 0 &&
        strcmp(p->criteria_type, "RepoName") != 0)
        return imgb_error_set(IMGB_EINVAL, "invalid CriteriaType '%.64s': Values: "
                              "RepoNamespace, RepoName.", p->criteria_type);
    if (huawei && !p->image_type)
        return imgb_error_set(IMGB_EINVAL, "missing required parameter image_type "
                              "(private_image, shared_image, local_image, instance_image, "
                              "registry, local)");
    if (p->image_uuid && ali_check && res) { /* res NULL: before a scan, or a history */
        const char *id = imgb_report_image_id(res);
        const char *u = p->image_uuid;
        if (!strncmp(u, "sha256:", 7))
            u += 7;
        size_t n = strlen(u);
        /* A unique prefix of at least 12 hex digits names an image, as `docker` accepts. */
        if (!*id || n < 12 || n > strlen(id) || strncasecmp(id, u, n) != 0)
            return imgb_error_set(IMGB_EINVAL, "ImageUuid '%.80s' does not name the scanned "
                                  "image (%s)", p->image_uuid, *id ? id : "no image id");
    }
    return 0;
}

/* Whether `sev` passes the severity filter of `p`. */
static bool report_sev_shown(const imgb_report_params *p, imgb_severity sev)
{
    return !p->severity_mask || (p->severity_mask & (1u << sev));
}

/*
 * The result as the severity filter shows it: a shallow copy whose baselines list only the
 * items of the wanted severities, with their counts recomputed, so every renderer filters
 * alike without knowing about it.  Items and evidence are borrowed from `res`; free the
 * copy with report_view_free().
 */
static imgb_scan_result *report_view(const imgb_scan_result *res, const imgb_report_params *p)
{
    imgb_scan_result *v = imgb_xmalloc(sizeof *v);
    *v = *res;
    v->baselines = imgb_xcalloc(res->nbaselines ? res->nbaselines : 1, sizeof *v->baselines);
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *src = &res->baselines[b];
        imgb_baseline_result *dst = &v->baselines[b];
        *dst = *src;
        dst->items = imgb_xcalloc(src->nitems ? src->nitems : 1, sizeof *dst->items);
        dst->nitems = 0;
        dst->passed = dst->not_applicable = dst->errors = dst->incomplete = 0;
        memset(dst->failed, 0, sizeof dst->failed);
        for (size_t i = 0; i < src->nitems; i++) {
            const imgb_item_result *r = &src->items[i];
            if (!report_sev_shown(p, r->item->severity))
                continue;
            dst->items[dst->nitems++] = *r;
            switch (r->verdict) {
            case IMGB_V_PASS: dst->passed++; break;
            case IMGB_V_FAIL: dst->failed[r->item->severity]++; break;
            case IMGB_V_NOT_APPLICABLE: dst->not_applicable++; break;
            case IMGB_V_ERROR: dst->errors++; break;
            case IMGB_V_INCOMPLETE: dst->incomplete++; break;
            }
        }
    }
    return v;
}

static void report_view_free(imgb_scan_result *v)
{
    for (size_t b = 0; b < v->nbaselines; b++)
        free(v->baselines[b].items);
    free(v->baselines);
    free(v);
}

void imgb_report_shown_init(imgb_report_shown *s, const imgb_scan_result *res,
                            const imgb_report_params *p)
{
    /* the severity filter first (a view of the items shown), then the one place where a
     * report gets its language: every format renders the same copy */
    s->view = NULL;
    s->res = res;
    if (p->severity_mask && p->severity_mask != 7u)
        s->res = s->view = report_view(res, p);
    s->loc = imgb_report_localize(s->res, p->lang);
    if (s->loc)
        s->res = s->loc;
}

void imgb_report_shown_dispose(imgb_report_shown *s)
{
    imgb_report_localized_free(s->loc);
    if (s->view)
        report_view_free(s->view);
    memset(s, 0, sizeof *s);
}

int imgb_report_render_fmt(const imgb_scan_result *res, const imgb_report_format *fmt,
                       const imgb_report_params *p, imgb_buf *out)
{
    int rc = imgb_report_params_check(p, fmt, res);
    if (rc < 0)
        return rc;
    if (p->diff_old && fmt->api)
        return imgb_error_set(IMGB_EINVAL, "diff: %s is a cloud API response with no field for "
                              "new and fixed findings; use json, table, sarif or html", fmt->name);
    imgb_report_shown shown;
    imgb_report_shown_init(&shown, res, p);
    /* in diff mode the old scan's fixed findings are shown too: in the same language */
    imgb_scan_result *loc_old = p->diff_old ? imgb_report_localize(p->diff_old, p->lang) : NULL;
    imgb_report_params pl = *p; /* shallow: nothing of it is freed here */
    if (loc_old)
        pl.diff_old = loc_old;
    rc = fmt->render(shown.res, &pl, out);
    imgb_report_localized_free(loc_old);
    imgb_report_shown_dispose(&shown);
    return rc;
}

size_t imgb_report_count_unjudged(const imgb_scan_result *res, const imgb_report_params *p,
                                  imgb_severity min)
{
    size_t n = 0;
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        for (size_t i = 0; i < br->nitems; i++) {
            const imgb_item_result *r = &br->items[i];
            if ((r->verdict == IMGB_V_ERROR || r->verdict == IMGB_V_INCOMPLETE) &&
                r->item->severity >= min && report_sev_shown(p, r->item->severity))
                n++;
        }
    }
    return n;
}

/* ---- exit code and warnings ------------------------------------------------------------ */

/* Diff mode: the gate counts an item for its new failing evidence that no entry covers. */
static bool report_has_new(const imgb_report_triage *t, const imgb_report_params *p,
                           const imgb_item_result *r, size_t b, size_t i)
{
    for (size_t e = 0; e < r->nevidence; e++)
        if (imgb_report_diff_state(p, r, e) == IMGB_DIFF_NEW &&
            imgb_report_evidence_status(t, b, i, e, NULL) == IMGB_STATUS_UNHANDLED)
            return true;
    return false;
}

size_t imgb_report_count_findings(const imgb_scan_result *res, const imgb_report_params *p,
                                  imgb_severity min)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    size_t n = 0;
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        for (size_t i = 0; i < br->nitems; i++)
            if (br->items[i].item->severity >= min &&
                report_sev_shown(p, br->items[i].item->severity) &&
                imgb_report_item_open_failure(t, res, b, i) &&
                !(p->only_own && imgb_item_origin(&br->items[i]) == IMGB_ORIGIN_BASE) &&
                (!p->diff_old || report_has_new(t, p, &br->items[i], b, i)))
                n++;
    }
    imgb_report_triage_free(t);
    return n;
}

char **imgb_report_ignore_lines(const imgb_scan_result *res, const imgb_report_params *p,
                                   size_t *count)
{
    imgb_ptrvec v = IMGB_PTRVEC_INIT;
    int64_t now = imgb_report_now_ms(p);
    if (p->ignore) {
        for (size_t i = 0; i < p->ignore->nentries; i++) {
            const imgb_ignore_entry *e = &p->ignore->entries[i];
            char *line;
            if (imgb_ignore_entry_expired(e, now))
                line = imgb_xasprintf("%s:%d: ignore entry for '%s' expired on %s; it no "
                                      "longer applies", p->ignore->file, e->line, e->id,
                                      e->expires);
            else if (res && !imgb_report_ruleset_names(res, e->id))
                line = imgb_xasprintf("%s:%d: ignore entry '%s' names no item of the rules (use "
                                      "an item id or key, see `imgbaseline rules list`)",
                                      p->ignore->file, e->line, e->id);
            else if (res && !imgb_report_entry_matches_any(res, e))
                line = imgb_xasprintf("%s:%d: ignore entry for '%s' matched no finding of this "
                                      "image", p->ignore->file, e->line, e->id);
            else
                continue;
            /* in the report's language, like the scan's own warnings (localize.c) */
            if (p->lang != IMGB_LANG_EN && res && res->ruleset) {
                char *t = imgb_catalog_translate(res->ruleset->catalog, line, NULL, NULL);
                free(line);
                line = t;
            }
            imgb_ptrvec_push(&v, line);
        }
    }
    *count = v.len;
    return (char **)v.items;
}

void imgb_report_free_lines(char **lines, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(lines[i]);
    free(lines);
}
