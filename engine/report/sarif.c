/*
 * sarif: SARIF 2.1.0 (OASIS), shaped for GitHub code scanning.
 *
 * - tool.driver.rules: one rule per item of the applied baselines: shortDescription = title,
 *   fullDescription = description, help = advice plus the references (text and markdown),
 *   defaultConfiguration.level, properties.security-severity (GitHub's severity buckets:
 *   high 8.0, medium 5.5, low 3.0), tags, references; helpUri when a reference is a URL.
 * - results: one per failing piece of evidence of a failed item (one per item when it has no
 *   evidence); level high -> error, medium -> warning, low -> note.
 * - Locations: a file inside the image is a relative URI (percent-encoded path without the
 *   leading "/") against uriBaseId IMAGE_ROOT, the image's root filesystem, with the line as
 *   region.startLine (byteOffset for binary files).  Findings from the image config or its
 *   history point at "config.json" against uriBaseId IMAGE_CONFIG (the config blob) and name
 *   the history entry as a logical location.  originalUriBaseIds describes both bases and
 *   deliberately gives them no absolute URI: they are inside an archive, not on a host.
 * - Ignored / false-positive findings carry an external, accepted suppression with the
 *   reason; errors, incomplete checks, scan warnings and expired ignore entries are
 *   toolExecutionNotifications.
 * - partialFingerprints["imgbaseline/v1"]: SHA-256 of item id, file, account, layer and
 *   history index, so dashboards track a finding across scans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "report/report_priv.h"

#define SARIF_SCHEMA                                                                           \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

static const char *const sarif_level[3] = { "note", "warning", "error" };
static const char *const security_severity[3] = { "3.0", "5.5", "8.0" };

static const char *const txt_advice[2] = { "修复建议", "Advice" };
static const char *const txt_refs[2] = { "参考", "References" };
static const char *const txt_expected[2] = { "期望", "expected" };
/* printf formats stay literals (-Wformat=2 checks both branches of the conditional). */
#define TXT_REMOVED(en) \
    ((en) ? "removed in layer %d but still shipped" \
          : "已在第 %d 层删除, 但仍随镜像分发")
#define TXT_IMAGE_ROOT(en) \
    ((en) ? "root filesystem of image %s" \
          : "镜像 %s 的根文件系统")
#define TXT_IMAGE_CONFIG(en) \
    ((en) ? "configuration blob of image %s" \
          : "镜像 %s 的配置 (config.json)")
#define TXT_VERDICT_ERROR(en) \
    ((en) ? "item %s could not be evaluated: %s" \
          : "检查项 %s 无法评估: %s")
#define TXT_VERDICT_INCOMPLETE(en) \
    ((en) ? "item %s is incomplete: %s" \
          : "检查项 %s 未完成: %s")

static char *uri_encode(const char *path)
{
    imgb_buf b = IMGB_BUF_INIT;
    while (*path == '/')
        path++;
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        unsigned char c = *s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            imgb_buf_putc(&b, (char)c);
        else
            imgb_buf_printf(&b, "%%%02X", c);
    }
    return imgb_buf_detach(&b);
}

static json_t *text_obj(const char *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "text", imgb_report_jstr(s));
    return o;
}

