/*
 * imgb_image_open: detect the archive format, select the image and platform, read and
 * verify the manifest and config.
 *
 * Formats (no flag needed):
 *   docker-archive      legacy `docker save`: manifest.json [{Config, RepoTags, Layers}],
 *                       "<hex>.json" config, "<id>/layer.tar" or "<hex>.tar" layers
 *                       (moby image/tarexport);
 *   docker-archive+oci  Docker 25+ `docker save`: the same manifest.json pointing into an
 *                       OCI layout (blobs/sha256/...), index.json carrying the manifests;
 *   oci-archive/oci-dir an OCI image layout (image-spec v1.1 image-layout.md): index.json ->
 *                       [nested index ->] manifest -> config + layers.
 * Image selection: --image matches a RepoTag ("name:tag", also with "docker.io/library/"
 * left out), an OCI ref.name or io.containerd.image.name annotation, or a config/manifest
 * digest (prefix of at least 12 hex digits).
 * Digests: manifest_digest is the digest of the manifest blob; legacy archives have none,
 * so there it is the sha256 of the selected manifest.json entry serialised compactly with
 * sorted keys (json_dumps JSON_COMPACT|JSON_SORT_KEYS).  image_id is the hex of the config
 * digest, which is what `docker images` shows as IMAGE ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "image/image_priv.h"
#include "util/error.h"
#include "util/limits.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define ANN_REF "org.opencontainers.image.ref.name"
#define ANN_CONTAINERD "io.containerd.image.name"
#define MIN_ID_PREFIX 12

static void strvec_push(char ***v, size_t *n, const char *s)
{
    *v = imgb_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = imgb_xstrdup(s);
}

static void strvec_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Bytes of image names quoted in one error message (it must stay one readable line within
 * IMGB_ERROR_MAX: a 1,000-image archive was cut mid-word). */
#define JOIN_LIST_MAX 480

/* "a, b, c" or "a, b and 998 more"; whole names only. */
static char *join_list(char **v, size_t n)
{
    imgb_buf b = IMGB_BUF_INIT;
    size_t i = 0;
    for (; i < n; i++) {
        if (i && b.len + 2 + strlen(v[i]) > JOIN_LIST_MAX)
            break;
        if (i)
            imgb_buf_puts(&b, ", ");
        imgb_buf_puts(&b, v[i]);
    }
    if (i < n)
        imgb_buf_printf(&b, " and %zu more", n - i);
    if (!n)
        imgb_buf_puts(&b, "(none)");
    return imgb_buf_detach(&b);
}

void imgb_image_warn(imgb_image *img, char *msg)
{
    img->warnings = imgb_xrealloc(img->warnings, (img->nwarnings + 1) * sizeof *img->warnings);
    img->warnings[img->nwarnings++] = msg;
}

/* Read a JSON member, optionally checking its digest; `what` names it in errors. */
static int load_json(imgb_image *img, const char *name, const char *digest, const char *what,
                     json_t **out)
{
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = imgb_src_read_small(&img->priv->src, name, IMGB_MAX_JSON_BYTES, &data, &len);
    if (rc) {
        if (rc == IMGB_ENOTFOUND)
            return imgb_error_set(rc, "%s: the %s '%s' is missing from the archive", img->path,
                                  what, name);
        return rc;
    }
    if (digest && !img->priv->opts.no_verify) {
        char *got = imgb_digest_of(data, len);
        if (strcmp(got, digest) != 0) {
            rc = imgb_error_set(IMGB_EDIGEST, "%s: %s blob %s does not match its digest: "
                                "expected %s, got %s", img->path, what, name, digest, got);
            free(got);
            free(data);
            return rc;
        }
        free(got);
    }
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
    free(data);
    if (!j)
        return imgb_error_set(IMGB_EFORMAT, "%s: %s '%s' is not valid JSON: line %d: %s",
                              img->path, what, name, jerr.line, jerr.text);
    *out = j;
    return 0;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *blob_path(const char *digest)
{
    return imgb_xasprintf("blobs/sha256/%s", digest + 7);
}

static bool ref_matches(const char *want, const char *ref)
{
    if (!ref)
        return false;
    if (strcmp(want, ref) == 0)
        return true;
    static const char *const prefixes[] = { "docker.io/library/", "docker.io/" };
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(ref, prefixes[i], n) == 0 && strcmp(ref + n, want) == 0)
            return true;
        if (strncmp(want, prefixes[i], n) == 0 && strcmp(want + n, ref) == 0)
            return true;
    }
    /* "name" means "name:latest" */
    size_t wl = strlen(want);
    if (!strchr(want, ':') && strncmp(ref, want, wl) == 0 && strcmp(ref + wl, ":latest") == 0)
        return true;
    return false;
}

