/* The credentials file: see creds.h.  Parsed with libyaml's document API. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <yaml.h>

#include "creds.h"
#include "sign.h"

#include <imgbaseline/imgbaseline.h>

#include "sv_util.h"

#define CREDS_MAX_BYTES (1 << 20)

typedef struct cparse {
    yaml_document_t *doc;
    const char *name;
} cparse;

static int fail_at(const cparse *p, const yaml_node_t *n, const char *what)
{
    return sv_error_set(IMGB_EFORMAT, "%s:%zu:%zu: %s", p->name,
                          n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, what);
}

static yaml_node_t *node(const cparse *p, int id)
{
    return yaml_document_get_node(p->doc, id);
}

static int scalar(const cparse *p, yaml_node_t *n, const char *what, char **out)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0) {
        char *m = sv_xasprintf("%s must be a non-empty string", what);
        int rc = fail_at(p, n, m);
        free(m);
        return rc;
    }
    if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
        return fail_at(p, n, "NUL byte in a string");
    *out = sv_xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
    return 0;
}

static int string_list(const cparse *p, yaml_node_t *n, const char *what, char ***out,
                       size_t *count)
{
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        char *m = sv_xasprintf("%s must be a list of strings", what);
        int rc = fail_at(p, n, m);
        free(m);
        return rc;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        char *s = NULL;
        if (scalar(p, node(p, *it), what, &s) < 0)
            return IMGB_EFORMAT;
        *out = sv_xrealloc(*out, (*count + 1) * sizeof **out);
        (*out)[(*count)++] = s;
    }
    return 0;
}

static bool key_is(const cparse *p, yaml_node_pair_t *pair, const char *k)
{
    yaml_node_t *kn = node(p, pair->key);
    return kn && kn->type == YAML_SCALAR_NODE &&
           kn->data.scalar.length == strlen(k) && !memcmp(kn->data.scalar.value, k, strlen(k));
}

static int unknown_key(const cparse *p, yaml_node_pair_t *pair, const char *where,
                       const char *known)
{
    yaml_node_t *kn = node(p, pair->key);
    char *m = sv_xasprintf("unknown key '%.64s' in %s (known: %s)",
                             kn && kn->type == YAML_SCALAR_NODE ? (char *)kn->data.scalar.value : "?",
                             where, known);
    int rc = fail_at(p, kn, m);
    free(m);
    return rc;
}

static int parse_keys(const cparse *p, yaml_node_t *n, bool huawei, sv_key **out, size_t *count)
{
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return fail_at(p, n, huawei ? "huawei must be a list of {ak, sk, project_ids}"
                                    : "aliyun must be a list of {access_key_id, access_key_secret}");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *m = node(p, *it);
        if (!m || m->type != YAML_MAPPING_NODE)
            return fail_at(p, m, "a key must be a mapping");
        *out = sv_xrealloc(*out, (*count + 1) * sizeof **out);
        sv_key *k = &(*out)[(*count)++];
        memset(k, 0, sizeof *k);
        for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
             pr++) {
            int rc;
            if (key_is(p, pr, huawei ? "ak" : "access_key_id"))
                rc = k->id ? fail_at(p, node(p, pr->key), "duplicate key id")
                           : scalar(p, node(p, pr->value), "a key id", &k->id);
            else if (key_is(p, pr, huawei ? "sk" : "access_key_secret"))
                rc = k->secret ? fail_at(p, node(p, pr->key), "duplicate secret")
                               : scalar(p, node(p, pr->value), "a secret", &k->secret);
            else if (huawei && key_is(p, pr, "project_ids"))
                rc = string_list(p, node(p, pr->value), "project_ids", &k->project_ids,
                                 &k->nproject_ids);
            else
                rc = unknown_key(p, pr, huawei ? "a huawei key" : "an aliyun key",
                                 huawei ? "ak, sk, project_ids"
                                        : "access_key_id, access_key_secret");
            if (rc < 0)
                return rc;
        }
        if (!k->id || !k->secret)
            return fail_at(p, m, huawei ? "a huawei key needs ak and sk"
                                        : "an aliyun key needs access_key_id and access_key_secret");
    }
    return 0;
}

static int parse_tenant(const cparse *p, yaml_node_t *m, sv_tenant *t)
{
    if (!m || m->type != YAML_MAPPING_NODE)
        return fail_at(p, m, "a tenant must be a mapping with name, aliyun, huawei, tokens");
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
         pr++) {
        int rc;
        yaml_node_t *v = node(p, pr->value);
        if (key_is(p, pr, "name"))
            rc = t->name ? fail_at(p, v, "duplicate name") : scalar(p, v, "name", &t->name);
        else if (key_is(p, pr, "aliyun"))
            rc = parse_keys(p, v, false, &t->aliyun, &t->naliyun);
        else if (key_is(p, pr, "huawei"))
            rc = parse_keys(p, v, true, &t->huawei, &t->nhuawei);
        else if (key_is(p, pr, "tokens"))
            rc = string_list(p, v, "tokens", &t->tokens, &t->ntokens);
        else
            rc = unknown_key(p, pr, "a tenant", "name, aliyun, huawei, tokens");
        if (rc < 0)
            return rc;
    }
    if (!t->name)
        return fail_at(p, m, "a tenant needs a name");
    if (strlen(t->name) > 128)
        return fail_at(p, m, "a tenant name has at most 128 characters");
    return 0;
}

/* No key id, token or tenant name twice: a lookup must have one answer. */
static int check_unique(const sv_creds *c, const char *name)
{
    sv_vec seen = SV_VEC_INIT;
    int rc = 0;
    for (size_t i = 0; i < c->ntenants && rc == 0; i++) {
        const sv_tenant *t = &c->tenants[i];
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->tenants[j].name, t->name))
                rc = sv_error_set(IMGB_EFORMAT, "%s: tenant '%s' appears twice", name, t->name);
        for (size_t k = 0; k < t->naliyun + t->nhuawei + t->ntokens && rc == 0; k++) {
            const char *id = k < t->naliyun ? t->aliyun[k].id
                           : k < t->naliyun + t->nhuawei ? t->huawei[k - t->naliyun].id
                           : t->tokens[k - t->naliyun - t->nhuawei];
            for (size_t s = 0; s < seen.len; s++)
                if (!strcmp(seen.items[s], id))
                    rc = sv_error_set(IMGB_EFORMAT, "%s: a key id or token appears twice "
                                        "(tenant '%s')", name, t->name);
            sv_vec_push(&seen, (void *)id);
        }
    }
    sv_vec_dispose(&seen);
    return rc;
}

