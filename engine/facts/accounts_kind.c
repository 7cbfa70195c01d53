/*
 * Check kinds `passwd`, `shadow` and `group`: predicates over the image's accounts
 * (rules/README.md), one evidence per offending account or line.
 *
 *   passwd: uid0_only_root, duplicate_uid, duplicate_name, legacy_plus, root_gid0,
 *           system_nologin (UID < login.defs UID_MIN, except root/sync/shutdown/halt, must
 *           have a nologin/false shell), shadowed (field 2 is "x"), groups_exist;
 *   shadow: empty_password, max_days / min_days / warn_age / inactive (with a comparison, over
 *           accounts whose hash does not start with '!' or '*', as SSG's
 *           accounts_password_set_*_existing; an empty field fails), last_change_past (field
 *           3 not after the image's creation time), legacy_plus;
 *   group:  duplicate_gid, duplicate_name, shadow_group_empty, legacy_plus.
 * Lines the parser skipped (malformed) are reported as error evidence: glibc skips them too,
 * so they do not change the verdict.  A file that cannot be read is an error verdict; an
 * absent one makes its predicates not applicable (no local accounts).
 *
 * Tests: tests/test_accounts.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "facts/accounts.h"
#include "facts/factkind.h"
#include "facts/logindefs.h"
#include "util/error.h"
#include "util/mem.h"

typedef enum acct_pred {
    P_UID0_ONLY_ROOT,
    P_DUPLICATE_UID,
    P_DUPLICATE_NAME,
    P_LEGACY_PLUS,
    P_ROOT_GID0,
    P_SYSTEM_NOLOGIN,
    P_SHADOWED,
    P_GROUPS_EXIST,
    P_EMPTY_PASSWORD,
    P_MAX_DAYS,
    P_MIN_DAYS,
    P_WARN_AGE,
    P_LAST_CHANGE_PAST,
    P_INACTIVE,
    P_DUPLICATE_GID,
    P_SHADOW_GROUP_EMPTY,
} acct_pred;

typedef struct acct_pred_def {
    const char *name;
    acct_pred pred;
    imgb_acct_file file;
    bool needs_cmp;
} acct_pred_def;

static const acct_pred_def acct_preds[] = {
    {"uid0_only_root", P_UID0_ONLY_ROOT, IMGB_ACCT_PASSWD, false},
    {"duplicate_uid", P_DUPLICATE_UID, IMGB_ACCT_PASSWD, false},
    {"duplicate_name", P_DUPLICATE_NAME, IMGB_ACCT_PASSWD, false},
    {"legacy_plus", P_LEGACY_PLUS, IMGB_ACCT_PASSWD, false},
    {"root_gid0", P_ROOT_GID0, IMGB_ACCT_PASSWD, false},
    {"system_nologin", P_SYSTEM_NOLOGIN, IMGB_ACCT_PASSWD, false},
    {"shadowed", P_SHADOWED, IMGB_ACCT_PASSWD, false},
    {"groups_exist", P_GROUPS_EXIST, IMGB_ACCT_PASSWD, false},
    {"empty_password", P_EMPTY_PASSWORD, IMGB_ACCT_SHADOW, false},
    {"max_days", P_MAX_DAYS, IMGB_ACCT_SHADOW, true},
    {"min_days", P_MIN_DAYS, IMGB_ACCT_SHADOW, true},
    {"warn_age", P_WARN_AGE, IMGB_ACCT_SHADOW, true},
    {"last_change_past", P_LAST_CHANGE_PAST, IMGB_ACCT_SHADOW, false},
    {"inactive", P_INACTIVE, IMGB_ACCT_SHADOW, true},
    {"legacy_plus", P_LEGACY_PLUS, IMGB_ACCT_SHADOW, false},
    {"duplicate_gid", P_DUPLICATE_GID, IMGB_ACCT_GROUP, false},
    {"duplicate_name", P_DUPLICATE_NAME, IMGB_ACCT_GROUP, false},
    {"shadow_group_empty", P_SHADOW_GROUP_EMPTY, IMGB_ACCT_GROUP, false},
    {"legacy_plus", P_LEGACY_PLUS, IMGB_ACCT_GROUP, false},
};

typedef struct acct_compiled {
    const acct_pred_def *def;
    imgb_cmp cmp;
    bool has_cmp;
} acct_compiled;

static const char *const acct_file_names[] = {"passwd", "shadow", "group", "gshadow"};

/* Shells that refuse an interactive login (SSG no_shelllogin_for_systemaccounts). */
static const char *const acct_nologin_shells[] = {
    "/sbin/nologin", "/usr/sbin/nologin", "/bin/nologin", "/usr/bin/nologin",
    "/bin/false",    "/usr/bin/false",    NULL,
};

