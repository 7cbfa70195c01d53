/*
 * Access-key leak scanning (engine/checks/secrets.c): the shipped patterns of
 * rules/common/ak_leak.yaml on real content, decoys, binary files, secrets split across
 * chunks and across the matcher's sliding buffer, masking; and end to end on images built
 * with tests/support/imgbuild (keys in the final layer, in files a later layer deleted or
 * overwrote, host keys), every output grepped for the unmasked secrets.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/secrets.h"
#include "imgbuild.h"
#include "rules/loader.h"
#include "util/limits.h"
#include "util/mem.h"

/* ---- the shipped rule file's `check:` mappings ------------------------------------------ */

/* The `check:` params of item `id` of rules/common/ak_leak.yaml, as the rule loader makes them. */
static json_t *shipped_params(const char *id)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char *path = imgb_xasprintf("%s/rules/common/ak_leak.yaml", src);
    const char *paths[] = { path };
    imgb_ruleset *rs = NULL;
    ck_assert_msg(imgb_ruleset_load(&rs, paths, 1, NULL, NULL) == 0, "%s", imgb_error_last());
    const imgb_item *it = imgb_ruleset_find_item(rs, id, NULL);
    ck_assert_msg(it != NULL, "no item %s", id);
    json_t *params = json_deep_copy(it->params);
    imgb_ruleset_free(rs);
    free(path);
    return params;
}

static imgb_secret_rules *shipped_rules(const char *id)
{
    json_t *p = shipped_params(id);
    imgb_secret_rules *r = NULL;
    ck_assert_msg(imgb_secret_rules_compile(p, &r) == 0, "%s", imgb_error_last());
    json_decref(p);
    return r;
}

/* Scan one file given as `len` bytes fed in chunks of `chunk` bytes (0: one chunk). */
static imgb_secret_stream *scan_file(const imgb_secret_rules *r, const char *path,
                                     const void *data, size_t len, size_t chunk)
{
    imgb_secret_stream *s = imgb_secret_stream_new(r, true);
    if (imgb_secret_stream_begin(s, path, 0)) {
        const unsigned char *p = data;
        size_t step = chunk ? chunk : (len ? len : 1);
        for (size_t off = 0; off < len; off += step)
            imgb_secret_stream_data(s, p + off, len - off < step ? len - off : step);
        imgb_secret_stream_end(s);
    }
    return s;
}

/* Fake but realistic-looking credentials (random characters, right shapes). */
#define ALI_ID      "LTAI5tQ8xZ2mK9pR7vW3yB1n"
#define ALI_ID16    "LTAI9dHq2Lx7Vb3N"
#define ALI_SECRET  "q8ZrT3mW9xK2pL7vB4nY6cF1dH5jS0"
#define AWS_ID      "AKIA2OGYBAH6QFTUXJ3M"
#define AWS_SECRET  "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"
#define HW_AK       "HPUAX7K2M9QZ4TRW8VLN"
#define HW_SK       "Qm3Zp8Xr2Lk7Vw9Nc4Fb6Hd1Sa0Ge5Ui7KoTy2Rj"
#define TC_ID       "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"
#define GH_TOKEN    "ghp_R7x2Kq9LmZ3vT8pW4nY6bC1dF5hJ0sA2gE7u"
#define GL_TOKEN    "glpat-x7Rk2QmZ9vLp3TwY8nBc"
#define SLACK_TOKEN "xoxb-2837465019-4829103756-Kq9LmZ3vT8pW4nY6bC1dF5hJ"
#define JWT_TOKEN   "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.Xk3Lp9Qz7RmT2vW8yB4nC6dF1hJ5sA0g"
#define GCP_KEY_ID  "3f9a8c7d6e5b4a39281706f5e4d3c2b1a0987654"
#define PEM_BODY    "MIIEowIBAAKCAQEAu9Xz3kL7Qp2Rm8Vt4Wn6Yb1Cd5Fh0Js3Gk7Lq9Pr2Tv8Xz4"
#define DOCKER_AUTH "dXNlcjpTM2NyM3RQYXNzdzByZA=="

typedef struct provider_case {
    const char *path;
    const char *content;
    const char *rule;
    const char *secret;
    int line;
} provider_case;

