/*
 * Tests for engine/image/: the image reader (formats, verification, limits, hostile
 * archives) and the test image builder it relies on (tests/support/imgbuild.c).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>

#include "i18n_check.h"
#include "image/image.h"
#include "image/image_priv.h"
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

/* ---- reader helpers ------------------------------------------------------------------- */

/* Two layers: a base and one deleting, replacing and linking. */
static const imgbuild_file base_files[] = {
    { .path = "etc/", .type = IMGBUILD_DIR },
    { .path = "etc/os-release", .content = "ID=debian\nVERSION_ID=\"10\"\n" },
    { .path = "etc/passwd", .content = "root:x:0:0:root:/root:/bin/bash\n" },
    { .path = "etc/shadow", .content = "root:*:19000:0:99999:7:::\n", .mode = 0640, .gid = 42 },
    { .path = "etc/gone", .content = "secret\n" },
    { .path = "var/", .type = IMGBUILD_DIR },
    { .path = "var/old/", .type = IMGBUILD_DIR },
    { .path = "var/old/file", .content = "old" },
};
static const imgbuild_file top_files[] = {
    { .path = "./etc/gone", .type = IMGBUILD_WHITEOUT },
    { .path = "var/old", .type = IMGBUILD_OPAQUE },
    { .path = "/etc/passwd", .content = "root:x:0:0:root:/root:/bin/sh\n" },
    { .path = "etc/motd", .type = IMGBUILD_SYMLINK, .link = "/etc/os-release" },
    { .path = "etc/shadow-", .type = IMGBUILD_HARDLINK, .link = "etc/shadow" },
};

typedef struct fixture {
    char *dir;
    imgbuild_layer layers[8];
    size_t nlayers;
} fixture;

static void fixture_init(fixture *f, imgbuild_compression c)
{
    memset(f, 0, sizeof *f);
    f->dir = imgbuild_tmpdir("image");
    imgbuild_layer_write(&f->layers[0], f->dir, base_files, 8, c);
    imgbuild_layer_write(&f->layers[1], f->dir, top_files, 5, c);
    f->nlayers = 2;
}

static void fixture_done(fixture *f)
{
    for (size_t i = 0; i < f->nlayers; i++)
        imgbuild_layer_dispose(&f->layers[i]);
    imgbuild_rmtree(f->dir);
    free(f->dir);
}

static const imgbuild_history two_history[] = {
    { .created_by = "ADD rootfs.tar /" },
    { .created_by = "ENV A=B", .empty_layer = true },
    { .created_by = "RUN rm /etc/gone" },
};

static imgbuild_image fixture_image(fixture *f, const char *ref)
{
    imgbuild_image im = { .layers = f->layers, .nlayers = f->nlayers, .ref = ref };
    if (f->nlayers == 2) {
        im.history = two_history;
        im.nhistory = 3;
    }
    return im;
}

