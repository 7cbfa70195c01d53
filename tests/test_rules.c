/*
 * Tests of engine/rules: comparisons (cmp.c), results and the fact cache (result.c).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <imgbaseline/result.h>
#include <jansson.h>

#include "facts/accounts.h"
#include "imgbuild.h"
#include "checks/weak_password.h"
#include "rules/loader.h"
#include "rules/rules.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/lines.h"
#include "util/mem.h"
#include "util/regex.h"

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

/* 25,000 offenders: 1000 stored, the rest counted, one closing entry with the exact count;
 * an over-long message is cut on a UTF-8 boundary. */
START_TEST(result_evidence_is_capped_with_exact_count)
{
    imgb_item_result r = { .verdict = IMGB_V_FAIL };
    for (int i = 0; i < 25000; i++) {
        imgb_evidence *ev = imgb_result_add_evidence(&r);
        ck_assert_ptr_null(ev->message);
        ev->message = imgb_xasprintf("offender %d", i);
    }
    imgb_result_add_more(&r, 5);
    ck_assert_uint_eq(r.nevidence, IMGB_MAX_EVIDENCE_PER_ITEM);
    ck_assert_str_eq(r.evidence[999].message, "offender 999");
    imgb_buf big = IMGB_BUF_INIT;
    for (int i = 0; i < 3000; i++)
        imgb_buf_puts(&big, "\xc3\xa9"); /* 2-byte character: 6000 bytes */
    imgb_evidence_clear(&r.evidence[0]);
    r.evidence[0].message = imgb_buf_detach(&big);
    imgb_item_result_finish(&r);
    ck_assert_uint_eq(r.nevidence, IMGB_MAX_EVIDENCE_PER_ITEM + 1);
    ck_assert_str_eq(r.evidence[1000].message,
                     "and 24005 more not listed (at most 1000 evidence entries per item)");
    ck_assert_uint_eq(r.nmore, 24005);
    ck_assert_uint_eq(imgb_item_result_evidence_omitted(&r), 24005);
    size_t n = strlen(r.evidence[0].message);
    ck_assert_uint_le(n, IMGB_MAX_EVIDENCE_FIELD);
    ck_assert_str_eq(r.evidence[0].message + n - 5, "\xc3\xa9...");
    imgb_item_result_dispose(&r);
    ck_assert_uint_eq(r.nmore, 0);
}
END_TEST

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

