/*
 * Generic file check kinds over the merged view (parameters: rules/README.md):
 *
 *   file_meta    mode/owner/group/type of the files a glob names (symlinks followed, as
 *                stat(2) and OVAL's file_object do, unless `follow: false`); or a walk of the
 *                tree for world-writable files (and directories without the sticky bit, as
 *                SSG's file_permissions_unauthorized_world_writable and dir_perms_world_
 *                writable_sticky_bits), unowned files (uid/gid unknown to the image's
 *                /etc/passwd and /etc/group, SSG no_files_unowned_by_user) and setuid/setgid
 *                files (Dockle CIS-DI-0008).
 *   file_regex   a PCRE2 pattern (compiled once with JIT, multi-line) that the files a glob
 *                names must or must not contain; several files are one text: `match` needs
 *                one hit anywhere, `not_match` none.
 *   file_exists  whether a glob names anything.
 *
 * Offenders beyond IMGB_MAX_EVIDENCE_PER_ITEM are counted, not listed.
 *
 * Tests: tests/test_rules.c (kind_file_* cases), tests/test_scan.c.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "facts/accounts.h"
#include "checks/kind_file.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/regex.h"
#include "util/mem.h"

/* ---- shared helpers ----------------------------------------------------------------------- */

typedef enum kf_missing {
    KF_MISSING_DEFAULT = -1,
    KF_MISSING_PASS = IMGB_V_PASS,
    KF_MISSING_FAIL = IMGB_V_FAIL,
    KF_MISSING_NA = IMGB_V_NOT_APPLICABLE,
} kf_missing;

static int kf_path(const json_t *params, const char *key, bool required, char **out)
{
    const json_t *v = json_object_get(params, key);
    *out = NULL;
    if (!v) {
        if (required)
            return imgb_error_set(IMGB_EINVAL, "%s: missing (an absolute path or glob)", key);
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s || s[0] != '/')
        return imgb_error_set(IMGB_EINVAL, "%s: must be an absolute path or glob", key);
    *out = imgb_xstrdup(s);
    return 0;
}

