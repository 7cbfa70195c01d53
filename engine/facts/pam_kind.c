/*
 * Check kind `pam`: module lines of a PAM stack (rules/README.md).
 *
 *   stack: auth|account|password|session  the family's stack files (pam.h), lines of that
 *                                          type unless `type` says otherwise; or
 *   file: /etc/pam.d/su                    one file;
 *   type, module                           filters (module compared by base name);
 *   present: true (default) | false        a matching line must / must not exist;
 *   arg + comparison                       every matching line's argument (pam_faillock
 *                                          falls back to faillock.conf, then the compiled
 *                                          default; see imgb_pam_setting_resolve);
 *   arg_absent: nullok                     no matching line carries that exact argument
 *                                          ("nullok_secure" is another argument; SSG's
 *                                          \bnullok\b agrees, as \b fails before '_').
 *   reachable: success | any | all         which lines count (the stack model, pam.h): on the
 *                                          success path, reachable on some path, or every
 *                                          line; default success for password lines (what
 *                                          runs when a password is set) and any otherwise
 *                                          (pam_faillock's authfail line runs on failure);
 *   first: true | false                    only the first module line of its type / only the
 *                                          later ones (use_authtok is for the later ones);
 *   missing: fail | pass | not_applicable  verdict when no line matches (default fail);
 *   sequence: [{type, module, arg}, ...]   every entry has a reachable line, in this order
 *                                          within a type (pam_faillock preauth, authfail,
 *                                          account); each stack of the layout is checked
 *                                          (EL: system-auth, password-auth; Debian: the
 *                                          common-<type> file of each entry).
 * pam_faillock settings of an auth line count only when the stack has both a reachable
 * `preauth` and a reachable `authfail` line: a preauth line alone records no failure and an
 * authfail line alone locks nobody out (pam_faillock.c).
 * Every stack file that exists is evaluated on its own (system-auth and password-auth serve
 * different services); none existing means PAM is not configured: not applicable.  An
 * unreadable stack file is an error.  unlock_time 0 of pam_faillock/pam_tally2 means "never
 * unlocked automatically", which satisfies any lower bound.
 *
 * Tests: tests/test_pam.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/factkind.h"
#include "facts/os.h"
#include "facts/pam.h"
#include "util/error.h"
#include "util/mem.h"

#define PAMK_MAX_STACKS 4
#define PAMK_MAX_SEQ 8

typedef enum pamk_reach {
    PAMK_REACH_DEFAULT = 0,   /* success for password lines, any otherwise */
    PAMK_REACH_SUCCESS,
    PAMK_REACH_ANY,
    PAMK_REACH_ALL,
} pamk_reach;

typedef struct pamk_seq {
    char *type, *module, *arg;
} pamk_seq;

typedef struct pam_compiled {
    char *stacks[PAMK_MAX_STACKS]; /* `stack:` one name or a list; none when `file` is given */
    size_t nstacks;
    char *stack;              /* stacks[0] (NULL when `file` is given) */
    char *file;
    char *type;
    char *module;
    bool present;
    char *arg;
    bool has_cmp;
    imgb_cmp cmp;
    char *arg_absent;
    pamk_reach reach;
    int first;                /* -1: any position, 0: not first, 1: first */
    imgb_verdict missing;
    pamk_seq seq[PAMK_MAX_SEQ];
    size_t nseq;
    char *any[PAMK_MAX_SEQ];  /* `arg` as a list: any one of these flags (arg = any[0]) */
    size_t nany;
} pam_compiled;

static void pamk_free(void *compiled)
{
    pam_compiled *c = compiled;
    if (!c)
        return;
    for (size_t i = 0; i < c->nstacks; i++)
        free(c->stacks[i]);
    free(c->file);
    free(c->type);
    free(c->module);
    free(c->arg);
    for (size_t i = 1; i < c->nany; i++)
        free(c->any[i]);
    free(c->arg_absent);
    for (size_t i = 0; i < c->nseq; i++) {
        free(c->seq[i].type);
        free(c->seq[i].module);
        free(c->seq[i].arg);
    }
    imgb_cmp_dispose(&c->cmp);
    free(c);
}

static bool pamk_valid_type(const char *t)
{
    return strcmp(t, "auth") == 0 || strcmp(t, "account") == 0 ||
           strcmp(t, "password") == 0 || strcmp(t, "session") == 0;
}

