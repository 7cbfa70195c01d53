/*
 * `imgbaseline diff OLD NEW`: which failing findings of NEW are new, which are unchanged,
 * and which of OLD are fixed.  A finding is an item's failing evidence, identified across two
 * scans by the item id, the account, and for checks whose every file is its own finding
 * (file modes, file contents, file presence, secrets) the file (and for secrets the masked
 * value): an SSH value that moved from sshd_config into a drop-in is the same finding, a new
 * world-writable file or a new weak account is a new one.  Layers never count, so a rebuild
 * that only renumbers layers changes nothing.
 *
 * The renderers ask imgb_report_diff_state() when the request carries an old result
 * (imgb_report_request_set_diff), so the diff has the scan's formats, filters and gate.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_priv.h"
#include "util/error.h"

/* Checks whose evidence entries are separate findings, each named by its file. */
static bool diff_per_file(const imgb_item *it)
{
    static const char *const kinds[] = { "file_meta", "file_regex", "file_exists", "secret",
                                         NULL };
    for (size_t k = 0; kinds[k]; k++)
        if (strcmp(it->kind->name, kinds[k]) == 0)
            return true;
    return false;
}

static bool diff_str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool diff_same(const imgb_item *it, const imgb_evidence *a, const imgb_evidence *b)
{
    if (!diff_str_eq(a->account, b->account))
        return false;
    if (!diff_per_file(it))
        return true;
    return diff_str_eq(a->file, b->file) &&
           (strcmp(it->kind->name, "secret") != 0 || diff_str_eq(a->value, b->value));
}

bool imgb_report_finding_in(const imgb_scan_result *other, const imgb_item_result *r,
                            size_t e)
{
    const imgb_item_result *o = imgb_scan_result_item(other, r->item->id);
    if (!o || o->verdict != IMGB_V_FAIL)
        return false;
    for (size_t k = 0; k < o->nevidence; k++)
        if (imgb_report_evidence_failing(o, k) &&
            diff_same(r->item, &r->evidence[e], &o->evidence[k]))
            return true;
    return false;
}

int imgb_report_diff_state(const imgb_report_params *p, const imgb_item_result *r, size_t e)
{
    if (!p || !p->diff_old || r->verdict != IMGB_V_FAIL || !imgb_report_evidence_failing(r, e))
        return -1;
    return imgb_report_finding_in(p->diff_old, r, e) ? IMGB_DIFF_UNCHANGED : IMGB_DIFF_NEW;
}

int imgb_report_diff_item_state(const imgb_report_params *p, const imgb_item_result *r)
{
    int st = -1;
    for (size_t e = 0; e < r->nevidence; e++) {
        int s = imgb_report_diff_state(p, r, e);
        if (s == IMGB_DIFF_NEW)
            return IMGB_DIFF_NEW;
        if (s == IMGB_DIFF_UNCHANGED)
            st = IMGB_DIFF_UNCHANGED;
    }
    return st;
}

const char *imgb_report_diff_name(int state)
{
    return state == IMGB_DIFF_NEW ? "new" : state == IMGB_DIFF_FIXED ? "fixed"
           : state == IMGB_DIFF_UNCHANGED ? "unchanged" : NULL;
}

size_t imgb_report_diff_fixed(const imgb_scan_result *res, const imgb_report_params *p,
                              int (*cb)(const imgb_item_result *old, size_t e, void *payload),
                              void *payload)
{
    size_t n = 0;
    const imgb_scan_result *old = p ? p->diff_old : NULL;
    for (size_t b = 0; old && b < old->nbaselines; b++)
        for (size_t i = 0; i < old->baselines[b].nitems; i++) {
            const imgb_item_result *r = &old->baselines[b].items[i];
            if (r->verdict != IMGB_V_FAIL)
                continue;
            for (size_t e = 0; e < r->nevidence; e++)
                if (imgb_report_evidence_failing(r, e) && !imgb_report_finding_in(res, r, e)) {
                    n++;
                    if (cb && cb(r, e, payload))
                        return n;
                }
        }
    return n;
}

void imgb_report_diff_counts(const imgb_scan_result *res, const imgb_report_params *p,
                             size_t *nnew, size_t *nunchanged)
{
    *nnew = *nunchanged = 0;
    for (size_t b = 0; b < res->nbaselines; b++)
        for (size_t i = 0; i < res->baselines[b].nitems; i++)
            for (size_t e = 0; e < res->baselines[b].items[i].nevidence; e++) {
                int st = imgb_report_diff_state(p, &res->baselines[b].items[i], e);
                *nnew += st == IMGB_DIFF_NEW;
                *nunchanged += st == IMGB_DIFF_UNCHANGED;
            }
}