/* System accounts that legitimately have a special shell (CIS 5.4.2 / SSG exclusions). */
static const char *const acct_system_exempt[] = {"root", "sync", "shutdown", "halt", NULL};

static bool acct_in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* ---- compile ---------------------------------------------------------------------------------- */

static void acct_free(void *compiled)
{
    acct_compiled *c = compiled;
    if (!c)
        return;
    imgb_cmp_dispose(&c->cmp);
    free(c);
}

static int acct_compile_file(imgb_acct_file file, const json_t *params, void **compiled)
{
    char *pred = NULL;
    int rc;

    if ((rc = imgb_fk_string(params, "predicate", true, &pred)) < 0)
        return rc;
    const acct_pred_def *def = NULL;
    imgb_buf names = IMGB_BUF_INIT;
    for (size_t i = 0; i < sizeof acct_preds / sizeof acct_preds[0]; i++) {
        if (acct_preds[i].file != file)
            continue;
        imgb_buf_printf(&names, "%s%s", names.len ? ", " : "", acct_preds[i].name);
        if (strcmp(acct_preds[i].name, pred) == 0)
            def = &acct_preds[i];
    }
    if (!def) {
        rc = imgb_error_set(IMGB_EINVAL, "%s: unknown predicate '%s' (expected one of %s)",
                            acct_file_names[file], pred, names.ptr);
        imgb_buf_dispose(&names);
        free(pred);
        return rc;
    }
    imgb_buf_dispose(&names);
    free(pred);

    acct_compiled *c = imgb_xcalloc(1, sizeof *c);
    c->def = def;
    c->has_cmp = imgb_fk_has_cmp(params);
    if (def->needs_cmp && !c->has_cmp) {
        free(c);
        return imgb_error_set(IMGB_EINVAL, "%s: predicate '%s' needs a comparison 'op'",
                              acct_file_names[file], def->name);
    }
    if (!def->needs_cmp && c->has_cmp) {
        free(c);
        return imgb_error_set(IMGB_EINVAL, "%s: predicate '%s' takes no comparison",
                              acct_file_names[file], def->name);
    }
    if (c->has_cmp && (rc = imgb_cmp_parse(params, &c->cmp)) < 0) {
        free(c);
        return rc;
    }
    *compiled = c;
    return 0;
}

static int acct_compile_passwd(const json_t *params, void **compiled)
{
    return acct_compile_file(IMGB_ACCT_PASSWD, params, compiled);
}

static int acct_compile_shadow(const json_t *params, void **compiled)
{
    return acct_compile_file(IMGB_ACCT_SHADOW, params, compiled);
}

static int acct_compile_group(const json_t *params, void **compiled)
{
    return acct_compile_file(IMGB_ACCT_GROUP, params, compiled);
}

static void acct_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    const acct_compiled *c = compiled;
    *scan_state = NULL;
    imgb_accounts_register_keeps(setup->view);
    if (c->def->pred == P_SYSTEM_NOLOGIN)
        imgb_logindefs_register_keeps(setup->view);
}

/* ---- evaluation helpers ------------------------------------------------------------------------ */

