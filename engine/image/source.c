/*
 * The input of the image reader: an OCI layout directory, a plain tar (members located by
 * data offset so that each blob is read through a bounded window of the file, by several
 * threads at once), or a gzip/zstd-compressed tar, which can only be streamed: read once
 * like a pipe (stream.c, open_compressed_file below), or, when its layers do not fit the
 * temporary file, in passes (its small JSON members cached in a first pass; layers streamed
 * later by read.c).
 * Offsets come from libarchive: after archive_read_next_header() the tar reader has consumed
 * exactly the header blocks, so archive_filter_bytes(a, 0) is where the entry's data starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/image_priv.h"
#include "util/error.h"
#include "util/limits.h"

/* ---- digests ----------------------------------------------------------------------------- */

bool imgb_digest_valid(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

char *imgb_digest_hex(EVP_MD_CTX *ctx)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    char *s = imgb_xmalloc(7 + 2 * n + 1);
    memcpy(s, "sha256:", 7);
    for (unsigned i = 0; i < n; i++) {
        s[7 + 2 * i] = hex[md[i] >> 4];
        s[8 + 2 * i] = hex[md[i] & 15];
    }
    s[7 + 2 * n] = '\0';
    return s;
}

char *imgb_digest_of(const void *data, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        abort();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, data, len);
    char *s = imgb_digest_hex(ctx);
    EVP_MD_CTX_free(ctx);
    return s;
}

/* ---- member names ------------------------------------------------------------------------ */

/* Normalise an outer-archive name ("./a//b" -> "a/b"); NULL if it has ".." or is empty. */
static char *member_norm(const char *name)
{
    imgb_buf b = IMGB_BUF_INIT;
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0)
            break;
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            imgb_buf_dispose(&b);
            return NULL;
        }
        if (!(n == 1 && p[0] == '.')) {
            if (b.len)
                imgb_buf_putc(&b, '/');
            imgb_buf_put(&b, p, n);
        }
        p += n;
    }
    if (!b.len) {
        imgb_buf_dispose(&b);
        return NULL;
    }
    return imgb_buf_detach(&b);
}

/* Resolve a member symlink target relative to the member's directory (skopeo writes
 * "<id>/layer.tar -> ../<hex>.tar").  ".." above the archive root is an error (NULL). */
static char *member_link(const char *name, const char *target)
{
    if (target[0] == '/')
        return member_norm(target);
    imgb_ptrvec parts = IMGB_PTRVEC_INIT;
    char *joined = imgb_xasprintf("%s/../%s", name, target);
    char *save = NULL;
    char *ok = joined;
    for (char *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (strcmp(t, ".") == 0)
            continue;
        if (strcmp(t, "..") == 0) {
            if (!parts.len) {
                ok = NULL;
                break;
            }
            parts.len--;
            continue;
        }
        imgb_ptrvec_push(&parts, t);
    }
    char *out = NULL;
    if (ok && parts.len) {
        imgb_buf b = IMGB_BUF_INIT;
        for (size_t i = 0; i < parts.len; i++) {
            if (i)
                imgb_buf_putc(&b, '/');
            imgb_buf_puts(&b, parts.items[i]);
        }
        out = imgb_buf_detach(&b);
    }
    imgb_ptrvec_dispose(&parts, NULL);
    free(joined);
    return out;
}

const img_member *imgb_src_find(const img_source *src, const char *name)
{
    char *n = member_norm(name);
    if (!n)
        return NULL;
    const img_member *found = NULL;
    for (int hop = 0; hop <= IMGB_MAX_MEMBER_LINKS && !found; hop++) {
        const img_member *m = NULL;
        /* Last wins, as when extracting a tar. */
        for (size_t i = src->nmembers; i-- > 0;)
            if (strcmp(src->members[i].name, n) == 0) {
                m = &src->members[i];
                break;
            }
        if (!m)
            break;
        if (!m->link) {
            found = m;
            break;
        }
        free(n);
        n = imgb_xstrdup(m->link);
    }
    free(n);
    return found;
}

/* ---- directory inputs -------------------------------------------------------------------- */