static bool digest_matches(const char *want, const char *digest)
{
    if (!digest)
        return false;
    const char *w = strncmp(want, "sha256:", 7) == 0 ? want + 7 : want;
    size_t n = strlen(w);
    return n >= MIN_ID_PREFIX && n <= 64 && strncmp(digest + 7, w, n) == 0;
}

/* ---- config ------------------------------------------------------------------------------ */

static int parse_config(imgb_image *img, json_t *cfg, const char *name)
{
    img->config = cfg;
    if (!json_is_object(cfg))
        return imgb_error_set(IMGB_EFORMAT, "%s: config %s is not a JSON object", img->path,
                              name);
    const char *s;
    if ((s = jstr(cfg, "os")))
        img->os = imgb_xstrdup(s);
    if ((s = jstr(cfg, "architecture")))
        img->arch = imgb_xstrdup(s);
    if ((s = jstr(cfg, "variant")))
        img->variant = imgb_xstrdup(s);
    if ((s = jstr(cfg, "created")))
        img->created = imgb_xstrdup(s);
    json_t *ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    if (!json_is_array(ids))
        return imgb_error_set(IMGB_EFORMAT, "%s: config %s has no rootfs.diff_ids array",
                              img->path, name);
    if (json_array_size(ids) != img->nlayers)
        return imgb_error_set(IMGB_EFORMAT, "%s: config %s lists %zu diff_ids for %zu layers",
                              img->path, name, json_array_size(ids), img->nlayers);
    for (size_t i = 0; i < img->nlayers; i++) {
        const char *d = json_string_value(json_array_get(ids, i));
        if (!imgb_digest_valid(d))
            return imgb_error_set(IMGB_EFORMAT, "%s: config %s: diff_id %zu is not a sha256 "
                                  "digest", img->path, name, i);
        img->layers[i].diff_id = imgb_xstrdup(d);
    }
    json_t *hist = json_object_get(cfg, "history");
    size_t nh = json_is_array(hist) ? json_array_size(hist) : 0;
    img->history = imgb_xcalloc(nh ? nh : 1, sizeof *img->history);
    size_t layer = 0;
    for (size_t i = 0; i < nh; i++) {
        json_t *h = json_array_get(hist, i);
        imgb_history *o = &img->history[img->nhistory++];
        if ((s = jstr(h, "created_by")))
            o->created_by = imgb_xstrdup(s);
        if ((s = jstr(h, "created")))
            o->created = imgb_xstrdup(s);
        if ((s = jstr(h, "comment")))
            o->comment = imgb_xstrdup(s);
        o->empty_layer = json_is_true(json_object_get(h, "empty_layer"));
        o->layer = -1;
        if (!o->empty_layer && layer < img->nlayers) {
            o->layer = (int)layer;
            img->layers[layer].history_index = (int)i;
            layer++;
        }
    }
    return 0;
}

static int alloc_layers(imgb_image *img, size_t n)
{
    if (n > IMGB_MAX_LAYERS)
        return imgb_error_set(IMGB_ELIMIT, "%s: %zu layers, more than the %u allowed",
                              img->path, n, IMGB_MAX_LAYERS);
    img->nlayers = n;
    img->layers = imgb_xcalloc(n ? n : 1, sizeof *img->layers);
    img->priv->layer_names = imgb_xcalloc(n ? n : 1, sizeof *img->priv->layer_names);
    for (size_t i = 0; i < n; i++) {
        img->layers[i].history_index = -1;
        img->layers[i].compression = "unknown";
    }
    return 0;
}

/* Check that every layer is present and record its size. */
static int check_layers_present(imgb_image *img)
{
    for (size_t i = 0; i < img->nlayers; i++) {
        uint64_t size = 0;
        const char *name = img->priv->layer_names[i];
        if (!imgb_src_exists(&img->priv->src, name, &size))
            return imgb_error_set(IMGB_ENOTFOUND, "%s: the manifest names layer %zu '%s' "
                                  "which is not in the archive", img->path, i, name);
        if (img->layers[i].compressed_size && img->layers[i].compressed_size != size &&
            !img->priv->opts.no_verify)
            return imgb_error_set(IMGB_EDIGEST, "%s: layer %zu '%s' is %llu bytes but its "
                                  "descriptor says %llu", img->path, i, name,
                                  (unsigned long long)size,
                                  (unsigned long long)img->layers[i].compressed_size);
        img->layers[i].compressed_size = size;
    }
    return 0;
}