static int kf_bool(const json_t *params, const char *key, int dflt, int *out)
{
    const json_t *v = json_object_get(params, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!json_is_boolean(v))
        return imgb_error_set(IMGB_EINVAL, "%s: must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

static int kf_missing_param(const json_t *params, kf_missing *out)
{
    const json_t *v = json_object_get(params, "missing");
    *out = KF_MISSING_DEFAULT;
    if (!v)
        return 0;
    const char *s = json_string_value(v);
    if (s && strcmp(s, "pass") == 0)
        *out = KF_MISSING_PASS;
    else if (s && strcmp(s, "fail") == 0)
        *out = KF_MISSING_FAIL;
    else if (s && strcmp(s, "not_applicable") == 0)
        *out = KF_MISSING_NA;
    else
        return imgb_error_set(IMGB_EINVAL, "missing: must be pass, fail or not_applicable");
    return 0;
}

/* A string or a list of strings. */
static int kf_string_list(const json_t *params, const char *key, char ***out, size_t *n)
{
    const json_t *v = json_object_get(params, key);
    *out = NULL;
    *n = 0;
    if (!v)
        return 0;
    if (json_is_string(v) || json_is_integer(v)) {
        *out = imgb_xcalloc(1, sizeof **out);
        (*out)[(*n)++] = json_is_string(v)
                             ? imgb_xstrdup(json_string_value(v))
                             : imgb_xasprintf("%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_array(v))
        return imgb_error_set(IMGB_EINVAL, "%s: must be a string or a list", key);
    *out = imgb_xcalloc(json_array_size(v) + 1, sizeof **out);
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        if (json_is_string(e))
            (*out)[(*n)++] = imgb_xstrdup(json_string_value(e));
        else if (json_is_integer(e))
            (*out)[(*n)++] = imgb_xasprintf("%lld", (long long)json_integer_value(e));
        else
            return imgb_error_set(IMGB_EINVAL, "%s: element %zu is not a string", key, i + 1);
    }
    return 0;
}

static void kf_strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Paths (with leading "/") of every node a glob names, sorted (as imgb_view_glob yields). */
typedef struct kf_nodes {
    imgb_node_info *v;
    size_t len, cap;
} kf_nodes;

static int kf_collect(const imgb_node_info *info, void *payload)
{
    kf_nodes *n = payload;
    if (n->len == n->cap) {
        n->cap = n->cap ? n->cap * 2 : 8;
        n->v = imgb_xrealloc(n->v, n->cap * sizeof *n->v);
    }
    n->v[n->len++] = *info;
    return 0;
}

/* Offenders a kind stopped listing itself join the item's closing "and M more". */
static void kf_note_more(imgb_item_result *out, size_t more)
{
    imgb_result_add_more(out, more);
}

/* ---- numeric owner/group from names --------------------------------------------------------- */

/* `spec` is a number or a name known to the image's passwd (is_group: group) file. */
static bool kf_resolve_id(const imgb_accounts *a, const char *spec, bool is_group, long long *id)
{
    char *end;
    long long v = strtoll(spec, &end, 10);
    if (*spec && *end == '\0') {
        *id = v;
        return true;
    }
    if (is_group) {
        const imgb_group_ent *g = imgb_accounts_find_group(a, spec);
        if (g && g->gid >= 0) {
            *id = g->gid;
            return true;
        }
    } else {
        const imgb_passwd_ent *p = imgb_accounts_find_passwd(a, spec);
        if (p && p->uid >= 0) {
            *id = p->uid;
            return true;
        }
    }
    return false;
}

static char *kf_owner_name(const imgb_accounts *a, uint32_t id, bool is_group)
{
    const char *name = NULL;
    if (is_group) {
        const imgb_group_ent *g = imgb_accounts_find_gid(a, id);
        name = g ? g->name : NULL;
    } else {
        const imgb_passwd_ent *p = imgb_accounts_find_uid(a, id); /* indexed: O(log n) */
        name = p ? p->name : NULL;
    }
    return name ? imgb_xasprintf("%s(%u)", name, id) : imgb_xasprintf("%u", id);
}

/* ---- file_meta -------------------------------------------------------------------------- */

typedef enum kf_walk {
    KF_WALK_NONE = 0,
    KF_WALK_WORLD_WRITABLE,
    KF_WALK_UNOWNED,
    KF_WALK_SETUID,
} kf_walk;

typedef struct kf_meta {
    char *path;               /* glob (single-file mode) */
    bool has_mode;
    uint32_t mode_max;
    char **owners, **groups;  /* allowed (names or ids) */
    size_t nowners, ngroups;
    int type;                 /* imgb_ftype or -1 */
    int follow;
    kf_missing missing;
    kf_walk walk;
    char *under;              /* walk root ("/" by default) */
    char **exclude;           /* walk: fnmatch globs skipped (subtrees with "/[**]") */
    size_t nexclude;
} kf_meta;

static const struct {
    const char *name;
    imgb_ftype type;
} kf_types[] = {
    { "file", IMGB_FT_REG }, { "dir", IMGB_FT_DIR },   { "symlink", IMGB_FT_SYMLINK },
    { "char", IMGB_FT_CHR }, { "block", IMGB_FT_BLK }, { "fifo", IMGB_FT_FIFO },
    { "socket", IMGB_FT_SOCK },
};

static const char *kf_type_name(imgb_ftype t)
{
    for (size_t i = 0; i < sizeof kf_types / sizeof kf_types[0]; i++)
        if (kf_types[i].type == t)
            return kf_types[i].name;
    return "other";
}

static void kf_meta_free(void *compiled)
{
    kf_meta *m = compiled;
    if (!m)
        return;
    free(m->path);
    kf_strings_free(m->owners, m->nowners);
    kf_strings_free(m->groups, m->ngroups);
    free(m->under);
    kf_strings_free(m->exclude, m->nexclude);
    free(m);
}

static int kf_mode_param(const json_t *params, kf_meta *m)
{
    const json_t *v = json_object_get(params, "mode_max");
    if (!v)
        return 0;
    const char *s = json_string_value(v);
    char buf[32];
    if (json_is_integer(v)) { /* `mode_max: 600` reads as the octal digits it shows */
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        s = buf;
    }
    char *end;
    unsigned long mode = s ? strtoul(s, &end, 8) : 0;
    if (!s || !*s || *end || mode > 07777)
        return imgb_error_set(IMGB_EINVAL, "mode_max: expected an octal mode such as \"0644\"");
    m->has_mode = true;
    m->mode_max = (uint32_t)mode;
    return 0;
}

static int kf_meta_compile(const json_t *params, void **compiled)
{
    kf_meta *m = imgb_xcalloc(1, sizeof *m);
    int rc, ww = -1, un = -1, su = -1;
    m->type = -1;

    if ((rc = kf_bool(params, "world_writable", -1, &ww)) < 0 ||
        (rc = kf_bool(params, "unowned", -1, &un)) < 0 ||
        (rc = kf_bool(params, "setuid", -1, &su)) < 0 ||
        (rc = kf_bool(params, "follow", 1, &m->follow)) < 0 ||
        (rc = kf_missing_param(params, &m->missing)) < 0)
        goto fail;
    int walks = (ww >= 0) + (un >= 0) + (su >= 0);
    if (walks > 1 || ww == 1 || un == 1 || su == 1) {
        rc = imgb_error_set(IMGB_EINVAL, "file_meta: use one of world_writable: false, "
                            "unowned: false or setuid: false");
        goto fail;
    }
    if (walks) {
        m->walk = ww == 0 ? KF_WALK_WORLD_WRITABLE : un == 0 ? KF_WALK_UNOWNED : KF_WALK_SETUID;
        if ((rc = kf_path(params, "under", false, &m->under)) < 0 ||
            (rc = kf_string_list(params, "exclude", &m->exclude, &m->nexclude)) < 0)
            goto fail;
        if (json_object_get(params, "path")) {
            rc = imgb_error_set(IMGB_EINVAL, "path: not used by a tree walk (use 'under')");
            goto fail;
        }
        *compiled = m;
        return 0;
    }

    if ((rc = kf_path(params, "path", true, &m->path)) < 0 || (rc = kf_mode_param(params, m)) < 0 ||
        (rc = kf_string_list(params, "owner", &m->owners, &m->nowners)) < 0 ||
        (rc = kf_string_list(params, "group", &m->groups, &m->ngroups)) < 0)
        goto fail;
    const char *type = json_string_value(json_object_get(params, "type"));
    if (json_object_get(params, "type")) {
        for (size_t i = 0; type && i < sizeof kf_types / sizeof kf_types[0]; i++)
            if (strcmp(kf_types[i].name, type) == 0)
                m->type = (int)kf_types[i].type;
        if (m->type < 0) {
            rc = imgb_error_set(IMGB_EINVAL, "type: must be file, dir, symlink, char, block, "
                                "fifo or socket");
            goto fail;
        }
    }
    if (!m->has_mode && !m->nowners && !m->ngroups && m->type < 0) {
        rc = imgb_error_set(IMGB_EINVAL, "file_meta: nothing to check (mode_max, owner, group, "
                            "type, or a walk)");
        goto fail;
    }
    *compiled = m;
    return 0;
fail:
    kf_meta_free(m);
    return rc;
}

static void kf_meta_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    const kf_meta *m = compiled;
    (void)scan_state;
    if (m->walk == KF_WALK_UNOWNED || m->nowners || m->ngroups)
        imgb_accounts_register_keeps(setup->view);
}

static char *kf_describe_meta(const kf_meta *m)
{
    imgb_buf b = IMGB_BUF_INIT;
    if (m->type >= 0)
        imgb_buf_printf(&b, "type %s", kf_type_name((imgb_ftype)m->type));
    if (m->has_mode)
        imgb_buf_printf(&b, "%smode <= %04o", b.len ? ", " : "", m->mode_max);
    if (m->nowners) {
        imgb_buf_printf(&b, "%sowner ", b.len ? ", " : "");
        for (size_t i = 0; i < m->nowners; i++)
            imgb_buf_printf(&b, "%s%s", i ? "|" : "", m->owners[i]);
    }
    if (m->ngroups) {
        imgb_buf_printf(&b, "%sgroup ", b.len ? ", " : "");
        for (size_t i = 0; i < m->ngroups; i++)
            imgb_buf_printf(&b, "%s%s", i ? "|" : "", m->groups[i]);
    }
    return imgb_buf_detach(&b);
}

/* 1: `id` is one of `specs`; 0: it is not; -1: a name could not be resolved because the
 * accounts file that defines it exists but cannot be read (a guess would be a false fail). */
static int kf_id_allowed(const imgb_accounts *a, char *const *specs, size_t n, uint32_t id,
                         bool is_group)
{
    bool unknown = false;
    const imgb_acct_source *src = &a->src[is_group ? IMGB_ACCT_GROUP : IMGB_ACCT_PASSWD];
    for (size_t i = 0; i < n; i++) {
        long long want;
        if (kf_resolve_id(a, specs[i], is_group, &want)) {
            if (want == (long long)id)
                return 1;
        } else if (src->status < 0 && src->status != IMGB_ENOTFOUND) {
            unknown = true;
        }
    }
    return unknown ? -1 : 0;
}

/* The error evidence message when an owner/group name could not be resolved. */
static imgb_verdict kf_unresolved(const imgb_accounts *a, bool is_group, const char *spec,
                                  imgb_evidence *ev)
{
    const imgb_acct_source *src = &a->src[is_group ? IMGB_ACCT_GROUP : IMGB_ACCT_PASSWD];
    ev->message = imgb_xasprintf("%s '%s' cannot be resolved: %s", is_group ? "group" : "owner",
                                 spec, src->message ? src->message : src->path);
    return IMGB_V_ERROR;
}

/* Check one file; fills the evidence and returns its verdict. */
static imgb_verdict kf_meta_one(const kf_meta *m, const imgb_scan_ctx *ctx,
                                const imgb_accounts *a, const imgb_node_info *found,
                                imgb_evidence *ev)
{
    imgb_node_info info = *found;
    ev->file = imgb_xasprintf("/%s", found->path);
    if (m->follow && found->type == IMGB_FT_SYMLINK) {
        int rc = imgb_view_lookup(ctx->view, found->path, true, &info);
        if (rc < 0) {
            ev->message = imgb_xasprintf("cannot follow symlink: %s", imgb_error_last());
            return IMGB_V_ERROR;
        }
        ev->source = imgb_xasprintf("symlink to /%s", info.path);
    }
    ev->layer = info.layer;
    char *owner = kf_owner_name(a, info.uid, false);
    char *group = kf_owner_name(a, info.gid, true);
    ev->value = imgb_xasprintf("%s %04o %s:%s", kf_type_name(info.type), info.mode & 07777,
                               owner, group);
    free(owner);
    free(group);

    imgb_buf why = IMGB_BUF_INIT;
    if (m->type >= 0 && info.type != (imgb_ftype)m->type)
        imgb_buf_printf(&why, "is a %s", kf_type_name(info.type));
    if (m->has_mode && (info.mode & 07777 & ~m->mode_max))
        imgb_buf_printf(&why, "%smode %04o has bits outside %04o", why.len ? "; " : "",
                        info.mode & 07777, m->mode_max);
    int own = m->nowners ? kf_id_allowed(a, m->owners, m->nowners, info.uid, false) : 1;
    int grp = m->ngroups ? kf_id_allowed(a, m->groups, m->ngroups, info.gid, true) : 1;
    if (own < 0 || grp < 0) {
        imgb_buf_dispose(&why);
        return own < 0 ? kf_unresolved(a, false, m->owners[0], ev)
                       : kf_unresolved(a, true, m->groups[0], ev);
    }
    if (!own)
        imgb_buf_printf(&why, "%sowner uid %u is not %s%s", why.len ? "; " : "", info.uid,
                        m->nowners > 1 ? "one of " : "", m->owners[0]);
    if (!grp)
        imgb_buf_printf(&why, "%sgroup gid %u is not %s%s", why.len ? "; " : "", info.gid,
                        m->ngroups > 1 ? "one of " : "", m->groups[0]);
    if (why.len) {
        ev->message = imgb_buf_detach(&why);
        return IMGB_V_FAIL;
    }
    imgb_buf_dispose(&why);
    return IMGB_V_PASS;
}

typedef struct kf_walk_state {
    const kf_meta *m;
    const imgb_accounts *a;
    imgb_item_result *out;
    size_t offenders;
    char *under;              /* normalised, no leading "/" ("" for the root) */
} kf_walk_state;

static bool kf_excluded(const kf_walk_state *w, const char *path)
{
    char full[IMGB_MAX_PATH + 2];
    snprintf(full, sizeof full, "/%s", path);
    for (size_t i = 0; i < w->m->nexclude; i++) {
        const char *pat = w->m->exclude[i];
        size_t n = strlen(pat);
        /* "/proc/[**]" or "/proc/": the directory and everything below it */
        if (n >= 3 && strcmp(pat + n - 3, "/**") == 0) {
            if (strncmp(full, pat, n - 2) == 0 || (strncmp(full, pat, n - 3) == 0 &&
                                                   full[n - 3] == '\0'))
                return true;
        } else if (strcmp(full, pat) == 0) {
            return true;
        }
    }
    return false;
}

static int kf_walk_cb(const imgb_node_info *info, void *payload)
{
    kf_walk_state *w = payload;
    size_t ulen = strlen(w->under);
    if (ulen && (strncmp(info->path, w->under, ulen) != 0 ||
                 (info->path[ulen] != '/' && info->path[ulen] != '\0')))
        return 0;
    if (!*info->path || kf_excluded(w, info->path))
        return 0;

    char *why = NULL;
    switch (w->m->walk) {
    case KF_WALK_WORLD_WRITABLE:
        if (info->type == IMGB_FT_REG && (info->mode & 0002))
            why = imgb_xasprintf("world-writable file");
        else if (info->type == IMGB_FT_DIR && (info->mode & 0002) && !(info->mode & 01000))
            why = imgb_xasprintf("world-writable directory without the sticky bit");
        break;
    case KF_WALK_UNOWNED: {
        /* both indexed: every file of the image against every account was quadratic */
        bool uid_ok = imgb_accounts_find_uid(w->a, info->uid) != NULL;
        bool gid_ok = imgb_accounts_find_gid(w->a, info->gid) != NULL;
        if (!uid_ok && !gid_ok)
            why = imgb_xasprintf("uid %u and gid %u have no account or group", info->uid,
                                 info->gid);
        else if (!uid_ok)
            why = imgb_xasprintf("uid %u has no account in /etc/passwd", info->uid);
        else if (!gid_ok)
            why = imgb_xasprintf("gid %u has no group in /etc/group", info->gid);
        break;
    }
    case KF_WALK_SETUID:
        if (info->type == IMGB_FT_REG && (info->mode & 06000))
            why = imgb_xasprintf("%s%s%s file", (info->mode & 04000) ? "setuid" : "",
                                 (info->mode & 06000) == 06000 ? "+" : "",
                                 (info->mode & 02000) ? "setgid" : "");
        break;
    case KF_WALK_NONE:
        break;
    }
    if (!why)
        return 0;
    if (w->offenders++ < IMGB_MAX_EVIDENCE_PER_ITEM) {
        imgb_evidence *ev = imgb_result_add_evidence(w->out);
        ev->file = imgb_xasprintf("/%s", info->path);
        ev->value = imgb_xasprintf("%s %04o %u:%u", kf_type_name(info->type),
                                   info->mode & 07777, info->uid, info->gid);
        ev->layer = info->layer;
        ev->message = why;
        ev->verdict = IMGB_V_FAIL;
    } else {
        free(why);
    }
    return 0;
}

static int kf_meta_walk(const kf_meta *m, const imgb_scan_ctx *ctx, const imgb_accounts *a,
                        imgb_item_result *out)
{
    kf_walk_state w = { m, a, out, 0, NULL };
    w.under = imgb_path_normalize(m->under ? m->under : "/");
    if (!w.under)
        w.under = imgb_xstrdup("");
    if (m->walk == KF_WALK_UNOWNED && a->src[IMGB_ACCT_PASSWD].status != 0) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup("/etc/passwd");
        ev->message = imgb_xasprintf("cannot tell unowned files without /etc/passwd: %s",
                                     a->src[IMGB_ACCT_PASSWD].message
                                         ? a->src[IMGB_ACCT_PASSWD].message
                                         : "not readable");
        out->verdict = IMGB_V_ERROR;
        ev->verdict = IMGB_V_ERROR;
        free(w.under);
        return 0;
    }
    int rc = imgb_view_walk(ctx->view, kf_walk_cb, &w);
    free(w.under);
    if (rc < 0)
        return rc;
    out->verdict = w.offenders ? IMGB_V_FAIL : IMGB_V_PASS;
    if (w.offenders > IMGB_MAX_EVIDENCE_PER_ITEM)
        kf_note_more(out, w.offenders - IMGB_MAX_EVIDENCE_PER_ITEM);
    if (!w.offenders) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(m->under ? m->under : "/");
        ev->message = imgb_xasprintf("no %s found",
                                     m->walk == KF_WALK_WORLD_WRITABLE ? "world-writable file"
                                     : m->walk == KF_WALK_UNOWNED      ? "unowned file"
                                                                       : "setuid/setgid file");
    }
    return 0;
}

