/*
 * Tests of engine/facts/logindefs.c and the `login_defs` kind: shadow 4.6 getdef.c semantics
 * (last occurrence wins, case-sensitive keys, quotes, octal/hex, unparsable values and
 * inline comments falling back to the built-in default), /etc/default/useradd, and the SSG
 * conformance cases of ../shared/conformance/ssg for the login.defs rules.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "facts/logindefs.h"
#include "factview.h"
#include "util/mem.h"

static imgb_defs *ld(const char *text)
{
    return imgb_defs_parse("/etc/login.defs", IMGB_DEFS_LOGIN_DEFS, text, strlen(text));
}

/* Resolve `key` and return its effective text (malloc'd, "(none)" if no value). */
static char *ld_value(const char *text, const char *key)
{
    imgb_defs *d = ld(text);
    imgb_defs_value v;
    imgb_defs_resolve(d, IMGB_DEFS_LOGIN_DEFS, key, NULL, false, &v);
    char *s = imgb_xstrdup(v.has_value ? v.text : "(none)");
    imgb_defs_value_dispose(&v);
    imgb_defs_free(d);
    return s;
}

typedef struct ld_case {
    const char *text;
    const char *key;
    const char *expected;
} ld_case;

static const ld_case ld_cases[] = {
    /* last occurrence wins (putdef_str replaces) */
    {"PASS_MAX_DAYS 60\nPASS_MAX_DAYS 120\n", "PASS_MAX_DAYS", "120"},
    {"PASS_MAX_DAYS 120\nPASS_MAX_DAYS 30\n", "PASS_MAX_DAYS", "30"},
    /* keys are case-sensitive: the lower-case line is another (unknown) key */
    {"PASS_MAX_DAYS 90\npass_max_days 30\n", "PASS_MAX_DAYS", "90"},
    {"pass_max_days 30\n", "PASS_MAX_DAYS", "-1"},
    /* leading blanks, tabs, comments */
    {"   \tPASS_MIN_DAYS\t\t7\n", "PASS_MIN_DAYS", "7"},
    {"#PASS_MIN_DAYS 7\n  # PASS_MIN_DAYS 8\n", "PASS_MIN_DAYS", "-1"},
    /* quotes: the value starts after spaces/tabs/'"' and stops at the next '"' */
    {"ENCRYPT_METHOD \"SHA512\"\n", "ENCRYPT_METHOD", "SHA512"},
    {"ENCRYPT_METHOD \"SHA512\" trailing\n", "ENCRYPT_METHOD", "SHA512"},
    {"PASS_MAX_DAYS \"90\"\n", "PASS_MAX_DAYS", "90"},
    /* trailing whitespace (CR included) trimmed */
    {"PASS_WARN_AGE 7  \r\n", "PASS_WARN_AGE", "7"},
    /* octal and hex (strtol base 0) */
    {"UMASK 077\n", "UMASK", "63"},
    {"UMASK 0x1f\n", "UMASK", "31"},
    {"UMASK 099\n", "UMASK", "18"},          /* invalid octal: default 022 */
    /* unparsable numbers fall back to the built-in default */
    {"PASS_MAX_DAYS ninety\n", "PASS_MAX_DAYS", "-1"},
    {"PASS_MAX_DAYS 90 # ninety days\n", "PASS_MAX_DAYS", "-1"}, /* inline comment */
    {"PASS_MAX_DAYS 90\nPASS_MAX_DAYS 9x\n", "PASS_MAX_DAYS", "-1"}, /* last one is bad */
    {"PASS_MIN_LEN 99999999999\n", "PASS_MIN_LEN", "0"}, /* beyond int: getdef_num default */
    /* a key alone on its line is ignored */
    {"PASS_MAX_DAYS 90\nPASS_MAX_DAYS\n", "PASS_MAX_DAYS", "90"},
    /* built-in defaults */
    {"", "UMASK", "18"},
    {"", "UID_MIN", "1000"},
    {"", "PASS_MIN_LEN", "0"},
    {"UID_MIN -5\n", "UID_MIN", "1000"}, /* getdef_ulong refuses a sign */
    {"", "ENCRYPT_METHOD", "DES"},
    {"MD5_CRYPT_ENAB yes\n", "ENCRYPT_METHOD", "MD5"},
    {"", "NO_SUCH_KEY", "(none)"},
    /* shadow lib/salt.c SHA_get_salt_rounds:
     *   "if (-1 == min && -1 == max) rounds = SHA_ROUNDS_DEFAULT;" (5000) */
    {"", "SHA_CRYPT_MIN_ROUNDS", "5000"},
    {"", "SHA_CRYPT_MAX_ROUNDS", "5000"},
    {"SHA_CRYPT_MIN_ROUNDS -1\n", "SHA_CRYPT_MIN_ROUNDS", "5000"}, /* -1 is "not set" */
    /*   "if (-1 == min) min = max;" / "if (-1 == max) max = min;" */
    {"SHA_CRYPT_MAX_ROUNDS 3000\n", "SHA_CRYPT_MIN_ROUNDS", "3000"},
    {"SHA_CRYPT_MIN_ROUNDS 20000\n", "SHA_CRYPT_MAX_ROUNDS", "20000"},
    /*   "if (min > max) max = min;" */
    {"SHA_CRYPT_MIN_ROUNDS 9000\nSHA_CRYPT_MAX_ROUNDS 6000\n", "SHA_CRYPT_MAX_ROUNDS", "9000"},
    {"SHA_CRYPT_MIN_ROUNDS 6000\nSHA_CRYPT_MAX_ROUNDS 9000\n", "SHA_CRYPT_MIN_ROUNDS", "6000"},
    /*   "if (rounds < SHA_ROUNDS_MIN) rounds = SHA_ROUNDS_MIN;" (1000), getdef_long of a bad
     *   number is the default -1 */
    {"SHA_CRYPT_MIN_ROUNDS 10\n", "SHA_CRYPT_MIN_ROUNDS", "1000"},
    {"SHA_CRYPT_MIN_ROUNDS many\nSHA_CRYPT_MAX_ROUNDS 8000\n", "SHA_CRYPT_MIN_ROUNDS", "8000"},
};

