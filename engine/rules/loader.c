/*
 * The rule loader: rule YAML (schema in rules/README.md) -> immutable imgb_ruleset.
 *
 * libyaml's document API gives every node its start mark, so each problem is reported at
 * the node it concerns as `file:line:column: message` (1-based, as editors count).  A
 * problem never stops the load early: every file is read and every problem reported, then
 * the load fails if any was an error (a ruleset is all or nothing, like a compiler).
 *
 * An item's `check:` mapping becomes JSON for its kind with YAML 1.2 core-schema typing of
 * plain scalars (decimal integers without a leading zero, true/false, null/~); everything
 * else, and every quoted scalar, is a string: `value: no` stays "no" and `max: 027` stays
 * "027" so that octal is the comparison's decision (`octal: true`), not the YAML parser's.
 * The loader adds `_rules_dir` (the rules directory the file was found under) so kinds can
 * read data files such as rules/secrets/.
 *
 * Tests: tests/test_rules.c (loader_* cases).
 */
#include "rules/loader.h"
#include "rules/fix.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "rules/i18n.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/regex.h"

typedef struct ld_id {
    char *id;                 /* copies: the item may be dropped, the id stays taken */
    char *file;
    int line;
} ld_id;

static void ld_id_free(void *p)
{
    ld_id *id = p;
    free(id->id);
    free(id->file);
    free(id);
}

typedef struct loader {
    EVP_MD_CTX *digest;       /* over every file's name and bytes, in load order */
    imgb_diag_fn diag;
    void *payload;
    size_t nerrors;
    char *first_error;
    imgb_ptrvec baselines;    /* imgb_baseline* */
    imgb_ptrvec item_ids;     /* ld_id* */
    imgb_ptrvec baseline_keys;
    /* the file being loaded */
    const char *file;
    const char *root;
    const char *text;         /* its bytes, for positions counted the way editors count */
    size_t text_len;
    size_t *line_starts;      /* character index of every line start (LF only); lazy */
    size_t nline_starts;
    yaml_document_t *doc;
    size_t budget;            /* nodes left to convert to JSON in this file */
} loader;

static void ld_report(loader *ld, imgb_diag_level level, int line, int column,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* `s` with control bytes as \n, \r, \t or \xNN, into `out` (cut to fit). */
static void ld_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < cap; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            out[o++] = '\\';
            out[o++] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
        } else if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o] = '\0';
}

/* Characters of a scalar shown in a message; longer ones end in "...". */
#define LD_SHOW_MAX 80
#define LD_SHOW_BUF (LD_SHOW_MAX * 4 + 4)

/* `s` cut to LD_SHOW_MAX characters for a message, into `buf` (LD_SHOW_BUF bytes). */
static const char *ld_show(const char *s, char *buf)
{
    size_t n = 0, chars = 0;
    while (s[n] && chars < LD_SHOW_MAX) {
        n++;
        while (((unsigned char)s[n] & 0xC0) == 0x80) /* whole UTF-8 characters */
            n++;
        chars++;
    }
    memcpy(buf, s, n);
    strcpy(buf + n, s[n] ? "..." : "");
    return buf;
}

/*
 * Line and column (1-based) of a libyaml mark, counting LF only.  libyaml also breaks lines
 * at a lone CR, NEL, LS and PS, so its own mark.line disagrees with every editor on such
 * files; its mark.index (characters from the start, BOM excluded) does not.
 */
static void ld_position(loader *ld, const yaml_mark_t *m, int *line, int *column)
{
    if (!ld->text) {
        *line = (int)m->line + 1;
        *column = (int)m->column + 1;
        return;
    }
    if (!ld->line_starts) {
        size_t start = ld->text_len >= 3 && memcmp(ld->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        size_t cap = 16, chars = 0;
        ld->line_starts = imgb_xmalloc(cap * sizeof *ld->line_starts);
        ld->line_starts[ld->nline_starts++] = 0;
        for (size_t i = start; i < ld->text_len; i++) {
            if (((unsigned char)ld->text[i] & 0xC0) == 0x80)
                continue; /* continuation byte: same character */
            chars++;
            if (ld->text[i] != '\n')
                continue;
            if (ld->nline_starts == cap) {
                cap *= 2;
                ld->line_starts = imgb_xrealloc(ld->line_starts, cap * sizeof *ld->line_starts);
            }
            ld->line_starts[ld->nline_starts++] = chars;
        }
    }
    size_t lo = 0, hi = ld->nline_starts; /* last line start <= index */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ld->line_starts[mid] <= m->index)
            lo = mid;
        else
            hi = mid;
    }
    *line = (int)lo + 1;
    *column = (int)(m->index - ld->line_starts[lo]) + 1;
}

