/*
 * The store (engine/store/): history semantics, tenants, retention, the aggregate
 * statistic, one-transaction records under SIGKILL, on SQLite and on a real PostgreSQL 15
 * started by the test (tests/support/pg.sh; initdb as a non-root user, Unix socket only).
 * Images are built with tests/support/imgbuild and scanned for real.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "imgbuild.h"
#include "report/report.h"
#include "rules/loader.h"
#include "scan.h"
#include "store/store.h"
#include "util/error.h"
#include "util/mem.h"

static char *pg_url;   /* the test's PostgreSQL, started in main() */
static char *pg_dir;

#define TEXTS                                                                              \
    "    title: {zh: \"标题\", en: \"Title\"}\n"                                           \
    "    description: {zh: \"描述\", en: \"Description\"}\n"                               \
    "    advice: {zh: \"建议\", en: \"Advice\"}\n"

static const char *const rules_yaml[][2] = {
    { "ssh.yaml",
      "baseline:\n  key: t_ssh\n  class: ssh\n"
      "  alias: {zh: \"SSH基线\", en: \"SSH baseline\"}\n"
      "  class_alias: {zh: \"SSH\", en: \"SSH\"}\n"
      "  standards: [hw_standard]\n"
      "  huawei: {check_name: \"Debian 10\", check_type: \"ssh\","
      " check_type_desc: {zh: \"SSH\", en: \"SSH\"}}\n"
      "items:\n"
      "  - id: t.ssh.root\n" TEXTS
      "    severity: high\n    bucket: security_check\n"
      "    check: {kind: file_regex, path: /etc/ssh/sshd_config,\n"
      "            pattern: '^\\s*PermitRootLogin\\s+yes', must: not_match}\n"
      "  - id: t.ssh.policy\n" TEXTS
      "    severity: low\n    bucket: pwd_policy\n"
      "    check: {kind: file_exists, path: /etc/security/pwquality.conf, exists: true}\n" },
    { "build.yaml",
      "baseline:\n  key: t_build\n  class: build_risk\n"
      "  alias: {zh: \"构建\", en: \"Build\"}\n  class_alias: {zh: \"构建\", en: \"Build\"}\n"
      "items:\n"
      "  - id: t.build.user\n    key: no_user\n" TEXTS
      "    severity: medium\n    bucket: security_check\n"
      "    check: {kind: build_config, field: User}\n" },
};

typedef struct fixture {
    char *dir;
    imgb_ruleset *rs;
    char *where;
} fixture;