/* Path of `name` inside the layout directory, refusing anything that resolves outside it. */
static int dir_path(const img_source *src, const char *name, char **out)
{
    char *n = member_norm(name);
    if (!n)
        return imgb_error_set(IMGB_EFORMAT, "%s: invalid member name '%s'", src->path, name);
    char *p = imgb_xasprintf("%s/%s", src->path, n);
    free(n);
    char *real = realpath(p, NULL);
    char *root = realpath(src->path, NULL);
    int rc = 0;
    if (!real) {
        rc = imgb_error_set(IMGB_ENOTFOUND, "%s: no '%s' in the image", src->path, name);
    } else if (!root || strncmp(real, root, strlen(root)) != 0 || real[strlen(root)] != '/') {
        rc = imgb_error_set(IMGB_EFORMAT, "%s: '%s' points outside the image directory",
                            src->path, name);
    }
    free(real);
    free(root);
    if (rc) {
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

bool imgb_src_exists(const img_source *src, const char *name, uint64_t *size)
{
    if (src->kind == SRC_REGISTRY) /* only asked for layers, which are checked when fetched */
        return true;
    if (src->kind == SRC_DIR) {
        char *p = NULL;
        if (dir_path(src, name, &p) != 0)
            return false;
        struct stat st;
        bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
        if (ok && size)
            *size = (uint64_t)st.st_size;
        free(p);
        imgb_error_clear();
        return ok;
    }
    const img_member *m = imgb_src_find(src, name);
    if (m && size)
        *size = m->size;
    return m != NULL;
}

/* ---- windows: pread through a bounded range of a file ------------------------------------ */

typedef struct window {
    img_reader r;
    img_counters *counters;
    int fd;
    uint64_t pos, end;
    unsigned char *buf;
} window;

static ssize_t window_read(img_reader *r, const void **buf)
{
    window *w = (window *)r;
    if (w->pos >= w->end)
        return 0;
    uint64_t want = w->end - w->pos;
    if (want > IMGB_IO_BLOCK)
        want = IMGB_IO_BLOCK;
    ssize_t n;
    do {
        n = pread(w->fd, w->buf, (size_t)want, (off_t)w->pos);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    if (n == 0) /* file shorter than its tar header said: the reader sees a short blob */
        w->end = w->pos;
    if (w->counters)
        atomic_fetch_add_explicit(&w->counters->bytes_read, (uint64_t)n, memory_order_relaxed);
    w->pos += (uint64_t)n;
    *buf = w->buf;
    return n;
}

static void window_close(img_reader *r)
{
    window *w = (window *)r;
    if (!w)
        return;
    close(w->fd);
    free(w->buf);
    free(w);
}

/* A cached member (SRC_FD) as a reader: one block, then the end. */
typedef struct mem_reader {
    img_reader r;
    const img_member *m;
    bool done;
} mem_reader;

static ssize_t mem_read(img_reader *r, const void **buf)
{
    mem_reader *w = (mem_reader *)r;
    if (w->done)
        return 0;
    w->done = true;
    *buf = w->m->data;
    return (ssize_t)w->m->size;
}

static void mem_close(img_reader *r)
{
    free(r);
}

static int mem_window(const img_member *m, img_reader **out)
{
    mem_reader *w = imgb_xcalloc(1, sizeof *w);
    w->r.read = mem_read;
    w->r.close = mem_close;
    w->m = m;
    *out = &w->r;
    return 0;
}

bool imgb_src_rereadable(const img_source *src, const char *name)
{
    if (src->kind != SRC_FD)
        return true;
    const img_member *m = imgb_src_find(src, name);
    return m && (m->cached || m->spilled);
}

int imgb_src_window(const img_source *src, const char *name, img_reader **out)
{
    const char *file = src->path;
    char *owned = NULL;
    uint64_t off = 0, size = 0;
    if (src->kind == SRC_DIR) {
        int rc = dir_path(src, name, &owned);
        if (rc)
            return rc;
        struct stat st;
        if (stat(owned, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(owned);
            return imgb_error_set(IMGB_ENOTFOUND, "%s: no blob '%s' in the image", src->path,
                                  name);
        }
        file = owned;
        size = (uint64_t)st.st_size;
    } else if (src->kind == SRC_REGISTRY) {
        return imgb_reg_window(src, name, out);
    } else if (src->kind == SRC_TAR || src->kind == SRC_FD) {
        const img_member *m = imgb_src_find(src, name);
        if (!m)
            return imgb_error_set(IMGB_ENOTFOUND, "%s: no member '%s' in the archive",
                                  src->path, name);
        if (src->kind == SRC_FD) {
            if (m->cached)
                return mem_window(m, out);
            if (!m->spilled)
                return imgb_error_set(IMGB_ERROR, "%s: '%s' was read from the stream already "
                                      "and cannot be read again", src->path, name);
        }
        off = m->offset;
        size = m->size;
    } else {
        return imgb_error_set(IMGB_ERROR, "%s: compressed archives cannot be read by window",
                              src->path);
    }
    int fd = src->kind == SRC_FD ? fcntl(imgb_fdsrc_spill_fd(src), F_DUPFD_CLOEXEC, 0)
                                 : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int rc = imgb_error_set(IMGB_ENOTFOUND, "%s: cannot open: %s", file, strerror(errno));
        free(owned);
        return rc;
    }
    free(owned);
    window *w = imgb_xcalloc(1, sizeof *w);
    w->r.read = window_read;
    w->r.close = window_close;
    /* bytes_read counts the input; the spill file is our own copy of part of it */
    w->counters = src->kind == SRC_FD ? NULL : src->counters;
    w->fd = fd;
    w->pos = off;
    w->end = off + size;
    w->buf = imgb_xmalloc(IMGB_IO_BLOCK);
    *out = &w->r;
    return 0;
}

int imgb_src_read_small(const img_source *src, const char *name, size_t max,
                        unsigned char **out, size_t *len)
{
    if (src->kind == SRC_REGISTRY)
        return imgb_reg_read_small(src, name, max, out, len);
    const img_member *fm = src->kind == SRC_FD ? imgb_src_find(src, name) : NULL;
    if (src->kind == SRC_STREAM || (fm && !fm->spilled)) {
        const img_member *m = imgb_src_find(src, name);
        if (!m)
            return imgb_error_set(IMGB_ENOTFOUND, "%s: no member '%s' in the archive",
                                  src->path, name);
        if (!m->cached || m->size > max)
            return imgb_error_set(IMGB_ELIMIT, "%s: '%s' is %llu bytes, more than the %zu "
                                  "allowed for a JSON document", src->path, name,
                                  (unsigned long long)m->size, max);
        *out = imgb_xmalloc((size_t)m->size + 1);
        memcpy(*out, m->data, (size_t)m->size);
        (*out)[m->size] = '\0';
        *len = (size_t)m->size;
        return 0;
    }
    uint64_t size = 0;
    if (!imgb_src_exists(src, name, &size))
        return imgb_error_set(IMGB_ENOTFOUND, "%s: no '%s' in the image", src->path, name);
    if (size > max)
        return imgb_error_set(IMGB_ELIMIT, "%s: '%s' is %llu bytes, more than the %zu allowed "
                              "for a JSON document", src->path, name,
                              (unsigned long long)size, max);
    img_reader *r = NULL;
    int rc = imgb_src_window(src, name, &r);
    if (rc)
        return rc;
    imgb_buf b = IMGB_BUF_INIT;
    const void *p;
    ssize_t n;
    while ((n = r->read(r, &p)) > 0 && b.len <= max)
        imgb_buf_put(&b, p, (size_t)n);
    r->close(r);
    if (n < 0) {
        imgb_buf_dispose(&b);
        return imgb_error_set(IMGB_ERROR, "%s: read error in '%s'", src->path, name);
    }
    *len = b.len;
    if (!b.ptr)
        imgb_buf_put(&b, "", 0);
    *out = (unsigned char *)imgb_buf_detach(&b);
    return 0;
}

/* ---- opening ----------------------------------------------------------------------------- */

static void add_member(img_source *src, size_t *cap, img_member *m)
{
    if (src->nmembers == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        src->members = imgb_xrealloc(src->members, *cap * sizeof *src->members);
    }
    src->members[src->nmembers++] = *m;
}

/* Cache a small member of a compressed archive if it looks like JSON (layers never do). */
static int cache_member(img_source *src, struct archive *a, img_member *m, uint64_t *cached)
{
    if (m->size == 0 || m->size > IMGB_MAX_JSON_BYTES || *cached + m->size > IMGB_SMALL_CACHE_MAX)
        return 0;
    imgb_buf b = IMGB_BUF_INIT;
    const void *blk;
    size_t n;
    la_int64_t off;
    int r;
    bool first = true;
    while ((r = archive_read_data_block(a, &blk, &n, &off)) == ARCHIVE_OK) {
        if (first && n) {
            const unsigned char *c = blk;
            size_t i = 0;
            while (i < n && (c[i] == ' ' || c[i] == '\n' || c[i] == '\r' || c[i] == '\t'))
                i++;
            if (i < n && c[i] != '{' && c[i] != '[')
                break;
            first = false;
        }
        if ((uint64_t)off != b.len || b.len + n > m->size)
            break;
        imgb_buf_put(&b, blk, n);
    }
    if (r == ARCHIVE_FATAL) {
        imgb_buf_dispose(&b);
        return imgb_error_set(IMGB_EFORMAT, "%s: corrupt archive at '%s': %s", src->path,
                              m->name, archive_error_string(a));
    }
    if (b.len == m->size) {
        m->data = (unsigned char *)imgb_buf_detach(&b);
        m->cached = true;
        *cached += m->size;
    }
    imgb_buf_dispose(&b);
    return 0;
}

int imgb_src_member_from_entry(const img_source *src, struct archive_entry *e, img_member *m)
{
    (void)src;
    const char *name = archive_entry_pathname(e);
    mode_t type = archive_entry_filetype(e);
    const char *hl = archive_entry_hardlink(e);
    if (!name || (type != AE_IFREG && type != AE_IFLNK && !hl))
        return 1;
    memset(m, 0, sizeof *m);
    m->name = member_norm(name);
    if (!m->name)
        return 1; /* "..": never a name we look up */
    if (type == AE_IFLNK || hl) {
        const char *t = hl ? hl : archive_entry_symlink(e);
        m->link = t ? (hl ? member_norm(t) : member_link(m->name, t)) : NULL;
        if (!m->link) {
            free(m->name);
            m->name = NULL;
            return 1;
        }
    } else {
        m->size = (uint64_t)archive_entry_size(e);
    }
    return 0;
}

static int index_tar(img_source *src)
{
    struct archive *a = NULL;
    img_decoder *dec = NULL;
    int rc = imgb_archive_open_file(&a, src->path, src->kind == SRC_STREAM, src->counters, &dec);
    if (rc)
        return rc;
    if (src->kind == SRC_STREAM && src->counters)
        atomic_fetch_add(&src->counters->passes, 1); /* the index streams through the layers */
    size_t cap = 0;
    uint64_t cached = 0, last_end = 0;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        last_end = imgb_src_data_end(a, e);
        if (src->nmembers >= IMGB_MAX_MEMBERS) {
            rc = imgb_error_set(IMGB_ELIMIT, "%s: more than %u entries", src->path,
                                IMGB_MAX_MEMBERS);
            goto done;
        }
        img_member m = { 0 };
        if (imgb_src_member_from_entry(src, e, &m) != 0)
            continue;
        if (!m.link) {
            m.offset = (uint64_t)archive_filter_bytes(a, 0);
            if (src->kind == SRC_STREAM && (rc = cache_member(src, a, &m, &cached)) != 0) {
                free(m.name);
                goto done;
            }
        }
        add_member(src, &cap, &m);
    }
    if (r == ARCHIVE_FATAL) {
        rc = imgb_error_set(IMGB_EFORMAT, "%s: corrupt or truncated archive after %zu entries: %s",
                            src->path, src->nmembers, archive_error_string(a));
        goto done;
    }
    if (src->nmembers == 0)
        rc = imgb_error_set(IMGB_EFORMAT, "%s: not an image archive (no files in it)",
                            src->path);
    else
        rc = imgb_src_archive_end(src, src->path, a, last_end, dec);
done:
    archive_read_free(a);
    return rc;
}

uint64_t imgb_src_data_end(struct archive *a, struct archive_entry *e)
{
    uint64_t size = archive_entry_size_is_set(e) && archive_entry_size(e) > 0
                        ? (uint64_t)archive_entry_size(e) : 0;
    return (uint64_t)archive_filter_bytes(a, 0) + ((size + 511) & ~(uint64_t)511);
}

int imgb_src_archive_end(img_source *src, const char *name, struct archive *a,
                         uint64_t last_end, img_decoder *dec)
{
    /* libarchive ends an archive quietly at a block boundary ("some writers omit the block of
     * nulls"), so a file cut between two members, or inside the two zero blocks that end
     * it, reads as complete.  docker save, podman save and skopeo (Go's archive/tar) always
     * write both blocks: without them the archive was most likely cut, and members after
     * the cut (another image, another layer) are missing.  Not an error -- every member we
     * found is whole -- but the image is incomplete, so a gate fails closed. */
    uint64_t pos = (uint64_t)archive_filter_bytes(a, 0);
    if (pos < last_end + 1024 && !src->cut)
        src->cut = imgb_xasprintf("%s: the archive ends at byte %llu without its "
                                  "end-of-archive marker (two zero blocks): it was probably "
                                  "cut short", name, (unsigned long long)pos);
    /* The tar ends before the compressed stream does: its end marker is followed by the gzip
     * trailer (CRC and size) or the end of the zstd frame, which libarchive never asks for.
     * Read them, so that a stream cut or corrupted after the tar's end is noticed too (and a
     * pipe is read to its end).  Nothing after the tar is used. */
    if (!dec)
        return 0;
    const void *blk;
    long n;
    while ((n = imgb_decoder_read(dec, &blk)) > 0)
        ;
    if (n < 0)
        return imgb_error_set(IMGB_EFORMAT, "%s: the input is truncated or corrupt after the "
                              "archive's end: %s", name,
                              n == IMGB_DEC_CORRUPT ? imgb_decoder_error(dec) : "read error");
    return 0;
}

/*
 * A gzip- or zstd-compressed archive file cannot be read by windows, and decompressing it
 * is most of the cost of reading it, so it is read once, front to back, exactly as a pipe
 * (stream.c): small members cached, layers that come before the manifest (docker save and
 * skopeo write the blobs first) copied to the one unlinked temporary file and read back from
 * there in parallel.  Only content found later to be needed through a symlink reads the
 * file again (read.c, refill), since the file, unlike a pipe, can be reopened.
 */
static int open_compressed_file(img_source *src, const char *path, const imgb_read_options *opts)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return imgb_error_set(IMGB_ENOTFOUND, "%s: cannot open: %s", path, strerror(errno));
    src->reopenable = true;
    return imgb_fdsrc_open_owned(src, fd, path, opts);
}

int imgb_src_open(img_source *src, const char *path, const imgb_read_options *opts,
                  img_counters *counters)
{
    memset(src, 0, sizeof *src);
    src->counters = counters;
    src->path = imgb_xstrdup(path);
    src->outer = "none";
    if (strcmp(path, "-") == 0)
        return imgb_fdsrc_open(src, STDIN_FILENO, "stdin", opts);
    if (strncmp(path, "docker://", 9) == 0)
        return imgb_reg_open(src, path, opts);
    struct stat st;
    if (stat(path, &st) != 0)
        return imgb_error_set(IMGB_ENOTFOUND, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        src->kind = SRC_DIR;
        return 0;
    }
    if (!S_ISREG(st.st_mode))
        return imgb_error_set(IMGB_EUNSUPPORTED, "%s: not a file or directory", path);
    unsigned char magic[4] = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return imgb_error_set(IMGB_ENOTFOUND, "%s: %s", path, strerror(errno));
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    bool gzip = n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    bool zstd = n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
                magic[3] == 0xfd;
    if (gzip || zstd)
        return open_compressed_file(src, path, opts);
    src->kind = SRC_TAR;
    return index_tar(src);
}

int imgb_src_reopen_streamed(img_source *src)
{
    char *path = imgb_xstrdup(src->path);
    img_counters *counters = src->counters;
    const char *outer = src->outer;
    imgb_src_close(src);
    src->counters = counters;
    src->path = path;
    src->outer = outer;
    src->kind = SRC_STREAM;
    return index_tar(src);
}

void imgb_src_close(img_source *src)
{
    imgb_fdsrc_close(src);
    imgb_reg_close(src);
    for (size_t i = 0; i < src->nmembers; i++) {
        free(src->members[i].name);
        free(src->members[i].link);
        free(src->members[i].data);
    }
    free(src->members);
    free(src->cut);
    free(src->path);
    memset(src, 0, sizeof *src);
}
