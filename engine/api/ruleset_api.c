/*
 * The public ruleset calls (<imgbaseline/ruleset.h>) that the loader does not implement
 * itself: the dictionary, listing and describing baselines and items.  Loading is
 * engine/rules/loader.c; the kind list is engine/kinds.c.
 */
#include <strings.h>
#include <string.h>

#include <imgbaseline/ruleset.h>

#include "checks/weak_password.h"
#include "rules/i18n.h"
#include "rules/loader.h"
#include "rules/rules.h"
#include "util/error.h"
#include "util/mem.h"

int imgb_ruleset_dict_load(imgb_ruleset *rs, const char *path, imgb_dict_mode mode)
{
    if (!rs || !path)
        return imgb_error_set(IMGB_EINVAL, "dictionary: no ruleset or path");
    if (mode != IMGB_DICT_REPLACE && mode != IMGB_DICT_APPEND)
        return imgb_error_set(IMGB_EINVAL, "dictionary: unknown mode %d", (int)mode);
    return imgb_wp_dict_add(rs, path, mode == IMGB_DICT_REPLACE);
}

size_t imgb_ruleset_dict_size(const imgb_ruleset *rs, const char **source)
{
    const imgb_wp_dictionary *d = rs ? imgb_wp_dict_of(rs) : NULL;
    if (source)
        *source = d && d->source ? d->source : "";
    return d ? d->nwords : 0;
}

size_t imgb_ruleset_baseline_count(const imgb_ruleset *rs)
{
    return rs ? rs->nbaselines : 0;
}

const imgb_baseline *imgb_ruleset_baseline(const imgb_ruleset *rs, size_t i)
{
    return rs && i < rs->nbaselines ? rs->baselines[i] : NULL;
}

static const char *api_text(const imgb_text *t, imgb_lang lang)
{
    return lang == IMGB_LANG_EN ? t->en : t->zh;
}

const char *imgb_baseline_attr(const imgb_baseline *b, imgb_baseline_attr_id attr,
                               imgb_lang lang)
{
    if (!b)
        return NULL;
    switch (attr) {
    case IMGB_BASELINE_KEY: return b->key;
    case IMGB_BASELINE_CLASS: return b->class_key;
    case IMGB_BASELINE_ALIAS: return api_text(&b->alias, lang);
    case IMGB_BASELINE_CLASS_ALIAS: return api_text(&b->class_alias, lang);
    case IMGB_BASELINE_FILE: return b->file;
    case IMGB_BASELINE_APPLIES: return b->applies_text;
    case IMGB_BASELINE_HW_CHECK_NAME: return b->hw_check_name;
    case IMGB_BASELINE_HW_CHECK_TYPE: return b->hw_check_type;
    }
    return NULL;
}

size_t imgb_baseline_standard_count(const imgb_baseline *b)
{
    return b ? b->nstandards : 0;
}

const char *imgb_baseline_standard(const imgb_baseline *b, size_t i)
{
    return b && i < b->nstandards ? b->standards[i] : NULL;
}

size_t imgb_baseline_item_count(const imgb_baseline *b)
{
    return b ? b->nitems : 0;
}

const imgb_item *imgb_baseline_item(const imgb_baseline *b, size_t i)
{
    return b && i < b->nitems ? b->items[i] : NULL;
}

const char *imgb_item_attr(const imgb_item *it, imgb_item_attr_id attr, imgb_lang lang)
{
    if (!it)
        return NULL;
    switch (attr) {
    case IMGB_ITEM_ID: return it->id;
    case IMGB_ITEM_KEY: return it->key;
    case IMGB_ITEM_TITLE: return api_text(&it->title, lang);
    case IMGB_ITEM_DESCRIPTION: return api_text(&it->description, lang);
    case IMGB_ITEM_ADVICE: return api_text(&it->advice, lang);
    case IMGB_ITEM_KIND: return it->kind ? it->kind->name : NULL;
    case IMGB_ITEM_CHECK_JSON: return it->check_json;
    case IMGB_ITEM_REFERENCES: return it->references_json;
    case IMGB_ITEM_BUCKET: return imgb_bucket_name(it->bucket);
    case IMGB_ITEM_FILE: return it->file;
    }
    return NULL;
}

imgb_severity imgb_item_severity(const imgb_item *it)
{
    return it ? it->severity : IMGB_SEV_LOW;
}

int imgb_item_line(const imgb_item *it)
{
    return it ? it->line : 0;
}

int imgb_lang_parse(const char *s, imgb_lang *out)
{
    if (s && strcmp(s, "zh") == 0)
        *out = IMGB_LANG_ZH;
    else if (s && strcmp(s, "en") == 0)
        *out = IMGB_LANG_EN;
    else
        return imgb_error_set(IMGB_EINVAL, "lang must be zh or en, not '%.32s'", s ? s : "");
    return 0;
}

char *imgb_ruleset_translate(const imgb_ruleset *rs, imgb_lang lang, const char *msg)
{
    if (!msg)
        return NULL;
    if (lang == IMGB_LANG_EN || !rs)
        return imgb_xstrdup(msg);
    return imgb_catalog_translate(rs->catalog, msg, NULL, NULL);
}
