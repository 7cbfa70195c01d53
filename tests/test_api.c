/*
 * The public API, used as a program outside the tree would: this file includes only
 * <imgbaseline/imgbaseline.h> (it is compiled with include/ alone on its path and linked
 * against libimgbaseline.so).  A whole scan of the sample image (two layers, Debian 10, built
 * with umoci and skopeo by tools/make-sample-image.sh), every accessor, progress and cancel,
 * a scan from a pipe, and every format rendered.
 */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <imgbaseline/imgbaseline.h>

static char *sample_dir;       /* made once */
static char *sample_docker;    /* docker-archive */
static char *sample_oci;       /* oci-archive, zstd layers */
static imgb_ruleset *rules;

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
    va_end(ap);
    return s;
}

static void setup_once(void)
{
    const char *src = getenv("IMGB_SOURCE_DIR"), *bin = getenv("IMGB_BINARY_DIR");
    ck_assert_ptr_nonnull(src);
    ck_assert_ptr_nonnull(bin);
    sample_dir = xasprintf("%s/tmp/api-sample", bin);
    char *cmd = xasprintf("rm -rf '%s' && bash '%s/tools/make-sample-image.sh' '%s' >/dev/null",
                          sample_dir, src, sample_dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    sample_docker = xasprintf("%s/%s", sample_dir, "sample-docker.tar");
    sample_oci = xasprintf("%s/%s", sample_dir, "sample-oci.tar");
    char *dir = xasprintf("%s/%s", src, "rules");
    const char *paths[] = { dir };
    ck_assert_int_eq(imgb_ruleset_load(&rules, paths, 1, NULL, NULL), 0);
    free(dir);
}

static void teardown_once(void)
{
    imgb_ruleset_free(rules);
    free(sample_docker);
    free(sample_oci);
    free(sample_dir);
}

static void quick_options(imgb_scan_options *o)
{
    ck_assert_int_eq(imgb_scan_options_init(o, IMGB_SCAN_OPTIONS_VERSION), 0);
    o->jobs = 2;
    o->weak_password_budget = 30;
}

/* ---- ruleset ---------------------------------------------------------------------------- */

START_TEST(ruleset_lists_and_describes)
{
    size_t nb = imgb_ruleset_baseline_count(rules);
    ck_assert_uint_ge(nb, 5);
    size_t items = 0;
    for (size_t i = 0; i < nb; i++) {
        const imgb_baseline *b = imgb_ruleset_baseline(rules, i);
        ck_assert_ptr_nonnull(imgb_baseline_attr(b, IMGB_BASELINE_KEY, IMGB_LANG_EN));
        ck_assert_ptr_nonnull(imgb_baseline_attr(b, IMGB_BASELINE_ALIAS, IMGB_LANG_ZH));
        ck_assert_ptr_nonnull(imgb_baseline_attr(b, IMGB_BASELINE_APPLIES, IMGB_LANG_EN));
        ck_assert_ptr_eq(imgb_ruleset_find_baseline(rules, imgb_baseline_attr(
                             b, IMGB_BASELINE_KEY, IMGB_LANG_EN)), b);
        for (size_t j = 0; j < imgb_baseline_item_count(b); j++, items++) {
            const imgb_item *it = imgb_baseline_item(b, j);
            const imgb_baseline *owner = NULL;
            ck_assert_ptr_eq(imgb_ruleset_find_item(rules, imgb_item_attr(it, IMGB_ITEM_ID,
                                                                          IMGB_LANG_EN), &owner),
                             it);
            ck_assert_ptr_eq(owner, b);
            ck_assert_ptr_nonnull(imgb_item_attr(it, IMGB_ITEM_TITLE, IMGB_LANG_EN));
            ck_assert_ptr_nonnull(strstr(imgb_item_attr(it, IMGB_ITEM_CHECK_JSON, IMGB_LANG_EN),
                                         "\"kind\""));
            ck_assert_ptr_null(strstr(imgb_item_attr(it, IMGB_ITEM_CHECK_JSON, IMGB_LANG_EN),
                                      "_rules_dir"));
            ck_assert_int_gt(imgb_item_line(it), 0);
        }
    }
    ck_assert_uint_gt(items, 50);
    ck_assert_ptr_null(imgb_ruleset_baseline(rules, nb));
    const char *src = NULL;
    ck_assert_uint_gt(imgb_ruleset_dict_size(rules, &src), 1000);
    ck_assert_ptr_nonnull(strstr(src, "passwords.txt"));
    const char *const *kinds = imgb_check_kind_names();
    size_t nk = 0;
    while (kinds[nk])
        nk++;
    ck_assert_uint_ge(nk, 16);
}
END_TEST

typedef struct diags {
    int n;
    char first[512];
} diags;

static void collect(const imgb_diag *d, void *payload)
{
    diags *g = payload;
    if (g->n++ == 0) {
        char *s = imgb_diag_format(d);
        snprintf(g->first, sizeof g->first, "%s", s);
        imgb_free(s);
    }
}

/* An engine message a program prints itself (a scan warning on stderr) in either language. */
START_TEST(ruleset_translates_engine_messages)
{
    static const char warning[] = "the OS could not be identified: only baselines without an "
                                  "OS condition and the generic Linux baselines apply";
    char *zh = imgb_ruleset_translate(rules, IMGB_LANG_ZH, warning);
    char *en = imgb_ruleset_translate(rules, IMGB_LANG_EN, warning);
    ck_assert_str_eq(zh, "无法识别操作系统：只应用无操作系统条件的基线和通用 Linux 基线");
    ck_assert_str_eq(en, warning);
    imgb_free(zh);
    imgb_free(en);
    /* a message the catalog does not know is returned as it is */
    zh = imgb_ruleset_translate(rules, IMGB_LANG_ZH, "/etc/passwd:3");
    ck_assert_str_eq(zh, "/etc/passwd:3");
    imgb_free(zh);
    ck_assert_ptr_null(imgb_ruleset_translate(rules, IMGB_LANG_ZH, NULL));
}
END_TEST

START_TEST(ruleset_validation_reports_positions)
{
    static const char text[] =
        "baseline:\n  key: t\n  class: c\n  alias: {zh: a, en: a}\n  class_alias: {zh: a, en: a}\n"
        "items:\n  - id: t.one\n    title: {zh: t, en: t}\n    description: {zh: d, en: d}\n"
        "    advice: {zh: a, en: a}\n    severity: low\n    bucket: security_check\n"
        "    check:\n      kind: sshd_option\n      keyword: PermitRootLogin\n"
        "      value: \"no\"\n      nocsae: true\n";
    imgb_ruleset *rs = NULL;
    diags g = { 0, "" };
    ck_assert_int_eq(imgb_ruleset_load_text(&rs, "t.yaml", text, sizeof text - 1, collect, &g),
                     IMGB_EFORMAT);
    ck_assert_ptr_null(rs);
    ck_assert_int_eq(imgb_error_last_code(), IMGB_EFORMAT);
    ck_assert_int_eq(g.n, 1);
    ck_assert_msg(strncmp(g.first, "t.yaml:17:7: sshd_option: unknown parameter 'nocsae'", 52)
                  == 0, "%s", g.first);
}
END_TEST

START_TEST(dictionary_append_and_replace)
{
    const char *bin = getenv("IMGB_BINARY_DIR");
    char *path = xasprintf("%s/tmp/api-dict.txt", bin);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("zz-not-in-the-list-1\nzz-not-in-the-list-2\n", f);
    fclose(f);
    char *src = xasprintf("%s/%s", getenv("IMGB_SOURCE_DIR"), "rules");
    const char *paths[] = { src };
    imgb_ruleset *rs;
    ck_assert_int_eq(imgb_ruleset_load(&rs, paths, 1, NULL, NULL), 0);
    size_t before = imgb_ruleset_dict_size(rs, NULL);
    ck_assert_int_eq(imgb_ruleset_dict_load(rs, path, IMGB_DICT_APPEND), 0);
    const char *source;
    ck_assert_uint_eq(imgb_ruleset_dict_size(rs, &source), before + 2);
    ck_assert_ptr_nonnull(strstr(source, "api-dict"));
    ck_assert_int_eq(imgb_ruleset_dict_load(rs, path, IMGB_DICT_REPLACE), 0);
    ck_assert_uint_eq(imgb_ruleset_dict_size(rs, NULL), 2);
    ck_assert_int_eq(imgb_ruleset_dict_load(rs, "/nonexistent/words.txt", IMGB_DICT_APPEND),
                     IMGB_ENOTFOUND);
    ck_assert_int_eq(imgb_error_last_code(), IMGB_ENOTFOUND);
    imgb_ruleset_free(rs);
    free(src);
    free(path);
}
END_TEST

/* ---- a whole scan, every accessor ---------------------------------------------------------- */

typedef struct progress_log {
    int seen[IMGB_STAGE_DONE + 1];
    size_t max_layer, nlayers;
    uint64_t bytes, total;
    size_t crack_accounts;
    int cancel_at;             /* stage at which cancel starts answering yes (-1: never) */
    int canceled_calls;
    pthread_t thread;
    int other_thread;          /* a callback ran concurrently on another thread */
    int inside;
} progress_log;

static void on_progress(const imgb_progress *p, void *payload)
{
    progress_log *l = payload;
    ck_assert_int_eq(__atomic_fetch_add(&l->inside, 1, __ATOMIC_SEQ_CST), 0);
    ck_assert_int_le(p->stage, IMGB_STAGE_DONE);
    l->seen[p->stage]++;
    if (p->stage == IMGB_STAGE_READ) {
        ck_assert_uint_lt(p->layer, p->nlayers);
        ck_assert_uint_le(p->bytes, p->total_bytes);
        l->max_layer = p->layer > l->max_layer ? p->layer : l->max_layer;
        l->nlayers = p->nlayers;
        l->bytes = p->bytes;
        l->total = p->total_bytes;
    } else if (p->stage == IMGB_STAGE_EVALUATE) {
        ck_assert_ptr_nonnull(p->item);
    } else if (p->stage == IMGB_STAGE_CRACK) {
        ck_assert_uint_le(p->accounts_done, p->accounts);
        l->crack_accounts = p->accounts;
    }
    __atomic_fetch_sub(&l->inside, 1, __ATOMIC_SEQ_CST);
}

static int on_cancel(void *payload)
{
    progress_log *l = payload;
    if (l->cancel_at >= 0 && l->seen[l->cancel_at] > 0) {
        l->canceled_calls++;
        return 1;
    }
    return 0;
}

START_TEST(scan_whole_image_and_every_accessor)
{
    imgb_scan_options o;
    quick_options(&o);
    progress_log log;
    memset(&log, 0, sizeof log);
    log.cancel_at = -1;
    o.progress = on_progress;
    o.progress_payload = &log;
    o.cancel = on_cancel;
    o.cancel_payload = &log;
    imgb_scan_result *res = NULL;
    ck_assert_msg(imgb_scan(&res, rules, sample_docker, &o) == 0, "%s", imgb_error_last());

    /* progress: every stage, both layers with their bytes */
    ck_assert_int_eq(log.seen[IMGB_STAGE_OPEN], 1);
    ck_assert_int_eq(log.seen[IMGB_STAGE_READ], 2);
    ck_assert_uint_eq(log.nlayers, 2);
    ck_assert_uint_eq(log.max_layer, 1);
    ck_assert_uint_eq(log.bytes, log.total);
    ck_assert_uint_gt(log.total, 0);
    ck_assert_int_eq(log.seen[IMGB_STAGE_DETECT], 1);
    ck_assert_int_ge(log.seen[IMGB_STAGE_EVALUATE], 50);
    ck_assert_int_eq(log.seen[IMGB_STAGE_DONE], 1);

    /* identity */
    ck_assert_str_eq(imgb_result_attr(res, IMGB_R_IMAGE_PATH), sample_docker);
    ck_assert_str_eq(imgb_result_attr(res, IMGB_R_IMAGE_FORMAT), "docker-archive");
    const char *cfg = imgb_result_attr(res, IMGB_R_CONFIG_DIGEST);
    ck_assert_ptr_nonnull(cfg);
    ck_assert_str_eq(cfg + 7, imgb_result_attr(res, IMGB_R_IMAGE_ID));
    ck_assert_str_eq(imgb_result_attr(res, IMGB_R_PLATFORM), "linux/amd64");
    ck_assert_str_eq(imgb_result_attr(res, IMGB_R_OS_ID), "debian");
    ck_assert_str_eq(imgb_result_attr(res, IMGB_R_OS_VERSION_ID), "10");
    ck_assert_str_eq(imgb_result_attr(res, IMGB_R_OS_FAMILY), "debian");
    ck_assert(imgb_result_sshd_installed(res));
    ck_assert_ptr_nonnull(imgb_result_attr(res, IMGB_R_SSHD_VERSION));
    ck_assert(imgb_result_verified(res));
    ck_assert_uint_eq(imgb_result_ref_count(res), 1);
    ck_assert_ptr_nonnull(strstr(imgb_result_ref(res, 0), "imgbaseline/sample:1.0"));
    ck_assert_ptr_null(imgb_result_ref(res, 1));
    ck_assert_int_le(imgb_result_started_ms(res), imgb_result_finished_ms(res));

    /* layers */
    ck_assert_uint_eq(imgb_result_layer_count(res), 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_ptr_nonnull(strstr(imgb_result_layer_attr(res, i, IMGB_L_DIGEST), "sha256:"));
        ck_assert_ptr_nonnull(imgb_result_layer_attr(res, i, IMGB_L_CREATED_BY));
        ck_assert_uint_gt(imgb_result_layer_size(res, i), 0);
        ck_assert_uint_ge(imgb_result_layer_uncompressed_size(res, i),
                          imgb_result_layer_entries(res, i));
        ck_assert_uint_gt(imgb_result_layer_entries(res, i), 0);
    }
    ck_assert_ptr_null(imgb_result_layer_attr(res, 2, IMGB_L_DIGEST));
    ck_assert_ptr_nonnull(strstr(imgb_result_layer_attr(res, 1, IMGB_L_CREATED_BY), "rm -f"));

    /* baselines, items, evidence and the counts agreeing with them */
    size_t nb = imgb_result_baseline_count(res);
    ck_assert_uint_ge(nb, 3);
    size_t sum[IMGB_COUNT_INCOMPLETE + 1] = { 0 };
    for (size_t b = 0; b < nb; b++) {
        const imgb_baseline_result *br = imgb_result_baseline_at(res, b);
        const imgb_baseline *base = imgb_baseline_result_baseline(br);
        ck_assert_ptr_eq(imgb_result_baseline(res, imgb_baseline_attr(base, IMGB_BASELINE_KEY,
                                                                      IMGB_LANG_EN)), br);
        ck_assert_ptr_nonnull(imgb_baseline_result_reason(br));
        size_t n = imgb_baseline_result_item_count(br);
        ck_assert_uint_eq(n, imgb_baseline_result_count(br, IMGB_COUNT_ITEMS));
        size_t by_verdict[5] = { 0 }, failed_by_sev[3] = { 0 };
        for (size_t i = 0; i < n; i++) {
            const imgb_item_result *ir = imgb_baseline_result_item(br, i);
            imgb_verdict v = imgb_item_result_verdict(ir);
            by_verdict[v]++;
            const imgb_item *it = imgb_item_result_item(ir);
            if (v == IMGB_V_FAIL)
                failed_by_sev[imgb_item_severity(it)]++;
            ck_assert_ptr_eq(imgb_result_item(res, imgb_item_attr(it, IMGB_ITEM_ID, IMGB_LANG_EN)),
                             ir);
            ck_assert_uint_ge(imgb_item_result_evidence_count(ir), 1);
            for (size_t e = 0; e < imgb_item_result_evidence_count(ir); e++) {
                const imgb_evidence *ev = imgb_item_result_evidence(ir, e);
                /* every piece says something: a message, or the file and its value */
                ck_assert(imgb_evidence_attr(ev, IMGB_E_MESSAGE) ||
                          (imgb_evidence_attr(ev, IMGB_E_FILE) &&
                           imgb_evidence_attr(ev, IMGB_E_VALUE)));
                ck_assert_int_ge(imgb_evidence_int(ev, IMGB_E_LINE), 0);
                ck_assert_int_ge(imgb_evidence_int(ev, IMGB_E_LAYER), -1);
                ck_assert_int_le(imgb_evidence_verdict(ev), IMGB_V_INCOMPLETE);
            }
            ck_assert_ptr_null(imgb_item_result_evidence(ir, imgb_item_result_evidence_count(ir)));
        }
        ck_assert_uint_eq(by_verdict[IMGB_V_PASS], imgb_baseline_result_count(br, IMGB_COUNT_PASSED));
        ck_assert_uint_eq(failed_by_sev[IMGB_SEV_HIGH],
                          imgb_baseline_result_count(br, IMGB_COUNT_FAILED_HIGH));
        ck_assert_uint_eq(failed_by_sev[IMGB_SEV_MEDIUM],
                          imgb_baseline_result_count(br, IMGB_COUNT_FAILED_MEDIUM));
        ck_assert_uint_eq(failed_by_sev[IMGB_SEV_LOW],
                          imgb_baseline_result_count(br, IMGB_COUNT_FAILED_LOW));
        ck_assert_uint_eq(by_verdict[IMGB_V_FAIL], imgb_baseline_result_count(br, IMGB_COUNT_FAILED));
        ck_assert_uint_eq(by_verdict[IMGB_V_NOT_APPLICABLE],
                          imgb_baseline_result_count(br, IMGB_COUNT_NOT_APPLICABLE));
        for (int c = 0; c <= IMGB_COUNT_INCOMPLETE; c++)
            sum[c] += imgb_baseline_result_count(br, (imgb_count_id)c);
    }
    for (int c = 0; c <= IMGB_COUNT_INCOMPLETE; c++)
        ck_assert_uint_eq(sum[c], imgb_result_count(res, (imgb_count_id)c));
    ck_assert_uint_gt(imgb_result_count(res, IMGB_COUNT_FAILED), 0);
    ck_assert_uint_gt(imgb_result_count(res, IMGB_COUNT_PASSED), 0);

    /* the sample's weak password is found and never printed */
    const imgb_item_result *weak = imgb_result_item(res, "weak.password");
    ck_assert_ptr_nonnull(weak);
    ck_assert_int_eq(imgb_item_result_verdict(weak), IMGB_V_FAIL);

    /* baselines that did not apply say why */
    ck_assert_uint_gt(imgb_result_skipped_count(res), 0);
    const char *why = NULL;
    ck_assert_ptr_nonnull(imgb_result_skipped(res, 0, &why));
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_null(imgb_result_skipped(res, imgb_result_skipped_count(res), &why));
    ck_assert(imgb_result_complete(res));
    for (size_t w = 0; w < imgb_result_warning_count(res); w++)
        ck_assert_ptr_nonnull(imgb_result_warning(res, w));
    imgb_scan_result_free(res);
}
END_TEST

/* ---- rendering every format ---------------------------------------------------------------- */

START_TEST(render_every_format)
{
    imgb_scan_options o;
    quick_options(&o);
    imgb_scan_result *res = NULL;
    ck_assert_int_eq(imgb_scan(&res, rules, sample_oci, &o), 0);
    imgb_report_request *req;
    ck_assert_int_eq(imgb_report_request_new(&req), 0);
    ck_assert_int_eq(imgb_report_request_set(req, "image_type", "local"), 0);
    ck_assert_int_eq(imgb_report_request_set(req, "lang", "en"), 0);
    ck_assert_int_eq(imgb_report_request_set(req, "page_size", "0"), IMGB_EINVAL);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "PageSize"));
    ck_assert_int_eq(imgb_report_request_set(req, "page_sizee", "10"), IMGB_ENOTFOUND);
    size_t nf = imgb_report_format_count();
    ck_assert_uint_ge(nf, 9);
    ck_assert_ptr_null(imgb_report_format_name(nf));
    for (size_t i = 0; i < nf; i++) {
        const char *name = imgb_report_format_name(i);
        ck_assert_int_eq(imgb_report_format_find(name), (int)i);
        ck_assert_ptr_nonnull(imgb_report_format_summary(i));
        ck_assert_int_eq(imgb_report_request_check(req, name), 0);
        char *out = NULL;
        size_t len = 0;
        ck_assert_msg(imgb_report_render(res, name, req, &out, &len) == 0, "%s: %s", name,
                      imgb_error_last());
        ck_assert_uint_gt(len, 0);
        ck_assert_uint_eq(strlen(out), len);
        if (imgb_report_format_is_api(i) || strcmp(name, "json") == 0 ||
            strcmp(name, "sarif") == 0 || strcmp(name, "inspect-json") == 0)
            ck_assert_msg(out[0] == '{', "%s does not start as a JSON object", name);
        /* the sample's weak password ("123456" for app) never appears in any format */
        ck_assert_msg(!strstr(out, "\"123456\""), "%s leaks a password", name);
        imgb_free(out);
    }
    char *out = (char *)1;
    ck_assert_int_eq(imgb_report_render(res, "no-such-format", req, &out, NULL), IMGB_ENOTFOUND);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(imgb_report_format_find("no-such-format"), IMGB_ENOTFOUND);

    /* huawei formats need image_type: refused before any scan */
    imgb_report_request *bare;
    imgb_report_request_new(&bare);
    ck_assert_int_eq(imgb_report_request_check(bare, "huawei-risk-configs"), IMGB_EINVAL);
    ck_assert_int_eq(imgb_report_request_check(bare, "aliyun-baseline-check-result"), 0);
    ck_assert_uint_eq(imgb_report_count_findings(res, bare, IMGB_SEV_LOW),
                      imgb_result_count(res, IMGB_COUNT_FAILED));
    imgb_report_request_free(bare);
    imgb_report_request_free(req);
    imgb_scan_result_free(res);
}
END_TEST

