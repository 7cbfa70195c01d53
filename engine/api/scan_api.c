/*
 * The public scan calls (<imgbaseline/scan.h>): versioned options to the internal scan
 * configuration, and file descriptors to something the image reader can open.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <imgbaseline/scan.h>

#include "scan.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

int imgb_scan_options_init(imgb_scan_options *opts, unsigned int version)
{
    if (!opts)
        return imgb_error_set(IMGB_EINVAL, "scan options: NULL");
    if (version == 0 || version > IMGB_SCAN_OPTIONS_VERSION)
        return imgb_error_set(IMGB_EINVAL, "scan options: version %u is not supported "
                              "(this library knows 1..%d)", version, IMGB_SCAN_OPTIONS_VERSION);
    /* a caller built against an older header has a shorter struct: clear only its fields */
    memset(opts, 0, version >= 3   ? sizeof *opts
                    : version == 2 ? offsetof(imgb_scan_options, base_layers)
                                   : offsetof(imgb_scan_options, creds));
    opts->version = version;
    if (version >= 3)
        opts->base_layers = -1;
    return 0;
}

static int api_config(imgb_scan_config *cfg, const imgb_scan_options *o)
{
    memset(cfg, 0, sizeof *cfg);
    if (!o)
        return 0;
    if (o->version == 0 || o->version > IMGB_SCAN_OPTIONS_VERSION)
        return imgb_error_set(IMGB_EINVAL, "scan options: version %u is not supported "
                              "(initialise them with imgb_scan_options_init)", o->version);
    if (o->weak_password_budget < 0 || o->jobs > 256)
        return imgb_error_set(IMGB_EINVAL, "scan options: weak_password_budget must be >= 0 "
                              "and jobs at most 256");
    cfg->read.image_ref = o->image_ref;
    cfg->read.platform = o->platform;
    cfg->read.no_verify = o->no_verify != 0;
    cfg->read.jobs = o->jobs;
    cfg->read.max_total_bytes = o->max_total_bytes;
    cfg->weak_password_budget = o->weak_password_budget;
    cfg->only_baseline = o->only_baseline;
    cfg->progress = o->progress;
    cfg->progress_payload = o->progress_payload;
    cfg->cancel = o->cancel;
    cfg->cancel_payload = o->cancel_payload;
    if (o->version >= 2) {
        cfg->read.creds = o->creds;
        cfg->read.auth_file = o->auth_file;
        cfg->read.tls_no_verify = o->tls_no_verify != 0;
        cfg->read.net_timeout = o->registry_timeout;
    }
    if (o->version >= 3) { /* fields an older caller's struct does not have */
        cfg->has_base_layers = o->base_layers >= 0;
        cfg->base_layers = o->base_layers;
        cfg->base_image = o->base_image;
    }
    return 0;
}

int imgb_scan(imgb_scan_result **out, const imgb_ruleset *rs, const char *path,
              const imgb_scan_options *opts)
{
    imgb_scan_config cfg;
    int rc;
    if (!out || !path)
        return imgb_error_set(IMGB_EINVAL, "scan: no result pointer or path");
    *out = NULL;
    if ((rc = api_config(&cfg, opts)) < 0)
        return rc;
    return imgb_scan_run(out, rs, path, &cfg);
}

int imgb_scan_fd(imgb_scan_result **out, const imgb_ruleset *rs, int fd, const char *name,
                 const imgb_scan_options *opts)
{
    imgb_scan_config cfg;
    struct stat st;
    int rc;
    if (!out)
        return imgb_error_set(IMGB_EINVAL, "scan: no result pointer");
    *out = NULL;
    if (!name)
        name = "-";
    if ((rc = api_config(&cfg, opts)) < 0)
        return rc;
    if (fstat(fd, &st) != 0)
        return imgb_error_set(IMGB_EINVAL, "%s: not an open file descriptor: %s", name,
                              strerror(errno));
    if (!S_ISREG(st.st_mode)) {
        /* a pipe: read once, layers after the manifest straight from it, layers before it
         * through one bounded unlinked temporary file (engine/image/stream.c) */
        return imgb_scan_run_fd(out, rs, fd, name, &cfg);
    }
    /* The reader opens paths (several times with parallel layers): /proc/self/fd/N reopens
     * the same file. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    rc = imgb_scan_run(out, rs, path, &cfg);
    if (rc == 0)
        imgb_scan_result_set_name(*out, name);
    else
        imgb_error_prefix("%s", name);
    return rc;
}
