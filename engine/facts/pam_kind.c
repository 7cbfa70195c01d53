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
 * Every stack file that exists is evaluated on its own (system-auth and password-auth serve
 * different services); none existing means PAM is not configured: not applicable.  An
 * unreadable stack file is an error.  unlock_time 0 of pam_faillock/pam_tally2 means "never
 * unlocked automatically", which satisfies any lower bound.
 *
 * Tests: tests/test_pam.c.
 */
#include <stdlib.h>
#include <string.h>

#include "facts/factkind.h"
#include "facts/os.h"
#include "facts/pam.h"
#include "util/error.h"
#include "util/mem.h"

#define PAMK_MAX_STACKS 4

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
    free(c->arg_absent);
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

static int pamk_compile(const json_t *params, void **compiled)
{
    static const char *const allowed[] = {IMGB_FK_CMP_KEYS, "stack", "file", "type", "module",
                                          "present", "arg", "arg_absent", NULL};
    pam_compiled *c = imgb_xcalloc(1, sizeof *c);
    int rc;

    if ((rc = imgb_fk_check_keys(params, allowed)) < 0 ||
        (rc = pamk_stacks(params, c)) < 0 ||
        (rc = imgb_fk_string(params, "file", false, &c->file)) < 0 ||
        (rc = imgb_fk_string(params, "type", false, &c->type)) < 0 ||
        (rc = imgb_fk_string(params, "module", false, &c->module)) < 0 ||
        (rc = imgb_fk_bool(params, "present", true, &c->present)) < 0 ||
        (rc = imgb_fk_string(params, "arg", false, &c->arg)) < 0 ||
        (rc = imgb_fk_string(params, "arg_absent", false, &c->arg_absent)) < 0)
        goto fail;
    if (!c->stack == !c->file) {
        rc = imgb_error_set(IMGB_EINVAL, "pam: exactly one of 'stack' or 'file' is needed");
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
    if (!c->module && !c->arg_absent) {
        rc = imgb_error_set(IMGB_EINVAL, "pam: 'module' is needed (unless only 'arg_absent')");
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
    if (!c->type && c->nstacks == 1 && !c->arg_absent)
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
    return true;
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
           strcmp(arg, "unlock_time") == 0 && value && strcmp(value, "0") == 0 &&
           (cmp->op == IMGB_CMP_GE || cmp->op == IMGB_CMP_GT);
}

/* Evaluate one stack file; returns the number of failing evidences added (*error: a setting
 * could not be read). */
static size_t pamk_eval_file(const pam_compiled *c, const imgb_scan_ctx *ctx,
                             const imgb_pam_stack *s, const char *expected,
                             imgb_item_result *out, bool *error)
{
    size_t fails = 0, matches = 0;

    for (size_t i = 0; i < s->nlines; i++) {
        const imgb_pam_line *l = &s->lines[i];
        if (!pamk_matches(c, l))
            continue;
        matches++;
        char *where = l->via ? imgb_xasprintf("%s:%d (included from %s)", l->file, l->line,
                                              l->via)
                             : imgb_xasprintf("%s:%d", l->file, l->line);
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
            fails += !ok;
            imgb_fk_evidence(out, ok ? IMGB_V_PASS : IMGB_V_FAIL, set.file ? set.file : l->file,
                             set.file ? set.line : l->line, NULL, set.value,
                             set.source ? set.source : where, expected,
                             "%s %s %s=%s%s from %s (line %s)", l->type,
                             imgb_pam_module_base(l->module), c->arg,
                             set.value ? set.value : "(not set)", note,
                             set.source ? set.source : "nowhere", where);
            imgb_pam_setting_dispose(&set);
        } else {
            imgb_fk_evidence(out, IMGB_V_PASS, l->file, l->line, NULL, l->module, where,
                             expected, "%s %s %s found (%s)", l->type, l->control, l->module,
                             s->path);
        }
        free(where);
    }
    if (c->present && !c->arg_absent && matches == 0) {
        fails++;
        imgb_fk_evidence(out, IMGB_V_FAIL, s->path, 0, NULL, NULL, s->path, expected,
                         "no %s%s%s line in %s", c->type ? c->type : "", c->type ? " " : "",
                         c->module, s->path);
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

static int pamk_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                         imgb_item_result *out)
{
    const pam_compiled *c = compiled;
    const char *files[4 * PAMK_MAX_STACKS];
    size_t nfiles = 0;
    (void)scan_state;

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
    size_t present = 0, fails = 0;
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
        fails += pamk_eval_file(c, ctx, s, expected, out, &error);
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
    }
    free(expected);
    return 0;
}

const imgb_check_kind imgb_kind_pam = {
    .name = "pam",
    .compile = pamk_compile,
    .prepare = pamk_prepare,
    .evaluate = pamk_evaluate,
    .free_scan_state = NULL,
    .free = pamk_free,
};
