/*
 * PAM stack parsing with include expansion, per-family stack files and the lockout settings
 * of pam_faillock / pam_tally2; semantics and sources in pam.h.
 */
#include "facts/pam.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/os.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

#define PAM_FAILLOCK_CONF "/etc/security/faillock.conf"

/* ---- building the stack ------------------------------------------------------------------ */

static void pam_issue(imgb_pam_stack *s, const char *file, int line, char *message)
{
    if (s->nissues == s->cap_issues) {
        s->cap_issues = s->cap_issues ? s->cap_issues * 2 : 4;
        s->issues = imgb_xrealloc(s->issues, s->cap_issues * sizeof *s->issues);
    }
    s->issues[s->nissues].file = imgb_xstrdup(file);
    s->issues[s->nissues].line = line;
    s->issues[s->nissues].message = message;
    s->nissues++;
}

static imgb_pam_line *pam_new_line(imgb_pam_stack *s)
{
    if (s->nlines == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->lines = imgb_xrealloc(s->lines, s->cap * sizeof *s->lines);
    }
    imgb_pam_line *l = &s->lines[s->nlines++];
    memset(l, 0, sizeof *l);
    return l;
}

/*
 * _pam_StrTok: skip delimiters; a token starting with '[' runs to the first ']' (a "\]"
 * inside is kept as ']') and is returned without the brackets.
 */
static char *pam_token(char **cursor, bool *bracket)
{
    char *p = *cursor;
    p += strspn(p, " \t\n");
    if (*p == '\0') {
        *cursor = p;
        return NULL;
    }
    if (bracket)
        *bracket = false;
    if (*p == '[') {
        char *out = ++p, *w = p;
        while (*p && *p != ']') {
            if (*p == '\\' && p[1] == ']')
                p++;
            *w++ = *p++;
        }
        if (*p == ']')
            p++;
        *w = '\0';
        /* the closing bracket must end the token (as _pam_StrTok splits there) */
        *cursor = p;
        if (bracket)
            *bracket = true;
        return out;
    }
    char *start = p;
    p += strcspn(p, " \t\n");
    if (*p)
        *p++ = '\0';
    *cursor = p;
    return start;
}

static bool pam_known_type(const char *t)
{
    return strcasecmp(t, "auth") == 0 || strcasecmp(t, "account") == 0 ||
           strcasecmp(t, "password") == 0 || strcasecmp(t, "session") == 0;
}

