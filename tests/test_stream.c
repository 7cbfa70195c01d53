/*
 * Tests for the pipe input (engine/image/stream.c, imgb_image_open_fd) and the registry
 * reference parsing (engine/image/registry.c; the registry itself is driven end to end by
 * tests/test_registry.sh).  Images are built with tests/support/imgbuild.c and fed through
 * a real pipe by a writer thread, whole, reordered (manifest first), or cut.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>

#include "image/image.h"
#include "imgbuild.h"
#include "util/mem.h"

/* Larger than what the pipe reader caches (64 KiB): layers are spilled or streamed. */
#define BIG (300u * 1024)

typedef struct feeder {
    int fd;
    unsigned char *data;
    size_t len;
    pthread_t th;
} feeder;

static void *feed(void *p)
{
    feeder *f = p;
    size_t off = 0;
    while (off < f->len) {
        size_t n = f->len - off < 65536 ? f->len - off : 65536;
        ssize_t w = write(f->fd, f->data + off, n);
        if (w <= 0)
            break; /* the reader stopped (EPIPE): fine */
        off += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    imgb_buf b = IMGB_BUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        imgb_buf_put(&b, buf, n);
    fclose(f);
    *len = b.len;
    return (unsigned char *)imgb_buf_detach(&b);
}

/* A pipe whose writer sends the first `keep` bytes of `path` (all when keep == 0). */
static int pipe_from(const char *path, size_t keep, feeder *f)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    f->data = slurp(path, &f->len);
    if (keep && keep < f->len)
        f->len = keep;
    f->fd = p[1];
    ck_assert_int_eq(pthread_create(&f->th, NULL, feed, f), 0);
    return p[0];
}

static void pipe_done(feeder *f, int rfd)
{
    close(rfd); /* unblocks a writer the reader left behind */
    pthread_join(f->th, NULL);
    free(f->data);
}

/* Rewrite tar `in` to `out` with the small members (JSON) first, blobs after. */
static void manifest_first(const char *in, const char *out)
{
    for (int pass = 0; pass < 2; pass++) {
        struct archive *r = archive_read_new();
        archive_read_support_format_tar(r);
        ck_assert_int_eq(archive_read_open_filename(r, in, 65536), ARCHIVE_OK);
        static struct archive *w;
        if (pass == 0) {
            w = archive_write_new();
            archive_write_set_format_pax_restricted(w);
            ck_assert_int_eq(archive_write_open_filename(w, out), ARCHIVE_OK);
        }
        struct archive_entry *e;
        while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
            bool big = archive_entry_size(e) > 65536;
            if (big != (pass == 1))
                continue;
            archive_write_header(w, e);
            const void *blk;
            size_t n;
            la_int64_t off;
            while (archive_read_data_block(r, &blk, &n, &off) == ARCHIVE_OK)
                archive_write_data(w, blk, n);
        }
        archive_read_free(r);
        if (pass == 1) {
            archive_write_close(w);
            archive_write_free(w);
        }
    }
}

typedef struct fixture {
    char *dir;
    imgbuild_layer layers[2];
    char *big;
} fixture;

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->dir = imgbuild_tmpdir("stream");
    /* incompressible, so a gzip layer stays larger than the cache threshold */
    f->big = imgb_xmalloc(BIG);
    unsigned x = 12345;
    for (size_t i = 0; i < BIG; i++) {
        x = x * 1103515245u + 12345u;
        f->big[i] = (char)(x >> 24);
    }
    imgbuild_file base[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/passwd", .content = "root:x:0:0:root:/root:/bin/sh\n" },
        { .path = "opt/", .type = IMGBUILD_DIR },
        { .path = "opt/blob", .content = f->big, .content_len = BIG },
    };
    imgbuild_file top[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/motd", .content = "hello\n" },
        { .path = "opt/", .type = IMGBUILD_DIR },
        { .path = "opt/blob2", .content = f->big, .content_len = BIG - 7 },
    };
    imgbuild_layer_write(&f->layers[0], f->dir, base, 4, IMGBUILD_GZIP);
    imgbuild_layer_write(&f->layers[1], f->dir, top, 4, IMGBUILD_GZIP);
}

static void fixture_done(fixture *f)
{
    imgbuild_layer_dispose(&f->layers[0]);
    imgbuild_layer_dispose(&f->layers[1]);
    imgbuild_rmtree(f->dir);
    free(f->dir);
    free(f->big);
}

