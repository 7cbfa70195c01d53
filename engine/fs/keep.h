/*
 * The view's keep patterns compiled into one matcher (used by view.c; contract of the
 * patterns in fs/view.h, imgb_view_keep).  A scan registers ~40 patterns (many the same)
 * and asks about every tar entry of every layer, so trying each pattern with fnmatch(3) per
 * entry was a tenth of a scan.  Compiled, a query is one pass over the path:
 *   - literal patterns ("/etc/shadow") and literal subtree bases ("/etc" of "/etc/ **") sit
 *     in one hash table; the path's FNV-1a hash is extended character by character and
 *     looked up at every "/" (ancestors, for subtrees) and at the end (the path itself);
 *   - the few patterns with wildcards are tried with fnmatch only when the path starts
 *     with their literal prefix.
 * Duplicates fold into one entry.  Each pattern says whether a symlink matching it asks for
 * its target's content too ("follow"), or only files whose own path matches ("local").
 * Immutable after the last add: queries may run on any number of threads.
 *
 * Tests: tests/test_fs.c (keep_*); numbers: bench/view/.
 */
#ifndef IMGB_FS_KEEP_H
#define IMGB_FS_KEEP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct imgb_keepset imgb_keepset;

imgb_keepset *imgb_keepset_new(void);
void imgb_keepset_free(imgb_keepset *k);

/** Add `pattern` (fnmatch syntax with a leading "/"; a trailing "/ **" is a subtree). */
void imgb_keepset_add(imgb_keepset *k, const char *pattern, bool follow);

/** Does the absolute normalised path `abs` ("/etc/passwd", `len` bytes) match a pattern
 *  (only "follow" patterns when `follow_only`)? */
bool imgb_keepset_match(const imgb_keepset *k, const char *abs, size_t len, bool follow_only);

/** Could a pattern (a "follow" one when `follow_only`) match a path below `prefix`
 *  ("/S/", `plen` bytes)?  Compares the literal parts only. */
bool imgb_keepset_may_match_below(const imgb_keepset *k, const char *prefix, size_t plen,
                                  bool follow_only);

/** Patterns registered (duplicates counted once). */
size_t imgb_keepset_count(const imgb_keepset *k);

/** Bytes held (for imgb_view_memory). */
size_t imgb_keepset_memory(const imgb_keepset *k);

#endif