static int kf_meta_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                            imgb_item_result *out)
{
    const kf_meta *m = compiled;
    const imgb_accounts *a = imgb_accounts_get(ctx);
    (void)scan_state;

    if (m->walk != KF_WALK_NONE)
        return kf_meta_walk(m, ctx, a, out);

    kf_nodes nodes = { 0 };
    int rc = imgb_view_glob(ctx->view, m->path, kf_collect, &nodes);
    if (rc < 0) {
        free(nodes.v);
        return rc;
    }
    char *expected = kf_describe_meta(m);
    if (nodes.len == 0) {
        imgb_evidence *ev;
        out->verdict = m->missing == KF_MISSING_DEFAULT ? IMGB_V_NOT_APPLICABLE
                                                        : (imgb_verdict)m->missing;
        ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(m->path);
        ev->expected = expected;
        ev->message = imgb_xasprintf("%s does not exist", m->path);
        return 0;
    }
    imgb_verdict verdict = IMGB_V_PASS;
    size_t listed = 0, more = 0;
    for (size_t i = 0; i < nodes.len; i++) {
        imgb_evidence scratch = { 0 };
        imgb_verdict v = kf_meta_one(m, ctx, a, &nodes.v[i], &scratch);
        if (v == IMGB_V_ERROR || (v == IMGB_V_FAIL && verdict == IMGB_V_PASS))
            verdict = v;
        if (listed >= IMGB_MAX_EVIDENCE_PER_ITEM) {
            more++;
            imgb_evidence_clear(&scratch);
            continue;
        }
        imgb_evidence *ev = imgb_result_add_evidence(out);
        scratch.offset = -1;
        scratch.layer_removed = -1;
        scratch.history_index = -1;
        scratch.verdict = v;
        scratch.expected = imgb_xstrdup(expected);
        *ev = scratch;
        listed++;
    }
    kf_note_more(out, more);
    out->verdict = verdict;
    free(expected);
    free(nodes.v);
    return 0;
}