START_TEST(logindefs_semantics)
{
    const ld_case *c = &ld_cases[_i];
    char *v = ld_value(c->text, c->key);
    ck_assert_msg(strcmp(v, c->expected) == 0, "%s in %s: got %s, expected %s", c->key,
                  c->text, v, c->expected);
    free(v);
}
END_TEST

START_TEST(logindefs_keeps_line_numbers)
{
    imgb_defs *d = ld("# c\n\nPASS_MAX_DAYS 60\nUMASK 022\nPASS_MAX_DAYS 45\n");
    const imgb_defs_entry *e = imgb_defs_find(d, "PASS_MAX_DAYS");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->line, 5);
    ck_assert_str_eq(e->value, "45");
    imgb_defs_value v;
    imgb_defs_resolve(d, IMGB_DEFS_LOGIN_DEFS, "PASS_MAX_DAYS", NULL, false, &v);
    ck_assert_str_eq(v.source, "/etc/login.defs:5");
    ck_assert(!v.is_default);
    imgb_defs_value_dispose(&v);
    imgb_defs_free(d);
}
END_TEST

START_TEST(logindefs_default_cites_source)
{
    imgb_defs *d = ld("PASS_MAX_DAYS 90 # comment\n");
    imgb_defs_value v;
    imgb_defs_resolve(d, IMGB_DEFS_LOGIN_DEFS, "PASS_MAX_DAYS", NULL, false, &v);
    ck_assert(v.unparsable);
    ck_assert(v.is_default);
    ck_assert_int_eq(v.num, -1);
    ck_assert_ptr_nonnull(strstr(v.source, "src/useradd.c"));
    imgb_defs_value_dispose(&v);
    /* a rule default replaces the built-in one */
    imgb_defs_resolve(d, IMGB_DEFS_LOGIN_DEFS, "PASS_MAX_DAYS", "99999", false, &v);
    ck_assert_int_eq(v.num, 99999);
    ck_assert_ptr_nonnull(strstr(v.source, "rule default"));
    imgb_defs_value_dispose(&v);
    imgb_defs_free(d);
}
END_TEST

