/*
 * Test helper: build container images for the test suites, with libarchive (in process) or
 * with the real tools (tests/support/build-image.sh: GNU tar + umoci + skopeo).
 *
 *   1. imgbuild_layer_write(): one layer tar from an array of imgbuild_file specs, plain, gzip
 *      or zstd, with its blob digest and diff_id.  Names are written verbatim, so hostile
 *      archives ("../../etc/x", "/abs", "./a") are one spec away.
 *   2. imgbuild_image_write(): assemble layers + a config into a docker-archive (legacy or as
 *      Docker 25+ writes it), an oci-archive or an OCI layout directory, optionally with the
 *      whole archive gzip/zstd-compressed.
 *   3. Temp dirs under the build tree, a recursive remover, a shell runner, byte flipping.
 *
 * Typical use:
 *     char *dir = imgbuild_tmpdir("mytest");
 *     imgbuild_file files[] = {
 *         { .path = "etc/", .type = IMGBUILD_DIR },
 *         { .path = "etc/passwd", .content = "root:x:0:0::/root:/bin/sh\n" },
 *     };
 *     imgbuild_layer layer;
 *     imgbuild_layer_write(&layer, dir, files, 2, IMGBUILD_GZIP);
 *     imgbuild_image img = { .layers = &layer, .nlayers = 1, .ref = "test:1" };
 *     char *out = imgbuild_path(dir, "img.tar");
 *     imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
 *     ... imgb_image_open(&i, out, NULL) ...
 *     imgbuild_layer_dispose(&layer); free(out); imgbuild_rmtree(dir); free(dir);
 *
 * Every function aborts the test (ck_abort_msg) on failure, so callers need no error paths.
 * Tests: used by every tests/test_*.c; exercised most by tests/test_image.c.
 */
#ifndef IMGB_TESTS_IMGBUILD_H
#define IMGB_TESTS_IMGBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum imgbuild_type {
    IMGBUILD_FILE = 0,  /* regular file with `content` */
    IMGBUILD_DIR,
    IMGBUILD_SYMLINK,   /* `link` is the target, written verbatim */
    IMGBUILD_HARDLINK,  /* `link` is the path of an earlier entry of the same layer */
    IMGBUILD_WHITEOUT,  /* deletes `path`: written as "<dir>/.wh.<name>" */
    IMGBUILD_OPAQUE,    /* `path` is a directory: written as "<path>/.wh..wh..opq" */
} imgbuild_type;

typedef struct imgbuild_file {
    const char *path;      /* tar name, verbatim (no normalisation: hostile names allowed) */
    imgbuild_type type;
    const char *content;   /* IMGBUILD_FILE: bytes (NULL: empty) */
    size_t content_len;    /* 0: strlen(content) */
    unsigned mode;         /* permission bits; 0: 0644 file, 0755 dir, 0777 symlink */
    unsigned uid, gid;
    const char *link;      /* symlink / hardlink target */
    int64_t mtime;         /* 0: IMGBUILD_MTIME */
    bool mode_exact;       /* write `mode` as is, even 0 (chmod 000 files) */
} imgbuild_file;

#define IMGBUILD_MTIME 1700000000

typedef enum imgbuild_compression {
    IMGBUILD_PLAIN = 0,
    IMGBUILD_GZIP,
    IMGBUILD_ZSTD,
} imgbuild_compression;

/* A layer blob written to a file.  Fields may be edited before assembling an image (e.g. a
 * wrong diff_id, a misleading media_type, omit=true for a manifest naming a missing blob). */
typedef struct imgbuild_layer {
    char *path;            /* the blob file (malloc'd) */
    char *digest;          /* "sha256:<hex>" of the blob (malloc'd) */
    char *diff_id;         /* "sha256:<hex>" of the uncompressed tar (malloc'd) */
    uint64_t size;         /* blob size */
    uint64_t tar_size;     /* uncompressed size */
    imgbuild_compression compression;
    char *media_type;      /* OCI media type matching the compression (malloc'd) */
    bool omit;             /* referenced by the manifest but not written into the image */
} imgbuild_layer;

/**
 * Write a layer of `n` entries into a new file in `dir` (named after its digest) and fill
 * `out`.  Parent directories are NOT added implicitly (add them as IMGBUILD_DIR when wanted).
 */
void imgbuild_layer_write(imgbuild_layer *out, const char *dir, const imgbuild_file *files,
                          size_t n, imgbuild_compression c);

/**
 * A zstd layer holding one regular file `name` of `size` zero bytes (multi-GB allowed) that
 * compresses to kilobytes: the decompression bomb.  Built from repeated zstd frames, fast.
 */
void imgbuild_layer_bomb(imgbuild_layer *out, const char *dir, const char *name, uint64_t size);

