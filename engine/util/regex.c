/* PCRE2 JIT, limits and the nested-quantifier lint (see regex.h). */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"
#include "util/mem.h"
#include "util/regex.h"

void imgb_regex_jit(pcre2_code *code)
{
    const char *no = getenv("IMGB_NO_JIT");
    if (no && *no && *no != '0')
        return;
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
}

static pcre2_match_context *regex_mctx;
static pthread_once_t regex_once = PTHREAD_ONCE_INIT;

static void regex_mctx_init(void)
{
    regex_mctx = pcre2_match_context_create(NULL);
    if (!regex_mctx)
        abort(); /* out of memory, as imgb_xmalloc */
    pcre2_set_match_limit(regex_mctx, IMGB_REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(regex_mctx, IMGB_REGEX_DEPTH_LIMIT);
    pcre2_set_heap_limit(regex_mctx, IMGB_REGEX_HEAP_LIMIT);
}

pcre2_match_context *imgb_regex_limits(void)
{
    pthread_once(&regex_once, regex_mctx_init);
    return regex_mctx;
}

int imgb_regex_match(const pcre2_code *code, const unsigned char *subject, size_t len,
                     size_t start, uint32_t options, pcre2_match_data *md)
{
    return pcre2_match(code, subject, len, start, options, md, imgb_regex_limits());
}

char *imgb_regex_error(int rc)
{
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(rc, msg, sizeof msg) < 0)
        return imgb_xasprintf("PCRE2 error %d", rc);
    return imgb_xstrdup((const char *)msg);
}

/* ---- nested quantifiers ------------------------------------------------------------------ */

/* Length of the quantifier at `p` (0: none); *unbounded: +, * or {n,} / {n,m} with m > 1. */
static size_t regex_quantifier(const char *p, bool *repeats, bool *unbounded)
{
    *repeats = *unbounded = false;
    size_t n = 0;
    if (*p == '+' || *p == '*') {
        *repeats = *unbounded = true;
        n = 1;
    } else if (*p == '?') {
        n = 1;
    } else if (*p == '{') {
        const char *q = p + 1;
        char *end;
        long lo = strtol(q, &end, 10);
        if (end == q)
            return 0; /* a literal '{' */
        long hi = lo;
        if (*end == ',') {
            q = end + 1;
            hi = strtol(q, &end, 10);
            if (end == q)
                hi = -1; /* {n,}: unbounded */
        }
        if (*end != '}')
            return 0;
        n = (size_t)(end + 1 - p);
        *unbounded = hi < 0;
        *repeats = hi < 0 || hi > 1;
        (void)lo;
    } else {
        return 0;
    }
    if (p[n] == '?' || p[n] == '+') /* lazy or possessive suffix */
        n++;
    return n;
}

/* Skip the atom starting at `p` (an escape, a class or one character); returns its end. */
static const char *regex_skip_atom(const char *p)
{
    if (*p == '\\') {
        if (p[1] == 'Q') {
            const char *e = strstr(p + 2, "\\E");
            return e ? e + 2 : p + strlen(p);
        }
        return p[1] ? p + 2 : p + 1;
    }
    if (*p == '[') {
        const char *q = p + 1;
        if (*q == '^')
            q++;
        if (*q == ']')
            q++;
        while (*q && *q != ']') {
            if (*q == '\\' && q[1])
                q += 2;
            else if (*q == '[' && q[1] == ':') {
                const char *e = strstr(q + 2, ":]");
                q = e ? e + 2 : q + 1;
            } else
                q++;
        }
        return *q ? q + 1 : q;
    }
    return p + 1;
}

#define REGEX_MAX_NEST 256

/* What the scan knows of one open group. */
typedef struct regex_frame {
    bool inner;       /* holds an unbounded quantifier */
    bool alt_anchor;  /* the current alternative has a mandatory, non-repeating atom */
    bool all_anchor;  /* every finished alternative had one */
} regex_frame;

/* Past the "?:", "?<name>", "?i:" or "*VERB" after a '(': none of it is an atom. */
static const char *regex_skip_group_head(const char *p)
{
    if (*p == '*') { /* (*VERB) / (*VERB:arg) */
        while (*p && *p != ')' && *p != ':')
            p++;
        return *p == ':' ? p + 1 : p;
    }
    if (*p != '?')
        return p;
    p++;
    if (strchr(":>|=!", *p) && *p)
        return p + 1;
    if (*p == '<' && (p[1] == '=' || p[1] == '!'))
        return p + 2;
    if (*p == '<' || *p == '\'' || (*p == 'P' && p[1] == '<')) {
        char close = *p == '\'' ? '\'' : '>';
        const char *e = strchr(p + 1, close);
        return e ? e + 1 : p + strlen(p);
    }
    while (*p && (isalpha((unsigned char)*p) || *p == '-' || *p == '^'))
        p++; /* option letters: (?i) ends at ')', (?i:...) at ':' */
    return *p == ':' ? p + 1 : p;
}

/* Zero-width atoms never separate two repetitions: ^ $ \b \B \A \z \Z \G. */
static bool regex_zero_width(const char *a, size_t n)
{
    if (n == 1)
        return *a == '^' || *a == '$';
    return n == 2 && a[0] == '\\' && strchr("bBAzZG", a[1]);
}

/*
 * Star height above one, where it can backtrack: a group that holds an unbounded quantifier
 * and whose alternatives are not all pinned by a mandatory single atom is repeated.
 * `(a+)+`, `(\w+\s?)*`, `(a|b*){2,}` qualify; `(?:-\S+\s+)*` does not (every repetition
 * starts with '-': one way to split the text).
 */
bool imgb_regex_nested_quantifier(const char *pattern, size_t *at)
{
    regex_frame f[REGEX_MAX_NEST + 1];
    f[0] = (regex_frame){ false, false, true };
    int depth = 0;
    size_t over = 0; /* groups nested past REGEX_MAX_NEST: counted, not tracked */
    const char *p = pattern;
    while (*p) {
        if (*p == '(') {
            if (depth < REGEX_MAX_NEST)
                f[++depth] = (regex_frame){ false, false, true };
            else
                over++;
            p = regex_skip_group_head(p + 1);
            continue;
        }
        if (*p == '|') {
            f[depth].all_anchor &= f[depth].alt_anchor;
            f[depth].alt_anchor = false;
            p++;
            continue;
        }
        if (*p == ')' && over) {
            over--;
            p++;
            continue;
        }
        bool group = *p == ')', atom_inner = false, atom_anchor;
        const char *a = p;
        if (group) {
            regex_frame g = f[depth];
            atom_inner = g.inner;
            atom_anchor = g.all_anchor && g.alt_anchor;
            p++;
        } else {
            p = regex_skip_atom(p);
            atom_anchor = !regex_zero_width(a, (size_t)(p - a));
        }
        bool repeats, unbounded;
        size_t q = regex_quantifier(p, &repeats, &unbounded);
        if (group && repeats && atom_inner && !atom_anchor) {
            if (at)
                *at = (size_t)(p - pattern);
            return true;
        }
        if (group && depth > 0)
            depth--;
        if (atom_inner || unbounded)
            f[depth].inner = true;
        /* a mandatory single atom: present exactly once (no quantifier or a bounded one) */
        if (atom_anchor && !repeats && !(q && (*p == '?' || *p == '*' || p[1] == '0')))
            f[depth].alt_anchor = true;
        p += q;
    }
    return false;
}
