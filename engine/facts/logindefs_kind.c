/*
 * Check kind `login_defs`: one key of /etc/login.defs (or, with `file: /etc/default/useradd`,
 * of useradd's defaults) compared with the rule's condition.
 *
 * The effective value is the last assignment (shadow getdef.c), parsed as the tool parses
 * it; absent or unparsable means the rule's `default:` if it has one, else the tool's
 * built-in default (logindefs.c cites each).  A negative PASS_MAX_DAYS / INACTIVE means
 * "no limit" and never satisfies an upper bound.  An unreadable file (symlink loop, content
 * not kept) is an error verdict; an absent one means the defaults apply, as for the tools.
 *
 * Tests: tests/test_logindefs.c.
 */
#include <stdlib.h>
#include <string.h>

#include "facts/factkind.h"
#include "facts/logindefs.h"
#include "util/error.h"
#include "util/mem.h"

typedef struct ld_compiled {
    char *key;
    char *dflt;
    imgb_defs_format fmt;
    imgb_cmp cmp;
} ld_compiled;

static void ld_free(void *compiled)
{
    ld_compiled *c = compiled;
    if (!c)
        return;
    free(c->key);
    free(c->dflt);
    imgb_cmp_dispose(&c->cmp);
    free(c);
}

static int ld_compile(const json_t *params, void **compiled)
{
    ld_compiled *c = imgb_xcalloc(1, sizeof *c);
    char *file = NULL;
    int rc;

    if ((rc = imgb_fk_string(params, "key", true, &c->key)) < 0 ||
        (rc = imgb_fk_string(params, "default", false, &c->dflt)) < 0 ||
        (rc = imgb_fk_string(params, "file", false, &file)) < 0)
        goto fail;
    if (file && strcmp(file, IMGB_USERADD_DEFAULTS_PATH) == 0) {
        c->fmt = IMGB_DEFS_USERADD;
    } else if (file && strcmp(file, IMGB_LOGINDEFS_PATH) != 0) {
        rc = imgb_error_set(IMGB_EINVAL, "login_defs: 'file' must be %s or %s, not '%s'",
                            IMGB_LOGINDEFS_PATH, IMGB_USERADD_DEFAULTS_PATH, file);
        goto fail;
    }
    if (!imgb_fk_has_cmp(params)) {
        rc = imgb_error_set(IMGB_EINVAL, "login_defs: missing comparison 'op'");
        goto fail;
    }
    if ((rc = imgb_cmp_parse(params, &c->cmp)) < 0)
        goto fail;
    free(file);
    *compiled = c;
    return 0;
fail:
    free(file);
    ld_free(c);
    return rc;
}

static void ld_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    (void)compiled;
    *scan_state = NULL;
    imgb_logindefs_register_keeps(setup->view);
}

/* The value as the comparison should see it (NULL: absent); malloc'd. */
static char *ld_cmp_value(const ld_compiled *c, const imgb_defs_value *v)
{
    if (!v->has_value)
        return NULL;
    if (!v->numeric)
        return imgb_xstrdup(v->text);
    if (c->cmp.octal && v->num > 0)
        return imgb_xasprintf("0%llo", (unsigned long long)v->num);
    return imgb_xasprintf("%lld", v->num);
}

static int ld_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                       imgb_item_result *out)
{
    const ld_compiled *c = compiled;
    const imgb_defs *d = c->fmt == IMGB_DEFS_USERADD ? imgb_useradd_defaults_get(ctx)
                                                     : imgb_logindefs_get(ctx);
    (void)scan_state;
    char *expected = imgb_cmp_describe(&c->cmp, c->key);

    if (!d || (d->status < 0 && d->status != IMGB_ENOTFOUND)) {
        out->verdict = IMGB_V_ERROR;
        imgb_fk_evidence(out, IMGB_V_ERROR, d ? d->path : IMGB_LOGINDEFS_PATH, 0, NULL, NULL,
                         NULL, expected, "cannot read %s: %s",
                         d ? d->path : IMGB_LOGINDEFS_PATH,
                         d && d->message ? d->message : imgb_error_last());
        free(expected);
        return 0;
    }

    const imgb_defs_known *k = imgb_defs_known_key(c->fmt, c->key);
    imgb_defs_value v;
    imgb_defs_resolve(d, c->fmt, c->key, c->dflt,
                      imgb_fk_cmp_numeric(&c->cmp) || c->cmp.octal, &v);
    char *value = ld_cmp_value(c, &v);
    bool ok = imgb_cmp_eval(&c->cmp, value);
    bool unlimited = k && k->negative_unlimited && v.numeric && v.has_value && v.num < 0;
    if (unlimited && (c->cmp.op == IMGB_CMP_LE || c->cmp.op == IMGB_CMP_LT ||
                      c->cmp.op == IMGB_CMP_RANGE))
        ok = false;

    out->verdict = ok ? IMGB_V_PASS : IMGB_V_FAIL;
    const char *shown = value ? value : "(not set)";
    char *note = imgb_xasprintf("%s%s%s", unlimited ? " (no limit)" : "", v.note ? "; " : "",
                                v.note ? v.note : "");
    if (v.entry && !v.unparsable) {
        imgb_fk_evidence(out, out->verdict, d->path, v.entry->line, NULL, shown, v.source,
                         expected, "%s is %s%s (last occurrence, %s:%d)", c->key, shown, note,
                         d->path, v.entry->line);
    } else if (v.entry) {
        imgb_fk_evidence(out, out->verdict, d->path, v.entry->line, NULL, shown, v.source,
                         expected, "%s value '%s' does not parse; %s%s applies", c->key,
                         v.entry->value, v.has_value ? shown : "no default", note);
    } else {
        imgb_fk_evidence(out, out->verdict, d->path, 0, NULL, value, v.source, expected,
                         "%s is not set in %s%s; %s%s", c->key, d->path,
                         d->status == IMGB_ENOTFOUND ? " (file absent)" : "",
                         v.has_value ? shown : "no default applies", note);
    }
    free(note);
    free(value);
    free(expected);
    imgb_defs_value_dispose(&v);
    return 0;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const ldk_keys[] = {IMGB_FK_CMP_KEYS, "key", "default", "file", NULL};

const imgb_check_kind imgb_kind_login_defs = {
    .name = "login_defs",
    .keys = ldk_keys,
    .compile = ld_compile,
    .prepare = ld_prepare,
    .evaluate = ld_evaluate,
    .free_scan_state = NULL,
    .free = ld_free,
};
