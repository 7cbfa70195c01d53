/*
 * What the engine knows about each Linux distribution, as data: one row per distribution
 * family (its os-release IDs, package database, the package that carries sshd, where its PAM
 * stacks live) and one row per release (the versions of OpenSSH, Linux-PAM and libpwquality
 * it ships, the vendor patches to OpenSSH's defaults).  A new distribution is a row here plus
 * its YAML baseline; the facts (os.c, sshd.c, pam.c, pwquality.c) and the scan read these
 * rows and keep no distro names of their own.  Sources: ../shared/reference/baselines.md
 * sections 0 and 2, and the vendors' packages named in each row.
 *
 * Tests: tests/test_os.c.
 */
#ifndef IMGB_FACTS_DISTRO_H
#define IMGB_FACTS_DISTRO_H

#include <stddef.h>

typedef enum imgb_pkgdb {
    IMGB_PKGDB_NONE = 0,
    IMGB_PKGDB_DPKG,          /* /var/lib/dpkg/status (+ status.d/ of distroless images) */
    IMGB_PKGDB_RPM,           /* rpmdb.sqlite or the Berkeley DB Packages file */
    IMGB_PKGDB_APK,           /* /lib/apk/db/installed */
} imgb_pkgdb;

typedef struct imgb_distro_family {
    const char *name;                     /* "rhel", "debian", "suse", "alpine" */
    const char *const *ids;               /* os-release ID (or ID_LIKE word) of the family */
    imgb_pkgdb pkgdb;
    const char *const *sshd_packages;     /* package names that install sshd */
    /* PAM stack files per stack type ("auth", "password", ...), "%s" replaced by the type:
     * Debian's common-%s, or the RHEL pair system-auth and password-auth. */
    const char *const *pam_stack_files;
} imgb_distro_family;

typedef struct imgb_distro_release {
    const char *id;                       /* os-release ID */
    const char *version;                  /* VERSION_ID prefix ("7", "16.04", "2") */
    const char *label;                    /* "CentOS 7" */
    const char *openssh;                  /* upstream version shipped, NULL if not known */
    const char *openssh_patch;            /* vendor patch set of compiled defaults ("el7") */
    const char *linux_pam;                /* Linux-PAM version shipped, NULL if not known */
    const char *libpwquality;             /* libpwquality version shipped, NULL if not known */
    const char *source;                   /* where the versions come from */
} imgb_distro_release;

/** The family of an os-release ID, then of its ID_LIKE words; NULL when none is known. */
const imgb_distro_family *imgb_distro_family_of(const char *id, char *const *id_like,
                                                size_t nid_like);

/** The family called `name` ("rhel", ...), or NULL. */
const imgb_distro_family *imgb_distro_family_named(const char *name);

/** The release row of `id` whose version is a prefix (by dotted component) of
 *  `version_id`; NULL when the table has none. */
const imgb_distro_release *imgb_distro_release_of(const char *id, const char *version_id);

/** The family's PAM stack files for `stack` ("auth", "password", ...): at most 4, written to
 *  `out` as static strings.  Without a family both layouts are tried. */
size_t imgb_distro_pam_stack_files(const imgb_distro_family *f, const char *stack,
                                   const char *out[4]);

#endif