START_TEST(loader_refuses_deep_nesting_early)
{
    char *dir = imgbuild_tmpdir("rules-deep");
    imgb_buf text = IMGB_BUF_INIT;
    imgb_buf_puts(&text, "baseline: ");
    for (int i = 0; i < 100000; i++)
        imgb_buf_putc(&text, '[');
    for (int i = 0; i < 100000; i++)
        imgb_buf_putc(&text, ']');
    imgb_buf_putc(&text, '\n');
    write_file(dir, "deep.yaml", text.ptr);
    imgb_buf_dispose(&text);
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_str_eq(diags, "deep.yaml:1:74: nested deeper than 64 levels\n");
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(loader_alias_expansion_is_bounded)
{
    char *dir = imgbuild_tmpdir("rules-bomb");
    imgb_buf text = IMGB_BUF_INIT;
    imgb_buf_puts(&text, BASELINE_HEAD "  - id: t.one\n" ITEM_TEXTS
                  "    severity: low\n    bucket: security_check\n    check:\n"
                  "      kind: file_exists\n      path: /x\n      exists: true\n"
                  "      bomb:\n        a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 8; i++)
        imgb_buf_printf(&text, "        a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
                        "*a%d, *a%d, *a%d]\n", i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                        i - 1, i - 1, i - 1, i - 1);
    write_file(dir, "bomb.yaml", text.ptr);
    imgb_buf_dispose(&text);
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_str_eq(diags, "bomb.yaml:18:33: check: more than 100000 YAML nodes in this file\n");
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/* Regression: kinds that refuse unknown parameters must accept the loader's `_rules_dir`. */
START_TEST(loader_text_compiles_fact_kinds)
{
    static const char text[] = BASELINE_HEAD
        "  - id: t.pass_max\n" ITEM_TEXTS
        "    severity: low\n    bucket: pwd_policy\n"
        "    check: {kind: login_defs, key: PASS_MAX_DAYS, op: le, max: 90, default: \"99999\"}\n"
        "  - id: t.ciphers\n" ITEM_TEXTS
        "    severity: high\n    bucket: security_check\n"
        "    check: {kind: sshd_option, keyword: Ciphers, op: subset,\n"
        "            values: [aes256-ctr, aes128-ctr]}\n";
    diag_log log = { IMGB_BUF_INIT, "", 0, 0 };
    imgb_ruleset *rs = NULL;
    int rc = imgb_ruleset_load_text(&rs, "mem.yaml", text, strlen(text), diag_collect, &log);
    ck_assert_msg(rc == 0, "%s", log.text.ptr ? log.text.ptr : "");
    ck_assert_uint_eq(rs->baselines[0]->nitems, 2);
    ck_assert_str_eq(rs->baselines[0]->items[0]->kind->name, "login_defs");
    imgb_ruleset_free(rs);
    imgb_buf_dispose(&log.text);

    rc = imgb_ruleset_load_text(&rs, "mem.yaml", "items: [", 8, NULL, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_ptr_null(rs);
    /* positions count LF only: the end of this one-line text is line 1, column 9 */
    ck_assert_str_eq(imgb_error_last(), "mem.yaml:1:9: invalid YAML: did not find expected node "
                                        "content (while parsing a flow node)");
}
END_TEST

START_TEST(loader_warns_about_nested_quantifiers)
{
    static const char text[] = BASELINE_HEAD
        "  - id: t.evil\n" ITEM_TEXTS
        "    severity: low\n    bucket: security_check\n"
        "    check: {kind: file_regex, path: /etc/x, pattern: '^(a+)+$', must: not_match}\n";
    diag_log log = { IMGB_BUF_INIT, "", 0, 0 };
    imgb_ruleset *rs = NULL;
    int rc = imgb_ruleset_load_text(&rs, "mem.yaml", text, strlen(text), diag_collect, &log);
    ck_assert_int_eq(rc, 0); /* a warning: the rule still loads */
    ck_assert_int_eq(log.warnings, 1);
    ck_assert_str_eq(log.text.ptr, "mem.yaml:13:54: warning: pattern: nested quantifier at "
                                   "offset 5 (a repeated group that itself repeats backtracks "
                                   "exponentially; the match limit then makes the item an "
                                   "error)\n");
    imgb_ruleset_free(rs);
    imgb_buf_dispose(&log.text);
}
END_TEST

/* A bare CR is a character, not a line break, in every reported position; a scalar with a
 * newline or an over-long one is printed escaped and cut. */
START_TEST(loader_positions_count_lf_only_and_scalars_are_escaped)
{
    static const char cr_text[] = "baseline: {key: k,\r class: c,\r bogus: 1}\r\n";
    diag_log log = { IMGB_BUF_INIT, "", 0, 0 };
    imgb_ruleset *rs = NULL;
    int rc = imgb_ruleset_load_text(&rs, "cr.yaml", cr_text, strlen(cr_text), diag_collect, &log);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    /* libyaml alone says 3:2 for "bogus" (two CR breaks); an editor shows line 1 */
    ck_assert_ptr_nonnull(strstr(log.text.ptr, "cr.yaml:1:32: baseline: unknown key 'bogus'"));
    ck_assert_ptr_null(strstr(log.text.ptr, "cr.yaml:3:"));
    imgb_buf_dispose(&log.text);

    imgb_buf kind = IMGB_BUF_INIT;
    for (int i = 0; i < 50; i++)
        imgb_buf_puts(&kind, "ab");
    char *text = imgb_xasprintf(BASELINE_HEAD
                                "  - id: t.one\n" ITEM_TEXTS
                                "    severity: high\n"
                                "    bucket: security_check\n"
                                "    check: {kind: \"x\\ny\\u00e9%s\"}\n", kind.ptr);
    log = (diag_log){ IMGB_BUF_INIT, "", 0, 0 };
    rc = imgb_ruleset_load_text(&rs, "k.yaml", text, strlen(text), diag_collect, &log);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_int_eq(log.errors, 1);
    /* one line: the newline escaped, 80 characters of the scalar, then "..." */
    ck_assert_str_eq(log.text.ptr, "k.yaml:13:19: unknown check kind 'x\\ny\xc3\xa9"
                                   "abababababababababababababababababababababababababababababab"
                                   "abababababababab...'\n");
    imgb_buf_dispose(&log.text);
    imgb_buf_dispose(&kind);
    free(text);
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
    const imgb_wp_dictionary *dict = imgb_wp_dict_of(rs);
    ck_assert_ptr_nonnull(dict);
    ck_assert_uint_eq(dict->nwords, 2);
    ck_assert_str_eq(dict->words[0], "123456");
    ck_assert_str_eq(dict->words[1], "password");
    ck_assert_ptr_nonnull(strstr(dict->source, "dict/passwords.txt"));
    imgb_ruleset_free(rs);
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- file kinds ------------------------------------------------------------------------- */

typedef struct vfile {
    const char *path;
    imgb_ftype type;
    uint32_t mode, uid, gid;
    const char *content;
    const char *link;
} vfile;

static const vfile view_files[] = {
    { "etc", IMGB_FT_DIR, 0755, 0, 0, NULL, NULL },
    { "etc/passwd", IMGB_FT_REG, 0644, 0, 0,
      "root:x:0:0:root:/root:/bin/bash\nsshd:x:74:74::/var/empty:/sbin/nologin\n", NULL },
    { "etc/group", IMGB_FT_REG, 0644, 0, 0, "root:x:0:\nshadow:x:42:\nsshd:x:74:\n", NULL },
    { "etc/shadow", IMGB_FT_REG, 0640, 0, 42, "root:*:19000:0:99999:7:::\n", NULL },
    { "etc/gshadow", IMGB_FT_REG, 0644, 0, 0, "root:*::\n", NULL },
    { "etc/ssh", IMGB_FT_DIR, 0755, 0, 0, NULL, NULL },
    { "etc/ssh/sshd_config", IMGB_FT_REG, 0644, 0, 0,
      "# comment\nPort 22\nPermitRootLogin yes\n#PermitEmptyPasswords no\n", NULL },
    { "etc/ssh/sshd_config.d", IMGB_FT_DIR, 0755, 0, 0, NULL, NULL },
    { "etc/ssh/sshd_config.d/10-a.conf", IMGB_FT_REG, 0600, 0, 0, "X11Forwarding no\n", NULL },
    { "etc/ssh/sshd_config.d/20-b.conf", IMGB_FT_REG, 0666, 0, 0, "MaxAuthTries 4\n", NULL },
    { "etc/motd", IMGB_FT_SYMLINK, 0777, 0, 0, NULL, "../usr/share/motd" },
    { "usr", IMGB_FT_DIR, 0755, 0, 0, NULL, NULL },
    { "usr/share", IMGB_FT_DIR, 0755, 0, 0, NULL, NULL },
    { "usr/share/motd", IMGB_FT_REG, 0600, 0, 0, "hello\n", NULL },
    { "usr/bin", IMGB_FT_DIR, 0755, 0, 0, NULL, NULL },
    { "usr/bin/su", IMGB_FT_REG, 04755, 0, 0, "", NULL },
    { "usr/bin/wall", IMGB_FT_REG, 02755, 0, 5, "", NULL },
    { "tmp", IMGB_FT_DIR, 01777, 0, 0, NULL, NULL },
    { "tmp/open", IMGB_FT_REG, 0666, 0, 0, "", NULL },
    { "opt", IMGB_FT_DIR, 0777, 1234, 0, NULL, NULL },
    { "opt/app", IMGB_FT_REG, 0644, 1234, 4321, "", NULL },
    { "proc", IMGB_FT_DIR, 0555, 0, 0, NULL, NULL },
    { "proc/x", IMGB_FT_REG, 0666, 0, 0, "", NULL },
};

typedef struct kind_env {
    imgb_view *view;
    imgb_scan_ctx ctx;
} kind_env;

static void kind_env_init(kind_env *env, size_t nfiles)
{
    memset(env, 0, sizeof *env);
    env->view = imgb_view_new(NULL);
    imgb_accounts_register_keeps(env->view);
    imgb_view_keep(env->view, "/etc/ssh/**");
    imgb_view_keep(env->view, "/usr/share/motd");
    for (size_t i = 0; i < nfiles; i++) {
        const vfile *f = &view_files[i];
        imgb_entry e = { .path = f->path, .type = f->type, .mode = f->mode, .uid = f->uid,
                         .gid = f->gid, .mtime = 1700000000, .link_target = f->link };
        if (f->content && imgb_view_wants(env->view, f->path)) {
            e.content = (const unsigned char *)f->content;
            e.content_len = strlen(f->content);
        }
        e.size = f->content ? strlen(f->content) : 0;
        ck_assert_int_eq(imgb_view_apply(env->view, 0, &e), 0);
    }
    env->ctx.view = env->view;
    env->ctx.cache = imgb_ctx_cache_new();
    env->ctx.now = 1700000000;
}

static void kind_env_dispose(kind_env *env)
{
    imgb_ctx_cache_free(env->ctx.cache);
    imgb_view_free(env->view);
}

/* Compile `params` with `kind`, evaluate, return the verdict; evidence left in `r`. */
static imgb_verdict run_kind(kind_env *env, const char *kind, const char *params,
                             imgb_item_result *r)
{
    const imgb_check_kind *k = imgb_check_kind_find(kind);
    ck_assert_ptr_nonnull(k);
    json_error_t jerr;
    json_t *p = json_loads(params, 0, &jerr);
    ck_assert_msg(p != NULL, "bad test JSON: %s", jerr.text);
    void *compiled = NULL;
    ck_assert_msg(k->compile(p, &compiled) == 0, "%s: %s", params, imgb_error_last());
    memset(r, 0, sizeof *r);
    r->verdict = IMGB_V_ERROR;
    ck_assert_int_eq(k->evaluate(compiled, &env->ctx, NULL, r), 0);
    k->free(compiled);
    json_decref(p);
    return r->verdict;
}

#define NFILES (sizeof view_files / sizeof view_files[0])

START_TEST(kind_file_meta_mode_owner_group)
{
    kind_env env;
    imgb_item_result r;
    kind_env_init(&env, NFILES);
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/shadow\",\"mode_max\":\"0640\",\"owner\":\"root\","
                              "\"group\":[\"root\",\"shadow\"]}", &r), IMGB_V_PASS);
    ck_assert_str_eq(r.evidence[0].file, "/etc/shadow");
    ck_assert_str_eq(r.evidence[0].value, "file 0640 root(0):shadow(42)");
    ck_assert_str_eq(r.evidence[0].expected, "mode <= 0640, owner root, group root|shadow");
    imgb_item_result_dispose(&r);

    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/shadow\",\"mode_max\":\"0000\",\"group\":\"root\"}",
                              &r), IMGB_V_FAIL);
    ck_assert_str_eq(r.evidence[0].message, "mode 0640 has bits outside 0000; group gid 42 is "
                                            "not root");
    imgb_item_result_dispose(&r);

    /* a group name the image does not know can never match */
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/passwd\",\"group\":\"wheel\"}", &r), IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

START_TEST(kind_file_meta_glob_and_symlink)
{
    kind_env env;
    imgb_item_result r;
    kind_env_init(&env, NFILES);
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/ssh/sshd_config.d/*.conf\",\"mode_max\":\"0644\"}",
                              &r), IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 2);
    ck_assert_int_eq(r.evidence[0].verdict, IMGB_V_PASS);
    ck_assert_str_eq(r.evidence[1].file, "/etc/ssh/sshd_config.d/20-b.conf");
    ck_assert_int_eq(r.evidence[1].verdict, IMGB_V_FAIL);
    imgb_item_result_dispose(&r);

    /* symlinks are followed: /etc/motd -> /usr/share/motd (0600) */
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/motd\",\"mode_max\":\"0644\"}", &r), IMGB_V_PASS);
    ck_assert_str_eq(r.evidence[0].source, "symlink to /usr/share/motd");
    imgb_item_result_dispose(&r);
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/motd\",\"type\":\"file\",\"follow\":false}", &r),
                     IMGB_V_FAIL);
    ck_assert_str_eq(r.evidence[0].message, "is a symlink");
    imgb_item_result_dispose(&r);

    /* absent: not_applicable by default, or as `missing` says */
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/nothing\",\"mode_max\":\"0644\"}", &r),
                     IMGB_V_NOT_APPLICABLE);
    ck_assert_str_eq(r.evidence[0].message, "/etc/nothing does not exist");
    imgb_item_result_dispose(&r);
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/nothing\",\"mode_max\":\"0644\","
                              "\"missing\":\"fail\"}", &r), IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