/* Open and read an image; on success *img and *view are set (caller frees). */
static int read_image(const char *path, const imgb_read_options *o, imgb_image **img,
                      imgb_view **view)
{
    *img = NULL;
    *view = NULL;
    int rc = imgb_image_open(img, path, o);
    if (rc)
        return rc;
    *view = imgb_view_new(NULL);
    imgb_view_keep(*view, "/etc/*");
    rc = imgb_image_read_layers(*img, *view, NULL, 0);
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

/* The merged result of the two-layer fixture. */
static void assert_two_layer_view(const imgb_image *img, const imgb_view *v)
{
    imgb_node_info ni;
    assert_content(v, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    assert_content(v, "/etc/motd", "ID=debian\nVERSION_ID=\"10\"\n");
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/gone", false, &ni), IMGB_ENOTFOUND);
    ck_assert_int_eq(imgb_view_lookup(v, "/var/old/file", false, &ni), IMGB_ENOTFOUND);
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/shadow", false, &ni), 0);
    ck_assert_uint_eq(ni.mode, 0640);
    ck_assert_uint_eq(ni.gid, 42);
    ck_assert_int_eq(ni.layer, 0);
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/passwd", false, &ni), 0);
    ck_assert_int_eq(ni.layer, 1);
    ck_assert_uint_ge(imgb_view_whiteouts(v), 2);
    ck_assert_uint_eq(img->nlayers, 2);
    ck_assert_uint_eq(img->layers[0].entries, 8);
    ck_assert_uint_eq(img->layers[1].entries, 5);
    ck_assert_ptr_nonnull(img->image_id);
    ck_assert_str_eq(img->image_id, img->config_digest + 7);
    ck_assert(img->verified);
}

/* ---- formats ------------------------------------------------------------------------- */

static const imgbuild_format all_formats[] = { IMGBUILD_DOCKER_ARCHIVE, IMGBUILD_DOCKER_OCI,
                                               IMGBUILD_OCI_ARCHIVE, IMGBUILD_OCI_DIR };
static const char *const format_names[] = { "docker-archive", "docker-archive+oci",
                                            "oci-archive", "oci-dir" };
static const char *const comp_names[] = { "none", "gzip", "zstd" };

/* _i: the archive formats (3) x layer compression (3) x outer compression (3), then the OCI
 * directory (never compressed as a whole) x layer compression (3): 30 runs, each a real one
 * (no iteration returns early and counts as a pass). */
#define FORMAT_RUNS 30
START_TEST(every_format_and_compression_reads_the_same_view)
{
    int fmt = _i < 27 ? _i / 9 : 3, lc = _i < 27 ? (_i / 3) % 3 : _i - 27, oc = _i < 27 ? _i % 3 : 0;
    ck_assert(all_formats[3] == IMGBUILD_OCI_DIR);
    fixture f;
    fixture_init(&f, (imgbuild_compression)lc);
    imgbuild_image im = fixture_image(&f, "example.com/app:1.0");
    char *out = imgbuild_path(f.dir, "image");
    imgbuild_options o = { .outer = (imgbuild_compression)oc };
    imgbuild_image_write(out, all_formats[fmt], &im, 1, &o);
    imgb_image *img;
    imgb_view *v;
    imgb_read_options ro = { .jobs = 2 };
    ck_assert_msg(read_image(out, &ro, &img, &v) == 0, "%s", imgb_error_last());
    ck_assert_str_eq(img->format, format_names[fmt]);
    ck_assert_str_eq(img->outer_compression, comp_names[oc]);
    ck_assert_uint_eq(img->nrefs, 1);
    ck_assert_ptr_nonnull(strstr(img->refs[0], "app:1.0"));
    assert_two_layer_view(img, v);
    ck_assert_str_eq(img->layers[0].compression, comp_names[lc]);
    ck_assert_str_eq(img->layers[1].digest, f.layers[1].digest);
    ck_assert_uint_eq(img->layers[1].compressed_size, f.layers[1].size);
    ck_assert_uint_eq(img->layers[1].uncompressed_size, f.layers[1].tar_size);
    ck_assert_int_eq(img->layers[1].history_index, 2);
    ck_assert_str_eq(img->history[img->layers[1].history_index].created_by, "RUN rm /etc/gone");
    ck_assert_str_eq(img->os, "linux");
    ck_assert_str_eq(img->arch, "amd64");
    ck_assert_uint_eq(img->nwarnings, 0);
    imgb_view_free(v);
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

/* _i: 0 docker-archive, 1 oci-archive, 2 oci dir, 3 oci-archive zstd, 4 docker-archive zstd */
START_TEST(images_built_by_umoci_and_skopeo_read)
{
    static const char *const fmts[] = { "docker-archive", "oci-archive", "oci", "oci-archive",
                                        "docker-archive" };
    static const char *const expect[] = { "docker-archive", "oci-archive", "oci-dir",
                                          "oci-archive", "docker-archive" };
    char *dir = imgbuild_tmpdir("image-real");
    char *script = imgbuild_script();
    ck_assert_int_eq(imgbuild_sh("set -e; cd %s; mkdir -p l1/etc/ssh l1/var/cache l2/etc "
                                 "l2/var/cache; printf 'ID=debian\\nVERSION_ID=\"10\"\\n' > "
                                 "l1/etc/os-release; echo 'PermitRootLogin yes' > "
                                 "l1/etc/ssh/sshd_config; echo data > l1/var/cache/a; "
                                 "echo gone > l1/etc/gone; : > l2/etc/.wh.gone; "
                                 ": > l2/var/cache/.wh..wh..opq; echo b > l2/var/cache/b; "
                                 "ln -s ../etc/os-release l2/etc/link",
                                 dir),
                     0);
    ck_assert_int_eq(imgbuild_sh("bash %s --out %s/img --format %s %s --ref real:1 "
                                 "--user nobody --port 22/tcp --config-history 'USER nobody' "
                                 "--layer %s/l1 --created-by 'ADD base /' "
                                 "--layer %s/l2 --created-by 'RUN cleanup' >/dev/null",
                                 script, dir, fmts[_i], _i >= 3 ? "--compress zstd" : "", dir,
                                 dir),
                     0);
    char *out = imgbuild_path(dir, "img");
    imgb_image *img;
    imgb_view *v;
    ck_assert_msg(read_image(out, NULL, &img, &v) == 0, "%s", imgb_error_last());
    ck_assert_str_eq(img->format, expect[_i]);
    ck_assert_uint_eq(img->nlayers, 2);
    ck_assert_str_eq(img->history[img->layers[0].history_index].created_by, "ADD base /");
    ck_assert_str_eq(img->history[img->layers[1].history_index].created_by, "RUN cleanup");
    assert_content(v, "/etc/link", "ID=debian\nVERSION_ID=\"10\"\n");
    imgb_node_info ni;
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/gone", false, &ni), IMGB_ENOTFOUND);
    ck_assert_int_eq(imgb_view_lookup(v, "/var/cache/a", false, &ni), IMGB_ENOTFOUND);
    ck_assert_int_eq(imgb_view_lookup(v, "/var/cache/b", false, &ni), 0);
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/ssh/sshd_config", false, &ni), 0);
    if (_i == 3)
        ck_assert_str_eq(img->layers[0].compression, "zstd");
    ck_assert_uint_eq(img->nwarnings, 0);
    imgb_view_free(v);
    imgb_image_free(img);
    free(out);
    free(script);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- selection ----------------------------------------------------------------------- */

START_TEST(several_images_need_image_ref)
{
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    imgbuild_image ims[2] = { fixture_image(&f, "one:1"), fixture_image(&f, "two:2") };
    ims[1].nlayers = 1;
    ims[1].history = NULL;
    for (int fmt = 0; fmt < 3; fmt++) {
        char *out = imgbuild_path(f.dir, "multi.tar");
        imgbuild_image_write(out, all_formats[fmt], ims, 2, NULL);
        imgb_image *img = NULL;
        ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_EAMBIGUOUS);
        ck_assert_ptr_nonnull(strstr(imgb_error_last(), "one:1"));
        ck_assert_ptr_nonnull(strstr(imgb_error_last(), "two:2"));
        imgb_read_options o = { .image_ref = "two:2" };
        ck_assert_msg(imgb_image_open(&img, out, &o) == 0, "%s", imgb_error_last());
        ck_assert_uint_eq(img->nlayers, 1);
        ck_assert_uint_eq(img->nall_refs, 2);
        imgb_image_free(img);
        o.image_ref = "three:3";
        ck_assert_int_eq(imgb_image_open(&img, out, &o), IMGB_ENOTFOUND);
        ck_assert_ptr_nonnull(strstr(imgb_error_last(), "one:1"));
        free(out);
    }
    fixture_done(&f);
}
END_TEST

/* Image "rev:1" lists the layers in the opposite order of the archive: streaming a
 * compressed archive then needs a second pass. */
START_TEST(compressed_archive_with_layers_out_of_order_reads_in_passes)
{
    fixture f;
    fixture_init(&f, IMGBUILD_PLAIN);
    imgbuild_layer rev[2] = { f.layers[1], f.layers[0] };
    imgbuild_image ims[2] = { fixture_image(&f, "fwd:1"), fixture_image(&f, "rev:1") };
    ims[1].layers = rev;
    ims[1].history = NULL;
    char *out = imgbuild_path(f.dir, "img.tar.gz");
    imgbuild_options wo = { .outer = IMGBUILD_GZIP };
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, ims, 2, &wo);
    imgb_read_options o = { .image_ref = "rev:1" };
    imgb_image *img;
    imgb_view *v;
    ck_assert_msg(read_image(out, &o, &img, &v) == 0, "%s", imgb_error_last());
    ck_assert_str_eq(img->outer_compression, "gzip");
    /* the base layer now comes last: its passwd wins, its files are not whited out */
    assert_content(v, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    assert_content(v, "/etc/gone", "secret\n");
    ck_assert_str_eq(img->layers[1].digest, f.layers[0].digest);
    char prefix[13];
    memcpy(prefix, img->image_id, 12);
    prefix[12] = '\0';
    imgb_view_free(v);
    imgb_image_free(img);
    /* an image id prefix selects too */
    o.image_ref = prefix;
    ck_assert_msg(imgb_image_open(&img, out, &o) == 0, "%s", imgb_error_last());
    ck_assert_str_eq(img->refs[0], "rev:1");
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

START_TEST(multi_platform_index_selects_platform)
{
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    imgbuild_image ims[2] = { fixture_image(&f, "multi:1"), fixture_image(&f, "multi:1") };
    ims[0].arch = "arm64";
    ims[0].variant = "v8";
    ims[1].nlayers = 1;
    ims[1].history = NULL;
    char *out = imgbuild_path(f.dir, "multi.tar");
    imgbuild_options wo = { .platform_index = true };
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, ims, 2, &wo);
    imgb_image *img = NULL;
    ck_assert_msg(imgb_image_open(&img, out, NULL) == 0, "%s", imgb_error_last());
    ck_assert_str_eq(img->arch, "amd64");
    ck_assert_uint_eq(img->nlayers, 1);
    imgb_image_free(img);
    imgb_read_options o = { .platform = "linux/arm64" };
    ck_assert_msg(imgb_image_open(&img, out, &o) == 0, "%s", imgb_error_last());
    ck_assert_str_eq(img->arch, "arm64");
    ck_assert_str_eq(img->variant, "v8");
    imgb_image_free(img);
    o.platform = "linux/s390x";
    ck_assert_int_eq(imgb_image_open(&img, out, &o), IMGB_EAMBIGUOUS);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "linux/arm64/v8"));
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "linux/amd64"));
    /* a single-platform docker-archive: an explicit other platform is refused */
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &ims[1], 1, NULL);
    ck_assert_int_eq(imgb_image_open(&img, out, &o), IMGB_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "linux/amd64"));
    o.platform = "linux/amd64";
    ck_assert_msg(imgb_image_open(&img, out, &o) == 0, "%s", imgb_error_last());
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

