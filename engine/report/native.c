/*
 * The native JSON report (native.h).  One object per scan:
 *
 *   {"schema": "imgbaseline/native/1", "tool": {...}, "lang": "en",
 *    "image": {path, format, refs, manifest_digest, config_digest, image_id, platform,
 *              created, verification: "verified"|"unverified", layers: [...]},
 *    "os": {id, version_id, id_like, pretty_name, source, family},
 *    "sshd": {installed, version, package_version, source, distro_patch},
 *    "base": {layers, history, name, digest, source}   (layers null: boundary unknown),
 *    "scan": {started_ms, finished_ms, stats: {bytes_read, bytes_inflated, bytes_parsed,
 *             passes, ms: {open, read, inflate, verify, apply, evaluate, crack, render}}},
 *    "complete": bool, "incomplete_reason": string|null,
 *    "summary": {baselines, items, passed, failed: {high, medium, low, total},
 *                not_applicable, error, incomplete},
 *    "baselines": [{key, class, alias, class_alias, file, reason, applies, standards, huawei,
 *                   counts: {...as summary}, items: [{id, key, title, description, advice,
 *                   severity, bucket, references, kind, file, line, verdict, origin,
 *                   evidence: [{..., layer, history_index, layer_digest, layer_cmd,
 *                   origin: base|own|unknown, fix: {run, dockerfile}|null}],
 *                   evidence_omitted}]}],
 *    "baselines_not_applied": [{key, reason}],
 *    "warnings": [...]}
 * In diff mode (imgbaseline diff OLD NEW) items and evidence also carry "diff": "new" |
 * "unchanged" | null, and the root a "diff": {old: {image}, new, fixed, unchanged,
 * fixed_findings: [{id, key, title, severity, evidence}]}.
 *
 * Absent values are JSON null, never omitted, so consumers can rely on every key.
 */
#include "report/native.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attribution.h"
#include "facts/os.h"
#include "report/report_priv.h"
#include "util/error.h"
#include "util/mem.h"

/* A string from the image may not be UTF-8: JSON needs it to be, so bytes of an invalid
 * sequence become '?' (the value stays recognisable, the report stays valid). */
static json_t *nat_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    char *copy = imgb_xstrdup(s);
    for (char *c = copy; *c; c++)
        if ((unsigned char)*c >= 0x80 || (unsigned char)*c < 0x20)
            *c = (*c == '\t' || *c == '\n') ? *c : '?';
    j = json_string(copy);
    free(copy);
    return j ? j : json_string("?");
}

static json_t *nat_strings(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, nat_str(v[i]));
    return a;
}

static const char *nat_text(const imgb_text *t, bool zh)
{
    return zh ? t->zh : t->en;
}

static json_t *nat_image(const imgb_image *img)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", nat_str(img->path));
    json_object_set_new(o, "format", nat_str(img->format));
    json_object_set_new(o, "outer_compression", nat_str(img->outer_compression));
    json_object_set_new(o, "refs", nat_strings(img->refs, img->nrefs));
    if (img->registry) { /* docker:// images: where the image came from */
        json_object_set_new(o, "registry", nat_str(img->registry));
        json_object_set_new(o, "repository", nat_str(img->repository));
        json_object_set_new(o, "tag", nat_str(img->tag));
    }
    json_object_set_new(o, "manifest_digest", nat_str(img->manifest_digest));
    json_object_set_new(o, "config_digest", nat_str(img->config_digest));
    json_object_set_new(o, "image_id", nat_str(img->image_id));
    char platform[256];
    snprintf(platform, sizeof platform, "%s/%s%s%s", img->os ? img->os : "?",
             img->arch ? img->arch : "?", img->variant ? "/" : "",
             img->variant ? img->variant : "");
    json_object_set_new(o, "platform", json_string(platform));
    json_object_set_new(o, "created", nat_str(img->created));
    json_object_set_new(o, "verification", json_string(img->verified ? "verified"
                                                                      : "unverified"));
    json_t *layers = json_array();
    for (size_t i = 0; i < img->nlayers; i++) {
        const imgb_layer_info *l = &img->layers[i];
        json_t *lo = json_object();
        json_object_set_new(lo, "digest", nat_str(l->digest));
        json_object_set_new(lo, "diff_id", nat_str(l->diff_id));
        json_object_set_new(lo, "media_type", nat_str(l->media_type));
        json_object_set_new(lo, "compression", nat_str(l->compression));
        json_object_set_new(lo, "size", json_integer((json_int_t)l->compressed_size));
        json_object_set_new(lo, "uncompressed_size",
                            json_integer((json_int_t)l->uncompressed_size));
        json_object_set_new(lo, "entries", json_integer((json_int_t)l->entries));
        json_object_set_new(lo, "history_index", json_integer(l->history_index));
        json_array_append_new(layers, lo);
    }
    json_object_set_new(o, "layers", layers);
    return o;
}

