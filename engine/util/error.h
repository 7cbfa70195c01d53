/*
 * Thread-local last error (libgit2 style): imgb_error_set() records a one-line message
 * and returns the code so a failing statement reads `return imgb_error_set(IMGB_EFORMAT, ...)`.
 * Never put a secret or a password in a message.
 */
#ifndef IMGB_UTIL_ERROR_H
#define IMGB_UTIL_ERROR_H

#include <imgbaseline/imgbaseline.h>

#define IMGB_ERROR_MAX 1024

/** Record `fmt` as this thread's last error and return `code`. */
int imgb_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Prefix the current message with "prefix: " (adds context while propagating). */
void imgb_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Clear this thread's last error. */
void imgb_error_clear(void);

#endif
