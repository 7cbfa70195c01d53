/*
 * imgbaseline — the command-line front-end.  It parses arguments, calls the engine and
 * prints; every decision lives in the library.  Subcommands are rows of the command table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <imgbaseline/imgbaseline.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_worker(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const cli_command commands[] = {
    /* subcommands: tools/cmd_<verb>.c */
    { "inspect", "show what an image archive holds (format, digests, layers, OS, sshd)",
      cmd_inspect },
    { "scan", "check an image against the baselines and report (native JSON or an API format)",
      cmd_scan },
    { "rules", "list, show and validate rule files", cmd_rules },
    { "diff", "findings new, fixed and unchanged between two images (same formats and gate)",
      cmd_diff },
    { "serve", "answer the cloud APIs from a scan history; scan jobs (tools/serve/)", cmd_serve },
    { "worker", "run scan jobs from a PostgreSQL store's queue", cmd_worker },
    { "help", "help on a command: imgbaseline help scan", cmd_help },
    { "version", "the versions of the program, the library, the rules and the dictionary",
      cmd_version },
    { NULL, NULL, NULL },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: imgbaseline <command> [options]\n\ncommands:\n");
    for (size_t i = 0; commands[i].name; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'imgbaseline help COMMAND' or 'imgbaseline COMMAND --help' for its options; "
            "man imgbaseline.\nimgbaseline %s\n", imgb_version());
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; commands[i].name; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* `help [CMD]`: the command's own --help. */
static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const cli_command *c = find_command(argv[1]);
    if (!c || c->run == cmd_help || c->run == cmd_version)
        return c ? (usage(stdout), 0)
                 : cli_fail("help: unknown command '%s' (commands: inspect, scan, rules, help, "
                            "version)", argv[1]);
    char *args[] = { argv[1], (char *)"--help", NULL };
    return c->run(2, args);
}

/* `version` / `--version`: what a bug report needs to reproduce a verdict. */
static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("imgbaseline %s (libimgbaseline %s)\n", IMGB_CLI_VERSION, imgb_version());
    char *dir = cli_builtin_rules_dir();
    const char *dirs[] = { dir };
    imgb_ruleset *rs = NULL;
    if (imgb_ruleset_load(&rs, dirs, 1, NULL, NULL) == 0) {
        size_t items = 0, nb = imgb_ruleset_baseline_count(rs);
        for (size_t i = 0; i < nb; i++)
            items += imgb_baseline_item_count(imgb_ruleset_baseline(rs, i));
        const char *src;
        size_t words = imgb_ruleset_dict_size(rs, &src);
        printf("rules: %s (%zu baselines, %zu items; rules version %s)\n", dir, nb, items,
               imgb_ruleset_version(rs));
        printf("dictionary: %zu words from %s\n", words, *src ? src : "(none)");
    } else {
        printf("rules: %s: %s\n", dir, imgb_error_last());
    }
    imgb_ruleset_free(rs);
    free(dir);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cmd_version(argc - 1, argv + 1);
    const cli_command *c = find_command(argv[1]);
    if (c)
        return c->run(argc - 1, argv + 1);
    fprintf(stderr, "imgbaseline: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
