/*
 * PAM stack parsing with include expansion, per-family stack files and the lockout settings
 * of pam_faillock / pam_tally2; semantics and sources in pam.h.
 */
#include "facts/pam.h"

#include "facts/distro.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/os.h"
#include "facts/pkgver.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/lines.h"
#include "util/mem.h"

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
    int level;                                   /* current substack nesting */
    int frames[IMGB_PAM_MAX_INCLUDE_DEPTH + 2];  /* frame id per level */
    int next_frame;
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
        /* a substack is its own frame: jumps and done/die inside it stay inside it */
        bool sub = strcasecmp(control, "substack") == 0 && pc->level <= IMGB_PAM_MAX_INCLUDE_DEPTH;
        if (sub)
            pc->frames[++pc->level] = ++pc->next_frame;
        pam_parse_file(pc, target, ltype, here, depth + 1);
        if (sub)
            pc->level--;
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
    l->level = pc->level;
    memcpy(l->frames, pc->frames, sizeof l->frames);
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
    int phys = 0, start_line = 0;
    imgb_lines it;
    const char *p;
    size_t n;

    imgb_lines_init(&it, data, len);
    while (imgb_lines_next(&it, &p, &n)) {
        phys = it.number;
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

/* ---- the stack model ---------------------------------------------------------------------- */

enum {
    ACT_OK = -1,              /* ok, ignore, bad, reset: go on with the next line */
    ACT_END = -2,             /* done, die: end the (sub)stack */
};

/* One action word: a jump count (> 0), ACT_OK or ACT_END. */
static int pam_action_word(const char *a)
{
    if (strcasecmp(a, "done") == 0 || strcasecmp(a, "die") == 0)
        return ACT_END;
    char *end;
    long n = strtol(a, &end, 10);
    if (end != a && *end == '\0' && n > 0 && n < 1000000)
        return (int)n;
    return ACT_OK; /* ok, ignore, bad, reset; an invalid word is "bad" in Linux-PAM */
}

/*
 * The actions of line `l` for a successful outcome (success) or for any other return value
 * (every listed non-success value and the default).  Returns how many were written.
 */
static size_t pam_actions(const imgb_pam_line *l, bool success, int out[16])
{
    if (!l->bracket) {
        const char *c = l->control;
        bool required = strcasecmp(c, "required") == 0, requisite = strcasecmp(c, "requisite") == 0;
        bool sufficient = strcasecmp(c, "sufficient") == 0;
        if (success)
            out[0] = sufficient ? ACT_END : ACT_OK;
        else
            out[0] = requisite ? ACT_END : ACT_OK;
        (void)required;
        return 1;
    }
    size_t n = 0;
    bool has_default = false, has_success = false;
    int dflt = ACT_OK;
    char *copy = imgb_xstrdup(l->control);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = '\0';
        int a = pam_action_word(eq + 1);
        if (strcasecmp(tok, "default") == 0) {
            has_default = true;
            dflt = a;
        } else if (strcasecmp(tok, "success") == 0) {
            /* the last success= wins, as _pam_parse_control overwrites the slot */
            has_success = true;
            if (success)
                out[0] = a, n = 1;
        } else if (!success && n < 15) { /* room for the default after the loop */
            out[n++] = a;
        }
    }
    free(copy);
    if (success && !has_success)
        out[n++] = has_default ? dflt : ACT_OK;
    if (!success)
        out[n++] = has_default ? dflt : ACT_OK;
    return n;
}

/* Index (into idx[]) after skipping `jumps` units of line k's level, from k + 1. */
static size_t pam_jump_target(const imgb_pam_stack *s, const size_t *idx, size_t n, size_t k,
                              int jumps)
{
    const imgb_pam_line *from = &s->lines[idx[k]];
    int lvl = from->level;
    size_t j = k + 1;
    for (int u = 0; u < jumps && j < n; u++) {
        const imgb_pam_line *l = &s->lines[idx[j]];
        if (l->level < lvl || l->frames[lvl] != from->frames[lvl])
            return j; /* the frame ended: a jump past its end ends the frame */
        if (l->level == lvl) {
            j++;
            continue;
        }
        int id = l->frames[lvl + 1]; /* a nested substack is one unit */
        while (j < n && s->lines[idx[j]].level > lvl && s->lines[idx[j]].frames[lvl + 1] == id)
            j++;
    }
    return j;
}

