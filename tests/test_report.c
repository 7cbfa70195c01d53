/*
 * Tests of engine/report: every renderer on hand-built scan results (so the expected numbers
 * follow from the fixture, not from a scan), JSON Schema validation of the four cloud API
 * responses (tests/schemas/<format>.json, python3-jsonschema) over fixtures x parameter
 * combinations, parameter range errors, ignore-file semantics including expiry, SARIF
 * structure, and the table; then the CLI as a CI job runs it on images built with
 * tests/support/imgbuild against a rule file of the test (exit codes, ignore file, -o).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "imgbuild.h"
#include "report/ignore.h"
#include "report/report.h"
#include "util/error.h"
#include "util/mem.h"

/* ---- fixtures: scan results built by hand ---------------------------------------------- */

#define FX_MAX_BASELINES 8
#define FX_MAX_ITEMS 16
#define FX_MAX_EVIDENCE 8

static const imgb_check_kind kind_file = { .name = "file_regex" };
static const imgb_check_kind kind_build_config = { .name = "build_config" };
static const imgb_check_kind kind_build_history = { .name = "build_history" };

typedef struct fx {
    imgb_scan_result res;
    imgb_image img;
    imgb_ptrvec mem;
    imgb_ptrvec json;
} fx;

static void *fx_new(fx *f, size_t n)
{
    void *p = imgb_xcalloc(1, n);
    imgb_ptrvec_push(&f->mem, p);
    return p;
}

static char *fx_s(fx *f, const char *s)
{
    if (!s)
        return NULL;
    char *p = imgb_xstrdup(s);
    imgb_ptrvec_push(&f->mem, p);
    return p;
}

static void fx_free(fx *f)
{
    for (size_t i = 0; i < f->json.len; i++)
        json_decref(f->json.items[i]);
    imgb_ptrvec_dispose(&f->json, NULL);
    imgb_ptrvec_dispose(&f->mem, free);
    free(f);
}

static size_t fx_baseline(fx *f, const char *key, const char *class_key, const char *zh,
                          const char *en, const char *class_zh, const char *class_en,
                          const char *hw_name, const char *std1, const char *std2)
{
    size_t b = f->res.nbaselines++;
    ck_assert_uint_lt(b, FX_MAX_BASELINES);
    imgb_baseline *bl = fx_new(f, sizeof *bl);
    bl->key = fx_s(f, key);
    bl->class_key = fx_s(f, class_key);
    bl->alias = (imgb_text){ fx_s(f, zh), fx_s(f, en) };
    bl->class_alias = (imgb_text){ fx_s(f, class_zh), fx_s(f, class_en) };
    bl->hw_check_name = fx_s(f, hw_name);
    bl->hw_check_type = hw_name ? fx_s(f, class_key) : NULL;
    bl->hw_check_type_desc = (imgb_text){ fx_s(f, "检查 SSH 与账户配置"),
                                          fx_s(f, "Checks SSH and account settings") };
    bl->items = fx_new(f, FX_MAX_ITEMS * sizeof *bl->items);
    bl->standards = fx_new(f, 2 * sizeof *bl->standards);
    if (std1)
        bl->standards[bl->nstandards++] = fx_s(f, std1);
    if (std2)
        bl->standards[bl->nstandards++] = fx_s(f, std2);
    imgb_baseline_result *br = &f->res.baselines[b];
    br->baseline = bl;
    br->reason = fx_s(f, "os-release ID=centos VERSION_ID=7");
    br->items = fx_new(f, FX_MAX_ITEMS * sizeof *br->items);
    return b;
}

static imgb_item_result *fx_item(fx *f, size_t b, const char *id, const char *key,
                                 imgb_severity sev, imgb_bucket bucket, imgb_verdict v,
                                 const imgb_check_kind *kind)
{
    imgb_baseline_result *br = &f->res.baselines[b];
    imgb_baseline *bl = (imgb_baseline *)br->baseline;
    ck_assert_uint_lt(br->nitems, FX_MAX_ITEMS);
    imgb_item *it = fx_new(f, sizeof *it);
    it->id = fx_s(f, id);
    it->key = fx_s(f, key);
    char zh[128], en[128];
    snprintf(zh, sizeof zh, "检查项 %s", id);
    snprintf(en, sizeof en, "Check %s", id);
    it->title = (imgb_text){ fx_s(f, zh), fx_s(f, en) };
    it->description = (imgb_text){ fx_s(f, "说明"), fx_s(f, "Why it matters") };
    it->advice = (imgb_text){ fx_s(f, "修复建议"), fx_s(f, "How to fix") };
    it->severity = sev;
    it->bucket = bucket;
    it->kind = kind;
    it->references = json_pack("{s:s,s:s}", "cis", "5.2.8", "ssg", "sshd_disable_root_login");
    imgb_ptrvec_push(&f->json, it->references);
    bl->items[bl->nitems++] = it;
    imgb_item_result *r = &br->items[br->nitems++];
    r->item = it;
    r->verdict = v;
    r->evidence = fx_new(f, FX_MAX_EVIDENCE * sizeof *r->evidence);
    if (v == IMGB_V_FAIL)
        br->failed[sev]++;
    else if (v == IMGB_V_PASS)
        br->passed++;
    else if (v == IMGB_V_NOT_APPLICABLE)
        br->not_applicable++;
    return r;
}

static imgb_evidence *fx_ev(fx *f, imgb_item_result *r, const char *file, int line,
                            const char *account)
{
    ck_assert_uint_lt(r->nevidence, FX_MAX_EVIDENCE);
    imgb_evidence *ev = &r->evidence[r->nevidence++];
    memset(ev, 0, sizeof *ev);
    ev->file = fx_s(f, file);
    ev->line = line;
    ev->offset = -1;
    ev->account = fx_s(f, account);
    ev->layer = -1;
    ev->layer_removed = -1;
    ev->history_index = -1;
    ev->verdict = r->verdict;
    return ev;
}

#define IMAGE_ID "abababababababababababababababababababababababababababababababab"
#define MANIFEST_HEX "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

enum { FX_STANDARD, FX_ALL_PASS, FX_NO_REF };

/*
 * The standard fixture (numbers below are what the tests expect):
 *  B0 centos7_ssh (CentOS 7; cn_standard + hw_standard): permit_root_login HIGH fail,
 *     x11 MEDIUM fail, max_auth_tries LOW pass, banner LOW n/a
 *  B1 centos7_account (CentOS 7; hw_standard): duplicate_uid MEDIUM fail (toor, admin2),
 *     weak_password HIGH fail (root, app), empty password HIGH fail (app),
 *     pass_max_days LOW fail (pwd_policy), minlen MEDIUM pass (pwd_policy)
 *  B2 build_risk: no_user MEDIUM fail, add LOW fail (history 3), latest_tag LOW pass
 *  B3 ak_leak: ak_leak HIGH fail (/usr/aksk.txt, added layer 1, removed in layer 2)
 */
