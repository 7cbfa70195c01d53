/*
 * The `weak_password` check kind (rules/README.md): items over /etc/shadow joined with
 * /etc/passwd (engine/facts/accounts.h).
 *
 *   mode: crack              a usable hash matches the empty string, the user name or a
 *                            variant, or one of the first `depth` dictionary words;
 *                            `match: user_name` fails only the user-name matches
 *   mode: empty              an empty hash field (login without a password)
 *   mode: duplicate_hash     two or more accounts share one hash string
 *   mode: weak_algorithm     a usable hash in DES, BSDi DES, MD5 or Sun MD5
 *   mode: nologin_with_hash  a usable hash on an account whose shell cannot log in
 *   mode: nis_plus           a NIS "+" line in passwd, shadow or group
 *
 * The hash of an account is its shadow field; without a shadow entry, a passwd field other
 * than "x" (an unshadowed hash, or "" for no password).  "Usable" means not empty and not
 * locked ('!' or '*' prefix, SSG's reading).  NIS compat lines are never cracked.
 * Cracking runs once per scan and depth (imgb_ctx_cache_get); every item reads that result.
 * `crack` also covers /etc/shadow-: hashes there that /etc/shadow no longer has still ship.
 * Evidence names the account, file and line and how a password matched, never the password.
 */
#include "checks/weak_password.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "facts/accounts.h"
#include "facts/factkind.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

typedef enum wp_mode {
    WP_CRACK = 0,
    WP_EMPTY,
    WP_DUPLICATE_HASH,
    WP_WEAK_ALGORITHM,
    WP_NOLOGIN_WITH_HASH,
    WP_NIS_PLUS,
} wp_mode;

static const char *const wp_mode_names[] = {
    [WP_CRACK] = "crack",
    [WP_EMPTY] = "empty",
    [WP_DUPLICATE_HASH] = "duplicate_hash",
    [WP_WEAK_ALGORITHM] = "weak_algorithm",
    [WP_NOLOGIN_WITH_HASH] = "nologin_with_hash",
    [WP_NIS_PLUS] = "nis_plus",
};
#define WP_NMODES (sizeof wp_mode_names / sizeof wp_mode_names[0])

typedef struct wp_compiled {
    wp_mode mode;
    size_t depth;             /* 0: the whole dictionary */
    bool user_name_only;      /* crack, `match: user_name`: only user-name matches fail */
} wp_compiled;

/* ---- compile ------------------------------------------------------------------------------ */

/* Cracking progress and cancel, forwarded to the scan's callbacks. */
static int wp_tick(void *payload, size_t accounts, size_t done, uint64_t candidates, double left)
{
    const imgb_scan_ctx *ctx = payload;
    if (ctx->progress) {
        imgb_progress p = { .stage = IMGB_STAGE_CRACK, .accounts = accounts,
                            .accounts_done = done, .candidates = candidates,
                            .budget_left = left };
        ctx->progress(&p, ctx->progress_payload);
    }
    return ctx->cancel ? ctx->cancel(ctx->cancel_payload) : 0;
}

