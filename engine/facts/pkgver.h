/*
 * Versions of the software whose compiled-in defaults the password-policy facts depend on
 * (libpwquality, Linux-PAM, shadow), the way the SSH facts get OpenSSH's: from the image's
 * package database, else a per-distribution table, else an assumption that says so.
 *
 *   package database: dpkg's status file (and distroless status.d/ files), "Status: ... installed"
 *     paragraphs, upstream part of "[epoch:]upstream[-revision]"; rpm databases (Berkeley DB
 *     Packages, rpmdb.sqlite): each header stores NAME\0VERSION\0RELEASE\0, so the name must
 *     follow a NUL (or start the blob) to not match inside another name ("libpam" vs "pam");
 *   distribution table: the versions each release ships (facts/distro.c, the release rows'
 *     linux_pam / libpwquality columns); shadow has no column: its version comes from the
 *     package database or is an assumption.
 *
 * The OS facts (os.c) register the package databases as kept paths.
 * Tests: tests/test_pam.c (pkgver_*).
 */
#ifndef IMGB_FACTS_PKGVER_H
#define IMGB_FACTS_PKGVER_H

#include "rules/rules.h"

typedef enum imgb_component {
    IMGB_COMP_LIBPWQUALITY = 0,
    IMGB_COMP_LINUX_PAM,
    IMGB_COMP_SHADOW,
    IMGB_COMP_COUNT,
} imgb_component;

typedef struct imgb_component_version {
    const char *version;      /* upstream version, e.g. "1.4.5" (never NULL) */
    const char *source;       /* "/var/lib/dpkg/status (libpwquality1 1.4.5-1+b1)",
                                 "distro table: CentOS 7", "version unknown: ... assumed" */
    bool known;               /* false: an assumption (no package record, no table row) */
} imgb_component_version;

/** The version of `c` in the scanned image, memoised per scan (borrowed; never NULL). */
const imgb_component_version *imgb_component_get(const imgb_scan_ctx *ctx, imgb_component c);

/** Human name of a component ("libpwquality", "Linux-PAM", "shadow"). */
const char *imgb_component_name(imgb_component c);

#endif
