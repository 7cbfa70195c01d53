/*
 * Tests of engine/facts/pam.c, pwquality.c and the `pam` / `pwquality` kinds: Linux-PAM line
 * syntax (comments, continuations, [..] controls, -type), include/substack/@include with
 * loops and limits, the stack files per family, nullok vs nullok_secure, pwquality
 * resolution order (defaults, pwquality.conf.d only on libpwquality >= 1.3, pwquality.conf,
 * module arguments), pam_cracklib, faillock/tally2 deny and unlock_time; the versions of
 * libpwquality / Linux-PAM from the package database; libpwquality's value rules (minlen floor,
 * disabled repeat checks, enforcing=0, reads that stop); the stack model (control values,
 * jumps, substacks, the success path) and the pam kind's reachable/first/missing/sequence;
 * faillock's preauth+authfail pairing and root_unlock_time; pwhistory.conf by release.
 * Each rule's test cites the source line it follows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "facts/pam.h"
#include "facts/pkgver.h"
#include "facts/pwquality.h"
#include "factview.h"

static char id_centos[] = "centos", ver_7[] = "7", id_rocky[] = "rocky", ver_9[] = "9";

/* CentOS 7 authconfig system-auth (baselines.md 1.3). */
#define EL7_SYSTEM_AUTH                                                                   \
    "#%PAM-1.0\n"                                                                         \
    "# This file is auto-generated.\n"                                                    \
    "auth        required      pam_env.so\n"                                              \
    "auth        sufficient    pam_unix.so nullok try_first_pass\n"                       \
    "auth        requisite     pam_succeed_if.so uid >= 1000 quiet_success\n"             \
    "auth        required      pam_deny.so\n"                                             \
    "account     required      pam_unix.so\n"                                             \
    "password    requisite     pam_pwquality.so try_first_pass local_users_only retry=3 " \
    "authtok_type=\n"                                                                     \
    "password    sufficient    pam_unix.so sha512 shadow nullok try_first_pass use_authtok\n" \
    "password    required      pam_deny.so\n"                                             \
    "session     required      pam_unix.so\n"

/* Debian 10 pam-auth-update output (baselines.md 1.3). */
#define DEB_COMMON_AUTH                                                                   \
    "auth\t[success=1 default=ignore]\tpam_unix.so nullok_secure\n"                      \
    "auth\trequisite\t\t\tpam_deny.so\n"                                                  \
    "auth\trequired\t\t\tpam_permit.so\n"
#define DEB_COMMON_PASSWORD                                                               \
    "password\t[success=1 default=ignore]\tpam_unix.so obscure sha512\n"                 \
    "password\trequisite\t\t\tpam_deny.so\n"                                              \
    "password\trequired\t\t\tpam_permit.so\n"

static imgb_verdict eval_on(const factview_file *files, size_t n, const char *family,
                            char *os_id, char *os_ver, const char *check, char **first_msg)
{
    factview fv;
    imgb_item_result r;
    factview_init(&fv, files, n, family);
    fv.os.id = os_id;
    fv.os.version_id = os_ver;
    factview_eval(&fv, check, &r);
    ck_assert_uint_ge(r.nevidence, 1);
    if (first_msg)
        *first_msg = strdup(r.evidence[0].message ? r.evidence[0].message : "");
    imgb_verdict v = r.verdict;
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
    return v;
}

/* ---- parsing -------------------------------------------------------------------------------- */

