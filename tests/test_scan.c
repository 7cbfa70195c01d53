/*
 * End-to-end tests of the scan pipeline (engine/scan.c), the native report
 * (engine/report/native.c) and the `scan` / `rules` commands: small images built with
 * tests/support/imgbuild, scanned against rule directories written by the test and against
 * the shipped rules/.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>
#include <jansson.h>

#include "facts/os.h"
#include "i18n_check.h"
#include "imgbuild.h"
#include "report/native.h"
#include "rules/loader.h"
#include "scan.h"
#include "util/error.h"
#include "util/mem.h"

/* ---- fixtures ----------------------------------------------------------------------------- */

#define TEXTS                                                                              \
    "    title: {zh: \"标题\", en: \"Title\"}\n"                                           \
    "    description: {zh: \"描述\", en: \"Description\"}\n"                               \
    "    advice: {zh: \"建议\", en: \"Advice\"}\n"

#define HEAD(key, cls)                                                                     \
    "baseline:\n"                                                                          \
    "  key: " key "\n"                                                                     \
    "  class: " cls "\n"                                                                   \
    "  alias: {zh: \"基线\", en: \"Baseline " key "\"}\n"                                 \
    "  class_alias: {zh: \"类\", en: \"Class\"}\n"

/* One OS baseline per family, a generic fallback of the same class, one for every image. */
static const char *const rule_files[][2] = {
    { "debian10.yaml",
      HEAD("t_debian10_ssh", "ssh")
      "  applies: {os: [debian], version: {min: \"10\", max: \"11\"},\n"
      "            requires_package: openssh-server}\n"
      "items:\n"
      "  - id: t.deb.root_login\n" TEXTS
      "    severity: high\n"
      "    bucket: security_check\n"
      "    check: {kind: file_regex, path: /etc/ssh/sshd_config,\n"
      "            pattern: '^\\s*PermitRootLogin\\s+yes', must: not_match}\n"
      "  - id: t.deb.config_mode\n" TEXTS
      "    severity: medium\n"
      "    bucket: security_check\n"
      "    check: {kind: file_meta, path: /etc/ssh/sshd_config, mode_max: \"0600\"}\n"
      "  - id: t.deb.sshd_root\n" TEXTS
      "    severity: high\n"
      "    bucket: security_check\n"
      "    check: {kind: sshd_option, keyword: PermitRootLogin, op: eq, value: \"no\"}\n" },
    { "rhel8.yaml",
      HEAD("t_rhel8_ssh", "ssh")
      "  applies: {os: [rhel], version: {min: \"8\", max: \"9\"}}\n"
      "items:\n"
      "  - id: t.rhel.banner\n" TEXTS
      "    severity: low\n"
      "    bucket: security_check\n"
      "    check: {kind: file_exists, path: /etc/issue.net, exists: true}\n" },
    { "generic.yaml",
      HEAD("t_generic_ssh", "ssh")
      "  applies: {generic: true}\n"
      "items:\n"
      "  - id: t.gen.hosts_equiv\n" TEXTS
      "    severity: high\n"
      "    bucket: security_check\n"
      "    check: {kind: file_exists, path: /etc/hosts.equiv, exists: false}\n" },
    { "every.yaml",
      HEAD("t_every", "files")
      "items:\n"
      "  - id: t.all.passwd\n" TEXTS
      "    severity: medium\n"
      "    bucket: security_check\n"
      "    check: {kind: file_meta, path: /etc/passwd, mode_max: \"0644\", owner: root}\n" },
};

static char *write_rules(const char *dir)
{
    char *rules = imgbuild_path(dir, "rules");
    imgbuild_sh("mkdir -p '%s'", rules);
    for (size_t i = 0; i < sizeof rule_files / sizeof rule_files[0]; i++) {
        char *p = imgbuild_path(rules, rule_files[i][0]);
        FILE *f = fopen(p, "w");
        ck_assert_ptr_nonnull(f);
        fputs(rule_files[i][1], f);
        fclose(f);
        free(p);
    }
    return rules;
}

static const char dpkg_status_ssh[] =
    "Package: openssh-server\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 1:7.9p1-10+deb10u2\n"
    "\n";

#define PASSWD "root:x:0:0:root:/root:/bin/bash\nbin:x:1:1::/bin:/usr/sbin/nologin\n"

