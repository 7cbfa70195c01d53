/*
 * Tests of the sshd_config model (engine/facts/sshd.c) and its check kinds
 * (engine/facts/sshd_kind.c): every servconf.c semantic the model claims, fed from merged
 * views built here entry by entry (the same imgb_view_apply path the image reader uses).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "facts/os.h"
#include "facts/sshd.h"
#include "facts/sshd_kind.h"
#include "fs/view.h"
#include "rules/rules.h"
#include "util/limits.h"
#include "util/mem.h"

typedef struct tfile {
    const char *path;
    const char *content;   /* NULL with link == NULL: directory */
    const char *link;      /* symlink target */
} tfile;

static imgb_view *view_of(const tfile *files, size_t n)
{
    imgb_view *v = imgb_view_new(NULL);
    imgb_sshd_register_keeps(v);
    for (size_t i = 0; i < n; i++) {
        imgb_entry e = { 0 };
        char *norm = imgb_path_normalize(files[i].path);
        ck_assert_ptr_nonnull(norm);
        e.path = norm;
        e.mode = 0644;
        if (files[i].link) {
            e.type = IMGB_FT_SYMLINK;
            e.link_target = files[i].link;
            e.mode = 0777;
        } else if (!files[i].content) {
            e.type = IMGB_FT_DIR;
            e.mode = 0755;
        } else {
            e.type = IMGB_FT_REG;
            e.size = strlen(files[i].content);
            if (imgb_view_wants(v, norm)) {
                e.content = (const unsigned char *)files[i].content;
                e.content_len = e.size;
            }
        }
        ck_assert_int_eq(imgb_view_apply(v, 0, &e), 0);
        free(norm);
    }
    return v;
}

#define NFILES(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a view holding just /etc/ssh/sshd_config = `text` (plus an empty sshd_config.d). */
static imgb_sshd_config *parse_text(const char *text, const char *version, const char *patch)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config.d/", NULL, NULL },
        { "etc/ssh/sshd_config", text, NULL },
    };
    imgb_view *v = view_of(files, NFILES(files));
    imgb_sshd_config *cfg = NULL;
    ck_assert_int_eq(imgb_sshd_parse(v, version, patch, NULL, &cfg), 0);
    imgb_view_free(v);
    return cfg;
}

/* Effective value of `kw` (asserts the keyword exists). */
static const char *val(const imgb_sshd_config *cfg, const char *kw)
{
    imgb_sshd_value v;
    ck_assert_int_eq(imgb_sshd_get(cfg, kw, &v), 0);
    return v.value;
}

static bool has_problem(const imgb_sshd_config *cfg, const char *needle)
{
    for (size_t i = 0; i < imgb_sshd_problem_count(cfg); i++)
        if (strstr(imgb_sshd_problem_at(cfg, i)->message, needle))
            return true;
    return false;
}

/* ---- syntax ------------------------------------------------------------------------------ */