static fx *fixture(int variant)
{
    fx *f = imgb_xcalloc(1, sizeof *f);
    imgb_verdict FAIL = variant == FX_ALL_PASS ? IMGB_V_PASS : IMGB_V_FAIL;
    f->res.baselines = fx_new(f, FX_MAX_BASELINES * sizeof *f->res.baselines);
    f->res.image = &f->img;
    f->res.started_ms = 1700000000000LL;
    f->res.finished_ms = 1700000001234LL;
    f->img.path = fx_s(f, "/tmp/app.tar");
    f->img.format = "docker-archive";
    f->img.image_id = fx_s(f, IMAGE_ID);
    f->img.config_digest = fx_s(f, "sha256:" IMAGE_ID);
    f->img.manifest_digest = fx_s(f, "sha256:" MANIFEST_HEX);
    f->img.verified = true;
    if (variant != FX_NO_REF) {
        f->img.refs = fx_new(f, sizeof(char *));
        f->img.refs[0] = fx_s(f, "registry.example.com/team/app:1.2");
        f->img.nrefs = 1;
    }
    f->img.layers = fx_new(f, 3 * sizeof *f->img.layers);
    f->img.nlayers = 3;
    f->img.layers[0].digest = fx_s(f, "sha256:1111111111111111111111111111111111111111111111111111111111111111");
    f->img.layers[1].digest = fx_s(f, "sha256:2222222222222222222222222222222222222222222222222222222222222222");
    f->img.layers[2].digest = fx_s(f, "sha256:3333333333333333333333333333333333333333333333333333333333333333");

    size_t b0 = fx_baseline(f, "centos7_ssh", "ssh", "CentOS 7 SSH 安全基线", "CentOS 7 SSH baseline",
                            "SSH 服务配置", "SSH configuration", "CentOS 7", "cn_standard",
                            "hw_standard");
    imgb_item_result *r = fx_item(f, b0, "ssh.permit_root_login", "permit_root_login",
                                  IMGB_SEV_HIGH, IMGB_BUCKET_SECURITY_CHECK, FAIL, &kind_file);
    imgb_evidence *ev = fx_ev(f, r, "/etc/ssh/sshd_config", 12, NULL);
    ev->value = fx_s(f, "yes");
    ev->expected = fx_s(f, "PermitRootLogin == no");
    ev->layer = 0;
    r = fx_item(f, b0, "ssh.x11_forwarding", "x11_forwarding", IMGB_SEV_MEDIUM,
                IMGB_BUCKET_SECURITY_CHECK, FAIL, &kind_file);
    fx_ev(f, r, "/etc/ssh/sshd_config", 30, NULL)->value = fx_s(f, "yes");
    fx_item(f, b0, "ssh.max_auth_tries", "max_auth_tries", IMGB_SEV_LOW,
            IMGB_BUCKET_SECURITY_CHECK, IMGB_V_PASS, &kind_file);
    fx_item(f, b0, "ssh.banner", "banner", IMGB_SEV_LOW, IMGB_BUCKET_SECURITY_CHECK,
            IMGB_V_NOT_APPLICABLE, &kind_file);

    size_t b1 = fx_baseline(f, "centos7_account", "identification", "身份鉴别",
                            "Identity authentication", "身份鉴别", "Identification", "CentOS 7",
                            "hw_standard", NULL);
    r = fx_item(f, b1, "account.duplicate_uid", "duplicate_uid", IMGB_SEV_MEDIUM,
                IMGB_BUCKET_SECURITY_CHECK, FAIL, &kind_file);
    fx_ev(f, r, "/etc/passwd", 3, "toor");
    fx_ev(f, r, "/etc/passwd", 7, "admin2");
    r = fx_item(f, b1, "weak.password", "weak_password", IMGB_SEV_HIGH,
                IMGB_BUCKET_IMAGE_WEAK_PWD, FAIL, &kind_file);
    fx_ev(f, r, "/etc/shadow", 1, "root");
    fx_ev(f, r, "/etc/shadow", 5, "app");
    r = fx_item(f, b1, "weak.empty", "non_pwd_user", IMGB_SEV_HIGH, IMGB_BUCKET_IMAGE_WEAK_PWD,
                FAIL, &kind_file);
    fx_ev(f, r, "/etc/shadow", 5, "app");
    r = fx_item(f, b1, "policy.pass_max_days", "pass_max_days", IMGB_SEV_LOW,
                IMGB_BUCKET_PWD_POLICY, FAIL, &kind_file);
    fx_ev(f, r, "/etc/login.defs", 25, NULL);
    fx_item(f, b1, "policy.minlen", "minlen", IMGB_SEV_MEDIUM, IMGB_BUCKET_PWD_POLICY,
            IMGB_V_PASS, &kind_file);

    size_t b2 = fx_baseline(f, "build_risk", "build_risk", "镜像构建风险", "Image build risks",
                            "构建风险", "Build risks", NULL, NULL, NULL);
    r = fx_item(f, b2, "build.no_user", "no_user", IMGB_SEV_MEDIUM, IMGB_BUCKET_SECURITY_CHECK,
                FAIL, &kind_build_config);
    fx_ev(f, r, NULL, 0, NULL)->message = fx_s(f, "config.User is empty");
    r = fx_item(f, b2, "build.add", "add", IMGB_SEV_LOW, IMGB_BUCKET_SECURITY_CHECK, FAIL,
                &kind_build_history);
    ev = fx_ev(f, r, NULL, 0, NULL);
    ev->history_index = 3;
    ev->layer = 2;
    ev->layer_cmd = fx_s(f, "ADD app.tar /opt");
    fx_item(f, b2, "build.latest_tag", "latest_tag", IMGB_SEV_LOW, IMGB_BUCKET_SECURITY_CHECK,
            IMGB_V_PASS, &kind_build_history);

    size_t b3 = fx_baseline(f, "ak_leak", "ak_leak", "Access Key泄露", "Access key leak",
                            "Access Key泄露", "Access key leak", NULL, NULL, NULL);
    r = fx_item(f, b3, "ak_leak", "ak_leak", IMGB_SEV_HIGH, IMGB_BUCKET_SECURITY_CHECK, FAIL,
                &kind_file);
    ev = fx_ev(f, r, "/usr/aksk.txt", 1, NULL);
    ev->value = fx_s(f, "LTAI4GBEG5zaqX**********");
    ev->layer = 1;
    ev->layer_removed = 2;
    return f;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static void params_init(imgb_report_params *p)
{
    imgb_report_params_init(p);
    p->now_ms = 1700000000000LL; /* 2023-11-14 */
}

static void set_param(imgb_report_params *p, const char *name, const char *value)
{
    int rc = imgb_report_param_set(p, name, value);
    ck_assert_msg(rc == 0, "%s=%s: %s", name, value, imgb_error_last());
}

static char *render(const imgb_scan_result *res, const char *format,
                    const imgb_report_params *p)
{
    const imgb_report_format *fmt = imgb_report_format_lookup(format);
    ck_assert_ptr_nonnull(fmt);
    imgb_buf b = IMGB_BUF_INIT;
    int rc = imgb_report_render_fmt(res, fmt, p, &b);
    ck_assert_msg(rc == 0, "%s: %s", format, imgb_error_last());
    return imgb_buf_detach(&b);
}

static json_t *render_json(const imgb_scan_result *res, const char *format,
                           const imgb_report_params *p)
{
    char *s = render(res, format, p);
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    ck_assert_msg(j != NULL, "%s: not json: %s", format, err.text);
    free(s);
    return j;
}

static long long jint(json_t *root, const char *path)
{
    json_t *v = json_object_get(root, path);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
    return json_integer_value(v);
}

static imgb_ignore_list *ignore_from(const char *yaml)
{
    imgb_ignore_list *l = NULL;
    int rc = imgb_ignore_parse(&l, yaml, strlen(yaml), "test.ignore");
    ck_assert_msg(rc == 0, "%s", imgb_error_last());
    return l;
}

/* ---- JSON Schema validation ------------------------------------------------------------ */

static const char *python(void)
{
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

static char *schema_dir(void)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    return imgb_xasprintf("%s/tests/schemas", src ? src : "..");
}

/* Collects rendered outputs per format and validates them in one python run each. */
#define NSCHEMAS 5
typedef struct schema_batch {
    char dir[64];
    imgb_buf files[NSCHEMAS];
    int n;
} schema_batch;

/* Format i is validated against tests/schemas/<schemas[i]>.json. */
static const char *const api_formats[NSCHEMAS] = { "aliyun-baseline-check-result",
                                                   "aliyun-build-risk-images",
                                                   "huawei-risk-configs",
                                                   "huawei-baseline-statistic", "sarif" };
static const char *const schemas[NSCHEMAS] = { "aliyun-baseline-check-result",
                                               "aliyun-build-risk-images", "huawei-risk-configs",
                                               "huawei-baseline-statistic", "sarif-subset" };
#define FMT_SARIF 4

static void batch_init(schema_batch *sb)
{
    memset(sb, 0, sizeof *sb);
    snprintf(sb->dir, sizeof sb->dir, "/tmp/imgb-report-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(sb->dir));
}

static void batch_add(schema_batch *sb, const imgb_scan_result *res, int f,
                      const imgb_report_params *p)
{
    char *out = render(res, api_formats[f], p);
    char *path = imgb_xasprintf("%s/%d-%s.json", sb->dir, sb->n++, api_formats[f]);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(out, fp);
    fclose(fp);
    imgb_buf_printf(&sb->files[f], " '%s'", path);
    free(path);
    free(out);
}

static void batch_validate(schema_batch *sb)
{
    char *dir = schema_dir();
    for (int f = 0; f < NSCHEMAS; f++) {
        if (!sb->files[f].len)
            continue;
        char *cmd = imgb_xasprintf("%s '%s/validate.py' '%s/%s.json'%s", python(), dir, dir,
                                   schemas[f], sb->files[f].ptr);
        int st = system(cmd);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                      "schema validation of %s failed (status %d)", api_formats[f], st);
        free(cmd);
        imgb_buf_dispose(&sb->files[f]);
    }
    free(dir);
    char *rm = imgb_xasprintf("rm -rf '%s'", sb->dir);
    ck_assert_int_eq(system(rm), 0);
    free(rm);
}

/* Does the schema reject what it should?  (A schema that accepts anything proves nothing.) */
START_TEST(schemas_reject_wrong_types)
{
    char dir[] = "/tmp/imgb-schema-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    static const char *const bad[NSCHEMAS] = {
        "{\"RequestId\":\"x\",\"PageInfo\":{\"CurrentPage\":1,\"PageSize\":20,\"TotalCount\":0,"
        "\"Count\":\"0\"},\"BaselineResult\":[]}",
        "{\"Data\":{\"List\":[],\"PageInfo\":{\"CurrentPage\":1,\"PageSize\":20,"
        "\"TotalCount\":0}},\"Success\":true,\"Code\":200,\"Message\":\"ok\",\"RequestId\":\"x\"}",
        "{\"total_num\":1,\"data_list\":[{\"severity\":\"Critical\",\"check_name\":\"CentOS 7\","
        "\"check_type\":\"3\",\"standard\":\"cn_standard\",\"check_rule_num\":1,"
        "\"failed_rule_num\":0,\"check_type_desc\":\"\"}]}",
        "{\"image_weak_pwd\":\"100\",\"pwd_policy\":58,\"security_check\":60}",
        "{\"$schema\":\"x\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
        "{\"name\":\"x\"}},\"results\":[{\"ruleId\":\"a\",\"ruleIndex\":0,\"level\":"
        "\"critical\",\"message\":{\"text\":\"m\"},\"locations\":[]}]}]}",
    };
    char *sd = schema_dir();
    for (int f = 0; f < NSCHEMAS; f++) {
        char *path = imgb_xasprintf("%s/bad%d.json", dir, f);
        FILE *fp = fopen(path, "w");
        fputs(bad[f], fp);
        fclose(fp);
        char *cmd = imgb_xasprintf("%s '%s/validate.py' '%s/%s.json' '%s' 2>/dev/null", python(),
                                   sd, sd, schemas[f], path);
        int st = system(cmd);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1,
                      "%s: validator exit status %d, 1 expected (rejected; 0 accepted the bad "
                      "instance, 3 jsonschema missing)", api_formats[f],
                      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        free(cmd);
        unlink(path);
        free(path);
    }
    free(sd);
    rmdir(dir);
}
END_TEST

START_TEST(outputs_validate_against_schemas)
{
    /* Parameter combinations: defaults, each language, each severity, filters that match
     * nothing, a page past the end, paging inside, statuses, Huawei filters. */
    static const char *const combos[][6] = {
        { NULL },
        { "lang", "en" },
        { "risk_level", "high" },
        { "risk_level", "medium" },
        { "risk_level", "low", "lang", "en" },
        { "criteria", "no-such-baseline", "criteria_type", "BaselineNameAlias" },
        { "current_page", "9" },
        { "page_size", "1", "current_page", "2" },
        { "status", "2" },
        { "risk_key", "no_such_risk" },
        { "criteria", "team", "criteria_type", "RepoNamespace" },
        { "scan_range", "container" },
    };
    static const char *const hw_combos[][6] = {
        { "image_type", "private_image" },
        { "image_type", "local", "lang", "en" },
        { "image_type", "private_image", "severity", "Security" },
        { "image_type", "private_image", "severity", "Low" },
        { "image_type", "private_image", "severity", "Medium" },
        { "image_type", "private_image", "severity", "High" },
        { "image_type", "private_image", "standard", "cn_standard" },
        { "image_type", "private_image", "standard", "hw_standard" },
        { "image_type", "private_image", "offset", "2000000" },
        { "image_type", "private_image", "offset", "1", "limit", "200" },
        { "image_type", "no_such_type" },
        { "image_type", "private_image", "image_name", "nomatch" },
        { "image_type", "private_image", "image_id", IMAGE_ID },
        { "image_type", "private_image", "check_name", "Debian 10" },
    };
    schema_batch sb;
    batch_init(&sb);
    for (int v = FX_STANDARD; v <= FX_NO_REF; v++) {
        fx *f = fixture(v);
        for (size_t c = 0; c < sizeof combos / sizeof combos[0]; c++) {
            for (int fmt = 0; fmt < 2; fmt++) {
                imgb_report_params p;
                params_init(&p);
                for (int k = 0; k < 6 && combos[c][k]; k += 2) {
                    if (!strcmp(combos[c][k], "criteria_type") && fmt == 1)
                        set_param(&p, "criteria_type", "RepoNamespace");
                    else if (!strcmp(combos[c][k], "criteria_type"))
                        set_param(&p, "criteria_type", "BaselineNameAlias");
                    else
                        set_param(&p, combos[c][k], combos[c][k + 1]);
                }
                batch_add(&sb, &f->res, fmt, &p);
                imgb_report_params_dispose(&p);
            }
        }
        for (size_t c = 0; c < sizeof hw_combos / sizeof hw_combos[0]; c++) {
            for (int fmt = 2; fmt < 4; fmt++) {
                imgb_report_params p;
                params_init(&p);
                for (int k = 0; k < 6 && hw_combos[c][k]; k += 2)
                    set_param(&p, hw_combos[c][k], hw_combos[c][k + 1]);
                batch_add(&sb, &f->res, fmt, &p);
                imgb_report_params_dispose(&p);
            }
        }
        /* SARIF in both languages, with and without suppressions and an expired entry. */
        imgb_ignore_list *ign = ignore_from("- {id: no_user, status: false_positive}\n"
                                            "- {id: ak_leak, expires: 2020-01-01}\n"
                                            "- {id: weak.password, account: root}\n");
        for (int k = 0; k < 4; k++) {
            imgb_report_params p;
            params_init(&p);
            set_param(&p, "lang", k & 1 ? "en" : "zh");
            p.ignore = k & 2 ? ign : NULL;
            batch_add(&sb, &f->res, FMT_SARIF, &p);
            imgb_report_params_dispose(&p);
        }
        imgb_ignore_list_free(ign);
        fx_free(f);
    }
    batch_validate(&sb);
}
END_TEST

/* ---- aliyun-baseline-check-result ------------------------------------------------------ */