START_TEST(pam_line_syntax)
{
    factview_file files[] = {
        {"/etc/pam.d/svc",
         "  # comment line\n"
         "\n"
         "auth required pam_env.so # trailing comment deny=1\n"
         "AUTH [success=2 default=ignore] pam_unix.so a=1 \\\n"
         "   b=2\n"
         "-session optional pam_systemd.so\n"
         "account required pam_access.so [listsep=, accessfile=/x y] last\n"
         "bogus required pam_x.so\n"
         "auth required\n",
         IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    factview_init(&fv, files, 1, "debian");
    imgb_pam_stack *s = imgb_pam_load(fv.view, "/etc/pam.d/svc");
    ck_assert_int_eq(s->status, 0);
    ck_assert_uint_eq(s->nlines, 4);
    ck_assert_str_eq(s->lines[0].type, "auth");
    ck_assert_uint_eq(s->lines[0].nargs, 0); /* '#' ends the line */
    ck_assert_int_eq(s->lines[0].line, 3);
    ck_assert_str_eq(s->lines[1].type, "auth"); /* case-insensitive type */
    ck_assert(s->lines[1].bracket);
    ck_assert_str_eq(s->lines[1].control, "success=2 default=ignore");
    ck_assert_uint_eq(s->lines[1].nargs, 2); /* continuation joined */
    ck_assert_str_eq(s->lines[1].args[1], "b=2");
    ck_assert_int_eq(s->lines[1].line, 4);
    ck_assert(s->lines[2].silent);
    ck_assert_str_eq(s->lines[2].type, "session");
    ck_assert_uint_eq(s->lines[3].nargs, 2);
    ck_assert_str_eq(s->lines[3].args[0], "listsep=, accessfile=/x y");
    ck_assert_uint_eq(s->nissues, 2);
    ck_assert_int_eq(s->issues[0].line, 8);
    ck_assert_int_eq(s->issues[1].line, 9);
    imgb_pam_stack_free(s);
    factview_dispose(&fv);
}
END_TEST

START_TEST(pam_args_last_wins)
{
    factview_file files[] = {
        {"/etc/pam.d/x", "password requisite pam_pwquality.so minlen=8 retry=3 minlen=12 debug\n",
         IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    factview_init(&fv, files, 1, "debian");
    imgb_pam_stack *s = imgb_pam_load(fv.view, "/etc/pam.d/x");
    ck_assert_str_eq(imgb_pam_arg(&s->lines[0], "minlen", NULL), "12");
    ck_assert_str_eq(imgb_pam_arg(&s->lines[0], "debug", NULL), "");
    ck_assert_ptr_null(imgb_pam_arg(&s->lines[0], "min", NULL));
    ck_assert_ptr_null(imgb_pam_arg(&s->lines[0], "retr", NULL));
    imgb_pam_stack_free(s);
    factview_dispose(&fv);
}
END_TEST

START_TEST(pam_include_type_filtered_and_debian_at_include)
{
    factview_file files[] = {
        {"/etc/pam.d/sshd",
         "auth include system-auth\n"
         "account substack system-auth\n"
         "@include common-session\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/etc/pam.d/system-auth", EL7_SYSTEM_AUTH, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/pam.d/common-session", "session required pam_unix.so\nauth required pam_x.so\n",
         IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    factview_init(&fv, files, 3, "rhel");
    imgb_pam_stack *s = imgb_pam_load(fv.view, "/etc/pam.d/sshd");
    /* 4 auth + 1 account from system-auth, both lines of common-session */
    ck_assert_uint_eq(s->nlines, 7);
    ck_assert_str_eq(s->lines[0].file, "/etc/pam.d/system-auth");
    ck_assert_str_eq(s->lines[0].via, "/etc/pam.d/sshd:1");
    ck_assert_str_eq(s->lines[4].type, "account");
    ck_assert_str_eq(s->lines[6].module, "pam_x.so");
    ck_assert_uint_eq(s->nissues, 0);
    imgb_pam_stack_free(s);
    factview_dispose(&fv);
}
END_TEST

START_TEST(pam_include_loop_and_missing_target)
{
    factview_file files[] = {
        {"/etc/pam.d/a", "auth include b\nauth required pam_a.so\nauth include missing\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/etc/pam.d/b", "auth include a\nauth required pam_b.so\n", IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    factview_init(&fv, files, 2, "rhel");
    imgb_pam_stack *s = imgb_pam_load(fv.view, "/etc/pam.d/a");
    ck_assert_uint_eq(s->nlines, 2);
    ck_assert_str_eq(s->lines[0].module, "pam_b.so");
    ck_assert_str_eq(s->lines[1].module, "pam_a.so");
    ck_assert_uint_eq(s->nissues, 2);
    ck_assert_ptr_nonnull(strstr(s->issues[0].message, "include loop"));
    ck_assert_ptr_nonnull(strstr(s->issues[1].message, "/etc/pam.d/missing"));
    imgb_pam_stack_free(s);
    factview_dispose(&fv);
}
END_TEST

START_TEST(pam_include_depth_bounded)
{
    /* f0 -> f1 -> ... -> f20: followed to IMGB_PAM_MAX_INCLUDE_DEPTH, then reported */
    static char paths[21][32], texts[21][64];
    factview_file files[21];
    for (int i = 0; i < 21; i++) {
        snprintf(paths[i], sizeof paths[i], "/etc/pam.d/f%d", i);
        snprintf(texts[i], sizeof texts[i], "auth include f%d\nauth required pam_%d.so\n", i + 1,
                 i);
        memset(&files[i], 0, sizeof files[i]);
        files[i].path = paths[i];
        files[i].content = texts[i];
    }
    factview fv;
    factview_init(&fv, files, 21, "rhel");
    imgb_pam_stack *s = imgb_pam_load(fv.view, "/etc/pam.d/f0");
    ck_assert_uint_eq(s->nlines, IMGB_PAM_MAX_INCLUDE_DEPTH + 1);
    ck_assert_uint_eq(s->nissues, 1);
    ck_assert_ptr_nonnull(strstr(s->issues[0].message, "nested deeper"));
    imgb_pam_stack_free(s);
    factview_dispose(&fv);
}
END_TEST

START_TEST(pam_overlong_line_stops_file)
{
    char *text = malloc(3000);
    strcpy(text, "auth required pam_a.so\nauth required pam_b.so ");
    size_t n = strlen(text);
    memset(text + n, 'x', 1200);
    strcpy(text + n + 1200, "\nauth required pam_c.so\n");
    factview_file files[] = {{"/etc/pam.d/x", text, IMGB_FT_REG, NULL, 0, 0}};
    factview fv;
    factview_init(&fv, files, 1, "rhel");
    imgb_pam_stack *s = imgb_pam_load(fv.view, "/etc/pam.d/x");
    ck_assert_uint_eq(s->nlines, 1);
    ck_assert_uint_eq(s->nissues, 1);
    ck_assert_int_eq(s->issues[0].line, 2);
    imgb_pam_stack_free(s);
    factview_dispose(&fv);
    free(text);
}
END_TEST

START_TEST(pam_family_stack_files)
{
    const char *f[4];
    ck_assert_uint_eq(imgb_pam_stack_files("rhel", "auth", f), 2);
    ck_assert_str_eq(f[0], "/etc/pam.d/system-auth");
    ck_assert_str_eq(f[1], "/etc/pam.d/password-auth");
    ck_assert_uint_eq(imgb_pam_stack_files("debian", "password", f), 1);
    ck_assert_str_eq(f[0], "/etc/pam.d/common-password");
    ck_assert_uint_eq(imgb_pam_stack_files("other", "account", f), 3);
    ck_assert_str_eq(f[2], "/etc/pam.d/common-account");
}
END_TEST

/* ---- the pam kind ------------------------------------------------------------------------------ */

#define NO_NULLOK "{\"kind\":\"pam\",\"stack\":[\"auth\",\"password\"],\"arg_absent\":\"nullok\"}"

START_TEST(kind_nullok_vs_nullok_secure)
{
    factview_file el7[] = {
        {"/etc/pam.d/system-auth", EL7_SYSTEM_AUTH, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/pam.d/password-auth", EL7_SYSTEM_AUTH, IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(el7, 2, "rhel", id_centos, ver_7, NO_NULLOK, &msg), IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "nullok"));
    free(msg);
    factview_file deb[] = {
        {"/etc/pam.d/common-auth", DEB_COMMON_AUTH, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/pam.d/common-password", DEB_COMMON_PASSWORD, IMGB_FT_REG, NULL, 0, 0},
    };
    ck_assert_int_eq(eval_on(deb, 2, "debian", NULL, NULL, NO_NULLOK, NULL), IMGB_V_PASS);
    /* Debian's files are not the EL stack: an EL image with only common-* is N/A */
    ck_assert_int_eq(eval_on(deb, 2, "rhel", NULL, NULL, NO_NULLOK, NULL),
                     IMGB_V_NOT_APPLICABLE);
}
END_TEST

START_TEST(kind_module_presence_and_args)
{
    factview_file el7[] = {{"/etc/pam.d/system-auth", EL7_SYSTEM_AUTH, IMGB_FT_REG, NULL, 0, 0}};
    ck_assert_int_eq(eval_on(el7, 1, "rhel", id_centos, ver_7,
                             "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":\"pam_unix.so\","
                             "\"arg\":\"sha512\"}", NULL), IMGB_V_PASS);
    ck_assert_int_eq(eval_on(el7, 1, "rhel", id_centos, ver_7,
                             "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":\"pam_pwhistory.so\","
                             "\"arg\":\"remember\",\"op\":\"ge\",\"value\":5}", NULL), IMGB_V_FAIL);
    ck_assert_int_eq(eval_on(el7, 1, "rhel", id_centos, ver_7,
                             "{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":\"pam_rhosts.so\","
                             "\"present\":false}", NULL), IMGB_V_PASS);
    ck_assert_int_eq(eval_on(el7, 1, "rhel", id_centos, ver_7,
                             "{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":\"pam_unix.so\","
                             "\"present\":false}", NULL), IMGB_V_FAIL);
    /* pam_unix remember: compiled default 0 when absent */
    ck_assert_int_eq(eval_on(el7, 1, "rhel", id_centos, ver_7,
                             "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":\"pam_unix.so\","
                             "\"arg\":\"remember\",\"op\":\"ge\",\"value\":5}", NULL), IMGB_V_FAIL);
    factview_file su[] = {{"/etc/pam.d/su", "auth required pam_wheel.so use_uid\n", IMGB_FT_REG,
                           NULL, 0, 0}};
    ck_assert_int_eq(eval_on(su, 1, "debian", NULL, NULL,
                             "{\"kind\":\"pam\",\"file\":\"/etc/pam.d/su\",\"type\":\"auth\","
                             "\"module\":\"pam_wheel.so\",\"arg\":\"use_uid\"}", NULL),
                     IMGB_V_PASS);
}
END_TEST

#define FAILLOCK(arg, op, v)                                                             \
    "{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":\"pam_faillock.so\",\"arg\":\"" arg \
    "\",\"op\":\"" op "\",\"value\":" v "}"

START_TEST(kind_faillock_args_conf_defaults)
{
    factview_file f[] = {
        {"/etc/pam.d/system-auth",
         "auth required pam_faillock.so preauth silent deny=5 unlock_time=900\n"
         "auth sufficient pam_unix.so\n"
         "auth [default=die] pam_faillock.so authfail deny=5 unlock_time=900\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/faillock.conf", "deny = 4\n# unlock_time = 0\n", IMGB_FT_REG, NULL, 0, 0},
    };
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_rocky, ver_9, FAILLOCK("deny", "le", "5"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_rocky, ver_9,
                             FAILLOCK("unlock_time", "ge", "900"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_rocky, ver_9, FAILLOCK("deny", "le", "3"), NULL),
                     IMGB_V_FAIL);
    /* arguments absent: faillock.conf (EL9 pam reads it), else compiled defaults */
    f[0].content = "auth required pam_faillock.so preauth\nauth [default=die] pam_faillock.so "
                   "authfail\n";
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_rocky, ver_9, FAILLOCK("deny", "le", "4"), &msg),
                     IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(msg, "/etc/security/faillock.conf:1"));
    free(msg);
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_rocky, ver_9,
                             FAILLOCK("unlock_time", "ge", "900"), &msg), IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "unlock_time=600"));
    free(msg);
    /* conf=FILE names another file (pam_faillock.c args_parse: "conf=" read first) */
    factview_file g[] = {
        {"/etc/pam.d/system-auth",
         "auth required pam_faillock.so preauth conf=/etc/security/other.conf\n"
         "auth [default=die] pam_faillock.so authfail conf=/etc/security/other.conf\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/faillock.conf", "deny = 4\n", IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/other.conf", "deny = 2\n", IMGB_FT_REG, NULL, 0, 0},
    };
    ck_assert_int_eq(eval_on(g, 3, "rhel", id_rocky, ver_9, FAILLOCK("deny", "eq", "2"), &msg),
                     IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(msg, "/etc/security/other.conf:1"));
    free(msg);
    /* EL7's pam 1.1.8 has no faillock.conf: compiled deny=3 */
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_centos, ver_7, FAILLOCK("deny", "le", "3"), &msg),
                     IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(msg, "compiled-in default of pam_faillock"));
    free(msg);
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_centos, ver_7, FAILLOCK("deny", "le", "2"), NULL),
                     IMGB_V_FAIL);
    /* unlock_time=0: never unlocked automatically, satisfies a lower bound */
    f[0].content = "auth required pam_faillock.so preauth deny=3 unlock_time=0\n"
                   "auth [default=die] pam_faillock.so authfail deny=3 unlock_time=0\n";
    ck_assert_int_eq(eval_on(f, 1, "rhel", id_rocky, ver_9,
                             FAILLOCK("unlock_time", "ge", "900"), NULL), IMGB_V_PASS);
    /* no faillock at all */
    f[0].content = EL7_SYSTEM_AUTH;
    ck_assert_int_eq(eval_on(f, 1, "rhel", id_centos, ver_7, FAILLOCK("deny", "le", "5"), NULL),
                     IMGB_V_FAIL);
}
END_TEST

START_TEST(kind_tally2)
{
    const char *deny = "{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":\"pam_tally2.so\","
                       "\"arg\":\"deny\",\"op\":\"range\",\"min\":1,\"max\":5}";
    const char *unlock = "{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":\"pam_tally2.so\","
                         "\"arg\":\"unlock_time\",\"op\":\"ge\",\"value\":900}";
    factview_file f[] = {
        {"/etc/pam.d/common-auth",
         "auth required pam_tally2.so onerr=fail audit silent deny=5 unlock_time=900\n"
         DEB_COMMON_AUTH, IMGB_FT_REG, NULL, 0, 0},
    };
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, deny, NULL), IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, unlock, NULL), IMGB_V_PASS);
    f[0].content = "auth required pam_tally2.so onerr=fail unlock_time=300\n";
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, deny, NULL), IMGB_V_FAIL); /* 0 */
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, unlock, NULL), IMGB_V_FAIL);
    f[0].content = "auth required pam_tally2.so deny=3\n"; /* stays locked */
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, unlock, NULL), IMGB_V_PASS);
    f[0].content = DEB_COMMON_AUTH; /* Debian default: not configured */
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, deny, NULL), IMGB_V_FAIL);
}
END_TEST