/*
 * A descriptor's "size", when present, is a byte count no larger than what the blob may be
 * (a descriptor claiming 2^62 bytes is a lie or a bomb: refused before anything is read).
 */
static int desc_size_check(const imgb_image *img, const char *manifest, const char *what,
                           const json_t *sz, uint64_t max)
{
    if (!sz)
        return 0;
    if (!json_is_integer(sz) || json_integer_value(sz) < 0)
        return imgb_error_set(IMGB_EFORMAT, "%s: manifest %s: %s descriptor size is not a "
                              "non-negative integer", img->path, manifest, what);
    if ((uint64_t)json_integer_value(sz) > max)
        return imgb_error_set(IMGB_ELIMIT, "%s: manifest %s: %s descriptor size %lld is over "
                              "the limit of %llu bytes", img->path, manifest, what,
                              (long long)json_integer_value(sz), (unsigned long long)max);
    return 0;
}

/* ---- OCI manifests ----------------------------------------------------------------------- */

/* A leaf manifest reachable from index.json. */
typedef struct candidate {
    char *digest;
    char *ref;          /* nearest ref.name (or containerd name) annotation */
    char *platform;     /* "os/arch[/variant]" or NULL */
} candidate;

typedef struct cand_list {
    candidate *v;
    size_t n;
} cand_list;

static char *platform_of(json_t *p)
{
    const char *os = jstr(p, "os"), *arch = jstr(p, "architecture"), *var = jstr(p, "variant");
    if (!os || !arch)
        return NULL;
    return var ? imgb_xasprintf("%s/%s/%s", os, arch, var) : imgb_xasprintf("%s/%s", os, arch);
}

static int collect(imgb_image *img, json_t *index, const char *ref, int depth, cand_list *out)
{
    if (depth > IMGB_MAX_INDEX_DEPTH)
        return imgb_error_set(IMGB_ELIMIT, "%s: image indexes nested more than %d deep",
                              img->path, IMGB_MAX_INDEX_DEPTH);
    json_t *mans = json_object_get(index, "manifests");
    if (!json_is_array(mans))
        return imgb_error_set(IMGB_EFORMAT, "%s: image index has no manifests array",
                              img->path);
    size_t i;
    json_t *d;
    json_array_foreach(mans, i, d) {
        const char *digest = jstr(d, "digest");
        const char *mt = jstr(d, "mediaType");
        if (!imgb_digest_valid(digest))
            return imgb_error_set(IMGB_EFORMAT, "%s: index entry %zu has no valid sha256 "
                                  "digest", img->path, i);
        json_t *ann = json_object_get(d, "annotations");
        const char *r = jstr(ann, ANN_REF);
        const char *cr = jstr(ann, ANN_CONTAINERD);
        const char *myref = cr ? cr : r ? r : ref;
        if (mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0)) {
            char *name = blob_path(digest);
            json_t *sub = NULL;
            int rc = load_json(img, name, digest, "image index", &sub);
            free(name);
            if (rc)
                return rc;
            rc = collect(img, sub, myref, depth + 1, out);
            json_decref(sub);
            if (rc)
                return rc;
            continue;
        }
        out->v = imgb_xrealloc(out->v, (out->n + 1) * sizeof *out->v);
        candidate *c = &out->v[out->n++];
        c->digest = imgb_xstrdup(digest);
        c->ref = myref ? imgb_xstrdup(myref) : NULL;
        c->platform = platform_of(json_object_get(d, "platform"));
    }
    return 0;
}

static void cand_dispose(cand_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].digest);
        free(l->v[i].ref);
        free(l->v[i].platform);
    }
    free(l->v);
}

static bool platform_matches(const char *want, const char *have)
{
    if (!have)
        return false;
    if (strcmp(want, have) == 0)
        return true;
    /* "linux/arm64" matches "linux/arm64/v8"; "linux/arm" does not pick a variant for you
     * only when several exist (the caller takes the first match). */
    size_t n = strlen(want);
    return strncmp(want, have, n) == 0 && have[n] == '/';
}