/* ---- cancel ------------------------------------------------------------------------------- */

static void scan_canceled_at(imgb_stage stage, double budget)
{
    imgb_scan_options o;
    quick_options(&o);
    o.weak_password_budget = budget;
    progress_log log;
    memset(&log, 0, sizeof log);
    log.cancel_at = (int)stage;
    o.progress = on_progress;
    o.progress_payload = &log;
    o.cancel = on_cancel;
    o.cancel_payload = &log;
    imgb_scan_result *res = (imgb_scan_result *)1;
    ck_assert_int_eq(imgb_scan(&res, rules, sample_docker, &o), IMGB_ECANCELED);
    ck_assert_ptr_null(res);
    ck_assert_int_eq(imgb_error_last_code(), IMGB_ECANCELED);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "cancel"));
    ck_assert_int_ge(log.canceled_calls, 1);
    ck_assert_int_eq(log.seen[IMGB_STAGE_DONE], 0);
}

START_TEST(cancel_while_reading)
{
    scan_canceled_at(IMGB_STAGE_READ, 30);
}
END_TEST

START_TEST(cancel_while_evaluating)
{
    scan_canceled_at(IMGB_STAGE_EVALUATE, 30);
}
END_TEST

START_TEST(cancel_while_cracking)
{
    /* a budget no test waits for: only the cancel ends the cracking early */
    scan_canceled_at(IMGB_STAGE_CRACK, 3600);
}
END_TEST

