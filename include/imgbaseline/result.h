/*
 * What a scan found: the image's identity, its OS and sshd, the baselines applied (and those
 * skipped, with reasons), every item's verdict and evidence, and counts.  Everything is read
 * through accessors, so the layout can grow without breaking programs.  Every pointer returned
 * here is borrowed from the result and lives until imgb_scan_result_free().
 *
 *   for (size_t b = 0; b < imgb_result_baseline_count(res); b++) {
 *       const imgb_baseline_result *br = imgb_result_baseline_at(res, b);
 *       for (size_t i = 0; i < imgb_baseline_result_item_count(br); i++) {
 *           const imgb_item_result *ir = imgb_baseline_result_item(br, i);
 *           if (imgb_item_result_verdict(ir) == IMGB_V_FAIL) ...
 *       }
 *   }
 */
#ifndef IMGBASELINE_RESULT_H
#define IMGBASELINE_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "ruleset.h"
#include "scan.h"

IMGB_BEGIN_DECLS

typedef struct imgb_baseline_result imgb_baseline_result;
typedef struct imgb_item_result imgb_item_result;
typedef struct imgb_evidence imgb_evidence;

/** An item's (or one piece of evidence's) verdict. */
typedef enum imgb_verdict {
    IMGB_V_PASS = 0,
    IMGB_V_FAIL,
    IMGB_V_NOT_APPLICABLE, /**< e.g. SSH items without openssh-server: never counted as pass */
    IMGB_V_ERROR,          /**< file unreadable, symlink loop, parse error */
    IMGB_V_INCOMPLETE,     /**< cut short (weak-password budget, a cap): never a pass */
} imgb_verdict;

/** Whether a finding comes from the base image or from the image's own layers. */
typedef enum imgb_origin {
    IMGB_ORIGIN_UNKNOWN = 0, /**< no base boundary known, or nothing in the image to attribute */
    IMGB_ORIGIN_BASE,        /**< a layer (or history entry) of the base image */
    IMGB_ORIGIN_OWN,         /**< a layer the image added on top of its base */
} imgb_origin;

/** "unknown", "base", "own" (static). */
IMGB_API const char *imgb_origin_name(imgb_origin o);

/** "pass", "fail", "not_applicable", "error", "incomplete" (static). */
IMGB_API const char *imgb_verdict_name(imgb_verdict v);

/** String attributes of a result, for imgb_result_attr(). */
typedef enum imgb_result_attr_id {
    IMGB_R_IMAGE_PATH = 0,      /**< what was scanned, as given */
    IMGB_R_IMAGE_FORMAT,        /**< "docker-archive", "oci-archive", "oci-dir", ... */
    IMGB_R_OUTER_COMPRESSION,   /**< "none", "gzip", "zstd" */
    IMGB_R_MANIFEST_DIGEST,     /**< "sha256:..." */
    IMGB_R_CONFIG_DIGEST,       /**< "sha256:..." */
    IMGB_R_IMAGE_ID,            /**< hex of the config digest (ImageUuid, image_id) */
    IMGB_R_PLATFORM,            /**< "linux/amd64[/variant]" */
    IMGB_R_CREATED,             /**< config "created" (RFC 3339) */
    IMGB_R_OS_ID,               /**< os-release ID ("debian") */
    IMGB_R_OS_VERSION_ID,       /**< os-release VERSION_ID ("10") */
    IMGB_R_OS_PRETTY_NAME,
    IMGB_R_OS_FAMILY,           /**< "rhel", "debian", "alpine", "suse", "other" */
    IMGB_R_OS_SOURCE,           /**< the file the identity came from */
    IMGB_R_SSHD_VERSION,        /**< upstream OpenSSH version ("7.4p1") */
    IMGB_R_SSHD_PACKAGE_VERSION,/**< as the package database says */
    IMGB_R_SSHD_SOURCE,         /**< where the version came from */
    IMGB_R_SSHD_DISTRO_PATCH,   /**< "el7" for the RHEL 7 patches, else NULL */
    IMGB_R_BASE_SOURCE,         /**< how the base boundary was found, or why it is unknown */
    IMGB_R_BASE_NAME,           /**< the base image's name when declared or given */
    IMGB_R_BASE_DIGEST,         /**< the base image's manifest digest when declared or given */
} imgb_result_attr_id;

