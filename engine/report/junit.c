/*
 * junit: JUnit XML for the test-report views of CI systems (GitLab's
 * `artifacts:reports:junit`, Jenkins' `junit` step, Azure Pipelines, CircleCI).  JUnit XML
 * has no normative schema; this writes the shape those readers share (Ant's
 * XMLJUnitResultFormatter as Jenkins and GitLab parse it), checked in tests/test_report.c
 * against tests/schemas/junit.xsd:
 *
 *   <testsuites name="imgbaseline" tests failures errors skipped time timestamp>
 *     <testsuite name=BASELINE tests failures errors skipped time timestamp>   one per applied
 *       <properties>: image, image id, manifest digest, platform, OS, the       baseline, in
 *                     baseline's alias, why it applies                          rule order
 *       <testcase classname=BASELINE name="ITEM-ID: title">                    one per item
 *         failed            <failure type=SEVERITY message=...>each failing piece of evidence
 *                           (an ignored one marked), expected, advice, fix snippets</failure>
 *         error/incomplete  <error type="error"|"incomplete" message=...>evidence</error>
 *         not applicable    <skipped message="not applicable: why"/>
 *         ignored / false positive (every failing piece covered)
 *                           <skipped message="ignored: reason (expires ...)">evidence</skipped>
 *         passed            an empty testcase
 *   With several images (scan A B ...) the suites of each image follow one another, their
 *   names prefixed with the image ("REF: debian10_ssh").
 *
 * A scan that was not read in full (only with --allow-incomplete) or that has warnings gets
 * one more suite, "imgbaseline.scan", whose testcase "image read in full and identified" is
 * an <error> with the reason when it was not, and whose <system-err> lists the warnings: a
 * CI test view must not show a partial scan as green.
 *
 * The renderer sees the result as every format does: filtered by the severity filter and in
 * the report's language (imgb_report_render_fmt).  Evidence is as the engine stored it:
 * secrets masked, passwords never present.  Text from the image is made valid XML 1.0:
 * invalid UTF-8 becomes U+FFFD and the control characters XML forbids a visible \xNN.
 * libxml2's writer does the escaping and the nesting.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>

#include "attribution.h"
#include "facts/os.h"
#include "report/report_priv.h"
#include "scan.h"
#include "util/error.h"

#define JUNIT_SCAN_SUITE "imgbaseline.scan"

enum {
    J_EXPECTED, J_ADVICE, J_FIX, J_IGNORED, J_FALSE_POSITIVE, J_NA, J_LAYER, J_REMOVED,
    J_IMAGE_CASE, J_COUNT
};

static const char *const labels[J_COUNT][2] = {
    [J_EXPECTED] = { "期望", "expected" },
    [J_ADVICE] = { "修复建议", "advice" },
    [J_FIX] = { "修复片段", "fix" },
    [J_IGNORED] = { "已忽略", "ignored" },
    [J_FALSE_POSITIVE] = { "误报", "false positive" },
    [J_NA] = { "不适用", "not applicable" },
    [J_LAYER] = { "层", "layer" },
    [J_REMOVED] = { "已在此层删除", "removed in layer" },
    [J_IMAGE_CASE] = { "镜像已完整读取并识别", "image read in full and identified" },
};

#define LBL(en, id) labels[id][(en) ? 1 : 0]
/* printf formats stay literals (-Wformat=2 checks both branches of the conditional). */
#define TXT_MORE(en) ((en) ? "and %zu more not listed" : "另有 %zu 条证据未列出")
#define TXT_FINDINGS(en) ((en) ? "%zu findings" : "%zu 条证据")

/* ---- text ------------------------------------------------------------------------------- */

/*
 * `s` as text XML 1.0 accepts (appended to `b`): invalid UTF-8 becomes U+FFFD, the C0
 * controls other than tab, newline and carriage return become a visible "\xNN", and the
 * noncharacters U+FFFE and U+FFFF (not XML characters either) become U+FFFD.
 */