static void fixture_init(fixture *f, const char *tag, bool pg)
{
    f->dir = imgbuild_tmpdir(tag);
    char *rules = imgbuild_path(f->dir, "rules");
    imgbuild_sh("mkdir -p '%s'", rules);
    for (size_t i = 0; i < sizeof rules_yaml / sizeof rules_yaml[0]; i++) {
        char *p = imgbuild_path(rules, rules_yaml[i][0]);
        FILE *fp = fopen(p, "w");
        ck_assert_ptr_nonnull(fp);
        fputs(rules_yaml[i][1], fp);
        fclose(fp);
        free(p);
    }
    const char *paths[] = { rules };
    ck_assert_msg(imgb_ruleset_load(&f->rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
    free(rules);
    if (pg) {
        ck_assert_ptr_nonnull(pg_url);
        /* A fresh schema per test on the shared server: drop what an earlier test made. */
        imgb_store *s = NULL;
        ck_assert_msg(imgb_store_open(&s, pg_url) == 0, "%s", imgb_error_last());
        ck_assert_int_eq(imgb_db_script(imgb_store_db(s),
                                        "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), 0);
        imgb_store_close(s);
        f->where = imgb_xstrdup(pg_url);
    } else {
        f->where = imgbuild_path(f->dir, "history.db");
    }
}

static void fixture_dispose(fixture *f)
{
    imgb_ruleset_free(f->rs);
    imgbuild_rmtree(f->dir);
    free(f->dir);
    free(f->where);
}

/* An image `ref` whose sshd_config permits root login or not, running as `user`. */
static char *build(fixture *f, const char *name, const char *ref, bool root_login,
                   const char *user, bool policy)
{
    imgbuild_file files[8];
    size_t n = 0;
    files[n++] = (imgbuild_file){ .path = "etc/", .type = IMGBUILD_DIR };
    files[n++] = (imgbuild_file){ .path = "etc/os-release",
                                  .content = "ID=debian\nVERSION_ID=\"10\"\n" };
    files[n++] = (imgbuild_file){ .path = "etc/ssh/", .type = IMGBUILD_DIR };
    files[n++] = (imgbuild_file){ .path = "etc/ssh/sshd_config",
                                  .content = root_login ? "Port 22\nPermitRootLogin yes\n"
                                                        : "Port 22\nPermitRootLogin no\n" };
    if (policy) {
        files[n++] = (imgbuild_file){ .path = "etc/security/", .type = IMGBUILD_DIR };
        files[n++] = (imgbuild_file){ .path = "etc/security/pwquality.conf", .content = "minlen=14\n" };
    }
    imgbuild_layer layer;
    imgbuild_layer_write(&layer, f->dir, files, n, IMGBUILD_GZIP);
    imgbuild_image img = { .layers = &layer, .nlayers = 1, .ref = ref, .user = user };
    char *out = imgbuild_path(f->dir, name);
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
    imgbuild_layer_dispose(&layer);
    return out;
}

static imgb_scan_result *scan_record(fixture *f, imgb_store *s, const char *image,
                                     const char *tenant, long retention)
{
    imgb_scan_result *res = NULL;
    imgb_scan_config opts = { .read = { .jobs = 1 } };
    ck_assert_msg(imgb_scan_run(&res, f->rs, image, &opts) == 0, "%s", imgb_error_last());
    imgb_store_identity who = { .tenant = tenant, .retention = retention };
    ck_assert_msg(imgb_store_record(s, res, &who, NULL, NULL) == 0, "%s", imgb_error_last());
    return res;
}

/* Answer `format` with parameters "name=value" (NULL-terminated) as parsed JSON. */
static json_t *answer(imgb_store *s, const char *tenant, const char *format, ...)
{
    imgb_store_query *q = NULL;
    ck_assert_int_eq(imgb_store_query_new(&q, format), 0);
    va_list ap;
    va_start(ap, format);
    for (const char *kv; (kv = va_arg(ap, const char *));) {
        char *k = imgb_xstrdup(kv), *eq = strchr(k, '=');
        *eq = '\0';
        ck_assert_msg(imgb_store_query_set(q, k, eq + 1) == 0, "%s", imgb_error_last());
        free(k);
    }
    va_end(ap);
    char *body = NULL;
    ck_assert_msg(imgb_store_answer(s, tenant, q, "RID", &body, NULL) == 0, "%s",
                  imgb_error_last());
    imgb_store_query_free(q);
    json_error_t err;
    json_t *j = json_loads(body, 0, &err);
    ck_assert_msg(j != NULL, "%s", body);
    free(body);
    return j;
}

static json_t *baseline_row(json_t *resp, const char *key)
{
    json_t *list = json_object_get(resp, "BaselineResult"), *o;
    size_t i;
    json_array_foreach(list, i, o)
        if (!strcmp(json_string_value(json_object_get(o, "BaselineNameKey")), key))
            return o;
    return NULL;
}

static long long jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", k);
    return json_integer_value(v);
}

/* ---- history ------------------------------------------------------------------------- */

static void history_body(bool pg)
{
    fixture f;
    fixture_init(&f, pg ? "store-hist-pg" : "store-hist", pg);
    imgb_store *s = NULL;
    ck_assert_msg(imgb_store_open(&s, f.where) == 0, "%s", imgb_error_last());
    ck_assert_int_eq(imgb_store_schema_version(s), 4);

    char *v1 = build(&f, "v1.tar", "team/app:1", true, "", false);
    char *v2 = build(&f, "v2.tar", "team/app:1", false, "app", true);
    imgb_scan_result *r1 = scan_record(&f, s, v1, "a", 0);
    const char *id1 = r1->image->image_id;

    /* ImageUuid is required by DescribeImageBaselineCheckResult. */
    imgb_store_query *q0 = NULL;
    char *b0 = NULL;
    ck_assert_int_eq(imgb_store_query_new(&q0, "aliyun-baseline-check-result"), 0);
    ck_assert_int_eq(imgb_store_answer(s, "a", q0, NULL, &b0, NULL), IMGB_EINVAL);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "ImageUuid"));
    imgb_store_query_free(q0);
    char kv[128];
    json_t *j;
    snprintf(kv, sizeof kv, "image_uuid=%s", id1);
    j = answer(s, "a", "aliyun-baseline-check-result", kv, "lang=en", NULL);
    json_t *row = baseline_row(j, "t_ssh");
    ck_assert_ptr_nonnull(row);
    ck_assert_int_eq(jint(row, "Status"), 0);
    ck_assert_int_eq(jint(row, "HighRiskItemCount"), 1);
    ck_assert_int_eq(jint(row, "LowRiskItemCount"), 1);
    ck_assert_int_eq(jint(row, "FirstScanTime"), r1->started_ms);
    ck_assert_str_eq(json_string_value(json_object_get(row, "BaselineNameAlias")), "SSH baseline");
    ck_assert_ptr_null(baseline_row(j, "t_build")); /* build risks are another API */
    json_decref(j);

    /* The root user is a build risk: the image is listed, unhandled. */
    j = answer(s, "a", "aliyun-build-risk-images", NULL);
    json_t *list = json_object_get(json_object_get(j, "Data"), "List");
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "Uuid")), id1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "RepoName")), "app");
    ck_assert_int_eq(jint(json_array_get(list, 0), "Status"), 0);
    json_decref(j);
    /* Marked false positive through the store: the status is kept across a rescan. */
    ck_assert_int_eq(imgb_store_set_risk_status(s, "a", id1, "no_user", 2), 1);
    ck_assert_int_eq(imgb_store_set_risk_status(s, "b", id1, "no_user", 2), 0); /* other tenant */
    imgb_scan_result *r1b = scan_record(&f, s, v1, "a", 0);
    j = answer(s, "a", "aliyun-build-risk-images", "status=2", NULL);
    list = json_object_get(json_object_get(j, "Data"), "List");
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_int_eq(jint(json_array_get(list, 0), "FirstScanTime"), r1->started_ms);
    ck_assert_int_eq(jint(json_array_get(list, 0), "LastScanTime"), r1b->finished_ms);
    json_decref(j);
    j = answer(s, "a", "aliyun-build-risk-images", "status=0", NULL);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "Data"), "List")), 0);
    json_decref(j);

    /* The same repository:tag rebuilt without the risks: fixed, first failure kept. */
    imgb_scan_result *r2 = scan_record(&f, s, v2, "a", 0);
    snprintf(kv, sizeof kv, "image_uuid=%.20s", r2->image->image_id);
    j = answer(s, "a", "aliyun-baseline-check-result", kv, NULL);
    row = baseline_row(j, "t_ssh");
    ck_assert_ptr_nonnull(row);
    ck_assert_int_eq(jint(row, "Status"), 1);
    ck_assert_int_eq(jint(row, "HighRiskItemCount"), 0);
    ck_assert_int_eq(jint(row, "FirstScanTime"), r1->started_ms);
    ck_assert_int_eq(jint(row, "LastScanTime"), r2->finished_ms);
    json_decref(j);
    j = answer(s, "a", "aliyun-build-risk-images", NULL);
    ck_assert_int_eq(jint(json_object_get(json_object_get(j, "Data"), "PageInfo"), "TotalCount"), 0);
    json_decref(j);

    /* Statistic: the kept aggregate equals the filtered sum, and follows the rescan. */
    j = answer(s, "a", "huawei-baseline-statistic", "image_type=local", NULL);
    ck_assert_int_eq(jint(j, "security_check"), 0);
    ck_assert_int_eq(jint(j, "pwd_policy"), 0);
    json_decref(j);

    /* Tenant b: another image, invisible to a. */
    char *v3 = build(&f, "v3.tar", "other/db:2", true, "", false);
    imgb_scan_result *r3 = scan_record(&f, s, v3, "b", 0);
    j = answer(s, "a", "huawei-baseline-statistic", "image_type=local", NULL);
    ck_assert_int_eq(jint(j, "security_check"), 0);
    json_decref(j);
    j = answer(s, "b", "huawei-baseline-statistic", "image_type=local", NULL);
    ck_assert_int_eq(jint(j, "security_check"), 1);
    ck_assert_int_eq(jint(j, "pwd_policy"), 1);
    json_decref(j);
    snprintf(kv, sizeof kv, "image_uuid=%s", r3->image->image_id);
    j = answer(s, "a", "aliyun-baseline-check-result", kv, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(j, "BaselineResult")), 0);
    json_decref(j);
    j = answer(s, "b", "huawei-risk-configs", "image_type=local", "image_name=DB", NULL);
    ck_assert_int_eq(jint(j, "total_num"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
                         json_object_get(j, "data_list"), 0), "severity")), "High");
    json_decref(j);
    j = answer(s, "b", "huawei-risk-configs", "image_type=local", "image_name=app", NULL);
    ck_assert_int_eq(jint(j, "total_num"), 0);
    json_decref(j);
    j = answer(s, "b", "huawei-risk-configs", "image_type=nonsense", NULL);
    ck_assert_int_eq(jint(j, "total_num"), 0);
    json_decref(j);

    /* Parameters keep their documented checks. */
    imgb_store_query *q = NULL;
    ck_assert_int_eq(imgb_store_query_new(&q, "huawei-risk-configs"), 0);
    ck_assert_int_eq(imgb_store_query_set(q, "limit", "5"), IMGB_EINVAL);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "10-200"));
    char *body = NULL;
    ck_assert_int_eq(imgb_store_answer(s, "a", q, NULL, &body, NULL), IMGB_EINVAL);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "image_type"));
    imgb_store_query_free(q);

    /* Nonces: once only, per access key. */
    ck_assert_int_eq(imgb_store_nonce_use(s, "ak", "n1", 1000, 2000), 1);
    ck_assert_int_eq(imgb_store_nonce_use(s, "ak", "n1", 1001, 2001), 0);
    ck_assert_int_eq(imgb_store_nonce_use(s, "ak2", "n1", 1001, 2001), 1);
    ck_assert_int_eq(imgb_store_nonce_use(s, "ak", "n1", 3000, 4000), 1); /* expired, dropped */

    imgb_scan_result_free(r1);
    imgb_scan_result_free(r1b);
    imgb_scan_result_free(r2);
    imgb_scan_result_free(r3);
    imgb_store_close(s);
    free(v1);
    free(v2);
    free(v3);
    fixture_dispose(&f);
}