START_TEST(kind_unreadable_stack_is_error)
{
    factview_file f[] = {
        {"/etc/pam.d/common-auth", NULL, IMGB_FT_SYMLINK, "common-auth", 0, 0},
    };
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, NO_NULLOK, NULL), IMGB_V_ERROR);
    ck_assert_int_eq(eval_on(NULL, 0, "debian", NULL, NULL, NO_NULLOK, NULL),
                     IMGB_V_NOT_APPLICABLE);
}
END_TEST

START_TEST(kind_pam_bad_params)
{
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"module\":\"pam_unix.so\"}"), 0);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"stack\":\"login\","
                                         "\"module\":\"pam_unix.so\"}"), 0);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"stack\":\"auth\","
                                         "\"module\":\"x.so\",\"op\":\"le\",\"value\":1}"), 0);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"stack\":\"auth\","
                                         "\"file\":\"/etc/pam.d/su\",\"module\":\"x.so\"}"), 0);
}
END_TEST

/* ---- pwquality ---------------------------------------------------------------------------------- */

#define PWQ(opt, op, v) \
    "{\"kind\":\"pwquality\",\"option\":\"" opt "\",\"op\":\"" op "\",\"value\":" v "}"

static const char el7_pwq_conf[] = "# Configuration for systemwide password quality limits\n"
                                   "# minlen = 9\n"
                                   "# dcredit = 1\n";

