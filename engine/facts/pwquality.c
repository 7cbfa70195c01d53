/*
 * pwquality resolution: compiled default < pwquality.conf.d < pwquality.conf < module
 * arguments; semantics and sources in pwquality.h.
 */
#include "facts/pwquality.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/os.h"
#include "facts/pam.h"
#include "facts/pkgver.h"
#include "util/error.h"
#include "util/lines.h"
#include "util/mem.h"

typedef enum pwq_type {
    PWQ_INT = 0,
    PWQ_FLAG,                 /* PWQ_TYPE_SET: set by its presence, any value */
    PWQ_STR,                  /* badwords, dictpath: read, not resolved */
} pwq_type;

typedef struct pwq_option {
    const char *name;
    pwq_type type;
    const char *dflt_12;      /* libpwquality 1.2.x / pam_cracklib (NULL: unset flag) */
    const char *dflt_13;      /* libpwquality >= 1.3.0 */
    const char *conf_since;   /* first release whose config files know the name */
    bool resolvable;          /* an option rules may ask about */
} pwq_option;

/*
 * 1.2.x: src/pwqprivate.h of libpwquality-1.2.3 PWQ_DEFAULT_DIFF_OK 5, PWQ_DEFAULT_MIN_LENGTH 9,
 * PWQ_DEFAULT_*_CREDIT 1, every other setting zero (calloc in settings.c); dictcheck and
 * enforcing did not exist: the cracklib check always ran and failures always counted (1).
 * 1.3.0+: pwqprivate.h of libpwquality-1.3.0 .. 1.4.5: DIFF_OK 1, MIN_LENGTH 8, credits 0,
 * DICT_CHECK 1, USER_CHECK 1, ENFORCING 1, RETRY_TIMES 1, ENFORCE_ROOT 0, LOCAL_USERS 0.
 * retry 1 before 1.4.1 is pam_pwquality's own CO_RETRY_TIMES.
 */
static const pwq_option pwq_options[] = {
    {"difok", PWQ_INT, "5", "1", "0", true},
    {"minlen", PWQ_INT, "9", "8", "0", true},
    {"dcredit", PWQ_INT, "1", "0", "0", true},
    {"ucredit", PWQ_INT, "1", "0", "0", true},
    {"lcredit", PWQ_INT, "1", "0", "0", true},
    {"ocredit", PWQ_INT, "1", "0", "0", true},
    {"minclass", PWQ_INT, "0", "0", "0", true},
    {"maxrepeat", PWQ_INT, "0", "0", "0", true},
    {"maxclassrepeat", PWQ_INT, "0", "0", "0", true},
    {"maxsequence", PWQ_INT, "0", "0", "1.2.2", true},
    {"gecoscheck", PWQ_INT, "0", "0", "0", true},
    {"dictcheck", PWQ_INT, "1", "1", "1.3.0", true},
    {"usercheck", PWQ_INT, "1", "1", "1.3.0", true},
    {"enforcing", PWQ_INT, "1", "1", "1.3.0", true},
    {"retry", PWQ_INT, "1", "1", "1.4.1", true},
    {"enforce_for_root", PWQ_FLAG, NULL, NULL, "1.4.1", true},
    {"local_users_only", PWQ_FLAG, NULL, NULL, "1.4.1", true},
    {"usersubstr", PWQ_INT, "0", "0", "1.4.3", false},
    {"badwords", PWQ_STR, NULL, NULL, "0", false},
    {"dictpath", PWQ_STR, NULL, NULL, "0", false},
};

static const pwq_option *pwq_find(const char *name)
{
    for (size_t i = 0; i < sizeof pwq_options / sizeof pwq_options[0]; i++)
        if (strcasecmp(pwq_options[i].name, name) == 0)
            return &pwq_options[i];
    return NULL;
}

bool imgb_pwq_known_option(const char *option)
{
    const pwq_option *o = pwq_find(option);
    return o && o->resolvable && strcmp(o->name, option) == 0;
}

/* ---- config files -------------------------------------------------------------------------- */

/* Whole-string base-10 integer in int range, as set_name_value's strtol check. */
static bool pwq_int(const char *s, long *out)
{
    char *end;
    if (!*s)
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end != '\0' || v >= INT_MAX || v <= INT_MIN)
        return false;
    *out = v;
    return true;
}