static void xml_clean(imgb_buf *b, const char *s)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    while (*u) {
        size_t n = imgb_report_utf8_len(u);
        if (n == 0 || (n == 3 && u[0] == 0xEF && u[1] == 0xBF && u[2] >= 0xBE)) {
            imgb_buf_puts(b, "\xEF\xBF\xBD");
            u += n ? n : 1;
        } else if (*u < 0x20 && *u != '\t' && *u != '\n' && *u != '\r') {
            imgb_buf_printf(b, "\\x%02x", *u);
            u++;
        } else {
            imgb_buf_put(b, u, n);
            u += n;
        }
    }
}

/* The writer, with every string passed through xml_clean; `failed` remembers an error. */
typedef struct jw {
    xmlTextWriterPtr w;
    imgb_buf tmp;
    bool failed;
} jw;

static const xmlChar *clean(jw *j, const char *s)
{
    imgb_buf_clear(&j->tmp);
    xml_clean(&j->tmp, s);
    return (const xmlChar *)(j->tmp.ptr ? j->tmp.ptr : "");
}

static void start(jw *j, const char *name)
{
    j->failed |= xmlTextWriterStartElement(j->w, (const xmlChar *)name) < 0;
}

static void end(jw *j)
{
    j->failed |= xmlTextWriterEndElement(j->w) < 0;
}

static void attr(jw *j, const char *name, const char *value)
{
    j->failed |= xmlTextWriterWriteAttribute(j->w, (const xmlChar *)name, clean(j, value)) < 0;
}

static void attr_num(jw *j, const char *name, size_t v)
{
    char s[32];
    snprintf(s, sizeof s, "%zu", v);
    attr(j, name, s);
}

static void text(jw *j, const char *s)
{
    j->failed |= xmlTextWriterWriteString(j->w, clean(j, s)) < 0;
}

static void property(jw *j, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    start(j, "property");
    attr(j, "name", name);
    attr(j, "value", value);
    end(j);
}

/* ISO 8601 UTC without a zone designator, as Ant writes `timestamp` (Jenkins' schema type
 * is xs:dateTime without a zone); empty when the time is unknown. */