/* `stack`: a name or a list of names (every file of every stack, once). */
static int pamk_stacks(const json_t *params, pam_compiled *c)
{
    const json_t *v = json_object_get(params, "stack");
    if (!v)
        return 0;
    if (json_is_string(v)) {
        c->stacks[c->nstacks++] = imgb_xstrdup(json_string_value(v));
    } else if (json_is_array(v) && json_array_size(v) > 0 &&
               json_array_size(v) <= PAMK_MAX_STACKS) {
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e) {
            if (!json_is_string(e))
                return imgb_error_set(IMGB_EINVAL, "pam: 'stack' entries must be strings");
            c->stacks[c->nstacks++] = imgb_xstrdup(json_string_value(e));
        }
    } else {
        return imgb_error_set(IMGB_EINVAL, "pam: 'stack' must be a name or a list of 1 to %d "
                              "names", PAMK_MAX_STACKS);
    }
    c->stack = c->stacks[0];
    return 0;
}

/* A string parameter that names one of `names` (NULL-terminated): its index in *out. */
static int pamk_choice(const json_t *params, const char *key, const char *const *names, int *out)
{
    char *v = NULL;
    int rc = imgb_fk_string(params, key, false, &v);
    if (rc < 0 || !v)
        return rc;
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            free(v);
            return 0;
        }
    rc = imgb_error_set(IMGB_EINVAL, "pam: '%s' must be %s, %s or %s, not '%s'", key, names[0],
                        names[1], names[2], v);
    free(v);
    return rc;
}

/* `arg`: one name, or a list of flag names of which a line must carry one. */
static int pamk_arg_param(const json_t *params, pam_compiled *c)
{
    const json_t *v = json_object_get(params, "arg");
    if (!json_is_array(v))
        return imgb_fk_string(params, "arg", false, &c->arg);
    if (json_array_size(v) < 1 || json_array_size(v) > PAMK_MAX_SEQ)
        return imgb_error_set(IMGB_EINVAL, "pam: 'arg' must be a name or a list of 1 to %d "
                              "names", PAMK_MAX_SEQ);
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e))
            return imgb_error_set(IMGB_EINVAL, "pam: 'arg' entries must be strings");
        c->any[c->nany++] = imgb_xstrdup(json_string_value(e));
        c->arg = c->any[0]; /* owns any[0] from here on (pamk_free) */
    }
    if (imgb_fk_has_cmp(params))
        return imgb_error_set(IMGB_EINVAL, "pam: a comparison needs one 'arg', not a list");
    return 0;
}

/* `reachable`, `first`, `missing` and `sequence`. */
static int pamk_model_params(const json_t *params, pam_compiled *c)
{
    static const char *const reaches[] = {"success", "any", "all", NULL};
    static const char *const missings[] = {"fail", "pass", "not_applicable", NULL};
    static const pamk_reach reach_of[] = {PAMK_REACH_SUCCESS, PAMK_REACH_ANY, PAMK_REACH_ALL};
    static const imgb_verdict missing_of[] = {IMGB_V_FAIL, IMGB_V_PASS, IMGB_V_NOT_APPLICABLE};
    int reach = -1, missing = 0;
    int rc;
    c->first = -1;
    if ((rc = pamk_choice(params, "reachable", reaches, &reach)) < 0 ||
        (rc = pamk_choice(params, "missing", missings, &missing)) < 0)
        return rc;
    c->reach = reach < 0 ? PAMK_REACH_DEFAULT : reach_of[reach];
    c->missing = missing_of[missing];
    const json_t *f = json_object_get(params, "first");
    if (f) {
        if (!json_is_boolean(f)) {
            rc = imgb_error_set(IMGB_EINVAL, "pam: 'first' must be true or false");
            return rc;
        }
        c->first = json_is_true(f) ? 1 : 0;
    }
    const json_t *seq = json_object_get(params, "sequence");
    if (seq) {
        if (!json_is_array(seq) || json_array_size(seq) < 1 ||
            json_array_size(seq) > PAMK_MAX_SEQ) {
            rc = imgb_error_set(IMGB_EINVAL, "pam: 'sequence' must be a list of 1 to %d "
                                "{type, module, arg} entries", PAMK_MAX_SEQ);
            return rc;
        }
        static const char *const keys[] = {"type", "module", "arg", NULL};
        size_t i;
        const json_t *e;
        json_array_foreach(seq, i, e) {
            pamk_seq *q = &c->seq[c->nseq++];
            if ((rc = imgb_fk_check_keys(e, keys)) < 0 ||
                (rc = imgb_fk_string(e, "type", true, &q->type)) < 0 ||
                (rc = imgb_fk_string(e, "module", true, &q->module)) < 0 ||
                (rc = imgb_fk_string(e, "arg", false, &q->arg)) < 0) {
                imgb_error_prefix("pam: sequence entry %zu", i + 1);
                return rc;
            }
            if (!pamk_valid_type(q->type)) {
                rc = imgb_error_set(IMGB_EINVAL, "pam: sequence entry %zu: 'type' must be "
                                    "auth, account, password or session, not '%s'", i + 1,
                                    q->type);
                return rc;
            }
        }
    }
    return 0;
}

