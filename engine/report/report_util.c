/*
 * Shared renderer helpers (report_priv.h): the triage of a result against the ignore list,
 * localised text, the image reference split, derived RequestIds, paging and Huawei image
 * selection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "report/report_priv.h"
#include "rules/fix.h"
#include "report/rows.h"
#include "util/error.h"

/* ---- triage ------------------------------------------------------------------------------ */

typedef struct triage_item {
    imgb_ignore_status status;
    const imgb_ignore_entry *entry;  /* a covering entry (for the reason) */
    imgb_ignore_status *ev_status;   /* per evidence (NULL when the item has none) */
    const imgb_ignore_entry **ev_entry;
} triage_item;

struct imgb_report_triage {
    triage_item **items;             /* [baseline][item] */
    size_t nbaselines;
    size_t *nitems;
};

bool imgb_report_evidence_failing(const imgb_item_result *r, size_t e)
{
    /* Kinds that mark individual evidence use IMGB_V_FAIL; if none is marked, the whole
     * evidence list explains the failure. */
    bool any_marked = false;
    for (size_t k = 0; k < r->nevidence; k++)
        if (r->evidence[k].verdict == IMGB_V_FAIL)
            any_marked = true;
    return !any_marked || r->evidence[e].verdict == IMGB_V_FAIL;
}

char *imgb_report_evidence_location(const imgb_evidence *ev)
{
    if (ev->file && ev->line > 0)
        return imgb_xasprintf("%s:%d", ev->file, ev->line);
    if (ev->file && ev->offset >= 0)
        return imgb_xasprintf("%s@%lld", ev->file, (long long)ev->offset);
    if (ev->file)
        return imgb_xstrdup(ev->file);
    if (ev->history_index >= 0)
        return imgb_xasprintf("history[%d]", ev->history_index);
    return NULL;
}

static const char *layer_digest_of(const imgb_scan_result *res, const imgb_evidence *ev)
{
    if (ev->layer_digest)
        return ev->layer_digest;
    if (res->image && ev->layer >= 0 && (size_t)ev->layer < res->image->nlayers)
        return res->image->layers[ev->layer].digest;
    return NULL;
}

static const imgb_ignore_entry *find_entry(const imgb_report_params *p, int64_t now,
                                           const imgb_item *it, const char *account,
                                           const char *file, int layer, const char *digest)
{
    if (!p || !p->ignore)
        return NULL;
    for (size_t k = 0; k < p->ignore->nentries; k++) {
        const imgb_ignore_entry *e = &p->ignore->entries[k];
        if (imgb_ignore_entry_expired(e, now))
            continue;
        if (imgb_ignore_entry_matches(e, it->id, it->key, account, file, layer, digest))
            return e;
    }
    return NULL;
}

static void triage_one(const imgb_scan_result *res, const imgb_report_params *p, int64_t now,
                       const imgb_item_result *r, triage_item *ti)
{
    ti->status = IMGB_STATUS_UNHANDLED;
    if (r->verdict != IMGB_V_FAIL)
        return;
    if (r->nevidence == 0) {
        ti->entry = find_entry(p, now, r->item, NULL, NULL, -1, NULL);
        ti->status = ti->entry ? ti->entry->status : IMGB_STATUS_UNHANDLED;
        return;
    }
    ti->ev_status = imgb_xcalloc(r->nevidence, sizeof *ti->ev_status);
    ti->ev_entry = imgb_xcalloc(r->nevidence, sizeof *ti->ev_entry);
    bool any_open = false, all_fp = true;
    for (size_t e = 0; e < r->nevidence; e++) {
        if (!imgb_report_evidence_failing(r, e))
            continue;
        const imgb_evidence *ev = &r->evidence[e];
        const imgb_ignore_entry *en = find_entry(p, now, r->item, ev->account, ev->file,
                                                 ev->layer, layer_digest_of(res, ev));
        ti->ev_entry[e] = en;
        ti->ev_status[e] = en ? en->status : IMGB_STATUS_UNHANDLED;
        if (!en) {
            any_open = true;
        } else {
            if (!ti->entry)
                ti->entry = en;
            if (en->status != IMGB_STATUS_FALSE_POSITIVE)
                all_fp = false;
        }
    }
    if (any_open) {
        ti->status = IMGB_STATUS_UNHANDLED;
        ti->entry = NULL;
    } else {
        ti->status = all_fp ? IMGB_STATUS_FALSE_POSITIVE : IMGB_STATUS_IGNORED;
    }
}