/* First index after line k's frame (done/die inside a substack resume the parent there). */
static size_t pam_frame_end(const imgb_pam_stack *s, const size_t *idx, size_t n, size_t k)
{
    const imgb_pam_line *from = &s->lines[idx[k]];
    if (from->level == 0)
        return n;
    size_t j = k + 1;
    while (j < n && s->lines[idx[j]].level >= from->level &&
           s->lines[idx[j]].frames[from->level] == from->frames[from->level])
        j++;
    return j;
}

static size_t pam_successor(const imgb_pam_stack *s, const size_t *idx, size_t n, size_t k,
                            int action)
{
    if (action == ACT_END)
        return pam_frame_end(s, idx, n, k);
    if (action > 0)
        return pam_jump_target(s, idx, n, k, action);
    return k + 1;
}

static void pam_model_type(imgb_pam_stack *s, const char *type)
{
    size_t *idx = imgb_xmalloc((s->nlines + 1) * sizeof *idx);
    size_t n = 0;
    for (size_t i = 0; i < s->nlines; i++)
        if (strcmp(s->lines[i].type, type) == 0)
            idx[n++] = i;
    if (n == 0) {
        free(idx);
        return;
    }
    for (size_t k = 0; k < n; k++)
        s->lines[idx[k]].pos = (int)k + 1;

    /* any path: successors only go forward, so one pass in order suffices */
    s->lines[idx[0]].reachable = true;
    for (size_t k = 0; k < n; k++) {
        imgb_pam_line *l = &s->lines[idx[k]];
        if (!l->reachable)
            continue;
        const char *base = imgb_pam_module_base(l->module);
        bool may_succeed = strcmp(base, "pam_deny.so") != 0;
        bool may_fail = strcmp(base, "pam_permit.so") != 0;
        int acts[16];
        for (int o = 0; o < 2; o++) {
            if ((o == 0 && !may_succeed) || (o == 1 && !may_fail))
                continue;
            size_t na = pam_actions(l, o == 0, acts);
            for (size_t a = 0; a < na; a++) {
                size_t t = pam_successor(s, idx, n, k, acts[a]);
                if (t < n)
                    s->lines[idx[t]].reachable = true;
            }
        }
    }

    /* the success path: every module succeeds, pam_deny fails */
    size_t k = 0;
    while (k < n) {
        imgb_pam_line *l = &s->lines[idx[k]];
        l->on_success_path = true;
        bool deny = strcmp(imgb_pam_module_base(l->module), "pam_deny.so") == 0;
        int acts[16];
        size_t na = pam_actions(l, !deny, acts);
        int act = acts[na - 1]; /* the default for a failure, the success action otherwise */
        size_t t = pam_successor(s, idx, n, k, act);
        for (size_t j = k + 1; j < t && j < n; j++) {
            imgb_pam_line *sk = &s->lines[idx[j]];
            if (!sk->skipped_by)
                sk->skipped_by = imgb_xasprintf(
                    "%s at %s:%d [%s] %s on %s", imgb_pam_module_base(l->module), l->file,
                    l->line, l->control, act == ACT_END ? "ends the stack" : "jumps over it",
                    deny ? "failure" : "success");
        }
        k = t;
    }
    free(idx);
}

