/* Test helper: views from in-memory files and kind evaluation; see factview.h. */
#include "factview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <check.h>
#include <jansson.h>

#include "util/error.h"

static int factview_layer_cmp(const void *x, const void *y)
{
    const factview_file *const *a = x, *const *b = y;
    if ((*a)->layer != (*b)->layer)
        return (*a)->layer < (*b)->layer ? -1 : 1;
    return *a < *b ? -1 : *a > *b;
}

void factview_init(factview *fv, const factview_file *files, size_t n, const char *family)
{
    const factview_file **order = calloc(n ? n : 1, sizeof *order);
    ck_assert_ptr_nonnull(order);
    for (size_t i = 0; i < n; i++)
        order[i] = &files[i];
    qsort(order, n, sizeof *order, factview_layer_cmp);

    memset(fv, 0, sizeof *fv);
    fv->view = imgb_view_new(NULL);
    imgb_view_keep(fv->view, "/**");
    for (size_t i = 0; i < n; i++) {
        const factview_file *f = order[i];
        char *path = imgb_path_normalize(f->path);
        ck_assert_msg(path != NULL, "bad test path %s", f->path);
        imgb_entry e;
        memset(&e, 0, sizeof e);
        e.path = path;
        e.type = f->type;
        e.mode = f->mode ? f->mode : (f->type == IMGB_FT_DIR ? 0755 : 0644);
        e.mtime = 1700000000;
        e.link_target = f->link;
        if (f->type == IMGB_FT_REG) {
            e.content = (const unsigned char *)(f->content ? f->content : "");
            e.content_len = f->content ? strlen(f->content) : 0;
            e.size = e.content_len;
        }
        int rc = imgb_view_apply(fv->view, f->layer, &e);
        ck_assert_msg(rc == 0, "imgb_view_apply %s: %s", f->path, imgb_error_last());
        free(path);
    }
    free(order);
    fv->os.family = family;
    fv->ctx.view = fv->view;
    fv->ctx.os = &fv->os;
    fv->ctx.jobs = 1;
    fv->ctx.now = 1700000000; /* 2023-11-14: day 19675 */
    fv->ctx.cache = imgb_ctx_cache_new();
}

void factview_dispose(factview *fv)
{
    imgb_ctx_cache_free(fv->ctx.cache);
    imgb_view_free(fv->view);
    memset(fv, 0, sizeof *fv);
}

static const imgb_check_kind *factview_kind(json_t *params)
{
    const char *name = json_string_value(json_object_get(params, "kind"));
    ck_assert_msg(name != NULL, "check has no kind");
    const imgb_check_kind *k = imgb_check_kind_find(name);
    ck_assert_msg(k != NULL, "kind %s is not in the kind table", name);
    return k;
}

int factview_compile_rc(const char *json)
{
    json_error_t jerr;
    json_t *params = json_loads(json, 0, &jerr);
    ck_assert_msg(params != NULL, "bad test JSON: %s", jerr.text);
    const imgb_check_kind *k = factview_kind(params);
    void *compiled = NULL;
    int rc = imgb_check_kind_compile(k, params, &compiled);
    if (rc == 0)
        k->free(compiled);
    json_decref(params);
    return rc;
}

void factview_eval(factview *fv, const char *json, imgb_item_result *out)
{
    json_error_t jerr;
    json_t *params = json_loads(json, 0, &jerr);
    ck_assert_msg(params != NULL, "bad test JSON: %s", jerr.text);
    const imgb_check_kind *k = factview_kind(params);
    void *compiled = NULL;
    int rc = imgb_check_kind_compile(k, params, &compiled);
    ck_assert_msg(rc == 0, "compile %s: %s", json, imgb_error_last());

    void *state = NULL;
    if (k->prepare) {
        imgb_scan_setup setup;
        memset(&setup, 0, sizeof setup);
        setup.view = fv->view;
        k->prepare(compiled, &setup, &state);
    }
    memset(out, 0, sizeof *out);
    rc = k->evaluate(compiled, &fv->ctx, state, out);
    ck_assert_msg(rc == 0, "evaluate %s: %s", json, imgb_error_last());
    if (k->free_scan_state)
        k->free_scan_state(state);
    k->free(compiled);
    json_decref(params);
}

const imgb_evidence *factview_find_evidence(const imgb_item_result *r, const char *needle)
{
    for (size_t i = 0; i < r->nevidence; i++)
        if (r->evidence[i].message && strstr(r->evidence[i].message, needle))
            return &r->evidence[i];
    return NULL;
}

char *factview_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

size_t factview_case_files(const char *shared, const char *case_dir, const char *const *paths,
                           factview_file *files)
{
    size_t n = 0;
    for (size_t i = 0; paths[i]; i++) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s/files%s", case_dir, paths[i]);
        char *content = factview_slurp(buf);
        if (!content) {
            snprintf(buf, sizeof buf, "%s/conformance/ssg/base%s", shared, paths[i]);
            content = factview_slurp(buf);
        }
        if (!content)
            continue;
        memset(&files[n], 0, sizeof files[n]);
        files[n].path = paths[i];
        files[n].content = content;
        n++;
    }
    return n;
}

void factview_case_free(factview_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)files[i].content);
}

char *factview_shared_dir(void)
{
    const char *env = getenv("IMGB_SHARED_DIR");
    const char *src = getenv("IMGB_SOURCE_DIR");
    char buf[4096];
    struct stat st;

    if (env && stat(env, &st) == 0 && S_ISDIR(st.st_mode))
        return strdup(env);
    if (src) {
        snprintf(buf, sizeof buf, "%s/../../shared", src);
        if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
            return strdup(buf);
    }
    ck_abort_msg("no shared reference directory (IMGB_SHARED_DIR=%s)", env ? env : "unset");
    return NULL;
}
