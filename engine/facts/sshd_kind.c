/*
 * Check kinds over the sshd_config model (facts/sshd.h):
 *   sshd_option        `keyword` + a comparison (rules/README.md) on the effective value;
 *                      `time: true` lets thresholds be written as times ("5m"); `nonzero: true`
 *                      also requires a number > 0; `maxstartups: "a:b:c"` compares MaxStartups
 *                      component-wise (start <= a, rate >= b, full <= c: no more lenient);
 *                      `countmax_zero: fail` fails ClientAliveCountMax 0 on OpenSSH >= 8.2,
 *                      where it disables the timeout instead of enforcing it.
 *   sshd_config_error  the configuration is one sshd would accept.
 * Verdicts: not_applicable without openssh-server; error when a file cannot be read (missing
 * main file, symlink loop, Include target not kept); fail when sshd would refuse to start
 * (a rejected value is a failing configuration, whatever the keyword); else the comparison.
 * Evidence: where the effective value comes from, plus one entry per Match block that sets
 * the keyword (with that block's own verdict).  Configuration problems are listed once, by
 * the baseline's sshd_config_error item; every sshd_option item of a refused configuration
 * carries one entry naming the first problem, the count and that item (a config of a
 * million bad lines must not be copied into every item).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/factkind.h"
#include "facts/os.h"
#include "facts/sshd.h"
#include "facts/sshd_kind.h"
#include "rules/rules.h"
#include "util/error.h"
#include "util/mem.h"

/* Files named in config_valid's passing evidence (the count covers the rest). */
#define SSHD_KIND_FILES_NAMED 20

typedef struct sshd_check {
    char *keyword;
    imgb_cmp cmp;
    bool has_cmp;
    bool nonzero;
    bool time;
    bool maxstartups;
    int ms[3];                /* maxstartups a:b:c */
    bool countmax_zero_fails; /* `countmax_zero: fail` */
} sshd_check;

static void check_free(void *compiled)
{
    sshd_check *c = compiled;
    if (!c)
        return;
    if (c->has_cmp)
        imgb_cmp_dispose(&c->cmp);
    free(c->keyword);
    free(c);
}

static int parse_bool(const json_t *params, const char *key, bool *out)
{
    const json_t *v = json_object_get(params, key);
    *out = false;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return imgb_error_set(IMGB_EINVAL, "sshd_option: '%s' must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

/* Threshold values normalised like effective values (times in seconds, multistate names). */
static json_t *normalised_params(const json_t *params, const char *keyword, bool time)
{
    json_t *copy = json_deep_copy(params);
    static const char *const scalars[] = { "value", "min", "max" };
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(copy, scalars[i]);
        if (!json_is_string(v))
            continue;
        char *n = imgb_sshd_normalize(keyword, json_string_value(v));
        if (time || strcmp(scalars[i], "value") == 0)
            json_object_set_new(copy, scalars[i], json_string(n));
        free(n);
    }
    json_t *vals = json_object_get(copy, "values");
    if (json_is_array(vals)) {
        size_t i;
        json_t *e;
        json_array_foreach(vals, i, e) {
            if (!json_is_string(e))
                continue;
            char *n = imgb_sshd_normalize(keyword, json_string_value(e));
            json_array_set_new(vals, i, json_string(n));
            free(n);
        }
    }
    return copy;
}

static int option_compile(const json_t *params, void **compiled)
{
    const char *keyword = json_string_value(json_object_get(params, "keyword"));
    if (!keyword)
        return imgb_error_set(IMGB_EINVAL, "sshd_option: missing 'keyword'");
    if (!imgb_sshd_keyword_known(keyword))
        return imgb_error_set(IMGB_EINVAL, "sshd_option: '%s' is not an sshd_config keyword",
                              keyword);
    sshd_check *c = imgb_xcalloc(1, sizeof(*c));
    c->keyword = imgb_xstrdup(keyword);
    int rc;
    if ((rc = parse_bool(params, "nonzero", &c->nonzero)) < 0 ||
        (rc = parse_bool(params, "time", &c->time)) < 0)
        goto fail;
    if (c->time && !imgb_sshd_keyword_is_time(keyword)) {
        rc = imgb_error_set(IMGB_EINVAL, "sshd_option: 'time: true' but %s is not a time value",
                            keyword);
        goto fail;
    }
    const json_t *ms = json_object_get(params, "maxstartups");
    if (ms) {
        if (strcasecmp(keyword, "MaxStartups") != 0 || !json_is_string(ms) ||
            sscanf(json_string_value(ms), "%d:%d:%d", &c->ms[0], &c->ms[1], &c->ms[2]) != 3) {
            rc = imgb_error_set(IMGB_EINVAL,
                                "sshd_option: 'maxstartups' must be \"start:rate:full\" and "
                                "only with keyword MaxStartups");
            goto fail;
        }
        c->maxstartups = true;
    }
    const json_t *cz = json_object_get(params, "countmax_zero");
    if (cz) {
        if (strcasecmp(keyword, "ClientAliveCountMax") != 0 || !json_is_string(cz) ||
            strcmp(json_string_value(cz), "fail") != 0) {
            rc = imgb_error_set(IMGB_EINVAL, "sshd_option: 'countmax_zero' must be \"fail\" and "
                                "only with keyword ClientAliveCountMax");
            goto fail;
        }
        c->countmax_zero_fails = true;
    }
    if (json_object_get(params, "op")) {
        json_t *norm = normalised_params(params, keyword, c->time);
        rc = imgb_cmp_parse(norm, &c->cmp);
        json_decref(norm);
        if (rc < 0)
            goto fail;
        c->has_cmp = true;
    }
    if (!c->has_cmp && !c->maxstartups && !c->nonzero && !c->countmax_zero_fails) {
        rc = imgb_error_set(IMGB_EINVAL, "sshd_option: needs a comparison ('op'), 'nonzero' "
                            "or 'maxstartups'");
        goto fail;
    }
    *compiled = c;
    return 0;
fail:
    check_free(c);
    return rc;
}

static void sshd_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    (void)compiled;
    *scan_state = NULL;
    imgb_sshd_register_keeps(setup->view);
}