static const provider_case provider_cases[] = {
    { "/usr/aksk.txt", "# creds\nak=" ALI_ID "\n", "alibaba-access-key-id", ALI_ID, 2 },
    { "/app/old.properties", "id: " ALI_ID16 "\n", "alibaba-access-key-id", ALI_ID16, 1 },
    { "/app/.env", "x=1\nALIBABA_CLOUD_ACCESS_KEY_SECRET=" ALI_SECRET "\n",
      "alibaba-access-key-secret", ALI_SECRET, 2 },
    { "/root/.aws/credentials", "[default]\naws_access_key_id = " AWS_ID "\n",
      "aws-access-key-id", AWS_ID, 2 },
    { "/root/.aws/credentials", "[default]\n\naws_secret_access_key = " AWS_SECRET "\n",
      "aws-secret-access-key", AWS_SECRET, 3 },
    { "/etc/profile.d/hw.sh", "export HUAWEICLOUD_SDK_AK=" HW_AK "\n", "huawei-access-key",
      HW_AK, 1 },
    { "/etc/profile.d/hw.sh", "export HUAWEICLOUD_SDK_SK=\"" HW_SK "\"\n", "huawei-secret-key",
      HW_SK, 1 },
    { "/home/u/credentials.csv", "User Name,Access Key Id,Secret Access Key\nbob," HW_AK "," HW_SK
      "\n", "cloud-credentials-csv", HW_AK, 2 },
    { "/srv/tc.json", "{\"SecretId\": \"" TC_ID "\"}", "tencent-secret-id", TC_ID, 1 },
    { "/root/.git-credentials", "https://u:" GH_TOKEN "@github.com\n", "github-token", GH_TOKEN,
      1 },
    { "/ci.yml", "token: " GL_TOKEN "\n", "gitlab-pat", GL_TOKEN, 1 },
    { "/bot.cfg", "SLACK=" SLACK_TOKEN "\n", "slack-token", SLACK_TOKEN, 1 },
    { "/web/session", "\n\n\nAuthorization: Bearer " JWT_TOKEN "\n", "jwt", JWT_TOKEN, 4 },
    { "/sa.json", "{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"" GCP_KEY_ID "\",\n",
      "gcp-service-account", GCP_KEY_ID, 3 },
    { "/root/.ssh/id_rsa", "-----BEGIN RSA PRIVATE KEY-----\n" PEM_BODY "\n-----END RSA PRIVATE KEY-----\n",
      "private-key", PEM_BODY, 2 },
    { "/root/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n" PEM_BODY "\n",
      "private-key", PEM_BODY, 2 },
    { "/app/key.json", "{\"k\": \"-----BEGIN PRIVATE KEY-----\\n" PEM_BODY "\\n\"}",
      "private-key", PEM_BODY, 1 },
    { "/root/.docker/config.json", "{\"auths\": {\"r.example\": {\"auth\": \"" DOCKER_AUTH "\"}}}",
      "docker-config-auth", DOCKER_AUTH, 1 },
};

START_TEST(secret_provider_found_with_line_and_mask)
{
    const provider_case *c = &provider_cases[_i];
    imgb_secret_rules *r = shipped_rules("ak_leak.access_key");
    imgb_secret_stream *s = scan_file(r, c->path, c->content, strlen(c->content), 0);
    ck_assert_uint_eq(imgb_secret_stream_count(s), 1);
    const imgb_secret_finding *f = imgb_secret_stream_at(s, 0);
    ck_assert_str_eq(f->rule_id, c->rule);
    ck_assert_str_eq(f->path, c->path);
    ck_assert_int_eq(f->line, c->line);
    ck_assert_uint_eq(f->offset, (uint64_t)(strstr(c->content, c->secret) - c->content));
    /* Masked: a prefix of the secret followed by stars, never the whole secret. */
    size_t keep = strcspn(f->masked, "*");
    ck_assert_uint_gt(strlen(f->masked), keep);
    ck_assert_uint_lt(keep, strlen(c->secret));
    ck_assert_int_eq(strncmp(f->masked, c->secret, keep), 0);
    ck_assert_ptr_null(strstr(f->masked, c->secret));
    imgb_secret_stream_free(s);
    imgb_secret_rules_free(r);
}
END_TEST