START_TEST(logindefs_long_line_read_in_fgets_pieces)
{
    /* getdef.c reads 1023 bytes at a time: the rest of a long line is parsed as a line */
    char text[2100];
    memset(text, 'x', 1023);
    memcpy(text + 1023, "UMASK 027\n", 11);
    imgb_defs *d = ld(text);
    const imgb_defs_entry *e = imgb_defs_find(d, "UMASK");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->value, "027");
    ck_assert_int_eq(e->line, 1);
    imgb_defs_free(d);
}
END_TEST

START_TEST(useradd_inactive)
{
    static const struct {
        const char *text;
        long long expected;
    } cases[] = {
        {"INACTIVE=30\n", 30},
        {"INACTIVE=30\nINACTIVE=-1\n", -1},
        {"INACTIVE = 30\n", -1},   /* key is "INACTIVE " : not INACTIVE */
        {"INACTIVE=30 \n", -1},    /* getlong over the whole value */
        {"#INACTIVE=30\n", -1},
        {"INACTIVE=-5\n", -1},     /* below -1: configuration error, -1 */
        {"GROUP=100\n", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        imgb_defs *d = imgb_defs_parse("/etc/default/useradd", IMGB_DEFS_USERADD,
                                       cases[i].text, strlen(cases[i].text));
        imgb_defs_value v;
        imgb_defs_resolve(d, IMGB_DEFS_USERADD, "INACTIVE", NULL, false, &v);
        ck_assert_msg(v.num == cases[i].expected, "%s: %lld", cases[i].text, v.num);
        imgb_defs_value_dispose(&v);
        imgb_defs_free(d);
    }
}
END_TEST

/* ---- the login_defs kind --------------------------------------------------------------------- */

static imgb_verdict ld_kind(const char *logindefs, const char *check)
{
    factview_file files[] = {{"/etc/login.defs", logindefs, IMGB_FT_REG, NULL, 0, 0}};
    factview fv;
    factview_init(&fv, files, logindefs ? 1 : 0, "debian");
    imgb_item_result r;
    factview_eval(&fv, check, &r);
    imgb_verdict v = r.verdict;
    ck_assert_uint_ge(r.nevidence, 1);
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
    return v;
}

#define MAXDAYS_LE_90 "{\"kind\":\"login_defs\",\"key\":\"PASS_MAX_DAYS\",\"op\":\"le\",\"value\":90}"

START_TEST(kind_last_wins_and_defaults)
{
    ck_assert_int_eq(ld_kind("PASS_MAX_DAYS 60\n", MAXDAYS_LE_90), IMGB_V_PASS);
    ck_assert_int_eq(ld_kind("PASS_MAX_DAYS 60\nPASS_MAX_DAYS 99999\n", MAXDAYS_LE_90),
                     IMGB_V_FAIL);
    ck_assert_int_eq(ld_kind("PASS_MAX_DAYS 99999\nPASS_MAX_DAYS 60\n", MAXDAYS_LE_90),
                     IMGB_V_PASS);
    /* absent: built-in default -1 means no maximum, never "<= 90" */
    ck_assert_int_eq(ld_kind("# PASS_MAX_DAYS 60\n", MAXDAYS_LE_90), IMGB_V_FAIL);
    ck_assert_int_eq(ld_kind("PASS_MAX_DAYS -1\n", MAXDAYS_LE_90), IMGB_V_FAIL);
    ck_assert_int_eq(ld_kind(NULL, MAXDAYS_LE_90), IMGB_V_FAIL);
    /* inline comment: unparsable, default applies */
    ck_assert_int_eq(ld_kind("PASS_MAX_DAYS 60 # days\n", MAXDAYS_LE_90), IMGB_V_FAIL);
    /* rule default for an absent key */
    ck_assert_int_eq(ld_kind("", "{\"kind\":\"login_defs\",\"key\":\"PASS_MIN_LEN\","
                                 "\"op\":\"ge\",\"value\":5,\"default\":\"8\"}"),
                     IMGB_V_PASS);
}
END_TEST

START_TEST(kind_sha_crypt_rounds)
{
    const char *min5000 = "{\"kind\":\"login_defs\",\"key\":\"SHA_CRYPT_MIN_ROUNDS\","
                          "\"op\":\"ge\",\"value\":5000}";
    ck_assert_int_eq(ld_kind("# nothing\n", min5000), IMGB_V_PASS); /* 5000 built in */
    ck_assert_int_eq(ld_kind("SHA_CRYPT_MAX_ROUNDS 4000\n", min5000), IMGB_V_FAIL);
    ck_assert_int_eq(ld_kind("SHA_CRYPT_MAX_ROUNDS 4000\nSHA_CRYPT_MIN_ROUNDS 5000\n", min5000),
                     IMGB_V_PASS);
    factview_file f[] = {{"/etc/login.defs", "SHA_CRYPT_MAX_ROUNDS 4000\n", IMGB_FT_REG, NULL,
                          0, 0}};
    factview fv;
    imgb_item_result r;
    factview_init(&fv, f, 1, "debian");
    factview_eval(&fv, min5000, &r);
    ck_assert_ptr_nonnull(factview_find_evidence(&r, "SHA_CRYPT_MAX_ROUNDS 4000 is used for both"));
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
}
END_TEST

START_TEST(kind_octal_umask)
{
    const char *check = "{\"kind\":\"login_defs\",\"key\":\"UMASK\",\"op\":\"ge\","
                        "\"value\":\"027\",\"octal\":true}";
    ck_assert_int_eq(ld_kind("UMASK 077\n", check), IMGB_V_PASS);
    ck_assert_int_eq(ld_kind("UMASK 022\n", check), IMGB_V_FAIL);
    ck_assert_int_eq(ld_kind("UMASK 027\n", check), IMGB_V_PASS);
    ck_assert_int_eq(ld_kind("", check), IMGB_V_FAIL); /* 022 built in */
    const char *eq = "{\"kind\":\"login_defs\",\"key\":\"UMASK\",\"op\":\"eq\","
                     "\"value\":\"027\",\"octal\":true}";
    ck_assert_int_eq(ld_kind("UMASK 0027\n", eq), IMGB_V_PASS);
    ck_assert_int_eq(ld_kind("UMASK 23\n", eq), IMGB_V_PASS);
}
END_TEST

START_TEST(kind_case_sensitive_string)
{
    const char *check = "{\"kind\":\"login_defs\",\"key\":\"ENCRYPT_METHOD\",\"op\":\"in\","
                        "\"values\":[\"SHA512\",\"YESCRYPT\"]}";
    ck_assert_int_eq(ld_kind("ENCRYPT_METHOD SHA512\n", check), IMGB_V_PASS);
    ck_assert_int_eq(ld_kind("ENCRYPT_METHOD sha512\n", check), IMGB_V_FAIL);
    ck_assert_int_eq(ld_kind("encrypt_method SHA512\n", check), IMGB_V_FAIL);
    ck_assert_int_eq(ld_kind("", check), IMGB_V_FAIL); /* DES */
}
END_TEST

START_TEST(kind_evidence)
{
    factview_file files[] = {{"/etc/login.defs", "PASS_MAX_DAYS 30\nPASS_MAX_DAYS 99999\n",
                              IMGB_FT_REG, NULL, 0, 0}};
    factview fv;
    factview_init(&fv, files, 1, "rhel");
    imgb_item_result r;
    factview_eval(&fv, MAXDAYS_LE_90, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 1);
    ck_assert_str_eq(r.evidence[0].file, "/etc/login.defs");
    ck_assert_int_eq(r.evidence[0].line, 2);
    ck_assert_str_eq(r.evidence[0].value, "99999");
    ck_assert_str_eq(r.evidence[0].source, "/etc/login.defs:2");
    ck_assert_str_eq(r.evidence[0].expected, "PASS_MAX_DAYS <= 90");
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
}
END_TEST

START_TEST(kind_unreadable_is_error)
{
    factview_file files[] = {
        {"/etc/login.defs", NULL, IMGB_FT_SYMLINK, "/etc/loop", 0, 0},
        {"/etc/loop", NULL, IMGB_FT_SYMLINK, "/etc/login.defs", 0, 0},
    };
    factview fv;
    factview_init(&fv, files, 2, "rhel");
    imgb_item_result r;
    factview_eval(&fv, MAXDAYS_LE_90, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_ERROR);
    ck_assert_ptr_nonnull(factview_find_evidence(&r, "cannot read /etc/login.defs"));
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
}
END_TEST

START_TEST(kind_useradd_inactive)
{
    const char *check = "{\"kind\":\"login_defs\",\"file\":\"/etc/default/useradd\","
                        "\"key\":\"INACTIVE\",\"op\":\"le\",\"value\":30}";
    factview_file files[] = {{"/etc/default/useradd", "INACTIVE=30\n", IMGB_FT_REG, NULL, 0, 0}};
    factview fv;
    factview_init(&fv, files, 1, "rhel");
    imgb_item_result r;
    factview_eval(&fv, check, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);

    files[0].content = "INACTIVE=-1\n"; /* never disabled */
    factview_init(&fv, files, 1, "rhel");
    factview_eval(&fv, check, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
}
END_TEST

START_TEST(kind_bad_params)
{
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"login_defs\",\"op\":\"le\",\"value\":1}"),
                     0);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"login_defs\",\"key\":\"X\"}"), 0);
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"login_defs\",\"key\":\"X\",\"op\":\"le\","
                                         "\"value\":1,\"bogus\":1}"),
                     0);
    ck_assert_int_eq(factview_compile_rc("{\"kind\":\"login_defs\",\"key\":\"X\",\"op\":\"le\","
                                         "\"value\":1}"),
                     0);
    /* the loader adds _rules_dir to every check */
    ck_assert_int_eq(factview_compile_rc("{\"kind\":\"login_defs\",\"key\":\"X\",\"op\":\"le\","
                                         "\"value\":1,\"_rules_dir\":\"/r\"}"),
                     0);
}
END_TEST