START_TEST(keywords_case_insensitive)
{
    imgb_sshd_config *cfg = parse_text("pErMiTrOoTlOgIn no\nMAXAUTHTRIES 3\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "PermitRootLogin"), "no");
    ck_assert_str_eq(val(cfg, "maxauthtries"), "3");
    imgb_sshd_value v;
    ck_assert_int_eq(imgb_sshd_get(cfg, "PERMITROOTLOGIN", &v), 0);
    ck_assert_str_eq(v.keyword, "permitrootlogin");
    ck_assert_str_eq(v.source, "/etc/ssh/sshd_config:1");
    ck_assert(!v.is_default);
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(equals_syntax)
{
    imgb_sshd_config *cfg = parse_text("PermitRootLogin=no\nMaxAuthTries = 3\n"
                                       "  \tLogLevel\t=VERBOSE\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "PermitRootLogin"), "no");
    ck_assert_str_eq(val(cfg, "MaxAuthTries"), "3");
    ck_assert_str_eq(val(cfg, "LogLevel"), "VERBOSE");
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(comments_and_blank_lines)
{
    imgb_sshd_config *cfg = parse_text("# PermitRootLogin yes\n\n   #X11Forwarding yes\n"
                                       "X11Forwarding no # trailing comment\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "X11Forwarding"), "no");
    imgb_sshd_value v;
    imgb_sshd_get(cfg, "PermitRootLogin", &v);
    ck_assert(v.is_default);
    imgb_sshd_config_free(cfg);
    /* before argv_split (8.7) a trailing comment is "garbage at end of line" */
    cfg = parse_text("X11Forwarding no # trailing comment\n", "7.9p1", NULL);
    ck_assert(!imgb_sshd_accepted(cfg));
    ck_assert(has_problem(cfg, "garbage at end of line"));
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(first_value_wins)
{
    imgb_sshd_config *cfg = parse_text("PermitRootLogin no\nPermitRootLogin yes\n"
                                       "MaxAuthTries 3\nMaxAuthTries 10\n", "9.2p1", NULL);
    ck_assert_str_eq(val(cfg, "PermitRootLogin"), "no");
    ck_assert_str_eq(val(cfg, "MaxAuthTries"), "3");
    imgb_sshd_value v;
    imgb_sshd_get(cfg, "MaxAuthTries", &v);
    ck_assert_int_eq(v.line, 3);
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(bad_value_on_ignored_duplicate_is_fatal)
{
    /* values are validated before the first-wins test: sshd refuses the whole file */
    imgb_sshd_config *cfg = parse_text("PermitRootLogin no\nPermitRootLogin wrong_value\n",
                                       "9.2p1", NULL);
    ck_assert(!imgb_sshd_accepted(cfg));
    ck_assert(has_problem(cfg, "unsupported option \"wrong_value\""));
    ck_assert_int_eq(imgb_sshd_problem_at(cfg, 0)->line, 2);
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(list_options_accumulate)
{
    imgb_sshd_config *cfg = parse_text("AllowUsers alice bob\nAcceptEnv LANG\nAllowUsers carol\n"
                                       "AcceptEnv LC_*\nHostKey /etc/ssh/a\nHostKey /etc/ssh/b\n",
                                       "9.2p1", NULL);
    ck_assert_str_eq(val(cfg, "AllowUsers"), "alice bob carol");
    ck_assert_str_eq(val(cfg, "AcceptEnv"), "LANG LC_*");
    ck_assert_str_eq(val(cfg, "HostKey"), "/etc/ssh/a /etc/ssh/b");
    imgb_sshd_value v;
    imgb_sshd_get(cfg, "DenyUsers", &v);
    ck_assert_ptr_null(v.value);
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(unknown_keyword_is_error)
{
    imgb_sshd_config *cfg = parse_text("PermitRootLogn no\n", "9.2p1", NULL);
    ck_assert(!imgb_sshd_accepted(cfg));
    ck_assert(has_problem(cfg, "Bad configuration option: PermitRootLogn"));
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(values_normalised_like_sshd_T)
{
    imgb_sshd_config *cfg = parse_text("PermitRootLogin prohibit-password\nLogLevel verbose\n"
                                       "Banner issue.net\nMaxStartups 5\nSyslogFacility authpriv\n",
                                       "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "PermitRootLogin"), "without-password");
    ck_assert_str_eq(val(cfg, "LogLevel"), "VERBOSE");
    ck_assert_str_eq(val(cfg, "Banner"), "//issue.net"); /* derelativise_path with cwd "/" */
    ck_assert_str_eq(val(cfg, "MaxStartups"), "5:30:5");
    ck_assert_str_eq(val(cfg, "SyslogFacility"), "AUTHPRIV");
    imgb_sshd_config_free(cfg);
    char *n = imgb_sshd_normalize("permitrootlogin", "prohibit-password");
    ck_assert_str_eq(n, "without-password");
    free(n);
    n = imgb_sshd_normalize("LoginGraceTime", "1m");
    ck_assert_str_eq(n, "60");
    free(n);
}
END_TEST

START_TEST(maxstartups_last_wins)
{
    imgb_sshd_config *cfg = parse_text("MaxStartups 10:30:60\nMaxStartups 30:10:110\n", "9.2p1",
                                       NULL);
    ck_assert_str_eq(val(cfg, "MaxStartups"), "30:10:110");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("MaxStartups 10:30:5\n", "9.2p1", NULL); /* begin > full */
    ck_assert(has_problem(cfg, "Invalid MaxStartups spec"));
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(time_values)
{
    imgb_sshd_config *cfg = parse_text("LoginGraceTime 2m\nClientAliveInterval 1h30m\n",
                                       "9.2p1", NULL);
    ck_assert_str_eq(val(cfg, "LoginGraceTime"), "120");
    ck_assert_str_eq(val(cfg, "ClientAliveInterval"), "5400");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("LoginGraceTime 90\n", "7.4p1", NULL);
    ck_assert_str_eq(val(cfg, "LoginGraceTime"), "90");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("LoginGraceTime 5x\n", "9.2p1", NULL);
    ck_assert(has_problem(cfg, "invalid time value"));
    imgb_sshd_config_free(cfg);
    ck_assert(imgb_sshd_keyword_is_time("logingracetime"));
    ck_assert(!imgb_sshd_keyword_is_time("MaxAuthTries"));
}
END_TEST

START_TEST(algorithm_modifiers)
{
    imgb_sshd_config *cfg = parse_text("Ciphers -*ctr\nMACs +hmac-md5\n"
                                       "KexAlgorithms ^curve25519-sha256\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "Ciphers"),
                     "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com");
    ck_assert(strstr(val(cfg, "MACs"), "hmac-sha1,hmac-md5") != NULL);
    ck_assert(strncmp(val(cfg, "KexAlgorithms"), "curve25519-sha256,sntrup761", 27) == 0);
    imgb_sshd_config_free(cfg);
    cfg = parse_text("", "7.4p1", NULL);
    ck_assert(strstr(val(cfg, "KexAlgorithms"), "diffie-hellman-group14-sha1") != NULL);
    ck_assert(imgb_sshd_keyword_is_algorithms("MACs"));
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(algorithm_names_validated)
{
    imgb_sshd_config *cfg = parse_text("Ciphers wrong_value\n", "9.2p1", NULL);
    ck_assert(has_problem(cfg, "Bad SSH2 cipher spec 'wrong_value'"));
    imgb_sshd_config_free(cfg);
    cfg = parse_text("MACs +hmac-sha1,bogus\n", "9.2p1", NULL);
    ck_assert(has_problem(cfg, "Bad SSH2 mac spec"));
    imgb_sshd_config_free(cfg);
    cfg = parse_text("MACs -bogus*\nKexAlgorithms curve25519-sha256\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg)); /* "-" lists are not validated */
    imgb_sshd_config_free(cfg);
    cfg = parse_text("Ciphers arcfour\n", "7.4p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    imgb_sshd_config_free(cfg);
    cfg = parse_text("Ciphers arcfour\n", "9.2p1", NULL); /* removed in 7.6 */
    ck_assert(!imgb_sshd_accepted(cfg));
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(rekeylimit_halves_first_wins)
{
    imgb_sshd_config *cfg = parse_text("RekeyLimit 1G\nRekeyLimit 2G 1h\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "RekeyLimit"), "1073741824 3600");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("RekeyLimit default none\n", "9.2p1", NULL);
    ck_assert_str_eq(val(cfg, "RekeyLimit"), "0 0");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("RekeyLimit 8\n", "9.2p1", NULL);
    ck_assert(!imgb_sshd_accepted(cfg)); /* too small */
    imgb_sshd_config_free(cfg);
}
END_TEST

/* ---- Include ------------------------------------------------------------------------------ */

START_TEST(include_sorted_in_place_relative)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config", "MaxSessions 4\nInclude sshd_config.d/*.conf\n"
                                 "PermitRootLogin yes\nMaxAuthTries 9\n", NULL },
        { "etc/ssh/sshd_config.d/", NULL, NULL },
        { "etc/ssh/sshd_config.d/20-b.conf", "PermitRootLogin without-password\n", NULL },
        { "etc/ssh/sshd_config.d/10-a.conf", "\nPermitRootLogin no\nMaxSessions 8\n", NULL },
        { "etc/ssh/sshd_config.d/.hidden.conf", "MaxAuthTries 1\n", NULL },
        { "etc/ssh/sshd_config.d/x.conf.bak", "MaxAuthTries 2\n", NULL },
    };
    imgb_view *v = view_of(files, NFILES(files));
    imgb_sshd_config *cfg;
    ck_assert_int_eq(imgb_sshd_parse(v, "9.2p1", NULL, NULL, &cfg), 0);
    ck_assert(imgb_sshd_accepted(cfg));
    imgb_sshd_value val1;
    imgb_sshd_get(cfg, "PermitRootLogin", &val1);
    ck_assert_str_eq(val1.value, "no");
    ck_assert_str_eq(val1.source, "/etc/ssh/sshd_config.d/10-a.conf:2");
    ck_assert_str_eq(val(cfg, "MaxSessions"), "4");  /* before the Include: main file wins */
    ck_assert_str_eq(val(cfg, "MaxAuthTries"), "9"); /* dot file and .bak not included */
    ck_assert_int_eq(imgb_sshd_file_count(cfg), 3);
    ck_assert_str_eq(imgb_sshd_file_at(cfg, 1), "/etc/ssh/sshd_config.d/10-a.conf");
    ck_assert_str_eq(imgb_sshd_file_at(cfg, 2), "/etc/ssh/sshd_config.d/20-b.conf");
    imgb_sshd_config_free(cfg);
    imgb_view_free(v);
}
END_TEST

START_TEST(include_absolute_and_missing)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config", "Include /etc/extra.conf /etc/ssh/none/*.conf\n", NULL },
        { "etc/extra.conf", "X11Forwarding yes\n", NULL },
    };
    imgb_view *v = view_of(files, NFILES(files));
    imgb_sshd_config *cfg;
    ck_assert_int_eq(imgb_sshd_parse(v, "8.2p1", NULL, NULL, &cfg), 0);
    ck_assert(imgb_sshd_accepted(cfg)); /* a glob matching nothing is not an error */
    ck_assert_str_eq(val(cfg, "X11Forwarding"), "yes");
    imgb_sshd_config_free(cfg);
    imgb_view_free(v);
}
END_TEST

START_TEST(include_depth_loop)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config", "Include loop.conf\n", NULL },
        { "etc/ssh/loop.conf", "Include /etc/ssh/loop.conf\n", NULL },
    };
    imgb_view *v = view_of(files, NFILES(files));
    imgb_sshd_config *cfg;
    ck_assert_int_eq(imgb_sshd_parse(v, "9.2p1", NULL, NULL, &cfg), 0);
    ck_assert(!imgb_sshd_accepted(cfg));
    ck_assert(has_problem(cfg, "Too many recursive configuration includes"));
    ck_assert_int_le(imgb_sshd_file_count(cfg), IMGB_MAX_INCLUDE_DEPTH + 1);
    imgb_sshd_config_free(cfg);
    imgb_view_free(v);
}
END_TEST

/* 3,000 files that each include all of them: the fan-out stops at a bound with one error
 * problem, every count stays bounded (was 3.5 million evidence entries at 10,000). */
START_TEST(include_fan_out_is_bounded)
{
    enum { N = 3000 };
    tfile *files = imgb_xcalloc(N + 4, sizeof *files);
    char **names = imgb_xcalloc(N, sizeof *names);
    files[0] = (tfile){ "etc/", NULL, NULL };
    files[1] = (tfile){ "etc/ssh/", NULL, NULL };
    files[2] = (tfile){ "etc/ssh/inc/", NULL, NULL };
    files[3] = (tfile){ "etc/ssh/sshd_config", "Include /etc/ssh/inc/*\n", NULL };
    for (int i = 0; i < N; i++) {
        names[i] = imgb_xasprintf("etc/ssh/inc/f%04d", i);
        files[4 + i] = (tfile){ names[i], "Include /etc/ssh/inc/*\nNoSuchKeyword x\n", NULL };
    }
    imgb_view *v = view_of(files, N + 4);
    imgb_sshd_config *cfg;
    ck_assert_int_eq(imgb_sshd_parse(v, "9.2p1", NULL, NULL, &cfg), 0);
    ck_assert(!imgb_sshd_accepted(cfg));
    ck_assert(has_problem(cfg, "Include expands to more than"));
    ck_assert_uint_le(imgb_sshd_file_count(cfg), 1024);
    ck_assert_uint_le(imgb_sshd_problem_count(cfg), IMGB_MAX_EVIDENCE_PER_ITEM);
    imgb_sshd_config_free(cfg);
    imgb_view_free(v);
    for (int i = 0; i < N; i++)
        free(names[i]);
    free(names);
    free(files);
}
END_TEST

START_TEST(include_before_82_is_config_error)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n", NULL },
        { "etc/ssh/sshd_config.d/", NULL, NULL },
        { "etc/ssh/sshd_config.d/a.conf", "PermitRootLogin no\n", NULL },
    };
    imgb_view *v = view_of(files, NFILES(files));
    const char *old[] = { "7.2p2", "7.4p1", "7.9p1", "8.1p1" };
    for (size_t i = 0; i < 4; i++) {
        imgb_sshd_config *cfg;
        ck_assert_int_eq(imgb_sshd_parse(v, old[i], NULL, NULL, &cfg), 0);
        ck_assert_msg(!imgb_sshd_accepted(cfg), "%s accepted Include", old[i]);
        ck_assert(has_problem(cfg, "Bad configuration option: Include"));
        imgb_sshd_value pv;
        imgb_sshd_get(cfg, "PermitRootLogin", &pv);
        ck_assert(pv.is_default); /* the drop-in was not read */
        imgb_sshd_config_free(cfg);
    }
    ck_assert(!imgb_sshd_version_has_include("8.1p1"));
    ck_assert(imgb_sshd_version_has_include("8.2p1"));
    imgb_view_free(v);
}
END_TEST

START_TEST(include_target_not_kept_is_unreadable)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config", "Include /opt/sshd/extra\n", NULL },
        { "opt/", NULL, NULL },
        { "opt/sshd/", NULL, NULL },
        { "opt/sshd/extra", "PermitRootLogin yes\n", NULL },
    };
    imgb_view *v = view_of(files, NFILES(files));
    imgb_sshd_config *cfg;
    ck_assert_int_eq(imgb_sshd_parse(v, "9.2p1", NULL, NULL, &cfg), 0);
    ck_assert(!imgb_sshd_accepted(cfg));
    ck_assert(imgb_sshd_problem_at(cfg, 0)->unreadable);
    imgb_sshd_config_free(cfg);
    imgb_view_free(v);
}
END_TEST

/* ---- Match -------------------------------------------------------------------------------- */

START_TEST(match_override_reported)
{
    imgb_sshd_config *cfg = parse_text("PermitRootLogin no\nMatch User bob\n"
                                       "  PermitRootLogin yes\n  X11Forwarding yes\n"
                                       "Match Address 10.0.0.0/8\n  PermitRootLogin forced-commands-only\n",
                                       "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    imgb_sshd_value v;
    imgb_sshd_get(cfg, "PermitRootLogin", &v);
    ck_assert_str_eq(v.value, "no");
    ck_assert_uint_eq(v.noverrides, 2);
    ck_assert_str_eq(v.overrides[0].criteria, "User bob");
    ck_assert_int_eq(v.overrides[0].line, 3);
    ck_assert_int_eq(v.overrides[0].match_line, 2);
    ck_assert_str_eq(v.overrides[0].value, "yes");
    ck_assert(!v.overrides[0].applies);
    ck_assert_str_eq(v.overrides[1].criteria, "Address 10.0.0.0/8");
    /* X11Forwarding only in the Match block: the effective value is the default */
    imgb_sshd_get(cfg, "X11Forwarding", &v);
    ck_assert(v.is_default);
    ck_assert_str_eq(v.value, "no");
    ck_assert_uint_eq(v.noverrides, 1);
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(match_all_applies_and_global_only_rejected)
{
    imgb_sshd_config *cfg = parse_text("Match all\nPermitRootLogin no\n", "9.2p1", NULL);
    imgb_sshd_value v;
    imgb_sshd_get(cfg, "PermitRootLogin", &v);
    ck_assert_str_eq(v.value, "no");
    ck_assert(v.overrides[0].applies);
    imgb_sshd_config_free(cfg);
    cfg = parse_text("Match User x\nCiphers aes128-ctr\n", "9.2p1", NULL);
    ck_assert(has_problem(cfg, "not allowed within a Match block"));
    imgb_sshd_config_free(cfg);
    cfg = parse_text("Match Nonsense x\n", "9.2p1", NULL);
    ck_assert(has_problem(cfg, "Bad Match condition"));
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(include_inside_match_stays_in_match)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config", "Match User bob\nInclude bob.conf\nMatch all\n"
                                 "Include tail.conf\n", NULL },
        { "etc/ssh/bob.conf", "PermitRootLogin yes\n", NULL },
        { "etc/ssh/tail.conf", "Match User eve\nMaxAuthTries 2\n", NULL },
    };
    imgb_view *v = view_of(files, NFILES(files));
    imgb_sshd_config *cfg;
    ck_assert_int_eq(imgb_sshd_parse(v, "9.2p1", NULL, NULL, &cfg), 0);
    ck_assert(imgb_sshd_accepted(cfg));
    imgb_sshd_value pv;
    imgb_sshd_get(cfg, "PermitRootLogin", &pv);
    ck_assert(pv.is_default);
    ck_assert_uint_eq(pv.noverrides, 1);
    ck_assert_str_eq(pv.overrides[0].file, "/etc/ssh/bob.conf");
    ck_assert_str_eq(pv.overrides[0].criteria, "User bob");
    imgb_sshd_get(cfg, "MaxAuthTries", &pv);
    ck_assert(pv.is_default);
    ck_assert_uint_eq(pv.noverrides, 1);
    imgb_sshd_config_free(cfg);
    imgb_view_free(v);
}
END_TEST

/* ---- versions, defaults, distro patches ------------------------------------------------- */

START_TEST(defaults_per_version_and_patch)
{
    imgb_sshd_config *cfg = parse_text("#PermitRootLogin yes\n", "7.4p1", "el7");
    imgb_sshd_value v;
    imgb_sshd_get(cfg, "PermitRootLogin", &v);
    ck_assert_str_eq(v.value, "yes");
    ck_assert(v.is_default);
    ck_assert_str_eq(v.source, "compiled-in default of OpenSSH 7.4p1 with the EL7 patch");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("#PermitRootLogin prohibit-password\n", "7.9p1", NULL); /* Debian 10 */
    imgb_sshd_get(cfg, "PermitRootLogin", &v);
    ck_assert_str_eq(v.value, "without-password");
    ck_assert_str_eq(v.source, "compiled-in default of OpenSSH 7.9p1");
    ck_assert_str_eq(val(cfg, "MaxAuthTries"), "6");
    ck_assert_str_eq(val(cfg, "UsePAM"), "no");
    ck_assert_str_eq(val(cfg, "MaxStartups"), "10:30:100");
    ck_assert_str_eq(val(cfg, "Banner"), "none");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("", NULL, NULL);
    imgb_sshd_get(cfg, "PermitRootLogin", &v);
    ck_assert(strstr(v.source, "version unknown") != NULL);
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(protocol_and_removed_keywords)
{
    imgb_sshd_config *cfg = parse_text("Protocol 2\nUsePrivilegeSeparation yes\n"
                                       "KeyRegenerationInterval 3600\nServerKeyBits 1024\n",
                                       "7.2p2", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "Protocol"), "2");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("Protocol 1\nUsePrivilegeSeparation no\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg)); /* ignored / deprecated, not errors */
    ck_assert_str_eq(val(cfg, "Protocol"), "2");                 /* SSH-1 is gone */
    ck_assert_str_eq(val(cfg, "UsePrivilegeSeparation"), "sandbox");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("Protocol 3\n", "7.2p2", NULL);
    ck_assert(!imgb_sshd_accepted(cfg));
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(clientalivecountmax_zero_meaning)
{
    ck_assert(!imgb_sshd_countmax_zero_disables("7.4p1"));
    ck_assert(!imgb_sshd_countmax_zero_disables("8.1p1"));
    ck_assert(imgb_sshd_countmax_zero_disables("8.2p1"));
    ck_assert(imgb_sshd_countmax_zero_disables("9.2p1"));
}
END_TEST

START_TEST(yes_no_case_sensitivity)
{
    const char *strict[] = { "7.2p2", "7.4p1" };
    for (size_t i = 0; i < 2; i++) {
        imgb_sshd_config *cfg = parse_text("PermitEmptyPasswords Yes\n", strict[i], NULL);
        ck_assert_msg(!imgb_sshd_accepted(cfg), "%s", strict[i]);
        ck_assert(has_problem(cfg, "Bad yes/no argument: Yes"));
        imgb_sshd_config_free(cfg);
    }
    imgb_sshd_config *cfg = parse_text("PermitEmptyPasswords Yes\n", "7.9p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "PermitEmptyPasswords"), "yes");
    imgb_sshd_config_free(cfg);
    /* PermitUserEnvironment: a flag before 7.8, a pattern list after */
    cfg = parse_text("PermitUserEnvironment LANG\n", "7.4p1", NULL);
    ck_assert(has_problem(cfg, "Bad yes/no argument: LANG"));
    imgb_sshd_config_free(cfg);
    cfg = parse_text("PermitUserEnvironment LANG\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "PermitUserEnvironment"), "LANG");
    imgb_sshd_config_free(cfg);
    cfg = parse_text("IgnoreRhosts shosts-only\n", "7.9p1", NULL);
    ck_assert(!imgb_sshd_accepted(cfg));
    imgb_sshd_config_free(cfg);
    cfg = parse_text("IgnoreRhosts shosts-only\n", "9.2p1", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    imgb_sshd_config_free(cfg);
    /* multistate values are strcasecmp in every version */
    cfg = parse_text("PermitRootLogin NO\n", "7.2p2", NULL);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "PermitRootLogin"), "no");
    imgb_sshd_config_free(cfg);
}
END_TEST

START_TEST(symlinked_config)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/real/", NULL, NULL },
        { "etc/ssh/real/main", "Include sshd_config.d/*.conf\nMaxAuthTries 3\n", NULL },
        { "etc/ssh/sshd_config", NULL, "/etc/ssh/real/main" },
        { "etc/ssh/dropins/", NULL, NULL },
        { "etc/ssh/dropins/a.conf", "PermitRootLogin no\n", NULL },
        { "etc/ssh/sshd_config.d", NULL, "dropins" },
    };
    imgb_view *v = view_of(files, NFILES(files));
    imgb_sshd_config *cfg;
    ck_assert_int_eq(imgb_sshd_parse(v, "9.2p1", NULL, NULL, &cfg), 0);
    ck_assert(imgb_sshd_accepted(cfg));
    ck_assert_str_eq(val(cfg, "MaxAuthTries"), "3");
    imgb_sshd_value pv;
    imgb_sshd_get(cfg, "PermitRootLogin", &pv);
    ck_assert_str_eq(pv.value, "no");
    ck_assert_str_eq(pv.file, "/etc/ssh/sshd_config.d/a.conf");
    imgb_sshd_config_free(cfg);
    imgb_view_free(v);
}
END_TEST

START_TEST(missing_or_looping_main_file)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config", NULL, "sshd_config" },
    };
    imgb_view *v = view_of(files, NFILES(files));
    imgb_sshd_config *cfg;
    ck_assert_int_eq(imgb_sshd_parse(v, "9.2p1", NULL, NULL, &cfg), IMGB_ELOOP);
    ck_assert_ptr_null(cfg);
    ck_assert_int_eq(imgb_sshd_parse(v, "9.2p1", NULL, "/etc/ssh/other", &cfg), IMGB_ENOTFOUND);
    imgb_view_free(v);
}
END_TEST

START_TEST(hostile_lines)
{
    size_t n = IMGB_MAX_CONFIG_LINE + 10;
    char *big = imgb_xmalloc(n + 32);
    memset(big, 'A', n);
    strcpy(big + n, "\nMaxAuthTries 2\n");
    imgb_sshd_config *cfg = parse_text(big, "9.2p1", NULL);
    ck_assert(has_problem(cfg, "line too long"));
    ck_assert_str_eq(val(cfg, "MaxAuthTries"), "2");
    imgb_sshd_config_free(cfg);
    free(big);
    cfg = parse_text("ForceCommand \"unterminated\n", "9.2p1", NULL);
    ck_assert(has_problem(cfg, "invalid quotes"));
    imgb_sshd_config_free(cfg);
    cfg = parse_text("MaxAuthTries -1\n", "9.2p1", NULL);
    ck_assert(!imgb_sshd_accepted(cfg));
    imgb_sshd_config_free(cfg);
}
END_TEST

/* ---- check kinds ----------------------------------------------------------------------------- */

typedef struct kind_run {
    imgb_item_result res;
    imgb_item item;
} kind_run;

static void run_kind(const imgb_check_kind *kind, const char *params_json, imgb_view *v,
                     const char *version, const char *patch, bool installed, imgb_item_result *res)
{
    json_error_t jerr;
    json_t *params = json_loads(params_json, 0, &jerr);
    ck_assert_ptr_nonnull(params);
    void *compiled = NULL;
    ck_assert_int_eq(kind->compile(params, &compiled), 0);
    imgb_os_info os = { 0 };
    os.has_openssh_server = installed;
    os.openssh_version = (char *)version;
    os.distro_patch = (char *)patch;
    imgb_scan_ctx ctx = { 0 };
    ctx.view = v;
    ctx.os = &os;
    ctx.cache = imgb_ctx_cache_new();
    memset(res, 0, sizeof(*res));
    ck_assert_int_eq(kind->evaluate(compiled, &ctx, NULL, res), 0);
    imgb_ctx_cache_free(ctx.cache);
    if (kind->free)
        kind->free(compiled);
    json_decref(params);
}

static imgb_view *view_text(const char *text)
{
    tfile files[] = {
        { "etc/", NULL, NULL },
        { "etc/ssh/", NULL, NULL },
        { "etc/ssh/sshd_config", text, NULL },
    };
    return view_of(files, NFILES(files));
}

START_TEST(kind_option_verdicts)
{
    imgb_view *v = view_text("PermitRootLogin prohibit-password\nMatch User bob\n"
                             "PermitRootLogin yes\n");
    imgb_item_result r;
    run_kind(&imgb_kind_sshd_option, "{\"keyword\":\"PermitRootLogin\",\"op\":\"eq\",\"value\":\"no\"}",
             v, "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 2);
    ck_assert_str_eq(r.evidence[0].value, "without-password");
    ck_assert_str_eq(r.evidence[0].source, "/etc/ssh/sshd_config:1");
    ck_assert_int_eq(r.evidence[0].line, 1);
    ck_assert_ptr_nonnull(r.evidence[0].expected);
    ck_assert_str_eq(r.evidence[1].value, "yes");
    ck_assert(strstr(r.evidence[1].source, "Match User bob") != NULL);
    imgb_item_result_dispose(&r);
    /* the threshold is normalised the same way: prohibit-password == without-password */
    run_kind(&imgb_kind_sshd_option,
             "{\"keyword\":\"permitrootlogin\",\"op\":\"in\",\"values\":[\"no\",\"prohibit-password\"]}",
             v, "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_option, "{\"keyword\":\"PermitRootLogin\",\"op\":\"eq\",\"value\":\"no\"}",
             v, "9.2p1", NULL, false, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_NOT_APPLICABLE);
    imgb_item_result_dispose(&r);
    imgb_view_free(v);
}
END_TEST

START_TEST(kind_option_time_nonzero_maxstartups)
{
    imgb_view *v = view_text("LoginGraceTime 1m\nClientAliveInterval 0\nMaxStartups 5:60:30\n");
    imgb_item_result r;
    run_kind(&imgb_kind_sshd_option,
             "{\"keyword\":\"LoginGraceTime\",\"op\":\"le\",\"max\":\"2m\",\"time\":true,\"nonzero\":true}",
             v, "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    ck_assert_str_eq(r.evidence[0].value, "60");
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_option,
             "{\"keyword\":\"ClientAliveInterval\",\"op\":\"le\",\"max\":300,\"nonzero\":true}", v,
             "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_option, "{\"keyword\":\"MaxStartups\",\"maxstartups\":\"10:30:60\"}",
             v, "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_option, "{\"keyword\":\"MaxStartups\",\"maxstartups\":\"4:30:60\"}",
             v, "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    imgb_view_free(v);
}
END_TEST

START_TEST(kind_option_subset_and_countmax)
{
    imgb_view *v = view_text("MACs hmac-sha2-512,hmac-sha2-256\nClientAliveCountMax 0\n");
    imgb_item_result r;
    run_kind(&imgb_kind_sshd_option,
             "{\"keyword\":\"MACs\",\"op\":\"subset\",\"values\":[\"hmac-sha2-512\",\"hmac-sha2-256\","
             "\"hmac-sha2-512-etm@openssh.com\"]}",
             v, "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_option,
             "{\"keyword\":\"KexAlgorithms\",\"op\":\"subset\",\"values\":[\"curve25519-sha256\"]}", v,
             "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL); /* the compiled-in default list */
    ck_assert(r.evidence[0].source && strstr(r.evidence[0].source, "compiled-in") != NULL);
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_option, "{\"keyword\":\"ClientAliveCountMax\",\"op\":\"le\",\"max\":3}",
             v, "9.2p1", NULL, true, &r);
    ck_assert(strstr(r.evidence[0].message, "disables") != NULL);
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_option, "{\"keyword\":\"ClientAliveCountMax\",\"op\":\"le\",\"max\":3}",
             v, "7.4p1", "el7", true, &r);
    ck_assert(strstr(r.evidence[0].message, "first unanswered probe") != NULL);
    imgb_item_result_dispose(&r);
    /* countmax_zero: fail -- 0 is a pass on 7.4 (kills after one probe), a fail on 9.2 */
    const char *cz = "{\"keyword\":\"ClientAliveCountMax\",\"op\":\"le\",\"max\":3,"
                     "\"countmax_zero\":\"fail\"}";
    run_kind(&imgb_kind_sshd_option, cz, v, "7.4p1", "el7", true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_option, cz, v, "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    imgb_view_free(v);
}
END_TEST

START_TEST(kind_config_error)
{
    imgb_view *v = view_text("PermitEmptyPasswords Yes\n");
    imgb_item_result r;
    run_kind(&imgb_kind_sshd_config_error, "{}", v, "7.4p1", "el7", true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_int_eq(r.evidence[0].line, 1);
    ck_assert(strstr(r.evidence[0].message, "refuse to start") != NULL);
    imgb_item_result_dispose(&r);
    run_kind(&imgb_kind_sshd_config_error, "{}", v, "7.9p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    /* the value check of an unrelated keyword fails too: sshd would not start */
    run_kind(&imgb_kind_sshd_option, "{\"keyword\":\"X11Forwarding\",\"op\":\"eq\",\"value\":\"no\"}",
             v, "7.4p1", "el7", true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    imgb_view_free(v);
    /* unreadable main file: error, never pass */
    tfile files[] = { { "etc/", NULL, NULL } };
    v = view_of(files, 1);
    run_kind(&imgb_kind_sshd_config_error, "{}", v, "9.2p1", NULL, true, &r);
    ck_assert_int_eq(r.verdict, IMGB_V_ERROR);
    imgb_item_result_dispose(&r);
    imgb_view_free(v);
}
END_TEST

/* 5,000 bad lines: listed once by the config_valid item (1,000 and an exact "and 4000
 * more"); an sshd_option item of the same baseline carries one entry referring to it. */
START_TEST(kind_problems_listed_once_and_referenced)
{
    imgb_buf text = IMGB_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        imgb_buf_printf(&text, "NoSuchKeyword%d yes\n", i);
    imgb_view *v = view_text(text.ptr);
    imgb_buf_dispose(&text);
    char valid_id[] = "t.ssh.config_valid", root_id[] = "t.ssh.root", key[] = "t";
    imgb_item valid = { .id = valid_id, .kind = &imgb_kind_sshd_config_error };
    imgb_item root = { .id = root_id, .kind = &imgb_kind_sshd_option };
    imgb_item *items[] = { &valid, &root };
    imgb_baseline b = { .key = key, .items = items, .nitems = 2 };
    imgb_os_info os = { 0 };
    os.has_openssh_server = true;
    os.openssh_version = (char *)"9.2p1";
    imgb_scan_ctx ctx = { .view = v, .os = &os, .baseline = &b };
    ctx.cache = imgb_ctx_cache_new();

    imgb_item_result r = { 0 };
    ck_assert_int_eq(imgb_kind_sshd_config_error.evaluate(NULL, &ctx, NULL, &r), 0);
    imgb_item_result_finish(&r);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, IMGB_MAX_EVIDENCE_PER_ITEM + 1);
    ck_assert_str_eq(r.evidence[IMGB_MAX_EVIDENCE_PER_ITEM].message,
                     "and 4000 more not listed (at most 1000 evidence entries per item)");
    imgb_item_result_dispose(&r);

    json_t *params = json_loads("{\"keyword\":\"PermitRootLogin\",\"op\":\"eq\",\"value\":\"no\"}",
                                0, NULL);
    void *compiled = NULL;
    ck_assert_int_eq(imgb_kind_sshd_option.compile(params, &compiled), 0);
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(imgb_kind_sshd_option.evaluate(compiled, &ctx, NULL, &r), 0);
    ck_assert_int_eq(r.verdict, IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 1);
    ck_assert_int_eq(r.evidence[0].line, 1);
    ck_assert_ptr_nonnull(strstr(r.evidence[0].message, "5000 problems in all, listed by item "
                                                        "t.ssh.config_valid"));
    imgb_item_result_dispose(&r);
    imgb_kind_sshd_option.free(compiled);
    json_decref(params);
    imgb_ctx_cache_free(ctx.cache);
    imgb_view_free(v);
}
END_TEST

START_TEST(kind_compile_errors)
{
    const char *bad[] = {
        "{\"op\":\"eq\",\"value\":\"no\"}",
        "{\"keyword\":\"NoSuchKeyword\",\"op\":\"eq\",\"value\":\"no\"}",
        "{\"keyword\":\"MaxAuthTries\",\"op\":\"le\",\"max\":4,\"time\":true}",
        "{\"keyword\":\"PermitRootLogin\"}",
        "{\"keyword\":\"MaxSessions\",\"maxstartups\":\"1:2:3\"}",
        "{\"keyword\":\"MaxStartups\",\"maxstartups\":\"x\"}",
        "{\"keyword\":\"MaxAuthTries\",\"countmax_zero\":\"fail\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *p = json_loads(bad[i], 0, NULL);
        void *c = NULL;
        ck_assert_msg(imgb_kind_sshd_option.compile(p, &c) < 0, "accepted %s", bad[i]);
        json_decref(p);
    }
    ck_assert_ptr_eq(imgb_check_kind_find("sshd_option"), &imgb_kind_sshd_option);
    ck_assert_ptr_eq(imgb_check_kind_find("sshd_config_error"), &imgb_kind_sshd_config_error);
}
END_TEST

static Suite *sshd_suite(void)
{
    Suite *s = suite_create("sshd");
    TCase *tc = tcase_create("parser");
    tcase_add_test(tc, keywords_case_insensitive);
    tcase_add_test(tc, equals_syntax);
    tcase_add_test(tc, comments_and_blank_lines);
    tcase_add_test(tc, first_value_wins);
    tcase_add_test(tc, bad_value_on_ignored_duplicate_is_fatal);
    tcase_add_test(tc, list_options_accumulate);
    tcase_add_test(tc, unknown_keyword_is_error);
    tcase_add_test(tc, values_normalised_like_sshd_T);
    tcase_add_test(tc, maxstartups_last_wins);
    tcase_add_test(tc, time_values);
    tcase_add_test(tc, algorithm_modifiers);
    tcase_add_test(tc, algorithm_names_validated);
    tcase_add_test(tc, rekeylimit_halves_first_wins);
    tcase_add_test(tc, include_sorted_in_place_relative);
    tcase_add_test(tc, include_absolute_and_missing);
    tcase_add_test(tc, include_depth_loop);
    tcase_add_test(tc, include_fan_out_is_bounded);
    tcase_add_test(tc, include_before_82_is_config_error);
    tcase_add_test(tc, include_target_not_kept_is_unreadable);
    tcase_add_test(tc, match_override_reported);
    tcase_add_test(tc, match_all_applies_and_global_only_rejected);
    tcase_add_test(tc, include_inside_match_stays_in_match);
    tcase_add_test(tc, defaults_per_version_and_patch);
    tcase_add_test(tc, protocol_and_removed_keywords);
    tcase_add_test(tc, clientalivecountmax_zero_meaning);
    tcase_add_test(tc, yes_no_case_sensitivity);
    tcase_add_test(tc, symlinked_config);
    tcase_add_test(tc, missing_or_looping_main_file);
    tcase_add_test(tc, hostile_lines);
    suite_add_tcase(s, tc);
    TCase *tk = tcase_create("kinds");
    tcase_add_test(tk, kind_option_verdicts);
    tcase_add_test(tk, kind_option_time_nonzero_maxstartups);
    tcase_add_test(tk, kind_option_subset_and_countmax);
    tcase_add_test(tk, kind_config_error);
    tcase_add_test(tk, kind_problems_listed_once_and_referenced);
    tcase_add_test(tk, kind_compile_errors);
    suite_add_tcase(s, tk);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sshd_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
