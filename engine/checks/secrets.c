/*
 * The access-key matcher and the `secret` check kind; see secrets.h.
 *
 * Matching, in the style of trivy's keyword prefilter (pkg/fanal/secret, "MatchKeywords")
 * but streaming and without lowercasing the content:
 *   1. every keyword contributes one two-byte pair (its rarest, all case variants for
 *      case-insensitive keywords) to a 64 Ki-bit table; the hot loop tests each byte pair of
 *      the content against that table;
 *   2. a pair hit is confirmed by comparing the whole keyword;
 *   3. the keyword's pattern (PCRE2, JIT) runs only in [keyword - before, keyword + after].
 * Content is copied into a per-thread buffer of IMGB_SECRET_BUF bytes that slides while
 * keeping enough bytes on both sides of every unprocessed keyword position, so a secret that
 * spans two chunks of the reader is found exactly like one that does not.  Lines are counted
 * incrementally (SWAR newline count) only for text files; binary files report offsets.
 */
#include "checks/secrets.h"

#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

#define SECRET_BINARY_PROBE 8000     /* git's heuristic: a NUL in the first 8000 bytes */
#define SECRET_DEFAULT_BEFORE 64
#define SECRET_DEFAULT_AFTER 256
#define SECRET_DEFAULT_KEEP 14       /* Alibaba's example: 14 of 24 characters shown */
#define SECRET_MASK_STARS_MAX 32
#define SECRET_MATCH_LIMIT 100000    /* PCRE2 backtracking bound per window */

typedef struct secret_pattern {
    char *id;
    char *title;
    pcre2_code *re;
    int group;                       /* capture holding the secret (0: whole match) */
    double min_entropy;
    size_t keep;
    size_t before, after;
} secret_pattern;

typedef struct secret_keyword {
    unsigned char *bytes;
    size_t len;
    bool nocase;
    size_t pattern;
    size_t pair_off;                 /* offset of the prefilter pair inside the keyword */
} secret_keyword;

struct imgb_secret_rules {
    secret_pattern *pats;
    size_t npats;
    secret_keyword *kws;
    size_t nkws;
    uint8_t pairbits[65536 / 8];
    uint8_t pairslot[65536];         /* 0: none, else bucket + 1 */
    size_t *bucket_start;            /* nbuckets + 1 offsets into bucket_kw */
    size_t *bucket_kw;
    size_t nbuckets;
    pcre2_code **allow_secret;
    size_t nallow_secret;
    pcre2_code **allow_path;
    size_t nallow_path;
    char **paths;
    size_t npaths;
    char **exclude;
    size_t nexclude;
    uint64_t max_file_bytes;
    size_t max_before, max_after, max_kwlen;
    uint32_t max_groups;
    pcre2_match_context *mctx;
};

struct imgb_secret_stream {
    const imgb_secret_rules *r;
    bool prefilter;
    unsigned char *buf;
    size_t cap, len;
    uint64_t base;                   /* file offset of buf[0] */
    uint64_t next;                   /* next keyword start not yet processed */
    uint64_t fed;
    char *path;
    int layer;
    bool active, binary_known, binary, truncated;
    uint64_t counted_to, nl_before;  /* newlines in [0, counted_to) */
    uint64_t *covered_end;           /* per pattern: end of the last window run */
    uint64_t *reported_end;          /* per pattern: end of the last match reported */
    pcre2_match_data *md;
    imgb_secret_finding *found;
    size_t nfound, capfound;
    size_t truncated_files, dropped;
    uint64_t bytes;
};

/* ---- parameters ------------------------------------------------------------------------ */

static bool param_number(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    if (json_is_string(v)) {
        char *end;
        *out = strtod(json_string_value(v), &end);
        return end != json_string_value(v) && *end == '\0';
    }
    return false;
}

static bool param_bool(const json_t *v, bool *out)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
            return *out = true, true;
        if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
            return *out = false, true;
    }
    return false;
}