/* ---- a file descriptor (a pipe) ------------------------------------------------------------- */

typedef struct feeder {
    int fd;
    const char *path;
} feeder;

static void *feed(void *arg)
{
    feeder *f = arg;
    FILE *in = fopen(f->path, "rb");
    char buf[4096];
    size_t n;
    while (in && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (write(f->fd, buf, n) != (ssize_t)n)
            break;
    if (in)
        fclose(in);
    close(f->fd);
    return NULL;
}

START_TEST(scan_from_a_pipe_matches_the_file)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    feeder f = { p[1], sample_docker };
    pthread_t t;
    pthread_create(&t, NULL, feed, &f);
    imgb_scan_options o;
    quick_options(&o);
    imgb_scan_result *piped = NULL, *file = NULL;
    ck_assert_msg(imgb_scan_fd(&piped, rules, p[0], "-", &o) == 0, "%s", imgb_error_last());
    pthread_join(t, NULL);
    close(p[0]);
    ck_assert_int_eq(imgb_scan(&file, rules, sample_docker, &o), 0);
    ck_assert_str_eq(imgb_result_attr(piped, IMGB_R_IMAGE_PATH), "-");
    ck_assert_str_eq(imgb_result_attr(piped, IMGB_R_IMAGE_ID),
                     imgb_result_attr(file, IMGB_R_IMAGE_ID));
    for (int c = 0; c <= IMGB_COUNT_INCOMPLETE; c++)
        ck_assert_uint_eq(imgb_result_count(piped, (imgb_count_id)c),
                          imgb_result_count(file, (imgb_count_id)c));
    imgb_scan_result_free(piped);
    imgb_scan_result_free(file);

    /* an empty stream is an error, not an empty pass */
    ck_assert_int_eq(pipe(p), 0);
    close(p[1]);
    imgb_scan_result *none = NULL;
    ck_assert_int_lt(imgb_scan_fd(&none, rules, p[0], "-", &o), 0);
    ck_assert_ptr_null(none);
    close(p[0]);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------- */

START_TEST(errors_have_codes_and_messages)
{
    imgb_scan_result *res = (imgb_scan_result *)1;
    ck_assert_int_eq(imgb_scan(&res, rules, "/nonexistent/image.tar", NULL), IMGB_ENOTFOUND);
    ck_assert_ptr_null(res);
    ck_assert_int_eq(imgb_error_last_code(), IMGB_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "/nonexistent/image.tar"));
    imgb_error_reset();
    ck_assert_int_eq(imgb_error_last_code(), IMGB_OK);
    ck_assert_str_eq(imgb_error_last(), "");

    imgb_scan_options o;
    ck_assert_int_eq(imgb_scan_options_init(&o, 99), IMGB_EINVAL);
    quick_options(&o);
    o.version = 7;
    ck_assert_int_eq(imgb_scan(&res, rules, sample_docker, &o), IMGB_EINVAL);
    quick_options(&o);
    o.only_baseline = "no_such_baseline";
    ck_assert_int_eq(imgb_scan(&res, rules, sample_docker, &o), IMGB_ENOTFOUND);
    ck_assert_str_ne(imgb_version(), "");
    imgb_free(NULL);
    imgb_scan_result_free(NULL);
    imgb_ruleset_free(NULL);
    imgb_report_request_free(NULL);
    imgb_ignore_list_free(NULL);
    ck_assert_ptr_null(imgb_result_attr(NULL, IMGB_R_IMAGE_ID));
}
END_TEST

