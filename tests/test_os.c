/*
 * Tests for engine/facts/os.c: OS identity (os-release and its fallbacks), the family, the
 * openssh-server version from dpkg, rpm databases and the distro table, version comparison.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "facts/os.h"
#include "fs/view.h"

/* A view holding `files` ({path, content} pairs, NULL-terminated); symlinks as "->target". */
static imgb_view *make_view(const char *const *files)
{
    imgb_view *v = imgb_view_new(NULL);
    imgb_os_register_keeps(v);
    for (; files[0]; files += 2) {
        const char *c = files[1];
        imgb_entry e = { .path = files[0], .mode = 0644 };
        if (strncmp(c, "->", 2) == 0) {
            e.type = IMGB_FT_SYMLINK;
            e.link_target = c + 2;
        } else {
            e.type = IMGB_FT_REG;
            e.size = strlen(c);
            e.content = (const unsigned char *)c;
            e.content_len = strlen(c);
        }
        ck_assert_int_eq(imgb_view_apply(v, 0, &e), 0);
    }
    return v;
}

static imgb_os_info *detect(const char *const *files)
{
    imgb_view *v = make_view(files);
    imgb_os_info *os = NULL;
    ck_assert_int_eq(imgb_os_detect(v, &os), 0);
    imgb_view_free(v);
    return os;
}

static const char debian_status[] =
    "Package: openssh-client\n"
    "Status: install ok installed\n"
    "Version: 1:7.9p1-10+deb10u2\n"
    "\n"
    "Package: openssh-server\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Version: 1:7.9p1-10+deb10u2\n"
    "Description: secure shell (SSH) server\n"
    " continuation line\n";

START_TEST(debian_os_release_through_symlink_and_dpkg_version)
{
    const char *const files[] = {
        "etc/os-release", "->../usr/lib/os-release",
        "usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\nID=debian\n"
                              "VERSION_ID=\"10\"\n",
        "var/lib/dpkg/status", debian_status,
        NULL,
    };
    imgb_os_info *os = detect(files);
    ck_assert_str_eq(os->id, "debian");
    ck_assert_str_eq(os->version_id, "10");
    ck_assert_str_eq(os->pretty_name, "Debian GNU/Linux 10 (buster)");
    ck_assert_str_eq(os->family, "debian");
    ck_assert(os->has_openssh_server);
    ck_assert_str_eq(os->openssh_version, "7.9p1");
    ck_assert_str_eq(os->openssh_pkg_version, "1:7.9p1-10+deb10u2");
    ck_assert_str_eq(os->openssh_source, "/var/lib/dpkg/status");
    ck_assert_ptr_null(os->distro_patch);
    imgb_os_info_free(os);
}
END_TEST

START_TEST(dpkg_deinstalled_package_is_not_installed)
{
    const char *const files[] = {
        "etc/os-release", "ID=ubuntu\nVERSION_ID=\"16.04\"\nID_LIKE=debian\n",
        "var/lib/dpkg/status", "Package: openssh-server\nStatus: deinstall ok config-files\n"
                               "Version: 1:7.2p2-4ubuntu2.10\n",
        NULL,
    };
    imgb_os_info *os = detect(files);
    ck_assert_str_eq(os->id, "ubuntu");
    ck_assert_uint_eq(os->nid_like, 1);
    ck_assert_str_eq(os->id_like[0], "debian");
    ck_assert(!os->has_openssh_server);
    ck_assert_ptr_null(os->openssh_version);
    imgb_os_info_free(os);
}
END_TEST

START_TEST(centos_release_fallback_and_distro_table)
{
    const char *const files[] = {
        "etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n",
        "etc/redhat-release", "->centos-release",
        "usr/sbin/sshd", "ELF",
        "etc/ssh/sshd_config", "#PermitRootLogin yes\n",
        NULL,
    };
    imgb_os_info *os = detect(files);
    ck_assert_str_eq(os->id, "centos");
    ck_assert_str_eq(os->version_id, "7");
    ck_assert_str_eq(os->source, "/etc/centos-release");
    ck_assert_str_eq(os->family, "rhel");
    ck_assert(os->has_openssh_server);
    ck_assert_str_eq(os->openssh_version, "7.4p1");
    ck_assert_ptr_nonnull(strstr(os->openssh_source, "distro table"));
    ck_assert_str_eq(os->distro_patch, "el7");
    imgb_os_info_free(os);
}
END_TEST

START_TEST(rpmdb_string_scan_finds_openssh_server)
{
    /* header store strings as rpm writes them: NAME \0 VERSION \0 RELEASE \0 */
    static const char db[] = "\x8e\xad\xe8\x01junk\0openssh\0openssh-server\0" "7.4p1\0"
                             "23.el7_9\0x86_64\0";
    imgb_view *v = imgb_view_new(NULL);
    imgb_os_register_keeps(v);
    const char *osr = "NAME=\"CentOS Linux\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n"
                      "VERSION_ID=\"7\"\n";
    imgb_entry e1 = { .path = "etc/os-release", .type = IMGB_FT_REG, .size = strlen(osr),
                      .content = (const unsigned char *)osr, .content_len = strlen(osr) };
    imgb_entry e2 = { .path = "var/lib/rpm/Packages", .type = IMGB_FT_REG, .size = sizeof db,
                      .content = (const unsigned char *)db, .content_len = sizeof db };
    ck_assert_int_eq(imgb_view_apply(v, 0, &e1), 0);
    ck_assert_int_eq(imgb_view_apply(v, 0, &e2), 0);
    imgb_os_info *os = NULL;
    ck_assert_int_eq(imgb_os_detect(v, &os), 0);
    ck_assert_str_eq(os->id, "centos");
    ck_assert_uint_eq(os->nid_like, 2);
    ck_assert(os->has_openssh_server);
    ck_assert_str_eq(os->openssh_version, "7.4p1");
    ck_assert_str_eq(os->openssh_pkg_version, "7.4p1-23.el7_9");
    ck_assert_str_eq(os->openssh_source, "/var/lib/rpm/Packages");
    ck_assert_str_eq(os->distro_patch, "el7");
    imgb_os_info_free(os);
    imgb_view_free(v);
}
END_TEST