static void iso_time(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    out[0] = '\0';
    if (ms > 0 && gmtime_r(&t, &tm))
        strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* ---- counting ---------------------------------------------------------------------------- */

typedef struct jcounts {
    size_t tests, failures, errors, skipped;
} jcounts;

typedef enum jcase { JC_PASS, JC_FAILURE, JC_ERROR, JC_SKIPPED } jcase;

static jcase case_of(const imgb_report_triage *t, const imgb_item_result *r, size_t b, size_t i)
{
    switch (imgb_report_item_group(r, imgb_report_item_status(t, b, i, NULL))) {
    case IMGB_GROUP_FAILED: return JC_FAILURE;
    case IMGB_GROUP_ERROR: return JC_ERROR;
    case IMGB_GROUP_IGNORED:
    case IMGB_GROUP_NOT_APPLICABLE: return JC_SKIPPED;
    default: return JC_PASS;
    }
}

static void count_case(jcounts *c, jcase k)
{
    c->tests++;
    c->failures += k == JC_FAILURE;
    c->errors += k == JC_ERROR;
    c->skipped += k == JC_SKIPPED;
}

static void add_counts(jcounts *into, const jcounts *c)
{
    into->tests += c->tests;
    into->failures += c->failures;
    into->errors += c->errors;
    into->skipped += c->skipped;
}

static void count_baseline(const imgb_report_triage *t, const imgb_scan_result *res, size_t b,
                           jcounts *c)
{
    memset(c, 0, sizeof *c);
    const imgb_baseline_result *br = &res->baselines[b];
    for (size_t i = 0; i < br->nitems; i++)
        count_case(c, case_of(t, &br->items[i], b, i));
}

static void put_counts(jw *j, const jcounts *c)
{
    attr_num(j, "tests", c->tests);
    attr_num(j, "failures", c->failures);
    attr_num(j, "errors", c->errors);
    attr_num(j, "skipped", c->skipped);
}

/* ---- one image ------------------------------------------------------------------------- */

typedef struct jimage {
    const imgb_scan_result *res;
    const imgb_report_params *p;
    imgb_report_triage *t;
    bool en;
    const char *name;         /* the image's reference or path */
    const char *prefix;       /* "REF: " before suite names with several images, else "" */
    char **notes;             /* scan warnings and ignore-file warnings */
    size_t nnotes, nignore;
    char **ignore_lines;
} jimage;

/* One line for a piece of evidence: where, whose, what, expected, layer, ignore mark. */
static void evidence_text(imgb_buf *o, const jimage *im, const imgb_evidence *ev,
                          const imgb_ignore_entry *ignored)
{
    size_t base = o->len;
    char *loc = imgb_report_evidence_location(ev);
    if (loc)
        imgb_buf_puts(o, loc);
    free(loc);
    if (ev->account)
        imgb_buf_printf(o, "%s[%s]", o->len > base ? " " : "", ev->account);
    const char *what = ev->message ? ev->message : ev->value ? ev->value
                       : !ev->file ? ev->layer_cmd : NULL;
    if (what)
        imgb_buf_printf(o, "%s%s", o->len > base ? ": " : "", what);
    if (ev->expected)
        imgb_buf_printf(o, " (%s: %s)", LBL(im->en, J_EXPECTED), ev->expected);
    if (ev->layer >= 0)
        imgb_buf_printf(o, " [%s %d%s%s]", LBL(im->en, J_LAYER), ev->layer,
                        ev->origin == IMGB_ORIGIN_UNKNOWN ? "" : ", ",
                        ev->origin == IMGB_ORIGIN_UNKNOWN ? "" : imgb_origin_name(ev->origin));
    if (ev->layer_removed >= 0 && !ev->message)
        imgb_buf_printf(o, " [%s %d]", LBL(im->en, J_REMOVED), ev->layer_removed);
    if (ignored)
        imgb_buf_printf(o, " [%s%s%s]",
                        LBL(im->en, ignored->status == IMGB_STATUS_FALSE_POSITIVE
                                        ? J_FALSE_POSITIVE : J_IGNORED),
                        ignored->reason ? ": " : "", ignored->reason ? ignored->reason : "");
}

/*
 * The body of a failure, error or skipped element: the relevant evidence one a line
 * (failing evidence of a failed item, all of it otherwise), then for failures the advice and
 * the distinct fix snippets.  `*first` gets the first evidence line (the message attribute).
 */
static char *case_body(const jimage *im, size_t b, size_t i, jcase k, char **first)
{
    const imgb_item_result *r = &im->res->baselines[b].items[i];
    imgb_buf o = IMGB_BUF_INIT, line = IMGB_BUF_INIT, fixes = IMGB_BUF_INIT;
    bool failed = r->verdict == IMGB_V_FAIL;
    *first = NULL;
    for (size_t e = 0; e < r->nevidence; e++) {
        if (failed && !imgb_report_evidence_failing(r, e))
            continue;
        const imgb_ignore_entry *entry = NULL;
        if (failed && k == JC_FAILURE &&
            imgb_report_evidence_status(im->t, b, i, e, &entry) == IMGB_STATUS_UNHANDLED)
            entry = NULL;
        imgb_buf_clear(&line);
        evidence_text(&line, im, &r->evidence[e], entry);
        if (!line.len)
            continue;
        if (!*first)
            *first = imgb_xstrdup(line.ptr);
        imgb_buf_printf(&o, "%s\n", line.ptr);
        char *fix = k == JC_FAILURE && !entry ? imgb_report_fix_snippet(&r->evidence[e],
                                                                        im->p->lang) : NULL;
        if (fix && !(fixes.ptr && strstr(fixes.ptr, fix)))
            imgb_buf_printf(&fixes, "%s\n", fix);
        free(fix);
    }
    if (r->nmore) {
        imgb_buf_printf(&o, TXT_MORE(im->en), r->nmore);
        imgb_buf_putc(&o, '\n');
    }
    if (k == JC_FAILURE) {
        imgb_buf_printf(&o, "\n%s: %s\n", LBL(im->en, J_ADVICE),
                        imgb_report_text(&r->item->advice, im->p->lang));
        if (fixes.len)
            imgb_buf_printf(&o, "\n%s:\n%s", LBL(im->en, J_FIX), fixes.ptr);
    }
    imgb_buf_dispose(&line);
    imgb_buf_dispose(&fixes);
    return imgb_buf_detach(&o);
}

static void put_case(jw *j, const jimage *im, size_t b, size_t i)
{
    const imgb_baseline_result *br = &im->res->baselines[b];
    const imgb_item_result *r = &br->items[i];
    const imgb_item *it = r->item;
    jcase k = case_of(im->t, r, b, i);
    start(j, "testcase");
    attr(j, "classname", br->baseline->key);
    char *name = imgb_xasprintf("%s: %s", it->id, imgb_report_text(&it->title, im->p->lang));
    attr(j, "name", name);
    free(name);
    attr(j, "time", "0");
    if (k != JC_PASS) {
        char *first = NULL;
        char *body = case_body(im, b, i, k, &first);
        char *msg = NULL;
        const char *elem = k == JC_FAILURE ? "failure" : k == JC_ERROR ? "error" : "skipped";
        if (k == JC_SKIPPED && r->verdict == IMGB_V_FAIL) {
            /* every failing piece of evidence is covered by the ignore file */
            const imgb_ignore_entry *entry = NULL;
            imgb_ignore_status st = imgb_report_item_status(im->t, b, i, &entry);
            msg = imgb_xasprintf("%s%s%s%s%s%s",
                                 LBL(im->en, st == IMGB_STATUS_FALSE_POSITIVE
                                                 ? J_FALSE_POSITIVE : J_IGNORED),
                                 entry && entry->reason ? ": " : "",
                                 entry && entry->reason ? entry->reason : "",
                                 entry && entry->expires ? " (expires " : "",
                                 entry && entry->expires ? entry->expires : "",
                                 entry && entry->expires ? ")" : "");
        } else if (k == JC_SKIPPED) {
            /* why it does not apply: the evidence's own words, without location or
             * condition (the file is in the message, and nothing was expected of it) */
            const imgb_evidence *ev = r->nevidence ? &r->evidence[0] : NULL;
            const char *why = ev && ev->message ? ev->message : ev ? ev->value : NULL;
            msg = imgb_xasprintf("%s%s%s", LBL(im->en, J_NA), why ? ": " : "", why ? why : "");
        } else {
            size_t nfail = 0;
            for (size_t e = 0; e < r->nevidence; e++)
                nfail += r->verdict != IMGB_V_FAIL || imgb_report_evidence_failing(r, e);
            nfail += r->nmore;
            if (nfail > 1) {
                char *count = imgb_xasprintf(TXT_FINDINGS(im->en), nfail);
                msg = imgb_xasprintf("%s; %s", first ? first : "", count);
                free(count);
            } else {
                msg = imgb_xstrdup(first ? first : imgb_verdict_name(r->verdict));
            }
        }
        start(j, elem);
        if (k == JC_FAILURE)
            attr(j, "type", imgb_severity_name(it->severity));
        else if (k == JC_ERROR)
            attr(j, "type", imgb_verdict_name(r->verdict));
        attr(j, "message", msg);
        /* a not-applicable item says why in its message; the evidence adds nothing */
        if (!(k == JC_SKIPPED && r->verdict != IMGB_V_FAIL))
            text(j, body);
        end(j);
        free(msg);
        free(body);
        free(first);
    }
    end(j);
}

static void suite_head(jw *j, const jimage *im, const char *name, const jcounts *c)
{
    char ts[32];
    iso_time(im->res->started_ms, ts);
    start(j, "testsuite");
    char *full = imgb_xasprintf("%s%s", im->prefix, name);
    attr(j, "name", full);
    free(full);
    put_counts(j, c);
    attr(j, "time", "0");
    if (*ts)
        attr(j, "timestamp", ts);
}

static void image_properties(jw *j, const jimage *im)
{
    const imgb_scan_result *res = im->res;
    property(j, "image", im->name);
    property(j, "image_id", imgb_report_image_id(res));
    if (res->image)
        property(j, "manifest_digest", res->image->manifest_digest);
    property(j, "platform", res->platform);
    if (res->os)
        property(j, "os", res->os->pretty_name ? res->os->pretty_name : res->os->id);
}

static void put_baseline(jw *j, const jimage *im, size_t b)
{
    const imgb_baseline_result *br = &im->res->baselines[b];
    jcounts c;
    count_baseline(im->t, im->res, b, &c);
    suite_head(j, im, br->baseline->key, &c);
    start(j, "properties");
    image_properties(j, im);
    property(j, "baseline", imgb_report_text(&br->baseline->alias, im->p->lang));
    property(j, "applies_because", br->reason);
    end(j);
    for (size_t i = 0; i < br->nitems; i++)
        put_case(j, im, b, i);
    end(j);
}

/* The scan's own suite: only when the image was not read in full or there are warnings. */
static bool scan_suite_needed(const jimage *im)
{
    return !imgb_scan_result_image_complete(im->res) || im->nnotes || im->nignore;
}

static void scan_suite_counts(const jimage *im, jcounts *c)
{
    memset(c, 0, sizeof *c);
    count_case(c, imgb_scan_result_image_complete(im->res) ? JC_PASS : JC_ERROR);
}

static void put_scan_suite(jw *j, const jimage *im)
{
    jcounts c;
    scan_suite_counts(im, &c);
    suite_head(j, im, JUNIT_SCAN_SUITE, &c);
    start(j, "properties");
    image_properties(j, im);
    end(j);
    start(j, "testcase");
    attr(j, "classname", JUNIT_SCAN_SUITE);
    attr(j, "name", LBL(im->en, J_IMAGE_CASE));
    attr(j, "time", "0");
    if (c.errors) {
        const char *why = im->res->incomplete_reason ? im->res->incomplete_reason
                                                     : "incomplete scan";
        start(j, "error");
        attr(j, "type", "incomplete");
        attr(j, "message", why);
        text(j, why);
        end(j);
    }
    end(j);
    if (im->nnotes || im->nignore) {
        imgb_buf o = IMGB_BUF_INIT;
        for (size_t w = 0; w < im->nnotes; w++)
            imgb_buf_printf(&o, "%s\n", im->notes[w]);
        for (size_t w = 0; w < im->nignore; w++)
            imgb_buf_printf(&o, "%s\n", im->ignore_lines[w]);
        start(j, "system-err");
        text(j, o.ptr);
        end(j);
        imgb_buf_dispose(&o);
    }
    end(j);
}

static void image_init(jimage *im, const imgb_scan_result *res, const imgb_report_params *p,
                       bool several)
{
    memset(im, 0, sizeof *im);
    im->res = res;
    im->p = p;
    im->t = imgb_report_triage_new(res, p);
    im->en = p->lang == IMGB_LANG_EN;
    const imgb_image *img = res->image;
    im->name = img && img->nrefs ? img->refs[0] : img && img->path ? img->path : "-";
    im->prefix = several ? imgb_xasprintf("%s: ", im->name) : imgb_xstrdup("");
    imgb_ptrvec v = IMGB_PTRVEC_INIT;
    for (size_t w = 0; img && w < img->nwarnings; w++)
        imgb_ptrvec_push(&v, img->warnings[w]);
    for (size_t w = 0; w < res->nwarnings; w++)
        imgb_ptrvec_push(&v, res->warnings[w]);
    im->notes = (char **)v.items;
    im->nnotes = v.len;
    im->ignore_lines = imgb_report_ignore_lines(res, p, &im->nignore);
}

static void image_dispose(jimage *im)
{
    imgb_report_triage_free(im->t);
    free((char *)im->prefix);
    free(im->notes);
    imgb_report_free_lines(im->ignore_lines, im->nignore);
}

/* Serialise initialisation of libxml2's globals (encoding handlers): `serve` renders on
 * several threads. */
static pthread_once_t junit_once = PTHREAD_ONCE_INIT;

static void junit_init(void)
{
    xmlInitParser();
}

int imgb_render_junit_many(const imgb_scan_result *const *res, size_t n,
                           const imgb_report_params *p, imgb_buf *out)
{
    if (p->diff_old)
        return imgb_error_set(IMGB_EINVAL, "diff: junit has no form for new and fixed "
                              "findings; use json, table or sarif");
    pthread_once(&junit_once, junit_init);
    xmlBufferPtr xb = xmlBufferCreate();
    xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
    if (!w) {
        if (xb)
            xmlBufferFree(xb);
        return imgb_error_set(IMGB_ERROR, "junit: cannot create the XML writer");
    }
    jw j = { w, IMGB_BUF_INIT, false };
    jimage *ims = imgb_xcalloc(n ? n : 1, sizeof *ims);
    jcounts total = { 0 };
    int64_t first_ms = 0, last_ms = 0;
    for (size_t k = 0; k < n; k++) {
        image_init(&ims[k], res[k], p, n > 1);
        for (size_t b = 0; b < res[k]->nbaselines; b++) {
            jcounts c;
            count_baseline(ims[k].t, res[k], b, &c);
            add_counts(&total, &c);
        }
        if (scan_suite_needed(&ims[k])) {
            jcounts c;
            scan_suite_counts(&ims[k], &c);
            add_counts(&total, &c);
        }
        if (!first_ms || (res[k]->started_ms && res[k]->started_ms < first_ms))
            first_ms = res[k]->started_ms;
        if (res[k]->finished_ms > last_ms)
            last_ms = res[k]->finished_ms;
    }

    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, (const xmlChar *)"  ");
    j.failed |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
    start(&j, "testsuites");
    attr(&j, "name", "imgbaseline");
    put_counts(&j, &total);
    char secs[32], ts[32];
    snprintf(secs, sizeof secs, "%.3f",
             last_ms > first_ms ? (double)(last_ms - first_ms) / 1000.0 : 0.0);
    attr(&j, "time", secs);
    iso_time(first_ms, ts);
    if (*ts)
        attr(&j, "timestamp", ts);
    for (size_t k = 0; k < n; k++) {
        for (size_t b = 0; b < res[k]->nbaselines; b++)
            put_baseline(&j, &ims[k], b);
        if (scan_suite_needed(&ims[k]))
            put_scan_suite(&j, &ims[k]);
    }
    end(&j);
    j.failed |= xmlTextWriterEndDocument(w) < 0;
    xmlFreeTextWriter(w);
    for (size_t k = 0; k < n; k++)
        image_dispose(&ims[k]);
    free(ims);
    imgb_buf_dispose(&j.tmp);
    int rc = 0;
    if (j.failed)
        rc = imgb_error_set(IMGB_ERROR, "junit: cannot write the XML report");
    else
        imgb_buf_put(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
    return rc;
}

int imgb_render_junit(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out)
{
    return imgb_render_junit_many(&res, 1, p, out);
}
