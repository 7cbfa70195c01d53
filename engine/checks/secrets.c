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
 * With AVX2 a "double shufti" filter (Hyperscan's) tests 32 positions at a time and only its
 * candidates reach the exact table.  Chunks are matched in place; a small carry buffer joins
 * the end of one chunk to the start of the next (bounded overlap: the largest window), so a
 * secret that spans two chunks of the reader is found exactly like one that does not.
 * Lines are counted incrementally (SWAR newline count) only for text files; binary files
 * (a NUL in the first 8000 bytes, git's rule) report offsets.
 */
#include "checks/secrets.h"

#include <fnmatch.h>
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/error.h"
#include "util/limits.h"
#include "util/regex.h"
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
    uint8_t shufti[6][16];           /* anchor bytes 0..2: lo/hi nibble -> shufti buckets */
    size_t *bucket_start;            /* nbuckets + 1 offsets into bucket_kw */
    size_t *bucket_kw;
    size_t nbuckets;
    uint8_t (*third)[32];            /* per bucket: bytes allowed after the pair (256 bits) */
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
    bool avx2;                       /* CPU runs the AVX2 candidate filter */
    unsigned char *buf;              /* carry buffer: the seam between chunks */
    size_t cap, len;
    uint64_t base;                   /* file offset of buf[0] */
    uint64_t next;                   /* next keyword start not yet processed */
    uint64_t fed;                    /* file bytes received */
    char *path;
    int layer;
    bool active, binary, truncated;
    size_t file_first;               /* first finding of the current file */
    uint64_t counted_to, nl_before;  /* newlines in [0, counted_to) */
    uint64_t *covered_end;           /* per pattern: end of the last window run */
    uint64_t *reported_end;          /* per pattern: end of the last match reported */
    pcre2_match_data *md;
    imgb_secret_finding *found;
    size_t nfound, capfound;
    size_t truncated_files, dropped;
    size_t regex_errors;             /* matches stopped by a PCRE2 limit (text unjudged) */
    uint64_t bytes, files;
};

/* A run of file bytes: p[0] is at file offset `base`. */
typedef struct sview {
    const unsigned char *p;
    uint64_t base;
    size_t len;
} sview;

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
    imgb_regex_jit(*out);
    return 0;
}

/* A rough "how common is this byte in file content" score; the prefilter anchors each
 * keyword on its least common pair so that the table rarely fires. */