START_TEST(kind_file_meta_walks)
{
    kind_env env;
    imgb_item_result r;
    kind_env_init(&env, NFILES);
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"world_writable\":false,\"exclude\":[\"/proc/**\"]}", &r),
                     IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 3);
    ck_assert_str_eq(r.evidence[0].file, "/etc/ssh/sshd_config.d/20-b.conf");
    ck_assert_str_eq(r.evidence[1].file, "/opt");
    ck_assert_str_eq(r.evidence[1].message, "world-writable directory without the sticky bit");
    ck_assert_str_eq(r.evidence[2].file, "/tmp/open"); /* /tmp itself has the sticky bit */
    imgb_item_result_dispose(&r);

    ck_assert_int_eq(run_kind(&env, "file_meta", "{\"unowned\":false}", &r), IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 3);
    ck_assert_str_eq(r.evidence[0].file, "/opt");
    ck_assert_str_eq(r.evidence[0].message, "uid 1234 has no account in /etc/passwd");
    ck_assert_str_eq(r.evidence[1].file, "/opt/app");
    ck_assert_str_eq(r.evidence[1].message, "uid 1234 and gid 4321 have no account or group");
    ck_assert_str_eq(r.evidence[2].file, "/usr/bin/wall");
    ck_assert_str_eq(r.evidence[2].message, "gid 5 has no group in /etc/group");
    imgb_item_result_dispose(&r);

    ck_assert_int_eq(run_kind(&env, "file_meta", "{\"setuid\":false,\"under\":\"/usr\"}", &r),
                     IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 2);
    ck_assert_str_eq(r.evidence[0].message, "setuid file");
    ck_assert_str_eq(r.evidence[1].message, "setgid file");
    imgb_item_result_dispose(&r);

    ck_assert_int_eq(run_kind(&env, "file_meta", "{\"setuid\":false,\"under\":\"/etc\"}", &r),
                     IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

START_TEST(kind_file_meta_unowned_without_passwd_is_error)
{
    kind_env env;
    imgb_item_result r;
    kind_env_init(&env, 1); /* only /etc */
    ck_assert_int_eq(run_kind(&env, "file_meta", "{\"unowned\":false}", &r), IMGB_V_ERROR);
    ck_assert_str_eq(r.evidence[0].file, "/etc/passwd");
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

START_TEST(kind_file_regex_match_and_not_match)
{
    kind_env env;
    imgb_item_result r;
    kind_env_init(&env, NFILES);
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/ssh/sshd_config\","
                              "\"pattern\":\"^\\\\s*PermitRootLogin\\\\s+yes\","
                              "\"must\":\"not_match\"}", &r), IMGB_V_FAIL);
    ck_assert_uint_eq(r.nevidence, 1);
    ck_assert_int_eq(r.evidence[0].line, 3);
    ck_assert_str_eq(r.evidence[0].value, "PermitRootLogin yes");
    imgb_item_result_dispose(&r);

    /* commented lines do not match an anchored pattern */
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/ssh/sshd_config\","
                              "\"pattern\":\"^PermitEmptyPasswords\",\"must\":\"match\"}", &r),
                     IMGB_V_FAIL);
    ck_assert_str_eq(r.evidence[0].message, "no line matches in 1 file");
    imgb_item_result_dispose(&r);

    /* several files are one text: one hit anywhere is a match */
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/ssh/sshd_config.d/*.conf\","
                              "\"pattern\":\"^MaxAuthTries [1-4]$\",\"must\":\"match\"}", &r),
                     IMGB_V_PASS);
    ck_assert_str_eq(r.evidence[0].file, "/etc/ssh/sshd_config.d/20-b.conf");
    ck_assert_int_eq(r.evidence[0].line, 1);
    imgb_item_result_dispose(&r);

    /* a list of globs is one text too; a glob naming nothing adds nothing */
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":[\"/etc/none\",\"/etc/ssh/sshd_config.d/*.conf\"],"
                              "\"pattern\":\"^MaxAuthTries [1-4]$\",\"must\":\"match\"}", &r),
                     IMGB_V_PASS);
    ck_assert_str_eq(r.evidence[0].file, "/etc/ssh/sshd_config.d/20-b.conf");
    imgb_item_result_dispose(&r);
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":[\"/etc/none\",\"/etc/nothing*\"],\"pattern\":\"x\","
                              "\"must\":\"match\"}", &r), IMGB_V_FAIL);
    ck_assert_str_eq(r.evidence[0].message, "/etc/none or /etc/nothing* does not exist");
    imgb_item_result_dispose(&r);
    {
        json_t *p = json_loads("{\"path\":[\"/etc/x\",\"etc/y\"],\"pattern\":\"x\","
                               "\"must\":\"match\"}", 0, NULL);
        void *compiled = NULL;
        ck_assert_int_lt(imgb_check_kind_find("file_regex")->compile(p, &compiled), 0);
        ck_assert_str_eq(imgb_error_last(), "path: must be an absolute path or glob");
        json_decref(p);
    }

    /* a missing file: must match fails, must not match passes, unless `missing` says */
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/none\",\"pattern\":\"x\",\"must\":\"match\"}", &r),
                     IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/none\",\"pattern\":\"x\",\"must\":\"not_match\"}",
                              &r), IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/none\",\"pattern\":\"x\",\"must\":\"match\","
                              "\"missing\":\"not_applicable\"}", &r), IMGB_V_NOT_APPLICABLE);
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

