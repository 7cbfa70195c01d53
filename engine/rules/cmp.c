/*
 * Comparisons shared by every check kind that compares one value (rules/README.md,
 * "Comparisons").  Parsed once at load from the item's `check:` mapping, evaluated per scan.
 *
 * Semantics:
 *   - a NULL value means "absent": only `absent`, `ne` and `not_in` hold for it;
 *   - numeric ops (le, lt, ge, gt, range) parse the value as a decimal integer (octal when
 *     it has a leading 0 and `octal: true`, as login.defs reads UMASK with strtol base 0);
 *     a value that is not a number makes the comparison false, never an error;
 *   - eq/ne/in/not_in compare strings (case-insensitively with `nocase: true`); with
 *     `octal: true` two numbers compare by value, so "027" equals "0027";
 *   - subset: the value is a comma/space separated list (sshd Ciphers, MACs, KexAlgorithms)
 *     and every element must be one of `values`.
 *
 * Tests: tests/test_rules.c (cmp_* cases).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/rules.h"
#include "util/error.h"
#include "util/mem.h"

static const struct {
    const char *name;
    imgb_cmp_op op;
} cmp_ops[] = {
    { "eq", IMGB_CMP_EQ },         { "ne", IMGB_CMP_NE },       { "in", IMGB_CMP_IN },
    { "not_in", IMGB_CMP_NOT_IN }, { "le", IMGB_CMP_LE },       { "ge", IMGB_CMP_GE },
    { "lt", IMGB_CMP_LT },         { "gt", IMGB_CMP_GT },       { "range", IMGB_CMP_RANGE },
    { "subset", IMGB_CMP_SUBSET }, { "present", IMGB_CMP_PRESENT },
    { "absent", IMGB_CMP_ABSENT },
};

#define CMP_OP_NAMES "eq, ne, in, not_in, subset, le, lt, ge, gt, range, present, absent"

/* Parse a whole string as an integer; octal when `octal` and it starts with 0. */
static bool cmp_parse_number(const char *s, bool octal, long long *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
    if (*digits < '0' || *digits > '9')
        return false;
    int base = (octal && digits[0] == '0' && digits[1] >= '0' && digits[1] <= '9') ? 8 : 10;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, base);
    if (errno == ERANGE)
        return false;
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

/* A YAML scalar as JSON (string, integer, real, boolean) in its string form (malloc'd). */
static char *cmp_scalar_string(const json_t *v)
{
    if (!v)
        return NULL;
    switch (json_typeof(v)) {
    case JSON_STRING:
        return imgb_xstrdup(json_string_value(v));
    case JSON_INTEGER:
        return imgb_xasprintf("%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return imgb_xasprintf("%g", json_real_value(v));
    case JSON_TRUE:
        return imgb_xstrdup("true");
    case JSON_FALSE:
        return imgb_xstrdup("false");
    default:
        return NULL;
    }
}

static int cmp_parse_bound(const json_t *params, const char *key, bool octal, long long *out)
{
    const json_t *v = json_object_get(params, key);
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && cmp_parse_number(json_string_value(v), octal, out))
        return 0;
    return imgb_error_set(IMGB_EINVAL, "comparison: '%s' must be an integer", key);
}

static void cmp_push(imgb_cmp *out, char *s)
{
    out->values = imgb_xrealloc(out->values, (out->nvalues + 1) * sizeof *out->values);
    out->values[out->nvalues++] = s;
}

/* Split a comma/space list into `out->values`. */
static void cmp_push_list(imgb_cmp *out, const char *list)
{
    const char *p = list;
    while (*p) {
        size_t skip = strspn(p, ", \t");
        p += skip;
        size_t n = strcspn(p, ", \t");
        if (n)
            cmp_push(out, imgb_xstrndup(p, n));
        p += n;
    }
}

static int cmp_parse_values(const json_t *params, imgb_cmp *out)
{
    const json_t *v = json_object_get(params, "values");
    if (json_is_string(v)) {
        cmp_push_list(out, json_string_value(v));
        return 0;
    }
    if (!json_is_array(v))
        return imgb_error_set(IMGB_EINVAL, "comparison: 'values' must be a list");
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        char *s = cmp_scalar_string(e);
        if (!s)
            return imgb_error_set(IMGB_EINVAL,
                                  "comparison: 'values' element %zu is not a scalar", i + 1);
        cmp_push(out, s);
    }
    return 0;
}