/* ---- verification -------------------------------------------------------------------- */

START_TEST(layer_digest_mismatch_is_fatal)
{
    fixture f;
    fixture_init(&f, IMGBUILD_PLAIN);
    imgbuild_flip_byte(f.layers[1].path, 700); /* inside the first file's data */
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    imgb_image *img;
    imgb_view *v;
    ck_assert_int_eq(read_image(out, NULL, &img, &v), IMGB_EDIGEST);
    char *got = imgbuild_sha256_file(f.layers[1].path);
    ck_assert_msg(strstr(imgb_error_last(), f.layers[1].digest) != NULL, "%s", imgb_error_last());
    ck_assert_msg(strstr(imgb_error_last(), got) != NULL, "%s", imgb_error_last());
    ck_assert_ptr_eq(strchr(imgb_error_last(), '\n'), NULL);
    imgb_view_free(v);
    imgb_image_free(img);
    /* --no-verify reads it and says so */
    imgb_read_options o = { .no_verify = true };
    ck_assert_msg(read_image(out, &o, &img, &v) == 0, "%s", imgb_error_last());
    ck_assert(!img->verified);
    imgb_view_free(v);
    imgb_image_free(img);
    free(got);
    free(out);
    fixture_done(&f);
}
END_TEST

START_TEST(diff_id_mismatch_is_fatal)
{
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    free(f.layers[0].diff_id);
    f.layers[0].diff_id = imgbuild_sha256("other", 5);
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_OCI, &im, 1, NULL);
    imgb_image *img;
    imgb_view *v;
    ck_assert_int_eq(read_image(out, NULL, &img, &v), IMGB_EDIGEST);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "diff_ids"));
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), f.layers[0].diff_id));
    imgb_view_free(v);
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

START_TEST(config_digest_mismatch_is_fatal)
{
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "oci");
    imgbuild_image_write(out, IMGBUILD_OCI_DIR, &im, 1, NULL);
    /* corrupt the config blob in place: the one blob that is a JSON object with "rootfs" */
    ck_assert_int_eq(imgbuild_sh("cd %s/blobs/sha256 && f=$(grep -l rootfs *) && "
                                 "sed -i 's/amd64/AMD64/' $f", out), 0);
    imgb_image *img = NULL;
    ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_EDIGEST);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "config"));
    free(out);
    fixture_done(&f);
}
END_TEST

/* ---- concurrency --------------------------------------------------------------------- */

static int walk_cb(const imgb_node_info *n, void *p)
{
    imgb_buf_printf(p, "%s %d %o %u %u %llu %d %s %zu\n", n->path, (int)n->type, n->mode, n->uid,
                    n->gid, (unsigned long long)n->size, n->layer,
                    n->link_target ? n->link_target : "-", n->content_len);
    return 0;
}