START_TEST(euler_and_openeuler_are_rhel_family)
{
    const char *const euler[] = { "etc/euleros-release", "EulerOS release 2.0 (SP5)\n", NULL };
    imgb_os_info *os = detect(euler);
    ck_assert_str_eq(os->id, "euleros");
    ck_assert_str_eq(os->version_id, "2.0");
    ck_assert_str_eq(os->family, "rhel");
    ck_assert(!os->has_openssh_server);
    imgb_os_info_free(os);
    const char *const oe[] = { "etc/os-release", "NAME=\"openEuler\"\nID=\"openEuler\"\n"
                                                 "VERSION_ID=\"22.03\"\n", NULL };
    os = detect(oe);
    ck_assert_str_eq(os->id, "openeuler");
    ck_assert_str_eq(os->version_id, "22.03");
    ck_assert_str_eq(os->family, "rhel");
    imgb_os_info_free(os);
}
END_TEST

START_TEST(lsb_release_and_debian_version_fallbacks)
{
    const char *const lsb[] = { "etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=16.04\n"
                                                   "DISTRIB_DESCRIPTION=\"Ubuntu 16.04.7 LTS\"\n",
                                NULL };
    imgb_os_info *os = detect(lsb);
    ck_assert_str_eq(os->id, "ubuntu");
    ck_assert_str_eq(os->version_id, "16.04");
    ck_assert_str_eq(os->pretty_name, "Ubuntu 16.04.7 LTS");
    ck_assert_str_eq(os->family, "debian");
    imgb_os_info_free(os);
    const char *const dv[] = { "etc/debian_version", "10.13\n", NULL };
    os = detect(dv);
    ck_assert_str_eq(os->id, "debian");
    ck_assert_str_eq(os->version_id, "10");
    imgb_os_info_free(os);
}
END_TEST

START_TEST(empty_image_is_other_and_unknown)
{
    const char *const none[] = { "bin/busybox", "ELF", NULL };
    imgb_os_info *os = detect(none);
    ck_assert_ptr_null(os->id);
    ck_assert_ptr_null(os->version_id);
    ck_assert_str_eq(os->family, "other");
    ck_assert(!os->has_openssh_server);
    imgb_os_info_free(os);
    const char *const alpine[] = { "etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n", NULL };
    os = detect(alpine);
    ck_assert_str_eq(os->family, "alpine");
    imgb_os_info_free(os);
}
END_TEST

START_TEST(os_release_quoting_and_last_assignment)
{
    const char *const files[] = {
        "etc/os-release", "# comment\nID=first\nID='sles'\nPRETTY_NAME=\"SUSE \\\"Linux\\\"\"\n"
                          "VERSION_ID=\"15.5\"  \n",
        NULL,
    };
    imgb_os_info *os = detect(files);
    ck_assert_str_eq(os->id, "sles");
    ck_assert_str_eq(os->pretty_name, "SUSE \"Linux\"");
    ck_assert_str_eq(os->version_id, "15.5");
    ck_assert_str_eq(os->family, "suse");
    imgb_os_info_free(os);
}
END_TEST

static const struct {
    const char *a, *b;
    int want;
} version_cases[] = {
    { "7.4p1", "8.2p1", -1 }, { "7.9p1", "7.4p1", 1 }, { "7.4p1", "7.4p1", 0 },
    { "16.04", "18", -1 },    { "8.2p1", "8.2", 1 },   { "10", "9", 1 },
    { "7.2p2", "7.2p1", 1 },  { "1.02", "1.2", 0 },
};

START_TEST(version_cmp_table)
{
    int got = imgb_version_cmp(version_cases[_i].a, version_cases[_i].b);
    int norm = got < 0 ? -1 : got > 0 ? 1 : 0;
    ck_assert_msg(norm == version_cases[_i].want, "%s vs %s: %d", version_cases[_i].a,
                  version_cases[_i].b, got);
}
END_TEST

static Suite *os_suite(void)
{
    Suite *s = suite_create("os");
    TCase *tc = tcase_create("identity");
    tcase_add_test(tc, debian_os_release_through_symlink_and_dpkg_version);
    tcase_add_test(tc, dpkg_deinstalled_package_is_not_installed);
    tcase_add_test(tc, centos_release_fallback_and_distro_table);
    tcase_add_test(tc, rpmdb_string_scan_finds_openssh_server);
    tcase_add_test(tc, euler_and_openeuler_are_rhel_family);
    tcase_add_test(tc, lsb_release_and_debian_version_fallbacks);
    tcase_add_test(tc, empty_image_is_other_and_unknown);
    tcase_add_test(tc, os_release_quoting_and_last_assignment);
    suite_add_tcase(s, tc);
    tc = tcase_create("version");
    tcase_add_loop_test(tc, version_cmp_table, 0,
                        (int)(sizeof version_cases / sizeof *version_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(os_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
