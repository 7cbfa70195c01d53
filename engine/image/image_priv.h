/*
 * Internals of the image reader shared by its files:
 *   source.c    the input: OCI layout directory, plain tar (members located by offset, read
 *               through bounded windows), or a gzip/zstd-compressed tar file, read once as a
 *               pipe is (stream.c); when its layers do not fit the temporary file, as
 *               SRC_STREAM (small JSON members cached in a first pass, layers streamed in
 *               later passes)
 *   manifest.c  format detection, manifest/index/config parsing, image and platform selection
 *   layer.c     one layer: decompress, hash, parse tar into a per-layer entry list
 *   decode.c    blob decompression (ISA-L or zlib for gzip, libzstd) feeding the tar reader
 *   archive.c   the libarchive tar readers every file above opens, and their byte counts
 *   read.c      imgb_image_read_layers: workers, ordered merge, streaming passes
 */
#ifndef IMGB_IMAGE_PRIV_H
#define IMGB_IMAGE_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct archive;
struct archive_entry;
struct img_decoder;

#include "image/image.h"
#include "util/mem.h"

#define IMGB_IO_BLOCK (1u << 20)          /* read size for blobs and windows */
#define IMGB_SMALL_CACHE_MAX (64u << 20)  /* JSON members cached from a compressed archive */
#define IMGB_MAX_INDEX_DEPTH 4            /* nested OCI indexes */
#define IMGB_MAX_MEMBER_LINKS 8           /* symlink hops between outer-archive members */
#define IMGB_MAX_MEMBERS (1u << 20)       /* entries in the outer archive */

/* SRC_FD: a tar read once from a file descriptor (a pipe, or a compressed archive file),
 * stream.c; SRC_STREAM: a compressed archive file read in passes; SRC_REGISTRY: an OCI
 * distribution registry, registry.c. */
enum { SRC_DIR, SRC_TAR, SRC_STREAM, SRC_FD, SRC_REGISTRY };

/* One entry of the outer archive (tar inputs only). */
typedef struct img_member {
    char *name;            /* normalised: no "./" or leading "/" */
    uint64_t offset;       /* data offset in the (uncompressed) tar file */
    uint64_t size;
    char *link;            /* symlink members: resolved target name */
    unsigned char *data;   /* SRC_STREAM, SRC_FD: cached content of small members */
    bool cached;
    bool spilled;          /* SRC_FD: content at `offset` in the spill file */
    bool streamed;         /* SRC_FD: content went by and cannot be read again */
} img_member;

/* Byte and time counters of one read (scan.stats), shared by every thread of it. */
typedef struct img_counters {
    _Atomic uint64_t bytes_read;      /* from the input file(s) */
    _Atomic uint64_t bytes_inflated;  /* produced by decompressors (outer archive and layers) */
    _Atomic uint64_t bytes_parsed;    /* tar bytes handed to the layer parsers */
    _Atomic uint64_t inflate_ns;      /* in decompressors, summed over threads */
    _Atomic uint64_t verify_ns;       /* in SHA-256, summed over threads */
    _Atomic uint64_t apply_ns;        /* merging layers into the view (one thread) */
    _Atomic unsigned passes;          /* reads of layer data: 1 is the rule */
    _Atomic unsigned lent;            /* idle cores a layer took for its decoding (layer.c) */
} img_counters;

/** Nanoseconds of CLOCK_MONOTONIC (for the counters above). */
uint64_t imgb_now_ns(void);

typedef struct img_source {
    int kind;
    img_counters *counters; /* NULL: not counted */
    char *path;
    const char *outer;     /* "none", "gzip", "zstd" */
    img_member *members;
    size_t nmembers;
    struct img_fdsrc *fd;  /* SRC_FD state (stream.c) */
    bool reopenable;       /* SRC_FD over a compressed archive file: `path` can be read again */
    struct img_registry *reg; /* SRC_REGISTRY state (registry.c) */
    char *cut;             /* why the archive looks cut short though every member read
                              (no end-of-archive marker), or NULL; the image is incomplete */
} img_source;

/** Open `path`: "-" (stdin), "docker://...", "oci:DIR[:REF]", "oci-archive:FILE",
 *  "docker-archive:FILE", or a file or directory.  Transport options from `opts`. */
int imgb_src_open(img_source *src, const char *path, const imgb_read_options *opts,
                  img_counters *counters /* or NULL */);
void imgb_src_close(img_source *src);
/** At the end of a tar archive read front to back (ARCHIVE_EOF from `a`, the last member's
 *  data ending at `last_end`): note in src->cut when the end-of-archive marker is missing,
 *  and read the compressed stream `dec` (NULL: none) to its own end, so that a cut or
 *  corrupt gzip trailer or zstd frame end is an error.  Returns 0 or that error. */