static char *write_image(fixture *f, const char *name, imgbuild_format fmt,
                         imgbuild_compression outer, const imgbuild_layer *layers, size_t n)
{
    imgbuild_image im = { .layers = layers ? layers : f->layers, .nlayers = layers ? n : 2,
                          .ref = "pipe:1" };
    imgbuild_options o = { .outer = outer };
    char *out = imgbuild_path(f->dir, name);
    imgbuild_image_write(out, fmt, &im, 1, &o);
    return out;
}

/* Open from a pipe fed with `path` (cut at `keep`), read the layers. */
static int read_pipe(const char *path, size_t keep, const imgb_read_options *o,
                     imgb_image **img, imgb_view **view)
{
    feeder fd;
    int r = pipe_from(path, keep, &fd);
    *img = NULL;
    *view = NULL;
    int rc = imgb_image_open_fd(img, r, "stdin", o);
    if (rc == 0) {
        *view = imgb_view_new(NULL);
        imgb_view_keep(*view, "/etc/*");
        rc = imgb_image_read_layers(*img, *view, NULL, 0);
    }
    pipe_done(&fd, r);
    return rc;
}

static void assert_content(const imgb_view *v, const char *path, const char *want)
{
    const unsigned char *data = NULL;
    size_t len = 0;
    ck_assert_msg(imgb_view_read(v, path, &data, &len) == 0, "%s: %s", path, imgb_error_last());
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_msg(memcmp(data, want, len) == 0, "%s content differs", path);
}

static void assert_view(const fixture *f, const imgb_image *img, const imgb_view *v)
{
    assert_content(v, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    assert_content(v, "/etc/motd", "hello\n");
    imgb_node_info ni;
    ck_assert_int_eq(imgb_view_lookup(v, "/opt/blob2", false, &ni), 0);
    ck_assert_uint_eq(ni.size, BIG - 7);
    ck_assert_uint_eq(img->nlayers, 2);
    ck_assert_str_eq(img->layers[0].digest, f->layers[0].digest);
    ck_assert_uint_eq(img->layers[0].compressed_size, f->layers[0].size);
    ck_assert_uint_eq(img->layers[1].uncompressed_size, f->layers[1].tar_size);
    ck_assert(img->verified);
}

START_TEST(pipe_reads_every_format_as_the_file)
{
    fixture f;
    fixture_init(&f);
    static const imgbuild_format fmts[] = { IMGBUILD_DOCKER_ARCHIVE, IMGBUILD_DOCKER_OCI,
                                            IMGBUILD_OCI_ARCHIVE };
    static const char *const outer[] = { "none", "gzip", "zstd" };
    for (size_t k = 0; k < 3; k++)
        for (int c = IMGBUILD_PLAIN; c <= IMGBUILD_ZSTD; c++) {
            char *path = write_image(&f, "img.tar", fmts[k], (imgbuild_compression)c, NULL, 0);
            imgb_image *fimg, *pimg;
            imgb_view *pv;
            ck_assert_int_eq(imgb_image_open(&fimg, path, NULL), 0);
            ck_assert_msg(read_pipe(path, 0, NULL, &pimg, &pv) == 0, "format %zu/%d: %s", k,
                          c, imgb_error_last());
            assert_view(&f, pimg, pv);
            ck_assert_str_eq(pimg->format, fimg->format);
            ck_assert_str_eq(pimg->manifest_digest, fimg->manifest_digest);
            ck_assert_str_eq(pimg->config_digest, fimg->config_digest);
            ck_assert_str_eq(pimg->outer_compression, outer[c]);
            ck_assert_str_eq(pimg->path, "stdin");
            imgb_image_free(fimg);
            imgb_image_free(pimg);
            imgb_view_free(pv);
            free(path);
        }
    fixture_done(&f);
}
END_TEST

START_TEST(manifest_first_streams_without_a_temporary_file)
{
    fixture f;
    fixture_init(&f);
    /* the second layer twice: it must be kept for its second use, not streamed away */
    imgbuild_layer three[3] = { f.layers[0], f.layers[1], f.layers[1] };
    for (int shared = 0; shared < 2; shared++) {
        char *path = write_image(&f, "img.tar", IMGBUILD_OCI_ARCHIVE, IMGBUILD_PLAIN,
                                 shared ? three : NULL, 3);
        char *re = imgbuild_path(f.dir, "first.tar");
        manifest_first(path, re);
        /* a spill of even one layer would exceed this cap */
        imgb_read_options o = { .max_spill_bytes = shared ? 2 * BIG : 1000 };
        imgb_image *img;
        imgb_view *v;
        ck_assert_msg(read_pipe(re, 0, &o, &img, &v) == 0, "%s", imgb_error_last());
        ck_assert_uint_eq(img->nlayers, shared ? 3 : 2);
        assert_content(v, "/etc/motd", "hello\n");
        if (!shared)
            assert_view(&f, img, v);
        imgb_image_free(img);
        imgb_view_free(v);
        /* the usual docker save order (blobs first) needs the temporary file: the cap says so */
        char *docker = write_image(&f, "d.tar", IMGBUILD_DOCKER_ARCHIVE, IMGBUILD_PLAIN, NULL, 0);
        int rc = read_pipe(docker, 0, &o, &img, &v);
        ck_assert_int_eq(rc, IMGB_ELIMIT);
        ck_assert_msg(strstr(imgb_error_last(), "temporary file"), "%s", imgb_error_last());
        imgb_image_free(img);
        imgb_view_free(v);
        free(docker);
        free(re);
        free(path);
    }
    fixture_done(&f);
}
END_TEST

START_TEST(cut_pipe_is_a_truncation_error)
{
    fixture f;
    fixture_init(&f);
    char *path = write_image(&f, "img.tar", IMGBUILD_DOCKER_ARCHIVE, IMGBUILD_PLAIN, NULL, 0);
    char *gz = write_image(&f, "img.tar.gz", IMGBUILD_OCI_ARCHIVE, IMGBUILD_GZIP, NULL, 0);
    char *re = imgbuild_path(f.dir, "first.tar");
    manifest_first(path, re);
    const char *paths[] = { path, gz, re };
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        free(slurp(paths[k], &len));
        /* cut in the first layer, in the middle, in the last layer */
        size_t cuts[] = { len / 4, len / 2, len * 3 / 4 };
        for (size_t c = 0; c < 3; c++) {
            imgb_image *img;
            imgb_view *v;
            int rc = read_pipe(paths[k], cuts[c], NULL, &img, &v);
            ck_assert_msg(rc < 0, "%s cut at %zu of %zu read without error", paths[k],
                          cuts[c], len);
            const char *msg = imgb_error_last();
            ck_assert_msg(strstr(msg, "truncated") || strstr(msg, "corrupt") ||
                          strstr(msg, "missing"), "%s", msg);
            ck_assert_ptr_null(strchr(msg, '\n'));
            imgb_image_free(img);
            imgb_view_free(v);
        }
    }
    free(re);
    free(gz);
    free(path);
    fixture_done(&f);
}
END_TEST

