/*
 * Tests of engine/rules: comparisons (cmp.c), results and the fact cache (result.c).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "imgbuild.h"
#include "rules/loader.h"
#include "rules/rules.h"
#include "util/error.h"
#include "util/mem.h"

/* ---- comparisons ----------------------------------------------------------------------- */

typedef struct cmp_case {
    const char *params; /* JSON */
    const char *value;  /* NULL: absent */
    bool expected;
} cmp_case;

static const cmp_case cmp_cases[] = {
    { "{\"op\":\"eq\",\"value\":\"no\"}", "no", true },
    { "{\"op\":\"eq\",\"value\":\"no\"}", "No", false },
    { "{\"op\":\"eq\",\"value\":\"no\",\"nocase\":true}", "NO", true },
    { "{\"op\":\"eq\",\"value\":\"no\"}", NULL, false },
    { "{\"op\":\"eq\",\"value\":4}", "4", true },
    { "{\"op\":\"eq\",\"value\":true}", "true", true },
    { "{\"op\":\"ne\",\"value\":\"yes\"}", "no", true },
    { "{\"op\":\"ne\",\"value\":\"yes\"}", "yes", false },
    { "{\"op\":\"ne\",\"value\":\"yes\"}", NULL, true },
    { "{\"op\":\"in\",\"values\":[\"INFO\",\"VERBOSE\"]}", "VERBOSE", true },
    { "{\"op\":\"in\",\"values\":[\"INFO\",\"VERBOSE\"]}", "DEBUG", false },
    { "{\"op\":\"in\",\"values\":[\"INFO\",\"VERBOSE\"],\"nocase\":true}", "info", true },
    { "{\"op\":\"in\",\"values\":[\"INFO\"]}", NULL, false },
    { "{\"op\":\"not_in\",\"values\":[\"yes\",\"without-password\"]}", "no", true },
    { "{\"op\":\"not_in\",\"values\":[\"yes\",\"without-password\"]}", "yes", false },
    { "{\"op\":\"not_in\",\"values\":[\"yes\"]}", NULL, true },
    { "{\"op\":\"subset\",\"values\":[\"aes256-ctr\",\"aes128-ctr\"]}", "aes128-ctr,aes256-ctr",
      true },
    { "{\"op\":\"subset\",\"values\":[\"aes256-ctr\",\"aes128-ctr\"]}", "aes128-ctr, 3des-cbc",
      false },
    { "{\"op\":\"subset\",\"values\":\"aes256-ctr aes128-ctr\"}", "aes256-ctr aes128-ctr", true },
    { "{\"op\":\"subset\",\"values\":[\"a\"]}", "", true },
    { "{\"op\":\"subset\",\"values\":[\"a\"]}", NULL, false },
    { "{\"op\":\"le\",\"max\":4}", "4", true },
    { "{\"op\":\"le\",\"max\":4}", "5", false },
    { "{\"op\":\"le\",\"value\":\"4\"}", " 3 ", true },
    { "{\"op\":\"le\",\"max\":4}", "four", false },
    { "{\"op\":\"le\",\"max\":4}", "", false },
    { "{\"op\":\"le\",\"max\":4}", "-1", true },
    { "{\"op\":\"lt\",\"max\":4}", "4", false },
    { "{\"op\":\"lt\",\"value\":4}", "3", true },
    { "{\"op\":\"ge\",\"min\":14}", "14", true },
    { "{\"op\":\"ge\",\"min\":14}", "8", false },
    { "{\"op\":\"ge\",\"min\":14}", "99999999999999999999999", false },
    { "{\"op\":\"gt\",\"min\":0}", "0", false },
    { "{\"op\":\"gt\",\"value\":0}", "1", true },
    { "{\"op\":\"range\",\"min\":1,\"max\":90}", "90", true },
    { "{\"op\":\"range\",\"min\":1,\"max\":90}", "0", false },
    { "{\"op\":\"range\",\"min\":1,\"max\":90}", "99999", false },
    /* octal: login.defs UMASK 027 is 23 decimal */
    { "{\"op\":\"le\",\"max\":\"027\",\"octal\":true}", "022", true },
    { "{\"op\":\"le\",\"max\":\"027\",\"octal\":true}", "077", false },
    { "{\"op\":\"ge\",\"min\":\"027\",\"octal\":true}", "077", true },
    { "{\"op\":\"ge\",\"min\":\"027\",\"octal\":true}", "23", true },
    { "{\"op\":\"ge\",\"min\":\"027\",\"octal\":true}", "089", false },
    { "{\"op\":\"ge\",\"min\":\"027\"}", "77", true },
    { "{\"op\":\"eq\",\"value\":\"027\",\"octal\":true}", "0027", true },
    { "{\"op\":\"eq\",\"value\":\"027\"}", "0027", false },
    { "{\"op\":\"present\"}", "", true },
    { "{\"op\":\"present\"}", NULL, false },
    { "{\"op\":\"absent\"}", NULL, true },
    { "{\"op\":\"absent\"}", "x", false },
};