START_TEST(history_sqlite) { history_body(false); }
END_TEST

START_TEST(history_postgres) { history_body(true); }
END_TEST

/* Retention keeps the last N scans of an asset; the current state stays. */
static void retention_body(bool pg)
{
    fixture f;
    fixture_init(&f, pg ? "store-ret-pg" : "store-ret", pg);
    imgb_store *s = NULL;
    ck_assert_msg(imgb_store_open(&s, f.where) == 0, "%s", imgb_error_last());
    char *v1 = build(&f, "v1.tar", "team/app:1", true, "", false);
    for (int i = 0; i < 4; i++)
        imgb_scan_result_free(scan_record(&f, s, v1, "a", 2));
    imgb_db_rows r;
    ck_assert_int_eq(imgb_db_query(imgb_store_db(s), "SELECT COUNT(*) FROM scans", NULL, 0, &r), 0);
    ck_assert_int_eq(imgb_db_int(&r, 0, 0), 2);
    imgb_db_rows_dispose(&r);
    ck_assert_int_eq(imgb_db_query(imgb_store_db(s), "SELECT COUNT(*) FROM scans s JOIN assets a"
                                   " ON a.last_scan_id = s.scan_id", NULL, 0, &r), 0);
    ck_assert_int_eq(imgb_db_int(&r, 0, 0), 1);
    imgb_db_rows_dispose(&r);
    imgb_store_close(s);
    free(v1);
    fixture_dispose(&f);
}

