/*
 * The merged filesystem view of an image: what a container started from it would see.
 *
 * Layers are applied in order (imgb_view_apply), each entry as an imgb_entry produced by the
 * image reader.  The view implements OCI layer semantics:
 *   - ".wh.NAME" deletes NAME (and everything below it) from lower layers;
 *   - ".wh..wh..opq" in directory D hides every lower-layer child of D;
 *   - a later entry for the same path replaces the earlier one (last wins);
 *   - hardlinks share the target's metadata and kept content.
 * Paths are stored normalised: no leading "/" or "./", no "." components, no "//"; the root
 * is "".  Entries whose names contain ".." or otherwise escape the root never reach the view
 * (imgb_path_normalize rejects them; the reader reports a warning naming the layer).
 * Symlinks resolve with chroot semantics: ".." at the root stays at the root, absolute
 * targets are relative to the image root, at most IMGB_MAX_SYMLINK_HOPS hops (IMGB_ELOOP).
 * Nothing here touches the host filesystem.
 *
 * Content: only files matching a pattern registered with imgb_view_keep() before the layers
 * are applied keep their bytes (per-file and total caps); everything else is metadata only.
 * Every file that a later layer deleted or overwrote is recorded (imgb_view_removed_*), so a
 * secret left in a deleted file can still be reported with both layers.
 *
 * Threads: once the layers are applied, every const function may run concurrently (they
 * never write to the view); imgb_view_wants may also run while layers are being applied.
 *
 * Tests: tests/test_fs.c, tests/fuzz/fuzz_view.c; numbers: bench/view/.
 */
#ifndef IMGB_FS_VIEW_H
#define IMGB_FS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <imgbaseline/imgbaseline.h>

typedef enum imgb_ftype {
    IMGB_FT_REG = 0,
    IMGB_FT_DIR,
    IMGB_FT_SYMLINK,
    IMGB_FT_HARDLINK, /* only in imgb_entry; in the view a hardlink becomes IMGB_FT_REG */
    IMGB_FT_CHR,
    IMGB_FT_BLK,
    IMGB_FT_FIFO,
    IMGB_FT_SOCK,
} imgb_ftype;

/* One tar entry of one layer, as the reader hands it to the view.  Borrowed for the call. */
typedef struct imgb_entry {
    const char *path;        /* normalised (imgb_path_normalize), may be a whiteout name */
    imgb_ftype type;
    uint32_t mode;           /* permission bits incl. setuid/setgid/sticky (07777) */
    uint32_t uid, gid;
    uint64_t size;
    int64_t mtime;
    const char *link_target; /* symlink target (raw) or hardlink target (normalised path) */
    /* Content, when the path matched a keep pattern (else NULL): */
    const unsigned char *content;
    size_t content_len;
    bool content_truncated;  /* file larger than the per-file cap: content is its prefix */
} imgb_entry;

/* What the view knows of one path.  Pointers are borrowed from the view. */
typedef struct imgb_node_info {
    const char *path;        /* normalised, "" for the root */
    imgb_ftype type;
    uint32_t mode, uid, gid;
    uint64_t size;
    int64_t mtime;
    const char *link_target; /* symlinks only, raw target as in the layer */
    int layer;               /* index of the layer that wrote it (-1: implicit root) */
    const unsigned char *content; /* NULL if not kept */
    size_t content_len;
    bool content_truncated;
} imgb_node_info;

/* A regular file that a later layer deleted (whiteout, opaque dir) or overwrote. */
typedef struct imgb_removed {
    const char *path;
    uint64_t size;
    int layer_added;
    int layer_removed;
    bool overwritten;        /* true: replaced by a new entry; false: deleted by a whiteout */
} imgb_removed;

typedef struct imgb_view imgb_view;

typedef struct imgb_view_limits {
    size_t keep_file_max;    /* default IMGB_KEEP_FILE_MAX */
    uint64_t keep_total_max; /* default IMGB_KEEP_TOTAL_MAX */
} imgb_view_limits;

/** Create an empty view (just the root directory).  Free with imgb_view_free(). */
imgb_view *imgb_view_new(const imgb_view_limits *limits /* NULL: defaults */);
void imgb_view_free(imgb_view *view);

/**
 * Register a path pattern whose content must be kept: fnmatch(3) syntax on the normalised
 * path with a leading "/" ("/etc/shadow", "/etc/pam.d/[*]"); a trailing "/[**]" matches the whole
 * subtree.  Call before applying layers.
 */
void imgb_view_keep(imgb_view *view, const char *pattern);
/**
 * Like imgb_view_keep, for a broad pattern ("/etc/[**]": small files, most of them config):
 * files whose own path matches keep their bytes, but a symlink matching it does not ask for
 * its target's (imgb_view_unkept_targets), so /etc/alternatives/awk -> /usr/bin/mawk or
 * /etc/localtime -> /usr/share/zoneinfo/... cost no second read of the layers.  A fact that
 * needs a file's bytes through a symlink registers that path with imgb_view_keep.
 */
void imgb_view_keep_local(imgb_view *view, const char *pattern);
/** Does `path` (normalised, no leading "/") match a keep pattern?  Thread-safe after setup. */
bool imgb_view_wants(const imgb_view *view, const char *path);

/**
 * Apply one entry of layer `layer` (layers must be applied in increasing order; all entries
 * of a layer before the next).  Handles whiteouts and opaque markers in `e->path`.
 * e->path is normalised again here, so a raw tar name works too; "" (a layer's "./" entry)
 * updates the root directory's metadata.  An entry below a symlink to a directory lands in
 * that directory, as docker's and containerd's appliers put it.  Skipped with a warning
 * (imgb_view_warning_at): a name escaping the root, an entry below a file or a dangling
 * symlink, a hardlink whose target is missing or a directory.  Whiteouts matching nothing
 * still count as applied; aufs metadata (".wh..wh.plnk" and the like) is ignored, an entry
 * below any other ".wh."-named directory is skipped with a warning.
 * Returns 0, or IMGB_ELIMIT when the total content cap is exceeded (the file is then kept
 * without content and a warning is recorded; the caller may continue), or IMGB_EINVAL when
 * `layer` is lower than a layer already applied.
 */