static json_t *make_rule(const imgb_baseline *bl, const imgb_item *it, imgb_lang lang)
{
    bool en = lang == IMGB_LANG_EN;
    json_t *rule = json_object();
    json_object_set_new(rule, "id", json_string(it->id));
    if (it->key)
        json_object_set_new(rule, "name", json_string(it->key));
    json_object_set_new(rule, "shortDescription", text_obj(imgb_report_text(&it->title, lang)));
    json_object_set_new(rule, "fullDescription",
                        text_obj(imgb_report_text(&it->description, lang)));

    imgb_buf text = IMGB_BUF_INIT, md = IMGB_BUF_INIT;
    const char *advice = imgb_report_text(&it->advice, lang);
    imgb_buf_printf(&text, "%s: %s", txt_advice[en], advice);
    imgb_buf_printf(&md, "**%s**: %s", txt_advice[en], advice);
    const char *help_uri = NULL;
    if (json_is_object(it->references) && json_object_size(it->references)) {
        const char *k;
        json_t *v;
        imgb_buf_printf(&text, "\n%s:", txt_refs[en]);
        imgb_buf_printf(&md, "\n\n**%s**:\n", txt_refs[en]);
        json_object_foreach(it->references, k, v) {
            char *vs = json_is_string(v) ? imgb_xstrdup(json_string_value(v))
                                         : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            imgb_buf_printf(&text, " %s %s;", k, vs ? vs : "");
            imgb_buf_printf(&md, "- %s: %s\n", k, vs ? vs : "");
            if (!help_uri && json_is_string(v) && !strncmp(json_string_value(v), "http", 4))
                help_uri = json_string_value(v);
            free(vs);
        }
    }
    json_object_set_new(rule, "help", json_pack("{s:s,s:s}", "text", text.ptr, "markdown",
                                                md.ptr));
    imgb_buf_dispose(&text);
    imgb_buf_dispose(&md);
    if (help_uri)
        json_object_set_new(rule, "helpUri", json_string(help_uri));
    json_object_set_new(rule, "defaultConfiguration",
                        json_pack("{s:s}", "level", sarif_level[it->severity]));
    json_t *props = json_object();
    json_t *tags = json_array();
    /* SARIF requires distinct tags (a class key may equal its baseline key). */
    const char *tag_src[] = { "security", bl->class_key, bl->key };
    for (size_t k = 0; k < 3; k++) {
        bool dup = !tag_src[k];
        for (size_t m = 0; m < k && !dup; m++)
            dup = tag_src[m] && !strcmp(tag_src[m], tag_src[k]);
        if (!dup)
            json_array_append_new(tags, json_string(tag_src[k]));
    }
    json_object_set_new(props, "tags", tags);
    json_object_set_new(props, "security-severity",
                        json_string(security_severity[it->severity]));
    json_object_set_new(props, "precision", json_string("high"));
    json_object_set_new(props, "severity", json_string(imgb_severity_name(it->severity)));
    if (json_is_object(it->references))
        json_object_set(props, "references", it->references);
    json_object_set_new(rule, "properties", props);
    return rule;
}

static void fingerprint(const imgb_item *it, const imgb_evidence *ev, char out[65])
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    char buf[64];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        abort();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, it->id, strlen(it->id) + 1);
    if (ev) {
        const char *parts[] = { ev->file ? ev->file : "", ev->account ? ev->account : "" };
        for (size_t k = 0; k < 2; k++)
            EVP_DigestUpdate(md, parts[k], strlen(parts[k]) + 1);
        /* the layers the kind named (secrets, build steps) are part of the finding; the
         * attributed ones are not, so a rebuild that renumbers layers keeps fingerprints */
        int n = snprintf(buf, sizeof buf, "%d/%d", ev->layer_attributed ? -1 : ev->layer,
                         ev->history_attributed ? -1 : ev->history_index);
        EVP_DigestUpdate(md, buf, (size_t)n);
    }
    EVP_DigestFinal_ex(md, h, &hl);
    EVP_MD_CTX_free(md);
    for (unsigned int k = 0; k < 32 && k < hl; k++)
        snprintf(out + 2 * k, 3, "%02x", h[k]);
}

static json_t *make_location(const imgb_evidence *ev)
{
    json_t *loc = json_object();
    json_t *phys = json_object();
    if (ev && ev->file) {
        char *uri = uri_encode(ev->file);
        json_object_set_new(phys, "artifactLocation",
                            json_pack("{s:s,s:s}", "uri", uri, "uriBaseId", "IMAGE_ROOT"));
        free(uri);
        if (ev->line > 0)
            json_object_set_new(phys, "region", json_pack("{s:i}", "startLine", ev->line));
        else if (ev->offset >= 0)
            json_object_set_new(phys, "region",
                                json_pack("{s:I}", "byteOffset", (json_int_t)ev->offset));
    } else {
        json_object_set_new(phys, "artifactLocation",
                            json_pack("{s:s,s:s}", "uri", "config.json", "uriBaseId",
                                      "IMAGE_CONFIG"));
    }
    json_object_set_new(loc, "physicalLocation", phys);
    if (ev && !ev->file && ev->history_index >= 0) {
        char name[48];
        snprintf(name, sizeof name, "history[%d]", ev->history_index);
        json_t *ll = json_pack("{s:s,s:s}", "name", name, "kind", "element");
        if (ev->layer_cmd)
            json_object_set_new(ll, "fullyQualifiedName", imgb_report_jstr(ev->layer_cmd));
        json_object_set_new(loc, "logicalLocations", json_pack("[o]", ll));
    }
    return loc;
}