static int wp_compile(const json_t *params, void **compiled)
{
    const char *key;
    const json_t *v;
    wp_compiled c = { WP_CRACK, 0, false };
    bool have_mode = false;
    /* Unknown keys were refused by imgb_check_kind_compile (wp_keys); this kind reports
     * every parameter problem as IMGB_EFORMAT. */
    json_object_foreach((json_t *)params, key, v) {
        if (strcmp(key, "mode") == 0) {
            const char *m = json_string_value(v);
            size_t i = 0;
            while (m && i < WP_NMODES && strcmp(m, wp_mode_names[i]) != 0)
                i++;
            if (!m || i == WP_NMODES)
                return imgb_error_set(IMGB_EFORMAT,
                                      "mode must be one of crack, empty, "
                                      "duplicate_hash, weak_algorithm, nologin_with_hash, "
                                      "nis_plus");
            c.mode = (wp_mode)i;
            have_mode = true;
        } else if (strcmp(key, "depth") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > (json_int_t)IMGB_WP_MAX_DICT_WORDS)
                return imgb_error_set(IMGB_EFORMAT,
                                      "depth must be an integer from 0 (the "
                                      "whole dictionary) to %u", IMGB_WP_MAX_DICT_WORDS);
            c.depth = (size_t)json_integer_value(v);
        } else if (strcmp(key, "match") == 0) {
            const char *m = json_string_value(v);
            if (!m || (strcmp(m, "any") != 0 && strcmp(m, "user_name") != 0))
                return imgb_error_set(IMGB_EFORMAT,
                                      "match must be any or user_name");
            c.user_name_only = strcmp(m, "user_name") == 0;
        }
    }
    if (!have_mode)
        return imgb_error_set(IMGB_EFORMAT, "missing parameter 'mode'");
    if ((c.depth || c.user_name_only) && c.mode != WP_CRACK)
        return imgb_error_set(IMGB_EFORMAT,
                              "depth and match apply to mode crack only");
    wp_compiled *out = imgb_xmalloc(sizeof *out);
    *out = c;
    *compiled = out;
    return 0;
}

static void wp_free(void *compiled)
{
    free(compiled);
}

static void wp_free_scan_state(void *scan_state)
{
    (void)scan_state; /* no per-scan state: the crack result lives in the fact cache */
}

static void wp_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    (void)compiled;
    *scan_state = NULL;
    imgb_accounts_register_keeps(setup->view);
}

/* ---- the accounts with a hash -------------------------------------------------------------- */

typedef struct wp_entry {
    const char *name;
    const char *hash;         /* the field as stored (may be "" or locked) */
    const char *file;         /* "/etc/shadow" or "/etc/passwd" (unshadowed) */
    int line;
    const imgb_passwd_ent *pw;
} wp_entry;

/* Accounts that carry a password field, in join order; NIS lines excluded. */
static wp_entry *wp_entries(const imgb_accounts *acc, size_t *n)
{
    wp_entry *e = imgb_xcalloc(acc->njoined ? acc->njoined : 1, sizeof *e);
    size_t k = 0;
    for (size_t i = 0; i < acc->njoined; i++) {
        const imgb_account *a = &acc->joined[i];
        if (a->sp && !a->sp->nis) {
            e[k] = (wp_entry){ a->sp->name, a->sp->hash, imgb_accounts_path(IMGB_ACCT_SHADOW),
                               a->sp->line, a->pw };
            k++;
        } else if (!a->sp && a->pw && !a->pw->nis && strcmp(a->pw->passwd, "x") != 0) {
            e[k] = (wp_entry){ a->pw->name, a->pw->passwd, imgb_accounts_path(IMGB_ACCT_PASSWD),
                               a->pw->line, a->pw };
            k++;
        }
    }
    *n = k;
    return e;
}

static bool wp_usable(const char *hash)
{
    return hash[0] != '\0' && hash[0] != '!' && hash[0] != '*';
}

/* ---- the crack fact (once per scan and depth) --------------------------------------------- */

typedef struct wp_fact {
    imgb_accounts *backup;    /* /etc/shadow- (its entries' strings are borrowed by e) */
    char *backup_error;       /* /etc/shadow- exists but could not be read whole */
    wp_entry *e;              /* the crackable accounts */
    imgb_wp_result *r;
    size_t n;
    imgb_wp_stats stats;
    size_t ndict;             /* dictionary words used per account */
    const char *dict_source;
} wp_fact;

static void wp_fact_free(void *obj)
{
    wp_fact *f = obj;
    if (!f)
        return;
    free(f->e);
    free(f->r);
    free(f->backup_error);
    if (f->backup)
        imgb_accounts_free(f->backup);
    free(f);
}

static int wp_cmp_name_hash(const void *a, const void *b, void *base)
{
    const wp_entry *e = base;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(e[x].name, e[y].name);
    c = c ? c : strcmp(e[x].hash, e[y].hash);
    return c ? c : (x > y) - (x < y);
}

