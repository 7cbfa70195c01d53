/*
 * Reading container images: docker-archive (legacy and Docker 25+), oci-archive, OCI layout
 * directories, optionally with the whole archive gzip/zstd-compressed; layers plain, gzip or
 * zstd.  Every blob is hashed while streaming and checked against its digest; uncompressed
 * layers against the config's rootfs.diff_ids.  Layers stream once, in order, into an
 * imgb_view; file content also flows through registered consumers (secret scanning) without
 * being stored.  Nothing is ever extracted to disk.
 *
 * Tests: tests/test_image.c (formats, verification, limits, hostile archives).
 */
#ifndef IMGB_IMAGE_IMAGE_H
#define IMGB_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fs/view.h"

typedef struct imgb_read_options {
    const char *image_ref;      /* --image: select one of several images (NULL: the only one) */
    const char *platform;       /* --platform os/arch[/variant] (NULL: linux/amd64) */
    bool no_verify;             /* --no-verify: skip digest checks ("unverified") */
    int jobs;                   /* concurrent layer decompression (<= 0: number of cores) */
    uint64_t max_total_bytes;   /* 0: IMGB_MAX_TOTAL_BYTES */
    size_t max_entries_per_layer; /* 0: IMGB_MAX_ENTRIES_PER_LAYER */
    unsigned max_ratio;         /* 0: IMGB_MAX_COMPRESSION_RATIO */
    uint64_t max_spill_bytes;   /* 0: IMGB_MAX_SPILL_BYTES (pipe input, layers before manifest) */
    /* registries (docker://) */
    const char *creds;          /* "USER:PASSWORD" (--creds); NULL: the auth files */
    const char *auth_file;      /* --authfile; NULL: $REGISTRY_AUTH_FILE, containers, docker */
    bool tls_no_verify;         /* --tls-verify=false: no certificate check, plain HTTP allowed */
    double net_timeout;         /* seconds without progress before a transfer fails (<= 0: 30) */
    int net_retries;            /* attempts per request on 429/5xx/resets (<= 0: 4) */
    /* Called on the merging thread after each layer is applied (progress, cancel): non-zero
     * stops the read with IMGB_ECANCELED.  `bytes` counts the compressed blobs applied. */
    int (*on_layer)(void *payload, size_t layer, size_t nlayers, uint64_t bytes,
                    uint64_t total_bytes);
    void *on_layer_payload;
} imgb_read_options;

typedef struct imgb_layer_info {
    char *digest;               /* blob digest "sha256:<hex>" */
    char *diff_id;              /* config rootfs.diff_ids[i] (NULL if absent) */
    char *media_type;           /* as declared (NULL for legacy docker-archive) */
    const char *compression;    /* "none", "gzip", "zstd" (detected by magic bytes) */
    uint64_t compressed_size;   /* blob size in bytes */
    uint64_t uncompressed_size; /* tar stream size, known after reading */
    size_t entries;             /* tar entries, known after reading */
    int history_index;          /* history entry that produced this layer, -1 if unknown */
} imgb_layer_info;

typedef struct imgb_history {
    char *created_by;           /* may be NULL */
    char *created;              /* RFC 3339 or NULL */
    char *comment;
    bool empty_layer;
    int layer;                  /* index into layers, -1 for empty_layer entries */
} imgb_history;

typedef struct imgb_consumer imgb_consumer;

/*
 * A content consumer (e.g. the access-key scanner) sees every regular file of every layer,
 * including files later deleted or overwritten (not the ".wh." whiteout markers).  layer_begin, file_begin, file_data and
 * file_end run on a worker thread, concurrently for different layers, so per-layer state
 * belongs in the object returned by layer_begin; layer_end runs on the merging thread in
 * layer order and is where results are collected.  Return non-zero from a callback to abort
 * the read with that code.
 */
struct imgb_consumer {
    void *payload;
    void *(*layer_begin)(void *payload, int layer, const imgb_layer_info *info);
    /* Return false to skip this file's data (file_data/file_end are then not called). */
    bool (*file_begin)(void *layer_state, const imgb_entry *e);
    int (*file_data)(void *layer_state, const unsigned char *buf, size_t len, uint64_t offset);
    int (*file_end)(void *layer_state);
    int (*layer_end)(void *payload, void *layer_state, int layer);
};

