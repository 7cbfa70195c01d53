/*
 * Tests of the message catalog (engine/rules/i18n.c, rules/i18n/zh.yaml) and of the texts of
 * the shipped rules: every catalog entry names the placeholders of its English shape and its
 * Chinese side holds no English sentence; a broken catalog is refused with file:line; the
 * translation picks the most specific shape and translates {msg} parts in turn; every title,
 * description, advice and alias of the shipped rules is well formed in both languages (no
 * doubled or edge spaces, balanced quotes and brackets).  Whole reports in zh are checked on
 * the test images by tests/test_baselines_*.c and tests/test_scan.c (support/i18n_check.c).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "i18n_check.h"
#include "rules/i18n.h"
#include "rules/loader.h"
#include "rules/rules.h"
#include "util/error.h"
#include "util/mem.h"

static char *shipped_path(const char *rel)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    return imgb_xasprintf("%s/%s", src, rel);
}

static imgb_catalog *shipped_catalog(void)
{
    char *path = shipped_path("rules/i18n/zh.yaml");
    imgb_catalog *cat = imgb_catalog_new();
    ck_assert_msg(imgb_catalog_load_file(cat, path, NULL, NULL) == 0, "%s", imgb_error_last());
    free(path);
    return cat;
}

/* The Chinese side without its placeholders: what a reader sees besides the values. */
static char *without_placeholders(const char *zh)
{
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, "");
    for (const char *s = zh; *s; s++) {
        if (*s == '{' && s[1] != '{') {
            const char *e = strchr(s, '}');
            ck_assert_ptr_nonnull(e);
            imgb_buf_putc(&b, 'X');
            s = e;
        } else {
            imgb_buf_putc(&b, *s);
        }
    }
    return imgb_buf_detach(&b);
}

START_TEST(catalog_entries_match_their_shape)
{
    imgb_catalog *cat = shipped_catalog();
    ck_assert_uint_gt(imgb_catalog_count(cat), 200);
    for (size_t i = 0; i < imgb_catalog_count(cat); i++) {
        const char *en = imgb_catalog_en(cat, i), *zh = imgb_catalog_zh(cat, i);
        const char *err = NULL;
        char *a = imgb_catalog_placeholders(en, &err);
        ck_assert_msg(a != NULL, "%s: %s", en, err);
        char *z = imgb_catalog_placeholders(zh, &err);
        ck_assert_msg(z != NULL, "%s: %s", zh, err);
        ck_assert_msg(strcmp(a, z) == 0, "'%s' has {%s}, its zh '%s' has {%s}", en, a, zh, z);
        /* a translation that is still English would pass every report check */
        char *plain = without_placeholders(zh);
        ck_assert_msg(!i18n_english_sentence(plain), "zh of '%s' is English: '%s'", en, zh);
        ck_assert_msg(!strstr(zh, "  "), "doubled space in '%s'", zh);
        free(plain);
        free(a);
        free(z);
    }
    imgb_catalog_free(cat);
}
END_TEST