/*
 * Drop every entry at or after `first` whose name and hash an earlier entry already has
 * (a backup line repeated, or repeating another backup line): sorted, so O(n log n) where
 * comparing each with all before it was quadratic in a 100,000-line backup.
 */
static void wp_drop_repeats(wp_fact *f, size_t first)
{
    if (f->n - first == 0)
        return;
    size_t *idx = imgb_xcalloc(f->n, sizeof *idx);
    bool *drop = imgb_xcalloc(f->n, sizeof *drop);
    for (size_t i = 0; i < f->n; i++)
        idx[i] = i;
    qsort_r(idx, f->n, sizeof *idx, wp_cmp_name_hash, f->e);
    for (size_t i = 1; i < f->n; i++)
        drop[idx[i]] = idx[i] >= first && strcmp(f->e[idx[i]].name, f->e[idx[i - 1]].name) == 0 &&
                       strcmp(f->e[idx[i]].hash, f->e[idx[i - 1]].hash) == 0;
    size_t k = 0;
    for (size_t i = 0; i < f->n; i++)
        if (!drop[i])
            f->e[k++] = f->e[i];
    f->n = k;
    free(drop);
    free(idx);
}

/* The backup shadow file: shadow(8) tools leave the previous /etc/shadow there. */
#define WP_SHADOW_BACKUP "/etc/shadow-"

/*
 * Usable hashes of /etc/shadow- that /etc/shadow no longer has (a password changed or an
 * account removed after the backup was written) still ship in the image: they join the
 * crack scope, their evidence naming the backup file.  Parsed by the same shadow parser
 * into a private account set; returns it (or NULL when there is no backup) and appends to
 * f->e.
 */
static imgb_accounts *wp_backup_entries(const imgb_scan_ctx *ctx, const imgb_accounts *acc,
                                        wp_fact *f)
{
    const unsigned char *data;
    size_t len;
    int rc = ctx->view ? imgb_view_read(ctx->view, WP_SHADOW_BACKUP, &data, &len)
                       : IMGB_ENOTFOUND;
    if (rc < 0) {
        /* a backup that exists but cannot be read whole may hold an old weak hash */
        if (rc != IMGB_ENOTFOUND)
            f->backup_error = imgb_xstrdup(imgb_error_last());
        imgb_error_clear();
        return NULL;
    }
    imgb_accounts *b = imgb_accounts_new();
    imgb_accounts_parse(b, IMGB_ACCT_SHADOW, (const char *)data, len);
    imgb_accounts_finish(b);
    f->e = imgb_xrealloc(f->e, (f->n + b->nsp + 1) * sizeof *f->e);
    size_t first_backup = f->n;
    for (size_t i = 0; i < b->nsp; i++) {
        const imgb_shadow_ent *sp = &b->sp[i];
        if (sp->nis || !wp_usable(sp->hash))
            continue;
        const imgb_shadow_ent *cur = imgb_accounts_find_shadow(acc, sp->name);
        if (cur && strcmp(cur->hash, sp->hash) == 0)
            continue; /* the same hash as today: cracked once, from /etc/shadow */
        f->e[f->n++] = (wp_entry){ sp->name, sp->hash, WP_SHADOW_BACKUP, sp->line,
                                   imgb_accounts_find_passwd(acc, sp->name) };
    }
    wp_drop_repeats(f, first_backup);
    return b;
}