START_TEST(check_result_counts_follow_the_fixture)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    json_t *j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    json_t *pi = json_object_get(j, "PageInfo");
    ck_assert_int_eq(jint(pi, "TotalCount"), 3); /* build risks are not baselines here */
    ck_assert_int_eq(jint(pi, "Count"), 3);
    ck_assert_int_eq(jint(pi, "PageSize"), 20);
    ck_assert_int_eq(jint(pi, "CurrentPage"), 1);
    json_t *rows = json_object_get(j, "BaselineResult");
    json_t *r0 = json_array_get(rows, 0), *r1 = json_array_get(rows, 1);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "BaselineNameKey")), "centos7_ssh");
    ck_assert_int_eq(jint(r0, "Status"), 0);
    ck_assert_int_eq(jint(r0, "HighRiskItemCount"), 1);
    ck_assert_int_eq(jint(r0, "MiddleRiskItemCount"), 1);
    ck_assert_int_eq(jint(r0, "LowRiskItemCount"), 0);
    ck_assert_int_eq(jint(r0, "BaselineItemCount"), 4);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "BaselineNameLevel")), "high");
    ck_assert_str_eq(json_string_value(json_object_get(r0, "BaselineNameAlias")),
                     "CentOS 7 SSH 安全基线");
    ck_assert_int_eq(jint(r0, "FirstScanTime"), 1700000000000LL);
    ck_assert_int_eq(jint(r0, "LastScanTime"), 1700000001234LL);
    ck_assert_str_eq(json_string_value(json_object_get(r1, "BaselineNameKey")),
                     "centos7_account");
    ck_assert_int_eq(jint(r1, "HighRiskItemCount"), 2);
    ck_assert_int_eq(jint(r1, "MiddleRiskItemCount"), 1);
    ck_assert_int_eq(jint(r1, "LowRiskItemCount"), 1);
    ck_assert_int_eq(jint(r1, "BaselineItemCount"), 5);
    const char *rid = json_string_value(json_object_get(j, "RequestId"));
    ck_assert_uint_eq(strlen(rid), 36);
    for (int k = 0; k < 36; k++)
        ck_assert(k == 8 || k == 13 || k == 18 || k == 23 ? rid[k] == '-'
                  : strchr("0123456789ABCDEF", rid[k]) != NULL);
    json_decref(j);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(check_result_language_picks_aliases)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "lang", "en");
    json_t *j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    json_t *r0 = json_array_get(json_object_get(j, "BaselineResult"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "BaselineNameAlias")),
                     "CentOS 7 SSH baseline");
    ck_assert_str_eq(json_string_value(json_object_get(r0, "BaselineClassAlias")),
                     "SSH configuration");
    json_decref(j);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(check_result_filters_and_paging)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    /* Every baseline is at level high: medium matches nothing. */
    set_param(&p, "risk_level", "medium,low");
    json_t *j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "TotalCount"), 0);
    ck_assert_int_eq(json_array_size(json_object_get(j, "BaselineResult")), 0);
    json_decref(j);
    imgb_report_params_dispose(&p);

    /* Criteria on the alias, either language, case-insensitive. */
    params_init(&p);
    set_param(&p, "criteria", "identity");
    j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "TotalCount"), 1);
    json_decref(j);
    set_param(&p, "criteria", "ssh");
    set_param(&p, "criteria_type", "BaselineClassAlias");
    j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "TotalCount"), 1);
    json_decref(j);
    imgb_report_params_dispose(&p);

    /* Page 2 of size 2 holds the third row; page 3 is past the end. */
    params_init(&p);
    set_param(&p, "page_size", "2");
    set_param(&p, "current_page", "2");
    j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "TotalCount"), 3);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "Count"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(j, "BaselineResult"), 0),
                         "BaselineNameKey")), "ak_leak");
    json_decref(j);
    set_param(&p, "current_page", "3");
    j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "TotalCount"), 3);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "Count"), 0);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "CurrentPage"), 3);
    json_decref(j);
    imgb_report_params_dispose(&p);

    /* A container-only scan range has no image assets. */
    params_init(&p);
    set_param(&p, "scan_range", "container");
    j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "TotalCount"), 0);
    json_decref(j);
    set_param(&p, "scan_range", "image,container");
    j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "TotalCount"), 3);
    json_decref(j);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(check_result_ignored_items_leave_the_counts)
{
    fx *f = fixture(FX_STANDARD);
    imgb_ignore_list *ign = ignore_from("ignore:\n"
                                        "  - id: ssh.permit_root_login\n"
                                        "    reason: bastion host image\n");
    imgb_report_params p;
    params_init(&p);
    p.ignore = ign;
    set_param(&p, "risk_level", "medium");
    json_t *j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_int_eq(jint(json_object_get(j, "PageInfo"), "TotalCount"), 1);
    json_t *r0 = json_array_get(json_object_get(j, "BaselineResult"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "BaselineNameKey")), "centos7_ssh");
    ck_assert_int_eq(jint(r0, "HighRiskItemCount"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "BaselineNameLevel")), "medium");
    json_decref(j);
    imgb_report_params_dispose(&p);
    imgb_ignore_list_free(ign);
    fx_free(f);
}
END_TEST

START_TEST(check_result_all_pass_is_fixed)
{
    fx *f = fixture(FX_ALL_PASS);
    imgb_report_params p;
    params_init(&p);
    json_t *j = render_json(&f->res, "aliyun-baseline-check-result", &p);
    json_t *rows = json_object_get(j, "BaselineResult");
    ck_assert_int_eq(json_array_size(rows), 3);
    for (size_t k = 0; k < 3; k++) {
        json_t *r = json_array_get(rows, k);
        ck_assert_int_eq(jint(r, "Status"), 1);
        ck_assert_int_eq(jint(r, "HighRiskItemCount") + jint(r, "MiddleRiskItemCount") +
                         jint(r, "LowRiskItemCount"), 0);
    }
    json_decref(j);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(check_result_image_uuid_must_name_the_image)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    const imgb_report_format *fmt = imgb_report_format_lookup("aliyun-baseline-check-result");
    imgb_buf b = IMGB_BUF_INIT;
    set_param(&p, "image_uuid", "sha256:" IMAGE_ID);
    ck_assert_int_eq(imgb_report_render_fmt(&f->res, fmt, &p, &b), 0);
    set_param(&p, "image_uuid", "abababababab");
    ck_assert_int_eq(imgb_report_render_fmt(&f->res, fmt, &p, &b), 0);
    set_param(&p, "image_uuid", "0123456789abcdef");
    ck_assert_int_eq(imgb_report_render_fmt(&f->res, fmt, &p, &b), IMGB_EINVAL);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "does not name the scanned image"));
    imgb_buf_dispose(&b);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

/* ---- aliyun-build-risk-images -------------------------------------------------------- */

START_TEST(build_risk_row_comes_from_reference_and_manifest)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    json_t *j = render_json(&f->res, "aliyun-build-risk-images", &p);
    json_t *data = json_object_get(j, "Data");
    ck_assert_int_eq(jint(json_object_get(data, "PageInfo"), "TotalCount"), 1);
    json_t *row = json_array_get(json_object_get(data, "List"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(row, "Uuid")), IMAGE_ID);
    ck_assert_str_eq(json_string_value(json_object_get(row, "RepoNamespace")), "team");
    ck_assert_str_eq(json_string_value(json_object_get(row, "RepoName")), "app");
    ck_assert_str_eq(json_string_value(json_object_get(row, "Tag")), "1.2");
    ck_assert_str_eq(json_string_value(json_object_get(row, "Digest")), MANIFEST_HEX);
    ck_assert_str_eq(json_string_value(json_object_get(row, "RegionId")), "cn-hangzhou");
    ck_assert_str_eq(json_string_value(json_object_get(row, "InstanceId")), "");
    ck_assert_str_eq(json_string_value(json_object_get(row, "RiskLevel")), "medium");
    ck_assert_int_eq(jint(row, "Status"), 0);
    ck_assert(json_is_true(json_object_get(j, "Success")));
    ck_assert_str_eq(json_string_value(json_object_get(j, "Code")), "200");
    json_decref(j);

    set_param(&p, "region_id", "cn-shanghai");
    set_param(&p, "instance_id", "cri-123");
    set_param(&p, "risk_key", "add");
    j = render_json(&f->res, "aliyun-build-risk-images", &p);
    row = json_array_get(json_object_get(json_object_get(j, "Data"), "List"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(row, "RiskLevel")), "low");
    ck_assert_str_eq(json_string_value(json_object_get(row, "RegionId")), "cn-shanghai");
    ck_assert_str_eq(json_string_value(json_object_get(row, "InstanceId")), "cri-123");
    json_decref(j);

    set_param(&p, "risk_key", "no_such_risk");
    j = render_json(&f->res, "aliyun-build-risk-images", &p);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "Data"), "List")), 0);
    json_decref(j);
    imgb_report_params_dispose(&p);

    params_init(&p);
    set_param(&p, "criteria", "APP");
    set_param(&p, "criteria_type", "RepoName");
    j = render_json(&f->res, "aliyun-build-risk-images", &p);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "Data"), "List")), 1);
    json_decref(j);
    set_param(&p, "criteria_type", "RepoNamespace");
    j = render_json(&f->res, "aliyun-build-risk-images", &p);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "Data"), "List")), 0);
    json_decref(j);
    set_param(&p, "criteria", "x");
    set_param(&p, "current_page", "2");
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(build_risk_status_follows_ignore_file)
{
    fx *f = fixture(FX_STANDARD);
    imgb_ignore_list *ign = ignore_from("- id: no_user\n"
                                        "  status: false_positive\n"
                                        "  reason: runs as nobody via the entrypoint\n"
                                        "- id: add\n"
                                        "  layer: 2\n");
    imgb_report_params p;
    params_init(&p);
    p.ignore = ign;
    json_t *j = render_json(&f->res, "aliyun-build-risk-images", &p);
    json_t *row = json_array_get(json_object_get(json_object_get(j, "Data"), "List"), 0);
    ck_assert_int_eq(jint(row, "Status"), 1); /* one ignored, one false positive */
    json_decref(j);
    set_param(&p, "status", "2");
    j = render_json(&f->res, "aliyun-build-risk-images", &p);
    row = json_array_get(json_object_get(json_object_get(j, "Data"), "List"), 0);
    ck_assert_int_eq(jint(row, "Status"), 2);
    ck_assert_str_eq(json_string_value(json_object_get(row, "RiskLevel")), "medium");
    json_decref(j);
    set_param(&p, "status", "0");
    j = render_json(&f->res, "aliyun-build-risk-images", &p);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "Data"), "List")), 0);
    json_decref(j);
    imgb_report_params_dispose(&p);
    imgb_ignore_list_free(ign);
    fx_free(f);
}
END_TEST