START_TEST(kind_file_regex_content_not_kept_is_error)
{
    kind_env env;
    imgb_item_result r;
    kind_env_init(&env, NFILES);
    /* /opt/app was not registered for keeping: its content is unknown */
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/opt/app\",\"pattern\":\"x\",\"must\":\"not_match\"}",
                              &r), IMGB_V_ERROR);
    ck_assert_str_eq(r.evidence[0].file, "/opt/app");
    ck_assert_int_eq(r.evidence[0].verdict, IMGB_V_ERROR);
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

/* A view of `n` (path, content) regular files under a kept /etc/ssh, plus /etc/passwd kept
 * only when `passwd_kept`. */
static void small_env_init(kind_env *env, const char *const (*files)[2], size_t n,
                           bool passwd_kept)
{
    memset(env, 0, sizeof *env);
    env->view = imgb_view_new(NULL);
    imgb_view_keep(env->view, "/etc/ssh/**");
    if (passwd_kept)
        imgb_accounts_register_keeps(env->view);
    imgb_entry dirs[] = { { .path = "etc", .type = IMGB_FT_DIR, .mode = 0755 },
                          { .path = "etc/ssh", .type = IMGB_FT_DIR, .mode = 0755 } };
    for (size_t i = 0; i < 2; i++)
        ck_assert_int_eq(imgb_view_apply(env->view, 0, &dirs[i]), 0);
    for (size_t i = 0; i < n; i++) {
        imgb_entry e = { .path = files[i][0], .type = IMGB_FT_REG, .mode = 0644,
                         .size = strlen(files[i][1]) };
        if (imgb_view_wants(env->view, files[i][0])) {
            e.content = (const unsigned char *)files[i][1];
            e.content_len = strlen(files[i][1]);
        }
        ck_assert_int_eq(imgb_view_apply(env->view, 0, &e), 0);
    }
    env->ctx.view = env->view;
    env->ctx.cache = imgb_ctx_cache_new();
}