static void *wp_fact_build(const imgb_scan_ctx *ctx, void *payload)
{
    const wp_compiled *c = payload;
    const imgb_accounts *acc = imgb_accounts_get(ctx);
    wp_fact *f = imgb_xcalloc(1, sizeof *f);
    size_t n;
    wp_entry *all = wp_entries(acc, &n);

    f->e = imgb_xcalloc(n ? n : 1, sizeof *f->e);
    for (size_t i = 0; i < n; i++)
        if (wp_usable(all[i].hash))
            f->e[f->n++] = all[i];
    free(all);
    f->backup = wp_backup_entries(ctx, acc, f);

    /* The words tried: the first `depth` of the ranked list, then every --dict word. */
    const char **words = NULL;
    size_t nwords = 0, ncut = 0, nranked = 0;
    const imgb_wp_dictionary *d = ctx->ruleset ? imgb_wp_dict_of(ctx->ruleset) : NULL;
    if (d && d->nwords) {
        nranked = d->nranked && d->nranked < d->nwords ? d->nranked : d->nwords;
        ncut = c->depth && c->depth < nranked ? c->depth : nranked;
        words = imgb_xcalloc(ncut + d->nwords - nranked, sizeof *words);
        for (size_t i = 0; i < ncut; i++)
            words[nwords++] = d->words[i];
        for (size_t i = nranked; i < d->nwords; i++)
            words[nwords++] = d->words[i];
    }
    if (d)
        f->dict_source = d->source;
    f->ndict = nwords;

    imgb_wp_account *in = imgb_xcalloc(f->n ? f->n : 1, sizeof *in);
    for (size_t i = 0; i < f->n; i++) {
        in[i].name = f->e[i].name;
        in[i].hash = f->e[i].hash;
    }
    imgb_wp_options o = { .jobs = ctx->jobs, .budget = ctx->weak_password_budget,
                          .tick = wp_tick, .tick_payload = (void *)ctx };
    if (ctx->now > 0) {
        time_t t = (time_t)ctx->now;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            o.year = tm.tm_year + 1900;
    }
    f->r = imgb_xcalloc(f->n ? f->n : 1, sizeof *f->r);
    int rc = imgb_wp_crack(f->r, &f->stats, in, f->n, words, nwords, &o);
    if (ctx->crack_ms)
        *ctx->crack_ms += f->stats.seconds * 1000.0;
    free(in);
    free(words);
    /* A --dict word's rank is its place in the whole list, as loaded. */
    for (size_t i = 0; rc == 0 && i < f->n; i++)
        if (f->r[i].match == IMGB_WP_M_DICT && f->r[i].dict_rank > ncut)
            f->r[i].dict_rank += nranked - ncut;
    if (rc < 0) {
        wp_fact_free(f);
        return NULL;
    }
    return f;
}

/* ---- evaluation ---------------------------------------------------------------------------- */

/* Verdict precedence for the item: fail > incomplete > error > pass. */
static void wp_raise(imgb_item_result *out, imgb_verdict v)
{
    static const int rank[] = {
        [IMGB_V_PASS] = 0, [IMGB_V_NOT_APPLICABLE] = 0, [IMGB_V_ERROR] = 1,
        [IMGB_V_INCOMPLETE] = 2, [IMGB_V_FAIL] = 3,
    };
    if (rank[v] > rank[out->verdict] || out->verdict == IMGB_V_NOT_APPLICABLE)
        out->verdict = v;
}

static imgb_evidence *wp_evidence(imgb_item_result *out, const wp_entry *e, imgb_verdict v)
{
    imgb_evidence *ev = imgb_result_add_evidence(out);
    ev->file = imgb_xstrdup(e->file);
    ev->line = e->line;
    ev->account = imgb_xstrdup(e->name);
    ev->verdict = v;
    wp_raise(out, v);
    return ev;
}

static imgb_verdict wp_crack_verdict(const wp_compiled *c, const imgb_wp_result *r)
{
    switch (r->status) {
    case IMGB_WP_FOUND:
        if (!c->user_name_only)
            return IMGB_V_FAIL;
        return r->match == IMGB_WP_M_USER || r->match == IMGB_WP_M_USER_VARIANT ? IMGB_V_FAIL
                                                                                : IMGB_V_PASS;
    case IMGB_WP_INCOMPLETE:
        /* the user-name item only needs the user-name candidates */
        return c->user_name_only && r->user_done ? IMGB_V_PASS : IMGB_V_INCOMPLETE;
    case IMGB_WP_UNKNOWN_FORMAT: return IMGB_V_ERROR;
    default: return IMGB_V_PASS;
    }
}

