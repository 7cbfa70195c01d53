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

#endif
