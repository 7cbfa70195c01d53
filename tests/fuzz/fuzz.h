/*
 * The libFuzzer entry points every tests/fuzz/fuzz_<name>.c defines (prototypes here so the
 * targets build under -Wmissing-prototypes).  See tests/fuzz/README.md.
 */
#ifndef IMGB_FUZZ_H
#define IMGB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An invariant of a target: a violation is a crash that libFuzzer reports and keeps (the
 * message names the target's file and line). */
#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/** Run one input; must not keep state between calls (beyond LLVMFuzzerInitialize's). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Optional one-time set-up (load a fixed ruleset, ...). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