START_TEST(retention_sqlite) { retention_body(false); }
END_TEST

START_TEST(retention_postgres) { retention_body(true); }
END_TEST

/*
 * Report pages: every record keeps the page `scan --format html` renders, in both languages,
 * served by scan id or by the done job's id, to its tenant only; a scan recorded before
 * migration 4 (columns dropped and the version taken back, then reopened: the real
 * migration runs over a populated store) is "not found" with a reason, a damaged page an
 * error.
 */
static void expect_page(imgb_store *s, const char *tenant, const char *id,
                        const imgb_scan_result *res, imgb_lang lang)
{
    char *page = NULL, *csp = NULL;
    size_t len = 0;
    ck_assert_msg(imgb_store_page(s, tenant, id, lang, &page, &len, &csp) == 0, "%s",
                  imgb_error_last());
    imgb_report_params p;
    imgb_report_params_init(&p);
    p.lang = lang;
    imgb_buf want = IMGB_BUF_INIT;
    ck_assert_int_eq(imgb_report_render_fmt(res, imgb_report_format_lookup("html"), &p, &want), 0);
    ck_assert_uint_eq(len, want.len);
    ck_assert_int_eq(strlen(page), len);
    ck_assert_msg(!memcmp(page, want.ptr, len), "the stored page differs from the rendered one");
    ck_assert_ptr_nonnull(strstr(page, lang == IMGB_LANG_EN ? "<html lang=\"en\">"
                                                            : "<html lang=\"zh-CN\">"));
    ck_assert_ptr_nonnull(strstr(page, "t.ssh.root"));
    ck_assert_msg(!strncmp(csp, "default-src 'none';", 19), "%s", csp);
    char *meta = imgb_xasprintf("content=\"%s\"", csp);
    ck_assert_msg(strstr(page, meta) != NULL, "the page's own policy is not %s", csp);
    free(meta);
    imgb_buf_dispose(&want);
    imgb_report_params_dispose(&p);
    free(page);
    free(csp);
}

