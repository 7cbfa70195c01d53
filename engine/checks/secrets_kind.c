/*
 * The `secret` check kind (ak_leak): registers the matcher of secrets.c as a content consumer
 * on the image reader (one matcher stream per layer, on the reader's worker threads), merges
 * the findings per layer in layer order, and turns them into evidence: the file, line or
 * offset, the masked secret, the layer that added the file and the layer that deleted or
 * overwrote it (the view's removed list), and that layer's digest.
 *
 * Tests: tests/test_secrets.c (end-to-end cases).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "checks/secrets.h"
#include "util/limits.h"
#include "util/mem.h"

typedef struct secret_scan {
    const imgb_secret_rules *rules;
    imgb_consumer consumer;
    pthread_mutex_t lock;
    imgb_ptrvec live;                /* layer states begun and not yet ended */
    imgb_secret_finding *found;
    size_t nfound, capfound;
    size_t truncated_files, dropped, regex_errors;
    uint64_t files, bytes;
    int layers;
} secret_scan;

typedef struct secret_layer {
    secret_scan *scan;
    imgb_secret_stream *stream;
    int layer;
} secret_layer;

static void *secret_layer_begin(void *payload, int layer, const imgb_layer_info *info)
{
    (void)info;
    secret_scan *sc = payload;
    secret_layer *ls = imgb_xcalloc(1, sizeof *ls);
    ls->scan = sc;
    ls->layer = layer;
    ls->stream = imgb_secret_stream_new(sc->rules, true);
    pthread_mutex_lock(&sc->lock);
    imgb_ptrvec_push(&sc->live, ls);
    pthread_mutex_unlock(&sc->lock);
    return ls;
}

static bool secret_file_begin(void *layer_state, const imgb_entry *e)
{
    secret_layer *ls = layer_state;
    if (e->type != IMGB_FT_REG)
        return false;
    const char *base = strrchr(e->path, '/');
    base = base ? base + 1 : e->path;
    if (strncmp(base, ".wh.", 4) == 0)
        return false;
    return imgb_secret_stream_begin(ls->stream, e->path, ls->layer);
}

static int secret_file_data(void *layer_state, const unsigned char *buf, size_t len,
                            uint64_t offset)
{
    (void)offset;
    secret_layer *ls = layer_state;
    imgb_secret_stream_data(ls->stream, buf, len);
    return 0;
}

static int secret_file_end(void *layer_state)
{
    secret_layer *ls = layer_state;
    imgb_secret_stream_end(ls->stream);
    return 0;
}

static void secret_layer_free(void *p)
{
    secret_layer *ls = p;
    if (!ls)
        return;
    imgb_secret_stream_free(ls->stream);
    free(ls);
}

static int secret_layer_end(void *payload, void *layer_state, int layer)
{
    (void)layer;
    secret_scan *sc = payload;
    secret_layer *ls = layer_state;
    size_t n;
    imgb_secret_finding *f = imgb_secret_stream_take(ls->stream, &n);
    pthread_mutex_lock(&sc->lock);
    for (size_t i = 0; i < n; i++) {
        if (sc->nfound >= IMGB_SECRET_MAX_FINDINGS) {
            sc->dropped++;
            imgb_secret_finding_dispose(&f[i]);
            continue;
        }
        if (sc->nfound == sc->capfound) {
            sc->capfound = sc->capfound ? sc->capfound * 2 : 16;
            sc->found = imgb_xrealloc(sc->found, sc->capfound * sizeof *sc->found);
        }
        sc->found[sc->nfound++] = f[i];
    }
    sc->truncated_files += imgb_secret_stream_truncated_files(ls->stream);
    sc->files += imgb_secret_stream_files(ls->stream);
    sc->bytes += imgb_secret_stream_bytes(ls->stream);
    sc->layers++;
    sc->dropped += imgb_secret_stream_dropped(ls->stream);
    sc->regex_errors += imgb_secret_stream_regex_errors(ls->stream);
    for (size_t i = 0; i < sc->live.len; i++)
        if (sc->live.items[i] == ls) {
            sc->live.items[i] = sc->live.items[--sc->live.len];
            break;
        }
    pthread_mutex_unlock(&sc->lock);
    free(f);
    secret_layer_free(ls);
    return 0;
}

static int kind_secret_compile(const json_t *params, void **compiled)
{
    imgb_secret_rules *r;
    int rc = imgb_secret_rules_compile(params, &r);
    *compiled = rc < 0 ? NULL : r;
    return rc;
}

static void kind_secret_prepare(const void *compiled, imgb_scan_setup *setup, void **scan_state)
{
    secret_scan *sc = imgb_xcalloc(1, sizeof *sc);
    sc->rules = compiled;
    pthread_mutex_init(&sc->lock, NULL);
    sc->consumer.payload = sc;
    sc->consumer.layer_begin = secret_layer_begin;
    sc->consumer.file_begin = secret_file_begin;
    sc->consumer.file_data = secret_file_data;
    sc->consumer.file_end = secret_file_end;
    sc->consumer.layer_end = secret_layer_end;
    *scan_state = sc;
    if (setup && setup->add_consumer)
        setup->add_consumer(setup, &sc->consumer);
}

