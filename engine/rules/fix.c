/* Compiling an item's `fix:` variants (fix.h). */
#include "rules/fix.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/mem.h"
#include "util/regex.h"

static const char *const fix_keys[] = { "run", "note", "when", NULL };
static const char *const when_keys[] = { "os", "os_version_min", "os_version_max", "openssh_min",
                                         "openssh_max", "file", "set", "file_contains", NULL };

/* Refuse keys outside `keys` so a typo never drops a condition (a dropped condition would
 * hand out a snippet for the wrong OpenSSH or file). */
static int fix_keys_only(const json_t *o, const char *const *keys, size_t i, const char *what)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (size_t n = 0; keys[n]; n++)
            ok |= strcmp(k, keys[n]) == 0;
        if (!ok) {
            imgb_buf b = IMGB_BUF_INIT;
            for (size_t n = 0; keys[n]; n++)
                imgb_buf_printf(&b, "%s%s", n ? ", " : "", keys[n]);
            int rc = imgb_error_set(IMGB_EFORMAT, "fix %zu: unknown %s key '%s' (expected one "
                                    "of %s)", i + 1, what, k, b.ptr ? b.ptr : "");
            imgb_buf_dispose(&b);
            return rc;
        }
    }
    return 0;
}

static int fix_string(const json_t *o, const char *key, size_t i, bool required, char **out)
{
    const json_t *v = json_object_get(o, key);
    if (!v) {
        if (required)
            return imgb_error_set(IMGB_EFORMAT, "fix %zu: missing '%s'", i + 1, key);
        return 0;
    }
    if (json_is_integer(v)) { /* a plain `10` in YAML: a version, as written */
        *out = imgb_xasprintf("%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v) || !*json_string_value(v))
        return imgb_error_set(IMGB_EFORMAT, "fix %zu: '%s' must be a non-empty string", i + 1,
                              key);
    *out = imgb_xstrdup(json_string_value(v));
    return 0;
}

static int fix_when(const json_t *w, size_t i, imgb_fix *f)
{
    int rc;
    if (!json_is_object(w))
        return imgb_error_set(IMGB_EFORMAT, "fix %zu: 'when' must be a mapping", i + 1);
    if ((rc = fix_keys_only(w, when_keys, i, "when")) < 0)
        return rc;
    const json_t *os = json_object_get(w, "os");
    if (os) {
        bool one = json_is_string(os);
        if (!one && !json_is_array(os))
            return imgb_error_set(IMGB_EFORMAT, "fix %zu: 'os' must be an ID or a list of IDs",
                                  i + 1);
        size_t n = one ? 1 : json_array_size(os);
        f->os_ids = imgb_xcalloc(n ? n : 1, sizeof *f->os_ids);
        for (size_t k = 0; k < n; k++) {
            const json_t *e = one ? os : json_array_get(os, k);
            if (!json_is_string(e))
                return imgb_error_set(IMGB_EFORMAT, "fix %zu: 'os' entries must be strings",
                                      i + 1);
            f->os_ids[f->nos_ids++] = imgb_xstrdup(json_string_value(e));
        }
    }
    if ((rc = fix_string(w, "os_version_min", i, false, &f->os_version_min)) < 0 ||
        (rc = fix_string(w, "os_version_max", i, false, &f->os_version_max)) < 0 ||
        (rc = fix_string(w, "openssh_min", i, false, &f->openssh_min)) < 0 ||
        (rc = fix_string(w, "openssh_max", i, false, &f->openssh_max)) < 0 ||
        (rc = fix_string(w, "file", i, false, &f->file)) < 0)
        return rc;
    const json_t *set = json_object_get(w, "set");
    if (set && !json_is_boolean(set))
        return imgb_error_set(IMGB_EFORMAT, "fix %zu: 'set' must be true or false", i + 1);
    f->set = set ? json_is_true(set) : -1;
    const json_t *fc = json_object_get(w, "file_contains");
    if (fc) {
        static const char *const fc_keys[] = { "path", "pattern", NULL };
        if (!json_is_object(fc))
            return imgb_error_set(IMGB_EFORMAT, "fix %zu: 'file_contains' must be {path, "
                                  "pattern}", i + 1);
        if ((rc = fix_keys_only(fc, fc_keys, i, "file_contains")) < 0)
            return rc;
        char *pattern = NULL;
        if ((rc = fix_string(fc, "path", i, true, &f->contains_path)) < 0 ||
            (rc = fix_string(fc, "pattern", i, true, &pattern)) < 0)
            return rc;
        int err;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                       PCRE2_MULTILINE, &err, &off, NULL);
        free(pattern);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            return imgb_error_set(IMGB_EFORMAT, "fix %zu: file_contains pattern at offset %zu: "
                                  "%s", i + 1, (size_t)off, (const char *)msg);
        }
        imgb_regex_jit(re);
        f->contains_re = re;
    }
    return 0;
}

static int fix_one(const json_t *o, size_t i, imgb_fix *f)
{
    int rc;
    f->set = -1;
    if (!json_is_object(o))
        return imgb_error_set(IMGB_EFORMAT, "fix %zu: must be a mapping {run, note, when}",
                              i + 1);
    if ((rc = fix_keys_only(o, fix_keys, i, "fix")) < 0 ||
        (rc = fix_string(o, "run", i, true, &f->run)) < 0)
        return rc;
    /* a snippet is pasted into a Dockerfile: one instruction, no control bytes that a
     * terminal or the Dockerfile parser would read differently */
    for (const char *c = f->run; *c; c++)
        if ((unsigned char)*c < 0x20 && *c != '\n')
            return imgb_error_set(IMGB_EFORMAT, "fix %zu: 'run' holds a control character",
                                  i + 1);
    const json_t *note = json_object_get(o, "note");
    if (note) {
        const json_t *zh = json_object_get(note, "zh"), *en = json_object_get(note, "en");
        if (!json_is_object(note) || json_object_size(note) != 2 || !json_is_string(zh) ||
            !json_is_string(en))
            return imgb_error_set(IMGB_EFORMAT, "fix %zu: 'note' must be {zh: ..., en: ...}",
                                  i + 1);
        f->note.zh = imgb_xstrdup(json_string_value(zh));
        f->note.en = imgb_xstrdup(json_string_value(en));
    }
    const json_t *w = json_object_get(o, "when");
    return w ? fix_when(w, i, f) : 0;
}

int imgb_fixes_compile(const json_t *j, imgb_fixes *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_array(j) || json_array_size(j) == 0)
        return imgb_error_set(IMGB_EFORMAT, "fix: must be a non-empty list of {run, note, "
                              "when}");
    out->v = imgb_xcalloc(json_array_size(j), sizeof *out->v);
    for (size_t i = 0; i < json_array_size(j); i++) {
        out->n++;
        int rc = fix_one(json_array_get(j, i), i, &out->v[i]);
        if (rc < 0) {
            imgb_fixes_dispose(out);
            return rc;
        }
    }
    return 0;
}

void imgb_fixes_dispose(imgb_fixes *f)
{
    for (size_t i = 0; i < f->n; i++) {
        imgb_fix *x = &f->v[i];
        free(x->run);
        free(x->note.zh);
        free(x->note.en);
        for (size_t k = 0; k < x->nos_ids; k++)
            free(x->os_ids[k]);
        free(x->os_ids);
        free(x->os_version_min);
        free(x->os_version_max);
        free(x->openssh_min);
        free(x->openssh_max);
        free(x->file);
        free(x->contains_path);
        pcre2_code_free(x->contains_re);
    }
    free(f->v);
    f->v = NULL;
    f->n = 0;
}
