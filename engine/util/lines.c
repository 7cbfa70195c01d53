/* Lines of a text buffer (see lines.h). */
#include <string.h>

#include "util/lines.h"

void imgb_lines_init(imgb_lines *it, const char *data, size_t len)
{
    it->p = data;
    it->end = data + len;
    it->number = 0;
    it->terminated = false;
}

bool imgb_lines_next(imgb_lines *it, const char **line, size_t *len)
{
    if (it->p >= it->end)
        return false;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    *line = it->p;
    *len = nl ? (size_t)(nl - it->p) : (size_t)(it->end - it->p);
    it->p = nl ? nl + 1 : it->end;
    it->terminated = nl != NULL;
    it->number++;
    return true;
}
