/*
 * `imgbaseline scan REF REF...` and `--images-from FILE`: several images in one run.
 *
 * Images are scanned by at most `parallel` threads at once (each scan keeps its own -j),
 * against the one loaded ruleset (read-only during scans).  A bad image is reported on
 * stderr (one line naming it) and in the output, and the others are still scanned.
 * Output: the native format is JSON Lines, one report per image in the order given (an
 * image that failed is {"image": {"path": REF}, "error": MESSAGE}); the API formats are
 * combined over the images that were scanned (engine/report/many.c), or with --store
 * recorded and answered from the history, as `serve` answers.
 * Exit status: the worst image's: 2 when any image failed, else the findings code when any
 * image has an unignored failure at or above the threshold, else 0.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "report/native.h"
#include "report/report.h"
#include "report_cli.h"
#include "scan_many.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

#define MANY_MAX_IMAGES 10000
#define MANY_MAX_LINE 4096

int cli_read_image_list(const char *file, imgb_ptrvec *out)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
    if (!f)
        return cli_fail("scan: --images-from %s: %s", file, strerror(errno)), -1;
    char line[MANY_MAX_LINE + 2];
    int rc = 0;
    size_t lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n > MANY_MAX_LINE && line[n - 1] != '\n') {
            rc = cli_fail("scan: --images-from %s:%zu: line longer than %d bytes", file, lineno,
                          MANY_MAX_LINE);
            break;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t'))
            line[--n] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        if (out->len >= MANY_MAX_IMAGES) {
            rc = cli_fail("scan: --images-from %s: more than %d images", file, MANY_MAX_IMAGES);
            break;
        }
        imgb_ptrvec_push(out, imgb_xstrdup(s));
    }
    if (rc == 0 && ferror(f))
        rc = cli_fail("scan: --images-from %s: read error", file);
    if (f != stdin)
        fclose(f);
    return rc ? -1 : 0;
}

typedef struct many_job {
    const char *ref;
    imgb_scan_result *res;
    char *error;
} many_job;

typedef struct many_ctx {
    many_job *jobs;
    size_t n, next;
    const imgb_ruleset *rs;
    const imgb_scan_options *so;
    bool quiet;
    pthread_mutex_t mu;
} many_ctx;

static void *many_worker(void *p)
{
    many_ctx *c = p;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        size_t i = c->next < c->n ? c->next++ : c->n;
        pthread_mutex_unlock(&c->mu);
        if (i >= c->n)
            break;
        many_job *j = &c->jobs[i];
        cli_progress(c->quiet, "scanning %s", j->ref);
        if (imgb_scan_run(&j->res, c->rs, j->ref, c->so) < 0) {
            j->res = NULL;
            j->error = imgb_xstrdup(imgb_error_last());
        }
    }
    return NULL;
}

/* The native report of one image as one line. */
static int native_line(const imgb_scan_result *res, const char *lang, imgb_buf *out)
{
    imgb_buf b = IMGB_BUF_INIT;
    int rc = imgb_report_native(res, lang, &b);
    json_t *j = rc == 0 ? json_loadb(b.ptr ? b.ptr : "", b.len, 0, NULL) : NULL;
    imgb_buf_dispose(&b);
    if (!j)
        return rc ? rc : imgb_error_set(IMGB_ERROR, "native report is not JSON");
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    imgb_buf_puts(out, s);
    imgb_buf_putc(out, '\n');
    free(s);
    json_decref(j);
    return 0;
}

int cli_scan_many(char *const *refs, size_t n, const many_args *a, imgb_buf *out)
{
    many_ctx c = { .jobs = imgb_xcalloc(n, sizeof(many_job)), .n = n, .rs = a->rs,
                   .so = a->scan, .quiet = a->quiet };
    for (size_t i = 0; i < n; i++)
        c.jobs[i].ref = refs[i];
    pthread_mutex_init(&c.mu, NULL);
    int par = a->parallel > 0 ? a->parallel : 2;
    if ((size_t)par > n)
        par = (int)n;
    pthread_t *th = imgb_xcalloc((size_t)par, sizeof *th);
    int started = 0;
    for (int t = 0; t < par; t++)
        if (pthread_create(&th[started], NULL, many_worker, &c) == 0)
            started++;
    if (!started)
        many_worker(&c);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    free(th);
    pthread_mutex_destroy(&c.mu);

    int status = CLI_EXIT_OK;
    bool failed = false;
    const imgb_scan_result **ok = imgb_xcalloc(n, sizeof *ok);
    size_t nok = 0;
    for (size_t i = 0; i < n; i++) {
        many_job *j = &c.jobs[i];
        if (j->error) {
            cli_fail("%s", j->error);
            failed = true;
            if (!a->fmt) {
                json_t *e = json_pack("{s:{s:s}, s:s}", "image", "path", j->ref, "error",
                                      j->error);
                char *s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
                imgb_buf_puts(out, s);
                imgb_buf_putc(out, '\n');
                free(s);
                json_decref(e);
            }
            continue;
        }
        ok[nok++] = j->res;
        if (!a->fmt && native_line(j->res, a->lang, out) != 0) {
            cli_fail("%s: %s", j->ref, imgb_error_last());
            failed = true;
        }
    }
    for (size_t i = 0; i < nok && a->record; i++)
        if (a->record(a->ctx, ok[i]) < 0)
            failed = true;
    /* a per-image API stays per image; the others answer from the history when there is one */
    bool history = a->answer && a->fmt && a->fmt->api &&
                   strcmp(a->fmt->name, "aliyun-baseline-check-result") != 0;
    if (history && nok && a->answer(a->ctx, a->fmt, out) < 0) {
        cli_fail("%s", imgb_error_last());
        failed = true;
    } else if (!history && a->fmt && nok &&
               imgb_report_render_many(ok, nok, a->fmt, a->report, out) < 0) {
        cli_fail("%s", imgb_error_last());
        failed = true;
    }
    for (size_t i = 0; i < nok; i++) {
        size_t nwarn = 0;
        char **warns = imgb_report_ignore_warnings(ok[i], a->report, &nwarn);
        for (size_t w = 0; w < nwarn && i == 0; w++) /* the ignore file is one for all */
            fprintf(stderr, "imgbaseline: warning: %s\n", warns[w]);
        imgb_report_free_lines(warns, nwarn);
        int s = cli_exit_status(ok[i], a->report, a->threshold, a->exit_code, a->quiet);
        if (s != CLI_EXIT_OK)
            status = s;
    }
    if (failed || nok == 0)
        status = CLI_EXIT_ERROR;
    free(ok);
    for (size_t i = 0; i < n; i++) {
        imgb_scan_result_free(c.jobs[i].res);
        free(c.jobs[i].error);
    }
    free(c.jobs);
    return status;
}