static void expect_no_page(imgb_store *s, const char *tenant, const char *id, const char *why)
{
    char *page = (char *)"x";
    ck_assert_int_eq(imgb_store_page(s, tenant, id, IMGB_LANG_ZH, &page, NULL, NULL),
                     IMGB_ENOTFOUND);
    ck_assert_ptr_null(page);
    ck_assert_msg(strstr(imgb_error_last(), why), "'%s' does not say '%s'", imgb_error_last(),
                  why);
}

static void pages_body(bool pg)
{
    fixture f;
    fixture_init(&f, pg ? "store-pages-pg" : "store-pages", pg);
    imgb_store *s = NULL;
    ck_assert_msg(imgb_store_open(&s, f.where) == 0, "%s", imgb_error_last());
    char *v1 = build(&f, "v1.tar", "team/app:1", true, "", false);
    imgb_scan_result *res = NULL;
    imgb_scan_config opts = { .read = { .jobs = 1 } };
    ck_assert_msg(imgb_scan_run(&res, f.rs, v1, &opts) == 0, "%s", imgb_error_last());
    imgb_store_identity who = { .tenant = "a" };
    char old_id[33], id[33], job[33], queued[33];
    ck_assert_int_eq(imgb_store_record(s, res, &who, NULL, old_id), 0);
    expect_page(s, "a", old_id, res, IMGB_LANG_ZH);

    /* Back to schema 3 with a scan in it, then the migration on open. */
    const char *down = pg ? "ALTER TABLE scans DROP COLUMN page_zh, DROP COLUMN page_en,"
                            " DROP COLUMN page_csp; DELETE FROM imgb_schema WHERE version = 4"
                          : "ALTER TABLE scans DROP COLUMN page_zh; ALTER TABLE scans DROP"
                            " COLUMN page_en; ALTER TABLE scans DROP COLUMN page_csp;"
                            " DELETE FROM imgb_schema WHERE version = 4";
    ck_assert_msg(imgb_db_script(imgb_store_db(s), down) == 0, "%s", imgb_error_last());
    imgb_store_close(s);
    ck_assert_msg(imgb_store_open(&s, f.where) == 0, "%s", imgb_error_last());
    ck_assert_int_eq(imgb_store_schema_version(s), 4);
    expect_no_page(s, "a", old_id, "recorded before");

    ck_assert_int_eq(imgb_store_record(s, res, &who, NULL, id), 0);
    expect_page(s, "a", id, res, IMGB_LANG_ZH);
    expect_page(s, "a", id, res, IMGB_LANG_EN);
    /* Another tenant's scan is not found, and reads like an id that never existed. */
    expect_no_page(s, "b", id, "no recorded scan");
    expect_no_page(s, "a", "0123456789abcdef0123456789abcdef", "no recorded scan");
    expect_no_page(s, "a", "../../etc/passwd", "32 hex digits");
    ck_assert_int_eq(imgb_store_page(s, "a", id, (imgb_lang)7, &(char *){ NULL }, NULL, NULL),
                     IMGB_EINVAL);

    /* By job id: the scan its worker recorded; a queued job has none yet. */
    ck_assert_int_eq(imgb_store_job_submit(s, "a", v1, 0, job), 0);
    imgb_job j;
    ck_assert_int_eq(imgb_store_job_claim(s, "w1", 60000, &j), 1);
    ck_assert_str_eq(j.id, job);
    ck_assert_int_eq(imgb_store_record_job(s, res, &who, NULL, job, "w1", NULL), 0);
    imgb_job_dispose(&j);
    expect_page(s, "a", job, res, IMGB_LANG_EN);
    expect_no_page(s, "b", job, "no recorded scan");
    ck_assert_int_eq(imgb_store_job_submit(s, "a", v1, 0, queued), 0);
    expect_no_page(s, "a", queued, "queued");

    /* A damaged page is an error, not a page. */
    const char *pv[] = { id };
    ck_assert_int_eq(imgb_db_query(imgb_store_db(s), "UPDATE scans SET page_en = 'zstd:AAAA'"
                                   " WHERE scan_id = $1", pv, 1, NULL), 0);
    char *page = NULL;
    ck_assert_int_eq(imgb_store_page(s, "a", id, IMGB_LANG_EN, &page, NULL, NULL),
                     IMGB_EFORMAT);
    ck_assert_ptr_null(page);

    imgb_scan_result_free(res);
    imgb_store_close(s);
    free(v1);
    fixture_dispose(&f);
}