static void ld_report_at(loader *ld, imgb_diag_level level, const yaml_mark_t *m,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void ld_report_at(loader *ld, imgb_diag_level level, const yaml_mark_t *m,
                         const char *fmt, ...)
{
    char msg[IMGB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, column;
    ld_position(ld, m, &line, &column);
    ld_report(ld, level, line, column, "%s", msg);
}

static void ld_report(loader *ld, imgb_diag_level level, int line, int column,
                      const char *fmt, ...)
{
    char raw[IMGB_ERROR_MAX], msg[IMGB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* one line whatever a scalar held: control bytes are printed escaped */
    ld_escape(raw, msg, sizeof msg);

    imgb_diag d = { ld->file, line, column, level, msg };
    if (level == IMGB_DIAG_ERROR) {
        if (ld->nerrors++ == 0)
            ld->first_error = imgb_diag_format(&d);
    }
    if (ld->diag)
        ld->diag(&d, ld->payload);
}

#define ld_err(ld, node, ...)                                                              \
    ld_report_at((ld), IMGB_DIAG_ERROR, &(node)->start_mark, __VA_ARGS__)
#define ld_warn(ld, node, ...)                                                             \
    ld_report_at((ld), IMGB_DIAG_WARNING, &(node)->start_mark, __VA_ARGS__)

char *imgb_diag_format(const imgb_diag *d)
{
    const char *lvl = d->level == IMGB_DIAG_WARNING ? "warning: " : "";
    if (d->line <= 0)
        return imgb_xasprintf("%s: %s%s", d->file, lvl, d->message);
    return imgb_xasprintf("%s:%d:%d: %s%s", d->file, d->line, d->column, lvl, d->message);
}

/* ---- YAML node helpers ------------------------------------------------------------------ */

static yaml_node_t *ld_node(loader *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

static const char *ld_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Value node of `key` in mapping `map`, or NULL (also its key node through `keynode`). */
static yaml_node_t *ld_get(loader *ld, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = ld_scalar(ld_node(ld, p->key));
        if (k && strcmp(k, key) == 0)
            return ld_node(ld, p->value);
    }
    return NULL;
}

/* Every key of `map` is a scalar, listed in `allowed` and unique; report the others. */
static bool ld_check_keys(loader *ld, const yaml_node_t *map, const char *what,
                          const char *const *allowed)
{
    char shown[LD_SHOW_BUF]; /* a scalar as printed in a message */
    bool ok = true;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = ld_node(ld, p->key);
        const char *k = ld_scalar(kn);
        if (!k) {
            ld_err(ld, kn, "%s: keys must be plain strings", what);
            ok = false;
            continue;
        }
        size_t i;
        for (i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], k) == 0)
                break;
        if (!allowed[i]) {
            ld_err(ld, kn, "%s: unknown key '%s'", what, ld_show(k, shown));
            ok = false;
        }
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
            const char *k2 = ld_scalar(ld_node(ld, q->key));
            if (k2 && strcmp(k, k2) == 0) {
                ld_err(ld, kn, "%s: duplicate key '%s'", what, ld_show(k, shown));
                ok = false;
                break;
            }
        }
    }
    return ok;
}

static bool ld_is_map(loader *ld, const yaml_node_t *n, const char *what)
{
    if (n->type == YAML_MAPPING_NODE)
        return true;
    ld_err(ld, n, "%s: expected a mapping", what);
    return false;
}

/* A required (or optional) non-empty scalar string, malloc'd into `*out`. */
static bool ld_string(loader *ld, const yaml_node_t *map, const char *key, const char *what,
                      bool required, char **out)
{
    yaml_node_t *n = ld_get(ld, map, key);
    *out = NULL;
    if (!n) {
        if (required)
            ld_err(ld, map, "%s: missing '%s'", what, key);
        return !required;
    }
    const char *s = ld_scalar(n);
    if (!s || !*s) {
        ld_err(ld, n, "%s: '%s' must be a non-empty string", what, key);
        return false;
    }
    *out = imgb_xstrdup(s);
    return true;
}

static bool ld_bool(loader *ld, const yaml_node_t *n, const char *what, bool *out)
{
    const char *s = ld_scalar(n);
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
        *out = s[0] == 't';
        return true;
    }
    ld_err(ld, n, "%s: expected true or false", what);
    return false;
}

/* {zh: ..., en: ...}: both languages are required. */
static bool ld_text(loader *ld, const yaml_node_t *map, const char *key, const char *what,
                    imgb_text *out)
{
    static const char *const keys[] = { "zh", "en", NULL };
    char where[256];
    yaml_node_t *n = ld_get(ld, map, key);

    out->zh = out->en = NULL;
    snprintf(where, sizeof where, "%s: %s", what, key);
    if (!n) {
        ld_err(ld, map, "%s: missing '%s' ({zh: ..., en: ...})", what, key);
        return false;
    }
    if (n->type != YAML_MAPPING_NODE) {
        ld_err(ld, n, "%s: expected {zh: ..., en: ...}", where);
        return false;
    }
    bool ok = ld_check_keys(ld, n, where, keys);
    ok = ld_string(ld, n, "zh", where, true, &out->zh) && ok;
    ok = ld_string(ld, n, "en", where, true, &out->en) && ok;
    return ok;
}

static void ld_text_dispose(imgb_text *t)
{
    free(t->zh);
    free(t->en);
    t->zh = t->en = NULL;
}

/* A scalar or a sequence of scalars, as a string array. */
static bool ld_string_list(loader *ld, const yaml_node_t *n, const char *what, bool lower,
                           char ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n->type == YAML_SCALAR_NODE) {
        *out = imgb_xcalloc(1, sizeof **out);
        (*out)[(*nout)++] = imgb_xstrdup(ld_scalar(n));
    } else if (n->type == YAML_SEQUENCE_NODE) {
        size_t cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
        *out = imgb_xcalloc(cap ? cap : 1, sizeof **out);
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
            yaml_node_t *e = ld_node(ld, *it);
            const char *s = ld_scalar(e);
            if (!s || !*s) {
                ld_err(ld, e, "%s: expected a non-empty string", what);
                return false;
            }
            (*out)[(*nout)++] = imgb_xstrdup(s);
        }
    } else {
        ld_err(ld, n, "%s: expected a string or a list of strings", what);
        return false;
    }
    if (lower)
        for (size_t i = 0; i < *nout; i++)
            for (char *c = (*out)[i]; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
    return true;
}

static void ld_strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- YAML -> JSON for `check:` ----------------------------------------------------------- */

