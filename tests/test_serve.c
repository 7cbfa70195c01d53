/*
 * tools/serve/: the three signature schemes (sign.c) and the credentials file (creds.c).
 * The V1 vector is the request @alicloud/pop-core 1.8.0 sent to a loopback stub, captured in
 * ../shared/reference/service.md (key testAK, secret testSK).  The SDKs themselves run
 * against a live server in tests/serve/sdk.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <check.h>
#include <imgbaseline/imgbaseline.h>

#include "creds.h"
#include "imgbuild.h"
#include "sign.h"


static const char captured_v1[] =
    "AccessKeyId=testAK&Action=DescribeImageBaselineCheckResult&CurrentPage=1&Format=JSON&"
    "ImageUuid=a910053dd4710173ecc9e9d8931f0001&Lang=en&PageSize=20&RiskLevel=high%2Cmedium&"
    "ScanRange.1=image&ScanRange.2=container&SignatureMethod=HMAC-SHA1&"
    "SignatureNonce=89109678f7e5b8006e02dc2191c11c7d&SignatureVersion=1.0&"
    "Timestamp=2026-12-05T20%3A23%3A02Z&Version=2018-12-03&Signature=eyideVeduzUbzm%2BoR0mvd5TnKo4%3D";

/* The parameters of `q` without Signature; the given signature in *sig (malloc'd). */
static void split_signature(const char *q, sv_kvs *params, char **sig)
{
    sv_kvs all = { 0 };
    ck_assert_int_eq(sv_parse_form(q, strlen(q), 256, &all), 0);
    *sig = NULL;
    for (size_t i = 0; i < all.n; i++) {
        if (!strcmp(all.items[i].key, "Signature"))
            *sig = strdup(all.items[i].value);
        else
            sv_kvs_add(params, all.items[i].key, strlen(all.items[i].key), all.items[i].value,
                       strlen(all.items[i].value));
    }
    sv_kvs_dispose(&all);
    ck_assert_ptr_nonnull(*sig);
}

START_TEST(v1_captured_request_verifies)
{
    sv_kvs p = { 0 };
    char *given;
    split_signature(captured_v1, &p, &given);
    ck_assert_str_eq(given, "eyideVeduzUbzm+oR0mvd5TnKo4=");
    char *calc = sv_v1_signature("GET", &p, "testSK");
    ck_assert_str_eq(calc, given);
    ck_assert(sv_equal_ct(calc, given));
    free(calc);
    /* Another secret, another method, one changed value: no match. */
    calc = sv_v1_signature("GET", &p, "testSk");
    ck_assert(!sv_equal_ct(calc, given));
    free(calc);
    calc = sv_v1_signature("POST", &p, "testSK");
    ck_assert(!sv_equal_ct(calc, given));
    free(calc);
    free(p.items[7].value);
    p.items[7].value = strdup("high"); /* RiskLevel */
    ck_assert_str_eq(p.items[7].key, "RiskLevel");
    calc = sv_v1_signature("GET", &p, "testSK");
    ck_assert(!sv_equal_ct(calc, given));
    free(calc);
    free(given);
    sv_kvs_dispose(&p);
}
END_TEST

START_TEST(v1_order_and_transport_do_not_matter)
{
    /* The same parameters as a POST form body in another order sign the same (for POST). */
    sv_kvs a = { 0 }, b = { 0 };
    const char *q1 = "Action=X&Format=JSON&Name=a%20b%21%27%28%29%2A&Version=2018-12-03";
    const char *q2 = "Version=2018-12-03&Name=a+b!'()*&Format=JSON&Action=X";
    ck_assert_int_eq(sv_parse_form(q1, strlen(q1), 16, &a), 0);
    ck_assert_int_eq(sv_parse_form(q2, strlen(q2), 16, &b), 0);
    char *s1 = sv_v1_signature("POST", &a, "k"), *s2 = sv_v1_signature("POST", &b, "k");
    ck_assert_str_eq(s1, s2);
    free(s1);
    free(s2);
    sv_kvs_dispose(&a);
    sv_kvs_dispose(&b);
}
END_TEST

