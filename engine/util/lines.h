/*
 * Lines of a text buffer, the way every config parser here reads them: split at LF only (a
 * CR stays in the line for the parser to judge, as fgets(3) and getline(3) leave it), the
 * last line may lack its LF, no copy is made.  One iterator instead of a memchr loop written
 * by hand in each parser.
 *
 *     imgb_lines it;
 *     const char *line;
 *     size_t n;
 *     imgb_lines_init(&it, data, len);
 *     while (imgb_lines_next(&it, &line, &n))
 *         use(it.number, line, n);
 *
 * Tests: tests/test_rules.c (lines_* cases).
 */
#ifndef IMGB_UTIL_LINES_H
#define IMGB_UTIL_LINES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct imgb_lines {
    const char *p, *end;      /* the rest of the text */
    int number;               /* 1-based number of the line last returned (0: none yet) */
    bool terminated;          /* that line ended with a LF (false: last line, cut or bare) */
} imgb_lines;

/** Start at the first line of `data[0..len)`. */
void imgb_lines_init(imgb_lines *it, const char *data, size_t len);

/** The next line (borrowed, without its LF) in *line / *len; false when the text is done.
 *  An empty text has no line; "a\n" has one; "a\nb" has two (the second not terminated). */
bool imgb_lines_next(imgb_lines *it, const char **line, size_t *len);

#endif
