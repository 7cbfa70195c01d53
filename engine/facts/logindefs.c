/*
 * login.defs and /etc/default/useradd parsers and the built-in defaults of the shadow tools;
 * semantics and sources in logindefs.h.
 */
#include "facts/logindefs.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/mem.h"

/*
 * Built-in defaults: what the tool does when the key is absent or does not parse.  The
 * aging keys only matter to useradd/newusers, whose new_spent() stores getdef_num(KEY, -1)
 * ("-1": the shadow field is left empty, i.e. no aging).
 */
static const imgb_defs_known logindefs_known[] = {
    {"PASS_MAX_DAYS", IMGB_DEFS_NUM, "-1",
     "built-in default of shadow 4.6 (src/useradd.c new_spent: getdef_num(\"PASS_MAX_DAYS\", -1),"
     " no maximum age)", true},
    {"PASS_MIN_DAYS", IMGB_DEFS_NUM, "-1",
     "built-in default of shadow 4.6 (src/useradd.c new_spent: getdef_num(\"PASS_MIN_DAYS\", -1))",
     false},
    {"PASS_WARN_AGE", IMGB_DEFS_NUM, "-1",
     "built-in default of shadow 4.6 (src/useradd.c new_spent: getdef_num(\"PASS_WARN_AGE\", -1))",
     false},
    {"PASS_MIN_LEN", IMGB_DEFS_NUM, "0",
     "built-in default of shadow 4.6 (libmisc/obscure.c: getdef_num(\"PASS_MIN_LEN\", 0))", false},
    {"PASS_MAX_LEN", IMGB_DEFS_NUM, "8",
     "built-in default of shadow 4.6 (libmisc/obscure.c: getdef_num(\"PASS_MAX_LEN\", 8))", false},
    {"UMASK", IMGB_DEFS_NUM, "022",
     "built-in default of shadow 4.6 (lib/getdef.h GETDEF_DEFAULT_UMASK 022)", false},
    {"UID_MIN", IMGB_DEFS_ULONG, "1000",
     "built-in default of shadow 4.6 (libmisc/find_new_uid.c: getdef_ulong(\"UID_MIN\", 1000))",
     false},
    {"UID_MAX", IMGB_DEFS_ULONG, "60000",
     "built-in default of shadow 4.6 (libmisc/find_new_uid.c: getdef_ulong(\"UID_MAX\", 60000))",
     false},
    {"SYS_UID_MIN", IMGB_DEFS_ULONG, "101",
     "built-in default of shadow 4.6 (libmisc/find_new_uid.c: getdef_ulong(\"SYS_UID_MIN\", 101))",
     false},
    {"GID_MIN", IMGB_DEFS_ULONG, "1000",
     "built-in default of shadow 4.6 (libmisc/find_new_gid.c: getdef_ulong(\"GID_MIN\", 1000))",
     false},
    {"GID_MAX", IMGB_DEFS_ULONG, "60000",
     "built-in default of shadow 4.6 (libmisc/find_new_gid.c: getdef_ulong(\"GID_MAX\", 60000))",
     false},
    {"SYS_GID_MIN", IMGB_DEFS_ULONG, "101",
     "built-in default of shadow 4.6 (libmisc/find_new_gid.c: getdef_ulong(\"SYS_GID_MIN\", 101))",
     false},
    /* default computed in defs_resolve: salt.c falls back to MD5_CRYPT_ENAB */
    {"ENCRYPT_METHOD", IMGB_DEFS_STRING, NULL,
     "built-in default of shadow 4.6 (libmisc/salt.c: no ENCRYPT_METHOD, MD5_CRYPT_ENAB", false},
    {"MD5_CRYPT_ENAB", IMGB_DEFS_BOOL, "no",
     "built-in default of shadow 4.6 (getdef_bool: absent is false)", false},
    {"USERGROUPS_ENAB", IMGB_DEFS_BOOL, "no",
     "built-in default of shadow 4.6 (getdef_bool: absent is false)", false},
    {"CREATE_HOME", IMGB_DEFS_BOOL, "no",
     "built-in default of shadow 4.6 (getdef_bool: absent is false)", false},
};

static const imgb_defs_known useradd_known[] = {
    {"INACTIVE", IMGB_DEFS_LONG, "-1",
     "built-in default of shadow 4.6 (src/useradd.c: def_inactive = -1, account never disabled)",
     true},
    {"EXPIRE", IMGB_DEFS_STRING, "",
     "built-in default of shadow 4.6 (src/useradd.c: def_expire = \"\")", false},
    {"SHELL", IMGB_DEFS_STRING, "",
     "built-in default of shadow 4.6 (src/useradd.c: def_shell = \"\")", false},
};

