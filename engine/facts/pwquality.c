/*
 * pwquality resolution: compiled default < pwquality.conf.d < pwquality.conf < module
 * arguments; semantics and sources in pwquality.h.
 */
#include "facts/pwquality.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/os.h"
#include "facts/pam.h"
#include "util/error.h"
#include "util/mem.h"

typedef enum pwq_type {
    PWQ_INT = 0,
    PWQ_FLAG,                 /* set by its presence */
} pwq_type;

typedef struct pwq_option {
    const char *name;
    pwq_type type;
    const char *dflt_123;     /* libpwquality 1.2.3 / pam_cracklib (NULL: unset flag) */
    const char *dflt_14;      /* libpwquality >= 1.4.0 */
    bool pam_only_before_141; /* read from the conf files only since 1.4.1 */
    const char *note;
} pwq_option;

/*
 * 1.2.3 values: pwqprivate.h PWQ_DEFAULT_* (difok 5, minlen 9, credits 1) and zero-initialised
 * settings; retry 1 is pam_pwquality's own default.  1.4 differs in difok (1, as the
 * shipped pwquality.conf of 1.4.x documents).  dictcheck did not exist before 1.3.0: the
 * cracklib check always ran, i.e. 1.
 */
static const pwq_option pwq_options[] = {
    {"minlen", PWQ_INT, "9", "9", false, NULL},
    {"dcredit", PWQ_INT, "1", "1", false, NULL},
    {"ucredit", PWQ_INT, "1", "1", false, NULL},
    {"lcredit", PWQ_INT, "1", "1", false, NULL},
    {"ocredit", PWQ_INT, "1", "1", false, NULL},
    {"minclass", PWQ_INT, "0", "0", false, NULL},
    {"difok", PWQ_INT, "5", "1", false, NULL},
    {"maxrepeat", PWQ_INT, "0", "0", false, NULL},
    {"maxclassrepeat", PWQ_INT, "0", "0", false, NULL},
    {"maxsequence", PWQ_INT, "0", "0", false, NULL},
    {"gecoscheck", PWQ_INT, "0", "0", false, NULL},
    {"dictcheck", PWQ_INT, "1", "1", false, "before 1.3.0 the dictionary check always runs"},
    {"usercheck", PWQ_INT, "1", "1", false, NULL},
    {"retry", PWQ_INT, "1", "1", true, "pam_pwquality's default"},
    {"enforce_for_root", PWQ_FLAG, NULL, NULL, true, NULL},
    {"local_users_only", PWQ_FLAG, NULL, NULL, true, NULL},
};

static const pwq_option *pwq_find(const char *name)
{
    for (size_t i = 0; i < sizeof pwq_options / sizeof pwq_options[0]; i++)
        if (strcmp(pwq_options[i].name, name) == 0)
            return &pwq_options[i];
    return NULL;
}

bool imgb_pwq_known_option(const char *option)
{
    return pwq_find(option) != NULL;
}

/* ---- libpwquality version ---------------------------------------------------------------- */

/* Upstream part of a Debian version "[epoch:]upstream[-revision]" (malloc'd). */
static char *pwq_upstream(const char *v, size_t n)
{
    const char *colon = memchr(v, ':', n);
    if (colon) {
        n -= (size_t)(colon + 1 - v);
        v = colon + 1;
    }
    size_t end = n;
    for (size_t i = n; i-- > 0;)
        if (v[i] == '-') {
            end = i;
            break;
        }
    return imgb_xstrndup(v, end);
}

