/*
 * Tests of engine/facts/accounts.c: passwd/shadow/group/gshadow parsing, malformed lines,
 * NIS compat lines, the passwd/shadow join and hash classification.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "facts/accounts.h"

static imgb_accounts *parse4(const char *passwd, const char *shadow, const char *group,
                             const char *gshadow)
{
    imgb_accounts *a = imgb_accounts_new();
    if (passwd)
        imgb_accounts_parse(a, IMGB_ACCT_PASSWD, passwd, strlen(passwd));
    if (shadow)
        imgb_accounts_parse(a, IMGB_ACCT_SHADOW, shadow, strlen(shadow));
    if (group)
        imgb_accounts_parse(a, IMGB_ACCT_GROUP, group, strlen(group));
    if (gshadow)
        imgb_accounts_parse(a, IMGB_ACCT_GSHADOW, gshadow, strlen(gshadow));
    imgb_accounts_finish(a);
    return a;
}

/* ---- parsing ------------------------------------------------------------------------------ */

START_TEST(passwd_fields_and_line_numbers)
{
    imgb_accounts *a = parse4("root:x:0:0:root:/root:/bin/bash\n"
                              "\n"
                              "# comment\n"
                              "  daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
                              NULL, NULL, NULL);
    ck_assert_uint_eq(a->npw, 2);
    ck_assert_str_eq(a->pw[0].name, "root");
    ck_assert_int_eq(a->pw[0].uid, 0);
    ck_assert_int_eq(a->pw[0].line, 1);
    ck_assert_str_eq(a->pw[1].name, "daemon");
    ck_assert_str_eq(a->pw[1].shell, "/usr/sbin/nologin");
    ck_assert_int_eq(a->pw[1].gid, 1);
    ck_assert_int_eq(a->pw[1].line, 4);
    ck_assert_uint_eq(a->nissues, 0);
    ck_assert_int_eq(a->src[IMGB_ACCT_PASSWD].status, 0);
    ck_assert_int_eq(a->src[IMGB_ACCT_SHADOW].status, IMGB_ENOTFOUND);
    imgb_accounts_free(a);
}
END_TEST

START_TEST(passwd_malformed_lines_are_issues)
{
    imgb_accounts *a = parse4("root:x:0:0:root:/root:/bin/bash\n"
                              "short:x:1\n"
                              "baduid:x:abc:1::/:/bin/sh\n"
                              "toolong:x:1:1::/:/bin/sh:extra\n"
                              "huge:x:4294967296:1::/:/bin/sh\n"
                              "ok:x:4294967295:1::/:/bin/sh",
                              NULL, NULL, NULL);
    ck_assert_uint_eq(a->npw, 2);
    ck_assert_str_eq(a->pw[1].name, "ok");
    ck_assert_int_eq(a->pw[1].line, 6);
    ck_assert_uint_eq(a->nissues, 4);
    ck_assert_str_eq(a->issues[0].file, "/etc/passwd");
    ck_assert_int_eq(a->issues[0].line, 2);
    ck_assert_str_eq(a->issues[0].message, "expected 7 ':'-separated fields, found 3");
    ck_assert_int_eq(a->issues[1].line, 3);
    ck_assert_str_eq(a->issues[1].message, "uid is not a number between 0 and 4294967295");
    ck_assert_int_eq(a->issues[2].line, 4);
    ck_assert_int_eq(a->issues[3].line, 5);
    imgb_accounts_free(a);
}
END_TEST

START_TEST(passwd_nul_byte_line_is_issue)
{
    static const char data[] = "a:x:0:0::/:/bin/sh\nb:x:1\0:1::/:/bin/sh\nc:x:2:2::/:/bin/sh\n";
    imgb_accounts *a = imgb_accounts_new();
    imgb_accounts_parse(a, IMGB_ACCT_PASSWD, data, sizeof data - 1);
    imgb_accounts_finish(a);
    ck_assert_uint_eq(a->npw, 2);
    ck_assert_uint_eq(a->nissues, 1);
    ck_assert_int_eq(a->issues[0].line, 2);
    ck_assert_str_eq(a->issues[0].message, "line contains a NUL byte");
    imgb_accounts_free(a);
}
END_TEST