static bool check_value(const sshd_check *c, const char *version, const char *value)
{
    if (c->countmax_zero_fails && value && strcmp(value, "0") == 0 &&
        imgb_sshd_countmax_zero_disables(version))
        return false;
    if (c->nonzero) {
        char *end;
        long long n = value ? strtoll(value, &end, 10) : 0;
        if (!value || *end || n <= 0)
            return false;
    }
    if (c->maxstartups) {
        int a, b, cc;
        if (!value || sscanf(value, "%d:%d:%d", &a, &b, &cc) != 3)
            return false;
        if (a > c->ms[0] || b < c->ms[1] || cc > c->ms[2])
            return false;
    }
    return !c->has_cmp || imgb_cmp_eval(&c->cmp, value);
}

static char *describe(const sshd_check *c)
{
    imgb_buf b = IMGB_BUF_INIT;
    if (c->has_cmp) {
        char *d = imgb_cmp_describe(&c->cmp, c->keyword);
        imgb_buf_puts(&b, d);
        free(d);
    }
    if (c->nonzero)
        imgb_buf_printf(&b, "%s%s > 0", b.len ? " and " : "", c->keyword);
    if (c->countmax_zero_fails)
        imgb_buf_printf(&b, "%snot 0 where 0 disables the timeout (OpenSSH >= 8.2)",
                        b.len ? " and " : "");
    if (c->maxstartups)
        imgb_buf_printf(&b, "%sMaxStartups no more lenient than %d:%d:%d", b.len ? " and " : "",
                        c->ms[0], c->ms[1], c->ms[2]);
    return imgb_buf_detach(&b);
}

/* The id of the baseline's sshd_config_error item (where problems are listed), or NULL. */
static const char *config_valid_item(const imgb_scan_ctx *ctx)
{
    const imgb_baseline *b = ctx->baseline;
    for (size_t i = 0; b && i < b->nitems; i++)
        if (b->items[i]->kind == &imgb_kind_sshd_config_error)
            return b->items[i]->id;
    return NULL;
}

static const char *problem_text(const imgb_sshd_problem *p)
{
    return p->unreadable ? "cannot read an sshd configuration file" : "would refuse to start";
}

