/*
 * The distribution tables (distro.h).  Every row cites where its facts come from.
 */
#include "facts/distro.h"

#include <stdbool.h>
#include <string.h>

static const char *const rhel_ids[] = { "rhel", "centos", "fedora", "rocky", "almalinux", "ol",
                                        "euleros", "openeuler", "amzn", NULL };
static const char *const debian_ids[] = { "debian", "ubuntu", NULL };
static const char *const suse_ids[] = { "suse", "sles", "sled", "opensuse", "opensuse-leap",
                                        "opensuse-tumbleweed", NULL };
static const char *const alpine_ids[] = { "alpine", NULL };

static const char *const sshd_pkg[] = { "openssh-server", NULL };
static const char *const sshd_pkg_suse[] = { "openssh-server", "openssh", NULL };

/* Debian's pam-auth-update files; RHEL's authconfig pair (both serve different services). */
static const char *const pam_common[] = { "/etc/pam.d/common-%s", NULL };
static const char *const pam_rhel[] = { "/etc/pam.d/system-auth", "/etc/pam.d/password-auth",
                                        NULL };

/* Order matters only for ID_LIKE: the first family that claims a word wins. */
static const imgb_distro_family families[] = {
    { "rhel", rhel_ids, IMGB_PKGDB_RPM, sshd_pkg, pam_rhel },
    { "debian", debian_ids, IMGB_PKGDB_DPKG, sshd_pkg, pam_common },
    { "suse", suse_ids, IMGB_PKGDB_RPM, sshd_pkg_suse, pam_common },
    { "alpine", alpine_ids, IMGB_PKGDB_APK, sshd_pkg, NULL },
};

/*
 * Releases.  OpenSSH: baselines.md section 2 (the packages: openssh-7.4p1 EL7 srpm, Debian
 * 1:7.9p1, Ubuntu 1:7.2p2).  libpwquality: baselines.md 1.3 (EL7 1.2.3 from the EL7 tag;
 * Debian 10 1.4.0, Debian 12 1.4.5).  Linux-PAM: EL7 and EulerOS 2 build 1.1.8 (no
 * faillock.conf), Debian 12 ships 1.5.2 (baselines.md 1.3).  The other Linux-PAM /
 * libpwquality versions are the distributions' package versions of that release (Debian
 * 10 pam 1.3.1-5, 11 pam 1.4.0-9 / libpwquality 1.4.4-1; Ubuntu 16.04 pam 1.1.8 /
 * libpwquality 1.3.0, 18.04 1.1.8 / 1.4.0, 20.04 1.3.1 / 1.4.2, 22.04 1.4.0 / 1.4.4, 24.04
 * 1.5.3 / 1.4.5; EL8 pam 1.3.1 / libpwquality 1.4.4, EL9 1.5.1 / 1.4.4; openEuler 20.03
 * pam 1.4.0 / 1.4.2, 22.03 1.5.2 / 1.4.4, 24.03 1.5.3 / 1.4.5), not from the reference: only
 * a fallback when the image's package database has no record.  NULL where nothing is known:
 * the facts then read the package database or say the version is unknown.
 */
