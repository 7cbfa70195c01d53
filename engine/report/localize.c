/*
 * One language per report: the engine writes its messages in English (evidence messages,
 * expected conditions, sources, reasons a baseline applies or was skipped, warnings); for
 * another language, imgb_report_render_fmt() renders a copy of the result whose texts went
 * through the ruleset's message catalog (engine/rules/i18n.h).  Every renderer works on that
 * copy, so none of them knows about translation, and English output is the result itself,
 * byte for byte.
 *
 * The copy shares everything with the result except the arrays that hold a translated
 * string (baselines, items, evidence, skips, warnings, the image's warnings), which it owns
 * along with those strings.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_priv.h"
#include "rules/i18n.h"
#include "util/mem.h"

static char *loc_text(const imgb_catalog *cat, const char *s)
{
    return imgb_catalog_translate(cat, s, NULL, NULL);
}

static char **loc_lines(const imgb_catalog *cat, char *const *lines, size_t n)
{
    char **v = imgb_xcalloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = loc_text(cat, lines[i]);
    return v;
}

static void loc_item(const imgb_catalog *cat, imgb_item_result *dst, const imgb_item_result *src)
{
    *dst = *src;
    dst->evidence = imgb_xcalloc(src->nevidence ? src->nevidence : 1, sizeof *dst->evidence);
    dst->cap_evidence = src->nevidence;
    for (size_t e = 0; e < src->nevidence; e++) {
        imgb_evidence *ev = &dst->evidence[e];
        *ev = src->evidence[e];
        ev->message = loc_text(cat, ev->message);
        ev->expected = loc_text(cat, ev->expected);
        ev->source = loc_text(cat, ev->source);
    }
}

imgb_scan_result *imgb_report_localize(const imgb_scan_result *res, imgb_lang lang)
{
    const imgb_catalog *cat = res->ruleset ? res->ruleset->catalog : NULL;
    if (lang == IMGB_LANG_EN || imgb_catalog_count(cat) == 0)
        return NULL;
    imgb_scan_result *loc = imgb_xmalloc(sizeof *loc);
    *loc = *res;
    loc->baselines = imgb_xcalloc(res->nbaselines ? res->nbaselines : 1, sizeof *loc->baselines);
    for (size_t b = 0; b < res->nbaselines; b++) {
        imgb_baseline_result *br = &loc->baselines[b];
        *br = res->baselines[b];
        br->reason = loc_text(cat, br->reason);
        br->items = imgb_xcalloc(br->nitems ? br->nitems : 1, sizeof *br->items);
        for (size_t i = 0; i < br->nitems; i++)
            loc_item(cat, &br->items[i], &res->baselines[b].items[i]);
    }
    loc->skipped = imgb_xcalloc(res->nskipped ? res->nskipped : 1, sizeof *loc->skipped);
    for (size_t i = 0; i < res->nskipped; i++) {
        loc->skipped[i] = res->skipped[i];
        loc->skipped[i].reason = loc_text(cat, res->skipped[i].reason);
    }
    loc->warnings = loc_lines(cat, res->warnings, res->nwarnings);
    loc->incomplete_reason = loc_text(cat, res->incomplete_reason);
    if (res->image) {
        loc->image = imgb_xmalloc(sizeof *loc->image);
        *loc->image = *res->image;
        loc->image->warnings = loc_lines(cat, res->image->warnings, res->image->nwarnings);
    }
    return loc;
}

static void loc_free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

void imgb_report_localized_free(imgb_scan_result *loc)
{
    if (!loc)
        return;
    for (size_t b = 0; b < loc->nbaselines; b++) {
        imgb_baseline_result *br = &loc->baselines[b];
        for (size_t i = 0; i < br->nitems; i++) {
            for (size_t e = 0; e < br->items[i].nevidence; e++) {
                free(br->items[i].evidence[e].message);
                free(br->items[i].evidence[e].expected);
                free(br->items[i].evidence[e].source);
            }
            free(br->items[i].evidence);
        }
        free(br->items);
        free(br->reason);
    }
    free(loc->baselines);
    for (size_t i = 0; i < loc->nskipped; i++)
        free(loc->skipped[i].reason);
    free(loc->skipped);
    loc_free_lines(loc->warnings, loc->nwarnings);
    free(loc->incomplete_reason);
    if (loc->image) {
        loc_free_lines(loc->image->warnings, loc->image->nwarnings);
        free(loc->image);
    }
    free(loc);
}