int sv_creds_parse(sv_creds *out, const char *text, size_t len, const char *name)
{
    memset(out, 0, sizeof *out);
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = sv_error_set(IMGB_EFORMAT, "%s:%zu:%zu: %s", name, parser.problem_mark.line + 1,
                                parser.problem_mark.column + 1,
                                parser.problem ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        return rc;
    }
    cparse p = { &doc, name };
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    int rc = 0;
    yaml_node_t *tenants = NULL;
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = fail_at(&p, root, "expected a mapping with 'tenants'");
    } else {
        for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
             pr < root->data.mapping.pairs.top && rc == 0; pr++) {
            if (key_is(&p, pr, "tenants"))
                tenants = node(&p, pr->value);
            else
                rc = unknown_key(&p, pr, "the top level", "tenants");
        }
        if (rc == 0 && (!tenants || tenants->type != YAML_SEQUENCE_NODE))
            rc = fail_at(&p, tenants ? tenants : root, "'tenants' must be a list");
    }
    for (yaml_node_item_t *it = rc == 0 ? tenants->data.sequence.items.start : NULL;
         rc == 0 && it < tenants->data.sequence.items.top; it++) {
        out->tenants = sv_xrealloc(out->tenants, (out->ntenants + 1) * sizeof *out->tenants);
        sv_tenant *t = &out->tenants[out->ntenants++];
        memset(t, 0, sizeof *t);
        rc = parse_tenant(&p, node(&p, *it), t);
    }
    if (rc == 0)
        rc = check_unique(out, name);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc < 0)
        sv_creds_dispose(out);
    return rc;
}

