/*
 * Benchmark driver for the weak-password engine (engine/checks/weak_password.h).
 *
 *   wp_bench rates [SECONDS]          per hash format: raw crypt_rn calls in a loop on 1 and
 *                                     2 threads (the ceiling) next to the engine's
 *                                     candidates/s with jobs 1 and 2 on a strong password
 *                                     (best of 3 interleaved samples of SECONDS each)
 *   wp_bench mkshadow OUT [STRONG]    write the comparison shadow: seven accounts in $6$,
 *                                     $y$, $1$, $5$ and DES, six weak (words of John's
 *                                     password.lst) and one strong, in format STRONG
 *                                     ("$1$" default); fresh salts every time
 *   wp_bench crack SHADOW DICT JOBS [BUDGET [DEPTH]]
 *                                     crack a shadow file like a scan does (DEPTH: the rule's
 *                                     `depth`, 0 the whole list); prints the wall time and,
 *                                     per account, how it matched (never what)
 *
 * run.sh drives all three and John the Ripper.
 */
#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/weak_password.h"
#include "util/error.h"
#include "util/mem.h"

#define BENCH_MAX_ACCOUNTS 1024
#define BENCH_LINE_MAX 4096

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *hash_with(const char *prefix, const char *pw)
{
    struct crypt_data *cd = imgb_xcalloc(1, sizeof *cd);
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    char *out = NULL;

    if (strcmp(prefix, "des") == 0) {
        /* Two salt characters from the gensalt of a format that has them. */
        char tmp[CRYPT_GENSALT_OUTPUT_SIZE];
        if (crypt_gensalt_rn("$1$", 0, NULL, 0, tmp, sizeof tmp)) {
            setting[0] = tmp[3];
            setting[1] = tmp[4];
            setting[2] = '\0';
        }
    } else if (!crypt_gensalt_rn(prefix, 0, NULL, 0, setting, sizeof setting)) {
        setting[0] = '\0';
    }
    const char *h = setting[0] ? crypt_rn(pw, setting, cd, (int)sizeof *cd) : NULL;
    if (h && h[0] != '*')
        out = imgb_xstrdup(h);
    free(cd);
    return out;
}

/* ---- rates ------------------------------------------------------------------------------------ */

typedef struct raw_arg {
    const char *hash;
    double seconds;
    unsigned long n;
} raw_arg;

static void *raw_loop(void *p)
{
    raw_arg *a = p;
    struct crypt_data *cd = imgb_xcalloc(1, sizeof *cd);
    char word[32];
    double t0 = now_s();
    a->n = 0;
    do {
        snprintf(word, sizeof word, "cand%lu", a->n);
        crypt_rn(word, a->hash, cd, (int)sizeof *cd);
        a->n++;
    } while (now_s() - t0 < a->seconds);
    a->seconds = now_s() - t0;
    free(cd);
    return NULL;
}