START_TEST(placeholder_sets)
{
    const char *err = NULL;
    char *set = imgb_catalog_placeholders("{c} b {a} {{x}} {c}", &err);
    ck_assert_str_eq(set, "a,c");
    free(set);
    set = imgb_catalog_placeholders("no placeholder", &err);
    ck_assert_str_eq(set, "");
    free(set);
    ck_assert_ptr_null(imgb_catalog_placeholders("{open", &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_null(imgb_catalog_placeholders("a } b", &err));
}
END_TEST

START_TEST(catalog_refuses_bad_entries)
{
    static const struct {
        const char *yaml, *where, *what;
    } cases[] = {
        { "messages:\n  - en: \"{path} is absent\"\n    zh: \"{file} 不存在\"\n", "t.yaml:2:",
          "placeholders differ" },
        { "messages:\n  - en: \"{path} is absent\"\n", "t.yaml:2:", "both en and zh" },
        { "messages:\n  - en: \"{Path} x\"\n    zh: \"{Path} y\"\n", "t.yaml:2:",
          "lower-case name" },
        { "messages:\n  - en: \"a\"\n    zh: \"b\"\n    fr: \"c\"\n", "t.yaml:4:", "unknown key" },
        { "message:\n  - en: a\n", "t.yaml:1:", "unknown key 'message'" },
        { "messages:\n  - en: \"{a} and {a}\"\n    zh: \"{a}\"\n", "t.yaml:2:", "twice" },
        { "messages: [\n", "t.yaml:", "YAML" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        imgb_catalog *cat = imgb_catalog_new();
        int rc = imgb_catalog_load_text(cat, "t.yaml", cases[i].yaml, strlen(cases[i].yaml),
                                        NULL, NULL);
        ck_assert_msg(rc == IMGB_EFORMAT, "case %zu loaded", i);
        const char *msg = imgb_error_last();
        ck_assert_msg(strncmp(msg, cases[i].where, strlen(cases[i].where)) == 0 &&
                          strstr(msg, cases[i].what),
                      "case %zu: '%s'", i, msg);
        ck_assert_uint_eq(imgb_catalog_count(cat), 0);
        imgb_catalog_free(cat);
    }
}
END_TEST

static void count_miss(const char *text, void *payload)
{
    imgb_buf *b = payload;
    imgb_buf_printf(b, "[%s]", text);
}

START_TEST(catalog_translates_shapes)
{
    static const char yaml[] =
        "messages:\n"
        "  - en: \"{word} {value} ({msg})\"\n"
        "    zh: \"{word} {value}（{msg}）\"\n"
        "  - en: \"compiled-in default of OpenSSH {ver}\"\n"
        "    zh: \"OpenSSH {ver} 的编译默认值\"\n"
        "  - en: \"{msg} in {{{values}}}\"\n"
        "    zh: \"{msg} 属于 {{{values}}}\"\n"
        "  - en: \"{n} entries checked\"\n"
        "    zh: \"检查了 {n} 个条目\"\n"
        "  - en: \"{what} checked\"\n"
        "    zh: \"检查了 {what}\"\n"
        "  - en: \"{msg}; {msg2}\"\n"
        "    zh: \"{msg}；{msg2}\"\n";
    imgb_catalog *cat = imgb_catalog_new();
    ck_assert_int_eq(imgb_catalog_load_text(cat, "t", yaml, sizeof yaml - 1, NULL, NULL), 0);
    static const char *const cases[][2] = {
        /* a message inside a message */
        { "permitrootlogin yes (compiled-in default of OpenSSH 7.4p1)",
          "permitrootlogin yes（OpenSSH 7.4p1 的编译默认值）" },
        /* a value stays as it is */
        { "permitrootlogin no (/etc/ssh/sshd_config:3)",
          "permitrootlogin no（/etc/ssh/sshd_config:3）" },
        /* braces */
        { "LogLevel in {INFO, VERBOSE}", "LogLevel 属于 {INFO, VERBOSE}" },
        /* the most specific shape wins; {n} takes only a number */
        { "12 entries checked", "检查了 12 个条目" },
        { "all entries checked", "检查了 all entries" },
        /* a {msg} keeps its parentheses whole: the split is after "(x; y)" */
        { "a (x; y); b", "a (x; y)；b" },
        /* no shape: unchanged */
        { "something else entirely", "something else entirely" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *t = imgb_catalog_translate(cat, cases[i][0], NULL, NULL);
        ck_assert_msg(strcmp(t, cases[i][1]) == 0, "'%s' -> '%s'", cases[i][0], t);
        free(t);
    }
    /* the parts left in English are reported, values inside a shape are not */
    imgb_buf miss = IMGB_BUF_INIT;
    imgb_buf_puts(&miss, "");
    free(imgb_catalog_translate(cat, "x y (a source in English)", count_miss, &miss));
    free(imgb_catalog_translate(cat, "permitrootlogin no (/etc/x:1)", count_miss, &miss));
    ck_assert_str_eq(miss.ptr, "[a source in English][/etc/x:1]");
    imgb_buf_dispose(&miss);
    ck_assert_ptr_null(imgb_catalog_translate(cat, NULL, NULL, NULL));
    imgb_catalog_free(cat);
}
END_TEST

START_TEST(english_sentence_heuristic)
{
    static const char *const english[] = {
        "no HEALTHCHECK", "none offends", "the OS could not be identified",
        "Private key", "a source in English",
    };
    static const char *const values[] = {
        "/etc/ssh/sshd_config:3", "PermitRootLogin == no", "auth pam_faillock.so deny",
        "sha512, yescrypt", "EXPOSE 22/tcp", "'PermitRootLogin yes' 不存在", "检查了 3 个条目",
        "LogLevel 属于 {INFO, VERBOSE}", "root", "history[2]",
    };
    for (size_t i = 0; i < sizeof english / sizeof *english; i++)
        ck_assert_msg(i18n_english_sentence(english[i]), "'%s' not seen as English", english[i]);
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        ck_assert_msg(!i18n_english_sentence(values[i]), "'%s' seen as English", values[i]);
}
END_TEST

/* ---- texts of the shipped rules ---------------------------------------------------------- */

/* Whether `s` opens and closes its brackets in order and its double quotes pair up. */
static const char *text_problem(const char *s)
{
    static const char *const pairs[][2] = {
        { "(", ")" }, { "[", "]" }, { "{", "}" }, { "（", "）" }, { "【", "】" },
        { "「", "」" }, { "《", "》" }, { "“", "”" }, { "‘", "’" },
    };
    if (!*s)
        return "empty";
    if (strstr(s, "  "))
        return "doubled space";
    if (s[0] == ' ' || s[strlen(s) - 1] == ' ')
        return "leading or trailing space";
    int stack[64], depth = 0, quotes = 0;
    for (const char *p = s; *p;) {
        bool matched = false;
        for (size_t k = 0; k < sizeof pairs / sizeof *pairs && !matched; k++) {
            size_t lo = strlen(pairs[k][0]), lc = strlen(pairs[k][1]);
            if (strncmp(p, pairs[k][0], lo) == 0) {
                if (depth == 64)
                    return "brackets nested too deep";
                stack[depth++] = (int)k;
                p += lo;
                matched = true;
            } else if (strncmp(p, pairs[k][1], lc) == 0) {
                if (depth == 0 || stack[depth - 1] != (int)k)
                    return "unbalanced bracket or quote";
                depth--;
                p += lc;
                matched = true;
            }
        }
        if (!matched) {
            quotes += *p == '"';
            p++;
        }
    }
    if (depth)
        return "unclosed bracket or quote";
    if (quotes % 2)
        return "unbalanced double quote";
    return NULL;
}

static void check_text(const imgb_text *t, const char *where, const char *field)
{
    const char *sides[2][2] = { { "zh", t->zh }, { "en", t->en } };
    for (int i = 0; i < 2; i++) {
        if (!sides[i][1])
            continue;
        const char *problem = text_problem(sides[i][1]);
        ck_assert_msg(problem == NULL, "%s %s.%s: %s: '%s'", where, field, sides[i][0], problem,
                      sides[i][1]);
    }
}

START_TEST(rule_texts_well_formed)
{
    char *rules = shipped_path("rules");
    const char *paths[] = { rules };
    imgb_ruleset *rs = NULL;
    ck_assert_msg(imgb_ruleset_load(&rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
    size_t n = 0;
    for (size_t b = 0; b < rs->nbaselines; b++) {
        const imgb_baseline *bl = rs->baselines[b];
        check_text(&bl->alias, bl->key, "alias");
        check_text(&bl->class_alias, bl->key, "class_alias");
        check_text(&bl->hw_check_type_desc, bl->key, "huawei.check_type_desc");
        for (size_t i = 0; i < bl->nitems; i++) {
            const imgb_item *it = bl->items[i];
            check_text(&it->title, it->id, "title");
            check_text(&it->description, it->id, "description");
            check_text(&it->advice, it->id, "advice");
            n++;
        }
    }
    ck_assert_uint_gt(n, 300);
    /* the shipped ruleset carries the catalog */
    ck_assert_uint_gt(imgb_catalog_count(rs->catalog), 200);
    imgb_ruleset_free(rs);
    free(rules);
}
END_TEST

START_TEST(text_problem_finds_broken_texts)
{
    ck_assert_ptr_nonnull(text_problem("Ensure no legacy  entries exist"));
    ck_assert_ptr_nonnull(text_problem(" lines are the old NIS inclusion syntax"));
    ck_assert_ptr_nonnull(text_problem("Set \"PermitRootLogin no"));
    ck_assert_ptr_nonnull(text_problem("确保（权限正确"));
    ck_assert_ptr_nonnull(text_problem("mode (0644]"));
    ck_assert_ptr_null(text_problem("Ensure no legacy \"+\" entries exist (CIS 6.2.2)"));
    ck_assert_ptr_null(text_problem("确保/etc/passwd中不存在旧式“+”条目"));
    ck_assert_ptr_null(text_problem("root's primary GID is 0"));
}
END_TEST

static Suite *i18n_suite(void)
{
    Suite *s = suite_create("i18n");
    TCase *tc = tcase_create("catalog");
    tcase_add_test(tc, catalog_entries_match_their_shape);
    tcase_add_test(tc, placeholder_sets);
    tcase_add_test(tc, catalog_refuses_bad_entries);
    tcase_add_test(tc, catalog_translates_shapes);
    tcase_add_test(tc, english_sentence_heuristic);
    tcase_add_test(tc, rule_texts_well_formed);
    tcase_add_test(tc, text_problem_finds_broken_texts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(i18n_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
