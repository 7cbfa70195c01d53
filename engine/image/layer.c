/*
 * One layer: blob bytes -> (sha256 of the blob) -> decompressor -> (sha256 of the tar,
 * ratio/total limits) -> tar parser -> per-layer entry list + content consumers.
 *
 * The blob reader feeds a decoder (decode.c: ISA-L or zlib for gzip, libzstd, or nothing,
 * told by magic bytes) whose output we hash and feed to libarchive's tar reader through its
 * read callback.  So both digests are computed in the one streaming pass and nothing
 * touches the disk.  Runs on a worker thread: it only reads the view's keep
 * patterns (imgb_view_wants, thread-safe) and writes into its own job.
 *
 * Error policy (issue 2): a corrupt compressed stream, a limit, a digest mismatch are errors
 * naming the layer; a tar stream that ends early (some tools omit the end blocks or cut the
 * last entry) is a warning, and every entry read in full is kept; a name with ".." or one
 * that escapes the root is dropped with a warning.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/image_priv.h"
#include "util/error.h"
#include "util/limits.h"

typedef struct layer_ctx {
    img_layer_job *job;
    EVP_MD_CTX *blob_md, *tar_md;
    img_decoder *dec;         /* blob bytes -> tar bytes */
    uint64_t pull_ns;         /* time in blob_pull (reading, hashing the blob) */
    const void *first;        /* the first tar bytes, read to tell the compression */
    unsigned char *first_copy; /* ... copied when a pipe reuses the decoder's buffer */
    size_t first_len;
    bool raw_eof;
    bool pipe_eof;            /* the tar reader's side saw the pipe's end */
    bool plain;               /* uncompressed blob: the tar digest is the blob digest */
    _Atomic int fail;         /* error code set by a callback (limit, decompression) */
    char *failmsg;
    pthread_mutex_t fail_mu;  /* ctx_fail runs on both sides of a pipe */
    struct layer_pipe *pipe;  /* decoding on a second thread (job->pipeline) */
} layer_ctx;

/*
 * A layer's two halves on two threads (job->pipeline: read.c has a core to spare): the
 * producer reads and hashes the blob and inflates it, the tar reader's side hashes the tar
 * stream and parses it.  PIPE_SLOTS chunks of decoder output sit in between (copied: the
 * decoder reuses its buffer), so memory stays bounded; the producer also reads what follows
 * the compressed stream so that the blob digest covers the whole blob.
 */
#define PIPE_SLOTS 4

typedef struct layer_pipe {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *buf[PIPE_SLOTS];
    size_t len[PIPE_SLOTS];
    size_t filled;            /* chunks the producer has put */
    size_t taken;             /* chunks handed to the tar reader */
    size_t released;          /* chunks the tar reader is done with */
    bool done;                /* the producer has stopped (end or error) */
    bool stop;                /* the tar reader's side asks it to stop */
    _Atomic int *claimed;     /* the spare-core count it took a core from (given back at
                                 the end), or NULL */
} layer_pipe;

static void job_warn(img_layer_job *job, char *msg)
{
    job->warnings = imgb_xrealloc(job->warnings, (job->nwarnings + 1) * sizeof *job->warnings);
    job->warnings[job->nwarnings++] = msg;
}

static const char *layer_name(const img_layer_job *job)
{
    return job->info->digest ? job->info->digest : "?";
}

static int ctx_fail(layer_ctx *c, int code, char *msg)
{
    pthread_mutex_lock(&c->fail_mu);
    if (!c->fail) {
        c->failmsg = msg;
        c->fail = code;
    } else {
        free(msg);
    }
    pthread_mutex_unlock(&c->fail_mu);
    return code;
}

/* SHA-256 of a chunk, timed for scan.stats. */
static void hash(layer_ctx *c, EVP_MD_CTX *md, const void *buf, size_t n)
{
    img_counters *k = c->job->counters;
    uint64_t t0 = k ? imgb_now_ns() : 0;
    EVP_DigestUpdate(md, buf, n);
    if (k)
        atomic_fetch_add_explicit(&k->verify_ns, imgb_now_ns() - t0, memory_order_relaxed);
}