static bool ld_plain_integer(const char *s, long long *out)
{
    const char *d = (*s == '-') ? s + 1 : s;
    if (!*d || (d[0] == '0' && d[1]))
        return false; /* "027" stays a string: octal is the comparison's choice */
    for (const char *c = d; *c; c++)
        if (*c < '0' || *c > '9')
            return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || *end)
        return false;
    *out = v;
    return true;
}

static json_t *ld_json(loader *ld, yaml_node_t *n, int depth)
{
    char shown[LD_SHOW_BUF]; /* a scalar as printed in a message */
    if (depth > IMGB_MAX_YAML_DEPTH) {
        ld_err(ld, n, "check: nested deeper than %d levels", IMGB_MAX_YAML_DEPTH);
        return NULL;
    }
    if (ld->budget == 0) {
        ld_err(ld, n, "check: more than %d YAML nodes in this file", IMGB_MAX_YAML_NODES);
        return NULL;
    }
    ld->budget--;

    switch (n->type) {
    case YAML_SCALAR_NODE: {
        const char *s = (const char *)n->data.scalar.value;
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            long long v;
            if (ld_plain_integer(s, &v))
                return json_integer(v);
            if (strcmp(s, "true") == 0)
                return json_true();
            if (strcmp(s, "false") == 0)
                return json_false();
            if (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || *s == '\0')
                return json_null();
        }
        json_t *j = json_stringn(s, n->data.scalar.length);
        if (!j)
            ld_err(ld, n, "check: string is not valid UTF-8 or contains NUL");
        return j;
    }
    case YAML_SEQUENCE_NODE: {
        json_t *arr = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
            json_t *e = ld_json(ld, ld_node(ld, *it), depth + 1);
            if (!e) {
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, e);
        }
        return arr;
    }
    case YAML_MAPPING_NODE: {
        json_t *obj = json_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *kn = ld_node(ld, p->key);
            const char *k = ld_scalar(kn);
            if (!k) {
                ld_err(ld, kn, "check: keys must be plain strings");
                json_decref(obj);
                return NULL;
            }
            if (json_object_get(obj, k)) {
                ld_err(ld, kn, "check: duplicate key '%s'", ld_show(k, shown));
                json_decref(obj);
                return NULL;
            }
            json_t *v = ld_json(ld, ld_node(ld, p->value), depth + 1);
            if (!v) {
                json_decref(obj);
                return NULL;
            }
            json_object_set_new(obj, k, v);
        }
        return obj;
    }
    default:
        ld_err(ld, n, "check: empty node");
        return NULL;
    }
}

/* "one of: a, b, c" or "no parameters" for a kind's accepted keys (static buffer: the
 * loader is single-threaded per call and the message is copied at once). */
static const char *ld_kind_keys(const imgb_check_kind *k)
{
    static _Thread_local char buf[512];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; k->keys && k->keys[i] && n + 2 < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "one of: ",
                              k->keys[i]);
    return n ? buf : "no parameters besides 'kind'";
}

/*
 * Warn about regular expressions that repeat a group holding an unbounded quantifier
 * (`(a+)+`): they backtrack exponentially on a near-miss, so on hostile bytes they end in
 * the match limit and an error verdict instead of a result.  Every scalar under a key that
 * the schema defines as a PCRE2 pattern (rules/README.md) is looked at, in any kind.
 */
static void ld_lint_patterns(loader *ld, yaml_node_t *n, int depth)
{
    static const char *const regex_keys[] = { "pattern", "not_pattern", "regex" };
    if (!n || depth > IMGB_MAX_YAML_DEPTH)
        return;
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = n->data.sequence.items.start;
             it < n->data.sequence.items.top; it++)
            ld_lint_patterns(ld, ld_node(ld, *it), depth + 1);
        return;
    }
    if (n->type != YAML_MAPPING_NODE)
        return;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = ld_scalar(ld_node(ld, p->key));
        yaml_node_t *v = ld_node(ld, p->value);
        const char *pat = ld_scalar(v);
        bool is_regex = false;
        for (size_t i = 0; k && i < sizeof regex_keys / sizeof *regex_keys; i++)
            is_regex |= strcmp(k, regex_keys[i]) == 0;
        size_t at;
        if (is_regex && pat && imgb_regex_nested_quantifier(pat, &at))
            ld_warn(ld, v, "%s: nested quantifier at offset %zu (a repeated group that itself "
                    "repeats backtracks exponentially; the match limit then makes the item an "
                    "error)", k, at);
        else
            ld_lint_patterns(ld, v, depth + 1);
    }
}


/*
 * Compile `check:` with its kind.  A kind's message that starts with one of the check's
 * keys ("pattern: invalid PCRE2 ...") is reported at that key's value, else at `check:`.
 */