imgb_report_triage *imgb_report_triage_new(const imgb_scan_result *res,
                                           const imgb_report_params *p)
{
    imgb_report_triage *t = imgb_xcalloc(1, sizeof *t);
    int64_t now = imgb_report_now_ms(p);
    t->nbaselines = res->nbaselines;
    t->items = imgb_xcalloc(res->nbaselines, sizeof *t->items);
    t->nitems = imgb_xcalloc(res->nbaselines, sizeof *t->nitems);
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        t->nitems[b] = br->nitems;
        t->items[b] = imgb_xcalloc(br->nitems, sizeof *t->items[b]);
        for (size_t i = 0; i < br->nitems; i++)
            triage_one(res, p, now, &br->items[i], &t->items[b][i]);
    }
    return t;
}

void imgb_report_triage_free(imgb_report_triage *t)
{
    if (!t)
        return;
    for (size_t b = 0; b < t->nbaselines; b++) {
        for (size_t i = 0; i < t->nitems[b]; i++) {
            free(t->items[b][i].ev_status);
            free(t->items[b][i].ev_entry);
        }
        free(t->items[b]);
    }
    free(t->items);
    free(t->nitems);
    free(t);
}

imgb_ignore_status imgb_report_item_status(const imgb_report_triage *t, size_t b, size_t i,
                                           const imgb_ignore_entry **entry)
{
    const triage_item *ti = &t->items[b][i];
    if (entry)
        *entry = ti->entry;
    return ti->status;
}

imgb_ignore_status imgb_report_evidence_status(const imgb_report_triage *t, size_t b,
                                               size_t i, size_t e,
                                               const imgb_ignore_entry **entry)
{
    const triage_item *ti = &t->items[b][i];
    if (!ti->ev_status) {
        if (entry)
            *entry = ti->entry;
        return ti->status;
    }
    if (entry)
        *entry = ti->ev_entry[e];
    return ti->ev_status[e];
}

bool imgb_report_item_open_failure(const imgb_report_triage *t, const imgb_scan_result *res,
                                   size_t b, size_t i)
{
    return res->baselines[b].items[i].verdict == IMGB_V_FAIL &&
           t->items[b][i].status == IMGB_STATUS_UNHANDLED;
}

int imgb_report_baseline_failed_level(const imgb_report_triage *t, const imgb_scan_result *res,
                                      size_t b)
{
    int level = -1;
    const imgb_baseline_result *br = &res->baselines[b];
    for (size_t i = 0; i < br->nitems; i++)
        if (imgb_report_item_open_failure(t, res, b, i) &&
            (int)br->items[i].item->severity > level)
            level = (int)br->items[i].item->severity;
    return level;
}

imgb_severity imgb_report_baseline_max_level(const imgb_baseline *bl)
{
    imgb_severity s = IMGB_SEV_LOW;
    for (size_t i = 0; i < bl->nitems; i++)
        if (bl->items[i]->severity > s)
            s = bl->items[i]->severity;
    return s;
}

imgb_report_group imgb_report_item_group(const imgb_item_result *r, imgb_ignore_status st)
{
    switch (r->verdict) {
    case IMGB_V_FAIL: return st == IMGB_STATUS_UNHANDLED ? IMGB_GROUP_FAILED : IMGB_GROUP_IGNORED;
    case IMGB_V_ERROR:
    case IMGB_V_INCOMPLETE: return IMGB_GROUP_ERROR;
    case IMGB_V_NOT_APPLICABLE: return IMGB_GROUP_NOT_APPLICABLE;
    default: return IMGB_GROUP_PASSED;
    }
}

typedef struct order_row {
    size_t i;
    imgb_report_group group;
    imgb_severity sev;
} order_row;