START_TEST(cmp_table)
{
    const cmp_case *c = &cmp_cases[_i];
    json_error_t jerr;
    json_t *params = json_loads(c->params, 0, &jerr);
    ck_assert_ptr_nonnull(params);
    imgb_cmp cmp;
    ck_assert_int_eq(imgb_cmp_parse(params, &cmp), 0);
    ck_assert_msg(imgb_cmp_eval(&cmp, c->value) == c->expected, "%s on %s%s%s: expected %s",
                  c->params, c->value ? "\"" : "", c->value ? c->value : "(absent)",
                  c->value ? "\"" : "", c->expected ? "true" : "false");
    imgb_cmp_dispose(&cmp);
    json_decref(params);
}
END_TEST

typedef struct cmp_error_case {
    const char *params;
    const char *message;
} cmp_error_case;

static const cmp_error_case cmp_error_cases[] = {
    { "{\"value\":\"no\"}",
      "comparison: missing 'op' (one of eq, ne, in, not_in, subset, le, lt, ge, gt, range, "
      "present, absent)" },
    { "{\"op\":\"equals\",\"value\":\"no\"}",
      "comparison: unknown op 'equals' (expected one of eq, ne, in, not_in, subset, le, lt, ge, "
      "gt, range, present, absent)" },
    { "{\"op\":\"eq\"}", "comparison: op 'eq' needs a scalar 'value'" },
    { "{\"op\":\"in\",\"values\":[]}", "comparison: op 'in' needs a non-empty 'values'" },
    { "{\"op\":\"in\",\"values\":[[1]]}", "comparison: 'values' element 1 is not a scalar" },
    { "{\"op\":\"subset\"}", "comparison: 'values' must be a list" },
    { "{\"op\":\"le\"}", "comparison: 'value' must be an integer" },
    { "{\"op\":\"ge\",\"min\":\"many\"}", "comparison: 'min' must be an integer" },
    { "{\"op\":\"range\",\"min\":5,\"max\":1}", "comparison: range min 5 is above max 1" },
    { "{\"op\":\"eq\",\"value\":\"x\",\"nocase\":\"yes\"}",
      "comparison: 'nocase' must be true or false" },
};

START_TEST(cmp_parse_errors_name_the_problem)
{
    const cmp_error_case *c = &cmp_error_cases[_i];
    json_t *params = json_loads(c->params, 0, NULL);
    ck_assert_ptr_nonnull(params);
    imgb_cmp cmp;
    ck_assert_int_eq(imgb_cmp_parse(params, &cmp), IMGB_EINVAL);
    ck_assert_str_eq(imgb_error_last(), c->message);
    json_decref(params);
}
END_TEST

typedef struct describe_case {
    const char *params;
    const char *text;
} describe_case;

