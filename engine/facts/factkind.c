/* Parameter and evidence helpers of the account/login.defs/PAM/pwquality kinds; see factkind.h. */
#include "facts/factkind.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/mem.h"

int imgb_fk_check_keys(const json_t *params, const char *const *allowed)
{
    const char *key;
    const json_t *v;

    if (!json_is_object(params))
        return imgb_error_set(IMGB_EINVAL, "check: expected a mapping of parameters");
    json_object_foreach((json_t *)params, key, v) {
        size_t i;
        for (i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0)
                break;
        if (!allowed[i]) {
            imgb_buf b = IMGB_BUF_INIT;
            for (i = 0; allowed[i]; i++)
                imgb_buf_printf(&b, "%s%s", b.len ? ", " : "", allowed[i]);
            int rc = imgb_error_set(IMGB_EINVAL, "unknown parameter '%s' (expected one of %s)",
                                    key, b.ptr ? b.ptr : "");
            imgb_buf_dispose(&b);
            return rc;
        }
    }
    return 0;
}

int imgb_fk_string(const json_t *params, const char *key, bool required, char **out)
{
    const json_t *v = json_object_get(params, key);

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return imgb_error_set(IMGB_EINVAL, "missing parameter '%s'", key);
        return 0;
    }
    if (json_is_string(v))
        *out = imgb_xstrdup(json_string_value(v));
    else if (json_is_integer(v))
        *out = imgb_xasprintf("%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        *out = imgb_xstrdup(json_is_true(v) ? "true" : "false");
    else
        return imgb_error_set(IMGB_EINVAL, "parameter '%s' must be a string", key);
    return 0;
}

int imgb_fk_bool(const json_t *params, const char *key, bool dflt, bool *out)
{
    const json_t *v = json_object_get(params, key);

    *out = dflt;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return imgb_error_set(IMGB_EINVAL, "parameter '%s' must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

bool imgb_fk_has_cmp(const json_t *params)
{
    return json_object_get(params, "op") != NULL;
}

bool imgb_fk_cmp_numeric(const imgb_cmp *cmp)
{
    switch (cmp->op) {
    case IMGB_CMP_LE:
    case IMGB_CMP_LT:
    case IMGB_CMP_GE:
    case IMGB_CMP_GT:
    case IMGB_CMP_RANGE:
        return true;
    default:
        return false;
    }
}

static char *fk_dup(const char *s)
{
    return s ? imgb_xstrdup(s) : NULL;
}

imgb_evidence *imgb_fk_evidence(imgb_item_result *r, imgb_verdict v, const char *file, int line,
                                const char *account, const char *value, const char *source,
                                const char *expected, const char *msg_fmt, ...)
{
    if (imgb_result_evidence_full(r)) {
        /* counted exactly; the scan closes the item with "and M more" */
        imgb_result_add_more(r, 1);
        return NULL;
    }
    imgb_evidence *ev = imgb_result_add_evidence(r);
    ev->verdict = v;
    ev->file = fk_dup(file);
    ev->line = line;
    ev->account = fk_dup(account);
    ev->value = fk_dup(value);
    ev->source = fk_dup(source);
    ev->expected = fk_dup(expected);
    if (msg_fmt) {
        char buf[IMGB_ERROR_MAX];
        va_list ap;
        va_start(ap, msg_fmt);
        vsnprintf(buf, sizeof buf, msg_fmt, ap);
        va_end(ap);
        ev->message = imgb_xstrdup(buf);
    }
    return ev;
}