START_TEST(secret_alibaba_mask_keeps_fourteen)
{
    imgb_secret_rules *r = shipped_rules("ak_leak.access_key");
    const char *txt = "LTAI4GBEG5zaqX8dLpW2mTq7\n";
    imgb_secret_stream *s = scan_file(r, "usr/aksk.txt", txt, strlen(txt), 0);
    ck_assert_uint_eq(imgb_secret_stream_count(s), 1);
    ck_assert_str_eq(imgb_secret_stream_at(s, 0)->masked, "LTAI4GBEG5zaqX**********");
    ck_assert_str_eq(imgb_secret_stream_at(s, 0)->path, "/usr/aksk.txt");
    imgb_secret_stream_free(s);
    imgb_secret_rules_free(r);
}
END_TEST

/* Decoys and near misses: documented example keys, placeholders, wrong lengths, wrong case,
 * headers without a key body, test fixtures and docs. */
static const provider_case decoys[] = {
    { "/app/aws.md", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", NULL, NULL, 0 },
    { "/app/aws.cfg", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", NULL,
      NULL, 0 },
    { "/app/a.txt", "LTAIxxxxxxxxxxxxxxxxxxxx\n", NULL, NULL, 0 },
    { "/app/b.txt", "LTAI5tQ8xZ2mK9pR7vW3yB1nQ\n", NULL, NULL, 0 },        /* 25 chars */
    { "/app/c.txt", "LTAI5tQ8xZ2mK9pR7vW3\n", NULL, NULL, 0 },            /* 20 chars */
    { "/app/d.txt", "xLTAI5tQ8xZ2mK9pR7vW3yB1n\n", NULL, NULL, 0 },       /* inside a word */
    { "/app/e.txt", "akia2ogybah6qftuxj3m\n", NULL, NULL, 0 },
    { "/app/f.txt", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n",
      NULL, NULL, 0 },
    { "/app/g.txt", "-----BEGIN CERTIFICATE-----\n" PEM_BODY "\n", NULL, NULL, 0 },
    { "/usr/lib/python3/dist-packages/x/tests/key.pem",
      "-----BEGIN RSA PRIVATE KEY-----\n" PEM_BODY "\n", NULL, NULL, 0 },
    { "/usr/share/doc/tool/README", "key=" ALI_ID "\n", NULL, NULL, 0 },
    { "/app/h.txt", "the laws of awk: aws_key = short\n", NULL, NULL, 0 },
    { "/app/i.txt", "ghp_short and ghp_" "000000000000000000000000000000000000\n", NULL, NULL, 0 },
    { "/app/jwt.md", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6"
      "IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n", NULL,
      NULL, 0 },
    { "/usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO", "x " JWT_TOKEN "\n", NULL,
      NULL, 0 },
    { "/etc/ssh/ssh_host_rsa_key", "-----BEGIN RSA PRIVATE KEY-----\n" PEM_BODY "\n", NULL, NULL,
      0 },
};

START_TEST(secret_decoy_not_reported)
{
    const provider_case *c = &decoys[_i];
    imgb_secret_rules *r = shipped_rules("ak_leak.access_key");
    imgb_secret_stream *s = scan_file(r, c->path, c->content, strlen(c->content), 0);
    ck_assert_msg(imgb_secret_stream_count(s) == 0, "decoy %d reported as %s", _i,
                  imgb_secret_stream_count(s) ? imgb_secret_stream_at(s, 0)->rule_id : "");
    imgb_secret_stream_free(s);
    imgb_secret_rules_free(r);
}
END_TEST

START_TEST(secret_host_key_item_only_host_keys)
{
    imgb_secret_rules *r = shipped_rules("ak_leak.ssh_host_key");
    const char *key = "-----BEGIN OPENSSH PRIVATE KEY-----\n" PEM_BODY "\n";
    imgb_secret_stream *s = scan_file(r, "etc/ssh/ssh_host_ed25519_key", key, strlen(key), 0);
    ck_assert_uint_eq(imgb_secret_stream_count(s), 1);
    ck_assert_str_eq(imgb_secret_stream_at(s, 0)->rule_id, "ssh-host-private-key");
    imgb_secret_stream_free(s);
    s = scan_file(r, "root/.ssh/id_rsa", key, strlen(key), 0);
    ck_assert_uint_eq(imgb_secret_stream_count(s), 0);
    imgb_secret_stream_free(s);
    s = scan_file(r, "etc/ssh/ssh_host_ed25519_key.pub", key, strlen(key), 0);
    ck_assert_uint_eq(imgb_secret_stream_count(s), 0);
    imgb_secret_stream_free(s);
    imgb_secret_rules_free(r);
}
END_TEST

START_TEST(secret_binary_file_reports_offset)
{
    imgb_secret_rules *r = shipped_rules("ak_leak.access_key");
    size_t len = 300000, at = 123457;
    unsigned char *bin = imgb_xmalloc(len);
    for (size_t i = 0; i < len; i++)
        bin[i] = (unsigned char)((i * 7919u) >> 3);   /* NULs and newlines included */
    bin[10] = 0;
    bin[at - 1] = 0;
    memcpy(bin + at, AWS_ID, strlen(AWS_ID));
    bin[at + strlen(AWS_ID)] = 0;
    imgb_secret_stream *s = scan_file(r, "usr/bin/app", bin, len, 65536);
    ck_assert_uint_eq(imgb_secret_stream_count(s), 1);
    const imgb_secret_finding *f = imgb_secret_stream_at(s, 0);
    ck_assert(f->binary);
    ck_assert_int_eq(f->line, 0);
    ck_assert_uint_eq(f->offset, at);
    ck_assert_str_eq(f->rule_id, "aws-access-key-id");
    imgb_secret_stream_free(s);
    imgb_secret_rules_free(r);
    free(bin);
}
END_TEST

/* A key placed across every kind of boundary: reader chunks of many sizes (1 byte to larger
 * than the key's window), keys straddling a chunk seam and near a chunk's tail. */
#define BIG 262144
START_TEST(secret_spanning_chunks_found_once_with_exact_line)
{
    imgb_secret_rules *r = shipped_rules("ak_leak.access_key");
    size_t len = 3 * BIG + 1000;
    char *txt = imgb_xmalloc(len + 1);
    int lines = 0;
    for (size_t i = 0; i < len; i++) {
        txt[i] = (i % 61 == 60) ? '\n' : (char)('a' + (i * 31) % 26);
    }
    /* Key positions: straddling a 4096-chunk boundary, the first buffer slide, late. */
    size_t spots[] = { 4096 - 10, BIG - 7, 2 * BIG + 333 };
    for (size_t k = 0; k < 3; k++) {
        txt[spots[k] - 1] = ' ';
        memcpy(txt + spots[k], ALI_ID, strlen(ALI_ID));
        txt[spots[k] + strlen(ALI_ID)] = ' ';
    }
    txt[len] = '\0';
    size_t chunks[] = { 0, 1, 7, 512, 4096, 65536, BIG + 5 };
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        imgb_secret_stream *s = scan_file(r, "/big.txt", txt, len, chunks[c]);
        ck_assert_msg(imgb_secret_stream_count(s) == 3, "chunk %zu: %zu findings", chunks[c],
                      imgb_secret_stream_count(s));
        for (size_t k = 0; k < 3; k++) {
            const imgb_secret_finding *f = imgb_secret_stream_at(s, k);
            lines = 1;
            for (size_t i = 0; i < spots[k]; i++)
                lines += txt[i] == '\n';
            ck_assert_uint_eq(f->offset, spots[k]);
            ck_assert_int_eq(f->line, lines);
            ck_assert(!f->binary);
        }
        imgb_secret_stream_free(s);
    }
    imgb_secret_rules_free(r);
    free(txt);
}
END_TEST

