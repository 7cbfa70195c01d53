/*
 * SRC_FD: an image archive read once from a file descriptor (`scan -`, a pipe).
 *
 * Nothing can be read twice, so members are handled as they pass:
 *   - small members (JSON documents, tiny layers) are cached in memory, as for compressed
 *     archives (source.c), within the same total budget;
 *   - a large member stops the read ("pending").  manifest.c then tries to open the image
 *     from what is cached: when it can (manifest and config came first), the stream stays
 *     where it is and read.c parses the layers straight from it; when it cannot (docker save
 *     writes blobs before manifest.json), the member is copied to the spill file and the
 *     read goes on.
 * The spill file is one temporary file, unlinked as soon as it exists (O_TMPFILE, else
 * mkstemp + unlink), so it is gone on every exit path, a crash or a kill included; its size
 * is bounded by max_spill_bytes.  Spilled members are read back through the same bounded
 * pread windows as a plain tar (source.c), by several threads at once.
 * The outer compression (gzip, zstd) is found by the decoder from the magic bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/image_priv.h"
#include "util/error.h"
#include "util/limits.h"

/* Members up to this size are cached whatever their content (an empty layer is ~32 bytes). */
#define FD_SMALL_ANY (64u << 10)

typedef struct img_fdsrc {
    struct archive *a;
    char *name;                /* for messages ("-" is shown as "stdin") */
    int spill_fd;              /* -1 until needed */
    uint64_t spill_len, spill_max;
    uint64_t cached_total;
    size_t cap;
    bool eof;
    bool has_pending;
    size_t pending;            /* index into members */
    const void *peek;          /* first data block of the pending member, already read */
    size_t peek_len;
    img_decoder *dec;          /* owned by the archive reader */
    uint64_t last_end;         /* where the last member's data ends (end-marker check) */
    int own_fd;                /* a file we opened (compressed archive file), else -1 */
    bool spill_failed;         /* the temporary file could not take a member */
} img_fdsrc;

static void add_member(img_source *src, img_member *m)
{
    img_fdsrc *f = src->fd;
    if (src->nmembers == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        src->members = imgb_xrealloc(src->members, f->cap * sizeof *src->members);
    }
    src->members[src->nmembers++] = *m;
}

int imgb_fdsrc_open_owned(img_source *src, int fd, const char *name,
                          const imgb_read_options *opts)
{
    int rc = imgb_fdsrc_open(src, fd, name, opts);
    src->fd->own_fd = fd; /* closed with the source, whatever rc says */
    return rc;
}

int imgb_fdsrc_open(img_source *src, int fd, const char *name, const imgb_read_options *opts)
{
    img_fdsrc *f = imgb_xcalloc(1, sizeof *f);
    f->own_fd = -1;
    src->fd = f;
    src->kind = SRC_FD;
    src->outer = "none";
    f->name = imgb_xstrdup(name);
    f->spill_fd = -1;
    f->spill_max = opts && opts->max_spill_bytes ? opts->max_spill_bytes : IMGB_MAX_SPILL_BYTES;
    /* the one libarchive set-up (archive.c): the same decoders as for files */
    return imgb_archive_open_fd(&f->a, fd, name, src->counters, &f->dec);
}

static int corrupt(img_source *src)
{
    img_fdsrc *f = src->fd;
    const char *why = archive_error_string(f->a);
    return imgb_error_set(IMGB_EFORMAT, "%s: %s after %zu archive entries: %s", f->name,
                          src->nmembers ? "the input is truncated or corrupt"
                                        : "not an image archive",
                          src->nmembers, why ? why : "unexpected end of data");
}

/* Read the rest of the current entry into `b` (after `first`), at most `size` bytes. */
static int slurp(img_source *src, imgb_buf *b, uint64_t size)
{
    img_fdsrc *f = src->fd;
    const void *blk;
    size_t n;
    la_int64_t off;
    int r;
    while ((r = archive_read_data_block(f->a, &blk, &n, &off)) == ARCHIVE_OK) {
        if ((uint64_t)off != b->len || b->len + n > size)
            return imgb_error_set(IMGB_EFORMAT, "%s: sparse or oversized member", f->name);
        imgb_buf_put(b, blk, n);
    }
    if (r != ARCHIVE_EOF)
        return corrupt(src);
    return 0;
}

static bool looks_json(const void *blk, size_t n)
{
    const unsigned char *c = blk;
    size_t i = 0;
    while (i < n && (c[i] == ' ' || c[i] == '\n' || c[i] == '\r' || c[i] == '\t'))
        i++;
    return i < n && (c[i] == '{' || c[i] == '[');
}