/* Version of an installed libpwquality1 / libpwquality-common from dpkg's status file. */
static char *pwq_dpkg_version(const imgb_view *view)
{
    const unsigned char *data;
    size_t len;
    if (imgb_view_read(view, "/var/lib/dpkg/status", &data, &len) < 0) {
        imgb_error_clear();
        return NULL;
    }
    const char *t = (const char *)data, *end = t + len;
    while (t < end) {
        /* one paragraph: up to a blank line */
        const char *para_end = t;
        while (para_end < end) {
            const char *nl = memchr(para_end, '\n', (size_t)(end - para_end));
            if (!nl) {
                para_end = end;
                break;
            }
            if (nl + 1 < end && nl[1] == '\n') {
                para_end = nl + 1;
                break;
            }
            para_end = nl + 1;
        }
        bool match = false, installed = false;
        const char *ver = NULL;
        size_t verlen = 0;
        for (const char *l = t; l < para_end;) {
            const char *nl = memchr(l, '\n', (size_t)(para_end - l));
            size_t n = nl ? (size_t)(nl - l) : (size_t)(para_end - l);
            if (n >= 9 && strncmp(l, "Package: ", 9) == 0)
                match = (n - 9 == strlen("libpwquality1") &&
                         strncmp(l + 9, "libpwquality1", n - 9) == 0) ||
                        (n - 9 == strlen("libpwquality-common") &&
                         strncmp(l + 9, "libpwquality-common", n - 9) == 0);
            else if (n >= 8 && strncmp(l, "Status: ", 8) == 0)
                installed = n >= 8 + 9 && memcmp(l + n - 9, "installed", 9) == 0 &&
                            !(n >= 8 + 13 && memcmp(l + n - 13, "not-installed", 13) == 0);
            else if (n >= 9 && strncmp(l, "Version: ", 9) == 0) {
                ver = l + 9;
                verlen = n - 9;
            }
            l += n + 1;
        }
        if (match && installed && ver)
            return pwq_upstream(ver, verlen);
        t = para_end;
        while (t < end && *t == '\n')
            t++;
    }
    return NULL;
}

static void pwq_version(const imgb_scan_ctx *ctx, imgb_pwq_value *out)
{
    char *v = pwq_dpkg_version(ctx->view);
    if (v) {
        out->version = v;
        out->version_source = imgb_xstrdup("/var/lib/dpkg/status");
        return;
    }
    const imgb_os_info *os = ctx->os;
    const char *id = os && os->id ? os->id : "";
    const char *ver = os && os->version_id ? os->version_id : "";
    bool el = os && os->family && strcmp(os->family, "rhel") == 0;
    if (strcmp(id, "euleros") == 0) {
        out->version = imgb_xstrdup("1.2.3");
        out->version_source = imgb_xasprintf("distro table: EulerOS %s is EL7-based "
                                             "(libpwquality 1.2.3 assumed)", ver);
    } else if (strcasecmp(id, "openeuler") == 0) {
        out->version = imgb_xstrdup("1.4.2");
        out->version_source = imgb_xstrdup("distro table: openEuler (libpwquality 1.4 assumed)");
    } else if (el && *ver && imgb_version_cmp(ver, "8") < 0) {
        out->version = imgb_xstrdup("1.2.3");
        out->version_source = imgb_xasprintf("distro table: %s %s ships libpwquality 1.2.3",
                                             id, ver);
    } else if (el && *ver) {
        out->version = imgb_xstrdup("1.4.4");
        out->version_source = imgb_xasprintf("distro table: %s %s ships libpwquality 1.4.4",
                                             id, ver);
    } else {
        out->version = imgb_xstrdup("1.4.0");
        out->version_source = imgb_xstrdup("version unknown: libpwquality >= 1.4 assumed");
    }
}

/* ---- config files -------------------------------------------------------------------------- */

/* Is "name[=value]" (text, length n) a setting of `name`? Returns its value or NULL. */
static bool pwq_setting(const char *s, const char *name, char **value)
{
    size_t n = strlen(name);
    s += strspn(s, " \t");
    if (strncmp(s, name, n) != 0)
        return false;
    const char *p = s + n;
    p += strspn(p, " \t\r");
    if (*p == '\0') {
        *value = imgb_xstrdup("");
        return true;
    }
    if (*p != '=')
        return false;
    p++;
    p += strspn(p, " \t");
    size_t vlen = strlen(p);
    while (vlen > 0 && strchr(" \t\r", p[vlen - 1]))
        vlen--;
    *value = imgb_xstrndup(p, vlen);
    return true;
}

/* Whole-string base-10 integer, as pwquality_set_option's strtol check. */
static bool pwq_int(const char *s)
{
    char *end;
    if (!*s)
        return false;
    (void)strtol(s, &end, 10);
    return *end == '\0';
}

