/*
 * The inspect views ("inspect" text and "inspect-json"): what the reader made of an image
 * (format, references, digests, image id, platform, layers with their history, OS, sshd
 * version, whiteouts, warnings).  Rows of the format table, rendered from the same scan result
 * as every report (a scan without rules reads the image and identifies the OS only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "facts/os.h"
#include "report/report_priv.h"
#include "util/error.h"
#include "util/mem.h"

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

static char *platform_string(const imgb_image *img)
{
    return imgb_xasprintf("%s/%s%s%s", or_dash(img->os), or_dash(img->arch),
                          img->variant ? "/" : "", img->variant ? img->variant : "");
}

static const char *created_by(const imgb_image *img, size_t layer)
{
    int h = img->layers[layer].history_index;
    return h >= 0 && (size_t)h < img->nhistory ? img->history[h].created_by : NULL;
}

static void inspect_text(imgb_buf *b, const imgb_image *img, const imgb_view *view,
                         const imgb_os_info *os)
{
    char *plat = platform_string(img);
    const char *outer = img->outer_compression ? img->outer_compression : "none";
    imgb_buf_printf(b, "image:        %s\n", or_dash(img->path));
    imgb_buf_printf(b, "format:       %s%s%s\n", or_dash(img->format),
                    strcmp(outer, "none") ? ", compressed with " : "",
                    strcmp(outer, "none") ? outer : "");
    imgb_buf_printf(b, "references:  ");
    for (size_t i = 0; i < img->nrefs; i++)
        imgb_buf_printf(b, " %s", img->refs[i]);
    imgb_buf_printf(b, "%s\n", img->nrefs ? "" : " (none)");
    imgb_buf_printf(b, "manifest:     %s\n", or_dash(img->manifest_digest));
    imgb_buf_printf(b, "config:       %s\n", or_dash(img->config_digest));
    imgb_buf_printf(b, "image id:     %s\n", or_dash(img->image_id));
    imgb_buf_printf(b, "platform:     %s\n", plat);
    imgb_buf_printf(b, "created:      %s\n", or_dash(img->created));
    imgb_buf_printf(b, "verified:     %s\n", img->verified ? "yes" : "no (unverified: --no-verify)");
    imgb_buf_printf(b, "layers:       %zu\n", img->nlayers);
    for (size_t i = 0; i < img->nlayers; i++) {
        const imgb_layer_info *l = &img->layers[i];
        imgb_buf_printf(b, "  [%zu] %s\n", i, l->digest);
        imgb_buf_printf(b, "      media type %s, %s, %llu bytes -> %llu bytes, %zu entries\n",
               or_dash(l->media_type), l->compression, (unsigned long long)l->compressed_size,
               (unsigned long long)l->uncompressed_size, l->entries);
        imgb_buf_printf(b, "      created by: %s\n", or_dash(created_by(img, i)));
    }
    imgb_buf_printf(b, "os:           %s %s (%s family, from %s)%s%s\n", or_dash(os->id),
           or_dash(os->version_id), os->family, or_dash(os->source),
           os->pretty_name ? ": " : "", os->pretty_name ? os->pretty_name : "");
    if (os->has_openssh_server)
        imgb_buf_printf(b, "sshd:         openssh %s (%s, from %s)%s%s\n", or_dash(os->openssh_version),
               or_dash(os->openssh_pkg_version), or_dash(os->openssh_source),
               os->distro_patch ? ", distro patch " : "",
               os->distro_patch ? os->distro_patch : "");
    else
        imgb_buf_printf(b, "sshd:         openssh-server not installed\n");
    imgb_buf_printf(b, "files:        %zu\n", imgb_view_count(view));
    imgb_buf_printf(b, "whiteouts:    %zu applied, %zu files deleted or overwritten\n",
           imgb_view_whiteouts(view), imgb_view_removed_count(view));
    imgb_buf_printf(b, "warnings:     %zu\n", img->nwarnings);
    for (size_t i = 0; i < img->nwarnings; i++)
        imgb_buf_printf(b, "  %s\n", img->warnings[i]);
    if (!img->verified)
        imgb_buf_printf(b, "unverified: digests were not checked (--no-verify)\n");
    free(plat);
}

static json_t *jstr_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *str_array(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static void inspect_json(imgb_buf *b, const imgb_image *img, const imgb_view *view,
                         const imgb_os_info *os)
{
    json_t *j = json_object();
    char *plat = platform_string(img);
    json_object_set_new(j, "image", jstr_or_null(img->path));
    json_object_set_new(j, "format", jstr_or_null(img->format));
    json_object_set_new(j, "outer_compression", jstr_or_null(img->outer_compression));
    json_object_set_new(j, "references", str_array(img->refs, img->nrefs));
    json_object_set_new(j, "all_references", str_array(img->all_refs, img->nall_refs));
    json_object_set_new(j, "manifest_digest", jstr_or_null(img->manifest_digest));
    json_object_set_new(j, "config_digest", jstr_or_null(img->config_digest));
    json_object_set_new(j, "image_id", jstr_or_null(img->image_id));
    json_object_set_new(j, "platform", json_string(plat));
    json_object_set_new(j, "created", jstr_or_null(img->created));
    json_object_set_new(j, "verified", json_boolean(img->verified));
    json_t *layers = json_array();
    for (size_t i = 0; i < img->nlayers; i++) {
        const imgb_layer_info *l = &img->layers[i];
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer((json_int_t)i));
        json_object_set_new(o, "digest", json_string(l->digest));
        json_object_set_new(o, "diff_id", jstr_or_null(l->diff_id));
        json_object_set_new(o, "media_type", jstr_or_null(l->media_type));
        json_object_set_new(o, "compression", json_string(l->compression));
        json_object_set_new(o, "compressed_size", json_integer((json_int_t)l->compressed_size));
        json_object_set_new(o, "uncompressed_size",
                            json_integer((json_int_t)l->uncompressed_size));
        json_object_set_new(o, "entries", json_integer((json_int_t)l->entries));
        json_object_set_new(o, "created_by", jstr_or_null(created_by(img, i)));
        json_array_append_new(layers, o);
    }
    json_object_set_new(j, "layers", layers);
    json_t *hist = json_array();
    for (size_t i = 0; i < img->nhistory; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "created_by", jstr_or_null(img->history[i].created_by));
        json_object_set_new(o, "created", jstr_or_null(img->history[i].created));
        json_object_set_new(o, "empty_layer", json_boolean(img->history[i].empty_layer));
        json_object_set_new(o, "layer", img->history[i].layer >= 0
                                            ? json_integer(img->history[i].layer)
                                            : json_null());
        json_array_append_new(hist, o);
    }
    json_object_set_new(j, "history", hist);
    json_t *jos = json_object();
    json_object_set_new(jos, "id", jstr_or_null(os->id));
    json_object_set_new(jos, "version_id", jstr_or_null(os->version_id));
    json_object_set_new(jos, "id_like", str_array(os->id_like, os->nid_like));
    json_object_set_new(jos, "pretty_name", jstr_or_null(os->pretty_name));
    json_object_set_new(jos, "family", json_string(os->family));
    json_object_set_new(jos, "source", jstr_or_null(os->source));
    json_object_set_new(j, "os", jos);
    json_t *ssh = json_object();
    json_object_set_new(ssh, "installed", json_boolean(os->has_openssh_server));
    json_object_set_new(ssh, "version", jstr_or_null(os->openssh_version));
    json_object_set_new(ssh, "package_version", jstr_or_null(os->openssh_pkg_version));
    json_object_set_new(ssh, "source", jstr_or_null(os->openssh_source));
    json_object_set_new(ssh, "distro_patch", jstr_or_null(os->distro_patch));
    json_object_set_new(j, "sshd", ssh);
    json_object_set_new(j, "files", json_integer((json_int_t)imgb_view_count(view)));
    json_object_set_new(j, "whiteouts", json_integer((json_int_t)imgb_view_whiteouts(view)));
    json_object_set_new(j, "removed_files",
                        json_integer((json_int_t)imgb_view_removed_count(view)));
    json_object_set_new(j, "warnings", str_array(img->warnings, img->nwarnings));
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    imgb_buf_puts(b, s);
    imgb_buf_putc(b, '\n');
    free(s);
    free(plat);
    json_decref(j);
}

/* A result without the merged view or the OS (a report fixture, a failed read) still
 * renders: what is missing reads as empty. */
typedef void (*inspect_fn)(imgb_buf *b, const imgb_image *img, const imgb_view *view,
                           const imgb_os_info *os);

static int inspect_render(const imgb_scan_result *res, imgb_buf *out, inspect_fn fn)
{
    static const imgb_os_info no_os = { .family = "other" };
    imgb_view *empty = res->view ? NULL : imgb_view_new(NULL);
    fn(out, res->image, res->view ? res->view : empty, res->os ? res->os : &no_os);
    imgb_view_free(empty);
    return 0;
}

int imgb_render_inspect_text(const imgb_scan_result *res, const imgb_report_params *p,
                             imgb_buf *out)
{
    (void)p;
    return inspect_render(res, out, inspect_text);
}

int imgb_render_inspect_json(const imgb_scan_result *res, const imgb_report_params *p,
                             imgb_buf *out)
{
    (void)p;
    return inspect_render(res, out, inspect_json);
}
