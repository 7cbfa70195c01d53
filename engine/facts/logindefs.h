/*
 * /etc/login.defs and /etc/default/useradd, with the semantics of the shadow tools that read
 * them (shadow-maint/shadow tag 4.6):
 *
 * login.defs (lib/getdef.c def_load, putdef_str, def_find, getdef_num; lib/getlong.c):
 *   - lines are read with fgets into a 1024-byte buffer (a longer line is read in pieces,
 *     each parsed as a line); trailing whitespace is trimmed; leading spaces/tabs skipped;
 *     empty lines and lines whose first non-blank character is '#' are ignored;
 *   - the key ends at the first space or tab (a key alone on its line is ignored); the value
 *     starts after any run of spaces, tabs and '"' and stops at the next '"';
 *   - keys are case-sensitive (strcmp); the LAST occurrence wins (putdef_str replaces);
 *   - numbers: strtol base 0 (leading 0 octal, 0x hex), the whole value must parse, else the
 *     tool's built-in default is used; an inline "# comment" is part of the value and so
 *     makes a number unparsable.
 * SHA_CRYPT_MIN_ROUNDS / SHA_CRYPT_MAX_ROUNDS resolve to the bounds of the rounds shadow
 * really uses (lib/salt.c SHA_get_salt_rounds, shadow 4.6 .. 4.13): getdef_long(KEY, -1);
 * neither set: SHA_ROUNDS_DEFAULT 5000 for both; one set: that one for both; min > max: max
 * = min; then each clamped to SHA_ROUNDS_MIN 1000 .. SHA_ROUNDS_MAX 999999999.
 * /etc/default/useradd (src/useradd.c get_defaults): "KEY=value" lines, key compared
 * exactly up to '=', value up to the end of the line, last occurrence wins, INACTIVE parsed
 * with getlong (unparsable or < -1: -1).
 *
 * Tests: tests/test_logindefs.c.
 */
#ifndef IMGB_FACTS_LOGINDEFS_H
#define IMGB_FACTS_LOGINDEFS_H

#include <stdbool.h>
#include <stddef.h>

#include "fs/view.h"
#include "rules/rules.h"

#define IMGB_LOGINDEFS_PATH "/etc/login.defs"
#define IMGB_USERADD_DEFAULTS_PATH "/etc/default/useradd"
/* getdef.c reads with fgets(buf, 1024): a line is seen in pieces of at most 1023 bytes. */
#define IMGB_LOGINDEFS_FGETS_BUF 1024

typedef enum imgb_defs_format {
    IMGB_DEFS_LOGIN_DEFS = 0, /* KEY value */
    IMGB_DEFS_USERADD,        /* KEY=value */
} imgb_defs_format;

typedef struct imgb_defs_entry {
    char *key;
    char *value;
    int line;                 /* 1-based physical line */
} imgb_defs_entry;

typedef struct imgb_defs {
    char *path;               /* "/etc/login.defs" */
    int status;               /* 0 read; IMGB_ENOTFOUND absent (tools use defaults); other <0 */
    char *message;            /* why it could not be read (status < 0), else NULL */
    imgb_defs_entry *entries; /* every assignment in file order */
    size_t nentries;
    size_t cap;
} imgb_defs;

/** Parse `len` bytes as `path` in `fmt`.  Never fails on content.  Free with imgb_defs_free. */
imgb_defs *imgb_defs_parse(const char *path, imgb_defs_format fmt, const char *data, size_t len);
/** Read `path` from the view (status/message record absence or errors).  Never NULL. */
imgb_defs *imgb_defs_load(const imgb_view *view, const char *path, imgb_defs_format fmt);
void imgb_defs_free(imgb_defs *d);

/** The last assignment of `key` (case-sensitive), or NULL. */
const imgb_defs_entry *imgb_defs_find(const imgb_defs *d, const char *key);

/** getlong() of shadow 4.6: strtol base 0 over the whole string, no overflow. */
bool imgb_defs_getlong(const char *s, long long *out);

/* What shadow's tools know about a key: its getter and built-in default. */
typedef enum imgb_defs_type {
    IMGB_DEFS_STRING = 0,
    IMGB_DEFS_NUM,            /* getdef_num: int range */
    IMGB_DEFS_ULONG,          /* getdef_ulong: >= 0 */
    IMGB_DEFS_LONG,           /* getdef_long / getlong */
    IMGB_DEFS_BOOL,           /* getdef_bool: "yes" (case-insensitive) is true */
} imgb_defs_type;

typedef struct imgb_defs_known {
    const char *key;
    imgb_defs_type type;
    const char *dflt;         /* built-in default as text (NULL: none / unset) */
    const char *dflt_source;  /* "shadow 4.6 src/useradd.c: getdef_num(\"PASS_MAX_DAYS\", -1)" */
    bool negative_unlimited;  /* a negative value means "no limit" (PASS_MAX_DAYS, INACTIVE) */
} imgb_defs_known;

/** The table entry for `key` of `fmt`, or NULL for a key we have no facts about. */
const imgb_defs_known *imgb_defs_known_key(imgb_defs_format fmt, const char *key);

/* The effective value of one key. */
typedef struct imgb_defs_value {
    const imgb_defs_entry *entry; /* last assignment, or NULL if absent */
    bool numeric;                 /* evaluated as a number */
    bool unparsable;              /* present but not a valid number: default used */
    bool is_default;              /* the value is a default (absent or unparsable) */
    bool has_value;               /* false: absent and no default */
    long long num;                /* numeric value when numeric && has_value */
    char *text;                   /* effective text (number in decimal); NULL if !has_value */
    char *source;                 /* "/etc/login.defs:12" or the default's citation */
    char *note;                   /* how the tool derived the value, when it is not simply
                                     the assignment or the default (SHA_CRYPT_*_ROUNDS) */
} imgb_defs_value;

/**
 * Resolve `key`: the last assignment, parsed with the tool's getter; when absent or
 * unparsable, `fallback` (a rule's `default:`) if given, else the tool's built-in default.
 * `force_numeric` treats an unknown key as a getlong number.  Dispose with
 * imgb_defs_value_dispose.
 */
void imgb_defs_resolve(const imgb_defs *d, imgb_defs_format fmt, const char *key,
                       const char *fallback, bool force_numeric, imgb_defs_value *out);
void imgb_defs_value_dispose(imgb_defs_value *v);

/** /etc/login.defs of the scanned image, parsed once per scan (borrowed; never NULL). */
const imgb_defs *imgb_logindefs_get(const imgb_scan_ctx *ctx);
/** /etc/default/useradd of the scanned image (borrowed; never NULL). */
const imgb_defs *imgb_useradd_defaults_get(const imgb_scan_ctx *ctx);

/** Register /etc/login.defs and /etc/default/useradd as kept paths. */
void imgb_logindefs_register_keeps(imgb_view *view);

#endif