START_TEST(build_risk_page_past_the_end_is_empty)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "current_page", "2");
    json_t *j = render_json(&f->res, "aliyun-build-risk-images", &p);
    json_t *data = json_object_get(j, "Data");
    ck_assert_int_eq(json_array_size(json_object_get(data, "List")), 0);
    ck_assert_int_eq(jint(json_object_get(data, "PageInfo"), "TotalCount"), 1);
    ck_assert_int_eq(jint(json_object_get(data, "PageInfo"), "CurrentPage"), 2);
    json_decref(j);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(image_reference_split)
{
    static const char *const cases[][4] = {
        /* ref, namespace, name, tag */
        { "registry.example.com/team/app:1.2", "team", "app", "1.2" },
        { "alpine", "library", "alpine", "latest" },
        { "docker.io/library/debian:10", "library", "debian", "10" },
        { "localhost:5000/a/b/c:v1", "a/b", "c", "v1" },
        { "myorg/tool@sha256:" MANIFEST_HEX, "myorg", "tool", "latest" },
        { "quay.io/app:2", "", "app", "2" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fx *f = fixture(FX_STANDARD);
        f->img.refs[0] = fx_s(f, cases[c][0]);
        imgb_report_params p;
        params_init(&p);
        json_t *j = render_json(&f->res, "aliyun-build-risk-images", &p);
        json_t *row = json_array_get(json_object_get(json_object_get(j, "Data"), "List"), 0);
        ck_assert_str_eq(json_string_value(json_object_get(row, "RepoNamespace")), cases[c][1]);
        ck_assert_str_eq(json_string_value(json_object_get(row, "RepoName")), cases[c][2]);
        ck_assert_str_eq(json_string_value(json_object_get(row, "Tag")), cases[c][3]);
        json_decref(j);
        imgb_report_params_dispose(&p);
        fx_free(f);
    }
}
END_TEST

/* ---- Huawei ------------------------------------------------------------------------------ */

START_TEST(huawei_risk_configs_rows_per_standard)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "image_type", "private_image");
    json_t *j = render_json(&f->res, "huawei-risk-configs", &p);
    ck_assert_int_eq(jint(j, "total_num"), 3);
    json_t *list = json_object_get(j, "data_list");
    json_t *r0 = json_array_get(list, 0), *r2 = json_array_get(list, 2);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "check_name")), "CentOS 7");
    ck_assert_str_eq(json_string_value(json_object_get(r0, "standard")), "cn_standard");
    ck_assert_str_eq(json_string_value(json_object_get(r0, "severity")), "High");
    ck_assert_str_eq(json_string_value(json_object_get(r0, "check_type")), "ssh");
    ck_assert_int_eq(jint(r0, "check_rule_num"), 4);
    ck_assert_int_eq(jint(r0, "failed_rule_num"), 2);
    ck_assert_int_eq(jint(r2, "check_rule_num"), 5);
    ck_assert_int_eq(jint(r2, "failed_rule_num"), 4);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "check_type_desc")),
                     "检查 SSH 与账户配置");
    json_decref(j);

    set_param(&p, "standard", "cn_standard");
    j = render_json(&f->res, "huawei-risk-configs", &p);
    ck_assert_int_eq(jint(j, "total_num"), 1);
    json_decref(j);
    set_param(&p, "standard", "qt_standard"); /* outside the range: empty, as documented */
    j = render_json(&f->res, "huawei-risk-configs", &p);
    ck_assert_int_eq(jint(j, "total_num"), 0);
    json_decref(j);
    imgb_report_params_dispose(&p);

    params_init(&p);
    set_param(&p, "image_type", "private_image");
    set_param(&p, "offset", "2");
    j = render_json(&f->res, "huawei-risk-configs", &p);
    ck_assert_int_eq(jint(j, "total_num"), 3);
    ck_assert_int_eq(json_array_size(json_object_get(j, "data_list")), 1);
    json_decref(j);
    set_param(&p, "offset", "3");
    j = render_json(&f->res, "huawei-risk-configs", &p);
    ck_assert_int_eq(json_array_size(json_object_get(j, "data_list")), 0);
    json_decref(j);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(huawei_severity_filter_each_value)
{
    fx *f = fixture(FX_STANDARD);
    imgb_ignore_list *ign = ignore_from("ignore:\n"
                                        "  - {id: ssh.permit_root_login}\n");
    static const struct { const char *sev; long long n; } cases[] = {
        { "High", 1 }, { "Medium", 2 }, { "Low", 0 }, { "Security", 0 }, { "high", 0 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        imgb_report_params p;
        params_init(&p);
        p.ignore = ign;
        set_param(&p, "image_type", "private_image");
        set_param(&p, "severity", cases[c].sev);
        json_t *j = render_json(&f->res, "huawei-risk-configs", &p);
        ck_assert_msg(jint(j, "total_num") == cases[c].n, "severity %s", cases[c].sev);
        json_decref(j);
        imgb_report_params_dispose(&p);
    }
    imgb_ignore_list_free(ign);
    fx_free(f);

    f = fixture(FX_ALL_PASS);
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "image_type", "private_image");
    set_param(&p, "severity", "Security");
    json_t *j = render_json(&f->res, "huawei-risk-configs", &p);
    ck_assert_int_eq(jint(j, "total_num"), 3);
    json_decref(j);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(huawei_image_filters)
{
    static const struct { const char *k1, *v1, *k2, *v2; long long n; } cases[] = {
        { "image_name", "ap", NULL, NULL, 3 },          /* fuzzy */
        { "image_name", "nginx", NULL, NULL, 0 },
        { "image_name", "app", "image_version", "1.2", 3 },
        { "image_name", "app", "image_version", "1.3", 0 },
        { "image_version", "1.3", NULL, NULL, 3 },      /* only with image_name */
        { "image_id", IMAGE_ID, "image_name", "nginx", 3 }, /* id beats the name */
        { "image_id", "0000000000000000", NULL, NULL, 0 },
        { "namespace", "team", NULL, NULL, 3 },
        { "namespace", "other", NULL, NULL, 0 },
        { "check_name", "CentOS 7", NULL, NULL, 3 },
        { "check_name", "Ubuntu16", NULL, NULL, 0 },
    };
    fx *f = fixture(FX_STANDARD);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        imgb_report_params p;
        params_init(&p);
        set_param(&p, "image_type", "private_image");
        set_param(&p, cases[c].k1, cases[c].v1);
        if (cases[c].k2)
            set_param(&p, cases[c].k2, cases[c].v2);
        json_t *j = render_json(&f->res, "huawei-risk-configs", &p);
        ck_assert_msg(jint(j, "total_num") == cases[c].n, "case %zu", c);
        json_decref(j);
        imgb_report_params_dispose(&p);
    }
    fx_free(f);
}
END_TEST

START_TEST(huawei_statistic_counts)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "image_type", "local");
    json_t *j = render_json(&f->res, "huawei-baseline-statistic", &p);
    ck_assert_int_eq(jint(j, "image_weak_pwd"), 2); /* root and app */
    ck_assert_int_eq(jint(j, "pwd_policy"), 1);
    ck_assert_int_eq(jint(j, "security_check"), 4);
    json_decref(j);
    imgb_report_params_dispose(&p);

    imgb_ignore_list *ign = ignore_from("- id: weak.password\n  account: root\n"
                                        "- id: ak_leak\n  path: /usr/*.txt\n");
    params_init(&p);
    p.ignore = ign;
    set_param(&p, "image_type", "local");
    j = render_json(&f->res, "huawei-baseline-statistic", &p);
    ck_assert_int_eq(jint(j, "image_weak_pwd"), 1);
    ck_assert_int_eq(jint(j, "security_check"), 3);
    json_decref(j);
    set_param(&p, "image_type", "bogus");
    j = render_json(&f->res, "huawei-baseline-statistic", &p);
    ck_assert_int_eq(jint(j, "image_weak_pwd") + jint(j, "pwd_policy") +
                     jint(j, "security_check"), 0);
    json_decref(j);
    imgb_report_params_dispose(&p);
    imgb_ignore_list_free(ign);
    fx_free(f);
}
END_TEST

START_TEST(huawei_image_type_is_required)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    imgb_buf b = IMGB_BUF_INIT;
    for (int k = 0; k < 2; k++) {
        const char *name = k ? "huawei-baseline-statistic" : "huawei-risk-configs";
        ck_assert_int_eq(imgb_report_render_fmt(&f->res, imgb_report_format_lookup(name), &p, &b),
                         IMGB_EINVAL);
        ck_assert_ptr_nonnull(strstr(imgb_error_last(), "image_type"));
    }
    imgb_buf_dispose(&b);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

/* ---- parameters ---------------------------------------------------------------------- */

START_TEST(param_ranges_are_refused_with_the_documented_range)
{
    static const struct { const char *name, *value, *msg; } bad[] = {
        { "limit", "9", "Value range: 10-200" },
        { "limit", "201", "Value range: 10-200" },
        { "limit", "ten", "not an integer" },
        { "offset", "-1", "The value range is 0 to 2,000,000." },
        { "offset", "2000001", "The value range is 0 to 2,000,000." },
        { "page_size", "0", "PageSize" },
        { "current_page", "0", "CurrentPage" },
        { "lang", "fr", "Valid values: zh, en." },
        { "risk_level", "high,critical", "Valid values: high, medium, low" },
        { "scan_range", "host", "Valid values: image, container" },
        { "status", "3", "Valid values: 0 (unhandled), 1 (ignored), 2 (false positive)." },
        { "enterprise_project_id", "", "1 to 256 characters" },
        { "image_id", "0123456789012345678901234567890123456789012345678901234567890123456789"
                      "0123456789012345678901234567890123456789012345678901234567890123456789",
          "0 to 128 characters" },
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        imgb_report_params p;
        params_init(&p);
        ck_assert_int_eq(imgb_report_param_set(&p, bad[c].name, bad[c].value), IMGB_EINVAL);
        ck_assert_msg(strstr(imgb_error_last(), bad[c].msg) != NULL, "%s=%s: '%s'",
                      bad[c].name, bad[c].value, imgb_error_last());
        imgb_report_params_dispose(&p);
    }
    imgb_report_params p;
    params_init(&p);
    ck_assert_int_eq(imgb_report_param_set(&p, "limit", "10"), 0);
    ck_assert_int_eq(imgb_report_param_set(&p, "limit", "200"), 0);
    ck_assert_int_eq(imgb_report_param_set(&p, "offset", "0"), 0);
    ck_assert_int_eq(imgb_report_param_set(&p, "offset", "2000000"), 0);
    ck_assert_int_eq(imgb_report_param_set(&p, "risk_level", "HIGH, low"), 0);
    ck_assert_uint_eq(p.risk_levels, (1u << IMGB_SEV_HIGH) | (1u << IMGB_SEV_LOW));
    ck_assert_int_eq(imgb_report_param_set(&p, "no_such", "x"), IMGB_ENOTFOUND);
    imgb_report_params_dispose(&p);
}
END_TEST

START_TEST(criteria_type_is_checked_per_format)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    imgb_buf b = IMGB_BUF_INIT;
    set_param(&p, "criteria_type", "RepoName");
    ck_assert_int_eq(imgb_report_render_fmt(&f->res,
                                        imgb_report_format_lookup("aliyun-baseline-check-result"),
                                        &p, &b), IMGB_EINVAL);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "BaselineNameAlias, BaselineClassAlias"));
    ck_assert_int_eq(imgb_report_render_fmt(&f->res,
                                        imgb_report_format_lookup("aliyun-build-risk-images"),
                                        &p, &b), 0);
    set_param(&p, "criteria_type", "BaselineNameAlias");
    ck_assert_int_eq(imgb_report_render_fmt(&f->res,
                                        imgb_report_format_lookup("aliyun-build-risk-images"),
                                        &p, &b), IMGB_EINVAL);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "RepoNamespace, RepoName"));
    imgb_buf_dispose(&b);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(request_id_is_derived)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    json_t *a = render_json(&f->res, "aliyun-baseline-check-result", &p);
    json_t *b = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_str_eq(json_string_value(json_object_get(a, "RequestId")),
                     json_string_value(json_object_get(b, "RequestId")));
    json_decref(b);
    set_param(&p, "current_page", "2");
    b = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_str_ne(json_string_value(json_object_get(a, "RequestId")),
                     json_string_value(json_object_get(b, "RequestId")));
    json_decref(b);
    f->res.started_ms++;
    imgb_report_params_dispose(&p);
    params_init(&p);
    b = render_json(&f->res, "aliyun-baseline-check-result", &p);
    ck_assert_str_ne(json_string_value(json_object_get(a, "RequestId")),
                     json_string_value(json_object_get(b, "RequestId")));
    json_decref(b);
    json_decref(a);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

/* ---- ignore file ----------------------------------------------------------------------- */

START_TEST(ignore_parse_errors_name_line_and_column)
{
    static const struct { const char *yaml, *msg; } bad[] = {
        { "- id: a\n  reson: typo\n", "test.ignore:2:3: unknown key 'reson'" },
        { "- reason: no id\n", "test.ignore:1:3: entry has no 'id'" },
        { "- id: a\n  expires: 2024-02-30\n", "test.ignore:2:12: expiry date must be" },
        { "- id: a\n  status: fixed\n", "status must be 'ignored' or 'false_positive'" },
        { "ignore: [a: [b\n", "test.ignore:" },
        { "other: 1\n", "may only hold 'ignore'" },
        { "- id: [a, b]\n", "'id' must be a scalar" },
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        imgb_ignore_list *l = (imgb_ignore_list *)1;
        ck_assert_int_eq(imgb_ignore_parse(&l, bad[c].yaml, strlen(bad[c].yaml), "test.ignore"),
                         IMGB_EFORMAT);
        ck_assert_ptr_null(l);
        ck_assert_msg(strstr(imgb_error_last(), bad[c].msg) != NULL, "case %zu: '%s'", c,
                      imgb_error_last());
    }
    imgb_ignore_list *l = ignore_from("");
    ck_assert_uint_eq(l->nentries, 0);
    imgb_ignore_list_free(l);
    l = ignore_from("ignore:\n");
    ck_assert_uint_eq(l->nentries, 0);
    imgb_ignore_list_free(l);
}
END_TEST