int imgb_src_archive_end(img_source *src, const char *name, struct archive *a,
                         uint64_t last_end, struct img_decoder *dec);
/** Where the data of the entry just read by archive_read_next_header() ends (tar blocks). */
uint64_t imgb_src_data_end(struct archive *a, struct archive_entry *e);
/** A compressed archive file whose layers did not fit the temporary file: close the SRC_FD
 *  reading and index it as SRC_STREAM instead (one pass for the index, more for layers). */
int imgb_src_reopen_streamed(img_source *src);
/** Find a member by name (following member symlinks); NULL if absent.  Tar kinds only. */
const img_member *imgb_src_find(const img_source *src, const char *name);
/** Does `name` exist (any kind)?  Fills *size when non-NULL. */
bool imgb_src_exists(const img_source *src, const char *name, uint64_t *size);
/** Read a whole member of at most `max` bytes (malloc'd, NUL-terminated). */
int imgb_src_read_small(const img_source *src, const char *name, size_t max,
                        unsigned char **out, size_t *len);

/* A pull-style byte source for one blob: returns bytes available (0 at end, <0 error). */
typedef struct img_reader {
    ssize_t (*read)(struct img_reader *r, const void **buf);
    void (*close)(struct img_reader *r);
} img_reader;

/** A reader over member `name` of a DIR or TAR source (own file descriptor: thread-safe). */
int imgb_src_window(const img_source *src, const char *name, img_reader **out);

/* ---- SRC_FD (stream.c): a tar from a pipe, read once.  During open, small members are
 * cached and a large one stops the read ("pending"): the caller either finds the image
 * complete (the stream then continues into the layers) or spills it to the one temporary
 * file and advances.  Members that come before they are due are spilled, never held. */
int imgb_fdsrc_open(img_source *src, int fd, const char *name, const imgb_read_options *opts);
/** The same over a descriptor the source then owns (closed by imgb_src_close). */
int imgb_fdsrc_open_owned(img_source *src, int fd, const char *name,
                          const imgb_read_options *opts);
/** Did the temporary file refuse a member (its bound, or the disk)? */
bool imgb_fdsrc_spill_failed(const img_source *src);
/** Read members up to the next large one (*pending) or the end (!*pending). */
int imgb_fdsrc_advance(img_source *src, bool *pending);
/** The pending member (NULL if none). */
const img_member *imgb_fdsrc_pending(const img_source *src);
/** Copy the pending member to the spill file. */
int imgb_fdsrc_spill(img_source *src);
/** Discard the pending member's content. */
int imgb_fdsrc_skip(img_source *src);
/** Read (and discard) the rest of the stream to its end: a cut after the last layer is then
 *  noticed (src->cut), and the writer of the pipe is not killed by SIGPIPE. */
int imgb_fdsrc_drain(img_source *src);
/** A reader over the pending member straight from the stream (one use; then "streamed"). */
int imgb_fdsrc_stream(img_source *src, img_reader **out);
/** The spill file's descriptor (-1: none). */
int imgb_fdsrc_spill_fd(const img_source *src);
/** Fill `m` from a tar header of the outer archive (name normalised, links resolved);
 *  non-zero: not a member we track (directories, ".." names). */
int imgb_src_member_from_entry(const img_source *src, struct archive_entry *e, img_member *m);
/** Has the whole input been read (every member cached or spilled)? */
bool imgb_fdsrc_at_end(const img_source *src);
void imgb_fdsrc_close(img_source *src);
/** Can `name` be read (again) with imgb_src_window? */
bool imgb_src_rereadable(const img_source *src, const char *name);

/* ---- SRC_REGISTRY (registry.c): blobs and manifests over HTTP(S).  "index.json" is made up
 * from the reference (one entry: the tagged or pinned manifest or index, annotated with the
 * reference), "blobs/sha256/<hex>" map to the manifests or blobs endpoint. */
int imgb_reg_open(img_source *src, const char *ref, const imgb_read_options *opts);
int imgb_reg_read_small(const img_source *src, const char *name, size_t max,
                        unsigned char **out, size_t *len);
int imgb_reg_window(const img_source *src, const char *name, img_reader **out);
void imgb_reg_close(img_source *src);
/** The registry identity of an opened reference (borrowed strings). */
void imgb_reg_identity(const img_source *src, const char **registry, const char **repository,
                       const char **tag, const char **digest);
/* ---- archive.c: the one libarchive set-up ------------------------------------------------- */

struct archive;

