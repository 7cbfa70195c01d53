/*
 * Errors.  Every fallible call returns 0 (or a count) on success and a negative IMGB_E*
 * code on failure, and records a one-line, lower-case message naming what and where (file,
 * layer, line, parameter).  The code and the message are per thread: a call on another
 * thread never overwrites yours.  Messages never contain a password or an unmasked secret.
 */
#ifndef IMGBASELINE_ERRORS_H
#define IMGBASELINE_ERRORS_H

#include "common.h"

IMGB_BEGIN_DECLS

/** Error codes.  Callers act on the specific ones; the rest is IMGB_ERROR. */
enum {
    IMGB_OK = 0,
    IMGB_ERROR = -1,        /**< generic failure (message says what and where) */
    IMGB_ENOTFOUND = -2,    /**< a named file, blob, image, rule or format does not exist */
    IMGB_EDIGEST = -3,      /**< a blob's content does not match its digest */
    IMGB_ELIMIT = -4,       /**< a configured limit was exceeded (bomb, huge entry, ...) */
    IMGB_EUNSUPPORTED = -5, /**< input format or feature not supported */
    IMGB_EFORMAT = -6,      /**< malformed input (JSON, YAML, tar, config file) */
    IMGB_ELOOP = -7,        /**< symlink loop or too many hops */
    IMGB_EAMBIGUOUS = -8,   /**< several images/platforms match and none was chosen */
    IMGB_EUSER = -9,        /**< a callback asked to stop */
    IMGB_EINVAL = -10,      /**< invalid argument (value out of its documented range) */
    IMGB_ECANCELED = -11,   /**< the scan's cancel callback asked to stop */
};

/** The message of this thread's last error ("" if none).  Valid until this thread's next
 *  call into the library. */
IMGB_API const char *imgb_error_last(void);

/** The code of this thread's last error (IMGB_OK if none). */
IMGB_API int imgb_error_last_code(void);

/** Forget this thread's last error. */
IMGB_API void imgb_error_reset(void);

/** Free memory the library handed over as `char *` (rendered reports, directory names).
 *  NULL-safe. */
IMGB_API void imgb_free(void *ptr);

/** Library version string, e.g. "0.2.0". */
IMGB_API const char *imgb_version(void);

IMGB_END_DECLS

#endif