/* ---- SSG conformance cases (../shared/conformance/ssg) ---------------------------------------- */

typedef struct conf_rule {
    const char *rule;
    const char *key;
    const char *op;      /* comparison against the case's ssg_threshold */
    const char *var;
} conf_rule;

static const conf_rule conf_rules[] = {
    {"accounts_maximum_age_login_defs", "PASS_MAX_DAYS", "le",
     "var_accounts_maximum_age_login_defs"},
    {"accounts_minimum_age_login_defs", "PASS_MIN_DAYS", "ge",
     "var_accounts_minimum_age_login_defs"},
    {"accounts_password_warn_age_login_defs", "PASS_WARN_AGE", "ge",
     "var_accounts_password_warn_age_login_defs"},
    {"set_password_hashing_algorithm_logindefs", "ENCRYPT_METHOD", "in",
     "var_password_hashing_algorithm"},
};

static char *conf_check_json(const conf_rule *cr, const json_t *threshold)
{
    const json_t *t = json_object_get(threshold, cr->var);
    char *tv = json_is_string(t) ? imgb_xstrdup(json_string_value(t))
                                 : imgb_xasprintf("%lld", (long long)json_integer_value(t));
    json_t *check = json_pack("{s:s, s:s, s:s}", "kind", "login_defs", "key", cr->key, "op",
                              cr->op);
    if (strcmp(cr->op, "in") == 0) {
        json_t *values = json_array();
        for (char *save = NULL, *tok = strtok_r(tv, "|", &save); tok;
             tok = strtok_r(NULL, "|", &save))
            json_array_append_new(values, json_string(tok));
        json_object_set_new(check, "values", values);
    } else {
        json_object_set_new(check, "value", json_integer(strtoll(tv, NULL, 10)));
    }
    char *s = json_dumps(check, 0);
    json_decref(check);
    free(tv);
    return s;
}

