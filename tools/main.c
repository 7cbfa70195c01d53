/*
 * imgbaseline — the command-line front-end.  It parses arguments, calls the engine and
 * prints; every decision lives in the library.  Subcommands are rows of the command table.
 */
#include <stdio.h>
#include <string.h>

#include <imgbaseline/imgbaseline.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_worker(int argc, char **argv);

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
    { NULL, NULL, NULL },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: imgbaseline <command> [options]\n\ncommands:\n");
    for (size_t i = 0; commands[i].name; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nimgbaseline %s\n", imgb_version());
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("imgbaseline %s\n", imgb_version());
        return 0;
    }
    for (size_t i = 0; commands[i].name; i++)
        if (strcmp(commands[i].name, argv[1]) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "imgbaseline: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