START_TEST(garbage_on_the_pipe_is_not_an_image)
{
    char *dir = imgbuild_tmpdir("stream-garbage");
    char *path = imgbuild_path(dir, "junk");
    FILE *fp = fopen(path, "wb");
    for (int i = 0; i < 5000; i++)
        fputs("not a tar at all\n", fp);
    fclose(fp);
    imgb_image *img;
    imgb_view *v;
    ck_assert_int_eq(read_pipe(path, 0, NULL, &img, &v), IMGB_EFORMAT);
    ck_assert_msg(strstr(imgb_error_last(), "stdin: not an image archive"), "%s",
                  imgb_error_last());
    ck_assert_int_eq(read_pipe(path, 1, NULL, &img, &v), IMGB_EFORMAT);
    free(path);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(registry_references_are_checked_before_any_request)
{
    static const char *const bad[][2] = {
        { "docker://registry.example.com/Team/App:1", "not a valid repository" },
        { "docker://registry.example.com/team/app:-x", "not a valid tag" },
        { "docker://registry.example.com/team/app@sha256:abc", "not a sha256 digest" },
        { "docker://registry.example.com/", "not a valid repository" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        imgb_image *img = NULL;
        ck_assert_int_eq(imgb_image_open(&img, bad[i][0], NULL), IMGB_EINVAL);
        ck_assert_msg(strstr(imgb_error_last(), bad[i][1]), "%s: %s", bad[i][0],
                      imgb_error_last());
        ck_assert_ptr_null(img);
    }
    imgb_read_options o = { .creds = "nocolon" };
    imgb_image *img = NULL;
    ck_assert_int_eq(imgb_image_open(&img, "docker://127.0.0.1:1/a:1", &o), IMGB_EINVAL);
    /* the message never repeats the credentials */
    ck_assert_ptr_null(strstr(imgb_error_last(), "nocolon"));
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("pipe");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, pipe_reads_every_format_as_the_file);
    tcase_add_test(tc, manifest_first_streams_without_a_temporary_file);
    tcase_add_test(tc, cut_pipe_is_a_truncation_error);
    tcase_add_test(tc, garbage_on_the_pipe_is_not_an_image);
    tcase_add_test(tc, registry_references_are_checked_before_any_request);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    SRunner *sr = srunner_create(stream_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