static bool ld_check(loader *ld, yaml_node_t *check, imgb_item *item)
{
    char shown[LD_SHOW_BUF]; /* a scalar as printed in a message */
    if (!ld_is_map(ld, check, "check"))
        return false;
    yaml_node_t *kn = ld_get(ld, check, "kind");
    const char *kind = ld_scalar(kn);
    if (!kind) {
        ld_err(ld, kn ? kn : check, "check: missing 'kind'");
        return false;
    }
    item->kind = imgb_check_kind_find(kind);
    if (!item->kind) {
        ld_err(ld, kn, "unknown check kind '%s'", ld_show(kind, shown));
        return false;
    }
    item->params = ld_json(ld, check, 0);
    if (!item->params)
        return false;
    /* Every key of every kind is checked here, where its position is known. */
    bool keys_ok = true;
    for (yaml_node_pair_t *p = check->data.mapping.pairs.start; p < check->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = ld_node(ld, p->key);
        const char *k = ld_scalar(key);
        if (k && !imgb_check_kind_accepts(item->kind, k)) {
            ld_err(ld, key, "%s: unknown parameter '%s' (expected %s)", kind, k,
                   ld_kind_keys(item->kind));
            keys_ok = false;
        }
    }
    if (!keys_ok)
        return false;
    json_object_set_new(item->params, "_rules_dir", json_string(ld->root));

    imgb_error_clear();
    if (item->kind->compile(item->params, &item->compiled) >= 0) {
        json_t *copy = json_deep_copy(item->params);
        json_object_del(copy, "_rules_dir");
        item->check_json = json_dumps(copy, JSON_PRESERVE_ORDER | JSON_COMPACT);
        json_decref(copy);
        item->references_json = json_dumps(item->references, JSON_PRESERVE_ORDER | JSON_COMPACT);
        ld_lint_patterns(ld, check, 0);
        return true;
    }
    item->compiled = NULL;

    const char *msg = imgb_error_last();
    yaml_node_t *at = check;
    for (yaml_node_pair_t *p = check->data.mapping.pairs.start; p < check->data.mapping.pairs.top;
         p++) {
        const char *k = ld_scalar(ld_node(ld, p->key));
        size_t klen = k ? strlen(k) : 0;
        if (klen && strncmp(msg, k, klen) == 0 && (msg[klen] == ':' || msg[klen] == ' ')) {
            at = ld_node(ld, p->value);
            break;
        }
    }
    ld_err(ld, at, "%s: %s", ld_show(kind, shown), *msg ? msg : "invalid parameters");
    return false;
}

/* ---- items and baselines ----------------------------------------------------------------- */

static void ld_item_free(imgb_item *it)
{
    if (!it)
        return;
    if (it->kind && it->compiled && it->kind->free)
        it->kind->free(it->compiled);
    json_decref(it->params);
    json_decref(it->references);
    free(it->id);
    free(it->key);
    ld_text_dispose(&it->title);
    ld_text_dispose(&it->description);
    ld_text_dispose(&it->advice);
    free(it->file);
    free(it->check_json);
    free(it->references_json);
    imgb_fixes f = { it->fixes, it->nfixes };
    imgb_fixes_dispose(&f);
    free(it);
}

static bool ld_enum(loader *ld, const yaml_node_t *item, const char *key, const char *what,
                    const char *const *names, int *out)
{
    yaml_node_t *n = ld_get(ld, item, key);
    if (!n) {
        ld_err(ld, item, "%s: missing '%s' (%s, %s or %s)", what, key, names[0], names[1],
               names[2]);
        return false;
    }
    const char *s = ld_scalar(n);
    for (int i = 0; s && names[i]; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return true;
        }
    ld_err(ld, n, "%s: '%s' must be %s, %s or %s", what, key, names[0], names[1], names[2]);
    return false;
}

static bool ld_unique(loader *ld, imgb_ptrvec *seen, const yaml_node_t *at, const char *what,
                      const char *id)
{
    char shown[LD_SHOW_BUF]; /* a scalar as printed in a message */
    for (size_t i = 0; i < seen->len; i++) {
        const ld_id *p = seen->items[i];
        if (strcmp(p->id, id) == 0) {
            ld_err(ld, at, "duplicate %s '%s' (first defined at %s:%d)", what, ld_show(id, shown), p->file,
                   p->line);
            return false;
        }
    }
    ld_id *p = imgb_xmalloc(sizeof *p);
    p->id = imgb_xstrdup(id);
    p->file = imgb_xstrdup(ld->file);
    int col;
    ld_position(ld, &at->start_mark, &p->line, &col);
    imgb_ptrvec_push(seen, p);
    return true;
}

static imgb_item *ld_item(loader *ld, yaml_node_t *n, size_t index)
{
    static const char *const keys[] = { "id", "key", "title", "description", "advice",
                                         "severity", "bucket", "references", "check", "fix",
                                         NULL };
    static const char *const severities[] = { "low", "medium", "high", NULL };
    static const char *const buckets[] = { "security_check", "pwd_policy", "image_weak_pwd",
                                           NULL };
    char what[300];

    snprintf(what, sizeof what, "item %zu", index + 1);
    if (!ld_is_map(ld, n, what))
        return NULL;
    imgb_item *it = imgb_xcalloc(1, sizeof *it);
    it->file = imgb_xstrdup(ld->file);
    int col;
    ld_position(ld, &n->start_mark, &it->line, &col);
    bool ok = ld_check_keys(ld, n, what, keys);
    if (!ld_string(ld, n, "id", what, true, &it->id)) {
        ld_item_free(it);
        return NULL;
    }
    snprintf(what, sizeof what, "item %s", it->id);
    ok = ld_unique(ld, &ld->item_ids, ld_get(ld, n, "id"), "item id", it->id) && ok;
    ok = ld_string(ld, n, "key", what, false, &it->key) && ok;
    if (!it->key) {
        const char *dot = strrchr(it->id, '.');
        it->key = imgb_xstrdup(dot ? dot + 1 : it->id);
    }
    ok = ld_text(ld, n, "title", what, &it->title) && ok;
    ok = ld_text(ld, n, "description", what, &it->description) && ok;
    ok = ld_text(ld, n, "advice", what, &it->advice) && ok;
    int sev = 0, bucket = 0;
    ok = ld_enum(ld, n, "severity", what, severities, &sev) && ok;
    ok = ld_enum(ld, n, "bucket", what, buckets, &bucket) && ok;
    it->severity = (imgb_severity)sev;
    it->bucket = (imgb_bucket)bucket;

    yaml_node_t *refs = ld_get(ld, n, "references");
    if (refs) {
        bool scalars = refs->type == YAML_MAPPING_NODE;
        for (yaml_node_pair_t *p = scalars ? refs->data.mapping.pairs.start : NULL;
             scalars && p < refs->data.mapping.pairs.top; p++)
            if (!ld_scalar(ld_node(ld, p->value)) || !ld_scalar(ld_node(ld, p->key)))
                scalars = false;
        if (!scalars) {
            ld_err(ld, refs, "%s: references must map names to strings", what);
            ok = false;
        } else {
            it->references = json_object();
            for (yaml_node_pair_t *p = refs->data.mapping.pairs.start;
                 p < refs->data.mapping.pairs.top; p++)
                json_object_set_new(it->references, ld_scalar(ld_node(ld, p->key)),
                                    json_string(ld_scalar(ld_node(ld, p->value))));
        }
    } else {
        it->references = json_object();
    }

    yaml_node_t *check = ld_get(ld, n, "check");
    if (!check) {
        ld_err(ld, n, "%s: missing 'check'", what);
        ok = false;
    } else {
        ok = ld_check(ld, check, it) && ok;
    }
    yaml_node_t *fix = ld_get(ld, n, "fix");
    if (fix) {
        json_t *j = ld_json(ld, fix, 0);
        imgb_fixes f;
        if (!j) { /* ld_json said why */
            ok = false;
        } else if (imgb_fixes_compile(j, &f) < 0) {
            ld_err(ld, fix, "%s: %s", what, imgb_error_last());
            ok = false;
        } else {
            it->fixes = f.v;
            it->nfixes = f.n;
        }
        json_decref(j);
    }
    if (!ok) {
        ld_item_free(it);
        return NULL;
    }
    return it;
}