static void pwq_set(imgb_pwq_value *out, const pwq_option *o, const char *value,
                    const char *file, int line)
{
    free(out->value);
    free(out->source);
    free(out->file);
    out->value = imgb_xstrdup(o->type == PWQ_FLAG ? "1" : value);
    out->source = imgb_xasprintf("%s:%d", file, line);
    out->file = imgb_xstrdup(file);
    out->line = line;
    out->status = 0; /* a later setting overrides whatever an unreadable file held */
}

#define PWQ_CONF_MAX_LINELEN 1023 /* settings.c PWQSETTINGS_MAX_LINELEN */

/*
 * read_config_file of libpwquality (settings.c) for option `o`: returns false when the read
 * stopped early (unknown name for this release or a bad integer), recording where in
 * out->stopped.
 */
static bool pwq_read_conf(const imgb_view *view, const char *path, const pwq_option *o,
                          const char *version, imgb_pwq_value *out)
{
    const unsigned char *data;
    size_t len;
    bool ok = true;

    int rc = imgb_view_read(view, path, &data, &len);
    if (rc == IMGB_ENOTFOUND) {
        imgb_error_clear();
        return true; /* a missing file is skipped */
    }
    if (rc < 0) {
        /* present but not readable whole: what it sets is unknown, never the default */
        free(out->value);
        free(out->source);
        free(out->file);
        out->value = NULL;
        out->source = imgb_xstrdup(imgb_error_last());
        out->file = imgb_xstrdup(path);
        out->line = 0;
        out->status = rc;
        return false; /* the files after it are not read either: the result is unknown */
    }
    imgb_lines it;
    const char *p;
    size_t n;
    imgb_lines_init(&it, (const char *)data, len);
    while (ok && imgb_lines_next(&it, &p, &n)) {
        int line = it.number;
        if (n >= PWQ_CONF_MAX_LINELEN) {
            /* read_config_file: fgets into a 1024-byte buffer; a longer line is
             * PWQ_ERROR_CFGFILE_MALFORMED and ends the whole read */
            ok = false;
            free(out->stopped);
            out->stopped = imgb_xasprintf(
                "libpwquality %s stopped reading %s at line %d (longer than %d bytes; "
                "settings.c PWQSETTINGS_MAX_LINELEN), later settings are ignored",
                version, path, line, PWQ_CONF_MAX_LINELEN);
            break;
        }
        char *buf = imgb_xstrndup(p, n);
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        size_t bl = strlen(buf);
        while (bl > 0 && isspace((unsigned char)buf[bl - 1]))
            buf[--bl] = '\0';
        char *name = buf;
        while (isspace((unsigned char)*name))
            name++;
        if (*name) {
            /* the name ends at a space or '='; then spaces and at most one '=' */
            char *q = name;
            bool eq = false;
            while (*q && !isspace((unsigned char)*q) && *q != '=')
                q++;
            if (*q) {
                eq = *q == '=';
                *q++ = '\0';
            }
            while (*q && (isspace((unsigned char)*q) || (*q == '=' && !eq))) {
                if (*q == '=')
                    eq = true;
                q++;
            }
            const pwq_option *k = pwq_find(name);
            long v;
            const char *why = NULL;
            if (!k || imgb_version_cmp(version, k->conf_since) < 0)
                why = "a setting this release does not know";
            else if (k->type == PWQ_INT && !pwq_int(q, &v))
                why = "not an integer";
            if (why) {
                ok = false;
                free(out->stopped);
                out->stopped = imgb_xasprintf(
                    "libpwquality %s stopped reading %s at line %d ('%s': %s; settings.c "
                    "read_config_file), later settings are ignored",
                    version, path, line, name, why);
            } else if (k == o) {
                pwq_set(out, o, q, path, line);
            }
        }
        free(buf);
    }
    return ok;
}

typedef struct pwq_glob {
    char *paths[IMGB_PWQ_MAX_CONF_D_FILES];
    size_t n;
} pwq_glob;

static int pwq_glob_cb(const imgb_node_info *info, void *payload)
{
    pwq_glob *g = payload;
    if (g->n == IMGB_PWQ_MAX_CONF_D_FILES)
        return 1;
    g->paths[g->n++] = imgb_xasprintf("/%s", info->path);
    return 0;
}

/* ---- resolution --------------------------------------------------------------------------------- */

