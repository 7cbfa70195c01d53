/*
 * `imgbaseline rules list|show ID|validate [DIR]...`: what the ruleset holds, one rule in
 * full, and a check of rule files.
 *
 *   list      every baseline (key, where it applies, item count) and its items
 *   show ID   a baseline key or an item id: every field, both languages, the check as JSON
 *   validate  load DIRs (default: the built-in rules) and print every problem as
 *             `file:line:column: message`; exit 0 when the files load (warnings allowed),
 *             2 when any error was found
 * list and show take --rules DIR (repeatable) and --no-default-rules like `scan`.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "rules/loader.h"
#include "util/error.h"
#include "util/mem.h"

int cmd_rules(int argc, char **argv);

typedef struct rules_args {
    imgb_ptrvec dirs;
    bool no_default_rules;
    const char *lang;
} rules_args;

static int opt_rules_dir(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    imgb_ptrvec_push(&((rules_args *)a)->dirs, (void *)(uintptr_t)v);
    return 0;
}

static int opt_rules_no_default(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    (void)v;
    ((rules_args *)a)->no_default_rules = true;
    return 0;
}

static int opt_rules_lang(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    if (strcmp(v, "zh") != 0 && strcmp(v, "en") != 0)
        return cli_fail("rules: --lang must be zh or en"), -1;
    ((rules_args *)a)->lang = v;
    return 0;
}

static const cli_option rules_options[] = {
    { "rules", 0, "DIR", "also load rule files from DIR (repeatable)", opt_rules_dir, NULL },
    { "no-default-rules", 0, NULL, "do not load the built-in rules", opt_rules_no_default,
      NULL },
    { "lang", 0, "zh|en", "language of titles (list; default en)", opt_rules_lang, NULL },
    { NULL, 0, NULL, NULL, NULL, NULL },
};

static void rules_usage(FILE *f)
{
    fputs("usage: imgbaseline rules list [options]\n"
          "       imgbaseline rules show ID [options]\n"
          "       imgbaseline rules validate [DIR]...\n\noptions:\n", f);
    cli_print_options(f, rules_options);
    fputs("\nvalidate prints every problem as file:line:column: message and exits 2 on any\n"
          "error (0 when the files load; warnings do not fail).\n", f);
}

static const char *rules_text(const imgb_text *t, const char *lang)
{
    return strcmp(lang, "zh") == 0 ? t->zh : t->en;
}

static void rules_print_applies(const imgb_applies *a)
{
    if (a->any_os)
        fputs("every image", stdout);
    else if (a->generic)
        fputs("generic Linux (no OS-specific baseline of its class)", stdout);
    else {
        for (size_t i = 0; i < a->nos_ids; i++)
            printf("%s%s", i ? "|" : "", a->os_ids[i]);
        if (a->version_min || a->version_max)
            printf(" %s..%s", a->version_min ? a->version_min : "",
                   a->version_max ? a->version_max : "");
    }
    if (a->requires_package)
        printf(", requires %s", a->requires_package);
}

static void rules_list(const imgb_ruleset *rs, const char *lang)
{
    for (size_t i = 0; i < rs->nbaselines; i++) {
        const imgb_baseline *b = rs->baselines[i];
        printf("%s (%s, %zu items): %s; applies to ", b->key, b->class_key, b->nitems,
               rules_text(&b->alias, lang));
        rules_print_applies(&b->applies);
        putchar('\n');
        for (size_t j = 0; j < b->nitems; j++) {
            const imgb_item *it = b->items[j];
            printf("  %-40s %-6s %-14s %s\n", it->id, imgb_severity_name(it->severity),
                   it->kind->name, rules_text(&it->title, lang));
        }
    }
    if (rs->dict_source)
        printf("weak-password dictionary: %zu words from %s\n", rs->ndict_words,
               rs->dict_source);
}

static void rules_print_json(const char *label, const json_t *j)
{
    json_t *copy = json_deep_copy(j);
    json_object_del(copy, "_rules_dir");
    char *text = json_dumps(copy, JSON_PRESERVE_ORDER | JSON_COMPACT);
    printf("%-12s %s\n", label, text ? text : "?");
    free(text);
    json_decref(copy);
}

static void rules_print_text(const char *label, const imgb_text *t)
{
    printf("%-12s zh: %s\n%-12s en: %s\n", label, t->zh, "", t->en);
}

static int rules_show(const imgb_ruleset *rs, const char *id)
{
    const imgb_baseline *b = imgb_ruleset_find_baseline(rs, id);
    if (b) {
        printf("%-12s %s\n%-12s %s\n", "baseline", b->key, "class", b->class_key);
        rules_print_text("alias", &b->alias);
        rules_print_text("class_alias", &b->class_alias);
        printf("%-12s ", "applies");
        rules_print_applies(&b->applies);
        printf("\n%-12s", "standards");
        for (size_t i = 0; i < b->nstandards; i++)
            printf(" %s", b->standards[i]);
        printf("\n%-12s %s / %s\n%-12s %s\n", "huawei",
               b->hw_check_name ? b->hw_check_name : "-",
               b->hw_check_type ? b->hw_check_type : "-", "file", b->file);
        for (size_t j = 0; j < b->nitems; j++)
            printf("%-12s %s\n", j ? "" : "items", b->items[j]->id);
        return CLI_EXIT_OK;
    }
    const imgb_item *it = imgb_ruleset_find_item(rs, id, &b);
    if (!it)
        return cli_fail("rules: no baseline or item '%s'", id);
    printf("%-12s %s\n%-12s %s\n%-12s %s\n", "item", it->id, "key", it->key, "baseline",
           b->key);
    rules_print_text("title", &it->title);
    rules_print_text("description", &it->description);
    rules_print_text("advice", &it->advice);
    printf("%-12s %s\n%-12s %s\n", "severity", imgb_severity_name(it->severity), "bucket",
           imgb_bucket_name(it->bucket));
    rules_print_json("references", it->references);
    printf("%-12s %s\n", "kind", it->kind->name);
    rules_print_json("check", it->params);
    printf("%-12s %s:%d\n", "file", it->file, it->line);
    return CLI_EXIT_OK;
}

typedef struct validate_counts {
    size_t errors, warnings;
} validate_counts;

static void validate_diag(const imgb_diag *d, void *payload)
{
    validate_counts *c = payload;
    char *line = imgb_diag_format(d);
    printf("%s\n", line);
    free(line);
    if (d->level == IMGB_DIAG_ERROR)
        c->errors++;
    else
        c->warnings++;
}

static int rules_validate(char **dirs, size_t ndirs)
{
    char *builtin = NULL;
    const char *one[1];
    const char *const *paths = (const char *const *)dirs;
    if (ndirs == 0) {
        one[0] = builtin = cli_builtin_rules_dir();
        paths = one;
        ndirs = 1;
    }
    validate_counts c = { 0, 0 };
    imgb_ruleset *rs = NULL;
    int rc = imgb_ruleset_load(&rs, paths, ndirs, validate_diag, &c);
    if (rc == 0) {
        size_t items = 0;
        for (size_t i = 0; i < rs->nbaselines; i++)
            items += rs->baselines[i]->nitems;
        printf("ok: %zu baselines, %zu items, %zu warnings\n", rs->nbaselines, items,
               c.warnings);
    } else if (rc == IMGB_EFORMAT) {
        printf("%zu errors, %zu warnings\n", c.errors, c.warnings);
    } else {
        cli_fail("%s", imgb_error_last());
    }
    imgb_ruleset_free(rs);
    free(builtin);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

int cmd_rules(int argc, char **argv)
{
    rules_args a = { IMGB_PTRVEC_INIT, false, "en" };
    const cli_option *tables[] = { rules_options };
    char *pos[64];
    size_t npos;
    bool help;
    int status = CLI_EXIT_ERROR;
    imgb_ruleset *rs = NULL;

    if (argc >= 2 && strcmp(argv[1], "validate") == 0) {
        for (int i = 2; i < argc; i++)
            if (argv[i][0] == '-') {
                rules_usage(strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0
                                ? stdout
                                : stderr);
                return argv[i][1] == 'h' || strcmp(argv[i], "--help") == 0 ? CLI_EXIT_OK
                                                                            : CLI_EXIT_ERROR;
            }
        return rules_validate(argv + 2, (size_t)(argc - 2));
    }
    if (cli_parse(argc, argv, tables, 1, &a, pos, sizeof pos / sizeof pos[0], &npos, &help) < 0)
        goto done;
    if (help) {
        rules_usage(stdout);
        status = CLI_EXIT_OK;
        goto done;
    }
    bool list = npos == 1 && strcmp(pos[0], "list") == 0;
    bool show = npos == 2 && strcmp(pos[0], "show") == 0;
    if (!list && !show) {
        rules_usage(stderr);
        goto done;
    }
    if (cli_load_rules(&rs, (char *const *)a.dirs.items, a.dirs.len, a.no_default_rules) != 0)
        goto done;
    if (list) {
        rules_list(rs, a.lang);
        status = CLI_EXIT_OK;
    } else {
        status = rules_show(rs, pos[1]);
    }
done:
    imgb_ruleset_free(rs);
    imgb_ptrvec_dispose(&a.dirs, NULL);
    return status;
}