START_TEST(form_parsing_bounds)
{
    sv_kvs k = { 0 };
    ck_assert_int_eq(sv_parse_form("a=%FF", 5, 16, &k), -3);       /* not UTF-8 */
    sv_kvs_dispose(&k);
    ck_assert_int_eq(sv_parse_form("a=%C3%A9&b=%E4%B8%AD", 20, 16, &k), 0);
    ck_assert_str_eq(sv_kvs_get(&k, "a"), "\xC3\xA9");
    sv_kvs_dispose(&k);
    ck_assert_int_eq(sv_parse_form("a=%zz", 5, 16, &k), -1);       /* bad escape */
    sv_kvs_dispose(&k);
    ck_assert_int_eq(sv_parse_form("a=%4", 4, 16, &k), -1);
    sv_kvs_dispose(&k);
    ck_assert_int_eq(sv_parse_form("a=%00", 5, 16, &k), -1);       /* NUL */
    sv_kvs_dispose(&k);
    ck_assert_int_eq(sv_parse_form("a=1&b=2&c=3", 11, 2, &k), -2); /* too many */
    sv_kvs_dispose(&k);
    ck_assert_int_eq(sv_parse_form("x=a+b&&y", 8, 16, &k), 0);
    ck_assert_str_eq(sv_kvs_get(&k, "x"), "a b");
    ck_assert_str_eq(sv_kvs_get(&k, "y"), "");
    sv_kvs_dispose(&k);
    sv_buf b = SV_BUF_INIT;
    sv_pct_encode(&b, "a b!'()*~-_.\xC3\xA9/", 15);
    ck_assert_str_eq(b.ptr, "a%20b%21%27%28%29%2A~-_.%C3%A9%2F");
    sv_buf_dispose(&b);
}
END_TEST

static const char *fixed_headers(void *ctx, const char *name)
{
    (void)ctx;
    if (!strcasecmp(name, "host"))
        return "127.0.0.1:8080";
    if (!strcasecmp(name, "x-sdk-date"))
        return "20261205T202324Z";
    if (!strcasecmp(name, "content-type"))
        return "application/json";
    if (!strcasecmp(name, "x-project-id"))
        return "0123456789abcdef0123456789abcdef";
    return NULL;
}

