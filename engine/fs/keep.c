/*
 * Compiled keep patterns (contract: fs/keep.h).
 *
 *   table[fmix(fnv(key)) & mask] -> {key, len, flags}     literal paths and subtree bases
 *   wild[]                                                 patterns with * ? [ or \
 *
 * flags say what a key is for: EXACT (the pattern is the key) and/or BASE (the pattern is
 * key + "/ **"), each either for every pattern (ANY) or for "follow" ones (FOLLOW).  The
 * table is rebuilt on every add (a scan adds tens of patterns, once), so lookups never see
 * a half-built table.
 */
#include "fs/keep.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

enum {
    K_EXACT_ANY = 1,
    K_EXACT_FOLLOW = 2,
    K_BASE_ANY = 4,
    K_BASE_FOLLOW = 8,
};

typedef struct keep_pat {
    char *pattern;        /* leading "/", without the "/ **" of a subtree */
    size_t len;
    size_t lit;           /* bytes before the first wildcard character */
    bool subtree;
    bool follow;
} keep_pat;

typedef struct keep_slot {
    uint64_t hash;
    const char *key;      /* NULL: empty slot */
    size_t len;
    unsigned flags;
} keep_slot;

struct imgb_keepset {
    keep_pat *pats;       /* every distinct pattern, in order of registration */
    size_t npats;
    keep_slot *table;
    size_t mask;
    const keep_pat **wild;
    size_t nwild;
};

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * FNV_PRIME;
}

/* murmur3's finaliser: FNV's low bits alone index the table poorly. */
static uint64_t fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t key_hash(const char *s, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = fnv_step(h, (unsigned char)s[i]);
    return h;
}

static const keep_slot *slot_find(const imgb_keepset *k, uint64_t h, const char *s, size_t n)
{
    if (!k->table)
        return NULL;
    for (size_t i = fmix(h) & k->mask;; i = (i + 1) & k->mask) {
        const keep_slot *sl = &k->table[i];
        if (!sl->key)
            return NULL;
        if (sl->hash == h && sl->len == n && memcmp(sl->key, s, n) == 0)
            return sl;
    }
}

static void slot_put(imgb_keepset *k, const char *s, size_t n, unsigned flags)
{
    uint64_t h = key_hash(s, n);
    for (size_t i = fmix(h) & k->mask;; i = (i + 1) & k->mask) {
        keep_slot *sl = &k->table[i];
        if (!sl->key) {
            *sl = (keep_slot){ h, s, n, flags };
            return;
        }
        if (sl->hash == h && sl->len == n && memcmp(sl->key, s, n) == 0) {
            sl->flags |= flags;
            return;
        }
    }
}

static void rebuild(imgb_keepset *k)
{
    size_t cap = 16;
    while (cap < 4 * k->npats)
        cap *= 2;
    free(k->table);
    k->table = imgb_xcalloc(cap, sizeof *k->table);
    k->mask = cap - 1;
    k->nwild = 0;
    k->wild = imgb_xrealloc(k->wild, (k->npats ? k->npats : 1) * sizeof *k->wild);
    for (size_t i = 0; i < k->npats; i++) {
        const keep_pat *p = &k->pats[i];
        if (p->lit < p->len) {
            k->wild[k->nwild++] = p;
            continue;
        }
        unsigned f = p->subtree ? K_BASE_ANY | (p->follow ? K_BASE_FOLLOW : 0)
                                : K_EXACT_ANY | (p->follow ? K_EXACT_FOLLOW : 0);
        slot_put(k, p->pattern, p->len, f);
    }
}

imgb_keepset *imgb_keepset_new(void)
{
    return imgb_xcalloc(1, sizeof(imgb_keepset));
}

void imgb_keepset_free(imgb_keepset *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->npats; i++)
        free(k->pats[i].pattern);
    free(k->pats);
    free(k->table);
    free(k->wild);
    free(k);
}

