/*
 * End to end for the account / login.defs / PAM / pwquality kinds: a CentOS 7-like image
 * (two layers, docker-archive written with tests/support/imgbuild) scanned through
 * imgb_scan_run with a rule file using every one of these kinds.  Shows that the kinds'
 * prepare() keeps the files they read, that layers and symlinks are resolved (authconfig's
 * password-auth -> password-auth-ac, a later layer replacing login.defs), and the verdicts the
 * reference predicts for CentOS 7 defaults (nullok and pwquality minlen 9 fail, the
 * replaced PASS_MAX_DAYS passes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "imgbuild.h"
#include "rules/loader.h"
#include "scan.h"

#define ITEM(id, check)                                                                    \
    "  - id: " id "\n"                                                                     \
    "    title: {zh: t, en: t}\n"                                                          \
    "    description: {zh: d, en: d}\n"                                                    \
    "    advice: {zh: a, en: a}\n"                                                         \
    "    severity: medium\n"                                                               \
    "    bucket: pwd_policy\n"                                                             \
    "    check: " check "\n"

static const char rules_yaml[] =
    "baseline:\n"
    "  key: authfacts_e2e\n"
    "  class: pwd_policy\n"
    "  alias: {zh: e2e, en: e2e}\n"
    "  class_alias: {zh: e2e, en: e2e}\n"
    "  applies: {os: [centos], version: {min: \"7\", max: \"8\"}}\n"
    "  standards: [cn_standard]\n"
    "items:\n"
    ITEM("e2e.max_days", "{kind: login_defs, key: PASS_MAX_DAYS, op: le, value: 90}")
    ITEM("e2e.min_days", "{kind: login_defs, key: PASS_MIN_DAYS, op: ge, value: 1}")
    ITEM("e2e.umask", "{kind: login_defs, key: UMASK, op: ge, value: \"027\", octal: true}")
    ITEM("e2e.inactive", "{kind: login_defs, file: /etc/default/useradd, key: INACTIVE, op: le, "
                         "value: 30}")
    ITEM("e2e.nullok", "{kind: pam, stack: [auth, password], arg_absent: nullok}")
    ITEM("e2e.sha512", "{kind: pam, stack: password, module: pam_unix.so, arg: sha512}")
    ITEM("e2e.faillock", "{kind: pam, stack: auth, module: pam_faillock.so, arg: deny, op: le, "
                         "value: 5}")
    ITEM("e2e.minlen", "{kind: pwquality, option: minlen, op: ge, value: 14}")
    ITEM("e2e.retry", "{kind: pwquality, option: retry, op: le, value: 3}")
    ITEM("e2e.uid0", "{kind: passwd, predicate: uid0_only_root}")
    ITEM("e2e.nologin", "{kind: passwd, predicate: system_nologin}")
    ITEM("e2e.empty", "{kind: shadow, predicate: empty_password}")
    ITEM("e2e.shadow_max", "{kind: shadow, predicate: max_days, op: le, value: 90}")
    ITEM("e2e.dup_gid", "{kind: group, predicate: duplicate_gid}");

#define EL7_AUTH                                                                          \
    "auth        required      pam_env.so\n"                                              \
    "auth        sufficient    pam_unix.so nullok try_first_pass\n"                       \
    "auth        required      pam_deny.so\n"                                             \
    "password    requisite     pam_pwquality.so try_first_pass local_users_only retry=3 " \
    "authtok_type=\n"                                                                     \
    "password    sufficient    pam_unix.so sha512 shadow nullok try_first_pass use_authtok\n"

static const char *verdict_of(const imgb_scan_result *res, const char *id)
{
    static const char *const names[] = {"pass", "fail", "not_applicable", "error", "incomplete"};
    for (size_t b = 0; b < res->nbaselines; b++)
        for (size_t i = 0; i < res->baselines[b].nitems; i++)
            if (strcmp(res->baselines[b].items[i].item->id, id) == 0)
                return names[res->baselines[b].items[i].verdict];
    return "missing";
}

START_TEST(centos7_image_verdicts)
{
    char *dir = imgbuild_tmpdir("authscan");
    char *rules_dir = imgbuild_text_dir(dir, "rules", "e2e.yaml", rules_yaml);

    imgbuild_file l0[] = {
        {.path = "etc/", .type = IMGBUILD_DIR},
        {.path = "etc/os-release", .content = "NAME=\"CentOS Linux\"\nID=\"centos\"\n"
                                              "ID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n"},
        {.path = "etc/passwd", .content = "root:x:0:0:root:/root:/bin/bash\n"
                                          "bin:x:1:1:bin:/bin:/sbin/nologin\n"
                                          "games:x:12:100:games:/usr/games:/bin/bash\n"
                                          "alice:x:1000:1000::/home/alice:/bin/bash\n"},
        {.path = "etc/shadow", .mode = 0, .content = "root:!!:19000:0:99999:7:::\n"
                                                     "bin:*:19000:0:99999:7:::\n"
                                                     "games:*:19000:0:99999:7:::\n"
                                                     "alice:$6$s$h:19000:0:99999:7:::\n"},
        {.path = "etc/group", .content = "root:x:0:\nbin:x:1:\nusers:x:100:\nalice:x:1000:\n"},
        {.path = "etc/login.defs", .content = "PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\n"
                                              "UMASK 077\nUID_MIN 1000\n"},
        {.path = "etc/default/", .type = IMGBUILD_DIR},
        {.path = "etc/default/useradd", .content = "GROUP=100\nINACTIVE=-1\n"},
        {.path = "etc/pam.d/", .type = IMGBUILD_DIR},
        {.path = "etc/pam.d/system-auth-ac", .content = EL7_AUTH},
        {.path = "etc/pam.d/system-auth", .type = IMGBUILD_SYMLINK, .link = "system-auth-ac"},
        {.path = "etc/pam.d/password-auth-ac", .content = EL7_AUTH},
        {.path = "etc/pam.d/password-auth", .type = IMGBUILD_SYMLINK,
         .link = "/etc/pam.d/password-auth-ac"},
        {.path = "etc/security/", .type = IMGBUILD_DIR},
        {.path = "etc/security/pwquality.conf", .content = "# minlen = 9\n"},
    };
    imgbuild_file l1[] = {
        {.path = "etc/login.defs", .content = "PASS_MAX_DAYS 60\nPASS_MAX_DAYS 90\n"
                                              "PASS_MIN_DAYS\t0\nUMASK 077\n"},
    };
    imgbuild_layer layers[2];
    imgbuild_layer_write(&layers[0], dir, l0, sizeof l0 / sizeof l0[0], IMGBUILD_GZIP);
    imgbuild_layer_write(&layers[1], dir, l1, 1, IMGBUILD_PLAIN);
    imgbuild_image img = {.layers = layers, .nlayers = 2, .ref = "centos7-e2e:1"};
    char *out = imgbuild_path(dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);

    imgb_ruleset *rs = NULL;
    const char *paths[] = {rules_dir};
    ck_assert_int_eq(imgb_ruleset_load(&rs, paths, 1, NULL, NULL), 0);
    imgb_scan_result *res = NULL;
    ck_assert_int_eq(imgb_scan_run(&res, rs, out, NULL), 0);

    ck_assert_str_eq(verdict_of(res, "e2e.max_days"), "pass");   /* layer 1, last wins */
    ck_assert_str_eq(verdict_of(res, "e2e.min_days"), "fail");
    ck_assert_str_eq(verdict_of(res, "e2e.umask"), "pass");      /* 077 >= 027 */
    ck_assert_str_eq(verdict_of(res, "e2e.inactive"), "fail");   /* -1: never */
    ck_assert_str_eq(verdict_of(res, "e2e.nullok"), "fail");     /* EL7 nullok */
    ck_assert_str_eq(verdict_of(res, "e2e.sha512"), "pass");
    ck_assert_str_eq(verdict_of(res, "e2e.faillock"), "fail");   /* not configured */
    ck_assert_str_eq(verdict_of(res, "e2e.minlen"), "fail");     /* 1.2.3 default 9 */
    ck_assert_str_eq(verdict_of(res, "e2e.retry"), "pass");      /* retry=3 */
    ck_assert_str_eq(verdict_of(res, "e2e.uid0"), "pass");
    ck_assert_str_eq(verdict_of(res, "e2e.nologin"), "fail");    /* games has /bin/bash */
    ck_assert_str_eq(verdict_of(res, "e2e.empty"), "pass");
    ck_assert_str_eq(verdict_of(res, "e2e.shadow_max"), "fail"); /* alice 99999 */
    ck_assert_str_eq(verdict_of(res, "e2e.dup_gid"), "pass");

    imgb_scan_result_free(res);
    imgb_ruleset_free(rs);
    imgbuild_layer_dispose(&layers[0]);
    imgbuild_layer_dispose(&layers[1]);
    free(out);
    free(rules_dir);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("authscan");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, centos7_image_verdicts);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
