/*
 * The weak-password dictionary: a popularity-ordered word list, one word per line.
 * Format as John the Ripper's password.lst: "#!comment:" lines are comments; every other
 * non-empty line is a word, so a password that starts with '#' stays usable.
 */
#include "checks/weak_password.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/error.h"
#include "util/limits.h"

#define WP_COMMENT "#!comment:"

/* Open-addressing set of words, for keeping the first (most popular) copy only. */
typedef struct wp_set {
    const char **slot;
    size_t cap;
} wp_set;

static uint64_t wp_fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Insert `w`; false if it was already there. */
static bool wp_set_add(wp_set *set, const char *w)
{
    size_t i = (size_t)wp_fnv(w) & (set->cap - 1);
    while (set->slot[i]) {
        if (strcmp(set->slot[i], w) == 0)
            return false;
        i = (i + 1) & (set->cap - 1);
    }
    set->slot[i] = w;
    return true;
}

static void wp_set_init(wp_set *set, size_t n)
{
    set->cap = 16;
    while (set->cap < 2 * n + 16)
        set->cap <<= 1;
    set->slot = imgb_xcalloc(set->cap, sizeof *set->slot);
}

static void wp_set_grow(wp_set *set)
{
    wp_set bigger;
    wp_set_init(&bigger, set->cap);
    for (size_t i = 0; i < set->cap; i++)
        if (set->slot[i])
            wp_set_add(&bigger, set->slot[i]);
    free(set->slot);
    *set = bigger;
}

void imgb_wp_dict_free(char **words, size_t nwords)
{
    for (size_t i = 0; i < nwords; i++)
        free(words[i]);
    free(words);
}

int imgb_wp_dict_load(char ***words, size_t *nwords, const char *path, bool replace)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return imgb_error_set(errno == ENOENT ? IMGB_ENOTFOUND : IMGB_ERROR,
                              "%s: cannot open the dictionary: %s", path, strerror(errno));
    if (replace) {
        imgb_wp_dict_free(*words, *nwords);
        *words = NULL;
        *nwords = 0;
    }

    size_t n = *nwords, cap = *nwords;
    char **w = *words;
    wp_set set;
    wp_set_init(&set, n);
    for (size_t i = 0; i < n; i++)
        wp_set_add(&set, w[i]);

    int rc = 0;
    char *line = NULL;
    size_t linecap = 0, total = 0, lineno = 0;
    ssize_t len;
    while ((len = getline(&line, &linecap, f)) >= 0) {
        lineno++;
        total += (size_t)len;
        if (total > IMGB_WP_MAX_DICT_BYTES) {
            rc = imgb_error_set(IMGB_ELIMIT, "%s: dictionary larger than %u bytes", path,
                                IMGB_WP_MAX_DICT_BYTES);
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || len > IMGB_WP_MAX_WORD || strncmp(line, WP_COMMENT, strlen(WP_COMMENT)) == 0)
            continue;
        if (memchr(line, '\0', (size_t)len))
            continue; /* an embedded NUL: not a usable password */
        if (n == IMGB_WP_MAX_DICT_WORDS) {
            rc = imgb_error_set(IMGB_ELIMIT, "%s:%zu: dictionary has more than %u words", path,
                                lineno, IMGB_WP_MAX_DICT_WORDS);
            break;
        }
        if (2 * (n + 1) + 16 > set.cap)
            wp_set_grow(&set);
        char *word = imgb_xstrndup(line, (size_t)len);
        if (!wp_set_add(&set, word)) {
            free(word);
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            w = imgb_xrealloc(w, cap * sizeof *w);
        }
        w[n++] = word;
    }
    free(line);
    free(set.slot);
    fclose(f);
    *words = w;
    *nwords = n;
    return rc;
}

/* Append (or replace with) `path`'s words and record it in the source list. */
static int wp_dict_merge(imgb_wp_dictionary *d, const char *path, bool replace)
{
    int rc = imgb_wp_dict_load(&d->words, &d->nwords, path, replace);
    if (rc < 0)
        return rc;
    if (replace || !d->source) {
        free(d->source);
        d->source = imgb_xstrdup(path);
    } else {
        char *both = imgb_xasprintf("%s, %s", d->source, path);
        free(d->source);
        d->source = both;
    }
    return 0;
}

static imgb_wp_dictionary *wp_dict_slot(void **slot)
{
    if (!*slot)
        *slot = imgb_xcalloc(1, sizeof(imgb_wp_dictionary));
    return *slot;
}

const imgb_wp_dictionary *imgb_wp_dict_of(const imgb_ruleset *rs)
{
    return imgb_ruleset_kind_data(rs, &imgb_kind_weak_password);
}

int imgb_wp_dict_add(imgb_ruleset *rs, const char *path, bool replace)
{
    imgb_wp_dictionary *d = wp_dict_slot(imgb_ruleset_kind_slot(rs, &imgb_kind_weak_password));
    if (replace)
        d->nranked = 0;
    else if (!d->nranked)
        d->nranked = d->nwords; /* the words there so far are the ones depth cuts */
    return wp_dict_merge(d, path, replace);
}

int imgb_wp_dict_load_dir(void **data, const char *dir)
{
    char *path = imgb_xasprintf("%s/%s", dir, IMGB_WP_DICT_RELPATH);
    struct stat st;
    int rc = stat(path, &st) == 0 ? wp_dict_merge(wp_dict_slot(data), path, false) : 0;
    free(path);
    return rc;
}

void imgb_wp_dict_data_free(void *data)
{
    imgb_wp_dictionary *d = data;
    if (!d)
        return;
    imgb_wp_dict_free(d->words, d->nwords);
    free(d->source);
    free(d);
}
