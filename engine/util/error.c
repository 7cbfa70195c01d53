/* Thread-local last-error storage; see error.h. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char error_msg[IMGB_ERROR_MAX];
static _Thread_local int error_code;

int imgb_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_msg, sizeof error_msg, fmt, ap);
    va_end(ap);
    error_code = code;
    return code;
}

void imgb_error_prefix(const char *fmt, ...)
{
    char prefix[IMGB_ERROR_MAX];
    char old[IMGB_ERROR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, error_msg, sizeof old);
    /* Truncation is acceptable: the message stays one bounded line. */
    size_t n = strnlen(prefix, sizeof prefix - 1);
    memcpy(error_msg, prefix, n);
    if (n + 2 < sizeof error_msg) {
        error_msg[n++] = ':';
        error_msg[n++] = ' ';
    }
    size_t rest = sizeof error_msg - 1 - n;
    size_t olen = strnlen(old, rest);
    memcpy(error_msg + n, old, olen);
    error_msg[n + olen] = '\0';
}

void imgb_error_clear(void)
{
    error_msg[0] = '\0';
    error_code = IMGB_OK;
}

void imgb_error_reset(void)
{
    imgb_error_clear();
}

int imgb_error_last_code(void)
{
    return error_msg[0] ? (error_code ? error_code : IMGB_ERROR) : IMGB_OK;
}

void imgb_free(void *ptr)
{
    free(ptr);
}

const char *imgb_error_last(void)
{
    return error_msg;
}

const char *imgb_version(void)
{
    return IMGB_VERSION_STRING;
}
