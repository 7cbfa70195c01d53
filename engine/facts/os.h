/*
 * OS identity and installed packages of an image, from its merged view.
 *
 * os-release (/etc/os-release, then /usr/lib/os-release): ID, VERSION_ID, ID_LIKE; fallbacks
 * /etc/redhat-release, /etc/centos-release, /etc/euleros-release, /etc/openEuler-release,
 * /etc/debian_version, /etc/lsb-release.  openssh-server's version from dpkg's status file;
 * for rpm images what can be read, else the distro version table of
 * ../shared/reference/baselines.md.  Later SSH checks depend on that version.
 *
 * Tests: tests/test_os.c.
 */
#ifndef IMGB_FACTS_OS_H
#define IMGB_FACTS_OS_H

#include <stdbool.h>
#include <stddef.h>

#include "fs/view.h"

typedef struct imgb_os_info {
    char *id;                   /* lower-case os-release ID ("centos", "debian", ...) or NULL */
    char *version_id;           /* "7", "10", "16.04", "2.0", ... or NULL */
    char **id_like;             /* ID_LIKE words */
    size_t nid_like;
    char *pretty_name;
    char *source;               /* file the identity came from, e.g. "/etc/os-release" */
    const char *family;         /* "rhel", "debian", "alpine", "suse", "other": PAM layout etc. */
    bool has_openssh_server;    /* package installed (or sshd binary + config present) */
    char *openssh_version;      /* upstream version "7.4p1" (NULL: unknown) */
    char *openssh_pkg_version;  /* as the package database says, e.g. "1:7.9p1-10+deb10u2" */
    char *openssh_source;       /* "/var/lib/dpkg/status", "rpmdb", "distro table: ..." */
    char *pkgdb_source;         /* the package database that lists installed packages
                                   ("/var/lib/dpkg/status", ...), NULL when there is none */
    char *distro_patch;         /* "el7" for the RHEL 7 openssh patches, NULL upstream/Debian */
    /* The rows of the distribution tables (facts/distro.h) for this image, NULL when the
     * tables do not know its family or release: later facts read versions and layouts here. */
    const struct imgb_distro_family *distro;
    const struct imgb_distro_release *release;
} imgb_os_info;

/** Register the paths whose content detection needs (call before reading layers). */
void imgb_os_register_keeps(imgb_view *view);

/** Detect from the merged view.  Always succeeds with what could be found (fields NULL when
 *  unknown); returns <0 only on internal failure.  Free with imgb_os_info_free(). */
int imgb_os_detect(const imgb_view *view, imgb_os_info **out);
void imgb_os_info_free(imgb_os_info *os);

/**
 * Whether `package` (a rule's `requires_package`) is installed.  `*known` is false for a
 * package the facts do not track (the answer is then true: its items are evaluated).
 */
bool imgb_os_package_installed(const imgb_os_info *os, const char *package, bool *known);

/** Compare dotted numeric versions ("7.4p1" vs "8.2p1", "16.04" vs "18"): <0, 0, >0. */
int imgb_version_cmp(const char *a, const char *b);

#endif