/* ---- file_regex ------------------------------------------------------------------------- */

typedef struct kf_regex {
    char **paths;             /* one glob or a list: together they are one text */
    size_t npaths;
    char *path;               /* the globs joined with " or ", for messages */
    char *pattern;
    pcre2_code *code;
    bool must_match;
    kf_missing missing;
} kf_regex;

static void kf_regex_free(void *compiled)
{
    kf_regex *r = compiled;
    if (!r)
        return;
    kf_strings_free(r->paths, r->npaths);
    free(r->path);
    free(r->pattern);
    pcre2_code_free(r->code);
    free(r);
}

static int kf_regex_compile(const json_t *params, void **compiled)
{
    kf_regex *r = imgb_xcalloc(1, sizeof *r);
    int rc;

    if ((rc = kf_string_list(params, "path", &r->paths, &r->npaths)) < 0 ||
        (rc = kf_missing_param(params, &r->missing)) < 0)
        goto fail;
    if (r->npaths == 0) {
        rc = imgb_error_set(IMGB_EINVAL, "path: missing (an absolute path or glob, or a list)");
        goto fail;
    }
    imgb_buf joined = IMGB_BUF_INIT;
    for (size_t i = 0; i < r->npaths; i++) {
        if (r->paths[i][0] != '/') {
            imgb_buf_dispose(&joined);
            rc = imgb_error_set(IMGB_EINVAL, "path: must be an absolute path or glob");
            goto fail;
        }
        imgb_buf_printf(&joined, "%s%s", i ? " or " : "", r->paths[i]);
    }
    r->path = imgb_buf_detach(&joined);
    const char *pat = json_string_value(json_object_get(params, "pattern"));
    if (!pat) {
        rc = imgb_error_set(IMGB_EINVAL, "pattern: missing (a PCRE2 regular expression)");
        goto fail;
    }
    const char *must = json_string_value(json_object_get(params, "must"));
    if (!must || (strcmp(must, "match") != 0 && strcmp(must, "not_match") != 0)) {
        rc = imgb_error_set(IMGB_EINVAL, "must: must be match or not_match");
        goto fail;
    }
    r->must_match = strcmp(must, "match") == 0;
    r->pattern = imgb_xstrdup(pat);

    int err;
    PCRE2_SIZE off;
    /* MATCH_INVALID_UTF: a Latin-1 comment in a config never matches and never errors */
    r->code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                            PCRE2_MULTILINE | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &off,
                            NULL);
    if (!r->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        rc = imgb_error_set(IMGB_EINVAL, "pattern: invalid PCRE2 at offset %zu: %s", (size_t)off,
                            (const char *)msg);
        goto fail;
    }
    imgb_regex_jit(r->code); /* falls back to the interpreter */
    *compiled = r;
    return 0;
