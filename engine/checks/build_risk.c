/*
 * Build-risk check kinds over the image config and history; see build_risk.h.
 *
 * History strings: Docker's classic builder records a RUN as `/bin/sh -c CMD` (with build
 * arguments in use: `|N K=V … /bin/sh -c CMD`) and every other instruction as
 * `/bin/sh -c #(nop)  INSTR ARGS`; BuildKit records `INSTR ARGS` and adds ` # buildkit` to
 * RUN/ADD/COPY (moby builder/dockerfile, buildkit dockerfile2llb).  Both are normalised to
 * "INSTR ARGS" before the rule's PCRE2 runs, so one pattern covers both builders.
 * Secret-looking ENV/ARG names follow Dockle's suspiciousEnvKey (CIS-DI-0010) and trivy's
 * DS-0031; every value reported is masked (imgb_secret_mask), and so is LayerCmd.
 */
#include "checks/build_risk.h"

#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "checks/secrets.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/regex.h"
#include "util/mem.h"

/* Dockle's suspicious words, and names that carry them without being secrets (python's
 * GPG_KEY fingerprint, *_FILE indirections, key ids and sizes). */
#define BR_SECRET_NAMES "(?i)pass|secret|key|access|token|credential|auth"
#define BR_SECRET_NAMES_ALLOW                                                              \
    "(?i)(?:^|_)(?:GPG|PGP)_?KEYS?$|_(?:FILE|PATH|DIR|URL|URI|ID|IDS|FINGERPRINT|SERVER|" \
    "SIZE|LENGTH|TYPE|NAME|ALGORITHM|ALG|TTL|HEADER|LOG|LEVEL|MODE|ENABLED|PORT|HOST|USER|" \
    "USERNAME|VERSION)$|PUBLIC_?KEY|^KEYRING|^(?:NO_)?PROXY$"
/* Credential shapes that are secrets whatever the variable is called (reference section 9). */
#define BR_TOKEN_SHAPES                                                                   \
    "(?:LTAI|AKIA|ASIA|AKID|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[baprs]-)"   \
    "[A-Za-z0-9_\\-]{8,}|-----BEGIN[ A-Z]*PRIVATE KEY"
#define BR_VALUE_KEEP 3

/* ---- created_by parsing ---------------------------------------------------------------- */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* "…sh [-opt …] -c " at p: returns what follows, or NULL. */
static const char *skip_shell(const char *p)
{
    const char *w = p;
    while (*w && *w != ' ')
        w++;
    if (w - p < 2 || w[-2] != 's' || w[-1] != 'h')
        return NULL;
    p = skip_ws(w);
    while (*p == '-') {
        const char *opt = p;
        while (*p && *p != ' ')
            p++;
        if (p - opt == 2 && opt[1] == 'c')
            return skip_ws(p);
        p = skip_ws(p);
        /* an option's argument ("-o pipefail") */
        if (*p && *p != '-') {
            while (*p && *p != ' ')
                p++;
            p = skip_ws(p);
        }
    }
    return NULL;
}

/* "|N K=V K2=V2 rest": fills args, returns rest.  A value with spaces continues until the
 * next NAME= token. */
static const char *parse_build_args(const char *p, imgb_build_cmd *out)
{
    p++;
    long n = strtol(p, (char **)&p, 10);
    p = skip_ws(p);
    imgb_ptrvec v = IMGB_PTRVEC_INIT;
    while (*p && n > 0) {
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        bool is_arg = eq && eq > p;
        for (const char *c = p; is_arg && c < eq; c++)
            is_arg = isalnum((unsigned char)*c) || *c == '_';
        if (!is_arg || (long)v.len >= n) {
            if (v.len == 0 || skip_shell(p))
                break;
            /* continuation of the previous value */
            char *prev = v.items[v.len - 1];
            v.items[v.len - 1] = imgb_xasprintf("%s %.*s", prev, (int)(end - p), p);
            free(prev);
        } else {
            imgb_ptrvec_push(&v, imgb_xstrndup(p, (size_t)(end - p)));
        }
        p = skip_ws(end);
        if ((long)v.len >= n && skip_shell(p))
            break;
    }
    out->args = (char **)v.items;
    out->nargs = v.len;
    return p;
}

