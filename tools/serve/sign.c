/* Signature computation of the three SDKs: see sign.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sign.h"

void sv_kvs_add(sv_kvs *k, const char *key, size_t klen, const char *value, size_t vlen)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 16;
        k->items = sv_xrealloc(k->items, k->cap * sizeof *k->items);
    }
    k->items[k->n].key = sv_xstrndup(key, klen);
    k->items[k->n].value = sv_xstrndup(value, vlen);
    k->n++;
}

void sv_kvs_dispose(sv_kvs *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free(k->items[i].key);
        free(k->items[i].value);
    }
    free(k->items);
    memset(k, 0, sizeof *k);
}

const char *sv_kvs_get(const sv_kvs *k, const char *key)
{
    for (size_t i = 0; i < k->n; i++)
        if (!strcmp(k->items[i].key, key))
            return k->items[i].value;
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4))
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        if (len == 3) {
            unsigned cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
                return false;
        }
        if (len == 4) {
            unsigned cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12);
            if (cp < 0x10000 || cp > 0x10FFFF)
                return false;
        }
        i += len;
    }
    return true;
}

/* Decode one component into `b`. */
static int decode(const char *s, size_t len, sv_buf *b)
{
    sv_buf_clear(b);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            sv_buf_putc(b, ' ');
        } else if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            sv_buf_putc(b, (char)(hi * 16 + lo));
            i += 2;
        } else if (c == '\0') {
            return -1;
        } else {
            sv_buf_putc(b, c);
        }
    }
    return utf8_valid((const unsigned char *)(b->ptr ? b->ptr : ""), b->len) ? 0 : -3;
}

int sv_parse_form(const char *s, size_t len, size_t max, sv_kvs *out)
{
    sv_buf k = SV_BUF_INIT, v = SV_BUF_INIT;
    int rc = 0;
    size_t i = 0;
    while (i < len && rc == 0) {
        size_t j = i;
        while (j < len && s[j] != '&')
            j++;
        if (j > i) {
            if (out->n >= max) {
                rc = -2;
                break;
            }
            const char *eq = memchr(s + i, '=', j - i);
            size_t kl = eq ? (size_t)(eq - (s + i)) : j - i;
            int a = decode(s + i, kl, &k);
            int b = a == 0 ? decode(eq ? eq + 1 : "", eq ? (size_t)(s + j - eq - 1) : 0, &v) : a;
            if (a < 0 || b < 0)
                rc = a < 0 ? a : b;
            else
                sv_kvs_add(out, k.ptr ? k.ptr : "", k.len, v.ptr ? v.ptr : "", v.len);
        }
        i = j + 1;
    }
    sv_buf_dispose(&k);
    sv_buf_dispose(&v);
    return rc;
}

void sv_pct_encode(sv_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            sv_buf_putc(out, (char)c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            sv_buf_put(out, e, 3);
        }
    }
}

static void pct(sv_buf *out, const char *s)
{
    sv_pct_encode(out, s, strlen(s));
}

static void hex_of(const unsigned char *d, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void sv_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    hex_of(d, 32, out);
}

static char *hmac_sha256_hex(const char *key, const char *msg, size_t len)
{
    unsigned char d[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, len, d, &n);
    char *out = sv_xcalloc(65, 1);
    hex_of(d, 32, out);
    return out;
}

bool sv_equal_ct(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b))
        return false;
    return CRYPTO_memcmp(a, b, n) == 0;
}

/* Index order of `k` by key, then value (byte order = JS sort for ASCII keys). */
static int kv_cmp(const void *x, const void *y)
{
    const sv_kv *a = *(const sv_kv *const *)x, *b = *(const sv_kv *const *)y;
    int c = strcmp(a->key, b->key);
    return c ? c : strcmp(a->value, b->value);
}

static const sv_kv **sorted(const sv_kvs *k)
{
    const sv_kv **v = sv_xcalloc(k->n + 1, sizeof *v);
    for (size_t i = 0; i < k->n; i++)
        v[i] = &k->items[i];
    qsort(v, k->n, sizeof *v, kv_cmp);
    return v;
}

