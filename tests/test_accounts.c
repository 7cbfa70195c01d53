/*
 * Tests of engine/facts/accounts.c: passwd/shadow/group/gshadow parsing, malformed lines,
 * NIS compat lines, the passwd/shadow join and hash classification; the passwd, shadow and
 * group kinds (every predicate, positive and negative) and the SSG conformance cases.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "facts/accounts.h"
#include "factview.h"

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


/* ---- the passwd / shadow / group kinds ----------------------------------------------------- */

#define PASSWD_OK "root:x:0:0:root:/root:/bin/bash\n" \
                  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" \
                  "sync:x:4:65534:sync:/bin:/bin/sync\n" \
                  "alice:x:1000:1000::/home/alice:/bin/bash\n"
#define GROUP_OK "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\nalice:x:1000:\nshadow:x:42:\n"
#define SHADOW_OK "root:*:19000:0:99999:7:::\n" \
                  "daemon:*:19000:0:99999:7:::\n" \
                  "sync:*:19000:0:99999:7:::\n" \
                  "alice:$6$salt$hash:19000:7:60:14:30::\n"

/* Evaluate `check` on an image with these three files (NULL: absent). */
static imgb_verdict acct_kind(const char *passwd, const char *shadow, const char *group,
                              const char *check, size_t *noffend)
{
    factview_file files[4];
    size_t n = 0;
    const char *contents[] = {passwd, shadow, group};
    const char *paths[] = {"/etc/passwd", "/etc/shadow", "/etc/group"};
    for (size_t i = 0; i < 3; i++) {
        if (!contents[i])
            continue;
        memset(&files[n], 0, sizeof files[n]);
        files[n].path = paths[i];
        files[n].content = contents[i];
        n++;
    }
    factview fv;
    factview_init(&fv, files, n, "debian");
    imgb_item_result r;
    factview_eval(&fv, check, &r);
    ck_assert_uint_ge(r.nevidence, 1);
    if (noffend) {
        *noffend = 0;
        for (size_t i = 0; i < r.nevidence; i++)
            *noffend += r.evidence[i].verdict == IMGB_V_FAIL;
    }
    imgb_verdict v = r.verdict;
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
    return v;
}

#define PW(pred) "{\"kind\":\"passwd\",\"predicate\":\"" pred "\"}"
#define SP(pred) "{\"kind\":\"shadow\",\"predicate\":\"" pred "\"}"
#define GR(pred) "{\"kind\":\"group\",\"predicate\":\"" pred "\"}"

