/*
 * The weak-password cracking engine (see weak_password.h for the contract).
 *
 * Candidate index space of one account:
 *     0            the empty string
 *     1 .. V       the user name, then its variants (V <= WP_MAX_VARIANTS)
 *     V+1 .. V+D   dictionary words 0 .. D-1 (D = min(depth, nwords))
 *
 * Run:
 *   1. probe: every crackable account hashes the empty string once, in parallel.  That
 *      answers candidate 0, proves libxcrypt reproduces the stored hash's format (else
 *      UNKNOWN_FORMAT) and measures what one hash of this account costs, in thread CPU
 *      time: wall time would count the moments another process held the core, and a
 *      preempted DES probe could then sort behind yescrypt.
 *   2. rounds over the index space (user-name candidates, dictionary top 10, 100, 1000, ...);
 *      inside a round accounts go cheapest first.  Each account's range in a round is cut
 *      into units of about WP_UNIT_NS of work, handed out under one mutex, so several
 *      threads share a dear account (yescrypt) and a cheap one (DES) is one unit.
 * An account's first hit is the lowest matching index: a unit whose start lies past the
 * best hit so far is skipped, so the reported hit does not depend on thread timing.
 */
#include "checks/weak_password.h"

#include <crypt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/limits.h"

#define WP_MAX_VARIANTS     24           /* user name + its variants */
#define WP_VARIANT_NAME_MAX 64           /* longer names: only the name itself */
#define WP_YEARS            5            /* "name2022" .. "name2026" */
#define WP_UNIT_NS          5000000.0    /* target work per unit: 5 ms */
#define WP_UNIT_MAX         1024         /* candidates per unit, at most */
#define WP_NO_HIT           UINT64_MAX

/* Dictionary round boundaries (top 10, 100, 1000, ...), in dictionary words. */
static const size_t wp_dict_cuts[] = { 10, 100, 1000, 10000, 100000, 1000000 };
#define WP_NCUTS (sizeof wp_dict_cuts / sizeof wp_dict_cuts[0])

typedef struct wp_acct {
    const char *name;
    const char *hash;
    imgb_wp_status status;             /* initial classification, then the verdict */
    char *var[WP_MAX_VARIANTS];        /* var[0] is the user name */
    const char *label[WP_MAX_VARIANTS];
    size_t nvar;
    uint64_t planned;
    double cost_ns;
    uint64_t chunk;
    _Atomic uint64_t best;             /* lowest matching candidate index, or WP_NO_HIT */
    _Atomic uint64_t tried;            /* candidates hashed (the probe included) */
    _Atomic uint64_t tried_user;       /* of them: the empty string, user name, variants */
} wp_acct;

typedef struct wp_run {
    wp_acct *acct;
    size_t n;
    size_t *order;                     /* crackable accounts, cheapest first */
    size_t norder;
    const char *const *words;
    size_t ndict;                      /* dictionary words planned per account */
    struct timespec deadline;
    _Atomic bool expired;
    _Atomic uint64_t hashes;
    uint64_t max_hashes;               /* 0: no limit */
    _Atomic size_t probe_next;
    /* the round cursor, under `lock` */
    pthread_mutex_t lock;
    size_t round, pos;
    uint64_t off;
    size_t nrounds;
    const imgb_wp_options *opts;       /* tick callback (may be NULL) */
    struct timespec last_tick;
    bool canceled;                     /* written by the leader only */
} wp_run;

typedef struct wp_worker {
    wp_run *run;
    struct crypt_data *cd;             /* 32 KiB: one per thread, allocated once */
    int phase;                         /* 0 probe, 1 rounds */
    bool leader;                       /* the calling thread: runs the tick callback */
} wp_worker;

/* ---- candidates ------------------------------------------------------------------------ */

