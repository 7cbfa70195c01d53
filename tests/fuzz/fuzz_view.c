/*
 * Fuzz target for the merged filesystem view (engine/fs/view.c): the input is a small script
 * of layer entries and queries, one per line, "<op><path>[<TAB><arg>]":
 *
 *   L            start the next layer          l            re-apply an older layer number
 *   Fpath<TAB>c  regular file with content c   Dpath        directory
 *   Spath<TAB>t  symlink to t                  Hpath<TAB>t  hardlink to t
 *   Cpath        character device              Ppath        fifo
 *   Qpath        lookup, following symlinks    qpath        lookup, not following
 *   Rpath        read content                  Gpattern     glob
 *   Wpath        imgb_view_wants               Xpath<TAB>c  entry with content but type REG
 *                                                           and a bogus size (size != len)
 * Whiteouts are plain entries named ".wh.NAME" / ".wh..wh..opq", as in a layer tar.  Caps
 * are tiny so truncation and the total cap happen.  After the script the view is walked and
 * its invariants checked; a violation aborts (a crash for libFuzzer, a failed ctest for the
 * replay driver).  Corpus: tests/fuzz/corpus/view/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/view.h"
#include "fuzz.h"
#include "util/limits.h"
#include "util/mem.h"

/* Inputs above this are ignored: the view's cost is per entry, long scripts add nothing. */
#define FUZZ_VIEW_MAX_INPUT (64u << 10)
#define FUZZ_VIEW_FILE_MAX 8u
#define FUZZ_VIEW_TOTAL_MAX 64u

typedef struct fuzz_walk {
    const imgb_view *view;
    size_t seen;
    char *prev_glob;
} fuzz_walk;

static bool fuzz_has_whiteout_component(const char *path)
{
    const char *p = path;
    for (;;) {
        if (strncmp(p, ".wh.", 4) == 0)
            return true;
        p = strchr(p, '/');
        if (!p)
            return false;
        p++;
    }
}

/* Every node: normalised path, reachable by exact lookup, parent a directory, caps held. */
static int fuzz_check_node(const imgb_node_info *info, void *payload)
{
    fuzz_walk *w = payload;
    imgb_node_info again;

    w->seen++;
    FUZZ_CHECK(info->path[0] != '\0');
    char *norm = imgb_path_normalize(info->path);
    FUZZ_CHECK(norm && strcmp(norm, info->path) == 0);
    free(norm);
    FUZZ_CHECK(!fuzz_has_whiteout_component(info->path));
    FUZZ_CHECK(imgb_view_lookup(w->view, info->path, false, &again) == 0);
    FUZZ_CHECK(strcmp(again.path, info->path) == 0);
    FUZZ_CHECK(info->type != IMGB_FT_HARDLINK);
    FUZZ_CHECK(info->content_len <= FUZZ_VIEW_FILE_MAX);
    FUZZ_CHECK(!info->content || info->type == IMGB_FT_REG);
    FUZZ_CHECK((info->link_target != NULL) == (info->type == IMGB_FT_SYMLINK));
    const char *slash = strrchr(info->path, '/');
    if (slash) {
        char *parent = imgb_xstrndup(info->path, (size_t)(slash - info->path));
        FUZZ_CHECK(imgb_view_lookup(w->view, parent, false, &again) == 0);
        FUZZ_CHECK(again.type == IMGB_FT_DIR);
        free(parent);
    }
    return 0;
}

static int fuzz_check_glob(const imgb_node_info *info, void *payload)
{
    fuzz_walk *w = payload;
    FUZZ_CHECK(!w->prev_glob || strcmp(w->prev_glob, info->path) < 0);
    free(w->prev_glob);
    w->prev_glob = imgb_xstrdup(info->path);
    return 0;
}

static int fuzz_check_unkept(const imgb_node_info *info, void *payload)
{
    (void)payload;
    FUZZ_CHECK(info->type == IMGB_FT_REG && info->content == NULL);
    return 0;
}

