/*
 * imgb_image_read_layers: parse layers (layer.c) and apply them to the view in order.
 *
 * Seekable inputs (plain tar, directory): up to `jobs` worker threads take layers in order
 * and parse each into its own entry list; the calling thread waits for layer i, applies it,
 * frees it, then moves to i+1.  Workers stay at most 2*jobs layers ahead, so memory is bounded
 * by a few layers' metadata plus kept content, and the view sees exactly the sequence of
 * jobs=1.
 * Pipes and compressed archive files (SRC_FD, read once): layers that came before the
 * manifest are in the temporary file and read from it as from a plain tar; a layer still
 * to come is parsed straight from the stream when it passes (read_fd).
 * Compressed archives whose layers did not fit the temporary file (SRC_STREAM): after the
 * index pass (source.c) the archive is streamed once more; a layer is parsed when its blob
 * passes, applied at once when it is the next one due, else held (at most 2*jobs layers)
 * until it is; passes repeat only for what could not be held or a blob two layers share.
 * With a core to spare a streamed layer inflates on a thread of its own (layer.c's pipe),
 * overlapping the parse.
 *
 * Content reached through a symlink (refill): a keep pattern like "/etc/ssh/[**]" is matched
 * against tar names while streaming, so with /etc/ssh -> /opt/ssh the bytes of
 * /opt/ssh/sshd_config pass unkept.  After every layer is applied, the view names such files
 * and the layer that wrote each (imgb_view_unkept_targets); only those layers are read again
 * (at most IMGB_MAX_REFILL_FILES files, each layer once, in layer order; streamed inputs in as
 * few passes of the archive as it takes), keeping just those paths, and the bytes go in with
 * imgb_view_set_content under the view's caps.  A layer of a compressed file that was parsed
 * from the stream is read by streaming the file again; one from a pipe cannot be (a warning
 * names the files).  Consumers do not run again (no duplicate
 * findings).  Verification: the second read runs only when the first read of every layer
 * succeeded, so it could skip the checks; it does not, because the hashes are computed while
 * streaming anyway and the file may have changed between the reads: a mismatch is an error.
 * The uncompressed-bytes cap applies to the second pass on its own.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/image_priv.h"
#include "util/error.h"
#include "util/limits.h"

typedef struct reader_ctx {
    imgb_image *img;
    imgb_view *view;
    imgb_consumer *const *consumers;
    size_t nconsumers;
    img_layer_job *jobs;
    _Atomic uint64_t total;
    /* worker coordination */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next;            /* next layer a worker may take */
    size_t applied;         /* layers applied so far */
    size_t ahead;           /* max layers parsed but not applied */
    bool *done;
    bool stop;
    bool pipeline;          /* more jobs than layers in flight: inflate on a thread of its own */
    _Atomic int spare;      /* workers out of layers to take: cores the last layers may use */
} reader_ctx;

static void job_init(reader_ctx *r, size_t i)
{
    img_layer_job *j = &r->jobs[i];
    const imgb_read_options *o = &r->img->priv->opts;
    memset(j, 0, sizeof *j);
    j->index = (int)i;
    j->member = r->img->priv->layer_names[i];
    j->info = &r->img->layers[i];
    j->verify = !o->no_verify;
    j->max_entries = o->max_entries_per_layer ? o->max_entries_per_layer
                                              : IMGB_MAX_ENTRIES_PER_LAYER;
    j->max_ratio = o->max_ratio ? o->max_ratio : IMGB_MAX_COMPRESSION_RATIO;
    j->max_total = o->max_total_bytes ? o->max_total_bytes : IMGB_MAX_TOTAL_BYTES;
    j->total_bytes = &r->total;
    j->counters = &r->img->priv->counters;
    j->pipeline = r->pipeline;
    j->view = r->view;
    j->consumers = r->consumers;
    j->nconsumers = r->nconsumers;
}

static int apply_job_timed(reader_ctx *r, img_layer_job *j);

