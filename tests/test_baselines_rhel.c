/*
 * The shipped CentOS 7, EulerOS/openEuler and generic baselines (rules/centos7, rules/euleros,
 * rules/generic) scanned against fixture root filesystems carrying each distro's DEFAULT files
 * (testdata/os/<os>/rootfs, with the modes git cannot carry in testdata/os/<os>/META and the
 * openssh-server rpm record in PACKAGES, written here as a minimal /var/lib/rpm/Packages).
 * Each assertion is a verdict shared/reference/baselines.md sections 2-5 predicts for that
 * distro's defaults, e.g. CentOS 7 fails PermitRootLogin (EL7 compiled-in default yes) and
 * pam nullok, openEuler passes its hardened SSH values, an image without openssh-server gets
 * not_applicable for every SSH item, and Alpine gets the generic baselines with the reason.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>

#include "facts/os.h"
#include "i18n_check.h"
#include "imgbuild.h"
#include "rules/loader.h"
#include "scan.h"

#define MAX_FILES 256

typedef struct fixture {
    imgbuild_file files[MAX_FILES];
    char *paths[MAX_FILES];
    char *contents[MAX_FILES];
    size_t n;
} fixture;

static fixture *walk_fx;
static size_t walk_root_len;
static bool walk_skip_ssh; /* the image without openssh-server: no sshd binary, no /etc/ssh */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = malloc(65536);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, 65535, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static int walk_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (strlen(path) <= walk_root_len)
        return 0;
    fixture *fx = walk_fx;
    ck_assert_uint_lt(fx->n, MAX_FILES);
    imgbuild_file *f = &fx->files[fx->n];
    const char *rel = path + walk_root_len + 1;
    if (walk_skip_ssh && (strncmp(rel, "etc/ssh", 7) == 0 || strcmp(rel, "usr/sbin/sshd") == 0))
        return 0;
    if (type == FTW_D) {
        fx->paths[fx->n] = malloc(strlen(rel) + 2);
        sprintf(fx->paths[fx->n], "%s/", rel);
        f->type = IMGBUILD_DIR;
    } else {
        fx->paths[fx->n] = strdup(rel);
        size_t len;
        fx->contents[fx->n] = slurp(path, &len);
        f->content = fx->contents[fx->n];
        f->content_len = len;
        f->mode = st->st_mode & 0777;
        if (len == 0)
            f->content = "";
    }
    f->path = fx->paths[fx->n];
    fx->n++;
    return 0;
}

