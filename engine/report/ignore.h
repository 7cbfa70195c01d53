/*
 * The ignore file (`--ignore-file FILE`, default `.imgbaselineignore` in the working
 * directory when present): YAML, one entry per accepted finding.
 *
 *   ignore:                           # or the bare sequence
 *     - id: ssh.permit_root_login     # item id, item key or build-risk key (required)
 *       reason: bastion image         # free text
 *       expires: 2026-12-31           # valid through that day (UTC); later it no longer applies
 *       status: ignored               # ignored (default) | false_positive
 *     - id: ak_leak
 *       path: "/opt/app/tests/[*]"  # fnmatch glob on the evidence file (leading / optional)
 *       layer: 3                      # layer index, or a prefix of its digest (sha256:ab12...)
 *       account: backup               # user name of account evidence
 *
 * An entry with account/path/layer covers only the evidence that matches all of them; an
 * item counts as ignored when every piece of its failing evidence is covered.  Statuses are
 * the Alibaba build-risk values (0 unhandled, 1 ignored, 2 false positive).
 * Unknown keys, a bad date or status are errors naming file:line:column (a typo must not
 * silently widen or narrow what is ignored).
 *
 * Tests: tests/test_report.c.
 */
#ifndef IMGB_REPORT_IGNORE_H
#define IMGB_REPORT_IGNORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMGB_IGNORE_DEFAULT_FILE ".imgbaselineignore"

typedef enum imgb_ignore_status {
    IMGB_STATUS_UNHANDLED = 0,
    IMGB_STATUS_IGNORED = 1,
    IMGB_STATUS_FALSE_POSITIVE = 2,
} imgb_ignore_status;

typedef struct imgb_ignore_entry {
    char *id;                 /* item id, item key or risk key */
    char *account;            /* NULL: any */
    char *path;               /* glob, normalised without the leading "/"; NULL: any */
    char *layer;              /* index or digest prefix; NULL: any */
    char *reason;             /* NULL if none */
    char *expires;            /* "YYYY-MM-DD" as written, NULL: never */
    int64_t expires_ms;       /* first ms after the expiry day (UTC); only with `expires` */
    imgb_ignore_status status;
    int line;                 /* line in the ignore file */
} imgb_ignore_entry;

typedef struct imgb_ignore_list {
    char *file;               /* name used in messages */
    imgb_ignore_entry *entries;
    size_t nentries;
} imgb_ignore_list;

/**
 * Parse ignore-file YAML held in memory.  `name` is used in messages.
 * @param[out] out the list (free with imgb_ignore_list_free)
 * @return 0, IMGB_EFORMAT (file:line:column: message) or IMGB_ELIMIT.
 */
int imgb_ignore_parse(imgb_ignore_list **out, const char *text, size_t len, const char *name);

/** Read and parse `path` (at most IMGB_MAX_IGNORE_BYTES).  @return 0, IMGB_ENOTFOUND, ... */
int imgb_ignore_load(imgb_ignore_list **out, const char *path);

void imgb_ignore_list_free(imgb_ignore_list *list);

/** Add an entry for `id` with no conditions (`--ignore ID`); creates the list if NULL. */
int imgb_ignore_list_add(imgb_ignore_list **list, const char *id);

/** Whether `e` has expired at `now_ms` (ms since the epoch). */
bool imgb_ignore_entry_expired(const imgb_ignore_entry *e, int64_t now_ms);

/**
 * Whether entry `e` (not checking expiry) covers a finding of item `item_id`/`item_key`
 * with the given evidence fields (any may be NULL / -1).  `layer_digest` is the digest of
 * layer `layer` when known.
 */
bool imgb_ignore_entry_matches(const imgb_ignore_entry *e, const char *item_id,
                               const char *item_key, const char *account, const char *file,
                               int layer, const char *layer_digest);

/** "ignored" / "false_positive" / "unhandled". */
const char *imgb_ignore_status_name(imgb_ignore_status s);

#endif
