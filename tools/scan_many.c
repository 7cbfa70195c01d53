/*
 * `imgbaseline scan REF REF...` and `--images-from FILE`: several images in one run.
 *
 * Images are scanned by at most `parallel` threads at once (each scan keeps its own -j),
 * against the one loaded ruleset (read-only during scans).  A bad image is reported on
 * stderr (one line naming it) and in the output, and the others are still scanned.
 * Output: the native format is JSON Lines, one report per image in the order given (an
 * image that failed is {"image":{"path":REF},"error":MESSAGE}); the API formats are
 * combined over the images that were scanned (imgb_report_render_many), or with --store
 * recorded and answered from the history, as `serve` answers.
 * Exit status: the worst image's: 2 when any image failed, else the findings code when any
 * image has an unignored failure at or above the threshold, else 0.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_cli.h"
#include "scan_many.h"

#define MANY_MAX_IMAGES 10000
#define MANY_MAX_LINE 4096

int cli_read_image_list(const char *file, cli_strvec *out)
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
        if (out->n >= MANY_MAX_IMAGES) {
            rc = cli_fail("scan: --images-from %s: more than %d images", file, MANY_MAX_IMAGES);
            break;
        }
        char *copy = strdup(s);
        if (!copy)
            abort();
        cli_strvec_push(out, copy);
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
    const many_args *a;
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
        cli_progress(c->a->quiet, "scanning %s", j->ref);
        if (imgb_scan(&j->res, c->a->rs, j->ref, c->a->scan) < 0) {
            j->res = NULL;
            j->error = strdup(imgb_error_last()); /* the error is per thread */
        }
    }
    return NULL;
}

/* {"image":{"path":REF},"error":MESSAGE} with JSON string escaping. */
static void error_line(FILE *f, const char *ref, const char *msg)
{
    const char *parts[2] = { ref, msg };
    fputs("{\"image\":{\"path\":", f);
    for (int k = 0; k < 2; k++) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++) {
            if (*p == '"' || *p == '\\')
                fprintf(f, "\\%c", *p);
            else if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
        fputc('"', f);
        if (k == 0)
            fputs("},\"error\":", f);
    }
    fputs("}\n", f);
}

static void print_warning(const char *line, void *payload)
{
    (void)payload;
    fprintf(stderr, "imgbaseline: warning: %s\n", line);
}

int cli_scan_many(const char *const *refs, size_t n, const many_args *a, char **out,
                  size_t *len)
{
    many_ctx c = { .jobs = calloc(n, sizeof(many_job)), .n = n, .a = a };
    const imgb_scan_result **ok = calloc(n, sizeof *ok);
    if (!c.jobs || !ok)
        abort();
    for (size_t i = 0; i < n; i++)
        c.jobs[i].ref = refs[i];
    pthread_mutex_init(&c.mu, NULL);
    int par = a->parallel > 0 ? a->parallel : 2;
    if ((size_t)par > n)
        par = (int)n;
    pthread_t th[64];
    int started = 0;
    for (int t = 0; t < par && t < 64; t++)
        if (pthread_create(&th[started], NULL, many_worker, &c) == 0)
            started++;
    if (!started)
        many_worker(&c);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&c.mu);

    bool json = strcmp(a->format, "json") == 0;
    bool failed = false;
    size_t nok = 0;
    char *buf = NULL;
    size_t blen = 0;
    FILE *mem = open_memstream(&buf, &blen);
    if (!mem)
        abort();
    for (size_t i = 0; i < n; i++) {
        many_job *j = &c.jobs[i];
        if (j->error) {
            cli_fail("%s", j->error);
            failed = true;
            if (json)
                error_line(mem, j->ref, j->error);
            continue;
        }
        ok[nok++] = j->res;
        if (json) {
            /* one line per image, in the order given */
            char *line = NULL;
            size_t ll = 0;
            const imgb_scan_result *one = j->res;
            if (imgb_report_render_many(&one, 1, "json", a->report, &line, &ll) < 0) {
                cli_fail("%s: %s", j->ref, imgb_error_last());
                failed = true;
            } else {
                fwrite(line, 1, ll, mem);
            }
            imgb_free(line);
        }
    }
    for (size_t i = 0; i < nok && a->record; i++)
        if (a->record(a->ctx, ok[i]) < 0)
            failed = true;
    if (!json && nok) {
        /* a per-image API stays per image; the others answer from the history if any */
        bool history = a->answer && strcmp(a->format, "aliyun-baseline-check-result") != 0 &&
                       imgb_report_format_is_api((size_t)imgb_report_format_find(a->format));
        char *text = NULL;
        size_t tl = 0;
        int rc = history ? a->answer(a->ctx, &text, &tl)
                         : imgb_report_render_many(ok, nok, a->format, a->report, &text, &tl);
        if (rc < 0) {
            cli_fail("%s", imgb_error_last());
            failed = true;
        } else {
            fwrite(text, 1, tl, mem);
        }
        imgb_free(text);
    }
    fclose(mem);
    *out = buf;
    *len = blen;

    /* the ignore file is one for all the images: its warnings (expired entries) once */
    if (nok)
        imgb_report_ignore_warnings(ok[0], a->report, print_warning, NULL);
    int status = CLI_EXIT_OK;
    for (size_t i = 0; i < nok; i++) {
        int s = cli_exit_status(ok[i], a->report, a->threshold, a->exit_code, a->quiet);
        if (s != CLI_EXIT_OK)
            status = s;
    }
    if (failed || nok == 0)
        status = CLI_EXIT_ERROR;
    for (size_t i = 0; i < n; i++) {
        imgb_scan_result_free(c.jobs[i].res);
        free(c.jobs[i].error);
    }
    free(c.jobs);
    free(ok);
    return status;
}