static char *pam_lower(const char *s)
{
    char *d = imgb_xstrdup(s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

/* "/etc/pam.d/NAME" unless NAME is absolute. */
static char *pam_include_path(const char *name)
{
    if (name[0] == '/')
        return imgb_xstrdup(name);
    return imgb_xasprintf("%s/%s", IMGB_PAM_DIR, name);
}

typedef struct pam_ctx {
    const imgb_view *view;
    imgb_pam_stack *s;
    const char *chain[IMGB_PAM_MAX_INCLUDE_DEPTH + 1];
    bool full;
} pam_ctx;

static void pam_parse_file(pam_ctx *pc, const char *path, const char *type_filter,
                           const char *via, int depth);

/* One logical line (NUL-terminated, comments and continuations already resolved). */
static void pam_parse_line(pam_ctx *pc, const char *path, char *text, int line,
                           const char *type_filter, int depth)
{
    imgb_pam_stack *s = pc->s;
    char *cur = text;
    char *type = pam_token(&cur, NULL);

    if (!type)
        return;
    if (strcmp(type, "@include") == 0) {
        /* Debian: include every line of FILE */
        char *name = pam_token(&cur, NULL);
        if (!name) {
            pam_issue(s, path, line, imgb_xstrdup("@include without a file name"));
            return;
        }
        char *target = pam_include_path(name);
        char *here = imgb_xasprintf("%s:%d", path, line);
        pam_parse_file(pc, target, type_filter, here, depth + 1);
        free(here);
        free(target);
        return;
    }
    bool silent = type[0] == '-';
    if (silent)
        type++;
    if (!pam_known_type(type)) {
        pam_issue(s, path, line,
                  imgb_xasprintf("illegal module type '%s' (the stack fails, as Linux-PAM "
                                 "marks the line must-fail)", type));
        return;
    }
    char *ltype = pam_lower(type);
    if (type_filter && strcmp(ltype, type_filter) != 0) {
        free(ltype);
        return;
    }
    bool bracket = false;
    char *control = pam_token(&cur, &bracket);
    char *module = control ? pam_token(&cur, NULL) : NULL;
    if (!control || !module) {
        pam_issue(s, path, line, imgb_xstrdup(control ? "missing module path"
                                                      : "missing control field"));
        free(ltype);
        return;
    }
    if (!bracket && (strcasecmp(control, "include") == 0 ||
                     strcasecmp(control, "substack") == 0)) {
        char *target = pam_include_path(module);
        char *here = imgb_xasprintf("%s:%d", path, line);
        pam_parse_file(pc, target, ltype, here, depth + 1);
        free(here);
        free(target);
        free(ltype);
        return;
    }
    if (s->nlines >= IMGB_PAM_MAX_LINES) {
        if (!pc->full)
            pam_issue(s, path, line, imgb_xasprintf("more than %d module lines; rest ignored",
                                                    IMGB_PAM_MAX_LINES));
        pc->full = true;
        free(ltype);
        return;
    }
    imgb_pam_line *l = pam_new_line(s);
    l->type = ltype;
    l->silent = silent;
    l->control = imgb_xstrdup(control);
    l->bracket = bracket;
    l->module = imgb_xstrdup(module);
    l->file = imgb_xstrdup(path);
    l->line = line;
    l->via = NULL;
    imgb_ptrvec args = IMGB_PTRVEC_INIT;
    char *arg;
    while ((arg = pam_token(&cur, NULL)))
        imgb_ptrvec_push(&args, imgb_xstrdup(arg));
    l->args = (char **)args.items;
    l->nargs = args.len;
}

/*
 * _pam_assemble_line over the whole file: returns logical lines through pam_parse_line.
 * A line longer than the buffer ends the parse of the file, as in Linux-PAM.
 */
static void pam_parse_text(pam_ctx *pc, const char *path, const char *data, size_t len,
                           const char *type_filter, int depth)
{
    imgb_buf logical = IMGB_BUF_INIT;
    size_t pos = 0;
    int phys = 0, start_line = 0;

    while (pos < len) {
        const char *p = data + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl ? 1 : 0);
        phys++;
        char *buf = imgb_xstrndup(p, n); /* strlen semantics: a NUL ends the line */
        char *s = buf + strspn(buf, " \n\t");
        if (*s == '\0' || *s == '#') {
            free(buf);
            continue; /* nothing in this line; a pending continuation goes on */
        }
        if (logical.len == 0)
            start_line = phys;
        char *hash = strchr(s, '#');
        bool complete = true;
        if (hash) {
            *hash = '\0';
        } else {
            size_t k = strlen(s);
            while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\r'))
                k--;
            if (k > 0 && s[k - 1] == '\\') {
                s[k - 1] = ' ';
                s[k] = '\0';
                complete = false;
            }
        }
        imgb_buf_puts(&logical, s);
        free(buf);
        if (logical.len >= IMGB_PAM_LINE_BUF - 1) {
            pam_issue(pc->s, path, start_line,
                      imgb_xasprintf("line longer than %d bytes: Linux-PAM stops reading "
                                     "the file here", IMGB_PAM_LINE_BUF));
            imgb_buf_dispose(&logical);
            return;
        }
        if (!complete)
            continue;
        pam_parse_line(pc, path, logical.ptr, start_line, type_filter, depth);
        imgb_buf_clear(&logical);
    }
    if (logical.len)
        pam_parse_line(pc, path, logical.ptr, start_line, type_filter, depth);
    imgb_buf_dispose(&logical);
}

static void pam_parse_file(pam_ctx *pc, const char *path, const char *type_filter,
                           const char *via, int depth)
{
    imgb_pam_stack *s = pc->s;
    const char *where_file = via ? via : path;

    if (depth > IMGB_PAM_MAX_INCLUDE_DEPTH) {
        pam_issue(s, where_file, 0, imgb_xasprintf("include of %s nested deeper than %d "
                                                   "levels: not followed",
                                                   path, IMGB_PAM_MAX_INCLUDE_DEPTH));
        return;
    }
    for (int i = 0; i < depth; i++) {
        if (strcmp(pc->chain[i], path) == 0) {
            pam_issue(s, where_file, 0,
                      imgb_xasprintf("include loop: %s includes itself; not followed", path));
            return;
        }
    }
    const unsigned char *data;
    size_t len;
    int rc = imgb_view_read(pc->view, path, &data, &len);
    if (rc < 0) {
        if (depth == 0 || rc == IMGB_ELIMIT) { /* a cut include: the stack is not known */
            s->status = rc;
            s->message = imgb_xstrdup(imgb_error_last());
        } else {
            pam_issue(s, where_file, 0,
                      imgb_xasprintf("included file %s: %s", path, imgb_error_last()));
        }
        return;
    }
    pc->chain[depth] = path;
    size_t first = s->nlines;
    pam_parse_text(pc, path, (const char *)data, len, type_filter, depth);
    if (via) {
        for (size_t i = first; i < s->nlines; i++)
            if (!s->lines[i].via)
                s->lines[i].via = imgb_xstrdup(via);
    }
}

imgb_pam_stack *imgb_pam_load(const imgb_view *view, const char *path)
{
    imgb_pam_stack *s = imgb_xcalloc(1, sizeof *s);
    pam_ctx pc;

    memset(&pc, 0, sizeof pc);
    pc.view = view;
    pc.s = s;
    s->path = imgb_xstrdup(path);
    pam_parse_file(&pc, s->path, NULL, NULL, 0);
    return s;
}

void imgb_pam_stack_free(imgb_pam_stack *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nlines; i++) {
        imgb_pam_line *l = &s->lines[i];
        free(l->type);
        free(l->control);
        free(l->module);
        for (size_t j = 0; j < l->nargs; j++)
            free(l->args[j]);
        free(l->args);
        free(l->file);
        free(l->via);
    }
    for (size_t i = 0; i < s->nissues; i++) {
        free(s->issues[i].file);
        free(s->issues[i].message);
    }
    free(s->lines);
    free(s->issues);
    free(s->path);
    free(s->message);
    free(s);
}