int imgb_fdsrc_advance(img_source *src, bool *pending)
{
    img_fdsrc *f = src->fd;
    *pending = false;
    if (f->has_pending)
        return imgb_error_set(IMGB_ERROR, "%s: internal: member still pending", f->name);
    if (f->eof)
        return 0;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(f->a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        f->last_end = imgb_src_data_end(f->a, e);
        if (src->nmembers == 0 && f->dec)
            src->outer = imgb_decoder_compression(f->dec);
        if (src->nmembers >= IMGB_MAX_MEMBERS)
            return imgb_error_set(IMGB_ELIMIT, "%s: more than %u entries", f->name,
                                  IMGB_MAX_MEMBERS);
        img_member m = { 0 };
        if (imgb_src_member_from_entry(src, e, &m) != 0)
            continue;
        if (m.link) {
            add_member(src, &m);
            continue;
        }
        const void *blk = NULL;
        size_t n = 0;
        la_int64_t off = 0;
        if (m.size > 0) {
            r = archive_read_data_block(f->a, &blk, &n, &off);
            if (r == ARCHIVE_EOF) {
                n = 0;
            } else if (r != ARCHIVE_OK) {
                free(m.name);
                return corrupt(src);
            }
        }
        bool small = m.size <= FD_SMALL_ANY ||
                     (m.size <= IMGB_MAX_JSON_BYTES && looks_json(blk, n));
        if (small && f->cached_total + m.size <= IMGB_SMALL_CACHE_MAX) {
            imgb_buf b = IMGB_BUF_INIT;
            imgb_buf_put(&b, blk, n);
            int rc = n && off == 0 ? (m.size > n ? slurp(src, &b, m.size) : 0)
                                   : (m.size ? imgb_error_set(IMGB_EFORMAT, "%s: sparse member "
                                                             "'%s'", f->name, m.name) : 0);
            if (rc == 0 && b.len != m.size)
                rc = corrupt(src);
            if (rc) {
                imgb_buf_dispose(&b);
                free(m.name);
                return rc;
            }
            imgb_buf_put(&b, "", 0);
            m.data = (unsigned char *)imgb_buf_detach(&b);
            m.cached = true;
            f->cached_total += m.size;
            add_member(src, &m);
            continue;
        }
        add_member(src, &m);
        f->has_pending = true;
        f->pending = src->nmembers - 1;
        f->peek = blk;
        f->peek_len = n;
        *pending = true;
        return 0;
    }
    if (r != ARCHIVE_EOF)
        return corrupt(src);
    if (src->nmembers == 0)
        return imgb_error_set(IMGB_EFORMAT, "%s: not an image archive (no files in it)",
                              f->name);
    int rc = imgb_src_archive_end(src, f->name, f->a, f->last_end, f->dec);
    if (rc)
        return rc;
    f->eof = true;
    return 0;
}

int imgb_fdsrc_drain(img_source *src)
{
    int rc = 0;
    while (rc == 0 && src->fd && !imgb_fdsrc_at_end(src)) {
        bool pending = false;
        rc = src->fd->has_pending ? imgb_fdsrc_skip(src) : imgb_fdsrc_advance(src, &pending);
    }
    return rc;
}

const img_member *imgb_fdsrc_pending(const img_source *src)
{
    return src->fd && src->fd->has_pending ? &src->members[src->fd->pending] : NULL;
}

bool imgb_fdsrc_at_end(const img_source *src)
{
    return src->fd && src->fd->eof && !src->fd->has_pending;
}

/* The spill file: created on first use, unlinked at once. */
static int spill_create(img_fdsrc *f)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
#ifdef O_TMPFILE
    f->spill_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
    if (f->spill_fd < 0) {
        char *tmpl = imgb_xasprintf("%s/imgbaseline-spill-XXXXXX", dir);
        f->spill_fd = mkostemp(tmpl, O_CLOEXEC);
        if (f->spill_fd >= 0)
            unlink(tmpl);
        free(tmpl);
    }
    if (f->spill_fd < 0) {
        f->spill_failed = true;
        return imgb_error_set(IMGB_ERROR, "%s: cannot create a temporary file in %s: %s",
                              f->name, dir, strerror(errno));
    }
    return 0;
}

static int spill_write(img_fdsrc *f, const void *p, size_t n)
{
    if (f->spill_len + n > f->spill_max) {
        f->spill_failed = true;
        return imgb_error_set(IMGB_ELIMIT, "%s: the archive's layers come before its manifest "
                              "and exceed the %llu bytes allowed for the temporary file",
                              f->name, (unsigned long long)f->spill_max);
    }
    const char *c = p;
    while (n) {
        ssize_t w = pwrite(f->spill_fd, c, n, (off_t)f->spill_len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            f->spill_failed = true;
            return imgb_error_set(IMGB_ERROR, "%s: cannot write the temporary file: %s",
                                  f->name, w < 0 ? strerror(errno) : "disk full");
        }
        c += w;
        n -= (size_t)w;
        f->spill_len += (uint64_t)w;
    }
    return 0;
}