typedef struct acct_eval {
    const acct_compiled *c;
    const imgb_scan_ctx *ctx;
    const imgb_accounts *a;
    imgb_item_result *out;
    const char *expected;
    size_t offenders;
    size_t checked;
} acct_eval;

static char *acct_where(imgb_acct_file f, int line)
{
    static const char *const paths[] = {"/etc/passwd", "/etc/shadow", "/etc/group",
                                        "/etc/gshadow"};
    return imgb_xasprintf("%s:%d", paths[f], line);
}

static void acct_offend(acct_eval *e, imgb_acct_file f, int line, const char *account,
                        const char *value, const char *msg)
{
    char *src = acct_where(f, line);
    e->offenders++;
    imgb_fk_evidence(e->out, IMGB_V_FAIL, e->a->src[f].path, line, account, value, src,
                     e->expected, "%s", msg);
    free(src);
}

/* Sort keys for duplicate detection. */
typedef struct acct_key {
    const char *name;
    long long num;
    size_t idx;
} acct_key;

static int acct_key_cmp_num(const void *x, const void *y)
{
    const acct_key *a = x, *b = y;
    if (a->num != b->num)
        return a->num < b->num ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int acct_key_cmp_name(const void *x, const void *y)
{
    const acct_key *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Report every record that repeats the key of an earlier one (by number or by name),
 * naming the first holder.
 */
static void acct_duplicates(acct_eval *e, imgb_acct_file f, bool by_num)
{
    const imgb_accounts *a = e->a;
    size_t n = f == IMGB_ACCT_PASSWD ? a->npw : a->ngr;
    acct_key *keys = imgb_xcalloc(n ? n : 1, sizeof *keys);
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        bool nis = f == IMGB_ACCT_PASSWD ? a->pw[i].nis : a->gr[i].nis;
        if (nis)
            continue;
        keys[k].name = f == IMGB_ACCT_PASSWD ? a->pw[i].name : a->gr[i].name;
        keys[k].num = f == IMGB_ACCT_PASSWD ? a->pw[i].uid : a->gr[i].gid;
        keys[k].idx = i;
        k++;
    }
    e->checked = k;
    qsort(keys, k, sizeof *keys, by_num ? acct_key_cmp_num : acct_key_cmp_name);
    size_t first = 0;
    for (size_t i = 1; i < k; i++) {
        bool same = by_num ? keys[i].num == keys[first].num
                           : strcmp(keys[i].name, keys[first].name) == 0;
        if (!same) {
            first = i;
            continue;
        }
        int line = f == IMGB_ACCT_PASSWD ? a->pw[keys[i].idx].line : a->gr[keys[i].idx].line;
        int first_line = f == IMGB_ACCT_PASSWD ? a->pw[keys[first].idx].line
                                               : a->gr[keys[first].idx].line;
        const char *what = f == IMGB_ACCT_PASSWD ? (by_num ? "UID" : "user name")
                                                 : (by_num ? "GID" : "group name");
        char *value = by_num ? imgb_xasprintf("%lld", keys[i].num) : imgb_xstrdup(keys[i].name);
        char *msg = imgb_xasprintf("%s %s of '%s' is also used by '%s' (%s:%d)", what, value,
                                   keys[i].name, keys[first].name, a->src[f].path, first_line);
        acct_offend(e, f, line, keys[i].name, value, msg);
        free(value);
        free(msg);
    }
    free(keys);
}

static void acct_legacy_plus(acct_eval *e, imgb_acct_file f)
{
    const imgb_accounts *a = e->a;
    size_t n = f == IMGB_ACCT_PASSWD ? a->npw : f == IMGB_ACCT_SHADOW ? a->nsp : a->ngr;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        int line;
        bool nis;
        if (f == IMGB_ACCT_PASSWD) {
            name = a->pw[i].name, line = a->pw[i].line, nis = a->pw[i].nis;
        } else if (f == IMGB_ACCT_SHADOW) {
            name = a->sp[i].name, line = a->sp[i].line, nis = a->sp[i].nis;
        } else {
            name = a->gr[i].name, line = a->gr[i].line, nis = a->gr[i].nis;
        }
        if (!nis)
            e->checked++;
        if (!nis || name[0] != '+')
            continue;
        char *msg = imgb_xasprintf("legacy NIS '+' entry '%s' in %s", name, a->src[f].path);
        acct_offend(e, f, line, NULL, name, msg);
        free(msg);
    }
}

