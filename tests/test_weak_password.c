/*
 * Tests for the weak-password engine, its dictionary and the weak_password check kind
 * (engine/checks/weak_password.h).  Hashes are made here with crypt_gensalt_rn + crypt_rn
 * at low cost parameters, so every format libxcrypt offers runs in well under a second.
 */
#include <check.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks/weak_password.h"
#include "imgbuild.h"
#include "facts/accounts.h"
#include "fs/view.h"
#include "rules/loader.h"
#include "rules/rules.h"
#include "util/error.h"
#include "util/mem.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* A small popularity-ordered list; "dragon" is rank 3. */
static const char *const small_dict[] = { "123456", "password", "dragon", "letmein", "qwerty",
                                          "monkey", "abc123", "iloveyou" };
#define NSMALL (sizeof small_dict / sizeof small_dict[0])

/* Hash `pw` with a fresh salt of `prefix` at cost `count` ("des": traditional DES). */
static char *make_hash(const char *prefix, unsigned long count, const char *pw)
{
    struct crypt_data *cd = imgb_xcalloc(1, sizeof *cd);
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];

    static unsigned salt_counter;
    if (strcmp(prefix, "des") == 0)
        strcpy(setting, "Qx");
    else if (strcmp(prefix, "$md5") == 0) /* gensalt adds ~65,000 random rounds: too dear */
        snprintf(setting, sizeof setting, "$md5,rounds=%lu$salt%04u$", count, salt_counter++);
    else
        ck_assert_ptr_nonnull(crypt_gensalt_rn(prefix, count, NULL, 0, setting, sizeof setting));
    const char *h = crypt_rn(pw, setting, cd, (int)sizeof *cd);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_ne(h[0], '*');
    char *out = imgb_xstrdup(h);
    free(cd);
    return out;
}

static imgb_wp_options opts_jobs(int jobs)
{
    /* The time budget is never the limit here: only the tcase timeout is. */
    imgb_wp_options o = { .jobs = jobs, .budget = 3600, .depth = 0, .year = 2024 };
    return o;
}

static imgb_wp_result crack_one(const char *name, const char *hash, const char *const *words,
                                size_t nwords)
{
    imgb_wp_account a = { name, hash };
    imgb_wp_result r;
    imgb_wp_options o = opts_jobs(1);
    ck_assert_int_eq(imgb_wp_crack(&r, NULL, &a, 1, words, nwords, &o), 0);
    return r;
}

static char *describe(const imgb_wp_result *r)
{
    imgb_buf b = IMGB_BUF_INIT;
    imgb_wp_describe(r, &b);
    return imgb_buf_detach(&b);
}

/* ---- every hash format ----------------------------------------------------------------------- */

static const struct {
    const char *prefix;
    unsigned long count;
} formats[] = {
    { "$1$", 0 },       { "$5$", 1000 },   { "$6$", 1000 },   { "$y$", 1 },
    { "$gy$", 1 },      { "$2a$", 4 },     { "$2b$", 4 },     { "$2y$", 4 },
    { "$sha1$", 4 },    { "$md5", 100 },  { "des", 0 },
};
#define NFORMATS (sizeof formats / sizeof formats[0])

START_TEST(every_format_dictionary_rank)
{
    char *h = make_hash(formats[_i].prefix, formats[_i].count, "dragon");
    imgb_wp_result r = crack_one("svc", h, small_dict, NSMALL);
    ck_assert_msg(r.status == IMGB_WP_FOUND, "%s: status %s", formats[_i].prefix,
                  imgb_wp_status_name(r.status));
    ck_assert_int_eq(r.match, IMGB_WP_M_DICT);
    ck_assert_uint_eq(r.dict_rank, 3);
    char *d = describe(&r);
    ck_assert_ptr_nonnull(strstr(d, "matches dictionary entry ranked 3"));
    ck_assert_ptr_null(strstr(d, "dragon"));
    free(d);
    free(h);
}
END_TEST

START_TEST(every_format_strong_is_not_found)
{
    char *h = make_hash(formats[_i].prefix, formats[_i].count, "Tq7#vLw9!zKp");
    imgb_wp_result r = crack_one("svc", h, small_dict, NSMALL);
    ck_assert_int_eq(r.status, IMGB_WP_NOT_FOUND);
    ck_assert_uint_eq(r.tried, r.planned);
    ck_assert_uint_gt(r.planned, NSMALL);
    free(h);
}
END_TEST

/* ---- candidates ------------------------------------------------------------------------------ */

START_TEST(empty_string_hash_is_found_first)
{
    char *h = make_hash("$6$", 1000, "");
    imgb_wp_result r = crack_one("root", h, small_dict, NSMALL);
    ck_assert_int_eq(r.status, IMGB_WP_FOUND);
    ck_assert_int_eq(r.match, IMGB_WP_M_EMPTY);
    ck_assert_uint_eq(r.tried, 1);
    free(h);
}
END_TEST

START_TEST(empty_field_is_its_own_status)
{
    imgb_wp_result r = crack_one("root", "", small_dict, NSMALL);
    ck_assert_int_eq(r.status, IMGB_WP_EMPTY);
    ck_assert_uint_eq(r.tried, 0);
}
END_TEST

START_TEST(user_name_is_found)
{
    char *h = make_hash("$6$", 1000, "oracle");
    imgb_wp_result r = crack_one("oracle", h, small_dict, NSMALL);
    ck_assert_int_eq(r.status, IMGB_WP_FOUND);
    ck_assert_int_eq(r.match, IMGB_WP_M_USER);
    ck_assert_uint_eq(r.tried, 2);
    char *d = describe(&r);
    ck_assert_ptr_nonnull(strstr(d, "equals the user name"));
    free(d);
    free(h);
}
END_TEST

static const struct {
    const char *password;
    const char *variant;
} variants[] = {
    { "Alice", "capitalised" },         { "ecila", "reversed" },
    { "alicealice", "doubled" },        { "alice1", "with 1" },
    { "alice123", "with 123" },         { "alice@123", "with @123" },
    { "alice!", "with !" },             { "Alice1", "capitalised with 1" },
    { "Alice123", "capitalised with 123" }, { "Alice@123", "capitalised with @123" },
    { "Alice!", "capitalised with !" }, { "alice2024", "with a year" },
    { "alice2021", "with a year" },
};

START_TEST(user_name_variants_are_found_and_named)
{
    char *h = make_hash("$1$", 0, variants[_i].password);
    imgb_wp_result r = crack_one("alice", h, small_dict, NSMALL);
    ck_assert_int_eq(r.status, IMGB_WP_FOUND);
    ck_assert_int_eq(r.match, IMGB_WP_M_USER_VARIANT);
    ck_assert_str_eq(r.variant, variants[_i].variant);
    char *d = describe(&r);
    ck_assert_ptr_null(strstr(d, variants[_i].password));
    ck_assert_ptr_nonnull(strstr(d, "user-name variant ("));
    free(d);
    free(h);
}
END_TEST

START_TEST(user_name_comes_before_dictionary)
{
    /* "password" is both the user name and dictionary entry 2: the user name wins. */
    char *h = make_hash("$5$", 1000, "password");
    imgb_wp_result r = crack_one("password", h, small_dict, NSMALL);
    ck_assert_int_eq(r.match, IMGB_WP_M_USER);
    free(h);
}
END_TEST