START_TEST(pwq_el7_defaults_fail)
{
    factview_file f[] = {
        {"/etc/pam.d/system-auth", EL7_SYSTEM_AUTH, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/pam.d/password-auth", EL7_SYSTEM_AUTH, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", el7_pwq_conf, IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 3, "rhel", id_centos, ver_7, PWQ("minlen", "ge", "14"), &msg),
                     IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "minlen=9"));
    ck_assert_ptr_nonnull(strstr(msg, "libpwquality 1.2.3"));
    free(msg);
    ck_assert_int_eq(eval_on(f, 3, "rhel", id_centos, ver_7, PWQ("dcredit", "le", "-1"), NULL),
                     IMGB_V_FAIL);
    ck_assert_int_eq(eval_on(f, 3, "rhel", id_centos, ver_7, PWQ("difok", "eq", "5"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 3, "rhel", id_centos, ver_7, PWQ("retry", "le", "3"), NULL),
                     IMGB_V_PASS); /* retry=3 argument */
    ck_assert_int_eq(eval_on(f, 3, "rhel", id_centos, ver_7,
                             "{\"kind\":\"pwquality\",\"option\":\"enforce_for_root\","
                             "\"op\":\"present\"}", NULL), IMGB_V_FAIL);
}
END_TEST

START_TEST(pwq_args_override_conf)
{
    factview_file f[] = {
        {"/etc/pam.d/system-auth", EL7_SYSTEM_AUTH, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "minlen = 15\nminlen=12 # later wins\ndcredit=x\n",
         IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_centos, ver_7, PWQ("minlen", "eq", "12"), &msg),
                     IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(msg, "minlen=12"));
    free(msg);
    /* a bad value is ignored: the default stays */
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_centos, ver_7, PWQ("dcredit", "eq", "1"), NULL),
                     IMGB_V_PASS);
    f[0].content = "password requisite pam_pwquality.so minlen=8 retry=3\n";
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_centos, ver_7, PWQ("minlen", "eq", "8"), &msg),
                     IMGB_V_PASS);
    free(msg);
}
END_TEST

START_TEST(pwq_conf_d_order_and_versions)
{
    factview_file f[] = {
        {"/etc/pam.d/common-password",
         "password requisite pam_pwquality.so retry=3\n" DEB_COMMON_PASSWORD, IMGB_FT_REG, NULL,
         0, 0},
        {"/etc/security/pwquality.conf.d/20-b.conf", "minlen = 16\nminclass = 4\n", IMGB_FT_REG,
         NULL, 0, 0},
        {"/etc/security/pwquality.conf.d/10-a.conf", "minlen = 11\nminclass = 2\nocredit = -2\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "# minlen = 9\nocredit = -1\n", IMGB_FT_REG, NULL, 0,
         0},
        {"/var/lib/dpkg/status",
         "Package: libpwquality1\nStatus: install ok installed\nVersion: 1.4.0-3\n\n", IMGB_FT_REG,
         NULL, 0, 0},
    };
    /* sorted: 10-a then 20-b; the main file comes last and wins */
    ck_assert_int_eq(eval_on(f, 5, "debian", NULL, NULL, PWQ("minlen", "eq", "16"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 5, "debian", NULL, NULL, PWQ("minclass", "eq", "4"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 5, "debian", NULL, NULL, PWQ("ocredit", "eq", "-1"), NULL),
                     IMGB_V_PASS);
    /* the same files on EL7 (libpwquality 1.2.3): no pwquality.conf.d */
    f[0].path = "/etc/pam.d/system-auth";
    ck_assert_int_eq(eval_on(f, 4, "rhel", id_centos, ver_7, PWQ("minlen", "eq", "9"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 4, "rhel", id_centos, ver_7, PWQ("ocredit", "eq", "-1"), NULL),
                     IMGB_V_PASS);
}
END_TEST

START_TEST(pwq_retry_in_conf_only_since_141)
{
    factview_file f[] = {
        {"/etc/pam.d/system-auth", "password requisite pam_pwquality.so\n", IMGB_FT_REG, NULL, 0,
         0},
        {"/etc/security/pwquality.conf", "retry = 3\nenforce_for_root\n", IMGB_FT_REG, NULL, 0,
         0},
    };
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_rocky, ver_9, PWQ("retry", "eq", "3"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_rocky, ver_9,
                             "{\"kind\":\"pwquality\",\"option\":\"enforce_for_root\","
                             "\"op\":\"present\"}", NULL), IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 2, "rhel", id_centos, ver_7, PWQ("retry", "eq", "1"), NULL),
                     IMGB_V_PASS);
}
END_TEST

START_TEST(pwq_cracklib_ignores_pwquality_conf)
{
    factview_file f[] = {
        {"/etc/pam.d/common-password",
         "password requisite pam_cracklib.so retry=3 ucredit=-1\n" DEB_COMMON_PASSWORD,
         IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "minlen = 14\n", IMGB_FT_REG, NULL, 0, 0},
    };
    ck_assert_int_eq(eval_on(f, 2, "debian", NULL, NULL, PWQ("minlen", "ge", "14"), NULL),
                     IMGB_V_FAIL);
    ck_assert_int_eq(eval_on(f, 2, "debian", NULL, NULL, PWQ("ucredit", "le", "-1"), NULL),
                     IMGB_V_PASS);
}
END_TEST

START_TEST(pwq_module_absent_fails_no_pam_na)
{
    factview_file f[] = {
        {"/etc/pam.d/common-password", DEB_COMMON_PASSWORD, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "minlen = 14\n", IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 2, "debian", NULL, NULL, PWQ("minlen", "ge", "14"), &msg),
                     IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "not enforced"));
    free(msg);
    ck_assert_int_eq(eval_on(f + 1, 1, "debian", NULL, NULL, PWQ("minlen", "ge", "14"), NULL),
                     IMGB_V_NOT_APPLICABLE);
    ck_assert_int_lt(factview_compile_rc(PWQ("nosuch", "ge", "1")), 0);
}
END_TEST

/* ---- component versions (pkgver.c) ------------------------------------------------------------- */

static const char deb12_status[] =
    "Package: libpam-modules\nStatus: install ok installed\nVersion: 1.5.2-6+deb12u1\n\n"
    "Package: libpwquality1\nStatus: install ok installed\nVersion: 1.4.5-1+b1\n\n"
    "Package: login\nStatus: install ok installed\nVersion: 1:4.13+dfsg1-1+b1\n";