/* ---- passwd predicates ----------------------------------------------------------------------- */

static void acct_eval_passwd(acct_eval *e)
{
    const imgb_accounts *a = e->a;
    long long uid_min = 1000;
    char *uid_min_src = NULL;

    if (e->c->def->pred == P_DUPLICATE_UID || e->c->def->pred == P_DUPLICATE_NAME) {
        acct_duplicates(e, IMGB_ACCT_PASSWD, e->c->def->pred == P_DUPLICATE_UID);
        return;
    }
    if (e->c->def->pred == P_LEGACY_PLUS) {
        acct_legacy_plus(e, IMGB_ACCT_PASSWD);
        return;
    }
    if (e->c->def->pred == P_ROOT_GID0) {
        const imgb_passwd_ent *root = imgb_accounts_find_passwd(a, "root");
        e->checked = 1;
        if (!root) {
            e->offenders++;
            imgb_fk_evidence(e->out, IMGB_V_FAIL, "/etc/passwd", 0, "root", NULL, NULL,
                             e->expected, "no root account in /etc/passwd");
        } else if (root->gid != 0) {
            char *v = imgb_xasprintf("%lld", root->gid);
            acct_offend(e, IMGB_ACCT_PASSWD, root->line, "root", v, "root's primary GID is not 0");
            free(v);
        }
        return;
    }
    if (e->c->def->pred == P_SYSTEM_NOLOGIN) {
        imgb_defs_value v;
        imgb_defs_resolve(imgb_logindefs_get(e->ctx), IMGB_DEFS_LOGIN_DEFS, "UID_MIN", NULL,
                          true, &v);
        if (v.has_value)
            uid_min = v.num;
        uid_min_src = v.source;
        v.source = NULL;
        imgb_defs_value_dispose(&v);
    }
    for (size_t i = 0; i < a->npw; i++) {
        const imgb_passwd_ent *p = &a->pw[i];
        if (p->nis)
            continue;
        switch (e->c->def->pred) {
        case P_UID0_ONLY_ROOT:
            e->checked++;
            if (p->uid == 0 && strcmp(p->name, "root") != 0)
                acct_offend(e, IMGB_ACCT_PASSWD, p->line, p->name, "0",
                            "account other than root has UID 0");
            break;
        case P_SYSTEM_NOLOGIN: {
            if (p->uid >= uid_min || acct_in_list(p->name, acct_system_exempt))
                break;
            e->checked++;
            const char *shell = p->shell[0] ? p->shell : "/bin/sh";
            if (acct_in_list(shell, acct_nologin_shells))
                break;
            char *msg = imgb_xasprintf("system account (UID %lld < UID_MIN %lld from %s) has "
                                       "login shell %s%s",
                                       p->uid, uid_min, uid_min_src, shell,
                                       p->shell[0] ? "" : " (empty field)");
            acct_offend(e, IMGB_ACCT_PASSWD, p->line, p->name, shell, msg);
            free(msg);
            break;
        }
        case P_SHADOWED:
            e->checked++;
            if (strcmp(p->passwd, "x") != 0) {
                /* never echo the field: it may be a hash */
                imgb_hash_class cls = imgb_hash_classify(p->passwd);
                char *msg = imgb_xasprintf("password field is not 'x' (%s) in /etc/passwd",
                                           imgb_hash_kind_name(cls.kind));
                acct_offend(e, IMGB_ACCT_PASSWD, p->line, p->name,
                            imgb_hash_kind_name(cls.kind), msg);
                free(msg);
            }
            break;
        case P_GROUPS_EXIST:
            e->checked++;
            if (!imgb_accounts_find_gid(a, p->gid)) {
                char *v = imgb_xasprintf("%lld", p->gid);
                char *msg = imgb_xasprintf("primary GID %lld is not defined in /etc/group%s",
                                           p->gid,
                                           a->src[IMGB_ACCT_GROUP].status == IMGB_ENOTFOUND
                                               ? " (file absent)"
                                               : "");
                acct_offend(e, IMGB_ACCT_PASSWD, p->line, p->name, v, msg);
                free(v);
                free(msg);
            }
            break;
        default:
            break;
        }
    }
    free(uid_min_src);
}