/* Merge one parsed layer into the view and the image (timed for scan.stats). */
static int apply_job(reader_ctx *r, img_layer_job *j)
{
    uint64_t t0 = imgb_now_ns();
    int rc = apply_job_timed(r, j);
    atomic_fetch_add(&r->img->priv->counters.apply_ns, imgb_now_ns() - t0);
    return rc;
}

/* Merge one parsed layer into the view and the image; frees the job's entries. */
static int apply_job_timed(reader_ctx *r, img_layer_job *j)
{
    imgb_image *img = r->img;
    int rc = j->err;
    for (size_t k = 0; k < j->nwarnings; k++) {
        imgb_image_warn(img, j->warnings[k]);
        j->warnings[k] = NULL;
    }
    if (rc) {
        imgb_error_set(rc, "%s: %s", img->path, j->errmsg);
    } else {
        imgb_layer_info *info = &img->layers[j->index];
        info->uncompressed_size = j->uncompressed_size;
        info->entries = j->tar_entries;
        info->compression = j->compression;
        if (!info->compressed_size) /* a pipe's or a registry's layer: counted while read */
            info->compressed_size = j->compressed_size;
        if (!info->media_type && strcmp(info->digest, j->blob_digest) != 0) {
            /* legacy archive with a compressed layer: report the real blob digest */
            free(info->digest);
            info->digest = imgb_xstrdup(j->blob_digest);
        }
        for (size_t k = 0; k < j->nentries && rc == 0; k++) {
            img_entry *e = &j->entries[k];
            imgb_entry pub = { .path = e->path, .type = e->type, .mode = e->mode,
                               .uid = e->uid, .gid = e->gid, .size = e->size,
                               .mtime = e->mtime, .link_target = e->link,
                               .content = e->content, .content_len = e->content_len,
                               .content_truncated = e->content_truncated };
            /* IMGB_ELIMIT (content cap) is a warning the view records itself */
            int v = imgb_view_apply(r->view, j->index, &pub);
            if (v < 0 && v != IMGB_ELIMIT) {
                rc = v;
                imgb_error_prefix("%s: layer %d (%s)", img->path, j->index, info->digest);
            }
        }
    }
    if (j->truncated)
        img->truncated = true;
    const imgb_read_options *o = &img->priv->opts;
    if (rc == 0 && o->on_layer) {
        uint64_t done = 0, total = 0;
        for (size_t k = 0; k < img->nlayers; k++) {
            total += img->layers[k].compressed_size;
            done += (int)k <= j->index ? img->layers[k].compressed_size : 0;
        }
        if (o->on_layer(o->on_layer_payload, (size_t)j->index, img->nlayers, done, total))
            rc = imgb_error_set(IMGB_ECANCELED, "%s: canceled after layer %d", img->path,
                                j->index);
    }
    for (size_t c = 0; c < r->nconsumers; c++) {
        imgb_consumer *k = r->consumers[c];
        if (k->layer_end && j->consumer_state) {
            int u = k->layer_end(k->payload, j->consumer_state[c], j->index);
            if (u && !rc)
                rc = imgb_error_set(u < 0 ? u : IMGB_EUSER, "%s: layer %d: a content consumer "
                                    "stopped the read", img->path, j->index);
        }
    }
    imgb_layer_job_dispose(j);
    return rc;
}

/* ---- seekable inputs --------------------------------------------------------------------- */

static void run_job(reader_ctx *r, size_t i)
{
    img_layer_job *j = &r->jobs[i];
    int rc = imgb_src_window(&r->img->priv->src, r->img->priv->layer_names[i], &j->reader);
    if (rc) {
        j->err = rc;
        j->errmsg = imgb_xasprintf("layer %zu: %s", i, imgb_error_last());
        return;
    }
    imgb_layer_parse(j);
    j->reader->close(j->reader);
    j->reader = NULL;
}

static void *worker(void *p)
{
    reader_ctx *r = p;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->stop && r->next < r->img->nlayers && r->next >= r->applied + r->ahead)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->stop || r->next >= r->img->nlayers)
            break;
        r->jobs[r->next].spare = &r->spare;
        size_t i = r->next++;
        pthread_mutex_unlock(&r->mu);
        run_job(r, i);
        pthread_mutex_lock(&r->mu);
        r->done[i] = true;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    atomic_fetch_add(&r->spare, 1); /* this core is free for the layers still being parsed */
    return NULL;
}

