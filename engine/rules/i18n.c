/*
 * The message catalog (rules/i18n/zh.yaml): English message shapes compiled once into
 * anchored PCRE2 patterns, applied to finished messages when a report is rendered in
 * another language.  See i18n.h for the shape syntax.
 */
#include "rules/i18n.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/regex.h"

/* A message inside a message inside ... : deeper parts stay as they are. */
#define CAT_MAX_DEPTH 4
/* Placeholders per shape (capture groups). */
#define CAT_MAX_PLACEHOLDERS 16

typedef struct cat_entry {
    char *en, *zh;
    pcre2_code *re;
    char *prefix;             /* literal text before the first placeholder (fast reject) */
    size_t literal;           /* literal bytes of the shape: the most specific match wins */
    char *names[CAT_MAX_PLACEHOLDERS];
    size_t nnames;
} cat_entry;

struct imgb_catalog {
    cat_entry *v;
    size_t n, cap;
};

imgb_catalog *imgb_catalog_new(void)
{
    return imgb_xcalloc(1, sizeof(imgb_catalog));
}

static void cat_entry_dispose(cat_entry *e)
{
    free(e->en);
    free(e->zh);
    free(e->prefix);
    pcre2_code_free(e->re);
    for (size_t i = 0; i < e->nnames; i++)
        free(e->names[i]);
}

void imgb_catalog_free(imgb_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n; i++)
        cat_entry_dispose(&cat->v[i]);
    free(cat->v);
    free(cat);
}

size_t imgb_catalog_count(const imgb_catalog *cat)
{
    return cat ? cat->n : 0;
}

const char *imgb_catalog_en(const imgb_catalog *cat, size_t i)
{
    return cat && i < cat->n ? cat->v[i].en : NULL;
}

const char *imgb_catalog_zh(const imgb_catalog *cat, size_t i)
{
    return cat && i < cat->n ? cat->v[i].zh : NULL;
}

/* ---- shapes ------------------------------------------------------------------------------ */

static bool cat_name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/*
 * Walk `shape`: literal bytes go to `lit` (may be NULL), each placeholder name to `name`
 * (may be NULL).  Returns NULL or a static message for a malformed shape.
 */
typedef void (*cat_lit_fn)(char c, void *payload);
typedef void (*cat_name_fn)(const char *name, size_t len, void *payload);

static const char *cat_walk(const char *shape, cat_lit_fn lit, cat_name_fn name, void *payload)
{
    for (const char *s = shape; *s; s++) {
        if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
            if (lit)
                lit(*s, payload);
            s++;
        } else if (*s == '{') {
            const char *e = s + 1;
            while (cat_name_char(*e, e == s + 1))
                e++;
            if (*e != '}' || e == s + 1)
                return "a placeholder is {name} with a lower-case name ({{ and }} are braces)";
            if (name)
                name(s + 1, (size_t)(e - s - 1), payload);
            s = e;
        } else if (*s == '}') {
            return "a lone '}' (write }} for a brace)";
        } else if (lit) {
            lit(*s, payload);
        }
    }
    return NULL;
}

static void cat_names_put(const char *name, size_t len, void *payload)
{
    imgb_buf *b = payload;
    if (b->len)
        imgb_buf_putc(b, ',');
    imgb_buf_put(b, name, len);
}

/* The set of names in a comma list, sorted, without repeats. */
static int cat_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *cat_sorted_set(const char *list)
{
    char *copy = imgb_xstrdup(list);
    char *parts[64];
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && n < 64;
         t = strtok_r(NULL, ",", &save)) {
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen |= strcmp(parts[i], t) == 0;
        if (!seen)
            parts[n++] = t;
    }
    qsort(parts, n, sizeof *parts, cat_cmp_str);
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, "");
    for (size_t i = 0; i < n; i++)
        imgb_buf_printf(&b, "%s%s", i ? "," : "", parts[i]);
    free(copy);
    return imgb_buf_detach(&b);
}

char *imgb_catalog_placeholders(const char *shape, const char **err)
{
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, "");
    *err = cat_walk(shape, NULL, cat_names_put, &b);
    char *set = *err ? NULL : cat_sorted_set(b.ptr);
    imgb_buf_dispose(&b);
    return set;
}