static void ld_baseline_free(imgb_baseline *b)
{
    if (!b)
        return;
    free(b->key);
    free(b->class_key);
    ld_text_dispose(&b->alias);
    ld_text_dispose(&b->class_alias);
    ld_strings_free(b->applies.os_ids, b->applies.nos_ids);
    free(b->applies.version_min);
    free(b->applies.version_max);
    free(b->applies.requires_package);
    ld_strings_free(b->standards, b->nstandards);
    free(b->hw_check_name);
    free(b->hw_check_type);
    ld_text_dispose(&b->hw_check_type_desc);
    for (size_t i = 0; i < b->nitems; i++)
        ld_item_free(b->items[i]);
    free(b->items);
    free(b->file);
    free(b->applies_text);
    free(b);
}

/* Where a baseline applies, for listings: "centos|rhel 7..8, requires openssh-server". */
static char *ld_applies_text(const imgb_applies *a)
{
    imgb_buf b = IMGB_BUF_INIT;
    if (a->any_os) {
        imgb_buf_puts(&b, "every image");
    } else if (a->generic) {
        imgb_buf_puts(&b, "generic Linux (no OS-specific baseline of its class)");
    } else {
        for (size_t i = 0; i < a->nos_ids; i++)
            imgb_buf_printf(&b, "%s%s", i ? "|" : "", a->os_ids[i]);
        if (a->version_min || a->version_max)
            imgb_buf_printf(&b, " %s..%s", a->version_min ? a->version_min : "",
                            a->version_max ? a->version_max : "");
    }
    if (a->requires_package)
        imgb_buf_printf(&b, ", requires %s", a->requires_package);
    return imgb_buf_detach(&b);
}

static bool ld_applies(loader *ld, const yaml_node_t *n, imgb_applies *a)
{
    static const char *const keys[] = { "os", "version", "generic", "requires_package", NULL };
    static const char *const vkeys[] = { "min", "max", NULL };

    if (!ld_is_map(ld, n, "applies"))
        return false;
    bool ok = ld_check_keys(ld, n, "applies", keys);
    yaml_node_t *os = ld_get(ld, n, "os");
    if (os)
        ok = ld_string_list(ld, os, "applies: os", true, &a->os_ids, &a->nos_ids) && ok;
    yaml_node_t *gen = ld_get(ld, n, "generic");
    if (gen)
        ok = ld_bool(ld, gen, "applies: generic", &a->generic) && ok;
    if (a->generic && a->nos_ids) {
        ld_err(ld, gen, "applies: 'generic' and 'os' exclude each other");
        ok = false;
    }
    yaml_node_t *ver = ld_get(ld, n, "version");
    if (ver) {
        if (!a->nos_ids) {
            ld_err(ld, ver, "applies: 'version' needs 'os'");
            ok = false;
        } else if (ld_is_map(ld, ver, "applies: version")) {
            ok = ld_check_keys(ld, ver, "applies: version", vkeys) && ok;
            ok = ld_string(ld, ver, "min", "applies: version", false, &a->version_min) && ok;
            ok = ld_string(ld, ver, "max", "applies: version", false, &a->version_max) && ok;
        } else {
            ok = false;
        }
    }
    ok = ld_string(ld, n, "requires_package", "applies", false, &a->requires_package) && ok;
    a->any_os = !a->generic && a->nos_ids == 0;
    return ok;
}

static bool ld_huawei(loader *ld, const yaml_node_t *n, imgb_baseline *b)
{
    static const char *const keys[] = { "check_name", "check_type", "check_type_desc", NULL };
    if (!ld_is_map(ld, n, "huawei"))
        return false;
    bool ok = ld_check_keys(ld, n, "huawei", keys);
    ok = ld_string(ld, n, "check_name", "huawei", false, &b->hw_check_name) && ok;
    ok = ld_string(ld, n, "check_type", "huawei", false, &b->hw_check_type) && ok;
    if (ld_get(ld, n, "check_type_desc"))
        ok = ld_text(ld, n, "check_type_desc", "huawei", &b->hw_check_type_desc) && ok;
    return ok;
}