static const describe_case describe_cases[] = {
    { "{\"op\":\"eq\",\"value\":\"no\"}", "PermitRootLogin == no" },
    { "{\"op\":\"ne\",\"value\":\"yes\",\"nocase\":true}",
      "PermitRootLogin != yes (case-insensitive)" },
    { "{\"op\":\"in\",\"values\":[\"INFO\",\"VERBOSE\"]}", "PermitRootLogin in {INFO, VERBOSE}" },
    { "{\"op\":\"not_in\",\"values\":[\"yes\"]}", "PermitRootLogin not in {yes}" },
    { "{\"op\":\"subset\",\"values\":[\"a\",\"b\"]}", "PermitRootLogin subset of {a, b}" },
    { "{\"op\":\"le\",\"max\":4}", "PermitRootLogin <= 4" },
    { "{\"op\":\"lt\",\"max\":4}", "PermitRootLogin < 4" },
    { "{\"op\":\"ge\",\"min\":14}", "PermitRootLogin >= 14" },
    { "{\"op\":\"gt\",\"min\":0}", "PermitRootLogin > 0" },
    { "{\"op\":\"range\",\"min\":1,\"max\":90}", "PermitRootLogin in [1, 90]" },
    { "{\"op\":\"le\",\"max\":\"027\",\"octal\":true}", "PermitRootLogin <= 027" },
    { "{\"op\":\"present\"}", "PermitRootLogin is set" },
    { "{\"op\":\"absent\"}", "PermitRootLogin is not set" },
};

START_TEST(cmp_describe_reads_as_the_condition)
{
    const describe_case *c = &describe_cases[_i];
    json_t *params = json_loads(c->params, 0, NULL);
    imgb_cmp cmp;
    ck_assert_int_eq(imgb_cmp_parse(params, &cmp), 0);
    char *text = imgb_cmp_describe(&cmp, "PermitRootLogin");
    ck_assert_str_eq(text, c->text);
    free(text);
    imgb_cmp_dispose(&cmp);
    json_decref(params);
}
END_TEST

START_TEST(cmp_describe_without_subject)
{
    json_t *params = json_loads("{\"op\":\"ge\",\"min\":8}", 0, NULL);
    imgb_cmp cmp;
    ck_assert_int_eq(imgb_cmp_parse(params, &cmp), 0);
    char *text = imgb_cmp_describe(&cmp, NULL);
    ck_assert_str_eq(text, ">= 8");
    free(text);
    imgb_cmp_dispose(&cmp);
    json_decref(params);
}
END_TEST

/* ---- results and the fact cache --------------------------------------------------------- */

START_TEST(result_evidence_starts_blank_and_grows)
{
    imgb_item_result r = { .verdict = IMGB_V_FAIL };
    for (int i = 0; i < 10; i++) {
        imgb_evidence *ev = imgb_result_add_evidence(&r);
        ck_assert_ptr_null(ev->file);
        ck_assert_int_eq(ev->line, 0);
        ck_assert_int_eq(ev->offset, -1);
        ck_assert_int_eq(ev->layer, -1);
        ck_assert_int_eq(ev->layer_removed, -1);
        ck_assert_int_eq(ev->history_index, -1);
        ck_assert_int_eq(ev->verdict, IMGB_V_FAIL);
        ev->file = strdup("/etc/passwd");
        ev->line = i + 1;
        ev->message = strdup("m");
    }
    ck_assert_uint_eq(r.nevidence, 10);
    ck_assert_int_eq(r.evidence[9].line, 10);
    ck_assert_str_eq(r.evidence[0].file, "/etc/passwd");
    imgb_evidence_clear(&r.evidence[0]);
    ck_assert_ptr_null(r.evidence[0].file);
    ck_assert_int_eq(r.evidence[0].layer, -1);
    imgb_item_result_dispose(&r);
    ck_assert_uint_eq(r.nevidence, 0);
    ck_assert_ptr_null(r.evidence);
}
END_TEST

static int builds;
static int destroys;

static void *cache_build_int(const imgb_scan_ctx *ctx, void *payload)
{
    (void)ctx;
    builds++;
    if (!payload) {
        imgb_error_set(IMGB_EFORMAT, "/etc/passwd:3: expected 7 fields");
        return NULL;
    }
    int *v = malloc(sizeof *v);
    *v = *(int *)payload;
    return v;
}

static void cache_destroy_int(void *obj)
{
    destroys++;
    free(obj);
}