START_TEST(secret_without_prefilter_finds_the_same)
{
    imgb_secret_rules *r = shipped_rules("ak_leak.access_key");
    imgb_buf b = IMGB_BUF_INIT;
    for (size_t i = 0; i < sizeof provider_cases / sizeof provider_cases[0]; i++) {
        imgb_buf_puts(&b, "filler line with words and numbers 12345\n");
        imgb_buf_puts(&b, provider_cases[i].content);
        imgb_buf_puts(&b, "\n");
    }
    imgb_secret_stream *a = scan_file(r, "/all.txt", b.ptr, b.len, 1000);
    imgb_secret_stream *n = imgb_secret_stream_new(r, false);
    ck_assert(imgb_secret_stream_begin(n, "/all.txt", 0));
    imgb_secret_stream_data(n, (const unsigned char *)b.ptr, b.len);
    imgb_secret_stream_end(n);
    ck_assert_uint_ge(imgb_secret_stream_count(a), sizeof provider_cases / sizeof provider_cases[0]);
    ck_assert_uint_eq(imgb_secret_stream_count(a), imgb_secret_stream_count(n));
    /* Same set (the order differs: keyword order vs pattern order). */
    for (size_t i = 0; i < imgb_secret_stream_count(a); i++) {
        const imgb_secret_finding *x = imgb_secret_stream_at(a, i);
        bool same = false;
        for (size_t j = 0; j < imgb_secret_stream_count(n); j++) {
            const imgb_secret_finding *y = imgb_secret_stream_at(n, j);
            same |= x->offset == y->offset && x->line == y->line &&
                    strcmp(x->rule_id, y->rule_id) == 0;
        }
        ck_assert_msg(same, "%s at %llu only with the prefilter", x->rule_id,
                      (unsigned long long)x->offset);
    }
    imgb_secret_stream_free(a);
    imgb_secret_stream_free(n);
    imgb_secret_rules_free(r);
    imgb_buf_dispose(&b);
}
END_TEST

