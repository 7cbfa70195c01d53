/*
 * Replay driver for the fuzz targets, after libgit2's fuzzers/standalone_driver.c.  Without
 * libFuzzer (the default build), every tests/fuzz/fuzz_<name>.c is linked with this main(),
 * which feeds each file named on the command line (a directory: each regular file in it, in
 * name order) to LLVMFuzzerTestOneInput once.  CTest runs it over tests/fuzz/corpus/<name>/,
 * so every input once saved there is re-checked by the ordinary (and the sanitizer) build.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Larger than any corpus file we keep; libFuzzer's own -max_len is smaller still. */
#define FUZZ_REPLAY_MAX_INPUT (4u << 20)

extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    size_t n;

    if (!f) {
        fprintf(stderr, "standalone: cannot open %s\n", path);
        return -1;
    }
    buf = malloc(FUZZ_REPLAY_MAX_INPUT);
    if (!buf) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, FUZZ_REPLAY_MAX_INPUT, f);
    if (ferror(f) || !feof(f)) {
        fprintf(stderr, "standalone: %s: unreadable or larger than %u bytes\n", path,
                FUZZ_REPLAY_MAX_INPUT);
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    fprintf(stderr, "standalone: %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int only_files(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    size_t replayed = 0;
    int failed = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "standalone: %s: no such file or directory\n", argv[i]);
            failed = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed |= replay_file(argv[i]) != 0;
            replayed++;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, only_files, alphasort);
        if (n < 0) {
            fprintf(stderr, "standalone: cannot list %s\n", argv[i]);
            failed = 1;
            continue;
        }
        for (int k = 0; k < n; k++) {
            size_t len = strlen(argv[i]) + strlen(names[k]->d_name) + 2;
            char *path = malloc(len);
            if (path) {
                snprintf(path, len, "%s/%s", argv[i], names[k]->d_name);
                failed |= replay_file(path) != 0;
                replayed++;
            }
            free(path);
            free(names[k]);
        }
        free(names);
    }
    if (replayed == 0) {
        fprintf(stderr, "standalone: no inputs given\n");
        return EXIT_FAILURE;
    }
    fprintf(stderr, "standalone: %zu inputs replayed\n", replayed);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