/* Reachability and the success path per module type (see pam.h). */
static void pam_model(imgb_pam_stack *s)
{
    static const char *const types[] = {"auth", "account", "password", "session"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        pam_model_type(s, types[i]);
    for (size_t i = 0; i < s->nlines; i++)
        if (s->lines[i].on_success_path) {
            free(s->lines[i].skipped_by);
            s->lines[i].skipped_by = NULL;
        }
}

char *imgb_pam_line_where(const imgb_pam_line *l)
{
    return l->via ? imgb_xasprintf("%s:%d (included from %s)", l->file, l->line, l->via)
                  : imgb_xasprintf("%s:%d", l->file, l->line);
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
    pam_model(s);
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
        free(l->skipped_by);
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
    /* The layout is the distribution's (facts/distro.c); an unknown family tries both. */
    return imgb_distro_pam_stack_files(imgb_distro_family_named(family), stack, out);
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

/* ---- module settings ------------------------------------------------------------------------ */

typedef struct pam_default {
    const char *module;
    const char *name;
    const char *value;        /* NULL: the setting exists but is unset by default */
    const char *note;
} pam_default;

static const pam_default pam_defaults[] = {
    {"pam_faillock.so", "deny", "3",
     "compiled-in default of pam_faillock (deny=3; modules/pam_faillock/pam_faillock.c "
     "DEFAULT_DENY)"},
    {"pam_faillock.so", "unlock_time", "600",
     "compiled-in default of pam_faillock (unlock_time=600; pam_faillock.c DEFAULT_UNLOCK_TIME)"},
    {"pam_faillock.so", "fail_interval", "900",
     "compiled-in default of pam_faillock (fail_interval=900; pam_faillock.c "
     "DEFAULT_FAIL_INTERVAL)"},
    {"pam_tally2.so", "deny", "0",
     "compiled-in default of pam_tally2 (deny=0: never locks; pam_tally2.c)"},
    {"pam_tally2.so", "unlock_time", "0",
     "compiled-in default of pam_tally2 (no unlock_time: a locked account stays locked; "
     "pam_tally2.c)"},
    {"pam_pwhistory.so", "remember", "10",
     "compiled-in default of pam_pwhistory (remember=10; modules/pam_pwhistory/pam_pwhistory.c)"},
    {"pam_pwhistory.so", "retry", "1",
     "compiled-in default of pam_pwhistory (retry=1; pam_pwhistory.c)"},
    {"pam_unix.so", "remember", "0",
     "compiled-in default of pam_unix (remember=0: no history; modules/pam_unix/support.c)"},
};

/* The configuration file a module reads and the first Linux-PAM release that reads it. */
static const struct {
    const char *module, *conf, *since, *cite;
} pam_confs[] = {
    {"pam_faillock.so", "/etc/security/faillock.conf", "1.4.0",
     "faillock.conf is read since Linux-PAM 1.4.0"},
    {"pam_pwhistory.so", "/etc/security/pwhistory.conf", "1.5.3",
     "pwhistory.conf is read only since Linux-PAM 1.5.3 (pwhistory_config.c)"},
};

/*
 * Last `name` in a module's conf file (faillock_config.c / pwhistory_config.c read_config_file:
 * '#' comments, the name ends at a space or '=', "name = value" or a bare flag).
 */
static bool pam_module_conf(const imgb_view *view, const char *path, const char *name,
                            imgb_pam_setting *out)
{
    const unsigned char *data;
    size_t len;
    bool found = false;

    int rc = imgb_view_read(view, path, &data, &len);
    if (rc == IMGB_ENOTFOUND) {
        imgb_error_clear();
        return false;
    }
    if (rc < 0) {
        /* present but unreadable (cut at the content cap, ...): the default would be a guess */
        free(out->source);
        free(out->file);
        out->status = rc;
        out->file = imgb_xstrdup(path);
        out->source = imgb_xstrdup(imgb_error_last());
        return true;
    }
    imgb_lines it;
    const char *p;
    size_t n;
    imgb_lines_init(&it, (const char *)data, len);
    while (imgb_lines_next(&it, &p, &n)) {
        int line = it.number;
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
            out->source = imgb_xasprintf("%s:%d", path, line);
            out->file = imgb_xstrdup(path);
            out->line = line;
            found = true;
        }
        free(buf);
    }
    return found;
}

/* Argument, then conf file (when this Linux-PAM reads it), then compiled default. */
static void pam_setting_chain(const imgb_scan_ctx *ctx, const imgb_pam_line *l, const char *base,
                              const char *name, imgb_pam_setting *out)
{
    const char *v = imgb_pam_arg(l, name, NULL);
    if (v) {
        out->value = imgb_xstrdup(v);
        out->source = imgb_xasprintf("%s:%d", l->file, l->line);
        out->file = imgb_xstrdup(l->file);
        out->line = l->line;
        return;
    }
    for (size_t i = 0; i < sizeof pam_confs / sizeof *pam_confs; i++) {
        if (strcmp(pam_confs[i].module, base) != 0)
            continue;
        const imgb_component_version *pv = imgb_component_get(ctx, IMGB_COMP_LINUX_PAM);
        if (imgb_version_cmp(pv->version, pam_confs[i].since) < 0) {
            free(out->note);
            out->note = imgb_xasprintf("%s not read: Linux-PAM %s from %s (%s)",
                                       pam_confs[i].conf, pv->version, pv->source,
                                       pam_confs[i].cite);
        } else {
            /* conf=FILE on the line replaces the default file (pam_faillock.c args_parse reads
             * it before the other arguments, which then override it) */
            const char *conf = imgb_pam_arg(l, "conf", NULL);
            if (pam_module_conf(ctx->view, conf && *conf ? conf : pam_confs[i].conf, name, out))
                return;
        }
    }
    for (size_t i = 0; i < sizeof pam_defaults / sizeof pam_defaults[0]; i++) {
        if (strcmp(pam_defaults[i].module, base) == 0 &&
            strcmp(pam_defaults[i].name, name) == 0) {
            out->value = pam_defaults[i].value ? imgb_xstrdup(pam_defaults[i].value) : NULL;
            out->source = imgb_xstrdup(pam_defaults[i].note);
            return;
        }
    }
}

void imgb_pam_setting_resolve(const imgb_scan_ctx *ctx, const imgb_pam_line *l,
                              const char *name, imgb_pam_setting *out)
{
    const char *base = imgb_pam_module_base(l->module);
    memset(out, 0, sizeof *out);
    pam_setting_chain(ctx, l, base, name, out);
    if (!out->value && !out->source && strcmp(base, "pam_faillock.so") == 0 &&
        strcmp(name, "root_unlock_time") == 0) {
        /* pam_faillock.c: root_unlock_time not configured -> root_unlock_time = unlock_time */
        imgb_pam_setting u;
        memset(&u, 0, sizeof u);
        pam_setting_chain(ctx, l, base, "unlock_time", &u);
        out->value = u.value;
        out->file = u.file;
        out->line = u.line;
        out->source = imgb_xasprintf("root_unlock_time not set: unlock_time applies "
                                     "(pam_faillock.c), unlock_time from %s", u.source);
        free(u.source);
        free(out->note);
        out->note = u.note;
    }
    /* modules/pam_unix/support.c _set_ctrl: "if (*remember > 400) *remember = 400;" */
    if (out->value && strcmp(base, "pam_unix.so") == 0 && strcmp(name, "remember") == 0) {
        long r = strtol(out->value, NULL, 10);
        if (r > 400) {
            free(out->note);
            out->note = imgb_xasprintf("remember=%ld capped at 400 (pam_unix support.c)", r);
            free(out->value);
            out->value = imgb_xstrdup("400");
        }
    }
    /* pam_faillock.c: unlock_time/root_unlock_time "never" is 0 (never unlocked) */
    if (out->value && strcmp(out->value, "never") == 0 && strcmp(base, "pam_faillock.so") == 0 &&
        (strcmp(name, "unlock_time") == 0 || strcmp(name, "root_unlock_time") == 0)) {
        free(out->value);
        out->value = imgb_xstrdup("0");
    }
}

void imgb_pam_setting_dispose(imgb_pam_setting *s)
{
    free(s->note);
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
