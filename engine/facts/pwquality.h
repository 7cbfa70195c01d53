/*
 * The effective password-quality settings of one PAM password stack, resolved as
 * pam_pwquality / pam_cracklib would apply them:
 *
 *   compiled-in default of libpwquality (pwqprivate.h; 1.2.3 on EL7: difok=5 minlen=9
 *   d/u/l/ocredit=+1 minclass=maxrepeat=maxclassrepeat=gecoscheck=0; pam_pwquality retry=1)
 *   < /etc/security/pwquality.conf.d/[*].conf in sorted order (libpwquality >= 1.3.0 only)
 *   < /etc/security/pwquality.conf
 *   < the module's arguments on its line in the password stack (left to right).
 * pam_cracklib reads no pwquality.conf: only its compiled defaults (the same values) and its
 * arguments count.  retry / enforce_for_root / local_users_only are read from the conf files
 * only since libpwquality 1.4.1 (its NEWS).  Config lines: '#' starts a comment, "name =
 * value" with integers parsed whole in base 10; a bad value leaves the previous one.
 * The libpwquality version comes from dpkg's status file, else the distro table below.
 *
 * Tests: tests/test_pam.c.
 */
#ifndef IMGB_FACTS_PWQUALITY_H
#define IMGB_FACTS_PWQUALITY_H

#include <stdbool.h>

#include "rules/rules.h"

#define IMGB_PWQ_CONF "/etc/security/pwquality.conf"
#define IMGB_PWQ_CONF_D "/etc/security/pwquality.conf.d"
#define IMGB_PWQ_MAX_CONF_D_FILES 64   /* pwquality.conf.d files read */

typedef struct imgb_pwq_value {
    bool module_present;      /* pam_pwquality.so / pam_cracklib.so in the password stack */
    char *module;             /* its base name, NULL if absent */
    int module_line;          /* its line in `module_file` */
    char *module_file;
    char *value;              /* effective value text; NULL: not set (flags) or no module */
    char *source;             /* where it came from (file:line or the compiled default) */
    char *file;               /* file of the value, NULL for a default */
    int line;
    int status;               /* <0: a config file that could set it cannot be read whole
                                 (cut at the content cap, ...) and nothing later overrides
                                 it; `source` says why, value is NULL */
    char *version;            /* libpwquality version assumed ("1.2.3") */
    char *version_source;     /* "/var/lib/dpkg/status" or "distro table: CentOS 7" */
} imgb_pwq_value;

/** Is `option` one we resolve (minlen, dcredit, ..., enforce_for_root)? */
bool imgb_pwq_known_option(const char *option);

/**
 * Resolve `option` for the password stack in `stack_file` (e.g. /etc/pam.d/system-auth).
 * Flags (enforce_for_root, local_users_only) read "1" when set, NULL when not.
 * Dispose with imgb_pwq_value_dispose.
 */
void imgb_pwq_resolve(const imgb_scan_ctx *ctx, const char *stack_file, const char *option,
                      imgb_pwq_value *out);
void imgb_pwq_value_dispose(imgb_pwq_value *v);

/** Register the pwquality files and dpkg's status file as kept paths. */
void imgb_pwq_register_keeps(imgb_view *view);

#endif
