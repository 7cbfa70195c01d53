/* One language per report, asserted on real scan results (see i18n_check.h). */
#include "i18n_check.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgbuild.h"
#include "report/report.h"
#include "rules/i18n.h"
#include "util/mem.h"

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A token that is an English word: letters only once surrounding punctuation is gone. */
static bool is_word(const char *t, size_t len, bool *lower)
{
    while (len && strchr("([{<,;:.!?)]}>", t[len - 1]))
        len--;
    while (len && strchr("([{<", *t)) {
        t++;
        len--;
    }
    if (len < 2)
        return false;
    *lower = true;
    for (size_t i = 0; i < len; i++) {
        if (!word_char(t[i]))
            return false;
        if (t[i] < 'a')
            *lower = false;
    }
    return true;
}

bool i18n_english_sentence(const char *s)
{
    /* quoted text is a value from the image ('nullok', "PermitRootLogin yes") */
    char *c = imgb_xstrdup(s);
    for (char *p = c; *p; p++) {
        if ((*p == '\'' || *p == '"') && (p == c || !word_char(p[-1]))) {
            char *q = strchr(p + 1, *p);
            if (q) {
                memset(p, ' ', (size_t)(q - p + 1));
                p = q;
            }
        }
    }
    bool found = false, prev = false, prev_lower = false;
    for (char *save = NULL, *t = strtok_r(c, " \t", &save); t && !found;
         t = strtok_r(NULL, " \t", &save)) {
        bool lower = false;
        bool w = is_word(t, strlen(t), &lower);
        found = w && prev && (lower || prev_lower);
        /* a word ending a clause does not join the next one into a sentence */
        size_t n = strlen(t);
        prev = w && !strchr(",;:", t[n - 1]);
        prev_lower = lower;
    }
    free(c);
    return found;
}

typedef struct misses {
    imgb_buf out;
    size_t n;
} misses;

static void on_miss(const char *text, void *payload)
{
    misses *m = payload;
    if (!i18n_english_sentence(text))
        return;
    if (m->n++ < 60)
        imgb_buf_printf(&m->out, "\n  untranslated: %s", text);
}

static void check_text(const imgb_catalog *cat, const char *s, misses *m)
{
    free(imgb_catalog_translate(cat, s, on_miss, m));
}

/* The native JSON in zh, through the render path every format takes: its evidence messages
 * are the catalog's translations. */
static void check_rendered(const imgb_scan_result *res)
{
    const imgb_catalog *cat = res->ruleset->catalog;
    imgb_report_params p;
    imgb_report_params_init(&p);
    p.lang = IMGB_LANG_ZH;
    imgb_buf b = IMGB_BUF_INIT;
    ck_assert_msg(imgb_report_render_fmt(res, imgb_report_format_lookup("json"), &p, &b) == 0,
                  "%s", imgb_error_last());
    json_error_t je;
    json_t *root = json_loadb(b.ptr, b.len, 0, &je);
    ck_assert_msg(root != NULL, "native zh JSON: %s", je.text);
    json_t *bls = json_object_get(root, "baselines");
    ck_assert_uint_eq(json_array_size(bls), res->nbaselines);
    for (size_t i = 0; i < res->nbaselines; i++) {
        const imgb_baseline_result *br = &res->baselines[i];
        json_t *items = json_object_get(json_array_get(bls, i), "items");
        for (size_t j = 0; j < br->nitems; j++) {
            json_t *evs = json_object_get(json_array_get(items, j), "evidence");
            for (size_t e = 0; e < br->items[j].nevidence; e++) {
                const char *en = br->items[j].evidence[e].message;
                if (!en)
                    continue;
                char *zh = imgb_catalog_translate(cat, en, NULL, NULL);
                const char *got = json_string_value(
                    json_object_get(json_array_get(evs, e), "message"));
                ck_assert_msg(got && strcmp(got, zh) == 0, "rendered '%s' for '%s', not '%s'",
                              got ? got : "(null)", en, zh);
                free(zh);
            }
        }
    }
    json_decref(root);
    imgb_buf_dispose(&b);
    imgb_report_params_dispose(&p);
}

static imgb_catalog *shipped_catalog(void)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char *path = imgb_xasprintf("%s/rules/i18n/zh.yaml", src);
    imgb_catalog *cat = imgb_catalog_new();
    ck_assert_msg(imgb_catalog_load_file(cat, path, NULL, NULL) == 0, "%s", imgb_error_last());
    free(path);
    return cat;
}

void i18n_assert_zh_lines(char *const *lines, size_t n)
{
    imgb_catalog *cat = shipped_catalog();
    misses m = { IMGB_BUF_INIT, 0 };
    imgb_buf_puts(&m.out, "");
    for (size_t i = 0; i < n; i++)
        check_text(cat, lines[i], &m);
    ck_assert_msg(m.n == 0, "%zu English parts left in zh:%s", m.n, m.out.ptr);
    imgb_buf_dispose(&m.out);
    imgb_catalog_free(cat);
}

void i18n_assert_zh(const imgb_scan_result *res)
{
    imgb_catalog *cat = shipped_catalog();

    misses m = { IMGB_BUF_INIT, 0 };
    imgb_buf_puts(&m.out, "");
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        check_text(cat, br->reason, &m);
        for (size_t i = 0; i < br->nitems; i++)
            for (size_t e = 0; e < br->items[i].nevidence; e++) {
                const imgb_evidence *ev = &br->items[i].evidence[e];
                check_text(cat, ev->message, &m);
                check_text(cat, ev->expected, &m);
                check_text(cat, ev->source, &m);
            }
    }
    for (size_t i = 0; i < res->nskipped; i++)
        check_text(cat, res->skipped[i].reason, &m);
    for (size_t i = 0; i < res->nwarnings; i++)
        check_text(cat, res->warnings[i], &m);
    for (size_t i = 0; res->image && i < res->image->nwarnings; i++)
        check_text(cat, res->image->warnings[i], &m);
    ck_assert_msg(m.n == 0, "%zu English parts left in a zh report:%s", m.n, m.out.ptr);
    imgb_buf_dispose(&m.out);
    imgb_catalog_free(cat);
    if (imgb_catalog_count(res->ruleset ? res->ruleset->catalog : NULL))
        check_rendered(res);
}