START_TEST(jobs_do_not_change_the_view)
{
    char *dir = imgbuild_tmpdir("image-jobs");
    imgbuild_layer layers[6];
    for (int l = 0; l < 6; l++) {
        imgbuild_file files[40];
        char names[40][64];
        char content[40][32];
        for (int i = 0; i < 40; i++) {
            snprintf(names[i], sizeof names[i], "etc/f%02d", (i * 7 + l) % 50);
            snprintf(content[i], sizeof content[i], "layer %d file %d\n", l, i);
            files[i] = (imgbuild_file){ .path = names[i], .content = content[i],
                                        .uid = (unsigned)l };
        }
        files[39] = (imgbuild_file){ .path = "etc/f01", .type = IMGBUILD_WHITEOUT };
        imgbuild_layer_write(&layers[l], dir, files, 40, l % 2 ? IMGBUILD_GZIP : IMGBUILD_ZSTD);
    }
    imgbuild_image im = { .layers = layers, .nlayers = 6, .ref = "jobs:1" };
    char *out = imgbuild_path(dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_OCI, &im, 1, NULL);
    char *walks[3];
    for (int j = 0; j < 3; j++) {
        imgb_read_options o = { .jobs = j + 1 };
        imgb_image *img;
        imgb_view *v;
        ck_assert_msg(read_image(out, &o, &img, &v) == 0, "%s", imgb_error_last());
        imgb_buf b = IMGB_BUF_INIT;
        imgb_view_walk(v, walk_cb, &b);
        imgb_buf_printf(&b, "whiteouts %zu removed %zu\n", imgb_view_whiteouts(v),
                        imgb_view_removed_count(v));
        walks[j] = imgb_buf_detach(&b);
        imgb_view_free(v);
        imgb_image_free(img);
    }
    ck_assert_str_eq(walks[0], walks[1]);
    ck_assert_str_eq(walks[0], walks[2]);
    ck_assert_ptr_nonnull(strstr(walks[0], "etc/f02 "));
    for (int j = 0; j < 3; j++)
        free(walks[j]);
    for (int l = 0; l < 6; l++)
        imgbuild_layer_dispose(&layers[l]);
    free(out);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/*
 * -j2 on three layers, the last one large: one worker takes it while the other, out of
 * layers, lends its core to its decoding (layer.c, pipe_claim) midway through the layer.
 * The view, the digests and a corrupt stream's error are those of the serial read.
 */
START_TEST(idle_core_takes_over_the_last_layers_decoding)
{
    static const imgbuild_compression cs[] = { IMGBUILD_GZIP, IMGBUILD_PLAIN };
    char *dir = imgbuild_tmpdir("image-lend");
    char *big = imgbuild_noise(4u << 20, 88172645u);
    for (size_t c = 0; c < 2; c++) {
        imgbuild_layer layers[3];
        imgbuild_file l0[] = { { .path = "etc/", .type = IMGBUILD_DIR },
                               { .path = "etc/passwd", .content = "root:x:0:0::/root:/bin/sh\n" } };
        imgbuild_file l1[] = { { .path = "etc/", .type = IMGBUILD_DIR },
                               { .path = "etc/motd", .content = "hello\n" } };
        imgbuild_file l2[] = { { .path = "etc/", .type = IMGBUILD_DIR },
                               { .path = "etc/big", .content = big },
                               { .path = "etc/passwd", .content = "root:x:0:0::/:/bin/false\n" } };
        imgbuild_layer_write(&layers[0], dir, l0, 2, cs[c]);
        imgbuild_layer_write(&layers[1], dir, l1, 2, cs[c]);
        imgbuild_layer_write(&layers[2], dir, l2, 3, cs[c]);
        imgbuild_image im = { .layers = layers, .nlayers = 3, .ref = "lend:1" };
        char *out = imgbuild_path(dir, "lend.tar");
        imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
        char *walks[2];
        unsigned lent = 0;
        /* whether the core is lent depends on the scheduler: a few tries make it certain */
        for (int attempt = 0; attempt < 5 && !lent; attempt++) {
            for (int j = 0; j < 2; j++) {
                imgb_read_options o = { .jobs = j + 1 };
                imgb_image *img;
                imgb_view *v;
                ck_assert_msg(read_image(out, &o, &img, &v) == 0, "%s", imgb_error_last());
                ck_assert_str_eq(img->layers[2].diff_id, layers[2].diff_id);
                ck_assert_uint_eq(img->layers[2].uncompressed_size, layers[2].tar_size);
                imgb_buf b = IMGB_BUF_INIT;
                imgb_view_walk(v, walk_cb, &b);
                if (attempt)
                    free(walks[j]);
                walks[j] = imgb_buf_detach(&b);
                if (j == 1)
                    lent = atomic_load(&img->priv->counters.lent);
                else
                    ck_assert_uint_eq(atomic_load(&img->priv->counters.lent), 0);
                imgb_view_free(v);
                imgb_image_free(img);
            }
            ck_assert_str_eq(walks[0], walks[1]);
        }
        ck_assert_msg(lent >= 1, "%s layers: no idle core was lent in 5 reads at -j2",
                      cs[c] == IMGBUILD_GZIP ? "gzip" : "plain");
        ck_assert_ptr_nonnull(strstr(walks[0], "etc/big "));
        free(walks[0]);
        free(walks[1]);
        if (cs[c] == IMGBUILD_GZIP) {
            /* a corrupt stream past the point where the core is lent: the layer is named */
            imgbuild_flip_byte(layers[2].path, -4096);
            imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
            imgb_read_options o = { .jobs = 2, .no_verify = true };
            imgb_image *img;
            imgb_view *v;
            ck_assert_int_lt(read_image(out, &o, &img, &v), 0);
            ck_assert_msg(strstr(imgb_error_last(), "layer 2"), "%s", imgb_error_last());
            imgb_view_free(v);
            imgb_image_free(img);
        }
        for (int l = 0; l < 3; l++)
            imgbuild_layer_dispose(&layers[l]);
        free(out);
    }
    free(big);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/* A consumer counting what it sees, per layer state merged in layer_end. */
typedef struct count_state {
    uint64_t bytes;
    size_t files;
    bool saw_gone;
} count_state;

typedef struct count_payload {
    uint64_t bytes;
    size_t files;
    int gone_layer;
    int last_layer;
    bool in_order;
} count_payload;

static void *count_layer_begin(void *payload, int layer, const imgb_layer_info *info)
{
    (void)payload;
    (void)layer;
    ck_assert_ptr_nonnull(info->digest);
    return imgb_xcalloc(1, sizeof(count_state));
}

static bool count_file_begin(void *st, const imgb_entry *e)
{
    count_state *c = st;
    c->files++;
    if (strcmp(e->path, "etc/gone") == 0)
        c->saw_gone = true;
    return true;
}

static int count_file_data(void *st, const unsigned char *buf, size_t len, uint64_t off)
{
    (void)buf;
    (void)off;
    ((count_state *)st)->bytes += len;
    return 0;
}

static int count_file_end(void *st)
{
    (void)st;
    return 0;
}

static int count_layer_end(void *payload, void *st, int layer)
{
    count_payload *p = payload;
    count_state *c = st;
    p->in_order &= layer == p->last_layer + 1;
    p->last_layer = layer;
    p->bytes += c->bytes;
    p->files += c->files;
    if (c->saw_gone)
        p->gone_layer = layer;
    free(c);
    return 0;
}

START_TEST(consumers_see_every_file_including_deleted_ones)
{
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    for (int jobs = 1; jobs <= 2; jobs++) {
        count_payload p = { .gone_layer = -1, .last_layer = -1, .in_order = true };
        imgb_consumer c = { .payload = &p, .layer_begin = count_layer_begin,
                            .file_begin = count_file_begin, .file_data = count_file_data,
                            .file_end = count_file_end, .layer_end = count_layer_end };
        imgb_consumer *cs[] = { &c };
        imgb_read_options o = { .jobs = jobs };
        imgb_image *img = NULL;
        ck_assert_int_eq(imgb_image_open(&img, out, &o), 0);
        imgb_view *v = imgb_view_new(NULL);
        ck_assert_msg(imgb_image_read_layers(img, v, cs, 1) == 0, "%s", imgb_error_last());
        uint64_t want = 0;
        size_t files = 0;
        for (size_t i = 0; i < 8; i++)
            if (base_files[i].type == IMGBUILD_FILE) {
                want += strlen(base_files[i].content);
                files++;
            }
        want += strlen(top_files[2].content);
        ck_assert_uint_eq(p.bytes, want);
        ck_assert_uint_eq(p.files, files + 1); /* + the new passwd; whiteout markers are not files */
        ck_assert_int_eq(p.gone_layer, 0);
        ck_assert(p.in_order);
        ck_assert_int_eq(p.last_layer, 1);
        imgb_view_free(v);
        imgb_image_free(img);
    }
    free(out);
    fixture_done(&f);
}
END_TEST

/* ---- hostile archives ---------------------------------------------------------------- */

START_TEST(escaping_names_are_dropped_with_a_warning)
{
    char *dir = imgbuild_tmpdir("image-hostile");
    char *stray = imgb_xasprintf("../../../../../../../../tmp/imgb-stray-%d", (int)getpid());
    imgbuild_file files[] = {
        { .path = "../../etc/x", .content = "evil" },
        { .path = stray, .content = "evil" },
        { .path = "/abs/file", .content = "absolute names stay inside" },
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/hostlink", .type = IMGBUILD_SYMLINK, .link = "../../../../etc/hostname" },
        { .path = "etc/hostname", .content = "inside\n" },
        { .path = "etc/hl", .type = IMGBUILD_HARDLINK, .link = "../../etc/passwd" },
    };
    imgbuild_layer l;
    imgbuild_layer_write(&l, dir, files, 7, IMGBUILD_GZIP);
    imgbuild_image im = { .layers = &l, .nlayers = 1, .ref = "hostile:1" };
    char *out = imgbuild_path(dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &im, 1, NULL);
    imgb_image *img;
    imgb_view *v;
    ck_assert_msg(read_image(out, NULL, &img, &v) == 0, "%s", imgb_error_last());
    ck_assert_uint_eq(img->nwarnings, 3);
    ck_assert_ptr_nonnull(strstr(img->warnings[0], "layer 0"));
    ck_assert_ptr_nonnull(strstr(img->warnings[0], "../../etc/x"));
    i18n_assert_zh_lines(img->warnings, img->nwarnings);
    imgb_node_info ni;
    ck_assert_int_eq(imgb_view_lookup(v, "/abs/file", false, &ni), 0);
    ck_assert_int_eq(imgb_view_lookup(v, "/x", false, &ni), IMGB_ENOTFOUND);
    assert_content(v, "/etc/hostlink", "inside\n");
    char *host_stray = imgb_xasprintf("/tmp/imgb-stray-%d", (int)getpid());
    struct stat st;
    ck_assert_int_ne(stat(host_stray, &st), 0);
    free(host_stray);
    imgb_view_free(v);
    imgb_image_free(img);
    imgbuild_layer_dispose(&l);
    free(stray);
    free(out);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(decompression_bomb_hits_the_ratio_limit_fast)
{
    char *dir = imgbuild_tmpdir("image-bomb");
    imgbuild_layer l;
    imgbuild_layer_bomb(&l, dir, "zeros", 6ull << 30);
    imgbuild_image im = { .layers = &l, .nlayers = 1, .ref = "bomb:1" };
    char *out = imgbuild_path(dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    /* how fast it is refused is measured by bench/hostile/run.sh, not asserted here */
    imgb_image *img;
    imgb_view *v;
    ck_assert_int_eq(read_image(out, NULL, &img, &v), IMGB_ELIMIT);
    ck_assert_msg(strstr(imgb_error_last(), "layer 0") && strstr(imgb_error_last(), "ratio"),
                  "%s", imgb_error_last());
    imgb_view_free(v);
    imgb_image_free(img);
    /* the total-bytes limit catches it too */
    imgb_read_options o = { .max_ratio = 1000000, .max_total_bytes = 32u << 20 };
    ck_assert_int_eq(read_image(out, &o, &img, &v), IMGB_ELIMIT);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "uncompressed bytes"));
    imgb_view_free(v);
    imgb_image_free(img);
    imgbuild_layer_dispose(&l);
    free(out);
    imgbuild_rmtree(dir);
    free(dir);
}
END_TEST

/* A layer with no entries (end blocks only) and an empty blob are empty layers. */
START_TEST(empty_layers_are_fine)
{
    fixture f;
    fixture_init(&f, IMGBUILD_PLAIN);
    imgbuild_layer_dispose(&f.layers[1]);
    imgbuild_layer_write(&f.layers[1], f.dir, NULL, 0, IMGBUILD_GZIP);
    imgbuild_image im = fixture_image(&f, "x:1");
    im.history = NULL;
    char *out = imgbuild_path(f.dir, "oci");
    imgbuild_image_write(out, IMGBUILD_OCI_DIR, &im, 1, NULL);
    imgb_image *img;
    imgb_view *v;
    ck_assert_msg(read_image(out, NULL, &img, &v) == 0, "%s", imgb_error_last());
    ck_assert_uint_eq(img->layers[1].entries, 0);
    assert_content(v, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    imgb_view_free(v);
    imgb_image_free(img);
    /* a zero-byte blob */
    free(out);
    char *blob = imgbuild_path(f.dir, "empty");
    ck_assert_int_eq(imgbuild_sh(": > %s", blob), 0);
    free(f.layers[1].path);
    free(f.layers[1].digest);
    free(f.layers[1].diff_id);
    f.layers[1].path = blob;
    f.layers[1].digest = imgbuild_sha256("", 0);
    f.layers[1].diff_id = imgbuild_sha256("", 0);
    f.layers[1].size = 0;
    out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    ck_assert_msg(read_image(out, NULL, &img, &v) == 0, "%s", imgb_error_last());
    ck_assert_uint_eq(img->layers[1].entries, 0);
    imgb_view_free(v);
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

START_TEST(entry_limit_is_an_error)
{
    fixture f;
    fixture_init(&f, IMGBUILD_PLAIN);
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    imgb_read_options o = { .max_entries_per_layer = 4 };
    imgb_image *img;
    imgb_view *v;
    ck_assert_int_eq(read_image(out, &o, &img, &v), IMGB_ELIMIT);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "more than 4 entries"));
    imgb_view_free(v);
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

START_TEST(truncated_layer_keeps_entries_with_a_warning)
{
    fixture f;
    fixture_init(&f, IMGBUILD_PLAIN);
    /* cut inside etc/gone's data (5th entry: 4 entries of 1 or 2 blocks before its header at
     * 3584): 4 entries survive in full */
    imgbuild_layer *l = &f.layers[0];
    imgbuild_truncate(l->path, 3584 + 512 + 3);
    free(l->digest);
    free(l->diff_id);
    l->digest = imgbuild_sha256_file(l->path);
    l->diff_id = imgbuild_sha256_file(l->path);
    l->size = 3584 + 512 + 3;
    imgbuild_image im = fixture_image(&f, "x:1");
    im.nlayers = 1;
    im.history = NULL;
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_OCI, &im, 1, NULL);
    imgb_image *img;
    imgb_view *v;
    ck_assert_msg(read_image(out, NULL, &img, &v) == 0, "%s", imgb_error_last());
    ck_assert_uint_eq(img->nwarnings, 1);
    ck_assert_msg(strstr(img->warnings[0], "layer 0") && strstr(img->warnings[0], "truncated"),
                  "%s", img->warnings[0]);
    i18n_assert_zh_lines(img->warnings, img->nwarnings); /* a zh report says it in zh */
    assert_content(v, "/etc/shadow", "root:*:19000:0:99999:7:::\n");
    imgb_node_info ni;
    ck_assert_int_eq(imgb_view_lookup(v, "/etc/gone", false, &ni), IMGB_ENOTFOUND);
    imgb_view_free(v);
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

START_TEST(corrupt_gzip_layer_is_an_error_naming_it)
{
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    /* first deflate block header (after the 10-byte gzip header) -> block type 3: invalid */
    imgbuild_flip_byte(f.layers[1].path, 10);
    imgbuild_flip_byte(f.layers[1].path, 11);
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    imgb_read_options o = { .no_verify = true };
    imgb_image *img;
    imgb_view *v;
    int rc = read_image(out, &o, &img, &v);
    ck_assert_int_lt(rc, 0);
    ck_assert_msg(strstr(imgb_error_last(), "layer 1") && strstr(imgb_error_last(), "gzip"),
                  "%s", imgb_error_last());
    imgb_view_free(v);
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

/* Replace layer 0's blob by its tar cut in two, each half a gzip member of its own (what
 * pigz --independent or a concatenating tool writes): both members are read, digests hold. */
START_TEST(gzip_layer_of_two_members_is_read_whole)
{
    fixture f;
    fixture_init(&f, IMGBUILD_PLAIN);
    imgbuild_layer *l = &f.layers[0];
    char *gz = imgb_xasprintf("%s.2gz", l->path);
    ck_assert_int_eq(imgbuild_sh("head -c 2048 '%s' | gzip -n -c > '%s' && tail -c +2049 '%s' "
                                 "| gzip -n -c >> '%s'", l->path, gz, l->path, gz), 0);
    free(l->path);
    free(l->digest);
    free(l->media_type);
    l->path = gz;
    l->digest = imgbuild_sha256_file(gz);
    l->media_type = imgb_xstrdup("application/vnd.oci.image.layer.v1.tar+gzip");
    l->compression = IMGBUILD_GZIP;
    struct stat st;
    ck_assert_int_eq(stat(gz, &st), 0);
    l->size = (uint64_t)st.st_size;
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    imgb_image *img;
    imgb_view *v;
    ck_assert_msg(read_image(out, NULL, &img, &v) == 0, "%s", imgb_error_last());
    assert_two_layer_view(img, v);
    ck_assert_str_eq(img->layers[0].compression, "gzip");
    ck_assert_uint_eq(img->layers[0].uncompressed_size, l->tar_size);
    imgb_view_free(v);
    imgb_image_free(img);
    free(out);
    fixture_done(&f);
}
END_TEST

/* A gzip or zstd layer cut short ends inside its compressed stream: an error naming the
 * layer and the compression, never a silently shorter layer. */
START_TEST(compressed_layer_cut_short_is_an_error)
{
    static const imgbuild_compression cs[] = { IMGBUILD_GZIP, IMGBUILD_ZSTD };
    static const char *const names[] = { "gzip", "zstd" };
    for (size_t i = 0; i < 2; i++) {
        fixture f;
        fixture_init(&f, cs[i]);
        imgbuild_truncate(f.layers[0].path, f.layers[0].size - 9);
        f.layers[0].size -= 9;
        imgbuild_image im = fixture_image(&f, "x:1");
        char *out = imgbuild_path(f.dir, "img.tar");
        imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
        imgb_read_options o = { .no_verify = true };
        imgb_image *img;
        imgb_view *v;
        ck_assert_int_lt(read_image(out, &o, &img, &v), 0);
        ck_assert_msg(strstr(imgb_error_last(), "layer 0") &&
                          strstr(imgb_error_last(), names[i]), "%s", imgb_error_last());
        imgb_view_free(v);
        imgb_image_free(img);
        free(out);
        fixture_done(&f);
    }
}
END_TEST

/* More jobs than layers: each layer inflates on a thread of its own (layer.c's pipe).  The
 * view, digests and errors are those of the serial read, and a corrupt stream still fails
 * naming the layer. */
START_TEST(pipelined_layers_read_like_serial_ones)
{
    static const imgbuild_compression cs[] = { IMGBUILD_GZIP, IMGBUILD_ZSTD };
    for (size_t i = 0; i < 2; i++) {
        for (int jobs = 1; jobs <= 4; jobs += 3) {
            fixture f;
            fixture_init(&f, cs[i]);
            imgbuild_image im = fixture_image(&f, "x:1");
            char *out = imgbuild_path(f.dir, "img.tar");
            imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
            imgb_read_options o = { .jobs = jobs };
            imgb_image *img;
            imgb_view *v;
            ck_assert_msg(read_image(out, &o, &img, &v) == 0, "%s", imgb_error_last());
            assert_two_layer_view(img, v);
            imgb_view_free(v);
            imgb_image_free(img);
            /* a corrupt stream: the same error through the pipe */
            imgbuild_flip_byte(f.layers[1].path, -12);
            imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
            o.no_verify = true;
            ck_assert_int_lt(read_image(out, &o, &img, &v), 0);
            ck_assert_msg(strstr(imgb_error_last(), "layer 1"), "%s", imgb_error_last());
            imgb_view_free(v);
            imgb_image_free(img);
            free(out);
            fixture_done(&f);
        }
    }
}
END_TEST

/* A compressed archive whose blobs are not in layer order (skopeo writes them by digest)
 * and come before the manifest: each goes to the temporary file as it passes and is read
 * back in layer order, so the file is read once. */
START_TEST(streamed_archive_out_of_order_is_read_in_one_pass)
{
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    /* image "first:1" is only layer 1: its blob is written before the fixture's layer 0 */
    imgbuild_image ims[2] = { fixture_image(&f, "first:1"), fixture_image(&f, "x:1") };
    imgbuild_layer mine[2] = { f.layers[0], f.layers[1] };
    mine[1].omit = true; /* written once, by the first image */
    ims[1].layers = mine;
    ims[0].layers = &f.layers[1];
    ims[0].nlayers = 1;
    ims[0].history = NULL;
    ims[0].nhistory = 0;
    char *out = imgbuild_path(f.dir, "img.tar.gz");
    imgbuild_options wo = { .outer = IMGBUILD_GZIP };
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, ims, 2, &wo);
    for (int jobs = 1; jobs <= 2; jobs++) {
        imgb_read_options o = { .image_ref = "x:1", .jobs = jobs };
        imgb_image *img;
        imgb_view *v;
        ck_assert_msg(read_image(out, &o, &img, &v) == 0, "%s", imgb_error_last());
        assert_two_layer_view(img, v);
        imgb_read_stats st;
        imgb_image_read_stats(img, &st);
        ck_assert_uint_eq(st.passes, 1);
        struct stat fst;
        ck_assert_int_eq(stat(out, &fst), 0);
        ck_assert_uint_eq(st.bytes_read, (uint64_t)fst.st_size);
        ck_assert_uint_eq(st.bytes_parsed, f.layers[0].tar_size + f.layers[1].tar_size);
        imgb_view_free(v);
        imgb_image_free(img);
    }
    free(out);
    fixture_done(&f);
}
END_TEST

/* scan.stats' counters: one pass, every tar byte inflated once, the blobs read once. */
START_TEST(read_stats_count_one_pass_of_every_layer)
{
    static const imgbuild_compression cs[] = { IMGBUILD_PLAIN, IMGBUILD_GZIP, IMGBUILD_ZSTD };
    for (size_t i = 0; i < 3; i++) {
        fixture f;
        fixture_init(&f, cs[i]);
        imgbuild_image im = fixture_image(&f, "x:1");
        char *out = imgbuild_path(f.dir, "img.tar");
        imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
        imgb_image *img;
        imgb_view *v;
        ck_assert_msg(read_image(out, NULL, &img, &v) == 0, "%s", imgb_error_last());
        imgb_read_stats st;
        imgb_image_read_stats(img, &st);
        uint64_t tar = f.layers[0].tar_size + f.layers[1].tar_size;
        uint64_t blobs = f.layers[0].size + f.layers[1].size;
        ck_assert_uint_eq(st.passes, 1);
        ck_assert_uint_eq(st.bytes_parsed, tar);
        ck_assert_uint_eq(st.bytes_inflated, cs[i] == IMGBUILD_PLAIN ? 0 : tar);
        ck_assert_uint_ge(st.bytes_read, blobs);
        imgb_view_free(v);
        imgb_image_free(img);
        free(out);
        fixture_done(&f);
    }
}
END_TEST

START_TEST(manifest_naming_a_missing_layer_is_an_error)
{
    for (int fmt = 0; fmt < 4; fmt++) {
        fixture f;
        fixture_init(&f, IMGBUILD_GZIP);
        f.layers[1].omit = true;
        imgbuild_image im = fixture_image(&f, "x:1");
        char *out = imgbuild_path(f.dir, "img");
        imgbuild_image_write(out, all_formats[fmt], &im, 1, NULL);
        imgb_image *img = NULL;
        ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_ENOTFOUND);
        ck_assert_msg(strstr(imgb_error_last(), "layer 1"), "%s", imgb_error_last());
        free(out);
        fixture_done(&f);
    }
}
END_TEST

/* A descriptor claiming 2^62 bytes is refused before anything is read (OCI manifests carry
 * sizes; the legacy docker manifest has none). */
START_TEST(huge_descriptor_size_is_refused)
{
    for (int fmt = 1; fmt < 4; fmt++) {
        fixture f;
        fixture_init(&f, IMGBUILD_GZIP);
        f.layers[1].size = 1ull << 62;
        imgbuild_image im = fixture_image(&f, "x:1");
        char *out = imgbuild_path(f.dir, "img");
        imgbuild_image_write(out, all_formats[fmt], &im, 1, NULL);
        imgb_image *img = NULL;
        ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_ELIMIT);
        ck_assert_msg(strstr(imgb_error_last(), "layer 1 descriptor size 4611686018427387904 "
                                                "is over the limit"), "%s: %s",
                      format_names[fmt], imgb_error_last());
        free(out);
        fixture_done(&f);
    }
}
END_TEST

/* 200 images and no --image: the error lists whole names and counts the rest. */
START_TEST(many_images_error_lists_whole_names)
{
    enum { N = 200 };
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    imgbuild_image ims[N];
    char *refs[N];
    for (int i = 0; i < N; i++) {
        refs[i] = imgb_xasprintf("registry.example.com/team/service-number-%03d:v1", i);
        ims[i] = fixture_image(&f, refs[i]);
    }
    char *out = imgbuild_path(f.dir, "many.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, ims, N, NULL);
    imgb_image *img = NULL;
    ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_EAMBIGUOUS);
    const char *msg = imgb_error_last();
    const char *more = strstr(msg, " more");
    ck_assert_msg(more && more[5] == '\0', "%s", msg);
    /* the last listed name is whole: ", <name> and N more" */
    const char *and = strstr(msg, " and ");
    ck_assert_ptr_nonnull(and);
    ck_assert_int_eq(strncmp(and - 3, ":v1", 3), 0);
    ck_assert_uint_lt(strlen(msg), 1000);
    free(out);
    for (int i = 0; i < N; i++)
        free(refs[i]);
    fixture_done(&f);
}
END_TEST

START_TEST(malformed_json_is_an_error)
{
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgb_image *img = NULL;

    im.config_raw = "{\"rootfs\": {\"diff_ids\": [";
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &im, 1, NULL);
    ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_EFORMAT);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "config"));

    im.config_raw = "{\"rootfs\": {\"diff_ids\": []}}";
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_EFORMAT);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "diff_ids"));

    im.config_raw = NULL;
    imgbuild_options o = { .manifest_json_raw = "[{\"Config\": 7" };
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &im, 1, &o);
    ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_EFORMAT);
    ck_assert_ptr_nonnull(strstr(imgb_error_last(), "manifest.json"));

    imgbuild_options o2 = { .index_json_raw = "{\"manifests\": {}}" };
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, &o2);
    ck_assert_int_eq(imgb_image_open(&img, out, NULL), IMGB_EFORMAT);

    /* not an archive at all */
    ck_assert_int_eq(imgbuild_sh("echo hello > %s", out), 0);
    ck_assert_int_lt(imgb_image_open(&img, out, NULL), 0);
    ck_assert_ptr_eq(img, NULL);
    free(out);
    fixture_done(&f);
}
END_TEST