START_TEST(secret_bad_params_rejected)
{
    static const char *const bad[] = {
        "{}",
        "{\"patterns\": []}",
        "{\"patterns\": [{\"id\": \"x\", \"regex\": \"(\", \"keywords\": [\"ab\"]}]}",
        "{\"patterns\": [{\"id\": \"x\", \"regex\": \"a\", \"keywords\": []}]}",
        "{\"patterns\": [{\"id\": \"x\", \"regex\": \"a\", \"keywords\": [\"a\"]}]}",
        "{\"patterns\": [{\"id\": \"x\", \"regex\": \"a\", \"keywords\": [\"ab\"], \"after\": 999999}]}",
        "{\"patterns\": [{\"id\": \"x\", \"regex\": \"ab\", \"keywords\": [\"ab\"]}], \"allow\": [{}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *p = json_loads(bad[i], 0, NULL);
        imgb_secret_rules *r = NULL;
        ck_assert_msg(imgb_secret_rules_compile(p, &r) < 0, "accepted %s", bad[i]);
        ck_assert_ptr_null(r);
        ck_assert_str_ne(imgb_error_last(), "");
        json_decref(p);
    }
}
END_TEST

START_TEST(secret_allow_list_is_overridable)
{
    /* Without the allow list the documented AWS example key is reported. */
    json_t *p = shipped_params("ak_leak.access_key");
    json_object_del(p, "allow");
    imgb_secret_rules *r = NULL;
    ck_assert_int_eq(imgb_secret_rules_compile(p, &r), 0);
    const char *txt = "id=AKIAIOSFODNN7EXAMPLE\n";
    imgb_secret_stream *s = scan_file(r, "/x", txt, strlen(txt), 0);
    ck_assert_uint_eq(imgb_secret_stream_count(s), 1);
    imgb_secret_stream_free(s);
    imgb_secret_rules_free(r);
    json_decref(p);
}
END_TEST