static int cmp_parse_flag(const json_t *params, const char *key, bool *out)
{
    const json_t *v = json_object_get(params, key);
    if (!v) {
        *out = false;
        return 0;
    }
    if (!json_is_boolean(v))
        return imgb_error_set(IMGB_EINVAL, "comparison: '%s' must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

int imgb_cmp_parse(const json_t *params, imgb_cmp *out)
{
    int rc;

    memset(out, 0, sizeof *out);
    const char *opname = json_string_value(json_object_get(params, "op"));
    if (!opname)
        return imgb_error_set(IMGB_EINVAL, "comparison: missing 'op' (one of " CMP_OP_NAMES ")");
    size_t i;
    for (i = 0; i < sizeof cmp_ops / sizeof cmp_ops[0]; i++)
        if (strcmp(cmp_ops[i].name, opname) == 0)
            break;
    if (i == sizeof cmp_ops / sizeof cmp_ops[0])
        return imgb_error_set(IMGB_EINVAL, "comparison: unknown op '%s' (expected one of "
                              CMP_OP_NAMES ")", opname);
    out->op = cmp_ops[i].op;
    if ((rc = cmp_parse_flag(params, "nocase", &out->nocase)) < 0 ||
        (rc = cmp_parse_flag(params, "octal", &out->octal)) < 0)
        return rc;

    const char *bound;
    switch (out->op) {
    case IMGB_CMP_EQ:
    case IMGB_CMP_NE: {
        char *s = cmp_scalar_string(json_object_get(params, "value"));
        if (!s)
            return imgb_error_set(IMGB_EINVAL, "comparison: op '%s' needs a scalar 'value'",
                                  opname);
        cmp_push(out, s);
        return 0;
    }
    case IMGB_CMP_IN:
    case IMGB_CMP_NOT_IN:
    case IMGB_CMP_SUBSET:
        rc = cmp_parse_values(params, out);
        if (rc == 0 && out->nvalues == 0)
            rc = imgb_error_set(IMGB_EINVAL, "comparison: op '%s' needs a non-empty 'values'",
                                opname);
        if (rc < 0)
            imgb_cmp_dispose(out);
        return rc;
    case IMGB_CMP_LE:
    case IMGB_CMP_LT:
        bound = json_object_get(params, "max") ? "max" : "value";
        return cmp_parse_bound(params, bound, out->octal, &out->max);
    case IMGB_CMP_GE:
    case IMGB_CMP_GT:
        bound = json_object_get(params, "min") ? "min" : "value";
        return cmp_parse_bound(params, bound, out->octal, &out->min);
    case IMGB_CMP_RANGE:
        if ((rc = cmp_parse_bound(params, "min", out->octal, &out->min)) < 0 ||
            (rc = cmp_parse_bound(params, "max", out->octal, &out->max)) < 0)
            return rc;
        if (out->min > out->max)
            return imgb_error_set(IMGB_EINVAL, "comparison: range min %lld is above max %lld",
                                  out->min, out->max);
        return 0;
    case IMGB_CMP_PRESENT:
    case IMGB_CMP_ABSENT:
        return 0;
    }
    return imgb_error_set(IMGB_EINVAL, "comparison: unhandled op '%s'", opname);
}

static bool cmp_equal(const imgb_cmp *cmp, const char *a, const char *b)
{
    long long x, y;
    if (cmp->octal && cmp_parse_number(a, true, &x) && cmp_parse_number(b, true, &y))
        return x == y;
    return cmp->nocase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static bool cmp_member(const imgb_cmp *cmp, const char *s)
{
    for (size_t i = 0; i < cmp->nvalues; i++)
        if (cmp_equal(cmp, s, cmp->values[i]))
            return true;
    return false;
}

/* Every comma/space separated element of `list` is one of the values. */
static bool cmp_subset(const imgb_cmp *cmp, const char *list)
{
    const char *p = list;
    while (*p) {
        p += strspn(p, ", \t");
        size_t n = strcspn(p, ", \t");
        if (n == 0)
            break;
        char *tok = imgb_xstrndup(p, n);
        bool ok = cmp_member(cmp, tok);
        free(tok);
        if (!ok)
            return false;
        p += n;
    }
    return true;
}

bool imgb_cmp_eval(const imgb_cmp *cmp, const char *value)
{
    long long n;

    if (cmp->op == IMGB_CMP_PRESENT)
        return value != NULL;
    if (cmp->op == IMGB_CMP_ABSENT)
        return value == NULL;
    if (!value)
        return cmp->op == IMGB_CMP_NE || cmp->op == IMGB_CMP_NOT_IN;

    switch (cmp->op) {
    case IMGB_CMP_EQ:
        return cmp_equal(cmp, value, cmp->values[0]);
    case IMGB_CMP_NE:
        return !cmp_equal(cmp, value, cmp->values[0]);
    case IMGB_CMP_IN:
        return cmp_member(cmp, value);
    case IMGB_CMP_NOT_IN:
        return !cmp_member(cmp, value);
    case IMGB_CMP_SUBSET:
        return cmp_subset(cmp, value);
    default:
        break;
    }
    if (!cmp_parse_number(value, cmp->octal, &n))
        return false;
    switch (cmp->op) {
    case IMGB_CMP_LE:
        return n <= cmp->max;
    case IMGB_CMP_LT:
        return n < cmp->max;
    case IMGB_CMP_GE:
        return n >= cmp->min;
    case IMGB_CMP_GT:
        return n > cmp->min;
    case IMGB_CMP_RANGE:
        return n >= cmp->min && n <= cmp->max;
    default:
        return false;
    }
}

static void cmp_put_number(imgb_buf *b, const imgb_cmp *cmp, long long n)
{
    if (cmp->octal && n > 0)
        imgb_buf_printf(b, "0%llo", (unsigned long long)n);
    else
        imgb_buf_printf(b, "%lld", n);
}

static void cmp_put_set(imgb_buf *b, const imgb_cmp *cmp)
{
    imgb_buf_putc(b, '{');
    for (size_t i = 0; i < cmp->nvalues; i++)
        imgb_buf_printf(b, "%s%s", i ? ", " : "", cmp->values[i]);
    imgb_buf_putc(b, '}');
}

char *imgb_cmp_describe(const imgb_cmp *cmp, const char *subject)
{
    imgb_buf b = IMGB_BUF_INIT;

    if (subject && *subject)
        imgb_buf_printf(&b, "%s ", subject);
    switch (cmp->op) {
    case IMGB_CMP_EQ:
        imgb_buf_printf(&b, "== %s", cmp->values[0]);
        break;
    case IMGB_CMP_NE:
        imgb_buf_printf(&b, "!= %s", cmp->values[0]);
        break;
    case IMGB_CMP_IN:
        imgb_buf_puts(&b, "in ");
        cmp_put_set(&b, cmp);
        break;
    case IMGB_CMP_NOT_IN:
        imgb_buf_puts(&b, "not in ");
        cmp_put_set(&b, cmp);
        break;
    case IMGB_CMP_SUBSET:
        imgb_buf_puts(&b, "subset of ");
        cmp_put_set(&b, cmp);
        break;
    case IMGB_CMP_LE:
        imgb_buf_puts(&b, "<= ");
        cmp_put_number(&b, cmp, cmp->max);
        break;
    case IMGB_CMP_LT:
        imgb_buf_puts(&b, "< ");
        cmp_put_number(&b, cmp, cmp->max);
        break;
    case IMGB_CMP_GE:
        imgb_buf_puts(&b, ">= ");
        cmp_put_number(&b, cmp, cmp->min);
        break;
    case IMGB_CMP_GT:
        imgb_buf_puts(&b, "> ");
        cmp_put_number(&b, cmp, cmp->min);
        break;
    case IMGB_CMP_RANGE:
        imgb_buf_puts(&b, "in [");
        cmp_put_number(&b, cmp, cmp->min);
        imgb_buf_puts(&b, ", ");
        cmp_put_number(&b, cmp, cmp->max);
        imgb_buf_putc(&b, ']');
        break;
    case IMGB_CMP_PRESENT:
        imgb_buf_puts(&b, "is set");
        break;
    case IMGB_CMP_ABSENT:
        imgb_buf_puts(&b, "is not set");
        break;
    }
    if (cmp->nocase && cmp->nvalues)
        imgb_buf_puts(&b, " (case-insensitive)");
    return imgb_buf_detach(&b);
}

void imgb_cmp_dispose(imgb_cmp *cmp)
{
    if (!cmp)
        return;
    for (size_t i = 0; i < cmp->nvalues; i++)
        free(cmp->values[i]);
    free(cmp->values);
    cmp->values = NULL;
    cmp->nvalues = 0;
}