START_TEST(pkgver_dpkg_rpm_table)
{
    factview_file f[] = {{"/var/lib/dpkg/status", deb12_status, IMGB_FT_REG, NULL, 0, 0}};
    factview fv;
    factview_init(&fv, f, 1, "debian");
    const imgb_component_version *v = imgb_component_get(&fv.ctx, IMGB_COMP_LIBPWQUALITY);
    ck_assert_str_eq(v->version, "1.4.5");
    ck_assert(v->known);
    ck_assert_ptr_nonnull(strstr(v->source, "libpwquality1 1.4.5-1+b1"));
    ck_assert_str_eq(imgb_component_get(&fv.ctx, IMGB_COMP_LINUX_PAM)->version, "1.5.2");
    ck_assert_str_eq(imgb_component_get(&fv.ctx, IMGB_COMP_SHADOW)->version, "4.13+dfsg1");
    factview_dispose(&fv);

    /* rpm: "pam\0" must not match the end of "libpam\0" (the NUL before the name counts) */
    static const char rpmdb[] = "xx\0libpam\0" "9.9\0" "1\0pam\0" "1.1.8\0" "25.el7\0"
                                "libpwquality\0" "1.2.3\0" "5.el7\0";
    factview_init(&fv, f, 0, "rhel");
    /* factview files are C strings: apply the NUL-separated blob to the view directly */
    imgb_entry e;
    memset(&e, 0, sizeof e);
    e.path = "var/lib/rpm/Packages";
    e.type = IMGB_FT_REG;
    e.mode = 0644;
    e.content = (const unsigned char *)rpmdb;
    e.content_len = e.size = sizeof rpmdb - 1;
    ck_assert_int_eq(imgb_view_apply(fv.view, 0, &e), 0);
    ck_assert_str_eq(imgb_component_get(&fv.ctx, IMGB_COMP_LINUX_PAM)->version, "1.1.8");
    ck_assert_str_eq(imgb_component_get(&fv.ctx, IMGB_COMP_LIBPWQUALITY)->version, "1.2.3");
    factview_dispose(&fv);

    /* no record: the distro table, then an assumption that says so */
    factview_init(&fv, f, 0, "rhel");
    fv.os.id = id_centos;
    fv.os.version_id = ver_7;
    v = imgb_component_get(&fv.ctx, IMGB_COMP_LIBPWQUALITY);
    ck_assert_str_eq(v->version, "1.2.3");
    ck_assert_ptr_nonnull(strstr(v->source, "distro table: CentOS 7"));
    factview_dispose(&fv);
    factview_init(&fv, f, 0, "other");
    ck_assert(!imgb_component_get(&fv.ctx, IMGB_COMP_LINUX_PAM)->known);
    factview_dispose(&fv);
}
END_TEST

/* ---- libpwquality value rules -------------------------------------------------------------------- */

#define DEB12_PWQ_PASSWORD "password requisite pam_pwquality.so retry=3\n" DEB_COMMON_PASSWORD

/* Expected verdicts of pwquality options on one image. */
typedef struct pwq_expect {
    const char *option, *op, *value;
    imgb_verdict verdict;
} pwq_expect;

static void check_pwq(const factview_file *f, size_t n, const char *family, char *id, char *ver,
                      const pwq_expect *e, size_t ne)
{
    for (size_t i = 0; i < ne; i++) {
        char json[256];
        snprintf(json, sizeof json, PWQ("%s", "%s", "%s"), e[i].option, e[i].op, e[i].value);
        ck_assert_msg(eval_on(f, n, family, id, ver, json, NULL) == e[i].verdict,
                      "%s %s %s on %s: expected %s", e[i].option, e[i].op, e[i].value, family,
                      imgb_verdict_name(e[i].verdict));
    }
}

START_TEST(pwq_defaults_by_release)
{
    /* src/pwqprivate.h, tag libpwquality-1.3.0 and later: PWQ_DEFAULT_MIN_LENGTH 8,
     * PWQ_DEFAULT_*_CREDIT 0, PWQ_DEFAULT_DIFF_OK 1; tag libpwquality-1.2.3: 9, 1, 5 */
    factview_file f[] = {
        {"/etc/pam.d/common-password", DEB12_PWQ_PASSWORD, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "# minlen = 8\n# dcredit = 0\n", IMGB_FT_REG, NULL, 0,
         0},
        {"/var/lib/dpkg/status", deb12_status, IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minlen", "ge", "9"), &msg),
                     IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "minlen=8"));
    ck_assert_ptr_nonnull(strstr(msg, "libpwquality 1.4.5"));
    free(msg);
    static const pwq_expect deb12[] = {
        {"dcredit", "eq", "0", IMGB_V_PASS},
        {"difok", "eq", "1", IMGB_V_PASS},
        {"enforcing", "eq", "1", IMGB_V_PASS},
    };
    check_pwq(f, 3, "debian", NULL, NULL, deb12, 3);
    /* the same stack on EL7 (1.2.3 from the distro table) */
    f[0].path = "/etc/pam.d/system-auth";
    static const pwq_expect el7[] = {
        {"minlen", "eq", "9", IMGB_V_PASS},
        {"dcredit", "eq", "1", IMGB_V_PASS},
        {"difok", "eq", "5", IMGB_V_PASS},
    };
    check_pwq(f, 2, "rhel", id_centos, ver_7, el7, 3);
}
END_TEST

START_TEST(pwq_minlen_floor_and_minclass_cap)
{
    /* settings.c pwquality_set_int_value: "if (value < PWQ_BASE_MIN_LENGTH) value =
     * PWQ_BASE_MIN_LENGTH;" (6); "if (value > PWQ_NUM_CLASSES) value = PWQ_NUM_CLASSES;" */
    factview_file f[] = {
        {"/etc/pam.d/common-password", DEB12_PWQ_PASSWORD, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "minlen = -1\nminclass = 7\n", IMGB_FT_REG, NULL, 0, 0},
        {"/var/lib/dpkg/status", deb12_status, IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minlen", "ge", "6"), &msg),
                     IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(msg, "minlen=6"));
    ck_assert_ptr_nonnull(strstr(msg, "minlen -1 raised to 6"));
    free(msg);
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minlen", "ge", "7"), NULL),
                     IMGB_V_FAIL);
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minclass", "eq", "4"), NULL),
                     IMGB_V_PASS);
    /* pam_cracklib.c: "if (... opt->min_length < CO_MIN_LENGTH_BASE) ... = CO_MIN_LENGTH_BASE" */
    f[0].content = "password requisite pam_cracklib.so minlen=2\n" DEB_COMMON_PASSWORD;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minlen", "eq", "5"), NULL),
                     IMGB_V_PASS);
}
END_TEST