static void fuzz_apply(imgb_view *v, int layer, char op, const char *path, const char *arg)
{
    imgb_entry e = { .path = path, .mode = 0644 };
    switch (op) {
    case 'F':
    case 'X':
        e.type = IMGB_FT_REG;
        e.content = (const unsigned char *)arg;
        e.content_len = strlen(arg);
        e.size = op == 'X' ? 1u << 20 : e.content_len;
        break;
    case 'D':
        e.type = IMGB_FT_DIR;
        break;
    case 'S':
        e.type = IMGB_FT_SYMLINK;
        e.link_target = arg;
        break;
    case 'H':
        e.type = IMGB_FT_HARDLINK;
        e.link_target = arg;
        break;
    case 'C':
        e.type = IMGB_FT_CHR;
        break;
    default:
        e.type = IMGB_FT_FIFO;
        break;
    }
    int rc = imgb_view_apply(v, layer, &e);
    FUZZ_CHECK(rc == 0 || rc == IMGB_ELIMIT);
}

/*
 * Reference resolver for differential checking: the textbook component walk (path_resolution(7)
 * inside a chroot), using only exact lookups of real paths, without the view's shortcuts.
 * Returns 0 with the real path in `out`, IMGB_ENOTFOUND or IMGB_ELOOP.
 */
static int fuzz_ref_resolve(const imgb_view *v, const char *path, bool follow, imgb_buf *out)
{
    char *rem = imgb_xstrdup(path);
    char *cur = imgb_xstrdup("");
    size_t pos = 0;
    int hops = 0, rc = 0;
    imgb_node_info info;

    for (;;) {
        while (rem[pos] == '/')
            pos++;
        if (!rem[pos])
            break;
        size_t s = pos;
        while (rem[pos] && rem[pos] != '/')
            pos++;
        /* Trailing "/" and "." components do not count (the view's documented choice). */
        size_t after = pos;
        for (;;) {
            while (rem[after] == '/')
                after++;
            if (rem[after] == '.' && (rem[after + 1] == '/' || rem[after + 1] == '\0'))
                after++;
            else
                break;
        }
        bool last = rem[after] == '\0';
        char *comp = imgb_xstrndup(rem + s, pos - s);
        if (strcmp(comp, ".") == 0) {
            free(comp);
            continue;
        }
        if (strcmp(comp, "..") == 0) {
            char *slash = strrchr(cur, '/');
            if (slash)
                *slash = '\0';
            else
                cur[0] = '\0';
            free(comp);
            continue;
        }
        char *cand = cur[0] ? imgb_xasprintf("%s/%s", cur, comp) : imgb_xstrdup(comp);
        free(comp);
        if (imgb_view_lookup(v, cand, false, &info) != 0 || strcmp(info.path, cand) != 0) {
            free(cand);
            rc = IMGB_ENOTFOUND;
            break;
        }
        if (info.type == IMGB_FT_SYMLINK && (!last || follow)) {
            free(cand);
            if (++hops > IMGB_MAX_SYMLINK_HOPS) {
                rc = IMGB_ELOOP;
                break;
            }
            if (!info.link_target[0]) {
                rc = IMGB_ENOTFOUND;
                break;
            }
            char *next = imgb_xasprintf("%s%s", info.link_target, rem + pos);
            free(rem);
            rem = next;
            pos = 0;
            if (info.link_target[0] == '/')
                cur[0] = '\0';
            continue;
        }
        if (!last && info.type != IMGB_FT_DIR) {
            free(cand);
            rc = IMGB_ENOTFOUND;
            break;
        }
        free(cur);
        cur = cand;
    }
    if (rc == 0)
        imgb_buf_puts(out, cur);
    free(cur);
    free(rem);
    return rc;
}

