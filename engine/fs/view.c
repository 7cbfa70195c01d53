/*
 * The merged filesystem view (contract: fs/view.h): a tree of nodes plus a hash index from
 * the normalised path to its node.
 *
 *   buckets[hash(path) & mask] -> node -> hnext -> ...        O(1) lookup by path
 *   node->parent, ->first_child, ->prev/->next (siblings)     O(subtree) deletion
 *
 *      ""  (root, layer -1)
 *      +-- "etc" ---- "etc/ssh" ---- "etc/ssh/sshd_config"
 *      +-- "bin" -> "usr/bin"   (symlink: link_target kept raw)
 *
 * Each node is one allocation that ends with its full path, so a lookup hashes the
 * normalised query held in a stack buffer and compares in place, and info->path is borrowed
 * from the node.  Invariant: a node's parent is always a directory (turning a directory into
 * anything else first removes its subtree), so an exact-path hit never hides a symlink in an
 * ancestor.  Children are unsorted; walk and glob sort per call, so the const functions never
 * write to the view and may run concurrently once the layers are applied.
 *
 * Layer semantics follow the OCI image spec, image-spec/layer.md ("Whiteouts", "Opaque
 * Whiteout"): whiteouts apply to lower layers only, so a whiteout or opaque marker of layer
 * L removes nodes whose layer is < L, whatever their order in the layer's tar stream.  An
 * entry below a symlinked directory lands where docker's and containerd's appliers write it
 * (the parent resolved inside the root), so the view is what a container would see.
 *
 * Tests: tests/test_fs.c, tests/fuzz/fuzz_view.c.
 */
#include "fs/view.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "fs/keep.h"
#include "fs/path.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

/* Kept file content, shared by hardlinks (refcounted). */
typedef struct view_content {
    size_t refs;
    size_t len;
    unsigned char bytes[];
} view_content;

typedef struct view_node view_node;
struct view_node {
    view_node *parent;
    view_node *first_child;
    view_node *prev, *next;   /* siblings, unsorted */
    view_node *hnext;         /* hash chain */
    view_content *content;
    char *link_target;        /* symlinks only */
    uint64_t size;
    int64_t mtime;
    uint32_t mode, uid, gid;
    int32_t layer;
    uint32_t hash;
    uint16_t path_len;        /* <= IMGB_MAX_PATH */
    uint16_t name_off;        /* start of the last component in path */
    uint8_t type;
    bool truncated;
    char path[];
};

struct imgb_view {
    view_node **buckets;
    size_t mask;              /* bucket count - 1 (power of two) */
    size_t nnodes;            /* excluding the root */
    view_node *root;
    imgb_view_limits limits;
    imgb_keepset *keeps;      /* compiled keep patterns (fs/keep.h) */
    uint64_t kept_bytes;
    size_t whiteouts;
    imgb_removed *removed;
    size_t nremoved, removed_cap;
    imgb_ptrvec warnings;
    int last_layer;
    size_t mem_bytes;
    uint64_t seed;            /* hash seed, random per view */
};

/* Everything a new entry puts into a node, gathered before the tree is touched. */
typedef struct view_payload {
    imgb_ftype type;
    uint32_t mode, uid, gid;
    uint64_t size;
    int64_t mtime;
    char *link_target;        /* owned until moved into the node */
    view_content *content;    /* one reference owned until moved into the node */
    bool truncated;
} view_payload;

#define VIEW_INITIAL_BUCKETS 1024u
#define VIEW_IMPLICIT_DIR_MODE 0755u
/* Room for a symlink target followed by the rest of the path being resolved. */
#define VIEW_RESOLVE_MAX (2 * (IMGB_MAX_PATH + 1))

/* ---- warnings ---------------------------------------------------------------------- */