START_TEST(pwq_disabled_repeat_checks)
{
    /* check.c (<= 1.4.5): "if (pwq->max_class_repeat > 1 && sameclass > pwq->max_class_repeat)"
     * -- maxclassrepeat=1 never rejects; "if (pwq->max_repeat > 0 && ...)" likewise for 0 */
    factview_file f[] = {
        {"/etc/pam.d/common-password", DEB12_PWQ_PASSWORD, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "maxclassrepeat = 1\nmaxrepeat = 0\n", IMGB_FT_REG,
         NULL, 0, 0},
        {"/var/lib/dpkg/status", deb12_status, IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("maxclassrepeat", "le", "4"), &msg),
                     IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "disables the check"));
    free(msg);
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("maxrepeat", "le", "3"), NULL),
                     IMGB_V_FAIL);
    /* 2 limits: passes an upper bound of 4 */
    f[1].content = "maxclassrepeat = 2\nmaxrepeat = 3\n";
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("maxclassrepeat", "le", "4"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("maxrepeat", "le", "3"), NULL),
                     IMGB_V_PASS);
}
END_TEST

START_TEST(pwq_enforcing_zero_enforces_nothing)
{
    /* pam_pwquality.c: with enforcing=0 a failed check is only a warning ("enforcing" in
     * settings.c s_map since 1.3.0) */
    factview_file f[] = {
        {"/etc/pam.d/common-password", DEB12_PWQ_PASSWORD, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "minlen = 14\nenforcing = 0\n", IMGB_FT_REG, NULL, 0,
         0},
        {"/var/lib/dpkg/status", deb12_status, IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minlen", "ge", "8"), &msg),
                     IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "enforcing=0"));
    free(msg);
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("enforcing", "eq", "1"), NULL),
                     IMGB_V_FAIL);
    /* a module argument overrides the conf: enforcing=1 on the line enforces again */
    f[0].content = "password requisite pam_pwquality.so enforcing=1\n" DEB_COMMON_PASSWORD;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minlen", "ge", "8"), NULL),
                     IMGB_V_PASS);
}
END_TEST

START_TEST(pwq_conf_read_stops_at_bad_line)
{
    /* settings.c read_config_file: "if ((rv=set_name_value(pwq, name, ptr)) != 0) { ...
     * break; }" -- an unknown name or a bad integer ends the read of the file */
    factview_file f[] = {
        {"/etc/pam.d/common-password", DEB12_PWQ_PASSWORD, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/security/pwquality.conf", "minlen=12\nMinClass = 2\nbogus = 1\nminclass = 3\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/var/lib/dpkg/status", deb12_status, IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minlen", "eq", "12"), NULL),
                     IMGB_V_PASS); /* the name ends at '=' */
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minclass", "eq", "2"), &msg),
                     IMGB_V_PASS); /* strcasecmp names; line 4 is never read */
    ck_assert_ptr_nonnull(strstr(msg, "stopped reading /etc/security/pwquality.conf at line 3"));
    free(msg);
    /* "if (len && linebuf[len - 1] != '\n' && !feof(f)) return PWQ_ERROR_CFGFILE_MALFORMED" */
    char *longconf = malloc(1100 + 40);
    memset(longconf, '#', 1100);
    strcpy(longconf + 1100, "\nminlen = 12\n");
    f[1].content = longconf;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, PWQ("minlen", "eq", "8"), &msg),
                     IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(msg, "longer than 1023 bytes"));
    free(msg);
    free(longconf);
}
END_TEST

START_TEST(pwq_module_jumped_over_enforces_nothing)
{
    factview_file f[] = {
        {"/etc/pam.d/common-password",
         "password [success=2 default=ignore] pam_unix.so obscure sha512\n"
         "password requisite pam_pwquality.so minlen=14\n"
         "password requisite pam_deny.so\n"
         "password required pam_permit.so\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/var/lib/dpkg/status", deb12_status, IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 2, "debian", NULL, NULL, PWQ("minlen", "ge", "14"), &msg),
                     IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "not on the success path"));
    free(msg);
}
END_TEST

/* ---- the stack model ------------------------------------------------------------------------------ */

START_TEST(model_debian_success_path)
{
    /* pam_dispatch.c: "[success=1 default=ignore]" skips the next module on success */
    factview_file f[] = {
        {"/etc/pam.d/common-password", DEB12_PWQ_PASSWORD, IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    factview_init(&fv, f, 1, "debian");
    imgb_pam_stack *s = imgb_pam_load(fv.view, "/etc/pam.d/common-password");
    ck_assert_uint_eq(s->nlines, 4);
    ck_assert(s->lines[0].on_success_path && s->lines[1].on_success_path);
    ck_assert(!s->lines[2].on_success_path); /* pam_deny */
    ck_assert(s->lines[2].reachable);        /* when pam_unix fails */
    ck_assert_ptr_nonnull(strstr(s->lines[2].skipped_by, "pam_unix.so"));
    ck_assert(s->lines[3].on_success_path);
    ck_assert_int_eq(s->lines[0].pos, 1);
    ck_assert_int_eq(s->lines[3].pos, 4);
    imgb_pam_stack_free(s);
    factview_dispose(&fv);
}
END_TEST

START_TEST(model_jumps_substack_done)
{
    /* a jump counts a substack as one module; done inside a substack ends only the substack */
    factview_file f[] = {
        {"/etc/pam.d/svc",
         "auth [success=1 default=ignore] pam_a.so\n"
         "auth substack sub\n"
         "auth required pam_after.so\n"
         "auth requisite pam_deny.so\n"
         "auth required pam_last.so\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/etc/pam.d/sub", "auth sufficient pam_s1.so\nauth required pam_s2.so\n", IMGB_FT_REG,
         NULL, 0, 0},
    };
    factview fv;
    factview_init(&fv, f, 2, "rhel");
    imgb_pam_stack *s = imgb_pam_load(fv.view, "/etc/pam.d/svc");
    ck_assert_uint_eq(s->nlines, 6);
    ck_assert_int_eq(s->lines[1].level, 1);
    ck_assert(!s->lines[1].on_success_path && !s->lines[2].on_success_path); /* jumped */
    ck_assert(s->lines[1].reachable);           /* when pam_a fails */
    ck_assert(s->lines[2].reachable);           /* pam_s2: when pam_a and pam_s1 fail */
    ck_assert(s->lines[3].on_success_path);     /* pam_after */
    ck_assert(s->lines[4].on_success_path);     /* pam_deny runs, fails: requisite dies */
    ck_assert(!s->lines[5].on_success_path && !s->lines[5].reachable); /* after requisite deny */
    ck_assert_ptr_nonnull(strstr(s->lines[5].skipped_by, "ends the stack on failure"));
    imgb_pam_stack_free(s);
    factview_dispose(&fv);

    /* a control with many values stays bounded; the last success= counts */
    f[0].content = "auth [success=5 success=1 new_authtok_reqd=ok ignore=ignore user_unknown=bad "
                   "auth_err=die cred_err=1 a=1 b=1 c=1 d=1 e=1 f=1 g=1 h=1 i=1 j=1 k=1 l=1 "
                   "m=1 n=1 o=1 p=1 q=1 r=1 s=1 t=1 default=ignore] pam_a.so\n"
                   "auth required pam_b.so\nauth required pam_c.so\n";
    factview_init(&fv, f, 2, "rhel");
    s = imgb_pam_load(fv.view, "/etc/pam.d/svc");
    ck_assert(!s->lines[1].on_success_path && s->lines[2].on_success_path);
    imgb_pam_stack_free(s);
    factview_dispose(&fv);

    /* sufficient pam_s1 success (done) inside the substack: the parent goes on */
    f[0].content = "auth substack sub\nauth required pam_after.so\n";
    factview_init(&fv, f, 2, "rhel");
    s = imgb_pam_load(fv.view, "/etc/pam.d/svc");
    ck_assert(s->lines[0].on_success_path && !s->lines[1].on_success_path);
    ck_assert(s->lines[2].on_success_path);
    imgb_pam_stack_free(s);
    factview_dispose(&fv);
}
END_TEST

START_TEST(kind_jumped_line_does_not_count)
{
    /* baselines.md 1.3: "a second pam_unix line placed after a success=2 line may never run" */
    factview_file f[] = {
        {"/etc/pam.d/common-password",
         "password [success=2 default=ignore] pam_unix.so obscure use_authtok\n"
         "password [success=1 default=ignore] pam_unix.so sha512\n"
         "password requisite pam_deny.so\n"
         "password required pam_permit.so\n",
         IMGB_FT_REG, NULL, 0, 0},
    };
    const char *sha = "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":\"pam_unix.so\","
                      "\"arg\":\"sha512\"}";
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, sha, NULL), IMGB_V_FAIL);
    /* the other way round: the line that runs has sha512, the jumped one does not count */
    f[0].content = "password [success=2 default=ignore] pam_unix.so sha512\n"
                   "password [success=1 default=ignore] pam_unix.so md5\n"
                   "password requisite pam_deny.so\n"
                   "password required pam_permit.so\n";
    imgb_item_result r;
    factview fv;
    factview_init(&fv, f, 1, "debian");
    factview_eval(&fv, sha, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    ck_assert_ptr_nonnull(factview_find_evidence(&r, "does not count: not on the success path"));
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
    /* reachable: all restores the line-by-line view */
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL,
                             "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":\"pam_unix.so\","
                             "\"arg\":\"sha512\",\"reachable\":\"all\"}", NULL), IMGB_V_FAIL);
}
END_TEST