static int order_cmp(const void *a, const void *b)
{
    const order_row *x = a, *y = b;
    if (x->group != y->group)
        return (int)x->group - (int)y->group;
    if (x->sev != y->sev)
        return (int)y->sev - (int)x->sev;
    return x->i < y->i ? -1 : x->i > y->i;
}

size_t *imgb_report_item_order(const imgb_report_triage *t, const imgb_scan_result *res,
                               size_t b)
{
    const imgb_baseline_result *br = &res->baselines[b];
    order_row *rows = imgb_xcalloc(br->nitems ? br->nitems : 1, sizeof *rows);
    for (size_t i = 0; i < br->nitems; i++) {
        imgb_ignore_status st = imgb_report_item_status(t, b, i, NULL);
        rows[i] = (order_row){ i, imgb_report_item_group(&br->items[i], st),
                               br->items[i].item->severity };
    }
    qsort(rows, br->nitems, sizeof *rows, order_cmp);
    size_t *order = imgb_xcalloc(br->nitems ? br->nitems : 1, sizeof *order);
    for (size_t k = 0; k < br->nitems; k++)
        order[k] = rows[k].i;
    free(rows);
    return order;
}

/* ---- text and classification ------------------------------------------------------------- */

const char *imgb_report_text(const imgb_text *t, imgb_lang lang)
{
    const char *first = lang == IMGB_LANG_EN ? t->en : t->zh;
    const char *other = lang == IMGB_LANG_EN ? t->zh : t->en;
    if (first && *first)
        return first;
    return other ? other : "";
}

bool imgb_report_is_build_risk(const imgb_baseline *b, const imgb_item *it)
{
    if (b->class_key && !strcmp(b->class_key, "build_risk"))
        return true;
    return it->kind && it->kind->name && !strncmp(it->kind->name, "build_", 6);
}

bool imgb_report_contains_ci(const char *hay, const char *needle)
{
    if (!needle || !*needle)
        return true;
    if (!hay)
        return false;
    size_t n = strlen(needle);
    for (const char *s = hay; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return false;
}

/* ---- image identity -------------------------------------------------------------------- */

const char *imgb_report_image_id(const imgb_scan_result *res)
{
    if (!res->image)
        return "";
    if (res->image->image_id)
        return res->image->image_id;
    if (res->image->config_digest) {
        const char *c = strchr(res->image->config_digest, ':');
        return c ? c + 1 : res->image->config_digest;
    }
    return "";
}

/*
 * Split "registry/namespace/name:tag@digest" the way Docker normalises references: the
 * first component is a registry when it contains '.' or ':' or is "localhost"; a Docker
 * Hub name without a namespace lives in "library".
 */
void imgb_report_image_ref(const imgb_scan_result *res, imgb_image_ref *out)
{
    memset(out, 0, sizeof *out);
    const char *ref = res->image && res->image->nrefs ? res->image->refs[0] : NULL;
    const char *md = res->image ? res->image->manifest_digest : NULL;
    if (md && strchr(md, ':'))
        md = strchr(md, ':') + 1;
    out->digest = imgb_xstrdup(md ? md : "");
    if (!ref || !*ref) {
        out->registry = imgb_xstrdup("");
        out->namespace_name = imgb_xstrdup("");
        out->name = imgb_xstrdup("");
        out->tag = imgb_xstrdup("");
        return;
    }
    char *s = imgb_xstrdup(ref);
    char *at = strchr(s, '@');
    if (at)
        *at = '\0';
    char *slash = strrchr(s, '/');
    char *colon = strrchr(s, ':');
    if (colon && (!slash || colon > slash)) {
        *colon = '\0';
        out->tag = imgb_xstrdup(colon + 1);
    } else {
        out->tag = imgb_xstrdup("latest");
    }
    char *path = s;
    char *first = strchr(s, '/');
    if (first) {
        size_t n = (size_t)(first - s);
        if (memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !strncmp(s, "localhost", 9))) {
            out->registry = imgb_xstrndup(s, n);
            path = first + 1;
        }
    }
    if (!out->registry)
        out->registry = imgb_xstrdup("");
    char *last = strrchr(path, '/');
    if (last) {
        out->namespace_name = imgb_xstrndup(path, (size_t)(last - path));
        out->name = imgb_xstrdup(last + 1);
    } else {
        bool hub = !*out->registry || !strcmp(out->registry, "docker.io");
        out->namespace_name = imgb_xstrdup(hub ? "library" : "");
        out->name = imgb_xstrdup(path);
    }
    free(s);
}