void imgb_build_cmd_parse(const char *created_by, imgb_build_cmd *out)
{
    memset(out, 0, sizeof *out);
    size_t len = created_by ? strlen(created_by) : 0;
    if (len > IMGB_MAX_HISTORY_CMD)
        len = IMGB_MAX_HISTORY_CMD;
    char *s = imgb_xstrndup(created_by ? created_by : "", len);
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    static const char bk[] = "# buildkit";
    if (n >= sizeof bk - 1 && strcmp(s + n - (sizeof bk - 1), bk) == 0) {
        out->buildkit = true;
        n -= sizeof bk - 1;
        s[n] = '\0';
        while (n && isspace((unsigned char)s[n - 1]))
            s[--n] = '\0';
    }
    const char *p = skip_ws(s);
    const char *instr = NULL, *text = p;
    size_t ilen = 0;
    if (*p == '|' && isdigit((unsigned char)p[1])) {
        p = parse_build_args(p, out);
        instr = "RUN";
        ilen = 3;
        const char *rest = skip_shell(p);
        text = rest ? rest : p;
    } else if ((text = skip_shell(p)) != NULL) {
        if (strncmp(text, "#(nop)", 6) == 0) {
            instr = skip_ws(text + 6);
            while (isalpha((unsigned char)instr[ilen]))
                ilen++;
            text = skip_ws(instr + ilen);
        } else {
            instr = "RUN";
            ilen = 3;
        }
    } else {
        /* BuildKit: the instruction word first. */
        while (isupper((unsigned char)p[ilen]))
            ilen++;
        if (ilen >= 2 && (p[ilen] == ' ' || p[ilen] == '\0')) {
            out->buildkit = true;
            instr = p;
            text = skip_ws(p + ilen);
            if (ilen == 3 && strncmp(instr, "RUN", 3) == 0) {
                if (*text == '|' && isdigit((unsigned char)text[1]))
                    text = parse_build_args(text, out);
                const char *rest = skip_shell(text);
                if (rest)
                    text = rest;
            }
        } else {
            ilen = 0;
            text = p;
        }
    }
    out->instruction = imgb_xstrndup(instr ? instr : "", ilen);
    for (char *c = out->instruction; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    out->text = imgb_xstrdup(text);
    free(s);
}

void imgb_build_cmd_dispose(imgb_build_cmd *cmd)
{
    free(cmd->instruction);
    free(cmd->text);
    for (size_t i = 0; i < cmd->nargs; i++)
        free(cmd->args[i]);
    free(cmd->args);
    memset(cmd, 0, sizeof *cmd);
}

char *imgb_build_cmd_normalized(const imgb_build_cmd *cmd)
{
    if (!cmd->instruction[0])
        return imgb_xstrdup(cmd->text);
    return imgb_xasprintf("%s %s", cmd->instruction, cmd->text);
}

/* ---- shared helpers -------------------------------------------------------------------- */

static int br_regex(const json_t *params, const char *key, const char *def, pcre2_code **out)
{
    const json_t *v = json_object_get(params, key);
    const char *src = def;
    *out = NULL;
    if (v) {
        if (!json_is_string(v))
            return imgb_error_set(IMGB_EFORMAT, "%s: must be a PCRE2 pattern string", key);
        src = json_string_value(v);
    }
    if (!src)
        return 0;
    int err;
    PCRE2_SIZE off;
    *out = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    if (!*out) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return imgb_error_set(IMGB_EFORMAT, "%s: invalid PCRE2 at offset %zu: %s", key,
                              (size_t)off, (const char *)msg);
    }
    imgb_regex_jit(*out);
    return 0;
}