START_TEST(kind_unix_remember_capped)
{
    /* modules/pam_unix/support.c: "if (*remember > 400) *remember = 400;" */
    factview_file f[] = {
        {"/etc/pam.d/common-password",
         "password [success=1 default=ignore] pam_unix.so sha512 remember=1000\n"
         "password requisite pam_deny.so\npassword required pam_permit.so\n",
         IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL,
                             "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":"
                             "\"pam_unix.so\",\"arg\":\"remember\",\"op\":\"ge\",\"value\":500}",
                             &msg), IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "remember=400"));
    ck_assert_ptr_nonnull(strstr(msg, "capped at 400"));
    free(msg);
}
END_TEST

START_TEST(kind_arg_one_of)
{
    /* Debian 11+ pam_unix hashes with yescrypt: "sha512 or yescrypt" as one item */
    const char *strong = "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":\"pam_unix.so\","
                         "\"arg\":[\"sha512\",\"yescrypt\"]}";
    factview_file f[] = {{"/etc/pam.d/common-password", DEB12_PWQ_PASSWORD, IMGB_FT_REG, NULL,
                          0, 0}};
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, strong, NULL), IMGB_V_PASS); /* sha512 */
    f[0].content = "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n"
                   "password requisite pam_deny.so\npassword required pam_permit.so\n";
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, strong, NULL), IMGB_V_PASS);
    f[0].content = "password [success=1 default=ignore] pam_unix.so obscure md5\n"
                   "password requisite pam_deny.so\npassword required pam_permit.so\n";
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, strong, NULL), IMGB_V_FAIL);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":"
                                         "\"x\",\"arg\":[\"a\",1]}"), 0);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":"
                                         "\"x\",\"arg\":[\"a\",\"b\"],\"op\":\"eq\","
                                         "\"value\":1}"), 0);
}
END_TEST

START_TEST(kind_first_and_missing)
{
    /* the first password module prompts itself; every later one needs use_authtok */
    const char *later = "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":\"pam_unix.so\","
                        "\"first\":false,\"arg\":\"use_authtok\",\"missing\":\"pass\"}";
    factview_file f[] = {{"/etc/pam.d/common-password", DEB12_PWQ_PASSWORD, IMGB_FT_REG, NULL,
                          0, 0}};
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, later, NULL), IMGB_V_FAIL);
    f[0].content = "password requisite pam_pwquality.so\n"
                   "password [success=1 default=ignore] pam_unix.so use_authtok sha512\n"
                   "password requisite pam_deny.so\npassword required pam_permit.so\n";
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, later, NULL), IMGB_V_PASS);
    f[0].content = DEB_COMMON_PASSWORD; /* pam_unix first: nothing to require */
    ck_assert_int_eq(eval_on(f, 1, "debian", NULL, NULL, later, NULL), IMGB_V_PASS);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":\"x\","
                                         "\"reachable\":\"sometimes\"}"), 0);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"stack\":\"auth\",\"module\":\"x\","
                                         "\"first\":\"yes\"}"), 0);
}
END_TEST

#define FAILLOCK_SEQ                                                                        \
    "{\"kind\":\"pam\",\"sequence\":[{\"type\":\"auth\",\"module\":\"pam_faillock.so\","  \
    "\"arg\":\"preauth\"},{\"type\":\"auth\",\"module\":\"pam_faillock.so\",\"arg\":"      \
    "\"authfail\"},{\"type\":\"account\",\"module\":\"pam_faillock.so\"}]}"