START_TEST(cache_builds_once_per_key)
{
    imgb_scan_ctx ctx = { .cache = imgb_ctx_cache_new() };
    int a = 7, b = 9;
    builds = destroys = 0;
    int *x = imgb_ctx_cache_get(&ctx, "a", cache_build_int, &a, cache_destroy_int);
    int *y = imgb_ctx_cache_get(&ctx, "a", cache_build_int, &b, cache_destroy_int);
    int *z = imgb_ctx_cache_get(&ctx, "b", cache_build_int, &b, cache_destroy_int);
    ck_assert_ptr_eq(x, y);
    ck_assert_int_eq(*x, 7);
    ck_assert_int_eq(*z, 9);
    ck_assert_int_eq(builds, 2);
    imgb_ctx_cache_free(ctx.cache);
    ck_assert_int_eq(destroys, 2);
}
END_TEST

START_TEST(cache_memoises_failure_and_message)
{
    imgb_scan_ctx ctx = { .cache = imgb_ctx_cache_new() };
    builds = destroys = 0;
    ck_assert_ptr_null(imgb_ctx_cache_get(&ctx, "accounts", cache_build_int, NULL,
                                          cache_destroy_int));
    imgb_error_clear();
    ck_assert_ptr_null(imgb_ctx_cache_get(&ctx, "accounts", cache_build_int, NULL,
                                          cache_destroy_int));
    ck_assert_str_eq(imgb_error_last(), "/etc/passwd:3: expected 7 fields");
    ck_assert_int_eq(builds, 1);
    imgb_ctx_cache_free(ctx.cache);
    ck_assert_int_eq(destroys, 0);
}
END_TEST


/* ---- the loader ------------------------------------------------------------------------- */

/* Diagnostics collected as "file:line:col: message" lines, with the directory stripped. */
typedef struct diag_log {
    imgb_buf text;
    const char *strip;
    int errors, warnings;
} diag_log;