/* Apply META ("path mode uid gid") and add PACKAGES as an rpmdb the OS facts can read. */
static void load_fixture(fixture *fx, const char *os, bool with_sshd)
{
    memset(fx, 0, sizeof *fx);
    const char *src = getenv("IMGB_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char root[4096];
    snprintf(root, sizeof root, "%s/testdata/os/%s/rootfs", src, os);
    walk_fx = fx;
    walk_root_len = strlen(root);
    walk_skip_ssh = !with_sshd;
    ck_assert_int_eq(nftw(root, walk_cb, 16, FTW_PHYS), 0);

    char meta[4096];
    snprintf(meta, sizeof meta, "%s/testdata/os/%s/META", src, os);
    size_t len;
    char *m = slurp(meta, &len);
    for (char *line = strtok(m, "\n"); line; line = strtok(NULL, "\n")) {
        char p[512];
        unsigned mode, uid, gid;
        if (line[0] == '#' || sscanf(line, "%511s %o %u %u", p, &mode, &uid, &gid) != 4)
            continue;
        for (size_t i = 0; i < fx->n; i++)
            if (strcmp(fx->paths[i], p) == 0) {
                fx->files[i].mode = mode;
                fx->files[i].mode_exact = true;
                fx->files[i].uid = uid;
                fx->files[i].gid = gid;
            }
    }
    free(m);

    char pk[4096];
    snprintf(pk, sizeof pk, "%s/testdata/os/%s/PACKAGES", src, os);
    FILE *pf = fopen(pk, "r");
    if (pf && with_sshd) {
        /* every record in one blob: the header strings an rpmdb holds, name NUL version NUL
         * release NUL, one header after the other */
        char line[512], name[128], ver[128], rel[128];
        char *blob = malloc(4096);
        int bl = snprintf(blob, 4096, "RPMDB%c", 0);
        while (fgets(line, sizeof line, pf))
            if (line[0] != '#' && sscanf(line, "%127s %127s %127s", name, ver, rel) == 3) {
                ck_assert_int_lt(bl + 400, 4096);
                bl += snprintf(blob + bl, (size_t)(4096 - bl), "%s%c%s%c%s%c", name, 0, ver, 0,
                               rel, 0);
            }
        ck_assert_uint_lt(fx->n + 3, MAX_FILES);
        fx->paths[fx->n] = strdup("var/");
        fx->files[fx->n].path = fx->paths[fx->n];
        fx->files[fx->n++].type = IMGBUILD_DIR;
        fx->paths[fx->n] = strdup("var/lib/rpm/");
        fx->files[fx->n].path = fx->paths[fx->n];
        fx->files[fx->n++].type = IMGBUILD_DIR;
        fx->paths[fx->n] = strdup("var/lib/rpm/Packages");
        fx->contents[fx->n] = blob;
        fx->files[fx->n].path = fx->paths[fx->n];
        fx->files[fx->n].content = blob;
        fx->files[fx->n++].content_len = (size_t)bl;
    }
    if (pf)
        fclose(pf);
}

static void fixture_dispose(fixture *fx)
{
    for (size_t i = 0; i < fx->n; i++) {
        free(fx->paths[i]);
        free(fx->contents[i]);
    }
}

typedef struct scanned {
    char *dir;
    imgb_ruleset *rs;
    imgb_scan_result *res;
} scanned;

static void scan_fixture(scanned *s, const char *os, bool with_sshd)
{
    fixture *fx = calloc(1, sizeof *fx);
    ck_assert_ptr_nonnull(fx);
    load_fixture(fx, os, with_sshd);
    s->dir = imgbuild_tmpdir("baselines_rhel");
    imgbuild_layer layer;
    imgbuild_layer_write(&layer, s->dir, fx->files, fx->n, IMGBUILD_GZIP);
    imgbuild_image img = {.layers = &layer, .nlayers = 1, .ref = "fixture:1"};
    char *out = imgbuild_path(s->dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
    imgbuild_layer_dispose(&layer);
    fixture_dispose(fx);
    free(fx);

    char rules[4096];
    snprintf(rules, sizeof rules, "%s/rules", getenv("IMGB_SOURCE_DIR"));
    const char *paths[] = {rules};
    s->rs = NULL;
    ck_assert_int_eq(imgb_ruleset_load(&s->rs, paths, 1, NULL, NULL), 0);
    imgb_scan_config opt;
    memset(&opt, 0, sizeof opt);
    opt.weak_password_budget = 2;
    s->res = NULL;
    ck_assert_msg(imgb_scan_run(&s->res, s->rs, out, &opt) == 0, "scan of %s failed", os);
    i18n_assert_zh(s->res);
    free(out);
}

static void scanned_dispose(scanned *s)
{
    imgb_scan_result_free(s->res);
    imgb_ruleset_free(s->rs);
    imgbuild_rmtree(s->dir);
    free(s->dir);
}

static const char *verdict_of(const imgb_scan_result *res, const char *id)
{
    const imgb_item_result *r = imgb_scan_result_item(res, id);
    return r ? imgb_verdict_name(r->verdict) : "missing";
}

#define VERDICT(res, id, want)                                                             \
    ck_assert_msg(strcmp(verdict_of(res, id), want) == 0, "%s: %s, expected %s", id,       \
                  verdict_of(res, id), want)

START_TEST(centos7_defaults)
{
    scanned s;
    scan_fixture(&s, "centos7", true);
    const imgb_scan_result *r = s.res;
    ck_assert_str_eq(r->os->openssh_version, "7.4p1");
    ck_assert_ptr_nonnull(imgb_scan_result_baseline(r, "centos7_ssh"));
    ck_assert_ptr_nonnull(imgb_scan_result_baseline(r, "centos7_password_policy"));
    ck_assert_ptr_nonnull(imgb_scan_result_baseline(r, "centos7_accounts"));
    ck_assert_ptr_null(imgb_scan_result_baseline(r, "generic_ssh"));
    ck_assert_ptr_null(imgb_scan_result_baseline(r, "euleros_ssh"));
    /* SSH (section 2/3 "Default C7" column) */
    VERDICT(r, "centos7.ssh.config_valid", "pass");
    VERDICT(r, "centos7.ssh.permit_root_login", "fail");      /* EL7 patch: default yes */
    const imgb_item_result *prl = imgb_scan_result_item(r, "centos7.ssh.permit_root_login");
    ck_assert_uint_ge(prl->nevidence, 1);
    ck_assert_str_eq(prl->evidence[0].value, "yes");
    ck_assert_ptr_nonnull(strstr(prl->evidence[0].source, "EL7"));
    VERDICT(r, "centos7.ssh.permit_empty_passwords", "pass"); /* compiled default no */
    VERDICT(r, "centos7.ssh.max_auth_tries", "fail");         /* 6 */
    VERDICT(r, "centos7.ssh.x11_forwarding", "fail");         /* explicit yes */
    VERDICT(r, "centos7.ssh.ignore_rhosts", "pass");
    VERDICT(r, "centos7.ssh.hostbased_auth", "pass");
    VERDICT(r, "centos7.ssh.client_alive_interval", "fail");  /* 0 */
    VERDICT(r, "centos7.ssh.client_alive_count_max", "pass"); /* 3 */
    VERDICT(r, "centos7.ssh.login_grace_time", "fail");       /* 120 */
    VERDICT(r, "centos7.ssh.permit_user_env", "pass");
    VERDICT(r, "centos7.ssh.use_pam", "pass");
    VERDICT(r, "centos7.ssh.allow_tcp_forwarding", "fail");
    VERDICT(r, "centos7.ssh.banner", "fail");
    VERDICT(r, "centos7.ssh.macs", "fail");                   /* default has hmac-sha1 */
    VERDICT(r, "centos7.ssh.kex", "fail");                    /* dh-group14-sha1 */
    VERDICT(r, "centos7.ssh.max_startups", "fail");           /* 10:30:100 */
    VERDICT(r, "centos7.ssh.max_sessions", "pass");
    VERDICT(r, "centos7.ssh.gssapi", "fail");                 /* RHEL explicit yes */
    VERDICT(r, "centos7.ssh.strict_modes", "pass");
    VERDICT(r, "centos7.ssh.sshd_config_perms", "pass");      /* 0600 root:root */
    VERDICT(r, "centos7.ssh.protocol2", "pass");              /* >= 7.4: protocol 2 only */
    VERDICT(r, "centos7.ssh.access_limited", "fail");         /* no AllowUsers/... */
    VERDICT(r, "centos7.ssh.ignore_user_known_hosts", "fail"); /* default no */
    VERDICT(r, "centos7.ssh.hostkey_perms", "pass");          /* no keys baked in */
    /* password policy (section 4 "Default C7") */
    VERDICT(r, "centos7.pwd.pass_max_days", "fail");          /* 99999 */
    VERDICT(r, "centos7.pwd.pass_min_days", "fail");          /* 0 */
    VERDICT(r, "centos7.pwd.pass_warn_age", "pass");          /* 7 */
    VERDICT(r, "centos7.pwd.pass_min_len", "fail");           /* 5 */
    VERDICT(r, "centos7.pwd.encrypt_method", "pass");
    VERDICT(r, "centos7.pwd.inactive", "fail");               /* -1 */
    VERDICT(r, "centos7.pwd.minlen", "fail");                 /* compiled 9 */
    /* libpwquality 1.2.3 from the rpmdb: src/pwqprivate.h of 1.2.x, PWQ_DEFAULT_MIN_LENGTH 9
     * (Debian 10 / 12 get 8 from 1.3.0+: tests/test_baselines_deb.c pwquality_by_release) */
    const imgb_item_result *ml = imgb_scan_result_item(r, "centos7.pwd.minlen");
    ck_assert_uint_ge(ml->nevidence, 1);
    ck_assert_str_eq(ml->evidence[0].value, "9");
    ck_assert_ptr_nonnull(strstr(ml->evidence[0].source, "libpwquality 1.2.3"));
    ck_assert_ptr_nonnull(strstr(ml->evidence[0].message, "/var/lib/rpm/Packages (libpwquality "
                                                          "1.2.3-5.el7)"));
    VERDICT(r, "centos7.pwd.minclass", "fail");               /* 0 */
    VERDICT(r, "centos7.pwd.retry", "pass");                  /* retry=3 */
    VERDICT(r, "centos7.pwd.remember", "fail");
    VERDICT(r, "centos7.pwd.hash_sha512", "pass");
    VERDICT(r, "centos7.pwd.lockout_deny", "fail");
    VERDICT(r, "centos7.pwd.no_nullok", "fail");              /* nullok */
    VERDICT(r, "centos7.acct.tmout", "fail");
    VERDICT(r, "centos7.acct.umask", "pass");                 /* login.defs 077 */
    /* accounts and files (section 5) */
    VERDICT(r, "centos7.acct.uid0_only_root", "pass");
    VERDICT(r, "centos7.acct.duplicate_uid", "pass");
    VERDICT(r, "centos7.acct.groups_exist", "pass");
    VERDICT(r, "centos7.acct.root_gid0", "pass");
    VERDICT(r, "centos7.acct.system_nologin", "pass");
    VERDICT(r, "centos7.acct.shadowed", "pass");
    VERDICT(r, "centos7.acct.duplicate_gid", "pass");
    VERDICT(r, "centos7.file.shadow_strict", "pass");          /* 0000 root:root */
    VERDICT(r, "centos7.file.gshadow_strict", "pass");
    VERDICT(r, "centos7.file.shadow_backup", "pass");
    VERDICT(r, "centos7.acct.su_wheel", "fail");               /* commented out */
    VERDICT(r, "centos7.acct.netrc", "pass");
    VERDICT(r, "file.passwd_permissions", "pass");             /* common, once */
    scanned_dispose(&s);
}
END_TEST

START_TEST(centos7_without_sshd)
{
    scanned s;
    scan_fixture(&s, "centos7", false);
    ck_assert(!s.res->os->has_openssh_server);
    const imgb_baseline_result *b = imgb_scan_result_baseline(s.res, "centos7_ssh");
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_ge(b->nitems, 20);
    for (size_t i = 0; i < b->nitems; i++)
        ck_assert_msg(b->items[i].verdict == IMGB_V_NOT_APPLICABLE, "%s: %s",
                      b->items[i].item->id, imgb_verdict_name(b->items[i].verdict));
    ck_assert_uint_eq(b->passed, 0);
    VERDICT(s.res, "centos7.pwd.no_nullok", "fail"); /* the other baselines still run */
    scanned_dispose(&s);
}
END_TEST

START_TEST(openeuler_defaults)
{
    scanned s;
    scan_fixture(&s, "openeuler", true);
    const imgb_scan_result *r = s.res;
    ck_assert_str_eq(r->os->openssh_version, "8.8p1");
    ck_assert_ptr_nonnull(imgb_scan_result_baseline(r, "euleros_ssh"));
    ck_assert_ptr_nonnull(imgb_scan_result_baseline(r, "euleros_password_policy"));
    ck_assert_ptr_nonnull(imgb_scan_result_baseline(r, "euleros_accounts"));
    ck_assert_ptr_null(imgb_scan_result_baseline(r, "generic_ssh"));
    ck_assert_str_eq(imgb_scan_result_baseline(r, "euleros_ssh")->baseline->hw_check_name, "EulerOS");
    /* hardened by default ("默认已加固") */
    VERDICT(r, "euleros.ssh.config_valid", "pass");
    VERDICT(r, "euleros.ssh.log_level", "pass");              /* VERBOSE */
    VERDICT(r, "euleros.ssh.x11_forwarding", "pass");
    VERDICT(r, "euleros.ssh.allow_tcp_forwarding", "pass");
    VERDICT(r, "euleros.ssh.banner", "pass");
    VERDICT(r, "euleros.ssh.ciphers", "pass");
    VERDICT(r, "euleros.ssh.macs", "pass");
    VERDICT(r, "euleros.ssh.permit_user_env", "pass");
    VERDICT(r, "euleros.ssh.ignore_rhosts", "pass");
    VERDICT(r, "euleros.ssh.sshd_config_perms", "pass");
    /* not hardened by default */
    VERDICT(r, "euleros.ssh.permit_root_login", "fail");      /* prohibit-password */
    VERDICT(r, "euleros.ssh.max_auth_tries", "fail");         /* 6 > 3 */
    VERDICT(r, "euleros.ssh.login_grace_time", "fail");       /* 120 */
    /* password policy: oE thresholds */
    VERDICT(r, "euleros.pwd.pass_max_days", "fail");          /* 99999 > 90 */
    VERDICT(r, "euleros.pwd.minlen", "pass");                 /* minlen=8 >= 8 */
    VERDICT(r, "euleros.pwd.minclass", "pass");               /* 3 */
    VERDICT(r, "euleros.pwd.lockout_deny", "pass");           /* deny=3 */
    VERDICT(r, "euleros.pwd.lockout_unlock_time", "fail");    /* 60 < 300 */
    VERDICT(r, "euleros.pwd.no_nullok", "pass");
    VERDICT(r, "euleros.acct.tmout", "pass");                 /* TMOUT=300 */
    VERDICT(r, "euleros.acct.umask", "pass");                 /* 077 */
    VERDICT(r, "euleros.file.shadow_strict", "pass");
    VERDICT(r, "euleros.acct.uid0_only_root", "pass");
    scanned_dispose(&s);
}
END_TEST

START_TEST(alpine_generic)
{
    scanned s;
    scan_fixture(&s, "alpine", true);
    const imgb_scan_result *r = s.res;
    ck_assert(!r->os->has_openssh_server);
    const char *keys[] = {"generic_ssh", "generic_password_policy", "generic_accounts"};
    for (size_t k = 0; k < 3; k++) {
        const imgb_baseline_result *b = imgb_scan_result_baseline(r, keys[k]);
        ck_assert_msg(b != NULL, "%s not applied", keys[k]);
        ck_assert_msg(strstr(b->reason, "alpine") != NULL, "%s reason: %s", keys[k], b->reason);
    }
    ck_assert_ptr_null(imgb_scan_result_baseline(r, "centos7_ssh"));
    printf("alpine: generic_ssh applies because: %s\n", imgb_scan_result_baseline(r, "generic_ssh")->reason);
    VERDICT(r, "generic.file.shadow_backup", "not_applicable"); /* no /etc/shadow- */
    const imgb_baseline_result *ssh = imgb_scan_result_baseline(r, "generic_ssh");
    for (size_t i = 0; i < ssh->nitems; i++)
        ck_assert_msg(ssh->items[i].verdict == IMGB_V_NOT_APPLICABLE, "%s: %s",
                      ssh->items[i].item->id, imgb_verdict_name(ssh->items[i].verdict));
    VERDICT(r, "generic.acct.uid0_only_root", "pass");
    VERDICT(r, "generic.acct.root_gid0", "pass");
    VERDICT(r, "generic.acct.shadowed", "pass");
    VERDICT(r, "generic.acct.groups_exist", "pass");
    VERDICT(r, "generic.pwd.pass_max_days", "fail");          /* no login.defs: no maximum */
    VERDICT(r, "generic.pwd.sha_crypt_rounds", "pass");       /* lib/salt.c: 5000 */
    VERDICT(r, "generic.pwd.lockout_records", "not_applicable"); /* no PAM stack */
    scanned_dispose(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("baselines_rhel");
    TCase *tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, centos7_defaults);
    tcase_add_test(tc, centos7_without_sshd);
    tcase_add_test(tc, openeuler_defaults);
    tcase_add_test(tc, alpine_generic);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