/* A one-layer docker-archive image with `os_release` (NULL: none) and optional sshd. */
static char *build_image(const char *dir, const char *name, const char *os_release, bool sshd,
                         unsigned passwd_mode)
{
    imgbuild_file files[16];
    size_t n = 0;
    files[n++] = (imgbuild_file){ .path = "etc/", .type = IMGBUILD_DIR };
    files[n++] = (imgbuild_file){ .path = "etc/passwd", .content = PASSWD,
                                  .mode = passwd_mode };
    files[n++] = (imgbuild_file){ .path = "etc/group", .content = "root:x:0:\nbin:x:1:\n" };
    files[n++] = (imgbuild_file){ .path = "etc/shadow", .content = "root:*:19000:0:99999:7:::\n",
                                  .mode = 0640 };
    if (os_release)
        files[n++] = (imgbuild_file){ .path = "etc/os-release", .content = os_release };
    if (sshd) {
        files[n++] = (imgbuild_file){ .path = "etc/ssh/", .type = IMGBUILD_DIR };
        files[n++] = (imgbuild_file){ .path = "etc/ssh/sshd_config",
                                      .content = "Port 22\nPermitRootLogin yes\n" };
        files[n++] = (imgbuild_file){ .path = "var/", .type = IMGBUILD_DIR };
        files[n++] = (imgbuild_file){ .path = "var/lib/", .type = IMGBUILD_DIR };
        files[n++] = (imgbuild_file){ .path = "var/lib/dpkg/", .type = IMGBUILD_DIR };
        files[n++] = (imgbuild_file){ .path = "var/lib/dpkg/status", .content = dpkg_status_ssh };
    }
    imgbuild_layer layer;
    imgbuild_layer_write(&layer, dir, files, n, IMGBUILD_GZIP);
    imgbuild_image img = { .layers = &layer, .nlayers = 1, .ref = "test/scan:1",
                           .created = "2024-03-01T12:00:00Z" };
    char *out = imgbuild_path(dir, name);
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
    imgbuild_layer_dispose(&layer);
    return out;
}

#define DEBIAN10 "PRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\nID=debian\nVERSION_ID=\"10\"\n"
#define ALPINE "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n"
#define ROCKY8 "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.9\"\n"

typedef struct scan_fixture {
    char *dir;
    char *rules;
    imgb_ruleset *rs;
} scan_fixture;