/* Compressed bytes: from the blob reader, hashed as they pass. */
static long blob_pull(void *p, const void **buf)
{
    layer_ctx *c = p;
    uint64_t t0 = c->job->counters ? imgb_now_ns() : 0;
    ssize_t n = c->job->reader->read(c->job->reader, buf);
    if (n < 0) {
        /* a network or pipe reader says why (registry.c, stream.c); a file reader does not */
        const char *why = imgb_error_last();
        ctx_fail(c, IMGB_ERROR, imgb_xasprintf("layer %d (%s): read error%s%s", c->job->index,
                                               layer_name(c->job), *why ? ": " : "", why));
        return -1;
    }
    if (n > 0) {
        hash(c, c->blob_md, *buf, (size_t)n);
        c->job->compressed_size += (uint64_t)n;
    }
    if (c->job->counters)
        c->pull_ns += imgb_now_ns() - t0;
    return (long)n;
}

/* Tar bytes out of the decoder (timed without the blob reads and hashing it pulls in;
 * counted as inflated unless the blob is plain). */
static long decode(layer_ctx *c, const void **buf)
{
    img_counters *k = c->job->counters;
    uint64_t t0 = k ? imgb_now_ns() : 0, pulled = c->pull_ns;
    long n = imgb_decoder_read(c->dec, buf);
    if (k) {
        bool plain = strcmp(imgb_decoder_compression(c->dec), "none") == 0;
        atomic_fetch_add_explicit(&k->inflate_ns, imgb_now_ns() - t0 - (c->pull_ns - pulled),
                                  memory_order_relaxed);
        if (n > 0) {
            if (!plain)
                atomic_fetch_add_explicit(&k->bytes_inflated, (uint64_t)n,
                                          memory_order_relaxed);
            atomic_fetch_add_explicit(&k->bytes_parsed, (uint64_t)n, memory_order_relaxed);
        }
    }
    return n;
}

/* Uncompressed tar bytes from the decoder, checked against the limits (not yet hashed). */
static long produce(layer_ctx *c, const void **buf)
{
    img_layer_job *job = c->job;
    if (c->raw_eof || c->fail)
        return c->fail ? -1 : 0;
    long r = decode(c, buf);
    if (r == 0) {
        c->raw_eof = true;
        return 0;
    }
    if (r < 0) {
        if (!c->fail)
            ctx_fail(c, IMGB_EFORMAT,
                     imgb_xasprintf("layer %d (%s): corrupt %s stream: %s", job->index,
                                    layer_name(job), imgb_decoder_compression(c->dec),
                                    imgb_decoder_error(c->dec)));
        return -1;
    }
    size_t n = (size_t)r;
    job->uncompressed_size += n;
    uint64_t total = atomic_fetch_add(job->total_bytes, n) + n;
    if (total > job->max_total) {
        ctx_fail(c, IMGB_ELIMIT,
                 imgb_xasprintf("layer %d (%s): the image exceeds %llu uncompressed bytes",
                                job->index, layer_name(job),
                                (unsigned long long)job->max_total));
        return -1;
    }
    if (job->uncompressed_size > IMGB_RATIO_GRACE_BYTES &&
        job->uncompressed_size / (job->compressed_size ? job->compressed_size : 1) >
            job->max_ratio) {
        ctx_fail(c, IMGB_ELIMIT,
                 imgb_xasprintf("layer %d (%s): decompression ratio above %u:1 (%llu bytes "
                                "from %llu): refusing a decompression bomb",
                                job->index, layer_name(job), job->max_ratio,
                                (unsigned long long)job->uncompressed_size,
                                (unsigned long long)job->compressed_size));
        return -1;
    }
    return r;
}

/* Tar bytes for the tar reader, serially: produced, then hashed. */
static long tar_read_cb(void *p, const void **buf)
{
    layer_ctx *c = p;
    long n = produce(c, buf);
    if (n > 0 && !c->plain)
        hash(c, c->tar_md, *buf, (size_t)n);
    return n;
}

/* The rest of the blob after the compressed stream, hashed (part of the blob digest). */
static int drain_blob(layer_ctx *c)
{
    const void *buf;
    ssize_t n;
    while ((n = c->job->reader->read(c->job->reader, &buf)) > 0) {
        hash(c, c->blob_md, buf, (size_t)n);
        c->job->compressed_size += (uint64_t)n;
    }
    if (n < 0)
        return ctx_fail(c, IMGB_ERROR, imgb_xasprintf("layer %d (%s): read error",
                                                      c->job->index, layer_name(c->job)));
    return 0;
}