/* An opened image: identity and metadata, all read and verified; layers not yet read. */
typedef struct imgb_image {
    char *path;
    const char *format;         /* "docker-archive", "docker-archive+oci", "oci-archive", "oci-dir",
                                   "registry" */
    /* docker:// images: where the image came from (NULL otherwise) */
    char *registry;             /* "registry.example.com:5000" ("docker.io" for Docker Hub) */
    char *repository;           /* "team/app" ("library/alpine" on Docker Hub) */
    char *tag;                  /* NULL when pinned by digest only */
    const char *outer_compression; /* "none", "gzip", "zstd" */
    char **refs;                /* references of the selected image (RepoTags, ref.name) */
    size_t nrefs;
    char **all_refs;            /* every image in the archive (for listings) */
    size_t nall_refs;
    char *manifest_digest;      /* "sha256:<hex>" of the manifest blob; legacy docker-archive
                                   has none: there it is the sha256 of the selected
                                   manifest.json entry serialised compact with sorted keys */
    char *config_digest;        /* "sha256:<hex>" */
    char *image_id;             /* hex of the config digest: the Docker image ID, our ImageUuid */
    char *os, *arch, *variant;  /* from the config */
    char *created;              /* config "created" */
    json_t *config;             /* the parsed config blob (borrowed by callers) */
    json_t *annotations;        /* the OCI manifest's annotations object, or NULL */
    imgb_layer_info *layers;
    size_t nlayers;
    imgb_history *history;
    size_t nhistory;
    bool verified;              /* false with --no-verify */
    bool truncated;             /* a layer's tar stream ended early, or the archive was cut
                                   short: the image is incomplete */
    char *truncated_why;        /* the archive's cut (NULL: a layer's; see warnings) */
    char **warnings;            /* one line each, naming the layer; after read_layers also
                                   the view's warnings (skipped entries, content caps) */
    size_t nwarnings;
    struct imgb_image_priv *priv;
} imgb_image;

/** Open `path` (file or OCI layout directory), detect its format, select the image and
 *  platform, read and verify manifest and config.  Free with imgb_image_free().
 *  Also: "-" (an archive on stdin, imgb_image_open_fd), "docker://HOST[:PORT]/REPO[:TAG|@DIGEST]"
 *  (a registry), and skopeo's explicit "oci:DIR[:REF]", "oci-archive:FILE",
 *  "docker-archive:FILE[:REF]". */
int imgb_image_open(imgb_image **out, const char *path, const imgb_read_options *opts);

/** Open an archive (plain, gzip or zstd tar) read once from `fd` (a pipe: never seeks);
 *  `name` names it in messages.  Layers that come before the manifest and config are kept
 *  in one unlinked temporary file (at most max_spill_bytes); layers after them are streamed.
 *  The fd is not closed. */
int imgb_image_open_fd(imgb_image **out, int fd, const char *name, const imgb_read_options *opts);

/**
 * Stream every layer into `view` (in order) and through `consumers`.  Verifies layer
 * digests and diff_ids unless no_verify.  Fills layers[i].uncompressed_size/entries and
 * appends warnings (escaping paths, truncated layers).  Returns 0 or an error naming the layer.
 */
int imgb_image_read_layers(imgb_image *img, imgb_view *view,
                           imgb_consumer *const *consumers, size_t nconsumers);

/* What reading the image cost (scan.stats in the native report). */
typedef struct imgb_read_stats {
    uint64_t bytes_read;        /* bytes read from the input file(s), every pass */
    uint64_t bytes_inflated;    /* bytes out of decompressors (outer archive and layers) */
    uint64_t bytes_parsed;      /* tar bytes parsed (plain layers included) */
    unsigned passes;            /* times the layer data was read: 1 is the rule */
    double inflate_ms;          /* CPU time in decompressors, summed over threads */
    double verify_ms;           /* CPU time in SHA-256, summed over threads */
    double apply_ms;            /* merging layers into the view */
} imgb_read_stats;

/** Counters of everything read so far (open and read_layers). */
void imgb_image_read_stats(const imgb_image *img, imgb_read_stats *out);

void imgb_image_free(imgb_image *img);

#endif