static int pamk_compile(const json_t *params, void **compiled)
{
    pam_compiled *c = imgb_xcalloc(1, sizeof *c);
    int rc;

    if ((rc = pamk_stacks(params, c)) < 0 ||
        (rc = imgb_fk_string(params, "file", false, &c->file)) < 0 ||
        (rc = imgb_fk_string(params, "type", false, &c->type)) < 0 ||
        (rc = imgb_fk_string(params, "module", false, &c->module)) < 0 ||
        (rc = imgb_fk_bool(params, "present", true, &c->present)) < 0 ||
        (rc = pamk_arg_param(params, c)) < 0 ||
        (rc = imgb_fk_string(params, "arg_absent", false, &c->arg_absent)) < 0 ||
        (rc = pamk_model_params(params, c)) < 0)
        goto fail;
    if (c->nseq ? (c->stack && c->file) : !c->stack == !c->file) {
        rc = imgb_error_set(IMGB_EINVAL, "pam: exactly one of 'stack' or 'file' is needed "
                            "('sequence' takes the stack files of its entries' types, or "
                            "'file')");
        goto fail;
    }
    for (size_t i = 0; i < c->nstacks; i++) {
        if (!pamk_valid_type(c->stacks[i])) {
            rc = imgb_error_set(IMGB_EINVAL, "pam: 'stack' must be auth, account, password or "
                                "session, not '%s'", c->stacks[i]);
            goto fail;
        }
    }
    if (c->type && !pamk_valid_type(c->type)) {
        rc = imgb_error_set(IMGB_EINVAL, "pam: 'type' must be auth, account, password or "
                            "session, not '%s'", c->type);
        goto fail;
    }
    if (c->nseq && (c->module || c->arg || c->arg_absent || c->type)) {
        rc = imgb_error_set(IMGB_EINVAL, "pam: 'sequence' excludes 'module', 'type', 'arg' and "
                            "'arg_absent' (each entry names its own)");
        goto fail;
    }
    if (!c->module && !c->arg_absent && !c->nseq) {
        rc = imgb_error_set(IMGB_EINVAL, "pam: 'module' is needed (unless only 'arg_absent' "
                            "or 'sequence')");
        goto fail;
    }
    c->has_cmp = imgb_fk_has_cmp(params);
    if (c->has_cmp && !c->arg) {
        rc = imgb_error_set(IMGB_EINVAL, "pam: a comparison needs 'arg'");
        goto fail;
    }
    if ((c->arg || c->arg_absent) && !c->present) {
        rc = imgb_error_set(IMGB_EINVAL, "pam: 'arg'/'arg_absent' with 'present: false'");
        goto fail;
    }
    if (c->has_cmp && (rc = imgb_cmp_parse(params, &c->cmp)) < 0)
        goto fail;
    /* one stack: its own lines; arg_absent over several files: every line of them */
    if (!c->type && c->nstacks == 1 && !c->arg_absent && !c->nseq)
        c->type = imgb_xstrdup(c->stack);
    *compiled = c;
    return 0;
fail:
    pamk_free(c);
    return rc;
}

static void pamk_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    (void)compiled;
    *scan_state = NULL;
    imgb_pam_register_keeps(setup->view);
}