/* 1: match, 0: none (or no pattern), <0: a PCRE2 error (limit ...): never "no match". */
static int br_match(const pcre2_code *re, const char *s)
{
    if (!re || !s)
        return 0;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = imgb_regex_match(re, (const unsigned char *)s, strlen(s), 0, 0, md);
    pcre2_match_data_free(md);
    return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

/* The secret-name patterns shared by build_config Env and build_history secret_args. */
typedef struct br_secret_rules {
    pcre2_code *names, *allow, *shapes;
} br_secret_rules;

static int br_secret_compile(const json_t *params, br_secret_rules *sr)
{
    int rc;
    if ((rc = br_regex(params, "name_pattern", BR_SECRET_NAMES, &sr->names)) < 0 ||
        (rc = br_regex(params, "name_allow", BR_SECRET_NAMES_ALLOW, &sr->allow)) < 0 ||
        (rc = br_regex(NULL, "shapes", BR_TOKEN_SHAPES, &sr->shapes)) < 0)
        return rc;
    return 0;
}

static void br_secret_dispose(br_secret_rules *sr)
{
    pcre2_code_free(sr->names);
    pcre2_code_free(sr->allow);
    pcre2_code_free(sr->shapes);
}

/* Values that are settings, not secrets: empty, a variable reference, a boolean, a number. */
static bool br_trivial_value(const char *v)
{
    static const char *const words[] = { "true", "false", "yes", "no", "on", "off", "none",
                                         "null", "enabled", "disabled", NULL };
    if (!*v || *v == '$')
        return true;
    for (size_t i = 0; words[i]; i++)
        if (strcasecmp(v, words[i]) == 0)
            return true;
    size_t i = 0;
    while (isdigit((unsigned char)v[i]))
        i++;
    return v[i] == '\0' && i <= 6;
}

/* Is "NAME=value" (value unquoted) a secret?  Sets *name_len. */
static bool br_is_secret(const br_secret_rules *sr, const char *assign, size_t *name_len)
{
    const char *eq = strchr(assign, '=');
    if (!eq || eq == assign)
        return false;
    *name_len = (size_t)(eq - assign);
    char *name = imgb_xstrndup(assign, *name_len);
    const char *value = eq + 1;
    /* an engine error counts as a secret-like name or shape and never as allowed: flagged */
    bool by_name = br_match(sr->names, name) != 0 && br_match(sr->allow, name) <= 0 &&
                   !br_trivial_value(value);
    bool by_shape = br_match(sr->shapes, value) != 0;
    free(name);
    return by_name || by_shape;
}

/* Replace every occurrence of `secret` in `text` (owned, replaced) by `mask`. */
static char *br_replace_all(char *text, const char *secret, const char *mask)
{
    size_t sl = strlen(secret);
    if (sl < 3 || !strstr(text, secret))
        return text;
    imgb_buf b = IMGB_BUF_INIT;
    const char *p = text, *q;
    while ((q = strstr(p, secret)) != NULL) {
        imgb_buf_put(&b, p, (size_t)(q - p));
        imgb_buf_puts(&b, mask);
        p = q + sl;
    }
    imgb_buf_puts(&b, p);
    free(text);
    return imgb_buf_detach(&b);
}

/* Strip one level of matching quotes, malloc'd. */
static char *br_unquote(const char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
        return imgb_xstrndup(v + 1, n - 2);
    return imgb_xstrdup(v);
}

/* Fill the history fields of `ev` for entry `hi`: index, LayerDigest, masked LayerCmd
 * (also hiding `extra_secret` when given). */
static void br_history_evidence(imgb_evidence *ev, const imgb_image *img, size_t hi,
                                const char *extra_secret)
{
    const imgb_history *h = &img->history[hi];
    ev->history_index = (int)hi;
    if (!h->empty_layer && h->layer >= 0 && (size_t)h->layer < img->nlayers) {
        ev->layer = h->layer;
        if (img->layers[h->layer].digest)
            ev->layer_digest = imgb_xstrdup(img->layers[h->layer].digest);
    }
    char *cmd = imgb_secret_mask_text(h->created_by ? h->created_by : "");
    if (extra_secret) {
        char *m = imgb_secret_mask(extra_secret, strlen(extra_secret), BR_VALUE_KEEP);
        cmd = br_replace_all(cmd, extra_secret, m);
        free(m);
    }
    ev->layer_cmd = cmd;
}

/* The last history entry whose instruction is `instr` and whose text contains `needle`
 * (NULL: any), or -1. */
static int br_find_history(const imgb_image *img, const char *instr, const char *needle)
{
    for (size_t i = img->nhistory; i-- > 0;) {
        imgb_build_cmd c;
        imgb_build_cmd_parse(img->history[i].created_by, &c);
        bool hit = strcmp(c.instruction, instr) == 0 && (!needle || strstr(c.text, needle));
        imgb_build_cmd_dispose(&c);
        if (hit)
            return (int)i;
    }
    return -1;
}

static const json_t *br_config(const imgb_scan_ctx *ctx, const char *field)
{
    if (!ctx || !ctx->image || !ctx->image->config)
        return NULL;
    return json_object_get(json_object_get(ctx->image->config, "config"), field);
}

static void br_add_history_evidence(imgb_evidence *ev, const imgb_scan_ctx *ctx,
                                    const char *instr, const char *needle, const char *secret)
{
    int hi = br_find_history(ctx->image, instr, needle);
    if (hi >= 0)
        br_history_evidence(ev, ctx->image, (size_t)hi, secret);
}

/* ---- build_config ---------------------------------------------------------------------- */

typedef enum br_field {
    BR_USER, BR_ENV, BR_PORTS, BR_HEALTHCHECK, BR_VOLUMES,
} br_field;

typedef struct br_config_check {
    br_field field;
    char **list;              /* ports ("22/tcp") or volume paths */
    size_t nlist;
    br_secret_rules sr;
} br_config_check;

static void br_config_free(void *compiled)
{
    br_config_check *c = compiled;
    if (!c)
        return;
    for (size_t i = 0; i < c->nlist; i++)
        free(c->list[i]);
    free(c->list);
    br_secret_dispose(&c->sr);
    free(c);
}

static int br_strings(const json_t *params, const char *key, char ***out, size_t *n)
{
    const json_t *v = json_object_get(params, key);
    if (!json_is_array(v) || json_array_size(v) == 0)
        return imgb_error_set(IMGB_EFORMAT, "%s: must be a non-empty list", key);
    *out = imgb_xcalloc(json_array_size(v), sizeof(char *));
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        if (json_is_integer(e))
            (*out)[(*n)++] = imgb_xasprintf("%lld", (long long)json_integer_value(e));
        else if (json_is_string(e))
            (*out)[(*n)++] = imgb_xstrdup(json_string_value(e));
        else
            return imgb_error_set(IMGB_EFORMAT, "%s: item %zu must be a string", key, i);
    }
    return 0;
}

