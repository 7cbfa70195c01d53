/*
 * imgbaseline — container-image security baseline scanner.
 *
 * The public contract of the engine.  Data flows one way:
 *   image archive -> layers -> merged filesystem view -> facts -> rule verdicts
 *   -> per-baseline aggregates -> renderers.
 * Errors: every fallible call returns 0 or a negative IMGB_E* code and records a one-line,
 * lower-case message readable with imgb_error_last() (thread-local).
 * Ownership: an object returned through `**out` belongs to the caller and is released with
 * the matching imgb_<type>_free() (NULL-safe).  Returned pointers are borrowed and live as
 * long as their parent object.
 */
#ifndef IMGBASELINE_IMGBASELINE_H
#define IMGBASELINE_IMGBASELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes.  Callers act on the specific ones; the rest is IMGB_ERROR. */
enum {
    IMGB_OK = 0,
    IMGB_ERROR = -1,        /**< generic failure (message says what and where) */
    IMGB_ENOTFOUND = -2,    /**< a named file, blob, image or rule does not exist */
    IMGB_EDIGEST = -3,      /**< a blob's content does not match its digest */
    IMGB_ELIMIT = -4,       /**< a configured limit was exceeded (bomb, huge entry, ...) */
    IMGB_EUNSUPPORTED = -5, /**< input format or feature not supported */
    IMGB_EFORMAT = -6,      /**< malformed input (JSON, YAML, tar, config file) */
    IMGB_ELOOP = -7,        /**< symlink loop or too many hops */
    IMGB_EAMBIGUOUS = -8,   /**< several images/platforms match and none was chosen */
    IMGB_EUSER = -9,        /**< a callback asked to stop */
    IMGB_EINVAL = -10,      /**< invalid argument (value out of its documented range) */
};

/** The message of the last error on this thread ("" if none).  Valid until the next call. */
const char *imgb_error_last(void);

/** Library version string, e.g. "0.1.0". */
const char *imgb_version(void);

#ifdef __cplusplus
}
#endif

#endif