static void fixture_init(scan_fixture *f, const char *tag)
{
    f->dir = imgbuild_tmpdir(tag);
    f->rules = write_rules(f->dir);
    const char *paths[] = { f->rules };
    ck_assert_msg(imgb_ruleset_load(&f->rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
}

static void fixture_dispose(scan_fixture *f)
{
    imgb_ruleset_free(f->rs);
    imgbuild_rmtree(f->dir);
    free(f->rules);
    free(f->dir);
}

static const imgb_baseline_result *find_result(const imgb_scan_result *res, const char *key)
{
    for (size_t i = 0; i < res->nbaselines; i++)
        if (strcmp(res->baselines[i].baseline->key, key) == 0)
            return &res->baselines[i];
    return NULL;
}

static imgb_scan_result *scan(scan_fixture *f, const char *image)
{
    imgb_scan_result *res = NULL;
    imgb_scan_config opts = { .read = { .jobs = 1 } };
    ck_assert_msg(imgb_scan_run(&res, f->rs, image, &opts) == 0, "%s", imgb_error_last());
    i18n_assert_zh(res);
    return res;
}

/* ---- baseline choice ----------------------------------------------------------------------- */

START_TEST(scan_debian10_with_sshd_applies_its_baseline)
{
    scan_fixture f;
    fixture_init(&f, "scan-deb10");
    char *image = build_image(f.dir, "deb10.tar", DEBIAN10, true, 0644);
    imgb_scan_result *res = scan(&f, image);

    ck_assert_uint_eq(res->nbaselines, 2);
    const imgb_baseline_result *deb = find_result(res, "t_debian10_ssh");
    ck_assert_ptr_nonnull(deb);
    ck_assert_str_eq(deb->reason, "os-release ID=debian VERSION_ID=10 matches debian 10..11");
    ck_assert_ptr_null(find_result(res, "t_generic_ssh")); /* covered by the OS baseline */
    ck_assert_ptr_null(find_result(res, "t_rhel8_ssh"));
    ck_assert_str_eq(find_result(res, "t_every")->reason,
                     "applies to every image (no OS condition)");

    /* PermitRootLogin yes fails (high), the 0644 sshd_config fails mode 0600 (medium) */
    ck_assert_int_eq(deb->items[0].verdict, IMGB_V_FAIL);
    ck_assert_int_eq(deb->items[0].evidence[0].line, 2);
    ck_assert_str_eq(deb->items[0].evidence[0].file, "/etc/ssh/sshd_config");
    ck_assert_int_eq(deb->items[1].verdict, IMGB_V_FAIL);
    /* the sshd kind plugged into the same scan: its effective value and where it came from */
    ck_assert_int_eq(deb->items[2].verdict, IMGB_V_FAIL);
    ck_assert_str_eq(deb->items[2].evidence[0].source, "/etc/ssh/sshd_config:2");
    ck_assert_uint_eq(deb->failed[IMGB_SEV_HIGH], 2);
    ck_assert_uint_eq(deb->failed[IMGB_SEV_MEDIUM], 1);
    ck_assert_uint_eq(deb->passed, 0);
    ck_assert_str_eq(res->os->openssh_version, "7.9p1");

    ck_assert_int_eq(find_result(res, "t_every")->items[0].verdict, IMGB_V_PASS);
    ck_assert_int_ge(res->finished_ms, res->started_ms);

    /* and why the others did not apply */
    ck_assert_uint_eq(res->nskipped, 2);
    ck_assert_str_eq(res->skipped[0].baseline->key, "t_generic_ssh");
    ck_assert_str_eq(res->skipped[0].reason, "covered by t_debian10_ssh (ssh)");
    ck_assert_str_eq(res->skipped[1].baseline->key, "t_rhel8_ssh");
    ck_assert_str_eq(res->skipped[1].reason,
                     "os-release ID=debian VERSION_ID=10 is not rhel 8..9");
    imgb_scan_result_free(res);
    free(image);
    fixture_dispose(&f);
}
END_TEST

START_TEST(scan_without_openssh_server_is_not_applicable)
{
    scan_fixture f;
    fixture_init(&f, "scan-nossh");
    char *image = build_image(f.dir, "deb10-nossh.tar", DEBIAN10, false, 0644);
    imgb_scan_result *res = scan(&f, image);

    const imgb_baseline_result *deb = find_result(res, "t_debian10_ssh");
    ck_assert_ptr_nonnull(deb);
    for (size_t i = 0; i < deb->nitems; i++) {
        ck_assert_int_eq(deb->items[i].verdict, IMGB_V_NOT_APPLICABLE);
        ck_assert_str_eq(deb->items[i].evidence[0].message, "openssh-server is not installed");
    }
    ck_assert_uint_eq(deb->not_applicable, 3);
    ck_assert_uint_eq(deb->passed, 0); /* never counted as pass */
    imgb_scan_result_free(res);
    free(image);
    fixture_dispose(&f);
}
END_TEST

START_TEST(scan_other_distro_gets_generic_with_reason)
{
    scan_fixture f;
    fixture_init(&f, "scan-alpine");
    char *image = build_image(f.dir, "alpine.tar", ALPINE, false, 0644);
    imgb_scan_result *res = scan(&f, image);

    ck_assert_uint_eq(res->nbaselines, 2);
    const imgb_baseline_result *gen = find_result(res, "t_generic_ssh");
    ck_assert_ptr_nonnull(gen);
    ck_assert_str_eq(gen->reason,
                     "no OS-specific ssh baseline for alpine 3.19.1: generic Linux baseline");
    ck_assert_int_eq(gen->items[0].verdict, IMGB_V_PASS);
    ck_assert_uint_eq(gen->passed, 1);
    imgb_scan_result_free(res);
    free(image);
    fixture_dispose(&f);
}
END_TEST

START_TEST(scan_id_like_matches_with_reason)
{
    scan_fixture f;
    fixture_init(&f, "scan-rocky");
    char *image = build_image(f.dir, "rocky.tar", ROCKY8, false, 0644);
    imgb_scan_result *res = scan(&f, image);

    const imgb_baseline_result *rhel = find_result(res, "t_rhel8_ssh");
    ck_assert_ptr_nonnull(rhel);
    ck_assert_str_eq(rhel->reason, "os-release ID=rocky ID_LIKE=rhel centos fedora "
                                   "VERSION_ID=8.9 matches rhel 8..9");
    ck_assert_int_eq(rhel->items[0].verdict, IMGB_V_FAIL); /* no /etc/issue.net */
    ck_assert_ptr_null(find_result(res, "t_generic_ssh"));
    imgb_scan_result_free(res);
    free(image);
    fixture_dispose(&f);
}
END_TEST

START_TEST(scan_unknown_os_says_so_and_applies_generic)
{
    scan_fixture f;
    fixture_init(&f, "scan-noos");
    char *image = build_image(f.dir, "noos.tar", NULL, false, 0666);
    imgb_scan_result *res = scan(&f, image);

    const imgb_baseline_result *gen = find_result(res, "t_generic_ssh");
    ck_assert_ptr_nonnull(gen);
    ck_assert_str_eq(gen->reason, "the OS could not be identified (no os-release or release "
                                  "file): generic Linux baseline");
    bool warned = false;
    for (size_t i = 0; i < res->nwarnings; i++)
        warned |= strstr(res->warnings[i], "the OS could not be identified") != NULL;
    ck_assert(warned);
    /* /etc/passwd 0666 */
    const imgb_baseline_result *every = find_result(res, "t_every");
    ck_assert_int_eq(every->items[0].verdict, IMGB_V_FAIL);
    ck_assert_str_eq(every->items[0].evidence[0].message, "mode 0666 has bits outside 0644");
    ck_assert_uint_eq(every->failed[IMGB_SEV_MEDIUM], 1);
    imgb_scan_result_free(res);
    free(image);
    fixture_dispose(&f);
}
END_TEST

START_TEST(scan_only_baseline_option)
{
    scan_fixture f;
    fixture_init(&f, "scan-only");
    char *image = build_image(f.dir, "deb10.tar", DEBIAN10, true, 0644);
    imgb_scan_result *res = NULL;
    imgb_scan_config opts = { .read = { .jobs = 1 }, .only_baseline = "t_every" };
    ck_assert_int_eq(imgb_scan_run(&res, f.rs, image, &opts), 0);
    ck_assert_uint_eq(res->nbaselines, 1);
    ck_assert_str_eq(res->baselines[0].baseline->key, "t_every");
    imgb_scan_result_free(res);
    opts.only_baseline = "t_nope";
    ck_assert_int_eq(imgb_scan_run(&res, f.rs, image, &opts), IMGB_ENOTFOUND);
    ck_assert_str_eq(imgb_error_last(), "scan: no baseline 't_nope' in the rules");
    free(image);
    fixture_dispose(&f);
}
END_TEST

START_TEST(scan_missing_image_is_an_error)
{
    scan_fixture f;
    fixture_init(&f, "scan-missing");
    imgb_scan_result *res = (imgb_scan_result *)1;
    char *image = imgbuild_path(f.dir, "nothing.tar");
    ck_assert_int_lt(imgb_scan_run(&res, f.rs, image, NULL), 0);
    ck_assert_ptr_null(res);
    free(image);
    fixture_dispose(&f);
}
END_TEST

/* ---- the native report -------------------------------------------------------------------- */

START_TEST(native_report_has_every_section)
{
    scan_fixture f;
    fixture_init(&f, "scan-native");
    char *image = build_image(f.dir, "deb10.tar", DEBIAN10, true, 0644);
    imgb_scan_result *res = scan(&f, image);

    json_t *r = imgb_report_native_json(res, "zh");
    ck_assert_str_eq(json_string_value(json_object_get(r, "lang")), "zh");
    json_t *img = json_object_get(r, "image");
    ck_assert_str_eq(json_string_value(json_object_get(img, "format")), "docker-archive");
    ck_assert_str_eq(json_string_value(json_object_get(img, "verification")), "verified");
    ck_assert_str_eq(json_string_value(json_object_get(img, "platform")), "linux/amd64");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(img, "refs"), 0)),
                     "test/scan:1");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "os"), "id")),
                     "debian");
    json_t *sshd = json_object_get(r, "sshd");
    ck_assert(json_is_true(json_object_get(sshd, "installed")));
    ck_assert_str_eq(json_string_value(json_object_get(sshd, "source")), "/var/lib/dpkg/status");
    json_t *b0 = json_array_get(json_object_get(r, "baselines"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(b0, "alias")), "基线");
    json_t *item = json_array_get(json_object_get(b0, "items"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(item, "title")), "标题");
    ck_assert_ptr_null(json_object_get(json_object_get(item, "check"), "_rules_dir"));
    json_t *summary = json_object_get(r, "summary");
    ck_assert_int_eq(json_integer_value(json_object_get(summary, "baselines")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(summary, "items")), 4);
    json_t *skipped = json_object_get(r, "baselines_not_applied");
    ck_assert_uint_eq(json_array_size(skipped), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(skipped, 0), "reason")),
                     "covered by t_debian10_ssh (ssh)");
    json_decref(r);

    imgb_buf out = IMGB_BUF_INIT;
    ck_assert_int_eq(imgb_report_native(res, "fr", &out), IMGB_EINVAL);
    ck_assert_str_eq(imgb_error_last(), "report: lang must be zh or en, not 'fr'");
    imgb_buf_dispose(&out);
    imgb_scan_result_free(res);
    free(image);
    fixture_dispose(&f);
}
END_TEST