START_TEST(kind_sequence_faillock)
{
    factview_file f[] = {
        {"/etc/pam.d/common-auth",
         "auth required pam_faillock.so preauth\n"
         "auth [success=1 default=ignore] pam_unix.so nullok\n"
         "auth [default=die] pam_faillock.so authfail\n"
         "auth requisite pam_deny.so\n"
         "auth required pam_permit.so\n",
         IMGB_FT_REG, NULL, 0, 0},
        {"/etc/pam.d/common-account", "account required pam_unix.so\n"
                                      "account required pam_faillock.so\n",
         IMGB_FT_REG, NULL, 0, 0},
    };
    ck_assert_int_eq(eval_on(f, 2, "debian", NULL, NULL, FAILLOCK_SEQ, NULL), IMGB_V_PASS);
    /* authfail before preauth: not in order */
    f[0].content = "auth [default=die] pam_faillock.so authfail\n"
                   "auth required pam_faillock.so preauth\n"
                   "auth sufficient pam_unix.so\n";
    ck_assert_int_eq(eval_on(f, 2, "debian", NULL, NULL, FAILLOCK_SEQ, NULL), IMGB_V_FAIL);
    /* preauth alone records nothing (pam_faillock.c: only the authfail call writes a record):
     * the deny item fails too */
    f[0].content = "auth required pam_faillock.so preauth deny=3\nauth sufficient pam_unix.so\n";
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 2, "debian", NULL, NULL, FAILLOCK_SEQ, NULL), IMGB_V_FAIL);
    ck_assert_int_eq(eval_on(f, 2, "debian", NULL, NULL, FAILLOCK("deny", "le", "5"), &msg),
                     IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "failures are never recorded"));
    free(msg);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"pam\",\"sequence\":[{\"type\":\"auth\"}]}"),
                     0);
    ck_assert_str_eq(imgb_error_last(), "pam: sequence entry 1: missing parameter 'module'");
}
END_TEST

START_TEST(kind_faillock_root_unlock_time)
{
    /* pam_faillock.c: root_unlock_time not configured -> "opts->root_unlock_time =
     * opts->unlock_time" */
    factview_file f[] = {
        {"/etc/pam.d/system-auth",
         "auth required pam_faillock.so preauth even_deny_root unlock_time=900\n"
         "auth sufficient pam_unix.so\n"
         "auth [default=die] pam_faillock.so authfail even_deny_root unlock_time=900\n",
         IMGB_FT_REG, NULL, 0, 0},
    };
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 1, "rhel", id_rocky, ver_9,
                             FAILLOCK("root_unlock_time", "ge", "60"), &msg), IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(msg, "root_unlock_time=900"));
    ck_assert_ptr_nonnull(strstr(msg, "unlock_time applies"));
    free(msg);
    /* pam_faillock(8): "The value 0 has the same meaning as value never" -- never unlocked
     * satisfies any lower bound */
    f[0].content = "auth required pam_faillock.so preauth even_deny_root unlock_time=never\n"
                   "auth sufficient pam_unix.so\n"
                   "auth [default=die] pam_faillock.so authfail unlock_time=never\n";
    ck_assert_int_eq(eval_on(f, 1, "rhel", id_rocky, ver_9,
                             FAILLOCK("root_unlock_time", "ge", "900"), &msg), IMGB_V_PASS);
    ck_assert_ptr_nonnull(strstr(msg, "root_unlock_time=0"));
    free(msg);
}
END_TEST

START_TEST(kind_pwhistory_conf_from_153)
{
    /* pwhistory.conf (modules/pam_pwhistory/pwhistory_config.c) exists from Linux-PAM 1.5.3;
     * pam_pwhistory.c default remember = 10 */
    char status[256];
    snprintf(status, sizeof status, "Package: libpam-modules\nStatus: install ok installed\n"
                                    "Version: 1.5.2-6+deb12u1\n");
    factview_file f[] = {
        {"/etc/pam.d/common-password",
         "password requisite pam_pwhistory.so use_authtok\n" DEB_COMMON_PASSWORD, IMGB_FT_REG,
         NULL, 0, 0},
        {"/etc/security/pwhistory.conf", "remember = 24\n", IMGB_FT_REG, NULL, 0, 0},
        {"/var/lib/dpkg/status", status, IMGB_FT_REG, NULL, 0, 0},
    };
    const char *rem = "{\"kind\":\"pam\",\"stack\":\"password\",\"module\":\"pam_pwhistory.so\","
                      "\"arg\":\"remember\",\"op\":\"ge\",\"value\":24}";
    char *msg = NULL;
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, rem, &msg), IMGB_V_FAIL);
    ck_assert_ptr_nonnull(strstr(msg, "remember=10"));
    ck_assert_ptr_nonnull(strstr(msg, "only since Linux-PAM 1.5.3"));
    free(msg);
    snprintf(status, sizeof status, "Package: libpam-modules\nStatus: install ok installed\n"
                                    "Version: 1.5.3-5\n");
    ck_assert_int_eq(eval_on(f, 3, "debian", NULL, NULL, rem, NULL), IMGB_V_PASS);
}
END_TEST

static Suite *pam_suite(void)
{
    Suite *s = suite_create("pam");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, pam_line_syntax);
    tcase_add_test(tc, pam_args_last_wins);
    tcase_add_test(tc, pam_include_type_filtered_and_debian_at_include);
    tcase_add_test(tc, pam_include_loop_and_missing_target);
    tcase_add_test(tc, pam_include_depth_bounded);
    tcase_add_test(tc, pam_overlong_line_stops_file);
    tcase_add_test(tc, pam_family_stack_files);
    suite_add_tcase(s, tc);
    tc = tcase_create("pam_kind");
    tcase_add_test(tc, kind_nullok_vs_nullok_secure);
    tcase_add_test(tc, kind_module_presence_and_args);
    tcase_add_test(tc, kind_faillock_args_conf_defaults);
    tcase_add_test(tc, kind_tally2);
    tcase_add_test(tc, kind_unreadable_stack_is_error);
    tcase_add_test(tc, kind_pam_bad_params);
    suite_add_tcase(s, tc);
    tc = tcase_create("pwquality");
    tcase_add_test(tc, pwq_el7_defaults_fail);
    tcase_add_test(tc, pwq_args_override_conf);
    tcase_add_test(tc, pwq_conf_d_order_and_versions);
    tcase_add_test(tc, pwq_retry_in_conf_only_since_141);
    tcase_add_test(tc, pwq_cracklib_ignores_pwquality_conf);
    tcase_add_test(tc, pwq_module_absent_fails_no_pam_na);
    tcase_add_test(tc, pkgver_dpkg_rpm_table);
    tcase_add_test(tc, pwq_defaults_by_release);
    tcase_add_test(tc, pwq_minlen_floor_and_minclass_cap);
    tcase_add_test(tc, pwq_disabled_repeat_checks);
    tcase_add_test(tc, pwq_enforcing_zero_enforces_nothing);
    tcase_add_test(tc, pwq_conf_read_stops_at_bad_line);
    tcase_add_test(tc, pwq_module_jumped_over_enforces_nothing);
    tcase_add_test(tc, model_debian_success_path);
    tcase_add_test(tc, model_jumps_substack_done);
    tcase_add_test(tc, kind_jumped_line_does_not_count);
    tcase_add_test(tc, kind_first_and_missing);
    tcase_add_test(tc, kind_arg_one_of);
    tcase_add_test(tc, kind_unix_remember_capped);
    tcase_add_test(tc, kind_sequence_faillock);
    tcase_add_test(tc, kind_faillock_root_unlock_time);
    tcase_add_test(tc, kind_pwhistory_conf_from_153);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pam_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