typedef struct pam_build_arg {
    const char *path;
} pam_build_arg;

static void *pam_build(const imgb_scan_ctx *ctx, void *payload)
{
    const pam_build_arg *a = payload;
    return imgb_pam_load(ctx->view, a->path);
}

static void pam_destroy(void *obj)
{
    imgb_pam_stack_free(obj);
}

const imgb_pam_stack *imgb_pam_get(const imgb_scan_ctx *ctx, const char *path)
{
    char key[IMGB_MAX_PATH + 16];
    pam_build_arg a = {path};
    snprintf(key, sizeof key, "facts.pam:%s", path);
    return imgb_ctx_cache_get(ctx, key, pam_build, &a, pam_destroy);
}

/* ---- families, modules, arguments ----------------------------------------------------------- */

size_t imgb_pam_stack_files(const char *family, const char *stack, const char *out[4])
{
    static const struct {
        const char *stack;
        const char *common;
    } commons[] = {
        {"auth", IMGB_PAM_DIR "/common-auth"},
        {"account", IMGB_PAM_DIR "/common-account"},
        {"password", IMGB_PAM_DIR "/common-password"},
        {"session", IMGB_PAM_DIR "/common-session"},
    };
    const char *common = NULL;
    size_t n = 0;
    for (size_t i = 0; i < sizeof commons / sizeof commons[0]; i++)
        if (strcmp(commons[i].stack, stack) == 0)
            common = commons[i].common;
    bool rhel = family && strcmp(family, "rhel") == 0;
    bool deb = family && (strcmp(family, "debian") == 0 || strcmp(family, "suse") == 0);
    if (rhel || !deb) {
        out[n++] = IMGB_PAM_DIR "/system-auth";
        out[n++] = IMGB_PAM_DIR "/password-auth";
    }
    if ((deb || !rhel) && common)
        out[n++] = common;
    return n;
}

const char *imgb_pam_module_base(const char *module)
{
    const char *slash = strrchr(module, '/');
    return slash ? slash + 1 : module;
}

const char *imgb_pam_arg(const imgb_pam_line *l, const char *name, size_t *index)
{
    size_t n = strlen(name);
    const char *found = NULL;
    for (size_t i = 0; i < l->nargs; i++) {
        const char *a = l->args[i];
        if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
            continue;
        found = a[n] == '=' ? a + n + 1 : "";
        if (index)
            *index = i;
    }
    return found;
}

/* ---- lockout settings --------------------------------------------------------------------- */

typedef struct pam_default {
    const char *module;
    const char *name;
    const char *value;        /* NULL: the setting exists but is unset by default */
    const char *note;
} pam_default;