static void fuzz_query(const imgb_view *v, char op, const char *path)
{
    imgb_node_info info;
    const unsigned char *data;
    size_t len;
    int rc;
    fuzz_walk w = { v, 0, NULL };

    switch (op) {
    case 'Q':
    case 'q':
        rc = imgb_view_lookup(v, path, op == 'Q', &info);
        FUZZ_CHECK(rc == 0 || rc == IMGB_ENOTFOUND || rc == IMGB_ELOOP);
        if (rc == 0 && op == 'Q')
            FUZZ_CHECK(info.type != IMGB_FT_SYMLINK);
        {
            imgb_buf ref = IMGB_BUF_INIT;
            int want = fuzz_ref_resolve(v, path, op == 'Q', &ref);
            /* The view bounds expanded paths; the reference does not. */
            bool too_long = rc == IMGB_ENOTFOUND && strstr(imgb_error_last(), "too long");
            if (!(too_long || rc == want))
                fprintf(stderr, "fuzz_view: lookup %s: view %d (%s), reference %d\n", path, rc,
                        imgb_error_last(), want);
            FUZZ_CHECK(too_long || rc == want);
            if (rc == 0 && want == 0)
                FUZZ_CHECK(strcmp(info.path, ref.ptr) == 0);
            imgb_buf_dispose(&ref);
        }
        break;
    case 'R':
        rc = imgb_view_read(v, path, &data, &len);
        FUZZ_CHECK(rc == 0 || rc == IMGB_ENOTFOUND || rc == IMGB_ELOOP || rc == IMGB_ERROR);
        if (rc == 0)
            FUZZ_CHECK(len <= FUZZ_VIEW_FILE_MAX);
        break;
    case 'G':
        rc = imgb_view_glob(v, path, fuzz_check_glob, &w);
        FUZZ_CHECK(rc == 0 || rc == IMGB_EINVAL);
        free(w.prev_glob);
        break;
    default:
        (void)imgb_view_wants(v, path);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    imgb_view_limits lim = { FUZZ_VIEW_FILE_MAX, FUZZ_VIEW_TOTAL_MAX };
    imgb_view *v;
    char *text, *line, *next;
    int layer = 0;
    int applied = -1; /* highest layer an entry was applied with */

    if (size > FUZZ_VIEW_MAX_INPUT)
        return 0;
    text = imgb_xstrndup((const char *)data, size);
    v = imgb_view_new(&lim);
    imgb_view_keep(v, "/etc/**");
    imgb_view_keep(v, "/*/k*");
    for (line = text; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char op = line[0];
        if (!op)
            continue;
        char *path = line + 1;
        char *arg = strchr(path, '\t');
        if (arg)
            *arg++ = '\0';
        else
            arg = path + strlen(path);
        switch (op) {
        case 'L':
            if (layer + 1 < IMGB_MAX_LAYERS)
                layer++;
            break;
        case 'l': {
            imgb_entry e = { .path = "x", .type = IMGB_FT_REG };
            if (layer > 0 && applied == layer)
                FUZZ_CHECK(imgb_view_apply(v, layer - 1, &e) == IMGB_EINVAL);
            break;
        }
        case 'Q':
        case 'q':
        case 'R':
        case 'G':
        case 'W':
            fuzz_query(v, op, path);
            break;
        default:
            fuzz_apply(v, layer, op, path, arg);
            applied = layer;
            break;
        }
    }

    fuzz_walk w = { v, 0, NULL };
    FUZZ_CHECK(imgb_view_walk(v, fuzz_check_node, &w) == 0);
    FUZZ_CHECK(w.seen == imgb_view_count(v));
    for (size_t i = 0; i < imgb_view_removed_count(v); i++) {
        const imgb_removed *r = imgb_view_removed_at(v, i);
        FUZZ_CHECK(r->layer_added < r->layer_removed);
        FUZZ_CHECK(!fuzz_has_whiteout_component(r->path));
    }
    FUZZ_CHECK(imgb_view_warning_count(v) <= IMGB_MAX_VIEW_WARNINGS);
    FUZZ_CHECK(imgb_view_unkept_targets(v, fuzz_check_unkept, NULL) == 0);
    imgb_view_free(v);
    free(text);
    return 0;
}