static int br_config_compile(const json_t *params, void **compiled)
{
    static const char *const fields[] = { "User", "Env", "ExposedPorts", "Healthcheck", "Volumes",
                                          NULL };
    *compiled = NULL;
    const char *f = json_string_value(json_object_get(params, "field"));
    if (!f)
        return imgb_error_set(IMGB_EFORMAT, "field: required (User, Env, ExposedPorts, "
                                            "Healthcheck or Volumes)");
    br_config_check *c = imgb_xcalloc(1, sizeof *c);
    size_t i = 0;
    while (fields[i] && strcmp(fields[i], f) != 0)
        i++;
    int rc = 0;
    if (!fields[i]) {
        rc = imgb_error_set(IMGB_EFORMAT, "field: unknown config field '%s'", f);
        goto done;
    }
    c->field = (br_field)i;
    if (c->field == BR_PORTS) {
        if ((rc = br_strings(params, "ports", &c->list, &c->nlist)) < 0)
            goto done;
        for (size_t k = 0; k < c->nlist; k++)
            if (!strchr(c->list[k], '/')) {
                char *p = imgb_xasprintf("%s/tcp", c->list[k]);
                free(c->list[k]);
                c->list[k] = p;
            }
    } else if (c->field == BR_VOLUMES) {
        rc = br_strings(params, "paths", &c->list, &c->nlist);
    } else if (c->field == BR_ENV) {
        rc = br_secret_compile(params, &c->sr);
    }
done:
    if (rc < 0) {
        br_config_free(c);
        return rc;
    }
    *compiled = c;
    return 0;
}

static bool br_user_is_root(const char *u)
{
    if (!u || !*u)
        return true;
    size_t n = strcspn(u, ":");
    return (n == 4 && strncmp(u, "root", 4) == 0) || (n == 1 && u[0] == '0');
}

static bool br_under(const char *path, const char *dir)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (strncmp(path, dir, dl) != 0)
        return false;
    return path[dl] == '\0' || path[dl] == '/' || (dl == 1 && dir[0] == '/');
}