#define EVIL_LINE "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n"

/* (a+)+$ on 40 a's and a b hits the match limit: an error naming pattern, file and line,
 * never "no match"; a later line that matches still fails a not_match item. */
START_TEST(kind_file_regex_engine_error_is_an_error)
{
    static const char *const files[][2] = { { "etc/ssh/one", EVIL_LINE },
                                            { "etc/ssh/two", EVIL_LINE "aaa\n" } };
    kind_env env;
    imgb_item_result r;
    small_env_init(&env, files, 2, true);
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/ssh/one\",\"pattern\":\"^(a+)+$\","
                              "\"must\":\"not_match\"}", &r), IMGB_V_ERROR);
    ck_assert_uint_eq(r.nevidence, 1);
    ck_assert_int_eq(r.evidence[0].verdict, IMGB_V_ERROR);
    ck_assert_int_eq(r.evidence[0].line, 1);
    ck_assert_str_eq(r.evidence[0].message, "pattern /^(a+)+$/ could not be matched from "
                                            "/etc/ssh/one:1 on: match limit exceeded");
    imgb_item_result_dispose(&r);
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/ssh/two\",\"pattern\":\"^(a+)+$\","
                              "\"must\":\"not_match\"}", &r), IMGB_V_FAIL);
    ck_assert_int_eq(r.evidence[0].verdict, IMGB_V_ERROR);
    ck_assert_int_eq(r.evidence[1].verdict, IMGB_V_FAIL);
    ck_assert_int_eq(r.evidence[1].line, 2);
    imgb_item_result_dispose(&r);
    /* must: match with no hit and an error: not a fail either, an error */
    ck_assert_int_eq(run_kind(&env, "file_regex",
                              "{\"path\":\"/etc/ssh/one\",\"pattern\":\"^(a+)+$\","
                              "\"must\":\"match\"}", &r), IMGB_V_ERROR);
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