/** A string attribute of `res` (borrowed; NULL when unknown). */
IMGB_API const char *imgb_result_attr(const imgb_scan_result *res, imgb_result_attr_id attr);

/** Non-zero when digests were verified (0 with no_verify). */
IMGB_API int imgb_result_verified(const imgb_scan_result *res);
/** Non-zero when openssh-server is installed. */
IMGB_API int imgb_result_sshd_installed(const imgb_scan_result *res);
/** Non-zero when the whole image was read and every item could be judged (no error or
 *  incomplete verdict, no truncated layer, OS identified where OS baselines would apply). */
IMGB_API int imgb_result_complete(const imgb_scan_result *res);
/** Non-zero when the image itself was read in full and identified (no truncated layer; the
 *  OS known where OS baselines would apply).  Items may still be unjudged. */
IMGB_API int imgb_result_image_complete(const imgb_scan_result *res);
/** Why the result is not complete, one line naming the image (borrowed; NULL when
 *  imgb_result_complete()).  The image-level cause comes first. */
IMGB_API const char *imgb_result_incomplete_reason(const imgb_scan_result *res);
/** Scan start and end, ms since the epoch. */
IMGB_API int64_t imgb_result_started_ms(const imgb_scan_result *res);
IMGB_API int64_t imgb_result_finished_ms(const imgb_scan_result *res);

/** References of the scanned image (RepoTags, org.opencontainers.image.ref.name). */
IMGB_API size_t imgb_result_ref_count(const imgb_scan_result *res);
IMGB_API const char *imgb_result_ref(const imgb_scan_result *res, size_t i);

/** Scan warnings (image, view and scan), one line each. */
IMGB_API size_t imgb_result_warning_count(const imgb_scan_result *res);
IMGB_API const char *imgb_result_warning(const imgb_scan_result *res, size_t i);

/** Number of layers that belong to the base image, or -1 when the boundary is unknown
 *  (see IMGB_R_BASE_SOURCE for why). */
IMGB_API int imgb_result_base_layers(const imgb_scan_result *res);

/** Layers, in order. */
IMGB_API size_t imgb_result_layer_count(const imgb_scan_result *res);

/** String attributes of a layer, for imgb_result_layer_attr(). */
typedef enum imgb_layer_attr_id {
    IMGB_L_DIGEST = 0,     /**< blob digest */
    IMGB_L_DIFF_ID,        /**< config rootfs.diff_ids[i] */
    IMGB_L_MEDIA_TYPE,
    IMGB_L_COMPRESSION,    /**< "none", "gzip", "zstd" */
    IMGB_L_CREATED_BY,     /**< the history entry that made it */
} imgb_layer_attr_id;

/** A string attribute of layer `i` (borrowed; NULL when unknown or out of range). */
IMGB_API const char *imgb_result_layer_attr(const imgb_scan_result *res, size_t i,
                                            imgb_layer_attr_id attr);
/** Sizes of layer `i`: compressed blob bytes, tar bytes and tar entries (0 if out of range). */
IMGB_API uint64_t imgb_result_layer_size(const imgb_scan_result *res, size_t i);
IMGB_API uint64_t imgb_result_layer_uncompressed_size(const imgb_scan_result *res, size_t i);
IMGB_API size_t imgb_result_layer_entries(const imgb_scan_result *res, size_t i);

/** Baselines applied, in ruleset order. */
IMGB_API size_t imgb_result_baseline_count(const imgb_scan_result *res);
IMGB_API const imgb_baseline_result *imgb_result_baseline_at(const imgb_scan_result *res,
                                                             size_t i);
/** The applied baseline `key`, or NULL. */
IMGB_API const imgb_baseline_result *imgb_result_baseline(const imgb_scan_result *res,
                                                          const char *key);
/** The result of item `id` in any applied baseline, or NULL. */
IMGB_API const imgb_item_result *imgb_result_item(const imgb_scan_result *res, const char *id);

/** Baselines of the ruleset that did not apply, each with its reason. */
IMGB_API size_t imgb_result_skipped_count(const imgb_scan_result *res);
IMGB_API const imgb_baseline *imgb_result_skipped(const imgb_scan_result *res, size_t i,
                                                  const char **reason);

