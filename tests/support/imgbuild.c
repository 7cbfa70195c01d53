/*
 * Test image builder (see imgbuild.h): layer tars and whole images written with libarchive
 * in the layouts docker save (legacy and 25+), skopeo (oci-archive) and OCI image-spec v1.1
 * define; digests with OpenSSL EVP.  Test code: failures abort the test with a message.
 */
#include "imgbuild.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "util/mem.h"

#define IB_IO_BLOCK (256u * 1024)
#define IB_BOMB_CHUNK (16u << 20)      /* zeros per zstd frame of the bomb */
#define IB_BOMB_HASH_MAX (256ull << 20) /* bombs larger than this get a placeholder diff_id */

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

/* ---- hashing ---------------------------------------------------------------------------- */

static char *hex_digest(EVP_MD_CTX *ctx)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char *out = imgb_xmalloc(7 + 64 + 1);

    EVP_DigestFinal_ex(ctx, md, &mdlen);
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    return out;
}

char *imgbuild_sha256(const void *data, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, data, len);
    char *s = hex_digest(ctx);
    EVP_MD_CTX_free(ctx);
    return s;
}

char *imgbuild_sha256_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "imgbuild: cannot open %s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char *buf = imgb_xmalloc(IB_IO_BLOCK);
    size_t n;
    while ((n = fread(buf, 1, IB_IO_BLOCK, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    fclose(f);
    free(buf);
    char *s = hex_digest(ctx);
    EVP_MD_CTX_free(ctx);
    return s;
}

/* ---- small file helpers ------------------------------------------------------------------ */

char *imgbuild_path(const char *dir, const char *name)
{
    return imgb_xasprintf("%s/%s", dir, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "imgbuild: cannot create %s: %s", path, strerror(errno));
    ck_assert_msg(len == 0 || fwrite(data, 1, len, f) == len, "imgbuild: short write %s", path);
    ck_assert_msg(fclose(f) == 0, "imgbuild: close %s", path);
}

char *imgbuild_text_dir(const char *dir, const char *sub, const char *name, const char *text)
{
    char *d = imgbuild_path(dir, sub);
    ck_assert_msg(imgbuild_sh("mkdir -p '%s'", d) == 0, "imgbuild: cannot create %s", d);
    char *f = imgbuild_path(d, name);
    write_file(f, text, strlen(text));
    free(f);
    return d;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "imgbuild: stat %s: %s", path, strerror(errno));
    return (uint64_t)st.st_size;
}

static void mkdirs(const char *path)
{
    char *p = imgb_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "imgbuild: mkdir %s: %s", p,
                  strerror(errno));
    free(p);
}

void imgbuild_truncate(const char *path, uint64_t keep)
{
    ck_assert_msg(truncate(path, (off_t)keep) == 0, "imgbuild: truncate %s: %s", path,
                  strerror(errno));
}

void imgbuild_flip_byte(const char *path, int64_t offset)
{
    int fd = open(path, O_RDWR);
    ck_assert_msg(fd >= 0, "imgbuild: open %s: %s", path, strerror(errno));
    off_t size = lseek(fd, 0, SEEK_END);
    off_t at = offset < 0 ? size + offset : offset;
    ck_assert_msg(at >= 0 && at < size, "imgbuild: offset %lld outside %s", (long long)offset,
                  path);
    unsigned char b;
    ck_assert(pread(fd, &b, 1, at) == 1);
    b ^= 0xff;
    ck_assert(pwrite(fd, &b, 1, at) == 1);
    close(fd);
}

char *imgbuild_noise(size_t n, uint32_t seed)
{
    char *s = imgb_xmalloc(n + 1);
    uint32_t x = seed ? seed : 1;
    for (size_t k = 0; k < n; k++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s[k] = "0123456789abcdef"[x & 15];
    }
    s[n] = '\0';
    return s;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void imgbuild_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *imgbuild_tmpdir(const char *tag)
{
    const char *bin = getenv("IMGB_BINARY_DIR");
    char *base = bin && *bin ? imgbuild_path(bin, "tmp") : imgb_xstrdup("/tmp");
    mkdirs(base);
    char *tmpl = imgb_xasprintf("%s/%s.XXXXXX", base, tag ? tag : "imgbuild");
    free(base);
    ck_assert_msg(mkdtemp(tmpl) != NULL, "imgbuild: mkdtemp %s: %s", tmpl, strerror(errno));
    return tmpl;
}

int imgbuild_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = NULL;
    int n = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0);
    int rc = system(cmd);
    free(cmd);
    if (rc == -1 || !WIFEXITED(rc))
        return -1;
    return WEXITSTATUS(rc);
}

