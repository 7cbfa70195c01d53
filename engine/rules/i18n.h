/*
 * The message catalog: the engine's English messages (evidence messages, expected
 * conditions, sources, reasons why a baseline applies or was skipped, scan warnings) in
 * another language, as data (rules/i18n/zh.yaml, loaded with the rules like the dictionary).
 *
 * The kinds write English with values in it ("PASS_MAX_DAYS is 99999 (last occurrence,
 * /etc/login.defs:25)"); the catalog maps each English *shape* to its translation:
 *
 *     messages:
 *       - en: "{key} is {value} (last occurrence, {file})"
 *         zh: "{key} 为 {value}（最后一次出现，{file}）"
 *
 * A placeholder `{name}` matches any text and is copied as is (a path, a value, an account
 * name); `{n}`, `{n2}`, ... match an integer; `{word}`, `{word2}`, ... one token without
 * spaces; `{msg}`, `{msg2}`, ... match a message that is translated in turn (a source inside
 * an evidence message, a reason after "; ").  `{{` and `}}` are literal braces.  A message
 * is translated by the entry whose shape matches it whole and has the most literal text
 * (the most specific one); a message no entry matches stays as it is.  Both sides of an
 * entry must name the same placeholders (checked when loading).
 *
 * Nothing in the kinds changes: a new message needs only a catalog entry, and
 * tests/test_i18n.c fails while a message the test images produce has none.
 *
 * Tests: tests/test_i18n.c.
 */
#ifndef IMGB_RULES_I18N_H
#define IMGB_RULES_I18N_H

#include <stdbool.h>
#include <stddef.h>

#include <imgbaseline/ruleset.h>

typedef struct imgb_catalog imgb_catalog;

/** An empty catalog (translates nothing).  Free with imgb_catalog_free(). */
imgb_catalog *imgb_catalog_new(void);
void imgb_catalog_free(imgb_catalog *cat);

/**
 * Add the entries of the catalog file `path` to `cat` (later files add entries; an entry
 * whose English shape is already known replaces the earlier translation).  Problems go to
 * `diag` (may be NULL) as file:line:column.
 * @return 0, IMGB_ERROR when the file cannot be read, or IMGB_EFORMAT (message: the first
 *         problem) for bad YAML, an unknown key, a missing side or placeholders that differ.
 */
int imgb_catalog_load_file(imgb_catalog *cat, const char *path, imgb_diag_fn diag,
                           void *payload);

/** Same, from memory (`name` in messages); for tests. */
int imgb_catalog_load_text(imgb_catalog *cat, const char *name, const char *text, size_t len,
                           imgb_diag_fn diag, void *payload);

/**
 * Called for every part of a message that no entry translated: the whole message, or the
 * text of a `{msg}` placeholder.  Tests use it to find English left in a report.
 */
typedef void (*imgb_catalog_miss_fn)(const char *text, void *payload);

/**
 * The translation of `msg` (malloc'd; a copy of `msg` when nothing matches; NULL for NULL).
 * `miss` (may be NULL) hears every part left untranslated.
 */
char *imgb_catalog_translate(const imgb_catalog *cat, const char *msg,
                             imgb_catalog_miss_fn miss, void *payload);

/** Number of entries, and entry `i`'s two sides (for tests and `rules` listings). */
size_t imgb_catalog_count(const imgb_catalog *cat);
const char *imgb_catalog_en(const imgb_catalog *cat, size_t i);
const char *imgb_catalog_zh(const imgb_catalog *cat, size_t i);

/**
 * The set of placeholder names of `shape`, sorted, each once ("{c} b {a} {c}" -> "a,c"):
 * malloc'd, or NULL with a message in `*err` (static) for an unclosed brace or a bad name.
 * An entry's two sides must give the same set.
 */
char *imgb_catalog_placeholders(const char *shape, const char **err);

#endif