typedef struct cat_build {
    imgb_buf re;
    imgb_buf prefix;
    bool in_prefix;
    cat_entry *e;
    const char *err;
    bool balanced;            /* a {msg} placeholder uses the (?&b) group defined at the end */
} cat_build;

static void cat_build_lit(char c, void *payload)
{
    cat_build *b = payload;
    unsigned char u = (unsigned char)c;
    /* PCRE2: a backslash before any ASCII non-alphanumeric is that character */
    if (u < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
        imgb_buf_putc(&b->re, '\\');
    imgb_buf_putc(&b->re, c);
    if (b->in_prefix)
        imgb_buf_putc(&b->prefix, c);
    b->e->literal++;
}

static bool cat_is(const char *name, size_t len, const char *stem)
{
    size_t sl = strlen(stem);
    if (len < sl || strncmp(name, stem, sl) != 0)
        return false;
    for (size_t i = sl; i < len; i++)
        if (name[i] < '0' || name[i] > '9')
            return false;
    return true;
}

static void cat_build_name(const char *name, size_t len, void *payload)
{
    cat_build *b = payload;
    b->in_prefix = false;
    for (size_t i = 0; i < b->e->nnames; i++)
        if (strlen(b->e->names[i]) == len && strncmp(b->e->names[i], name, len) == 0) {
            b->err = "a placeholder appears twice in the English shape";
            return;
        }
    if (b->e->nnames == CAT_MAX_PLACEHOLDERS) {
        b->err = "more than 16 placeholders";
        return;
    }
    b->e->names[b->e->nnames++] = imgb_xstrndup(name, len);
    if (cat_is(name, len, "n"))
        imgb_buf_puts(&b->re, "(-?[0-9]+)");
    else if (cat_is(name, len, "word"))
        imgb_buf_puts(&b->re, "(\\S+)");
    else if (cat_is(name, len, "msg")) {
        /* a message inside a message holds whole parenthesised parts: "{msg}; {msg2}" never
         * splits "(a; b)" between its two sides */
        imgb_buf_puts(&b->re, "((?:[^()]|(?&b))+?)");
        b->balanced = true;
    } else
        imgb_buf_puts(&b->re, "(.+?)");
}

/* Compile entry `e` (en and zh set).  NULL or a message. */
static const char *cat_compile(cat_entry *e, char *msgbuf, size_t msgcap)
{
    cat_build b = { IMGB_BUF_INIT, IMGB_BUF_INIT, true, e, NULL, false };
    imgb_buf_puts(&b.prefix, "");
    const char *err = cat_walk(e->en, cat_build_lit, cat_build_name, &b);
    /* defined last, so the placeholders keep the capture numbers 1..n */
    if (b.balanced)
        imgb_buf_puts(&b.re, "(?(DEFINE)(?<b>\\((?:[^()]|(?&b))*\\)))");
    if (!err)
        err = b.err;
    const char *zerr = NULL;
    char *en_names = NULL, *zh_names = NULL;
    if (!err) {
        en_names = imgb_catalog_placeholders(e->en, &err);
        zh_names = imgb_catalog_placeholders(e->zh, &zerr);
        if (zerr) {
            snprintf(msgbuf, msgcap, "zh: %s", zerr);
            err = msgbuf;
        }
    }
    if (!err && strcmp(en_names, zh_names) != 0) {
        snprintf(msgbuf, msgcap, "placeholders differ: en has {%s}, zh has {%s}", en_names,
                 zh_names);
        err = msgbuf;
    }
    if (!err) {
        int ec;
        PCRE2_SIZE off;
        e->re = pcre2_compile((PCRE2_SPTR)b.re.ptr, b.re.len,
                              PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_DOTALL, &ec, &off,
                              NULL);
        if (!e->re)
            err = "the shape does not compile";
        else
            imgb_regex_jit(e->re);
    }
    free(en_names);
    free(zh_names);
    e->prefix = imgb_buf_detach(&b.prefix);
    imgb_buf_dispose(&b.re);
    return err;
}

/* ---- loading ----------------------------------------------------------------------------- */

typedef struct cat_loader {
    imgb_catalog *cat;
    const char *name;
    imgb_diag_fn diag;
    void *payload;
    char *first_error;
    size_t nerrors;
} cat_loader;

static void cat_report(cat_loader *ld, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cat_report(cat_loader *ld, const yaml_mark_t *m, const char *fmt, ...)
{
    char msg[IMGB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    imgb_diag d = { ld->name, m ? (int)m->line + 1 : 0, m ? (int)m->column + 1 : 0,
                    IMGB_DIAG_ERROR, msg };
    if (ld->nerrors++ == 0)
        ld->first_error = imgb_diag_format(&d);
    if (ld->diag)
        ld->diag(&d, ld->payload);
}

static const char *cat_scalar(yaml_document_t *doc, yaml_node_t *n)
{
    (void)doc;
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static void cat_add(cat_loader *ld, cat_entry *e)
{
    imgb_catalog *cat = ld->cat;
    for (size_t i = 0; i < cat->n; i++)
        if (strcmp(cat->v[i].en, e->en) == 0) { /* a later rules directory overrides */
            cat_entry_dispose(&cat->v[i]);
            cat->v[i] = *e;
            return;
        }
    if (cat->n == cat->cap) {
        cat->cap = cat->cap ? cat->cap * 2 : 64;
        cat->v = imgb_xrealloc(cat->v, cat->cap * sizeof *cat->v);
    }
    cat->v[cat->n++] = *e;
}

static void cat_entry_node(cat_loader *ld, yaml_document_t *doc, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        cat_report(ld, &n->start_mark, "a message is a mapping {en: ..., zh: ...}");
        return;
    }
    const char *en = NULL, *zh = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        const char *key = cat_scalar(doc, k), *val = cat_scalar(doc, v);
        if (!key || (strcmp(key, "en") != 0 && strcmp(key, "zh") != 0)) {
            cat_report(ld, &k->start_mark, "unknown key '%.40s' (expected en, zh)",
                       key ? key : "?");
            return;
        }
        if (!val || !*val) {
            cat_report(ld, &v->start_mark, "%s: expected a non-empty string", key);
            return;
        }
        *(strcmp(key, "en") == 0 ? &en : &zh) = val;
    }
    if (!en || !zh) {
        cat_report(ld, &n->start_mark, "a message needs both en and zh");
        return;
    }
    cat_entry e = { .en = imgb_xstrdup(en), .zh = imgb_xstrdup(zh) };
    char buf[256];
    const char *err = cat_compile(&e, buf, sizeof buf);
    if (err) {
        cat_report(ld, &n->start_mark, "%s: '%.80s'", err, en);
        cat_entry_dispose(&e);
        return;
    }
    cat_add(ld, &e);
}

static void cat_document(cat_loader *ld, yaml_document_t *doc)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        cat_report(ld, root ? &root->start_mark : NULL,
                   "a catalog is a mapping with a 'messages' list");
        return;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        const char *key = cat_scalar(doc, k);
        if (!key || strcmp(key, "messages") != 0) {
            cat_report(ld, &k->start_mark, "unknown key '%.40s' (expected messages)",
                       key ? key : "?");
            continue;
        }
        if (v->type != YAML_SEQUENCE_NODE) {
            cat_report(ld, &v->start_mark, "messages: expected a list");
            continue;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++)
            cat_entry_node(ld, doc, yaml_document_get_node(doc, *it));
    }
}

