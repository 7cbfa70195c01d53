/* The CLI's command table: each subcommand lives in tools/cmd_<verb>.c. */
#ifndef IMGB_TOOLS_CLI_H
#define IMGB_TOOLS_CLI_H

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit status */
} cli_command;

/* Exit statuses: 0 ok (no finding at or above the threshold), 2 error; findings use
 * --exit-code N (default 1 for `scan` with --fail-on). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 2
#define CLI_EXIT_FINDINGS 1

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Option tables (tools/cli_util.c).  A command lists its options as rows; the parser accepts
 * "--name VALUE", "--name=VALUE", "-x VALUE", "-xVALUE" and "--" before positionals, and the
 * help text is printed from the same rows.  `apply` gets the command's own argument struct.
 */
typedef struct cli_option {
    const char *name;          /* long name without "--" ("format") */
    char short_name;           /* 'o', or 0 */
    const char *arg;           /* argument placeholder ("FORMAT"); NULL: a flag */
    const char *help;
    /* Store the value; return 0, or -1 after printing one line naming the problem. */
    int (*apply)(void *args, const struct cli_option *opt, const char *value);
    const char *key;           /* optional data for `apply` (e.g. a report parameter name) */
} cli_option;

/**
 * Parse argv[1..] against `tables` (NULL-name-terminated row arrays, searched in order).
 * Positionals are stored in `positional` (at most `max_positional`, the count in `*npositional`).
 * "-h"/"--help" sets *help.  @return 0, or -1 after printing the problem.
 */
int cli_parse(int argc, char **argv, const cli_option *const *tables, size_t ntables, void *args,
              char **positional, size_t max_positional, size_t *npositional, bool *help);
void cli_print_options(FILE *f, const cli_option *table);
/** Print "imgbaseline: MESSAGE" (newlines flattened) to stderr; returns CLI_EXIT_ERROR. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Parse a decimal integer in [min, max]; -1 if not. */
int cli_parse_int(const char *s, long min, long max, long *out);

/*
 * Rules for a command: the built-in directory ($IMGBASELINE_RULES, else found relative to
 * the binary or at the install location) unless `no_default`, then every `--rules DIR` in
 * order.  Diagnostics go to stderr; a missing built-in directory says where it looked.
 */
struct imgb_ruleset;
int cli_load_rules(struct imgb_ruleset **out, char *const *dirs, size_t ndirs, bool no_default);
/** The built-in rules directory (malloc'd). */
char *cli_builtin_rules_dir(void);

/* Memory helpers of the programs (the library's own are not part of its API): they exit
 * with a message when memory runs out. */
void *cli_xmalloc(size_t n);
void *cli_xrealloc(void *p, size_t n);
char *cli_xstrdup(const char *s);
char *cli_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable list of borrowed strings (argv values). */
typedef struct cli_strvec {
    const char **v;
    size_t n;
} cli_strvec;
void cli_strvec_push(cli_strvec *sv, const char *s);
void cli_strvec_dispose(cli_strvec *sv);

#endif