START_TEST(depth_limits_the_dictionary)
{
    char *h = make_hash("$1$", 0, "dragon");
    imgb_wp_account a = { "svc", h };
    imgb_wp_result r;
    imgb_wp_options o = opts_jobs(1);
    o.depth = 2;
    ck_assert_int_eq(imgb_wp_crack(&r, NULL, &a, 1, small_dict, NSMALL, &o), 0);
    ck_assert_int_eq(r.status, IMGB_WP_NOT_FOUND);
    ck_assert_uint_eq(r.tried, r.planned);
    o.depth = 3;
    ck_assert_int_eq(imgb_wp_crack(&r, NULL, &a, 1, small_dict, NSMALL, &o), 0);
    ck_assert_int_eq(r.status, IMGB_WP_FOUND);
    free(h);
}
END_TEST

/* ---- what is not cracked --------------------------------------------------------------------- */

START_TEST(locked_hashes_are_not_cracked)
{
    char *h = make_hash("$6$", 1000, "123456");
    char *locked = imgb_xasprintf("!%s", h);
    const char *cases[] = { "!", "!!", "*", "!*", "!locked", locked };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        imgb_wp_result r = crack_one("root", cases[i], small_dict, NSMALL);
        ck_assert_msg(r.status == IMGB_WP_LOCKED, "%s: %s", cases[i],
                      imgb_wp_status_name(r.status));
        ck_assert_uint_eq(r.tried, 0);
    }
    free(locked);
    free(h);
}
END_TEST

START_TEST(unknown_formats_are_reported)
{
    const char *cases[] = { "$9$abc$def", "garbage$$", "x", "NP", "$6$short",
                            "$1$abcdefgh$tooshort" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        imgb_wp_result r = crack_one("root", cases[i], small_dict, NSMALL);
        ck_assert_msg(r.status == IMGB_WP_UNKNOWN_FORMAT, "%s: %s", cases[i],
                      imgb_wp_status_name(r.status));
        char *d = describe(&r);
        ck_assert_ptr_nonnull(strstr(d, "unknown hash format"));
        free(d);
    }
}
END_TEST

/* ---- many accounts: sharing, threads, budget ------------------------------------------------- */

START_TEST(shared_hash_is_found_for_both_accounts)
{
    char *h = make_hash("$6$", 1000, "letmein");
    imgb_wp_account a[] = { { "web", h }, { "db", h } };
    imgb_wp_result r[2];
    imgb_wp_options o = opts_jobs(2);
    ck_assert_int_eq(imgb_wp_crack(r, NULL, a, 2, small_dict, NSMALL, &o), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(r[i].status, IMGB_WP_FOUND);
        ck_assert_uint_eq(r[i].dict_rank, 4);
    }
    free(h);
}
END_TEST

START_TEST(one_and_two_threads_agree)
{
    const char *pw[] = { "monkey", "Tq7#vLw9!zKp", "", "bob123", "qwerty", "123456",
                         "iloveyou", "nope-nope-9" };
    const char *names[] = { "a1", "a2", "a3", "bob", "a5", "a6", "a7", "a8" };
    imgb_wp_account a[NFORMATS * 8];
    char *hashes[NFORMATS * 8];
    size_t n = 0;
    for (size_t f = 0; f < NFORMATS; f++) {
        for (size_t p = 0; p < 8; p++) {
            hashes[n] = make_hash(formats[f].prefix, formats[f].count, pw[p]);
            a[n].name = names[p];
            a[n].hash = hashes[n];
            n++;
        }
    }
    imgb_wp_result *r1 = imgb_xcalloc(n, sizeof *r1), *r2 = imgb_xcalloc(n, sizeof *r2);
    imgb_wp_options o1 = opts_jobs(1), o2 = opts_jobs(2);
    imgb_wp_stats s1, s2;
    ck_assert_int_eq(imgb_wp_crack(r1, &s1, a, n, small_dict, NSMALL, &o1), 0);
    ck_assert_int_eq(imgb_wp_crack(r2, &s2, a, n, small_dict, NSMALL, &o2), 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(r1[i].status, r2[i].status);
        ck_assert_int_eq(r1[i].match, r2[i].match);
        ck_assert_uint_eq(r1[i].dict_rank, r2[i].dict_rank);
        ck_assert_uint_eq(r1[i].tried, r2[i].tried);
        bool strong = i % 8 == 1 || i % 8 == 7;
        ck_assert_int_eq(r1[i].status, strong ? IMGB_WP_NOT_FOUND : IMGB_WP_FOUND);
    }
    ck_assert(!s1.budget_exhausted && !s2.budget_exhausted);
    for (size_t i = 0; i < n; i++)
        free(hashes[i]);
    free(r1);
    free(r2);
}
END_TEST

START_TEST(budget_cut_is_incomplete_never_pass)
{
    /* A budget no machine can meet: a microsecond for ~3,600 yescrypt hashes at the default
     * cost.  However loaded the machine, the run is cut, so the test does not hang on time. */
    char *strong = make_hash("$y$", 0, "Tq7#vLw9!zKp");
    char *weak = make_hash("des", 0, "svc123");
    char **words = NULL;
    size_t nwords = 0;
    char *path = imgb_xasprintf("%s/rules/%s", getenv("IMGB_SOURCE_DIR"), IMGB_WP_DICT_RELPATH);
    ck_assert_int_eq(imgb_wp_dict_load(&words, &nwords, path, false), 0);

    imgb_wp_account a[] = { { "root", strong }, { "svc", weak } };
    imgb_wp_result r[2];
    imgb_wp_stats st;
    imgb_wp_options o = opts_jobs(2);
    o.budget = 1e-6;
    ck_assert_int_eq(imgb_wp_crack(r, &st, a, 2, (const char *const *)words, nwords, &o), 0);
    ck_assert(st.budget_exhausted);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(r[i].status, IMGB_WP_INCOMPLETE);
        ck_assert_uint_lt(r[i].tried, r[i].planned);
        char *d = describe(&r[i]);
        ck_assert_ptr_nonnull(strstr(d, "incomplete"));
        ck_assert_ptr_null(strstr(d, "not weak"));
        free(d);
    }
    /* It stops at once: at most the probes already started, no round begins. */
    ck_assert_uint_le(st.hashes, 2);

    imgb_wp_dict_free(words, nwords);
    free(path);
    free(strong);
    free(weak);
}
END_TEST

/*
 * The schedule, asserted through a budget in hashes (jobs 1: fully deterministic).  The
 * dear account comes first in the input; the cheap one must still go first inside a round,
 * and every account's user-name round must come before any dictionary word.
 */