/** A tar reader (ustar, pax, GNU) over the archive file `path`, which is decompressed through
 *  imgb_decoder when `compressed`; bytes read and inflated go to `counters` (may be NULL).
 *  Returns 0 with *out to free with archive_read_free(), or an error ("PATH: WHAT"). */
int imgb_archive_open_file(struct archive **out, const char *path, bool compressed,
                           img_counters *counters, struct img_decoder **dec /* or NULL */);
/** A tar reader over a stream read once from `fd` (a pipe; not closed), through the decoder
 *  whatever its compression; *dec (may be NULL) is the decoder, for its compression name. */
int imgb_archive_open_fd(struct archive **out, int fd, const char *name, img_counters *counters,
                         struct img_decoder **dec);
/** A tar reader pulling its bytes from `read` (layer.c).  Returns archive_read_open()'s
 *  status; *out is set either way (its error string says why) and freed by the caller. */
int imgb_archive_open_cb(struct archive **out, void *ctx,
                         long (*read)(void *ctx, const void **buf));

/* ---- decode.c ----------------------------------------------------------------------------- */

/* Compressed bytes for a decoder: >0 bytes at *buf, 0 at the end, <0 on a read error. */
typedef long (*img_pull_fn)(void *arg, const void **buf);
typedef struct img_decoder img_decoder;
enum { IMGB_DEC_READ = -1, IMGB_DEC_CORRUPT = -2 };
#define IMGB_DEC_OUT_BLOCK (256u << 10) /* most bytes one imgb_decoder_read returns inflated */

img_decoder *imgb_decoder_new(img_pull_fn pull, void *arg);
/** Next decompressed bytes (borrowed until the next call): >0, 0 at the end, IMGB_DEC_READ
 *  (the pull failed) or IMGB_DEC_CORRUPT (imgb_decoder_error says why). */
long imgb_decoder_read(img_decoder *d, const void **buf);
/** "gzip", "zstd", "none" once the first read has looked at the magic bytes, else "unknown". */
const char *imgb_decoder_compression(const img_decoder *d);
const char *imgb_decoder_error(const img_decoder *d);
void imgb_decoder_free(img_decoder *d);

/* "sha256:<hex>" helpers */
bool imgb_digest_valid(const char *digest);
char *imgb_digest_hex(EVP_MD_CTX *ctx);             /* finalises; malloc'd "sha256:<hex>" */
char *imgb_digest_of(const void *data, size_t len); /* malloc'd "sha256:<hex>" */

/* One entry parsed from a layer, kept until the merging thread applies it. */
typedef struct img_entry {
    char *path;
    char *link;
    unsigned char *content;
    size_t content_len;
    bool content_truncated;
    imgb_ftype type;
    uint32_t mode, uid, gid;
    uint64_t size;
    int64_t mtime;
} img_entry;

/* The work and result of parsing one layer. */
typedef struct img_layer_job {
    /* in */
    int index;
    const char *member;             /* the blob's name in the archive, for messages */
    const imgb_layer_info *info;
    bool verify;
    size_t max_entries;
    unsigned max_ratio;
    uint64_t max_total;
    _Atomic uint64_t *total_bytes;  /* shared across layers */
    img_counters *counters;         /* scan.stats (may be NULL) */
    bool pipeline;                  /* inflate on a second thread (a core is spare) */
    _Atomic int *spare;             /* cores of the read left idle (workers out of layers):
                                       a layer being parsed takes one for its inflate thread
                                       (layer.c, pipe_claim); NULL: never */
    const imgb_view *view;          /* keep patterns (thread-safe lookups) */
    imgb_consumer *const *consumers;
    size_t nconsumers;
    img_reader *reader;
    /* second pass (read.c, refill): only these paths (normalised, strcmp-sorted) are kept,
     * every other entry is skipped; consumers and view are then unset */
    const char *const *refill;
    size_t nrefill;
    /* out */
    img_entry *entries;
    size_t nentries, capentries;
    char **warnings;
    size_t nwarnings;
    void **consumer_state;
    char *blob_digest;              /* computed */
    char *diff_digest;
    const char *compression;
    uint64_t compressed_size, uncompressed_size;
    size_t tar_entries;
    bool truncated;                 /* the tar stream ended early */
    int err;
    char *errmsg;
} img_layer_job;

/** Parse one layer (runs on a worker thread).  Result in job->err / job->errmsg. */
void imgb_layer_parse(img_layer_job *job);
void imgb_layer_job_dispose(img_layer_job *job);

/* Private part of imgb_image. */
typedef struct imgb_image_priv {
    img_source src;
    char **layer_names;    /* member names of the layers in the source */
    imgb_read_options opts;
    bool read_done;
    img_counters counters;
} imgb_image_priv;

void imgb_image_warn(imgb_image *img, char *msg /* takes ownership */);

#endif