const imgb_defs_known *imgb_defs_known_key(imgb_defs_format fmt, const char *key)
{
    const imgb_defs_known *t = fmt == IMGB_DEFS_USERADD ? useradd_known : logindefs_known;
    size_t n = fmt == IMGB_DEFS_USERADD ? sizeof useradd_known / sizeof useradd_known[0]
                                        : sizeof logindefs_known / sizeof logindefs_known[0];
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].key, key) == 0)
            return &t[i];
    return NULL;
}

/* ---- parsing ------------------------------------------------------------------------------- */

static void defs_store(imgb_defs *d, const char *key, size_t klen, const char *value,
                       size_t vlen, int line)
{
    if (d->nentries == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 32;
        d->entries = imgb_xrealloc(d->entries, d->cap * sizeof *d->entries);
    }
    imgb_defs_entry *e = &d->entries[d->nentries++];
    e->key = imgb_xstrndup(key, klen);
    e->value = imgb_xstrndup(value, vlen);
    e->line = line;
}

/* One fgets() buffer of getdef.c def_load: `buf` is NUL-terminated (strlen semantics). */
static void defs_login_line(imgb_defs *d, char *buf, int line)
{
    size_t i = strlen(buf);
    while (i > 0 && isspace((unsigned char)buf[i - 1]))
        i--;
    buf[i] = '\0';
    char *name = buf + strspn(buf, " \t");
    if (*name == '\0' || *name == '#')
        return;
    char *s = name + strcspn(name, " \t");
    if (*s == '\0')
        return; /* only one field */
    size_t klen = (size_t)(s - name);
    s++;
    char *value = s + strspn(s, " \"\t");
    size_t vlen = strcspn(value, "\"");
    defs_store(d, name, klen, value, vlen, line);
}

/* One line of useradd.c get_defaults(): the newline is dropped, "KEY=value". */
static void defs_useradd_line(imgb_defs *d, char *buf, int line)
{
    char *eq = strchr(buf, '=');
    if (!eq)
        return;
    defs_store(d, buf, (size_t)(eq - buf), eq + 1, strlen(eq + 1), line);
}

imgb_defs *imgb_defs_parse(const char *path, imgb_defs_format fmt, const char *data, size_t len)
{
    imgb_defs *d = imgb_xcalloc(1, sizeof *d);
    char buf[IMGB_LOGINDEFS_FGETS_BUF];
    size_t pos = 0;
    int line = 1;

    d->path = imgb_xstrdup(path);
    while (pos < len) {
        /* fgets: up to sizeof buf - 1 bytes, stopping after a newline */
        size_t n = 0;
        bool newline = false;
        while (pos < len && n < sizeof buf - 1) {
            char c = data[pos++];
            buf[n++] = c;
            if (c == '\n') {
                newline = true;
                break;
            }
        }
        buf[n] = '\0';
        if (fmt == IMGB_DEFS_USERADD) {
            char *nl = strrchr(buf, '\n');
            if (nl)
                *nl = '\0';
            defs_useradd_line(d, buf, line);
        } else {
            defs_login_line(d, buf, line);
        }
        if (newline)
            line++;
    }
    return d;
}

imgb_defs *imgb_defs_load(const imgb_view *view, const char *path, imgb_defs_format fmt)
{
    const unsigned char *data;
    size_t len;
    int rc = imgb_view_read(view, path, &data, &len);
    if (rc < 0) {
        imgb_defs *d = imgb_xcalloc(1, sizeof *d);
        d->path = imgb_xstrdup(path);
        d->status = rc;
        d->message = imgb_xstrdup(imgb_error_last());
        return d;
    }
    return imgb_defs_parse(path, fmt, (const char *)data, len);
}

void imgb_defs_free(imgb_defs *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nentries; i++) {
        free(d->entries[i].key);
        free(d->entries[i].value);
    }
    free(d->entries);
    free(d->path);
    free(d->message);
    free(d);
}

const imgb_defs_entry *imgb_defs_find(const imgb_defs *d, const char *key)
{
    for (size_t i = d->nentries; i-- > 0;)
        if (strcmp(d->entries[i].key, key) == 0)
            return &d->entries[i];
    return NULL;
}