static void wp_add_variant(wp_acct *a, char *s, const char *label)
{
    for (size_t i = 0; i < a->nvar; i++) {
        if (strcmp(a->var[i], s) == 0) {
            free(s);
            return;
        }
    }
    if (s[0] == '\0' || a->nvar == WP_MAX_VARIANTS) {
        free(s);
        return;
    }
    a->var[a->nvar] = s;
    a->label[a->nvar] = label;
    a->nvar++;
}

/* The user name and the variants people pick from it, most likely first. */
static void wp_make_variants(wp_acct *a, int year)
{
    static const char *const suffix[] = { "1", "123", "@123", "!" };
    static const char *const plain_label[] = { "with 1", "with 123", "with @123", "with !" };
    static const char *const cap_label[] = { "capitalised with 1", "capitalised with 123",
                                             "capitalised with @123", "capitalised with !" };
    const char *name = a->name;
    size_t len = strlen(name);

    if (len == 0 || len > IMGB_WP_MAX_WORD)
        return;
    wp_add_variant(a, imgb_xstrdup(name), NULL);
    if (len > WP_VARIANT_NAME_MAX)
        return;

    char *cap = imgb_xstrdup(name);
    if (cap[0] >= 'a' && cap[0] <= 'z')
        cap[0] = (char)(cap[0] - 'a' + 'A');
    char *rev = imgb_xmalloc(len + 1);
    for (size_t i = 0; i < len; i++)
        rev[i] = name[len - 1 - i];
    rev[len] = '\0';

    wp_add_variant(a, imgb_xstrdup(cap), "capitalised");
    wp_add_variant(a, rev, "reversed");
    wp_add_variant(a, imgb_xasprintf("%s%s", name, name), "doubled");
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++)
        wp_add_variant(a, imgb_xasprintf("%s%s", name, suffix[i]), plain_label[i]);
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++)
        wp_add_variant(a, imgb_xasprintf("%s%s", cap, suffix[i]), cap_label[i]);
    for (int y = year; y > year - WP_YEARS; y--)
        wp_add_variant(a, imgb_xasprintf("%s%d", name, y), "with a year");
    free(cap);
}

static const char *wp_candidate(const wp_run *run, const wp_acct *a, uint64_t i)
{
    if (i == 0)
        return "";
    if (i <= a->nvar)
        return a->var[i - 1];
    return run->words[i - 1 - a->nvar];
}

/* ---- time -------------------------------------------------------------------------------- */

static struct timespec wp_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