static bool pamk_matches(const pam_compiled *c, const imgb_pam_line *l)
{
    if (c->type && strcmp(l->type, c->type) != 0)
        return false;
    if (c->module && strcmp(imgb_pam_module_base(l->module), imgb_pam_module_base(c->module)))
        return false;
    if (c->first >= 0 && (l->pos == 1) != (c->first == 1))
        return false;
    return true;
}

/* Does line l count under the reachability the rule asks for? */
static bool pamk_counts(pamk_reach reach, const imgb_pam_line *l)
{
    if (reach == PAMK_REACH_DEFAULT)
        reach = strcmp(l->type, "password") == 0 ? PAMK_REACH_SUCCESS : PAMK_REACH_ANY;
    switch (reach) {
    case PAMK_REACH_SUCCESS:
        return l->on_success_path;
    case PAMK_REACH_ANY:
        return l->reachable;
    default:
        return true;
    }
}

/* Why a matching line does not count (malloc'd). */
static char *pamk_not_counted(const imgb_pam_line *l)
{
    if (!l->reachable)
        return imgb_xasprintf("never reached%s%s", l->skipped_by ? ": " : "",
                              l->skipped_by ? l->skipped_by : "");
    return imgb_xasprintf("not on the success path: %s",
                          l->skipped_by ? l->skipped_by : "reached only after a failure");
}

/* First line of `s` at or after index `from` matching (type, module, arg); SIZE_MAX if none. */
static size_t pamk_find(const imgb_pam_stack *s, size_t from, const char *type,
                        const char *module, const char *arg)
{
    for (size_t i = from; i < s->nlines; i++) {
        const imgb_pam_line *l = &s->lines[i];
        if (strcmp(l->type, type) == 0 && l->reachable &&
            strcmp(imgb_pam_module_base(l->module), imgb_pam_module_base(module)) == 0 &&
            (!arg || imgb_pam_arg(l, arg, NULL)))
            return i;
    }
    return (size_t)-1;
}

/*
 * pam_faillock counts failures only with a reachable preauth AND a reachable authfail line in
 * the auth stack; returns NULL when both exist, else why not (malloc'd).
 */
static char *pamk_faillock_incomplete(const imgb_pam_stack *s)
{
    bool pre = pamk_find(s, 0, "auth", "pam_faillock.so", "preauth") != (size_t)-1;
    bool fail = pamk_find(s, 0, "auth", "pam_faillock.so", "authfail") != (size_t)-1;
    if (pre && fail)
        return NULL;
    return imgb_xasprintf("%s has no reachable pam_faillock %s line: %s (pam_faillock.c)",
                          s->path, pre ? "authfail" : fail ? "preauth" : "preauth or authfail",
                          pre ? "failures are never recorded"
                              : "a locked account can still log in");
}

static char *pamk_expected(const pam_compiled *c)
{
    imgb_buf b = IMGB_BUF_INIT;
    const char *what = c->module ? c->module : "any module";
    if (c->arg_absent) {
        imgb_buf_printf(&b, "no %s line of %s carries '%s'", c->type ? c->type : "PAM", what,
                        c->arg_absent);
    } else if (!c->present) {
        imgb_buf_printf(&b, "no %s %s line", c->type ? c->type : "", what);
    } else if (c->arg && c->has_cmp) {
        char *subject = imgb_xasprintf("%s %s", what, c->arg);
        char *d = imgb_cmp_describe(&c->cmp, subject);
        imgb_buf_printf(&b, "%s %s", c->type ? c->type : "", d);
        free(d);
        free(subject);
    } else if (c->nany > 1) {
        imgb_buf_printf(&b, "%s %s with one of", c->type ? c->type : "", what);
        for (size_t i = 0; i < c->nany; i++)
            imgb_buf_printf(&b, "%s %s", i ? "," : "", c->any[i]);
    } else if (c->arg) {
        imgb_buf_printf(&b, "%s %s with argument %s", c->type ? c->type : "", what, c->arg);
    } else {
        imgb_buf_printf(&b, "%s %s present", c->type ? c->type : "", what);
    }
    char *s = imgb_buf_detach(&b);
    return s;
}