static int wp_eval_crack(const wp_compiled *c, const imgb_scan_ctx *ctx, imgb_item_result *out)
{
    char key[64];
    snprintf(key, sizeof key, "weak_password.crack.%zu", c->depth);
    const wp_fact *f = imgb_ctx_cache_get(ctx, key, wp_fact_build, (void *)c, wp_fact_free);
    if (!f)
        return -1;
    char *expected = c->user_name_only
                         ? imgb_xstrdup("not the user name or a variant of it")
                         : imgb_xasprintf("not empty, not the user name or a variant of it, "
                                          "not among the %zu most common passwords", f->ndict);
    for (size_t i = 0; i < f->n; i++) {
        const imgb_wp_result *r = &f->r[i];
        imgb_verdict v = wp_crack_verdict(c, r);
        imgb_evidence *ev = wp_evidence(out, &f->e[i], v);
        imgb_buf b = IMGB_BUF_INIT;
        if (v == IMGB_V_FAIL)
            imgb_buf_puts(&b, "weak password: ");
        else if (c->user_name_only && r->status != IMGB_WP_UNKNOWN_FORMAT)
            imgb_buf_puts(&b, "not the user name or a variant; ");
        imgb_wp_describe(r, &b);
        ev->message = imgb_buf_detach(&b);
        ev->value = imgb_xstrdup(imgb_hash_kind_name(imgb_hash_classify(f->e[i].hash).kind));
        ev->expected = imgb_xstrdup(expected);
        if (f->dict_source && !c->user_name_only)
            ev->source = imgb_xasprintf("dictionary %s", f->dict_source);
    }
    if (f->backup_error) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(WP_SHADOW_BACKUP);
        ev->verdict = IMGB_V_ERROR;
        ev->message = imgb_xstrdup(f->backup_error);
        wp_raise(out, IMGB_V_ERROR);
    }
    free(expected);
    return 0;
}

static int wp_eval_empty(const wp_entry *e, size_t n, imgb_item_result *out)
{
    for (size_t i = 0; i < n; i++) {
        if (e[i].hash[0] != '\0')
            continue;
        imgb_evidence *ev = wp_evidence(out, &e[i], IMGB_V_FAIL);
        ev->message = imgb_xstrdup("empty password field: the account logs in without a password");
        ev->expected = imgb_xstrdup("password field not empty");
    }
    return 0;
}

/* Index order of `e` by hash, then by position (so each group lists in file order). */
static int wp_cmp_hash(const void *a, const void *b, void *base)
{
    const wp_entry *e = base;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(e[x].hash, e[y].hash);
    return c ? c : (x > y) - (x < y);
}

static int wp_cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Accounts named in one group's message; the count always says how many share it. */
#define WP_GROUP_NAMES 20

/*
 * One evidence per group of accounts sharing a hash (not one per account naming all the
 * others: 10,000 accounts on one hash made that 10^8 names).  Sorting makes it O(n log n).
 * The evidence points at the group's first account; groups come in file order.
 */