/* Drain the pending member through `sink` (NULL: discard). */
static int drain_pending(img_source *src, bool keep)
{
    img_fdsrc *f = src->fd;
    img_member *m = &src->members[f->pending];
    int rc = 0;
    uint64_t got = 0;
    if (keep && f->spill_fd < 0 && (rc = spill_create(f)) != 0)
        return rc;
    uint64_t start = f->spill_len;
    const void *blk = f->peek;
    size_t n = f->peek_len;
    la_int64_t off = 0;
    int r = ARCHIVE_OK;
    for (;;) {
        if (n) {
            if ((uint64_t)off != got)
                return imgb_error_set(IMGB_EFORMAT, "%s: sparse member '%s'", f->name,
                                      m->name);
            if (keep && (rc = spill_write(f, blk, n)) != 0)
                return rc;
            got += n;
        }
        if (got >= m->size)
            break;
        r = archive_read_data_block(f->a, &blk, &n, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK)
            return corrupt(src);
    }
    if (got != m->size)
        return corrupt(src);
    f->has_pending = false;
    f->peek = NULL;
    f->peek_len = 0;
    if (keep) {
        m->spilled = true;
        m->offset = start;
    } else {
        m->streamed = true;
    }
    return 0;
}

int imgb_fdsrc_spill(img_source *src)
{
    if (!src->fd || !src->fd->has_pending)
        return 0;
    return drain_pending(src, true);
}

int imgb_fdsrc_skip(img_source *src)
{
    if (!src->fd || !src->fd->has_pending)
        return 0;
    return drain_pending(src, false);
}

/* ---- the pending member as a reader ------------------------------------------------------ */

typedef struct fd_reader {
    img_reader r;
    img_source *src;
    uint64_t got;
    bool peeked;
} fd_reader;

static ssize_t fd_reader_read(img_reader *rd, const void **buf)
{
    fd_reader *s = (fd_reader *)rd;
    img_fdsrc *f = s->src->fd;
    img_member *m = &s->src->members[f->pending];
    if (!s->peeked) {
        s->peeked = true;
        if (f->peek_len) {
            *buf = f->peek;
            s->got += f->peek_len;
            return (ssize_t)f->peek_len;
        }
    }
    if (s->got >= m->size)
        return 0;
    size_t n = 0;
    la_int64_t off;
    int r = archive_read_data_block(f->a, buf, &n, &off);
    if (r == ARCHIVE_EOF) /* the archive ended inside the member: corrupt() names it */
        return imgb_error_set(IMGB_EFORMAT, "%s: the input ended inside '%s' after %llu of "
                              "%llu bytes (truncated)", f->name, m->name,
                              (unsigned long long)s->got, (unsigned long long)m->size), -1;
    if (r != ARCHIVE_OK)
        return corrupt(s->src), -1;
    s->got += n;
    return (ssize_t)n;
}

static void fd_reader_close(img_reader *rd)
{
    fd_reader *s = (fd_reader *)rd;
    img_fdsrc *f = s->src->fd;
    s->src->members[f->pending].streamed = true;
    f->has_pending = false;
    f->peek = NULL;
    f->peek_len = 0;
    free(s);
}

int imgb_fdsrc_stream(img_source *src, img_reader **out)
{
    if (!src->fd || !src->fd->has_pending)
        return imgb_error_set(IMGB_ERROR, "internal: no pending member to stream");
    fd_reader *s = imgb_xcalloc(1, sizeof *s);
    s->r.read = fd_reader_read;
    s->r.close = fd_reader_close;
    s->src = src;
    *out = &s->r;
    return 0;
}

bool imgb_fdsrc_spill_failed(const img_source *src)
{
    return src->fd && src->fd->spill_failed;
}

int imgb_fdsrc_spill_fd(const img_source *src)
{
    return src->fd ? src->fd->spill_fd : -1;
}

void imgb_fdsrc_close(img_source *src)
{
    img_fdsrc *f = src->fd;
    if (!f)
        return;
    if (f->a)
        archive_read_free(f->a);
    if (f->spill_fd >= 0)
        close(f->spill_fd);
    if (f->own_fd >= 0)
        close(f->own_fd);
    free(f->name);
    free(f);
    src->fd = NULL;
}
