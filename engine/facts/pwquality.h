/*
 * The effective password-quality settings of one PAM password stack, resolved as
 * pam_pwquality / pam_cracklib would apply them:
 *
 *   compiled-in default of the image's libpwquality (src/pwqprivate.h PWQ_DEFAULT_*):
 *     1.2.x (EL7 1.2.3): difok=5 minlen=9 d/u/l/ocredit=+1, the rest 0 (settings.c
 *       pwquality_default_settings, calloc); pam_pwquality's own retry=1;
 *     1.3.0 and later (Debian 10 1.4.0, Debian 12 1.4.5): difok=1 minlen=8 credits 0,
 *       dictcheck=1 usercheck=1 enforcing=1 retry=1 enforce_for_root=0 local_users_only=0;
 *   < /etc/security/pwquality.conf.d/[*].conf in strcmp order (1.3.0+; settings.c
 *     pwquality_read_config reads the .d files first)
 *   < /etc/security/pwquality.conf
 *   < the module's arguments on its line in the password stack (left to right).
 * Config files (settings.c read_config_file): '#' starts a comment, the name ends at a space
 * or '=', names compare case-insensitively (strcasecmp), integers are strtol base 10 over the
 * whole value; an unknown name or a bad integer STOPS the read of that file (and of every
 * later file: pwquality_read_config returns before the main file), pam_pwquality only logs
 * it and keeps what was read.  Names a release does not know are unknown to it: dictcheck,
 * usercheck, enforcing from 1.3.0; retry, enforce_for_root, local_users_only from 1.4.1 (NEWS).
 * Value rules of pwquality_set_int_value (settings.c) and check.c, applied with the evidence
 * naming them: minlen below 6 becomes 6 (PWQ_BASE_MIN_LENGTH; pam_cracklib: 5,
 * CO_MIN_LENGTH_BASE), minclass above 4 becomes 4; maxrepeat / maxsequence <= 0 and
 * maxclassrepeat <= 1 (check.c "max_class_repeat > 1", up to 1.4.5) disable their check (no
 * limit: no upper bound is met); enforcing=0 makes pam_pwquality only warn, so no option is
 * enforced.  pam_cracklib reads no pwquality.conf: only its compiled defaults (the 1.2.x
 * values) and its arguments count.  A pam_pwquality line that is not on the success path of
 * the password stack (jumped over) enforces nothing.
 * The libpwquality version comes from the package database, else the distro table (pkgver.h).
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
    char *version_source;     /* "/var/lib/dpkg/status (...)" or "distro table: CentOS 7" */
    char *rule;               /* the value rule that changed or qualifies the value, e.g.
                                 "minlen -1 raised to 6 (settings.c PWQ_BASE_MIN_LENGTH)" */
    bool unlimited;           /* the check is disabled: no upper bound is satisfied */
    bool not_enforced;        /* enforcing=0 or the module line is jumped over */
    char *not_enforced_why;
    char *stopped;            /* a config read stopped early: where and why (else NULL) */
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