/** Counters, for imgb_result_count() and imgb_baseline_result_count(). */
typedef enum imgb_count_id {
    IMGB_COUNT_ITEMS = 0,
    IMGB_COUNT_PASSED,
    IMGB_COUNT_FAILED,         /**< all severities */
    IMGB_COUNT_FAILED_HIGH,
    IMGB_COUNT_FAILED_MEDIUM,
    IMGB_COUNT_FAILED_LOW,
    IMGB_COUNT_NOT_APPLICABLE,
    IMGB_COUNT_ERROR,
    IMGB_COUNT_INCOMPLETE,
} imgb_count_id;

/** A counter over every applied baseline. */
IMGB_API size_t imgb_result_count(const imgb_scan_result *res, imgb_count_id what);

/** The baseline of an applied-baseline result. */
IMGB_API const imgb_baseline *imgb_baseline_result_baseline(const imgb_baseline_result *br);
/** Why the baseline applies ("os-release ID=centos VERSION_ID=7", "every image"). */
IMGB_API const char *imgb_baseline_result_reason(const imgb_baseline_result *br);
/** A counter of one applied baseline. */
IMGB_API size_t imgb_baseline_result_count(const imgb_baseline_result *br, imgb_count_id what);
IMGB_API size_t imgb_baseline_result_item_count(const imgb_baseline_result *br);
IMGB_API const imgb_item_result *imgb_baseline_result_item(const imgb_baseline_result *br,
                                                           size_t i);

/** The rule item of an item result. */
IMGB_API const imgb_item *imgb_item_result_item(const imgb_item_result *ir);
IMGB_API imgb_verdict imgb_item_result_verdict(const imgb_item_result *ir);
/** Origin of an item, from its failing evidence (every evidence when none fails): own when
 *  any is own, else unknown when any is unknown, else base.  Unknown before base, so a gate
 *  scoped to own findings (--only-own) fails closed on what it cannot place. */
IMGB_API imgb_origin imgb_item_result_origin(const imgb_item_result *ir);
IMGB_API size_t imgb_item_result_evidence_count(const imgb_item_result *ir);
IMGB_API const imgb_evidence *imgb_item_result_evidence(const imgb_item_result *ir, size_t i);
/** Evidence left out past the per-item cap (1000 entries): counted exactly, not kept; the
 *  last entry then says "and N more not listed". */
IMGB_API size_t imgb_item_result_evidence_omitted(const imgb_item_result *ir);

/** String attributes of a piece of evidence, for imgb_evidence_attr(). */
typedef enum imgb_evidence_attr_id {
    IMGB_E_FILE = 0,       /**< path inside the image */
    IMGB_E_VALUE,          /**< effective value (masked when secret) */
    IMGB_E_SOURCE,         /**< where the value came from ("file:line", "compiled-in default") */
    IMGB_E_EXPECTED,       /**< the condition, e.g. "PermitRootLogin == no" */
    IMGB_E_MESSAGE,        /**< one line for people (never a password or a full secret) */
    IMGB_E_ACCOUNT,        /**< user name of account evidence */
    IMGB_E_LAYER_DIGEST,   /**< digest of the layer it came from */
    IMGB_E_LAYER_CMD,      /**< history created_by of that layer (secrets masked) */
    IMGB_E_FIX,            /**< Dockerfile snippet that fixes it (a RUN line), or NULL */
} imgb_evidence_attr_id;

/** A string attribute of `ev` (borrowed; NULL when unset). */
IMGB_API const char *imgb_evidence_attr(const imgb_evidence *ev, imgb_evidence_attr_id attr);

/** Integer attributes of a piece of evidence, for imgb_evidence_int(). */
typedef enum imgb_evidence_int_id {
    IMGB_E_LINE = 0,       /**< 1-based line, 0 if none */
    IMGB_E_OFFSET,         /**< byte offset in binary files, -1 if none */
    IMGB_E_LAYER,          /**< layer index, -1 if none */
    IMGB_E_LAYER_REMOVED,  /**< layer that deleted or overwrote the file, -1 if none */
    IMGB_E_HISTORY_INDEX,  /**< history entry, -1 if none */
    IMGB_E_ORIGIN,         /**< an imgb_origin */
} imgb_evidence_int_id;

/** An integer attribute of `ev`. */
IMGB_API int64_t imgb_evidence_int(const imgb_evidence *ev, imgb_evidence_int_id attr);
/** This evidence's own verdict (e.g. one account of many). */
IMGB_API imgb_verdict imgb_evidence_verdict(const imgb_evidence *ev);

IMGB_END_DECLS

#endif