static int finding_cmp(const void *a, const void *b)
{
    const imgb_secret_finding *x = a, *y = b;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Attach the layer that deleted or overwrote each finding's file (view's removed list). */
static void mark_removed(secret_scan *sc, const imgb_view *view)
{
    if (!view)
        return;
    size_t n = imgb_view_removed_count(view);
    for (size_t i = 0; i < n; i++) {
        const imgb_removed *rm = imgb_view_removed_at(view, i);
        for (size_t j = 0; j < sc->nfound; j++) {
            imgb_secret_finding *f = &sc->found[j];
            if (f->layer == rm->layer_added && f->layer_removed < 0 &&
                strcmp(f->path + 1, rm->path) == 0)
                f->layer_removed = rm->layer_removed;
        }
    }
}

static int kind_secret_evaluate(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                                imgb_item_result *out)
{
    (void)compiled;
    secret_scan *sc = scan_state;
    if (!sc) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xstrdup("image content was not scanned (no content consumer)");
        ev->verdict = IMGB_V_ERROR;
        out->verdict = IMGB_V_ERROR;
        return 0;
    }
    if (sc->nfound > 1) /* qsort(NULL, 0) is undefined */
        qsort(sc->found, sc->nfound, sizeof *sc->found, finding_cmp);
    mark_removed(sc, ctx ? ctx->view : NULL);
    out->verdict = sc->nfound ? IMGB_V_FAIL : IMGB_V_PASS;
    if (!sc->nfound) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xasprintf("no secret in %llu files (%.1f MB) of %d layers, deleted "
                                     "and overwritten files included",
                                     (unsigned long long)sc->files, (double)sc->bytes / 1e6,
                                     sc->layers);
        ev->verdict = IMGB_V_PASS;
    }
    for (size_t i = 0; i < sc->nfound; i++) {
        const imgb_secret_finding *f = &sc->found[i];
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->file = imgb_xstrdup(f->path);
        ev->line = f->line;
        ev->offset = f->binary ? (int64_t)f->offset : -1;
        ev->value = imgb_xstrdup(f->masked);
        ev->source = f->binary ? imgb_xasprintf("%s@%llu", f->path, (unsigned long long)f->offset)
                               : imgb_xasprintf("%s:%d", f->path, f->line);
        ev->expected = imgb_xasprintf("no %s in image content", f->title);
        ev->layer = f->layer;
        ev->layer_removed = f->layer_removed;
        const imgb_image *img = ctx ? ctx->image : NULL;
        if (img && f->layer >= 0 && (size_t)f->layer < img->nlayers && img->layers[f->layer].digest)
            ev->layer_digest = imgb_xstrdup(img->layers[f->layer].digest);
        imgb_buf m = IMGB_BUF_INIT;
        imgb_buf_printf(&m, "%s (%s) %s in %s", f->title, f->rule_id, f->masked, ev->source);
        imgb_buf_printf(&m, ", added by layer %d", f->layer);
        if (f->layer_removed >= 0)
            imgb_buf_printf(&m, ", still in the image although layer %d %s it",
                            f->layer_removed, "removed or replaced");
        ev->message = imgb_buf_detach(&m);
        ev->verdict = IMGB_V_FAIL;
    }
    if (sc->dropped || sc->truncated_files) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xasprintf("%zu more findings not listed (limit %d), %zu files scanned "
                                     "only up to %llu bytes", sc->dropped,
                                     IMGB_SECRET_MAX_FINDINGS, sc->truncated_files,
                                     (unsigned long long)imgb_secret_rules_max_file_bytes(sc->rules));
        ev->verdict = sc->dropped ? IMGB_V_FAIL : IMGB_V_INCOMPLETE;
    }
    if (sc->regex_errors) {
        imgb_evidence *ev = imgb_result_add_evidence(out);
        ev->message = imgb_xasprintf("%zu pattern runs stopped at the PCRE2 match limit: that "
                                     "text was not judged", sc->regex_errors);
        ev->verdict = IMGB_V_ERROR;
    }
    /* nothing found is no pass when a pattern stopped unjudged (files past the scan limit
     * stay a noted pass: large binaries are common and scanned up to 256 MiB) */
    if (!sc->nfound && sc->regex_errors)
        out->verdict = IMGB_V_ERROR;
    return 0;
}

static void kind_secret_free_scan_state(void *scan_state)
{
    secret_scan *sc = scan_state;
    if (!sc)
        return;
    imgb_ptrvec_dispose(&sc->live, secret_layer_free);
    for (size_t i = 0; i < sc->nfound; i++)
        imgb_secret_finding_dispose(&sc->found[i]);
    free(sc->found);
    pthread_mutex_destroy(&sc->lock);
    free(sc);
}

static void kind_secret_free(void *compiled)
{
    imgb_secret_rules_free(compiled);
}

/* Parameters besides `kind` (the loader refuses any other). */
static const char *const secret_keys[] = { "paths", "exclude_paths", "patterns", "allow", "max_file_bytes", NULL };

const imgb_check_kind imgb_kind_secret = {
    .name = "secret",
    .keys = secret_keys,
    .compile = kind_secret_compile,
    .prepare = kind_secret_prepare,
    .evaluate = kind_secret_evaluate,
    .free_scan_state = kind_secret_free_scan_state,
    .free = kind_secret_free,
};