fail:
    kf_regex_free(r);
    return rc;
}

static void kf_regex_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    const kf_regex *r = compiled;
    (void)scan_state;
    for (size_t i = 0; i < r->npaths; i++)
        imgb_view_keep(setup->view, r->paths[i]);
}

/* Engine errors (match limit ...) tolerated per item before the search stops: each costs up
 * to IMGB_REGEX_MATCH_LIMIT steps. */
#define KF_MAX_REGEX_ERRORS 16

/* Line numbers of offsets met in increasing order: counting resumes where the last stopped,
 * so listing every hit of a large file stays linear (restarting at 0 made it quadratic). */
typedef struct kf_lines {
    size_t off;               /* bytes counted so far */
    size_t start;             /* start of the line holding `off` */
    int line;                 /* 1-based line of `off` */
} kf_lines;

/* Line number of byte `off` (>= the last asked) and a bounded copy of that line. */
static int kf_line_of(kf_lines *lc, const unsigned char *data, size_t len, size_t off,
                      char **line)
{
    for (; lc->off < off && lc->off < len; lc->off++)
        if (data[lc->off] == '\n') {
            lc->line++;
            lc->start = lc->off + 1;
        }
    if (line) {
        size_t end = lc->start;
        while (end < len && data[end] != '\n' && end - lc->start < IMGB_MAX_EVIDENCE_TEXT)
            end++;
        *line = imgb_xstrndup((const char *)data + lc->start, end - lc->start);
    }
    return lc->line;
}