static char *result_message(const imgb_item *it, const imgb_evidence *ev, imgb_lang lang)
{
    bool en = lang == IMGB_LANG_EN;
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_puts(&b, imgb_report_text(&it->title, lang));
    if (ev) {
        if (ev->account)
            imgb_buf_printf(&b, " [%s]", ev->account);
        if (ev->message)
            imgb_buf_printf(&b, ": %s", ev->message);
        else if (ev->value)
            imgb_buf_printf(&b, ": %s", ev->value);
        if (ev->expected)
            imgb_buf_printf(&b, " (%s: %s)", txt_expected[en], ev->expected);
        if (ev->layer_removed >= 0 && !ev->message) {
            imgb_buf_puts(&b, "; ");
            imgb_buf_printf(&b, TXT_REMOVED(en), ev->layer_removed);
        }
    }
    return imgb_buf_detach(&b);
}

static json_t *evidence_props(const imgb_evidence *ev, imgb_lang lang)
{
    json_t *o = json_object();
    if (!ev)
        return o;
    json_object_set_new(o, "origin", json_string(imgb_origin_name(ev->origin)));
    char *fix = imgb_report_fix_snippet(ev, lang);
    if (fix)
        json_object_set_new(o, "fix", imgb_report_jstr(fix));
    free(fix);
    if (ev->value)
        json_object_set_new(o, "value", imgb_report_jstr(ev->value));
    if (ev->expected)
        json_object_set_new(o, "expected", imgb_report_jstr(ev->expected));
    if (ev->source)
        json_object_set_new(o, "source", imgb_report_jstr(ev->source));
    if (ev->account)
        json_object_set_new(o, "account", imgb_report_jstr(ev->account));
    if (ev->layer >= 0)
        json_object_set_new(o, "layer", json_integer(ev->layer));
    if (ev->layer_removed >= 0)
        json_object_set_new(o, "layerRemoved", json_integer(ev->layer_removed));
    if (ev->layer_digest)
        json_object_set_new(o, "layerDigest", imgb_report_jstr(ev->layer_digest));
    if (ev->history_index >= 0)
        json_object_set_new(o, "historyIndex", json_integer(ev->history_index));
    if (ev->layer_cmd)
        json_object_set_new(o, "layerCmd", imgb_report_jstr(ev->layer_cmd));
    return o;
}

static json_t *make_result(const imgb_item *it, size_t rule_index, const imgb_evidence *ev,
                           imgb_ignore_status st, const imgb_ignore_entry *entry, imgb_lang lang)
{
    json_t *r = json_object();
    json_object_set_new(r, "ruleId", json_string(it->id));
    json_object_set_new(r, "ruleIndex", json_integer((json_int_t)rule_index));
    json_object_set_new(r, "level", json_string(sarif_level[it->severity]));
    char *msg = result_message(it, ev, lang);
    json_object_set_new(r, "message", text_obj(msg));
    free(msg);
    json_object_set_new(r, "locations", json_pack("[o]", make_location(ev)));
    /* the build step that wrote the file: a related location in the image config's history */
    if (ev && ev->file && ev->history_index >= 0) {
        char name[48];
        snprintf(name, sizeof name, "history[%d]", ev->history_index);
        json_t *ll = json_pack("{s:s,s:s}", "name", name, "kind", "element");
        if (ev->layer_cmd)
            json_object_set_new(ll, "fullyQualifiedName", imgb_report_jstr(ev->layer_cmd));
        char *text = imgb_xasprintf("layer %d%s%s (%s): %s", ev->layer,
                                    ev->layer_digest ? " " : "",
                                    ev->layer_digest ? ev->layer_digest : "",
                                    imgb_origin_name(ev->origin),
                                    ev->layer_cmd ? ev->layer_cmd : name);
        json_t *rl = json_object();
        json_object_set_new(rl, "id", json_integer(1));
        json_object_set_new(rl, "physicalLocation",
                            json_pack("{s:{s:s,s:s}}", "artifactLocation", "uri",
                                      "config.json", "uriBaseId", "IMAGE_CONFIG"));
        json_object_set_new(rl, "logicalLocations", json_pack("[o]", ll));
        json_object_set_new(rl, "message", text_obj(text));
        free(text);
        json_object_set_new(r, "relatedLocations", json_pack("[o]", rl));
    }
    char fp[65] = "";
    fingerprint(it, ev, fp);
    json_object_set_new(r, "partialFingerprints", json_pack("{s:s}", "imgbaseline/v1", fp));
    if (st != IMGB_STATUS_UNHANDLED) {
        json_t *sup = json_pack("{s:s,s:s}", "kind", "external", "status", "accepted");
        char *why = imgb_xasprintf("%s%s%s", imgb_ignore_status_name(st),
                                   entry && entry->reason ? ": " : "",
                                   entry && entry->reason ? entry->reason : "");
        json_object_set_new(sup, "justification", imgb_report_jstr(why));
        free(why);
        json_object_set_new(r, "suppressions", json_pack("[o]", sup));
    }
    json_t *props = evidence_props(ev, lang);
    json_object_set_new(props, "severity", json_string(imgb_severity_name(it->severity)));
    if (it->key)
        json_object_set_new(props, "key", json_string(it->key));
    json_object_set_new(r, "properties", props);
    return r;
}

