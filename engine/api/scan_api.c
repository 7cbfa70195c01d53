/*
 * The public scan calls (<imgbaseline/scan.h>): versioned options to the internal scan
 * configuration, and file descriptors to something the image reader can open.
 */
#include <errno.h>
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
    memset(opts, 0, sizeof *opts);
    opts->version = version;
    if (version >= 2)
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
    if (o->version >= 2) { /* fields a version-1 caller's struct does not have */
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

/* Copy a pipe into an unlinked temporary file (nothing is left behind on any exit, a kill
 * included), at most `cap` bytes. */
static int api_spill(int fd, const char *name, uint64_t cap, int *tmp_fd)
{
    const char *dir = getenv("TMPDIR");
    char *tmpl = imgb_xasprintf("%s/imgbaseline-stdin.XXXXXX", dir && *dir ? dir : "/tmp");
    int t = mkstemp(tmpl);
    if (t < 0) {
        int rc = imgb_error_set(IMGB_ERROR, "%s: cannot create a temporary file in %s: %s",
                                name, dir && *dir ? dir : "/tmp", strerror(errno));
        free(tmpl);
        return rc;
    }
    unlink(tmpl);
    free(tmpl);
    char buf[1 << 16];
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(t);
            return imgb_error_set(IMGB_ERROR, "%s: read error: %s", name, strerror(errno));
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (total > cap) {
            close(t);
            return imgb_error_set(IMGB_ELIMIT, "%s: the image on the stream is larger than "
                                  "%llu bytes", name, (unsigned long long)cap);
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(t, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                close(t);
                return imgb_error_set(IMGB_ERROR, "%s: cannot write the temporary copy: %s",
                                      name, strerror(errno));
            }
            off += w;
        }
    }
    if (total == 0) {
        close(t);
        return imgb_error_set(IMGB_EFORMAT, "%s: empty input (expected a docker-archive or "
                              "oci-archive tar)", name);
    }
    *tmp_fd = t;
    return 0;
}

int imgb_scan_fd(imgb_scan_result **out, const imgb_ruleset *rs, int fd, const char *name,
                 const imgb_scan_options *opts)
{
    imgb_scan_config cfg;
    struct stat st;
    int rc, own = -1;
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
        uint64_t cap = cfg.read.max_total_bytes ? cfg.read.max_total_bytes : IMGB_MAX_TOTAL_BYTES;
        if ((rc = api_spill(fd, name, cap, &own)) < 0)
            return rc;
    }
    /* The reader opens paths (several times with parallel layers): /proc/self/fd/N reopens
     * the same file. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", own >= 0 ? own : fd);
    rc = imgb_scan_run(out, rs, path, &cfg);
    if (rc == 0)
        imgb_scan_result_set_name(*out, name);
    else
        imgb_error_prefix("%s", name);
    if (own >= 0)
        close(own);
    return rc;
}