static int kf_regex_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                             imgb_item_result *out)
{
    const kf_regex *r = compiled;
    (void)scan_state;
    kf_nodes nodes = { 0 };
    for (size_t i = 0; i < r->npaths; i++) {
        int rc = imgb_view_glob(ctx->view, r->paths[i], kf_collect, &nodes);
        if (rc < 0) {
            free(nodes.v);
            return rc;
        }
    }
    char *expected = imgb_xasprintf("%s %s /%s/", r->path,
                                    r->must_match ? "matches" : "does not match", r->pattern);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->code, NULL);
    size_t hits = 0, files = 0, errors = 0, truncated = 0, regex_errors = 0, truncated_kept = 0;
    const char *truncated_path = NULL;

    for (size_t i = 0; i < nodes.len; i++) {
        const imgb_node_info *info = &nodes.v[i];
        if (info->type == IMGB_FT_DIR)
            continue;
        files++;
        const unsigned char *data;
        size_t len;
        bool cut;
        if (imgb_view_read_prefix(ctx->view, info->path, &data, &len, &cut) < 0) {
            imgb_evidence *ev = imgb_result_add_evidence(out);
            ev->file = imgb_xasprintf("/%s", info->path);
            ev->message = imgb_xstrdup(imgb_error_last());
            ev->verdict = IMGB_V_ERROR;
            errors++;
            continue;
        }
        /* a hit in the prefix is a hit; no hit in a prefix says nothing (below) */
        if (cut && truncated++ == 0) {
            truncated_path = info->path;
            truncated_kept = len;
        }
        PCRE2_SIZE start = 0;
        kf_lines lc = { 0, 0, 1 };
        while (start <= len) {
            int m = imgb_regex_match(r->code, data, len, start, 0, md);
            if (m == PCRE2_ERROR_NOMATCH)
                break;
            if (m < 0) {
                /* a limit or engine error: the rest of this file is unjudged, never "clean" */
                char *why = imgb_regex_error(m);
                imgb_evidence *ev = imgb_result_add_evidence(out);
                ev->file = imgb_xasprintf("/%s", info->path);
                ev->line = kf_line_of(&lc, data, len, start, NULL);
                ev->verdict = IMGB_V_ERROR;
                ev->expected = imgb_xstrdup(expected);
                ev->message = imgb_xasprintf("pattern /%s/ could not be matched from /%s:%d on: "
                                             "%s", r->pattern, info->path, ev->line, why);
                free(why);
                /* go on from the next line (a hit there still decides), but a pattern that
                 * fails everywhere must not cost the match limit on every line */
                if (++regex_errors >= KF_MAX_REGEX_ERRORS)
                    break;
                while (start < len && data[start] != '\n')
                    start++;
                start++;
                continue;
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            if (hits++ < IMGB_MAX_EVIDENCE_PER_ITEM) {
                imgb_evidence *ev = imgb_result_add_evidence(out);
                ev->file = imgb_xasprintf("/%s", info->path);
                ev->line = kf_line_of(&lc, data, len, ov[0], &ev->value);
                ev->layer = info->layer;
                ev->expected = imgb_xstrdup(expected);
                ev->verdict = r->must_match ? IMGB_V_PASS : IMGB_V_FAIL;
            }
            start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
            /* one hit per line is enough evidence */
            while (start < len && data[start - 1] != '\n')
                start++;
            if (start >= len)
                break;
        }
    }
    pcre2_match_data_free(md);

    if (files == 0) {
        out->verdict = r->missing != KF_MISSING_DEFAULT ? (imgb_verdict)r->missing
                       : r->must_match                ? IMGB_V_FAIL
                                                      : IMGB_V_PASS;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(r->path);
        ev->expected = imgb_xstrdup(expected);
        ev->message = imgb_xasprintf("%s does not exist", r->path);
    } else if (hits) {
        /* a hit decides either way; only "none anywhere" needs every byte matched cleanly */
        out->verdict = r->must_match ? IMGB_V_PASS : IMGB_V_FAIL;
        kf_note_more(out, hits > IMGB_MAX_EVIDENCE_PER_ITEM ? hits - IMGB_MAX_EVIDENCE_PER_ITEM
                                                            : 0);
    } else if (errors || truncated || regex_errors) {
        /* no hit, but part of the text was not seen: neither verdict is known */
        out->verdict = IMGB_V_ERROR;
        if (truncated) {
            imgb_evidence *ev = imgb_result_add_evidence(out);
            ev->file = imgb_xasprintf("/%s", truncated_path);
            ev->verdict = IMGB_V_ERROR;
            ev->message = imgb_xasprintf("/%s%s larger than the per-file content cap (%zu "
                                         "bytes kept): no match in that part, the rest unseen",
                                         truncated_path, truncated > 1 ? " and others are" : " is",
                                         truncated_kept);
        }
    } else {
        out->verdict = r->must_match ? IMGB_V_FAIL : IMGB_V_PASS;
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(r->path);
        ev->expected = imgb_xstrdup(expected);
        ev->message = imgb_xasprintf("no line matches in %zu file%s", files,
                                     files == 1 ? "" : "s");
    }
    free(expected);
    free(nodes.v);
    return 0;
}

