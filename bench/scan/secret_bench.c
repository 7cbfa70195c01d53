/*
 * The ak_leak matcher alone, in MB/s over real file content: loads regular files (a
 * directory tree or a list of files, up to --limit MiB) into memory, then times feeding them
 * through one matcher stream in 64 KiB chunks, as the image reader does, with and without
 * the keyword prefilter.  The patterns are those of the `ak_leak.access_key` item of the
 * given rule file, loaded by the rule loader.
 *
 *   imgb_secret_bench rules/common/ak_leak.yaml [--limit MiB] [--no-prefilter-too] PATH...
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks/secrets.h"
#include "rules/loader.h"
#include "util/mem.h"

#define BENCH_CHUNK (64u << 10)

typedef struct bench_file {
    char *path;
    unsigned char *data;
    size_t len;
} bench_file;

static bench_file *files;
static size_t nfiles, capfiles;
static size_t total, limit;

static int bench_add(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size == 0)
        return 0;
    if (total >= limit)
        return 1;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    size_t want = (size_t)st->st_size;
    unsigned char *buf = imgb_xmalloc(want);
    size_t got = 0;
    while (got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (nfiles == capfiles) {
        capfiles = capfiles ? capfiles * 2 : 1024;
        files = imgb_xrealloc(files, capfiles * sizeof *files);
    }
    files[nfiles++] = (bench_file){ imgb_xstrdup(path), buf, got };
    total += got;
    return 0;
}

/* CPU time of this thread: the figure is per core, and other load on the machine does not
 * count against it. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * In the scan the matcher reads each chunk right after the decompressor wrote it, from cache.
 * `hot` reproduces that: every 64 KiB chunk is first copied into a staging buffer (not
 * timed); otherwise the matcher reads straight from RAM (cold, memory-bandwidth bound).
 */
static void run(const imgb_secret_rules *r, bool prefilter, bool hot)
{
    imgb_secret_stream *s = imgb_secret_stream_new(r, prefilter);
    unsigned char *stage = imgb_xmalloc(BENCH_CHUNK);
    double dt = 0, t0 = now();
    for (size_t i = 0; i < nfiles; i++) {
        /* A neutral path: measure the matcher, not the path allow list. */
        if (!imgb_secret_stream_begin(s, "/data/file", 0))
            continue;
        for (size_t off = 0; off < files[i].len; off += BENCH_CHUNK) {
            size_t n = files[i].len - off < BENCH_CHUNK ? files[i].len - off : BENCH_CHUNK;
            const unsigned char *p = files[i].data + off;
            if (hot) {
                memcpy(stage, p, n);
                p = stage;
                t0 = now();
            }
            imgb_secret_stream_data(s, p, n);
            if (hot)
                dt += now() - t0;
        }
        imgb_secret_stream_end(s);
    }
    if (!hot)
        dt = now() - t0;
    free(stage);
    double mb = (double)imgb_secret_stream_bytes(s) / 1e6;
    printf("matcher %-12s %-4s %8.1f MB in %7.3f s = %8.1f MB/s, %zu findings\n",
           prefilter ? "prefilter" : "no-prefilter", hot ? "hot" : "cold", mb, dt, mb / dt,
           imgb_secret_stream_count(s));
    if (getenv("BENCH_SHOW"))
        for (size_t i = 0; i < imgb_secret_stream_count(s); i++) {
            const imgb_secret_finding *f = imgb_secret_stream_at(s, i);
            printf("  %s %s:%d@%llu %s\n", f->rule_id, f->path, f->line,
                   (unsigned long long)f->offset, f->masked);
        }
    imgb_secret_stream_free(s);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s RULES.yaml [--limit MiB] [--no-prefilter-too] PATH...\n", argv[0]);
        return 2;
    }
    const char *paths[] = { argv[1] };
    imgb_ruleset *rs = NULL;
    if (imgb_ruleset_load(&rs, paths, 1, NULL, NULL) < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], imgb_error_last());
        return 2;
    }
    const imgb_item *item = imgb_ruleset_find_item(rs, "ak_leak.access_key", NULL);
    if (!item || strcmp(item->kind->name, "secret") != 0) {
        fprintf(stderr, "%s: no secret item ak_leak.access_key\n", argv[1]);
        return 2;
    }
    const imgb_secret_rules *r = item->compiled;
    limit = (size_t)512 << 20;
    bool both = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            limit = (size_t)strtoull(argv[++i], NULL, 10) << 20;
        } else if (strcmp(argv[i], "--no-prefilter-too") == 0) {
            both = true;
        } else {
            nftw(argv[i], bench_add, 64, FTW_PHYS);
        }
    }
    printf("loaded %zu files, %.1f MB\n", nfiles, (double)total / 1e6);
    run(r, true, true);
    run(r, true, false);
    if (both)
        run(r, false, true);
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].path);
        free(files[i].data);
    }
    free(files);
    imgb_ruleset_free(rs);
    return 0;
}