static int br_config_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                              imgb_item_result *out)
{
    (void)scan_state;
    const br_config_check *c = compiled;
    out->verdict = IMGB_V_PASS;
    if (!ctx || !ctx->image || !ctx->image->config) {
        out->verdict = IMGB_V_ERROR;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xstrdup("the image has no config to check");
        return 0;
    }
    switch (c->field) {
    case BR_USER: {
        const char *u = json_string_value(br_config(ctx, "User"));
        if (br_user_is_root(u)) {
            out->verdict = IMGB_V_FAIL;
            imgb_evidence *ev = imgb_result_add_evidence(out);
            ev->value = imgb_xstrdup(u ? u : "");
            ev->source = imgb_xstrdup("config.User");
            ev->expected = imgb_xstrdup("config.User names a non-root user");
            ev->message = (u && *u) ? imgb_xasprintf("the container runs as '%s' (root)", u)
                                    : imgb_xstrdup("no USER: the container runs as root");
            if (u && *u)
                br_add_history_evidence(ev, ctx, "USER", NULL, NULL);
        }
        break;
    }
    case BR_ENV: {
        const json_t *env = br_config(ctx, "Env");
        for (size_t i = 0; i < json_array_size(env); i++) {
            const char *kv = json_string_value(json_array_get(env, i));
            size_t nl;
            if (!kv || !br_is_secret(&c->sr, kv, &nl))
                continue;
            out->verdict = IMGB_V_FAIL;
            imgb_evidence *ev = imgb_result_add_evidence(out);
            const char *val = kv + nl + 1;
            char *m = imgb_secret_mask(val, strlen(val), BR_VALUE_KEEP);
            ev->value = imgb_xasprintf("%.*s=%s", (int)nl, kv, m);
            ev->source = imgb_xstrdup("config.Env");
            ev->expected = imgb_xstrdup("no credentials in the image environment");
            ev->message = imgb_xasprintf("ENV %s: a secret in the image config is readable by "
                                         "anyone who can pull the image", ev->value);
            char *needle = imgb_xstrndup(kv, nl + 1);
            br_add_history_evidence(ev, ctx, "ENV", needle, val);
            free(needle);
            free(m);
        }
        break;
    }
    case BR_PORTS: {
        const json_t *ports = br_config(ctx, "ExposedPorts");
        for (size_t k = 0; k < c->nlist; k++) {
            if (!json_object_get(ports, c->list[k]))
                continue;
            out->verdict = IMGB_V_FAIL;
            imgb_evidence *ev = imgb_result_add_evidence(out);
            ev->value = imgb_xstrdup(c->list[k]);
            ev->source = imgb_xstrdup("config.ExposedPorts");
            ev->expected = imgb_xasprintf("%s not exposed", c->list[k]);
            ev->message = imgb_xasprintf("EXPOSE %s", c->list[k]);
            char *num = imgb_xstrndup(c->list[k], strcspn(c->list[k], "/"));
            br_add_history_evidence(ev, ctx, "EXPOSE", num, NULL);
            free(num);
        }
        break;
    }
    case BR_HEALTHCHECK: {
        const json_t *hc = br_config(ctx, "Healthcheck");
        const json_t *test = json_object_get(hc, "Test");
        const char *t0 = json_string_value(json_array_get(test, 0));
        if (!hc || !json_array_size(test) || (t0 && strcmp(t0, "NONE") == 0)) {
            out->verdict = IMGB_V_FAIL;
            imgb_evidence *ev = imgb_result_add_evidence(out);
            ev->source = imgb_xstrdup("config.Healthcheck");
            ev->expected = imgb_xstrdup("a HEALTHCHECK instruction");
            ev->message = imgb_xstrdup(hc ? "HEALTHCHECK NONE: health checking is disabled"
                                          : "no HEALTHCHECK");
            if (hc)
                br_add_history_evidence(ev, ctx, "HEALTHCHECK", NULL, NULL);
        }
        break;
    }
    case BR_VOLUMES: {
        const json_t *vols = br_config(ctx, "Volumes");
        const char *path;
        const json_t *val;
        json_object_foreach((json_t *)vols, path, val) {
            (void)val;
            for (size_t k = 0; k < c->nlist; k++) {
                if (!br_under(path, c->list[k]))
                    continue;
                out->verdict = IMGB_V_FAIL;
                imgb_evidence *ev = imgb_result_add_evidence(out);
                ev->value = imgb_xstrdup(path);
                ev->source = imgb_xstrdup("config.Volumes");
                ev->expected = imgb_xasprintf("no volume at or below %s", c->list[k]);
                ev->message = imgb_xasprintf("VOLUME %s", path);
                br_add_history_evidence(ev, ctx, "VOLUME", path, NULL);
                break;
            }
        }
        break;
    }
    }
    return 0;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const br_config_keys[] = { "field", "ports", "paths", "name_pattern", "name_allow", NULL };

const imgb_check_kind imgb_kind_build_config = {
    .name = "build_config",
    .keys = br_config_keys,
    .compile = br_config_compile,
    .evaluate = br_config_evaluate,
    .free = br_config_free,
};

/* ---- build_history --------------------------------------------------------------------- */

typedef struct br_history_check {
    pcre2_code *pattern, *not_pattern;
    char **instructions;
    size_t ninstructions;
    bool secret_args;
    bool skip_base_layer;     /* ignore the entry that produced layer 0 (the base rootfs) */
    br_secret_rules sr;
} br_history_check;

static void br_history_free(void *compiled)
{
    br_history_check *c = compiled;
    if (!c)
        return;
    pcre2_code_free(c->pattern);
    pcre2_code_free(c->not_pattern);
    for (size_t i = 0; i < c->ninstructions; i++)
        free(c->instructions[i]);
    free(c->instructions);
    br_secret_dispose(&c->sr);
    free(c);
}

static int br_history_compile(const json_t *params, void **compiled)
{
    *compiled = NULL;
    br_history_check *c = imgb_xcalloc(1, sizeof *c);
    int rc = 0;
    const json_t *sa = json_object_get(params, "secret_args");
    c->secret_args = json_is_true(sa) || (json_is_string(sa) && !strcmp(json_string_value(sa), "true"));
    const json_t *sb = json_object_get(params, "skip_base_layer");
    c->skip_base_layer = json_is_true(sb) ||
                         (json_is_string(sb) && !strcmp(json_string_value(sb), "true"));
    if ((rc = br_regex(params, "pattern", NULL, &c->pattern)) < 0 ||
        (rc = br_regex(params, "not_pattern", NULL, &c->not_pattern)) < 0)
        goto done;
    if (!c->pattern && !c->secret_args) {
        rc = imgb_error_set(IMGB_EFORMAT, "pattern: required (or secret_args: true)");
        goto done;
    }
    if (c->secret_args && (rc = br_secret_compile(params, &c->sr)) < 0)
        goto done;
    const json_t *in = json_object_get(params, "instruction");
    if (json_is_string(in)) {
        c->instructions = imgb_xcalloc(1, sizeof(char *));
        c->instructions[c->ninstructions++] = imgb_xstrdup(json_string_value(in));
    } else if (in && (rc = br_strings(params, "instruction", &c->instructions,
                                      &c->ninstructions)) < 0) {
        goto done;
    }
    for (size_t i = 0; i < c->ninstructions; i++)
        for (char *p = c->instructions[i]; *p; p++)
            *p = (char)toupper((unsigned char)*p);
done:
    if (rc < 0) {
        br_history_free(c);
        return rc;
    }
    *compiled = c;
    return 0;
}

static bool br_instruction_wanted(const br_history_check *c, const char *instr)
{
    if (c->ninstructions == 0)
        return true;
    for (size_t i = 0; i < c->ninstructions; i++)
        if (strcmp(c->instructions[i], instr) == 0)
            return true;
    return false;
}

/* Report every secret build argument of a RUN and every secret ARG/ENV default. */
static void br_history_secrets(const br_history_check *c, const imgb_image *img, size_t hi,
                               const imgb_build_cmd *cmd, imgb_item_result *out)
{
    imgb_ptrvec assigns = IMGB_PTRVEC_INIT;
    for (size_t i = 0; i < cmd->nargs; i++)
        imgb_ptrvec_push(&assigns, imgb_xstrdup(cmd->args[i]));
    if (!strcmp(cmd->instruction, "ARG") || !strcmp(cmd->instruction, "ENV")) {
        /* "K=V K2=V2" (values may be quoted); "ENV K V" (old form) has no '='. */
        const char *p = cmd->text;
        while (*p) {
            p = skip_ws(p);
            const char *start = p;
            char quote = 0;
            while (*p && (quote || *p != ' ')) {
                if (*p == '"' || *p == '\'')
                    quote = quote == *p ? 0 : (quote ? quote : *p);
                p++;
            }
            if (p > start && memchr(start, '=', (size_t)(p - start)))
                imgb_ptrvec_push(&assigns, imgb_xstrndup(start, (size_t)(p - start)));
        }
    }
    for (size_t i = 0; i < assigns.len; i++) {
        const char *kv = assigns.items[i];
        size_t nl;
        const char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        char *val = br_unquote(eq + 1);
        char *plain = imgb_xasprintf("%.*s=%s", (int)(eq - kv), kv, val);
        if (br_is_secret(&c->sr, plain, &nl)) {
            out->verdict = IMGB_V_FAIL;
            imgb_evidence *ev = imgb_result_add_evidence(out);
            char *m = imgb_secret_mask(val, strlen(val), BR_VALUE_KEEP);
            ev->value = imgb_xasprintf("%.*s=%s", (int)nl, kv, m);
            ev->source = imgb_xasprintf("history[%zu]", hi);
            ev->expected = imgb_xstrdup("no credentials in build arguments or ENV/ARG");
            ev->message = imgb_xasprintf("%s %s: the value is recorded in the image history",
                                         cmd->nargs && i < cmd->nargs ? "build argument"
                                                                      : cmd->instruction,
                                         ev->value);
            br_history_evidence(ev, img, hi, val);
            free(m);
        }
        free(plain);
        free(val);
    }
    imgb_ptrvec_dispose(&assigns, free);
}

static int br_history_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                               imgb_item_result *out)
{
    (void)scan_state;
    const br_history_check *c = compiled;
    out->verdict = IMGB_V_PASS;
    if (!ctx || !ctx->image) {
        out->verdict = IMGB_V_ERROR;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xstrdup("no image history to check");
        return 0;
    }
    const imgb_image *img = ctx->image;
    pcre2_match_data *md = c->pattern ? pcre2_match_data_create_from_pattern(c->pattern, NULL)
                                      : NULL;
    for (size_t hi = 0; hi < img->nhistory; hi++) {
        if (c->skip_base_layer && !img->history[hi].empty_layer && img->history[hi].layer == 0)
            continue;
        imgb_build_cmd cmd;
        imgb_build_cmd_parse(img->history[hi].created_by, &cmd);
        if (!br_instruction_wanted(c, cmd.instruction)) {
            imgb_build_cmd_dispose(&cmd);
            continue;
        }
        if (c->secret_args)
            br_history_secrets(c, img, hi, &cmd, out);
        char *norm = imgb_build_cmd_normalized(&cmd);
        int hit = c->pattern ? imgb_regex_match(c->pattern, (const unsigned char *)norm,
                                                strlen(norm), 0, 0, md)
                             : PCRE2_ERROR_NOMATCH;
        int excluded = hit >= 0 ? br_match(c->not_pattern, norm) : 0;
        int rc = hit < 0 && hit != PCRE2_ERROR_NOMATCH ? hit : excluded < 0 ? excluded : 0;
        if (rc < 0) {
            /* this command is unjudged: an error unless another command already fails */
            if (out->verdict != IMGB_V_FAIL)
                out->verdict = IMGB_V_ERROR;
            char *why = imgb_regex_error(rc);
            imgb_evidence *ev = imgb_result_add_evidence(out);
            br_history_evidence(ev, img, hi, NULL);
            ev->verdict = IMGB_V_ERROR;
            ev->source = imgb_xasprintf("history[%zu]", hi);
            ev->message = imgb_xasprintf("history[%zu]: pattern could not be matched: %s", hi,
                                         why);
            free(why);
        } else if (hit >= 0 && !excluded) {
            out->verdict = IMGB_V_FAIL;
            imgb_evidence *ev = imgb_result_add_evidence(out);
            br_history_evidence(ev, img, hi, NULL);
            char *masked = imgb_secret_mask_text(norm);
            ev->value = masked;
            ev->source = imgb_xasprintf("history[%zu]%s", hi, cmd.buildkit ? " (BuildKit)" : "");
            ev->message = imgb_xasprintf("history[%zu]: %s", hi, masked);
        }
        free(norm);
        imgb_build_cmd_dispose(&cmd);
    }
    pcre2_match_data_free(md);
    return 0;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const br_history_keys[] = { "instruction", "pattern", "not_pattern", "secret_args",
                                                  "skip_base_layer", "name_pattern", "name_allow", NULL };

const imgb_check_kind imgb_kind_build_history = {
    .name = "build_history",
    .keys = br_history_keys,
    .compile = br_history_compile,
    .evaluate = br_history_evaluate,
    .free = br_history_free,
};

/* ---- build_tag ------------------------------------------------------------------------- */

typedef struct br_tag_check {
    char **tags;              /* tags that count as floating ("latest") */
    size_t ntags;
} br_tag_check;

static void br_tag_free(void *compiled)
{
    br_tag_check *c = compiled;
    if (!c)
        return;
    for (size_t i = 0; i < c->ntags; i++)
        free(c->tags[i]);
    free(c->tags);
    free(c);
}

static int br_tag_compile(const json_t *params, void **compiled)
{
    br_tag_check *c = imgb_xcalloc(1, sizeof *c);
    *compiled = NULL;
    if (json_object_get(params, "tags")) {
        int rc = br_strings(params, "tags", &c->tags, &c->ntags);
        if (rc < 0) {
            br_tag_free(c);
            return rc;
        }
    } else {
        c->tags = imgb_xcalloc(1, sizeof(char *));
        c->tags[c->ntags++] = imgb_xstrdup("latest");
    }
    *compiled = c;
    return 0;
}

/* The tag of a reference: after the last ':' that follows the last '/' (digest references
 * "name@sha256:…" have none).  OCI ref.name annotations are often the bare tag. */
static char *br_ref_tag(const char *ref, bool oci)
{
    if (strchr(ref, '@'))
        return NULL;
    const char *slash = strrchr(ref, '/');
    const char *colon = strrchr(ref, ':');
    if (colon && (!slash || colon > slash))
        return imgb_xstrdup(colon + 1);
    if (oci && !slash)
        return imgb_xstrdup(ref);
    return NULL;
}

static int br_tag_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                           imgb_item_result *out)
{
    (void)scan_state;
    const br_tag_check *c = compiled;
    out->verdict = IMGB_V_PASS;
    const imgb_image *img = ctx ? ctx->image : NULL;
    if (!img || img->nrefs == 0) {
        out->verdict = IMGB_V_FAIL;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->expected = imgb_xstrdup("a fixed version tag");
        ev->message = imgb_xstrdup("the image has no tag: it is only addressable as the "
                                   "floating default (latest)");
        return 0;
    }
    bool oci = img->format && strncmp(img->format, "oci", 3) == 0;
    for (size_t i = 0; i < img->nrefs; i++) {
        char *tag = br_ref_tag(img->refs[i], oci);
        bool floating = !tag && !strchr(img->refs[i], '@');
        for (size_t k = 0; tag && k < c->ntags; k++)
            floating |= strcmp(tag, c->tags[k]) == 0;
        if (floating) {
            out->verdict = IMGB_V_FAIL;
            imgb_evidence *ev = imgb_result_add_evidence(out);
            ev->value = imgb_xstrdup(img->refs[i]);
            ev->source = imgb_xstrdup("image reference");
            ev->expected = imgb_xstrdup("a fixed version tag");
            ev->message = tag ? imgb_xasprintf("%s uses the floating tag '%s'", img->refs[i], tag)
                              : imgb_xasprintf("%s has no tag (means latest)", img->refs[i]);
        }
        free(tag);
    }
    return 0;
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const br_tag_keys[] = { "tags", NULL };

const imgb_check_kind imgb_kind_build_tag = {
    .name = "build_tag",
    .keys = br_tag_keys,
    .compile = br_tag_compile,
    .evaluate = br_tag_evaluate,
    .free = br_tag_free,
};
