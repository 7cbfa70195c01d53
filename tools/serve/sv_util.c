/* Helpers of tools/serve/: see sv_util.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_util.h"

static void oom(void)
{
    fputs("imgbaseline: out of memory\n", stderr);
    abort();
}

void *sv_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *sv_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *sv_xstrndup(const char *s, size_t n)
{
    char *d = sv_xcalloc(n + 1, 1);
    memcpy(d, s, n);
    return d;
}

char *sv_xstrdup(const char *s)
{
    return sv_xstrndup(s, strlen(s));
}

char *sv_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return s;
}

static void reserve(sv_buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->ptr = sv_xrealloc(b->ptr, cap);
    b->cap = cap;
}

void sv_buf_put(sv_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
}

void sv_buf_puts(sv_buf *b, const char *s)
{
    sv_buf_put(b, s, strlen(s));
}

void sv_buf_putc(sv_buf *b, char c)
{
    sv_buf_put(b, &c, 1);
}

void sv_buf_printf(sv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sv_buf_clear(sv_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

char *sv_buf_detach(sv_buf *b)
{
    char *p = b->ptr ? b->ptr : sv_xstrdup("");
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

void sv_buf_dispose(sv_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

void sv_vec_push(sv_vec *v, void *p)
{
    if (v->len == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->items = sv_xrealloc(v->items, v->cap * sizeof *v->items);
    }
    v->items[v->len++] = p;
}

void sv_vec_dispose(sv_vec *v)
{
    free(v->items);
    v->items = NULL;
    v->len = v->cap = 0;
}

static _Thread_local char last_error[512];

int sv_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

const char *sv_error_last(void)
{
    return last_error;
}