static int read_seekable(reader_ctx *r, int jobs)
{
    imgb_image *img = r->img;
    int rc = 0;
    if (img->nlayers)
        atomic_fetch_add(&img->priv->counters.passes, 1);
    if (jobs <= 1 || img->nlayers <= 1) {
        for (size_t i = 0; i < img->nlayers && rc == 0; i++) {
            job_init(r, i);
            run_job(r, i);
            rc = apply_job(r, &r->jobs[i]);
        }
        return rc;
    }
    if ((size_t)jobs > img->nlayers)
        jobs = (int)img->nlayers;
    for (size_t i = 0; i < img->nlayers; i++)
        job_init(r, i);
    r->done = imgb_xcalloc(img->nlayers, sizeof *r->done);
    r->ahead = 2 * (size_t)jobs;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_t *threads = imgb_xcalloc((size_t)jobs, sizeof *threads);
    int started = 0;
    for (int t = 0; t < jobs; t++)
        if (pthread_create(&threads[started], NULL, worker, r) == 0)
            started++;
    if (!started) {
        rc = imgb_error_set(IMGB_ERROR, "%s: cannot start worker threads", img->path);
        r->stop = true;
    }
    for (size_t i = 0; i < img->nlayers && rc == 0; i++) {
        pthread_mutex_lock(&r->mu);
        while (!r->done[i])
            pthread_cond_wait(&r->cv, &r->mu);
        pthread_mutex_unlock(&r->mu);
        rc = apply_job(r, &r->jobs[i]);
        pthread_mutex_lock(&r->mu);
        r->applied = i + 1;
        if (rc)
            r->stop = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    /* layers parsed ahead of an error: release them */
    for (size_t i = 0; i < img->nlayers; i++)
        if (r->done[i]) {
            for (size_t c = 0; c < r->nconsumers && r->jobs[i].consumer_state; c++)
                if (r->consumers[c]->layer_end && r->jobs[i].consumer_state)
                    r->consumers[c]->layer_end(r->consumers[c]->payload,
                                               r->jobs[i].consumer_state[c], (int)i);
            imgb_layer_job_dispose(&r->jobs[i]);
        }
    free(threads);
    free(r->done);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    return rc;
}

/* ---- streamed (compressed) inputs -------------------------------------------------------- */

typedef struct stream_reader {
    img_reader r;
    struct archive *a;
    bool failed;
} stream_reader;

static ssize_t stream_read(img_reader *rd, const void **buf)
{
    stream_reader *s = (stream_reader *)rd;
    size_t n = 0;
    la_int64_t off;
    int rc = archive_read_data_block(s->a, buf, &n, &off);
    if (rc == ARCHIVE_EOF)
        return 0;
    if (rc != ARCHIVE_OK) {
        s->failed = true;
        return -1;
    }
    return (ssize_t)n;
}

/* The lowest layer >= `from` not parsed yet whose blob is member `here`, or nlayers. */
static size_t stream_layer_of(reader_ctx *r, const img_member *here, size_t from,
                              const bool *parsed)
{
    imgb_image *img = r->img;
    for (size_t i = from; here && i < img->nlayers; i++)
        if (!parsed[i] && imgb_src_find(&img->priv->src, img->priv->layer_names[i]) == here)
            return i;
    return img->nlayers;
}

static void stream_parse(reader_ctx *r, struct archive *a, size_t i)
{
    job_init(r, i);
    stream_reader sr = { .r = { .read = stream_read, .close = NULL }, .a = a };
    r->jobs[i].reader = &sr.r;
    imgb_layer_parse(&r->jobs[i]);
    r->jobs[i].reader = NULL;
}

/*
 * A blob met before its turn (skopeo writes blobs/sha256/ in digest order, not layer order)
 * is parsed then and kept until the layers below it are applied, up to `ahead` layers, the
 * bound the seekable reader keeps too; so one pass is the rule whatever the order.
 */
static int read_stream(reader_ctx *r, size_t ahead)
{
    imgb_image *img = r->img;
    img_source *src = &img->priv->src;
    bool *parsed = imgb_xcalloc(img->nlayers ? img->nlayers : 1, sizeof *parsed);
    size_t next = 0, held = 0;
    int rc = 0;
    /* Each pass applies at least one layer or fails, so nlayers passes always suffice. */
    for (size_t pass = 0; next < img->nlayers && rc == 0 && pass <= img->nlayers; pass++) {
        bool progress = false;
        struct archive *a = NULL;
        if ((rc = imgb_archive_open_file(&a, src->path, true, src->counters, NULL)) != 0)
            break;
        if (src->counters)
            atomic_fetch_add(&src->counters->passes, 1);
        struct archive_entry *ae;
        int ar = ARCHIVE_OK;
        while (rc == 0 && next < img->nlayers &&
               ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN)) {
            const char *name = archive_entry_pathname(ae);
            if (!name || archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae))
                continue;
            size_t i = stream_layer_of(r, imgb_src_find(src, name), next, parsed);
            if (i == img->nlayers || (i > next && held >= ahead))
                continue;
            stream_parse(r, a, i);
            parsed[i] = true;
            progress = true;
            held += i > next;
            /* apply this layer and those parsed ahead that now follow it */
            while (rc == 0 && next < img->nlayers && parsed[next]) {
                held -= next != i;
                rc = apply_job(r, &r->jobs[next]);
                if (rc == 0)
                    next++;
            }
        }
        if (rc == 0 && next < img->nlayers && ar == ARCHIVE_FATAL)
            rc = imgb_error_set(IMGB_EFORMAT, "%s: corrupt %s archive: %s", img->path,
                                src->outer, archive_error_string(a));
        archive_read_free(a);
        if (rc == 0 && next < img->nlayers && !progress)
            rc = imgb_error_set(IMGB_ENOTFOUND, "%s: layer %zu '%s' not found while streaming "
                                "the archive", img->path, next, img->priv->layer_names[next]);
    }
    if (rc == 0 && next < img->nlayers) /* never a silently shorter image */
        rc = imgb_error_set(IMGB_ENOTFOUND, "%s: layer %zu '%s' not found while streaming the "
                            "archive", img->path, next, img->priv->layer_names[next]);
    /* layers parsed ahead of an error: release them */
    for (size_t i = next + (rc ? 1 : 0); i < img->nlayers; i++)
        if (parsed[i] && r->jobs[i].consumer_state) {
            for (size_t c = 0; c < r->nconsumers; c++)
                if (r->consumers[c]->layer_end)
                    r->consumers[c]->layer_end(r->consumers[c]->payload,
                                               r->jobs[i].consumer_state[c], (int)i);
            imgb_layer_job_dispose(&r->jobs[i]);
        }
    free(parsed);
    return rc;
}