/* ---- file_exists ------------------------------------------------------------------------ */

typedef struct kf_exists {
    char **paths;             /* globs: the check looks at all of them */
    size_t npaths;
    bool exists;
} kf_exists;

static void kf_exists_free(void *compiled)
{
    kf_exists *e = compiled;
    if (!e)
        return;
    kf_strings_free(e->paths, e->npaths);
    free(e);
}

static int kf_exists_compile(const json_t *params, void **compiled)
{
    kf_exists *e = imgb_xcalloc(1, sizeof *e);
    int rc, ex = -1;
    if ((rc = kf_string_list(params, "path", &e->paths, &e->npaths)) < 0 ||
        (rc = kf_bool(params, "exists", -1, &ex)) < 0)
        goto fail;
    if (e->npaths == 0) {
        rc = imgb_error_set(IMGB_EINVAL, "path: missing (an absolute path or glob)");
        goto fail;
    }
    for (size_t i = 0; i < e->npaths; i++)
        if (e->paths[i][0] != '/') {
            rc = imgb_error_set(IMGB_EINVAL, "path: must be an absolute path or glob");
            goto fail;
        }
    if (ex < 0) {
        rc = imgb_error_set(IMGB_EINVAL, "exists: missing (true or false)");
        goto fail;
    }
    e->exists = ex;
    *compiled = e;
    return 0;
fail:
    kf_exists_free(e);
    return rc;
}