static void diag_collect(const imgb_diag *d, void *payload)
{
    diag_log *log = payload;
    imgb_diag copy = *d;
    size_t n = strlen(log->strip);
    if (strncmp(copy.file, log->strip, n) == 0 && copy.file[n] == '/')
        copy.file += n + 1;
    char *line = imgb_diag_format(&copy);
    imgb_buf_printf(&log->text, "%s\n", line);
    free(line);
    if (d->level == IMGB_DIAG_ERROR)
        log->errors++;
    else
        log->warnings++;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = imgbuild_path(dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    imgbuild_sh("mkdir -p '%s'", path);
    *slash = '/';
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

/* Load `dir`; return the diagnostics text (caller frees) and the return code. */
static char *load_diags(const char *dir, int *rc, imgb_ruleset **rs_out)
{
    diag_log log = { IMGB_BUF_INIT, dir, 0, 0 };
    imgb_ruleset *rs = NULL;
    const char *paths[] = { dir };
    *rc = imgb_ruleset_load(&rs, paths, 1, diag_collect, &log);
    if (rs_out)
        *rs_out = rs;
    else
        imgb_ruleset_free(rs);
    return imgb_buf_detach(&log.text);
}

#define BASELINE_HEAD                                                                      \
    "baseline:\n"                                                                          \
    "  key: t_base\n"                                                                      \
    "  class: test\n"                                                                      \
    "  alias: {zh: \"测试\", en: \"Test\"}\n"                                              \
    "  class_alias: {zh: \"测试\", en: \"Test\"}\n"                                        \
    "items:\n"

#define ITEM_TEXTS                                                                         \
    "    title: {zh: \"标题\", en: \"Title\"}\n"                                           \
    "    description: {zh: \"描述\", en: \"Description\"}\n"                               \
    "    advice: {zh: \"建议\", en: \"Advice\"}\n"

START_TEST(loader_bad_yaml_reports_libyaml_mark)
{
    char *dir = imgbuild_tmpdir("rules-badyaml");
    write_file(dir, "a.yaml", "baseline:\n  key: [unclosed\n  class: x\n");
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_str_eq(diags, "a.yaml:3:8: invalid YAML: did not find expected ',' or ']' "
                            "(while parsing a flow sequence)\n");
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(loader_unknown_kind_points_at_kind)
{
    char *dir = imgbuild_tmpdir("rules-unknownkind");
    write_file(dir, "a.yaml", BASELINE_HEAD
               "  - id: t.one\n" ITEM_TEXTS
               "    severity: high\n"
               "    bucket: security_check\n"
               "    check:\n"
               "      kind: no_such_kind\n"
               "      path: /etc/passwd\n");
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_str_eq(diags, "a.yaml:14:13: unknown check kind 'no_such_kind'\n");
    ck_assert_str_eq(imgb_error_last() + strlen(dir) + 1,
                     "a.yaml:14:13: unknown check kind 'no_such_kind'");
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(loader_missing_severity_title_bucket)
{
    char *dir = imgbuild_tmpdir("rules-missing");
    write_file(dir, "a.yaml", BASELINE_HEAD
               "  - id: t.one\n"
               "    description: {zh: \"描述\", en: \"Description\"}\n"
               "    advice: {zh: \"建议\", en: \"Advice\"}\n"
               "    check: {kind: no_such_kind}\n");
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_str_eq(diags,
                     "a.yaml:7:5: item t.one: missing 'title' ({zh: ..., en: ...})\n"
                     "a.yaml:7:5: item t.one: missing 'severity' (low, medium or high)\n"
                     "a.yaml:7:5: item t.one: missing 'bucket' (security_check, pwd_policy or "
                     "image_weak_pwd)\n"
                     "a.yaml:10:19: unknown check kind 'no_such_kind'\n");
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(loader_text_needs_both_languages)
{
    char *dir = imgbuild_tmpdir("rules-lang");
    write_file(dir, "a.yaml",
               "baseline:\n"
               "  key: t_base\n"
               "  class: test\n"
               "  alias: {zh: \"测试\"}\n"
               "  class_alias: {en: \"Test\", fr: \"Essai\"}\n"
               "items: []\n");
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_str_eq(diags,
                     "a.yaml:4:10: baseline: alias: missing 'en'\n"
                     "a.yaml:5:29: baseline: class_alias: unknown key 'fr'\n"
                     "a.yaml:5:16: baseline: class_alias: missing 'zh'\n"
                     "a.yaml:6:8: warning: baseline t_base has no items\n");
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(loader_duplicate_ids_across_files)
{
    char *dir = imgbuild_tmpdir("rules-dup");
    write_file(dir, "a.yaml", BASELINE_HEAD
               "  - id: t.one\n" ITEM_TEXTS
               "    severity: high\n"
               "    bucket: security_check\n"
               "    check: {kind: no_such_kind}\n");
    write_file(dir, "sub/b.yaml",
               "baseline:\n"
               "  key: t_base\n"
               "  class: test\n"
               "  alias: {zh: \"测试\", en: \"Test\"}\n"
               "  class_alias: {zh: \"测试\", en: \"Test\"}\n"
               "items:\n"
               "  - id: t.one\n" ITEM_TEXTS
               "    severity: urgent\n"
               "    bucket: security_check\n"
               "    check: {kind: no_such_kind}\n");
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    char *expect = imgb_xasprintf(
        "a.yaml:13:19: unknown check kind 'no_such_kind'\n"
        "sub/b.yaml:2:8: duplicate baseline key 't_base' (first defined at %s/a.yaml:2)\n"
        "sub/b.yaml:7:9: duplicate item id 't.one' (first defined at %s/a.yaml:7)\n"
        "sub/b.yaml:11:15: item t.one: 'severity' must be low, medium or high\n"
        "sub/b.yaml:13:19: unknown check kind 'no_such_kind'\n",
        dir, dir);
    ck_assert_str_eq(diags, expect);
    ck_assert_str_eq(imgb_error_last() + strlen(dir) + 1,
                     "a.yaml:13:19: unknown check kind 'no_such_kind' (and more problems)");
    free(expect);
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(loader_unknown_keys_and_applies_conflicts)
{
    char *dir = imgbuild_tmpdir("rules-keys");
    write_file(dir, "a.yaml",
               "baseline:\n"
               "  key: t_base\n"
               "  class: test\n"
               "  alias: {zh: \"测试\", en: \"Test\"}\n"
               "  class_alias: {zh: \"测试\", en: \"Test\"}\n"
               "  applies: {generic: true, os: [debian], colour: red}\n"
               "itemz: []\n");
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_str_eq(diags,
                     "a.yaml:7:1: rule file: unknown key 'itemz'\n"
                     "a.yaml:6:42: applies: unknown key 'colour'\n"
                     "a.yaml:6:22: applies: 'generic' and 'os' exclude each other\n"
                     "a.yaml:1:1: rule file: missing 'items'\n");
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(loader_missing_directory_is_enotfound)
{
    imgb_ruleset *rs = (imgb_ruleset *)1;
    const char *paths[] = { "/nonexistent/imgb-rules" };
    ck_assert_int_eq(imgb_ruleset_load(&rs, paths, 1, NULL, NULL), IMGB_ENOTFOUND);
    ck_assert_ptr_null(rs);
    ck_assert_str_eq(imgb_error_last(),
                     "rules: /nonexistent/imgb-rules: No such file or directory");
}
END_TEST

START_TEST(loader_skips_data_dirs_and_loads_dictionary)
{
    char *dir = imgbuild_tmpdir("rules-dict");
    write_file(dir, "dict/passwords.txt", "#!comment: test\n123456\npassword\n123456\n");
    write_file(dir, "secrets/patterns.yaml", "not: [a baseline\n");
    write_file(dir, "a.yaml",
               "baseline:\n"
               "  key: t_empty\n"
               "  class: test\n"
               "  alias: {zh: \"测试\", en: \"Test\"}\n"
               "  class_alias: {zh: \"测试\", en: \"Test\"}\n"
               "  applies: {os: [CentOS, rhel], version: {min: \"7\", max: \"8\"},\n"
               "            requires_package: openssh-server}\n"
               "  standards: [cn_standard, hw_standard]\n"
               "  huawei: {check_name: \"CentOS 7\", check_type: ssh}\n"
               "items: []\n");
    int rc;
    imgb_ruleset *rs;
    char *diags = load_diags(dir, &rc, &rs);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(diags, "a.yaml:10:8: warning: baseline t_empty has no items\n");
    ck_assert_uint_eq(rs->nbaselines, 1);
    const imgb_baseline *b = imgb_ruleset_find_baseline(rs, "t_empty");
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(b->applies.nos_ids, 2);
    ck_assert_str_eq(b->applies.os_ids[0], "centos");
    ck_assert_str_eq(b->applies.version_min, "7");
    ck_assert_str_eq(b->applies.version_max, "8");
    ck_assert_str_eq(b->applies.requires_package, "openssh-server");
    ck_assert(!b->applies.any_os);
    ck_assert(!b->applies.generic);
    ck_assert_uint_eq(b->nstandards, 2);
    ck_assert_str_eq(b->hw_check_name, "CentOS 7");
    ck_assert_uint_eq(rs->ndict_words, 2);
    ck_assert_str_eq(rs->dict_words[0], "123456");
    ck_assert_str_eq(rs->dict_words[1], "password");
    ck_assert_ptr_nonnull(strstr(rs->dict_source, "dict/passwords.txt"));
    imgb_ruleset_free(rs);
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("cmp");
    tcase_add_loop_test(tc, cmp_table, 0, sizeof cmp_cases / sizeof cmp_cases[0]);
    tcase_add_loop_test(tc, cmp_parse_errors_name_the_problem, 0,
                        sizeof cmp_error_cases / sizeof cmp_error_cases[0]);
    tcase_add_loop_test(tc, cmp_describe_reads_as_the_condition, 0,
                        sizeof describe_cases / sizeof describe_cases[0]);
    tcase_add_test(tc, cmp_describe_without_subject);
    suite_add_tcase(s, tc);

    tc = tcase_create("result");
    tcase_add_test(tc, result_evidence_starts_blank_and_grows);
    tcase_add_test(tc, cache_builds_once_per_key);
    tcase_add_test(tc, cache_memoises_failure_and_message);
    suite_add_tcase(s, tc);

    tc = tcase_create("loader");
    tcase_add_test(tc, loader_bad_yaml_reports_libyaml_mark);
    tcase_add_test(tc, loader_unknown_kind_points_at_kind);
    tcase_add_test(tc, loader_missing_severity_title_bucket);
    tcase_add_test(tc, loader_text_needs_both_languages);
    tcase_add_test(tc, loader_duplicate_ids_across_files);
    tcase_add_test(tc, loader_unknown_keys_and_applies_conflicts);
    tcase_add_test(tc, loader_missing_directory_is_enotfound);
    tcase_add_test(tc, loader_skips_data_dirs_and_loads_dictionary);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rules_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