static int wp_eval_duplicate(const wp_entry *e, size_t n, imgb_item_result *out)
{
    size_t *idx = imgb_xcalloc(n ? n : 1, sizeof *idx);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (wp_usable(e[i].hash))
            idx[k++] = i;
    qsort_r(idx, k, sizeof *idx, wp_cmp_hash, (void *)e);
    size_t *firsts = imgb_xcalloc(k ? k : 1, sizeof *firsts), *sizes = NULL, ngroups = 0;
    sizes = imgb_xcalloc(k ? k : 1, sizeof *sizes);
    for (size_t i = 0; i < k;) {
        size_t j = i + 1;
        while (j < k && strcmp(e[idx[i]].hash, e[idx[j]].hash) == 0)
            j++;
        if (j - i > 1) {
            firsts[ngroups] = i; /* position in idx; idx[i] is the group's first account */
            sizes[ngroups++] = j - i;
        }
        i = j;
    }
    /* file order of the groups: by their first account */
    size_t *order = imgb_xcalloc(ngroups ? ngroups : 1, sizeof *order);
    for (size_t g = 0; g < ngroups; g++)
        order[g] = idx[firsts[g]] * (k + 1) + g; /* first account, then group: unique keys */
    qsort(order, ngroups, sizeof *order, wp_cmp_size);
    for (size_t o = 0; o < ngroups; o++) {
        size_t g = order[o] % (k + 1), at = firsts[g], size = sizes[g];
        imgb_evidence *ev = wp_evidence(out, &e[idx[at]], IMGB_V_FAIL);
        imgb_buf names = IMGB_BUF_INIT;
        for (size_t m = 0; m < size && m < WP_GROUP_NAMES; m++)
            imgb_buf_printf(&names, "%s%s", m ? ", " : "", e[idx[at + m]].name);
        if (size > WP_GROUP_NAMES)
            imgb_buf_printf(&names, " and %zu more", size - WP_GROUP_NAMES);
        ev->message = imgb_xasprintf("%zu accounts share one password hash: %s", size, names.ptr);
        ev->value = imgb_xasprintf("%zu", size);
        ev->expected = imgb_xstrdup("no two accounts with the same password hash");
        imgb_buf_dispose(&names);
    }
    free(order);
    free(sizes);
    free(firsts);
    free(idx);
    return 0;
}

static int wp_eval_algorithm(const wp_entry *e, size_t n, imgb_item_result *out)
{
    for (size_t i = 0; i < n; i++) {
        if (!wp_usable(e[i].hash))
            continue;
        imgb_hash_kind k = imgb_hash_classify(e[i].hash).kind;
        imgb_verdict v = IMGB_V_PASS;
        if (k == IMGB_HASH_DES || k == IMGB_HASH_BSDI_DES || k == IMGB_HASH_MD5 ||
            k == IMGB_HASH_SUN_MD5)
            v = IMGB_V_FAIL;
        else if (k == IMGB_HASH_UNKNOWN)
            v = IMGB_V_ERROR;
        if (v == IMGB_V_PASS)
            continue;
        imgb_evidence *ev = wp_evidence(out, &e[i], v);
        ev->value = imgb_xstrdup(imgb_hash_kind_name(k));
        ev->expected = imgb_xstrdup("sha512, yescrypt or another strong algorithm");
        ev->message = v == IMGB_V_FAIL
                          ? imgb_xasprintf("password hashed with the weak %s algorithm",
                                           imgb_hash_kind_name(k))
                          : imgb_xstrdup("unknown hash format: its algorithm cannot be judged");
    }
    return 0;
}

/* Shells that refuse interactive logins (util-linux nologin, coreutils false, sync-style). */
static bool wp_nologin_shell(const char *shell)
{
    static const char *const names[] = { "nologin", "false" };
    if (!shell || !shell[0])
        return false; /* empty shell means /bin/sh */
    const char *base = strrchr(shell, '/');
    base = base ? base + 1 : shell;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(base, names[i]) == 0)
            return true;
    return false;
}

static int wp_eval_nologin(const wp_entry *e, size_t n, imgb_item_result *out)
{
    for (size_t i = 0; i < n; i++) {
        if (!wp_usable(e[i].hash) || !e[i].pw || !wp_nologin_shell(e[i].pw->shell))
            continue;
        imgb_evidence *ev = wp_evidence(out, &e[i], IMGB_V_FAIL);
        ev->value = imgb_xstrdup(e[i].pw->shell);
        ev->source = imgb_xasprintf("%s:%d", imgb_accounts_path(IMGB_ACCT_PASSWD), e[i].pw->line);
        ev->message = imgb_xasprintf("account with shell %s has a usable password hash",
                                     e[i].pw->shell);
        ev->expected = imgb_xstrdup("password locked ('!' or '*') for accounts without a login shell");
    }
    return 0;
}