/* ---- shadow predicates ------------------------------------------------------------------------- */

static long long acct_shadow_field(const imgb_shadow_ent *s, acct_pred p)
{
    switch (p) {
    case P_MAX_DAYS:
        return s->max;
    case P_MIN_DAYS:
        return s->min;
    case P_WARN_AGE:
        return s->warn;
    default:
        return s->inactive;
    }
}

static void acct_eval_shadow(acct_eval *e)
{
    const imgb_accounts *a = e->a;
    acct_pred pred = e->c->def->pred;

    if (pred == P_LEGACY_PLUS) {
        acct_legacy_plus(e, IMGB_ACCT_SHADOW);
        return;
    }
    if (pred == P_EMPTY_PASSWORD) {
        /* an empty passwd field also means no password (nothing is looked up in shadow) */
        for (size_t i = 0; i < a->npw; i++) {
            const imgb_passwd_ent *p = &a->pw[i];
            if (p->nis)
                continue;
            if (p->passwd[0] == '\0')
                acct_offend(e, IMGB_ACCT_PASSWD, p->line, p->name, "",
                            "empty password field in /etc/passwd: no password needed");
        }
    }

    int64_t now = e->ctx->now;
    const char *now_what = "the image creation time";
    if (pred == P_LAST_CHANGE_PAST && now <= 0) {
        now = (int64_t)time(NULL);
        now_what = "the scan time (image creation time unknown)";
    }

    for (size_t i = 0; i < a->nsp; i++) {
        const imgb_shadow_ent *s = &a->sp[i];
        if (s->nis)
            continue;
        switch (pred) {
        case P_EMPTY_PASSWORD:
            e->checked++;
            if (s->hash[0] == '\0')
                acct_offend(e, IMGB_ACCT_SHADOW, s->line, s->name, "",
                            "empty password field: login without a password");
            break;
        case P_MAX_DAYS:
        case P_MIN_DAYS:
        case P_WARN_AGE:
        case P_INACTIVE: {
            if (!imgb_hash_ages_matter(s->hash))
                break;
            e->checked++;
            long long f = acct_shadow_field(s, pred);
            char *v = f == IMGB_ACCT_UNSET ? NULL : imgb_xasprintf("%lld", f);
            if (!imgb_cmp_eval(&e->c->cmp, v)) {
                char *msg = imgb_xasprintf("%s field is %s", e->c->def->name,
                                           v ? v : "empty (not set)");
                acct_offend(e, IMGB_ACCT_SHADOW, s->line, s->name, v ? v : "", msg);
                free(msg);
            }
            free(v);
            break;
        }
        case P_LAST_CHANGE_PAST:
            if (s->lastchg == IMGB_ACCT_UNSET)
                break;
            e->checked++;
            if (s->lastchg > now / 86400) {
                char *v = imgb_xasprintf("%lld", s->lastchg);
                char *msg = imgb_xasprintf("last password change (day %lld) is after %s "
                                           "(day %lld)",
                                           s->lastchg, now_what, (long long)(now / 86400));
                acct_offend(e, IMGB_ACCT_SHADOW, s->line, s->name, v, msg);
                free(v);
                free(msg);
            }
            break;
        default:
            break;
        }
    }
}

