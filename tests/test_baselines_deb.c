/*
 * The shipped Debian 10 and Ubuntu 16.04 baselines (rules/debian10, rules/ubuntu1604) on
 * fixture images carrying each distro's DEFAULT files (testdata/os/<os>/layer*, modes and
 * owners in testdata/os/<os>/META), scanned end to end with the whole shipped rules tree.
 * Every item's verdict is asserted against what shared/reference/baselines.md predicts
 * (sections 2-5): X11Forwarding yes fails, Debian's sshd_config 0644 fails, nullok_secure
 * passes, PASS_MAX_DAYS 99999 fails, ...; an image without openssh-server gets
 * not_applicable for every SSH item; and the Include'd drop-in + opaque directory +
 * symlinked sshd_config case on a Debian 12 image (generic target) gets the effective values
 * and sources sshd itself would use.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "i18n_check.h"
#include "imgbuild.h"
#include "rules/loader.h"
#include "scan.h"

#define MAX_FIXTURE_FILES 256
#define MAX_LAYERS 4

/* ---- fixture images ------------------------------------------------------------------- */

typedef struct meta_line {
    char layer[32];
    char path[256];
    unsigned mode, uid, gid;
    bool used;
} meta_line;

typedef struct fixture {
    imgbuild_file files[MAX_FIXTURE_FILES];
    size_t n;
    char *strings[MAX_FIXTURE_FILES * 2]; /* owned path/content/link strings */
    size_t nstrings;
} fixture;

static char *own(fixture *f, char *s)
{
    ck_assert_uint_lt(f->nstrings, sizeof f->strings / sizeof f->strings[0]);
    f->strings[f->nstrings++] = s;
    return s;
}

static void fixture_dispose(fixture *f)
{
    for (size_t i = 0; i < f->nstrings; i++)
        free(f->strings[i]);
    f->nstrings = f->n = 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)sz + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)sz, fp), (size_t)sz);
    buf[sz] = '\0';
    fclose(fp);
    *len = (size_t)sz;
    return buf;
}

static size_t read_meta(const char *os_dir, meta_line *out, size_t max)
{
    char path[1024]; /* os_dir is at most 512 bytes (build_fixture) */
    snprintf(path, sizeof path, "%s/META", os_dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        ck_assert_uint_lt(n, max);
        meta_line *m = &out[n];
        memset(m, 0, sizeof *m);
        ck_assert_msg(sscanf(line, "%31s %255s %o %u %u", m->layer, m->path, &m->mode, &m->uid,
                             &m->gid) == 5, "bad META line: %s", line);
        n++;
    }
    fclose(fp);
    return n;
}

static meta_line *meta_find(meta_line *meta, size_t n, const char *layer, const char *rel)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(meta[i].layer, layer) == 0 && strcmp(meta[i].path, rel) == 0)
            return &meta[i];
    return NULL;
}

static void add_entry(fixture *f, const imgbuild_file *e)
{
    ck_assert_uint_lt(f->n, MAX_FIXTURE_FILES);
    f->files[f->n++] = *e;
}

/* Walk base/rel (sorted) into f: directories, regular files, symlinks; whiteout names become
 * whiteouts and opaque markers. */