char *sv_v1_signature(const char *method, const sv_kvs *params, const char *secret)
{
    const sv_kv **v = sorted(params);
    sv_buf canon = SV_BUF_INIT, sts = SV_BUF_INIT;
    for (size_t i = 0; i < params->n; i++) {
        if (i)
            sv_buf_putc(&canon, '&');
        pct(&canon, v[i]->key);
        sv_buf_putc(&canon, '=');
        pct(&canon, v[i]->value);
    }
    sv_buf_printf(&sts, "%s&%%2F&", method);
    sv_pct_encode(&sts, canon.ptr ? canon.ptr : "", canon.len);
    char *key = sv_xasprintf("%s&", secret);
    unsigned char d[20];
    unsigned int n = 0;
    HMAC(EVP_sha1(), key, (int)strlen(key), (const unsigned char *)sts.ptr, sts.len, d, &n);
    char *out = sv_xcalloc(32, 1);
    EVP_EncodeBlock((unsigned char *)out, d, 20);
    free(key);
    free(v);
    sv_buf_dispose(&canon);
    sv_buf_dispose(&sts);
    return out;
}

/* Sorted "k=v" pairs joined by '&', values RFC 3986-encoded; keys too when `enc_keys`
 * (Huawei encodes them, the Alibaba ACS3 client leaves them as they are). */
static void canonical_query(sv_buf *out, const sv_kvs *query, bool enc_keys)
{
    const sv_kv **v = sorted(query);
    for (size_t i = 0; i < query->n; i++) {
        if (i)
            sv_buf_putc(out, '&');
        if (enc_keys)
            pct(out, v[i]->key);
        else
            sv_buf_puts(out, v[i]->key);
        sv_buf_putc(out, '=');
        pct(out, v[i]->value);
    }
    free(v);
}

/* "name:value\n" for every signed header (lower-case names, `trim` values) and the list. */
static void canonical_headers(sv_buf *out, const char *signed_headers, sv_header_fn header,
                              void *hctx, bool trim)
{
    char *list = sv_xstrdup(signed_headers);
    for (char *save = NULL, *h = strtok_r(list, ";", &save); h; h = strtok_r(NULL, ";", &save)) {
        const char *v = header(hctx, h);
        if (!v)
            v = "";
        size_t n = strlen(v);
        if (trim) {
            while (*v == ' ' || *v == '\t')
                v++, n--;
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
        }
        for (char *c = h; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        sv_buf_printf(out, "%s:%.*s\n", h, (int)n, v);
    }
    free(list);
}

char *sv_acs3_signature(const char *method, const char *path, const sv_kvs *query,
                        sv_header_fn header, void *hctx, const char *signed_headers,
                        const char *body_sha256_hex, const char *secret)
{
    sv_buf c = SV_BUF_INIT;
    sv_buf_printf(&c, "%s\n%s\n", method, path);
    canonical_query(&c, query, false);
    sv_buf_putc(&c, '\n');
    canonical_headers(&c, signed_headers, header, hctx, true);
    sv_buf_printf(&c, "\n%s\n%s", signed_headers, body_sha256_hex);
    char h[65];
    sv_sha256_hex(c.ptr, c.len, h);
    char *sts = sv_xasprintf("ACS3-HMAC-SHA256\n%s", h);
    char *sig = hmac_sha256_hex(secret, sts, strlen(sts));
    free(sts);
    sv_buf_dispose(&c);
    return sig;
}

char *sv_hw_signature(const char *method, const char *raw_path, const sv_kvs *query,
                      sv_header_fn header, void *hctx, const char *signed_headers,
                      const char *payload_hash, const char *sdk_date, const char *sk)
{
    sv_buf c = SV_BUF_INIT;
    sv_buf_printf(&c, "%s\n", method);
    /* Each segment of the path as the SDK saw it (the wire form), encoded again. */
    const char *p = raw_path;
    const char *qm = strchr(p, '?');
    size_t plen = qm ? (size_t)(qm - p) : strlen(p);
    size_t i = 0;
    while (i <= plen) {
        size_t j = i;
        while (j < plen && p[j] != '/')
            j++;
        sv_pct_encode(&c, p + i, j - i);
        if (j < plen)
            sv_buf_putc(&c, '/');
        i = j + 1;
    }
    if (c.ptr[c.len - 1] != '/')
        sv_buf_putc(&c, '/');
    sv_buf_putc(&c, '\n');
    canonical_query(&c, query, true);
    sv_buf_putc(&c, '\n');
    canonical_headers(&c, signed_headers, header, hctx, false);
    sv_buf_printf(&c, "\n%s\n%s", signed_headers, payload_hash);
    char h[65];
    sv_sha256_hex(c.ptr, c.len, h);
    char *sts = sv_xasprintf("SDK-HMAC-SHA256\n%s\n%s", sdk_date, h);
    char *sig = hmac_sha256_hex(sk, sts, strlen(sts));
    free(sts);
    sv_buf_dispose(&c);
    return sig;
}