/* ---- a pipe (SRC_FD) whose layers follow the manifest ------------------------------------ */

/* Is member `m` the blob of a layer after `layer`? */
static bool used_after(const imgb_image *img, size_t layer, const img_member *m)
{
    for (size_t k = layer + 1; k < img->nlayers; k++)
        if (imgb_src_find(&img->priv->src, img->priv->layer_names[k]) == m)
            return true;
    return false;
}

/* Layers already cached or spilled are read back; the others are parsed straight from the
 * stream when they come, in order.  A layer that comes before it is due, or that a later
 * layer shares, is spilled; anything else is skipped. */
static int read_fd(reader_ctx *r)
{
    imgb_image *img = r->img;
    img_source *src = &img->priv->src;
    int rc = 0;
    if (img->nlayers)
        atomic_fetch_add(&img->priv->counters.passes, 1); /* the rest of the one pass */
    for (size_t next = 0; next < img->nlayers && rc == 0;) {
        const img_member *want = imgb_src_find(src, img->priv->layer_names[next]);
        const img_member *pend = imgb_fdsrc_pending(src);
        if (want && (want->cached || want->spilled)) {
            job_init(r, next);
            run_job(r, next);
            rc = apply_job(r, &r->jobs[next]);
            next++;
            continue;
        }
        if (pend && want == pend) {
            if (used_after(img, next, pend)) { /* a blob two layers share */
                rc = imgb_fdsrc_spill(src);
                continue;
            }
            job_init(r, next);
            if ((rc = imgb_fdsrc_stream(src, &r->jobs[next].reader)) != 0)
                break;
            imgb_layer_parse(&r->jobs[next]);
            r->jobs[next].reader->close(r->jobs[next].reader);
            r->jobs[next].reader = NULL;
            rc = apply_job(r, &r->jobs[next]);
            next++;
            continue;
        }
        if (pend) {
            rc = used_after(img, next, pend) ? imgb_fdsrc_spill(src) : imgb_fdsrc_skip(src);
            continue;
        }
        if (want && want->streamed) {
            rc = imgb_error_set(IMGB_ERROR, "%s: layer %zu '%s' went by in the stream before "
                                "it was due", img->path, next, img->priv->layer_names[next]);
            break;
        }
        if (imgb_fdsrc_at_end(src)) {
            rc = imgb_error_set(IMGB_ENOTFOUND, "%s: the manifest names layer %zu '%s' which is "
                                "not in the archive", img->path, next,
                                img->priv->layer_names[next]);
            break;
        }
        bool p = false;
        rc = imgb_fdsrc_advance(src, &p);
    }
    return rc;
}

