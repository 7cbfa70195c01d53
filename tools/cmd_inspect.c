/*
 * `imgbaseline inspect IMAGE`: what the reader made of an image (format, references,
 * digests, image id, platform, layers with their history, OS, sshd version, whiteouts,
 * warnings), as text or JSON.  Bad input: one line on stderr naming what and where, exit 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "facts/os.h"
#include "image/image.h"
#include "util/error.h"
#include "util/mem.h"

int cmd_inspect(int argc, char **argv);

typedef struct inspect_opts {
    const char *image;
    bool json;
    imgb_read_options read;
} inspect_opts;

static void inspect_usage(FILE *f)
{
    fputs("usage: imgbaseline inspect IMAGE [--format text|json] [--image REF] "
          "[--platform OS/ARCH[/VARIANT]] [--no-verify] [-j N]\n"
          "       [--creds USER:PASSWORD] [--authfile FILE] [--tls-verify true|false] "
          "[--registry-timeout SECONDS]\n"
          "IMAGE: an archive or OCI layout, - (stdin), docker://HOST[:PORT]/REPO[:TAG|@DIGEST], "
          "oci:DIR[:REF], oci-archive:FILE, docker-archive:FILE\n", f);
}

/* Print an engine error as one line. */
static int fail(const char *msg)
{
    fputs("imgbaseline: ", stderr);
    for (const char *p = msg; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
    fputc('\n', stderr);
    return CLI_EXIT_ERROR;
}

static int parse_args(int argc, char **argv, inspect_opts *o)
{
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },
        { "image", required_argument, NULL, 'i' },
        { "platform", required_argument, NULL, 'p' },
        { "no-verify", no_argument, NULL, 'n' },
        { "jobs", required_argument, NULL, 'j' },
        { "creds", required_argument, NULL, 'c' },
        { "authfile", required_argument, NULL, 'a' },
        { "tls-verify", required_argument, NULL, 't' },
        { "registry-timeout", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                o->json = true;
            else if (strcmp(optarg, "text") != 0)
                return fail("inspect: --format must be text or json");
            break;
        case 'i': o->read.image_ref = optarg; break;
        case 'p': o->read.platform = optarg; break;
        case 'n': o->read.no_verify = true; break;
        case 'c': o->read.creds = optarg; break;
        case 'a': o->read.auth_file = optarg; break;
        case 't':
            if (strcmp(optarg, "true") && strcmp(optarg, "false"))
                return fail("inspect: --tls-verify wants true or false");
            o->read.tls_no_verify = strcmp(optarg, "false") == 0;
            break;
        case 'T': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!end || *end || n < 1 || n > 3600)
                return fail("inspect: --registry-timeout wants seconds from 1 to 3600");
            o->read.net_timeout = (double)n;
            break;
        }
        case 'j': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!end || *end || n < 1 || n > 256)
                return fail("inspect: -j wants a number of jobs from 1 to 256");
            o->read.jobs = (int)n;
            break;
        }
        case 'h':
            inspect_usage(stdout);
            exit(0);
        default: {
            char msg[128];
            snprintf(msg, sizeof msg, "inspect: unknown or incomplete option '%s'",
                     argv[optind - 1]);
            return fail(msg);
        }
        }
    }
    /* GNU getopt permutes: options may come after IMAGE */
    if (optind < argc)
        o->image = argv[optind++];
    if (optind < argc)
        return fail("inspect: only one IMAGE may be given");
    if (!o->image) {
        inspect_usage(stderr);
        return CLI_EXIT_ERROR;
    }
    return 0;
}

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

static void print_text(const imgb_image *img, const imgb_view *view, const imgb_os_info *os)
{
    char *plat = platform_string(img);
    printf("image:        %s\n", img->path);
    printf("format:       %s%s%s\n", img->format,
           strcmp(img->outer_compression, "none") ? ", compressed with " : "",
           strcmp(img->outer_compression, "none") ? img->outer_compression : "");
    printf("references:  ");
    for (size_t i = 0; i < img->nrefs; i++)
        printf(" %s", img->refs[i]);
    printf("%s\n", img->nrefs ? "" : " (none)");
    printf("manifest:     %s\n", or_dash(img->manifest_digest));
    printf("config:       %s\n", or_dash(img->config_digest));
    printf("image id:     %s\n", or_dash(img->image_id));
    printf("platform:     %s\n", plat);
    printf("created:      %s\n", or_dash(img->created));
    printf("verified:     %s\n", img->verified ? "yes" : "no (unverified: --no-verify)");
    printf("layers:       %zu\n", img->nlayers);
    for (size_t i = 0; i < img->nlayers; i++) {
        const imgb_layer_info *l = &img->layers[i];
        printf("  [%zu] %s\n", i, l->digest);
        printf("      media type %s, %s, %llu bytes -> %llu bytes, %zu entries\n",
               or_dash(l->media_type), l->compression, (unsigned long long)l->compressed_size,
               (unsigned long long)l->uncompressed_size, l->entries);
        printf("      created by: %s\n", or_dash(created_by(img, i)));
    }
    printf("os:           %s %s (%s family, from %s)%s%s\n", or_dash(os->id),
           or_dash(os->version_id), os->family, or_dash(os->source),
           os->pretty_name ? ": " : "", os->pretty_name ? os->pretty_name : "");
    if (os->has_openssh_server)
        printf("sshd:         openssh %s (%s, from %s)%s%s\n", or_dash(os->openssh_version),
               or_dash(os->openssh_pkg_version), or_dash(os->openssh_source),
               os->distro_patch ? ", distro patch " : "",
               os->distro_patch ? os->distro_patch : "");
    else
        printf("sshd:         openssh-server not installed\n");
    printf("files:        %zu\n", imgb_view_count(view));
    printf("whiteouts:    %zu applied, %zu files deleted or overwritten\n",
           imgb_view_whiteouts(view), imgb_view_removed_count(view));
    printf("warnings:     %zu\n", img->nwarnings);
    for (size_t i = 0; i < img->nwarnings; i++)
        printf("  %s\n", img->warnings[i]);
    if (!img->verified)
        printf("unverified: digests were not checked (--no-verify)\n");
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

static void print_json(const imgb_image *img, const imgb_view *view, const imgb_os_info *os)
{
    json_t *j = json_object();
    char *plat = platform_string(img);
    json_object_set_new(j, "image", json_string(img->path));
    json_object_set_new(j, "format", json_string(img->format));
    json_object_set_new(j, "outer_compression", json_string(img->outer_compression));
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
    puts(s);
    free(s);
    free(plat);
    json_decref(j);
}

int cmd_inspect(int argc, char **argv)
{
    inspect_opts o = { 0 };
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    imgb_image *img = NULL;
    imgb_view *view = NULL;
    imgb_os_info *os = NULL;
    if (imgb_image_open(&img, o.image, &o.read) != 0)
        return fail(imgb_error_last());
    view = imgb_view_new(NULL);
    imgb_os_register_keeps(view);
    rc = imgb_image_read_layers(img, view, NULL, 0);
    if (rc == 0)
        rc = imgb_os_detect(view, &os);
    if (rc) {
        rc = fail(imgb_error_last());
    } else {
        if (o.json)
            print_json(img, view, os);
        else
            print_text(img, view, os);
        rc = CLI_EXIT_OK;
    }
    imgb_os_info_free(os);
    imgb_view_free(view);
    imgb_image_free(img);
    return rc;
}
