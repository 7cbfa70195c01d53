/*
 * Request signatures of the three cloud SDKs, computed exactly as the SDKs compute them
 * (../shared/reference/service.md), so the server recomputes and compares:
 *
 *   V1 (@alicloud/pop-core lib/rpc.js): HMAC-SHA1, key secret + "&", string to sign
 *     METHOD&%2F&enc(sorted k=v joined by &), base64.
 *   ACS3-HMAC-SHA256 (@alicloud/openapi-client, openapi-util getAuthorization): canonical
 *     request METHOD\n/\nquery (sorted raw keys, enc values)\nheaders (lower:trimmed\n)\n
 *     signed;headers\nhex sha256(body); string to sign "ACS3-HMAC-SHA256\n" + hex sha256;
 *     hex HMAC-SHA256 with the secret.
 *   SDK-HMAC-SHA256 (@huaweicloud/huaweicloud-sdk-core auth/AKSKSigner.js): canonical request
 *     METHOD\nURI (each wire segment encoded, trailing /)\nquery (sorted enc keys, enc values,
 *     array values sorted)\nheaders (lower:value\n)\nsigned;headers\npayload hash; string to
 *     sign "SDK-HMAC-SHA256\n<X-Sdk-Date>\n" + hex sha256; hex HMAC-SHA256 with the SK.
 * `enc` is RFC 3986: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper case), which is
 * encodeURIComponent plus ! ' ( ) * as both Alibaba SDKs write it.
 *
 * Tests: tests/test_serve_sign.c (the captured pop-core request of service.md and tampered
 * variants); tests/serve/sdk.test.js drives the real SDKs.
 */
#ifndef IMGB_SERVE_SIGN_H
#define IMGB_SERVE_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "sv_util.h"

typedef struct sv_kv {
    char *key;
    char *value;
} sv_kv;

typedef struct sv_kvs {
    sv_kv *items;
    size_t n, cap;
} sv_kvs;

void sv_kvs_add(sv_kvs *k, const char *key, size_t klen, const char *value, size_t vlen);
void sv_kvs_dispose(sv_kvs *k);
/** The value of the first `key`, or NULL. */
const char *sv_kvs_get(const sv_kvs *k, const char *key);

/**
 * Parse application/x-www-form-urlencoded text (a query string or a form body): '&'
 * separated, '+' is a space, %XX decoded.  At most `max` pairs.
 * @return 0; -1 bad %-escape or a NUL byte; -2 too many pairs; -3 not UTF-8.
 */
int sv_parse_form(const char *s, size_t len, size_t max, sv_kvs *out);

/** Append the RFC 3986 encoding of `s` to `out`. */
void sv_pct_encode(sv_buf *out, const char *s, size_t len);

/** A header of the request by (case-insensitive) name, or NULL. */
typedef const char *(*sv_header_fn)(void *ctx, const char *name);

/** V1: the base64 signature of `params` (every parameter but Signature). malloc'd. */
char *sv_v1_signature(const char *method, const sv_kvs *params, const char *secret);

/** ACS3-HMAC-SHA256: hex signature.  `signed_headers` is "a;b;c" from Authorization. */
char *sv_acs3_signature(const char *method, const char *path, const sv_kvs *query,
                        sv_header_fn header, void *hctx, const char *signed_headers,
                        const char *body_sha256_hex, const char *secret);

/** SDK-HMAC-SHA256: hex signature.  `raw_path` is the path as on the wire. */
char *sv_hw_signature(const char *method, const char *raw_path, const sv_kvs *query,
                      sv_header_fn header, void *hctx, const char *signed_headers,
                      const char *payload_hash, const char *sdk_date, const char *sk);

/** Hex SHA-256 of `len` bytes into out[65]. */
void sv_sha256_hex(const void *data, size_t len, char out[65]);

/** Constant-time equality of two NUL-terminated strings (length is not secret). */
bool sv_equal_ct(const char *a, const char *b);

#endif