void imgb_keepset_add(imgb_keepset *k, const char *pattern, bool follow)
{
    size_t n = strlen(pattern);
    bool subtree = n >= 3 && strcmp(pattern + n - 3, "/**") == 0;
    if (subtree)
        n -= 3;
    char *p = pattern[0] == '/' ? imgb_xstrndup(pattern, n)
                                : imgb_xasprintf("/%.*s", (int)n, pattern);
    size_t len = strlen(p);
    for (size_t i = 0; i < k->npats; i++) {
        keep_pat *q = &k->pats[i];
        if (q->subtree == subtree && strcmp(q->pattern, p) == 0) {
            free(p);
            if (follow && !q->follow) {
                q->follow = true;
                rebuild(k);
            }
            return;
        }
    }
    k->pats = imgb_xrealloc(k->pats, (k->npats + 1) * sizeof *k->pats);
    k->pats[k->npats++] = (keep_pat){ p, len, strcspn(p, "*?[\\"), subtree, follow };
    rebuild(k); /* k->pats moved: every key pointer is refreshed */
}

/* fnmatch a wildcard pattern: the path itself, or (subtree) any proper ancestor of it. */
static bool wild_matches(const keep_pat *p, const char *abs, size_t len)
{
    if (!p->subtree)
        return fnmatch(p->pattern, abs, FNM_PATHNAME) == 0;
    char *tmp = imgb_xstrndup(abs, len);
    bool m = false;
    for (size_t i = 1; i < len && !m; i++) {
        if (tmp[i] != '/')
            continue;
        tmp[i] = '\0';
        m = fnmatch(p->pattern, tmp, FNM_PATHNAME) == 0;
        tmp[i] = '/';
    }
    free(tmp);
    return m;
}

bool imgb_keepset_match(const imgb_keepset *k, const char *abs, size_t len, bool follow_only)
{
    if (!k || k->npats == 0)
        return false;
    unsigned base = follow_only ? K_BASE_FOLLOW : K_BASE_ANY;
    unsigned exact = follow_only ? K_EXACT_FOLLOW : K_EXACT_ANY;
    const keep_slot *sl;
    /* "/ **" (every path) is the empty base */
    if ((sl = slot_find(k, FNV_OFFSET, "", 0)) && (sl->flags & base) && len > 1)
        return true;
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        if (abs[i] == '/' && i > 0 && (sl = slot_find(k, h, abs, i)) && (sl->flags & base))
            return true;
        h = fnv_step(h, (unsigned char)abs[i]);
    }
    if ((sl = slot_find(k, h, abs, len)) && (sl->flags & exact))
        return true;
    for (size_t i = 0; i < k->nwild; i++) {
        const keep_pat *p = k->wild[i];
        if ((follow_only && !p->follow) || len < p->lit || memcmp(abs, p->pattern, p->lit) != 0)
            continue;
        if (wild_matches(p, abs, len))
            return true;
    }
    return false;
}

bool imgb_keepset_may_match_below(const imgb_keepset *k, const char *prefix, size_t plen,
                                  bool follow_only)
{
    for (size_t i = 0; k && i < k->npats; i++) {
        const keep_pat *p = &k->pats[i];
        if (follow_only && !p->follow)
            continue;
        size_t n = p->lit < plen ? p->lit : plen;
        if (strncmp(p->pattern, prefix, n) == 0)
            return true;
    }
    return false;
}

size_t imgb_keepset_count(const imgb_keepset *k)
{
    return k ? k->npats : 0;
}

size_t imgb_keepset_memory(const imgb_keepset *k)
{
    if (!k)
        return 0;
    size_t n = sizeof *k + k->npats * sizeof *k->pats + (k->mask + 1) * sizeof *k->table +
               k->npats * sizeof *k->wild;
    for (size_t i = 0; i < k->npats; i++)
        n += k->pats[i].len + 1;
    return n;
}