bool imgb_defs_getlong(const char *s, long long *out)
{
    char *end;
    if (*s == '\0')
        return false;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (*end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

/* ---- resolution ------------------------------------------------------------------------------ */

/* Parse `s` with the getter of `type`; false when the tool would fall back to its default. */
static bool defs_parse_typed(imgb_defs_type type, const char *s, long long *out)
{
    long long v;
    switch (type) {
    case IMGB_DEFS_NUM:
        if (!imgb_defs_getlong(s, &v) || v > INT_MAX || v < INT_MIN)
            return false;
        break;
    case IMGB_DEFS_ULONG:
        /* getulong: strtoul, so a sign is not a valid unsigned number here */
        if (strchr(s, '-') || !imgb_defs_getlong(s, &v) || v < 0)
            return false;
        break;
    case IMGB_DEFS_BOOL:
        v = strcasecmp(s, "yes") == 0;
        break;
    default:
        if (!imgb_defs_getlong(s, &v))
            return false;
        break;
    }
    *out = v;
    return true;
}

/* getdef_long(key, -1) of shadow: absent or unparsable -> -1. */
static long long defs_getdef_long(const imgb_defs *d, const char *key, int *line)
{
    const imgb_defs_entry *e = imgb_defs_find(d, key);
    long long v;
    *line = e ? e->line : 0;
    return e && imgb_defs_getlong(e->value, &v) ? v : -1;
}

#define SHA_ROUNDS_DEFAULT 5000
#define SHA_ROUNDS_MIN 1000
#define SHA_ROUNDS_MAX 999999999

/* lib/salt.c SHA_get_salt_rounds: the lower (min) or upper bound of the rounds used. */
static void defs_sha_rounds(const imgb_defs *d, bool want_min, imgb_defs_value *out)
{
    int lmin, lmax;
    long long min = defs_getdef_long(d, "SHA_CRYPT_MIN_ROUNDS", &lmin);
    long long max = defs_getdef_long(d, "SHA_CRYPT_MAX_ROUNDS", &lmax);
    imgb_buf note = IMGB_BUF_INIT;
    long long v;
    out->numeric = true;
    out->has_value = true;
    if (min == -1 && max == -1) {
        v = SHA_ROUNDS_DEFAULT;
        out->is_default = true;
        out->source = imgb_xstrdup("built-in default of shadow (lib/salt.c SHA_get_salt_rounds: "
                                   "neither SHA_CRYPT_MIN_ROUNDS nor SHA_CRYPT_MAX_ROUNDS set, "
                                   "SHA_ROUNDS_DEFAULT 5000)");
    } else {
        if (min == -1) {
            min = max;
            imgb_buf_printf(&note, "SHA_CRYPT_MIN_ROUNDS not set: SHA_CRYPT_MAX_ROUNDS %lld is "
                            "used for both (lib/salt.c)", max);
        }
        if (max == -1) {
            max = min;
            imgb_buf_printf(&note, "SHA_CRYPT_MAX_ROUNDS not set: SHA_CRYPT_MIN_ROUNDS %lld is "
                            "used for both (lib/salt.c)", min);
        }
        if (min > max) {
            imgb_buf_printf(&note, "%sSHA_CRYPT_MIN_ROUNDS %lld > SHA_CRYPT_MAX_ROUNDS %lld: the "
                            "maximum is raised to the minimum (lib/salt.c)",
                            note.len ? "; " : "", min, max);
            max = min;
        }
        v = want_min ? min : max;
        int line = want_min ? (lmin ? lmin : lmax) : (lmax ? lmax : lmin);
        out->source = imgb_xasprintf("%s:%d", d->path, line);
        if ((want_min && lmin == 0) || (!want_min && lmax == 0))
            out->is_default = true;
    }
    if (v < SHA_ROUNDS_MIN || v > SHA_ROUNDS_MAX) {
        long long c = v < SHA_ROUNDS_MIN ? SHA_ROUNDS_MIN : SHA_ROUNDS_MAX;
        imgb_buf_printf(&note, "%s%lld rounds clamped to %lld (lib/salt.c SHA_ROUNDS_%s)",
                        note.len ? "; " : "", v, c, v < SHA_ROUNDS_MIN ? "MIN" : "MAX");
        v = c;
    }
    out->num = v;
    out->text = imgb_xasprintf("%lld", v);
    out->note = note.len ? imgb_buf_detach(&note) : NULL;
    imgb_buf_dispose(&note);
}

void imgb_defs_resolve(const imgb_defs *d, imgb_defs_format fmt, const char *key,
                       const char *fallback, bool force_numeric, imgb_defs_value *out)
{
    if (fmt == IMGB_DEFS_LOGIN_DEFS && !fallback &&
        (strcmp(key, "SHA_CRYPT_MIN_ROUNDS") == 0 || strcmp(key, "SHA_CRYPT_MAX_ROUNDS") == 0)) {
        memset(out, 0, sizeof *out);
        out->entry = imgb_defs_find(d, key);
        long long ignored;
        out->unparsable = out->entry && !imgb_defs_getlong(out->entry->value, &ignored);
        defs_sha_rounds(d, strcmp(key, "SHA_CRYPT_MIN_ROUNDS") == 0, out);
        return;
    }

    const imgb_defs_known *k = imgb_defs_known_key(fmt, key);
    imgb_defs_type type = k ? k->type : IMGB_DEFS_STRING;
    if (type == IMGB_DEFS_STRING && force_numeric)
        type = IMGB_DEFS_LONG;

    memset(out, 0, sizeof *out);
    out->entry = imgb_defs_find(d, key);
    out->numeric = type != IMGB_DEFS_STRING;

    if (out->entry) {
        long long v = 0;
        bool ok = !out->numeric || defs_parse_typed(type, out->entry->value, &v);
        /* useradd.c: INACTIVE below -1 is a configuration error, -1 used */
        if (ok && fmt == IMGB_DEFS_USERADD && strcmp(key, "INACTIVE") == 0 && v < -1)
            ok = false;
        if (ok) {
            out->has_value = true;
            out->num = v;
            out->text = out->numeric && type != IMGB_DEFS_BOOL
                            ? imgb_xasprintf("%lld", v)
                            : imgb_xstrdup(out->entry->value);
            out->source = imgb_xasprintf("%s:%d", d->path, out->entry->line);
            return;
        }
        out->unparsable = true;
    }

    out->is_default = true;
    const char *dflt = NULL;
    char *source = NULL;
    if (fallback) {
        dflt = fallback;
        source = imgb_xasprintf("rule default (%s %s)", key,
                                out->entry ? "does not parse" : "not set");
    } else if (k && k->dflt) {
        dflt = k->dflt;
        source = imgb_xstrdup(k->dflt_source);
    } else if (k && strcmp(key, "ENCRYPT_METHOD") == 0) {
        imgb_defs_value md5;
        imgb_defs_resolve(d, fmt, "MD5_CRYPT_ENAB", NULL, false, &md5);
        dflt = md5.num ? "MD5" : "DES";
        source = imgb_xasprintf("%s %s: crypt method %s)", k->dflt_source,
                                md5.num ? "yes" : "not yes", dflt);
        imgb_defs_value_dispose(&md5);
    }
    if (!dflt) {
        out->source = imgb_xasprintf("%s not set in %s", key, d->path);
        return;
    }
    long long v = 0;
    if (out->numeric && !defs_parse_typed(type == IMGB_DEFS_BOOL ? type : IMGB_DEFS_LONG, dflt,
                                          &v)) {
        /* a rule default that is not a number: keep it as text, the comparison decides */
        out->numeric = false;
    }
    out->has_value = true;
    out->num = v;
    out->text = out->numeric && type != IMGB_DEFS_BOOL ? imgb_xasprintf("%lld", v)
                                                       : imgb_xstrdup(dflt);
    out->source = source;
}

void imgb_defs_value_dispose(imgb_defs_value *v)
{
    free(v->text);
    free(v->source);
    free(v->note);
    v->text = v->source = v->note = NULL;
}

/* ---- per-scan memoisation ------------------------------------------------------------------ */

static void *defs_build_login(const imgb_scan_ctx *ctx, void *payload)
{
    (void)payload;
    return imgb_defs_load(ctx->view, IMGB_LOGINDEFS_PATH, IMGB_DEFS_LOGIN_DEFS);
}

static void *defs_build_useradd(const imgb_scan_ctx *ctx, void *payload)
{
    (void)payload;
    return imgb_defs_load(ctx->view, IMGB_USERADD_DEFAULTS_PATH, IMGB_DEFS_USERADD);
}

static void defs_destroy(void *obj)
{
    imgb_defs_free(obj);
}

const imgb_defs *imgb_logindefs_get(const imgb_scan_ctx *ctx)
{
    return imgb_ctx_cache_get(ctx, "facts.login.defs", defs_build_login, NULL, defs_destroy);
}

const imgb_defs *imgb_useradd_defaults_get(const imgb_scan_ctx *ctx)
{
    return imgb_ctx_cache_get(ctx, "facts.default.useradd", defs_build_useradd, NULL,
                              defs_destroy);
}

void imgb_logindefs_register_keeps(imgb_view *view)
{
    imgb_view_keep(view, IMGB_LOGINDEFS_PATH);
    imgb_view_keep(view, IMGB_USERADD_DEFAULTS_PATH);
}