/* Linux-PAM's pam_cracklib.c CO_MIN_LENGTH_BASE, libpwquality's PWQ_BASE_MIN_LENGTH. */
#define PWQ_BASE_MIN_LENGTH 6
#define CRACKLIB_MIN_LENGTH_BASE 5
#define PWQ_NUM_CLASSES 4

/* The value rules of settings.c / check.c (pwquality.h), recorded in out->rule. */
static void pwq_value_rules(imgb_pwq_value *out, const pwq_option *o, bool cracklib)
{
    long v;
    if (!out->value || o->type != PWQ_INT || !pwq_int(out->value, &v))
        return;
    if (strcmp(o->name, "minlen") == 0) {
        long floor = cracklib ? CRACKLIB_MIN_LENGTH_BASE : PWQ_BASE_MIN_LENGTH;
        if (v < floor) {
            out->rule = imgb_xasprintf(
                "minlen %ld raised to %ld (%s)", v, floor,
                cracklib ? "pam_cracklib.c CO_MIN_LENGTH_BASE"
                         : "settings.c pwquality_set_int_value: PWQ_BASE_MIN_LENGTH");
            free(out->value);
            out->value = imgb_xasprintf("%ld", floor);
        }
    } else if (strcmp(o->name, "minclass") == 0 && v > PWQ_NUM_CLASSES && !cracklib) {
        out->rule = imgb_xasprintf("minclass %ld lowered to %d (settings.c: PWQ_NUM_CLASSES)", v,
                                   PWQ_NUM_CLASSES);
        free(out->value);
        out->value = imgb_xasprintf("%d", PWQ_NUM_CLASSES);
    } else if ((strcmp(o->name, "maxrepeat") == 0 || strcmp(o->name, "maxsequence") == 0) &&
               v <= 0) {
        out->unlimited = true;
        out->rule = imgb_xasprintf("%s=%ld disables the check (check.c: only a value > 0 "
                                   "limits), no limit", o->name, v);
    } else if (strcmp(o->name, "maxclassrepeat") == 0 && v <= 1 &&
               (cracklib || imgb_version_cmp(out->version, "1.4.5") <= 0)) {
        out->unlimited = true;
        out->rule = imgb_xasprintf("maxclassrepeat=%ld disables the check (check.c of %s: "
                                   "\"max_class_repeat > 1\"), no limit",
                                   v, cracklib ? "pam_cracklib" : "libpwquality <= 1.4.5");
    }
}

/* Resolve `o` into out (value/source/file/line), without the value rules. */
static void pwq_resolve_raw(const imgb_scan_ctx *ctx, const imgb_pam_line *mod, bool cracklib,
                            const pwq_option *o, imgb_pwq_value *out)
{
    bool v12 = imgb_version_cmp(out->version, "1.3.0") < 0;

    /* 1. compiled default */
    const char *dflt = (cracklib || v12) ? o->dflt_12 : o->dflt_13;
    if (dflt) {
        out->value = imgb_xstrdup(dflt);
        out->source = cracklib
                          ? imgb_xasprintf("compiled-in default of pam_cracklib (%s=%s)",
                                           o->name, dflt)
                          : imgb_xasprintf("compiled-in default of libpwquality %s (%s=%s; "
                                           "src/pwqprivate.h of %s)",
                                           out->version, o->name, dflt,
                                           v12 ? "1.2.x" : "1.3.0 and later");
    }
    /* 2, 3. config files (pam_pwquality only); a stopped read skips every later file */
    if (!cracklib) {
        bool go = true;
        if (!v12) {
            pwq_glob g;
            g.n = 0;
            imgb_view_glob(ctx->view, IMGB_PWQ_CONF_D "/*.conf", pwq_glob_cb, &g);
            imgb_error_clear();
            for (size_t i = 0; i < g.n; i++) {
                if (go)
                    go = pwq_read_conf(ctx->view, g.paths[i], o, out->version, out);
                free(g.paths[i]);
            }
        }
        if (go)
            pwq_read_conf(ctx->view, IMGB_PWQ_CONF, o, out->version, out);
    }
    /* 4. module arguments, left to right (pwquality_set_option, or the module's own parse) */
    size_t n = strlen(o->name);
    for (size_t i = 0; i < mod->nargs; i++) {
        const char *a = mod->args[i];
        if (strncasecmp(a, o->name, n) != 0 || (a[n] != '\0' && a[n] != '='))
            continue;
        const char *value = a[n] == '=' ? a + n + 1 : "";
        long v = 0; /* read only for PWQ_INT, which pwq_int() sets; gcc -O2 cannot tell */
        bool known = cracklib ? o->dflt_12 != NULL || o->type == PWQ_FLAG
                              : imgb_version_cmp(out->version, o->conf_since) >= 0 ||
                                    strcmp(o->name, "retry") == 0 ||
                                    o->type == PWQ_FLAG;
        if (!known)
            continue; /* pam_pwquality of this release ignores it ("unknown option") */
        if (o->type == PWQ_INT && !pwq_int(value, &v))
            continue;
        if (strcmp(o->name, "retry") == 0 && v < 1 && (cracklib || v12))
            value = "1"; /* pam_pwquality 1.2.x / pam_cracklib: retry < 1 -> CO_RETRY_TIMES */
        pwq_set(out, o, value, mod->file, mod->line);
        char *src = imgb_xasprintf("%s (%s argument)", out->source, imgb_pam_module_base(mod->module));
        free(out->source);
        out->source = src;
    }
}

