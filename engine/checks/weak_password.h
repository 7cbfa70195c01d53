/*
 * Weak-password detection: a cracking engine over libxcrypt's crypt_rn(3) and the
 * `weak_password` check kind that reports its results.
 *
 * The engine takes accounts (name + stored hash) and a popularity-ordered dictionary and
 * tries, per account and in this order: the empty string, the user name and its common
 * variants, then the dictionary.  An account stops at its first hit.  Work is scheduled in
 * rounds (user-name candidates, dictionary top 10, top 100, top 1000, the rest) and inside
 * a round from the cheapest hash to the dearest, so cheap and likely candidates run first
 * across all accounts (cost = CPU time of one probe hash, so a loaded machine does not
 * reorder it); it is spread over `jobs` threads and bounded by a time budget and,
 * optionally, a budget in hashes.  An account cut short by either is INCOMPLETE, never
 * NOT_FOUND.
 *
 * A recovered password never leaves the engine: a result says how it matched (empty,
 * user name, which variant, dictionary rank), never what matched.
 *
 * Tests: tests/test_weak_password.c.  Benchmark: bench/weak_password/.
 */
#ifndef IMGB_CHECKS_WEAK_PASSWORD_H
#define IMGB_CHECKS_WEAK_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"
#include "util/mem.h"

/* ---- the cracking engine ---------------------------------------------------------------- */

typedef struct imgb_wp_account {
    const char *name;         /* user name (candidate source) */
    const char *hash;         /* shadow field 2 as stored */
} imgb_wp_account;

typedef enum imgb_wp_status {
    IMGB_WP_NOT_FOUND = 0,    /* every planned candidate tried, none matched */
    IMGB_WP_FOUND,            /* a candidate matched (see match / variant / dict_rank) */
    IMGB_WP_INCOMPLETE,       /* the budget ran out before every candidate was tried */
    IMGB_WP_LOCKED,           /* "!", "!!", "*", "!"-prefixed: no password can log in */
    IMGB_WP_EMPTY,            /* empty hash field: login without a password */
    IMGB_WP_UNKNOWN_FORMAT,   /* not a hash libxcrypt can reproduce */
} imgb_wp_status;

typedef enum imgb_wp_match {
    IMGB_WP_M_NONE = 0,
    IMGB_WP_M_EMPTY,          /* the hash of the empty string */
    IMGB_WP_M_USER,           /* the user name itself */
    IMGB_WP_M_USER_VARIANT,   /* a variant of the user name (variant names which) */
    IMGB_WP_M_DICT,           /* dictionary entry dict_rank */
} imgb_wp_match;

typedef struct imgb_wp_result {
    imgb_wp_status status;
    imgb_wp_match match;
    const char *variant;      /* static text ("reversed", "capitalised with 123"), or NULL */
    size_t dict_rank;         /* 1-based rank in the dictionary (IMGB_WP_M_DICT only) */
    uint64_t tried;           /* candidates tried (found: position of the hit, 1-based) */
    uint64_t planned;         /* candidates planned for this account */
    double cost_us;           /* measured cost of one hash of this account, microseconds */
    bool user_done;           /* the empty string, user name and every variant were tried */
} imgb_wp_result;

typedef struct imgb_wp_options {
    int jobs;                 /* worker threads (<= 0: the online CPUs) */
    double budget;            /* seconds for the whole run (<= 0: IMGB_WP_DEFAULT_BUDGET) */
    size_t depth;             /* dictionary words tried per account (0: all) */
    int year;                 /* newest year for "name2024"-style variants (0: this year) */
    uint64_t max_hashes;      /* a budget in crypt_rn calls, on top of the time budget (0: no
                               * limit); with jobs 1 the run is then fully deterministic */
    /* Called about every 200 ms from the calling thread while cracking (progress, cancel):
     * non-zero stops the run, which then fails with IMGB_ECANCELED. */
    int (*tick)(void *payload, size_t accounts, size_t accounts_done, uint64_t candidates,
                double seconds_left);
    void *tick_payload;
} imgb_wp_options;

typedef struct imgb_wp_stats {
    uint64_t hashes;          /* crypt_rn calls made */
    double seconds;           /* wall time of the run */
    bool budget_exhausted;
} imgb_wp_stats;

/**
 * Crack `n` accounts against `words` (popularity order, may be NULL with nwords 0).
 * @param[out] out  `n` results, same order as `accounts`
 * @param[out] stats  optional (NULL)
 * @return 0 or IMGB_ELIMIT (too many accounts); results need no freeing.
 */
int imgb_wp_crack(imgb_wp_result *out, imgb_wp_stats *stats, const imgb_wp_account *accounts,
                  size_t n, const char *const *words, size_t nwords,
                  const imgb_wp_options *opts);

/**
 * How a result matched, in words that never contain the password: "empty password",
 * "equals the user name", "user-name variant (reversed)", "matches dictionary entry ranked 12".
 * Appended to `out`.
 */
void imgb_wp_describe(const imgb_wp_result *r, imgb_buf *out);

/** Short text for a status ("found", "not found", "incomplete", "locked", ...). */
const char *imgb_wp_status_name(imgb_wp_status s);

/* ---- the dictionary ---------------------------------------------------------------------- */

/**
 * Load a word list: one word per line, "\r\n" or "\n"; lines starting with "#!comment:"
 * (John the Ripper's convention) and empty lines are skipped, words longer than
 * IMGB_WP_MAX_WORD are skipped, duplicates keep their first (most popular) position.
 * With `replace`, `*words` is emptied first; otherwise the file's words are appended after
 * the ones already there (duplicates of them are dropped).
 * @param[in,out] words, nwords  malloc'd array of malloc'd strings (free: imgb_wp_dict_free)
 * @return 0, IMGB_ENOTFOUND, IMGB_ELIMIT (file or word count over the limits)
 */
int imgb_wp_dict_load(char ***words, size_t *nwords, const char *path, bool replace);

/* The weak-password kind's ruleset-level data: its dictionary. */
typedef struct imgb_wp_dictionary {
    char **words;             /* popularity order */
    size_t nwords;
    char *source;             /* the files it came from, ", "-separated */
    /* The first this many words are the ones a weak_password `depth` limits (0: all); words
     * appended after them (--dict) are always tried, after the cut-down list. */
    size_t nranked;
} imgb_wp_dictionary;

/** The dictionary of `rs` (NULL when it has none). */
const imgb_wp_dictionary *imgb_wp_dict_of(const imgb_ruleset *rs);

/**
 * Load `path` into the dictionary of `rs`.  `replace`: instead of the words there (a rule's
 * depth cuts the new list).  Otherwise appended after them and always tried in full (the
 * words already there stay the ranked list).
 */
int imgb_wp_dict_add(imgb_ruleset *rs, const char *path, bool replace);

/* The kind's load_dir hook: `<dir>/dict/passwords.txt`, when present, appended ranked. */
int imgb_wp_dict_load_dir(void **data, const char *dir);
void imgb_wp_dict_data_free(void *data);

/** The shipped dictionary: `<rules dir>/dict/passwords.txt`. */
#define IMGB_WP_DICT_RELPATH "dict/passwords.txt"

void imgb_wp_dict_free(char **words, size_t nwords);

/* ---- the check kind ----------------------------------------------------------------------- */

extern const imgb_check_kind imgb_kind_weak_password;

#endif