START_TEST(cheap_and_likely_first_across_accounts)
{
    char *dear = make_hash("$y$", 0, "Tq7#vLw9!zKp");
    char *cheap_user = make_hash("des", 0, "svc123");
    char *cheap_dict = make_hash("des", 0, "dragon"); /* small_dict rank 3 */
    imgb_wp_account a[] = { { "root", dear }, { "svc", cheap_user }, { "web", cheap_dict } };
    imgb_wp_result r[3], full[3];
    imgb_wp_options o = opts_jobs(1);

    /* Without a budget: the variant counts (planned - 1 - words) and where each hits. */
    ck_assert_int_eq(imgb_wp_crack(full, NULL, a, 3, small_dict, NSMALL, &o), 0);
    ck_assert_int_eq(full[1].status, IMGB_WP_FOUND);
    ck_assert_int_eq(full[1].match, IMGB_WP_M_USER_VARIANT);
    ck_assert_int_eq(full[2].status, IMGB_WP_FOUND);
    ck_assert_uint_eq(full[2].dict_rank, 3);
    uint64_t vroot = full[0].planned - 1 - NSMALL, vweb = full[2].planned - 1 - NSMALL;

    /* Budget: 3 probes, then round 0 cheapest first (svc up to its hit, web's user names,
     * root's user names), then web's first 3 words; root's dictionary never starts. */
    imgb_wp_stats st;
    o.max_hashes = 3 + (full[1].tried - 1) + vweb + vroot + 3;
    ck_assert_int_eq(imgb_wp_crack(r, &st, a, 3, small_dict, NSMALL, &o), 0);
    ck_assert(st.budget_exhausted);
    ck_assert_uint_eq(st.hashes, o.max_hashes);
    ck_assert_int_eq(r[1].status, IMGB_WP_FOUND);
    ck_assert_int_eq(r[1].match, IMGB_WP_M_USER_VARIANT);
    ck_assert_int_eq(r[2].status, IMGB_WP_FOUND);
    ck_assert_uint_eq(r[2].dict_rank, 3);
    ck_assert_int_eq(r[0].status, IMGB_WP_INCOMPLETE);
    ck_assert(r[0].user_done);
    ck_assert_uint_eq(r[0].tried, 1 + vroot); /* the user-name round, no dictionary word */
    ck_assert_uint_lt(r[0].tried, r[0].planned);

    /* One hash less: web's third word is not reached, and web is incomplete, not pass. */
    o.max_hashes--;
    ck_assert_int_eq(imgb_wp_crack(r, &st, a, 3, small_dict, NSMALL, &o), 0);
    ck_assert_int_eq(r[1].status, IMGB_WP_FOUND);
    ck_assert_int_eq(r[2].status, IMGB_WP_INCOMPLETE);
    ck_assert_uint_eq(r[2].tried, 1 + vweb + 2);
    ck_assert_int_eq(r[0].status, IMGB_WP_INCOMPLETE);

    /* Budget of the probes and svc's variants only: root's user names never start,
     * because the cheap accounts' round-0 work is scheduled first. */
    o.max_hashes = 3 + (full[1].tried - 1) + vweb;
    ck_assert_int_eq(imgb_wp_crack(r, &st, a, 3, small_dict, NSMALL, &o), 0);
    ck_assert_int_eq(r[1].status, IMGB_WP_FOUND);
    ck_assert_uint_eq(r[0].tried, 1);
    ck_assert(!r[0].user_done);
    ck_assert(r[2].user_done);
    ck_assert_int_eq(r[2].status, IMGB_WP_INCOMPLETE);

    free(dear);
    free(cheap_user);
    free(cheap_dict);
}
END_TEST

START_TEST(hash_budget_with_two_threads_is_incomplete_never_pass)
{
    /* With two threads the cut point is not fixed, but the verdict rules hold. */
    char *dear = make_hash("$y$", 0, "Tq7#vLw9!zKp");
    imgb_wp_account a[] = { { "root", dear } };
    imgb_wp_result r;
    imgb_wp_stats st;
    imgb_wp_options o = opts_jobs(2);
    o.max_hashes = 4;
    ck_assert_int_eq(imgb_wp_crack(&r, &st, a, 1, small_dict, NSMALL, &o), 0);
    ck_assert(st.budget_exhausted);
    ck_assert_uint_eq(st.hashes, 4);
    ck_assert_int_eq(r.status, IMGB_WP_INCOMPLETE);
    ck_assert_uint_le(r.tried, 4);
    free(dear);
}
END_TEST

/* ---- the dictionary -------------------------------------------------------------------------- */