static bool pamk_unlock_never(const imgb_pam_line *l, const char *arg, const char *value,
                              const imgb_cmp *cmp)
{
    const char *base = imgb_pam_module_base(l->module);
    return (strcmp(base, "pam_faillock.so") == 0 || strcmp(base, "pam_tally2.so") == 0) &&
           (strcmp(arg, "unlock_time") == 0 || strcmp(arg, "root_unlock_time") == 0) && value &&
           strcmp(value, "0") == 0 &&
           (cmp->op == IMGB_CMP_GE || cmp->op == IMGB_CMP_GT);
}

/* Evaluate one stack file; returns the number of failing evidences added (*error: a setting
 * could not be read). */
static size_t pamk_eval_file(const pam_compiled *c, const imgb_scan_ctx *ctx,
                             const imgb_pam_stack *s, const char *expected,
                             imgb_item_result *out, bool *none, bool *error)
{
    size_t fails = 0, matches = 0;

    size_t skipped = 0;
    char *faillock_gap = NULL;
    if (c->arg && c->module && strcmp(imgb_pam_module_base(c->module), "pam_faillock.so") == 0 &&
        (!c->type || strcmp(c->type, "auth") == 0))
        faillock_gap = pamk_faillock_incomplete(s);
    for (size_t i = 0; i < s->nlines; i++) {
        const imgb_pam_line *l = &s->lines[i];
        if (!pamk_matches(c, l))
            continue;
        char *where = imgb_pam_line_where(l);
        if (!pamk_counts(c->reach, l)) {
            char *why = pamk_not_counted(l);
            imgb_fk_evidence(out, IMGB_V_NOT_APPLICABLE, l->file, l->line, NULL, l->module,
                             where, expected, "%s %s %s does not count: %s", l->type,
                             l->control, imgb_pam_module_base(l->module), why);
            free(why);
            free(where);
            skipped++;
            continue;
        }
        matches++;
        if (c->arg_absent) {
            size_t idx;
            if (imgb_pam_arg(l, c->arg_absent, &idx)) {
                fails++;
                imgb_fk_evidence(out, IMGB_V_FAIL, l->file, l->line, NULL, l->args[idx], where,
                                 expected, "%s %s has argument '%s' (%s)", l->type,
                                 imgb_pam_module_base(l->module), l->args[idx], s->path);
            }
        } else if (!c->present) {
            fails++;
            imgb_fk_evidence(out, IMGB_V_FAIL, l->file, l->line, NULL, l->module, where,
                             expected, "%s %s %s is configured (%s)", l->type, l->control,
                             l->module, s->path);
        } else if (c->nany > 1) {
            const char *found = NULL;
            for (size_t k = 0; k < c->nany && !found; k++)
                if (imgb_pam_arg(l, c->any[k], NULL))
                    found = c->any[k];
            fails += !found;
            imgb_fk_evidence(out, found ? IMGB_V_PASS : IMGB_V_FAIL, l->file, l->line, NULL,
                             found, where, expected, "%s %s %s %s (%s)", l->type,
                             imgb_pam_module_base(l->module), found ? "carries" : "carries none of",
                             found ? found : expected, where);
        } else if (c->arg) {
            imgb_pam_setting set;
            imgb_pam_setting_resolve(ctx, l, c->arg, &set);
            if (set.status < 0) {
                *error = true;
                imgb_fk_evidence(out, IMGB_V_ERROR, set.file, 0, NULL, NULL, where, expected,
                                 "%s", set.source);
                imgb_pam_setting_dispose(&set);
                free(where);
                continue;
            }
            bool ok;
            const char *note = "";
            if (c->has_cmp) {
                ok = imgb_cmp_eval(&c->cmp, set.value);
                if (!ok && pamk_unlock_never(l, c->arg, set.value, &c->cmp)) {
                    ok = true;
                    note = " (0: never unlocked automatically)";
                }
            } else {
                ok = set.value != NULL;
            }
            if (faillock_gap && strcmp(l->type, "auth") == 0) {
                ok = false;
                note = "";
            }
            fails += !ok;
            imgb_fk_evidence(out, ok ? IMGB_V_PASS : IMGB_V_FAIL, set.file ? set.file : l->file,
                             set.file ? set.line : l->line, NULL, set.value,
                             set.source ? set.source : where, expected,
                             "%s %s %s=%s%s from %s (line %s)%s%s%s%s", l->type,
                             imgb_pam_module_base(l->module), c->arg,
                             set.value ? set.value : "(not set)", note,
                             set.source ? set.source : "nowhere", where,
                             set.note ? "; " : "", set.note ? set.note : "",
                             faillock_gap && strcmp(l->type, "auth") == 0 ? "; not enforced: " : "",
                             faillock_gap && strcmp(l->type, "auth") == 0 ? faillock_gap : "");
            imgb_pam_setting_dispose(&set);
        } else {
            imgb_fk_evidence(out, IMGB_V_PASS, l->file, l->line, NULL, l->module, where,
                             expected, "%s %s %s found (%s)", l->type, l->control, l->module,
                             s->path);
        }
        free(where);
    }
    free(faillock_gap);
    *none = matches == 0;
    if (c->present && !c->arg_absent && matches == 0) {
        fails += c->missing == IMGB_V_FAIL;
        imgb_fk_evidence(out, c->missing, s->path, 0, NULL, NULL, s->path, expected,
                         "no %s%s%s line%s in %s", c->type ? c->type : "", c->type ? " " : "",
                         c->module, skipped ? " that counts" : "", s->path);
    }
    if (!fails && (c->arg_absent || !c->present))
        imgb_fk_evidence(out, IMGB_V_PASS, s->path, 0, NULL, NULL, s->path, expected,
                         "%zu matching line%s in %s, none offends", matches,
                         matches == 1 ? "" : "s", s->path);
    for (size_t i = 0; i < s->nissues; i++)
        imgb_fk_evidence(out, IMGB_V_ERROR, s->issues[i].file, s->issues[i].line, NULL, NULL,
                         NULL, expected, "%s", s->issues[i].message);
    return fails;
}