START_TEST(ssg_conformance_login_defs)
{
    char *shared = factview_shared_dir();
    static const char *const paths[] = {"/etc/login.defs", NULL};
    size_t ncases = 0;

    for (size_t r = 0; r < sizeof conf_rules / sizeof conf_rules[0]; r++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/conformance/ssg/cases/%s", shared, conf_rules[r].rule);
        DIR *d = opendir(dir);
        ck_assert_msg(d != NULL, "no conformance cases in %s", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char case_dir[4600], expect_path[4700];
            snprintf(case_dir, sizeof case_dir, "%s/%s", dir, de->d_name);
            snprintf(expect_path, sizeof expect_path, "%s/expect.json", case_dir);
            json_error_t jerr;
            json_t *expect = json_load_file(expect_path, 0, &jerr);
            ck_assert_msg(expect != NULL, "%s: %s", expect_path, jerr.text);
            factview_file files[2];
            size_t n = factview_case_files(shared, case_dir, paths, files);
            char *check = conf_check_json(&conf_rules[r], json_object_get(expect,
                                                                          "ssg_threshold"));
            factview fv;
            factview_init(&fv, files, n, "debian");
            imgb_item_result res;
            factview_eval(&fv, check, &res);
            const char *want = json_string_value(json_object_get(expect, "real_verdict"));
            const char *got = res.verdict == IMGB_V_PASS ? "pass"
                              : res.verdict == IMGB_V_FAIL ? "fail" : "other";
            ck_assert_msg(strcmp(want, got) == 0, "%s/%s: got %s, want %s (%s); evidence: %s",
                          conf_rules[r].rule, de->d_name, got, want,
                          json_string_value(json_object_get(expect, "why")),
                          res.nevidence ? res.evidence[0].message : "none");
            ncases++;
            imgb_item_result_dispose(&res);
            factview_dispose(&fv);
            factview_case_free(files, n);
            free(check);
            json_decref(expect);
        }
        closedir(d);
    }
    ck_assert_uint_ge(ncases, 20);
    free(shared);
}
END_TEST

static Suite *logindefs_suite(void)
{
    Suite *s = suite_create("logindefs");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, logindefs_semantics, 0, sizeof ld_cases / sizeof ld_cases[0]);
    tcase_add_test(tc, logindefs_keeps_line_numbers);
    tcase_add_test(tc, logindefs_default_cites_source);
    tcase_add_test(tc, logindefs_long_line_read_in_fgets_pieces);
    tcase_add_test(tc, useradd_inactive);
    suite_add_tcase(s, tc);
    tc = tcase_create("kind");
    tcase_add_test(tc, kind_last_wins_and_defaults);
    tcase_add_test(tc, kind_octal_umask);
    tcase_add_test(tc, kind_sha_crypt_rounds);
    tcase_add_test(tc, kind_case_sensitive_string);
    tcase_add_test(tc, kind_evidence);
    tcase_add_test(tc, kind_unreadable_is_error);
    tcase_add_test(tc, kind_useradd_inactive);
    tcase_add_test(tc, kind_bad_params);
    suite_add_tcase(s, tc);
    tc = tcase_create("conformance");
    tcase_add_test(tc, ssg_conformance_login_defs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(logindefs_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