static int byte_commonness(unsigned char c, bool nocase)
{
    if (c >= 'a' && c <= 'z') {
        if (strchr("etaoinsrhldcu", c))
            return 10;
        return strchr("mfpgwybv", c) ? 7 : 5;
    }
    if (c >= 'A' && c <= 'Z')
        return nocase ? byte_commonness((unsigned char)(c - 'A' + 'a'), nocase) : 3;
    if (c >= '0' && c <= '9')
        return 4;
    if (c == ' ' || c == '\n' || c == '\0' || c == '\t' || c == '/' || c == '.' || c == 0xff)
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

/* Nibble sets of one shufti bucket at the three anchor positions. */
typedef struct shufti_set {
    uint16_t lo[3], hi[3];
} shufti_set;

/* Bytes a keyword's anchor accepts at position j: lo/hi nibble masks (all if past the end). */
static void anchor_nibbles(const secret_keyword *k, size_t j, uint16_t *lo, uint16_t *hi)
{
    if (k->pair_off + j >= k->len) {
        *lo = *hi = 0xffff;
        return;
    }
    unsigned char c = k->bytes[k->pair_off + j];
    *lo = (uint16_t)(1u << (c & 15));
    *hi = (uint16_t)(1u << (c >> 4));
    if (k->nocase && lower(c) != upper(c)) {
        *lo |= (uint16_t)(1u << (upper(c) & 15)) | (uint16_t)(1u << (lower(c) & 15));
        *hi |= (uint16_t)(1u << (upper(c) >> 4)) | (uint16_t)(1u << (lower(c) >> 4));
    }
}

/* Fraction of random positions a bucket lets through: product over the three positions. */
static double shufti_pass(const shufti_set *b)
{
    double p = 1;
    for (int j = 0; j < 3; j++)
        p *= (double)(__builtin_popcount(b->lo[j]) * __builtin_popcount(b->hi[j])) / 256.0;
    return p;
}

/*
 * Each keyword is anchored on its least common three bytes.  The exact table holds the
 * anchor's first two bytes (all case variants for case-insensitive keywords), grouped into
 * buckets of keywords to confirm.  For the AVX2 filter the anchors are spread greedily over
 * eight shufti buckets so that the byte sets each bucket accepts stay small.
 */
static void build_prefilter(imgb_secret_rules *r)
{
    unsigned *bucketkey = imgb_xcalloc(r->nkws, sizeof(unsigned));
    size_t *bucketof = imgb_xcalloc(r->nkws, sizeof(size_t));
    shufti_set sh[8];
    memset(sh, 0, sizeof sh);
    for (size_t i = 0; i < r->nkws; i++) {
        secret_keyword *k = &r->kws[i];
        int best = 1 << 30;
        for (size_t o = 0; o + 1 < k->len; o++) {
            int s = byte_commonness(k->bytes[o], k->nocase) +
                    byte_commonness(k->bytes[o + 1], k->nocase) +
                    (o + 2 < k->len ? byte_commonness(k->bytes[o + 2], k->nocase) : 20);
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
        unsigned key = (unsigned)lower(a) | ((unsigned)lower(b) << 8);
        size_t bkt = r->nbuckets;
        for (size_t j = 0; j < r->nbuckets; j++)
            if (bucketkey[j] == key)
                bkt = j;
        if (bkt == r->nbuckets)
            bucketkey[r->nbuckets++] = key;
        bucketof[i] = bkt;
        pair_set(r, a, b, bkt);
        if (k->nocase) {
            pair_set(r, upper(a), b, bkt);
            pair_set(r, a, upper(b), bkt);
            pair_set(r, upper(a), upper(b), bkt);
        }

        size_t best_b = 0;
        double best_cost = 1e9;
        for (size_t sb = 0; sb < 8; sb++) {
            shufti_set t = sh[sb];
            for (size_t j = 0; j < 3; j++) {
                uint16_t lo, hi;
                anchor_nibbles(k, j, &lo, &hi);
                t.lo[j] |= lo;
                t.hi[j] |= hi;
            }
            double cost = shufti_pass(&t) - (sh[sb].lo[0] ? shufti_pass(&sh[sb]) : 0);
            if (cost < best_cost) {
                best_cost = cost;
                best_b = sb;
            }
        }
        for (size_t j = 0; j < 3; j++) {
            uint16_t lo, hi;
            anchor_nibbles(k, j, &lo, &hi);
            sh[best_b].lo[j] |= lo;
            sh[best_b].hi[j] |= hi;
        }
    }
    for (size_t sb = 0; sb < 8; sb++)
        for (size_t j = 0; j < 3; j++)
            for (unsigned n = 0; n < 16; n++) {
                if (sh[sb].lo[j] & (1u << n))
                    r->shufti[2 * j][n] |= (uint8_t)(1u << sb);
                if (sh[sb].hi[j] & (1u << n))
                    r->shufti[2 * j + 1][n] |= (uint8_t)(1u << sb);
            }
    r->third = imgb_xcalloc(r->nbuckets ? r->nbuckets : 1, sizeof *r->third);
    for (size_t i = 0; i < r->nkws; i++) {
        const secret_keyword *k = &r->kws[i];
        uint8_t *t = r->third[bucketof[i]];
        if (k->pair_off + 2 >= k->len) {
            memset(t, 0xff, 32);
            continue;
        }
        unsigned char c = k->bytes[k->pair_off + 2];
        t[c >> 3] |= (uint8_t)(1u << (c & 7));
        if (k->nocase) {
            t[lower(c) >> 3] |= (uint8_t)(1u << (lower(c) & 7));
            t[upper(c) >> 3] |= (uint8_t)(1u << (upper(c) & 7));
        }
    }
    r->bucket_start = imgb_xcalloc(r->nbuckets + 1, sizeof(size_t));
    r->bucket_kw = imgb_xcalloc(r->nkws ? r->nkws : 1, sizeof(size_t));
    size_t n = 0;
    for (size_t b2 = 0; b2 < r->nbuckets; b2++) {
        r->bucket_start[b2] = n;
        for (size_t i = 0; i < r->nkws; i++)
            if (bucketof[i] == b2)
                r->bucket_kw[n++] = i;
    }
    r->bucket_start[r->nbuckets] = n;
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
    free(r->third);
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

static bool prefilter_avx2_usable(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

imgb_secret_stream *imgb_secret_stream_new(const imgb_secret_rules *r, bool prefilter)
{
    imgb_secret_stream *s = imgb_xcalloc(1, sizeof *s);
    s->r = r;
    s->prefilter = prefilter;
    s->cap = 2 * (r->max_before + r->max_after + r->max_kwlen) + 16;
    s->buf = imgb_xmalloc(s->cap);
    s->covered_end = imgb_xcalloc(r->npats, sizeof(uint64_t));
    s->reported_end = imgb_xcalloc(r->npats, sizeof(uint64_t));
    s->md = pcre2_match_data_create(r->max_groups, NULL);
    s->avx2 = prefilter_avx2_usable();
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
    s->files++;
    s->layer = layer;
    s->len = 0;
    s->base = s->next = s->fed = 0;
    s->binary = s->truncated = false;
    s->counted_to = s->nl_before = 0;
    s->file_first = s->nfound;
    memset(s->covered_end, 0, r->npats * sizeof(uint64_t));
    memset(s->reported_end, 0, r->npats * sizeof(uint64_t));
    return true;
}

/* Newlines, 32 bytes at a time: per-lane byte counters (at most 255 rounds), summed with
 * SAD.  Text files are counted in full, so this runs over all their bytes. */
__attribute__((target("avx2"))) static uint64_t count_newlines_avx2(const unsigned char *p,
                                                                     size_t n, size_t *done)
{
    const __m256i nl = _mm256_set1_epi8('\n');
    const __m256i zero = _mm256_setzero_si256();
    uint64_t c = 0;
    size_t i = 0;
    while (i + 32 <= n) {
        __m256i acc = zero;
        for (int r = 0; r < 255 && i + 32 <= n; r++, i += 32) {
            __m256i x = _mm256_loadu_si256((const void *)(p + i));
            acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(x, nl));
        }
        __m256i sums = _mm256_sad_epu8(acc, zero);
        c += (uint64_t)_mm256_extract_epi64(sums, 0) + (uint64_t)_mm256_extract_epi64(sums, 1) +
             (uint64_t)_mm256_extract_epi64(sums, 2) + (uint64_t)_mm256_extract_epi64(sums, 3);
    }
    *done = i;
    return c;
}

static uint64_t count_newlines(const imgb_secret_stream *s, const unsigned char *p, size_t n)
{
    uint64_t c = 0;
    size_t i = 0;
    if (s->avx2)
        c = count_newlines_avx2(p, n, &i);
    for (; i < n; i++)
        c += p[i] == '\n';
    return c;
}

/* Advance (or rewind) the newline count to `abs`, which must lie in view `v` as must
 * counted_to (the callers keep counted_to inside whichever view they process). */
static void count_to(imgb_secret_stream *s, const sview *v, uint64_t abs)
{
    if (s->binary)
        return;
    if (abs >= s->counted_to)
        s->nl_before += count_newlines(s, v->p + (s->counted_to - v->base), abs - s->counted_to);
    else
        s->nl_before -= count_newlines(s, v->p + (abs - v->base), s->counted_to - abs);
    s->counted_to = abs;
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

static void record(imgb_secret_stream *s, const sview *v, const secret_pattern *p, uint64_t abs,
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
    if (!s->binary) {
        count_to(s, v, abs);
        f->line = (int)(s->nl_before + 1);
    }
    f->layer = s->layer;
    f->layer_removed = -1;
}

/* Run pattern `pi` over view bytes [ws, we), reporting matches not reported before. */
static void run_pattern(imgb_secret_stream *s, const sview *v, size_t pi, size_t ws, size_t we)
{
    const secret_pattern *p = &s->r->pats[pi];
    PCRE2_SIZE off = 0;
    while (off <= we - ws) {
        int rc = pcre2_match(p->re, v->p + ws, we - ws, off, 0, s->md, s->r->mctx);
        if (rc < 0) {
            if (rc != PCRE2_ERROR_NOMATCH)
                s->regex_errors++; /* this window is unjudged: the item cannot pass */
            break;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        PCRE2_SIZE a = ov[0], b = ov[1];
        if ((uint32_t)rc > (uint32_t)p->group && ov[2 * p->group] != PCRE2_UNSET) {
            a = ov[2 * p->group];
            b = ov[2 * p->group + 1];
        }
        uint64_t abs = v->base + ws + a;
        if (b > a && abs >= s->reported_end[pi]) {
            record(s, v, p, abs, v->p + ws + a, b - a);
            s->reported_end[pi] = v->base + ws + b;
        }
        off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
}

static void on_keyword(imgb_secret_stream *s, const sview *v, const secret_keyword *k, size_t at)
{
    const secret_pattern *p = &s->r->pats[k->pattern];
    size_t we = at + k->len + p->after;
    if (we > v->len)
        we = v->len;
    /* Every window starts `before` bytes ahead of its keyword and keywords arrive in
     * increasing order, so a window ending inside the previous one is already covered. */
    if (v->base + we <= s->covered_end[k->pattern])
        return;
    size_t ws = at > p->before ? at - p->before : 0;
    s->covered_end[k->pattern] = v->base + we;
    run_pattern(s, v, k->pattern, ws, we);
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

/* A pair hit at view offset i: confirm the keywords of its bucket that start in [from, to). */
static void pair_hit(imgb_secret_stream *s, const sview *v, size_t i, size_t from, size_t to)
{
    const imgb_secret_rules *r = s->r;
    unsigned pv = (unsigned)v->p[i] | ((unsigned)v->p[i + 1] << 8);
    if (!((r->pairbits[pv >> 3] >> (pv & 7)) & 1))
        return;
    size_t bkt = r->pairslot[pv] - 1u;
    if (i + 2 < v->len) {
        unsigned char c = v->p[i + 2];
        if (!((r->third[bkt][c >> 3] >> (c & 7)) & 1))
            return;
    }
    for (size_t j = r->bucket_start[bkt]; j < r->bucket_start[bkt + 1]; j++) {
        const secret_keyword *k = &r->kws[r->bucket_kw[j]];
        if (i < k->pair_off)
            continue;
        size_t at = i - k->pair_off;
        if (at < from || at >= to || at + k->len > v->len)
            continue;
        if (keyword_at(k, v->p + at))
            on_keyword(s, v, k, at);
    }
}

/*
 * Candidates 32 positions at a time ("shufti", as in Hyperscan): the low and high nibble of
 * each of the three anchor bytes index 16-entry tables whose AND gives the buckets that byte
 * may belong to; a position is a candidate when all three bytes share a bucket.  Masks are
 * collected per block so the vector loop makes no calls; candidates then go to the exact
 * pair table.
 */
#define SHUFTI_BLOCK 32

__attribute__((target("avx2"))) static size_t prefilter_avx2(imgb_secret_stream *s,
                                                             const sview *v, size_t from,
                                                             size_t to, size_t end)
{
    const imgb_secret_rules *r = s->r;
    __m256i t[6];
    for (int j = 0; j < 6; j++)
        t[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const void *)r->shufti[j]));
    const __m256i nib = _mm256_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    uint32_t masks[SHUFTI_BLOCK];
    size_t i = from;
    while (i + 34 <= end) {
        size_t nb = 0, start = i;
        for (; nb < SHUFTI_BLOCK && i + 34 <= end; nb++, i += 32) {
            __m256i acc = _mm256_set1_epi8(-1);
            for (int j = 0; j < 3; j++) {
                __m256i x = _mm256_loadu_si256((const void *)(v->p + i + j));
                __m256i m = _mm256_and_si256(
                    _mm256_shuffle_epi8(t[2 * j], _mm256_and_si256(x, nib)),
                    _mm256_shuffle_epi8(t[2 * j + 1], _mm256_and_si256(_mm256_srli_epi16(x, 4), nib)));
                acc = _mm256_and_si256(acc, m);
            }
            masks[nb] = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(acc, zero));
        }
        for (size_t k = 0; k < nb; k++)
            for (uint32_t m = masks[k]; m; m &= m - 1) {
                size_t at = start + 32 * k + (size_t)__builtin_ctz(m);
                unsigned pv = (unsigned)v->p[at] | ((unsigned)v->p[at + 1] << 8);
                if ((r->pairbits[pv >> 3] >> (pv & 7)) & 1)
                    pair_hit(s, v, at, from, to);
            }
    }
    return i;
}

/* Keyword starts in view offsets [from, to); their pairs may extend a keyword past `to`. */
static void prefilter_scan(imgb_secret_stream *s, const sview *v, size_t from, size_t to)
{
    const uint8_t *bits = s->r->pairbits;
    const unsigned char *b = v->p;
    size_t end = to + s->r->max_kwlen;
    if (end > v->len)
        end = v->len;
    size_t i = from;
    if (s->avx2)
        i = prefilter_avx2(s, v, from, to, end);
    for (; i + 1 < end; i++) {
        unsigned pv = (unsigned)b[i] | ((unsigned)b[i + 1] << 8);
        if ((bits[pv >> 3] >> (pv & 7)) & 1)
            pair_hit(s, v, i, from, to);
    }
}

/* Process keyword starts in [from, to) (file offsets) that lie in view `v`. */
static void process_range(imgb_secret_stream *s, const sview *v, uint64_t from, uint64_t to)
{
    const imgb_secret_rules *r = s->r;
    size_t f = (size_t)(from - v->base), t = (size_t)(to - v->base);
    if (s->prefilter) {
        prefilter_scan(s, v, f, t);
    } else {
        size_t ws = f > r->max_before ? f - r->max_before : 0;
        size_t we = t + r->max_kwlen + r->max_after;
        if (we > v->len)
            we = v->len;
        for (size_t pi = 0; pi < r->npats; pi++)
            run_pattern(s, v, pi, ws, we);
    }
    s->next = to;
}

/* Keep stream bytes [from, fed) in the carry buffer; `v` holds them (and counted_to). */
static void carry(imgb_secret_stream *s, const sview *v, uint64_t from)
{
    if (!s->binary && s->counted_to < from)
        count_to(s, v, from);
    size_t n = (size_t)(v->base + v->len - from);
    memmove(s->buf, v->p + (from - v->base), n);
    s->base = from;
    s->len = n;
}

static void mark_binary(imgb_secret_stream *s)
{
    s->binary = true;
    for (size_t i = s->file_first; i < s->nfound; i++) {
        s->found[i].binary = true;
        s->found[i].line = 0;
    }
}

/*
 * Each chunk is matched in place; only the seam is copied.  The carry buffer holds the
 * stream from `before` bytes ahead of the next unprocessed keyword start to the end of the
 * previous chunk.  Keyword starts near the seam are processed in the carry buffer with the
 * chunk's first bytes appended; the rest of the chunk in place, except its last `tail`
 * bytes, whose windows need the next chunk.
 */
void imgb_secret_stream_data(imgb_secret_stream *s, const unsigned char *buf, size_t len)
{
    const imgb_secret_rules *r = s->r;
    if (!s->active)
        return;
    s->bytes += len;
    if (s->fed + len > r->max_file_bytes) {
        s->truncated = true;
        len = (size_t)(r->max_file_bytes - s->fed);
    }
    if (len == 0)
        return;
    if (!s->binary && s->fed < SECRET_BINARY_PROBE) {
        size_t probe = SECRET_BINARY_PROBE - (size_t)s->fed;
        if (memchr(buf, 0, probe < len ? probe : len))
            mark_binary(s);
    }
    size_t before = r->max_before, tail = r->max_after + r->max_kwlen;
    uint64_t cb = s->fed;
    bool seam = s->len > 0;
    if (seam) {
        size_t n = before + tail < len ? before + tail : len;
        memcpy(s->buf + s->len, buf, n);
        s->len += n;
        sview bv = { s->buf, s->base, s->len };
        uint64_t end = s->base + s->len;
        uint64_t to = end > tail ? end - tail : 0;
        if (to > cb + before)
            to = cb + before;
        if (to > s->next)
            process_range(s, &bv, s->next, to);
    }
    s->fed = cb + len;
    sview cv = { buf, cb, len };
    uint64_t from = s->next > cb ? s->next : cb;
    uint64_t to = s->fed > tail ? s->fed - tail : 0;
    if (to > from && (!seam || s->next >= cb + before)) {
        if (seam && !s->binary && s->counted_to < cb) {
            sview bv = { s->buf, s->base, s->len };
            count_to(s, &bv, cb);
        }
        process_range(s, &cv, from, to);
        uint64_t keep = s->next > before ? s->next - before : 0;
        carry(s, &cv, keep < cb ? cb : keep);
        return;
    }
    /* Nothing processed in place: the carry buffer must hold the whole chunk too. */
    if (!seam) {
        memcpy(s->buf, buf, len);
        s->base = cb;
        s->len = len;
    }
    sview bv = { s->buf, s->base, s->len };
    uint64_t keep = s->next > before ? s->next - before : 0;
    if (keep > s->base)
        carry(s, &bv, keep);
}

void imgb_secret_stream_end(imgb_secret_stream *s)
{
    if (!s->active)
        return;
    if (s->len > 0 && s->base + s->len > s->next) {
        sview bv = { s->buf, s->base, s->len };
        process_range(s, &bv, s->next, s->base + s->len);
    }
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

size_t imgb_secret_stream_regex_errors(const imgb_secret_stream *s)
{
    return s->regex_errors;
}

size_t imgb_secret_stream_dropped(const imgb_secret_stream *s)
{
    return s->dropped;
}

uint64_t imgb_secret_stream_bytes(const imgb_secret_stream *s)
{
    return s->bytes;
}

uint64_t imgb_secret_stream_files(const imgb_secret_stream *s)
{
    return s->files;
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
