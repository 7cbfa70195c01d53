/*
 * Path normalisation for names inside an image (tar entry names, symlink and hardlink
 * targets, lookup queries).  Pure string work: nothing here touches the host filesystem.
 * The public wrapper is imgb_path_normalize() in fs/view.h.  Tests: tests/test_fs.c.
 */
#ifndef IMGB_FS_PATH_H
#define IMGB_FS_PATH_H

#include <stddef.h>

/**
 * Normalise `name` into `out` (capacity `cap` bytes including the NUL): drops leading "/",
 * "." components, repeated and trailing "/".  No allocation, so the view can use it on
 * every entry and lookup.
 * @return the length (0 for the root: "/", "./", ""), or -1 when `name` has a ".."
 *         component or the result does not fit in `cap`.
 */
long imgb_path_normalize_into(const char *name, char *out, size_t cap);

#endif