static void view_warn(imgb_view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void view_warn(imgb_view *v, const char *fmt, ...)
{
    char line[IMGB_ERROR_MAX];
    va_list ap;

    if (v->warnings.len >= IMGB_MAX_VIEW_WARNINGS)
        return;
    if (v->warnings.len == IMGB_MAX_VIEW_WARNINGS - 1) {
        imgb_ptrvec_push(&v->warnings, imgb_xstrdup("view: further warnings suppressed"));
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    imgb_ptrvec_push(&v->warnings, imgb_xstrdup(line));
}

/* ---- hash index -------------------------------------------------------------------- */

/*
 * FNV-1a, then murmur3's fmix64 finaliser: FNV alone leaves the low bits (the bucket index)
 * poorly mixed for paths that differ only in a few digits ("pkg000123/file-042").  The
 * per-view random seed keeps a hostile layer from precomputing names that share a bucket
 * (hash flooding); nothing observable depends on bucket order.
 */
static uint32_t view_hash(const imgb_view *v, const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull ^ v->seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static view_node *view_find(const imgb_view *v, const char *path, size_t len)
{
    uint32_t h = view_hash(v, path, len);
    for (view_node *n = v->buckets[h & v->mask]; n; n = n->hnext) {
        if (n->hash == h && n->path_len == len && memcmp(n->path, path, len) == 0)
            return n;
    }
    return NULL;
}

static void view_index_grow(imgb_view *v)
{
    size_t old = v->mask + 1;
    size_t nb = old * 2;
    view_node **b = imgb_xcalloc(nb, sizeof *b);

    for (size_t i = 0; i < old; i++) {
        view_node *n = v->buckets[i];
        while (n) {
            view_node *next = n->hnext;
            n->hnext = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
            n = next;
        }
    }
    free(v->buckets);
    v->buckets = b;
    v->mask = nb - 1;
    v->mem_bytes += old * sizeof *b;
}

static void view_index_insert(imgb_view *v, view_node *n)
{
    if (v->nnodes + 1 > v->mask + 1)
        view_index_grow(v);
    n->hnext = v->buckets[n->hash & v->mask];
    v->buckets[n->hash & v->mask] = n;
}

static void view_index_remove(imgb_view *v, view_node *n)
{
    view_node **pp = &v->buckets[n->hash & v->mask];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
}

/* ---- nodes ------------------------------------------------------------------------- */

static void view_content_release(imgb_view *v, view_content *c)
{
    if (!c || --c->refs > 0)
        return;
    v->kept_bytes -= c->len;
    v->mem_bytes -= sizeof *c + c->len;
    free(c);
}

static void view_node_clear(imgb_view *v, view_node *n)
{
    view_content_release(v, n->content);
    n->content = NULL;
    n->truncated = false;
    if (n->link_target) {
        v->mem_bytes -= strlen(n->link_target) + 1;
        free(n->link_target);
        n->link_target = NULL;
    }
}

/* Move the payload into `n` (which must have been cleared). */
static void view_node_set(imgb_view *v, view_node *n, int layer, view_payload *p)
{
    n->type = (uint8_t)p->type;
    n->mode = p->mode;
    n->uid = p->uid;
    n->gid = p->gid;
    n->size = p->type == IMGB_FT_DIR ? 0 : p->size;
    n->mtime = p->mtime;
    n->layer = layer;
    n->content = p->content;
    n->truncated = p->content ? p->truncated : false;
    n->link_target = p->link_target;
    if (n->link_target)
        v->mem_bytes += strlen(n->link_target) + 1;
    p->content = NULL;
    p->link_target = NULL;
}

static view_node *view_node_new(imgb_view *v, view_node *parent, const char *path, size_t len)
{
    size_t sz = offsetof(view_node, path) + len + 1;
    view_node *n = imgb_xcalloc(1, sz);
    const char *slash;

    memcpy(n->path, path, len);
    n->path[len] = '\0';
    n->path_len = (uint16_t)len;
    slash = memrchr(path, '/', len);
    n->name_off = (uint16_t)(slash ? (size_t)(slash - path) + 1 : 0);
    n->hash = view_hash(v, path, len);
    n->parent = parent;
    if (parent) {
        n->next = parent->first_child;
        if (n->next)
            n->next->prev = n;
        parent->first_child = n;
        v->nnodes++;
    }
    view_index_insert(v, n);
    v->mem_bytes += sz;
    return n;
}

static view_node *view_node_implicit_dir(imgb_view *v, view_node *parent, const char *path,
                                         size_t len, int layer)
{
    view_node *n = view_node_new(v, parent, path, len);
    n->type = IMGB_FT_DIR;
    n->mode = VIEW_IMPLICIT_DIR_MODE;
    n->layer = layer;
    return n;
}

/* Unlink a childless node from its parent and the index, and free it. */
static void view_node_delete(imgb_view *v, view_node *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else if (n->parent)
        n->parent->first_child = n->next;
    if (n->next)
        n->next->prev = n->prev;
    view_index_remove(v, n);
    view_node_clear(v, n);
    v->mem_bytes -= offsetof(view_node, path) + n->path_len + 1;
    v->nnodes--;
    free(n);
}

static void view_removed_push(imgb_view *v, const view_node *n, int layer, bool overwritten)
{
    if (n->type != IMGB_FT_REG || n->layer >= layer)
        return;
    if (v->nremoved == v->removed_cap) {
        v->removed_cap = v->removed_cap ? v->removed_cap * 2 : 64;
        v->removed = imgb_xrealloc(v->removed, v->removed_cap * sizeof *v->removed);
    }
    imgb_removed *r = &v->removed[v->nremoved++];
    r->path = imgb_xstrndup(n->path, n->path_len);
    r->size = n->size;
    r->layer_added = n->layer;
    r->layer_removed = layer;
    r->overwritten = overwritten;
}

static int view_cmp_removed(const void *a, const void *b)
{
    return strcmp(((const imgb_removed *)a)->path, ((const imgb_removed *)b)->path);
}

/*
 * Remove the subtree of `top` (with `top` itself when include_top).  With only_lower, nodes
 * written by `layer` itself survive (whiteouts apply to lower layers only) and a lower
 * directory still holding survivors becomes an implicit directory of `layer`.  Nodes are
 * gathered in pre-order, then handled in reverse so every node is seen after its subtree.
 */
static void view_prune(imgb_view *v, view_node *top, bool include_top, int layer,
                       bool only_lower, bool overwritten)
{
    imgb_ptrvec order = IMGB_PTRVEC_INIT;
    view_node *n = top;
    size_t mark = v->nremoved;

    for (;;) {
        if (n != top || include_top)
            imgb_ptrvec_push(&order, n);
        if (n->first_child) {
            n = n->first_child;
            continue;
        }
        while (n != top && !n->next)
            n = n->parent;
        if (n == top)
            break;
        n = n->next;
    }
    for (size_t i = order.len; i-- > 0;) {
        n = order.items[i];
        if (only_lower && n->layer >= layer)
            continue;
        if (n->first_child) {
            view_node_clear(v, n);
            n->type = IMGB_FT_DIR;
            n->mode = VIEW_IMPLICIT_DIR_MODE;
            n->uid = n->gid = 0;
            n->size = 0;
            n->mtime = 0;
            n->layer = layer;
            continue;
        }
        view_removed_push(v, n, layer, overwritten);
        if (n == v->root)
            continue;
        view_node_delete(v, n);
    }
    /* Children lists are unordered: report one removal's files byte-sorted by path. */
    if (v->nremoved - mark > 1)
        qsort(v->removed + mark, v->nremoved - mark, sizeof *v->removed, view_cmp_removed);
    imgb_ptrvec_dispose(&order, NULL);
}

/* ---- resolution -------------------------------------------------------------------- */

/* Join dir path + "/" + name into buf (cap IMGB_MAX_PATH + 1); returns length or -1. */
static long view_join(char *buf, const view_node *dir, const char *name, size_t nlen)
{
    size_t o = dir->path_len;
    if (o + (o ? 1 : 0) + nlen > IMGB_MAX_PATH)
        return -1;
    memcpy(buf, dir->path, o);
    if (o)
        buf[o++] = '/';
    memcpy(buf + o, name, nlen);
    o += nlen;
    buf[o] = '\0';
    return (long)o;
}

/* Only "/" and "." left?  Then the component before is the last one ("etc/." is "etc"). */
static bool view_rest_is_empty(const char *r)
{
    for (;;) {
        while (*r == '/')
            r++;
        if (r[0] == '.' && (r[1] == '/' || r[1] == '\0'))
            r++;
        else
            return *r == '\0';
    }
}

/*
 * Shortcut after a symlink hop: when `rest` (relative to `dir`) has no ".." and names an
 * existing node, every directory above that node is real (invariant on top), so one lookup
 * replaces a walk over each component.  NULL: walk component by component.
 */
static view_node *view_find_below(const imgb_view *v, const view_node *dir, const char *rest,
                                  bool follow_last, char *cand)
{
    size_t o = dir->path_len;
    long n;

    memcpy(cand, dir->path, o);
    if (o)
        cand[o++] = '/';
    n = imgb_path_normalize_into(rest, cand + o, IMGB_MAX_PATH + 1 - o);
    if (n <= 0)
        return NULL;
    view_node *hit = view_find(v, cand, o + (size_t)n);
    if (!hit || (follow_last && hit->type == IMGB_FT_SYMLINK))
        return NULL;
    return hit;
}

/*
 * Resolve `path` inside the image root with chroot semantics, one component at a time:
 * ".." at the root stays at the root, an absolute symlink target restarts at the image
 * root, a relative one at the symlink's directory; intermediate symlinks are always
 * followed, the last one only with follow_last (lstat/stat).  At most IMGB_MAX_SYMLINK_HOPS.
 */
static int view_resolve(const imgb_view *v, const char *path, bool follow_last, view_node **out)
{
    char cand[IMGB_MAX_PATH + 1];
    char rem[VIEW_RESOLVE_MAX];
    long clen = imgb_path_normalize_into(path, cand, sizeof cand);
    view_node *n;
    size_t rlen, pos = 0;
    int hops = 0;

    /* Fast path: an exact hit has only directories above it (see the invariant on top). */
    if (clen >= 0) {
        n = view_find(v, cand, (size_t)clen);
        if (n && (!follow_last || n->type != IMGB_FT_SYMLINK)) {
            *out = n;
            return 0;
        }
    }
    rlen = strlen(path);
    if (rlen >= sizeof rem)
        return imgb_error_set(IMGB_ENOTFOUND, "'%.200s...': path too long", path);
    memcpy(rem, path, rlen + 1);
    n = v->root;
    for (;;) {
        while (rem[pos] == '/')
            pos++;
        if (!rem[pos])
            break;
        size_t s = pos;
        while (rem[pos] && rem[pos] != '/')
            pos++;
        size_t nlen = pos - s;
        bool last = view_rest_is_empty(rem + pos);
        if (nlen == 1 && rem[s] == '.')
            continue;
        if (nlen == 2 && rem[s] == '.' && rem[s + 1] == '.') {
            if (n->parent)
                n = n->parent;
            continue;
        }
        clen = view_join(cand, n, rem + s, nlen);
        if (clen < 0)
            return imgb_error_set(IMGB_ENOTFOUND, "'%.200s...': path too long", path);
        view_node *child = view_find(v, cand, (size_t)clen);
        if (!child)
            return imgb_error_set(IMGB_ENOTFOUND, "'%s': no such file or directory in the image",
                                  path);
        if (child->type == IMGB_FT_SYMLINK && (!last || follow_last)) {
            const char *t = child->link_target ? child->link_target : "";
            size_t tlen = strlen(t);
            size_t restlen = rlen - pos;
            if (++hops > IMGB_MAX_SYMLINK_HOPS)
                return imgb_error_set(IMGB_ELOOP,
                                      "'%s': too many levels of symbolic links (more than %d)",
                                      path, IMGB_MAX_SYMLINK_HOPS);
            if (tlen == 0)
                return imgb_error_set(IMGB_ENOTFOUND, "'%s': empty symlink target at '/%s'",
                                      path, child->path);
            if (tlen + restlen + 1 > sizeof rem)
                return imgb_error_set(IMGB_ENOTFOUND, "'%.200s...': path too long", path);
            memmove(rem + tlen, rem + pos, restlen + 1);
            memcpy(rem, t, tlen);
            rlen = tlen + restlen;
            pos = 0;
            if (t[0] == '/')
                n = v->root;
            view_node *hit = view_find_below(v, n, rem, follow_last, cand);
            if (hit) {
                *out = hit;
                return 0;
            }
            continue;
        }
        if (!last && child->type != IMGB_FT_DIR)
            return imgb_error_set(IMGB_ENOTFOUND, "'%s': '/%s' is not a directory", path,
                                  child->path);
        n = child;
    }
    *out = n;
    return 0;
}

/*
 * Find (creating implicit directories of `layer` as needed) the directory that receives the
 * entry `path`, and rewrite `path` to where the entry lands when an ancestor is a symlink to
 * a directory.  Returns NULL (and warns) when an ancestor is a file or a dangling symlink:
 * the runtime's applier would fail on that entry too.
 */
static view_node *view_place_parent(imgb_view *v, int layer, char *path, size_t *len)
{
    char cand[IMGB_MAX_PATH + 1];
    char base[IMGB_MAX_PATH + 1];
    const char *slash = memrchr(path, '/', *len);
    view_node *n;
    size_t plen, pos = 0;

    if (!slash)
        return v->root;
    plen = (size_t)(slash - path);
    n = view_find(v, path, plen);
    if (n && n->type == IMGB_FT_DIR)
        return n;

    n = v->root;
    while (pos < plen) {
        size_t s = pos;
        while (pos < plen && path[pos] != '/')
            pos++;
        long clen = view_join(cand, n, path + s, pos - s);
        pos++;
        if (clen < 0) {
            view_warn(v, "layer %d: '/%s': path too long after resolving symlinks", layer, path);
            return NULL;
        }
        view_node *child = view_find(v, cand, (size_t)clen);
        if (!child) {
            n = view_node_implicit_dir(v, n, cand, (size_t)clen, layer);
            continue;
        }
        if (child->type == IMGB_FT_SYMLINK) {
            view_node *t;
            if (view_resolve(v, cand, true, &t) == 0 && t->type == IMGB_FT_DIR) {
                n = t;
                continue;
            }
            view_warn(v, "layer %d: '/%s' skipped: its parent '/%s' is a symlink that does not "
                      "lead to a directory", layer, path, cand);
            return NULL;
        }
        if (child->type != IMGB_FT_DIR) {
            view_warn(v, "layer %d: '/%s' skipped: '/%s' is not a directory", layer, path, cand);
            return NULL;
        }
        n = child;
    }
    /* Rebase the entry onto the directory it really lands in. */
    size_t blen = *len - plen - 1;
    memcpy(base, slash + 1, blen + 1);
    long nl = view_join(path, n, base, blen);
    if (nl < 0) {
        view_warn(v, "layer %d: '/%s/%s': path too long after resolving symlinks", layer,
                  n->path, base);
        return NULL;
    }
    *len = (size_t)nl;
    return n;
}

/* ---- apply ------------------------------------------------------------------------- */

static void view_payload_release(imgb_view *v, view_payload *p)
{
    view_content_release(v, p->content);
    free(p->link_target);
    p->content = NULL;
    p->link_target = NULL;
}

static int view_apply_root(imgb_view *v, int layer, const imgb_entry *e)
{
    if (e->type != IMGB_FT_DIR) {
        view_warn(v, "layer %d: entry for the root directory is not a directory: skipped",
                  layer);
        return 0;
    }
    v->root->mode = e->mode & 07777;
    v->root->uid = e->uid;
    v->root->gid = e->gid;
    v->root->mtime = e->mtime;
    v->root->layer = layer;
    return 0;
}

/* `path` is normalised and its last component starts with ".wh.". */
static int view_apply_whiteout(imgb_view *v, int layer, char *path, size_t len, size_t base_off)
{
    char cand[IMGB_MAX_PATH + 1];
    const char *base = path + base_off;
    const char *name = base + 4;
    bool opaque = strcmp(base, ".wh..wh..opq") == 0;
    view_node *dir, *t;

    (void)len;
    /* Other ".wh..wh." names are aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not files. */
    if (!opaque && strncmp(base, ".wh..wh.", 8) == 0)
        return 0;
    if (!opaque && (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)) {
        view_warn(v, "layer %d: whiteout '/%s' names no file: skipped", layer, path);
        return 0;
    }
    v->whiteouts++;
    if (base_off == 0) {
        dir = v->root;
    } else {
        path[base_off - 1] = '\0';
        if (view_resolve(v, path, true, &dir) != 0 || dir->type != IMGB_FT_DIR) {
            imgb_error_clear();
            return 0; /* nothing below a missing directory to hide */
        }
    }
    if (opaque) {
        view_prune(v, dir, false, layer, true, false);
        return 0;
    }
    long clen = view_join(cand, dir, name, strlen(name));
    if (clen < 0)
        return 0;
    t = view_find(v, cand, (size_t)clen);
    if (t)
        view_prune(v, t, true, layer, true, false);
    return 0;
}

/* Gather what the entry puts into its node; returns 1 to skip the entry. */
static int view_payload_fill(imgb_view *v, int layer, const imgb_entry *e, const char *path,
                             view_payload *p, int *rc)
{
    memset(p, 0, sizeof *p);
    p->type = e->type;
    p->mode = e->mode & 07777;
    p->uid = e->uid;
    p->gid = e->gid;
    p->size = e->size;
    p->mtime = e->mtime;

    if (e->type == IMGB_FT_HARDLINK) {
        char tbuf[IMGB_MAX_PATH + 1];
        view_node *t;
        if (!e->link_target || imgb_path_normalize_into(e->link_target, tbuf, sizeof tbuf) <= 0) {
            view_warn(v, "layer %d: hardlink '/%s' has an invalid target: skipped", layer, path);
            return 1;
        }
        if (view_resolve(v, tbuf, false, &t) != 0) {
            view_warn(v, "layer %d: hardlink '/%s' -> '/%s': target not found: skipped", layer,
                      path, tbuf);
            return 1;
        }
        if (t->type == IMGB_FT_DIR) {
            view_warn(v, "layer %d: hardlink '/%s' -> '/%s': target is a directory: skipped",
                      layer, path, tbuf);
            return 1;
        }
        /* A hardlink is another name for the target's inode: same metadata and bytes. */
        p->type = t->type;
        p->mode = t->mode;
        p->uid = t->uid;
        p->gid = t->gid;
        p->size = t->size;
        p->mtime = t->mtime;
        p->content = t->content;
        if (p->content)
            p->content->refs++;
        p->truncated = t->truncated;
        if (t->link_target)
            p->link_target = imgb_xstrdup(t->link_target);
        return 0;
    }
    if (e->type > IMGB_FT_SOCK) {
        view_warn(v, "layer %d: '/%s' has an unknown file type %d: skipped", layer, path,
                  (int)e->type);
        return 1;
    }
    if (e->type == IMGB_FT_SYMLINK) {
        const char *t = e->link_target ? e->link_target : "";
        if (strlen(t) > IMGB_MAX_PATH) {
            view_warn(v, "layer %d: symlink '/%s' target longer than %d bytes: skipped", layer,
                      path, IMGB_MAX_PATH);
            return 1;
        }
        p->link_target = imgb_xstrdup(t);
    }
    if (e->type == IMGB_FT_REG && e->content) {
        size_t n = e->content_len;
        bool trunc = e->content_truncated;
        if (n > v->limits.keep_file_max) {
            n = v->limits.keep_file_max;
            trunc = true;
        }
        if (v->kept_bytes + n > v->limits.keep_total_max) {
            view_warn(v, "layer %d: '/%s' kept without content: kept content would exceed "
                      "%llu bytes", layer, path, (unsigned long long)v->limits.keep_total_max);
            *rc = imgb_error_set(IMGB_ELIMIT, "layer %d: '/%s' kept without content: kept "
                                 "content would exceed %llu bytes", layer, path,
                                 (unsigned long long)v->limits.keep_total_max);
        } else {
            p->content = imgb_xmalloc(sizeof *p->content + n);
            p->content->refs = 1;
            p->content->len = n;
            if (n)
                memcpy(p->content->bytes, e->content, n);
            p->truncated = trunc;
            v->kept_bytes += n;
            v->mem_bytes += sizeof *p->content + n;
        }
    }
    return 0;
}

static int view_apply_entry(imgb_view *v, int layer, const imgb_entry *e, char *path, size_t len)
{
    view_payload p;
    view_node *parent, *n;
    int rc = 0;

    if (view_payload_fill(v, layer, e, path, &p, &rc))
        return 0;
    parent = view_place_parent(v, layer, path, &len);
    if (!parent) {
        view_payload_release(v, &p);
        return rc;
    }
    n = view_find(v, path, len);
    if (!n) {
        n = view_node_new(v, parent, path, len);
        view_node_set(v, n, layer, &p);
        return rc;
    }
    if (n->type == IMGB_FT_DIR && p.type == IMGB_FT_DIR) {
        /* Directories merge: new metadata, the children stay. */
        view_node_clear(v, n);
        view_node_set(v, n, layer, &p);
        return rc;
    }
    if (n->type == IMGB_FT_DIR)
        view_prune(v, n, false, layer, false, true);
    view_removed_push(v, n, layer, true);
    view_node_clear(v, n);
    view_node_set(v, n, layer, &p);
    return rc;
}

/* Does a directory component of `path` (before base_off) start with ".wh."? */
static bool view_whiteout_dir(const char *path, size_t base_off)
{
    size_t s = 0;
    while (s < base_off) {
        if (strncmp(path + s, ".wh.", 4) == 0)
            return true;
        const char *slash = memchr(path + s, '/', base_off - s);
        if (!slash)
            break;
        s = (size_t)(slash - path) + 1;
    }
    return false;
}

int imgb_view_apply(imgb_view *v, int layer, const imgb_entry *e)
{
    char path[IMGB_MAX_PATH + 1];
    long len;
    const char *slash;
    size_t base_off;

    if (layer < v->last_layer)
        return imgb_error_set(IMGB_EINVAL, "view: layer %d applied after layer %d", layer,
                              v->last_layer);
    v->last_layer = layer;
    len = e->path ? imgb_path_normalize_into(e->path, path, sizeof path) : -1;
    if (len < 0) {
        view_warn(v, "layer %d: entry '%.200s' escapes the image root or is too long: skipped",
                  layer, e->path ? e->path : "(null)");
        return 0;
    }
    if (len == 0)
        return view_apply_root(v, layer, e);
    slash = memrchr(path, '/', (size_t)len);
    base_off = slash ? (size_t)(slash - path) + 1 : 0;
    if (view_whiteout_dir(path, base_off)) {
        /* aufs keeps its bookkeeping under /.wh..wh.*; docker's applier skips it. */
        if (strncmp(path, ".wh..wh.", 8) != 0)
            view_warn(v, "layer %d: '/%s' lies below a whiteout name: skipped", layer, path);
        return 0;
    }
    if (strncmp(path + base_off, ".wh.", 4) == 0)
        return view_apply_whiteout(v, layer, path, (size_t)len, base_off);
    return view_apply_entry(v, layer, e, path, (size_t)len);
}

/* ---- lifetime and setup ------------------------------------------------------------ */

imgb_view *imgb_view_new(const imgb_view_limits *limits)
{
    imgb_view *v = imgb_xcalloc(1, sizeof *v);

    v->limits.keep_file_max = IMGB_KEEP_FILE_MAX;
    v->limits.keep_total_max = IMGB_KEEP_TOTAL_MAX;
    if (limits) {
        if (limits->keep_file_max)
            v->limits.keep_file_max = limits->keep_file_max;
        if (limits->keep_total_max)
            v->limits.keep_total_max = limits->keep_total_max;
    }
    if (getrandom(&v->seed, sizeof v->seed, GRND_NONBLOCK) != (ssize_t)sizeof v->seed)
        v->seed = (uint64_t)(uintptr_t)v ^ (uint64_t)time(NULL);
    v->buckets = imgb_xcalloc(VIEW_INITIAL_BUCKETS, sizeof *v->buckets);
    v->mask = VIEW_INITIAL_BUCKETS - 1;
    v->mem_bytes = sizeof *v + VIEW_INITIAL_BUCKETS * sizeof *v->buckets;
    v->last_layer = -1;
    v->root = view_node_new(v, NULL, "", 0);
    v->root->type = IMGB_FT_DIR;
    v->root->mode = VIEW_IMPLICIT_DIR_MODE;
    v->root->layer = -1;
    return v;
}

void imgb_view_free(imgb_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i <= v->mask; i++) {
        view_node *n = v->buckets[i];
        while (n) {
            view_node *next = n->hnext;
            view_node_clear(v, n);
            free(n);
            n = next;
        }
    }
    free(v->buckets);
    imgb_keepset_free(v->keeps);
    for (size_t i = 0; i < v->nremoved; i++)
        free((char *)v->removed[i].path);
    free(v->removed);
    imgb_ptrvec_dispose(&v->warnings, free);
    free(v);
}

void imgb_view_keep(imgb_view *v, const char *pattern)
{
    if (!v->keeps)
        v->keeps = imgb_keepset_new();
    imgb_keepset_add(v->keeps, pattern, true);
}

void imgb_view_keep_local(imgb_view *v, const char *pattern)
{
    if (!v->keeps)
        v->keeps = imgb_keepset_new();
    imgb_keepset_add(v->keeps, pattern, false);
}

/* `path` as "/..." normalised into abs (IMGB_MAX_PATH + 2 bytes); its length or <= 0. */
static long view_abs(const char *path, char *abs)
{
    abs[0] = '/';
    long n = imgb_path_normalize_into(path, abs + 1, IMGB_MAX_PATH + 1);
    return n <= 0 ? n : n + 1;
}

bool imgb_view_wants(const imgb_view *v, const char *path)
{
    char abs[IMGB_MAX_PATH + 2];
    if (imgb_keepset_count(v->keeps) == 0)
        return false;
    long n = view_abs(path, abs);
    return n > 0 && imgb_keepset_match(v->keeps, abs, (size_t)n, false);
}

/* Does a "follow" pattern want `path` (so a symlink there asks for its target's bytes)? */
static bool view_wants_follow(const imgb_view *v, const char *path)
{
    char abs[IMGB_MAX_PATH + 2];
    long n = view_abs(path, abs);
    return n > 0 && imgb_keepset_match(v->keeps, abs, (size_t)n, true);
}

/* ---- queries ----------------------------------------------------------------------- */

static void view_info(const view_node *n, imgb_node_info *out)
{
    out->path = n->path;
    out->type = (imgb_ftype)n->type;
    out->mode = n->mode;
    out->uid = n->uid;
    out->gid = n->gid;
    out->size = n->size;
    out->mtime = n->mtime;
    out->link_target = n->type == IMGB_FT_SYMLINK ? n->link_target : NULL;
    out->layer = n->layer;
    out->content = n->content ? n->content->bytes : NULL;
    out->content_len = n->content ? n->content->len : 0;
    out->content_truncated = n->truncated;
}

size_t imgb_view_whiteouts(const imgb_view *v)
{
    return v->whiteouts;
}

int imgb_view_lookup(const imgb_view *v, const char *path, bool follow, imgb_node_info *out)
{
    view_node *n;
    int rc = view_resolve(v, path, follow, &n);
    if (rc != 0)
        return rc;
    view_info(n, out);
    return 0;
}

/* The kept content of the regular file at `path` (symlinks followed), whole or cut. */
static int view_read_node(const imgb_view *v, const char *path, const view_node **out)
{
    view_node *n;
    int rc = view_resolve(v, path, true, &n);
    if (rc != 0)
        return rc;
    if (n->type != IMGB_FT_REG)
        return imgb_error_set(IMGB_ERROR, "'%s' is not a regular file", path);
    if (!n->content)
        return imgb_error_set(IMGB_ERROR, "'%s': content not kept (no keep pattern matched "
                              "or the total cap was reached)", path);
    *out = n;
    return 0;
}

int imgb_view_read_prefix(const imgb_view *v, const char *path, const unsigned char **data,
                          size_t *len, bool *truncated)
{
    const view_node *n = NULL;
    int rc = view_read_node(v, path, &n);
    if (rc != 0)
        return rc;
    *data = n->content->bytes;
    *len = n->content->len;
    *truncated = n->truncated;
    return 0;
}

int imgb_view_read(const imgb_view *v, const char *path, const unsigned char **data,
                   size_t *len)
{
    const view_node *n = NULL;
    int rc = view_read_node(v, path, &n);
    if (rc != 0)
        return rc;
    if (n->truncated)
        /* a prefix judged as the whole file hides whatever was padded in past the cap */
        return imgb_error_set(IMGB_ELIMIT, "%s%s: %llu bytes, larger than the per-file content "
                              "cap (%zu bytes kept); not judged on a part",
                              path[0] == '/' ? "" : "/", path, (unsigned long long)n->size,
                              n->content->len);
    *data = n->content->bytes;
    *len = n->content->len;
    return 0;
}

static int view_cmp_name(const void *a, const void *b)
{
    const view_node *x = *(view_node *const *)a;
    const view_node *y = *(view_node *const *)b;
    return strcmp(x->path + x->name_off, y->path + y->name_off);
}

static int view_cmp_path(const void *a, const void *b)
{
    const view_node *x = *(view_node *const *)a;
    const view_node *y = *(view_node *const *)b;
    return strcmp(x->path, y->path);
}

int imgb_view_walk(const imgb_view *v, int (*cb)(const imgb_node_info *info, void *payload),
                   void *payload)
{
    imgb_ptrvec stack = IMGB_PTRVEC_INIT;
    imgb_ptrvec kids = IMGB_PTRVEC_INIT;
    imgb_node_info info;
    int rc = 0;

    imgb_ptrvec_push(&stack, v->root);
    while (stack.len > 0) {
        view_node *n = stack.items[--stack.len];
        if (n != v->root) {
            view_info(n, &info);
            rc = cb(&info, payload);
            if (rc != 0)
                break;
        }
        kids.len = 0;
        for (view_node *c = n->first_child; c; c = c->next)
            imgb_ptrvec_push(&kids, c);
        if (kids.len > 1)
            qsort(kids.items, kids.len, sizeof *kids.items, view_cmp_name);
        for (size_t i = kids.len; i-- > 0;)
            imgb_ptrvec_push(&stack, kids.items[i]);
    }
    imgb_ptrvec_dispose(&stack, NULL);
    imgb_ptrvec_dispose(&kids, NULL);
    return rc;
}

static bool view_glob_literal(const char *comp, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (comp[i] == '*' || comp[i] == '?' || comp[i] == '[' || comp[i] == '\\')
            return false;
    }
    return true;
}

/* Every node strictly below `top`, for a trailing "/ **". */
static void view_glob_subtree(view_node *top, imgb_ptrvec *out)
{
    view_node *n = top;
    for (;;) {
        if (n != top)
            imgb_ptrvec_push(out, n);
        if (n->first_child) {
            n = n->first_child;
            continue;
        }
        while (n != top && !n->next)
            n = n->parent;
        if (n == top)
            break;
        n = n->next;
    }
}

int imgb_view_glob(const imgb_view *v, const char *pattern,
                   int (*cb)(const imgb_node_info *info, void *payload), void *payload)
{
    char pat[IMGB_MAX_PATH + 1];
    char comp[IMGB_MAX_PATH + 1];
    size_t plen = strlen(pattern);
    size_t pos = 0, dir_end = 0;
    imgb_ptrvec cur = IMGB_PTRVEC_INIT;
    imgb_ptrvec next = IMGB_PTRVEC_INIT;
    imgb_node_info info;
    view_node *n;
    int rc = 0;

    if (plen > IMGB_MAX_PATH)
        return imgb_error_set(IMGB_EINVAL, "glob pattern longer than %d bytes", IMGB_MAX_PATH);
    memcpy(pat, pattern, plen + 1);

    /* The literal directory part: every leading component without a wildcard. */
    for (;;) {
        while (pat[pos] == '/')
            pos++;
        size_t s = pos;
        while (pat[pos] && pat[pos] != '/')
            pos++;
        if (pos == s)
            break;
        if (!view_glob_literal(pat + s, pos - s)) {
            pos = s;
            break;
        }
        dir_end = pos;
    }
    if (!pat[pos]) {
        /* No wildcard at all: the pattern names one path. */
        if (view_resolve(v, pat, false, &n) == 0) {
            view_info(n, &info);
            rc = cb(&info, payload);
        }
        imgb_error_clear();
        return rc;
    }
    /* Like glob(3), the literal directory is reached through symlinks. */
    pat[dir_end] = '\0';
    if (view_resolve(v, pat, true, &n) != 0 || n->type != IMGB_FT_DIR) {
        imgb_error_clear();
        return 0;
    }
    imgb_ptrvec_push(&cur, n);
    while (pat[pos] && cur.len > 0) {
        size_t s = pos;
        while (pat[pos] && pat[pos] != '/')
            pos++;
        memcpy(comp, pat + s, pos - s);
        comp[pos - s] = '\0';
        while (pat[pos] == '/')
            pos++;
        bool last = pat[pos] == '\0';
        next.len = 0;
        if (last && strcmp(comp, "**") == 0) {
            for (size_t i = 0; i < cur.len; i++)
                view_glob_subtree(cur.items[i], &next);
        } else {
            for (size_t i = 0; i < cur.len; i++) {
                view_node *d = cur.items[i];
                if (d->type != IMGB_FT_DIR)
                    continue;
                for (view_node *c = d->first_child; c; c = c->next) {
                    if (!last && c->type != IMGB_FT_DIR)
                        continue;
                    if (fnmatch(comp, c->path + c->name_off, FNM_PATHNAME) == 0)
                        imgb_ptrvec_push(&next, c);
                }
            }
        }
        imgb_ptrvec t = cur;
        cur = next;
        next = t;
    }
    if (cur.len > 1)
        qsort(cur.items, cur.len, sizeof *cur.items, view_cmp_path);
    for (size_t i = 0; i < cur.len && rc == 0; i++) {
        view_info(cur.items[i], &info);
        rc = cb(&info, payload);
    }
    imgb_ptrvec_dispose(&cur, NULL);
    imgb_ptrvec_dispose(&next, NULL);
    return rc;
}

/* Files below directory `t`, reached through the symlink `s`, wanted under s's name. */
static void view_unkept_below(const imgb_view *v, const view_node *s, view_node *t,
                              imgb_ptrvec *out)
{
    char abs[IMGB_MAX_PATH + 2];
    view_node *n = t;

    abs[0] = '/';
    memcpy(abs + 1, s->path, s->path_len);
    abs[1 + s->path_len] = '/';
    abs[2 + s->path_len] = '\0';
    if (!imgb_keepset_may_match_below(v->keeps, abs, 2 + (size_t)s->path_len, true))
        return;
    for (;;) {
        if (n != t && n->type == IMGB_FT_REG && !n->content &&
            !imgb_view_wants(v, n->path)) {
            size_t rel = (size_t)n->path_len - t->path_len - (t->path_len ? 1 : 0);
            size_t len = 2 + (size_t)s->path_len + rel;
            if (len <= IMGB_MAX_PATH + 1) {
                memcpy(abs + 2 + s->path_len, n->path + (n->path_len - rel), rel + 1);
                if (imgb_keepset_match(v->keeps, abs, len, true))
                    imgb_ptrvec_push(out, n);
            }
        }
        if (n->first_child) {
            n = n->first_child;
            continue;
        }
        while (n != t && !n->next)
            n = n->parent;
        if (n == t)
            break;
        n = n->next;
    }
}

int imgb_view_unkept_targets(const imgb_view *v,
                             int (*cb)(const imgb_node_info *info, void *payload), void *payload)
{
    imgb_ptrvec found = IMGB_PTRVEC_INIT;
    imgb_node_info info;
    int rc = 0;

    for (size_t b = 0; b <= v->mask && imgb_keepset_count(v->keeps) > 0; b++) {
        for (view_node *s = v->buckets[b]; s; s = s->hnext) {
            view_node *t;
            if (s->type != IMGB_FT_SYMLINK || view_resolve(v, s->path, true, &t) != 0)
                continue;
            if (t->type == IMGB_FT_REG && !t->content && view_wants_follow(v, s->path) &&
                !imgb_view_wants(v, t->path))
                imgb_ptrvec_push(&found, t);
            else if (t->type == IMGB_FT_DIR)
                view_unkept_below(v, s, t, &found);
        }
    }
    imgb_error_clear();
    if (found.len > 1)
        qsort(found.items, found.len, sizeof *found.items, view_cmp_path);
    for (size_t i = 0; i < found.len && rc == 0; i++) {
        if (i > 0 && found.items[i] == found.items[i - 1])
            continue;
        view_info(found.items[i], &info);
        rc = cb(&info, payload);
    }
    imgb_ptrvec_dispose(&found, NULL);
    return rc;
}

int imgb_view_set_content(imgb_view *v, const char *path, const unsigned char *data, size_t len,
                          bool truncated)
{
    char buf[IMGB_MAX_PATH + 1];
    long n = imgb_path_normalize_into(path, buf, sizeof buf);
    view_node *node = n > 0 ? view_find(v, buf, (size_t)n) : NULL;

    if (!node)
        return imgb_error_set(IMGB_ENOTFOUND, "'%s': no such file in the view", path);
    if (node->type != IMGB_FT_REG)
        return imgb_error_set(IMGB_ERROR, "'%s' is not a regular file", path);
    if (len > v->limits.keep_file_max) {
        len = v->limits.keep_file_max;
        truncated = true;
    }
    if (v->kept_bytes - (node->content ? node->content->len : 0) + len >
        v->limits.keep_total_max)
        return imgb_error_set(IMGB_ELIMIT, "'%s' kept without content: kept content would "
                              "exceed %llu bytes", path,
                              (unsigned long long)v->limits.keep_total_max);
    view_content_release(v, node->content);
    view_content *c = imgb_xmalloc(sizeof *c + len);
    c->refs = 1;
    c->len = len;
    if (len)
        memcpy(c->bytes, data, len);
    v->kept_bytes += len;
    v->mem_bytes += sizeof *c + len;
    node->content = c;
    node->truncated = truncated;
    return 0;
}

size_t imgb_view_removed_count(const imgb_view *v)
{
    return v->nremoved;
}

const imgb_removed *imgb_view_removed_at(const imgb_view *v, size_t i)
{
    return i < v->nremoved ? &v->removed[i] : NULL;
}

size_t imgb_view_count(const imgb_view *v)
{
    return v->nnodes;
}

size_t imgb_view_warning_count(const imgb_view *v)
{
    return v->warnings.len;
}

const char *imgb_view_warning_at(const imgb_view *v, size_t i)
{
    return i < v->warnings.len ? v->warnings.items[i] : NULL;
}

size_t imgb_view_memory(const imgb_view *v)
{
    return v->mem_bytes;
}