/* The stack file holding `type` lines in the group of `primary` (EL files hold every type). */
static const char *pamk_group_file(const char *primary, const char *type, char buf[64])
{
    if (strncmp(primary, IMGB_PAM_DIR "/common-", strlen(IMGB_PAM_DIR "/common-")) != 0)
        return primary;
    snprintf(buf, 64, "%s/common-%s", IMGB_PAM_DIR, type);
    return buf;
}

/* `sequence`: every entry reachable, in order within a type, in each stack group. */
static int pamk_evaluate_sequence(const pam_compiled *c, const imgb_scan_ctx *ctx,
                                  imgb_item_result *out)
{
    const char *prim[4];
    size_t np = 0;
    if (c->file)
        prim[np++] = c->file;
    else
        np = imgb_pam_stack_files(ctx->os ? ctx->os->family : NULL, c->seq[0].type, prim);
    imgb_buf exp = IMGB_BUF_INIT;
    imgb_buf_puts(&exp, "in order:");
    for (size_t i = 0; i < c->nseq; i++)
        imgb_buf_printf(&exp, "%s %s %s%s%s", i ? "," : "", c->seq[i].type, c->seq[i].module,
                        c->seq[i].arg ? " " : "", c->seq[i].arg ? c->seq[i].arg : "");
    size_t present = 0, fails = 0;
    bool error = false;
    for (size_t g = 0; g < np; g++) {
        const imgb_pam_stack *s0 = imgb_pam_get(ctx, prim[g]);
        if (s0->status == IMGB_ENOTFOUND)
            continue;
        present++;
        size_t from = 0;
        const char *prev_file = NULL, *prev_type = NULL;
        for (size_t i = 0; i < c->nseq; i++) {
            char buf[64];
            const pamk_seq *q = &c->seq[i];
            const char *f = pamk_group_file(prim[g], q->type, buf);
            const imgb_pam_stack *s = imgb_pam_get(ctx, f);
            if (s->status < 0 && s->status != IMGB_ENOTFOUND) {
                error = true;
                imgb_fk_evidence(out, IMGB_V_ERROR, f, 0, NULL, NULL, NULL, exp.ptr,
                                 "cannot read %s: %s", f, s->message ? s->message : "error");
                break;
            }
            if (!prev_file || strcmp(prev_file, s->path) != 0 || strcmp(prev_type, q->type) != 0)
                from = 0;
            size_t hit = pamk_find(s, from, q->type, q->module, q->arg);
            if (hit == (size_t)-1) {
                fails++;
                imgb_fk_evidence(out, IMGB_V_FAIL, s->path, 0, NULL, NULL, s->path, exp.ptr,
                                 "no reachable %s %s%s%s line%s in %s", q->type, q->module,
                                 q->arg ? " " : "", q->arg ? q->arg : "",
                                 from ? " after the previous entry" : "", s->path);
                break;
            }
            const imgb_pam_line *l = &s->lines[hit];
            char *where = imgb_pam_line_where(l);
            imgb_fk_evidence(out, IMGB_V_PASS, l->file, l->line, NULL, l->module, where, exp.ptr,
                             "%s %s %s found at %s", l->type, l->control,
                             imgb_pam_module_base(l->module), where);
            free(where);
            from = hit + 1;
            prev_file = s->path;
            prev_type = q->type;
        }
    }
    if (present == 0) {
        out->verdict = IMGB_V_NOT_APPLICABLE;
        imgb_fk_evidence(out, IMGB_V_NOT_APPLICABLE, prim[0], 0, NULL, NULL, NULL, exp.ptr,
                         "no PAM stack file in the image (%s): PAM is not configured", prim[0]);
    } else {
        out->verdict = error ? IMGB_V_ERROR : fails ? IMGB_V_FAIL : IMGB_V_PASS;
    }
    imgb_buf_dispose(&exp);
    return 0;
}