char *imgbuild_script(void)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    ck_assert_msg(src != NULL, "imgbuild: IMGB_SOURCE_DIR is not set");
    return imgb_xasprintf("%s/tests/support/build-image.sh", src);
}

/* ---- libarchive writers ------------------------------------------------------------------ */

static int mem_write_open(struct archive *a, void *p)
{
    (void)a;
    (void)p;
    return ARCHIVE_OK;
}

static la_ssize_t mem_write(struct archive *a, void *p, const void *buf, size_t len)
{
    (void)a;
    imgb_buf_put(p, buf, len);
    return (la_ssize_t)len;
}

static void add_filter(struct archive *a, imgbuild_compression c)
{
    int rc = ARCHIVE_OK;
    if (c == IMGBUILD_GZIP)
        rc = archive_write_add_filter_gzip(a);
    else if (c == IMGBUILD_ZSTD)
        rc = archive_write_add_filter_zstd(a);
    ck_assert_msg(rc == ARCHIVE_OK, "imgbuild: filter: %s", archive_error_string(a));
    if (c != IMGBUILD_PLAIN)
        archive_write_set_bytes_in_last_block(a, 1); /* no zero padding after the stream */
}

/* Compress `len` bytes as one stream (libarchive "raw" format) and append it to `out`. */
static void compress_into(imgb_buf *out, const void *data, size_t len, imgbuild_compression c)
{
    if (c == IMGBUILD_PLAIN) {
        imgb_buf_put(out, data, len);
        return;
    }
    struct archive *a = archive_write_new();
    archive_write_set_format_raw(a);
    add_filter(a, c);
    ck_assert(archive_write_open(a, out, mem_write_open, mem_write, NULL) == ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "data");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, (la_int64_t)len);
    ck_assert_msg(archive_write_header(a, e) == ARCHIVE_OK, "imgbuild: raw header: %s",
                  archive_error_string(a));
    if (len)
        ck_assert(archive_write_data(a, data, len) == (la_ssize_t)len);
    ck_assert(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);
    archive_entry_free(e);
}

static const char *compression_media_type(imgbuild_compression c)
{
    return c == IMGBUILD_GZIP ? MT_OCI_LAYER "+gzip" : c == IMGBUILD_ZSTD ? MT_OCI_LAYER "+zstd"
                                                                          : MT_OCI_LAYER;
}