static json_t *nat_os(const imgb_os_info *os)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", nat_str(os->id));
    json_object_set_new(o, "version_id", nat_str(os->version_id));
    json_object_set_new(o, "id_like", nat_strings(os->id_like, os->nid_like));
    json_object_set_new(o, "pretty_name", nat_str(os->pretty_name));
    json_object_set_new(o, "source", nat_str(os->source));
    json_object_set_new(o, "family", nat_str(os->family));
    return o;
}

static json_t *nat_sshd(const imgb_os_info *os)
{
    json_t *o = json_object();
    json_object_set_new(o, "installed", json_boolean(os->has_openssh_server));
    json_object_set_new(o, "version", nat_str(os->openssh_version));
    json_object_set_new(o, "package_version", nat_str(os->openssh_pkg_version));
    json_object_set_new(o, "source", nat_str(os->openssh_source));
    json_object_set_new(o, "distro_patch", nat_str(os->distro_patch));
    return o;
}

static json_t *nat_int_or_null(long long v, long long none)
{
    return v == none ? json_null() : json_integer(v);
}

static json_t *nat_evidence(const imgb_evidence *ev, bool zh)
{
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(imgb_verdict_name(ev->verdict)));
    json_object_set_new(o, "file", nat_str(ev->file));
    json_object_set_new(o, "line", nat_int_or_null(ev->line, 0));
    json_object_set_new(o, "offset", nat_int_or_null(ev->offset, -1));
    json_object_set_new(o, "value", nat_str(ev->value));
    json_object_set_new(o, "source", nat_str(ev->source));
    json_object_set_new(o, "expected", nat_str(ev->expected));
    json_object_set_new(o, "message", nat_str(ev->message));
    json_object_set_new(o, "account", nat_str(ev->account));
    json_object_set_new(o, "layer", nat_int_or_null(ev->layer, -1));
    json_object_set_new(o, "layer_removed", nat_int_or_null(ev->layer_removed, -1));
    json_object_set_new(o, "history_index", nat_int_or_null(ev->history_index, -1));
    json_object_set_new(o, "layer_digest", nat_str(ev->layer_digest));
    json_object_set_new(o, "layer_cmd", nat_str(ev->layer_cmd));
    json_object_set_new(o, "origin", json_string(imgb_origin_name(ev->origin)));
    json_t *fix = json_null();
    if (ev->fix) {
        char *snippet = imgb_report_fix_snippet(ev, zh ? IMGB_LANG_ZH : IMGB_LANG_EN);
        fix = json_object();
        json_object_set_new(fix, "run", nat_str(ev->fix));
        json_object_set_new(fix, "dockerfile", nat_str(snippet));
        free(snippet);
    }
    json_object_set_new(o, "fix", fix);
    return o;
}

static json_t *nat_params(const json_t *params)
{
    json_t *p = json_deep_copy(params);
    json_object_del(p, "_rules_dir"); /* a host path: not part of the rule */
    return p;
}

static json_t *nat_item(const imgb_item_result *r, bool zh)
{
    const imgb_item *it = r->item;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(it->id));
    json_object_set_new(o, "key", json_string(it->key));
    json_object_set_new(o, "title", json_string(nat_text(&it->title, zh)));
    json_object_set_new(o, "description", json_string(nat_text(&it->description, zh)));
    json_object_set_new(o, "advice", json_string(nat_text(&it->advice, zh)));
    json_object_set_new(o, "severity", json_string(imgb_severity_name(it->severity)));
    json_object_set_new(o, "bucket", json_string(imgb_bucket_name(it->bucket)));
    json_object_set_new(o, "references", json_deep_copy(it->references));
    json_object_set_new(o, "kind", json_string(it->kind->name));
    json_object_set_new(o, "check", nat_params(it->params));
    json_object_set_new(o, "verdict", json_string(imgb_verdict_name(r->verdict)));
    json_object_set_new(o, "origin", json_string(imgb_origin_name(imgb_item_origin(r))));
    json_t *evs = json_array();
    for (size_t i = 0; i < r->nevidence; i++)
        json_array_append_new(evs, nat_evidence(&r->evidence[i], zh));
    json_object_set_new(o, "evidence", evs);
    /* machine-readable twin of the closing "and M more" entry */
    json_object_set_new(o, "evidence_omitted", json_integer((json_int_t)r->nmore));
    return o;
}