/* Pick one leaf manifest according to --image and --platform. */
static int select_candidate(imgb_image *img, cand_list *l, const candidate **out)
{
    const imgb_read_options *o = &img->priv->opts;
    for (size_t i = 0; i < l->n; i++) {
        const char *r = l->v[i].ref ? l->v[i].ref : l->v[i].digest;
        bool dup = false;
        for (size_t k = 0; k < img->nall_refs; k++)
            dup |= strcmp(img->all_refs[k], r) == 0;
        if (!dup)
            strvec_push(&img->all_refs, &img->nall_refs, r);
    }
    /* by reference */
    size_t keep = 0;
    for (size_t i = 0; i < l->n; i++) {
        bool ok = !o->image_ref || ref_matches(o->image_ref, l->v[i].ref) ||
                  digest_matches(o->image_ref, l->v[i].digest);
        if (ok)
            l->v[keep++] = l->v[i];
        else {
            free(l->v[i].digest);
            free(l->v[i].ref);
            free(l->v[i].platform);
        }
    }
    l->n = keep;
    if (!l->n) {
        char *all = join_list(img->all_refs, img->nall_refs);
        int rc = imgb_error_set(IMGB_ENOTFOUND, "%s: no image '%s' in the archive; it holds: "
                                "%s", img->path, o->image_ref, all);
        free(all);
        return rc;
    }
    const char *first_ref = l->v[0].ref;
    for (size_t i = 1; i < l->n; i++) {
        const char *r = l->v[i].ref;
        bool same = (!r && !first_ref) || (r && first_ref && strcmp(r, first_ref) == 0);
        if (!same) {
            char *all = join_list(img->all_refs, img->nall_refs);
            int rc = imgb_error_set(IMGB_EAMBIGUOUS, "%s: the archive holds several images, "
                                    "choose one with --image: %s", img->path, all);
            free(all);
            return rc;
        }
    }
    if (l->n == 1 && (!o->platform || !l->v[0].platform ||
                      platform_matches(o->platform, l->v[0].platform))) {
        *out = &l->v[0];
        return 0;
    }
    const char *want = o->platform ? o->platform : "linux/amd64";
    for (size_t i = 0; i < l->n; i++)
        if (platform_matches(want, l->v[i].platform)) {
            *out = &l->v[i];
            return 0;
        }
    imgb_buf b = IMGB_BUF_INIT;
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            imgb_buf_puts(&b, ", ");
        imgb_buf_puts(&b, l->v[i].platform ? l->v[i].platform : "(unspecified)");
    }
    int rc = imgb_error_set(IMGB_EAMBIGUOUS, "%s: no %s image; platforms available (use "
                            "--platform): %s", img->path, want, b.ptr);
    imgb_buf_dispose(&b);
    return rc;
}

/* Read an OCI manifest blob and fill layers and config (shared by OCI and Docker 25+). */
static int load_oci_manifest(imgb_image *img, const char *digest)
{
    char *name = blob_path(digest);
    json_t *m = NULL;
    int rc = load_json(img, name, digest, "manifest", &m);
    free(name);
    if (rc)
        return rc;
    img->manifest_digest = imgb_xstrdup(digest);
    /* kept for the base-image boundary (org.opencontainers.image.base.*) */
    json_t *ann = json_object_get(m, "annotations");
    if (json_is_object(ann))
        img->annotations = json_incref(ann);
    json_t *cfgd = json_object_get(m, "config");
    json_t *layers = json_object_get(m, "layers");
    const char *cdig = jstr(cfgd, "digest");
    if (!imgb_digest_valid(cdig) || !json_is_array(layers)) {
        json_decref(m);
        return imgb_error_set(IMGB_EFORMAT, "%s: manifest %s has no valid config digest or "
                              "layers array", img->path, digest);
    }
    if ((rc = desc_size_check(img, digest, "config", json_object_get(cfgd, "size"),
                              IMGB_MAX_JSON_BYTES)) != 0) {
        json_decref(m);
        return rc;
    }
    free(img->config_digest);
    img->config_digest = imgb_xstrdup(cdig);
    if ((rc = alloc_layers(img, json_array_size(layers))) != 0)
        goto done;
    for (size_t i = 0; i < img->nlayers; i++) {
        json_t *l = json_array_get(layers, i);
        const char *ld = jstr(l, "digest");
        if (!imgb_digest_valid(ld)) {
            rc = imgb_error_set(IMGB_EFORMAT, "%s: manifest %s: layer %zu has no valid sha256 "
                                "digest", img->path, digest, i);
            goto done;
        }
        img->layers[i].digest = imgb_xstrdup(ld);
        const char *mt = jstr(l, "mediaType");
        img->layers[i].media_type = mt ? imgb_xstrdup(mt) : NULL;
        json_t *sz = json_object_get(l, "size");
        char what[64];
        snprintf(what, sizeof what, "layer %zu", i);
        if ((rc = desc_size_check(img, digest, what, sz, IMGB_MAX_TOTAL_BYTES)) != 0)
            goto done;
        if (sz)
            img->layers[i].compressed_size = (uint64_t)json_integer_value(sz);
        img->priv->layer_names[i] = blob_path(ld);
    }
done:
    json_decref(m);
    return rc;
}