START_TEST(nis_lines_flagged_not_issues)
{
    imgb_accounts *a = parse4("root:x:0:0::/root:/bin/sh\n+\n+@admins::::::\n-baduser\n",
                              "+::0:0:0::::\n", "+:::\n", NULL);
    ck_assert_uint_eq(a->nissues, 0);
    ck_assert_uint_eq(a->npw, 4);
    ck_assert(!a->pw[0].nis);
    ck_assert(a->pw[1].nis);
    ck_assert_str_eq(a->pw[1].name, "+");
    ck_assert(a->pw[2].nis);
    ck_assert(a->pw[3].nis);
    ck_assert_uint_eq(a->nsp, 1);
    ck_assert(a->sp[0].nis);
    ck_assert_uint_eq(a->ngr, 1);
    ck_assert(a->gr[0].nis);
    /* NIS lines never join nor answer lookups */
    ck_assert_ptr_null(imgb_accounts_find_passwd(a, "+"));
    ck_assert_uint_eq(a->njoined, 1);
    imgb_accounts_free(a);
}
END_TEST

START_TEST(shadow_fields_empty_is_unset)
{
    imgb_accounts *a = parse4(NULL,
                              "root:$6$s$h:19000:0:99999:7:::\n"
                              "sshd:!:19000::::::\n"
                              "old:*:18000:1:2:3\n"       /* old 5-field... 6 here: issue */
                              "five:x:1:2:3\n"            /* OFIELDS form */
                              "eight:!!:1:2:3:4:5:6\n"    /* reserved field dropped */
                              "neg:x:-1:-1:-1:-1:-1:-1:\n"
                              "bad:x:1:2:abc:4:5:6:\n",
                              NULL, NULL);
    ck_assert_uint_eq(a->nsp, 5);
    ck_assert_str_eq(a->sp[0].hash, "$6$s$h");
    ck_assert_int_eq(a->sp[0].lastchg, 19000);
    ck_assert_int_eq(a->sp[0].max, 99999);
    ck_assert_int_eq(a->sp[0].inactive, IMGB_ACCT_UNSET);
    ck_assert_int_eq(a->sp[1].min, IMGB_ACCT_UNSET);
    ck_assert_int_eq(a->sp[1].max, IMGB_ACCT_UNSET);
    ck_assert_str_eq(a->sp[2].name, "five");
    ck_assert_int_eq(a->sp[2].max, 3);
    ck_assert_int_eq(a->sp[2].warn, IMGB_ACCT_UNSET);
    ck_assert_str_eq(a->sp[3].name, "eight");
    ck_assert_int_eq(a->sp[3].expire, 6);
    ck_assert_int_eq(a->sp[4].lastchg, IMGB_ACCT_UNSET);
    ck_assert_uint_eq(a->nissues, 2);
    ck_assert_str_eq(a->issues[0].file, "/etc/shadow");
    ck_assert_int_eq(a->issues[0].line, 3);
    ck_assert_int_eq(a->issues[1].line, 7);
    ck_assert_str_eq(a->issues[1].message, "maximum age field (5) is not a number of days");
    imgb_accounts_free(a);
}
END_TEST

START_TEST(group_members_and_gshadow)
{
    imgb_accounts *a = parse4(NULL, NULL,
                              "root:x:0:\nshadow:x:42:alice,bob\nwheel:x:10:,carol,\nbad:x:z:\n",
                              "shadow:!:admin1:alice\n");
    ck_assert_uint_eq(a->ngr, 3);
    ck_assert_uint_eq(a->gr[0].nmembers, 0);
    ck_assert_uint_eq(a->gr[1].nmembers, 2);
    ck_assert_str_eq(a->gr[1].members[1], "bob");
    ck_assert_uint_eq(a->gr[2].nmembers, 1);
    ck_assert_str_eq(a->gr[2].members[0], "carol");
    ck_assert_uint_eq(a->nissues, 1);
    ck_assert_str_eq(a->issues[0].file, "/etc/group");
    ck_assert_int_eq(a->issues[0].line, 4);
    ck_assert_uint_eq(a->ngs, 1);
    ck_assert_str_eq(a->gs[0].admins[0], "admin1");
    ck_assert_ptr_eq(imgb_accounts_find_gid(a, 42), &a->gr[1]);
    ck_assert_ptr_eq(imgb_accounts_find_group(a, "wheel"), &a->gr[2]);
    ck_assert_ptr_null(imgb_accounts_find_gid(a, 7));
    imgb_accounts_free(a);
}
END_TEST