void imgb_report_image_ref_dispose(imgb_image_ref *r)
{
    free(r->registry);
    free(r->namespace_name);
    free(r->name);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof *r);
}

/* ---- request ids and times ---------------------------------------------------------------- */

static void hash_str(EVP_MD_CTX *md, const char *s)
{
    /* Length-prefixed so that ("ab","c") and ("a","bc") differ. */
    size_t n = s ? strlen(s) : (size_t)-1;
    EVP_DigestUpdate(md, &n, sizeof n);
    if (s)
        EVP_DigestUpdate(md, s, strlen(s));
}

void imgb_report_request_id(const imgb_scan_result *res, const char *format,
                            const imgb_report_params *p, char out[37])
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        abort();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    hash_str(md, format);
    hash_str(md, imgb_report_image_id(res));
    EVP_DigestUpdate(md, &res->started_ms, sizeof res->started_ms);
    const char *strs[] = { p->image_uuid, p->criteria, p->criteria_type, p->risk_key,
                           p->region_id, p->instance_id, p->image_type, p->namespace_name,
                           p->image_name, p->image_version, p->image_id, p->check_name,
                           p->severity, p->standard, p->enterprise_project_id };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        hash_str(md, strs[i]);
    long long nums[] = { p->lang, p->risk_levels, p->page_size, p->current_page,
                         p->scan_range, p->status, p->offset, p->limit };
    EVP_DigestUpdate(md, nums, sizeof nums);
    EVP_DigestFinal_ex(md, h, &hl);
    EVP_MD_CTX_free(md);
    imgb_report_uuid_of_hash(h, out);
}

void imgb_report_uuid_of_hash(unsigned char h[16], char out[37])
{
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x80); /* version 8: custom */
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 9562 variant */
    snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
             h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
             h[13], h[14], h[15]);
}

int64_t imgb_report_now_ms(const imgb_report_params *p)
{
    if (p && p->now_ms)
        return p->now_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t imgb_report_first_scan_ms(const imgb_scan_result *res)
{
    return res->started_ms;
}

int64_t imgb_report_last_scan_ms(const imgb_scan_result *res)
{
    return res->finished_ms >= res->started_ms ? res->finished_ms : res->started_ms;
}

/* ---- JSON and paging --------------------------------------------------------------------- */

size_t imgb_report_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

json_t *imgb_report_jstr(const char *s)
{
    if (!s)
        return json_string("");
    json_t *j = json_string(s);
    if (j)
        return j;
    imgb_buf b = IMGB_BUF_INIT;
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        size_t n = imgb_report_utf8_len(u);
        if (n) {
            imgb_buf_put(&b, u, n);
            u += n;
        } else {
            imgb_buf_puts(&b, "\xEF\xBF\xBD"); /* U+FFFD */
            u++;
        }
    }
    j = json_string(b.ptr ? b.ptr : "");
    imgb_buf_dispose(&b);
    return j ? j : json_string("");
}

int imgb_report_emit_json(json_t *j, imgb_buf *out)
{
    char *s = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (!s)
        return imgb_error_set(IMGB_ERROR, "cannot serialise the report as json");
    imgb_buf_puts(out, s);
    imgb_buf_putc(out, '\n');
    free(s);
    return 0;
}

long long imgb_report_page_size(const imgb_report_params *p)
{
    return p->page_size > 0 ? p->page_size : IMGB_ALI_PAGE_SIZE_DEFAULT;
}

long long imgb_report_current_page(const imgb_report_params *p)
{
    return p->current_page > 0 ? p->current_page : IMGB_ALI_CURRENT_PAGE_DEFAULT;
}

long long imgb_report_hw_offset(const imgb_report_params *p)
{
    return p->offset >= 0 ? p->offset : 0;
}