static int open_config(imgb_image *img, const char *name)
{
    json_t *cfg = NULL;
    int rc = load_json(img, name, img->config_digest, "config", &cfg);
    if (rc)
        return rc;
    img->image_id = imgb_xstrdup(img->config_digest + 7);
    return parse_config(img, cfg, name);
}

static int open_oci(imgb_image *img)
{
    json_t *index = NULL;
    int rc = load_json(img, "index.json", NULL, "image index", &index);
    if (rc)
        return rc;
    cand_list l = { 0 };
    const candidate *c = NULL;
    if ((rc = collect(img, index, NULL, 0, &l)) != 0 || (rc = select_candidate(img, &l, &c)))
        goto done;
    if (c->ref)
        strvec_push(&img->refs, &img->nrefs, c->ref);
    if ((rc = load_oci_manifest(img, c->digest)) != 0)
        goto done;
    char *cname = blob_path(img->config_digest);
    rc = open_config(img, cname);
    free(cname);
done:
    cand_dispose(&l);
    json_decref(index);
    return rc;
}

/* ---- docker-archive ---------------------------------------------------------------------- */

/* Docker 25+: the OCI manifest whose config is ours, from index.json (for media types and
 * the real manifest digest).  Not finding it is fine: manifest.json alone is enough. */
static char *docker_oci_manifest(imgb_image *img, const char *config_digest)
{
    json_t *index = NULL;
    if (load_json(img, "index.json", NULL, "image index", &index) != 0) {
        imgb_error_clear();
        return NULL;
    }
    cand_list l = { 0 };
    char *found = NULL;
    if (collect(img, index, NULL, 0, &l) == 0) {
        for (size_t i = 0; i < l.n && !found; i++) {
            char *name = blob_path(l.v[i].digest);
            json_t *m = NULL;
            if (load_json(img, name, l.v[i].digest, "manifest", &m) == 0) {
                const char *cd = jstr(json_object_get(m, "config"), "digest");
                if (cd && strcmp(cd, config_digest) == 0)
                    found = imgb_xstrdup(l.v[i].digest);
                json_decref(m);
            }
            free(name);
        }
    }
    imgb_error_clear();
    cand_dispose(&l);
    json_decref(index);
    return found;
}

/* The config digest named by a manifest.json Config path ("<hex>.json", "blobs/sha256/<hex>"). */
static char *digest_from_name(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    char *d = imgb_xasprintf("sha256:%.*s", 64, base);
    if (!imgb_digest_valid(d)) {
        free(d);
        return NULL;
    }
    return d;
}

/* The manifest.json entry --image names (or the only one); every tag goes to all_refs. */
static int docker_select(imgb_image *img, json_t *man, json_t **out)
{
    const imgb_read_options *o = &img->priv->opts;
    json_t *sel = NULL;
    size_t nmatch = 0;
    size_t i;
    json_t *e;
    if (!json_is_array(man) || json_array_size(man) == 0)
        return imgb_error_set(IMGB_EFORMAT, "%s: manifest.json is not a non-empty array",
                              img->path);
    json_array_foreach(man, i, e) {
        json_t *tags = json_object_get(e, "RepoTags");
        const char *cfg = jstr(e, "Config");
        char *cd = cfg ? digest_from_name(cfg) : NULL;
        bool match = !o->image_ref || digest_matches(o->image_ref, cd);
        size_t k;
        json_t *t;
        size_t ntags = json_is_array(tags) ? json_array_size(tags) : 0;
        json_array_foreach(tags, k, t) {
            if (json_is_string(t)) {
                strvec_push(&img->all_refs, &img->nall_refs, json_string_value(t));
                match |= o->image_ref && ref_matches(o->image_ref, json_string_value(t));
            }
        }
        if (!ntags)
            strvec_push(&img->all_refs, &img->nall_refs, cd ? cd : "(untagged)");
        free(cd);
        if (match) {
            if (!sel)
                sel = e;
            nmatch++;
        }
    }
    if (!sel || nmatch > 1) {
        char *all = join_list(img->all_refs, img->nall_refs);
        int rc = !sel ? imgb_error_set(IMGB_ENOTFOUND, "%s: no image '%s' in the archive; it "
                                       "holds: %s", img->path, o->image_ref, all)
                      : imgb_error_set(IMGB_EAMBIGUOUS, "%s: the archive holds several images, "
                                       "choose one with --image: %s", img->path, all);
        free(all);
        return rc;
    }
    json_t *tags = json_object_get(sel, "RepoTags");
    json_array_foreach(tags, i, e)
        if (json_is_string(e))
            strvec_push(&img->refs, &img->nrefs, json_string_value(e));
    *out = sel;
    return 0;
}