static char *tar_name(const imgbuild_file *f)
{
    if (f->type != IMGBUILD_WHITEOUT && f->type != IMGBUILD_OPAQUE)
        return imgb_xstrdup(f->path);
    char *p = imgb_xstrdup(f->path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    char *out;
    if (f->type == IMGBUILD_OPAQUE) {
        out = imgb_xasprintf("%s/.wh..wh..opq", p);
    } else {
        char *slash = strrchr(p, '/');
        if (slash) {
            *slash = '\0';
            out = imgb_xasprintf("%s/.wh.%s", p, slash + 1);
        } else {
            out = imgb_xasprintf(".wh.%s", p);
        }
    }
    free(p);
    return out;
}

static void finish_layer(imgbuild_layer *out, const char *dir, const imgb_buf *blob,
                         imgbuild_compression c)
{
    out->digest = imgbuild_sha256(blob->ptr, blob->len);
    out->path = imgbuild_path(dir, out->digest + 7);
    write_file(out->path, blob->ptr, blob->len);
    out->size = blob->len;
    out->compression = c;
    out->media_type = imgb_xstrdup(compression_media_type(c));
    out->omit = false;
}

void imgbuild_layer_write(imgbuild_layer *out, const char *dir, const imgbuild_file *files,
                          size_t n, imgbuild_compression c)
{
    imgb_buf tar = IMGB_BUF_INIT;
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    ck_assert(archive_write_open(a, &tar, mem_write_open, mem_write, NULL) == ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    for (size_t i = 0; i < n; i++) {
        const imgbuild_file *f = &files[i];
        char *name = tar_name(f);
        const char *content = f->content ? f->content : "";
        size_t clen = f->content_len ? f->content_len : strlen(content);
        unsigned mode = f->mode;

        archive_entry_clear(e);
        archive_entry_copy_pathname(e, name);
        archive_entry_set_uid(e, f->uid);
        archive_entry_set_gid(e, f->gid);
        archive_entry_set_mtime(e, f->mtime ? f->mtime : IMGBUILD_MTIME, 0);
        switch (f->type) {
        case IMGBUILD_DIR:
            archive_entry_set_filetype(e, AE_IFDIR);
            mode = mode ? mode : 0755;
            clen = 0;
            break;
        case IMGBUILD_SYMLINK:
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_copy_symlink(e, f->link);
            mode = mode ? mode : 0777;
            clen = 0;
            break;
        case IMGBUILD_HARDLINK:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_copy_hardlink(e, f->link);
            mode = mode ? mode : 0644;
            clen = 0;
            break;
        case IMGBUILD_WHITEOUT:
        case IMGBUILD_OPAQUE:
            archive_entry_set_filetype(e, AE_IFREG);
            mode = mode ? mode : 0644;
            clen = 0;
            break;
        case IMGBUILD_FILE:
        default:
            archive_entry_set_filetype(e, AE_IFREG);
            mode = mode ? mode : 0644;
            break;
        }
        if (f->mode_exact)
            mode = f->mode;
        archive_entry_set_perm(e, mode);
        archive_entry_set_size(e, (la_int64_t)clen);
        ck_assert_msg(archive_write_header(a, e) == ARCHIVE_OK,
                      "imgbuild: header %s: %s", name, archive_error_string(a));
        if (clen)
            ck_assert(archive_write_data(a, content, clen) == (la_ssize_t)clen);
        free(name);
    }
    archive_entry_free(e);
    ck_assert(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);

    memset(out, 0, sizeof *out);
    out->diff_id = imgbuild_sha256(tar.ptr, tar.len);
    out->tar_size = tar.len;
    imgb_buf blob = IMGB_BUF_INIT;
    compress_into(&blob, tar.ptr, tar.len, c);
    finish_layer(out, dir, &blob, c);
    imgb_buf_dispose(&blob);
    imgb_buf_dispose(&tar);
}

/* Header callback for the bomb: keep the first tar block, then refuse so libarchive does not
 * pad gigabytes of zeros on close. */
static la_ssize_t header_only_write(struct archive *a, void *p, const void *buf, size_t len)
{
    (void)a;
    imgb_buf *b = p;
    if (b->len >= 512)
        return -1;
    imgb_buf_put(b, buf, len);
    return (la_ssize_t)len;
}

void imgbuild_layer_bomb(imgbuild_layer *out, const char *dir, const char *name, uint64_t size)
{
    ck_assert_msg(size < (8ull << 30), "imgbuild: bomb size must fit a ustar header");
    imgb_buf hdr = IMGB_BUF_INIT;
    struct archive *a = archive_write_new();
    archive_write_set_format_ustar(a);
    archive_write_set_bytes_per_block(a, 512);
    ck_assert(archive_write_open(a, &hdr, mem_write_open, header_only_write, NULL) ==
              ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_copy_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, IMGBUILD_MTIME, 0);
    archive_entry_set_size(e, (la_int64_t)size);
    ck_assert(archive_write_header(a, e) == ARCHIVE_OK);
    archive_write_free(a);
    archive_entry_free(e);
    ck_assert_msg(hdr.len >= 512, "imgbuild: bomb header not written");

    /* tar stream = header + zeros (data, padding to 512, two end blocks) */
    uint64_t zeros = ((size + 511) / 512) * 512 + 1024;
    unsigned char *chunk = imgb_xcalloc(1, IB_BOMB_CHUNK);
    imgb_buf blob = IMGB_BUF_INIT;
    imgb_buf full_frame = IMGB_BUF_INIT;
    compress_into(&blob, hdr.ptr, 512, IMGBUILD_ZSTD);
    compress_into(&full_frame, chunk, IB_BOMB_CHUNK, IMGBUILD_ZSTD);
    uint64_t left = zeros;
    for (; left >= IB_BOMB_CHUNK; left -= IB_BOMB_CHUNK)
        imgb_buf_put(&blob, full_frame.ptr, full_frame.len);
    if (left)
        compress_into(&blob, chunk, (size_t)left, IMGBUILD_ZSTD);

    memset(out, 0, sizeof *out);
    out->tar_size = 512 + zeros;
    if (out->tar_size <= IB_BOMB_HASH_MAX) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
        EVP_DigestUpdate(ctx, hdr.ptr, 512);
        for (uint64_t z = zeros; z > 0;) {
            size_t k = z > IB_BOMB_CHUNK ? IB_BOMB_CHUNK : (size_t)z;
            EVP_DigestUpdate(ctx, chunk, k);
            z -= k;
        }
        out->diff_id = hex_digest(ctx);
        EVP_MD_CTX_free(ctx);
    } else {
        /* Hashing gigabytes would dominate the test; readers must fail on limits first. */
        out->diff_id = imgb_xstrdup("sha256:"
                                    "0000000000000000000000000000000000000000000000000000000000000000");
    }
    finish_layer(out, dir, &blob, IMGBUILD_ZSTD);
    free(chunk);
    imgb_buf_dispose(&blob);
    imgb_buf_dispose(&full_frame);
    imgb_buf_dispose(&hdr);
}

void imgbuild_layer_dispose(imgbuild_layer *layer)
{
    if (!layer)
        return;
    free(layer->path);
    free(layer->digest);
    free(layer->diff_id);
    free(layer->media_type);
    memset(layer, 0, sizeof *layer);
}

/* ---- image output: a tar (optionally compressed) or a directory ---------------------------- */

typedef struct sink {
    struct archive *a;   /* NULL: directory output */
    char *dir;
    imgb_ptrvec names;   /* written names, so shared blobs are stored once */
} sink;

static bool sink_seen(sink *s, const char *name)
{
    for (size_t i = 0; i < s->names.len; i++)
        if (strcmp(s->names.items[i], name) == 0)
            return true;
    imgb_ptrvec_push(&s->names, imgb_xstrdup(name));
    return false;
}

static void sink_open(sink *s, const char *out, imgbuild_format fmt, imgbuild_compression c)
{
    memset(s, 0, sizeof *s);
    if (fmt == IMGBUILD_OCI_DIR) {
        s->dir = imgb_xstrdup(out);
        mkdirs(out);
        return;
    }
    s->a = archive_write_new();
    archive_write_set_format_pax_restricted(s->a);
    add_filter(s->a, c);
    ck_assert_msg(archive_write_open_filename(s->a, out) == ARCHIVE_OK, "imgbuild: open %s: %s",
                  out, archive_error_string(s->a));
}

static void sink_header(sink *s, const char *name, uint64_t size)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_copy_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, IMGBUILD_MTIME, 0);
    archive_entry_set_size(e, (la_int64_t)size);
    ck_assert_msg(archive_write_header(s->a, e) == ARCHIVE_OK, "imgbuild: header %s: %s", name,
                  archive_error_string(s->a));
    archive_entry_free(e);
}

