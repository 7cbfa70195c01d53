/*
 * Item results, evidence and the per-scan fact cache.
 *
 * The cache memoises parsed facts (accounts, sshd effective config, PAM stacks) so that the
 * items of every baseline that need the same file parse it once per scan.  It is a small
 * linear table with no lock: the scan evaluates kinds one after another on one thread
 * (rules.h says so to the kinds), and a handful of keys makes a hash table pointless.
 *
 * Tests: tests/test_rules.c (result_* and cache_* cases).
 */
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

const char *imgb_severity_name(imgb_severity s)
{
    switch (s) {
    case IMGB_SEV_LOW:
        return "low";
    case IMGB_SEV_MEDIUM:
        return "medium";
    case IMGB_SEV_HIGH:
        return "high";
    }
    return "unknown";
}

const char *imgb_verdict_name(imgb_verdict v)
{
    switch (v) {
    case IMGB_V_PASS:
        return "pass";
    case IMGB_V_FAIL:
        return "fail";
    case IMGB_V_NOT_APPLICABLE:
        return "not_applicable";
    case IMGB_V_ERROR:
        return "error";
    case IMGB_V_INCOMPLETE:
        return "incomplete";
    }
    return "unknown";
}

const char *imgb_bucket_name(imgb_bucket b)
{
    switch (b) {
    case IMGB_BUCKET_SECURITY_CHECK:
        return "security_check";
    case IMGB_BUCKET_PWD_POLICY:
        return "pwd_policy";
    case IMGB_BUCKET_IMAGE_WEAK_PWD:
        return "image_weak_pwd";
    }
    return "unknown";
}

static void evidence_blank(imgb_evidence *ev, imgb_verdict v);

/* Append without looking at the cap (the closing count itself goes past it). */
static imgb_evidence *imgb_result_append_evidence(imgb_item_result *r)
{
    if (r->nevidence == r->cap_evidence) {
        r->cap_evidence = r->cap_evidence ? r->cap_evidence * 2 : 4;
        r->evidence = imgb_xrealloc(r->evidence, r->cap_evidence * sizeof *r->evidence);
    }
    imgb_evidence *ev = &r->evidence[r->nevidence++];
    evidence_blank(ev, r->verdict);
    return ev;
}

static void evidence_blank(imgb_evidence *ev, imgb_verdict v)
{
    memset(ev, 0, sizeof *ev);
    ev->offset = -1;
    ev->layer = -1;
    ev->layer_removed = -1;
    ev->history_index = -1;
    ev->verdict = v;
}

bool imgb_result_evidence_full(const imgb_item_result *r)
{
    return r->nevidence >= IMGB_MAX_EVIDENCE_PER_ITEM;
}

void imgb_result_add_more(imgb_item_result *r, size_t n)
{
    r->nmore += n;
}

imgb_evidence *imgb_result_add_evidence(imgb_item_result *r)
{
    if (imgb_result_evidence_full(r)) {
        /* counted, not kept: the kind fills a scratch entry that the next add recycles */
        imgb_evidence_clear(&r->spill);
        evidence_blank(&r->spill, r->verdict);
        r->nmore++;
        return &r->spill;
    }
    return imgb_result_append_evidence(r);
}

void imgb_evidence_clear(imgb_evidence *ev)
{
    free(ev->file);
    free(ev->value);
    free(ev->source);
    free(ev->expected);
    free(ev->message);
    free(ev->account);
    free(ev->layer_digest);
    free(ev->layer_cmd);
    free(ev->fix);
    memset(ev, 0, sizeof *ev);
    ev->offset = -1;
    ev->layer = -1;
    ev->layer_removed = -1;
    ev->history_index = -1;
}

void imgb_item_result_dispose(imgb_item_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nevidence; i++)
        imgb_evidence_clear(&r->evidence[i]);
    free(r->evidence);
    imgb_evidence_clear(&r->spill);
    r->evidence = NULL;
    r->nevidence = r->cap_evidence = r->nmore = 0;
}

/* Cut `*s` to at most `max` bytes, ending on a UTF-8 character boundary, marked "...". */
static void field_bound(char **s, size_t max)
{
    if (!*s || strlen(*s) <= max)
        return;
    size_t keep = max - 3;
    while (keep > 0 && ((unsigned char)(*s)[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(*s + keep, "...", 4);
}

void imgb_item_result_finish(imgb_item_result *r)
{
    imgb_evidence_clear(&r->spill);
    for (size_t i = 0; i < r->nevidence; i++) {
        imgb_evidence *ev = &r->evidence[i];
        char **fields[] = { &ev->file,    &ev->value,   &ev->source,       &ev->expected,
                            &ev->message, &ev->account, &ev->layer_digest, &ev->layer_cmd, &ev->fix };
        for (size_t f = 0; f < sizeof fields / sizeof *fields; f++)
            field_bound(fields[f], IMGB_MAX_EVIDENCE_FIELD);
    }
    if (r->nmore == 0)
        return;
    imgb_evidence *ev = imgb_result_append_evidence(r);
    ev->message = imgb_xasprintf("and %zu more not listed (at most %d evidence entries per item)",
                                 r->nmore, IMGB_MAX_EVIDENCE_PER_ITEM);
}

/* ---- the per-scan fact cache ---------------------------------------------------------- */

typedef struct ctx_cache_entry {
    char *key;
    void *obj;
    char *error;              /* memoised message when build returned NULL */
    void (*destroy)(void *obj);
} ctx_cache_entry;

struct imgb_ctx_cache {
    ctx_cache_entry *entries;
    size_t len, cap;
};

struct imgb_ctx_cache *imgb_ctx_cache_new(void)
{
    return imgb_xcalloc(1, sizeof(struct imgb_ctx_cache));
}

void imgb_ctx_cache_free(struct imgb_ctx_cache *cache)
{
    if (!cache)
        return;
    /* Reverse order: a fact built from another fact is destroyed before it. */
    for (size_t i = cache->len; i-- > 0;) {
        ctx_cache_entry *e = &cache->entries[i];
        if (e->obj && e->destroy)
            e->destroy(e->obj);
        free(e->key);
        free(e->error);
    }
    free(cache->entries);
    free(cache);
}

void *imgb_ctx_cache_get(const imgb_scan_ctx *ctx, const char *key,
                         void *(*build)(const imgb_scan_ctx *ctx, void *payload), void *payload,
                         void (*destroy)(void *obj))
{
    struct imgb_ctx_cache *cache = ctx->cache;
    if (!cache) {
        imgb_error_set(IMGB_EINVAL, "fact cache: scan context has no cache (key '%s')", key);
        return NULL;
    }
    for (size_t i = 0; i < cache->len; i++) {
        ctx_cache_entry *e = &cache->entries[i];
        if (strcmp(e->key, key) != 0)
            continue;
        if (!e->obj)
            imgb_error_set(IMGB_ERROR, "%s", e->error ? e->error : "");
        return e->obj;
    }

    imgb_error_clear();
    void *obj = build(ctx, payload);
    /* build may itself have used the cache and grown it: index only after it returns. */
    if (cache->len == cache->cap) {
        cache->cap = cache->cap ? cache->cap * 2 : 8;
        cache->entries = imgb_xrealloc(cache->entries, cache->cap * sizeof *cache->entries);
    }
    ctx_cache_entry *e = &cache->entries[cache->len++];
    e->key = imgb_xstrdup(key);
    e->obj = obj;
    e->destroy = destroy;
    e->error = obj ? NULL : imgb_xstrdup(imgb_error_last());
    return obj;
}