static int pamk_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                         imgb_item_result *out)
{
    const pam_compiled *c = compiled;
    const char *files[4 * PAMK_MAX_STACKS];
    size_t nfiles = 0;
    (void)scan_state;

    if (c->nseq)
        return pamk_evaluate_sequence(c, ctx, out);

    if (c->file)
        files[nfiles++] = c->file;
    for (size_t i = 0; i < c->nstacks; i++) {
        const char *f[4];
        size_t n = imgb_pam_stack_files(ctx->os ? ctx->os->family : NULL, c->stacks[i], f);
        for (size_t j = 0; j < n; j++) {
            size_t k;
            for (k = 0; k < nfiles; k++)
                if (strcmp(files[k], f[j]) == 0)
                    break;
            if (k == nfiles)
                files[nfiles++] = f[j];
        }
    }
    char *expected = pamk_expected(c);
    size_t present = 0, fails = 0, nomatch = 0;
    bool error = false;
    out->verdict = IMGB_V_PASS;
    for (size_t i = 0; i < nfiles; i++) {
        const imgb_pam_stack *s = imgb_pam_get(ctx, files[i]);
        if (s->status == IMGB_ENOTFOUND)
            continue;
        present++;
        if (s->status < 0) {
            error = true;
            imgb_fk_evidence(out, IMGB_V_ERROR, s->path, 0, NULL, NULL, NULL, expected,
                             "cannot read %s: %s", s->path,
                             s->message ? s->message : "unknown error");
            continue;
        }
        bool none = false;
        fails += pamk_eval_file(c, ctx, s, expected, out, &none, &error);
        nomatch += none;
    }
    if (present == 0) {
        out->verdict = IMGB_V_NOT_APPLICABLE;
        imgb_buf names = IMGB_BUF_INIT;
        for (size_t i = 0; i < nfiles; i++)
            imgb_buf_printf(&names, "%s%s", i ? ", " : "", files[i]);
        imgb_fk_evidence(out, IMGB_V_NOT_APPLICABLE, files[0], 0, NULL, NULL, NULL, expected,
                         "no PAM stack file in the image (%s): PAM is not configured",
                         names.ptr);
        imgb_buf_dispose(&names);
    } else {
        out->verdict = error ? IMGB_V_ERROR : fails ? IMGB_V_FAIL : IMGB_V_PASS;
        /* `missing: not_applicable` and no stack has a matching line */
        if (out->verdict == IMGB_V_PASS && c->present && !c->arg_absent &&
            c->missing == IMGB_V_NOT_APPLICABLE && nomatch == present)
            out->verdict = IMGB_V_NOT_APPLICABLE;
    }
    free(expected);
    return 0;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const pamk_keys[] = {IMGB_FK_CMP_KEYS, "stack", "file", "type", "module",
                                        "present", "arg", "arg_absent", "reachable", "first",
                                        "missing", "sequence", NULL};

const imgb_check_kind imgb_kind_pam = {
    .name = "pam",
    .keys = pamk_keys,
    .compile = pamk_compile,
    .prepare = pamk_prepare,
    .evaluate = pamk_evaluate,
    .free_scan_state = NULL,
    .free = pamk_free,
};