static void wp_nis_line(imgb_item_result *out, imgb_acct_file which, const char *name, int line)
{
    if (name[0] != '+')
        return;
    wp_entry e = { name, "", imgb_accounts_path(which), line, NULL };
    imgb_evidence *ev = wp_evidence(out, &e, IMGB_V_FAIL);
    ev->message = imgb_xasprintf("legacy NIS '+' entry in %s", imgb_accounts_path(which));
    ev->expected = imgb_xstrdup("no '+' lines");
}

static int wp_eval_nis(const imgb_accounts *acc, imgb_item_result *out)
{
    for (size_t i = 0; i < acc->npw; i++)
        if (acc->pw[i].nis)
            wp_nis_line(out, IMGB_ACCT_PASSWD, acc->pw[i].name, acc->pw[i].line);
    for (size_t i = 0; i < acc->nsp; i++)
        if (acc->sp[i].nis)
            wp_nis_line(out, IMGB_ACCT_SHADOW, acc->sp[i].name, acc->sp[i].line);
    for (size_t i = 0; i < acc->ngr; i++)
        if (acc->gr[i].nis)
            wp_nis_line(out, IMGB_ACCT_GROUP, acc->gr[i].name, acc->gr[i].line);
    return 0;
}

/* An account file that exists but could not be read makes the item an error. */
static bool wp_source_error(const imgb_accounts *acc, imgb_acct_file which, imgb_item_result *out)
{
    const imgb_acct_source *s = &acc->src[which];
    if (s->status == 0 && !s->truncated)
        return false;
    if (s->status == IMGB_ENOTFOUND)
        return false;
    imgb_evidence *ev = imgb_result_add_evidence(out);
    ev->file = imgb_xstrdup(imgb_accounts_path(which));
    ev->verdict = IMGB_V_ERROR;
    ev->message = s->status ? imgb_xstrdup(s->message ? s->message : "unreadable")
                            : imgb_xstrdup("file larger than the content cap: later lines unread");
    wp_raise(out, IMGB_V_ERROR);
    return true;
}

static int wp_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                       imgb_item_result *out)
{
    const wp_compiled *c = compiled;
    const imgb_accounts *acc = imgb_accounts_get(ctx);
    (void)scan_state;

    out->verdict = IMGB_V_PASS;
    if (!acc)
        return -1;
    bool no_files = acc->src[IMGB_ACCT_SHADOW].status == IMGB_ENOTFOUND &&
                    acc->src[IMGB_ACCT_PASSWD].status == IMGB_ENOTFOUND;
    if (no_files) {
        out->verdict = IMGB_V_NOT_APPLICABLE;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xstrdup("no /etc/passwd or /etc/shadow in the image");
        return 0;
    }
    wp_source_error(acc, IMGB_ACCT_SHADOW, out);
    wp_source_error(acc, IMGB_ACCT_PASSWD, out);

    size_t n;
    wp_entry *e = wp_entries(acc, &n);
    int rc = 0;
    switch (c->mode) {
    case WP_CRACK: rc = wp_eval_crack(c, ctx, out); break;
    case WP_EMPTY: rc = wp_eval_empty(e, n, out); break;
    case WP_DUPLICATE_HASH: rc = wp_eval_duplicate(e, n, out); break;
    case WP_WEAK_ALGORITHM: rc = wp_eval_algorithm(e, n, out); break;
    case WP_NOLOGIN_WITH_HASH: rc = wp_eval_nologin(e, n, out); break;
    case WP_NIS_PLUS: rc = wp_eval_nis(acc, out); break;
    }
    free(e);
    return rc;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const wp_keys[] = { "mode", "depth", "match", NULL };

const imgb_check_kind imgb_kind_weak_password = {
    .name = "weak_password",
    .keys = wp_keys,
    .compile = wp_compile,
    .prepare = wp_prepare,
    .evaluate = wp_evaluate,
    .free_scan_state = wp_free_scan_state,
    .free = wp_free,
    .load_dir = imgb_wp_dict_load_dir,
    .free_data = imgb_wp_dict_data_free,
};
