/*
 * What the rule engine does with any check kind: check the parameter keys against the list
 * the kind declares, then compile (rules.h).  One place, so every kind refuses typos alike.
 */
#include <string.h>

#include "rules/rules.h"
#include "util/error.h"
#include "util/mem.h"

bool imgb_check_kind_accepts(const imgb_check_kind *kind, const char *key)
{
    if (strcmp(key, "kind") == 0)
        return true;
    for (size_t i = 0; kind->keys && kind->keys[i]; i++)
        if (strcmp(kind->keys[i], key) == 0)
            return true;
    return false;
}

int imgb_check_kind_compile(const imgb_check_kind *kind, const json_t *params, void **compiled)
{
    *compiled = NULL;
    if (!json_is_object(params))
        return imgb_error_set(IMGB_EFORMAT, "check: expected a mapping");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)params, key, v) {
        if (key[0] == '_' || imgb_check_kind_accepts(kind, key))
            continue; /* '_' keys are added by the loader (_rules_dir), never by authors */
        imgb_buf b = IMGB_BUF_INIT;
        for (size_t i = 0; kind->keys && kind->keys[i]; i++)
            imgb_buf_printf(&b, "%s%s", i ? ", " : "", kind->keys[i]);
        int rc = imgb_error_set(IMGB_EFORMAT, "unknown parameter '%s' (expected %s%s)", key,
                                b.len ? "one of: " : "no parameters besides 'kind'",
                                b.len ? b.ptr : "");
        imgb_buf_dispose(&b);
        return rc;
    }
    return kind->compile(params, compiled);
}
