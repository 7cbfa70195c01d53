/*
 * Check kind `pwquality`: one password-quality option, resolved per password stack file
 * (compiled default < pwquality.conf.d < pwquality.conf < pam_pwquality/pam_cracklib
 * arguments; see pwquality.h), compared with the rule's condition.
 *
 * The value rules of libpwquality (pwquality.h) apply: a disabled check (maxrepeat 0,
 * maxclassrepeat 1 up to 1.4.5) meets no upper bound; with enforcing=0, or a pam_pwquality
 * line jumped over on the success path, nothing is enforced and every option fails; the
 * evidence names the rule that applied.
 *
 * Each password stack file of the family is evaluated (EL: system-auth and password-auth,
 * Debian: common-password).  No pam_pwquality / pam_cracklib line in a stack means nothing
 * enforces the option there: fail, as the reference has it for CIS minlen on Debian images
 * without libpam-pwquality.  No stack file at all (PAM not configured): not applicable.
 *
 * Tests: tests/test_pam.c.
 */
#include <stdlib.h>
#include <string.h>

#include "facts/factkind.h"
#include "facts/os.h"
#include "facts/pam.h"
#include "facts/pwquality.h"
#include "util/error.h"
#include "util/mem.h"

typedef struct pwqk_compiled {
    char *option;
    imgb_cmp cmp;
} pwqk_compiled;

static void pwqk_free(void *compiled)
{
    pwqk_compiled *c = compiled;
    if (!c)
        return;
    free(c->option);
    imgb_cmp_dispose(&c->cmp);
    free(c);
}

static int pwqk_compile(const json_t *params, void **compiled)
{
    pwqk_compiled *c = imgb_xcalloc(1, sizeof *c);
    int rc;

    if ((rc = imgb_fk_string(params, "option", true, &c->option)) < 0)
        goto fail;
    if (!imgb_pwq_known_option(c->option)) {
        rc = imgb_error_set(IMGB_EINVAL, "pwquality: unknown option '%s' (expected minlen, "
                            "dcredit, ucredit, lcredit, ocredit, minclass, difok, maxrepeat, "
                            "maxclassrepeat, maxsequence, gecoscheck, dictcheck, usercheck, "
                            "enforcing, retry, enforce_for_root, local_users_only)", c->option);
        goto fail;
    }
    if (!imgb_fk_has_cmp(params)) {
        rc = imgb_error_set(IMGB_EINVAL, "pwquality: missing comparison 'op'");
        goto fail;
    }
    if ((rc = imgb_cmp_parse(params, &c->cmp)) < 0)
        goto fail;
    *compiled = c;
    return 0;
fail:
    pwqk_free(c);
    return rc;
}

static void pwqk_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    (void)compiled;
    *scan_state = NULL;
    imgb_pam_register_keeps(setup->view);
    imgb_pwq_register_keeps(setup->view);
}

static int pwqk_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                         imgb_item_result *out)
{
    const pwqk_compiled *c = compiled;
    const char *files[4];
    size_t nfiles = imgb_pam_stack_files(ctx->os ? ctx->os->family : NULL, "password", files);
    char *expected = imgb_cmp_describe(&c->cmp, c->option);
    size_t present = 0, fails = 0;
    bool error = false;
    (void)scan_state;

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
        imgb_pwq_value v;
        imgb_pwq_resolve(ctx, files[i], c->option, &v);
        if (v.module_present && v.status < 0) {
            error = true;
            imgb_fk_evidence(out, IMGB_V_ERROR, v.file, 0, NULL, NULL, NULL, expected, "%s",
                             v.source);
        } else if (!v.module_present) {
            fails++;
            imgb_fk_evidence(out, IMGB_V_FAIL, s->path, 0, NULL, NULL, s->path, expected,
                             "no pam_pwquality.so or pam_cracklib.so in the password stack of "
                             "%s: %s is not enforced",
                             s->path, c->option);
        } else {
            bool ok = imgb_cmp_eval(&c->cmp, v.value);
            /* a disabled check has no limit: no upper bound is met (check.c) */
            if (ok && v.unlimited &&
                (c->cmp.op == IMGB_CMP_LE || c->cmp.op == IMGB_CMP_LT ||
                 c->cmp.op == IMGB_CMP_RANGE))
                ok = false;
            if (v.not_enforced)
                ok = false;
            fails += !ok;
            imgb_buf extra = IMGB_BUF_INIT;
            if (v.rule)
                imgb_buf_printf(&extra, "; %s", v.rule);
            if (v.not_enforced)
                imgb_buf_printf(&extra, "; not enforced: %s", v.not_enforced_why);
            if (v.stopped)
                imgb_buf_printf(&extra, "; %s", v.stopped);
            imgb_fk_evidence(out, ok ? IMGB_V_PASS : IMGB_V_FAIL,
                             v.file ? v.file : v.module_file, v.file ? v.line : v.module_line,
                             NULL, v.value, v.source, expected,
                             "%s=%s for %s (%s:%d; libpwquality %s from %s)%s", c->option,
                             v.value ? v.value : "(not set)", v.module, v.module_file,
                             v.module_line, v.version, v.version_source,
                             extra.ptr ? extra.ptr : "");
            imgb_buf_dispose(&extra);
        }
        imgb_pwq_value_dispose(&v);
    }
    if (present == 0) {
        out->verdict = IMGB_V_NOT_APPLICABLE;
        imgb_fk_evidence(out, IMGB_V_NOT_APPLICABLE, files[0], 0, NULL, NULL, NULL, expected,
                         "no PAM password stack file in the image: PAM is not configured");
    } else {
        out->verdict = error ? IMGB_V_ERROR : fails ? IMGB_V_FAIL : IMGB_V_PASS;
    }
    free(expected);
    return 0;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const pwqk_keys[] = {IMGB_FK_CMP_KEYS, "option", NULL};

const imgb_check_kind imgb_kind_pwquality = {
    .name = "pwquality",
    .keys = pwqk_keys,
    .compile = pwqk_compile,
    .prepare = pwqk_prepare,
    .evaluate = pwqk_evaluate,
    .free_scan_state = NULL,
    .free = pwqk_free,
};