typedef struct nat_counts {
    size_t items, passed, failed[3], not_applicable, errors, incomplete;
} nat_counts;

static json_t *nat_counts_json(const nat_counts *c)
{
    json_t *failed = json_object();
    json_object_set_new(failed, "high", json_integer((json_int_t)c->failed[IMGB_SEV_HIGH]));
    json_object_set_new(failed, "medium", json_integer((json_int_t)c->failed[IMGB_SEV_MEDIUM]));
    json_object_set_new(failed, "low", json_integer((json_int_t)c->failed[IMGB_SEV_LOW]));
    json_object_set_new(failed, "total",
                        json_integer((json_int_t)(c->failed[0] + c->failed[1] + c->failed[2])));
    json_t *o = json_object();
    json_object_set_new(o, "items", json_integer((json_int_t)c->items));
    json_object_set_new(o, "passed", json_integer((json_int_t)c->passed));
    json_object_set_new(o, "failed", failed);
    json_object_set_new(o, "not_applicable", json_integer((json_int_t)c->not_applicable));
    json_object_set_new(o, "error", json_integer((json_int_t)c->errors));
    json_object_set_new(o, "incomplete", json_integer((json_int_t)c->incomplete));
    return o;
}

static json_t *nat_applies(const imgb_applies *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "os", nat_strings(a->os_ids, a->nos_ids));
    json_object_set_new(o, "version_min", nat_str(a->version_min));
    json_object_set_new(o, "version_max", nat_str(a->version_max));
    json_object_set_new(o, "generic", json_boolean(a->generic));
    json_object_set_new(o, "any_os", json_boolean(a->any_os));
    json_object_set_new(o, "requires_package", nat_str(a->requires_package));
    return o;
}

static json_t *nat_baseline(const imgb_baseline_result *br, bool zh, nat_counts *total)
{
    const imgb_baseline *b = br->baseline;
    json_t *o = json_object();
    json_object_set_new(o, "key", json_string(b->key));
    json_object_set_new(o, "class", json_string(b->class_key));
    json_object_set_new(o, "alias", json_string(nat_text(&b->alias, zh)));
    json_object_set_new(o, "class_alias", json_string(nat_text(&b->class_alias, zh)));
    json_object_set_new(o, "reason", json_string(br->reason));
    json_object_set_new(o, "applies", nat_applies(&b->applies));
    json_object_set_new(o, "standards", nat_strings(b->standards, b->nstandards));
    json_t *hw = json_object();
    json_object_set_new(hw, "check_name", nat_str(b->hw_check_name));
    json_object_set_new(hw, "check_type", nat_str(b->hw_check_type));
    json_object_set_new(hw, "check_type_desc",
                        nat_str(b->hw_check_type_desc.en ? nat_text(&b->hw_check_type_desc, zh)
                                                         : NULL));
    json_object_set_new(o, "huawei", hw);

    nat_counts c = { .items = br->nitems, .passed = br->passed,
                     .not_applicable = br->not_applicable, .errors = br->errors,
                     .incomplete = br->incomplete };
    memcpy(c.failed, br->failed, sizeof c.failed);
    json_object_set_new(o, "counts", nat_counts_json(&c));
    total->items += c.items;
    total->passed += c.passed;
    total->not_applicable += c.not_applicable;
    total->errors += c.errors;
    total->incomplete += c.incomplete;
    for (int s = 0; s < 3; s++)
        total->failed[s] += c.failed[s];

    json_t *items = json_array();
    for (size_t i = 0; i < br->nitems; i++)
        json_array_append_new(items, nat_item(&br->items[i], zh));
    json_object_set_new(o, "items", items);
    return o;
}