/* ---- content reached through symlinks (read.c's second pass) ------------------------------- */

static const char symlink_rules[] =
    HEAD("t_symlinked", "ssh")
    "  applies: {os: [debian], version: {min: \"10\", max: \"11\"},\n"
    "            requires_package: openssh-server}\n"
    "items:\n"
    "  - id: t.sym.root_login\n" TEXTS
    "    severity: high\n"
    "    bucket: security_check\n"
    "    check: {kind: sshd_option, keyword: PermitRootLogin, op: eq, value: \"no\"}\n"
    "  - id: t.sym.password_auth\n" TEXTS
    "    severity: high\n"
    "    bucket: security_check\n"
    "    check: {kind: sshd_option, keyword: PasswordAuthentication, op: eq, value: \"no\"}\n"
    "  - id: t.sym.sha512\n" TEXTS
    "    severity: medium\n"
    "    bucket: security_check\n"
    "    check: {kind: pam, stack: password, module: pam_unix.so, arg: sha512}\n";

/* Layer 0 writes the real files under /opt (no keep pattern); layer 1 links /etc to them:
 * /etc/ssh/sshd_config -> /opt/conf/sshd_config (file), /etc/pam.d -> ../opt/pam (directory). */
static char *build_symlinked_image(const char *dir, const char *name, imgbuild_format fmt,
                                   imgbuild_compression outer)
{
    imgbuild_file l0[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/os-release", .content = DEBIAN10 },
        { .path = "etc/passwd", .content = PASSWD },
        { .path = "etc/group", .content = "root:x:0:\nbin:x:1:\n" },
        { .path = "etc/shadow", .content = "root:*:19000:0:99999:7:::\n", .mode = 0640 },
        { .path = "var/", .type = IMGBUILD_DIR },
        { .path = "var/lib/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/status", .content = dpkg_status_ssh },
        { .path = "opt/", .type = IMGBUILD_DIR },
        { .path = "opt/conf/", .type = IMGBUILD_DIR },
        { .path = "opt/conf/sshd_config", .content = "Port 22\nPermitRootLogin no\n"
                                                     "PasswordAuthentication yes\n" },
        { .path = "opt/pam/", .type = IMGBUILD_DIR },
        { .path = "opt/pam/common-password",
          .content = "password [success=1 default=ignore] pam_unix.so obscure sha512\n"
                     "password requisite pam_deny.so\n" },
        /* an entry below a regular file: the view skips it with one warning */
        { .path = "etc/passwd/stray", .content = "x" },
    };
    imgbuild_file l1[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/ssh/", .type = IMGBUILD_DIR },
        { .path = "etc/ssh/sshd_config", .type = IMGBUILD_SYMLINK,
          .link = "/opt/conf/sshd_config" },
        { .path = "etc/pam.d", .type = IMGBUILD_SYMLINK, .link = "../opt/pam" },
    };
    imgbuild_layer layers[2];
    imgbuild_layer_write(&layers[0], dir, l0, sizeof l0 / sizeof l0[0], IMGBUILD_GZIP);
    imgbuild_layer_write(&layers[1], dir, l1, sizeof l1 / sizeof l1[0], IMGBUILD_PLAIN);
    imgbuild_image img = { .layers = layers, .nlayers = 2, .ref = "test/symlinked:1" };
    char *out = imgbuild_path(dir, name);
    imgbuild_options o = { .outer = outer };
    imgbuild_image_write(out, fmt, &img, 1, &o);
    imgbuild_layer_dispose(&layers[0]);
    imgbuild_layer_dispose(&layers[1]);
    return out;
}