/* ---- the CLI ------------------------------------------------------------------------- */

/* Run the CLI; returns its exit status, stdout+stderr in *text (caller frees). */
static int run_cli(char **text, const char *args)
{
    const char *cli = getenv("IMGB_CLI");
    ck_assert_msg(cli != NULL, "IMGB_CLI is not set");
    char *dir = imgbuild_tmpdir("cli");
    char *cmd = imgb_xasprintf("%s %s >%s/out 2>%s/err", cli, args, dir, dir);
    int rc = system(cmd);
    free(cmd);
    char *outp = imgbuild_path(dir, "out");
    char *errp = imgbuild_path(dir, "err");
    imgb_buf b = IMGB_BUF_INIT;
    const char *paths[2] = { outp, errp };
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(paths[i], "r");
        char buf[4096];
        size_t n;
        while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
            imgb_buf_put(&b, buf, n);
        if (f)
            fclose(f);
        if (i == 0)
            imgb_buf_puts(&b, "\n--stderr--\n");
    }
    free(outp);
    free(errp);
    imgbuild_rmtree(dir);
    free(dir);
    *text = imgb_buf_detach(&b);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

START_TEST(inspect_bad_input_is_one_line_and_exit_2)
{
    char *t;
    ck_assert_int_eq(run_cli(&t, "inspect /nonexistent/image.tar"), 2);
    char *err = strstr(t, "--stderr--\n") + 11;
    ck_assert_msg(strstr(err, "/nonexistent/image.tar") != NULL, "%s", t);
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
    free(t);
    fixture f;
    fixture_init(&f, IMGBUILD_GZIP);
    imgbuild_flip_byte(f.layers[0].path, 100);
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_OCI_ARCHIVE, &im, 1, NULL);
    char *args = imgb_xasprintf("inspect %s", out);
    ck_assert_int_eq(run_cli(&t, args), 2);
    err = strstr(t, "--stderr--\n") + 11;
    ck_assert_msg(strstr(err, f.layers[0].digest) != NULL, "%s", t);
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
    free(t);
    free(args);
    args = imgb_xasprintf("inspect %s --no-verify --format json", out);
    ck_assert_int_eq(run_cli(&t, args), 2); /* the flipped gzip byte also breaks the stream */
    free(t);
    free(args);
    free(out);
    fixture_done(&f);
}
END_TEST