static json_int_t nat_ms(double ms)
{
    return (json_int_t)(ms + 0.5);
}

/*
 * scan.stats: what the scan cost.  Bytes are counted over every pass (so bytes_inflated
 * is the uncompressed size exactly when the layers were read once); read, open, evaluate,
 * crack and render are wall times, inflate, verify (SHA-256) and apply are time spent in
 * that work summed over threads, so they overlap `read`.  `render` is building this report.
 */
static json_t *nat_stats(const imgb_scan_stats *st, double render_ms)
{
    json_t *o = json_object();
    json_object_set_new(o, "bytes_read", json_integer((json_int_t)st->read.bytes_read));
    json_object_set_new(o, "bytes_inflated", json_integer((json_int_t)st->read.bytes_inflated));
    json_object_set_new(o, "bytes_parsed", json_integer((json_int_t)st->read.bytes_parsed));
    json_object_set_new(o, "passes", json_integer((json_int_t)st->read.passes));
    json_t *ms = json_object();
    json_object_set_new(ms, "open", json_integer(nat_ms(st->open_ms)));
    json_object_set_new(ms, "read", json_integer(nat_ms(st->read_ms)));
    json_object_set_new(ms, "inflate", json_integer(nat_ms(st->read.inflate_ms)));
    json_object_set_new(ms, "verify", json_integer(nat_ms(st->read.verify_ms)));
    json_object_set_new(ms, "apply", json_integer(nat_ms(st->read.apply_ms)));
    json_object_set_new(ms, "evaluate", json_integer(nat_ms(st->evaluate_ms)));
    json_object_set_new(ms, "crack", json_integer(nat_ms(st->crack_ms)));
    json_object_set_new(ms, "render", json_integer(nat_ms(render_ms)));
    json_object_set_new(o, "ms", ms);
    return o;
}

static double nat_ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

json_t *imgb_report_native_json(const imgb_scan_result *res, const char *lang)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool zh = lang && strcmp(lang, "zh") == 0;
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("imgbaseline/native/1"));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("imgbaseline"));
    json_object_set_new(tool, "version", json_string(imgb_version()));
    json_object_set_new(tool, "rules_version",
                        res->ruleset ? json_string(imgb_ruleset_version(res->ruleset))
                                     : json_null());
    json_object_set_new(root, "tool", tool);
    json_object_set_new(root, "lang", json_string(zh ? "zh" : "en"));
    json_object_set_new(root, "image", nat_image(res->image));
    /* A result that was never read to the end (a fixture) has no OS: report it unknown. */
    static const imgb_os_info no_os = { .family = "other" };
    const imgb_os_info *os = res->os ? res->os : &no_os;
    json_object_set_new(root, "os", nat_os(os));
    json_object_set_new(root, "sshd", nat_sshd(os));
    json_t *base = json_object();
    json_object_set_new(base, "layers", nat_int_or_null(res->base.layers, -1));
    json_object_set_new(base, "history", nat_int_or_null(res->base.history, -1));
    json_object_set_new(base, "name", nat_str(res->base.name));
    json_object_set_new(base, "digest", nat_str(res->base.digest));
    json_object_set_new(base, "source", nat_str(res->base.source));
    json_object_set_new(root, "base", base);
    json_t *scan = json_object();
    json_object_set_new(scan, "started_ms", json_integer(res->started_ms));
    json_object_set_new(scan, "finished_ms", json_integer(res->finished_ms));
    json_object_set_new(root, "scan", scan);
    /* A gate reads these first: false means some of the image or some items were not judged
     * (the reason names what), never that the image is clean. */
    json_object_set_new(root, "complete", json_boolean(res->incomplete_reason == NULL));
    json_object_set_new(root, "incomplete_reason", nat_str(res->incomplete_reason));

    nat_counts total = { 0 };
    json_t *baselines = json_array();
    for (size_t i = 0; i < res->nbaselines; i++)
        json_array_append_new(baselines, nat_baseline(&res->baselines[i], zh, &total));
    json_t *summary = nat_counts_json(&total);
    json_object_set_new(summary, "baselines", json_integer((json_int_t)res->nbaselines));
    json_object_set_new(root, "summary", summary);
    json_object_set_new(root, "baselines", baselines);
    json_t *skipped = json_array();
    for (size_t i = 0; i < res->nskipped; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "key", json_string(res->skipped[i].baseline->key));
        json_object_set_new(o, "reason", json_string(res->skipped[i].reason));
        json_array_append_new(skipped, o);
    }
    json_object_set_new(root, "baselines_not_applied", skipped);

    json_t *warnings = json_array();
    for (size_t i = 0; i < res->image->nwarnings; i++)
        json_array_append_new(warnings, json_string(res->image->warnings[i]));
    for (size_t i = 0; i < res->nwarnings; i++)
        json_array_append_new(warnings, json_string(res->warnings[i]));
    json_object_set_new(root, "warnings", warnings);
    json_object_set_new(scan, "stats", nat_stats(&res->stats, nat_ms_since(&t0)));
    return root;
}

