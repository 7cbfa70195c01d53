/*
 * Fuzz target for the image reader (engine/image/): the input is a whole image archive
 * (plain, gzip or zstd tar: docker-archive, oci-archive), written to a temporary file because
 * the reader works on paths.  It is opened, its layers streamed into a view with tiny limits,
 * then the OS facts are read.  Any return code is fine; crashes, leaks and hangs are not.
 * Corpus: tests/fuzz/corpus/image/ (small real images, hostile names, truncated archives).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts/os.h"
#include "fs/view.h"
#include "fuzz.h"
#include "image/image.h"

/* Inputs above this are ignored: bigger archives only repeat what small ones exercise. */
#define FUZZ_IMAGE_MAX_INPUT (256u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_IMAGE_MAX_INPUT)
        return 0;
    char path[] = "/tmp/imgb-fuzz-image.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(fd);
    imgb_read_options o = { .jobs = 1, .max_total_bytes = 8u << 20,
                            .max_entries_per_layer = 10000 };
    imgb_image *img = NULL;
    if (imgb_image_open(&img, path, &o) == 0) {
        imgb_view *v = imgb_view_new(NULL);
        imgb_os_register_keeps(v);
        if (imgb_image_read_layers(img, v, NULL, 0) == 0) {
            imgb_os_info *os = NULL;
            if (imgb_os_detect(v, &os) == 0)
                imgb_os_info_free(os);
        }
        imgb_view_free(v);
    }
    imgb_image_free(img);
    unlink(path);
    return 0;
}