/** Cut the blob file of `layer` to `keep` bytes (truncated layer; digest fields untouched). */
void imgbuild_truncate(const char *path, uint64_t keep);
/** XOR the byte at `offset` of file `path` with 0xff (offset < 0: from the end). */
void imgbuild_flip_byte(const char *path, int64_t offset);
/** `n` pseudo-random hex digits from `seed` (xorshift32), NUL-terminated, malloc'd: file
 *  content that gzip cannot shrink below half, for blobs of a chosen size. */
char *imgbuild_noise(size_t n, uint32_t seed);
void imgbuild_layer_dispose(imgbuild_layer *layer);

typedef struct imgbuild_history {
    const char *created_by;
    bool empty_layer;      /* true: no layer (ENV, CMD, ...) */
    const char *comment;
} imgbuild_history;

/* One image.  Strings are borrowed; NULL-terminated string arrays. */
typedef struct imgbuild_image {
    const imgbuild_layer *layers;
    size_t nlayers;
    const char *ref;               /* "name:tag" (RepoTags / ref.name); NULL: none */
    const char *const *extra_refs; /* more tags of the same image */
    const char *os;                /* NULL: "linux" */
    const char *arch;              /* NULL: "amd64" */
    const char *variant;
    const char *user;              /* config.User */
    const char *const *env;        /* "K=V" */
    const char *const *exposed_ports; /* "22/tcp" */
    const char *const *cmd;
    const char *const *entrypoint;
    const imgbuild_history *history; /* NULL: one "/bin/sh -c #(nop) ADD layer <i>" per layer */
    size_t nhistory;
    const char *config_raw;        /* used verbatim as the config blob (malformed JSON tests) */
    const char *created;           /* NULL: "2023-11-14T22:13:20Z" */
    const char *config_extra;      /* JSON object merged into config.config (Healthcheck,
                                      Volumes, ...); NULL: none */
} imgbuild_image;

typedef enum imgbuild_format {
    IMGBUILD_DOCKER_ARCHIVE = 0, /* legacy docker save: manifest.json, <id>/layer.tar, <hex>.json */
    IMGBUILD_DOCKER_OCI,         /* Docker 25+ docker save: OCI layout + manifest.json */
    IMGBUILD_OCI_ARCHIVE,        /* tar of an OCI layout */
    IMGBUILD_OCI_DIR,            /* OCI layout directory */
} imgbuild_format;

/* Metadata (manifest.json, repositories, index.json, oci-layout) is written after the blobs,
 * as docker save and skopeo do: readers of a compressed archive must cope with that. */
typedef struct imgbuild_options {
    imgbuild_compression outer; /* whole-archive compression (tar formats only) */
    bool platform_index;        /* OCI formats: the images are one multi-platform image (a
                                   nested index tagged with images[0].ref) */
    const char *manifest_json_raw; /* docker formats: manifest.json verbatim */
    const char *index_json_raw;    /* OCI formats: index.json verbatim */
} imgbuild_options;

/** Write `nimages` images to `out` (a file, or a directory for IMGBUILD_OCI_DIR). */
void imgbuild_image_write(const char *out, imgbuild_format fmt, const imgbuild_image *images,
                          size_t nimages, const imgbuild_options *opts /* NULL: defaults */);

/** A new empty directory under $IMGB_BINARY_DIR/tmp (else /tmp); caller frees the string. */
char *imgbuild_tmpdir(const char *tag);
/** Remove `path` recursively (never follows symlinks).  NULL-safe. */
void imgbuild_rmtree(const char *path);
/** "dir/name", malloc'd. */
char *imgbuild_path(const char *dir, const char *name);
/** Write `text` to dir/sub/name (sub created); returns dir/sub, malloc'd: e.g. a rules
 *  directory holding one YAML file for imgb_ruleset_load. */
char *imgbuild_text_dir(const char *dir, const char *sub, const char *name, const char *text);
/** Run a shell command (printf format); returns its exit status (-1 if it did not run). */
int imgbuild_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Path of tests/support/build-image.sh (from $IMGB_SOURCE_DIR); caller frees. */
char *imgbuild_script(void);
/** "sha256:<hex>" of `len` bytes, malloc'd. */
char *imgbuild_sha256(const void *data, size_t len);
/** "sha256:<hex>" of a file, malloc'd. */
char *imgbuild_sha256_file(const char *path);

/**
 * A Debian 10 image (docker-archive `work`/`name`/img.tar, reference cut:1) whose only layer
 * is cut to `keep` bytes inside its tar stream, with digests of the cut bytes: only the tar
 * reader can tell it is incomplete.  6000 cuts inside a file (the OS known), 800 inside the
 * first header (nothing read).  Returns the archive path, malloc'd.
 */
char *imgbuild_cut_image(const char *work, const char *name, uint64_t keep);
/** tools/make-sample-image.sh into `dir`; returns dir/sample-docker.tar, malloc'd. */
char *imgbuild_sample(const char *dir);

#endif