static void sink_bytes(sink *s, const char *name, const void *data, size_t len)
{
    if (sink_seen(s, name))
        return;
    if (!s->a) {
        char *p = imgbuild_path(s->dir, name);
        char *slash = strrchr(p, '/');
        *slash = '\0';
        mkdirs(p);
        *slash = '/';
        write_file(p, data, len);
        free(p);
        return;
    }
    sink_header(s, name, len);
    if (len)
        ck_assert(archive_write_data(s->a, data, len) == (la_ssize_t)len);
}

static void sink_file(sink *s, const char *name, const char *path)
{
    if (sink_seen(s, name))
        return;
    uint64_t size = file_size(path);
    FILE *in = fopen(path, "rb");
    ck_assert_msg(in != NULL, "imgbuild: open %s", path);
    FILE *outf = NULL;
    if (!s->a) {
        char *p = imgbuild_path(s->dir, name);
        char *slash = strrchr(p, '/');
        *slash = '\0';
        mkdirs(p);
        *slash = '/';
        outf = fopen(p, "wb");
        ck_assert_msg(outf != NULL, "imgbuild: create %s", p);
        free(p);
    } else {
        sink_header(s, name, size);
    }
    unsigned char *buf = imgb_xmalloc(IB_IO_BLOCK);
    size_t n;
    while ((n = fread(buf, 1, IB_IO_BLOCK, in)) > 0) {
        if (outf)
            ck_assert(fwrite(buf, 1, n, outf) == n);
        else
            ck_assert(archive_write_data(s->a, buf, n) == (la_ssize_t)n);
    }
    free(buf);
    fclose(in);
    if (outf)
        ck_assert(fclose(outf) == 0);
}