/* Layer attribution, origin, fixes and the diff call, as a program sees them: the sample's
 * Debian 10 files come from layer 0 (the base when --base-layers 1), layer 1 is its own. */
START_TEST(attribution_origin_fix_and_diff)
{
    imgb_scan_options o;
    quick_options(&o);
    o.base_layers = 1;
    imgb_scan_result *res = NULL;
    ck_assert_msg(imgb_scan(&res, rules, sample_docker, &o) == 0, "%s", imgb_error_last());
    ck_assert_int_eq(imgb_result_base_layers(res), 1);
    ck_assert_str_eq(imgb_result_attr(res, IMGB_R_BASE_SOURCE), "--base-layers 1");
    const char *step0 = imgb_result_layer_attr(res, 0, IMGB_L_CREATED_BY);
    ck_assert_ptr_nonnull(step0);
    size_t attributed = 0, fixes = 0;
    for (size_t b = 0; b < imgb_result_baseline_count(res); b++) {
        const imgb_baseline_result *br = imgb_result_baseline_at(res, b);
        for (size_t i = 0; i < imgb_baseline_result_item_count(br); i++) {
            const imgb_item_result *ir = imgb_baseline_result_item(br, i);
            if (imgb_item_result_verdict(ir) != IMGB_V_FAIL)
                continue;
            bool own = false;
            for (size_t e = 0; e < imgb_item_result_evidence_count(ir); e++) {
                const imgb_evidence *ev = imgb_item_result_evidence(ir, e);
                int64_t layer = imgb_evidence_int(ev, IMGB_E_LAYER);
                own |= imgb_evidence_int(ev, IMGB_E_ORIGIN) == IMGB_ORIGIN_OWN;
                if (imgb_evidence_verdict(ev) != IMGB_V_FAIL || layer < 0 ||
                    !imgb_evidence_attr(ev, IMGB_E_FILE))
                    continue;
                attributed++;
                ck_assert_int_eq(imgb_evidence_int(ev, IMGB_E_ORIGIN),
                                 layer == 0 ? IMGB_ORIGIN_BASE : IMGB_ORIGIN_OWN);
                ck_assert_str_eq(imgb_evidence_attr(ev, IMGB_E_LAYER_DIGEST),
                                 imgb_result_layer_attr(res, (size_t)layer, IMGB_L_DIGEST));
                ck_assert_int_ge(imgb_evidence_int(ev, IMGB_E_HISTORY_INDEX), 0);
                if (layer == 0)
                    ck_assert_str_eq(imgb_evidence_attr(ev, IMGB_E_LAYER_CMD), step0);
                const char *fix = imgb_evidence_attr(ev, IMGB_E_FIX);
                if (fix) {
                    fixes++;
                    ck_assert_msg(strncmp(fix, "RUN ", 4) == 0, "%s", fix);
                }
            }
            if (own)
                ck_assert_int_eq(imgb_item_result_origin(ir), IMGB_ORIGIN_OWN);
        }
    }
    ck_assert_uint_ge(attributed, 5);
    ck_assert_uint_ge(fixes, 3);
    ck_assert_str_eq(imgb_origin_name(IMGB_ORIGIN_BASE), "base");

    /* --only-own: base-only items leave the gate */
    imgb_report_request *req;
    imgb_report_request_new(&req);
    size_t all = imgb_report_count_findings(res, req, IMGB_SEV_LOW);
    imgb_report_request_set_only_own(req, 1);
    size_t own = imgb_report_count_findings(res, req, IMGB_SEV_LOW);
    ck_assert_uint_gt(all, own);
    /* an image against itself: nothing new, nothing fixed; API formats are refused */
    imgb_report_request_set_only_own(req, 0);
    imgb_report_request_set_diff(req, res);
    ck_assert_uint_eq(imgb_report_count_findings(res, req, IMGB_SEV_LOW), 0);
    char *out = NULL;
    size_t len = 0;
    ck_assert_int_eq(imgb_report_render(res, "json", req, &out, &len), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"new\": 0"));
    ck_assert_ptr_nonnull(strstr(out, "\"fixed\": 0"));
    imgb_free(out);
    ck_assert_int_eq(imgb_report_render(res, "huawei-baseline-statistic", req, &out, &len),
                     IMGB_EINVAL);
    imgb_report_request_free(req);
    imgb_scan_result_free(res);

    /* a version-1 caller has no base fields: the boundary is unknown, never a guess */
    ck_assert_int_eq(imgb_scan_options_init(&o, 1), 0);
    o.weak_password_budget = 5;
    ck_assert_msg(imgb_scan(&res, rules, sample_docker, &o) == 0, "%s", imgb_error_last());
    ck_assert_int_eq(imgb_result_base_layers(res), -1);
    ck_assert_ptr_nonnull(strstr(imgb_result_attr(res, IMGB_R_BASE_SOURCE), "unknown"));
    imgb_scan_result_free(res);
}
END_TEST