long long imgb_report_hw_limit(const imgb_report_params *p)
{
    return p->limit > 0 ? p->limit : IMGB_HW_LIMIT_DEFAULT;
}

bool imgb_report_hw_image_type_ok(const imgb_report_params *p)
{
    /* "The value must be within the specified range. Otherwise, an empty result will be
     * returned."  `cicd` appears in the document's own example request. */
    static const char *const types[] = { "private_image", "shared_image", "local_image",
                                         "instance_image", "registry", "local", "cicd", NULL };
    for (size_t i = 0; types[i]; i++)
        if (p->image_type && !strcmp(p->image_type, types[i]))
            return true;
    return false;
}

bool imgb_report_hw_image_selected(const imgb_scan_result *res, const imgb_report_params *p)
{
    if (!imgb_report_hw_image_type_ok(p))
        return false;

    imgb_image_ref ref;
    imgb_report_image_ref(res, &ref);
    bool sel = true;
    if (p->image_id && *p->image_id) {
        /* image_id beats image_name + image_version. */
        const char *id = imgb_report_image_id(res);
        const char *want = p->image_id;
        if (!strncmp(want, "sha256:", 7))
            want += 7;
        sel = *id && strncasecmp(id, want, strlen(want)) == 0 && strlen(want) >= 12;
    } else if (p->image_name && *p->image_name) {
        /* Fuzzy: a substring of "namespace/name" or of the name. */
        char *full = imgb_xasprintf("%s/%s", ref.namespace_name, ref.name);
        sel = imgb_report_contains_ci(full, p->image_name);
        free(full);
        if (sel && p->image_version && *p->image_version)
            sel = !strcmp(ref.tag, p->image_version);
    }
    /* namespace is only valid for private and shared image repositories. */
    if (sel && p->namespace_name && *p->namespace_name &&
        (!strcmp(p->image_type, "private_image") || !strcmp(p->image_type, "shared_image")))
        sel = !strcmp(ref.namespace_name, p->namespace_name);
    imgb_report_image_ref_dispose(&ref);
    return sel;
}

/* Whether `e` covers some failing evidence (or evidence-less failure) of `res`. */
bool imgb_report_entry_matches_any(const imgb_scan_result *res, const imgb_ignore_entry *e)
{
    for (size_t b = 0; b < res->nbaselines; b++)
        for (size_t i = 0; i < res->baselines[b].nitems; i++) {
            const imgb_item_result *r = &res->baselines[b].items[i];
            if (r->verdict != IMGB_V_FAIL)
                continue;
            if (r->nevidence == 0 &&
                imgb_ignore_entry_matches(e, r->item->id, r->item->key, NULL, NULL, -1, NULL))
                return true;
            for (size_t k = 0; k < r->nevidence; k++) {
                const imgb_evidence *ev = &r->evidence[k];
                if (imgb_report_evidence_failing(r, k) &&
                    imgb_ignore_entry_matches(e, r->item->id, r->item->key, ev->account,
                                              ev->file, ev->layer, layer_digest_of(res, ev)))
                    return true;
            }
        }
    return false;
}

/* Whether some item of the ruleset has `id` as its id or key. */
bool imgb_report_ruleset_names(const imgb_scan_result *res, const char *id)
{
    const imgb_ruleset *rs = res->ruleset;
    for (size_t b = 0; rs && b < rs->nbaselines; b++)
        for (size_t i = 0; i < rs->baselines[b]->nitems; i++)
            if (strcmp(rs->baselines[b]->items[i]->id, id) == 0 ||
                (rs->baselines[b]->items[i]->key &&
                 strcmp(rs->baselines[b]->items[i]->key, id) == 0))
                return true;
    return !rs;
}

char *imgb_report_fix_snippet(const imgb_evidence *ev, imgb_lang lang)
{
    if (!ev->fix)
        return NULL;
    const char *note = ev->fix_rule ? imgb_report_text(&ev->fix_rule->note, lang) : "";
    return *note ? imgb_xasprintf("# %s\n%s", note, ev->fix) : imgb_xstrdup(ev->fix);
}