/* Every problem, one evidence each (the item's evidence cap counts the rest exactly). */
static void add_problems(const imgb_sshd_config *cfg, imgb_item_result *out,
                         const char *expected)
{
    for (size_t i = 0; i < imgb_sshd_problem_count(cfg); i++) {
        const imgb_sshd_problem *p = imgb_sshd_problem_at(cfg, i);
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(p->file);
        ev->line = p->line;
        ev->message = p->unreadable
                          ? imgb_xasprintf("%s: %s", problem_text(p), p->message)
                          : imgb_xasprintf("sshd (OpenSSH %s) %s: %s", imgb_sshd_version(cfg),
                                           problem_text(p), p->message);
        ev->expected = expected ? imgb_xstrdup(expected) : NULL;
        ev->verdict = p->unreadable ? IMGB_V_ERROR : IMGB_V_FAIL;
    }
    imgb_result_add_more(out, imgb_sshd_problems_omitted(cfg));
}

/* One evidence: the first problem, how many there are, and the item that lists them. */
static void refer_to_problems(const imgb_sshd_config *cfg, imgb_item_result *out,
                              const char *expected, const char *valid_id)
{
    const imgb_sshd_problem *p = imgb_sshd_problem_at(cfg, 0);
    size_t n = imgb_sshd_problem_count(cfg) + imgb_sshd_problems_omitted(cfg);
    imgb_evidence *ev = imgb_result_add_evidence(out);
    ev->file = imgb_xstrdup(p->file);
    ev->line = p->line;
    ev->expected = expected ? imgb_xstrdup(expected) : NULL;
    ev->verdict = out->verdict;
    ev->source = imgb_xasprintf("item %s", valid_id);
    ev->message = imgb_xasprintf("the sshd configuration is not usable (OpenSSH %s %s: %s); "
                                 "%zu problem%s in all, listed by item %s",
                                 imgb_sshd_version(cfg), problem_text(p), p->message, n,
                                 n == 1 ? "" : "s", valid_id);
}

/* Common preamble: n/a without sshd, error when unreadable, fail when sshd would refuse.
 * Returns the config to evaluate, or NULL when the verdict is already decided.
 * `list_problems`: this is the config_valid item itself, which lists every problem. */
static const imgb_sshd_config *config_or_verdict(const imgb_scan_ctx *ctx, imgb_item_result *out,
                                                 const char *expected, bool list_problems)
{
    if (!ctx->os || !ctx->os->has_openssh_server) {
        out->verdict = IMGB_V_NOT_APPLICABLE;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xstrdup("openssh-server is not installed");
        ev->expected = expected ? imgb_xstrdup(expected) : NULL;
        return NULL;
    }
    const imgb_sshd_config *cfg = imgb_sshd_for_scan(ctx);
    if (!cfg) {
        out->verdict = IMGB_V_ERROR;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(IMGB_SSHD_CONFIG_PATH);
        ev->message = imgb_xasprintf("cannot read the sshd configuration: %s", imgb_error_last());
        ev->expected = expected ? imgb_xstrdup(expected) : NULL;
        return NULL;
    }
    if (!imgb_sshd_accepted(cfg)) {
        bool unreadable = false;
        for (size_t i = 0; i < imgb_sshd_problem_count(cfg); i++)
            unreadable |= imgb_sshd_problem_at(cfg, i)->unreadable;
        out->verdict = unreadable ? IMGB_V_ERROR : IMGB_V_FAIL;
        /* the problems are listed once, by the config_valid item; this one refers to it */
        const char *valid = config_valid_item(ctx);
        if (!valid || list_problems)
            add_problems(cfg, out, expected);
        else
            refer_to_problems(cfg, out, expected, valid);
        return NULL;
    }
    return cfg;
}