static imgb_baseline *ld_baseline(loader *ld, yaml_node_t *root)
{
    static const char *const top[] = { "baseline", "items", NULL };
    static const char *const keys[] = { "key", "class", "alias", "class_alias", "applies",
                                        "standards", "huawei", NULL };

    if (!ld_is_map(ld, root, "rule file"))
        return NULL;
    bool ok = ld_check_keys(ld, root, "rule file", top);
    yaml_node_t *bn = ld_get(ld, root, "baseline");
    if (!bn) {
        ld_err(ld, root, "rule file: missing 'baseline'");
        return NULL;
    }
    if (!ld_is_map(ld, bn, "baseline"))
        return NULL;

    imgb_baseline *b = imgb_xcalloc(1, sizeof *b);
    b->file = imgb_xstrdup(ld->file);
    ok = ld_check_keys(ld, bn, "baseline", keys) && ok;
    if (ld_string(ld, bn, "key", "baseline", true, &b->key))
        ok = ld_unique(ld, &ld->baseline_keys, ld_get(ld, bn, "key"), "baseline key", b->key) &&
             ok;
    else
        ok = false;
    ok = ld_string(ld, bn, "class", "baseline", true, &b->class_key) && ok;
    ok = ld_text(ld, bn, "alias", "baseline", &b->alias) && ok;
    ok = ld_text(ld, bn, "class_alias", "baseline", &b->class_alias) && ok;
    yaml_node_t *ap = ld_get(ld, bn, "applies");
    if (ap)
        ok = ld_applies(ld, ap, &b->applies) && ok;
    else
        b->applies.any_os = true;
    b->applies_text = ld_applies_text(&b->applies);
    yaml_node_t *st = ld_get(ld, bn, "standards");
    if (st)
        ok = ld_string_list(ld, st, "baseline: standards", false, &b->standards,
                            &b->nstandards) && ok;
    yaml_node_t *hw = ld_get(ld, bn, "huawei");
    if (hw)
        ok = ld_huawei(ld, hw, b) && ok;

    yaml_node_t *items = ld_get(ld, root, "items");
    if (!items) {
        ld_err(ld, root, "rule file: missing 'items'");
        ok = false;
    } else if (items->type != YAML_SEQUENCE_NODE) {
        ld_err(ld, items, "items: expected a list");
        ok = false;
    } else {
        size_t n = (size_t)(items->data.sequence.items.top - items->data.sequence.items.start);
        b->items = imgb_xcalloc(n ? n : 1, sizeof *b->items);
        for (size_t i = 0; i < n; i++) {
            imgb_item *it = ld_item(ld, ld_node(ld, items->data.sequence.items.start[i]), i);
            if (it)
                b->items[b->nitems++] = it;
            else
                ok = false;
        }
        if (n == 0)
            ld_warn(ld, items, "baseline %s has no items", b->key ? b->key : "?");
    }
    if (!ok) {
        ld_baseline_free(b);
        return NULL;
    }
    return b;
}

/* ---- files ------------------------------------------------------------------------------- */

static char *ld_read_file(loader *ld, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ld_report(ld, IMGB_DIAG_ERROR, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    imgb_buf b = IMGB_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > IMGB_MAX_RULE_FILE_BYTES) {
            ld_report(ld, IMGB_DIAG_ERROR, 0, 0, "rule file larger than %u bytes",
                      IMGB_MAX_RULE_FILE_BYTES);
            fclose(f);
            imgb_buf_dispose(&b);
            return NULL;
        }
        imgb_buf_put(&b, chunk, n);
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        ld_report(ld, IMGB_DIAG_ERROR, 0, 0, "read error");
        imgb_buf_dispose(&b);
        return NULL;
    }
    *len = b.len;
    return imgb_buf_detach(&b);
}

static void ld_yaml_error(loader *ld, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "cannot parse";
    if (p->context)
        ld_report_at(ld, IMGB_DIAG_ERROR, &p->problem_mark, "invalid YAML: %s (%s)", problem,
                     p->context);
    else
        ld_report_at(ld, IMGB_DIAG_ERROR, &p->problem_mark, "invalid YAML: %s", problem);
}

/*
 * First pass over the events: refuse nesting deeper than IMGB_MAX_YAML_DEPTH before the
 * document is built (libyaml's scanner slows down quadratically with flow nesting, and no
 * rule needs more than a few levels).  Parse errors are left to the loading pass.
 */
static bool ld_precheck(loader *ld, const char *data, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int depth = 0;
    bool ok = true, done = false;

    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done && yaml_parser_parse(&parser, &ev)) {
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (++depth > IMGB_MAX_YAML_DEPTH) {
                ld_report_at(ld, IMGB_DIAG_ERROR, &ev.start_mark, "nested deeper than %d levels",
                          IMGB_MAX_YAML_DEPTH);
                ok = false;
                done = true;
            }
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            depth--;
        } else if (ev.type == YAML_STREAM_END_EVENT) {
            done = true;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return ok;
}