START_TEST(join_by_name_first_entry_wins)
{
    imgb_accounts *a = parse4("root:x:0:0::/root:/bin/sh\n"
                              "bob:x:1000:1000::/home/bob:/bin/sh\n"
                              "bob:x:1001:1001::/home/bob2:/bin/sh\n"
                              "nosp:x:1002:1002::/:/bin/sh\n",
                              "bob:$6$a$b:1:2:3:4:::\n"
                              "root:!:1::::::\n"
                              "orphan:$1$x$y:1::::::\n"
                              "bob:$6$c$d:1:2:3:4:::\n",
                              NULL, NULL);
    ck_assert_uint_eq(a->njoined, 4);
    ck_assert_str_eq(a->joined[0].pw->name, "root");
    ck_assert_str_eq(a->joined[0].sp->hash, "!");
    ck_assert_int_eq(a->joined[1].pw->uid, 1000);
    ck_assert_str_eq(a->joined[1].sp->hash, "$6$a$b");
    ck_assert_str_eq(a->joined[2].pw->name, "nosp");
    ck_assert_ptr_null(a->joined[2].sp);
    ck_assert_ptr_null(a->joined[3].pw);
    ck_assert_str_eq(a->joined[3].sp->name, "orphan");
    imgb_accounts_free(a);
}
END_TEST

/* ---- hash classification ------------------------------------------------------------------- */

typedef struct hash_case {
    const char *field;
    imgb_hash_kind kind;
    bool locked;
    bool ages_matter;
} hash_case;

static const hash_case hash_cases[] = {
    {"", IMGB_HASH_EMPTY, false, true},
    {"!", IMGB_HASH_LOCKED, true, false},
    {"!!", IMGB_HASH_LOCKED, true, false},
    {"*", IMGB_HASH_LOCKED, true, false},
    {"!*", IMGB_HASH_LOCKED, true, false},
    {"!locked", IMGB_HASH_LOCKED, true, false},
    {"*LK*", IMGB_HASH_LOCKED, true, false},
    {"abJnggxhB/yWI", IMGB_HASH_DES, false, true},
    {"abJnggxhB/yW", IMGB_HASH_UNKNOWN, false, true},
    {"_J9..CCCCXBrJUJV154M", IMGB_HASH_BSDI_DES, false, true},
    {"$1$salt$hash", IMGB_HASH_MD5, false, true},
    {"$5$salt$hash", IMGB_HASH_SHA256, false, true},
    {"$6$salt$hash", IMGB_HASH_SHA512, false, true},
    {"!$6$salt$hash", IMGB_HASH_SHA512, true, false},
    {"!!$1$salt$hash", IMGB_HASH_MD5, true, false},
    {"$y$j9T$salt$hash", IMGB_HASH_YESCRYPT, false, true},
    {"$gy$j9T$salt$hash", IMGB_HASH_GOST_YESCRYPT, false, true},
    {"$2a$10$abc", IMGB_HASH_BCRYPT, false, true},
    {"$2b$10$abc", IMGB_HASH_BCRYPT, false, true},
    {"$2y$10$abc", IMGB_HASH_BCRYPT, false, true},
    {"$sha1$19703$salt$hash", IMGB_HASH_SHA1, false, true},
    {"$md5,rounds=5000$salt$$hash", IMGB_HASH_SUN_MD5, false, true},
    {"$9$whatever", IMGB_HASH_UNKNOWN, false, true},
    {"x", IMGB_HASH_UNKNOWN, false, true},
};

START_TEST(hash_classification)
{
    const hash_case *c = &hash_cases[_i];
    imgb_hash_class cls = imgb_hash_classify(c->field);
    ck_assert_msg(cls.kind == c->kind, "'%s': kind %s, expected %s", c->field,
                  imgb_hash_kind_name(cls.kind), imgb_hash_kind_name(c->kind));
    ck_assert_msg(cls.locked == c->locked, "'%s': locked %d", c->field, cls.locked);
    ck_assert_msg(imgb_hash_ages_matter(c->field) == c->ages_matter, "'%s'", c->field);
}
END_TEST

START_TEST(hash_locked_prefix_stripped)
{
    imgb_hash_class c = imgb_hash_classify("!$6$salt$hash");
    ck_assert_str_eq(c.hash, "$6$salt$hash");
    ck_assert_str_eq(imgb_hash_kind_name(c.kind), "sha512");
}
END_TEST

static Suite *accounts_suite(void)
{
    Suite *s = suite_create("accounts");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, passwd_fields_and_line_numbers);
    tcase_add_test(tc, passwd_malformed_lines_are_issues);
    tcase_add_test(tc, passwd_nul_byte_line_is_issue);
    tcase_add_test(tc, nis_lines_flagged_not_issues);
    tcase_add_test(tc, shadow_fields_empty_is_unset);
    tcase_add_test(tc, group_members_and_gshadow);
    tcase_add_test(tc, join_by_name_first_entry_wins);
    suite_add_tcase(s, tc);
    tc = tcase_create("hash");
    tcase_add_loop_test(tc, hash_classification, 0, sizeof hash_cases / sizeof hash_cases[0]);
    tcase_add_test(tc, hash_locked_prefix_stripped);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(accounts_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