static int kf_exists_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                              imgb_item_result *out)
{
    const kf_exists *e = compiled;
    (void)scan_state;
    kf_nodes nodes = { 0 };
    for (size_t i = 0; i < e->npaths; i++) {
        int rc = imgb_view_glob(ctx->view, e->paths[i], kf_collect, &nodes);
        if (rc < 0) {
            free(nodes.v);
            return rc;
        }
    }
    imgb_buf names = IMGB_BUF_INIT;
    for (size_t i = 0; i < e->npaths; i++)
        imgb_buf_printf(&names, "%s%s", i ? " or " : "", e->paths[i]);
    char *expected = imgb_xasprintf("%s %s", names.ptr, e->exists ? "exists" : "does not exist");
    bool found = nodes.len > 0;
    out->verdict = found == e->exists ? IMGB_V_PASS : IMGB_V_FAIL;
    for (size_t i = 0; i < nodes.len && i < IMGB_MAX_EVIDENCE_PER_ITEM; i++) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xasprintf("/%s", nodes.v[i].path);
        ev->layer = nodes.v[i].layer;
        ev->value = imgb_xstrdup(kf_type_name(nodes.v[i].type));
        ev->expected = imgb_xstrdup(expected);
        ev->message = imgb_xasprintf("/%s exists", nodes.v[i].path);
    }
    if (nodes.len > IMGB_MAX_EVIDENCE_PER_ITEM)
        kf_note_more(out, nodes.len - IMGB_MAX_EVIDENCE_PER_ITEM);
    if (!found) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(e->paths[0]);
        ev->expected = imgb_xstrdup(expected);
        ev->message = imgb_xasprintf("%s does not exist", names.ptr);
    }
    imgb_buf_dispose(&names);
    free(expected);
    free(nodes.v);
    return 0;
}

/* ---- the kinds ---------------------------------------------------------------------------- */

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const kf_meta_keys[] = { "path", "under", "exclude", "owner", "group", "mode_max", "type",
                                               "world_writable", "unowned", "setuid", "follow", "missing", NULL };

const imgb_check_kind imgb_kind_file_meta = {
    .name = "file_meta",
    .keys = kf_meta_keys,
    .compile = kf_meta_compile,
    .prepare = kf_meta_prepare,
    .evaluate = kf_meta_evaluate,
    .free = kf_meta_free,
};

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const kf_regex_keys[] = { "path", "pattern", "must", "missing", NULL };

const imgb_check_kind imgb_kind_file_regex = {
    .name = "file_regex",
    .keys = kf_regex_keys,
    .compile = kf_regex_compile,
    .prepare = kf_regex_prepare,
    .evaluate = kf_regex_evaluate,
    .free = kf_regex_free,
};

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const kf_exists_keys[] = { "path", "exists", NULL };

const imgb_check_kind imgb_kind_file_exists = {
    .name = "file_exists",
    .keys = kf_exists_keys,
    .compile = kf_exists_compile,
    .evaluate = kf_exists_evaluate,
    .free = kf_exists_free,
};
