/*
 * Fixes as Dockerfile lines: an item's `fix:` list in the YAML, compiled by the loader and
 * chosen per failing evidence by the scan (engine/attribution.c, imgb_attribute_fix).
 *
 *   fix:
 *     - when: {openssh_min: "8.2", set: false,
 *              file_contains: {path: /etc/ssh/sshd_config,
 *                              pattern: '^\s*Include\s+/etc/ssh/sshd_config\.d/\*\.conf'}}
 *       run: "RUN printf '{check.keyword} {check.value}\n' >> /etc/ssh/sshd_config.d/00-hardening.conf"
 *       note: {zh: "...", en: "..."}
 *     - run: "RUN sed -i '1i {check.keyword} {check.value}' /etc/ssh/sshd_config"
 *
 * The first variant whose every `when` condition holds is the evidence's fix.  `run` may
 * name {file} (the file that set the value), {account} (account evidence) and {check.KEY}
 * (a scalar of the item's `check:` mapping); image-controlled values are shell-quoted.
 * Rules/README.md documents the schema.
 */
#ifndef IMGB_RULES_FIX_H
#define IMGB_RULES_FIX_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rules/rules.h"

typedef struct imgb_fix {
    char *run;                 /* the Dockerfile line template */
    imgb_text note;            /* why this variant (may be NULL in both languages) */
    char **os_ids;             /* os-release ID or ID_LIKE word (none: any) */
    size_t nos_ids;
    char *os_version_min;      /* inclusive */
    char *os_version_max;      /* exclusive */
    char *openssh_min;         /* inclusive */
    char *openssh_max;         /* exclusive */
    char *file;                /* fnmatch glob on the evidence's file (with leading "/") */
    int set;                   /* -1 any; 1 a line set the value (line > 0); 0 a default */
    char *contains_path;       /* file_contains: this file of the image ... */
    void *contains_re;         /* ... has a line matching (pcre2_code) */
} imgb_fix;

typedef struct imgb_fixes {
    imgb_fix *v;
    size_t n;
} imgb_fixes;

/** Compile an item's `fix:` value (a JSON array of mappings).  <0 with a message naming the
 *  entry and key on error. */
int imgb_fixes_compile(const json_t *j, imgb_fixes *out);
void imgb_fixes_dispose(imgb_fixes *f);

#endif
