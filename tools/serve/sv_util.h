/*
 * Small helpers of tools/serve/ (programs use the public API only, so the engine's own
 * buffers and error slot are not theirs): a growable NUL-terminated byte buffer, a pointer
 * vector, allocation that aborts on exhaustion, and a per-thread last error for the
 * signature and credentials code.
 */
#ifndef IMGB_SERVE_SV_UTIL_H
#define IMGB_SERVE_SV_UTIL_H

#include <stddef.h>

typedef struct sv_buf {
    char *ptr;
    size_t len, cap;
} sv_buf;

#define SV_BUF_INIT { NULL, 0, 0 }

void sv_buf_put(sv_buf *b, const void *data, size_t len);
void sv_buf_puts(sv_buf *b, const char *s);
void sv_buf_putc(sv_buf *b, char c);
void sv_buf_printf(sv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sv_buf_clear(sv_buf *b);
/** The contents (malloc'd, never NULL); the buffer is empty afterwards. */
char *sv_buf_detach(sv_buf *b);
void sv_buf_dispose(sv_buf *b);

typedef struct sv_vec {
    void **items;
    size_t len, cap;
} sv_vec;

#define SV_VEC_INIT { NULL, 0, 0 }

void sv_vec_push(sv_vec *v, void *p);
void sv_vec_dispose(sv_vec *v);

void *sv_xcalloc(size_t n, size_t size);
void *sv_xrealloc(void *p, size_t n);
char *sv_xstrdup(const char *s);
char *sv_xstrndup(const char *s, size_t n);
char *sv_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Record a one-line message as this thread's last error and return `code`. */
int sv_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sv_error_last(void);

#endif
