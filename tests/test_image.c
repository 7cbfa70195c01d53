/*
 * Tests for engine/image/: the image reader (formats, verification, limits, hostile
 * archives) and the test image builder it relies on (tests/support/imgbuild.c).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>

#include "imgbuild.h"
#include "util/mem.h"

/* Names of the entries of an archive file, "\n"-joined (caller frees). */
static char *list_archive(const char *path)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    archive_read_support_format_raw(a);
    ck_assert_msg(archive_read_open_filename(a, path, 65536) == ARCHIVE_OK, "%s",
                  archive_error_string(a));
    imgb_buf b = IMGB_BUF_INIT;
    struct archive_entry *e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        imgb_buf_puts(&b, archive_entry_pathname(e));
        imgb_buf_putc(&b, '\n');
    }
    archive_read_free(a);
    return imgb_buf_detach(&b);
}

START_TEST(imgbuild_layer_digests_match_files)
{
    char *dir = imgbuild_tmpdir("imgbuild");
    imgbuild_file files[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/passwd", .content = "root:x:0:0::/root:/bin/sh\n" },
        { .path = "etc/gone", .type = IMGBUILD_WHITEOUT },
        { .path = "var", .type = IMGBUILD_OPAQUE },
        { .path = "../../etc/x", .content = "evil" },
        { .path = "bin/sh", .type = IMGBUILD_SYMLINK, .link = "/bin/busybox" },
    };
    for (int c = IMGBUILD_PLAIN; c <= IMGBUILD_ZSTD; c++) {
        imgbuild_layer l;
        imgbuild_layer_write(&l, dir, files, 6, (imgbuild_compression)c);
        char *d = imgbuild_sha256_file(l.path);
        ck_assert_str_eq(d, l.digest);
        free(d);
        char *names = list_archive(l.path);
        ck_assert_ptr_nonnull(strstr(names, "etc/.wh.gone\n"));
        ck_assert_ptr_nonnull(strstr(names, "var/.wh..wh..opq\n"));
        ck_assert_ptr_nonnull(strstr(names, "../../etc/x\n"));
        free(names);
        imgbuild_layer_dispose(&l);
    }
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(imgbuild_writes_every_format)
{
    char *dir = imgbuild_tmpdir("imgbuild");
    imgbuild_file files[] = { { .path = "etc/os-release", .content = "ID=debian\n" } };
    imgbuild_layer l;
    imgbuild_layer_write(&l, dir, files, 1, IMGBUILD_GZIP);
    imgbuild_image im = { .layers = &l, .nlayers = 1, .ref = "test:1" };
    static const struct {
        imgbuild_format fmt;
        const char *must;
    } cases[] = {
        { IMGBUILD_DOCKER_ARCHIVE, "manifest.json\n" },
        { IMGBUILD_DOCKER_OCI, "oci-layout\n" },
        { IMGBUILD_OCI_ARCHIVE, "index.json\n" },
    };
    for (size_t i = 0; i < 3; i++) {
        char *out = imgbuild_path(dir, "img.tar");
        imgbuild_options o = { .outer = IMGBUILD_ZSTD };
        imgbuild_image_write(out, cases[i].fmt, &im, 1, &o);
        char *names = list_archive(out);
        ck_assert_msg(strstr(names, cases[i].must) != NULL, "%s", names);
        free(names);
        free(out);
    }
    char *ocidir = imgbuild_path(dir, "oci");
    imgbuild_image_write(ocidir, IMGBUILD_OCI_DIR, &im, 1, NULL);
    char *blob = imgb_xasprintf("%s/blobs/sha256/%s", ocidir, l.digest + 7);
    struct stat st;
    ck_assert_int_eq(stat(blob, &st), 0);
    ck_assert_uint_eq((uint64_t)st.st_size, l.size);
    free(blob);
    free(ocidir);
    imgbuild_layer_dispose(&l);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(imgbuild_bomb_is_small)
{
    char *dir = imgbuild_tmpdir("imgbuild");
    imgbuild_layer l;
    imgbuild_layer_bomb(&l, dir, "zeros", 4ull << 30);
    ck_assert_uint_lt(l.size, 256 * 1024);
    ck_assert_uint_gt(l.tar_size, 4ull << 30);
    imgbuild_layer_dispose(&l);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(imgbuild_script_builds_with_real_tools)
{
    char *dir = imgbuild_tmpdir("imgbuild");
    char *script = imgbuild_script();
    ck_assert_int_eq(imgbuild_sh("mkdir -p %s/l1/etc && echo hi > %s/l1/etc/hello", dir, dir), 0);
    ck_assert_int_eq(imgbuild_sh("bash %s --out %s/img.tar --format oci-archive --compress zstd "
                                 "--layer %s/l1 --created-by 'COPY hello' >/dev/null",
                                 script, dir, dir),
                     0);
    char *out = imgbuild_path(dir, "img.tar");
    char *names = list_archive(out);
    ck_assert_ptr_nonnull(strstr(names, "index.json\n"));
    free(names);
    free(out);
    free(script);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *image_suite(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("imgbuild");
    tcase_add_test(tc, imgbuild_layer_digests_match_files);
    tcase_add_test(tc, imgbuild_writes_every_format);
    tcase_add_test(tc, imgbuild_bomb_is_small);
    tcase_add_test(tc, imgbuild_script_builds_with_real_tools);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(image_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
