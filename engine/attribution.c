/* Layer attribution, base/own origin and fix snippets (attribution.h). */
#include "attribution.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "checks/secrets.h"
#include "facts/os.h"
#include "rules/fix.h"
#include "util/error.h"
#include "util/mem.h"
#include "util/regex.h"

#define BASE_NAME_LABEL "org.opencontainers.image.base.name"
#define BASE_DIGEST_LABEL "org.opencontainers.image.base.digest"

/* ---- the base boundary ---------------------------------------------------------------- */

/* A declared base from the config labels, else the manifest annotations (borrowed). */
static const char *base_declared(const imgb_image *img, const char *key)
{
    const json_t *labels = json_object_get(json_object_get(img->config, "config"), "Labels");
    const json_t *v = json_object_get(labels, key);
    if (!json_is_string(v))
        v = json_object_get(img->annotations, key);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

/* History entries up to and including the one that made layer n-1 (0 for n == 0): the
 * empty-layer entries after it (the base's CMD, ENV) cannot be told from the child's first
 * ones without the base's own history, so they count as the child's. */
static int base_history_of(const imgb_image *img, int n)
{
    if (n == 0)
        return 0;
    int hi = img->layers[n - 1].history_index;
    return hi >= 0 ? hi + 1 : -1;
}

/* Whether `base`'s layers are the first layers of `img` (by diff_id); on a mismatch a
 * message names the first differing layer. */
static int base_prefix(const imgb_image *img, const imgb_image *base, const char *what)
{
    if (base->nlayers > img->nlayers)
        return imgb_error_set(IMGB_EINVAL, "base image %s has %zu layers, more than the %zu of "
                              "%s: it is not this image's base", what, base->nlayers,
                              img->nlayers, img->path);
    for (size_t i = 0; i < base->nlayers; i++) {
        const char *a = base->layers[i].diff_id, *b = img->layers[i].diff_id;
        if (!a || !b || strcmp(a, b) != 0)
            return imgb_error_set(IMGB_EINVAL, "base image %s is not this image's base: its "
                                  "layer %zu (diff_id %s) is not layer %zu of %s (%s)", what,
                                  i, a ? a : "none", i, img->path, b ? b : "none");
    }
    return 0;
}

static void base_from_image(imgb_base_info *b, const imgb_image *img, const imgb_image *base)
{
    b->layers = (int)base->nlayers;
    /* the child's history starts with the base's when the builder copied it (docker,
     * buildah, buildkit all do) */
    b->history = base->nhistory <= img->nhistory ? (int)base->nhistory
                                                 : base_history_of(img, b->layers);
    if (!b->name && base->nrefs)
        b->name = imgb_xstrdup(base->refs[0]);
    if (!b->digest && base->manifest_digest)
        b->digest = imgb_xstrdup(base->manifest_digest);
}

int imgb_base_resolve(imgb_scan_result *res, const imgb_scan_config *opts)
{
    imgb_base_info *b = &res->base;
    const imgb_image *img = res->image;
    b->layers = b->history = -1;
    const char *dname = base_declared(img, BASE_NAME_LABEL);
    const char *ddigest = base_declared(img, BASE_DIGEST_LABEL);
    if (opts->has_base_layers) {
        if (opts->base_layers < 0 || (size_t)opts->base_layers > img->nlayers)
            return imgb_error_set(IMGB_EINVAL, "--base-layers %d: %s has %zu layers",
                                  opts->base_layers, img->path, img->nlayers);
        b->layers = opts->base_layers;
        b->history = base_history_of(img, b->layers);
        b->source = imgb_xasprintf("--base-layers %d", b->layers);
        return 0;
    }
    if (opts->base_image) {
        /* a file, a layout or (with the registry options of the scan) docker://REF */
        imgb_read_options ro = opts->read;
        ro.image_ref = NULL;
        ro.on_layer = NULL;
        imgb_image *base = NULL;
        int rc = imgb_image_open(&base, opts->base_image, &ro);
        if (rc < 0)
            return imgb_error_set(rc, "--base-image: %s", imgb_error_last());
        rc = base_prefix(img, base, opts->base_image);
        if (rc == 0) {
            base_from_image(b, img, base);
            b->source = imgb_xasprintf("--base-image %s (%d layers)", opts->base_image,
                                       b->layers);
        }
        imgb_image_free(base);
        return rc;
    }
    if (!dname && !ddigest) {
        b->source = imgb_xstrdup("unknown: no --base-image or --base-layers, and the image "
                                 "declares no " BASE_NAME_LABEL " or " BASE_DIGEST_LABEL);
        return 0;
    }
    b->name = dname ? imgb_xstrdup(dname) : NULL;
    b->digest = ddigest ? imgb_xstrdup(ddigest) : NULL;
    /* a declared base names the image but not its layer count: an archive or OCI layout
     * that also holds the base (by that name) settles it, anything else stays unknown */
    imgb_image *base = NULL;
    imgb_read_options ro = opts->read;
    ro.image_ref = dname;
    ro.on_layer = NULL;
    bool local = strcmp(img->path, "-") != 0 && strncmp(img->path, "docker://", 9) != 0;
    bool found = dname && local && imgb_image_open(&base, img->path, &ro) == 0;
    imgb_error_clear();
    if (found && (!ddigest || (base->manifest_digest &&
                               strcmp(base->manifest_digest, ddigest) == 0)) &&
        base_prefix(img, base, dname) == 0) {
        base_from_image(b, img, base);
        b->source = imgb_xasprintf("declared base %s%s%s, found in %s (%d layers)",
                                   dname, ddigest ? "@" : "", ddigest ? ddigest : "",
                                   img->path, b->layers);
    } else {
        imgb_error_clear();
        b->source = imgb_xasprintf("unknown: the image declares base %s%s%s but its layers "
                                   "are not known (pass --base-image FILE or --base-layers N)",
                                   dname ? dname : "", dname && ddigest ? "@" : "",
                                   ddigest ? ddigest : "");
    }
    imgb_image_free(base);
    return 0;
}

void imgb_base_dispose(imgb_base_info *b)
{
    free(b->source);
    free(b->name);
    free(b->digest);
    memset(b, 0, sizeof *b);
    b->layers = b->history = -1;
}

/* ---- which layer wrote a path ------------------------------------------------------------ */

/* Values that no line set: the program's compiled-in (or built-in) default. */
static bool attr_is_default(const char *source)
{
    return source && (strncmp(source, "compiled-in default", 19) == 0 ||
                      strncmp(source, "built-in default", 16) == 0 ||
                      strncmp(source, "fixed: OpenSSH", 14) == 0);
}

/* The layer that wrote `path` (following symlinks), or that deleted it last: 0 with
 * `*layer` (and `*removed` for a deletion, else -1), -1 when the view knows nothing. */
static int attr_path_layer(const imgb_view *view, const char *path, int *layer, int *removed)
{
    imgb_node_info info;
    *removed = -1;
    if (imgb_view_lookup(view, path, true, &info) == 0) {
        imgb_error_clear();
        if (info.layer < 0)
            return -1;
        *layer = info.layer;
        return 0;
    }
    imgb_error_clear();
    const char *rel = path[0] == '/' ? path + 1 : path;
    for (size_t i = imgb_view_removed_count(view); i-- > 0;) {
        const imgb_removed *r = imgb_view_removed_at(view, i);
        if (!r->overwritten && strcmp(r->path, rel) == 0) {
            *layer = *removed = r->layer_removed;
            return 0;
        }
    }
    return -1;
}

/* The path whose writer stands for `ev`: the installed program or package database for a
 * compiled-in default, else the evidence's file, else the file of a "/path:line" source. */
static int attr_evidence_layer(const imgb_scan_result *res, const imgb_evidence *ev,
                               int *layer, int *removed, char **path_out)
{
    static const char *const pkgdbs[] = { "/var/lib/dpkg/status", "/var/lib/rpm/rpmdb.sqlite",
                                          "/var/lib/rpm/Packages",
                                          "/usr/lib/sysimage/rpm/rpmdb.sqlite",
                                          "/lib/apk/db/installed", NULL };
    if (attr_is_default(ev->source)) {
        if (strstr(ev->source, "OpenSSH") &&
            attr_path_layer(res->view, "/usr/sbin/sshd", layer, removed) == 0)
            return 0;
        for (size_t i = 0; pkgdbs[i]; i++)
            if (attr_path_layer(res->view, pkgdbs[i], layer, removed) == 0)
                return 0;
        return -1;
    }
    if (ev->file)
        return attr_path_layer(res->view, ev->file, layer, removed);
    if (ev->source && ev->source[0] == '/') {
        const char *colon = strrchr(ev->source, ':');
        *path_out = colon ? imgb_xstrndup(ev->source, (size_t)(colon - ev->source))
                          : imgb_xstrdup(ev->source);
        return attr_path_layer(res->view, *path_out, layer, removed);
    }
    return -1;
}

/* History entry, digest and masked created_by of ev->layer, where the kind left them. */
static void attr_history(const imgb_image *img, imgb_evidence *ev)
{
    if (ev->layer < 0 || (size_t)ev->layer >= img->nlayers)
        return;
    const imgb_layer_info *l = &img->layers[ev->layer];
    if (!ev->layer_digest && l->digest)
        ev->layer_digest = imgb_xstrdup(l->digest);
    if (ev->history_index < 0 && l->history_index >= 0 &&
        (size_t)l->history_index < img->nhistory) {
        ev->history_index = l->history_index;
        ev->history_attributed = true;
        if (!ev->layer_cmd) {
            const char *cb = img->history[l->history_index].created_by;
            ev->layer_cmd = imgb_secret_mask_text(cb ? cb : "");
        }
    }
}

static imgb_origin attr_origin(const imgb_base_info *b, const imgb_image *img,
                               const imgb_evidence *ev)
{
    if (b->layers < 0)
        return IMGB_ORIGIN_UNKNOWN;
    if (ev->layer >= 0)
        return ev->layer < b->layers ? IMGB_ORIGIN_BASE : IMGB_ORIGIN_OWN;
    if (ev->history_index >= 0 && b->history >= 0)
        return ev->history_index < b->history ? IMGB_ORIGIN_BASE : IMGB_ORIGIN_OWN;
    bool has_own = img->nlayers > (size_t)b->layers ||
                   (b->history >= 0 && img->nhistory > (size_t)b->history);
    /* the final config and the image's name are written by the image's own build, when it
     * has one (scanning the base itself, they are the base's) */
    if (ev->source && (strncmp(ev->source, "config.", 7) == 0 ||
                       strcmp(ev->source, "image reference") == 0))
        return has_own ? IMGB_ORIGIN_OWN : IMGB_ORIGIN_BASE;
    /* a file that no layer wrote and none deleted (the setting is missing everywhere): the
     * state the base left, which the own layers did not touch */
    if (ev->file)
        return IMGB_ORIGIN_BASE;
    return IMGB_ORIGIN_UNKNOWN;
}

/* ---- fixes ------------------------------------------------------------------------------ */

static bool fix_os(const imgb_fix *f, const imgb_os_info *os)
{
    if (!f->nos_ids)
        return true;
    for (size_t i = 0; os && os->id && i < f->nos_ids; i++) {
        if (strcmp(f->os_ids[i], os->id) == 0)
            return true;
        for (size_t k = 0; k < os->nid_like; k++)
            if (strcmp(f->os_ids[i], os->id_like[k]) == 0)
                return true;
    }
    return false;
}

/* min <= v < max, each bound optional; an unknown version satisfies no bound */
static bool fix_range(const char *v, const char *min, const char *max)
{
    if (!min && !max)
        return true;
    if (!v)
        return false;
    return (!min || imgb_version_cmp(v, min) >= 0) && (!max || imgb_version_cmp(v, max) < 0);
}

static bool fix_contains(const imgb_fix *f, const imgb_view *view)
{
    if (!f->contains_path)
        return true;
    const unsigned char *data;
    size_t len;
    bool cut;
    if (imgb_view_read_prefix(view, f->contains_path, &data, &len, &cut) < 0) {
        imgb_error_clear();
        return false;
    }
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = imgb_regex_match(f->contains_re, data, len, 0, 0, md);
    pcre2_match_data_free(md);
    return rc > 0;
}

static bool fix_holds(const imgb_fix *f, const imgb_scan_ctx *ctx, const imgb_evidence *ev)
{
    const imgb_os_info *os = ctx->os;
    return fix_os(f, os) &&
           fix_range(os ? os->version_id : NULL, f->os_version_min, f->os_version_max) &&
           fix_range(os ? os->openssh_version : NULL, f->openssh_min, f->openssh_max) &&
           (!f->file || (ev->file && fnmatch(f->file, ev->file, 0) == 0)) &&
           (f->set < 0 || (ev->line > 0 && !attr_is_default(ev->source)) == (f->set == 1)) &&
           fix_contains(f, ctx->view);
}

/* An image-controlled value (file name, account) as one shell word: kept as is when it is
 * plainly safe, else single-quoted, so a hostile account name cannot inject a command into
 * the snippet a user pastes. */
static void fix_put_word(imgb_buf *b, const char *s)
{
    bool plain = *s != '\0';
    for (const char *c = s; *c && plain; c++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/+-@:=",
                       *c) != NULL;
    if (plain) {
        imgb_buf_puts(b, s);
        return;
    }
    imgb_buf_putc(b, '\'');
    for (const char *c = s; *c; c++) {
        if (*c == '\'')
            imgb_buf_puts(b, "'\\''");
        else if ((unsigned char)*c >= 0x20)
            imgb_buf_putc(b, *c);
        else
            imgb_buf_putc(b, '?'); /* a newline would end the RUN line */
    }
    imgb_buf_putc(b, '\'');
}

/* Expand {file}, {account} and {check.KEY}; NULL when a placeholder has no value here. */
static char *fix_expand(const char *tmpl, const imgb_item *it, const imgb_evidence *ev)
{
    imgb_buf b = IMGB_BUF_INIT;
    for (const char *p = tmpl; *p;) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            imgb_buf_putc(&b, *p++);
            continue;
        }
        size_t n = (size_t)(end - p - 1);
        const char *name = p + 1;
        if (n == 4 && strncmp(name, "file", 4) == 0 && ev->file) {
            fix_put_word(&b, ev->file);
        } else if (n == 7 && strncmp(name, "account", 7) == 0 && ev->account) {
            fix_put_word(&b, ev->account);
        } else if (n > 6 && strncmp(name, "check.", 6) == 0) {
            char *key = imgb_xstrndup(name + 6, n - 6);
            const json_t *v = json_object_get(it->params, key);
            free(key);
            if (json_is_string(v))
                imgb_buf_puts(&b, json_string_value(v));
            else if (json_is_integer(v))
                imgb_buf_printf(&b, "%lld", (long long)json_integer_value(v));
            else
                goto missing;
        } else if (n == 4 && strncmp(name, "file", 4) == 0) {
            goto missing;
        } else if (n == 7 && strncmp(name, "account", 7) == 0) {
            goto missing;
        } else { /* not a placeholder: printf's {} or a shell brace */
            imgb_buf_put(&b, p, n + 2);
        }
        p = end + 1;
    }
    return imgb_buf_detach(&b);