static int param_strings(const json_t *params, const char *key, char ***out, size_t *n)
{
    const json_t *v = json_object_get(params, key);
    *out = NULL;
    *n = 0;
    if (!v)
        return 0;
    if (json_is_string(v)) {
        *out = imgb_xcalloc(1, sizeof(char *));
        (*out)[(*n)++] = imgb_xstrdup(json_string_value(v));
        return 0;
    }
    if (!json_is_array(v))
        return imgb_error_set(IMGB_EFORMAT, "%s: must be a list of strings", key);
    *out = imgb_xcalloc(json_array_size(v) + 1, sizeof(char *));
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return imgb_error_set(IMGB_EFORMAT, "%s[%zu] must be a string", key, i);
        (*out)[(*n)++] = imgb_xstrdup(json_string_value(s));
    }
    return 0;
}

static int compile_regex(const char *src, const char *what, pcre2_code **out)
{
    int err;
    PCRE2_SIZE erroff;
    *out = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, 0, &err, &erroff, NULL);
    if (!*out) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return imgb_error_set(IMGB_EFORMAT, "%s: bad regex at offset %zu: %s", what,
                              (size_t)erroff, (const char *)msg);
    }
    /* JIT is an optimisation: without it (unsupported CPU) pcre2_match interprets. */
    pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
    return 0;
}

/* A rough "how common is this byte in file content" score; the prefilter anchors each
 * keyword on its least common pair so that the table rarely fires. */