/* Owner "root" with /etc/passwd present but not readable: unknown, not "uid 0 is not root". */
START_TEST(kind_file_meta_unreadable_passwd_is_an_error)
{
    static const char *const files[][2] = { { "etc/passwd", "root:x:0:0::/root:/bin/sh\n" },
                                            { "etc/ssh/sshd_config", "Port 22\n" } };
    kind_env env;
    imgb_item_result r;
    small_env_init(&env, files, 2, false);
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/ssh/sshd_config\",\"owner\":\"root\"}", &r),
                     IMGB_V_ERROR);
    ck_assert_ptr_nonnull(strstr(r.evidence[0].message, "owner 'root' cannot be resolved: "));
    ck_assert_ptr_null(strstr(r.evidence[0].message, "is not root"));
    imgb_item_result_dispose(&r);
    /* a numeric owner needs no passwd */
    ck_assert_int_eq(run_kind(&env, "file_meta",
                              "{\"path\":\"/etc/ssh/sshd_config\",\"owner\":\"0\"}", &r),
                     IMGB_V_PASS);
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

/* The line iterator: LF only (a CR stays in the line), the last line may lack its LF. */
START_TEST(lines_split_at_lf_only)
{
    static const char text[] = "a\r\nb\rc\n\nlast";
    imgb_lines it;
    const char *p;
    size_t n;
    imgb_lines_init(&it, text, strlen(text));
    ck_assert(imgb_lines_next(&it, &p, &n));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(memcmp(p, "a\r", 2), 0);
    ck_assert(it.terminated);
    ck_assert(imgb_lines_next(&it, &p, &n));
    ck_assert_uint_eq(n, 3); /* "b\rc": a bare CR is a character */
    ck_assert(imgb_lines_next(&it, &p, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(imgb_lines_next(&it, &p, &n));
    ck_assert_int_eq(it.number, 4);
    ck_assert_uint_eq(n, 4);
    ck_assert(!it.terminated);
    ck_assert(!imgb_lines_next(&it, &p, &n));
    imgb_lines_init(&it, text, 0);
    ck_assert(!imgb_lines_next(&it, &p, &n));
    ck_assert_int_eq(it.number, 0);
}
END_TEST

START_TEST(regex_nested_quantifier_lint)
{
    static const char *const bad[] = { "(a+)+$", "^(\\w+\\s?)*$", "(a|b*){2,}", "((ab)*c?)+",
                                       "(?:x*)*", "(a?a+)+" };
    static const char *const good[] = { "^ADD\\s+(?:--(?!checksum)\\S+\\s+)*https?://",
                                        "(ab)+", "a+b*", "(a{2})+", "[(a+)+]", "\\(a+\\)+",
                                        "(?:[^,\\n]*,)*?x", "\\Q(a+)+\\E", "(a+){1}" };
    size_t at = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(imgb_regex_nested_quantifier(bad[i], &at), "missed %s", bad[i]);
    ck_assert(imgb_regex_nested_quantifier("x(a+)+", &at));
    ck_assert_uint_eq(at, 5);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        ck_assert_msg(!imgb_regex_nested_quantifier(good[i], &at), "flagged %s", good[i]);
    /* unbalanced or truncated input never reads past the end */
    ck_assert(!imgb_regex_nested_quantifier("((((\\", &at));
    ck_assert(!imgb_regex_nested_quantifier("[a", &at));
}
END_TEST

START_TEST(kind_file_exists_both_ways)
{
    kind_env env;
    imgb_item_result r;
    kind_env_init(&env, NFILES);
    ck_assert_int_eq(run_kind(&env, "file_exists", "{\"path\":\"/etc/ssh/*\",\"exists\":true}",
                              &r), IMGB_V_PASS);
    ck_assert_uint_eq(r.nevidence, 2);
    imgb_item_result_dispose(&r);
    ck_assert_int_eq(run_kind(&env, "file_exists",
                              "{\"path\":\"/etc/hosts.equiv\",\"exists\":false}", &r),
                     IMGB_V_PASS);
    ck_assert_str_eq(r.evidence[0].message, "/etc/hosts.equiv does not exist");
    imgb_item_result_dispose(&r);
    ck_assert_int_eq(run_kind(&env, "file_exists", "{\"path\":\"/tmp/open\",\"exists\":false}",
                              &r), IMGB_V_FAIL);
    imgb_item_result_dispose(&r);
    /* several globs: any of them */
    ck_assert_int_eq(run_kind(&env, "file_exists",
                              "{\"path\":[\"/root/.rhosts\",\"/opt/*\"],\"exists\":false}",
                              &r), IMGB_V_FAIL);
    ck_assert_str_eq(r.evidence[0].file, "/opt/app");
    ck_assert_str_eq(r.evidence[0].expected, "/root/.rhosts or /opt/* does not exist");
    imgb_item_result_dispose(&r);
    kind_env_dispose(&env);
}
END_TEST

typedef struct kind_error_case {
    const char *kind;
    const char *params;
    const char *message;
} kind_error_case;

static const kind_error_case kind_error_cases[] = {
    { "file_regex", "{\"path\":\"/etc/x\",\"pattern\":\"a(b\",\"must\":\"match\"}",
      "pattern: invalid PCRE2 at offset 3: missing closing parenthesis" },
    { "file_regex", "{\"path\":\"/etc/x\",\"pattern\":\"a\",\"must\":\"maybe\"}",
      "must: must be match or not_match" },
    { "file_regex", "{\"path\":\"etc/x\",\"pattern\":\"a\",\"must\":\"match\"}",
      "path: must be an absolute path or glob" },
    { "file_meta", "{\"path\":\"/etc/x\",\"mode_max\":\"0999\"}",
      "mode_max: expected an octal mode such as \"0644\"" },
    { "file_meta", "{\"path\":\"/etc/x\"}",
      "file_meta: nothing to check (mode_max, owner, group, type, or a walk)" },
    { "file_meta", "{\"world_writable\":false,\"unowned\":false}",
      "file_meta: use one of world_writable: false, unowned: false or setuid: false" },
    { "file_meta", "{\"path\":\"/etc/x\",\"type\":\"door\"}",
      "type: must be file, dir, symlink, char, block, fifo or socket" },
    { "file_exists", "{\"path\":\"/etc/x\"}", "exists: missing (true or false)" },
};

START_TEST(kind_file_compile_errors)
{
    const kind_error_case *c = &kind_error_cases[_i];
    const imgb_check_kind *k = imgb_check_kind_find(c->kind);
    json_t *p = json_loads(c->params, 0, NULL);
    void *compiled = NULL;
    ck_assert_int_lt(k->compile(p, &compiled), 0);
    ck_assert_ptr_null(compiled);
    ck_assert_str_eq(imgb_error_last(), c->message);
    json_decref(p);
}
END_TEST

START_TEST(loader_pcre2_error_points_at_pattern)
{
    char *dir = imgbuild_tmpdir("rules-pcre");
    write_file(dir, "a.yaml", BASELINE_HEAD
               "  - id: t.one\n" ITEM_TEXTS
               "    severity: low\n"
               "    bucket: security_check\n"
               "    check:\n"
               "      kind: file_regex\n"
               "      path: /etc/ssh/sshd_config\n"
               "      pattern: '^Protocol\\s+(1'\n"
               "      must: not_match\n");
    int rc;
    char *diags = load_diags(dir, &rc, NULL);
    ck_assert_int_eq(rc, IMGB_EFORMAT);
    ck_assert_str_eq(diags, "a.yaml:16:16: file_regex: pattern: invalid PCRE2 at offset 14: "
                            "missing closing parenthesis\n");
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(loader_check_params_become_json)
{
    char *dir = imgbuild_tmpdir("rules-json");
    write_file(dir, "a.yaml", BASELINE_HEAD
               "  - id: t.one\n" ITEM_TEXTS
               "    severity: medium\n"
               "    bucket: pwd_policy\n"
               "    references: {cis: \"5.2.1\", ssg: file_permissions_sshd_config}\n"
               "    check:\n"
               "      kind: file_meta\n"
               "      path: /etc/ssh/sshd_config\n"
               "      mode_max: 0600\n"
               "      owner: root\n"
               "      group: [root, 0]\n"
               "      follow: true\n");
    int rc;
    imgb_ruleset *rs;
    char *diags = load_diags(dir, &rc, &rs);
    ck_assert_str_eq(diags, "");
    ck_assert_int_eq(rc, 0);
    const imgb_baseline *b;
    const imgb_item *it = imgb_ruleset_find_item(rs, "t.one", &b);
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(b->key, "t_base");
    ck_assert(b->applies.any_os);
    ck_assert_str_eq(it->key, "one");
    ck_assert_int_eq(it->severity, IMGB_SEV_MEDIUM);
    ck_assert_int_eq(it->bucket, IMGB_BUCKET_PWD_POLICY);
    ck_assert_int_eq(it->line, 7);
    ck_assert_str_eq(it->title.zh, "标题");
    ck_assert_str_eq(json_string_value(json_object_get(it->references, "cis")), "5.2.1");
    ck_assert_ptr_eq(it->kind, imgb_check_kind_find("file_meta"));
    ck_assert_str_eq(json_string_value(json_object_get(it->params, "mode_max")), "0600");
    ck_assert(json_is_true(json_object_get(it->params, "follow")));
    json_t *groups = json_object_get(it->params, "group");
    ck_assert_int_eq(json_integer_value(json_array_get(groups, 1)), 0);
    ck_assert_str_eq(json_string_value(json_object_get(it->params, "_rules_dir")), dir);
    ck_assert_ptr_nonnull(it->compiled);
    imgb_ruleset_free(rs);
    free(diags);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * The registry: every registered kind refuses a misspelt parameter at its position.  The
 * example of each kind is a real item of the shipped rules (so a kind without one fails
 * here), written back as a flow mapping; the same text without the typo must load.
 */
static char *registry_item_text(const char *check_json, const char *extra)
{
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, BASELINE_HEAD "  - id: t.one\n" ITEM_TEXTS
                  "    severity: low\n    bucket: security_check\n    check:\n");
    /* the JSON object without its closing brace, then the extra key on its own line */
    size_t n = strlen(check_json);
    imgb_buf_printf(&b, "      %.*s%s\n      }\n", (int)(n - 1), check_json, extra);
    return imgb_buf_detach(&b);
}

START_TEST(registry_every_kind_refuses_unknown_keys)
{
    char *rules = imgb_xasprintf("%s/rules", getenv("IMGB_SOURCE_DIR"));
    const char *paths[] = { rules };
    imgb_ruleset *shipped = NULL;
    ck_assert_int_eq(imgb_ruleset_load(&shipped, paths, 1, NULL, NULL), 0);
    size_t nkinds = 0;
    for (const imgb_check_kind *const *k = imgb_check_kinds(); *k; k++, nkinds++) {
        const imgb_item *example = NULL;
        for (size_t b = 0; b < shipped->nbaselines && !example; b++)
            for (size_t i = 0; i < shipped->baselines[b]->nitems && !example; i++)
                if (shipped->baselines[b]->items[i]->kind == *k)
                    example = shipped->baselines[b]->items[i];
        ck_assert_msg(example, "kind %s has no item in rules/ to test with", (*k)->name);
        ck_assert_str_eq(imgb_check_kind_names()[nkinds], (*k)->name);

        /* the example as written loads: */
        char *ok = registry_item_text(example->check_json, "");
        diag_log log = { IMGB_BUF_INIT, "", 0, 0 };
        imgb_ruleset *rs = NULL;
        int rc = imgb_ruleset_load_text(&rs, "k.yaml", ok, strlen(ok), diag_collect, &log);
        ck_assert_msg(rc == 0, "%s: %s", (*k)->name, log.text.ptr ? log.text.ptr : "");
        imgb_ruleset_free(rs);
        imgb_buf_dispose(&log.text);
        free(ok);

        /* a typo, and a key that only the loader may add, are refused where they stand: */
        static const char *const typos[] = { "nocsae", "_rules_dir" };
        for (size_t t = 0; t < 2; t++) {
            char *extra = imgb_xasprintf(",\n      \"%s\": true", typos[t]);
            char *bad = registry_item_text(example->check_json, extra);
            diag_log bl = { IMGB_BUF_INIT, "", 0, 0 };
            rs = NULL;
            rc = imgb_ruleset_load_text(&rs, "k.yaml", bad, strlen(bad), diag_collect, &bl);
            ck_assert_int_eq(rc, IMGB_EFORMAT);
            ck_assert_ptr_null(rs);
            char *want = imgb_xasprintf("k.yaml:%d:7: %s: unknown parameter '%s'", 15,
                                        (*k)->name, typos[t]);
            ck_assert_msg(bl.text.ptr && strncmp(bl.text.ptr, want, strlen(want)) == 0,
                          "%s: got %s", want, bl.text.ptr ? bl.text.ptr : "(nothing)");
            free(want);
            imgb_buf_dispose(&bl.text);
            free(bad);
            free(extra);
        }

        /* and by the compile entry point itself, outside the loader: */
        json_t *p = json_loads(example->check_json, 0, NULL);
        json_object_set_new(p, "tagz", json_true());
        void *compiled = NULL;
        ck_assert_int_eq(imgb_check_kind_compile(*k, p, &compiled), IMGB_EFORMAT);
        ck_assert_ptr_nonnull(strstr(imgb_error_last(), "unknown parameter 'tagz'"));
        json_decref(p);
    }
    ck_assert_uint_ge(nkinds, 16);
    ck_assert_ptr_null(imgb_check_kind_names()[nkinds]);
    imgb_ruleset_free(shipped);
    free(rules);
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
    tcase_add_test(tc, result_evidence_is_capped_with_exact_count);
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
    tcase_add_test(tc, loader_warns_about_nested_quantifiers);
    tcase_add_test(tc, loader_positions_count_lf_only_and_scalars_are_escaped);
    tcase_add_test(tc, loader_text_compiles_fact_kinds);
    tcase_add_test(tc, loader_refuses_deep_nesting_early);
    tcase_add_test(tc, loader_alias_expansion_is_bounded);
    tcase_add_test(tc, loader_skips_data_dirs_and_loads_dictionary);
    tcase_add_test(tc, loader_pcre2_error_points_at_pattern);
    tcase_add_test(tc, loader_check_params_become_json);
    tcase_add_test(tc, registry_every_kind_refuses_unknown_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("kind_file");
    tcase_add_test(tc, kind_file_meta_mode_owner_group);
    tcase_add_test(tc, kind_file_meta_glob_and_symlink);
    tcase_add_test(tc, kind_file_meta_walks);
    tcase_add_test(tc, kind_file_meta_unowned_without_passwd_is_error);
    tcase_add_test(tc, kind_file_regex_match_and_not_match);
    tcase_add_test(tc, kind_file_regex_content_not_kept_is_error);
    tcase_add_test(tc, kind_file_regex_engine_error_is_an_error);
    tcase_add_test(tc, kind_file_meta_unreadable_passwd_is_an_error);
    tcase_add_test(tc, regex_nested_quantifier_lint);
    tcase_add_test(tc, lines_split_at_lf_only);
    tcase_add_test(tc, kind_file_exists_both_ways);
    tcase_add_loop_test(tc, kind_file_compile_errors, 0,
                        sizeof kind_error_cases / sizeof kind_error_cases[0]);
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
