/*
 * Image build risks from the image config and history (reference section 8):
 *   build_config   config.User / Env / ExposedPorts / Healthcheck / Volumes
 *   build_history  PCRE2 over every history entry's created_by, normalised to
 *                  "INSTRUCTION arguments" from both builders' spellings
 *   build_tag      the image reference's tag (latest or missing)
 * Evidence carries the history index, the digest of the layer that entry produced
 * (LayerDigest; empty-layer entries have none) and created_by with secrets masked (LayerCmd).
 *
 * Tests: tests/test_build_risk.c.
 */
#ifndef IMGB_CHECKS_BUILD_RISK_H
#define IMGB_CHECKS_BUILD_RISK_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/rules.h"

/*
 * One created_by string, parsed.  Spellings understood (Docker's classic builder, BuildKit):
 *   /bin/sh -c #(nop)  ADD file:ab12… in /        -> ADD  "file:ab12… in /"
 *   /bin/sh -c apt-get update                      -> RUN  "apt-get update"
 *   |2 A=1 B=2 /bin/sh -c make                     -> RUN  "make", args {A=1, B=2}
 *   RUN |1 T=x /bin/sh -c make # buildkit          -> RUN  "make", args {T=x}
 *   ADD https://x/y.tgz /opt/ # buildkit           -> ADD  "https://x/y.tgz /opt/"
 *   ENV PATH=/usr/bin                              -> ENV  "PATH=/usr/bin"
 * The shell prefix may be any `…sh [-opts] -c` (SHELL instruction).
 */
typedef struct imgb_build_cmd {
    char *instruction;        /* upper case ("RUN", "ADD", ...); "" when unrecognised */
    char *text;               /* the arguments or the shell command */
    char **args;              /* build arguments "NAME=value" of a RUN (|N ...) */
    size_t nargs;
    bool buildkit;            /* ended with "# buildkit" or began with an instruction word */
} imgb_build_cmd;

/** Parse `created_by` (NULL is the empty string).  Always succeeds; dispose the result. */
void imgb_build_cmd_parse(const char *created_by, imgb_build_cmd *out);
void imgb_build_cmd_dispose(imgb_build_cmd *cmd);
/** "INSTRUCTION text" (just text when the instruction is unknown), malloc'd. */
char *imgb_build_cmd_normalized(const imgb_build_cmd *cmd);

extern const imgb_check_kind imgb_kind_build_config;
extern const imgb_check_kind imgb_kind_build_history;
extern const imgb_check_kind imgb_kind_build_tag;

#endif