/* ---- second pass: content of files reached through symlinks ---------------------------- */

typedef struct refill_set {
    char ***paths;          /* per layer: strcmp-sorted normalised paths (NULL: none) */
    size_t *npaths;
    size_t total;
    bool capped;
} refill_set;

static int refill_collect(const imgb_node_info *info, void *payload)
{
    refill_set *rs = payload;
    if (info->layer < 0)
        return 0;
    if (rs->total >= IMGB_MAX_REFILL_FILES) {
        rs->capped = true;
        return 1;
    }
    size_t l = (size_t)info->layer;
    rs->paths[l] = imgb_xrealloc(rs->paths[l], (rs->npaths[l] + 1) * sizeof *rs->paths[l]);
    rs->paths[l][rs->npaths[l]++] = imgb_xstrdup(info->path);
    rs->total++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void refill_job_init(reader_ctx *r, refill_set *rs, size_t i, _Atomic uint64_t *total)
{
    job_init(r, i);
    img_layer_job *j = &r->jobs[i];
    j->view = NULL;
    j->consumers = NULL;
    j->nconsumers = 0;
    j->total_bytes = total;
    j->refill = (const char *const *)rs->paths[i];
    j->nrefill = rs->npaths[i];
}

/* Hand the bytes of one re-read layer to the view; frees the job's entries. */
static int refill_apply(reader_ctx *r, refill_set *rs, img_layer_job *j)
{
    imgb_image *img = r->img;
    int rc = 0;
    if (j->err) {
        rc = imgb_error_set(j->err, "%s: second read for content behind symlinks: %s",
                            img->path, j->errmsg);
        imgb_layer_job_dispose(j);
        return rc;
    }
    size_t l = (size_t)j->index;
    for (size_t p = 0; p < rs->npaths[l]; p++) {
        const char *path = rs->paths[l][p];
        /* the last entry of that name in the layer is the one the view holds */
        const img_entry *e = NULL;
        for (size_t k = j->nentries; k-- > 0;)
            if (strcmp(j->entries[k].path, path) == 0) {
                e = &j->entries[k];
                break;
            }
        if (e && e->type == IMGB_FT_REG && e->content) {
            if (imgb_view_set_content(r->view, path, e->content, e->content_len,
                                      e->content_truncated) < 0)
                imgb_image_warn(img, imgb_xasprintf("layer %d (%s): '/%s' kept without "
                                                    "content: %s", j->index,
                                                    img->layers[l].digest, path,
                                                    imgb_error_last()));
        } else {
            /* a hardlink's bytes sit under its target's name, read before it in the tar */
            imgb_image_warn(img, imgb_xasprintf("layer %d (%s): content of '/%s' (reached "
                                                "through a symlink) not recovered%s", j->index,
                                                img->layers[l].digest, path,
                                                e && e->type == IMGB_FT_HARDLINK
                                                    ? ": it is a hardlink" : ""));
        }
    }
    imgb_error_clear();
    imgb_layer_job_dispose(j);
    return rc;
}

/* Is layer i re-read by streaming the (compressed) archive file again?  Those of a
 * compressed file read once (SRC_FD over a file) that went by in the stream, every layer
 * of a SRC_STREAM source. */
static bool refill_streams(const reader_ctx *r, size_t i)
{
    const img_source *src = &r->img->priv->src;
    return src->kind == SRC_STREAM ||
           (src->reopenable && !imgb_src_rereadable(src, r->img->priv->layer_names[i]));
}

static int refill_seekable(reader_ctx *r, refill_set *rs, _Atomic uint64_t *total)
{
    int rc = 0;
    bool counted = false;
    for (size_t i = 0; i < r->img->nlayers && rc == 0; i++) {
        if (!rs->npaths[i] || refill_streams(r, i))
            continue;
        if (!counted)
            atomic_fetch_add(&r->img->priv->counters.passes, 1);
        counted = true;
        if (!imgb_src_rereadable(&r->img->priv->src, r->img->priv->layer_names[i])) {
            /* streamed from a pipe: the bytes are gone; say which files lack content */
            for (size_t p = 0; p < rs->npaths[i]; p++)
                imgb_image_warn(r->img, imgb_xasprintf("layer %zu (%s): content of '/%s' "
                                "(reached through a symlink) not recovered: the layer was "
                                "read from a pipe", i, r->img->layers[i].digest,
                                rs->paths[i][p]));
            continue;
        }
        refill_job_init(r, rs, i, total);
        run_job(r, i);
        rc = refill_apply(r, rs, &r->jobs[i]);
    }
    return rc;
}

static int refill_stream(reader_ctx *r, refill_set *rs, _Atomic uint64_t *total)
{
    imgb_image *img = r->img;
    img_source *src = &img->priv->src;
    bool *done = imgb_xcalloc(img->nlayers ? img->nlayers : 1, sizeof *done);
    size_t left = 0;
    int rc = 0;
    for (size_t i = 0; i < img->nlayers; i++)
        left += rs->npaths[i] && refill_streams(r, i) ? 1 : 0;
    /* a pass serves every due layer it meets; two layers in one member need two passes */
    for (size_t pass = 0; left > 0 && rc == 0 && pass < img->nlayers; pass++) {
        size_t before = left;
        struct archive *a = NULL;
        if ((rc = imgb_archive_open_file(&a, src->path, true, src->counters, NULL)) != 0)
            break;
        if (src->counters)
            atomic_fetch_add(&src->counters->passes, 1);
        struct archive_entry *ae;
        int ar = ARCHIVE_OK;
        while (rc == 0 && left > 0 &&
               ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN)) {
            const char *name = archive_entry_pathname(ae);
            if (!name || archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae))
                continue;
            const img_member *here = imgb_src_find(src, name);
            size_t i = 0;
            for (; i < img->nlayers; i++)
                if (rs->npaths[i] && !done[i] && refill_streams(r, i) &&
                    imgb_src_find(src, img->priv->layer_names[i]) == here)
                    break;
            if (!here || i == img->nlayers)
                continue;
            refill_job_init(r, rs, i, total);
            stream_reader sr = { .r = { .read = stream_read, .close = NULL }, .a = a };
            r->jobs[i].reader = &sr.r;
            imgb_layer_parse(&r->jobs[i]);
            r->jobs[i].reader = NULL;
            rc = refill_apply(r, rs, &r->jobs[i]);
            done[i] = true;
            left--;
        }
        if (rc == 0 && left > 0 && ar == ARCHIVE_FATAL)
            rc = imgb_error_set(IMGB_EFORMAT, "%s: corrupt %s archive: %s", img->path,
                                src->outer, archive_error_string(a));
        archive_read_free(a);
        if (rc == 0 && left == before)
            rc = imgb_error_set(IMGB_ENOTFOUND, "%s: a layer was not found again while "
                                "streaming the archive", img->path);
    }
    free(done);
    return rc;
}