int imgb_catalog_load_text(imgb_catalog *cat, const char *name, const char *text, size_t len,
                           imgb_diag_fn diag, void *payload)
{
    cat_loader ld = { cat, name, diag, payload, NULL, 0 };
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        cat_report(&ld, &parser.problem_mark, "YAML: %s",
                   parser.problem ? parser.problem : "cannot parse");
    } else {
        cat_document(&ld, &doc);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    int rc = 0;
    if (ld.nerrors)
        rc = imgb_error_set(IMGB_EFORMAT, "%s%s", ld.first_error,
                            ld.nerrors > 1 ? " (and more problems)" : "");
    free(ld.first_error);
    return rc;
}

int imgb_catalog_load_file(imgb_catalog *cat, const char *path, imgb_diag_fn diag,
                           void *payload)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return imgb_error_set(IMGB_ERROR, "%s: %s", path, strerror(errno));
    imgb_buf b = IMGB_BUF_INIT;
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0 && b.len <= IMGB_MAX_RULE_FILE_BYTES)
        imgb_buf_put(&b, chunk, got);
    bool bad = ferror(fp);
    fclose(fp);
    int rc;
    if (bad)
        rc = imgb_error_set(IMGB_ERROR, "%s: read error", path);
    else if (b.len > IMGB_MAX_RULE_FILE_BYTES)
        rc = imgb_error_set(IMGB_EFORMAT, "%s: larger than %u bytes", path,
                            IMGB_MAX_RULE_FILE_BYTES);
    else
        rc = imgb_catalog_load_text(cat, path, b.ptr ? b.ptr : "", b.len, diag, payload);
    imgb_buf_dispose(&b);
    return rc;
}