int sv_creds_load(sv_creds *out, const char *path)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return sv_error_set(errno == ENOENT ? IMGB_ENOTFOUND : IMGB_ERROR,
                              "credentials %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sv_error_set(IMGB_EFORMAT, "credentials %s: not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return sv_error_set(IMGB_EINVAL, "credentials %s: mode %04o lets others read the "
                              "secrets; chmod 600 it", path, (unsigned)(st.st_mode & 07777));
    }
    if (st.st_size > CREDS_MAX_BYTES) {
        close(fd);
        return sv_error_set(IMGB_ELIMIT, "credentials %s: larger than %d bytes", path,
                              CREDS_MAX_BYTES);
    }
    char *buf = sv_xcalloc((size_t)st.st_size + 1, 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    int rc = sv_creds_parse(out, buf, got, path);
    OPENSSL_cleanse(buf, got);
    free(buf);
    return rc;
}

static void free_key(sv_key *k)
{
    free(k->id);
    if (k->secret)
        OPENSSL_cleanse(k->secret, strlen(k->secret));
    free(k->secret);
    for (size_t i = 0; i < k->nproject_ids; i++)
        free(k->project_ids[i]);
    free(k->project_ids);
}

void sv_creds_dispose(sv_creds *c)
{
    for (size_t i = 0; i < c->ntenants; i++) {
        sv_tenant *t = &c->tenants[i];
        free(t->name);
        for (size_t k = 0; k < t->naliyun; k++)
            free_key(&t->aliyun[k]);
        for (size_t k = 0; k < t->nhuawei; k++)
            free_key(&t->huawei[k]);
        free(t->aliyun);
        free(t->huawei);
        for (size_t k = 0; k < t->ntokens; k++)
            free(t->tokens[k]);
        free(t->tokens);
    }
    free(c->tenants);
    memset(c, 0, sizeof *c);
}

static const sv_key *find_key(const sv_creds *c, const char *ak, bool huawei,
                              const sv_tenant **tenant)
{
    for (size_t i = 0; i < c->ntenants; i++) {
        const sv_tenant *t = &c->tenants[i];
        const sv_key *keys = huawei ? t->huawei : t->aliyun;
        size_t n = huawei ? t->nhuawei : t->naliyun;
        for (size_t k = 0; k < n; k++)
            if (!strcmp(keys[k].id, ak)) {
                *tenant = t;
                return &keys[k];
            }
    }
    return NULL;
}

const sv_key *sv_creds_aliyun(const sv_creds *c, const char *ak, const sv_tenant **tenant)
{
    return find_key(c, ak, false, tenant);
}

const sv_key *sv_creds_huawei(const sv_creds *c, const char *ak, const sv_tenant **tenant)
{
    return find_key(c, ak, true, tenant);
}

const sv_tenant *sv_creds_token(const sv_creds *c, const char *token)
{
    /* A token is the secret itself: compare every one in constant time, no early exit. */
    const sv_tenant *found = NULL;
    for (size_t i = 0; i < c->ntenants; i++)
        for (size_t k = 0; k < c->tenants[i].ntokens; k++)
            if (sv_equal_ct(c->tenants[i].tokens[k], token))
                found = &c->tenants[i];
    return found;
}

bool sv_creds_owns_project(const sv_tenant *t, const sv_key *key, const char *project_id)
{
    for (size_t k = 0; k < t->nhuawei; k++) {
        if (key && &t->huawei[k] != key)
            continue;
        for (size_t i = 0; i < t->huawei[k].nproject_ids; i++)
            if (!strcmp(t->huawei[k].project_ids[i], project_id))
                return true;
    }
    return false;
}