static char *write_tmp(const char *content)
{
    char *path = imgb_xstrdup("/tmp/imgb-wp-dict-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

START_TEST(dict_skips_comments_and_duplicates)
{
    char *p = write_tmp("#!comment: header\r\nfirst\r\n\n#notacomment\nsecond\nfirst\n");
    char **w = NULL;
    size_t n = 0;
    ck_assert_int_eq(imgb_wp_dict_load(&w, &n, p, false), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(w[0], "first");
    ck_assert_str_eq(w[1], "#notacomment");
    ck_assert_str_eq(w[2], "second");

    char *q = write_tmp("second\nthird\n");
    ck_assert_int_eq(imgb_wp_dict_load(&w, &n, q, false), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(w[3], "third");
    ck_assert_int_eq(imgb_wp_dict_load(&w, &n, q, true), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(w[0], "second");

    imgb_wp_dict_free(w, n);
    unlink(p);
    unlink(q);
    free(p);
    free(q);
}
END_TEST

START_TEST(dict_missing_file_is_not_found)
{
    char **w = NULL;
    size_t n = 0;
    ck_assert_int_eq(imgb_wp_dict_load(&w, &n, "/nonexistent/words.txt", false), IMGB_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "/nonexistent/words.txt"));
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(shipped_dictionary_is_popularity_ordered)
{
    char **w = NULL;
    size_t n = 0;
    char *path = imgb_xasprintf("%s/rules/%s", getenv("IMGB_SOURCE_DIR"), IMGB_WP_DICT_RELPATH);
    ck_assert_int_eq(imgb_wp_dict_load(&w, &n, path, false), 0);
    ck_assert_uint_gt(n, 3500);
    ck_assert_str_eq(w[0], "123456");
    bool has_default[4] = { false };
    const char *defaults[] = { "root", "toor", "admin", "P@ssw0rd" };
    for (size_t i = 0; i < 100; i++)
        for (size_t d = 0; d < 4; d++)
            if (strcmp(w[i], defaults[d]) == 0)
                has_default[d] = true;
    for (size_t d = 0; d < 4; d++)
        ck_assert_msg(has_default[d], "%s not in the top 100", defaults[d]);
    imgb_wp_dict_free(w, n);
    free(path);
}
END_TEST


/* ---- the weak_password check kind ------------------------------------------------------------ */

/* An image's merged view holding /etc/passwd and /etc/shadow (NULL: absent). */
/* A view with /etc/passwd, /etc/shadow and the backup /etc/shadow- (NULL: absent). */
static imgb_view *view_with_backup(const char *passwd, const char *shadow, const char *backup)
{
    imgb_view *v = imgb_view_new(NULL);
    imgb_accounts_register_keeps(v);
    imgb_entry dir = { .path = "etc", .type = IMGB_FT_DIR, .mode = 0755 };
    ck_assert_int_ge(imgb_view_apply(v, 0, &dir), 0);
    const char *paths[] = { "etc/passwd", "etc/shadow", "etc/shadow-" };
    const char *content[] = { passwd, shadow, backup };
    for (int i = 0; i < 3; i++) {
        if (!content[i])
            continue;
        imgb_entry e = { .path = paths[i], .type = IMGB_FT_REG, .mode = 0640,
                         .size = strlen(content[i]),
                         .content = (const unsigned char *)content[i],
                         .content_len = strlen(content[i]) };
        ck_assert_int_ge(imgb_view_apply(v, 0, &e), 0);
    }
    return v;
}

static imgb_view *view_with(const char *passwd, const char *shadow)
{
    return view_with_backup(passwd, shadow, NULL);
}

/*
 * A shadow of `n` accounts u0..u(n-1): every account whose index is below `shared` has the
 * hash "$6$s$A" when its index is even and "$6$s$B" when odd; the rest have a hash of their
 * own.  Built in memory: the point is the shape of the evidence, not the tar path.
 */
static imgb_view *view_many(size_t n, size_t shared)
{
    imgb_buf pw = IMGB_BUF_INIT, sp = IMGB_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        imgb_buf_printf(&pw, "u%zu:x:%zu:%zu::/home/u%zu:/bin/sh\n", i, 1000 + i, 1000 + i, i);
        if (i < shared)
            imgb_buf_printf(&sp, "u%zu:$6$s$%c:19700:0:99999:7:::\n", i, i % 2 ? 'B' : 'A');
        else
            imgb_buf_printf(&sp, "u%zu:$6$s$own%zu:19700:0:99999:7:::\n", i, i);
    }
    imgb_view *v = view_with(pw.ptr, sp.ptr);
    imgb_buf_dispose(&pw);
    imgb_buf_dispose(&sp);
    return v;
}

typedef struct kind_fixture {
    imgb_view *view;
    imgb_ruleset rs;
    imgb_wp_dictionary dict;      /* the weak-password kind's data of rs */
    imgb_kind_data kind_data;
    imgb_scan_ctx ctx;
    char *hashes[8];
    char *passwd, *shadow;
} kind_fixture;

/*
 * root: "dragon" (dictionary rank 3, sha512); alice: "ecila" (reversed name, md5);
 * bob: empty field; carol and dave: one shared strong sha256 hash; legacy: strong DES;
 * daemon: strong sha512 with a nologin shell; nobody: locked; odd: unknown format;
 * and a NIS "+" line.
 */
static void fixture_weak(kind_fixture *f)
{
    memset(f, 0, sizeof *f);
    f->hashes[0] = make_hash("$6$", 1000, "dragon");
    f->hashes[1] = make_hash("$1$", 0, "ecila");
    f->hashes[2] = make_hash("$5$", 1000, "Zr8!kq2#Lm");
    f->hashes[3] = make_hash("des", 0, "Qw3$zX9p");
    f->hashes[4] = make_hash("$6$", 1000, "Ht5%pL0@wE");
    f->passwd = imgb_xstrdup(
        "root:x:0:0:root:/root:/bin/bash\n"
        "alice:x:1000:1000::/home/alice:/bin/bash\n"
        "bob:x:1001:1001::/home/bob:/bin/sh\n"
        "carol:x:1002:1002::/home/carol:/bin/sh\n"
        "dave:x:1003:1003::/home/dave:/bin/sh\n"
        "legacy:x:1004:1004::/home/legacy:/bin/sh\n"
        "daemon:x:2:2:daemon:/sbin:/usr/sbin/nologin\n"
        "nobody:x:65534:65534::/:/usr/sbin/nologin\n"
        "odd:x:1005:1005::/home/odd:/bin/sh\n"
        "+::::::\n");
    f->shadow = imgb_xasprintf(
        "root:%s:19700:0:99999:7:::\n"
        "alice:%s:19700:0:99999:7:::\n"
        "bob::19700:0:99999:7:::\n"
        "carol:%s:19700:0:99999:7:::\n"
        "dave:%s:19700:0:99999:7:::\n"
        "legacy:%s:19700:0:99999:7:::\n"
        "daemon:%s:19700:0:99999:7:::\n"
        "nobody:*:19700:0:99999:7:::\n"
        "odd:$9$abc$def:19700:0:99999:7:::\n",
        f->hashes[0], f->hashes[1], f->hashes[2], f->hashes[2], f->hashes[3], f->hashes[4]);
    f->view = view_with(f->passwd, f->shadow);
    f->dict.words = (char **)small_dict;
    f->dict.nwords = NSMALL;
    f->kind_data = (imgb_kind_data){ &imgb_kind_weak_password, &f->dict };
    f->rs.kind_data = &f->kind_data;
    f->rs.nkind_data = 1;
    f->ctx.view = f->view;
    f->ctx.ruleset = &f->rs;
    f->ctx.jobs = 2;
    f->ctx.weak_password_budget = 3600; /* never the limit */
    f->ctx.cache = imgb_ctx_cache_new();
}

static void fixture_dispose(kind_fixture *f)
{
    imgb_ctx_cache_free(f->ctx.cache);
    imgb_view_free(f->view);
    for (size_t i = 0; i < 8; i++)
        free(f->hashes[i]);
    free(f->passwd);
    free(f->shadow);
}

/* Compile `yaml_params` (JSON text), evaluate it in `f`, return the result. */
static imgb_item_result eval_json(kind_fixture *f, const char *params)
{
    const imgb_check_kind *k = imgb_check_kind_find("weak_password");
    ck_assert_ptr_nonnull(k);
    json_t *p = json_loads(params, 0, NULL);
    ck_assert_ptr_nonnull(p);
    void *compiled = NULL;
    ck_assert_msg(k->compile(p, &compiled) == 0, "%s", imgb_error_last());
    imgb_item_result r;
    memset(&r, 0, sizeof r);
    void *state = NULL;
    imgb_scan_setup setup = { .view = f->view };
    k->prepare(compiled, &setup, &state);
    ck_assert_int_eq(k->evaluate(compiled, &f->ctx, state, &r), 0);
    k->free_scan_state(state);
    k->free(compiled);
    json_decref(p);
    return r;
}

static const imgb_evidence *evidence_for(const imgb_item_result *r, const char *account)
{
    for (size_t i = 0; i < r->nevidence; i++)
        if (r->evidence[i].account && strcmp(r->evidence[i].account, account) == 0)
            return &r->evidence[i];
    return NULL;
}

static void result_dispose(imgb_item_result *r)
{
    imgb_item_result_dispose(r);
}

/* No evidence string of `r` contains any of the plaintexts used in fixture_weak. */
static void assert_no_plaintext(const imgb_item_result *r)
{
    static const char *const secrets[] = { "dragon", "ecila", "Zr8!kq2#Lm", "Qw3$zX9p",
                                           "Ht5%pL0@wE" };
    for (size_t i = 0; i < r->nevidence; i++) {
        const imgb_evidence *e = &r->evidence[i];
        const char *fields[] = { e->file, e->value, e->source, e->expected, e->message,
                                 e->account };
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
            for (size_t s = 0; s < sizeof secrets / sizeof secrets[0]; s++)
                ck_assert_msg(!fields[f] || !strstr(fields[f], secrets[s]),
                              "evidence reveals a password: %s", fields[f]);
    }
}

START_TEST(kind_crack_reports_weak_accounts_only_by_rank)
{
    kind_fixture f;
    fixture_weak(&f);
    imgb_item_result r = eval_json(&f, "{\"kind\": \"weak_password\", \"mode\": \"crack\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    const imgb_evidence *e = evidence_for(&r, "root");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->verdict, IMGB_V_FAIL);
    ck_assert_str_eq(e->file, "/etc/shadow");
    ck_assert_int_eq(e->line, 1);
    ck_assert_ptr_nonnull(strstr(e->message, "matches dictionary entry ranked 3"));
    e = evidence_for(&r, "alice");
    ck_assert_int_eq(e->verdict, IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(e->message, "user-name variant (reversed)"));
    for (const char *const *who = (const char *const[]){ "carol", "dave", "legacy", "daemon",
                                                         NULL };
         *who; who++) {
        e = evidence_for(&r, *who);
        ck_assert_msg(e && e->verdict == IMGB_V_PASS, "%s", *who);
        ck_assert_ptr_nonnull(strstr(e->message, "candidates tried"));
    }
    e = evidence_for(&r, "odd");
    ck_assert_int_eq(e->verdict, IMGB_V_ERROR);
    ck_assert_ptr_nonnull(strstr(e->message, "unknown hash format"));
    /* locked and empty fields are other items' business */
    ck_assert_ptr_null(evidence_for(&r, "nobody"));
    ck_assert_ptr_null(evidence_for(&r, "bob"));
    assert_no_plaintext(&r);
    result_dispose(&r);
    fixture_dispose(&f);
}
END_TEST

START_TEST(kind_crack_user_name_match_fails_only_user_names)
{
    kind_fixture f;
    fixture_weak(&f);
    imgb_item_result r = eval_json(&f, "{\"mode\": \"crack\", \"match\": \"user_name\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_int_eq(evidence_for(&r, "alice")->verdict, IMGB_V_FAIL);
    const imgb_evidence *e = evidence_for(&r, "root");
    ck_assert_int_eq(e->verdict, IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(e->message, "not the user name"));
    ck_assert_ptr_nonnull(strstr(e->message, "ranked 3"));
    assert_no_plaintext(&r);
    result_dispose(&r);
    fixture_dispose(&f);
}
END_TEST

static void *must_not_build(const imgb_scan_ctx *ctx, void *payload)
{
    (void)ctx;
    (void)payload;
    ck_abort_msg("the crack result was not memoised");
    return NULL;
}

START_TEST(kind_crack_runs_once_per_scan)
{
    kind_fixture f;
    fixture_weak(&f);
    imgb_item_result r1 = eval_json(&f, "{\"mode\": \"crack\"}");
    /* a second item with the same depth reads the memoised result */
    ck_assert_ptr_nonnull(imgb_ctx_cache_get(&f.ctx, "weak_password.crack.0", must_not_build,
                                             NULL, NULL));
    imgb_item_result r2 = eval_json(&f, "{\"mode\": \"crack\"}");
    ck_assert_int_eq(r1.verdict, r2.verdict);
    ck_assert_uint_eq(r1.nevidence, r2.nevidence);
    result_dispose(&r1);
    result_dispose(&r2);
    fixture_dispose(&f);
}
END_TEST

START_TEST(kind_crack_depth_limits_dictionary)
{
    kind_fixture f;
    fixture_weak(&f);
    imgb_item_result r = eval_json(&f, "{\"mode\": \"crack\", \"depth\": 2}");
    const imgb_evidence *e = evidence_for(&r, "root");
    ck_assert_int_eq(e->verdict, IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(e->expected, "among the 2 most common"));
    /* alice is still weak: user-name variants do not depend on the depth */
    ck_assert_int_eq(evidence_for(&r, "alice")->verdict, IMGB_V_FAIL);
    result_dispose(&r);
    fixture_dispose(&f);
}
END_TEST

/* Evidence of `account` read from `file`, or NULL. */
static const imgb_evidence *evidence_in(const imgb_item_result *r, const char *account,
                                        const char *file)
{
    for (size_t i = 0; i < r->nevidence; i++)
        if (r->evidence[i].account && strcmp(r->evidence[i].account, account) == 0 &&
            r->evidence[i].file && strcmp(r->evidence[i].file, file) == 0)
            return &r->evidence[i];
    return NULL;
}

START_TEST(kind_crack_covers_the_backup_shadow)
{
    kind_fixture f;
    fixture_weak(&f);
    imgb_view_free(f.view);
    /* root changed its password after the backup was written: the old "dragon" hash ships
     * in /etc/shadow-.  alice's line is unchanged (cracked once, from /etc/shadow); gone was
     * removed from passwd and shadow but not from the backup; nobody is locked there. */
    f.hashes[5] = make_hash("$6$", 1000, "Ht5%pL0@wE-new");
    f.hashes[6] = make_hash("des", 0, "letmein");
    char *shadow = imgb_xasprintf("root:%s:19800:0:99999:7:::\nalice:%s:19700:0:99999:7:::\n",
                                  f.hashes[5], f.hashes[1]);
    char *backup = imgb_xasprintf("root:%s:19700:0:99999:7:::\nalice:%s:19700:0:99999:7:::\n"
                                  "nobody:*:19700:0:99999:7:::\ngone:%s:19000:0:99999:7:::\n",
                                  f.hashes[0], f.hashes[1], f.hashes[6]);
    f.view = view_with_backup(f.passwd, shadow, backup);
    f.ctx.view = f.view;
    imgb_item_result r = eval_json(&f, "{\"mode\": \"crack\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 4);
    const imgb_evidence *e = evidence_in(&r, "root", "/etc/shadow");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->verdict, IMGB_V_PASS);
    e = evidence_in(&r, "root", "/etc/shadow-");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->verdict, IMGB_V_FAIL);
    ck_assert_int_eq(e->line, 1);
    ck_assert_ptr_nonnull(strstr(e->message, "ranked 3"));
    ck_assert_ptr_null(evidence_in(&r, "alice", "/etc/shadow-"));
    ck_assert_int_eq(evidence_in(&r, "alice", "/etc/shadow")->verdict, IMGB_V_FAIL);
    e = evidence_in(&r, "gone", "/etc/shadow-");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->verdict, IMGB_V_FAIL);
    ck_assert_int_eq(e->line, 4);
    ck_assert_ptr_null(evidence_in(&r, "nobody", "/etc/shadow-"));
    result_dispose(&r);
    free(shadow);
    free(backup);
    fixture_dispose(&f);
}
END_TEST

START_TEST(kind_depth_cuts_the_ranked_list_not_added_words)
{
    kind_fixture f;
    fixture_weak(&f);
    /* small_dict's first 6 words are the ranked list; "abc123" and "iloveyou" were added
     * (--dict): a depth of 2 drops "dragon" (rank 3) but still tries the added words. */
    f.dict.nranked = 6;
    imgb_view_free(f.view);
    f.hashes[5] = make_hash("$1$", 0, "iloveyou");
    char *shadow = imgb_xasprintf("root:%s:19700:0:99999:7:::\nalice:%s:19700:0:99999:7:::\n",
                                  f.hashes[0], f.hashes[5]);
    f.view = view_with(f.passwd, shadow);
    f.ctx.view = f.view;
    imgb_item_result r = eval_json(&f, "{\"mode\": \"crack\", \"depth\": 2}");
    ck_assert_int_eq(evidence_for(&r, "root")->verdict, IMGB_V_PASS);
    const imgb_evidence *e = evidence_for(&r, "alice");
    ck_assert_int_eq(e->verdict, IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(e->message, "ranked 8 ")); /* its place in the whole list */
    result_dispose(&r);
    free(shadow);
    fixture_dispose(&f);
}
END_TEST

/* 20,000 accounts, 12,000 of them in two groups: two evidence entries with exact counts. */
START_TEST(kind_duplicate_hash_groups_are_bounded)
{
    kind_fixture f;
    memset(&f, 0, sizeof f);
    f.view = view_many(20000, 12000);
    f.ctx.view = f.view;
    f.ctx.ruleset = &f.rs;
    f.ctx.jobs = 1;
    f.ctx.cache = imgb_ctx_cache_new();
    imgb_item_result r = eval_json(&f, "{\"mode\": \"duplicate_hash\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 2);
    ck_assert_str_eq(r.evidence[0].account, "u0");
    ck_assert_str_eq(r.evidence[0].value, "6000");
    ck_assert_str_eq(r.evidence[1].account, "u1");
    ck_assert_ptr_nonnull(strstr(r.evidence[0].message, "6000 accounts share one password hash: "
                                                        "u0, u2, u4,"));
    ck_assert_ptr_nonnull(strstr(r.evidence[0].message, ", u38 and 5980 more"));
    ck_assert_uint_lt(strlen(r.evidence[0].message), 400);
    result_dispose(&r);
    fixture_dispose(&f);
}
END_TEST

START_TEST(kind_empty_duplicate_algorithm_nologin_nis)
{
    kind_fixture f;
    fixture_weak(&f);

    imgb_item_result r = eval_json(&f, "{\"mode\": \"empty\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 1);
    ck_assert_str_eq(r.evidence[0].account, "bob");
    ck_assert_int_eq(r.evidence[0].line, 3);
    result_dispose(&r);

    /* one evidence per group, on its first account, naming the others and the count */
    r = eval_json(&f, "{\"mode\": \"duplicate_hash\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 1);
    ck_assert_str_eq(evidence_for(&r, "carol")->message,
                     "2 accounts share one password hash: carol, dave");
    ck_assert_str_eq(evidence_for(&r, "carol")->value, "2");
    ck_assert_ptr_null(evidence_for(&r, "dave"));
    result_dispose(&r);

    r = eval_json(&f, "{\"mode\": \"weak_algorithm\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_str_eq(evidence_for(&r, "alice")->value, "md5");
    ck_assert_str_eq(evidence_for(&r, "legacy")->value, "des");
    ck_assert_int_eq(evidence_for(&r, "odd")->verdict, IMGB_V_ERROR);
    ck_assert_ptr_null(evidence_for(&r, "root"));
    result_dispose(&r);

    r = eval_json(&f, "{\"mode\": \"nologin_with_hash\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 1);
    ck_assert_str_eq(r.evidence[0].account, "daemon");
    result_dispose(&r);

    r = eval_json(&f, "{\"mode\": \"nis_plus\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 1);
    ck_assert_str_eq(r.evidence[0].file, "/etc/passwd");
    ck_assert_int_eq(r.evidence[0].line, 10);
    result_dispose(&r);
    fixture_dispose(&f);
}
END_TEST

START_TEST(kind_clean_image_passes_every_mode)
{
    kind_fixture f;
    fixture_weak(&f);
    imgb_view_free(f.view);
    char *shadow = imgb_xasprintf("root:%s:19700:0:99999:7:::\nnobody:!:19700::::::\n",
                                  f.hashes[4]);
    f.view = view_with("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/bin/false\n",
                       shadow);
    f.ctx.view = f.view;
    const char *modes[] = { "crack", "empty", "duplicate_hash", "weak_algorithm",
                            "nologin_with_hash", "nis_plus" };
    for (size_t i = 0; i < 6; i++) {
        char *p = imgb_xasprintf("{\"mode\": \"%s\"}", modes[i]);
        imgb_item_result r = eval_json(&f, p);
        ck_assert_msg(r.verdict == IMGB_V_PASS, "%s: verdict %d", modes[i], r.verdict);
        result_dispose(&r);
        free(p);
    }
    free(shadow);
    fixture_dispose(&f);
}
END_TEST

START_TEST(kind_without_account_files_is_not_applicable)
{
    kind_fixture f;
    fixture_weak(&f);
    imgb_view_free(f.view);
    f.view = view_with(NULL, NULL);
    f.ctx.view = f.view;
    imgb_item_result r = eval_json(&f, "{\"mode\": \"crack\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_NOT_APPLICABLE);
    result_dispose(&r);
    fixture_dispose(&f);
}
END_TEST

START_TEST(kind_budget_cut_is_incomplete)
{
    kind_fixture f;
    fixture_weak(&f);
    imgb_view_free(f.view);
    free(f.hashes[5]);
    f.hashes[5] = make_hash("$y$", 0, "Tq7#vLw9!zKp");
    char *shadow = imgb_xasprintf("root:%s:19700:0:99999:7:::\n", f.hashes[5]);
    f.view = view_with("root:x:0:0:root:/root:/bin/bash\n", shadow);
    f.ctx.view = f.view;
    char *path = imgb_xasprintf("%s/rules/%s", getenv("IMGB_SOURCE_DIR"), IMGB_WP_DICT_RELPATH);
    imgb_ruleset rs = { 0 };
    ck_assert_int_eq(imgb_wp_dict_add(&rs, path, false), 0);
    f.ctx.ruleset = &rs;
    f.ctx.weak_password_budget = 1e-6; /* no machine meets it */
    imgb_item_result r = eval_json(&f, "{\"mode\": \"crack\"}");
    ck_assert_int_eq(r.verdict, IMGB_V_INCOMPLETE);
    ck_assert_int_eq(r.evidence[0].verdict, IMGB_V_INCOMPLETE);
    ck_assert_ptr_nonnull(strstr(r.evidence[0].message, "incomplete"));
    ck_assert_ptr_nonnull(strstr(r.evidence[0].source, "passwords.txt"));
    result_dispose(&r);
    imgb_wp_dict_data_free(rs.kind_data[0].data);
    free(rs.kind_data);
    free(shadow);
    free(path);
    fixture_dispose(&f);
}
END_TEST

static const struct {
    const char *params;
    const char *message;
} bad_params[] = {
    { "{\"mode\": \"guess\"}", "mode must be one of" },
    { "{}", "missing parameter 'mode'" },
    { "{\"mode\": \"crack\", \"depth\": -1}", "depth must be an integer" },
    { "{\"mode\": \"crack\", \"depth\": \"ten\"}", "depth must be an integer" },
    { "{\"mode\": \"empty\", \"depth\": 10}", "depth and match apply to mode crack only" },
    { "{\"mode\": \"empty\", \"match\": \"user_name\"}", "apply to mode crack only" },
    { "{\"mode\": \"crack\", \"match\": \"everything\"}", "match must be any or user_name" },
    { "{\"mode\": \"crack\", \"words\": 10}", "unknown parameter 'words'" },
};

START_TEST(kind_rejects_bad_params)
{
    const imgb_check_kind *k = imgb_check_kind_find("weak_password");
    json_t *p = json_loads(bad_params[_i].params, 0, NULL);
    void *compiled = NULL;
    ck_assert_int_eq(imgb_check_kind_compile(k, p, &compiled), IMGB_EFORMAT);
    ck_assert_msg(strstr(imgb_error_last(), bad_params[_i].message), "%s", imgb_error_last());
    json_decref(p);
}
END_TEST

/* ---- the shipped baseline ------------------------------------------------------------------- */

static void print_diag(const imgb_diag *d, void *payload)
{
    char *m = imgb_diag_format(d);
    fprintf(stderr, "%s\n", m);
    (*(int *)payload)++;
    free(m);
}

START_TEST(baseline_yaml_loads_with_alibaba_keys)
{
    char *path = imgb_xasprintf("%s/rules/common/weak_password.yaml", getenv("IMGB_SOURCE_DIR"));
    const char *paths[] = { path };
    imgb_ruleset *rs = NULL;
    int ndiag = 0;
    ck_assert_int_eq(imgb_ruleset_load(&rs, paths, 1, print_diag, &ndiag), 0);
    ck_assert_int_eq(ndiag, 0);
    const imgb_baseline *b = imgb_ruleset_find_baseline(rs, "identification");
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(b->class_key, "identification");
    ck_assert_str_eq(b->alias.zh, "身份鉴别");
    ck_assert_str_eq(b->alias.en, "Identity authentication");
    const char *keys[] = { "non_pwd_user", "weak_pwd", "user_name_pwd", "duplicate_pwd_hash",
                           "weak_pwd_hash_algorithm", "nologin_user_with_pwd", "nis_plus_entry" };
    ck_assert_uint_eq(b->nitems, sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < b->nitems; i++) {
        ck_assert_str_eq(b->items[i]->key, keys[i]);
        ck_assert_int_eq(b->items[i]->bucket, IMGB_BUCKET_IMAGE_WEAK_PWD);
        ck_assert_str_eq(b->items[i]->kind->name, "weak_password");
    }
    ck_assert_int_eq(b->items[0]->severity, IMGB_SEV_HIGH);
    ck_assert_int_eq(b->items[1]->severity, IMGB_SEV_HIGH);
    imgb_ruleset_free(rs);
    free(path);
}
END_TEST


/* ---- end to end: the CLI never reveals a password -------------------------------------------- */

/* Plaintexts of the weak image: distinctive enough never to occur in report text. */
static const char *const e2e_secrets[] = { "dragon", "nivram", "Ops123", "tigger", "sunshine",
                                           "monkey", "Tq7#vLw9!zKp", "zebra-unicorn-42" };

typedef struct e2e_image {
    char *dir, *image, *dict;
    char *hashes[8];
} e2e_image;

static void e2e_build(e2e_image *im)
{
    im->dir = imgbuild_tmpdir("weak_password");
    im->hashes[0] = make_hash("$6$", 1000, "dragon");
    im->hashes[1] = make_hash("$1$", 0, "nivram");
    im->hashes[2] = make_hash("$y$", 1, "Ops123");
    im->hashes[3] = make_hash("$2b$", 4, "tigger");
    im->hashes[4] = make_hash("$5$", 1000, "sunshine");
    im->hashes[5] = make_hash("des", 0, "monkey");
    im->hashes[6] = make_hash("$1$", 0, "Tq7#vLw9!zKp");
    im->hashes[7] = make_hash("$1$", 0, "zebra-unicorn-42");
    char *shadow = imgb_xasprintf(
        "root:%s:19700:0:99999:7:::\nmarvin:%s:19700:0:99999:7:::\nops:%s:19700:0:99999:7:::\n"
        "db:%s:19700:0:99999:7:::\nbob::19700:0:99999:7:::\nweb:%s:19700:0:99999:7:::\n"
        "app:%s:19700:0:99999:7:::\nlegacy:%s:19700:0:99999:7:::\nstrong:%s:19700:0:99999:7:::\n"
        "svc:%s:19700:0:99999:7:::\n",
        im->hashes[0], im->hashes[1], im->hashes[2], im->hashes[3], im->hashes[4], im->hashes[4],
        im->hashes[5], im->hashes[6], im->hashes[7]);
    const char *passwd =
        "root:x:0:0:root:/root:/bin/bash\nmarvin:x:1000:1000::/home/marvin:/bin/bash\n"
        "ops:x:1001:1001::/home/ops:/bin/bash\ndb:x:1002:1002::/home/db:/bin/sh\n"
        "bob:x:1003:1003::/home/bob:/bin/sh\nweb:x:1004:1004::/home/web:/bin/sh\n"
        "app:x:1005:1005::/home/app:/bin/sh\nlegacy:x:1006:1006::/home/legacy:/bin/sh\n"
        "strong:x:1007:1007::/home/strong:/bin/sh\nsvc:x:1008:1008::/home/svc:/bin/sh\n";
    imgbuild_file files[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/os-release", .content = "ID=debian\nVERSION_ID=\"10\"\n" },
        { .path = "etc/passwd", .content = passwd },
        { .path = "etc/shadow", .content = shadow, .mode = 0640 },
        /* a package database: without one the image is not identified in full (exit 2) */
        { .path = "var/", .type = IMGBUILD_DIR },
        { .path = "var/lib/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/status",
          .content = "Package: base-files\nStatus: install ok installed\nVersion: 10.3+deb10u13\n\n" },
    };
    imgbuild_layer layer;
    imgbuild_layer_write(&layer, im->dir, files, sizeof files / sizeof files[0], IMGBUILD_GZIP);
    imgbuild_image img = { .layers = &layer, .nlayers = 1, .ref = "weak:1" };
    im->image = imgbuild_path(im->dir, "weak.tar");
    imgbuild_image_write(im->image, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
    imgbuild_layer_dispose(&layer);
    free(shadow);

    im->dict = imgbuild_path(im->dir, "extra.txt");
    FILE *f = fopen(im->dict, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#!comment: test words\nzebra-unicorn-42\n", f);
    fclose(f);
}

static void e2e_dispose(e2e_image *im)
{
    imgbuild_rmtree(im->dir);
    free(im->dir);
    free(im->image);
    free(im->dict);
    for (size_t i = 0; i < 8; i++)
        free(im->hashes[i]);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    imgb_buf b = IMGB_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        imgb_buf_put(&b, chunk, n);
    fclose(f);
    if (!b.ptr)
        imgb_buf_puts(&b, "");
    return imgb_buf_detach(&b);
}

/* Run the CLI; stdout and stderr go to one file whose content is returned. */
static char *run_cli(const e2e_image *im, const char *args, int *status)
{
    const char *cli = getenv("IMGB_CLI");
    ck_assert_ptr_nonnull(cli);
    char *out = imgbuild_path(im->dir, "out.txt");
    /* --lang en: the assertions read the engine's English messages */
    *status = imgbuild_sh("'%s' scan '%s' -q -j 2 --lang en --weak-password-budget 3600 %s "
                          ">'%s' 2>&1", cli, im->image, args, out);
    char *text = slurp(out);
    free(out);
    return text;
}

/* The format names `scan --help` lists (one a line under "formats:"). */
static size_t cli_formats(const e2e_image *im, char names[][64], size_t max)
{
    char *out = imgbuild_path(im->dir, "help.txt");
    ck_assert_int_eq(imgbuild_sh("'%s' scan --help >'%s'", getenv("IMGB_CLI"), out), 0);
    char *help = slurp(out);
    size_t n = 0;
    char *p = strstr(help, "\nformats:\n");
    ck_assert_ptr_nonnull(p);
    p += strlen("\nformats:\n");
    while (n < max && p[0] == ' ' && p[1] == ' ') {
        if (sscanf(p, " %63s", names[n]) == 1)
            n++;
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    free(help);
    free(out);
    return n;
}

START_TEST(cli_never_reveals_a_password_in_any_format)
{
    e2e_image im;
    e2e_build(&im);
    char formats_found[16][64];
    size_t nf = cli_formats(&im, formats_found, 16);
    ck_assert_uint_ge(nf, 1);
    bool saw_json = false;
    for (size_t f = 0; f < nf; f++) {
        char *args = imgb_xasprintf("--format %s --dict '%s'", formats_found[f], im.dict);
        int status;
        char *text = run_cli(&im, args, &status);
        /* API formats may need request parameters: give each one it names its first value */
        for (int retry = 0; retry < 8 && status == 2; retry++) {
            const char *m = strstr(text, "missing required parameter ");
            char name[64], value[64] = "1";
            if (!m || sscanf(m, "missing required parameter %63[a-z_]", name) != 1)
                break;
            const char *paren = strchr(m, '(');
            const char *eol = strchr(m, '\n');
            if (paren && (!eol || paren < eol))
                sscanf(paren + 1, "%63[^,) ]", value);
            for (char *c = name; *c; c++)
                if (*c == '_')
                    *c = '-';
            char *more = imgb_xasprintf("%s --%s %s", args, name, value);
            free(args);
            free(text);
            args = more;
            text = run_cli(&im, args, &status);
        }
        ck_assert_msg(status == 0 || status == 1, "%s: exit %d: %s", formats_found[f], status,
                      text);
        for (size_t s = 0; s < sizeof e2e_secrets / sizeof e2e_secrets[0]; s++)
            ck_assert_msg(!strstr(text, e2e_secrets[s]), "format %s reveals a password",
                          formats_found[f]);
        if (strcmp(formats_found[f], "json") == 0) {
            saw_json = true;
            /* the scan really cracked: otherwise the search above proves nothing */
            ck_assert_ptr_nonnull(strstr(text, "matches dictionary entry ranked"));
            ck_assert_ptr_nonnull(strstr(text, "user-name variant (reversed)"));
            ck_assert_ptr_nonnull(strstr(text, "user-name variant (capitalised with 123)"));
            ck_assert_ptr_nonnull(strstr(text, "identification"));
        }
        free(text);
        free(args);
    }
    ck_assert(saw_json);
    e2e_dispose(&im);
}
END_TEST

/* Count evidence messages in native JSON for `account` that contain `needle`. */
static bool json_account_says(const char *text, const char *account, const char *needle)
{
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);
    ck_assert_msg(root != NULL, "json: %s", err.text);
    bool found = false;
    /* walk every object: an evidence object has "account" and "message" */
    json_t *stack[4096];
    size_t sp = 0;
    stack[sp++] = root;
    while (sp && !found) {
        json_t *v = stack[--sp];
        if (json_is_object(v)) {
            const char *acc = json_string_value(json_object_get(v, "account"));
            const char *msg = json_string_value(json_object_get(v, "message"));
            if (acc && msg && strcmp(acc, account) == 0 && strstr(msg, needle))
                found = true;
            const char *k;
            json_t *c;
            json_object_foreach(v, k, c)
                if ((json_is_object(c) || json_is_array(c)) && sp < 4096)
                    stack[sp++] = c;
        } else if (json_is_array(v)) {
            size_t i;
            json_t *c;
            json_array_foreach(v, i, c)
                if ((json_is_object(c) || json_is_array(c)) && sp < 4096)
                    stack[sp++] = c;
        }
    }
    json_decref(root);
    return found;
}

START_TEST(cli_dict_adds_and_dict_replace_replaces)
{
    e2e_image im;
    e2e_build(&im);
    int status;
    char *args = imgb_xasprintf("--format json --dict '%s'", im.dict);
    char *text = run_cli(&im, args, &status);
    ck_assert_msg(status == 0 || status == 1, "exit %d: %s", status, text);
    ck_assert(json_account_says(text, "svc", "matches dictionary entry ranked"));
    ck_assert(json_account_says(text, "root", "matches dictionary entry ranked"));
    free(text);
    free(args);

    /* replaced: only the test word is left, so root's "dragon" is no longer found */
    args = imgb_xasprintf("--format json --dict-replace '%s'", im.dict);
    text = run_cli(&im, args, &status);
    ck_assert_msg(status == 0 || status == 1, "exit %d: %s", status, text);
    ck_assert(json_account_says(text, "svc", "matches dictionary entry ranked 1 "));
    ck_assert(json_account_says(text, "root", "not weak"));
    free(text);
    free(args);

    text = run_cli(&im, "--format json --dict /nonexistent/words.txt", &status);
    ck_assert_int_eq(status, 2);
    ck_assert_ptr_nonnull(strstr(text, "/nonexistent/words.txt"));
    free(text);
    e2e_dispose(&im);
}
END_TEST

static Suite *weak_password_suite(void)
{
    Suite *s = suite_create("weak_password");

    TCase *tc = tcase_create("formats");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, every_format_dictionary_rank, 0, NFORMATS);
    tcase_add_loop_test(tc, every_format_strong_is_not_found, 0, NFORMATS);
    suite_add_tcase(s, tc);

    tc = tcase_create("candidates");
    tcase_set_timeout(tc, 60); /* the machine may be shared: generous, never tight */
    tcase_add_test(tc, empty_string_hash_is_found_first);
    tcase_add_test(tc, empty_field_is_its_own_status);
    tcase_add_test(tc, user_name_is_found);
    tcase_add_loop_test(tc, user_name_variants_are_found_and_named, 0,
                        sizeof variants / sizeof variants[0]);
    tcase_add_test(tc, user_name_comes_before_dictionary);
    tcase_add_test(tc, depth_limits_the_dictionary);
    suite_add_tcase(s, tc);

    tc = tcase_create("not_cracked");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, locked_hashes_are_not_cracked);
    tcase_add_test(tc, unknown_formats_are_reported);
    suite_add_tcase(s, tc);

    tc = tcase_create("scheduling");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, shared_hash_is_found_for_both_accounts);
    tcase_add_test(tc, one_and_two_threads_agree);
    tcase_add_test(tc, budget_cut_is_incomplete_never_pass);
    tcase_add_test(tc, cheap_and_likely_first_across_accounts);
    tcase_add_test(tc, hash_budget_with_two_threads_is_incomplete_never_pass);
    suite_add_tcase(s, tc);

    tc = tcase_create("dictionary");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dict_skips_comments_and_duplicates);
    tcase_add_test(tc, dict_missing_file_is_not_found);
    tcase_add_test(tc, shipped_dictionary_is_popularity_ordered);
    suite_add_tcase(s, tc);

    tc = tcase_create("kind");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, kind_crack_reports_weak_accounts_only_by_rank);
    tcase_add_test(tc, kind_crack_user_name_match_fails_only_user_names);
    tcase_add_test(tc, kind_crack_runs_once_per_scan);
    tcase_add_test(tc, kind_crack_depth_limits_dictionary);
    tcase_add_test(tc, kind_crack_covers_the_backup_shadow);
    tcase_add_test(tc, kind_depth_cuts_the_ranked_list_not_added_words);
    tcase_add_test(tc, kind_empty_duplicate_algorithm_nologin_nis);
    tcase_add_test(tc, kind_clean_image_passes_every_mode);
    tcase_add_test(tc, kind_without_account_files_is_not_applicable);
    tcase_add_test(tc, kind_budget_cut_is_incomplete);
    tcase_add_test(tc, kind_duplicate_hash_groups_are_bounded);
    tcase_add_test(tc, baseline_yaml_loads_with_alibaba_keys);
    tcase_add_loop_test(tc, kind_rejects_bad_params, 0, sizeof bad_params / sizeof bad_params[0]);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, cli_never_reveals_a_password_in_any_format);
    tcase_add_test(tc, cli_dict_adds_and_dict_replace_replaces);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(weak_password_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
