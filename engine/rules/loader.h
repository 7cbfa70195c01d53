/*
 * Loading rule files: every *.yaml below one or more directories (recursive, byte-sorted;
 * the data directories dict/ and secrets/ are skipped) is one baseline, parsed with libyaml
 * into an immutable imgb_ruleset (schema: rules/README.md).  Each item's `check:` mapping
 * becomes JSON and is compiled once by its kind.  Problems are reported through a callback as
 * `file:line:column: message` (libyaml's problem mark for bad YAML, the node's position
 * otherwise).  The weak-password dictionary is read from <dir>/dict/passwords.txt of every
 * directory (engine/checks/wp_dict.c).
 *
 * Tests: tests/test_rules.c (loader_* cases).
 */
#ifndef IMGB_RULES_LOADER_H
#define IMGB_RULES_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/rules.h"

/* imgb_diag, imgb_diag_fn and the public loading calls: <imgbaseline/ruleset.h>. */

/**
 * Load every rule file under `paths` (directories, searched recursively, or single .yaml
 * files) into one ruleset.  Every problem goes to `diag` (may be NULL).
 * @param[out] out  the ruleset (caller frees with imgb_ruleset_free()); NULL on error.
 * @return 0 (warnings allowed), or IMGB_EFORMAT when any error was reported (the message is
 *         the first diagnostic), IMGB_ENOTFOUND when a path does not exist.
 */
int imgb_ruleset_load(imgb_ruleset **out, const char *const *paths, size_t npaths,
                      imgb_diag_fn diag, void *payload);
void imgb_ruleset_free(imgb_ruleset *rs);

/**
 * Load one rule file from memory (`name` in diagnostics; `_rules_dir` is "."), without a
 * dictionary.  For tests and the fuzz target.  Same return codes as imgb_ruleset_load().
 */
int imgb_ruleset_load_text(imgb_ruleset **out, const char *name, const char *text, size_t len,
                           imgb_diag_fn diag, void *payload);

/** "file:line:column: message" (warnings: "file:line:column: warning: message"), malloc'd. */
char *imgb_diag_format(const imgb_diag *d);

/** The baseline with key `key`, or NULL. */
const imgb_baseline *imgb_ruleset_find_baseline(const imgb_ruleset *rs, const char *key);
/** The item with id `id` (and its baseline through `baseline`, may be NULL), or NULL. */
const imgb_item *imgb_ruleset_find_item(const imgb_ruleset *rs, const char *id,
                                        const imgb_baseline **baseline);

/**
 * The built-in rules directory for a CLI at `exe_dir` (the directory of the running
 * binary): the source tree's rules/ when run from a build tree (CMakeCache.txt next to the
 * binary), else <exe_dir>/../share/imgbaseline/rules when it exists, else the configured
 * install location.  Malloc'd.
 */
char *imgb_rules_builtin_dir(const char *exe_dir);

#endif