static const pam_default pam_defaults[] = {
    {"pam_faillock.so", "deny", "3", "compiled-in default of pam_faillock (deny=3)"},
    {"pam_faillock.so", "unlock_time", "600",
     "compiled-in default of pam_faillock (unlock_time=600)"},
    {"pam_faillock.so", "fail_interval", "900",
     "compiled-in default of pam_faillock (fail_interval=900)"},
    {"pam_tally2.so", "deny", "0", "compiled-in default of pam_tally2 (deny=0: never locks)"},
    {"pam_tally2.so", "unlock_time", "0",
     "compiled-in default of pam_tally2 (no unlock_time: a locked account stays locked)"},
    {"pam_pwhistory.so", "remember", "10", "compiled-in default of pam_pwhistory (remember=10)"},
    {"pam_unix.so", "remember", "0", "compiled-in default of pam_unix (remember=0: no history)"},
};

/* EL7 and EulerOS 2 ship Linux-PAM 1.1.8, whose pam_faillock has no faillock.conf. */
static bool pam_reads_faillock_conf(const imgb_scan_ctx *ctx)
{
    const imgb_os_info *os = ctx->os;
    if (!os || !os->version_id || !os->family || strcmp(os->family, "rhel") != 0)
        return true;
    if (os->id && (strcmp(os->id, "euleros") == 0))
        return false;
    return imgb_version_cmp(os->version_id, "8") >= 0 ||
           (os->id && strcasecmp(os->id, "openeuler") == 0);
}

/* Last `name` in faillock.conf ("name = value" or a bare flag; '#' comments). */
static bool pam_faillock_conf(const imgb_view *view, const char *name, imgb_pam_setting *out)
{
    const unsigned char *data;
    size_t len, pos = 0;
    int line = 0;
    bool found = false;

    int rc = imgb_view_read(view, PAM_FAILLOCK_CONF, &data, &len);
    if (rc == IMGB_ENOTFOUND)
        return false;
    if (rc < 0) {
        /* present but unreadable: the compiled default would be a guess */
        out->status = rc;
        out->file = imgb_xstrdup(PAM_FAILLOCK_CONF);
        out->source = imgb_xstrdup(imgb_error_last());
        return true;
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
        char *k = buf + strspn(buf, " \t\r");
        size_t klen = strcspn(k, " \t\r=");
        if (klen == strlen(name) && strncmp(k, name, klen) == 0) {
            char *v = k + klen;
            v += strspn(v, " \t\r");
            if (*v == '=') {
                v++;
                v += strspn(v, " \t\r");
            }
            size_t vlen = strlen(v);
            while (vlen > 0 && strchr(" \t\r", v[vlen - 1]))
                vlen--;
            free(out->value);
            free(out->source);
            free(out->file);
            out->value = imgb_xstrndup(v, vlen);
            out->source = imgb_xasprintf("%s:%d", PAM_FAILLOCK_CONF, line);
            out->file = imgb_xstrdup(PAM_FAILLOCK_CONF);
            out->line = line;
            found = true;
        }
        free(buf);
    }
    return found;
}

void imgb_pam_setting_resolve(const imgb_scan_ctx *ctx, const imgb_pam_line *l,
                              const char *name, imgb_pam_setting *out)
{
    const char *base = imgb_pam_module_base(l->module);
    memset(out, 0, sizeof *out);

    const char *v = imgb_pam_arg(l, name, NULL);
    if (v) {
        out->value = imgb_xstrdup(v);
        out->source = imgb_xasprintf("%s:%d", l->file, l->line);
        out->file = imgb_xstrdup(l->file);
        out->line = l->line;
        return;
    }
    if (strcmp(base, "pam_faillock.so") == 0 && pam_reads_faillock_conf(ctx) &&
        pam_faillock_conf(ctx->view, name, out))
        return;
    for (size_t i = 0; i < sizeof pam_defaults / sizeof pam_defaults[0]; i++) {
        if (strcmp(pam_defaults[i].module, base) == 0 &&
            strcmp(pam_defaults[i].name, name) == 0) {
            out->value = pam_defaults[i].value ? imgb_xstrdup(pam_defaults[i].value) : NULL;
            out->source = imgb_xstrdup(pam_defaults[i].note);
            return;
        }
    }
}

void imgb_pam_setting_dispose(imgb_pam_setting *s)
{
    free(s->value);
    free(s->source);
    free(s->file);
    memset(s, 0, sizeof *s);
}

void imgb_pam_register_keeps(imgb_view *view)
{
    imgb_view_keep(view, IMGB_PAM_DIR "/**");
    imgb_view_keep(view, "/etc/security/**");
}