START_TEST(pages_sqlite) { pages_body(false); }
END_TEST

START_TEST(pages_postgres) { pages_body(true); }
END_TEST

/*
 * SIGKILL while recording: children record scans of several images in a loop and are
 * killed at random moments; afterwards the history is consistent: every asset's latest scan
 * exists, and the kept aggregate equals the sum over the assets.
 */
static void crash_body(bool pg)
{
    fixture f;
    fixture_init(&f, pg ? "store-crash-pg" : "store-crash", pg);
    imgb_store *s = NULL;
    ck_assert_msg(imgb_store_open(&s, f.where) == 0, "%s", imgb_error_last());
    imgb_store_close(s);
    char *imgs[3] = { build(&f, "c1.tar", "c/one:1", true, "", false),
                      build(&f, "c2.tar", "c/two:1", false, "", true),
                      build(&f, "c3.tar", "c/one:1", false, "app", true) };
    srand((unsigned)time(NULL));
    for (int round = 0; round < 6; round++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            imgb_store *cs = NULL;
            if (imgb_store_open(&cs, f.where) < 0)
                _exit(3);
            for (int i = 0;; i++)
                imgb_scan_result_free(scan_record(&f, cs, imgs[i % 3], "a", 3));
        }
        struct timespec ts = { 0, 20000000L + (long)(rand() % 200) * 1000000L };
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        ck_assert_msg(WIFSIGNALED(st), "the recording child ended on its own (%d)", st);
    }
    ck_assert_msg(imgb_store_open(&s, f.where) == 0, "%s", imgb_error_last());
    imgb_db_rows r;
    ck_assert_int_eq(imgb_db_query(imgb_store_db(s),
                     "SELECT COUNT(*) FROM assets a WHERE NOT EXISTS (SELECT 1 FROM scans s"
                     " WHERE s.tenant = a.tenant AND s.scan_id = a.last_scan_id)", NULL, 0, &r), 0);
    ck_assert_int_eq(imgb_db_int(&r, 0, 0), 0);
    imgb_db_rows_dispose(&r);
    /* No scan without its report pages: they are written in the same transaction. */
    ck_assert_int_eq(imgb_db_query(imgb_store_db(s),
                     "SELECT COUNT(*), SUM(CASE WHEN page_zh IS NULL OR page_en IS NULL OR"
                     " page_csp IS NULL THEN 1 ELSE 0 END) FROM scans", NULL, 0, &r), 0);
    ck_assert_int_gt(imgb_db_int(&r, 0, 0), 0);
    ck_assert_int_eq(imgb_db_int(&r, 0, 1), 0);
    imgb_db_rows_dispose(&r);
    ck_assert_int_eq(imgb_db_query(imgb_store_db(s),
                     "SELECT t.weak - SUM(a.weak), t.policy - SUM(a.policy), t.checks -"
                     " SUM(a.checks), COUNT(*) FROM tenant_stats t JOIN assets a ON a.tenant ="
                     " t.tenant GROUP BY t.tenant, t.weak, t.policy, t.checks", NULL, 0, &r), 0);
    for (size_t i = 0; i < r.nrows; i++) {
        ck_assert_int_eq(imgb_db_int(&r, i, 0), 0);
        ck_assert_int_eq(imgb_db_int(&r, i, 1), 0);
        ck_assert_int_eq(imgb_db_int(&r, i, 2), 0);
    }
    imgb_db_rows_dispose(&r);
    /* The store still records after the kills. */
    imgb_scan_result_free(scan_record(&f, s, imgs[0], "a", 3));
    imgb_store_close(s);
    for (int i = 0; i < 3; i++)
        free(imgs[i]);
    fixture_dispose(&f);
}