static void walk(fixture *f, const char *base, const char *rel, const char *layer,
                 meta_line *meta, size_t nmeta)
{
    char dirpath[768];
    snprintf(dirpath, sizeof dirpath, "%s%s%s", base, *rel ? "/" : "", rel);
    struct dirent **names;
    int n = scandir(dirpath, &names, NULL, alphasort);
    ck_assert_msg(n >= 0, "cannot read %s", dirpath);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            free(names[i]);
            continue;
        }
        char *child = imgbuild_path(*rel ? rel : ".", name);
        char *relchild = *rel ? child : child + 2; /* drop "./" */
        char full[1024];
        snprintf(full, sizeof full, "%s/%s", base, relchild);
        struct stat st;
        ck_assert_int_eq(lstat(full, &st), 0);
        imgbuild_file e = { 0 };
        meta_line *m = meta_find(meta, nmeta, layer, relchild);
        if (m) {
            e.mode = m->mode;
            e.uid = m->uid;
            e.gid = m->gid;
            e.mode_exact = true;
            m->used = true;
        }
        if (strcmp(name, ".wh..wh..opq") == 0) {
            e.type = IMGBUILD_OPAQUE;
            e.path = own(f, strdup(*rel ? rel : "."));
            add_entry(f, &e);
        } else if (strncmp(name, ".wh.", 4) == 0) {
            e.type = IMGBUILD_WHITEOUT;
            char *p = *rel ? imgbuild_path(rel, name + 4) : strdup(name + 4);
            e.path = own(f, p);
            add_entry(f, &e);
        } else if (S_ISDIR(st.st_mode)) {
            e.type = IMGBUILD_DIR;
            size_t len = strlen(relchild);
            char *p = malloc(len + 2);
            memcpy(p, relchild, len);
            p[len] = '/';
            p[len + 1] = '\0';
            e.path = own(f, p);
            add_entry(f, &e);
            walk(f, base, relchild, layer, meta, nmeta);
        } else if (S_ISLNK(st.st_mode)) {
            char target[512];
            ssize_t tl = readlink(full, target, sizeof target - 1);
            ck_assert_int_gt(tl, 0);
            target[tl] = '\0';
            e.type = IMGBUILD_SYMLINK;
            e.path = own(f, strdup(relchild));
            e.link = own(f, strdup(target));
            add_entry(f, &e);
        } else {
            size_t len;
            e.type = IMGBUILD_FILE;
            e.path = own(f, strdup(relchild));
            e.content = own(f, slurp(full, &len));
            e.content_len = len;
            if (len == 0)
                e.content = NULL;
            add_entry(f, &e);
        }
        free(child);
        free(names[i]);
    }
    free(names);
}

/*
 * Write the layers testdata/os/<os>/layer1.. into `dir` (plus `extra`, a last layer of the
 * caller's, when not NULL) and assemble a docker-archive; returns its path.
 */
static char *build_fixture(const char *os, const char *dir, const imgbuild_file *extra,
                           size_t nextra)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char os_dir[512];
    snprintf(os_dir, sizeof os_dir, "%s/testdata/os/%s", src, os);
    meta_line meta[64];
    size_t nmeta = read_meta(os_dir, meta, 64);

    imgbuild_layer layers[MAX_LAYERS + 1];
    size_t nl = 0;
    for (int i = 1; i <= MAX_LAYERS; i++) {
        char layer[32], base[600];
        snprintf(layer, sizeof layer, "layer%d", i);
        snprintf(base, sizeof base, "%s/%s", os_dir, layer);
        struct stat st;
        if (stat(base, &st) != 0)
            break;
        fixture f = { 0 };
        walk(&f, base, "", layer, meta, nmeta);
        /* META paths git could not carry: empty directories */
        for (size_t j = 0; j < nmeta; j++)
            if (!meta[j].used && strcmp(meta[j].layer, layer) == 0) {
                size_t len = strlen(meta[j].path);
                char *p = malloc(len + 2);
                memcpy(p, meta[j].path, len);
                memcpy(p + len, "/", 2);
                imgbuild_file e = { .path = own(&f, p), .type = IMGBUILD_DIR,
                                    .mode = meta[j].mode, .uid = meta[j].uid,
                                    .gid = meta[j].gid, .mode_exact = true };
                add_entry(&f, &e);
                meta[j].used = true;
            }
        imgbuild_layer_write(&layers[nl++], dir, f.files, f.n, IMGBUILD_GZIP);
        fixture_dispose(&f);
    }
    ck_assert_msg(nl > 0, "no layers under %s", os_dir);
    if (extra)
        imgbuild_layer_write(&layers[nl++], dir, extra, nextra, IMGBUILD_PLAIN);
    char ref[64];
    snprintf(ref, sizeof ref, "fixture-%s:1", os);
    imgbuild_image img = { .layers = layers, .nlayers = nl, .ref = ref };
    char *out = imgbuild_path(dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
    for (size_t i = 0; i < nl; i++)
        imgbuild_layer_dispose(&layers[i]);
    return out;
}

/* ---- scanning ------------------------------------------------------------------------- */