/* ---- group predicates ---------------------------------------------------------------------------- */

static void acct_eval_group(acct_eval *e)
{
    const imgb_accounts *a = e->a;

    switch (e->c->def->pred) {
    case P_DUPLICATE_GID:
    case P_DUPLICATE_NAME:
        acct_duplicates(e, IMGB_ACCT_GROUP, e->c->def->pred == P_DUPLICATE_GID);
        return;
    case P_LEGACY_PLUS:
        acct_legacy_plus(e, IMGB_ACCT_GROUP);
        return;
    default:
        break;
    }
    /* shadow_group_empty: no members and nobody's primary group (SSG ensure_shadow_group_empty) */
    const imgb_group_ent *g = imgb_accounts_find_group(a, "shadow");
    e->checked = 1;
    if (!g)
        return;
    for (size_t i = 0; i < g->nmembers; i++) {
        char *msg = imgb_xasprintf("'%s' is a member of group shadow", g->members[i]);
        acct_offend(e, IMGB_ACCT_GROUP, g->line, g->members[i], g->members[i], msg);
        free(msg);
    }
    for (size_t i = 0; i < a->npw; i++) {
        if (a->pw[i].nis || a->pw[i].gid != g->gid)
            continue;
        char *v = imgb_xasprintf("%lld", g->gid);
        char *msg = imgb_xasprintf("group shadow (GID %lld) is the primary group of '%s'",
                                   g->gid, a->pw[i].name);
        acct_offend(e, IMGB_ACCT_PASSWD, a->pw[i].line, a->pw[i].name, v, msg);
        free(v);
        free(msg);
    }
}

/* ---- evaluate ------------------------------------------------------------------------------------ */

static char *acct_expected(const acct_compiled *c)
{
    static const struct {
        acct_pred pred;
        const char *text;
    } texts[] = {
        {P_UID0_ONLY_ROOT, "only root has UID 0"},
        {P_DUPLICATE_UID, "every UID is unique"},
        {P_ROOT_GID0, "root's primary GID is 0"},
        {P_SYSTEM_NOLOGIN, "system accounts (UID < UID_MIN) have a nologin shell"},
        {P_SHADOWED, "every /etc/passwd password field is 'x'"},
        {P_GROUPS_EXIST, "every primary GID exists in /etc/group"},
        {P_EMPTY_PASSWORD, "no account has an empty password field"},
        {P_LAST_CHANGE_PAST, "every last password change is in the past"},
        {P_DUPLICATE_GID, "every GID is unique"},
        {P_SHADOW_GROUP_EMPTY, "group shadow has no members and is nobody's primary group"},
    };
    if (c->has_cmp) {
        char *subject = imgb_xasprintf("shadow %s of every account with a password",
                                       c->def->name);
        char *s = imgb_cmp_describe(&c->cmp, subject);
        free(subject);
        return s;
    }
    if (c->def->pred == P_DUPLICATE_NAME)
        return imgb_xasprintf("every %s name is unique",
                              c->def->file == IMGB_ACCT_PASSWD ? "user" : "group");
    if (c->def->pred == P_LEGACY_PLUS)
        return imgb_xasprintf("no '+' entries in /etc/%s", acct_file_names[c->def->file]);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i].pred == c->def->pred)
            return imgb_xstrdup(texts[i].text);
    return imgb_xstrdup(c->def->name);
}

/* The files a predicate reads, the first one being the one it needs. */
static size_t acct_files_of(const acct_compiled *c, imgb_acct_file files[3])
{
    size_t n = 0;
    files[n++] = c->def->file;
    if (c->def->pred == P_GROUPS_EXIST)
        files[n++] = IMGB_ACCT_GROUP;
    if (c->def->pred == P_SHADOW_GROUP_EMPTY || c->def->pred == P_EMPTY_PASSWORD)
        files[n++] = IMGB_ACCT_PASSWD;
    return n;
}