START_TEST(crash_sqlite) { crash_body(false); }
END_TEST

START_TEST(crash_postgres) { crash_body(true); }
END_TEST

START_TEST(open_refuses_bad_locations)
{
    imgb_store *s = NULL;
    ck_assert_int_lt(imgb_store_open(&s, "/nonexistent-dir/x/history.db"), 0);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "/nonexistent-dir/x/history.db"));
    ck_assert_int_lt(imgb_store_open(&s, "postgresql:///nodb?host=/nonexistent&port=1"), 0);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "PostgreSQL"));
    ck_assert_ptr_null(s);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, history_sqlite);
    tcase_add_test(tc, retention_sqlite);
    tcase_add_test(tc, crash_sqlite);
    tcase_add_test(tc, pages_sqlite);
    tcase_add_test(tc, open_refuses_bad_locations);
    tcase_add_test(tc, history_postgres);
    tcase_add_test(tc, retention_postgres);
    tcase_add_test(tc, crash_postgres);
    tcase_add_test(tc, pages_postgres);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* One PostgreSQL for the whole suite (initdb takes seconds); each test drops its schema. */
    pg_dir = imgb_xstrdup("/tmp/imgb-pg-XXXXXX");
    if (!mkdtemp(pg_dir))
        return 1;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash '%s/tests/support/pg.sh' start '%s'",
             getenv("IMGB_SOURCE_DIR") ? getenv("IMGB_SOURCE_DIR") : ".", pg_dir);
    FILE *p = popen(cmd, "r");
    char url[512] = "";
    bool started = p && fgets(url, sizeof url, p);
    if ((p && pclose(p) != 0) || !started) {
        fprintf(stderr, "test_store: cannot start PostgreSQL (%s)\n", cmd);
        snprintf(cmd, sizeof cmd, "bash '%s/tests/support/pg.sh' stop '%s'",
                 getenv("IMGB_SOURCE_DIR") ? getenv("IMGB_SOURCE_DIR") : ".", pg_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "test_store: could not remove %s\n", pg_dir);
        free(pg_dir);
        return 1;
    }
    url[strcspn(url, "\n")] = '\0';
    pg_url = url;

    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    snprintf(cmd, sizeof cmd, "bash '%s/tests/support/pg.sh' stop '%s'",
             getenv("IMGB_SOURCE_DIR") ? getenv("IMGB_SOURCE_DIR") : ".", pg_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_store: could not stop PostgreSQL in %s\n", pg_dir);
    free(pg_dir);
    return failed ? 1 : 0;
}