/*
 * Layers and manifest digest of the selected entry: from the OCI manifest a Docker 25+
 * archive carries (media types, the real manifest digest), else the legacy way (digest of
 * the entry itself, layers known only by their member names).
 */
static int docker_manifest(imgb_image *img, json_t *sel, const char *cfg, size_t nlayers)
{
    bool oci = imgb_src_exists(&img->priv->src, "index.json", NULL) ||
               imgb_src_exists(&img->priv->src, "oci-layout", NULL);
    char *mdig = oci ? docker_oci_manifest(img, img->config_digest) : NULL;
    if (!mdig) {
        img->format = oci ? "docker-archive+oci" : "docker-archive";
        char *text = json_dumps(sel, JSON_COMPACT | JSON_SORT_KEYS);
        img->manifest_digest = imgb_digest_of(text, strlen(text));
        free(text);
        return alloc_layers(img, nlayers);
    }
    img->format = "docker-archive+oci";
    int rc = load_oci_manifest(img, mdig);
    free(mdig);
    if (rc)
        return rc;
    if (img->nlayers != nlayers)
        return imgb_error_set(IMGB_EFORMAT, "%s: manifest.json and the OCI manifest disagree "
                              "on the number of layers", img->path);
    free(img->config_digest);
    img->config_digest = digest_from_name(cfg);
    return 0;
}

/* manifest.json names the layers by member: those names are what the reader opens. */
static int docker_layer_names(imgb_image *img, json_t *layers)
{
    size_t i;
    json_t *e;
    json_array_foreach(layers, i, e) {
        const char *ln = json_string_value(e);
        if (!ln)
            return imgb_error_set(IMGB_EFORMAT, "%s: manifest.json layer %zu is not a string",
                                  img->path, i);
        free(img->priv->layer_names[i]);
        img->priv->layer_names[i] = imgb_xstrdup(ln);
    }
    return 0;
}

static int open_docker(imgb_image *img)
{
    json_t *man = NULL;
    json_t *sel = NULL;
    int rc = load_json(img, "manifest.json", NULL, "manifest", &man);
    if (rc)
        return rc;
    if ((rc = docker_select(img, man, &sel)) != 0)
        goto done;
    const char *cfg = jstr(sel, "Config");
    json_t *layers = json_object_get(sel, "Layers");
    if (!cfg || !json_is_array(layers)) {
        rc = imgb_error_set(IMGB_EFORMAT, "%s: manifest.json entry has no Config or Layers",
                            img->path);
        goto done;
    }
    img->config_digest = digest_from_name(cfg);
    if (!img->config_digest) {
        rc = imgb_error_set(IMGB_EFORMAT, "%s: manifest.json Config '%s' is not named after "
                            "its sha256 digest", img->path, cfg);
        goto done;
    }
    if ((rc = docker_manifest(img, sel, cfg, json_array_size(layers))) != 0 ||
        (rc = docker_layer_names(img, layers)) != 0 || (rc = open_config(img, cfg)) != 0)
        goto done;
    /* Legacy layers carry no blob digest: they are uncompressed, so the digest is the
     * diff_id (read.c replaces it by the computed one if the blob turns out compressed). */
    for (size_t i = 0; i < img->nlayers; i++)
        if (!img->layers[i].digest)
            img->layers[i].digest = imgb_xstrdup(img->layers[i].diff_id);
done:
    json_decref(man);
    return rc;
}

/* An explicit --platform must match the selected image's config (os/arch, and the variant
 * when both sides name one), whatever the format. */
static int check_platform(imgb_image *img)
{
    const char *want = img->priv->opts.platform;
    if (!want || !img->os || !img->arch)
        return 0;
    size_t ol = strlen(img->os), al = strlen(img->arch);
    bool ok = strncmp(want, img->os, ol) == 0 && want[ol] == '/' &&
              strncmp(want + ol + 1, img->arch, al) == 0 &&
              (want[ol + 1 + al] == '\0' ||
               (want[ol + 1 + al] == '/' &&
                (!img->variant || strcmp(want + ol + 2 + al, img->variant) == 0)));
    if (ok)
        return 0;
    return imgb_error_set(IMGB_ENOTFOUND, "%s: no %s image; the image is %s/%s%s%s", img->path,
                          want, img->os, img->arch, img->variant ? "/" : "",
                          img->variant ? img->variant : "");
}

/* ---- open / free ------------------------------------------------------------------------- */