static struct timespec wp_cpu_now(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
        clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

static double wp_diff_ns(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
}

static bool wp_expired(wp_run *run)
{
    if (atomic_load_explicit(&run->expired, memory_order_relaxed))
        return true;
    struct timespec t = wp_now();
    if (t.tv_sec > run->deadline.tv_sec ||
        (t.tv_sec == run->deadline.tv_sec && t.tv_nsec >= run->deadline.tv_nsec)) {
        atomic_store(&run->expired, true);
        return true;
    }
    return false;
}

/* The leader's progress and cancel poll, at most every 200 ms. */
static void wp_tick(wp_run *run)
{
    if (!run->opts || !run->opts->tick)
        return;
    struct timespec t = wp_now();
    if (run->last_tick.tv_sec && wp_diff_ns(run->last_tick, t) < 200e6)
        return;
    run->last_tick = t;
    uint64_t tried = 0;
    size_t crackable = 0, done = 0;
    for (size_t i = 0; i < run->n; i++) {
        const wp_acct *a = &run->acct[i];
        tried += atomic_load_explicit(&a->tried, memory_order_relaxed);
        if (a->status != IMGB_WP_NOT_FOUND)
            continue;
        crackable++;
        done += atomic_load_explicit(&a->best, memory_order_relaxed) != WP_NO_HIT ||
                atomic_load_explicit(&a->tried, memory_order_relaxed) >= a->planned;
    }
    double left = wp_diff_ns(t, run->deadline) / 1e9;
    if (run->opts->tick(run->opts->tick_payload, crackable, done, tried, left > 0 ? left : 0)) {
        run->canceled = true;
        atomic_store(&run->expired, true);
    }
}

/* ---- hashing ------------------------------------------------------------------------------ */

/* Claim one hash of the hash budget; false (and the run expires) once it is spent. */
static bool wp_take(wp_run *run)
{
    uint64_t k = atomic_fetch_add_explicit(&run->hashes, 1, memory_order_relaxed);
    if (run->max_hashes && k >= run->max_hashes) {
        atomic_fetch_sub_explicit(&run->hashes, 1, memory_order_relaxed);
        atomic_store(&run->expired, true);
        return false;
    }
    return true;
}

/*
 * Length of the setting part that crypt_rn must echo back: up to the last '$' for the
 * "$id$" families, 9 for BSDi "_", 2 salt characters for traditional DES.
 */
static size_t wp_setting_len(const char *hash)
{
    if (hash[0] == '$') {
        const char *last = strrchr(hash, '$');
        return (size_t)(last - hash) + 1;
    }
    return hash[0] == '_' ? 9 : 2;
}

/* 1 if `phrase` hashes to the account's stored hash, 0 if not, -1 if libxcrypt refuses. */
static int wp_try(struct crypt_data *cd, const wp_acct *a, const char *phrase)
{
    const char *h = crypt_rn(phrase, a->hash, cd, (int)sizeof *cd);
    if (!h || h[0] == '*')
        return -1;
    return strcmp(h, a->hash) == 0;
}

/*
 * Candidate 0 and the format check: a hash libxcrypt can verify comes back from
 * crypt_rn(x, hash) with the same setting and the same length.  Anything else (an unknown
 * "$id$", a DES-looking string of the wrong length) can never match and is reported.
 */
static void wp_probe(wp_run *run, struct crypt_data *cd, wp_acct *a)
{
    if (!wp_take(run))
        return;
    struct timespec t0 = wp_cpu_now();
    const char *h = crypt_rn("", a->hash, cd, (int)sizeof *cd);
    struct timespec t1 = wp_cpu_now();
    size_t slen = wp_setting_len(a->hash);

    atomic_store(&a->tried, 1);
    atomic_store(&a->tried_user, 1);
    if (!h || h[0] == '*' || strlen(h) != strlen(a->hash) || strncmp(h, a->hash, slen) != 0) {
        a->status = IMGB_WP_UNKNOWN_FORMAT;
        return;
    }
    a->cost_ns = wp_diff_ns(t0, t1);
    if (a->cost_ns < 1.0)
        a->cost_ns = 1.0;
    if (strcmp(h, a->hash) == 0)
        atomic_store(&a->best, 0);
}

/* ---- the round cursor ------------------------------------------------------------------- */

/* Candidate range [lo, hi) of account `a` in round `r`. */
static void wp_round_range(const wp_run *run, const wp_acct *a, size_t r, uint64_t *lo,
                           uint64_t *hi)
{
    uint64_t base = 1 + a->nvar;
    if (r == 0) {
        *lo = 1;
        *hi = base;
        return;
    }
    size_t from = r == 1 ? 0 : wp_dict_cuts[r - 2];
    size_t to = r - 1 < WP_NCUTS ? wp_dict_cuts[r - 1] : SIZE_MAX;
    if (from > run->ndict)
        from = run->ndict;
    if (to > run->ndict)
        to = run->ndict;
    *lo = base + from;
    *hi = base + to;
}

/* Next unit of work; false when every round is handed out.  Takes run->lock. */
static bool wp_next_unit(wp_run *run, wp_acct **out, uint64_t *lo, uint64_t *hi)
{
    bool found = false;

    pthread_mutex_lock(&run->lock);
    while (run->round < run->nrounds) {
        if (run->pos >= run->norder) {
            run->round++;
            run->pos = 0;
            run->off = 0;
            continue;
        }
        wp_acct *a = &run->acct[run->order[run->pos]];
        uint64_t rlo, rhi;
        wp_round_range(run, a, run->round, &rlo, &rhi);
        if (run->off < rlo)
            run->off = rlo;
        if (run->off >= rhi || atomic_load(&a->best) != WP_NO_HIT) {
            run->pos++;
            run->off = 0;
            continue;
        }
        *out = a;
        *lo = run->off;
        *hi = run->off + a->chunk < rhi ? run->off + a->chunk : rhi;
        run->off = *hi;
        found = true;
        break;
    }
    pthread_mutex_unlock(&run->lock);
    return found;
}

static void wp_min_hit(wp_acct *a, uint64_t i)
{
    uint64_t cur = atomic_load(&a->best);
    while (i < cur && !atomic_compare_exchange_weak(&a->best, &cur, i))
        ;
}

static void *wp_work(void *arg)
{
    wp_worker *w = arg;
    wp_run *run = w->run;

    if (w->phase == 0) {
        for (;;) {
            size_t i = atomic_fetch_add(&run->probe_next, 1);
            if (i >= run->n)
                break;
            if (run->acct[i].status != IMGB_WP_NOT_FOUND)
                continue;
            if (w->leader)
                wp_tick(run);
            if (wp_expired(run))
                break;
            wp_probe(run, w->cd, &run->acct[i]);
        }
        return NULL;
    }

    wp_acct *a;
    uint64_t lo, hi;
    while ((!w->leader || (wp_tick(run), true)) && !wp_expired(run) &&
           wp_next_unit(run, &a, &lo, &hi)) {
        for (uint64_t i = lo; i < hi; i++) {
            if (atomic_load_explicit(&a->best, memory_order_relaxed) < i || wp_expired(run) ||
                !wp_take(run))
                break;
            int m = wp_try(w->cd, a, wp_candidate(run, a, i));
            atomic_fetch_add_explicit(&a->tried, 1, memory_order_relaxed);
            if (i <= a->nvar)
                atomic_fetch_add_explicit(&a->tried_user, 1, memory_order_relaxed);
            if (m == 1) {
                wp_min_hit(a, i);
                break;
            }
        }
    }
    return NULL;
}

static void wp_phase(wp_worker *workers, int jobs, int phase)
{
    pthread_t tid[IMGB_WP_MAX_JOBS];
    int started = 0;

    for (int i = 0; i < jobs; i++)
        workers[i].phase = phase;
    /* Thread 0 is the caller; extra threads only when asked for. */
    for (int i = 1; i < jobs; i++) {
        if (pthread_create(&tid[i], NULL, wp_work, &workers[i]) != 0)
            break;
        started = i;
    }
    wp_work(&workers[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
}

/* ---- results ------------------------------------------------------------------------------- */

static void wp_finish(const wp_acct *a, imgb_wp_result *r)
{
    memset(r, 0, sizeof *r);
    r->planned = a->planned;
    r->cost_us = a->cost_ns / 1000.0;
    r->tried = atomic_load(&a->tried);
    r->status = a->status;
    r->user_done = atomic_load(&a->tried_user) >= 1 + a->nvar;
    if (a->status != IMGB_WP_NOT_FOUND) {
        if (a->status != IMGB_WP_UNKNOWN_FORMAT)
            r->tried = 0;
        return;
    }
    uint64_t best = atomic_load(&a->best);
    if (best != WP_NO_HIT) {
        r->status = IMGB_WP_FOUND;
        /* The position of the first hit in candidate order: independent of threads. */
        r->tried = best + 1;
        if (best == 0) {
            r->match = IMGB_WP_M_EMPTY;
        } else if (best <= a->nvar) {
            r->match = a->label[best - 1] ? IMGB_WP_M_USER_VARIANT : IMGB_WP_M_USER;
            r->variant = a->label[best - 1];
        } else {
            r->match = IMGB_WP_M_DICT;
            r->dict_rank = (size_t)(best - a->nvar);
        }
        return;
    }
    r->status = r->tried >= a->planned ? IMGB_WP_NOT_FOUND : IMGB_WP_INCOMPLETE;
}

static imgb_wp_status wp_classify(const char *hash)
{
    if (hash[0] == '\0')
        return IMGB_WP_EMPTY;
    if (hash[0] == '!' || hash[0] == '*')
        return IMGB_WP_LOCKED;
    if (strlen(hash) >= CRYPT_OUTPUT_SIZE)
        return IMGB_WP_UNKNOWN_FORMAT;
    return IMGB_WP_NOT_FOUND;
}

static int wp_cost_cmp(const void *pa, const void *pb, void *payload)
{
    const wp_acct *acct = payload;
    const wp_acct *a = &acct[*(const size_t *)pa];
    const wp_acct *b = &acct[*(const size_t *)pb];
    if (a->cost_ns != b->cost_ns)
        return a->cost_ns < b->cost_ns ? -1 : 1;
    /* Equal cost: input order, so that the schedule is reproducible. */
    return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

int imgb_wp_crack(imgb_wp_result *out, imgb_wp_stats *stats, const imgb_wp_account *accounts,
                  size_t n, const char *const *words, size_t nwords,
                  const imgb_wp_options *opts)
{
    if (n > IMGB_WP_MAX_ACCOUNTS)
        return imgb_error_set(IMGB_ELIMIT, "weak passwords: %zu accounts, at most %d are cracked",
                              n, IMGB_WP_MAX_ACCOUNTS);

    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int jobs = opts && opts->jobs > 0 ? opts->jobs : ncpu > 0 ? (int)ncpu : 1;
    if (jobs > IMGB_WP_MAX_JOBS)
        jobs = IMGB_WP_MAX_JOBS;
    double budget = opts && opts->budget > 0 ? opts->budget : IMGB_WP_DEFAULT_BUDGET;
    int year = opts && opts->year > 0 ? opts->year : 0;
    if (year == 0) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        year = tm.tm_year + 1900;
    }

    wp_run run;
    memset(&run, 0, sizeof run);
    run.n = n;
    run.words = words;
    run.max_hashes = opts ? opts->max_hashes : 0;
    run.opts = opts;
    run.ndict = opts && opts->depth > 0 && opts->depth < nwords ? opts->depth : nwords;
    run.acct = imgb_xcalloc(n, sizeof *run.acct);
    run.order = imgb_xcalloc(n, sizeof *run.order);
    pthread_mutex_init(&run.lock, NULL);
    run.nrounds = 1;
    for (size_t i = 0; i < WP_NCUTS && (i == 0 || wp_dict_cuts[i - 1] < run.ndict); i++)
        run.nrounds++;
    if (run.ndict > wp_dict_cuts[WP_NCUTS - 1])
        run.nrounds++;

    struct timespec start = wp_now();
    run.deadline = start;
    run.deadline.tv_sec += (time_t)budget;
    run.deadline.tv_nsec += (long)((budget - (double)(time_t)budget) * 1e9);
    if (run.deadline.tv_nsec >= 1000000000L) {
        run.deadline.tv_sec++;
        run.deadline.tv_nsec -= 1000000000L;
    }

    for (size_t i = 0; i < n; i++) {
        wp_acct *a = &run.acct[i];
        a->name = accounts[i].name ? accounts[i].name : "";
        a->hash = accounts[i].hash ? accounts[i].hash : "";
        a->status = wp_classify(a->hash);
        atomic_init(&a->best, WP_NO_HIT);
        atomic_init(&a->tried, 0);
        atomic_init(&a->tried_user, 0);
        if (a->status == IMGB_WP_NOT_FOUND)
            wp_make_variants(a, year);
        a->planned = 1 + a->nvar + run.ndict;
    }

    wp_worker workers[IMGB_WP_MAX_JOBS];
    for (int i = 0; i < jobs; i++) {
        workers[i].run = &run;
        workers[i].leader = i == 0;
        workers[i].cd = imgb_xcalloc(1, sizeof *workers[i].cd);
    }

    wp_phase(workers, jobs, 0);
    for (size_t i = 0; i < n; i++) {
        wp_acct *a = &run.acct[i];
        if (a->status == IMGB_WP_NOT_FOUND && atomic_load(&a->tried) == 1 &&
            atomic_load(&a->best) == WP_NO_HIT) {
            double c = WP_UNIT_NS / a->cost_ns;
            a->chunk = c < 1 ? 1 : c > WP_UNIT_MAX ? WP_UNIT_MAX : (uint64_t)c;
            run.order[run.norder++] = i;
        }
    }
    qsort_r(run.order, run.norder, sizeof *run.order, wp_cost_cmp, run.acct);
    if (!wp_expired(&run))
        wp_phase(workers, jobs, 1);

    for (size_t i = 0; i < n; i++)
        wp_finish(&run.acct[i], &out[i]);
    if (stats) {
        stats->hashes = atomic_load(&run.hashes);
        stats->seconds = wp_diff_ns(start, wp_now()) / 1e9;
        stats->budget_exhausted = atomic_load(&run.expired);
    }

    for (int i = 0; i < jobs; i++) {
        explicit_bzero(workers[i].cd, sizeof *workers[i].cd);
        free(workers[i].cd);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t v = 0; v < run.acct[i].nvar; v++)
            free(run.acct[i].var[v]);
    pthread_mutex_destroy(&run.lock);
    free(run.order);
    free(run.acct);
    if (run.canceled)
        return imgb_error_set(IMGB_ECANCELED, "weak passwords: canceled");
    return 0;
}

/* ---- words about a result ------------------------------------------------------------------ */

const char *imgb_wp_status_name(imgb_wp_status s)
{
    switch (s) {
    case IMGB_WP_NOT_FOUND: return "not found";
    case IMGB_WP_FOUND: return "found";
    case IMGB_WP_INCOMPLETE: return "incomplete";
    case IMGB_WP_LOCKED: return "locked";
    case IMGB_WP_EMPTY: return "empty";
    case IMGB_WP_UNKNOWN_FORMAT: return "unknown hash format";
    }
    return "?";
}

void imgb_wp_describe(const imgb_wp_result *r, imgb_buf *out)
{
    switch (r->status) {
    case IMGB_WP_FOUND:
        switch (r->match) {
        case IMGB_WP_M_EMPTY:
            imgb_buf_puts(out, "the password is empty");
            break;
        case IMGB_WP_M_USER:
            imgb_buf_puts(out, "equals the user name");
            break;
        case IMGB_WP_M_USER_VARIANT:
            imgb_buf_printf(out, "user-name variant (%s)", r->variant);
            break;
        case IMGB_WP_M_DICT:
            imgb_buf_printf(out, "matches dictionary entry ranked %zu", r->dict_rank);
            break;
        case IMGB_WP_M_NONE:
            break;
        }
        imgb_buf_printf(out, " (found after %llu candidates)", (unsigned long long)r->tried);
        break;
    case IMGB_WP_NOT_FOUND:
        imgb_buf_printf(out, "not weak: %llu candidates tried, none matched",
                        (unsigned long long)r->tried);
        break;
    case IMGB_WP_INCOMPLETE:
        imgb_buf_printf(out, "incomplete: time budget ran out after %llu of %llu candidates",
                        (unsigned long long)r->tried, (unsigned long long)r->planned);
        break;
    case IMGB_WP_LOCKED:
        imgb_buf_puts(out, "locked or no password set: not cracked");
        break;
    case IMGB_WP_EMPTY:
        imgb_buf_puts(out, "empty password field: login needs no password");
        break;
    case IMGB_WP_UNKNOWN_FORMAT:
        imgb_buf_puts(out, "unknown hash format: libxcrypt cannot verify it, not cracked");
        break;
    }
}