/* Wait for a free slot; false when the tar reader's side asks the producer to stop. */
static bool pipe_wait_slot(layer_pipe *q)
{
    pthread_mutex_lock(&q->mu);
    while (!q->stop && q->filled - q->released == PIPE_SLOTS)
        pthread_cond_wait(&q->cv, &q->mu);
    bool stop = q->stop;
    pthread_mutex_unlock(&q->mu);
    return !stop;
}

static void *pipe_producer(void *p)
{
    layer_ctx *c = p;
    layer_pipe *q = c->pipe;
    bool stop = false;
    while (!stop) {
        const void *b;
        long n = produce(c, &b);
        if (n <= 0)
            break;
        /* a plain blob comes in read blocks (IMGB_IO_BLOCK), larger than a slot */
        for (const unsigned char *at = b; n > 0 && !stop;) {
            if (!pipe_wait_slot(q)) {
                stop = true;
                break;
            }
            size_t take = (size_t)n < IMGB_DEC_OUT_BLOCK ? (size_t)n : IMGB_DEC_OUT_BLOCK;
            size_t slot = q->filled % PIPE_SLOTS;
            memcpy(q->buf[slot], at, take);
            q->len[slot] = take;
            at += take;
            n -= (long)take;
            pthread_mutex_lock(&q->mu);
            q->filled++;
            pthread_cond_broadcast(&q->cv);
            pthread_mutex_unlock(&q->mu);
        }
    }
    if (!stop && !c->fail)
        drain_blob(c);
    if (q->claimed)
        atomic_fetch_add(q->claimed, 1);
    pthread_mutex_lock(&q->mu);
    q->done = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Tar bytes for the tar reader from the pipe: the next chunk, hashed here. */
static long pipe_read_cb(void *p, const void **buf)
{
    layer_ctx *c = p;
    layer_pipe *q = c->pipe;
    pthread_mutex_lock(&q->mu);
    q->released = q->taken; /* the tar reader is done with what it got last time */
    pthread_cond_broadcast(&q->cv);
    while (q->taken == q->filled && !q->done)
        pthread_cond_wait(&q->cv, &q->mu);
    long n = 0;
    if (q->taken < q->filled) {
        size_t slot = q->taken++ % PIPE_SLOTS;
        *buf = q->buf[slot];
        n = (long)q->len[slot];
    }
    pthread_mutex_unlock(&q->mu);
    if (n > 0) {
        if (!c->plain) /* a plain blob's tar digest is its blob digest */
            hash(c, c->tar_md, *buf, (size_t)n);
        return n;
    }
    c->pipe_eof = true;
    return c->fail ? -1 : 0;
}

/* Start the producer; false (serial reading goes on) when no thread can be started.
 * `claimed`: the spare-core count it took its core from (given back when it ends). */
static bool pipe_start(layer_ctx *c, _Atomic int *claimed)
{
    layer_pipe *q = imgb_xcalloc(1, sizeof *q);
    q->claimed = claimed;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        q->buf[i] = imgb_xmalloc(IMGB_DEC_OUT_BLOCK);
    c->pipe = q;
    if (pthread_create(&q->thread, NULL, pipe_producer, c) == 0)
        return true;
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        free(q->buf[i]);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    c->pipe = NULL;
    return false;
}

/* Stop the producer (wherever it is) and free the pipe. */
static void pipe_end(layer_ctx *c)
{
    layer_pipe *q = c->pipe;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        free(q->buf[i]);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    c->pipe = NULL;
}

/*
 * A core fell idle (read.c: a worker found no layer left to take) while this layer is being
 * parsed serially: take it and move the rest of the decoding to a thread of its own, so the
 * last layers of an image do not run on one core while the other waits.  Called between two
 * reads of the tar reader, when it holds no decoder buffer; the decoder and the blob reader
 * pass to the producer thread, which continues exactly where the serial reads stopped.
 */
static void pipe_claim(layer_ctx *c)
{
    _Atomic int *spare = c->job->spare;
    int n = atomic_load_explicit(spare, memory_order_relaxed);
    while (n > 0)
        if (atomic_compare_exchange_weak(spare, &n, n - 1)) {
            if (!pipe_start(c, spare))
                atomic_fetch_add(spare, 1);
            else if (c->job->counters)
                atomic_fetch_add(&c->job->counters->lent, 1);
            return;
        }
}

/* The tar reader's input: the bytes read ahead to tell the compression, then the rest. */
static long first_then_tar(void *p, const void **buf)
{
    layer_ctx *c = p;
    if (c->first_len) {
        *buf = c->first;
        long n = (long)c->first_len;
        c->first_len = 0;
        return n;
    }
    if (!c->pipe && c->job->spare && !c->raw_eof && !c->fail)
        pipe_claim(c);
    return c->pipe ? pipe_read_cb(c, buf) : tar_read_cb(c, buf);
}

static img_entry *new_entry(img_layer_job *job)
{
    if (job->nentries == job->capentries) {
        job->capentries = job->capentries ? job->capentries * 2 : 256;
        job->entries = imgb_xrealloc(job->entries, job->capentries * sizeof *job->entries);
    }
    img_entry *e = &job->entries[job->nentries++];
    memset(e, 0, sizeof *e);
    return e;
}

static imgb_ftype map_type(struct archive_entry *ae)
{
    if (archive_entry_hardlink(ae))
        return IMGB_FT_HARDLINK;
    switch (archive_entry_filetype(ae)) {
    case AE_IFDIR: return IMGB_FT_DIR;
    case AE_IFLNK: return IMGB_FT_SYMLINK;
    case AE_IFCHR: return IMGB_FT_CHR;
    case AE_IFBLK: return IMGB_FT_BLK;
    case AE_IFIFO: return IMGB_FT_FIFO;
    case AE_IFSOCK: return IMGB_FT_SOCK;
    default: return IMGB_FT_REG;
    }
}

/* True for names that mean the root itself ("", ".", "./", "/"): not an entry, no warning. */
static bool is_root_name(const char *n)
{
    for (; *n; n++)
        if (*n != '.' && *n != '/')
            return false;
    return true;
}

/* Stream one regular file's data to the consumers and keep a prefix if the view wants it.
 * Returns 0, 1 if the stream ended inside the file (truncated), <0 on error. */
static int read_file_data(layer_ctx *c, struct archive *tar, img_entry *e, const imgb_entry *pub,
                          bool keep, bool *wanted)
{
    img_layer_job *job = c->job;
    imgb_buf kept = IMGB_BUF_INIT;
    /* whiteout markers are layer metadata, not files: consumers never see them */
    const char *base = strrchr(e->path, '/');
    bool marker = strncmp(base ? base + 1 : e->path, ".wh.", 4) == 0;
    for (size_t i = 0; i < job->nconsumers; i++) {
        imgb_consumer *k = job->consumers[i];
        wanted[i] = k->file_begin && !marker ? k->file_begin(job->consumer_state[i], pub)
                                             : false;
    }
    const void *blk;
    size_t n;
    la_int64_t off;
    int r;
    int rc = 0;
    while ((r = archive_read_data_block(tar, &blk, &n, &off)) == ARCHIVE_OK) {
        for (size_t i = 0; i < job->nconsumers && !rc; i++) {
            if (wanted[i] && job->consumers[i]->file_data) {
                int u = job->consumers[i]->file_data(job->consumer_state[i], blk, n,
                                                     (uint64_t)off);
                if (u)
                    rc = ctx_fail(c, u < 0 ? u : IMGB_EUSER,
                                  imgb_xasprintf("layer %d (%s): a content consumer stopped "
                                                 "the read at '%s'", job->index,
                                                 layer_name(job), e->path));
            }
        }
        if (rc)
            break;
        if (keep && !e->content_truncated) {
            /* sparse files: holes read as zeros */
            uint64_t at = (uint64_t)off;
            if (at > IMGB_KEEP_FILE_MAX)
                at = IMGB_KEEP_FILE_MAX;
            if (kept.len < at) {
                size_t gap = (size_t)at - kept.len;
                unsigned char *z = imgb_xcalloc(1, gap);
                imgb_buf_put(&kept, z, gap);
                free(z);
            }
            size_t room = IMGB_KEEP_FILE_MAX - kept.len;
            size_t take = n < room ? n : room;
            if ((uint64_t)off == kept.len)
                imgb_buf_put(&kept, blk, take);
            if (take < n || kept.len >= IMGB_KEEP_FILE_MAX)
                e->content_truncated = e->size > IMGB_KEEP_FILE_MAX;
        }
    }
    if (!rc && r != ARCHIVE_EOF)
        rc = c->fail ? c->fail : 1;
    for (size_t i = 0; i < job->nconsumers; i++)
        if (wanted[i] && job->consumers[i]->file_end && rc == 0) {
            int u = job->consumers[i]->file_end(job->consumer_state[i]);
            if (u)
                rc = ctx_fail(c, u < 0 ? u : IMGB_EUSER,
                              imgb_xasprintf("layer %d (%s): a content consumer stopped the "
                                             "read at '%s'", job->index, layer_name(job),
                                             e->path));
        }
    if (keep && rc == 0) {
        if (kept.len < e->size && kept.len < IMGB_KEEP_FILE_MAX) {
            /* trailing hole of a sparse file */
            size_t want = e->size < IMGB_KEEP_FILE_MAX ? (size_t)e->size : IMGB_KEEP_FILE_MAX;
            unsigned char *z = imgb_xcalloc(1, want - kept.len);
            imgb_buf_put(&kept, z, want - kept.len);
            free(z);
        }
        e->content_len = kept.len;
        if (!kept.ptr)
            imgb_buf_put(&kept, "", 0);
        e->content = (unsigned char *)imgb_buf_detach(&kept);
        e->content_truncated = e->size > e->content_len;
    }
    imgb_buf_dispose(&kept);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Second pass: is `path` one of the files whose content is being fetched? */
static bool refill_wants(const img_layer_job *job, const char *path)
{
    return bsearch(&path, job->refill, job->nrefill, sizeof *job->refill, cmp_str) != NULL;
}

/* Parse the tar stream into job->entries.  Returns 0, or <0 with c->fail set. */
static int parse_tar(layer_ctx *c, struct archive *tar)
{
    img_layer_job *job = c->job;
    struct archive_entry *ae;
    bool *wanted = imgb_xcalloc(job->nconsumers ? job->nconsumers : 1, sizeof *wanted);
    int rc = 0;
    int r;
    while ((r = archive_read_next_header(tar, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname(ae);
        if (!name)
            name = "";
        if (++job->tar_entries > job->max_entries) {
            rc = ctx_fail(c, IMGB_ELIMIT, imgb_xasprintf("layer %d (%s): more than %zu entries",
                                                         job->index, layer_name(job),
                                                         job->max_entries));
            break;
        }
        if (strlen(name) > IMGB_MAX_PATH) {
            rc = ctx_fail(c, IMGB_ELIMIT,
                          imgb_xasprintf("layer %d (%s): entry %zu has a name of %zu bytes, "
                                         "more than %d", job->index, layer_name(job),
                                         job->tar_entries, strlen(name), IMGB_MAX_PATH));
            break;
        }
        if (is_root_name(name))
            continue;
        char *path = imgb_path_normalize(name);
        if (!path) {
            job_warn(job, imgb_xasprintf("layer %d (%s): entry '%.200s' escapes the image root; "
                                         "ignored", job->index, layer_name(job), name));
            continue;
        }
        if (job->nrefill && !refill_wants(job, path)) {
            /* second pass: libarchive still reads (and we hash) the skipped data */
            free(path);
            continue;
        }
        imgb_ftype type = map_type(ae);
        char *link = NULL;
        if (type == IMGB_FT_HARDLINK) {
            link = imgb_path_normalize(archive_entry_hardlink(ae));
            if (!link) {
                job_warn(job, imgb_xasprintf("layer %d (%s): hardlink '%.200s' points outside "
                                             "the image root; ignored", job->index,
                                             layer_name(job), name));
                free(path);
                continue;
            }
        } else if (type == IMGB_FT_SYMLINK) {
            const char *t = archive_entry_symlink(ae);
            link = imgb_xstrdup(t ? t : "");
        }
        img_entry *e = new_entry(job);
        e->path = path;
        e->link = link;
        e->type = type;
        e->mode = (uint32_t)archive_entry_perm(ae) & 07777;
        e->uid = (uint32_t)archive_entry_uid(ae);
        e->gid = (uint32_t)archive_entry_gid(ae);
        e->size = type == IMGB_FT_REG ? (uint64_t)archive_entry_size(ae) : 0;
        e->mtime = archive_entry_mtime(ae);
        if (type != IMGB_FT_REG)
            continue;
        imgb_entry pub = { .path = e->path, .type = e->type, .mode = e->mode, .uid = e->uid,
                           .gid = e->gid, .size = e->size, .mtime = e->mtime };
        bool keep = job->nrefill > 0 || (job->view && imgb_view_wants(job->view, e->path));
        int d = read_file_data(c, tar, e, &pub, keep, wanted);
        if (d < 0) {
            rc = d;
            break;
        }
        if (d > 0) {
            /* cut inside this file: it was not read in full, drop it */
            free(e->path);
            free(e->link);
            free(e->content);
            job->nentries--;
            r = ARCHIVE_FATAL;
            break;
        }
    }
    if (!rc && r == ARCHIVE_FATAL) {
        if (c->fail) {
            rc = c->fail;
        } else {
            job->truncated = true;
            job_warn(job, imgb_xasprintf("layer %d (%s): truncated tar stream after %zu "
                                         "entries (%s); keeping the entries read in full",
                                         job->index, layer_name(job), job->nentries,
                                         archive_error_string(tar)
                                             ? archive_error_string(tar) : "unexpected end"));
        }
    }
    free(wanted);
    return rc;
}

/* Hash whatever follows the tar end blocks so both digests cover the whole blob. */
static int drain(layer_ctx *c)
{
    const void *buf;
    if (c->pipe) {
        /* the producer reads the blob to its end; wait for it */
        while (!c->pipe_eof && !c->fail)
            if (pipe_read_cb(c, &buf) < 0)
                break;
        pipe_end(c);
        return c->fail;
    }
    while (!c->raw_eof && !c->fail) {
        if (tar_read_cb(c, &buf) < 0)
            return c->fail ? c->fail : IMGB_ERROR;
    }
    if (c->fail)
        return c->fail;
    return drain_blob(c);
}

static void check_media_type(img_layer_job *job)
{
    const char *mt = job->info->media_type;
    if (!mt)
        return;
    const char *said = strstr(mt, "gzip") ? "gzip" : strstr(mt, "zstd") ? "zstd" : "none";
    if (strcmp(said, job->compression) != 0)
        job_warn(job, imgb_xasprintf("layer %d (%s): media type %s but the blob is %s%s",
                                     job->index, layer_name(job), mt,
                                     strcmp(job->compression, "none") ? "" : "not compressed",
                                     strcmp(job->compression, "none") ? job->compression : ""));
}

static int verify(layer_ctx *c)
{
    img_layer_job *job = c->job;
    job->blob_digest = imgb_digest_hex(c->blob_md);
    job->diff_digest = c->plain ? imgb_xstrdup(job->blob_digest) : imgb_digest_hex(c->tar_md);
    if (!job->verify)
        return 0;
    /* Legacy docker-archive layers are named by diff_id, not blob digest (read.c). */
    bool legacy = !job->info->media_type && job->info->diff_id &&
                  strcmp(job->info->digest, job->info->diff_id) == 0;
    if (!legacy && strcmp(job->blob_digest, job->info->digest) != 0)
        return ctx_fail(c, IMGB_EDIGEST,
                        imgb_xasprintf("layer %d: blob %s does not match its digest: expected "
                                       "%s, got %s", job->index, job->member ? job->member : "?",
                                       job->info->digest, job->blob_digest));
    if (job->info->diff_id && strcmp(job->diff_digest, job->info->diff_id) != 0)
        return ctx_fail(c, IMGB_EDIGEST,
                        imgb_xasprintf("layer %d: blob %s: uncompressed content does not "
                                       "match rootfs.diff_ids[%d]: expected %s, got %s",
                                       job->index, job->member ? job->member : "?", job->index,
                                       job->info->diff_id, job->diff_digest));
    return 0;
}

void imgb_layer_parse(img_layer_job *job)
{
    layer_ctx c = { .job = job };
    pthread_mutex_init(&c.fail_mu, NULL);
    struct archive *tar = NULL;
    int rc = 0;
    c.blob_md = EVP_MD_CTX_new();
    c.tar_md = EVP_MD_CTX_new();
    if (!c.blob_md || !c.tar_md)
        abort();
    EVP_DigestInit_ex(c.blob_md, EVP_sha256(), NULL);
    EVP_DigestInit_ex(c.tar_md, EVP_sha256(), NULL);
    job->compression = "unknown";
    job->consumer_state = imgb_xcalloc(job->nconsumers ? job->nconsumers : 1, sizeof(void *));
    for (size_t i = 0; i < job->nconsumers; i++)
        if (job->consumers[i]->layer_begin)
            job->consumer_state[i] = job->consumers[i]->layer_begin(job->consumers[i]->payload,
                                                                    job->index, job->info);

    /* Tell the compression from the first bytes before the tar reader asks for any. */
    c.dec = imgb_decoder_new(blob_pull, &c);
    const void *first = NULL;
    long n0 = produce(&c, &first);
    job->compression = imgb_decoder_compression(c.dec);
    /* A plain blob is its own tar stream: one SHA-256 serves both digests. */
    c.plain = strcmp(job->compression, "none") == 0;
    if (n0 > 0 && !c.plain)
        hash(&c, c.tar_md, first, (size_t)n0);
    if (n0 < 0) {
        rc = c.fail ? c.fail : IMGB_ERROR;
        goto finish;
    }
    if (n0 == 0) {
        /* an empty blob (or an empty compressed stream) is an empty layer */
        if (job->compressed_size == 0)
            job->compression = "none";
        else
            check_media_type(job);
        goto finish;
    }
    check_media_type(job);
    c.first = first;
    c.first_len = (size_t)n0;
    /* the first chunk is the decoder's buffer until the tar reader has taken it: a pipe
     * would overwrite it, so the first chunk is handed over from a copy */
    if (job->pipeline && !c.plain) {
        c.first = c.first_copy = imgb_xmalloc((size_t)n0);
        memcpy(c.first_copy, first, (size_t)n0);
        if (!pipe_start(&c, NULL)) {
            free(c.first_copy);
            c.first_copy = NULL;
            c.first = first;
        }
    }

    if (imgb_archive_open_cb(&tar, &c, first_then_tar) != ARCHIVE_OK) {
        if (c.fail)
            rc = c.fail;
        else
            rc = ctx_fail(&c, IMGB_EFORMAT,
                          imgb_xasprintf("layer %d (%s): not a tar stream: %s", job->index,
                                         layer_name(job), archive_error_string(tar)));
        goto finish;
    }
    rc = parse_tar(&c, tar);
finish:
    if (rc == 0)
        rc = drain(&c);
    pipe_end(&c); /* on an error the producer may still be running */
    if (rc == 0)
        rc = verify(&c);
    if (rc) {
        job->err = rc;
        job->errmsg = c.failmsg ? c.failmsg
                                : imgb_xasprintf("layer %d (%s): %s", job->index,
                                                 layer_name(job), imgb_error_last());
        c.failmsg = NULL;
    }
    free(c.failmsg);
    if (tar)
        archive_read_free(tar);
    imgb_decoder_free(c.dec);
    free(c.first_copy);
    pthread_mutex_destroy(&c.fail_mu);
    EVP_MD_CTX_free(c.blob_md);
    EVP_MD_CTX_free(c.tar_md);
}

void imgb_layer_job_dispose(img_layer_job *job)
{
    for (size_t i = 0; i < job->nentries; i++) {
        free(job->entries[i].path);
        free(job->entries[i].link);
        free(job->entries[i].content);
    }
    free(job->entries);
    for (size_t i = 0; i < job->nwarnings; i++)
        free(job->warnings[i]);
    free(job->warnings);
    free(job->consumer_state);
    free(job->blob_digest);
    free(job->diff_digest);
    free(job->errmsg);
    job->entries = NULL;
    job->warnings = NULL;
    job->consumer_state = NULL;
    job->blob_digest = job->diff_digest = job->errmsg = NULL;
    job->nentries = job->nwarnings = 0;
}