START_TEST(kind_uid0_only_root)
{
    size_t n;
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, NULL, PW("uid0_only_root"), NULL), IMGB_V_PASS);
    /* a locked account with UID 0 still is root (SSG's scenario says pass; it is not) */
    ck_assert_int_eq(acct_kind(PASSWD_OK "toor:x:0:0::/root:/bin/sh\n", NULL, NULL,
                               PW("uid0_only_root"), &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(acct_kind("", NULL, NULL, PW("uid0_only_root"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(NULL, NULL, NULL, PW("uid0_only_root"), NULL),
                     IMGB_V_NOT_APPLICABLE);
}
END_TEST

START_TEST(kind_duplicates)
{
    size_t n;
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, NULL, PW("duplicate_uid"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK "bob:x:1000:1000::/:/bin/sh\ncarl:x:1000:1::/:/bin/sh\n",
                               NULL, NULL, PW("duplicate_uid"), &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, NULL, PW("duplicate_name"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK "alice:x:1001:1000::/:/bin/sh\n", NULL, NULL,
                               PW("duplicate_name"), &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(acct_kind(NULL, NULL, GROUP_OK, GR("duplicate_gid"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(NULL, NULL, GROUP_OK "dup:x:42:\n", GR("duplicate_gid"), &n),
                     IMGB_V_FAIL);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(acct_kind(NULL, NULL, GROUP_OK, GR("duplicate_name"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(NULL, NULL, GROUP_OK "root:x:99:\n", GR("duplicate_name"), &n),
                     IMGB_V_FAIL);
}
END_TEST

START_TEST(kind_legacy_plus)
{
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, NULL, PW("legacy_plus"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK "+::::::\n", NULL, NULL, PW("legacy_plus"), NULL),
                     IMGB_V_FAIL);
    /* '-' compat lines exclude, they are not '+' entries */
    ck_assert_int_eq(acct_kind(PASSWD_OK "-bob::::::\n", NULL, NULL, PW("legacy_plus"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(NULL, NULL, GROUP_OK "+:::\n", GR("legacy_plus"), NULL),
                     IMGB_V_FAIL);
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK "+::::::::\n", NULL, SP("legacy_plus"), NULL),
                     IMGB_V_FAIL);
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK, NULL, SP("legacy_plus"), NULL), IMGB_V_PASS);
}
END_TEST

START_TEST(kind_root_gid0)
{
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, NULL, PW("root_gid0"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind("root:x:0:10::/root:/bin/sh\n", NULL, NULL, PW("root_gid0"), NULL),
                     IMGB_V_FAIL);
    ck_assert_int_eq(acct_kind("alice:x:1000:1000::/:/bin/sh\n", NULL, NULL, PW("root_gid0"),
                               NULL), IMGB_V_FAIL);
}
END_TEST

START_TEST(kind_system_nologin)
{
    size_t n;
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, NULL, PW("system_nologin"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK "games:x:5:60::/:/bin/sh\n"
                               "empty:x:6:60::/:\n"
                               "halt:x:7:0::/:/sbin/halt\n"
                               "ftp:x:14:50::/:/bin/false\n",
                               NULL, NULL, PW("system_nologin"), &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 2); /* games and the empty shell (/bin/sh) */
}
END_TEST

START_TEST(kind_system_nologin_uses_login_defs_uid_min)
{
    factview_file files[] = {
        {"/etc/passwd", PASSWD_OK "svc:x:600:600::/:/bin/bash\n", IMGB_FT_REG, NULL, 0, 0},
        {"/etc/login.defs", "UID_MIN 500\n", IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    imgb_item_result r;
    factview_init(&fv, files, 2, "rhel");
    factview_eval(&fv, PW("system_nologin"), &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS); /* 600 >= UID_MIN 500: a user */
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
    files[1].content = "UID_MIN 1000\nUID_MIN 700\n";
    factview_init(&fv, files, 2, "rhel");
    factview_eval(&fv, PW("system_nologin"), &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL); /* last UID_MIN wins: 600 < 700 */
    const imgb_evidence *ev = factview_find_evidence(&r, "UID_MIN 700");
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(ev->account, "svc");
    ck_assert_int_eq(ev->line, 5);
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
}
END_TEST

START_TEST(kind_shadowed_never_echoes_hash)
{
    factview_file files[] = {
        {"/etc/passwd", "root:$6$salt$secret:0:0::/root:/bin/sh\n", IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    imgb_item_result r;
    factview_init(&fv, files, 1, "rhel");
    factview_eval(&fv, PW("shadowed"), &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    for (size_t i = 0; i < r.nevidence; i++) {
        ck_assert(!r.evidence[i].value || !strstr(r.evidence[i].value, "secret"));
        ck_assert(!r.evidence[i].message || !strstr(r.evidence[i].message, "secret"));
    }
    ck_assert_str_eq(r.evidence[0].value, "sha512");
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, NULL, PW("shadowed"), NULL), IMGB_V_PASS);
}
END_TEST

START_TEST(kind_groups_exist)
{
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, GROUP_OK, PW("groups_exist"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK "bob:x:1001:4242::/:/bin/sh\n", NULL, GROUP_OK,
                               PW("groups_exist"), NULL), IMGB_V_FAIL);
}
END_TEST

START_TEST(kind_empty_password)
{
    size_t n;
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK, NULL, SP("empty_password"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK "bob::19000:0:99999:7:::\n", NULL,
                               SP("empty_password"), &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 1);
    /* an empty passwd field needs no shadow entry at all (CVE-2019-5021-like) */
    ck_assert_int_eq(acct_kind("root::0:0::/root:/bin/sh\n", NULL, NULL, SP("empty_password"),
                               &n), IMGB_V_FAIL);
    ck_assert_int_eq(acct_kind(NULL, NULL, NULL, SP("empty_password"), NULL),
                     IMGB_V_NOT_APPLICABLE);
}
END_TEST

START_TEST(kind_shadow_ages)
{
    size_t n;
    const char *max90 = "{\"kind\":\"shadow\",\"predicate\":\"max_days\",\"op\":\"le\",\"value\":90}";
    const char *min1 = "{\"kind\":\"shadow\",\"predicate\":\"min_days\",\"op\":\"ge\",\"value\":1}";
    const char *warn7 = "{\"kind\":\"shadow\",\"predicate\":\"warn_age\",\"op\":\"ge\",\"value\":7}";
    const char *inact = "{\"kind\":\"shadow\",\"predicate\":\"inactive\",\"op\":\"le\",\"value\":30}";
    /* locked accounts (root '*') are skipped; alice complies */
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK, NULL, max90, NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK, NULL, min1, NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK, NULL, warn7, NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK, NULL, inact, NULL), IMGB_V_PASS);
    const char *bad = SHADOW_OK "bob:$6$x$y:19000:0:99999:7:::\n"  /* max too long */
                      "carl:$1$x$y:19000:::::\n"                   /* empty fields fail */
                      "dave:!$6$x$y:19000:0:99999:7:::\n"          /* locked: skipped */
                      "erin::19000:0:99999:7:::\n";                /* empty hash counts */
    ck_assert_int_eq(acct_kind(PASSWD_OK, bad, NULL, max90, &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(acct_kind(PASSWD_OK, bad, NULL, min1, &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(acct_kind(PASSWD_OK, bad, NULL, warn7, &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 1); /* carl */
    ck_assert_int_eq(acct_kind(PASSWD_OK, bad, NULL, inact, &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(kind_last_change_past)
{
    /* factview's ctx->now is 1700000000: day 19675 */
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK "bob:!:19675:::::\n", NULL,
                               SP("last_change_past"), NULL), IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK "bob:!:19676:::::\n", NULL,
                               SP("last_change_past"), NULL), IMGB_V_FAIL);
    ck_assert_int_eq(acct_kind(PASSWD_OK, SHADOW_OK "bob:!::::::\n", NULL,
                               SP("last_change_past"), NULL), IMGB_V_PASS);
}
END_TEST

START_TEST(kind_shadow_group_empty)
{
    size_t n;
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, GROUP_OK, GR("shadow_group_empty"), NULL),
                     IMGB_V_PASS);
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, "shadow:x:42:alice,bob\n",
                               GR("shadow_group_empty"), &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(acct_kind(PASSWD_OK "svc:x:900:42::/:/usr/sbin/nologin\n", NULL, GROUP_OK,
                               GR("shadow_group_empty"), &n), IMGB_V_FAIL);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(acct_kind(PASSWD_OK, NULL, "root:x:0:\n", GR("shadow_group_empty"), NULL),
                     IMGB_V_PASS);
}
END_TEST

START_TEST(kind_malformed_lines_reported_not_fatal)
{
    factview_file files[] = {
        {"/etc/passwd", PASSWD_OK "broken:x:1\n", IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    imgb_item_result r;
    factview_init(&fv, files, 1, "debian");
    factview_eval(&fv, PW("uid0_only_root"), &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    const imgb_evidence *ev = factview_find_evidence(&r, "line skipped");
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(ev->file, "/etc/passwd");
    ck_assert_int_eq(ev->line, 5);
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
}
END_TEST

START_TEST(kind_unreadable_file_is_error)
{
    factview_file files[] = {
        {"/etc/shadow", NULL, IMGB_FT_SYMLINK, "/etc/shadow", 0, 0},
        {"/etc/passwd", PASSWD_OK, IMGB_FT_REG, NULL, 0, 0},
    };
    factview fv;
    imgb_item_result r;
    factview_init(&fv, files, 2, "debian");
    factview_eval(&fv, SP("empty_password"), &r);
    ck_assert_int_eq(r.verdict, IMGB_V_ERROR);
    ck_assert_ptr_nonnull(factview_find_evidence(&r, "cannot read /etc/shadow"));
    imgb_item_result_dispose(&r);
    factview_dispose(&fv);
}
END_TEST

START_TEST(kind_bad_params)
{
    ck_assert_int_lt(factview_compile_rc(PW("no_such")), 0);
    ck_assert_int_lt(factview_compile_rc(PW("empty_password")), 0); /* a shadow predicate */
    ck_assert_int_lt(factview_compile_rc(SP("max_days")), 0);       /* needs a comparison */
    ck_assert_int_lt(factview_compile_rc("{\"kind\":\"passwd\",\"predicate\":\"shadowed\","
                                         "\"op\":\"eq\",\"value\":1}"), 0);
    ck_assert_int_eq(factview_compile_rc(GR("legacy_plus")), 0);
}
END_TEST

START_TEST(kind_loaded_from_layers)
{
    /* a later layer replaces /etc/shadow: the merged view decides */
    factview_file files[] = {
        {"/etc/passwd", PASSWD_OK, IMGB_FT_REG, NULL, 0, 0},
        {"/etc/shadow", SHADOW_OK "bob::1:::::\n", IMGB_FT_REG, NULL, 0, 0},
        {"/etc/shadow", SHADOW_OK, IMGB_FT_REG, NULL, 1, 0},
    };
    factview fv;
    imgb_item_result r;
    factview_init(&fv, files, 3, "debian");
    factview_eval(&fv, SP("empty_password"), &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    /* memoised: a second item reads the same parsed accounts */
    const imgb_accounts *a1 = imgb_accounts_get(&fv.ctx);
    const imgb_accounts *a2 = imgb_accounts_get(&fv.ctx);
    ck_assert_ptr_eq(a1, a2);
    ck_assert_uint_eq(a1->nsp, 4);
    factview_dispose(&fv);
}
END_TEST

/* ---- SSG conformance: accounts_no_uid_except_zero, no_empty_passwords_etc_shadow ------------- */

START_TEST(ssg_conformance_accounts)
{
    static const struct {
        const char *rule;
        const char *check;
    } rules[] = {
        {"accounts_no_uid_except_zero", PW("uid0_only_root")},
        {"no_empty_passwords_etc_shadow", SP("empty_password")},
    };
    static const char *const paths[] = {"/etc/passwd", "/etc/shadow", "/etc/group", NULL};
    char *shared = factview_shared_dir();
    size_t ncases = 0;

    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/conformance/ssg/cases/%s", shared, rules[i].rule);
        DIR *d = opendir(dir);
        ck_assert_msg(d != NULL, "no cases in %s", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char case_dir[4600], expect_path[4700];
            snprintf(case_dir, sizeof case_dir, "%s/%s", dir, de->d_name);
            snprintf(expect_path, sizeof expect_path, "%s/expect.json", case_dir);
            json_t *expect = json_load_file(expect_path, 0, NULL);
            ck_assert_ptr_nonnull(expect);
            factview_file files[3];
            size_t n = factview_case_files(shared, case_dir, paths, files);
            factview fv;
            factview_init(&fv, files, n, "debian");
            imgb_item_result r;
            factview_eval(&fv, rules[i].check, &r);
            const char *want = json_string_value(json_object_get(expect, "real_verdict"));
            const char *got = r.verdict == IMGB_V_PASS ? "pass"
                              : r.verdict == IMGB_V_FAIL ? "fail" : "other";
            ck_assert_msg(strcmp(want, got) == 0, "%s/%s: got %s, want %s (%s)", rules[i].rule,
                          de->d_name, got, want,
                          json_string_value(json_object_get(expect, "why")));
            ncases++;
            imgb_item_result_dispose(&r);
            factview_dispose(&fv);
            factview_case_free(files, n);
            json_decref(expect);
        }
        closedir(d);
    }
    ck_assert_uint_ge(ncases, 5);
    free(shared);
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
    tc = tcase_create("kinds");
    tcase_add_test(tc, kind_uid0_only_root);
    tcase_add_test(tc, kind_duplicates);
    tcase_add_test(tc, kind_legacy_plus);
    tcase_add_test(tc, kind_root_gid0);
    tcase_add_test(tc, kind_system_nologin);
    tcase_add_test(tc, kind_system_nologin_uses_login_defs_uid_min);
    tcase_add_test(tc, kind_shadowed_never_echoes_hash);
    tcase_add_test(tc, kind_groups_exist);
    tcase_add_test(tc, kind_empty_password);
    tcase_add_test(tc, kind_shadow_ages);
    tcase_add_test(tc, kind_last_change_past);
    tcase_add_test(tc, kind_shadow_group_empty);
    tcase_add_test(tc, kind_malformed_lines_reported_not_fatal);
    tcase_add_test(tc, kind_unreadable_file_is_error);
    tcase_add_test(tc, kind_bad_params);
    tcase_add_test(tc, kind_loaded_from_layers);
    suite_add_tcase(s, tc);
    tc = tcase_create("conformance");
    tcase_add_test(tc, ssg_conformance_accounts);
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