static int acct_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                         imgb_item_result *out)
{
    const acct_compiled *c = compiled;
    const imgb_accounts *a = imgb_accounts_get(ctx);
    (void)scan_state;
    char *expected = acct_expected(c);
    acct_eval e = {c, ctx, a, out, expected, 0, 0};
    imgb_acct_file files[3];
    size_t nfiles = acct_files_of(c, files);

    /* unreadable (not absent) files: error */
    for (size_t i = 0; i < nfiles; i++) {
        const imgb_acct_source *src = &a->src[files[i]];
        if (src->status < 0 && src->status != IMGB_ENOTFOUND) {
            out->verdict = IMGB_V_ERROR;
            imgb_fk_evidence(out, IMGB_V_ERROR, src->path, 0, NULL, NULL, NULL, expected,
                             "cannot read %s: %s", src->path,
                             src->message ? src->message : "unknown error");
            free(expected);
            return 0;
        }
    }
    const imgb_acct_source *main_src = &a->src[c->def->file];
    bool absent = main_src->status == IMGB_ENOTFOUND;
    /* empty_password still means something without /etc/shadow: passwd's own field */
    if (absent && c->def->pred == P_EMPTY_PASSWORD &&
        a->src[IMGB_ACCT_PASSWD].status == 0)
        absent = false;
    if (absent) {
        out->verdict = IMGB_V_NOT_APPLICABLE;
        imgb_fk_evidence(out, IMGB_V_NOT_APPLICABLE, main_src->path, 0, NULL, NULL, NULL,
                         expected, "%s is absent from the image: no local accounts to check",
                         main_src->path);
        free(expected);
        return 0;
    }

    out->verdict = IMGB_V_FAIL; /* evidence added below carries its own verdict */
    switch (c->def->file) {
    case IMGB_ACCT_PASSWD:
        acct_eval_passwd(&e);
        break;
    case IMGB_ACCT_SHADOW:
        acct_eval_shadow(&e);
        break;
    default:
        acct_eval_group(&e);
        break;
    }
    out->verdict = e.offenders ? IMGB_V_FAIL : IMGB_V_PASS;
    if (!e.offenders)
        imgb_fk_evidence(out, IMGB_V_PASS, main_src->path, 0, NULL, NULL, main_src->path,
                         expected, "%zu %s checked, none offends", e.checked,
                         e.checked == 1 ? "entry" : "entries");
    /* lines glibc skips: reported, verdict unchanged */
    for (size_t i = 0; i < a->nissues; i++) {
        bool relevant = false;
        for (size_t f = 0; f < nfiles; f++)
            relevant |= strcmp(a->issues[i].file, a->src[files[f]].path) == 0;
        if (relevant)
            imgb_fk_evidence(out, IMGB_V_ERROR, a->issues[i].file, a->issues[i].line, NULL,
                             NULL, NULL, expected, "line skipped (as glibc skips it): %s",
                             a->issues[i].message);
    }
    free(expected);
    return 0;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const acct_keys[] = {IMGB_FK_CMP_KEYS, "predicate", NULL};

const imgb_check_kind imgb_kind_passwd = {
    .name = "passwd",
    .keys = acct_keys,
    .compile = acct_compile_passwd,
    .prepare = acct_prepare,
    .evaluate = acct_evaluate,
    .free_scan_state = NULL,
    .free = acct_free,
};

const imgb_check_kind imgb_kind_shadow = {
    .name = "shadow",
    .keys = acct_keys,
    .compile = acct_compile_shadow,
    .prepare = acct_prepare,
    .evaluate = acct_evaluate,
    .free_scan_state = NULL,
    .free = acct_free,
};

const imgb_check_kind imgb_kind_group = {
    .name = "group",
    .keys = acct_keys,
    .compile = acct_compile_group,
    .prepare = acct_prepare,
    .evaluate = acct_evaluate,
    .free_scan_state = NULL,
    .free = acct_free,
};