int imgb_view_apply(imgb_view *view, int layer, const imgb_entry *e);

/** Number of whiteouts (incl. opaque markers) applied so far. */
size_t imgb_view_whiteouts(const imgb_view *view);

/**
 * Look up `path` ("/etc/passwd" or "etc/passwd").  With `follow`, symlinks in every component
 * including the last are resolved inside the image root; without it, like lstat(2), only the
 * last component is not followed.  "." components and repeated or trailing "/" are ignored
 * as in imgb_path_normalize ("etc/passwd/." is "etc/passwd"); ".." goes to the real parent of
 * the resolved directory and stays at the root.  Returns 0, IMGB_ENOTFOUND or
 * IMGB_ELOOP (message names the path).
 */
int imgb_view_lookup(const imgb_view *view, const char *path, bool follow, imgb_node_info *out);

/**
 * Content of the whole file at `path` (following symlinks).  Returns 0 with `*data`/`*len`
 * borrowed from the view, IMGB_ENOTFOUND, IMGB_ELOOP, IMGB_ERROR if the path is not a
 * regular file or its content was not kept, or IMGB_ELIMIT when the file is larger than the
 * per-file content cap (the message names the file, its size and the cap): a parser must
 * never judge a prefix as if it were the file, or padding would hide a setting.
 */
int imgb_view_read(const imgb_view *view, const char *path, const unsigned char **data,
                   size_t *len);

/** As imgb_view_read, but a file cut at the cap gives its prefix with `*truncated` set: for
 *  readers that can use a part soundly (a match found in it is a match). */
int imgb_view_read_prefix(const imgb_view *view, const char *path, const unsigned char **data,
                          size_t *len, bool *truncated);

/**
 * Call `cb` for every path matching the fnmatch(3) `pattern` (with leading "/"; FNM_PATHNAME,
 * so "*" does not cross "/"), in byte-sorted order.  The literal directory part of the pattern
 * (the components before the first one holding "*?[\\") is resolved through symlinks like
 * glob(3) would, and the real directory is listed: info->path is the real path
 * ("/etc/ssh/[*].conf" with /etc/ssh -> /opt/ssh reports "opt/ssh/a.conf").  Symlinks matched
 * by a wildcard component are not followed.  "*" also matches names starting with ".".  A last
 * component "[**]" matches the whole subtree.  A non-zero return from `cb` stops and is returned.
 */
int imgb_view_glob(const imgb_view *view, const char *pattern,
                   int (*cb)(const imgb_node_info *info, void *payload), void *payload);

/** Call `cb` for every node but the root (pre-order, children byte-sorted by name).
 *  Non-zero from `cb` stops and is returned. */
int imgb_view_walk(const imgb_view *view,
                   int (*cb)(const imgb_node_info *info, void *payload), void *payload);

/** Files deleted or overwritten by later layers, in the order it happened (the files of one
 *  deletion byte-sorted by path).  Same-layer duplicates are not recorded. */
size_t imgb_view_removed_count(const imgb_view *view);
const imgb_removed *imgb_view_removed_at(const imgb_view *view, size_t i);

/** Number of nodes (excluding the root). */
size_t imgb_view_count(const imgb_view *view);

/**
 * Regular files a keep pattern asked for under another name: a path wanted by an
 * imgb_view_keep pattern (not a local one) that is a symlink (or lies below a symlink to a
 * directory) resolving to a file whose own path matches no pattern, so its bytes streamed by unkept ("/etc/ssh/sshd_config" -> "/opt/ssh/sshd_config").
 * `cb` gets each such file once, byte-sorted: info->path is the real path and info->layer
 * the layer that wrote it, so a reader can stream that layer again and hand the bytes over
 * with imgb_view_set_content().  Non-zero from `cb` stops and is returned.
 */
int imgb_view_unkept_targets(const imgb_view *view,
                             int (*cb)(const imgb_node_info *info, void *payload), void *payload);

/**
 * Attach content to the regular file at `path` (normalised or with a leading "/"; exact, no
 * symlinks followed), replacing what was kept, within the per-file and total caps.
 * Hardlinked names keep their own copy.  Returns 0, IMGB_ENOTFOUND, IMGB_ERROR (not a
 * regular file) or IMGB_ELIMIT (nothing changed).
 */
int imgb_view_set_content(imgb_view *view, const char *path, const unsigned char *data,
                          size_t len, bool truncated);

/** Warnings recorded while applying (skipped entries, content caps), one line each naming
 *  the layer index, at most IMGB_MAX_VIEW_WARNINGS.  Strings borrowed from the view. */
size_t imgb_view_warning_count(const imgb_view *view);
const char *imgb_view_warning_at(const imgb_view *view, size_t i);

/** Bytes the view holds (nodes, names, link targets, kept content, index); excludes
 *  allocator overhead.  For limits and benchmarks. */
size_t imgb_view_memory(const imgb_view *view);

/**
 * Normalise a path from a tar entry: strips leading "/" and "./", collapses "//" and "."
 * components and a trailing "/".  Returns a malloc'd string (caller frees), or NULL when the
 * name contains a ".." component, is empty after normalisation, or is longer than
 * IMGB_MAX_PATH.
 */
char *imgb_path_normalize(const char *name);

#endif