static int refill(reader_ctx *r)
{
    imgb_image *img = r->img;
    refill_set rs = { .paths = imgb_xcalloc(img->nlayers ? img->nlayers : 1, sizeof(char **)),
                      .npaths = imgb_xcalloc(img->nlayers ? img->nlayers : 1, sizeof(size_t)) };
    int rc = 0;
    imgb_view_unkept_targets(r->view, refill_collect, &rs);
    if (rs.capped)
        imgb_image_warn(img, imgb_xasprintf("more than %d files wanted through symlinks: the "
                                            "rest are kept without content",
                                            IMGB_MAX_REFILL_FILES));
    if (rs.total > 0) {
        for (size_t i = 0; i < img->nlayers; i++)
            if (rs.npaths[i] && rs.npaths[i] > 1)
                qsort(rs.paths[i], rs.npaths[i], sizeof *rs.paths[i], cmp_str);
        _Atomic uint64_t total;
        atomic_init(&total, 0);
        rc = refill_seekable(r, &rs, &total);
        if (rc == 0)
            rc = refill_stream(r, &rs, &total);
    }
    for (size_t i = 0; i < img->nlayers; i++) {
        for (size_t p = 0; p < rs.npaths[i]; p++)
            free(rs.paths[i][p]);
        free(rs.paths[i]);
    }
    free(rs.paths);
    free(rs.npaths);
    return rc;
}

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n > 64 ? 64 : n) : 1;
}