/* Raw crypt_rn calls per second over `threads` threads, each with its own crypt_data. */
static double raw_rate(const char *hash, double seconds, int threads)
{
    pthread_t t[2];
    raw_arg a[2];
    double total = 0;
    for (int i = 0; i < threads; i++) {
        a[i].hash = hash;
        a[i].seconds = seconds;
        pthread_create(&t[i], NULL, raw_loop, &a[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += (double)a[i].n / a[i].seconds;
    }
    return total;
}

/* The engine's candidates/s on one strong account, dictionary sized to ~`seconds`. */
static double engine_rate(const char *hash, double rate_hint, double seconds, int jobs)
{
    size_t nwords = (size_t)(rate_hint * jobs * seconds);
    if (nwords < 16)
        nwords = 16;
    char **words = imgb_xcalloc(nwords, sizeof *words);
    for (size_t i = 0; i < nwords; i++)
        words[i] = imgb_xasprintf("word%zu", i);
    imgb_wp_account acct = { "benchuser", hash };
    imgb_wp_result r;
    imgb_wp_stats st;
    imgb_wp_options o = { .jobs = jobs, .budget = 600 };
    imgb_wp_crack(&r, &st, &acct, 1, (const char *const *)words, nwords, &o);
    imgb_wp_dict_free(words, nwords);
    return (double)st.hashes / st.seconds;
}

/* Best of BENCH_ROUNDS interleaved samples: on a shared machine the least disturbed sample
 * is the closest to what the code can do, and interleaving exposes raw and engine alike. */
#define BENCH_ROUNDS 3

static double max_d(double a, double b)
{
    return a > b ? a : b;
}

static int cmd_rates(double seconds)
{
    static const struct {
        const char *prefix, *name;
    } fmts[] = {
        { "des", "descrypt" },       { "$1$", "md5crypt" },   { "$5$", "sha256crypt" },
        { "$6$", "sha512crypt" },    { "$2b$", "bcrypt" },    { "$y$", "yescrypt" },
        { "$gy$", "gost-yescrypt" }, { "$sha1$", "sha1crypt" }, { "$md5", "sunmd5" },
    };
    printf("| format | setting (libxcrypt default cost) | raw crypt_rn, 1 thread /s |"
           " engine -j1 /s | -j1 / raw | raw crypt_rn, 2 threads /s | engine -j2 /s |"
           " -j2 / raw 2 threads | -j2 / (2 x raw 1 thread) |\n");
    printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        char *h = hash_with(fmts[i].prefix, "Tq7#vLw9!zKp-not-in-any-list");
        if (!h) {
            printf("| %s | unsupported by this libxcrypt | | | | | | | |\n", fmts[i].name);
            continue;
        }
        double raw1 = 0, raw2 = 0, e1 = 0, e2 = 0;
        for (int r = 0; r < BENCH_ROUNDS; r++) {
            double hint = raw1 > 0 ? raw1 : raw_rate(h, seconds / 4, 1);
            raw1 = max_d(raw1, raw_rate(h, seconds, 1));
            e1 = max_d(e1, engine_rate(h, hint, seconds, 1));
            raw2 = max_d(raw2, raw_rate(h, seconds, 2));
            e2 = max_d(e2, engine_rate(h, hint, seconds, 2));
        }
        char setting[40];
        size_t slen = strlen(h) < 24 ? strlen(h) : 24;
        memcpy(setting, h, slen);
        setting[slen] = '\0';
        printf("| %s | `%s…` | %.1f | %.1f | %.0f%% | %.1f | %.1f | %.0f%% | %.0f%% |\n",
               fmts[i].name, setting, raw1, e1, 100 * e1 / raw1, raw2, e2, 100 * e2 / raw2,
               100 * e2 / (2 * raw1));
        fflush(stdout);
        free(h);
    }
    return 0;
}

/* ---- the comparison shadow -------------------------------------------------------------------- */

static int cmd_mkshadow(const char *out, const char *strong_fmt)
{
    /* Six weak passwords as images ship them, all in John's password.lst so that john can
     * find them too (its ranks are printed by run.sh): the most common one, a user-name
     * password (admin:admin, rank 2823 for john), set-up words (changeme, secret) and
     * service names (welcome, tomcat) at ranks from 16 to 700. */
    static const struct {
        const char *name, *fmt, *pw;
    } accts[] = {
        { "root", "$y$", "password" }, { "admin", "$6$", "admin" },
        { "www", "$6$", "welcome" },   { "backup", "$5$", "changeme" },
        { "ftp", "$1$", "tomcat" },    { "legacy", "des", "secret" },
        { "ops", NULL, "Tq7#vLw9!zKp" },
    };
    FILE *f = fopen(out, "w");
    if (!f) {
        perror(out);
        return 2;
    }
    for (size_t i = 0; i < sizeof accts / sizeof accts[0]; i++) {
        const char *fmt = accts[i].fmt ? accts[i].fmt : strong_fmt;
        char *h = hash_with(fmt, accts[i].pw);
        if (!h) {
            fprintf(stderr, "wp_bench: cannot hash with %s\n", fmt);
            fclose(f);
            return 2;
        }
        fprintf(f, "%s:%s:19700:0:99999:7:::\n", accts[i].name, h);
        free(h);
    }
    fclose(f);
    return 0;
}

/* ---- crack a shadow file ---------------------------------------------------------------------- */

static int cmd_crack(const char *shadow, const char *dict, int jobs, double budget, size_t depth)
{
    char **words = NULL;
    size_t nwords = 0;
    if (imgb_wp_dict_load(&words, &nwords, dict, false) < 0) {
        fprintf(stderr, "wp_bench: %s\n", imgb_error_last());
        return 2;
    }
    FILE *f = fopen(shadow, "r");
    if (!f) {
        perror(shadow);
        return 2;
    }
    imgb_wp_account acct[BENCH_MAX_ACCOUNTS];
    char *lines[BENCH_MAX_ACCOUNTS];
    size_t n = 0;
    char buf[BENCH_LINE_MAX];
    /* name:hash:... — the bench's own fixture, so a split on ':' is all it needs. */
    while (n < BENCH_MAX_ACCOUNTS && fgets(buf, sizeof buf, f)) {
        char *colon = strchr(buf, ':');
        if (!colon)
            continue;
        lines[n] = imgb_xstrdup(buf);
        char *name = lines[n];
        char *hash = name + (colon - buf) + 1;
        name[colon - buf] = '\0';
        char *end = strchr(hash, ':');
        if (end)
            *end = '\0';
        acct[n].name = name;
        acct[n].hash = hash;
        n++;
    }
    fclose(f);

    imgb_wp_result *r = imgb_xcalloc(n, sizeof *r);
    imgb_wp_stats st;
    imgb_wp_options o = { .jobs = jobs, .budget = budget, .depth = depth };
    double t0 = now_s();
    imgb_wp_crack(r, &st, acct, n, (const char *const *)words, nwords, &o);
    double wall = now_s() - t0;

    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        imgb_buf b = IMGB_BUF_INIT;
        imgb_wp_describe(&r[i], &b);
        printf("account %-8s %-8.8s %-11s %s\n", acct[i].name, acct[i].hash,
               imgb_wp_status_name(r[i].status), b.ptr);
        imgb_buf_dispose(&b);
        found += r[i].status == IMGB_WP_FOUND;
    }
    printf("wall %.3f s, %llu hashes, %zu of %zu accounts found%s\n", wall,
           (unsigned long long)st.hashes, found, n, st.budget_exhausted ? ", budget ran out" : "");
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(r);
    imgb_wp_dict_free(words, nwords);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "rates") == 0)
        return cmd_rates(argc > 2 ? atof(argv[2]) : 1.0);
    if (argc >= 3 && strcmp(argv[1], "mkshadow") == 0)
        return cmd_mkshadow(argv[2], argc > 3 ? argv[3] : "$1$");
    if (argc >= 5 && strcmp(argv[1], "crack") == 0)
        return cmd_crack(argv[2], argv[3], atoi(argv[4]), argc > 5 ? atof(argv[5]) : 0,
                         argc > 6 ? (size_t)strtoul(argv[6], NULL, 10) : 0);
    fprintf(stderr, "usage: wp_bench rates [SECONDS] | mkshadow OUT [STRONG_FORMAT] |"
                    " crack SHADOW DICT JOBS [BUDGET [DEPTH]]\n");
    return 2;
}
