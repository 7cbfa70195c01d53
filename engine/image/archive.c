/*
 * The libarchive tar readers of the image reader, set up in one place (image_priv.h):
 *   - over the outer archive file (source.c's index, read.c's streaming passes): our own
 *     read and skip callbacks on a file descriptor, so every byte read is counted for
 *     scan.stats and a plain tar is still skipped through with lseek(2) (layers are then
 *     read by windows, not by this reader); a compressed archive goes through imgb_decoder
 *     (ISA-L/zlib, libzstd) instead of libarchive's filters, and cannot skip;
 *   - over a pull callback (layer.c: the decoder's output for one layer blob).
 * Formats: ustar, pax and GNU tar, the ones image tools write; libarchive's other format
 * bidders stay off, so a layer that is not a tar is an error, not a surprise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>

#include "image/image_priv.h"
#include "util/error.h"

uint64_t imgb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct archive *tar_reader_new(void)
{
    struct archive *a = archive_read_new();
    if (!a)
        abort(); /* out of memory */
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    return a;
}

/* ---- over a file ------------------------------------------------------------------------- */

typedef struct file_in {
    int fd;
    bool borrowed;          /* the caller's descriptor (a pipe): not closed */
    unsigned char *buf;
    img_decoder *dec;       /* compressed archives */
    img_counters *counters;
} file_in;

static void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Raw file bytes (also the decoder's input). */
static long file_pull(void *p, const void **buf)
{
    file_in *f = p;
    ssize_t n;
    do {
        n = read(f->fd, f->buf, IMGB_IO_BLOCK);
    } while (n < 0 && errno == EINTR);
    if (n > 0 && f->counters)
        count(&f->counters->bytes_read, (uint64_t)n);
    *buf = f->buf;
    return n < 0 ? -1 : (long)n;
}

static la_ssize_t file_read_cb(struct archive *a, void *p, const void **buf)
{
    file_in *f = p;
    if (!f->dec) {
        long n = file_pull(f, buf);
        if (n < 0)
            archive_set_error(a, errno, "read error");
        return n;
    }
    uint64_t t0 = f->counters ? imgb_now_ns() : 0;
    long n = imgb_decoder_read(f->dec, buf);
    if (f->counters) {
        count(&f->counters->inflate_ns, imgb_now_ns() - t0);
        if (n > 0)
            count(&f->counters->bytes_inflated, (uint64_t)n);
    }
    if (n == IMGB_DEC_READ)
        archive_set_error(a, errno ? errno : EIO, "read error");
    else if (n < 0)
        archive_set_error(a, EINVAL, "%s", imgb_decoder_error(f->dec));
    return n < 0 ? -1 : n;
}

/* Plain archives only: jump over member data libarchive does not want. */
static la_int64_t file_skip_cb(struct archive *a, void *p, la_int64_t request)
{
    (void)a;
    file_in *f = p;
    /* Never past the end, as libarchive's own file reader: lseek(2) beyond EOF succeeds, and a
     * member cut off by the end of the file would then be skipped as if it were all there.
     * A short skip makes libarchive read the rest and report "Truncated input file". */
    struct stat st;
    off_t cur = lseek(f->fd, 0, SEEK_CUR);
    if (cur < 0 || fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode) || cur >= st.st_size)
        return 0; /* libarchive then reads through */
    if (request > st.st_size - cur)
        request = st.st_size - cur;
    if (lseek(f->fd, request, SEEK_CUR) < 0)
        return 0;
    return request;
}

static int file_close_cb(struct archive *a, void *p)
{
    (void)a;
    file_in *f = p;
    if (!f->borrowed)
        close(f->fd);
    imgb_decoder_free(f->dec);
    free(f->buf);
    free(f);
    return ARCHIVE_OK;
}

int imgb_archive_open_file(struct archive **out, const char *path, bool compressed,
                           img_counters *counters, img_decoder **dec)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return imgb_error_set(IMGB_ENOTFOUND, "%s: cannot open: %s", path, strerror(errno));
    file_in *f = imgb_xcalloc(1, sizeof *f);
    f->fd = fd;
    f->buf = imgb_xmalloc(IMGB_IO_BLOCK);
    f->counters = counters;
    if (compressed)
        f->dec = imgb_decoder_new(file_pull, f);
    if (dec)
        *dec = f->dec;
    struct archive *a = tar_reader_new();
    /* archive_read_open2 calls the close callback on failure too: f is freed there */
    if (archive_read_open2(a, f, NULL, file_read_cb, compressed ? NULL : file_skip_cb,
                           file_close_cb) != ARCHIVE_OK) {
        int rc = imgb_error_set(IMGB_EFORMAT, "%s: not an image archive (tar): %s", path,
                                archive_error_string(a));
        archive_read_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

/* A stream read once (stream.c): always through the decoder, which finds out from the magic
 * bytes whether it is gzip, zstd or plain; never skips. */
int imgb_archive_open_fd(struct archive **out, int fd, const char *name, img_counters *counters,
                         img_decoder **dec)
{
    *out = NULL;
    file_in *f = imgb_xcalloc(1, sizeof *f);
    f->fd = fd;
    f->borrowed = true;
    f->buf = imgb_xmalloc(IMGB_IO_BLOCK);
    f->counters = counters;
    f->dec = imgb_decoder_new(file_pull, f);
    if (dec)
        *dec = f->dec;
    struct archive *a = tar_reader_new();
    if (archive_read_open2(a, f, NULL, file_read_cb, NULL, file_close_cb) != ARCHIVE_OK) {
        int rc = imgb_error_set(IMGB_EFORMAT, "%s: not an image archive (tar): %s", name,
                                archive_error_string(a));
        archive_read_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

/* ---- over a callback --------------------------------------------------------------------- */

typedef struct cb_in {
    void *ctx;
    long (*read)(void *ctx, const void **buf);
} cb_in;

static la_ssize_t cb_read_cb(struct archive *a, void *p, const void **buf)
{
    (void)a;
    cb_in *c = p;
    return c->read(c->ctx, buf);
}

static int cb_close_cb(struct archive *a, void *p)
{
    (void)a;
    free(p);
    return ARCHIVE_OK;
}

int imgb_archive_open_cb(struct archive **out, void *ctx,
                         long (*read)(void *ctx, const void **buf))
{
    cb_in *c = imgb_xcalloc(1, sizeof *c);
    c->ctx = ctx;
    c->read = read;
    *out = tar_reader_new();
    return archive_read_open2(*out, c, NULL, cb_read_cb, NULL, cb_close_cb);
}