static void sink_close(sink *s)
{
    if (s->a) {
        ck_assert_msg(archive_write_close(s->a) == ARCHIVE_OK, "imgbuild: close: %s",
                      archive_error_string(s->a));
        archive_write_free(s->a);
    }
    free(s->dir);
    imgb_ptrvec_dispose(&s->names, free);
}

/* ---- JSON documents ---------------------------------------------------------------------- */

static json_t *str_array(const char *const *v)
{
    json_t *a = json_array();
    for (; v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static const char *img_os(const imgbuild_image *im)
{
    return im->os ? im->os : "linux";
}

static const char *img_arch(const imgbuild_image *im)
{
    return im->arch ? im->arch : "amd64";
}

static char *config_json(const imgbuild_image *im)
{
    if (im->config_raw)
        return imgb_xstrdup(im->config_raw);
    const char *created = im->created ? im->created : "2023-11-14T22:13:20Z";
    json_t *c = json_object();
    json_object_set_new(c, "created", json_string(created));
    json_object_set_new(c, "architecture", json_string(img_arch(im)));
    json_object_set_new(c, "os", json_string(img_os(im)));
    if (im->variant)
        json_object_set_new(c, "variant", json_string(im->variant));
    json_t *cfg = json_object();
    if (im->user)
        json_object_set_new(cfg, "User", json_string(im->user));
    json_object_set_new(cfg, "Env", str_array(im->env));
    if (im->exposed_ports) {
        json_t *ports = json_object();
        for (const char *const *p = im->exposed_ports; *p; p++)
            json_object_set_new(ports, *p, json_object());
        json_object_set_new(cfg, "ExposedPorts", ports);
    }
    if (im->cmd)
        json_object_set_new(cfg, "Cmd", str_array(im->cmd));
    if (im->entrypoint)
        json_object_set_new(cfg, "Entrypoint", str_array(im->entrypoint));
    if (im->config_extra) {
        json_error_t jerr;
        json_t *extra = json_loads(im->config_extra, 0, &jerr);
        ck_assert_msg(json_is_object(extra), "config_extra: %s", jerr.text);
        json_object_update(cfg, extra);
        json_decref(extra);
    }
    json_object_set_new(c, "config", cfg);
    json_t *rootfs = json_object();
    json_object_set_new(rootfs, "type", json_string("layers"));
    json_t *ids = json_array();
    for (size_t i = 0; i < im->nlayers; i++)
        json_array_append_new(ids, json_string(im->layers[i].diff_id));
    json_object_set_new(rootfs, "diff_ids", ids);
    json_object_set_new(c, "rootfs", rootfs);
    json_t *hist = json_array();
    if (im->history) {
        for (size_t i = 0; i < im->nhistory; i++) {
            json_t *h = json_object();
            json_object_set_new(h, "created", json_string(created));
            if (im->history[i].created_by)
                json_object_set_new(h, "created_by", json_string(im->history[i].created_by));
            if (im->history[i].comment)
                json_object_set_new(h, "comment", json_string(im->history[i].comment));
            if (im->history[i].empty_layer)
                json_object_set_new(h, "empty_layer", json_true());
            json_array_append_new(hist, h);
        }
    } else {
        for (size_t i = 0; i < im->nlayers; i++) {
            json_t *h = json_object();
            json_object_set_new(h, "created", json_string(created));
            char *by = imgb_xasprintf("/bin/sh -c #(nop) ADD layer %zu", i);
            json_object_set_new(h, "created_by", json_string(by));
            free(by);
            json_array_append_new(hist, h);
        }
    }
    json_object_set_new(c, "history", hist);
    return dump(c);
}

static json_t *descriptor(const char *mt, const char *digest, uint64_t size)
{
    json_t *d = json_object();
    json_object_set_new(d, "mediaType", json_string(mt));
    json_object_set_new(d, "digest", json_string(digest));
    json_object_set_new(d, "size", json_integer((json_int_t)size));
    return d;
}

static json_t *platform_json(const imgbuild_image *im)
{
    json_t *p = json_object();
    json_object_set_new(p, "architecture", json_string(img_arch(im)));
    json_object_set_new(p, "os", json_string(img_os(im)));
    if (im->variant)
        json_object_set_new(p, "variant", json_string(im->variant));
    return p;
}

static char *blob_name(const char *digest)
{
    return imgb_xasprintf("blobs/sha256/%s", digest + 7);
}

/* The config and manifest of one image, with their digests. */
typedef struct built {
    char *config, *config_digest;
    char *manifest, *manifest_digest;
} built;

static void build_docs(built *b, const imgbuild_image *im)
{
    b->config = config_json(im);
    b->config_digest = imgbuild_sha256(b->config, strlen(b->config));
    json_t *m = json_object();
    json_object_set_new(m, "schemaVersion", json_integer(2));
    json_object_set_new(m, "mediaType", json_string(MT_OCI_MANIFEST));
    json_object_set_new(m, "config",
                        descriptor(MT_OCI_CONFIG, b->config_digest, strlen(b->config)));
    json_t *layers = json_array();
    for (size_t i = 0; i < im->nlayers; i++)
        json_array_append_new(layers, descriptor(im->layers[i].media_type, im->layers[i].digest,
                                                 im->layers[i].size));
    json_object_set_new(m, "layers", layers);
    b->manifest = dump(m);
    b->manifest_digest = imgbuild_sha256(b->manifest, strlen(b->manifest));
}

static void built_dispose(built *b)
{
    free(b->config);
    free(b->config_digest);
    free(b->manifest);
    free(b->manifest_digest);
}

static const char *tag_of(const char *ref)
{
    const char *slash = strrchr(ref, '/');
    const char *colon = strrchr(ref, ':');
    return colon && (!slash || colon > slash) ? colon + 1 : "latest";
}

static json_t *repo_tags(const imgbuild_image *im)
{
    json_t *t = json_array();
    if (im->ref)
        json_array_append_new(t, json_string(im->ref));
    for (const char *const *r = im->extra_refs; r && *r; r++)
        json_array_append_new(t, json_string(*r));
    return t;
}

/* "repositories": {"name": {"tag": "<top layer id>"}} as legacy docker save writes it. */
static void add_repositories(json_t *repos, const imgbuild_image *im, const char *top)
{
    const char *refs[64];
    size_t n = 0;
    if (im->ref)
        refs[n++] = im->ref;
    for (const char *const *r = im->extra_refs; r && *r && n < 64; r++)
        refs[n++] = *r;
    for (size_t i = 0; i < n; i++) {
        const char *slash = strrchr(refs[i], '/');
        const char *colon = strrchr(refs[i], ':');
        bool tagged = colon && (!slash || colon > slash);
        const char *tag = tagged ? colon + 1 : "latest";
        char *name = tagged ? imgb_xstrndup(refs[i], (size_t)(colon - refs[i]))
                            : imgb_xstrdup(refs[i]);
        json_t *o = json_object_get(repos, name);
        if (!o) {
            o = json_object();
            json_object_set_new(repos, name, o);
        }
        json_object_set_new(o, tag, json_string(top));
        free(name);
    }
}

static void write_oci_blobs(sink *s, const imgbuild_image *im, const built *b)
{
    for (size_t l = 0; l < im->nlayers; l++) {
        if (im->layers[l].omit)
            continue;
        char *name = blob_name(im->layers[l].digest);
        sink_file(s, name, im->layers[l].path);
        free(name);
    }
    char *cname = blob_name(b->config_digest);
    sink_bytes(s, cname, b->config, strlen(b->config));
    free(cname);
    char *mname = blob_name(b->manifest_digest);
    sink_bytes(s, mname, b->manifest, strlen(b->manifest));
    free(mname);
}

void imgbuild_image_write(const char *out, imgbuild_format fmt, const imgbuild_image *images,
                          size_t nimages, const imgbuild_options *opts)
{
    static const imgbuild_options defaults = { 0 };
    if (!opts)
        opts = &defaults;
    built *b = imgb_xcalloc(nimages, sizeof *b);
    for (size_t i = 0; i < nimages; i++)
        build_docs(&b[i], &images[i]);

    sink s;
    sink_open(&s, out, fmt, opts->outer);

    json_t *manifest = json_array();
    json_t *repos = json_object();
    json_t *index_manifests = json_array();

    for (size_t i = 0; i < nimages; i++) {
        const imgbuild_image *im = &images[i];
        json_t *entry = json_object();
        json_t *layers = json_array();
        if (fmt == IMGBUILD_DOCKER_ARCHIVE) {
            const char *top = "";
            for (size_t l = 0; l < im->nlayers; l++) {
                char *name = imgb_xasprintf("%s/layer.tar", im->layers[l].diff_id + 7);
                if (!im->layers[l].omit)
                    sink_file(&s, name, im->layers[l].path);
                json_array_append_new(layers, json_string(name));
                free(name);
                char *ver = imgb_xasprintf("%s/VERSION", im->layers[l].diff_id + 7);
                sink_bytes(&s, ver, "1.0", 3);
                free(ver);
                top = im->layers[l].diff_id + 7;
            }
            char *cname = imgb_xasprintf("%s.json", b[i].config_digest + 7);
            sink_bytes(&s, cname, b[i].config, strlen(b[i].config));
            json_object_set_new(entry, "Config", json_string(cname));
            free(cname);
            add_repositories(repos, im, top);
        } else {
            write_oci_blobs(&s, im, &b[i]);
            for (size_t l = 0; l < im->nlayers; l++) {
                char *name = blob_name(im->layers[l].digest);
                json_array_append_new(layers, json_string(name));
                free(name);
            }
            char *cname = blob_name(b[i].config_digest);
            json_object_set_new(entry, "Config", json_string(cname));
            free(cname);
            if (fmt == IMGBUILD_DOCKER_OCI && im->nlayers)
                add_repositories(repos, im, im->layers[im->nlayers - 1].digest + 7);

            json_t *d = descriptor(MT_OCI_MANIFEST, b[i].manifest_digest, strlen(b[i].manifest));
            if (opts->platform_index || fmt != IMGBUILD_DOCKER_OCI)
                json_object_set_new(d, "platform", platform_json(im));
            if (im->ref && !opts->platform_index) {
                json_t *ann = json_object();
                if (fmt == IMGBUILD_DOCKER_OCI) {
                    json_object_set_new(ann, "io.containerd.image.name", json_string(im->ref));
                    json_object_set_new(ann, "org.opencontainers.image.ref.name",
                                        json_string(tag_of(im->ref)));
                } else {
                    json_object_set_new(ann, "org.opencontainers.image.ref.name",
                                        json_string(im->ref));
                }
                json_object_set_new(d, "annotations", ann);
            }
            json_array_append_new(index_manifests, d);
        }
        json_object_set_new(entry, "RepoTags", repo_tags(im));
        json_object_set_new(entry, "Layers", layers);
        json_array_append_new(manifest, entry);
    }

    if (fmt != IMGBUILD_DOCKER_ARCHIVE && opts->platform_index) {
        /* One multi-platform image: index.json -> nested index blob -> per-platform manifests */
        json_t *nested = json_object();
        json_object_set_new(nested, "schemaVersion", json_integer(2));
        json_object_set_new(nested, "mediaType", json_string(MT_OCI_INDEX));
        json_object_set_new(nested, "manifests", index_manifests);
        char *ntext = dump(nested);
        char *ndigest = imgbuild_sha256(ntext, strlen(ntext));
        char *nname = blob_name(ndigest);
        sink_bytes(&s, nname, ntext, strlen(ntext));
        index_manifests = json_array();
        json_t *d = descriptor(MT_OCI_INDEX, ndigest, strlen(ntext));
        if (nimages && images[0].ref) {
            json_t *ann = json_object();
            json_object_set_new(ann, "org.opencontainers.image.ref.name",
                                json_string(images[0].ref));
            json_object_set_new(d, "annotations", ann);
        }
        json_array_append_new(index_manifests, d);
        free(ntext);
        free(ndigest);
        free(nname);
    }

    if (fmt != IMGBUILD_DOCKER_ARCHIVE) {
        json_t *index = json_object();
        json_object_set_new(index, "schemaVersion", json_integer(2));
        json_object_set_new(index, "mediaType", json_string(MT_OCI_INDEX));
        json_object_set_new(index, "manifests", index_manifests);
        index_manifests = NULL;
        char *itext = opts->index_json_raw ? imgb_xstrdup(opts->index_json_raw) : NULL;
        char *gen = dump(index);
        sink_bytes(&s, "index.json", itext ? itext : gen, strlen(itext ? itext : gen));
        free(itext);
        free(gen);
        const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";
        sink_bytes(&s, "oci-layout", layout, strlen(layout));
    }
    if (fmt == IMGBUILD_DOCKER_ARCHIVE || fmt == IMGBUILD_DOCKER_OCI) {
        char *mtext = dump(manifest);
        manifest = NULL;
        const char *mt = opts->manifest_json_raw ? opts->manifest_json_raw : mtext;
        sink_bytes(&s, "manifest.json", mt, strlen(mt));
        free(mtext);
        char *rtext = dump(repos);
        repos = NULL;
        sink_bytes(&s, "repositories", rtext, strlen(rtext));
        free(rtext);
    }
    json_decref(manifest);
    json_decref(repos);
    json_decref(index_manifests);
    sink_close(&s);
    for (size_t i = 0; i < nimages; i++)
        built_dispose(&b[i]);
    free(b);
}

/* A Debian 10 image whose only layer ends inside its second file: the digests match the
 * bytes served, so only the tar stream says the image is incomplete. */
char *imgbuild_cut_image(const char *work, const char *name, uint64_t keep)
{
    static char pad[20000];
    memset(pad, 'x', sizeof pad - 1);
    imgbuild_file files[] = {
        { .path = "etc/", .type = IMGBUILD_DIR },
        { .path = "etc/os-release", .content = "ID=debian\nVERSION_ID=\"10\"\n" },
        { .path = "etc/padding", .content = pad },
        { .path = "etc/passwd", .content = "root:x:0:0:root:/root:/bin/bash\n" },
        { .path = "var/", .type = IMGBUILD_DIR },
        { .path = "var/lib/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/", .type = IMGBUILD_DIR },
        { .path = "var/lib/dpkg/status", .content = "Package: openssh-server\n"
          "Status: install ok installed\nVersion: 1:7.9p1-10+deb10u2\n\n" },
    };
    char *dir = imgbuild_path(work, name);
    imgbuild_sh("mkdir -p '%s'", dir);
    imgbuild_layer l;
    imgbuild_layer_write(&l, dir, files, sizeof files / sizeof files[0], IMGBUILD_PLAIN);
    imgbuild_truncate(l.path, keep);
    free(l.digest);
    l.digest = imgbuild_sha256_file(l.path);
    free(l.diff_id);
    l.diff_id = imgb_xstrdup(l.digest);
    l.size = keep;
    imgbuild_image img = { .layers = &l, .nlayers = 1, .ref = "cut:1" };
    char *out = imgbuild_path(dir, "img.tar");
    imgbuild_image_write(out, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
    imgbuild_layer_dispose(&l);
    free(dir);
    return out;
}

char *imgbuild_sample(const char *dir)
{
    ck_assert_int_eq(imgbuild_sh("bash '%s/tools/make-sample-image.sh' '%s' >/dev/null",
                                 getenv("IMGB_SOURCE_DIR"), dir), 0);
    return imgbuild_path(dir, "sample-docker.tar");
}
