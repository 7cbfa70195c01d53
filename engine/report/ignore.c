/*
 * The ignore file: YAML (libyaml document API, so every node carries its line and column)
 * into an immutable list of entries; matching of one entry against one piece of evidence.
 * Schema and semantics: ignore.h.  Dates follow trivy's `exp:YYYY-MM-DD` idea: the entry is
 * valid through the whole named day (UTC) and no longer applies afterwards.
 */
#include "report/ignore.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

#define IGNORE_MAX_FIELD 4096 /* one scalar (id, path, reason) */

static void entry_dispose(imgb_ignore_entry *e)
{
    free(e->id);
    free(e->account);
    free(e->path);
    free(e->layer);
    free(e->reason);
    free(e->expires);
}

void imgb_ignore_list_free(imgb_ignore_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->nentries; i++)
        entry_dispose(&list->entries[i]);
    free(list->entries);
    free(list->file);
    free(list);
}

const char *imgb_ignore_status_name(imgb_ignore_status s)
{
    switch (s) {
    case IMGB_STATUS_IGNORED: return "ignored";
    case IMGB_STATUS_FALSE_POSITIVE: return "false_positive";
    default: return "unhandled";
    }
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DD" -> first ms after that day (UTC).  Returns false if malformed. */
static bool parse_date(const char *s, int64_t *out)
{
    static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return false;
    *out = (days_from_civil(y, m, d) + 1) * 86400000LL;
    return true;
}

bool imgb_ignore_entry_expired(const imgb_ignore_entry *e, int64_t now_ms)
{
    return e->expires != NULL && now_ms >= e->expires_ms;
}

static const char *strip_slashes(const char *p)
{
    while (*p == '/')
        p++;
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    return p;
}

static bool layer_matches(const char *want, int layer, const char *digest)
{
    char *end;
    errno = 0;
    long n = strtol(want, &end, 10);
    if (*want && *end == '\0' && errno == 0)
        return layer >= 0 && n == layer;
    if (!digest)
        return false;
    size_t wl = strlen(want);
    if (strncmp(digest, want, wl) == 0)
        return true;
    /* Allow the bare hex without "sha256:". */
    const char *colon = strchr(digest, ':');
    return colon && strncmp(colon + 1, want, wl) == 0;
}

bool imgb_ignore_entry_matches(const imgb_ignore_entry *e, const char *item_id,
                               const char *item_key, const char *account, const char *file,
                               int layer, const char *layer_digest)
{
    bool id_ok = (item_id && strcmp(e->id, item_id) == 0) ||
                 (item_key && strcmp(e->id, item_key) == 0);
    if (!id_ok)
        return false;
    if (e->account && (!account || strcmp(e->account, account) != 0))
        return false;
    if (e->path && (!file || fnmatch(e->path, strip_slashes(file), 0) != 0))
        return false;
    if (e->layer && !layer_matches(e->layer, layer, layer_digest))
        return false;
    return true;
}

/* ---- YAML --------------------------------------------------------------------------- */

typedef struct ignore_parse {
    yaml_document_t *doc;
    const char *name;
} ignore_parse;

static int node_error(const ignore_parse *ps, const yaml_node_t *n, const char *what)
{
    return imgb_error_set(IMGB_EFORMAT, "%s:%zu:%zu: %s", ps->name,
                          n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0,
                          what);
}

static int scalar_dup(const ignore_parse *ps, const yaml_node_t *n, const char *key,
                      char **out)
{
    if (n->type != YAML_SCALAR_NODE) {
        char msg[128];
        snprintf(msg, sizeof msg, "'%s' must be a scalar", key);
        return node_error(ps, n, msg);
    }
    if (n->data.scalar.length > IGNORE_MAX_FIELD || n->data.scalar.length == 0 ||
        memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
        char msg[128];
        snprintf(msg, sizeof msg, "'%s' must be 1 to %d characters", key, IGNORE_MAX_FIELD);
        return node_error(ps, n, msg);
    }
    free(*out);
    *out = imgb_xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
    return 0;
}

static int parse_entry(const ignore_parse *ps, const yaml_node_t *n, imgb_ignore_entry *e)
{
    int rc;

    if (n->type != YAML_MAPPING_NODE)
        return node_error(ps, n, "an entry must be a mapping with at least 'id'");
    e->line = (int)n->start_mark.line + 1;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(ps->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ps->doc, pr->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE)
            return node_error(ps, k, "keys must be scalars");
        const char *key = (const char *)k->data.scalar.value;
        char *tmp = NULL;
        if (!strcmp(key, "id") || !strcmp(key, "risk_key") || !strcmp(key, "item")) {
            rc = scalar_dup(ps, v, key, &e->id);
        } else if (!strcmp(key, "account")) {
            rc = scalar_dup(ps, v, key, &e->account);
        } else if (!strcmp(key, "path")) {
            rc = scalar_dup(ps, v, key, &tmp);
            if (rc == 0) {
                free(e->path);
                e->path = imgb_xstrdup(strip_slashes(tmp));
            }
        } else if (!strcmp(key, "layer")) {
            rc = scalar_dup(ps, v, key, &e->layer);
        } else if (!strcmp(key, "reason") || !strcmp(key, "statement")) {
            rc = scalar_dup(ps, v, key, &e->reason);
        } else if (!strcmp(key, "expires") || !strcmp(key, "expiry") ||
                   !strcmp(key, "expired_at")) {
            rc = scalar_dup(ps, v, key, &e->expires);
            if (rc == 0 && !parse_date(e->expires, &e->expires_ms))
                rc = node_error(ps, v, "expiry date must be YYYY-MM-DD");
        } else if (!strcmp(key, "status")) {
            rc = scalar_dup(ps, v, key, &tmp);
            if (rc == 0) {
                if (!strcmp(tmp, "ignored"))
                    e->status = IMGB_STATUS_IGNORED;
                else if (!strcmp(tmp, "false_positive"))
                    e->status = IMGB_STATUS_FALSE_POSITIVE;
                else
                    rc = node_error(ps, v, "status must be 'ignored' or 'false_positive'");
            }
        } else {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "unknown key '%.60s' (expected id, account, path, layer, reason, "
                     "expires, status)", key);
            rc = node_error(ps, k, msg);
        }
        free(tmp);
        if (rc < 0)
            return rc;
    }
    if (!e->id)
        return node_error(ps, n, "entry has no 'id' (an item id, item key or risk key)");
    return 0;
}