START_TEST(ignore_expiry_is_inclusive_and_warned)
{
    fx *f = fixture(FX_STANDARD);
    imgb_ignore_list *ign = ignore_from("- id: ak_leak\n"
                                        "  expires: 2023-11-14\n"
                                        "  reason: key rotated\n");
    ck_assert_str_eq(ign->entries[0].expires, "2023-11-14");
    imgb_report_params p;
    params_init(&p);
    p.ignore = ign;
    p.now_ms = 1699999999000LL; /* 2023-11-14T22:13:19Z: still valid that day */
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_HIGH), 3);
    size_t nw = 0;
    char **w = imgb_report_ignore_lines(&f->res, &p, &nw);
    ck_assert_uint_eq(nw, 0);
    imgb_report_free_lines(w, nw);

    p.now_ms = 1700006400000LL; /* 2023-11-15T00:00:00Z: expired */
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_HIGH), 4);
    w = imgb_report_ignore_lines(&f->res, &p, &nw);
    ck_assert_uint_eq(nw, 1);
    ck_assert_str_eq(w[0], "test.ignore:1: ignore entry for 'ak_leak' expired on 2023-11-14; "
                           "it no longer applies");
    imgb_report_free_lines(w, nw);
    /* the CLI prints these once, on stderr: the table does not repeat them */
    char *table = render(&f->res, "table", &p);
    ck_assert_ptr_null(strstr(table, "expired on 2023-11-14"));
    free(table);
    imgb_report_params_dispose(&p);
    imgb_ignore_list_free(ign);
    fx_free(f);
}
END_TEST

START_TEST(ignore_covers_only_matching_evidence)
{
    fx *f = fixture(FX_STANDARD);
    imgb_report_params p;
    params_init(&p);
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_LOW), 9);
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_MEDIUM), 7);
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_HIGH), 4);

    /* One of two accounts: the item still fails. */
    imgb_ignore_list *ign = ignore_from("- {id: duplicate_uid, account: toor}\n");
    p.ignore = ign;
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_MEDIUM), 7);
    imgb_ignore_list_free(ign);
    /* Both: ignored.  Keys and ids both name items. */
    ign = ignore_from("- {id: duplicate_uid, account: toor}\n"
                      "- {id: account.duplicate_uid, account: admin2}\n");
    p.ignore = ign;
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_MEDIUM), 6);
    imgb_ignore_list_free(ign);
    /* Path globs, layers by index or digest prefix. */
    ign = ignore_from("- {id: ak_leak, path: /usr/other.txt}\n");
    p.ignore = ign;
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_HIGH), 4);
    imgb_ignore_list_free(ign);
    ign = ignore_from("- {id: ak_leak, layer: 'sha256:2222'}\n");
    p.ignore = ign;
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_HIGH), 3);
    imgb_ignore_list_free(ign);
    ign = ignore_from("- {id: ak_leak, layer: 0}\n");
    p.ignore = ign;
    ck_assert_uint_eq(imgb_report_count_findings(&f->res, &p, IMGB_SEV_HIGH), 4);
    imgb_ignore_list_free(ign);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(ignore_load_from_file)
{
    char path[] = "/tmp/imgb-ignore-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *y = "ignore:\n  - id: ssh.x11_forwarding\n    status: false_positive\n";
    ck_assert_int_eq(write(fd, y, strlen(y)), (ssize_t)strlen(y));
    close(fd);
    imgb_ignore_list *l = NULL;
    ck_assert_int_eq(imgb_ignore_load(&l, path), 0);
    ck_assert_uint_eq(l->nentries, 1);
    ck_assert_int_eq(l->entries[0].status, IMGB_STATUS_FALSE_POSITIVE);
    ck_assert_int_eq(l->entries[0].line, 2);
    imgb_ignore_list_free(l);
    unlink(path);
    ck_assert_int_eq(imgb_ignore_load(&l, path), IMGB_ENOTFOUND);
}
END_TEST

/* ---- table ------------------------------------------------------------------------------- */

START_TEST(table_groups_failed_first_and_colours_only_when_asked)
{
    fx *f = fixture(FX_STANDARD);
    imgb_ignore_list *ign = ignore_from("- {id: ssh.permit_root_login, reason: bastion}\n");
    imgb_report_params p;
    params_init(&p);
    p.ignore = ign;
    set_param(&p, "lang", "en");
    /* by default passed and not-applicable items are counted, not listed */
    char *t = render(&f->res, "table", &p);
    ck_assert_ptr_null(strstr(t, "PASS       LOW    ssh.max_auth_tries"));
    ck_assert_ptr_nonnull(strstr(t, "not listed (--show-passed)"));
    ck_assert(strstr(t, "Summary:") && strstr(t, "Summary:") < strstr(t, "== "));
    /* an 80-column terminal: no line is wider, continuation lines are indented */
    for (const char *l = t; *l;) {
        size_t n = strcspn(l, "\n");
        ck_assert_msg(n <= 80, "line wider than 80 columns: %.*s", (int)n, l);
        l += n + (l[n] == '\n');
    }
    free(t);
    p.show_passed = true;
    p.width = -1; /* one logical line per physical line, for the substring checks below */
    t = render(&f->res, "table", &p);
    ck_assert_ptr_null(strchr(t, '\033'));
    const char *ssh = strstr(t, "== CentOS 7 SSH baseline (centos7_ssh)");
    ck_assert_ptr_nonnull(ssh);
    const char *x11 = strstr(ssh, "FAIL       MEDIUM ssh.x11_forwarding");
    const char *root = strstr(ssh, "IGNORED    HIGH   ssh.permit_root_login");
    const char *na = strstr(ssh, "N/A");
    const char *pass = strstr(ssh, "PASS       LOW    ssh.max_auth_tries");
    ck_assert_ptr_nonnull(x11);
    ck_assert_ptr_nonnull(root);
    ck_assert(x11 < root && root < na && na < pass);
    ck_assert_ptr_nonnull(strstr(t, "reason: bastion"));
    ck_assert_ptr_nonnull(strstr(t, "/etc/ssh/sshd_config:30"));
    ck_assert_ptr_nonnull(strstr(t, "removed in layer 2"));
    ck_assert_ptr_nonnull(strstr(t, "Summary: 4 baselines, 13 items: 8 failed (3 high, "
                                    "3 medium, 2 low), 1 ignored, 3 passed, 1 not applicable, "
                                    "0 errors or incomplete"));
    free(t);
    p.color = true;
    t = render(&f->res, "table", &p);
    ck_assert_ptr_nonnull(strstr(t, "\033[1;31mHIGH\033[0m"));
    free(t);
    set_param(&p, "lang", "zh");
    p.color = false;
    t = render(&f->res, "table", &p);
    ck_assert_ptr_nonnull(strstr(t, "汇总: 4 个基线"));
    ck_assert_ptr_nonnull(strstr(t, "未通过"));
    ck_assert_ptr_nonnull(strstr(t, "检查项 ssh.x11_forwarding"));
    free(t);
    imgb_report_params_dispose(&p);
    imgb_ignore_list_free(ign);
    fx_free(f);
}
END_TEST

/* ---- SARIF --------------------------------------------------------------------------------- */

START_TEST(sarif_structure)
{
    fx *f = fixture(FX_STANDARD);
    imgb_ignore_list *ign = ignore_from("- {id: no_user, status: false_positive, reason: ok}\n");
    imgb_report_params p;
    params_init(&p);
    p.ignore = ign;
    set_param(&p, "lang", "en");
    json_t *j = render_json(&f->res, "sarif", &p);
    ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "2.1.0");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "$schema")),
                                 "sarif-schema-2.1.0.json"));
    json_t *run = json_array_get(json_object_get(j, "runs"), 0);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    ck_assert_str_eq(json_string_value(json_object_get(driver, "name")), "imgbaseline");
    json_t *rules = json_object_get(driver, "rules");
    ck_assert_uint_eq(json_array_size(rules), 13); /* one per item */
    json_t *rule0 = json_array_get(rules, 0);
    ck_assert_str_eq(json_string_value(json_object_get(rule0, "id")), "ssh.permit_root_login");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(rule0, "shortDescription"), "text")),
                     "Check ssh.permit_root_login");
    const char *help = json_string_value(json_object_get(json_object_get(rule0, "help"),
                                                         "text"));
    ck_assert_ptr_nonnull(strstr(help, "How to fix"));
    ck_assert_ptr_nonnull(strstr(help, "sshd_disable_root_login"));
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(rule0, "defaultConfiguration"), "level")), "error");

    json_t *results = json_object_get(run, "results");
    /* 2 + (2 + 2 + 1 + 1) + 2 + 1 failing pieces of evidence */
    ck_assert_uint_eq(json_array_size(results), 11);
    size_t i;
    json_t *r;
    int seen_suppressed = 0, seen_root = 0, seen_config = 0;
    json_array_foreach(results, i, r) {
        const char *rule_id = json_string_value(json_object_get(r, "ruleId"));
        json_int_t idx = json_integer_value(json_object_get(r, "ruleIndex"));
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rules, (size_t)idx),
                                                           "id")), rule_id);
        const char *level = json_string_value(json_object_get(r, "level"));
        ck_assert(!strcmp(level, "error") || !strcmp(level, "warning") || !strcmp(level, "note"));
        ck_assert_ptr_nonnull(json_string_value(json_object_get(json_object_get(r, "message"),
                                                                "text")));
        json_t *loc = json_object_get(json_array_get(json_object_get(r, "locations"), 0),
                                      "physicalLocation");
        json_t *art = json_object_get(loc, "artifactLocation");
        ck_assert_ptr_nonnull(json_string_value(json_object_get(art, "uri")));
        if (!strcmp(rule_id, "ssh.permit_root_login")) {
            seen_root++;
            ck_assert_str_eq(level, "error");
            ck_assert_str_eq(json_string_value(json_object_get(art, "uri")),
                             "etc/ssh/sshd_config");
            ck_assert_str_eq(json_string_value(json_object_get(art, "uriBaseId")), "IMAGE_ROOT");
            ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(loc, "region"),
                                                                "startLine")), 12);
        }
        if (!strcmp(rule_id, "build.add")) {
            seen_config++;
            ck_assert_str_eq(level, "note");
            ck_assert_str_eq(json_string_value(json_object_get(art, "uriBaseId")),
                             "IMAGE_CONFIG");
        }
        if (!strcmp(rule_id, "ssh.x11_forwarding"))
            ck_assert_str_eq(level, "warning");
        json_t *sup = json_object_get(r, "suppressions");
        if (sup) {
            seen_suppressed++;
            ck_assert_str_eq(rule_id, "build.no_user");
            ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sup, 0), "kind")),
                             "external");
        }
    }
    ck_assert_int_eq(seen_root, 1);
    ck_assert_int_eq(seen_config, 1);
    ck_assert_int_eq(seen_suppressed, 1);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(run, "originalUriBaseIds"),
                                          "IMAGE_ROOT"));
    json_decref(j);
    imgb_report_params_dispose(&p);
    imgb_ignore_list_free(ign);
    fx_free(f);
}
END_TEST