/* ---- translating ------------------------------------------------------------------------- */

static void cat_translate_into(const imgb_catalog *cat, const char *msg, size_t len, int depth,
                               imgb_catalog_miss_fn miss, void *payload, imgb_buf *out);

/* The placeholder `name` of entry `e` in the matched subject: its capture. */
static void cat_put_value(const imgb_catalog *cat, const cat_entry *e, const char *name,
                          size_t nlen, const char *subject, const PCRE2_SIZE *ov, int depth,
                          imgb_catalog_miss_fn miss, void *payload, imgb_buf *out)
{
    for (size_t i = 0; i < e->nnames; i++) {
        if (strlen(e->names[i]) != nlen || strncmp(e->names[i], name, nlen) != 0)
            continue;
        const char *v = subject + ov[2 * (i + 1)];
        size_t vlen = ov[2 * (i + 1) + 1] - ov[2 * (i + 1)];
        if (cat_is(name, nlen, "msg"))
            cat_translate_into(cat, v, vlen, depth + 1, miss, payload, out);
        else
            imgb_buf_put(out, v, vlen);
        return;
    }
}

static void cat_translate_into(const imgb_catalog *cat, const char *msg, size_t len, int depth,
                               imgb_catalog_miss_fn miss, void *payload, imgb_buf *out)
{
    const cat_entry *best = NULL;
    pcre2_match_data *md = NULL, *best_md = NULL;
    for (size_t i = 0; cat && depth < CAT_MAX_DEPTH && i < cat->n; i++) {
        const cat_entry *e = &cat->v[i];
        size_t pl = strlen(e->prefix);
        if (pl > len || memcmp(msg, e->prefix, pl) != 0 || e->literal > len ||
            (best && e->literal <= best->literal))
            continue;
        if (!md)
            md = pcre2_match_data_create(CAT_MAX_PLACEHOLDERS + 2, NULL); /* + (?<b>) */
        if (imgb_regex_match(e->re, (const unsigned char *)msg, len, 0, 0, md) > 0) {
            best = e;
            pcre2_match_data *t = best_md;
            best_md = md;
            md = t;
        }
    }
    if (!best) {
        char *copy = imgb_xstrndup(msg, len);
        if (miss)
            miss(copy, payload);
        imgb_buf_puts(out, copy);
        free(copy);
    } else {
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(best_md);
        for (const char *s = best->zh; *s; s++) {
            if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
                imgb_buf_putc(out, *s++);
            } else if (*s == '{') {
                const char *e = strchr(s, '}'); /* well-formed: checked when loading */
                cat_put_value(cat, best, s + 1, (size_t)(e - s - 1), msg, ov, depth, miss,
                              payload, out);
                s = e;
            } else {
                imgb_buf_putc(out, *s);
            }
        }
    }
    pcre2_match_data_free(md);
    pcre2_match_data_free(best_md);
}

char *imgb_catalog_translate(const imgb_catalog *cat, const char *msg,
                             imgb_catalog_miss_fn miss, void *payload)
{
    if (!msg)
        return NULL;
    imgb_buf out = IMGB_BUF_INIT;
    imgb_buf_puts(&out, "");
    cat_translate_into(cat, msg, strlen(msg), 0, miss, payload, &out);
    return imgb_buf_detach(&out);
}