static int nat_emit(json_t *root, imgb_buf *out);

int imgb_report_native(const imgb_scan_result *res, const char *lang, imgb_buf *out)
{
    if (lang && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0)
        return imgb_error_set(IMGB_EINVAL, "report: lang must be zh or en, not '%s'", lang);
    return nat_emit(imgb_report_native_json(res, lang), out);
}

/* Serialise `root` (stolen) in key order, as every native report is. */
static int nat_emit(json_t *root, imgb_buf *out)
{
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return imgb_error_set(IMGB_ERROR, "report: cannot serialise the native report");
    imgb_buf_puts(out, text);
    imgb_buf_putc(out, '\n');
    free(text);
    return 0;
}

typedef struct nat_fixed {
    json_t *list;
    bool zh;
} nat_fixed;

static int nat_fixed_one(const imgb_item_result *r, size_t e, void *payload)
{
    nat_fixed *f = payload;
    const imgb_item *it = r->item;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(it->id));
    json_object_set_new(o, "key", json_string(it->key));
    json_object_set_new(o, "title", json_string(nat_text(&it->title, f->zh)));
    json_object_set_new(o, "severity", json_string(imgb_severity_name(it->severity)));
    json_object_set_new(o, "evidence", nat_evidence(&r->evidence[e], f->zh));
    json_array_append_new(f->list, o);
    return 0;
}

/* Diff mode: "diff" on every item and evidence of the new scan ("new", "unchanged", null
 * when not failing), and a top-level "diff" with the old image, the counts and the old
 * scan's findings that are fixed. */
static void nat_diff(json_t *root, const imgb_scan_result *res, const imgb_report_params *p)
{
    size_t nnew, nsame;
    imgb_report_diff_counts(res, p, &nnew, &nsame);
    json_t *bls = json_object_get(root, "baselines");
    for (size_t b = 0; b < res->nbaselines; b++) {
        json_t *items = json_object_get(json_array_get(bls, b), "items");
        for (size_t i = 0; i < res->baselines[b].nitems; i++) {
            const imgb_item_result *r = &res->baselines[b].items[i];
            json_t *io = json_array_get(items, i);
            const char *is = imgb_report_diff_name(imgb_report_diff_item_state(p, r));
            json_object_set_new(io, "diff", is ? json_string(is) : json_null());
            json_t *evs = json_object_get(io, "evidence");
            for (size_t e = 0; e < r->nevidence; e++) {
                const char *es = imgb_report_diff_name(imgb_report_diff_state(p, r, e));
                json_object_set_new(json_array_get(evs, e), "diff",
                                    es ? json_string(es) : json_null());
            }
        }
    }
    nat_fixed f = { json_array(), p->lang != IMGB_LANG_EN };
    size_t nfixed = imgb_report_diff_fixed(res, p, nat_fixed_one, &f);
    json_t *d = json_object();
    json_object_set_new(d, "old", nat_image(p->diff_old->image));
    json_object_set_new(d, "new", json_integer((json_int_t)nnew));
    json_object_set_new(d, "fixed", json_integer((json_int_t)nfixed));
    json_object_set_new(d, "unchanged", json_integer((json_int_t)nsame));
    json_object_set_new(d, "fixed_findings", f.list);
    json_object_set_new(root, "diff", d);
}

int imgb_render_native(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out)
{
    if (!p->diff_old)
        return imgb_report_native(res, p->lang == IMGB_LANG_EN ? "en" : "zh", out);
    json_t *root = imgb_report_native_json(res, p->lang == IMGB_LANG_EN ? "en" : "zh");
    nat_diff(root, res, p);
    return nat_emit(root, out);
}