/* Load one rule file's text (named `name` in diagnostics). */
static void ld_text_body(loader *ld, const char *name, const char *root, const char *data,
                         size_t len)
{
    ld->file = name;
    ld->root = root;
    if (len > IMGB_MAX_RULE_FILE_BYTES) {
        ld_report(ld, IMGB_DIAG_ERROR, 0, 0, "rule file larger than %u bytes",
                  IMGB_MAX_RULE_FILE_BYTES);
        return;
    }
    if (!ld_precheck(ld, data, len))
        return;

    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        ld_yaml_error(ld, &parser);
        yaml_parser_delete(&parser);
        return;
    }
    ld->doc = &doc;
    ld->budget = IMGB_MAX_YAML_NODES;
    yaml_node_t *root_node = yaml_document_get_root_node(&doc);
    if (!root_node) {
        ld_report(ld, IMGB_DIAG_ERROR, 0, 0, "empty rule file");
    } else {
        imgb_baseline *b = ld_baseline(ld, root_node);
        if (b)
            imgb_ptrvec_push(&ld->baselines, b);
        yaml_document_t next;
        if (!yaml_parser_load(&parser, &next)) {
            ld_yaml_error(ld, &parser);
        } else {
            if (yaml_document_get_root_node(&next))
                ld_report_at(ld, IMGB_DIAG_ERROR, &next.start_mark,
                             "a rule file holds one YAML document (found a second)");
            yaml_document_delete(&next);
        }
    }
    ld->doc = NULL;
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
}

static void ld_text_file(loader *ld, const char *name, const char *root, const char *data,
                         size_t len)
{
    if (!ld->digest && (ld->digest = EVP_MD_CTX_new()))
        EVP_DigestInit_ex(ld->digest, EVP_sha256(), NULL);
    if (ld->digest) {
        /* the name relative to its rules directory, so the version does not depend on where
         * the rules are installed */
        size_t rl = strlen(root);
        const char *rel = strncmp(name, root, rl) == 0 && name[rl] == '/' ? name + rl + 1 : name;
        EVP_DigestUpdate(ld->digest, rel, strlen(rel) + 1);
        EVP_DigestUpdate(ld->digest, data, len);
    }
    ld->text = data;
    ld->text_len = len;
    ld_text_body(ld, name, root, data, len);
    /* positions are per file: the text is the caller's and goes away */
    free(ld->line_starts);
    ld->line_starts = NULL;
    ld->nline_starts = 0;
    ld->text = NULL;
}

static void ld_file(loader *ld, const char *path, const char *root)
{
    size_t len = 0;
    ld->file = path;
    ld->root = root;
    char *data = ld_read_file(ld, path, &len);
    if (!data)
        return;
    ld_text_file(ld, path, root, data, len);
    free(data);
}

static int ld_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ld_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Sorted names in `dir` (no dot files). */
static char **ld_list_dir(const char *dir, size_t *n)
{
    imgb_ptrvec v = IMGB_PTRVEC_INIT;
    DIR *d = opendir(dir);
    *n = 0;
    if (!d)
        return NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            imgb_ptrvec_push(&v, imgb_xstrdup(de->d_name));
    closedir(d);
    if (v.len)
        qsort(v.items, v.len, sizeof *v.items, ld_cmp_names);
    *n = v.len;
    return (char **)v.items;
}

/* Every *.yaml below `dir`, in sorted order; dict/, i18n/ and secrets/ hold data, not
 * baselines. */
