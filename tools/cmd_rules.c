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

#include <imgbaseline/imgbaseline.h>

#include "cli.h"

int cmd_rules(int argc, char **argv);

typedef struct rules_args {
    cli_strvec dirs;
    bool no_default_rules;
    imgb_lang lang;
} rules_args;

static int opt_rules_dir(void *a, const cli_option *opt, const char *v)
{
    (void)opt;
    cli_strvec_push(&((rules_args *)a)->dirs, v);
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
    if (imgb_lang_parse(v, &((rules_args *)a)->lang) < 0)
        return cli_fail("rules: --lang must be zh or en"), -1;
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

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

static void rules_list(const imgb_ruleset *rs, imgb_lang lang)
{
    for (size_t i = 0; i < imgb_ruleset_baseline_count(rs); i++) {
        const imgb_baseline *b = imgb_ruleset_baseline(rs, i);
        printf("%s (%s, %zu items): %s; applies to %s\n",
               imgb_baseline_attr(b, IMGB_BASELINE_KEY, lang),
               imgb_baseline_attr(b, IMGB_BASELINE_CLASS, lang), imgb_baseline_item_count(b),
               imgb_baseline_attr(b, IMGB_BASELINE_ALIAS, lang),
               imgb_baseline_attr(b, IMGB_BASELINE_APPLIES, lang));
        for (size_t j = 0; j < imgb_baseline_item_count(b); j++) {
            const imgb_item *it = imgb_baseline_item(b, j);
            printf("  %-40s %-6s %-14s %s\n", imgb_item_attr(it, IMGB_ITEM_ID, lang),
                   imgb_severity_name(imgb_item_severity(it)),
                   imgb_item_attr(it, IMGB_ITEM_KIND, lang),
                   imgb_item_attr(it, IMGB_ITEM_TITLE, lang));
        }
    }
    const char *source;
    size_t words = imgb_ruleset_dict_size(rs, &source);
    if (*source)
        printf("weak-password dictionary: %zu words from %s\n", words, source);
}

/* Both languages of a text attribute. */
static void rules_print_text(const char *label, const char *zh, const char *en)
{
    printf("%-12s zh: %s\n%-12s en: %s\n", label, zh, "", en);
}

static int rules_show(const imgb_ruleset *rs, const char *id)
{
    const imgb_lang zh = IMGB_LANG_ZH, en = IMGB_LANG_EN;
    const imgb_baseline *b = imgb_ruleset_find_baseline(rs, id);
    if (b) {
        printf("%-12s %s\n%-12s %s\n", "baseline", imgb_baseline_attr(b, IMGB_BASELINE_KEY, en),
               "class", imgb_baseline_attr(b, IMGB_BASELINE_CLASS, en));
        rules_print_text("alias", imgb_baseline_attr(b, IMGB_BASELINE_ALIAS, zh),
                         imgb_baseline_attr(b, IMGB_BASELINE_ALIAS, en));
        rules_print_text("class_alias", imgb_baseline_attr(b, IMGB_BASELINE_CLASS_ALIAS, zh),
                         imgb_baseline_attr(b, IMGB_BASELINE_CLASS_ALIAS, en));
        printf("%-12s %s\n%-12s", "applies", imgb_baseline_attr(b, IMGB_BASELINE_APPLIES, en),
               "standards");
        for (size_t i = 0; i < imgb_baseline_standard_count(b); i++)
            printf(" %s", imgb_baseline_standard(b, i));
        printf("\n%-12s %s / %s\n%-12s %s\n", "huawei",
               or_dash(imgb_baseline_attr(b, IMGB_BASELINE_HW_CHECK_NAME, en)),
               or_dash(imgb_baseline_attr(b, IMGB_BASELINE_HW_CHECK_TYPE, en)), "file",
               imgb_baseline_attr(b, IMGB_BASELINE_FILE, en));
        for (size_t j = 0; j < imgb_baseline_item_count(b); j++)
            printf("%-12s %s\n", j ? "" : "items",
                   imgb_item_attr(imgb_baseline_item(b, j), IMGB_ITEM_ID, en));
        return CLI_EXIT_OK;
    }
    const imgb_item *it = imgb_ruleset_find_item(rs, id, &b);
    if (!it)
        return cli_fail("rules: no baseline or item '%s'", id);
    printf("%-12s %s\n%-12s %s\n%-12s %s\n", "item", imgb_item_attr(it, IMGB_ITEM_ID, en),
           "key", imgb_item_attr(it, IMGB_ITEM_KEY, en), "baseline",
           imgb_baseline_attr(b, IMGB_BASELINE_KEY, en));
    static const struct { const char *label; imgb_item_attr_id attr; } texts[] = {
        { "title", IMGB_ITEM_TITLE },
        { "description", IMGB_ITEM_DESCRIPTION },
        { "advice", IMGB_ITEM_ADVICE },
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        rules_print_text(texts[i].label, imgb_item_attr(it, texts[i].attr, zh),
                         imgb_item_attr(it, texts[i].attr, en));
    printf("%-12s %s\n%-12s %s\n", "severity", imgb_severity_name(imgb_item_severity(it)),
           "bucket", imgb_item_attr(it, IMGB_ITEM_BUCKET, en));
    printf("%-12s %s\n", "references", or_dash(imgb_item_attr(it, IMGB_ITEM_REFERENCES, en)));
    printf("%-12s %s\n", "kind", imgb_item_attr(it, IMGB_ITEM_KIND, en));
    printf("%-12s %s\n", "check", or_dash(imgb_item_attr(it, IMGB_ITEM_CHECK_JSON, en)));
    printf("%-12s %s:%d\n", "file", imgb_item_attr(it, IMGB_ITEM_FILE, en), imgb_item_line(it));
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
    imgb_free(line);
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
        size_t items = 0, nb = imgb_ruleset_baseline_count(rs);
        for (size_t i = 0; i < nb; i++)
            items += imgb_baseline_item_count(imgb_ruleset_baseline(rs, i));
        printf("ok: %zu baselines, %zu items, %zu warnings\n", nb, items, c.warnings);
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
    rules_args a = { { NULL, 0 }, false, IMGB_LANG_EN };
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
    if (cli_load_rules(&rs, (char *const *)a.dirs.v, a.dirs.n, a.no_default_rules) != 0)
        goto done;
    if (list) {
        rules_list(rs, a.lang);
        status = CLI_EXIT_OK;
    } else {
        status = rules_show(rs, pos[1]);
    }
done:
    imgb_ruleset_free(rs);
    cli_strvec_dispose(&a.dirs);
    return status;
}