static const imgb_item_result *find_item(const imgb_baseline_result *b, const char *id)
{
    for (size_t i = 0; b && i < b->nitems; i++)
        if (strcmp(b->items[i].item->id, id) == 0)
            return &b->items[i];
    return NULL;
}

static const struct {
    const char *name;
    imgbuild_format fmt;
    imgbuild_compression outer;
} symlinked_variants[] = {
    { "plain.tar", IMGBUILD_DOCKER_ARCHIVE, IMGBUILD_PLAIN },
    { "outer.tar.gz", IMGBUILD_DOCKER_ARCHIVE, IMGBUILD_GZIP },   /* streamed passes */
    { "oci.tar.zst", IMGBUILD_OCI_ARCHIVE, IMGBUILD_ZSTD },
    { "ocidir", IMGBUILD_OCI_DIR, IMGBUILD_PLAIN },
};

/* Write `text` as <dir>/rules/<name> and load that directory (asserts it loads). */
static imgb_ruleset *load_rules_text(const char *dir, const char *name, const char *text)
{
    char *rules = imgbuild_text_dir(dir, "rules", name, text);
    imgb_ruleset *rs = NULL;
    const char *paths[] = { rules };
    ck_assert_msg(imgb_ruleset_load(&rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
    free(rules);
    return rs;
}

START_TEST(scan_reads_config_behind_symlinks)
{
    char *dir = imgbuild_tmpdir("scan-symlinked");
    imgb_ruleset *rs = load_rules_text(dir, "sym.yaml", symlink_rules);

    char *image = build_symlinked_image(dir, symlinked_variants[_i].name,
                                        symlinked_variants[_i].fmt,
                                        symlinked_variants[_i].outer);
    imgb_scan_result *res = NULL;
    imgb_scan_config opts = { .read = { .jobs = 2 } };
    ck_assert_msg(imgb_scan_run(&res, rs, image, &opts) == 0, "%s", imgb_error_last());

    const imgb_baseline_result *b = find_result(res, "t_symlinked");
    ck_assert_ptr_nonnull(b);
    const imgb_item_result *it = find_item(b, "t.sym.root_login");
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(it->verdict, IMGB_V_PASS);
    ck_assert_uint_ge(it->nevidence, 1);
    ck_assert_str_eq(it->evidence[0].source, "/opt/conf/sshd_config:2");
    it = find_item(b, "t.sym.password_auth");
    ck_assert_int_eq(it->verdict, IMGB_V_FAIL);
    ck_assert_str_eq(it->evidence[0].source, "/opt/conf/sshd_config:3");
    it = find_item(b, "t.sym.sha512");
    ck_assert_int_eq(it->verdict, IMGB_V_PASS);

    /* the bytes are in the view under the real name, reachable through the link */
    const unsigned char *data;
    size_t len;
    ck_assert_int_eq(imgb_view_read(res->view, "/etc/pam.d/common-password", &data, &len), 0);
    ck_assert_uint_eq(len, strlen("password [success=1 default=ignore] pam_unix.so obscure "
                                  "sha512\npassword requisite pam_deny.so\n"));

    /* each warning once in the native report (the view's are folded into the image's) */
    json_t *r = imgb_report_native_json(res, "en");
    json_t *w = json_object_get(r, "warnings");
    size_t i, stray = 0;
    json_t *v;
    json_array_foreach(w, i, v) {
        if (strstr(json_string_value(v), "etc/passwd/stray"))
            stray++;
        for (size_t k = i + 1; k < json_array_size(w); k++)
            ck_assert_str_ne(json_string_value(v), json_string_value(json_array_get(w, k)));
    }
    ck_assert_uint_eq(stray, 1);
    json_decref(r);

    imgb_scan_result_free(res);
    imgb_ruleset_free(rs);
    free(image);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- a file cut at the content cap is never judged whole -------------------------------- */

static const char cap_rules[] =
    HEAD("t_cap", "ssh")
    "items:\n"
    "  - id: t.cap.empty_pw\n" TEXTS
    "    severity: high\n"
    "    bucket: security_check\n"
    "    check: {kind: sshd_option, keyword: PermitEmptyPasswords, op: eq, value: \"no\"}\n"
    "  - id: t.cap.max_days\n" TEXTS
    "    severity: medium\n"
    "    bucket: pwd_policy\n"
    "    check: {kind: login_defs, key: PASS_MAX_DAYS, op: range, min: 1, max: 365}\n"
    "  - id: t.cap.regex\n" TEXTS
    "    severity: low\n"
    "    bucket: security_check\n"
    "    check: {kind: file_regex, path: /etc/login.defs, pattern: '^PASS_MAX_DAYS\\s+99999',\n"
    "            must: not_match}\n";

/*
 * sshd_config and login.defs whose offending last line follows 8 KiB of comments: scanned
 * with a 4 KiB cap every item that reads them is an error naming the file and the cap (the
 * setting is hidden, a pass would be a lie); with the default cap the same image fails.
 */
START_TEST(scan_file_cut_at_the_cap_is_an_error_not_a_pass)
{
    char *dir = imgbuild_tmpdir("scan-cap");
    imgb_ruleset *rs = load_rules_text(dir, "cap.yaml", cap_rules);

    imgb_buf pad = IMGB_BUF_INIT;
    for (int i = 0; i < 128; i++)
        imgb_buf_puts(&pad, "# padding padding padding padding padding padding padding pad\n");
    char *sshd = imgb_xasprintf("%sPermitEmptyPasswords yes\n", pad.ptr);
    char *defs = imgb_xasprintf("%sPASS_MAX_DAYS 99999\n", pad.ptr);
    imgbuild_file files[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/os-release", .content = DEBIAN10 },
        { .path = "etc/passwd", .content = PASSWD },
        { .path = "etc/login.defs", .content = defs },
        { .path = "etc/ssh/", .type = IMGBUILD_DIR },
        { .path = "etc/ssh/sshd_config", .content = sshd },
        { .path = "var/", .type = IMGBUILD_DIR },
        { .path = "var/lib/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/status", .content = dpkg_status_ssh },
    };
    imgbuild_layer layer;
    imgbuild_layer_write(&layer, dir, files, sizeof files / sizeof *files, IMGBUILD_GZIP);
    imgbuild_image img = { .layers = &layer, .nlayers = 1, .ref = "test/cap:1" };
    char *image = imgbuild_path(dir, "cap.tar");
    imgbuild_image_write(image, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);

    static const char *const ids[] = { "t.cap.empty_pw", "t.cap.max_days", "t.cap.regex" };
    static const char *const files_named[] = { "/etc/ssh/sshd_config", "/etc/login.defs",
                                               "/etc/login.defs" };
    for (int cut = 1; cut >= 0; cut--) {
        imgb_scan_result *res = NULL;
        imgb_scan_config opts = { .read = { .jobs = 1 }, .keep_file_max = cut ? 4096 : 0 };
        ck_assert_msg(imgb_scan_run(&res, rs, image, &opts) == 0, "%s", imgb_error_last());
        const imgb_baseline_result *b = find_result(res, "t_cap");
        ck_assert_ptr_nonnull(b);
        for (size_t i = 0; i < 3; i++) {
            const imgb_item_result *it = find_item(b, ids[i]);
            ck_assert_ptr_nonnull(it);
            ck_assert_msg(it->verdict == (cut ? IMGB_V_ERROR : IMGB_V_FAIL), "%s (cut %d): %s",
                          ids[i], cut, imgb_verdict_name(it->verdict));
            if (!cut)
                continue;
            bool named = false;
            for (size_t k = 0; k < it->nevidence; k++) {
                const char *m = it->evidence[k].message;
                named |= m && strstr(m, files_named[i]) && strstr(m, "content cap");
            }
            ck_assert_msg(named, "%s: no evidence names %s and the cap", ids[i], files_named[i]);
        }
        imgb_scan_result_free(res);
    }
    imgbuild_layer_dispose(&layer);
    imgb_ruleset_free(rs);
    imgb_buf_dispose(&pad);
    free(sshd);
    free(defs);
    free(image);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- a compressed archive file is read once ---------------------------------------------- */

/* scan.stats of a native report: the integer `key`. */
static json_int_t stat_of(json_t *report, const char *key)
{
    json_t *st = json_object_get(json_object_get(report, "scan"), "stats");
    ck_assert_ptr_nonnull(st);
    return json_integer_value(json_object_get(st, key));
}

/* The native report without what differs between two inputs of one image: the scan (times,
 * stats), the image (path, outer compression) and the warnings. */
static json_t *verdicts_of(const imgb_scan_result *res)
{
    json_t *r = imgb_report_native_json(res, "en");
    json_object_del(r, "scan");
    json_object_del(r, "image");
    json_object_del(r, "warnings");
    return r;
}

/*
 * `docker save | gzip > img.tar.gz` and a zstd oci-archive: the blobs come before the
 * manifest, so the file is read front to back once (layers through the temporary file) and
 * scan.stats says so: one pass, bytes read = the file's size, every tar byte parsed once.
 * With the temporary file bounded below the layers' size the file is read twice instead,
 * with a warning, and the verdicts are the same as from the plain archive.
 */
START_TEST(scan_compressed_archive_reads_the_file_once)
{
    static const struct {
        imgbuild_format fmt;
        imgbuild_compression outer;
        const char *name;
    } v[] = { { IMGBUILD_DOCKER_ARCHIVE, IMGBUILD_GZIP, "img.tar.gz" },
              { IMGBUILD_OCI_ARCHIVE, IMGBUILD_ZSTD, "img.tar.zst" } };
    scan_fixture f;
    fixture_init(&f, "scan-once");
    /* blobs above the 64 KiB a pipe caches in memory: they go through the temporary file */
    char *noise = imgbuild_noise(384 << 10, 2463534242u);
    imgbuild_file l0[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/os-release", .content = DEBIAN10 },
        { .path = "etc/passwd", .content = PASSWD },
        { .path = "etc/shadow", .content = "root:*:19000:0:99999:7:::\n", .mode = 0640 },
        { .path = "var/", .type = IMGBUILD_DIR },
        { .path = "var/lib/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/status", .content = dpkg_status_ssh },
        { .path = "var/lib/noise", .content = noise },
    };
    imgbuild_file l1[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/ssh/", .type = IMGBUILD_DIR },
        { .path = "etc/ssh/sshd_config", .content = "PermitRootLogin yes\n" },
        { .path = "opt/", .type = IMGBUILD_DIR },
        { .path = "opt/noise", .content = noise },
    };
    imgbuild_layer layers[2];
    imgbuild_layer_write(&layers[0], f.dir, l0, sizeof l0 / sizeof *l0, IMGBUILD_GZIP);
    imgbuild_layer_write(&layers[1], f.dir, l1, sizeof l1 / sizeof *l1, IMGBUILD_ZSTD);
    imgbuild_image img = { .layers = layers, .nlayers = 2, .ref = "test/once:1" };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char *plain = imgbuild_path(f.dir, "plain.tar");
        char *packed = imgbuild_path(f.dir, v[i].name);
        imgbuild_image_write(plain, v[i].fmt, &img, 1, NULL);
        imgbuild_options wo = { .outer = v[i].outer };
        imgbuild_image_write(packed, v[i].fmt, &img, 1, &wo);
        struct stat st;
        ck_assert_int_eq(stat(packed, &st), 0);

        imgb_scan_result *ref = scan(&f, plain);
        json_t *want = verdicts_of(ref);
        for (int bounded = 0; bounded <= 1; bounded++) {
            imgb_scan_result *res = NULL;
            imgb_scan_config opts = { .read = { .jobs = 2, .max_spill_bytes = bounded ? 64 : 0 } };
            ck_assert_msg(imgb_scan_run(&res, f.rs, packed, &opts) == 0, "%s: %s", v[i].name,
                          imgb_error_last());
            json_t *r = imgb_report_native_json(res, "en");
            ck_assert_int_eq(stat_of(r, "bytes_parsed"),
                             (json_int_t)(layers[0].tar_size + layers[1].tar_size));
            if (!bounded) {
                ck_assert_int_eq(stat_of(r, "passes"), 1);
                ck_assert_int_eq(stat_of(r, "bytes_read"), (json_int_t)st.st_size);
                ck_assert_uint_eq(res->image->nwarnings, 0);
            } else {
                ck_assert_int_ge(stat_of(r, "passes"), 2);
                ck_assert_uint_eq(res->image->nwarnings, 1);
                ck_assert_msg(strstr(res->image->warnings[0], "read twice") &&
                              strstr(res->image->warnings[0], "64 bytes"),
                              "%s", res->image->warnings[0]);
            }
            json_t *got = verdicts_of(res);
            ck_assert_msg(json_equal(got, want), "%s (bounded %d): other verdicts than from "
                          "the plain archive", v[i].name, bounded);
            json_decref(got);
            json_decref(r);
            imgb_scan_result_free(res);
            /* the same file without its last 3 bytes (the gzip trailer after the tar's end
             * marker; the end of the zstd frame) is an error, read once or twice */
            char *cut = imgbuild_path(f.dir, "cut.bin");
            ck_assert_int_eq(imgbuild_sh("head -c -3 '%s' >'%s'", packed, cut), 0);
            res = NULL;
            ck_assert_msg(imgb_scan_run(&res, f.rs, cut, &opts) != 0, "%s (bounded %d): a cut "
                          "stream was read as whole", v[i].name, bounded);
            ck_assert_msg(strstr(imgb_error_last(), "truncated"), "%s", imgb_error_last());
            imgb_scan_result_free(res);
            free(cut);
        }
        json_decref(want);
        imgb_scan_result_free(ref);
        free(plain);
        free(packed);
    }
    imgbuild_layer_dispose(&layers[0]);
    imgbuild_layer_dispose(&layers[1]);
    free(noise);
    fixture_dispose(&f);
}
END_TEST

/* ---- the CLI ------------------------------------------------------------------------------ */

static json_t *load_json_file(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    ck_assert_msg(j != NULL, "%s: %s (line %d)", path, err.text, err.line);
    return j;
}

static json_t *find_json_item(json_t *report, const char *baseline, const char *id)
{
    size_t i, j;
    json_t *b, *it;
    json_array_foreach(json_object_get(report, "baselines"), i, b) {
        if (strcmp(json_string_value(json_object_get(b, "key")), baseline) != 0)
            continue;
        json_array_foreach(json_object_get(b, "items"), j, it)
            if (strcmp(json_string_value(json_object_get(it, "id")), id) == 0)
                return it;
    }
    return NULL;
}

START_TEST(cli_scan_json_parses_back)
{
    const char *cli = getenv("IMGB_CLI");
    ck_assert_ptr_nonnull(cli);
    scan_fixture f;
    fixture_init(&f, "scan-cli");
    char *image = build_image(f.dir, "deb10.tar", DEBIAN10, true, 0644);
    char *out = imgbuild_path(f.dir, "report.json");
    int rc = imgbuild_sh("'%s' scan '%s' --format json --rules '%s' --no-default-rules "
                         "--lang en -j 1 -o '%s'", cli, image, f.rules, out);
    ck_assert_int_eq(rc, 0);
    json_t *r = load_json_file(out);
    json_t *it = find_json_item(r, "t_debian10_ssh", "t.deb.root_login");
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(json_string_value(json_object_get(it, "verdict")), "fail");
    ck_assert_str_eq(json_string_value(json_object_get(it, "severity")), "high");
    json_t *ev = json_array_get(json_object_get(it, "evidence"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(ev, "value")), "PermitRootLogin yes");
    ck_assert_int_eq(json_integer_value(json_object_get(ev, "line")), 2);
    json_t *b0 = json_array_get(json_object_get(r, "baselines"), 0);
    json_t *counts = json_object_get(b0, "counts");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(counts, "failed"),
                                                        "high")), 2);
    json_decref(r);

    /* --fail-on: findings at or above the threshold change the exit status */
    rc = imgbuild_sh("'%s' scan '%s' --rules '%s' --no-default-rules -o '%s' --fail-on high",
                     cli, image, f.rules, out);
    ck_assert_int_eq(rc, 1);
    rc = imgbuild_sh("'%s' scan '%s' --rules '%s' --no-default-rules -o '%s' --format nope "
                     "2>/dev/null", cli, image, f.rules, out);
    ck_assert_int_eq(rc, 2);
    free(out);
    free(image);
    fixture_dispose(&f);
}
END_TEST

