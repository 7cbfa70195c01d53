/*
 * Output plumbing of `imgbaseline scan`: see report_cli.h.
 */
#include "report_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/*
 * The temporary file of a write in progress, removed by SIGINT/SIGTERM/SIGHUP before the
 * signal takes its default course: a killed `scan -o` leaves the old report or none, never a
 * stray ".report.XXXXXX" beside it.  Only async-signal-safe calls in the handler.
 */
static char cli_tmp_path[4096];
static volatile sig_atomic_t cli_tmp_live;
static const int cli_tmp_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction cli_tmp_old[3];

static void cli_tmp_on_signal(int sig)
{
    if (cli_tmp_live)
        unlink(cli_tmp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Create the temporary file with the handlers armed; signals wait until both are in place. */
static int cli_tmp_create(char *tmp)
{
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < 3; i++)
        sigaddset(&block, cli_tmp_signals[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    int fd = mkstemp(tmp);
    if (fd >= 0 && strlen(tmp) < sizeof cli_tmp_path) {
        strcpy(cli_tmp_path, tmp);
        cli_tmp_live = 1;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = cli_tmp_on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < 3; i++)
            sigaction(cli_tmp_signals[i], &sa, &cli_tmp_old[i]);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return fd;
}

/* The temporary file is gone (renamed or unlinked): the previous handlers come back. */
static void cli_tmp_done(void)
{
    if (!cli_tmp_live)
        return;
    cli_tmp_live = 0;
    for (size_t i = 0; i < 3; i++)
        sigaction(cli_tmp_signals[i], &cli_tmp_old[i], NULL);
}

static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

/* A device or FIFO (-o /dev/null, /dev/stdout, a pipe) is written in place: renaming a
 * temporary file over it would replace the device node itself (as root, /dev/null). */
static int write_in_place(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int rc = fd < 0 ? -1 : write_all(fd, data, len);
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc < 0)
        cli_fail("%s: cannot write the report: %s", path, strerror(saved));
    return rc;
}

int cli_write_atomic(const char *path, const char *data, size_t len)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return write_in_place(path, data, len);
    char *dcopy = cli_xstrdup(path), *bcopy = cli_xstrdup(path);
    char *tmp = cli_xasprintf("%s/.%s.XXXXXX", dirname(dcopy), basename(bcopy));
    free(dcopy);
    free(bcopy);
    int fd = cli_tmp_create(tmp);
    if (fd < 0) {
        cli_fail("%s: cannot create a temporary file next to it: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    /* mkstemp creates 0600; a report is as readable as any file the user creates. */
    mode_t um = umask(0);
    umask(um);
    int rc = fchmod(fd, 0666 & ~um);
    if (rc == 0)
        rc = write_all(fd, data, len);
    if (rc == 0 && fsync(fd) != 0)
        rc = -1;
    int saved = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc < 0) {
        cli_fail("%s: cannot write the report: %s", path, strerror(saved));
        unlink(tmp);
    }
    cli_tmp_done();
    free(tmp);
    return rc;
}

int cli_load_ignore(imgb_ignore_list **out, const char *path, const char *const *ids,
                    size_t nids)
{
    struct stat st;
    *out = NULL;
    if (!path && stat(IMGB_IGNORE_DEFAULT_FILE, &st) == 0)
        path = IMGB_IGNORE_DEFAULT_FILE;
    if (path && imgb_ignore_load(out, path) < 0)
        return cli_fail("--ignore-file: %s", imgb_error_last());
    for (size_t i = 0; i < nids; i++)
        imgb_ignore_list_add(out, ids[i]);
    return 0;
}

int64_t cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_progress(bool quiet, const char *fmt, ...)
{
    if (quiet || !isatty(STDERR_FILENO))
        return;
    va_list ap;
    fputs("imgbaseline: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_gate(const imgb_scan_result *res, const imgb_report_request *p, int threshold, int code,
             bool allow_incomplete, bool quiet)
{
    /* An image that could not be read or identified never passes, whatever the flags. */
    if (!imgb_result_image_complete(res)) {
        const char *why = imgb_result_incomplete_reason(res);
        if (!allow_incomplete)
            return cli_fail("%s (the report says complete: false; --allow-incomplete to "
                            "accept it)", why ? why : "the scan is incomplete");
        if (!quiet)
            fprintf(stderr, "imgbaseline: warning: %s\n", why ? why : "incomplete scan");
    }
    if (threshold < 0)
        return CLI_EXIT_OK;
    imgb_severity min = (imgb_severity)threshold;
    size_t unjudged = imgb_report_count_unjudged(res, p, min);
    if (unjudged) {
        if (!allow_incomplete)
            return cli_fail("%zu item%s at or above %s could not be judged (error or "
                            "incomplete): the gate fails closed (--allow-incomplete to "
                            "accept)", unjudged, unjudged == 1 ? "" : "s",
                            imgb_severity_name(min));
        if (!quiet)
            fprintf(stderr, "imgbaseline: warning: %zu item%s at or above %s could not be "
                    "judged\n", unjudged, unjudged == 1 ? "" : "s", imgb_severity_name(min));
    }
    size_t n = imgb_report_count_findings(res, p, min);
    if (n == 0 || code == CLI_EXIT_OK)
        return CLI_EXIT_OK;
    if (!quiet)
        fprintf(stderr, "imgbaseline: %zu unignored failed item%s at or above %s\n", n,
                n == 1 ? "" : "s", imgb_severity_name(min));
    return code;
}
