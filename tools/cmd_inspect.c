/*
 * `imgbaseline inspect IMAGE`: what the reader made of an image (format, references,
 * digests, image id, platform, layers with their history, OS, sshd version, whiteouts,
 * warnings), as text or JSON.  Bad input: one line on stderr naming what and where, exit 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <imgbaseline/imgbaseline.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv);

typedef struct inspect_opts {
    const char *image;
    bool json;
    imgb_scan_options scan;
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
        case 'i': o->scan.image_ref = optarg; break;
        case 'p': o->scan.platform = optarg; break;
        case 'n': o->scan.no_verify = 1; break;
        case 'c':
            if (!strchr(optarg, ':') || optarg[0] == ':')
                return fail("inspect: --creds wants USER:PASSWORD");
            o->scan.creds = optarg;
            break;
        case 'a': o->scan.auth_file = optarg; break;
        case 't':
            if (strcmp(optarg, "true") && strcmp(optarg, "false"))
                return fail("inspect: --tls-verify wants true or false");
            o->scan.tls_no_verify = strcmp(optarg, "false") == 0;
            break;
        case 'T': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!end || *end || n < 1 || n > 3600)
                return fail("inspect: --registry-timeout wants seconds from 1 to 3600");
            o->scan.registry_timeout = (double)n;
            break;
        }
        case 'j': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!end || *end || n < 1 || n > 256)
                return fail("inspect: -j wants a number of jobs from 1 to 256");
            o->scan.jobs = (int)n;
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

int cmd_inspect(int argc, char **argv)
{
    inspect_opts o = { 0 };
    imgb_scan_options_init(&o.scan, IMGB_SCAN_OPTIONS_VERSION);
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    imgb_scan_result *res = NULL;
    char *out = NULL;
    size_t len = 0;
    if (imgb_scan(&res, NULL, o.image, &o.scan) != 0 ||
        imgb_report_render(res, o.json ? "inspect-json" : "inspect", NULL, &out, &len) != 0) {
        rc = fail(imgb_error_last());
    } else {
        fwrite(out, 1, len, stdout);
        rc = fflush(stdout) == 0 ? CLI_EXIT_OK : fail("inspect: write error on stdout");
    }
    imgb_free(out);
    imgb_scan_result_free(res);
    return rc;
}
