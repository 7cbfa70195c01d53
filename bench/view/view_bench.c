/*
 * The merged filesystem view alone: applies N synthetic entries (default 1,000,000) over
 * three layers shaped like a distro image (deep /usr trees, symlinked /lib, whiteouts and an
 * opaque directory in the upper layers), then times exact lookups, lookups through a
 * symlinked directory, one glob and a full walk, and prints the view's bytes per node and
 * the process's peak RSS.  Build Release for real numbers:
 *
 *   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel -j2 \
 *       --target imgb_view_bench && build-rel/bench/view/imgb_view_bench [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fs/view.h"

#define BENCH_FILES_PER_DIR 50
#define BENCH_LOOKUPS 1000000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void apply(imgb_view *v, int layer, const char *path, imgb_ftype type, const char *link)
{
    imgb_entry e = { .path = path, .type = type, .mode = 0644, .size = 1234,
                     .link_target = link };
    if (imgb_view_apply(v, layer, &e) != 0) {
        fprintf(stderr, "apply %s: %s\n", path, imgb_error_last());
        exit(1);
    }
}

static int count_cb(const imgb_node_info *info, void *payload)
{
    (void)info;
    (*(size_t *)payload)++;
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t ndirs = n / BENCH_FILES_PER_DIR;
    imgb_view *v = imgb_view_new(NULL);
    char p[256];
    double t0, t1;

    imgb_view_keep(v, "/etc/**");
    t0 = now();
    apply(v, 0, "usr/lib", IMGB_FT_DIR, NULL);
    apply(v, 0, "lib", IMGB_FT_SYMLINK, "usr/lib");
    size_t applied = 2;
    for (int layer = 0; layer < 3; layer++) {
        for (size_t d = layer * ndirs / 3; d < (size_t)(layer + 1) * ndirs / 3; d++) {
            for (int f = 0; f < BENCH_FILES_PER_DIR; f++) {
                snprintf(p, sizeof p, "usr/lib/pkg%06zu/share/data/file-%03d.dat", d, f);
                apply(v, layer, p, IMGB_FT_REG, NULL);
                applied++;
            }
        }
        if (layer > 0) {
            for (size_t d = 0; d < ndirs / 30; d++) {
                snprintf(p, sizeof p, "usr/lib/.wh.pkg%06zu", d * 3 + (size_t)layer - 1);
                apply(v, layer, p, IMGB_FT_REG, NULL);
                applied++;
            }
            snprintf(p, sizeof p, "usr/lib/pkg%06zu/.wh..wh..opq", ndirs / 2);
            apply(v, layer, p, IMGB_FT_REG, NULL);
            applied++;
        }
    }
    t1 = now();
    printf("apply:   %zu entries in %.3f s (%.0f entries/s), %zu nodes, %zu removed\n", applied,
           t1 - t0, (double)applied / (t1 - t0), imgb_view_count(v),
           imgb_view_removed_count(v));

    imgb_node_info info;
    size_t found = 0;
    t0 = now();
    for (size_t i = 0; i < BENCH_LOOKUPS; i++) {
        size_t d = (i * 7919) % ndirs;
        snprintf(p, sizeof p, "/usr/lib/pkg%06zu/share/data/file-%03zu.dat", d,
                 i % BENCH_FILES_PER_DIR);
        found += imgb_view_lookup(v, p, true, &info) == 0;
    }
    t1 = now();
    printf("lookup:  %d exact in %.3f s (%.0f ns each, %zu found)\n", BENCH_LOOKUPS, t1 - t0,
           (t1 - t0) * 1e9 / BENCH_LOOKUPS, found);

    found = 0;
    t0 = now();
    for (size_t i = 0; i < BENCH_LOOKUPS; i++) {
        size_t d = (i * 7919) % ndirs;
        snprintf(p, sizeof p, "/lib/pkg%06zu/share/data/file-%03zu.dat", d,
                 i % BENCH_FILES_PER_DIR);
        found += imgb_view_lookup(v, p, true, &info) == 0;
    }
    t1 = now();
    printf("lookup:  %d through the /lib symlink in %.3f s (%.0f ns each, %zu found)\n",
           BENCH_LOOKUPS, t1 - t0, (t1 - t0) * 1e9 / BENCH_LOOKUPS, found);

    size_t hits = 0;
    t0 = now();
    imgb_view_glob(v, "/lib/pkg000125/share/data/*.dat", count_cb, &hits);
    t1 = now();
    printf("glob:    literal-prefix glob, %zu matches in %.6f s\n", hits, t1 - t0);

    size_t walked = 0;
    t0 = now();
    imgb_view_walk(v, count_cb, &walked);
    t1 = now();
    printf("walk:    %zu nodes in %.3f s\n", walked, t1 - t0);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("memory:  %zu view bytes (%.0f per node), peak RSS %ld MiB\n", imgb_view_memory(v),
           (double)imgb_view_memory(v) / (double)imgb_view_count(v), ru.ru_maxrss / 1024);
    t0 = now();
    imgb_view_free(v);
    t1 = now();
    printf("free:    %.3f s\n", t1 - t0);
    return 0;
}