START_TEST(inspect_without_rules)
{
    imgb_scan_result *res = NULL;
    ck_assert_int_eq(imgb_scan(&res, NULL, sample_oci, NULL), 0);
    ck_assert_str_eq(imgb_result_attr(res, IMGB_R_OS_ID), "debian");
    ck_assert_uint_eq(imgb_result_baseline_count(res), 0);
    char *out;
    size_t len;
    ck_assert_int_eq(imgb_report_render(res, "inspect-json", NULL, &out, &len), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"format\": \"oci-archive\""));
    imgb_free(out);
    imgb_scan_result_free(res);
}
END_TEST

static Suite *api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
    tcase_add_test(tc, ruleset_lists_and_describes);
    tcase_add_test(tc, ruleset_translates_engine_messages);
    tcase_add_test(tc, ruleset_validation_reports_positions);
    tcase_add_test(tc, dictionary_append_and_replace);
    tcase_add_test(tc, scan_whole_image_and_every_accessor);
    tcase_add_test(tc, render_every_format);
    tcase_add_test(tc, cancel_while_reading);
    tcase_add_test(tc, cancel_while_evaluating);
    tcase_add_test(tc, cancel_while_cracking);
    tcase_add_test(tc, scan_from_a_pipe_matches_the_file);
    tcase_add_test(tc, errors_have_codes_and_messages);
    tcase_add_test(tc, inspect_without_rules);
    tcase_add_test(tc, attribution_origin_fix_and_diff);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(api_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