/* Apply `value` for option `o` if valid; returns true if it took effect. */
static bool pwq_accept(const pwq_option *o, const char *value)
{
    if (o->type == PWQ_FLAG)
        return true;
    return pwq_int(value);
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

/* read_config_file of libpwquality: '#' comments, "name = value", later lines override. */
static void pwq_read_conf(const imgb_view *view, const char *path, const pwq_option *o,
                          imgb_pwq_value *out)
{
    const unsigned char *data;
    size_t len, pos = 0;
    int line = 0;

    int rc = imgb_view_read(view, path, &data, &len);
    if (rc == IMGB_ENOTFOUND) {
        imgb_error_clear();
        return;
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
        return;
    }
    while (pos < len) {
        const char *p = (const char *)data + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl ? 1 : 0);
        line++;
        char *buf = imgb_xstrndup(p, n);
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *value = NULL;
        if (pwq_setting(buf, o->name, &value) && pwq_accept(o, value))
            pwq_set(out, o, value, path, line);
        free(value);
        free(buf);
    }
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

void imgb_pwq_resolve(const imgb_scan_ctx *ctx, const char *stack_file, const char *option,
                      imgb_pwq_value *out)
{
    const pwq_option *o = pwq_find(option);
    memset(out, 0, sizeof *out);
    pwq_version(ctx, out);
    if (!o)
        return;

    const imgb_pam_stack *s = imgb_pam_get(ctx, stack_file);
    const imgb_pam_line *mod = NULL;
    for (size_t i = 0; s && i < s->nlines; i++) {
        const char *base = imgb_pam_module_base(s->lines[i].module);
        if (strcmp(s->lines[i].type, "password") == 0 &&
            (strcmp(base, "pam_pwquality.so") == 0 || strcmp(base, "pam_cracklib.so") == 0)) {
            mod = &s->lines[i];
            break;
        }
    }
    if (!mod)
        return;
    out->module_present = true;
    out->module = imgb_xstrdup(imgb_pam_module_base(mod->module));
    out->module_file = imgb_xstrdup(mod->file);
    out->module_line = mod->line;
    bool cracklib = strcmp(out->module, "pam_cracklib.so") == 0;
    bool v123 = imgb_version_cmp(out->version, "1.3.0") < 0;

    /* 1. compiled default */
    const char *dflt = (cracklib || v123) ? o->dflt_123 : o->dflt_14;
    if (dflt) {
        out->value = imgb_xstrdup(dflt);
        out->source = cracklib
                          ? imgb_xasprintf("compiled-in default of pam_cracklib (%s=%s)",
                                           o->name, dflt)
                          : imgb_xasprintf("compiled-in default of libpwquality %s (%s=%s%s%s)",
                                           out->version, o->name, dflt, o->note ? "; " : "",
                                           o->note ? o->note : "");
    }
    /* 2, 3. config files (pam_pwquality only) */
    bool conf_allowed = !o->pam_only_before_141 || imgb_version_cmp(out->version, "1.4.1") >= 0;
    if (!cracklib && conf_allowed) {
        if (!v123) {
            pwq_glob g;
            g.n = 0;
            imgb_view_glob(ctx->view, IMGB_PWQ_CONF_D "/*.conf", pwq_glob_cb, &g);
            for (size_t i = 0; i < g.n; i++) {
                pwq_read_conf(ctx->view, g.paths[i], o, out);
                free(g.paths[i]);
            }
        }
        pwq_read_conf(ctx->view, IMGB_PWQ_CONF, o, out);
    }
    /* 4. module arguments, left to right */
    for (size_t i = 0; i < mod->nargs; i++) {
        char *value = NULL;
        if (pwq_setting(mod->args[i], o->name, &value) && pwq_accept(o, value)) {
            pwq_set(out, o, value, mod->file, mod->line);
            char *src = imgb_xasprintf("%s (%s argument)", out->source, out->module);
            free(out->source);
            out->source = src;
        }
        free(value);
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
    memset(v, 0, sizeof *v);
}

void imgb_pwq_register_keeps(imgb_view *view)
{
    imgb_view_keep(view, IMGB_PWQ_CONF);
    imgb_view_keep(view, IMGB_PWQ_CONF_D "/*");
    imgb_view_keep(view, "/var/lib/dpkg/status");
}