static int open_format(imgb_image *img)
{
    img_source *src = &img->priv->src;
    int rc;
    if (imgb_src_exists(src, "manifest.json", NULL) && src->kind != SRC_REGISTRY) {
        rc = open_docker(img);
    } else if (imgb_src_exists(src, "index.json", NULL)) {
        img->format = src->kind == SRC_DIR ? "oci-dir"
                    : src->kind == SRC_REGISTRY ? "registry" : "oci-archive";
        rc = open_oci(img);
    } else {
        rc = imgb_error_set(IMGB_EFORMAT, "%s: not an image: no manifest.json or index.json",
                            img->path);
    }
    if (rc == 0)
        rc = check_platform(img);
    /* a pipe's later layers are not seen yet (unless it was read to the end), a registry's
     * are checked when fetched */
    if (rc == 0 && src->kind != SRC_REGISTRY && (src->kind != SRC_FD || imgb_fdsrc_at_end(src)))
        rc = check_layers_present(img);
    return rc;
}

static void image_clear(imgb_image *img);

/* A compressed archive file whose blobs before the manifest do not fit the temporary file
 * (its bound, or a full disk): read it as before one pass could, an index pass caching the
 * JSON members, then the layers streamed (read.c, read_stream). */
static int open_twice(imgb_image *img)
{
    img_source *src = &img->priv->src;
    char *why = imgb_xstrdup(imgb_error_last());
    int rc = imgb_src_reopen_streamed(src);
    if (rc == 0)
        rc = open_format(img);
    if (rc == 0)
        imgb_image_warn(img, imgb_xasprintf("%s; the compressed archive is read twice instead",
                                            why));
    free(why);
    return rc;
}

/* A pipe or a compressed archive file: cache members until the image can be opened from
 * them; every large member met before that is spilled (docker save writes the blobs
 * first). */
static int open_streamed(imgb_image *img)
{
    img_source *src = &img->priv->src;
    for (;;) {
        bool pending = false;
        int rc = imgb_fdsrc_advance(src, &pending);
        if (rc)
            return rc;
        img->outer_compression = src->outer;
        if (!pending)
            return open_format(img);
        if (open_format(img) == 0)
            return 0;
        image_clear(img);
        imgb_error_clear();
        if ((rc = imgb_fdsrc_spill(src)) != 0)
            return src->reopenable && imgb_fdsrc_spill_failed(src) ? open_twice(img) : rc;
    }
}

/* skopeo's transport names: "oci:DIR[:REF]", "oci-archive:FILE[:REF]",
 * "docker-archive:FILE[:REF]" (the path ends at the first ':', as in containers/image). */
static const char *const transports[] = { "oci", "oci-archive", "docker-archive", NULL };
static const char *const unsupported[] = { "docker-daemon", "containers-storage", "dir",
                                           "ostree", "sif", NULL };

static int split_transport(const char *path, const char **transport, char **file, char **ref)
{
    *transport = NULL;
    *file = NULL;
    *ref = NULL;
    const char *colon = strchr(path, ':');
    if (!colon || strncmp(path, "docker://", 9) == 0)
        return 0;
    size_t n = (size_t)(colon - path);
    for (size_t i = 0; unsupported[i]; i++)
        if (strlen(unsupported[i]) == n && strncmp(path, unsupported[i], n) == 0)
            return imgb_error_set(IMGB_EUNSUPPORTED, "%s: the %s transport is not supported "
                                  "(use docker://, oci:, oci-archive:, docker-archive: or an "
                                  "archive on stdin: docker save IMAGE | imgbaseline scan -)",
                                  path, unsupported[i]);
    for (size_t i = 0; transports[i]; i++)
        if (strlen(transports[i]) == n && strncmp(path, transports[i], n) == 0) {
            *transport = transports[i];
            const char *rest = colon + 1;
            const char *c2 = strchr(rest, ':');
            *file = c2 ? imgb_xstrndup(rest, (size_t)(c2 - rest)) : imgb_xstrdup(rest);
            *ref = c2 && c2[1] ? imgb_xstrdup(c2 + 1) : NULL;
            if (!**file)
                return imgb_error_set(IMGB_EINVAL, "%s: no path after '%s:'", path,
                                      transports[i]);
            return 0;
        }
    return 0;
}

/* The explicit transport must name the format that was found. */
static int check_transport(imgb_image *img, const char *transport)
{
    if (!transport)
        return 0;
    bool ok = !strcmp(transport, "oci") ? !strcmp(img->format, "oci-dir")
            : !strcmp(transport, "oci-archive") ? !strcmp(img->format, "oci-archive")
            : !strncmp(img->format, "docker-archive", 14);
    if (ok)
        return 0;
    return imgb_error_set(IMGB_EFORMAT, "%s: the %s transport was asked for but the image is "
                          "a %s", img->path, transport, img->format);
}