START_TEST(sarif_uri_is_percent_encoded)
{
    fx *f = fixture(FX_STANDARD);
    f->res.baselines[3].items[0].evidence[0].file = fx_s(f, "/opt/my app/key#1.txt");
    imgb_report_params p;
    params_init(&p);
    char *s = render(&f->res, "sarif", &p);
    ck_assert_ptr_nonnull(strstr(s, "\"opt/my%20app/key%231.txt\""));
    free(s);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

/* A file name in an image must not reach the terminal as an escape sequence. */
START_TEST(table_escapes_control_characters)
{
    fx *f = fixture(FX_STANDARD);
    f->res.baselines[0].items[1].evidence[0].file = fx_s(f, "/etc/\033[2Jevil\rname");
    imgb_report_params p;
    params_init(&p);
    p.color = true;
    char *t = render(&f->res, "table", &p);
    ck_assert_ptr_nonnull(strstr(t, "/etc/\\x1b[2Jevil\\x0dname:30"));
    ck_assert_ptr_null(strstr(t, "\033[2J"));
    ck_assert_ptr_null(strchr(t, '\r'));
    free(t);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

/* Names read from an image need not be UTF-8; jansson would drop such a string. */
START_TEST(sarif_survives_invalid_utf8_from_the_image)
{
    fx *f = fixture(FX_STANDARD);
    imgb_evidence *ev = &f->res.baselines[1].items[0].evidence[0];
    ev->account = fx_s(f, "t\xf6\xf6r");          /* Latin-1 */
    ev->message = fx_s(f, "bad \xc0\xaf overlong"); /* overlong '/' */
    imgb_report_params p;
    params_init(&p);
    json_t *j = render_json(&f->res, "sarif", &p);
    json_t *results = json_object_get(json_array_get(json_object_get(j, "runs"), 0), "results");
    size_t i;
    json_t *r;
    int seen = 0;
    json_array_foreach(results, i, r) {
        json_t *props = json_object_get(r, "properties");
        const char *acc = json_string_value(json_object_get(props, "account"));
        if (acc && !strcmp(acc, "t\xef\xbf\xbd\xef\xbf\xbdr")) {
            seen++;
            const char *msg = json_string_value(json_object_get(json_object_get(r, "message"),
                                                                "text"));
            ck_assert_ptr_nonnull(strstr(msg, "bad \xef\xbf\xbd\xef\xbf\xbd overlong"));
        }
    }
    ck_assert_int_eq(seen, 1);
    json_decref(j);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

START_TEST(every_format_renders_without_a_reference_or_baselines)
{
    fx *f = fixture(FX_NO_REF);
    f->res.nbaselines = 0;
    for (const imgb_report_format *fmt = imgb_report_formats(); fmt->name; fmt++) {
        imgb_report_params p;
        params_init(&p);
        set_param(&p, "image_type", "local");
        char *s = render(&f->res, fmt->name, &p);
        ck_assert_uint_gt(strlen(s), 0);
        free(s);
        imgb_report_params_dispose(&p);
    }
    fx_free(f);
}
END_TEST

/* ---- html ---------------------------------------------------------------------------------- */

/* tests/html_check.py over `path`: HTML5 strict parse, nothing external, `lang`, item ids
 * (`args` adds --id/--forbid options).  Returns its exit status. */
static int html_check(const char *path, const char *lang, const char *args)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    char *cmd = imgb_xasprintf("%s '%s/tests/html_check.py' '%s' --lang %s %s", python(),
                               src ? src : "..", path, lang, args);
    int st = system(cmd);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* html_check() over a rendered document (written to a temporary file for the checker). */
static int html_check_text(const char *html, const char *lang, const char *args)
{
    char dir[] = "/tmp/imgb-html-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = imgb_xasprintf("%s/report.html", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(html, fp);
    fclose(fp);
    int st = html_check(path, lang, args);
    imgbuild_rmtree(dir);
    free(path);
    return st;
}

/* The failed items of the standard fixture (every one must have its own element). */
#define FX_FAILED_IDS                                                                      \
    "--id ssh.permit_root_login --id ssh.x11_forwarding --id account.duplicate_uid "       \
    "--id weak.password --id weak.empty --id policy.pass_max_days --id build.no_user "     \
    "--id build.add --id ak_leak"

/* The part of `html` from the element with id `id` up to the next `until` (NUL-terminated
 * copy, malloc'd). */
static char *html_part(const char *html, const char *id, const char *until)
{
    char *needle = imgb_xasprintf("id=\"%s\"", id);
    const char *a = strstr(html, needle);
    free(needle);
    ck_assert_msg(a != NULL, "no element with id %s", id);
    const char *b = strstr(a + 1, until);
    return imgb_xstrndup(a, b ? (size_t)(b - a) : strlen(a));
}

START_TEST(html_report_in_both_languages)
{
    fx *f = fixture(FX_STANDARD);
    imgb_ignore_list *ign = ignore_from("- {id: weak.password, account: root, "
                                        "reason: 'service account, rotated', expires: 2030-01-31}\n"
                                        "- {id: build.add, reason: vendored tarball, "
                                        "expires: 2030-06-30, status: false_positive}\n");
    for (int en = 0; en < 2; en++) {
        imgb_report_params p;
        params_init(&p);
        p.ignore = ign;
        set_param(&p, "lang", en ? "en" : "zh");
        char *h = render(&f->res, "html", &p);
        ck_assert_int_eq(html_check_text(h, en ? "en" : "zh-CN", FX_FAILED_IDS), 0);
        if (!en) {
            ck_assert_ptr_nonnull(strstr(h, "8 个检查项未通过（高危 4，中危 3，低危 1），涉及 4/4 个基线"));
            ck_assert_ptr_nonnull(strstr(h, "已忽略与误报"));
        } else {
            /* Verdict line and chart: open failures only (build.add is a false positive;
             * weak.password still fails for app). */
            ck_assert_ptr_nonnull(strstr(h, "<strong>FAILED</strong>8 failed items (4 high, "
                                            "3 medium, 1 low) in 4 of 4 baselines"));
            ck_assert_ptr_nonnull(strstr(h, "<strong>2</strong>: 1 high · 1 medium"));
            ck_assert_ptr_nonnull(strstr(h, "<strong>1</strong> medium")); /* build_risk */
            /* Failed first, by severity; passed and n/a folded but present. */
            char *ssh = html_part(h, "bl-centos7_ssh", "</section>");
            const char *root = strstr(ssh, "item-ssh.permit_root_login");
            const char *x11 = strstr(ssh, "item-ssh.x11_forwarding");
            const char *fold = strstr(ssh, "<details><summary>Not applicable items (1)");
            ck_assert(root && x11 && fold && root < x11 && x11 < fold);
            ck_assert_ptr_nonnull(strstr(fold, "<details><summary>Passed items (1)"));
            ck_assert_ptr_nonnull(strstr(fold, "id=\"item-ssh.max_auth_tries\""));
            ck_assert_ptr_nonnull(strstr(ssh, "<code>/etc/ssh/sshd_config:12</code>"));
            ck_assert_ptr_nonnull(strstr(ssh, "PermitRootLogin == no"));
            ck_assert_ptr_nonnull(strstr(ssh, "How to fix")); /* the advice */
            free(ssh);
            /* The false positive: marked, with reason, expiry and the entry. */
            char *add = html_part(h, "item-build.add", "</article>");
            ck_assert_ptr_nonnull(strstr(add, "False positive</span> vendored tarball"));
            ck_assert_ptr_nonnull(strstr(add, "Expires 2030-06-30"));
            ck_assert_ptr_nonnull(strstr(add, "test.ignore:2"));
            ck_assert_ptr_nonnull(strstr(add, "build step #3: <code>ADD app.tar /opt</code>"));
            free(add);
            ck_assert_ptr_nonnull(strstr(h, "class=\"item low ignored\" id=\"item-build.add\""));
            /* The ignored account of a still-failing item is marked on its row. */
            char *wp = html_part(h, "item-weak.password", "</article>");
            ck_assert_ptr_nonnull(strstr(wp, "<tr class=\"ignored\"><td data-label=\"Location\">"
                                             "<code>/etc/shadow:1</code>"));
            ck_assert_ptr_nonnull(strstr(wp, "Ignored</span> service account, rotated"));
            free(wp);
            /* A secret shows masked, with the layer that added it and the one that removed it. */
            char *ak = html_part(h, "item-ak_leak", "</article>");
            ck_assert_ptr_nonnull(strstr(ak, "LTAI4GBEG5zaqX**********"));
            ck_assert_ptr_nonnull(strstr(ak, "removed or replaced in layer 2, still shipped in "
                                             "layer 1"));
            ck_assert_ptr_nonnull(strstr(ak, "sha256:222222222222…"));
            free(ak);
        }
        free(h);
        imgb_report_params_dispose(&p);
    }
    imgb_ignore_list_free(ign);
    fx_free(f);
}
END_TEST

/*
 * Issue 14's attribution on the page: the origin of every evidence and of the item, the fix
 * snippet in a <pre> under the advice, the base boundary; diff mode: + new / = unchanged on
 * items and evidence rows, the counts, and the compared image's fixed findings.
 */
START_TEST(html_attribution_fix_and_diff)
{
    fx *f = fixture(FX_STANDARD);
    f->res.base.layers = 1;
    f->res.base.source = fx_s(f, "--base-layers 1");
    imgb_evidence *root = &f->res.baselines[0].items[0].evidence[0];
    root->origin = IMGB_ORIGIN_OWN;
    root->fix = fx_s(f, "RUN sed -i 's/^PermitRootLogin.*/PermitRootLogin no/' "
                        "/etc/ssh/sshd_config");
    f->res.baselines[0].items[1].evidence[0].origin = IMGB_ORIGIN_BASE;
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "lang", "en");
    char *h = render(&f->res, "html", &p);
    ck_assert_int_eq(html_check_text(h, "en", FX_FAILED_IDS), 0);
    ck_assert_ptr_nonnull(strstr(h, "<dt>Base image</dt><dd>the first layer <span class=\"muted\">"
                                    "(--base-layers 1)</span>"));
    ck_assert_ptr_null(strstr(h, "Compared with"));
    ck_assert_ptr_null(strstr(h, "id=\"fixed\""));
    char *item = html_part(h, "item-ssh.permit_root_login", "</article>");
    ck_assert_ptr_nonnull(strstr(item, "<code class=\"iid\">ssh.permit_root_login</code>"
                                       "<span class=\"org own\">own layer</span>"));
    ck_assert_ptr_nonnull(strstr(item, "<td data-label=\"Layer / build step\"><span class=\"org "
                                       "own\">own layer</span><br>layer 0 "));
    const char *advice = strstr(item, "<dt>Advice</dt>");
    const char *fix = strstr(item, "<dt>Fix (Dockerfile)</dt><dd><pre class=\"fix\"><code>RUN "
                                   "sed -i &#39;s/^PermitRootLogin.*/PermitRootLogin no/&#39; "
                                   "/etc/ssh/sshd_config</code></pre></dd>");
    ck_assert_msg(advice && fix && advice < fix, "no fix snippet under the advice");
    free(item);
    item = html_part(h, "item-ssh.x11_forwarding", "</article>");
    ck_assert_ptr_nonnull(strstr(item, "<span class=\"org base\">base image</span>"));
    ck_assert_ptr_null(strstr(item, "<pre"));
    free(item);
    item = html_part(h, "item-build.no_user", "</article>");
    ck_assert_ptr_nonnull(strstr(item, "<span class=\"org unknown\">origin unknown</span>"));
    free(item);
    free(h);

    /* Against an image where everything passed, every failure is new and nothing fixed. */
    fx *pass = fixture(FX_ALL_PASS), *same = fixture(FX_STANDARD);
    p.diff_old = &pass->res;
    h = render(&f->res, "html", &p);
    ck_assert_int_eq(html_check_text(h, "en", FX_FAILED_IDS), 0);
    ck_assert_ptr_nonnull(strstr(h, "<dt>Compared with</dt><dd>registry.example.com/team/app:1.2"));
    ck_assert_ptr_nonnull(strstr(h, "Against the compared image: 11 new (+), 0 fixed (−), "
                                    "0 unchanged (=) findings."));
    item = html_part(h, "item-ssh.permit_root_login", "</article>");
    const char *mark = strstr(item, "<span class=\"dm new\">+ new</span>");
    ck_assert_msg(mark && strstr(mark + 1, "<span class=\"dm new\">+ new</span> <code>/etc/ssh/"
                                           "sshd_config:12</code>"), "item or row not marked new");
    free(item);
    ck_assert_ptr_nonnull(strstr(h, "<h2>Fixed findings (0)</h2>"));
    free(h);
    /* Against itself: unchanged. */
    p.diff_old = &same->res;
    h = render(&f->res, "html", &p);
    item = html_part(h, "item-weak.password", "</article>");
    ck_assert_ptr_nonnull(strstr(item, "<span class=\"dm unchanged\">= unchanged</span> <code>"
                                       "/etc/shadow:5</code>"));
    ck_assert_ptr_null(strstr(item, "dm new"));
    free(item);
    free(h);
    /* The other way round: every finding fixed, listed on their own page. */
    p.diff_old = &f->res;
    h = render(&pass->res, "html", &p);
    ck_assert_int_eq(html_check_text(h, "en", ""), 0);
    char *fixed = html_part(h, "fixed", "</section>");
    ck_assert_ptr_nonnull(strstr(fixed, "<h2>Fixed findings (11)</h2>"));
    ck_assert_ptr_nonnull(strstr(fixed, "<span class=\"dm fixed\">− fixed</span> Check "
                                        "ssh.permit_root_login"));
    ck_assert_ptr_nonnull(strstr(fixed, "<code>/usr/aksk.txt:1</code>"));
    free(fixed);
    free(h);
    imgb_report_params_dispose(&p);
    fx_free(same);
    fx_free(pass);
    fx_free(f);
}
END_TEST

/* Nothing passes: the verdict says so, and a broken document would fail the checker. */
START_TEST(html_verdict_pass_and_checker_catches_breakage)
{
    fx *f = fixture(FX_ALL_PASS);
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "lang", "en");
    char *h = render(&f->res, "html", &p);
    ck_assert_ptr_nonnull(strstr(h, "<p class=\"verdict pass\" id=\"verdict\"><strong>PASSED"));
    ck_assert_ptr_nonnull(strstr(h, "0 — no failed items"));
    ck_assert_int_eq(html_check_text(h, "en", "--id ssh.permit_root_login"), 0);
    /* The checker is not a rubber stamp: each of these must be refused. */
    static const char *const breakages[][2] = {
        { "</main>", "</div></main>" },                           /* not well-formed */
        { "<footer>", "<footer><img alt=\"\" src=\"https://example.com/t.png\">" },
        { "</style>", ".x{background:url(http://example.com/x)}</style>" },
        { "id=\"item-ssh.banner\"", "id=\"item-ssh.max_auth_tries\"" }, /* duplicate id */
    };
    for (size_t k = 0; k < sizeof breakages / sizeof breakages[0]; k++) {
        const char *at = strstr(h, breakages[k][0]);
        ck_assert_ptr_nonnull(at);
        char *bad = imgb_xasprintf("%.*s%s%s", (int)(at - h), h, breakages[k][1],
                                   at + strlen(breakages[k][0]));
        ck_assert_msg(html_check_text(bad, "en", "") == 1, "breakage %zu accepted", k);
        free(bad);
    }
    ck_assert_int_eq(html_check_text(h, "en", "--forbid 'Check ssh.banner'"), 1);
    ck_assert_int_eq(html_check_text(h, "en", "--id no.such.item"), 1);
    free(h);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

/* A check cut short or an unverified image is never reported as a pass. */
START_TEST(html_incomplete_is_not_a_pass)
{
    fx *f = fixture(FX_ALL_PASS);
    imgb_item_result *wp = &f->res.baselines[1].items[1];
    ck_assert_str_eq(wp->item->id, "weak.password");
    wp->verdict = IMGB_V_INCOMPLETE;
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "lang", "en");
    char *h = render(&f->res, "html", &p);
    ck_assert_ptr_nonnull(strstr(h, "<p class=\"verdict incomplete\" id=\"verdict\"><strong>"
                                    "INCOMPLETE</strong>no failed items in 4 baselines"));
    ck_assert_ptr_nonnull(strstr(h, "items not evaluated (errors or cut short): 1"));
    char *item = html_part(h, "item-weak.password", "</article>");
    ck_assert_ptr_nonnull(strstr(item, "<span class=\"tag err\">INCOMPLETE</span>"));
    free(item);
    ck_assert_ptr_nonnull(strstr(h, "<h3>Errors and incomplete checks (1)</h3>"));
    free(h);
    wp->verdict = IMGB_V_PASS;
    f->img.verified = false;
    h = render(&f->res, "html", &p);
    ck_assert_ptr_nonnull(strstr(h, "<strong>INCOMPLETE</strong>"));
    ck_assert_ptr_nonnull(strstr(h, "digests not verified (--no-verify)"));
    free(h);
    f->img.verified = true;
    h = render(&f->res, "html", &p);
    ck_assert_ptr_nonnull(strstr(h, "<strong>PASSED</strong>"));
    ck_assert_ptr_nonnull(strstr(h, "complete: every applicable item was evaluated"));
    free(h);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

/* Text from the image is text: markup, control characters, invalid UTF-8 and noncharacters
 * cannot break the document or inject anything. */
START_TEST(html_escapes_hostile_text)
{
    fx *f = fixture(FX_STANDARD);
    imgb_evidence *ev = &f->res.baselines[0].items[1].evidence[0];
    ev->file = fx_s(f, "/etc/<script>alert(1)</script>\"'&");
    ev->value = fx_s(f, "\033[31mred\xff\xfe \xef\xb7\x90 \xc2\x85 <img src=https://evil.example/x>");
    ev->account = fx_s(f, "acc\x01ount");
    f->res.baselines[1].items[0].evidence[0].file = fx_s(f, "/etc/pass\xe2\x80\xae" "dwx.sh");
    f->img.refs[0] = fx_s(f, "evil\"}</style><script>alert(2)</script>:1"); /* page footer */
    ((imgb_item *)f->res.baselines[0].items[0].item)->advice.en =
        fx_s(f, "<b onmouseover=x>advice</b>");
    imgb_report_params p;
    params_init(&p);
    set_param(&p, "lang", "en");
    char *h = render(&f->res, "html", &p);
    ck_assert_ptr_null(strstr(h, "<script>alert"));
    ck_assert_ptr_nonnull(strstr(h, "\"evil\\22 \\7d \\3c /style\\3e \\3c script\\3e alert\\28 2\\29 "));
    ck_assert_ptr_null(strstr(h, "<img src=https"));
    ck_assert_ptr_null(strstr(h, "<b onmouseover"));
    ck_assert_ptr_null(strchr(h, '\033'));
    ck_assert_ptr_nonnull(strstr(h, "/etc/&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;:30"));
    ck_assert_ptr_nonnull(strstr(h, "\\x1b[31mred\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd \\x85 &lt;img"));
    ck_assert_ptr_nonnull(strstr(h, "acc\\x01ount"));
    ck_assert_ptr_nonnull(strstr(h, "/etc/pass\\u202edwx.sh:3")); /* no right-to-left trick */
    ck_assert_int_eq(html_check_text(h, "en", "--id ssh.x11_forwarding"), 0);
    free(h);
    imgb_report_params_dispose(&p);
    fx_free(f);
}
END_TEST

/* ---- the CLI as a CI job runs it: real images, exit codes, -o, ignore file --------------- */

#define CLI_TEXTS                                                                          \
    "    title: {zh: \"标题\", en: \"Title\"}\n"                                           \
    "    description: {zh: \"描述\", en: \"Description\"}\n"                               \
    "    advice: {zh: \"建议\", en: \"Advice\"}\n"

/* One baseline whose three items fail when the image holds /flags/<severity>. */
static const char cli_rules[] =
    "baseline:\n"
    "  key: t_ci\n"
    "  class: t_ci_class\n"
    "  alias: {zh: \"持续集成基线\", en: \"CI baseline\"}\n"
    "  class_alias: {zh: \"持续集成\", en: \"CI\"}\n"
    "  standards: [cn_standard, hw_standard]\n"
    "  huawei: {check_name: \"Debian 10\", check_type: \"ci\",\n"
    "           check_type_desc: {zh: \"测试基线\", en: \"Test baseline\"}}\n"
    "items:\n"
    "  - id: t.ci.high\n"
    "    key: t_ci_high\n" CLI_TEXTS
    "    severity: high\n"
    "    bucket: security_check\n"
    "    check: {kind: file_exists, path: /flags/high, exists: false}\n"
    "  - id: t.ci.medium\n"
    "    key: t_ci_medium\n" CLI_TEXTS
    "    severity: medium\n"
    "    bucket: pwd_policy\n"
    "    check: {kind: file_exists, path: /flags/medium, exists: false}\n"
    "  - id: t.ci.low\n"
    "    key: t_ci_low\n" CLI_TEXTS
    "    severity: low\n"
    "    bucket: security_check\n"
    "    check: {kind: file_exists, path: /flags/low, exists: false}\n";

typedef struct cli_fx {
    char *dir;
    char *rules;
    char *out;   /* stdout of the last run */
    char *err;   /* stderr of the last run */
} cli_fx;

static cli_fx *cli_setup(void)
{
    cli_fx *c = imgb_xcalloc(1, sizeof *c);
    c->dir = imgbuild_tmpdir("report-cli");
    c->rules = imgbuild_path(c->dir, "rules");
    imgbuild_sh("mkdir -p '%s'", c->rules);
    char *p = imgbuild_path(c->rules, "ci.yaml");
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(cli_rules, f);
    fclose(f);
    free(p);
    c->out = imgbuild_path(c->dir, "stdout");
    c->err = imgbuild_path(c->dir, "stderr");
    return c;
}

static void cli_teardown(cli_fx *c)
{
    imgbuild_rmtree(c->dir);
    free(c->dir);
    free(c->rules);
    free(c->out);
    free(c->err);
    free(c);
}

/* An image holding /flags/<name> for every name in `flags` (NULL-terminated). */
static char *cli_image(cli_fx *c, const char *name, const char *const *flags)
{
    imgbuild_file files[8];
    size_t n = 0;
    files[n++] = (imgbuild_file){ .path = "etc/", .type = IMGBUILD_DIR };
    files[n++] = (imgbuild_file){ .path = "etc/os-release",
                                  .content = "ID=debian\nVERSION_ID=\"10\"\n" };
    files[n++] = (imgbuild_file){ .path = "flags/", .type = IMGBUILD_DIR };
    char paths[3][32];
    for (size_t i = 0; flags && flags[i] && i < 3; i++) {
        snprintf(paths[i], sizeof paths[i], "flags/%s", flags[i]);
        files[n++] = (imgbuild_file){ .path = paths[i], .content = "x\n" };
    }
    imgbuild_layer layer;
    imgbuild_layer_write(&layer, c->dir, files, n, IMGBUILD_GZIP);
    imgbuild_image img = { .layers = &layer, .nlayers = 1,
                           .ref = "registry.example.com/team/ci-app:2.0" };
    char *out = imgbuild_path(c->dir, name);
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
    imgbuild_layer_dispose(&layer);
    return out;
}

/* Run `imgbaseline scan IMAGE --no-default-rules --rules RULES <args>` in c->dir; stdout and
 * stderr go to c->out / c->err.  Returns the exit status. */
static int cli_scan(cli_fx *c, const char *image, const char *args)
{
    const char *cli = getenv("IMGB_CLI");
    ck_assert_ptr_nonnull(cli);
    int st = imgbuild_sh("cd '%s' && '%s' scan '%s' --no-default-rules --rules '%s' %s "
                         ">'%s' 2>'%s'", c->dir, cli, image, c->rules, args, c->out, c->err);
    return st;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    imgb_buf b = IMGB_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        imgb_buf_put(&b, chunk, n);
    fclose(f);
    return imgb_buf_detach(&b);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = imgbuild_path(dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

START_TEST(cli_exit_code_follows_threshold)
{
    cli_fx *c = cli_setup();
    static const char *const only_medium[] = { "medium", NULL };
    static const char *const all[] = { "high", "medium", "low", NULL };
    char *clean = cli_image(c, "clean.tar", NULL);
    char *medium = cli_image(c, "medium.tar", only_medium);
    char *every = cli_image(c, "every.tar", all);

    /* No threshold: findings never change the status. */
    ck_assert_int_eq(cli_scan(c, every, "--format sarif"), 0);
    /* The threshold decides; N is ours to pick; a clean image exits 0. */
    ck_assert_int_eq(cli_scan(c, every, "--format sarif --exit-code 3 --fail-on high"), 3);
    ck_assert_int_eq(cli_scan(c, medium, "--format sarif --exit-code 3 --fail-on high"), 0);
    ck_assert_int_eq(cli_scan(c, medium, "--format sarif --exit-code 3 --fail-on medium"), 3);
    ck_assert_int_eq(cli_scan(c, medium, "--format table --fail-on low"), 1);
    ck_assert_int_eq(cli_scan(c, clean, "--format table --exit-code 5 --fail-on low"), 0);
    /* --severity is the threshold too; --exit-code alone means any failure. */
    ck_assert_int_eq(cli_scan(c, medium, "--format json --exit-code 4 --severity medium"), 4);
    ck_assert_int_eq(cli_scan(c, medium, "--format json --exit-code 4 --severity high"), 0);
    ck_assert_int_eq(cli_scan(c, medium, "--format json --exit-code 4"), 4);
    ck_assert_int_eq(cli_scan(c, clean, "--format json --exit-code 4"), 0);
    /* Errors are 2, whatever the threshold. */
    ck_assert_int_eq(cli_scan(c, "/nonexistent.tar", "--exit-code 3 --fail-on low"), 2);
    free(clean);
    free(medium);
    free(every);
    cli_teardown(c);
}
END_TEST

START_TEST(cli_ignore_file_and_expiry)
{
    cli_fx *c = cli_setup();
    static const char *const all[] = { "high", "medium", "low", NULL };
    char *every = cli_image(c, "every.tar", all);

    write_file(c->dir, "accept.yaml",
               "ignore:\n"
               "  - id: t.ci.high\n"
               "    path: /flags/high\n"
               "    reason: accepted for the test\n"
               "  - id: t_ci_medium\n"
               "    status: false_positive\n");
    ck_assert_int_eq(cli_scan(c, every, "--format json --fail-on medium --ignore-file accept.yaml"),
                     0);
    ck_assert_int_eq(cli_scan(c, every, "--format json --fail-on low --ignore-file accept.yaml"),
                     1);
    /* The default file in the working directory applies without a flag. */
    write_file(c->dir, ".imgbaselineignore", "- {id: t.ci.high}\n");
    ck_assert_int_eq(cli_scan(c, every, "--format json --fail-on high"), 0);
    /* An expired entry no longer applies, and says so. */
    write_file(c->dir, ".imgbaselineignore", "- {id: t.ci.high, expires: 2020-01-31}\n");
    ck_assert_int_eq(cli_scan(c, every, "--format json --fail-on high"), 1);
    char *err = slurp(c->err);
    ck_assert_ptr_nonnull(strstr(err, "expired on 2020-01-31"));
    free(err);
    /* A broken ignore file is an error, not silence. */
    write_file(c->dir, ".imgbaselineignore", "- {id: t.ci.high, reson: typo}\n");
    ck_assert_int_eq(cli_scan(c, every, "--format json --fail-on high"), 2);
    err = slurp(c->err);
    ck_assert_ptr_nonnull(strstr(err, "unknown key 'reson'"));
    free(err);

    /* Ignored items drive the Alibaba build-risk Status... */
    write_file(c->dir, ".imgbaselineignore", "");
    free(every);
    cli_teardown(c);
}
END_TEST

START_TEST(cli_output_file_is_written_atomically)
{
    cli_fx *c = cli_setup();
    static const char *const high[] = { "high", NULL };
    char *img = cli_image(c, "img.tar", high);
    ck_assert_int_eq(cli_scan(c, img, "--format aliyun-baseline-check-result --lang en "
                                      "-o report.json --quiet"), 0);
    char *out = slurp(c->out);
    ck_assert_str_eq(out, ""); /* nothing on stdout */
    free(out);
    char *path = imgbuild_path(c->dir, "report.json");
    char *text = slurp(path);
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    ck_assert_msg(j != NULL, "%s", jerr.text);
    json_t *row = json_array_get(json_object_get(j, "BaselineResult"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(row, "BaselineNameAlias")), "CI baseline");
    ck_assert_int_eq(json_integer_value(json_object_get(row, "HighRiskItemCount")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(row, "Status")), 0);
    json_decref(j);
    free(text);
    /* No temporary file left next to it; an unwritable target is an error. */
    ck_assert_int_eq(imgbuild_sh("ls -A '%s' | grep -q '^\\.report'", c->dir), 1);
    ck_assert_int_eq(cli_scan(c, img, "--format sarif -o /nonexistent-dir/x.sarif"), 2);
    free(path);
    free(img);
    cli_teardown(c);
}
END_TEST

START_TEST(cli_request_parameters_are_checked)
{
    cli_fx *c = cli_setup();
    char *img = cli_image(c, "img.tar", NULL);
    ck_assert_int_eq(cli_scan(c, img, "--format huawei-risk-configs --image-type local "
                                      "--limit 5"), 2);
    char *err = slurp(c->err);
    ck_assert_ptr_nonnull(strstr(err, "Value range: 10-200"));
    free(err);
    ck_assert_int_eq(cli_scan(c, img, "--format huawei-risk-configs"), 2);
    err = slurp(c->err);
    ck_assert_ptr_nonnull(strstr(err, "image_type"));
    free(err);
    ck_assert_int_eq(cli_scan(c, img, "--format aliyun-baseline-check-result "
                                      "--image-uuid 0123456789abcdef0123"), 2);
    ck_assert_int_eq(cli_scan(c, img, "--format no-such-format"), 2);
    ck_assert_int_eq(cli_scan(c, img, "--format huawei-risk-configs --image-type local "
                                      "--offset 0 --limit 10"), 0);
    char *out = slurp(c->out);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "total_num")), 2); /* 2 standards */
    json_decref(j);
    free(out);
    free(img);
    cli_teardown(c);
}
END_TEST

/* Every format of a real scan, each language: API outputs valid against the schemas. */
START_TEST(cli_real_scan_outputs_validate)
{
    cli_fx *c = cli_setup();
    static const char *const all[] = { "high", "medium", "low", NULL };
    char *every = cli_image(c, "every.tar", all);
    char *clean = cli_image(c, "clean.tar", NULL);
    const char *images[] = { every, clean };
    schema_batch sb;
    batch_init(&sb);
    for (int i = 0; i < 2; i++) {
        for (int f = 0; f < NSCHEMAS; f++) {
            for (int l = 0; l < 2; l++) {
                char *args = imgb_xasprintf("--format %s --lang %s --image-type private_image",
                                            api_formats[f], l ? "en" : "zh");
                ck_assert_int_eq(cli_scan(c, images[i], args), 0);
                free(args);
                char *path = imgb_xasprintf("%s/cli-%d-%d-%d.json", sb.dir, i, f, l);
                ck_assert_int_eq(imgbuild_sh("cp '%s' '%s'", c->out, path), 0);
                imgb_buf_printf(&sb.files[f], " '%s'", path);
                free(path);
            }
        }
    }
    batch_validate(&sb);
    /* The HTML report of the real result, both languages: well-formed, self-contained, every
     * failed item present. */
    for (int l = 0; l < 2; l++) {
        char *args = imgb_xasprintf("--format html --lang %s -o report.html", l ? "en" : "zh");
        ck_assert_int_eq(cli_scan(c, every, args), 0);
        free(args);
        char *path = imgbuild_path(c->dir, "report.html");
        ck_assert_int_eq(html_check(path, l ? "en" : "zh-CN",
                                    "--id t.ci.high --id t.ci.medium --id t.ci.low"), 0);
        free(path);
    }
    /* And the table on the real result. */
    ck_assert_int_eq(cli_scan(c, every, "--format table --lang en"), 0);
    char *out = slurp(c->out);
    ck_assert_ptr_nonnull(strstr(out, "Summary: 1 baselines, 3 items: 3 failed (1 high, "
                                      "1 medium, 1 low)"));
    ck_assert_ptr_null(strchr(out, '\033')); /* not a terminal: no colour */
    free(out);
    free(every);
    free(clean);
    cli_teardown(c);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("schemas");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, schemas_reject_wrong_types);
    tcase_add_test(tc, outputs_validate_against_schemas);
    suite_add_tcase(s, tc);

    tc = tcase_create("aliyun");
    tcase_add_test(tc, check_result_counts_follow_the_fixture);
    tcase_add_test(tc, check_result_language_picks_aliases);
    tcase_add_test(tc, check_result_filters_and_paging);
    tcase_add_test(tc, check_result_ignored_items_leave_the_counts);
    tcase_add_test(tc, check_result_all_pass_is_fixed);
    tcase_add_test(tc, check_result_image_uuid_must_name_the_image);
    tcase_add_test(tc, build_risk_row_comes_from_reference_and_manifest);
    tcase_add_test(tc, build_risk_status_follows_ignore_file);
    tcase_add_test(tc, build_risk_page_past_the_end_is_empty);
    tcase_add_test(tc, image_reference_split);
    suite_add_tcase(s, tc);

    tc = tcase_create("huawei");
    tcase_add_test(tc, huawei_risk_configs_rows_per_standard);
    tcase_add_test(tc, huawei_severity_filter_each_value);
    tcase_add_test(tc, huawei_image_filters);
    tcase_add_test(tc, huawei_statistic_counts);
    tcase_add_test(tc, huawei_image_type_is_required);
    suite_add_tcase(s, tc);

    tc = tcase_create("params");
    tcase_add_test(tc, param_ranges_are_refused_with_the_documented_range);
    tcase_add_test(tc, criteria_type_is_checked_per_format);
    tcase_add_test(tc, request_id_is_derived);
    suite_add_tcase(s, tc);

    tc = tcase_create("ignore");
    tcase_add_test(tc, ignore_parse_errors_name_line_and_column);
    tcase_add_test(tc, ignore_expiry_is_inclusive_and_warned);
    tcase_add_test(tc, ignore_covers_only_matching_evidence);
    tcase_add_test(tc, ignore_load_from_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("human_and_ci");
    tcase_add_test(tc, table_groups_failed_first_and_colours_only_when_asked);
    tcase_add_test(tc, sarif_structure);
    tcase_add_test(tc, sarif_uri_is_percent_encoded);
    tcase_add_test(tc, table_escapes_control_characters);
    tcase_add_test(tc, sarif_survives_invalid_utf8_from_the_image);
    tcase_add_test(tc, every_format_renders_without_a_reference_or_baselines);
    suite_add_tcase(s, tc);

    tc = tcase_create("html");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, html_report_in_both_languages);
    tcase_add_test(tc, html_verdict_pass_and_checker_catches_breakage);
    tcase_add_test(tc, html_attribution_fix_and_diff);
    tcase_add_test(tc, html_escapes_hostile_text);
    tcase_add_test(tc, html_incomplete_is_not_a_pass);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cli_exit_code_follows_threshold);
    tcase_add_test(tc, cli_ignore_file_and_expiry);
    tcase_add_test(tc, cli_output_file_is_written_atomically);
    tcase_add_test(tc, cli_request_parameters_are_checked);
    tcase_add_test(tc, cli_real_scan_outputs_validate);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(report_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