static void add_notification(json_t *notes, const char *level, const char *text,
                             const char *rule_id, json_int_t rule_index)
{
    json_t *n = json_pack("{s:s,s:o}", "level", level, "message", text_obj(text));
    if (rule_id)
        json_object_set_new(n, "associatedRule",
                            json_pack("{s:s,s:I}", "id", rule_id, "index", rule_index));
    json_array_append_new(notes, n);
}

/* Diff mode: a finding of the old scan that the new one no longer has is a result with
 * baselineState "absent" (SARIF's own word for fixed), under the rule of its item. */
typedef struct sarif_fixed {
    const imgb_report_params *p;
    json_t *rules, *results;
} sarif_fixed;

static int sarif_fixed_one(const imgb_item_result *r, size_t e, void *payload)
{
    sarif_fixed *sf = payload;
    const imgb_item *it = r->item;
    size_t idx = json_array_size(sf->rules);
    for (size_t k = 0; k < json_array_size(sf->rules); k++)
        if (strcmp(json_string_value(json_object_get(json_array_get(sf->rules, k), "id")),
                   it->id) == 0)
            idx = k;
    if (idx == json_array_size(sf->rules)) { /* an item of a baseline NEW no longer applies */
        const imgb_scan_result *old = sf->p->diff_old;
        for (size_t b = 0; b < old->nbaselines; b++)
            for (size_t i = 0; i < old->baselines[b].nitems; i++)
                if (&old->baselines[b].items[i] == r)
                    json_array_append_new(sf->rules,
                                          make_rule(old->baselines[b].baseline, it, sf->p->lang));
    }
    json_t *j = make_result(it, idx, &r->evidence[e], IMGB_STATUS_UNHANDLED, NULL, sf->p->lang);
    json_object_set_new(j, "baselineState", json_string("absent"));
    json_array_append_new(sf->results, j);
    return 0;
}