int imgb_image_read_layers(imgb_image *img, imgb_view *view, imgb_consumer *const *consumers,
                           size_t nconsumers)
{
    if (img->priv->read_done)
        return imgb_error_set(IMGB_EINVAL, "%s: layers already read", img->path);
    img->priv->read_done = true;
    reader_ctx r = { .img = img, .view = view, .consumers = consumers,
                     .nconsumers = nconsumers };
    atomic_init(&r.total, 0);
    atomic_init(&r.spare, 0);
    r.jobs = imgb_xcalloc(img->nlayers ? img->nlayers : 1, sizeof *r.jobs);
    int jobs = img->priv->opts.jobs > 0 ? img->priv->opts.jobs : default_jobs();
    /* A spare core decodes while the tar is parsed: streamed archives (and pipes read as
     * they come) parse one layer at a time, seekable ones as many as there are jobs. */
    int kind = img->priv->src.kind;
    bool piped = kind == SRC_FD && !imgb_fdsrc_at_end(&img->priv->src);
    r.pipeline = jobs >= 2 && (kind == SRC_STREAM || piped || (size_t)jobs > img->nlayers);
    int rc = kind == SRC_STREAM ? read_stream(&r, 2 * (size_t)jobs)
             : piped            ? read_fd(&r)
                                : read_seekable(&r, jobs);
    if (rc == 0 && kind == SRC_FD)
        rc = imgb_fdsrc_drain(&img->priv->src);
    if (rc == 0)
        rc = refill(&r);
    if (rc == 0 && img->priv->src.cut && !img->truncated_why) {
        img->truncated = true;
        img->truncated_why = imgb_xstrdup(img->priv->src.cut); /* the gate's reason says it */
    }
    free(r.jobs);
    /* entries the view skipped (below a file, dangling hardlink, content caps) */
    for (size_t i = 0; i < imgb_view_warning_count(view); i++)
        imgb_image_warn(img, imgb_xstrdup(imgb_view_warning_at(view, i)));
    return rc;
}

void imgb_image_read_stats(const imgb_image *img, imgb_read_stats *out)
{
    const img_counters *k = &img->priv->counters;
    out->bytes_read = atomic_load(&k->bytes_read);
    out->bytes_inflated = atomic_load(&k->bytes_inflated);
    out->bytes_parsed = atomic_load(&k->bytes_parsed);
    out->passes = atomic_load(&k->passes);
    out->inflate_ms = (double)atomic_load(&k->inflate_ns) / 1e6;
    out->verify_ms = (double)atomic_load(&k->verify_ns) / 1e6;
    out->apply_ms = (double)atomic_load(&k->apply_ns) / 1e6;
}