static int option_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                           imgb_item_result *out)
{
    (void)scan_state;
    const sshd_check *c = compiled;
    char *expected = describe(c);
    const imgb_sshd_config *cfg = config_or_verdict(ctx, out, expected, false);
    if (!cfg) {
        free(expected);
        return 0;
    }
    imgb_sshd_value v;
    if (imgb_sshd_get(cfg, c->keyword, &v) < 0) {
        /* a keyword this version does not know: sshd uses nothing, report it */
        out->verdict = IMGB_V_FAIL;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xasprintf("%s", imgb_error_last());
        ev->expected = expected;
        return 0;
    }
    out->verdict = check_value(c, imgb_sshd_version(cfg), v.value) ? IMGB_V_PASS : IMGB_V_FAIL;
    imgb_evidence *ev = imgb_result_add_evidence(out);
    ev->file = imgb_xstrdup(v.file ? v.file : IMGB_SSHD_CONFIG_PATH);
    ev->line = v.line;
    ev->value = v.value ? imgb_xstrdup(v.value) : NULL;
    ev->source = imgb_xstrdup(v.source);
    ev->expected = imgb_xstrdup(expected);
    if (strcasecmp(v.keyword, "clientalivecountmax") == 0 && v.value &&
        strcmp(v.value, "0") == 0)
        ev->message = imgb_xasprintf(
            "ClientAliveCountMax 0 %s on OpenSSH %s",
            imgb_sshd_countmax_zero_disables(imgb_sshd_version(cfg))
                ? "disables the client-alive timeout (meaning changed in 8.2)"
                : "drops the connection after the first unanswered probe",
            imgb_sshd_version(cfg));
    else
        ev->message = imgb_xasprintf("%s %s (%s)", v.keyword, v.value ? v.value : "(unset)",
                                     v.source);
    for (size_t i = 0; i < v.noverrides; i++) {
        const imgb_sshd_override *o = &v.overrides[i];
        imgb_evidence *oe = imgb_result_add_evidence(out);
        oe->file = imgb_xstrdup(o->file);
        oe->line = o->line;
        oe->value = imgb_xstrdup(o->value);
        oe->source = imgb_xasprintf("Match %s (%s:%d)", o->criteria, o->match_file,
                                    o->match_line);
        oe->expected = imgb_xstrdup(expected);
        oe->verdict = check_value(c, imgb_sshd_version(cfg), o->value) ? IMGB_V_PASS : IMGB_V_FAIL;
        oe->message = imgb_xasprintf("connections matching 'Match %s' get %s %s%s", o->criteria,
                                     v.keyword, o->value,
                                     o->applies ? " (applies to every connection)" : "");
    }
    free(expected);
    return 0;
}

static int error_compile(const json_t *params, void **compiled)
{
    (void)params;
    *compiled = NULL;
    return 0;
}

static int error_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                          imgb_item_result *out)
{
    (void)compiled;
    (void)scan_state;
    static const char expected[] = "sshd accepts the configuration";
    const imgb_sshd_config *cfg = config_or_verdict(ctx, out, expected, true);
    if (!cfg)
        return 0;
    out->verdict = IMGB_V_PASS;
    imgb_buf files = IMGB_BUF_INIT;
    size_t nfiles = imgb_sshd_file_count(cfg);
    for (size_t i = 0; i < nfiles && i < SSHD_KIND_FILES_NAMED; i++)
        imgb_buf_printf(&files, "%s%s", i ? ", " : "", imgb_sshd_file_at(cfg, i));
    if (nfiles > SSHD_KIND_FILES_NAMED)
        imgb_buf_printf(&files, " and %zu more files", nfiles - SSHD_KIND_FILES_NAMED);
    imgb_evidence *ev = imgb_result_add_evidence(out);
    ev->file = imgb_xstrdup(imgb_sshd_file_at(cfg, 0));
    ev->expected = imgb_xstrdup(expected);
    ev->message = imgb_xasprintf("OpenSSH %s accepts the configuration read from %s",
                                 imgb_sshd_version(cfg), files.ptr ? files.ptr : "");
    imgb_buf_dispose(&files);
    return 0;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const sshdk_option_keys[] = { IMGB_FK_CMP_KEYS, "keyword", "nonzero", "time", "maxstartups",
                                                    "countmax_zero", NULL };

const imgb_check_kind imgb_kind_sshd_option = {
    .name = "sshd_option",
    .keys = sshdk_option_keys,
    .compile = option_compile,
    .prepare = sshd_prepare,
    .evaluate = option_evaluate,
    .free_scan_state = NULL,
    .free = check_free,
};

const imgb_check_kind imgb_kind_sshd_config_error = {
    .name = "sshd_config_error",
    .compile = error_compile,
    .prepare = sshd_prepare,
    .evaluate = error_evaluate,
    .free_scan_state = NULL,
    .free = NULL,
};