int imgb_render_sarif(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    bool en = p->lang == IMGB_LANG_EN;
    json_t *rules = json_array(), *results = json_array(), *notes = json_array();

    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        for (size_t i = 0; i < br->nitems; i++) {
            const imgb_item_result *r = &br->items[i];
            const imgb_item *it = r->item;
            size_t rule_index = json_array_size(rules);
            json_array_append_new(rules, make_rule(br->baseline, it, p->lang));
            if (r->verdict == IMGB_V_FAIL) {
                if (r->nevidence == 0) {
                    const imgb_ignore_entry *en_ = NULL;
                    imgb_ignore_status st = imgb_report_item_status(t, b, i, &en_);
                    json_array_append_new(results, make_result(it, rule_index, NULL, st, en_,
                                                               p->lang));
                }
                for (size_t e = 0; e < r->nevidence; e++) {
                    if (!imgb_report_evidence_failing(r, e))
                        continue;
                    const imgb_ignore_entry *en_ = NULL;
                    imgb_ignore_status st = imgb_report_evidence_status(t, b, i, e, &en_);
                    json_t *res_j = make_result(it, rule_index, &r->evidence[e], st, en_,
                                                p->lang);
                    const char *ds = imgb_report_diff_name(imgb_report_diff_state(p, r, e));
                    if (ds)
                        json_object_set_new(res_j, "baselineState", json_string(ds));
                    json_array_append_new(results, res_j);
                }
            } else if (r->verdict == IMGB_V_ERROR || r->verdict == IMGB_V_INCOMPLETE) {
                const char *why = r->nevidence && r->evidence[0].message
                                  ? r->evidence[0].message : "-";
                char *msg = imgb_xasprintf(r->verdict == IMGB_V_ERROR ? TXT_VERDICT_ERROR(en)
                                           : TXT_VERDICT_INCOMPLETE(en), it->id, why);
                add_notification(notes, r->verdict == IMGB_V_ERROR ? "error" : "warning", msg,
                                 it->id, (json_int_t)rule_index);
                free(msg);
            }
        }
    }
    sarif_fixed sf = { p, rules, results };
    imgb_report_diff_fixed(res, p, sarif_fixed_one, &sf);
    for (size_t w = 0; w < res->nwarnings; w++)
        add_notification(notes, "warning", res->warnings[w], NULL, 0);
    if (res->image)
        for (size_t w = 0; w < res->image->nwarnings; w++)
            add_notification(notes, "warning", res->image->warnings[w], NULL, 0);
    size_t nexp = 0;
    char **exp = imgb_report_ignore_lines(res, p, &nexp);
    for (size_t w = 0; w < nexp; w++)
        add_notification(notes, "warning", exp[w], NULL, 0);
    imgb_report_free_lines(exp, nexp);

    const imgb_image *img = res->image;
    const char *name = img && img->nrefs ? img->refs[0] : img && img->path ? img->path : "-";
    json_t *driver = json_object();
    json_object_set_new(driver, "name", json_string("imgbaseline"));
    json_object_set_new(driver, "version", json_string(imgb_version()));
    json_object_set_new(driver, "semanticVersion", json_string(imgb_version()));
    json_object_set_new(driver, "rules", rules);

    json_t *run = json_object();
    json_object_set_new(run, "tool", json_pack("{s:o}", "driver", driver));
    char *root_desc = imgb_xasprintf(TXT_IMAGE_ROOT(en), name);
    char *cfg_desc = imgb_xasprintf(TXT_IMAGE_CONFIG(en), name);
    json_object_set_new(run, "originalUriBaseIds",
                        json_pack("{s:{s:o},s:{s:o}}", "IMAGE_ROOT", "description",
                                  text_obj(root_desc), "IMAGE_CONFIG", "description",
                                  text_obj(cfg_desc)));
    free(root_desc);
    free(cfg_desc);
    char *auto_id = imgb_xasprintf("imgbaseline/%s/", name);
    json_t *auto_obj = json_object();
    json_object_set_new(auto_obj, "id", imgb_report_jstr(auto_id));
    json_object_set_new(run, "automationDetails", auto_obj);
    free(auto_id);
    json_object_set_new(run, "results", results);
    json_object_set_new(run, "invocations",
                        json_pack("[{s:b,s:o}]", "executionSuccessful", 1,
                                  "toolExecutionNotifications", notes));
    if (img) {
        json_t *props = json_object();
        json_object_set_new(props, "imageId", json_string(imgb_report_image_id(res)));
        if (img->manifest_digest)
            json_object_set_new(props, "manifestDigest", json_string(img->manifest_digest));
        json_object_set_new(props, "reference", imgb_report_jstr(name));
        json_object_set_new(props, "verified", json_boolean(img->verified));
        json_object_set_new(run, "properties", json_pack("{s:o}", "image", props));
    }

    json_t *root = json_object();
    json_object_set_new(root, "$schema", json_string(SARIF_SCHEMA));
    json_object_set_new(root, "version", json_string("2.1.0"));
    json_object_set_new(root, "runs", json_pack("[o]", run));
    imgb_report_triage_free(t);
    return imgb_report_emit_json(root, out);
}