static int parse_doc(const ignore_parse *ps, imgb_ignore_list *list)
{
    yaml_node_t *root = yaml_document_get_root_node(ps->doc);
    if (!root)
        return 0; /* an empty file ignores nothing */
    yaml_node_t *seq = root;
    if (root->type == YAML_MAPPING_NODE) {
        seq = NULL;
        for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
             pr < root->data.mapping.pairs.top; pr++) {
            yaml_node_t *k = yaml_document_get_node(ps->doc, pr->key);
            if (k && k->type == YAML_SCALAR_NODE &&
                !strcmp((const char *)k->data.scalar.value, "ignore"))
                seq = yaml_document_get_node(ps->doc, pr->value);
            else
                return node_error(ps, k, "the top-level mapping may only hold 'ignore'");
        }
        if (!seq)
            return 0;
        if (seq->type == YAML_SCALAR_NODE && seq->data.scalar.length == 0)
            return 0; /* "ignore:" with nothing */
    }
    if (seq->type != YAML_SEQUENCE_NODE)
        return node_error(ps, seq, "expected a sequence of entries");
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (n > IMGB_MAX_IGNORE_ENTRIES)
        return imgb_error_set(IMGB_ELIMIT, "%s: more than %d entries", ps->name,
                              IMGB_MAX_IGNORE_ENTRIES);
    list->entries = imgb_xcalloc(n, sizeof *list->entries);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = yaml_document_get_node(ps->doc, seq->data.sequence.items.start[i]);
        list->nentries = i + 1;
        list->entries[i].status = IMGB_STATUS_IGNORED;
        int rc = parse_entry(ps, it, &list->entries[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int imgb_ignore_parse(imgb_ignore_list **out, const char *text, size_t len, const char *name)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc;

    *out = NULL;
    if (len > IMGB_MAX_IGNORE_BYTES)
        return imgb_error_set(IMGB_ELIMIT, "%s: larger than %u bytes", name,
                              (unsigned)IMGB_MAX_IGNORE_BYTES);
    if (!yaml_parser_initialize(&parser))
        return imgb_error_set(IMGB_ERROR, "%s: cannot initialise the yaml parser", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = imgb_error_set(IMGB_EFORMAT, "%s:%zu:%zu: %s", name,
                            parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                            parser.problem ? parser.problem : "invalid yaml");
        yaml_parser_delete(&parser);
        return rc;
    }
    imgb_ignore_list *list = imgb_xcalloc(1, sizeof *list);
    list->file = imgb_xstrdup(name);
    ignore_parse ps = { &doc, name };
    rc = parse_doc(&ps, list);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc < 0) {
        imgb_ignore_list_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

int imgb_ignore_load(imgb_ignore_list **out, const char *path)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return imgb_error_set(errno == ENOENT ? IMGB_ENOTFOUND : IMGB_ERROR,
                              "%s: cannot open ignore file: %s", path, strerror(errno));
    imgb_buf b = IMGB_BUF_INIT;
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > IMGB_MAX_IGNORE_BYTES) {
            rc = imgb_error_set(IMGB_ELIMIT, "%s: larger than %u bytes", path,
                                (unsigned)IMGB_MAX_IGNORE_BYTES);
            break;
        }
        imgb_buf_put(&b, chunk, n);
    }
    if (rc == 0 && ferror(f))
        rc = imgb_error_set(IMGB_ERROR, "%s: read error", path);
    fclose(f);
    if (rc == 0)
        rc = imgb_ignore_parse(out, b.ptr ? b.ptr : "", b.len, path);
    imgb_buf_dispose(&b);
    return rc;
}

int imgb_ignore_list_add(imgb_ignore_list **list, const char *id)
{
    if (!id || !*id)
        return imgb_error_set(IMGB_EINVAL, "--ignore: an item id or key is needed");
    if (!*list) {
        *list = imgb_xcalloc(1, sizeof **list);
        (*list)->file = imgb_xstrdup("--ignore");
    }
    imgb_ignore_list *l = *list;
    l->entries = imgb_xrealloc(l->entries, (l->nentries + 1) * sizeof *l->entries);
    l->entries[l->nentries] = (imgb_ignore_entry){ .id = imgb_xstrdup(id),
                                                   .status = IMGB_STATUS_IGNORED };
    l->nentries++;
    return 0;
}