static const imgb_distro_release releases[] = {
    { "centos", "7", "CentOS 7", "7.4p1", "el7", "1.1.8", "1.2.3",
      "openssh-7.4p1 EL7 srpm; libpwquality-1.2.3; pam-1.1.8" },
    { "rhel", "7", "RHEL 7", "7.4p1", "el7", "1.1.8", "1.2.3",
      "openssh-7.4p1 EL7 srpm; libpwquality-1.2.3; pam-1.1.8" },
    { "euleros", "2", "EulerOS 2", NULL, NULL, "1.1.8", "1.2.3",
      "EulerOS 2 is EL7-based: pam-1.1.8, libpwquality-1.2.3" },
    { "debian", "10", "Debian 10", "7.9p1", NULL, "1.3.1", "1.4.0",
      "openssh 1:7.9p1; pam 1.3.1-5; libpwquality 1.4.0" },
    { "debian", "11", "Debian 11", NULL, NULL, "1.4.0", "1.4.4", "pam 1.4.0-9; libpwquality 1.4.4" },
    { "debian", "12", "Debian 12", NULL, NULL, "1.5.2", "1.4.5",
      "Linux-PAM 1.5.2; libpwquality 1.4.5" },
    { "ubuntu", "16.04", "Ubuntu 16.04", "7.2p2", NULL, "1.1.8", "1.3.0",
      "openssh 1:7.2p2; pam 1.1.8; libpwquality 1.3.0" },
    { "ubuntu", "18.04", "Ubuntu 18.04", NULL, NULL, "1.1.8", "1.4.0", "pam 1.1.8; libpwquality 1.4.0" },
    { "ubuntu", "20.04", "Ubuntu 20.04", NULL, NULL, "1.3.1", "1.4.2", "pam 1.3.1; libpwquality 1.4.2" },
    { "ubuntu", "22.04", "Ubuntu 22.04", NULL, NULL, "1.4.0", "1.4.4", "pam 1.4.0; libpwquality 1.4.4" },
    { "ubuntu", "24.04", "Ubuntu 24.04", NULL, NULL, "1.5.3", "1.4.5", "pam 1.5.3; libpwquality 1.4.5" },
    { "rhel", "8", "RHEL 8", NULL, NULL, "1.3.1", "1.4.4", "pam-1.3.1; libpwquality-1.4.4" },
    { "centos", "8", "CentOS 8", NULL, NULL, "1.3.1", "1.4.4", "pam-1.3.1; libpwquality-1.4.4" },
    { "rocky", "8", "Rocky Linux 8", NULL, NULL, "1.3.1", "1.4.4", "pam-1.3.1; libpwquality-1.4.4" },
    { "almalinux", "8", "AlmaLinux 8", NULL, NULL, "1.3.1", "1.4.4", "pam-1.3.1; libpwquality-1.4.4" },
    { "rhel", "9", "RHEL 9", NULL, NULL, "1.5.1", "1.4.4", "pam-1.5.1; libpwquality-1.4.4" },
    { "centos", "9", "CentOS Stream 9", NULL, NULL, "1.5.1", "1.4.4", "pam-1.5.1; libpwquality-1.4.4" },
    { "rocky", "9", "Rocky Linux 9", NULL, NULL, "1.5.1", "1.4.4", "pam-1.5.1; libpwquality-1.4.4" },
    { "almalinux", "9", "AlmaLinux 9", NULL, NULL, "1.5.1", "1.4.4", "pam-1.5.1; libpwquality-1.4.4" },
    { "openeuler", "20.03", "openEuler 20.03", NULL, NULL, "1.4.0", "1.4.2", "pam-1.4.0; libpwquality-1.4.2" },
    { "openeuler", "22.03", "openEuler 22.03", NULL, NULL, "1.5.2", "1.4.4", "pam-1.5.2; libpwquality-1.4.4" },
    { "openeuler", "24.03", "openEuler 24.03", NULL, NULL, "1.5.3", "1.4.5", "pam-1.5.3; libpwquality-1.4.5" },
};

static bool in_list(const char *id, const char *const *list)
{
    for (; id && *list; list++)
        if (strcmp(id, *list) == 0)
            return true;
    return false;
}

const imgb_distro_family *imgb_distro_family_of(const char *id, char *const *id_like,
                                                size_t nid_like)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        if (in_list(id, families[f].ids))
            return &families[f];
    for (size_t i = 0; i < nid_like; i++)
        for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
            if (in_list(id_like[i], families[f].ids))
                return &families[f];
    return NULL;
}

const imgb_distro_family *imgb_distro_family_named(const char *name)
{
    for (size_t f = 0; name && f < sizeof families / sizeof families[0]; f++)
        if (strcmp(families[f].name, name) == 0)
            return &families[f];
    return NULL;
}

/* "7" matches "7" and "7.9" but not "70"; "16.04" matches "16.04" and "16.04.7". */
static bool version_prefix(const char *prefix, const char *v)
{
    size_t n = strlen(prefix);
    return v && strncmp(v, prefix, n) == 0 && (v[n] == '\0' || v[n] == '.');
}

const imgb_distro_release *imgb_distro_release_of(const char *id, const char *version_id)
{
    for (size_t i = 0; id && i < sizeof releases / sizeof releases[0]; i++)
        if (strcmp(releases[i].id, id) == 0 && version_prefix(releases[i].version, version_id))
            return &releases[i];
    return NULL;
}

size_t imgb_distro_pam_stack_files(const imgb_distro_family *f, const char *stack,
                                   const char *out[4])
{
    /* "%s" rows expand to one static string per stack type */
    static const char *const common[][2] = {
        { "auth", "/etc/pam.d/common-auth" },
        { "account", "/etc/pam.d/common-account" },
        { "password", "/etc/pam.d/common-password" },
        { "session", "/etc/pam.d/common-session" },
    };
    /* an unknown family (or one whose layout is not known) tries both layouts */
    bool known = f && f->pam_stack_files;
    const char *const *layouts[2] = { known ? f->pam_stack_files : pam_rhel,
                                      known ? NULL : pam_common };
    size_t n = 0;
    for (size_t l = 0; l < 2; l++)
        for (const char *const *p = layouts[l]; p && *p && n < 4; p++) {
            if (!strstr(*p, "%s")) {
                out[n++] = *p;
                continue;
            }
            for (size_t c = 0; c < sizeof common / sizeof common[0]; c++)
                if (strcmp(common[c][0], stack) == 0)
                    out[n++] = common[c][1];
        }
    return n;
}