missing:
    imgb_buf_dispose(&b);
    return NULL;
}

static void attr_fix(const imgb_item *it, const imgb_scan_ctx *ctx, imgb_evidence *ev)
{
    for (size_t i = 0; i < it->nfixes; i++) {
        const imgb_fix *f = &it->fixes[i];
        if (!fix_holds(f, ctx, ev))
            continue;
        char *run = fix_expand(f->run, it, ev);
        if (run) {
            ev->fix = run;
            ev->fix_rule = f;
            return;
        }
    }
}

/* ---- per item ------------------------------------------------------------------------- */

void imgb_attribute_item(const imgb_scan_result *res, const imgb_scan_ctx *ctx,
                         imgb_item_result *r)
{
    for (size_t i = 0; i < r->nevidence; i++) {
        imgb_evidence *ev = &r->evidence[i];
        if (ev->layer < 0 && ev->history_index < 0) {
            int layer, removed;
            char *path = NULL;
            if (attr_evidence_layer(res, ev, &layer, &removed, &path) == 0) {
                ev->layer = layer;
                ev->layer_attributed = true;
                if (ev->layer_removed < 0)
                    ev->layer_removed = removed;
            }
            free(path);
        }
        attr_history(res->image, ev);
        ev->origin = attr_origin(&res->base, res->image, ev);
        if (ev->verdict == IMGB_V_FAIL && r->item->nfixes && !ev->fix)
            attr_fix(r->item, ctx, ev);
    }
}

imgb_origin imgb_item_origin(const imgb_item_result *r)
{
    bool any_fail = false;
    for (size_t i = 0; i < r->nevidence; i++)
        any_fail |= r->evidence[i].verdict == IMGB_V_FAIL;
    bool own = false, unknown = false, base = false;
    for (size_t i = 0; i < r->nevidence; i++) {
        const imgb_evidence *ev = &r->evidence[i];
        if (any_fail && ev->verdict != IMGB_V_FAIL)
            continue;
        own |= ev->origin == IMGB_ORIGIN_OWN;
        unknown |= ev->origin == IMGB_ORIGIN_UNKNOWN;
        base |= ev->origin == IMGB_ORIGIN_BASE;
    }
    return own ? IMGB_ORIGIN_OWN : unknown || !base ? IMGB_ORIGIN_UNKNOWN : IMGB_ORIGIN_BASE;
}