static imgb_ruleset *shipped_rules(void)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char *rules = imgbuild_path(src, "rules");
    const char *paths[] = { rules };
    imgb_ruleset *rs = NULL;
    ck_assert_msg(imgb_ruleset_load(&rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
    free(rules);
    return rs;
}

/* A ruleset of the test's own: `yaml` written to DIR/rules/test.yaml and loaded. */
static imgb_ruleset *test_rules(const char *dir, const char *yaml)
{
    char *rules_dir = imgbuild_text_dir(dir, "rules", "test.yaml", yaml);
    imgb_ruleset *rs = NULL;
    const char *paths[] = { rules_dir };
    ck_assert_msg(imgb_ruleset_load(&rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
    free(rules_dir);
    return rs;
}

static const char *verdict_of(const imgb_scan_result *res, const char *id)
{
    const imgb_item_result *r = imgb_scan_result_item(res, id);
    return r ? imgb_verdict_name(r->verdict) : "missing";
}

/* The first evidence of an item that carries a value (the effective value of sshd items). */
static const imgb_evidence *value_evidence(const imgb_scan_result *res, const char *id)
{
    const imgb_item_result *r = imgb_scan_result_item(res, id);
    ck_assert_msg(r != NULL, "%s not evaluated", id);
    for (size_t i = 0; i < r->nevidence; i++)
        if (r->evidence[i].value)
            return &r->evidence[i];
    ck_abort_msg("%s: no evidence with a value", id);
    return NULL;
}

typedef struct expect {
    const char *id; /* without the "<os>." prefix */
    const char *verdict;
} expect;

static void check_table(const imgb_scan_result *res, const char *os, const expect *t, size_t n)
{
    char id[128];
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "%s.%s", os, t[i].id);
        ck_assert_msg(strcmp(verdict_of(res, id), t[i].verdict) == 0, "%s: %s, expected %s", id,
                      verdict_of(res, id), t[i].verdict);
    }
}

/* Every item of the baseline has a verdict asserted in the table (nothing left unchecked). */
static void check_covered(const imgb_scan_result *res, const char *key, const char *os,
                          const expect *t, size_t n)
{
    const imgb_baseline_result *b = imgb_scan_result_baseline(res, key);
    ck_assert_msg(b != NULL, "baseline %s not applied", key);
    for (size_t i = 0; i < b->nitems; i++) {
        const char *id = b->items[i].item->id;
        bool found = false;
        for (size_t j = 0; j < n && !found; j++) {
            size_t ol = strlen(os);
            found = strncmp(id, os, ol) == 0 && id[ol] == '.' && strcmp(id + ol + 1, t[j].id) == 0;
        }
        ck_assert_msg(found, "%s has no expected verdict in the test", id);
    }
}

/* Shared by Debian 10 and Ubuntu 16.04: identical default files where the reference says so. */
static const expect deb_common[] = {
    /* ssh: reference section 3, "Default D10 / U16" column */
    { "ssh.permit_root_login", "fail" },    /* prohibit-password */
    { "ssh.permit_empty_passwords", "pass" },
    { "ssh.max_auth_tries", "fail" },       /* 6 */
    { "ssh.log_level", "pass" },            /* INFO */
    { "ssh.x11_forwarding", "fail" },       /* shipped X11Forwarding yes */
    { "ssh.ignore_rhosts", "pass" },
    { "ssh.hostbased_auth", "pass" },
    { "ssh.client_alive_interval", "fail" }, /* 0 */
    { "ssh.client_alive_count_max", "pass" }, /* 3 */
    { "ssh.login_grace_time", "fail" },     /* 120 */
    { "ssh.permit_user_env", "pass" },
    { "ssh.use_pam", "pass" },              /* explicit UsePAM yes */
    { "ssh.allow_tcp_forwarding", "fail" }, /* yes */
    { "ssh.banner", "fail" },               /* none */
    { "ssh.ciphers", "pass" },              /* compiled-in list has no CBC (SSG: no line, fail) */
    { "ssh.macs", "fail" },                 /* umac-64, hmac-sha1 */
    { "ssh.kex", "fail" },                  /* diffie-hellman-group14-sha1 */
    { "ssh.max_startups", "fail" },         /* 10:30:100 vs 10:30:60 */
    { "ssh.max_sessions", "pass" },         /* 10 */
    { "ssh.strict_modes", "pass" },
    { "ssh.access_limited", "fail" },       /* no AllowUsers/... */
    { "ssh.sshd_config_perms", "fail" },    /* 0644 */
    { "ssh.hostkey_perms", "pass" },        /* 0600 root:root */
    { "ssh.hostkey_pub_perms", "pass" },
    { "ssh.config_valid", "pass" },
    { "ssh.protocol2", "pass" },
    /* password policy: reference section 4 */
    { "pwd.pass_max_days", "fail" },        /* 99999 */
    { "pwd.pass_min_days", "fail" },        /* 0 */
    { "pwd.pass_warn_age", "pass" },        /* 7 */
    { "pwd.inactive", "fail" },             /* -1 (commented in /etc/default/useradd) */
    { "pwd.shadow_max_days", "fail" },      /* app: 99999 */
    { "pwd.shadow_min_days", "fail" },      /* app: 0 */
    { "pwd.shadow_warn_age", "pass" },
    { "pwd.last_change_past", "pass" },
    { "pwd.minlen", "fail" },               /* libpam-pwquality not installed */
    { "pwd.dcredit", "fail" },
    { "pwd.ucredit", "fail" },
    { "pwd.lcredit", "fail" },
    { "pwd.ocredit", "fail" },
    { "pwd.remember", "fail" },             /* no pam_pwhistory */
    { "pwd.hash_sha512", "pass" },          /* pam_unix obscure sha512 */
    { "pwd.encrypt_method", "pass" },
    { "pwd.lockout_deny", "fail" },         /* pam_tally2 not configured */
    { "pwd.lockout_unlock_time", "fail" },
    { "pwd.no_nullok", "pass" },            /* nullok_secure is another argument */
    { "pwd.umask", "fail" },                /* 022 */
    { "pwd.tmout", "fail" },
    /* accounts and files: reference section 5 */
    { "acct.uid0_only_root", "pass" },
    { "acct.duplicate_uid", "pass" },
    { "acct.duplicate_name", "pass" },
    { "acct.groups_exist", "pass" },
    { "acct.legacy_plus_passwd", "pass" },
    { "acct.legacy_plus_shadow", "pass" },
    { "acct.legacy_plus_group", "pass" },
    { "acct.root_gid0", "pass" },
    { "acct.system_nologin", "pass" },      /* sync's /bin/sync is an exception */
    { "acct.shadowed", "pass" },
    { "acct.duplicate_gid", "pass" },
    { "acct.duplicate_group_name", "pass" },
    { "acct.shadow_group_empty", "pass" },
    { "acct.shadow_perms", "pass" },        /* 0640 root:shadow */
    { "acct.gshadow_perms", "pass" },
    { "acct.passwd_backup_perms", "pass" },
    { "acct.shadow_backup_perms", "pass" },
    { "acct.group_backup_perms", "pass" },
    { "acct.gshadow_backup_perms", "pass" },
    { "acct.su_wheel", "fail" },            /* pam_wheel commented out */
    { "acct.netrc", "pass" },
    { "acct.forward", "pass" },
};
#define NCOMMON (sizeof deb_common / sizeof deb_common[0])

/* The fixtures' one usable hash is of a random string: cracking it is not what these tests
 * are about, so the weak-password budget is kept short (weak.password may be incomplete). */
static const imgb_scan_config scan_opts = { .weak_password_budget = 0.5 };

static imgb_scan_result *scan_os(const imgb_ruleset *rs, const char *os, char **dir_out,
                                 const imgbuild_file *extra, size_t nextra)
{
    char *dir = imgbuild_tmpdir(os);
    char *img = build_fixture(os, dir, extra, nextra);
    imgb_scan_result *res = NULL;
    ck_assert_msg(imgb_scan_run(&res, rs, img, &scan_opts) == 0, "%s", imgb_error_last());
    i18n_assert_zh(res);
    free(img);
    *dir_out = dir;
    return res;
}

static void done(imgb_scan_result *res, imgb_ruleset *rs, char *dir)
{
    imgb_scan_result_free(res);
    imgb_ruleset_free(rs);
    imgbuild_rmtree(dir);
    free(dir);
}

START_TEST(debian10_defaults)
{
    imgb_ruleset *rs = shipped_rules();
    char *dir;
    imgb_scan_result *res = scan_os(rs, "debian10", &dir, NULL, 0);

    static const char *const keys[] = { "debian10_ssh", "debian10_password_policy",
                                        "debian10_accounts" };
    for (size_t i = 0; i < 3; i++) {
        const imgb_baseline_result *b = imgb_scan_result_baseline(res, keys[i]);
        ck_assert_msg(b != NULL, "%s not applied", keys[i]);
        ck_assert_ptr_nonnull(strstr(b->reason, "debian"));
        check_covered(res, keys[i], "debian10", deb_common, NCOMMON);
    }
    ck_assert_ptr_null(imgb_scan_result_baseline(res, "ubuntu1604_ssh"));
    check_table(res, "debian10", deb_common, NCOMMON);

    /* evidence: where each effective value came from */
    const imgb_evidence *ev = value_evidence(res, "debian10.ssh.x11_forwarding");
    ck_assert_str_eq(ev->value, "yes");
    ck_assert_str_eq(ev->source, "/etc/ssh/sshd_config:89");
    ev = value_evidence(res, "debian10.ssh.permit_root_login");
    ck_assert_str_eq(ev->value, "without-password"); /* prohibit-password, as sshd -T prints */
    ck_assert_ptr_nonnull(strstr(ev->source, "7.9p1"));
    ev = value_evidence(res, "debian10.ssh.max_auth_tries");
    ck_assert_str_eq(ev->value, "6");
    ev = value_evidence(res, "debian10.pwd.pass_max_days");
    ck_assert_str_eq(ev->value, "99999");
    const imgb_item_result *r = imgb_scan_result_item(res, "debian10.ssh.sshd_config_perms");
    ck_assert_uint_ge(r->nevidence, 1);
    ck_assert_str_eq(r->evidence[0].file, "/etc/ssh/sshd_config");
    r = imgb_scan_result_item(res, "debian10.pwd.shadow_max_days");
    bool app = false;
    for (size_t i = 0; i < r->nevidence; i++)
        app = app || (r->evidence[i].account && strcmp(r->evidence[i].account, "app") == 0 &&
                      r->evidence[i].verdict == IMGB_V_FAIL);
    ck_assert_msg(app, "app's 99999 is not the failing evidence");
    /* the common file baseline agrees with the distro's shadow item */
    ck_assert_str_eq(verdict_of(res, "file.shadow_permissions"), "pass");
    done(res, rs, dir);
}
END_TEST

START_TEST(ubuntu1604_defaults)
{
    imgb_ruleset *rs = shipped_rules();
    char *dir;
    imgb_scan_result *res = scan_os(rs, "ubuntu1604", &dir, NULL, 0);

    static const char *const keys[] = { "ubuntu1604_ssh", "ubuntu1604_password_policy",
                                        "ubuntu1604_accounts" };
    for (size_t i = 0; i < 3; i++) {
        const imgb_baseline_result *b = imgb_scan_result_baseline(res, keys[i]);
        ck_assert_msg(b != NULL, "%s not applied", keys[i]);
        ck_assert_ptr_nonnull(strstr(b->reason, "ubuntu"));
        check_covered(res, keys[i], "ubuntu1604", deb_common, NCOMMON);
    }
    /* ID_LIKE=debian, but VERSION_ID 16.04 is outside Debian 10's range */
    ck_assert_ptr_null(imgb_scan_result_baseline(res, "debian10_ssh"));
    check_table(res, "ubuntu1604", deb_common, NCOMMON);

    /* OpenSSH 7.2p2 still parses Protocol: the shipped line is the value */
    const imgb_evidence *ev = value_evidence(res, "ubuntu1604.ssh.protocol2");
    ck_assert_str_eq(ev->value, "2");
    ck_assert_str_eq(ev->source, "/etc/ssh/sshd_config:9");
    ev = value_evidence(res, "ubuntu1604.ssh.permit_root_login");
    ck_assert_str_eq(ev->value, "without-password"); /* how sshd -T 7.2 prints it */
    ck_assert_str_eq(ev->source, "/etc/ssh/sshd_config:28");
    ev = value_evidence(res, "ubuntu1604.ssh.login_grace_time");
    ck_assert_str_eq(ev->value, "120");
    ck_assert_str_eq(ev->source, "/etc/ssh/sshd_config:27");
    ev = value_evidence(res, "ubuntu1604.ssh.x11_forwarding");
    ck_assert_str_eq(ev->source, "/etc/ssh/sshd_config:64");
    done(res, rs, dir);
}
END_TEST

/* `apt-get purge openssh-server` in a later layer: every SSH item is not_applicable (never a
 * pass), the password and account items are still evaluated. */
START_TEST(debian10_without_openssh_server)
{
    static const char status[] =
        "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 10.3+deb10u13\nDescription: Debian base system miscellaneous files\n\n"
        "Package: openssh-server\nStatus: deinstall ok config-files\nArchitecture: amd64\n"
        "Version: 1:7.9p1-10+deb10u2\nDescription: secure shell (SSH) server\n";
    imgbuild_file extra[] = {
        { .path = "etc/ssh", .type = IMGBUILD_WHITEOUT },
        { .path = "var/lib/dpkg/status", .content = status },
    };
    imgb_ruleset *rs = shipped_rules();
    char *dir;
    imgb_scan_result *res = scan_os(rs, "debian10", &dir, extra, 2);
    const imgb_baseline_result *b = imgb_scan_result_baseline(res, "debian10_ssh");
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_ge(b->nitems, 20);
    for (size_t i = 0; i < b->nitems; i++) {
        ck_assert_msg(b->items[i].verdict == IMGB_V_NOT_APPLICABLE, "%s: %s",
                      b->items[i].item->id, imgb_verdict_name(b->items[i].verdict));
        ck_assert_uint_ge(b->items[i].nevidence, 1);
        ck_assert_ptr_nonnull(strstr(b->items[i].evidence[0].message, "openssh-server"));
    }
    ck_assert_uint_eq(b->not_applicable, b->nitems);
    ck_assert_uint_eq(b->passed, 0);
    ck_assert_str_eq(verdict_of(res, "debian10.pwd.pass_max_days"), "fail");
    ck_assert_str_eq(verdict_of(res, "debian10.pwd.no_nullok"), "pass");
    done(res, rs, dir);
}
END_TEST

/*
 * Debian 12 (no OS-specific baseline: the generic one's target).  Layer 1 is the stock
 * layout: sshd_config starting with `Include /etc/ssh/sshd_config.d/<glob>.conf`, a cloud-init
 * drop-in allowing root and passwords, another raising MaxAuthTries.  Layer 2 makes
 * sshd_config.d opaque (both drop-ins gone), adds 10-hardening.conf, and replaces
 * sshd_config with a symlink to /etc/ssh-managed/sshd_config.  sshd 9.2 reads the symlink's
 * target, the Include in place, sorted, first value wins.
 */
#define DROPIN_RULE(id, kw)                                                                \
    "  - id: " id "\n"                                                                     \
    "    title: {zh: t, en: t}\n"                                                          \
    "    description: {zh: d, en: d}\n"                                                    \
    "    advice: {zh: a, en: a}\n"                                                         \
    "    severity: medium\n"                                                               \
    "    bucket: security_check\n"                                                         \
    "    check: {kind: sshd_option, keyword: " kw ", op: present}\n"

static const char dropin_rules[] =
    "baseline:\n"
    "  key: dropins_generic_ssh\n"
    "  class: ssh\n"
    "  alias: {zh: g, en: g}\n"
    "  class_alias: {zh: g, en: g}\n"
    "  applies: {generic: true, requires_package: openssh-server}\n"
    "items:\n"
    DROPIN_RULE("t.root", "PermitRootLogin")
    DROPIN_RULE("t.tries", "MaxAuthTries")
    DROPIN_RULE("t.password", "PasswordAuthentication")
    DROPIN_RULE("t.x11", "X11Forwarding")
    DROPIN_RULE("t.alive", "ClientAliveInterval")
    DROPIN_RULE("t.pam", "UsePAM")
    DROPIN_RULE("t.kbd", "KbdInteractiveAuthentication");

START_TEST(debian12_dropins_opaque_symlink)
{
    char *dir = imgbuild_tmpdir("debian12-dropins");
    imgb_ruleset *rs = test_rules(dir, dropin_rules);

    char *img = build_fixture("debian12-dropins", dir, NULL, 0);
    imgb_scan_result *res = NULL;
    ck_assert_msg(imgb_scan_run(&res, rs, img, &scan_opts) == 0, "%s", imgb_error_last());
    const imgb_baseline_result *b = imgb_scan_result_baseline(res, "dropins_generic_ssh");
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(strstr(b->reason, "generic"));

    const imgb_evidence *ev = value_evidence(res, "t.root");
    ck_assert_str_eq(ev->value, "no");
    ck_assert_str_eq(ev->source, "/etc/ssh/sshd_config.d/10-hardening.conf:2");
    ev = value_evidence(res, "t.tries");
    ck_assert_str_eq(ev->value, "3");
    ck_assert_str_eq(ev->source, "/etc/ssh/sshd_config.d/10-hardening.conf:3");
    ev = value_evidence(res, "t.alive");
    ck_assert_str_eq(ev->value, "300");  /* 5m */
    /* 50-cloud-init.conf was hidden by the opaque directory: the compiled-in default */
    ev = value_evidence(res, "t.password");
    ck_assert_str_eq(ev->value, "yes");
    ck_assert_ptr_nonnull(strstr(ev->source, "9.2p1"));
    /* after the Include, from the symlink's target */
    ev = value_evidence(res, "t.x11");
    ck_assert_str_eq(ev->value, "no");
    ck_assert_ptr_nonnull(strstr(ev->source, "sshd_config:4"));
    ev = value_evidence(res, "t.kbd");
    ck_assert_str_eq(ev->value, "no");
    imgb_scan_result_free(res);

    /* with the shipped rules: neither Debian 10 nor Ubuntu 16.04 baselines apply */
    imgb_ruleset *shipped = shipped_rules();
    ck_assert_msg(imgb_scan_run(&res, shipped, img, &scan_opts) == 0, "%s", imgb_error_last());
    i18n_assert_zh(res);
    ck_assert_ptr_null(imgb_scan_result_baseline(res, "debian10_ssh"));
    ck_assert_ptr_null(imgb_scan_result_baseline(res, "debian10_password_policy"));
    ck_assert_ptr_null(imgb_scan_result_baseline(res, "ubuntu1604_ssh"));
    for (size_t i = 0; i < res->nbaselines; i++)
        ck_assert_ptr_nonnull(res->baselines[i].reason);
    /* the generic Linux SSH baseline does, and says why */
    b = imgb_scan_result_baseline(res, "generic_ssh");
    ck_assert_msg(b != NULL, "generic_ssh not applied to Debian 12");
    ck_assert_ptr_nonnull(strstr(b->reason, "generic"));
    ck_assert_str_eq(verdict_of(res, "generic.ssh.permit_root_login"), "pass");
    ev = value_evidence(res, "generic.ssh.permit_root_login");
    ck_assert_str_eq(ev->source, "/etc/ssh/sshd_config.d/10-hardening.conf:2");
    ck_assert_str_eq(verdict_of(res, "generic.ssh.max_auth_tries"), "pass");      /* 3 */
    ck_assert_str_eq(verdict_of(res, "generic.ssh.client_alive_interval"), "pass"); /* 5m */
    ck_assert_str_eq(verdict_of(res, "generic.ssh.x11_forwarding"), "pass");
    /* sshd_config is checked as its target, /etc/ssh-managed/sshd_config 0600 */
    ck_assert_str_eq(verdict_of(res, "generic.ssh.sshd_config_perms"), "pass");
    imgb_scan_result_free(res);
    imgb_ruleset_free(shipped);

    imgb_ruleset_free(rs);
    free(img);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * libpwquality by release on real Debian root filesystems: Debian 10 + libpam-pwquality 1.4.0
 * (testdata/os/debian10-pwquality: debian10's layer plus the package's files) and a stock
 * Debian 12 with libpam-pwquality 1.4.5 (testdata/os/debian12), both with the shipped
 * pwquality.conf (all commented): the 1.3.0+ defaults of src/pwqprivate.h, minlen 8,
 * credits 0, difok 1 (CentOS 7's 1.2.3 gives 9, +1, 5: tests/test_baselines_rhel.c).  Then
 * a pwquality.conf with "retry = 3" before "minlen = 14": 1.4.0 does not know retry in the
 * config (settings.c s_map gained it in 1.4.1), so read_config_file stops there and minlen
 * stays 8; 1.4.5 reads on to 14.  The faillock lines Debian 12 (Linux-PAM 1.5.2) reads from
 * faillock.conf; Linux-PAM 1.3.1 on Debian 10 has no pam_faillock at all.
 */
#define PWQ_RULE(id, opt, val)                                                             \
    "  - id: " id "\n"                                                                     \
    "    title: {zh: t, en: t}\n"                                                          \
    "    description: {zh: d, en: d}\n"                                                    \
    "    advice: {zh: a, en: a}\n"                                                         \
    "    severity: medium\n"                                                               \
    "    bucket: pwd_policy\n"                                                             \
    "    check: {kind: pwquality, option: " opt ", op: eq, value: " val "}\n"

static const char pwq_rules[] =
    "baseline:\n"
    "  key: pwq_release\n"
    "  class: pwq_release\n"
    "  alias: {zh: p, en: p}\n"
    "  class_alias: {zh: p, en: p}\n"
    "items:\n"
    PWQ_RULE("p.minlen8", "minlen", "8")
    PWQ_RULE("p.minlen14", "minlen", "14")
    PWQ_RULE("p.dcredit0", "dcredit", "0")
    PWQ_RULE("p.difok1", "difok", "1")
    PWQ_RULE("p.retry3", "retry", "3")
    "  - id: p.sha_rounds\n"
    "    title: {zh: t, en: t}\n"
    "    description: {zh: d, en: d}\n"
    "    advice: {zh: a, en: a}\n"
    "    severity: medium\n"
    "    bucket: pwd_policy\n"
    "    check: {kind: login_defs, key: SHA_CRYPT_MIN_ROUNDS, op: eq, value: 5000}\n";

static imgb_scan_result *scan_with(imgb_ruleset *rs, const char *os, const char *dir,
                                   const imgbuild_file *extra, size_t nextra)
{
    char *img = build_fixture(os, dir, extra, nextra);
    imgb_scan_result *res = NULL;
    ck_assert_msg(imgb_scan_run(&res, rs, img, &scan_opts) == 0, "%s", imgb_error_last());
    i18n_assert_zh(res);
    free(img);
    return res;
}

START_TEST(pwquality_by_release)
{
    char *dir = imgbuild_tmpdir("pwq-release");
    imgb_ruleset *rs = test_rules(dir, pwq_rules);

    static const struct {
        const char *os, *version;
    } rel[] = { { "debian10-pwquality", "libpwquality 1.4.0" },
                { "debian12", "libpwquality 1.4.5" } };
    static const imgbuild_file conf[] = {
        { .path = "etc/security/pwquality.conf", .type = IMGBUILD_FILE,
          .content = "retry = 3\nminlen = 14\n", .content_len = 22 },
    };
    for (size_t i = 0; i < 2; i++) {
        imgb_scan_result *res = scan_with(rs, rel[i].os, dir, NULL, 0);
        ck_assert_msg(strcmp(verdict_of(res, "p.minlen8"), "pass") == 0, "%s minlen: %s",
                      rel[i].os, verdict_of(res, "p.minlen8"));
        const imgb_evidence *ev = value_evidence(res, "p.minlen8");
        ck_assert_ptr_nonnull(strstr(ev->source, rel[i].version));
        ck_assert_ptr_nonnull(strstr(ev->message, "/var/lib/dpkg/status (libpwquality1"));
        ck_assert_str_eq(verdict_of(res, "p.dcredit0"), "pass");
        ck_assert_str_eq(verdict_of(res, "p.difok1"), "pass");
        ck_assert_str_eq(verdict_of(res, "p.retry3"), "pass"); /* the retry=3 argument */
        ck_assert_str_eq(verdict_of(res, "p.sha_rounds"), "pass"); /* lib/salt.c 5000 */
        imgb_scan_result_free(res);

        res = scan_with(rs, rel[i].os, dir, conf, 1);
        const char *want14 = i == 0 ? "fail" : "pass";
        ck_assert_msg(strcmp(verdict_of(res, "p.minlen14"), want14) == 0, "%s minlen 14: %s",
                      rel[i].os, verdict_of(res, "p.minlen14"));
        if (i == 0) {
            ev = value_evidence(res, "p.minlen14");
            ck_assert_str_eq(ev->value, "8");
            ck_assert_ptr_nonnull(strstr(ev->message, "stopped reading "
                                                      "/etc/security/pwquality.conf at line 1"));
        }
        imgb_scan_result_free(res);
    }
    imgb_ruleset_free(rs);

    /* the shipped generic baseline on the stock Debian 12 */
    imgb_ruleset *shipped = shipped_rules();
    imgb_scan_result *res = scan_with(shipped, "debian12", dir, NULL, 0);
    ck_assert_str_eq(verdict_of(res, "generic.pwd.minlen"), "fail"); /* 8 < 14 */
    ck_assert_str_eq(value_evidence(res, "generic.pwd.minlen")->value, "8");
    ck_assert_str_eq(verdict_of(res, "generic.pwd.lockout_records"), "fail"); /* no faillock */
    ck_assert_str_eq(verdict_of(res, "generic.pwd.sha_crypt_rounds"), "pass"); /* 5000 */
    ck_assert_str_eq(verdict_of(res, "generic.pwd.hash_sha512"), "pass"); /* yescrypt */
    imgb_scan_result_free(res);
    imgb_ruleset_free(shipped);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("baselines_deb");
    TCase *tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, debian10_defaults);
    tcase_add_test(tc, ubuntu1604_defaults);
    tcase_add_test(tc, debian10_without_openssh_server);
    tcase_add_test(tc, debian12_dropins_opaque_symlink);
    tcase_add_test(tc, pwquality_by_release);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
