/*
 * Shared CLI plumbing: table-driven option parsing (so a command's flags are rows, and new
 * flags such as the report's API request parameters are added without touching a switch),
 * error printing and loading the rules for a command.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <imgbaseline/imgbaseline.h>

#include "cli.h"

int cli_fail(const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs("imgbaseline: ", stderr);
    for (const char *p = msg; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
    fputc('\n', stderr);
    return CLI_EXIT_ERROR;
}

int cli_parse_int(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || !end || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static const cli_option *cli_find(const cli_option *const *tables, size_t ntables,
                                  const char *name, size_t len, char short_name)
{
    for (size_t t = 0; t < ntables; t++)
        for (const cli_option *o = tables[t]; o->name; o++) {
            if (short_name && o->short_name == short_name)
                return o;
            if (!short_name && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                return o;
        }
    return NULL;
}

int cli_parse(int argc, char **argv, const cli_option *const *tables, size_t ntables, void *args,
              char **positional, size_t max_positional, size_t *npositional, bool *help)
{
    bool options_done = false;
    *npositional = 0;
    *help = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (*npositional >= max_positional) {
                cli_fail("%s: unexpected argument '%s'", argv[0], a);
                return -1;
            }
            positional[(*npositional)++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            *help = true;
            return 0;
        }
        const cli_option *o;
        const char *value = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            o = cli_find(tables, ntables, a + 2, len, 0);
            if (eq)
                value = eq + 1;
        } else {
            o = cli_find(tables, ntables, NULL, 0, a[1]);
            if (a[2])
                value = a + 2;
        }
        if (!o) {
            cli_fail("%s: unknown option '%s' (see --help)", argv[0], a);
            return -1;
        }
        if (o->arg && !value) {
            if (i + 1 >= argc) {
                cli_fail("%s: option --%s needs %s", argv[0], o->name, o->arg);
                return -1;
            }
            value = argv[++i];
        } else if (!o->arg && value) {
            cli_fail("%s: option --%s takes no value", argv[0], o->name);
            return -1;
        }
        if (o->apply(args, o, value) < 0)
            return -1;
    }
    return 0;
}

void cli_print_options(FILE *f, const cli_option *table)
{
    for (const cli_option *o = table; o->name; o++) {
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name,
                     o->arg ? " " : "", o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        fprintf(f, "  %-32s %s\n", left, o->help);
    }
}

void *cli_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("imgbaseline: out of memory\n", stderr);
        exit(CLI_EXIT_ERROR);
    }
    return p;
}

void *cli_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("imgbaseline: out of memory\n", stderr);
        exit(CLI_EXIT_ERROR);
    }
    return q;
}

char *cli_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(cli_xmalloc(n), s, n);
}

char *cli_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = cli_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    return s;
}

void cli_strvec_push(cli_strvec *sv, const char *s)
{
    sv->v = cli_xrealloc(sv->v, (sv->n + 1) * sizeof *sv->v);
    sv->v[sv->n++] = s;
}

void cli_strvec_dispose(cli_strvec *sv)
{
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

/* The directory of the running binary (malloc'd), or NULL. */
static char *cli_exe_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    return cli_xstrdup(exe);
}

char *cli_builtin_rules_dir(void)
{
    const char *env = getenv("IMGBASELINE_RULES");
    if (env && *env)
        return cli_xstrdup(env);
    char *dir = cli_exe_dir();
    char *rules = imgb_rules_builtin_dir(dir);
    free(dir);
    char *copy = cli_xstrdup(rules);
    imgb_free(rules);
    return copy;
}

static void cli_print_diag(const imgb_diag *d, void *payload)
{
    (void)payload;
    char *line = imgb_diag_format(d);
    fprintf(stderr, "%s\n", line);
    imgb_free(line);
}

int cli_load_rules(struct imgb_ruleset **out, char *const *dirs, size_t ndirs, bool no_default)
{
    const char **paths = cli_xmalloc((ndirs + 1) * sizeof *paths);
    char *builtin = NULL;
    size_t n = 0;
    int rc = 0;
    struct stat st;
    if (!no_default) {
        paths[n++] = builtin = cli_builtin_rules_dir();
        if (stat(builtin, &st) != 0) {
            char *dir = cli_exe_dir();
            if (getenv("IMGBASELINE_RULES") && *getenv("IMGBASELINE_RULES"))
                rc = cli_fail("the rules directory %s (IMGBASELINE_RULES) does not exist",
                              builtin);
            else
                rc = cli_fail("the built-in rules are missing: looked in %s/../share/"
                              "imgbaseline/rules and %s; set IMGBASELINE_RULES=DIR or pass "
                              "--no-default-rules --rules DIR", dir ? dir : "?", builtin);
            free(dir);
        }
    }
    for (size_t i = 0; i < ndirs; i++)
        paths[n++] = dirs[i];
    if (rc == 0 && n == 0)
        rc = cli_fail("no rules: --no-default-rules needs at least one --rules DIR");
    else if (rc == 0 && (rc = imgb_ruleset_load(out, paths, n, cli_print_diag, NULL)) < 0)
        rc = rc == IMGB_EFORMAT ? cli_fail("the rule files have errors (listed above)")
                                : cli_fail("%s", imgb_error_last());
    free(builtin);
    free(paths);
    return rc;
}
