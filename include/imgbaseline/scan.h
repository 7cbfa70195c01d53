/*
 * Scanning one image against a ruleset.
 *
 *   imgb_scan_options o;
 *   imgb_scan_options_init(&o, IMGB_SCAN_OPTIONS_VERSION);
 *   o.jobs = 2;
 *   imgb_scan_result *res;
 *   if (imgb_scan(&res, rs, "app.tar", &o) < 0) fprintf(stderr, "%s\n", imgb_error_last());
 *
 * The image is a docker-archive, an oci-archive (each possibly gzip/zstd-compressed as a
 * whole) or an OCI layout directory, "-" (such an archive on stdin), an image in a registry
 * ("docker://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]"), or skopeo's explicit forms
 * "oci:DIR[:REF]", "oci-archive:FILE[:REF]", "docker-archive:FILE[:REF]"; nothing is
 * extracted to disk.  A scan that returns 0
 * may still be incomplete (truncated image, content cut at a cap): see imgb_result_complete().
 */
#ifndef IMGBASELINE_SCAN_H
#define IMGBASELINE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "ruleset.h"

IMGB_BEGIN_DECLS

typedef struct imgb_scan_result imgb_scan_result;

/** Stages reported to the progress callback, in order. */
typedef enum imgb_stage {
    IMGB_STAGE_OPEN = 0,   /**< reading manifest and config */
    IMGB_STAGE_READ,       /**< streaming layers (layer, nlayers, bytes) */
    IMGB_STAGE_DETECT,     /**< identifying the OS and choosing baselines */
    IMGB_STAGE_EVALUATE,   /**< evaluating items (item names the item) */
    IMGB_STAGE_CRACK,      /**< weak-password cracking (accounts, candidates, budget) */
    IMGB_STAGE_DONE,
} imgb_stage;

/** What the scan is doing; passed to the progress callback (borrowed for the call). */
typedef struct imgb_progress {
    imgb_stage stage;
    size_t layer;              /**< READ: layer being applied (0-based) */
    size_t nlayers;            /**< READ: number of layers */
    uint64_t bytes;            /**< READ: compressed bytes of the layers applied so far */
    uint64_t total_bytes;      /**< READ: compressed bytes of all layers */
    const char *item;          /**< EVALUATE: item id */
    size_t accounts;           /**< CRACK: accounts with a crackable hash */
    size_t accounts_done;      /**< CRACK: accounts settled (found or exhausted) */
    uint64_t candidates;       /**< CRACK: candidates tried so far */
    double budget_left;        /**< CRACK: seconds left of the budget */
} imgb_progress;

/** Progress callback.  Called from the scanning thread or a worker of this scan, never
 *  concurrently with itself. */
typedef void (*imgb_progress_fn)(const imgb_progress *p, void *payload);
/** Cancel callback: return non-zero to stop the scan, which then fails with IMGB_ECANCELED.
 *  Polled between layers, items and cracking rounds (from any thread of this scan, never
 *  concurrently with itself). */
typedef int (*imgb_cancel_fn)(void *payload);

#define IMGB_SCAN_OPTIONS_VERSION 3

/** Scan options.  Initialise with imgb_scan_options_init(); fields added later go at the end
 *  with a new version, so a program built against this header keeps working. */
typedef struct imgb_scan_options {
    unsigned int version;          /**< IMGB_SCAN_OPTIONS_VERSION */
    const char *image_ref;         /**< pick one image of a multi-image archive (NULL: the only) */
    const char *platform;          /**< "os/arch[/variant]" of an index (NULL: linux/amd64) */
    int no_verify;                 /**< non-zero: skip digest checks (reported "unverified") */
    int jobs;                      /**< worker threads (<= 0: number of cores) */
    double weak_password_budget;   /**< cracking seconds per image (<= 0: 30) */
    const char *only_baseline;     /**< evaluate only this baseline key (NULL: all applicable) */
    uint64_t max_total_bytes;      /**< uncompressed bytes of all layers (0: built-in cap) */
    imgb_progress_fn progress;     /**< may be NULL */
    void *progress_payload;
    imgb_cancel_fn cancel;         /**< may be NULL */
    void *cancel_payload;
    /* version 2: images in registries (path "docker://HOST[:PORT]/REPO[:TAG|@DIGEST]") */
    const char *creds;             /**< "USER:PASSWORD" (NULL: the auth files); never printed */
    const char *auth_file;         /**< auth file (NULL: $REGISTRY_AUTH_FILE,
                                        $XDG_RUNTIME_DIR/containers/auth.json,
                                        ~/.config/containers/auth.json, ~/.docker/config.json) */
    int tls_no_verify;             /**< non-zero: accept any certificate and plain HTTP */
    double registry_timeout;       /**< seconds without progress before a transfer fails
                                        (<= 0: 30) */
    /* version 3: the base-image boundary (findings' origin: base, own or unknown) */
    int base_layers;               /**< layers of the base image (-1, the default: not given) */
    const char *base_image;        /**< a base image archive or layout whose layers are the
                                        first of the scanned image (NULL: none); without
                                        either, the image's org.opencontainers.image.base.*
                                        label or annotation, else unknown */
} imgb_scan_options;

/** Fill `opts` with the defaults for `version`.  @return 0, or IMGB_EINVAL for an unknown
 *  version. */
IMGB_API int imgb_scan_options_init(imgb_scan_options *opts, unsigned int version);

/**
 * Scan the image at `path` (file or OCI layout directory) against `rs`.  With `rs` NULL only
 * the image is read and the OS identified (what `inspect` shows).
 * @param[out] out the result (free with imgb_scan_result_free()); NULL on error.
 * @return 0, or a negative IMGB_E* code with a message naming the file and layer.
 */
IMGB_API int imgb_scan(imgb_scan_result **out, const imgb_ruleset *rs, const char *path,
                       const imgb_scan_options *opts);

/**
 * Scan an image read from `fd` (a pipe or a file; read to its end, not closed).  `name`
 * stands for the image in messages and reports (e.g. "-").  Same results as imgb_scan().
 * A pipe is read once, never seeked: layers that follow the manifest and config are parsed
 * as they arrive; layers before them (docker save writes blobs first) wait in one unlinked
 * temporary file in $TMPDIR (at most 64 GiB), gone on every exit.  A stream that ends early
 * is an error.
 */
IMGB_API int imgb_scan_fd(imgb_scan_result **out, const imgb_ruleset *rs, int fd,
                          const char *name, const imgb_scan_options *opts);

/** Free a result and everything borrowed from it (NULL-safe). */
IMGB_API void imgb_scan_result_free(imgb_scan_result *res);

IMGB_END_DECLS

#endif