static int byte_commonness(unsigned char c, bool nocase)
{
    if (c >= 'a' && c <= 'z')
        return strchr("etaoinsrhl", c) ? 10 : 7;
    if (c >= 'A' && c <= 'Z')
        return nocase ? byte_commonness((unsigned char)(c - 'A' + 'a'), nocase) : 3;
    if (c >= '0' && c <= '9')
        return 4;
    if (c == ' ' || c == '\n' || c == '\0' || c == '\t' || c == '/' || c == '.')
        return 10;
    if (strchr("-=#*\",:;()<>", c))
        return 8;     /* separators and markup runs ("-----", "=====") are common */
    if (c == '_')
        return 5;
    if (c >= 0x80)
        return 5;
    return 2;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static unsigned char upper(unsigned char c)
{
    return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

static void pair_set(imgb_secret_rules *r, unsigned char a, unsigned char b, size_t bucket)
{
    unsigned v = (unsigned)a | ((unsigned)b << 8);
    r->pairbits[v >> 3] |= (uint8_t)(1u << (v & 7));
    r->pairslot[v] = (uint8_t)(bucket + 1);
}

/* Group keywords by their (case-folded) pair into buckets and fill the pair table. */
static void build_prefilter(imgb_secret_rules *r)
{
    unsigned *keyof = imgb_xcalloc(r->nkws, sizeof(unsigned));
    unsigned *bucketkey = imgb_xcalloc(r->nkws, sizeof(unsigned));
    size_t *bucketof = imgb_xcalloc(r->nkws, sizeof(size_t));
    for (size_t i = 0; i < r->nkws; i++) {
        secret_keyword *k = &r->kws[i];
        int best = 1 << 30;
        for (size_t o = 0; o + 1 < k->len; o++) {
            int s = byte_commonness(k->bytes[o], k->nocase) +
                    byte_commonness(k->bytes[o + 1], k->nocase);
            if (s < best) {
                best = s;
                k->pair_off = o;
            }
        }
        unsigned char a = k->bytes[k->pair_off], b = k->bytes[k->pair_off + 1];
        if (k->nocase) {
            a = lower(a);
            b = lower(b);
        }
        /* Case-insensitive and case-sensitive keywords on the same letters share a bucket
         * keyed by the folded pair; each keyword re-checks its own case when confirmed. */
        keyof[i] = (unsigned)lower(a) | ((unsigned)lower(b) << 8);
        size_t bkt = r->nbuckets;
        for (size_t j = 0; j < r->nbuckets; j++)
            if (bucketkey[j] == keyof[i])
                bkt = j;
        if (bkt == r->nbuckets)
            bucketkey[r->nbuckets++] = keyof[i];
        bucketof[i] = bkt;
        if (k->nocase) {
            pair_set(r, a, b, bkt);
            pair_set(r, upper(a), b, bkt);
            pair_set(r, a, upper(b), bkt);
            pair_set(r, upper(a), upper(b), bkt);
        } else {
            pair_set(r, a, b, bkt);
        }
    }
    r->bucket_start = imgb_xcalloc(r->nbuckets + 1, sizeof(size_t));
    r->bucket_kw = imgb_xcalloc(r->nkws ? r->nkws : 1, sizeof(size_t));
    size_t n = 0;
    for (size_t b = 0; b < r->nbuckets; b++) {
        r->bucket_start[b] = n;
        for (size_t i = 0; i < r->nkws; i++)
            if (bucketof[i] == b)
                r->bucket_kw[n++] = i;
    }
    r->bucket_start[r->nbuckets] = n;
    free(keyof);
    free(bucketkey);
    free(bucketof);
}

static int compile_pattern(imgb_secret_rules *r, const json_t *p, size_t idx)
{
    secret_pattern *sp = &r->pats[idx];
    const char *id = json_string_value(json_object_get(p, "id"));
    const char *regex = json_string_value(json_object_get(p, "regex"));
    if (!json_is_object(p) || !id || !regex)
        return imgb_error_set(IMGB_EFORMAT, "patterns[%zu] needs 'id' and 'regex'", idx);
    sp->id = imgb_xstrdup(id);
    const char *title = json_string_value(json_object_get(p, "title"));
    sp->title = imgb_xstrdup(title ? title : id);
    sp->before = SECRET_DEFAULT_BEFORE;
    sp->after = SECRET_DEFAULT_AFTER;
    sp->keep = SECRET_DEFAULT_KEEP;
    double d;
    const json_t *v;
    if ((v = json_object_get(p, "min_entropy")) && !param_number(v, &sp->min_entropy))
        return imgb_error_set(IMGB_EFORMAT, "patterns: %s: min_entropy must be a number", id);
    if ((v = json_object_get(p, "mask_keep"))) {
        if (!param_number(v, &d) || d < 0 || d > 64)
            return imgb_error_set(IMGB_EFORMAT, "patterns: %s: mask_keep must be 0..64", id);
        sp->keep = (size_t)d;
    }
    if ((v = json_object_get(p, "before"))) {
        if (!param_number(v, &d) || d < 0 || d > IMGB_SECRET_WINDOW_MAX)
            return imgb_error_set(IMGB_EFORMAT, "patterns: %s: before must be 0..%d", id,
                                  IMGB_SECRET_WINDOW_MAX);
        sp->before = (size_t)d;
    }
    if ((v = json_object_get(p, "after"))) {
        if (!param_number(v, &d) || d < 1 || d > IMGB_SECRET_WINDOW_MAX)
            return imgb_error_set(IMGB_EFORMAT, "patterns: %s: after must be 1..%d", id,
                                  IMGB_SECRET_WINDOW_MAX);
        sp->after = (size_t)d;
    }
    char *what = imgb_xasprintf("patterns: %s", id);
    int rc = compile_regex(regex, what, &sp->re);
    free(what);
    if (rc < 0)
        return rc;
    int g = pcre2_substring_number_from_name(sp->re, (PCRE2_SPTR) "secret");
    sp->group = g > 0 ? g : 0;
    uint32_t caps = 0;
    pcre2_pattern_info(sp->re, PCRE2_INFO_CAPTURECOUNT, &caps);
    if (caps + 1 > r->max_groups)
        r->max_groups = caps + 1;
    if (sp->before > r->max_before)
        r->max_before = sp->before;
    if (sp->after > r->max_after)
        r->max_after = sp->after;

    bool nocase = false;
    if ((v = json_object_get(p, "nocase")) && !param_bool(v, &nocase))
        return imgb_error_set(IMGB_EFORMAT, "patterns: %s: nocase must be a boolean", id);
    const json_t *kw = json_object_get(p, "keywords");
    if (json_is_string(kw) || !json_is_array(kw) || json_array_size(kw) == 0)
        return imgb_error_set(IMGB_EFORMAT, "patterns: %s: 'keywords' must be a non-empty list",
                              id);
    for (size_t i = 0; i < json_array_size(kw); i++) {
        const char *s = json_string_value(json_array_get(kw, i));
        if (!s || strlen(s) < 2 || strlen(s) > 64)
            return imgb_error_set(IMGB_EFORMAT,
                                  "patterns: %s: keyword %zu must be 2..64 bytes", id, i);
        if (r->nkws >= IMGB_SECRET_MAX_KEYWORDS)
            return imgb_error_set(IMGB_ELIMIT, "patterns: more than %d keywords",
                                  IMGB_SECRET_MAX_KEYWORDS);
        secret_keyword *k = &r->kws[r->nkws++];
        k->len = strlen(s);
        k->bytes = (unsigned char *)imgb_xstrdup(s);
        k->nocase = nocase;
        k->pattern = idx;
        if (k->len > r->max_kwlen)
            r->max_kwlen = k->len;
    }
    return 0;
}

static int compile_allow(imgb_secret_rules *r, const json_t *allow)
{
    if (!allow)
        return 0;
    if (!json_is_array(allow))
        return imgb_error_set(IMGB_EFORMAT, "allow: must be a list");
    size_t n = json_array_size(allow);
    r->allow_secret = imgb_xcalloc(n + 1, sizeof(pcre2_code *));
    r->allow_path = imgb_xcalloc(n + 1, sizeof(pcre2_code *));
    for (size_t i = 0; i < n; i++) {
        const json_t *a = json_array_get(allow, i);
        const char *sec = json_string_value(json_object_get(a, "secret"));
        const char *path = json_string_value(json_object_get(a, "path"));
        if (!sec && !path)
            return imgb_error_set(IMGB_EFORMAT, "allow[%zu] needs 'secret' or 'path'", i);
        int rc;
        if (sec && (rc = compile_regex(sec, "allow", &r->allow_secret[r->nallow_secret++])) < 0)
            return rc;
        if (path && (rc = compile_regex(path, "allow", &r->allow_path[r->nallow_path++])) < 0)
            return rc;
    }
    return 0;
}

int imgb_secret_rules_compile(const json_t *params, imgb_secret_rules **out)
{
    *out = NULL;
    imgb_secret_rules *r = imgb_xcalloc(1, sizeof *r);
    int rc = 0;
    const json_t *pats = json_object_get(params, "patterns");
    if (!json_is_array(pats) || json_array_size(pats) == 0) {
        rc = imgb_error_set(IMGB_EFORMAT, "patterns: must be a non-empty list");
        goto done;
    }
    if (json_array_size(pats) > IMGB_SECRET_MAX_PATTERNS) {
        rc = imgb_error_set(IMGB_ELIMIT, "patterns: more than %d patterns", IMGB_SECRET_MAX_PATTERNS);
        goto done;
    }
    r->pats = imgb_xcalloc(json_array_size(pats), sizeof(secret_pattern));
    r->kws = imgb_xcalloc(IMGB_SECRET_MAX_KEYWORDS, sizeof(secret_keyword));
    r->max_groups = 1;
    for (size_t i = 0; i < json_array_size(pats); i++) {
        r->npats = i + 1;
        if ((rc = compile_pattern(r, json_array_get(pats, i), i)) < 0)
            goto done;
    }
    if ((rc = compile_allow(r, json_object_get(params, "allow"))) < 0)
        goto done;
    if ((rc = param_strings(params, "paths", &r->paths, &r->npaths)) < 0 ||
        (rc = param_strings(params, "exclude_paths", &r->exclude, &r->nexclude)) < 0)
        goto done;
    r->max_file_bytes = IMGB_SECRET_FILE_MAX;
    const json_t *v = json_object_get(params, "max_file_bytes");
    double d;
    if (v) {
        if (!param_number(v, &d) || d < 1 || d > (double)IMGB_SECRET_FILE_MAX) {
            rc = imgb_error_set(IMGB_EFORMAT, "max_file_bytes: must be 1..%llu",
                                (unsigned long long)IMGB_SECRET_FILE_MAX);
            goto done;
        }
        r->max_file_bytes = (uint64_t)d;
    }
    build_prefilter(r);
    r->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(r->mctx, SECRET_MATCH_LIMIT);
done:
    if (rc < 0) {
        imgb_secret_rules_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void imgb_secret_rules_free(imgb_secret_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->npats; i++) {
        free(r->pats[i].id);
        free(r->pats[i].title);
        pcre2_code_free(r->pats[i].re);
    }
    free(r->pats);
    for (size_t i = 0; i < r->nkws; i++)
        free(r->kws[i].bytes);
    free(r->kws);
    free(r->bucket_start);
    free(r->bucket_kw);
    for (size_t i = 0; i < r->nallow_secret; i++)
        pcre2_code_free(r->allow_secret[i]);
    for (size_t i = 0; i < r->nallow_path; i++)
        pcre2_code_free(r->allow_path[i]);
    free(r->allow_secret);
    free(r->allow_path);
    for (size_t i = 0; i < r->npaths; i++)
        free(r->paths[i]);
    free(r->paths);
    for (size_t i = 0; i < r->nexclude; i++)
        free(r->exclude[i]);
    free(r->exclude);
    pcre2_match_context_free(r->mctx);
    free(r);
}

size_t imgb_secret_rules_count(const imgb_secret_rules *r)
{
    return r ? r->npats : 0;
}

/* ---- masking --------------------------------------------------------------------------- */

char *imgb_secret_mask(const char *s, size_t len, size_t keep)
{
    size_t k = len * 7 / 12;
    if (keep < k)
        k = keep;
    size_t stars = len - k;
    if (stars > SECRET_MASK_STARS_MAX)
        stars = SECRET_MASK_STARS_MAX;
    if (stars == 0)
        stars = 1;
    char *out = imgb_xmalloc(k + stars + 1);
    memcpy(out, s, k);
    memset(out + k, '*', stars);
    out[k + stars] = '\0';
    return out;
}

/* ---- the stream ------------------------------------------------------------------------ */

imgb_secret_stream *imgb_secret_stream_new(const imgb_secret_rules *r, bool prefilter)
{
    imgb_secret_stream *s = imgb_xcalloc(1, sizeof *s);
    s->r = r;
    s->prefilter = prefilter;
    s->cap = IMGB_SECRET_BUF + r->max_before + r->max_after + r->max_kwlen + 16;
    s->buf = imgb_xmalloc(s->cap);
    s->covered_end = imgb_xcalloc(r->npats, sizeof(uint64_t));
    s->reported_end = imgb_xcalloc(r->npats, sizeof(uint64_t));
    s->md = pcre2_match_data_create(r->max_groups, NULL);
    return s;
}

void imgb_secret_finding_dispose(imgb_secret_finding *f)
{
    free(f->path);
    free(f->rule_id);
    free(f->title);
    free(f->masked);
}

void imgb_secret_stream_free(imgb_secret_stream *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nfound; i++)
        imgb_secret_finding_dispose(&s->found[i]);
    free(s->found);
    free(s->buf);
    free(s->path);
    free(s->covered_end);
    free(s->reported_end);
    pcre2_match_data_free(s->md);
    free(s);
}

static bool path_matches(char *const *globs, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (fnmatch(globs[i], path, 0) == 0)
            return true;
    return false;
}

static bool regex_hits(pcre2_code *const *res, size_t n, const unsigned char *s, size_t len,
                       pcre2_match_data *md)
{
    for (size_t i = 0; i < n; i++)
        if (pcre2_match(res[i], s, len, 0, 0, md, NULL) >= 0)
            return true;
    return false;
}

bool imgb_secret_stream_begin(imgb_secret_stream *s, const char *path, int layer)
{
    const imgb_secret_rules *r = s->r;
    free(s->path);
    s->path = path[0] == '/' ? imgb_xstrdup(path) : imgb_xasprintf("/%s", path);
    s->active = false;
    if (r->npaths && !path_matches(r->paths, r->npaths, s->path))
        return false;
    if (r->nexclude && path_matches(r->exclude, r->nexclude, s->path))
        return false;
    if (r->nallow_path && regex_hits(r->allow_path, r->nallow_path,
                                     (const unsigned char *)s->path, strlen(s->path), s->md))
        return false;
    s->active = true;
    s->layer = layer;
    s->len = 0;
    s->base = s->next = s->fed = 0;
    s->binary_known = s->binary = s->truncated = false;
    s->counted_to = s->nl_before = 0;
    memset(s->covered_end, 0, r->npats * sizeof(uint64_t));
    memset(s->reported_end, 0, r->npats * sizeof(uint64_t));
    return true;
}

/* Exact count of '\n' bytes, eight at a time (zero-byte detection after XOR). */
static uint64_t count_newlines(const unsigned char *p, size_t n)
{
    const uint64_t ones7 = 0x7f7f7f7f7f7f7f7fULL, nl = 0x0a0a0a0a0a0a0a0aULL;
    uint64_t c = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ nl;
        uint64_t z = ~(((x & ones7) + ones7) | x | ones7);
        c += (uint64_t)__builtin_popcountll(z);
    }
    for (; i < n; i++)
        c += p[i] == '\n';
    return c;
}

static uint64_t line_at(imgb_secret_stream *s, uint64_t abs)
{
    if (abs >= s->counted_to)
        s->nl_before += count_newlines(s->buf + (s->counted_to - s->base), abs - s->counted_to);
    else
        s->nl_before -= count_newlines(s->buf + (abs - s->base), s->counted_to - abs);
    s->counted_to = abs;
    return s->nl_before + 1;
}

static double shannon(const unsigned char *p, size_t n)
{
    unsigned cnt[256] = { 0 };
    for (size_t i = 0; i < n; i++)
        cnt[p[i]]++;
    double h = 0;
    for (int i = 0; i < 256; i++)
        if (cnt[i]) {
            double q = (double)cnt[i] / (double)n;
            h -= q * log2(q);
        }
    return h;
}

static void record(imgb_secret_stream *s, const secret_pattern *p, uint64_t abs,
                   const unsigned char *sec, size_t len)
{
    if (p->min_entropy > 0 && shannon(sec, len) < p->min_entropy)
        return;
    if (regex_hits(s->r->allow_secret, s->r->nallow_secret, sec, len, s->md))
        return;
    if (s->nfound >= IMGB_SECRET_MAX_FINDINGS) {
        s->dropped++;
        return;
    }
    if (s->nfound == s->capfound) {
        s->capfound = s->capfound ? s->capfound * 2 : 8;
        s->found = imgb_xrealloc(s->found, s->capfound * sizeof *s->found);
    }
    imgb_secret_finding *f = &s->found[s->nfound++];
    memset(f, 0, sizeof *f);
    f->path = imgb_xstrdup(s->path);
    f->rule_id = imgb_xstrdup(p->id);
    f->title = imgb_xstrdup(p->title);
    f->masked = imgb_secret_mask((const char *)sec, len, p->keep);
    f->offset = abs;
    f->binary = s->binary;
    f->line = s->binary ? 0 : (int)line_at(s, abs);
    f->layer = s->layer;
    f->layer_removed = -1;
}

/* Run pattern `pi` over buf[ws, we), reporting matches not reported before. */
static void run_pattern(imgb_secret_stream *s, size_t pi, size_t ws, size_t we)
{
    const secret_pattern *p = &s->r->pats[pi];
    PCRE2_SIZE off = 0;
    while (off <= we - ws) {
        int rc = pcre2_match(p->re, s->buf + ws, we - ws, off, 0, s->md, s->r->mctx);
        if (rc < 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        PCRE2_SIZE a = ov[0], b = ov[1];
        if ((uint32_t)rc > (uint32_t)p->group && ov[2 * p->group] != PCRE2_UNSET) {
            a = ov[2 * p->group];
            b = ov[2 * p->group + 1];
        }
        uint64_t abs = s->base + ws + a;
        if (b > a && abs >= s->reported_end[pi]) {
            record(s, p, abs, s->buf + ws + a, b - a);
            s->reported_end[pi] = s->base + ws + b;
        }
        off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
}

static void on_keyword(imgb_secret_stream *s, const secret_keyword *k, size_t at)
{
    const secret_pattern *p = &s->r->pats[k->pattern];
    size_t we = at + k->len + p->after;
    if (we > s->len)
        we = s->len;
    /* Every window starts `before` bytes ahead of its keyword and keywords arrive in
     * increasing order, so a window ending inside the previous one is already covered. */
    if (s->base + we <= s->covered_end[k->pattern])
        return;
    size_t ws = at > p->before ? at - p->before : 0;
    s->covered_end[k->pattern] = s->base + we;
    run_pattern(s, k->pattern, ws, we);
}

static bool keyword_at(const secret_keyword *k, const unsigned char *p)
{
    if (!k->nocase)
        return memcmp(p, k->bytes, k->len) == 0;
    for (size_t i = 0; i < k->len; i++)
        if (lower(p[i]) != lower(k->bytes[i]))
            return false;
    return true;
}

/* Keyword starts in [from, to) (buffer offsets); pairs may extend past `to`. */
static void prefilter_scan(imgb_secret_stream *s, size_t from, size_t to)
{
    const imgb_secret_rules *r = s->r;
    const uint8_t *bits = r->pairbits;
    const unsigned char *b = s->buf;
    size_t end = to + r->max_kwlen;
    if (end > s->len)
        end = s->len;
    if (end < 1)
        return;
    for (size_t i = from; i + 1 < end; i++) {
        unsigned v = (unsigned)b[i] | ((unsigned)b[i + 1] << 8);
        if (!((bits[v >> 3] >> (v & 7)) & 1))
            continue;
        size_t bkt = r->pairslot[v] - 1u;
        for (size_t j = r->bucket_start[bkt]; j < r->bucket_start[bkt + 1]; j++) {
            const secret_keyword *k = &r->kws[r->bucket_kw[j]];
            if (i < k->pair_off)
                continue;
            size_t at = i - k->pair_off;
            if (at < from || at >= to || at + k->len > s->len)
                continue;
            if (keyword_at(k, b + at))
                on_keyword(s, k, at);
        }
    }
}

/* Process keyword starts up to what the buffer allows, then (unless final) slide it. */
static void process(imgb_secret_stream *s, bool final)
{
    const imgb_secret_rules *r = s->r;
    if (!s->binary_known) {
        size_t probe = s->len < SECRET_BINARY_PROBE ? s->len : SECRET_BINARY_PROBE;
        s->binary = memchr(s->buf, 0, probe) != NULL;
        s->binary_known = true;
    }
    size_t tail = r->max_after + r->max_kwlen;
    size_t from = (size_t)(s->next - s->base);
    size_t to = final ? s->len : (s->len > tail ? s->len - tail : 0);
    if (to > from) {
        if (s->prefilter) {
            prefilter_scan(s, from, to);
        } else {
            size_t ws = from > r->max_before ? from - r->max_before : 0;
            size_t we = final ? s->len : to + r->max_after;
            for (size_t pi = 0; pi < r->npats; pi++)
                run_pattern(s, pi, ws, we);
        }
        s->next = s->base + to;
    }
    if (final)
        return;
    size_t keep_from = (size_t)(s->next - s->base);
    keep_from = keep_from > r->max_before ? keep_from - r->max_before : 0;
    uint64_t new_base = s->base + keep_from;
    if (!s->binary && s->counted_to < new_base) {
        s->nl_before += count_newlines(s->buf + (s->counted_to - s->base), new_base - s->counted_to);
        s->counted_to = new_base;
    }
    memmove(s->buf, s->buf + keep_from, s->len - keep_from);
    s->len -= keep_from;
    s->base = new_base;
}

void imgb_secret_stream_data(imgb_secret_stream *s, const unsigned char *buf, size_t len)
{
    if (!s->active)
        return;
    s->bytes += len;
    while (len > 0) {
        if (s->fed >= s->r->max_file_bytes) {
            s->truncated = true;
            return;
        }
        size_t n = s->cap - s->len;
        if (n > len)
            n = len;
        if (n > s->r->max_file_bytes - s->fed)
            n = (size_t)(s->r->max_file_bytes - s->fed);
        memcpy(s->buf + s->len, buf, n);
        s->len += n;
        s->fed += n;
        buf += n;
        len -= n;
        if (s->len == s->cap)
            process(s, false);
    }
}

void imgb_secret_stream_end(imgb_secret_stream *s)
{
    if (!s->active)
        return;
    if (s->len > 0)
        process(s, true);
    if (s->truncated)
        s->truncated_files++;
    s->active = false;
}

size_t imgb_secret_stream_count(const imgb_secret_stream *s)
{
    return s->nfound;
}

const imgb_secret_finding *imgb_secret_stream_at(const imgb_secret_stream *s, size_t i)
{
    return i < s->nfound ? &s->found[i] : NULL;
}

imgb_secret_finding *imgb_secret_stream_take(imgb_secret_stream *s, size_t *n)
{
    imgb_secret_finding *f = s->found;
    *n = s->nfound;
    s->found = NULL;
    s->nfound = s->capfound = 0;
    return f;
}

size_t imgb_secret_stream_truncated_files(const imgb_secret_stream *s)
{
    return s->truncated_files;
}

size_t imgb_secret_stream_dropped(const imgb_secret_stream *s)
{
    return s->dropped;
}

uint64_t imgb_secret_stream_bytes(const imgb_secret_stream *s)
{
    return s->bytes;
}

/* ---- masking free text (build commands) ------------------------------------------------ */

typedef struct mask_rule {
    const char *regex;
    int group;          /* capture to mask */
    size_t keep;
} mask_rule;

/* Token shapes of reference section 9, credentials in URLs, and values of secret-looking
 * NAME=VALUE assignments (Dockle's suspiciousEnvKey words) and --password options. */
static const mask_rule text_masks[] = {
    { "(?i)\\b[A-Za-z0-9_]*(?:pass|pwd|secret|key|access|token|credential|auth)[A-Za-z0-9_]*="
      "(\"[^\"]*\"|'[^']*'|[^\\s\"'&|;]+)", 1, 3 },
    { "(?i)--?(?:password|passwd|token|secret|api-key)[= ]+(\"[^\"]*\"|'[^']*'|[^\\s\"'&|;-][^\\s\"'&|;]*)",
      1, 0 },
    { "://[^:/@\\s]+:([^@\\s/]+)@", 1, 0 },
    { "(?:^|\\s)(?:-u|--user)[= ]+[^\\s:]+:(\\S+)", 1, 0 },
    { "((?:LTAI|AKIA|ASIA|AKID|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[baprs]-)"
      "[A-Za-z0-9_\\-]{8,})", 1, 8 },
    { "(ey[A-Za-z0-9_-]{10,}\\.ey[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]*)", 1, 6 },
};

static char *mask_once(const char *text, const mask_rule *mr)
{
    pcre2_code *re;
    if (compile_regex(mr->regex, "mask", &re) < 0)
        return imgb_xstrdup(text);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    imgb_buf out = IMGB_BUF_INIT;
    size_t len = strlen(text), pos = 0;
    PCRE2_SIZE off = 0;
    while (off <= len && pcre2_match(re, (PCRE2_SPTR)text, len, off, 0, md, NULL) > mr->group) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        PCRE2_SIZE a = ov[2 * mr->group], b = ov[2 * mr->group + 1];
        if (a != PCRE2_UNSET && b > a) {
            imgb_buf_put(&out, text + pos, a - pos);
            char *m = imgb_secret_mask(text + a, b - a, mr->keep);
            imgb_buf_puts(&out, m);
            free(m);
            pos = b;
        }
        off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    imgb_buf_put(&out, text + pos, len - pos);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    char *res = imgb_buf_detach(&out);
    return res ? res : imgb_xstrdup("");
}

char *imgb_secret_mask_text(const char *text)
{
    char *cur = imgb_xstrdup(text ? text : "");
    for (size_t i = 0; i < sizeof text_masks / sizeof text_masks[0]; i++) {
        char *next = mask_once(cur, &text_masks[i]);
        free(cur);
        cur = next;
    }
    return cur;
}

uint64_t imgb_secret_rules_max_file_bytes(const imgb_secret_rules *r)
{
    return r->max_file_bytes;
}