static void ld_walk(loader *ld, const char *dir, const char *root, int depth, size_t *nfiles)
{
    size_t n;
    char **names = ld_list_dir(dir, &n);
    for (size_t i = 0; i < n; i++) {
        char *path = imgb_xasprintf("%s/%s", dir, names[i]);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            bool data_dir = depth == 0 && (strcmp(names[i], "dict") == 0 ||
                                           strcmp(names[i], "i18n") == 0 ||
                                           strcmp(names[i], "secrets") == 0);
            if (!data_dir && depth + 1 < IMGB_MAX_RULE_DIR_DEPTH)
                ld_walk(ld, path, root, depth + 1, nfiles);
        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                   ld_has_suffix(names[i], ".yaml")) {
            if (++*nfiles > IMGB_MAX_RULE_FILES) {
                ld->file = path;
                ld_report(ld, IMGB_DIAG_ERROR, 0, 0, "more than %d rule files",
                          IMGB_MAX_RULE_FILES);
            } else {
                ld_file(ld, path, root);
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

/* The ruleset from what was loaded, or NULL (error set) when any error was reported. */
static imgb_ruleset *ld_finish(loader *ld)
{
    if (ld->nerrors) {
        imgb_error_set(IMGB_EFORMAT, "%s%s", ld->first_error,
                       ld->nerrors > 1 ? " (and more problems)" : "");
        return NULL;
    }
    imgb_ruleset *rs = imgb_xcalloc(1, sizeof *rs);
    rs->nbaselines = ld->baselines.len;
    rs->baselines = (imgb_baseline **)ld->baselines.items;
    ld->baselines.items = NULL;
    ld->baselines.len = ld->baselines.cap = 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (ld->digest && EVP_DigestFinal_ex(ld->digest, md, &mdlen) == 1 && mdlen >= 6)
        snprintf(rs->version, sizeof rs->version, "%02x%02x%02x%02x%02x%02x", md[0], md[1],
                 md[2], md[3], md[4], md[5]);
    else
        snprintf(rs->version, sizeof rs->version, "empty");
    return rs;
}

static void ld_dispose(loader *ld)
{
    EVP_MD_CTX_free(ld->digest);
    imgb_ptrvec_dispose(&ld->baselines, (void (*)(void *))ld_baseline_free);
    imgb_ptrvec_dispose(&ld->item_ids, ld_id_free);
    imgb_ptrvec_dispose(&ld->baseline_keys, ld_id_free);
    free(ld->first_error);
}

int imgb_ruleset_load_text(imgb_ruleset **out, const char *name, const char *text, size_t len,
                           imgb_diag_fn diag, void *payload)
{
    loader ld = { .diag = diag, .payload = payload };
    ld_text_file(&ld, name, ".", text, len);
    *out = ld_finish(&ld);
    ld_dispose(&ld);
    return *out ? 0 : IMGB_EFORMAT;
}

/* The message catalogs <dir>/i18n/zh.yaml of the rules directories, in load order (a later
 * directory may add or override translations); a directory without one adds nothing. */
static int ld_catalogs(imgb_ruleset *rs, const char *const *paths, size_t npaths,
                       imgb_diag_fn diag, void *payload)
{
    rs->catalog = imgb_catalog_new();
    for (size_t i = 0; i < npaths; i++) {
        char *path = imgb_xasprintf("%s/i18n/zh.yaml", paths[i]);
        struct stat st;
        int rc = 0;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode) && stat(path, &st) == 0)
            rc = imgb_catalog_load_file(rs->catalog, path, diag, payload);
        free(path);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int imgb_ruleset_load(imgb_ruleset **out, const char *const *paths, size_t npaths,
                      imgb_diag_fn diag, void *payload)
{
    loader ld = { .diag = diag, .payload = payload };
    size_t nfiles = 0;
    int rc = 0;

    *out = NULL;
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            rc = imgb_error_set(IMGB_ENOTFOUND, "rules: %s: %s", paths[i], strerror(errno));
            goto done;
        }
        if (S_ISDIR(st.st_mode)) {
            ld_walk(&ld, paths[i], paths[i], 0, &nfiles);
        } else {
            char *dir = imgb_xstrdup(paths[i]);
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = '\0';
            ld_file(&ld, paths[i], slash ? dir : ".");
            free(dir);
            nfiles++;
        }
    }
    imgb_ruleset *rs = ld_finish(&ld);
    if (!rs) {
        rc = IMGB_EFORMAT;
        goto done;
    }
    /* Data of the kinds that keep some per rules directory (the weak-password dictionary),
     * in load order; the kind owns the format. */
    for (const imgb_check_kind *const *k = imgb_check_kinds(); *k; k++) {
        for (size_t i = 0; (*k)->load_dir && i < npaths; i++) {
            struct stat st;
            if (stat(paths[i], &st) != 0 || !S_ISDIR(st.st_mode))
                continue;
            if ((rc = (*k)->load_dir(imgb_ruleset_kind_slot(rs, *k), paths[i])) < 0) {
                imgb_ruleset_free(rs);
                goto done;
            }
        }
    }
    if ((rc = ld_catalogs(rs, paths, npaths, diag, payload)) < 0) {
        imgb_ruleset_free(rs);
        goto done;
    }
    *out = rs;

done:
    ld_dispose(&ld);
    return rc;
}

void imgb_ruleset_free(imgb_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nbaselines; i++)
        ld_baseline_free(rs->baselines[i]);
    free(rs->baselines);
    for (size_t i = 0; i < rs->nkind_data; i++)
        if (rs->kind_data[i].kind->free_data)
            rs->kind_data[i].kind->free_data(rs->kind_data[i].data);
    free(rs->kind_data);
    imgb_catalog_free(rs->catalog);
    free(rs);
}

const char *imgb_ruleset_version(const imgb_ruleset *rs)
{
    return rs ? rs->version : "";
}

void *imgb_ruleset_kind_data(const imgb_ruleset *rs, const imgb_check_kind *kind)
{
    for (size_t i = 0; rs && i < rs->nkind_data; i++)
        if (rs->kind_data[i].kind == kind)
            return rs->kind_data[i].data;
    return NULL;
}

void **imgb_ruleset_kind_slot(imgb_ruleset *rs, const imgb_check_kind *kind)
{
    for (size_t i = 0; i < rs->nkind_data; i++)
        if (rs->kind_data[i].kind == kind)
            return &rs->kind_data[i].data;
    rs->kind_data = imgb_xrealloc(rs->kind_data, (rs->nkind_data + 1) * sizeof *rs->kind_data);
    rs->kind_data[rs->nkind_data] = (imgb_kind_data){ kind, NULL };
    return &rs->kind_data[rs->nkind_data++].data;
}

const imgb_baseline *imgb_ruleset_find_baseline(const imgb_ruleset *rs, const char *key)
{
    for (size_t i = 0; i < rs->nbaselines; i++)
        if (strcmp(rs->baselines[i]->key, key) == 0)
            return rs->baselines[i];
    return NULL;
}

const imgb_item *imgb_ruleset_find_item(const imgb_ruleset *rs, const char *id,
                                        const imgb_baseline **baseline)
{
    for (size_t i = 0; i < rs->nbaselines; i++)
        for (size_t j = 0; j < rs->baselines[i]->nitems; j++)
            if (strcmp(rs->baselines[i]->items[j]->id, id) == 0) {
                if (baseline)
                    *baseline = rs->baselines[i];
                return rs->baselines[i]->items[j];
            }
    return NULL;
}

static bool ld_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *imgb_rules_builtin_dir(const char *exe_dir)
{
    if (exe_dir) {
        char *cache = imgb_xasprintf("%s/CMakeCache.txt", exe_dir);
        struct stat st;
        bool build_tree = stat(cache, &st) == 0;
        free(cache);
        if (build_tree && ld_is_dir(IMGB_RULES_SOURCE_DIR))
            return imgb_xstrdup(IMGB_RULES_SOURCE_DIR);
        char *share = imgb_xasprintf("%s/../share/imgbaseline/rules", exe_dir);
        if (ld_is_dir(share))
            return share;
        free(share);
    }
    return imgb_xstrdup(IMGB_RULES_INSTALL_DIR);
}