void imgb_pwq_resolve(const imgb_scan_ctx *ctx, const char *stack_file, const char *option,
                      imgb_pwq_value *out)
{
    const pwq_option *o = pwq_find(option);
    memset(out, 0, sizeof *out);
    const imgb_component_version *cv = imgb_component_get(ctx, IMGB_COMP_LIBPWQUALITY);
    out->version = imgb_xstrdup(cv->version);
    out->version_source = imgb_xstrdup(cv->source);
    if (!o)
        return;

    const imgb_pam_stack *s = imgb_pam_get(ctx, stack_file);
    const imgb_pam_line *mod = NULL;
    for (size_t i = 0; s && i < s->nlines; i++) {
        const char *base = imgb_pam_module_base(s->lines[i].module);
        if (strcmp(s->lines[i].type, "password") == 0 &&
            (strcmp(base, "pam_pwquality.so") == 0 || strcmp(base, "pam_cracklib.so") == 0)) {
            /* the first one on the success path; else the first at all (then not enforced) */
            if (!mod || (!mod->on_success_path && s->lines[i].on_success_path))
                mod = &s->lines[i];
        }
    }
    if (!mod)
        return;
    out->module_present = true;
    out->module = imgb_xstrdup(imgb_pam_module_base(mod->module));
    out->module_file = imgb_xstrdup(mod->file);
    out->module_line = mod->line;
    bool cracklib = strcmp(out->module, "pam_cracklib.so") == 0;

    pwq_resolve_raw(ctx, mod, cracklib, o, out);
    pwq_value_rules(out, o, cracklib);

    if (!mod->on_success_path) {
        out->not_enforced = true;
        out->not_enforced_why = imgb_xasprintf(
            "%s at %s:%d is not on the success path of the password stack (%s)", out->module,
            mod->file, mod->line, mod->skipped_by ? mod->skipped_by : "never reached");
    } else if (!cracklib && strcmp(o->name, "enforcing") != 0 &&
               imgb_version_cmp(out->version, "1.3.0") >= 0) {
        imgb_pwq_value e;
        memset(&e, 0, sizeof e);
        e.version = out->version;
        pwq_resolve_raw(ctx, mod, false, pwq_find("enforcing"), &e);
        long v = 1;
        if (e.value && pwq_int(e.value, &v) && v == 0) {
            out->not_enforced = true;
            out->not_enforced_why = imgb_xasprintf(
                "enforcing=0 (%s): pam_pwquality only warns, nothing is enforced "
                "(pam_pwquality.c)", e.source);
        }
        e.version = NULL;
        imgb_pwq_value_dispose(&e);
    }
}

void imgb_pwq_value_dispose(imgb_pwq_value *v)
{
    free(v->module);
    free(v->module_file);
    free(v->value);
    free(v->source);
    free(v->file);
    free(v->version);
    free(v->version_source);
    free(v->rule);
    free(v->not_enforced_why);
    free(v->stopped);
    memset(v, 0, sizeof *v);
}

void imgb_pwq_register_keeps(imgb_view *view)
{
    imgb_view_keep(view, IMGB_PWQ_CONF);
    imgb_view_keep(view, IMGB_PWQ_CONF_D "/*");
}
