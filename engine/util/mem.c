/* Allocation wrappers and growable buffers; see mem.h. */
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mem_die(void)
{
    fputs("imgbaseline: out of memory\n", stderr);
    abort();
}

void *imgb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_die();
    return p;
}

void *imgb_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mem_die();
    return p;
}

void *imgb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_die();
    return q;
}

char *imgb_xstrdup(const char *s)
{
    return imgb_xstrndup(s, strlen(s));
}

char *imgb_xstrndup(const char *s, size_t n)
{
    char *p = imgb_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *imgb_xasprintf(const char *fmt, ...)
{
    imgb_buf b = IMGB_BUF_INIT;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        mem_die();
    b.ptr = imgb_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b.ptr, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return b.ptr;
}

static void buf_grow(imgb_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->ptr = imgb_xrealloc(b->ptr, cap);
    b->cap = cap;
}

void imgb_buf_put(imgb_buf *b, const void *data, size_t len)
{
    buf_grow(b, len);
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
}

void imgb_buf_puts(imgb_buf *b, const char *s)
{
    imgb_buf_put(b, s, strlen(s));
}

void imgb_buf_putc(imgb_buf *b, char c)
{
    imgb_buf_put(b, &c, 1);
}

void imgb_buf_printf(imgb_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void imgb_buf_clear(imgb_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

char *imgb_buf_detach(imgb_buf *b)
{
    char *p = b->ptr ? b->ptr : imgb_xstrdup("");
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

int imgb_buf_hand_out(imgb_buf *b, int rc, char **out, size_t *len)
{
    if (rc < 0) {
        imgb_buf_dispose(b);
        return rc;
    }
    if (len)
        *len = b->len;
    *out = imgb_buf_detach(b);
    return 0;
}

void imgb_buf_dispose(imgb_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

void imgb_ptrvec_push(imgb_ptrvec *v, void *p)
{
    if (v->len == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->items = imgb_xrealloc(v->items, v->cap * sizeof *v->items);
    }
    v->items[v->len++] = p;
}

void imgb_ptrvec_dispose(imgb_ptrvec *v, void (*free_item)(void *))
{
    if (free_item)
        for (size_t i = 0; i < v->len; i++)
            free_item(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->len = v->cap = 0;
}
