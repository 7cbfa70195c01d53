/*
 * Small allocation and buffer helpers shared by every stage.  Allocation failure aborts:
 * the engine bounds every input with named limits (util/limits.h), so running out of memory
 * is a host problem, not an input problem.
 */
#ifndef IMGB_UTIL_MEM_H
#define IMGB_UTIL_MEM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *imgb_xmalloc(size_t n);
void *imgb_xcalloc(size_t n, size_t size);
void *imgb_xrealloc(void *p, size_t n);
char *imgb_xstrdup(const char *s);
char *imgb_xstrndup(const char *s, size_t n);
/** malloc'd printf; caller frees. */
char *imgb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Growable byte buffer, always NUL-terminated.  Release with imgb_buf_dispose(). */
typedef struct imgb_buf {
    char *ptr;
    size_t len;
    size_t cap;
} imgb_buf;

#define IMGB_BUF_INIT { NULL, 0, 0 }

void imgb_buf_put(imgb_buf *b, const void *data, size_t len);
void imgb_buf_puts(imgb_buf *b, const char *s);
void imgb_buf_putc(imgb_buf *b, char c);
void imgb_buf_printf(imgb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void imgb_buf_clear(imgb_buf *b);
/** Hand the string to the caller (who frees it) and reset the buffer. */
char *imgb_buf_detach(imgb_buf *b);
/** The public API's "text into `*out` (and `*len`)" ending: on `rc` < 0 free `b` and return
 *  `rc`; else hand its bytes over (NUL-terminated, "" when empty) and return 0. */
int imgb_buf_hand_out(imgb_buf *b, int rc, char **out, size_t *len);
void imgb_buf_dispose(imgb_buf *b);

/* Growable array of pointers. */
typedef struct imgb_ptrvec {
    void **items;
    size_t len;
    size_t cap;
} imgb_ptrvec;

#define IMGB_PTRVEC_INIT { NULL, 0, 0 }

void imgb_ptrvec_push(imgb_ptrvec *v, void *p);
/** Free the array; with `free_item` non-NULL, also every item. */
void imgb_ptrvec_dispose(imgb_ptrvec *v, void (*free_item)(void *));

#endif