START_TEST(cli_scan_with_shipped_rules)
{
    const char *cli = getenv("IMGB_CLI");
    char *dir = imgbuild_tmpdir("scan-shipped");
    char *image = build_image(dir, "deb10.tar", DEBIAN10, true, 0644);
    char *out = imgbuild_path(dir, "report.json");
    ck_assert_int_eq(imgbuild_sh("'%s' scan '%s' -j 1 --weak-password-budget 5 -o '%s'", cli,
                                 image, out), 0);
    json_t *r = load_json_file(out);
    json_t *it = find_json_item(r, "linux_file_permissions", "file.shadow_permissions");
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(json_string_value(json_object_get(it, "verdict")), "pass");
    it = find_json_item(r, "linux_file_permissions", "file.passwd_permissions");
    ck_assert_str_eq(json_string_value(json_object_get(it, "verdict")), "pass");
    ck_assert_int_ge(json_array_size(json_object_get(r, "baselines")), 2);
    json_decref(r);
    free(out);
    free(image);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(cli_rules_validate_reports_positions)
{
    const char *cli = getenv("IMGB_CLI");
    char *dir = imgbuild_tmpdir("rules-validate");
    char *bad = imgbuild_path(dir, "bad.yaml");
    FILE *fp = fopen(bad, "w");
    fputs(HEAD("t_bad", "x") "items:\n  - id: t.x\n" TEXTS
          "    bucket: security_check\n    check: {kind: file_exists, path: /x, exists: true}\n",
          fp);
    fclose(fp);
    char *log = imgbuild_path(dir, "log.txt");
    int rc = imgbuild_sh("'%s' rules validate '%s' > '%s'", cli, dir, log);
    ck_assert_int_eq(rc, 2);
    FILE *lf = fopen(log, "r");
    char line[512] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, lf));
    fclose(lf);
    char *expect = imgb_xasprintf("%s:7:5: item t.x: missing 'severity' (low, medium or high)\n",
                                  bad);
    ck_assert_str_eq(line, expect);
    free(expect);

    /* the shipped rules validate */
    ck_assert_int_eq(imgbuild_sh("'%s' rules validate > /dev/null", cli), 0);
    ck_assert_int_eq(imgbuild_sh("'%s' rules show file.unowned > /dev/null", cli), 0);
    ck_assert_int_eq(imgbuild_sh("'%s' rules show no.such.item 2>/dev/null", cli), 2);
    free(log);
    free(bad);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *scan_suite(void)
{
    Suite *s = suite_create("scan");
    TCase *tc = tcase_create("choice");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, scan_debian10_with_sshd_applies_its_baseline);
    tcase_add_test(tc, scan_without_openssh_server_is_not_applicable);
    tcase_add_test(tc, scan_other_distro_gets_generic_with_reason);
    tcase_add_test(tc, scan_id_like_matches_with_reason);
    tcase_add_test(tc, scan_unknown_os_says_so_and_applies_generic);
    tcase_add_test(tc, scan_only_baseline_option);
    tcase_add_test(tc, scan_missing_image_is_an_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("report");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, native_report_has_every_section);
    tcase_add_test(tc, scan_file_cut_at_the_cap_is_an_error_not_a_pass);
    tcase_add_test(tc, scan_compressed_archive_reads_the_file_once);
    tcase_add_loop_test(tc, scan_reads_config_behind_symlinks, 0,
                        (int)(sizeof symlinked_variants / sizeof symlinked_variants[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cli_scan_json_parses_back);
    tcase_add_test(tc, cli_scan_with_shipped_rules);
    tcase_add_test(tc, cli_rules_validate_reports_positions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scan_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