static int open_common(imgb_image **out, imgb_image *img, const char *transport)
{
    img_source *src = &img->priv->src;
    img->outer_compression = src->outer;
    int rc = src->kind == SRC_FD ? open_streamed(img) : open_format(img);
    if (rc == 0)
        rc = check_transport(img, transport);
    if (rc == 0 && src->kind == SRC_REGISTRY) {
        const char *reg, *repo, *tag, *dig;
        imgb_reg_identity(src, &reg, &repo, &tag, &dig);
        img->registry = imgb_xstrdup(reg);
        img->repository = imgb_xstrdup(repo);
        img->tag = tag ? imgb_xstrdup(tag) : NULL;
    }
    if (rc) {
        imgb_image_free(img);
        return rc;
    }
    *out = img;
    return 0;
}

static imgb_image *image_new(const char *path, const imgb_read_options *opts)
{
    imgb_image *img = imgb_xcalloc(1, sizeof *img);
    img->priv = imgb_xcalloc(1, sizeof *img->priv);
    img->path = imgb_xstrdup(path);
    if (opts)
        img->priv->opts = *opts;
    img->verified = !img->priv->opts.no_verify;
    return img;
}

int imgb_image_open(imgb_image **out, const char *path, const imgb_read_options *opts)
{
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return imgb_image_open_fd(out, 0, "stdin", opts);
    const char *transport;
    char *file = NULL, *ref = NULL;
    int rc = split_transport(path, &transport, &file, &ref);
    if (rc) {
        free(file);
        free(ref);
        return rc;
    }
    imgb_image *img = image_new(path, opts);
    if (ref && !img->priv->opts.image_ref)
        img->priv->opts.image_ref = ref; /* freed below: only read while opening */
    rc = imgb_src_open(&img->priv->src, file ? file : path, &img->priv->opts,
                       &img->priv->counters);
    if (rc) {
        imgb_image_free(img);
    } else {
        rc = open_common(out, img, transport);
        if (rc == 0 && img->priv->opts.image_ref == ref)
            img->priv->opts.image_ref = NULL;
    }
    free(file);
    free(ref);
    return rc;
}

int imgb_image_open_fd(imgb_image **out, int fd, const char *name, const imgb_read_options *opts)
{
    *out = NULL;
    imgb_image *img = image_new(name ? name : "stdin", opts);
    img->priv->src.path = imgb_xstrdup(img->path);
    img->priv->src.counters = &img->priv->counters;
    int rc = imgb_fdsrc_open(&img->priv->src, fd, img->path, &img->priv->opts);
    if (rc) {
        imgb_image_free(img);
        return rc;
    }
    return open_common(out, img, NULL);
}

/* Everything open_format fills in, so that a pipe can try again with more members. */
static void image_clear(imgb_image *img)
{
    for (size_t i = 0; i < img->nlayers; i++) {
        free(img->layers[i].digest);
        free(img->layers[i].diff_id);
        free(img->layers[i].media_type);
        if (img->priv)
            free(img->priv->layer_names[i]);
    }
    free(img->layers);
    for (size_t i = 0; i < img->nhistory; i++) {
        free(img->history[i].created_by);
        free(img->history[i].created);
        free(img->history[i].comment);
    }
    free(img->history);
    strvec_free(img->refs, img->nrefs);
    strvec_free(img->all_refs, img->nall_refs);
    strvec_free(img->warnings, img->nwarnings);
    free(img->manifest_digest);
    free(img->config_digest);
    free(img->image_id);
    free(img->os);
    free(img->arch);
    free(img->variant);
    free(img->created);
    json_decref(img->config);
    json_decref(img->annotations);
    if (img->priv) {
        free(img->priv->layer_names);
        img->priv->layer_names = NULL;
    }
    free(img->registry);
    free(img->repository);
    free(img->tag);
    free(img->truncated_why);
    char *path = img->path;
    imgb_image_priv *priv = img->priv;
    bool verified = img->verified;
    const char *outer = img->outer_compression;
    memset(img, 0, sizeof *img);
    img->path = path;
    img->priv = priv;
    img->verified = verified;
    img->outer_compression = outer;
}

void imgb_image_free(imgb_image *img)
{
    if (!img)
        return;
    image_clear(img);
    if (img->priv) {
        imgb_src_close(&img->priv->src);
        free(img->priv);
    }
    free(img->path);
    free(img);
}