START_TEST(huawei_query_is_resorted_and_reencoded)
{
    /* The SDK sends the query in insertion order with *()!' unescaped and signs it sorted
     * and encoded: both wire forms of the same parameters give one signature. */
    const char *sh = "content-type;host;x-project-id;x-sdk-date";
    const char *w1 = "image_type=local_image&limit=10&image_name=ng*(x)!'";
    const char *w2 = "image_name=ng%2A%28x%29%21%27&image_type=local_image&limit=10";
    sv_kvs a = { 0 }, b = { 0 };
    ck_assert_int_eq(sv_parse_form(w1, strlen(w1), 16, &a), 0);
    ck_assert_int_eq(sv_parse_form(w2, strlen(w2), 16, &b), 0);
    const char *path = "/v5/0123456789abcdef0123456789abcdef/image/baseline/risk-configs";
    char empty[65];
    sv_sha256_hex("", 0, empty);
    ck_assert_str_eq(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    char *s1 = sv_hw_signature("GET", path, &a, fixed_headers, NULL, sh, empty,
                               "20261205T202324Z", "sk");
    char *s2 = sv_hw_signature("GET", path, &b, fixed_headers, NULL, sh, empty,
                               "20261205T202324Z", "sk");
    char *s3 = sv_hw_signature("GET", path, &b, fixed_headers, NULL, sh, empty,
                               "20261205T202325Z", "sk");
    ck_assert_str_eq(s1, s2);
    ck_assert_str_ne(s1, s3);
    ck_assert_int_eq(strlen(s1), 64);
    free(s1);
    free(s2);
    free(s3);
    sv_kvs_dispose(&a);
    sv_kvs_dispose(&b);
}
END_TEST

static const char creds_yaml[] =
    "tenants:\n"
    "  - name: team-a\n"
    "    aliyun: [{access_key_id: akA, access_key_secret: skA}]\n"
    "    huawei: [{ak: hwA, sk: hwSkA, project_ids: [p1, p2]}]\n"
    "    tokens: [tokA]\n"
    "  - name: team-b\n"
    "    tokens: [tokB]\n";

START_TEST(credentials_lookup)
{
    sv_creds c;
    ck_assert_msg(sv_creds_parse(&c, creds_yaml, strlen(creds_yaml), "c.yaml") == 0, "%s",
                  sv_error_last());
    const sv_tenant *t = NULL;
    const sv_key *k = sv_creds_aliyun(&c, "akA", &t);
    ck_assert_ptr_nonnull(k);
    ck_assert_str_eq(k->secret, "skA");
    ck_assert_str_eq(t->name, "team-a");
    ck_assert_ptr_null(sv_creds_aliyun(&c, "hwA", &t)); /* a Huawei AK is not an Alibaba one */
    k = sv_creds_huawei(&c, "hwA", &t);
    ck_assert(sv_creds_owns_project(t, k, "p2"));
    ck_assert(!sv_creds_owns_project(t, k, "p3"));
    ck_assert_str_eq(sv_creds_token(&c, "tokB")->name, "team-b");
    ck_assert_ptr_null(sv_creds_token(&c, "tok"));
    ck_assert(!sv_creds_owns_project(sv_creds_token(&c, "tokB"), NULL, "p1"));
    sv_creds_dispose(&c);
}
END_TEST

START_TEST(credentials_refused)
{
    sv_creds c;
    const char *typo = "tenants:\n  - name: a\n    aliyun: [{access_key_id: x, acess_key_secret: y}]\n";
    ck_assert_int_eq(sv_creds_parse(&c, typo, strlen(typo), "c.yaml"), IMGB_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sv_error_last(), "c.yaml:3:"));
    ck_assert_ptr_nonnull(strstr(sv_error_last(), "acess_key_secret"));
    const char *dup = "tenants:\n  - {name: a, tokens: [t]}\n  - {name: b, tokens: [t]}\n";
    ck_assert_int_eq(sv_creds_parse(&c, dup, strlen(dup), "c.yaml"), IMGB_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sv_error_last(), "twice"));
    const char *noname = "tenants:\n  - {tokens: [t]}\n";
    ck_assert_int_eq(sv_creds_parse(&c, noname, strlen(noname), "c.yaml"), IMGB_EFORMAT);
    const char *bad = "tenants: [\n";
    ck_assert_int_eq(sv_creds_parse(&c, bad, strlen(bad), "c.yaml"), IMGB_EFORMAT);

    /* The file itself: refused unless 0600 or stricter. */
    char *dir = imgbuild_tmpdir("serve-creds");
    char *path = imgbuild_path(dir, "creds.yaml");
    FILE *f = fopen(path, "w");
    fputs(creds_yaml, f);
    fclose(f);
    chmod(path, 0644);
    ck_assert_int_eq(sv_creds_load(&c, path), IMGB_EINVAL);
    ck_assert_ptr_nonnull(strstr(sv_error_last(), "0644"));
    chmod(path, 0600);
    ck_assert_msg(sv_creds_load(&c, path) == 0, "%s", sv_error_last());
    sv_creds_dispose(&c);
    chmod(path, 0400);
    ck_assert_int_eq(sv_creds_load(&c, path), 0);
    sv_creds_dispose(&c);
    imgbuild_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

static Suite *serve_suite(void)
{
    Suite *s = suite_create("serve");
    TCase *tc = tcase_create("sign");
    tcase_add_test(tc, v1_captured_request_verifies);
    tcase_add_test(tc, v1_order_and_transport_do_not_matter);
    tcase_add_test(tc, form_parsing_bounds);
    tcase_add_test(tc, huawei_query_is_resorted_and_reencoded);
    tcase_add_test(tc, credentials_lookup);
    tcase_add_test(tc, credentials_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(serve_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