START_TEST(inspect_reports_layers_and_os)
{
    fixture f;
    fixture_init(&f, IMGBUILD_ZSTD);
    imgbuild_image im = fixture_image(&f, "x:1");
    char *out = imgbuild_path(f.dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_OCI, &im, 1, NULL);
    char *args = imgb_xasprintf("inspect %s --format json -j 2", out);
    char *t;
    ck_assert_int_eq(run_cli(&t, args), 0);
    ck_assert_msg(strstr(t, f.layers[1].digest) != NULL, "%s", t);
    ck_assert_msg(strstr(t, "RUN rm /etc/gone") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "\"debian\"") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "docker-archive+oci") != NULL, "%s", t);
    free(t);
    free(args);
    args = imgb_xasprintf("inspect %s --no-verify", out);
    ck_assert_int_eq(run_cli(&t, args), 0);
    ck_assert_msg(strstr(t, "unverified") != NULL, "%s", t);
    free(t);
    free(args);
    free(out);
    fixture_done(&f);
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

    tc = tcase_create("formats");
    tcase_add_loop_test(tc, every_format_and_compression_reads_the_same_view, 0, FORMAT_RUNS);
    tcase_add_loop_test(tc, images_built_by_umoci_and_skopeo_read, 0, 5);
    tcase_add_test(tc, several_images_need_image_ref);
    tcase_add_test(tc, multi_platform_index_selects_platform);
    tcase_add_test(tc, compressed_archive_with_layers_out_of_order_reads_in_passes);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("verification");
    tcase_add_test(tc, layer_digest_mismatch_is_fatal);
    tcase_add_test(tc, diff_id_mismatch_is_fatal);
    tcase_add_test(tc, config_digest_mismatch_is_fatal);
    tcase_add_test(tc, jobs_do_not_change_the_view);
    tcase_add_test(tc, idle_core_takes_over_the_last_layers_decoding);
    tcase_add_test(tc, consumers_see_every_file_including_deleted_ones);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_add_test(tc, escaping_names_are_dropped_with_a_warning);
    tcase_add_test(tc, decompression_bomb_hits_the_ratio_limit_fast);
    tcase_add_test(tc, entry_limit_is_an_error);
    tcase_add_test(tc, empty_layers_are_fine);
    tcase_add_test(tc, truncated_layer_keeps_entries_with_a_warning);
    tcase_add_test(tc, gzip_layer_of_two_members_is_read_whole);
    tcase_add_test(tc, compressed_layer_cut_short_is_an_error);
    tcase_add_test(tc, read_stats_count_one_pass_of_every_layer);
    tcase_add_test(tc, pipelined_layers_read_like_serial_ones);
    tcase_add_test(tc, streamed_archive_out_of_order_is_read_in_one_pass);
    tcase_add_test(tc, corrupt_gzip_layer_is_an_error_naming_it);
    tcase_add_test(tc, manifest_naming_a_missing_layer_is_an_error);
    tcase_add_test(tc, huge_descriptor_size_is_refused);
    tcase_add_test(tc, many_images_error_lists_whole_names);
    tcase_add_test(tc, malformed_json_is_an_error);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_add_test(tc, inspect_bad_input_is_one_line_and_exit_2);
    tcase_add_test(tc, inspect_reports_layers_and_os);
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
