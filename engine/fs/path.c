/*
 * Normalisation of paths found in layer tars.  Tar writers spell the same file "etc/passwd",
 * "./etc/passwd" or "/etc/passwd" (GNU tar -C dir ., docker, buildah); the view stores one
 * spelling.  ".." is refused rather than resolved: an entry that climbs is hostile and must
 * never reach the view (see fs/view.h).  Tests: tests/test_fs.c.
 */
#include "fs/path.h"

#include <string.h>

#include "fs/view.h"
#include "util/limits.h"
#include "util/mem.h"

long imgb_path_normalize_into(const char *name, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = name;

    if (cap == 0)
        return -1;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 1 && s[0] == '.')
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return -1;
        if (o > 0) {
            if (o + 1 >= cap)
                return -1;
            out[o++] = '/';
        }
        if (o + n >= cap)
            return -1;
        memcpy(out + o, s, n);
        o += n;
    }
    out[o] = '\0';
    return (long)o;
}

char *imgb_path_normalize(const char *name)
{
    char buf[IMGB_MAX_PATH + 1];
    long n;

    if (!name)
        return NULL;
    n = imgb_path_normalize_into(name, buf, sizeof buf);
    if (n <= 0)
        return NULL;
    return imgb_xstrndup(buf, (size_t)n);
}