START_TEST(secret_mask_text_hides_build_secrets)
{
    static const struct { const char *in, *gone; } cases[] = {
        { "/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter2secret", "hunter2secret" },
        { "|2 GITHUB_TOKEN=" GH_TOKEN " X=1 /bin/sh -c make", GH_TOKEN },
        { "RUN /bin/sh -c curl -u admin:s3cr3tpass@x https://admin:s3cr3tpass@repo/x", "s3cr3tpass" },
        { "RUN /bin/sh -c echo " ALI_ID " > /k", ALI_ID },
        { "ENV TOKEN=\"quoted value here\"", "quoted value here" },
        { "RUN /bin/sh -c mysql --password=Zx9vB7nM3 -e 1", "Zx9vB7nM3" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = imgb_secret_mask_text(cases[i].in);
        ck_assert_msg(strstr(m, cases[i].gone) == NULL, "not masked: %s", m);
        ck_assert_ptr_nonnull(strchr(m, '*'));
        free(m);
    }
    char *m = imgb_secret_mask_text("RUN /bin/sh -c apt-get update && apt-get install -y curl");
    ck_assert_str_eq(m, "RUN /bin/sh -c apt-get update && apt-get install -y curl");
    free(m);
}
END_TEST


/* ---- end to end: the CLI on a real image ------------------------------------------------ */

#define SLACK_LATE "xoxp-1837465019-2829103756-Zq9LmZ3vT8pW4nY6bC1dF5hK"

static const char *const all_secrets[] = {
    ALI_ID, AWS_ID, AWS_SECRET, GH_TOKEN, TC_ID, PEM_BODY, SLACK_LATE, NULL,
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    imgb_buf b = IMGB_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        imgb_buf_put(&b, chunk, n);
    fclose(f);
    *len = b.len;
    char *s = imgb_buf_detach(&b);
    return s ? s : imgb_xstrdup("");
}

/* Layer 0 holds keys (one in a binary), a private key, a host key and decoys; layer 1
 * deletes one key file, overwrites another and adds a key of its own. */
static char *build_leaky_image(char **dir_out)
{
    char *dir = imgbuild_tmpdir("secrets_e2e");
    size_t binlen = 200000, at = 150001;
    char *bin = imgb_xmalloc(binlen);
    for (size_t i = 0; i < binlen; i++)
        bin[i] = (char)((i * 2654435761u) >> 13);
    bin[0] = 0;
    bin[at - 1] = 0;
    memcpy(bin + at, TC_ID, strlen(TC_ID));
    bin[at + strlen(TC_ID)] = 0;
    /* Text with keys straddling the 64 KiB and 128 KiB marks (libarchive block seams). */
    size_t biglen = 300000;
    char *big = imgb_xmalloc(biglen);
    for (size_t i = 0; i < biglen; i++)
        big[i] = (i % 100 == 99) ? '\n' : 'x';
    size_t seams[] = { 65536 - 10, 131072 - 5 };
    for (size_t k = 0; k < 2; k++) {
        big[seams[k] - 1] = ' ';
        memcpy(big + seams[k], ALI_ID, strlen(ALI_ID));
        big[seams[k] + strlen(ALI_ID)] = ' ';
    }
    imgbuild_file l0[] = {
        { .path = "srv/", .type = IMGBUILD_DIR },
        { .path = "srv/big.log", .content = big, .content_len = biglen },
        { .path = "usr/", .type = IMGBUILD_DIR },
        { .path = "usr/aksk.txt", .content = "# keys\nak=" ALI_ID "\n" },
        { .path = "usr/local/", .type = IMGBUILD_DIR },
        { .path = "usr/local/bin/", .type = IMGBUILD_DIR },
        { .path = "usr/local/bin/tool", .content = bin, .content_len = binlen, .mode = 0755 },
        { .path = "app/", .type = IMGBUILD_DIR },
        { .path = "app/deleted.env", .content = "AWS_ACCESS_KEY_ID=" AWS_ID "\n"
                                                 "aws_secret_access_key=" AWS_SECRET "\n" },
        { .path = "app/over.txt", .content = "token " GH_TOKEN "\n" },
        { .path = "app/decoys.txt", .content = "AKIAIOSFODNN7EXAMPLE\nLTAIxxxxxxxxxxxxxxxxxxxx\n"
                                               "-----BEGIN RSA PRIVATE KEY-----\n...\n" },
        { .path = "root/", .type = IMGBUILD_DIR },
        { .path = "root/.ssh/", .type = IMGBUILD_DIR },
        { .path = "root/.ssh/id_rsa", .content = "-----BEGIN RSA PRIVATE KEY-----\n" PEM_BODY "\n"
                                                 "-----END RSA PRIVATE KEY-----\n", .mode = 0600 },
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/ssh/", .type = IMGBUILD_DIR },
        { .path = "etc/ssh/ssh_host_rsa_key", .content = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
                                                         PEM_BODY "\n", .mode = 0600 },
    };
    imgbuild_file l1[] = {
        { .path = "app/", .type = IMGBUILD_DIR },
        { .path = "app/deleted.env", .type = IMGBUILD_WHITEOUT },
        { .path = "app/over.txt", .content = "nothing here any more\n" },
        { .path = "app/late.cfg", .content = "\n\nslack=" SLACK_LATE "\n" },
    };
    imgbuild_layer layers[2];
    imgbuild_layer_write(&layers[0], dir, l0, sizeof l0 / sizeof l0[0], IMGBUILD_GZIP);
    imgbuild_layer_write(&layers[1], dir, l1, sizeof l1 / sizeof l1[0], IMGBUILD_ZSTD);
    imgbuild_image im = { .layers = layers, .nlayers = 2, .ref = "leaky:1.0", .user = "app" };
    char *out = imgbuild_path(dir, "leaky.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &im, 1, NULL);
    imgbuild_layer_dispose(&layers[0]);
    imgbuild_layer_dispose(&layers[1]);
    free(bin);
    free(big);
    *dir_out = dir;
    return out;
}

static const json_t *find_item(const json_t *report, const char *id)
{
    const json_t *bls = json_object_get(report, "baselines");
    for (size_t b = 0; b < json_array_size(bls); b++) {
        const json_t *items = json_object_get(json_array_get(bls, b), "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            const json_t *it = json_array_get(items, i);
            if (strcmp(json_string_value(json_object_get(it, "id")), id) == 0)
                return it;
        }
    }
    return NULL;
}

/* The evidence of `item` for `file` whose value starts like `secret`. */
static const json_t *find_evidence(const json_t *item, const char *file, const char *secret)
{
    const json_t *evs = json_object_get(item, "evidence");
    for (size_t i = 0; i < json_array_size(evs); i++) {
        const json_t *ev = json_array_get(evs, i);
        const char *f = json_string_value(json_object_get(ev, "file"));
        const char *v = json_string_value(json_object_get(ev, "value"));
        if (f && v && strcmp(f, file) == 0 && strncmp(v, secret, 4) == 0)
            return ev;
    }
    return NULL;
}

static json_int_t ev_int(const json_t *ev, const char *key)
{
    const json_t *v = json_object_get(ev, key);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

START_TEST(secret_e2e_layers_masks_and_every_format)
{
    char *dir;
    char *img = build_leaky_image(&dir);
    const char *cli = getenv("IMGB_CLI");
    ck_assert_ptr_nonnull(cli);
    static const char *const formats[] = { "json", "table", "sarif", "html", "junit",
                                           "aliyun-baseline-check-result",
                                           "aliyun-build-risk-images",
                                           "huawei-risk-configs --image-type local_image",
                                           "huawei-baseline-statistic --image-type local_image",
                                           NULL };
    for (size_t f = 0; formats[f]; f++) {
        for (int zh = 0; zh < 2; zh++) {
            char *out = imgb_xasprintf("%s/out-%.*s-%d", dir, (int)strcspn(formats[f], " "),
                                       formats[f], zh);
            int st = imgbuild_sh("'%s' scan '%s' --allow-incomplete --format %s --lang %s -o '%s' 2>'%s.err'", cli,
                                 img, formats[f], zh ? "zh" : "en", out, out);
            ck_assert_msg(st == 0 || st == 1, "scan --format %s exited %d", formats[f], st);
            size_t len;
            char *text = slurp(out, &len);
            ck_assert_uint_gt(len, 0);
            for (size_t k = 0; all_secrets[k]; k++)
                ck_assert_msg(memmem(text, len, all_secrets[k], strlen(all_secrets[k])) == NULL,
                              "format %s shows an unmasked secret", formats[f]);
            char *errp = imgb_xasprintf("%s.err", out);
            char *err = slurp(errp, &len);
            for (size_t k = 0; all_secrets[k]; k++)
                ck_assert(memmem(err, len, all_secrets[k], strlen(all_secrets[k])) == NULL);
            free(err);
            free(errp);
            free(text);
            free(out);
        }
    }

    char *jpath = imgb_xasprintf("%s/out-json-0", dir);
    json_error_t jerr;
    json_t *rep = json_load_file(jpath, 0, &jerr);
    ck_assert_msg(rep != NULL, "%s", jerr.text);
    const json_t *ak = find_item(rep, "ak_leak.access_key");
    ck_assert_ptr_nonnull(ak);
    ck_assert_str_eq(json_string_value(json_object_get(ak, "verdict")), "fail");

    const json_t *ev = find_evidence(ak, "/usr/aksk.txt", ALI_ID);
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(json_string_value(json_object_get(ev, "value")), "LTAI5tQ8xZ2mK9**********");
    ck_assert_int_eq(ev_int(ev, "line"), 2);
    ck_assert_int_eq(ev_int(ev, "layer"), 0);
    ck_assert_int_eq(ev_int(ev, "layer_removed"), -1);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(ev, "layer_digest")));

    /* Deleted by a whiteout in layer 1: both layers reported. */
    ev = find_evidence(ak, "/app/deleted.env", AWS_ID);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev_int(ev, "layer"), 0);
    ck_assert_int_eq(ev_int(ev, "layer_removed"), 1);
    ev = find_evidence(ak, "/app/deleted.env", AWS_SECRET);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev_int(ev, "line"), 2);
    ck_assert_int_eq(ev_int(ev, "layer_removed"), 1);
    /* Overwritten in layer 1. */
    ev = find_evidence(ak, "/app/over.txt", GH_TOKEN);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev_int(ev, "layer"), 0);
    ck_assert_int_eq(ev_int(ev, "layer_removed"), 1);
    /* Added by the last layer. */
    ev = find_evidence(ak, "/app/late.cfg", SLACK_LATE);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev_int(ev, "layer"), 1);
    ck_assert_int_eq(ev_int(ev, "line"), 3);
    /* Binary: offset, no line. */
    ev = find_evidence(ak, "/usr/local/bin/tool", TC_ID);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev_int(ev, "offset"), 150001);
    ck_assert_int_eq(ev_int(ev, "line"), -1);
    ck_assert_ptr_nonnull(find_evidence(ak, "/root/.ssh/id_rsa", PEM_BODY));
    /* Decoys and the host key are not ak_leak evidence. */
    const json_t *evs = json_object_get(ak, "evidence");
    for (size_t i = 0; i < json_array_size(evs); i++) {
        const char *file = json_string_value(json_object_get(json_array_get(evs, i), "file"));
        ck_assert_msg(!file || (strcmp(file, "/app/decoys.txt") && strcmp(file, "/etc/ssh/ssh_host_rsa_key")),
                      "unexpected evidence for %s", file);
    }
    /* The two keys at the block seams, with their exact lines (100-byte lines). */
    size_t nbig = 0;
    for (size_t i = 0; i < json_array_size(evs); i++) {
        const json_t *e = json_array_get(evs, i);
        const char *file = json_string_value(json_object_get(e, "file"));
        if (!file || strcmp(file, "/srv/big.log") != 0)
            continue;
        json_int_t line = ev_int(e, "line");
        ck_assert_msg(line == 65526 / 100 + 1 || line == 131067 / 100 + 1,
                      "big.log line %lld", (long long)line);
        nbig++;
    }
    ck_assert_uint_eq(nbig, 2);
    ck_assert_uint_eq(json_array_size(evs), 9);

    const json_t *hk = find_item(rep, "ak_leak.ssh_host_key");
    ck_assert_ptr_nonnull(hk);
    ck_assert_str_eq(json_string_value(json_object_get(hk, "verdict")), "fail");
    ck_assert_ptr_nonnull(find_evidence(hk, "/etc/ssh/ssh_host_rsa_key", PEM_BODY));

    /* The Alibaba example format of the finding: path:masked. */
    size_t len;
    char *ali = imgb_xasprintf("%s/out-aliyun-baseline-check-result-1", dir);
    char *text = slurp(ali, &len);
    ck_assert_msg(strstr(text, "ak_leak") != NULL, "no ak_leak in the Alibaba report");
    free(text);
    free(ali);

    json_decref(rep);
    free(jpath);
    free(img);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *secrets_suite(void)
{
    Suite *s = suite_create("secrets");
    TCase *t = tcase_create("matcher");
    tcase_set_timeout(t, 120);
    tcase_add_loop_test(t, secret_provider_found_with_line_and_mask, 0,
                        sizeof provider_cases / sizeof provider_cases[0]);
    tcase_add_test(t, secret_alibaba_mask_keeps_fourteen);
    tcase_add_loop_test(t, secret_decoy_not_reported, 0, sizeof decoys / sizeof decoys[0]);
    tcase_add_test(t, secret_host_key_item_only_host_keys);
    tcase_add_test(t, secret_binary_file_reports_offset);
    tcase_add_test(t, secret_spanning_chunks_found_once_with_exact_line);
    tcase_add_test(t, secret_without_prefilter_finds_the_same);
    tcase_add_test(t, secret_bad_params_rejected);
    tcase_add_test(t, secret_allow_list_is_overridable);
    tcase_add_test(t, secret_mask_text_hides_build_secrets);
    suite_add_tcase(s, t);
    t = tcase_create("e2e");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, secret_e2e_layers_masks_and_every_format);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(secrets_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
