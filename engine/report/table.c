/*
 * table: the human format (default on a terminal), laid out for a person who wants to know
 * what to fix first.  The image, whether it was read in full, and the summary come first;
 * then one block per applied baseline with the reason it applies, its failures (unhandled
 * first, by severity), each with its evidence (the first TABLE_MAX_EVIDENCE pieces unless
 * evidence_all) and the advice, then ignored findings and items that could not be judged.
 * Passed and not-applicable items are counted but listed only with show_passed.  Lines are
 * wrapped at p->width columns (80 by default) with indented continuation lines.  Severity is
 * coloured only when p->color (the CLI sets it for a TTY).  Every label exists in zh and en.
 */
#include <stdlib.h>
#include <string.h>

#include "facts/os.h"
#include "report/report_priv.h"

#define TABLE_MAX_EVIDENCE 5
#define TABLE_WIDTH 80
#define IND_ITEM 2      /* status column */
#define IND_EVIDENCE 6  /* evidence, advice */
#define IND_CONT 8      /* continuation of a wrapped evidence or advice line */
#define IND_FIX 10      /* a fix snippet under its evidence */

enum {
    L_IMAGE, L_OS, L_UNVERIFIED, L_APPLIES, L_FAIL, L_IGNORED, L_FALSE_POSITIVE, L_ERROR,
    L_INCOMPLETE, L_NA, L_PASS, L_EXPECTED, L_REASON, L_WARNING, L_NONE, L_ADVICE,
    L_INCOMPLETE_SCAN, L_IGNORED_EV, L_COUNT
};

static const char *const labels[L_COUNT][2] = {
    [L_IMAGE] = { "镜像", "Image" },
    [L_OS] = { "操作系统", "OS" },
    [L_UNVERIFIED] = { "未校验摘要", "unverified" },
    [L_APPLIES] = { "适用原因", "applies because" },
    [L_FAIL] = { "未通过", "FAIL" },
    [L_IGNORED] = { "已忽略", "IGNORED" },
    [L_FALSE_POSITIVE] = { "误报", "FALSE-POS" },
    [L_ERROR] = { "错误", "ERROR" },
    [L_INCOMPLETE] = { "未完成", "INCOMPLETE" },
    [L_NA] = { "不适用", "N/A" },
    [L_PASS] = { "通过", "PASS" },
    [L_EXPECTED] = { "期望", "expected" },
    [L_REASON] = { "原因", "reason" },
    [L_WARNING] = { "警告", "warning" },
    [L_NONE] = { "未应用任何基线", "no baseline applied" },
    [L_ADVICE] = { "修复建议", "fix" },
    [L_INCOMPLETE_SCAN] = { "扫描不完整", "INCOMPLETE SCAN" },
    [L_IGNORED_EV] = { "已忽略", "ignored" },
};

static const char *const sev_label[3][2] = {
    { "低危", "LOW" }, { "中危", "MEDIUM" }, { "高危", "HIGH" },
};
static const char *const sev_color[3] = { "\033[36m", "\033[33m", "\033[1;31m" };

#define LBL(p, id) labels[id][(p)->lang == IMGB_LANG_EN]

static const char *status_label(const imgb_report_params *p, const imgb_item_result *r,
                                imgb_ignore_status st)
{
    switch (r->verdict) {
    case IMGB_V_FAIL:
        return st == IMGB_STATUS_IGNORED ? LBL(p, L_IGNORED)
               : st == IMGB_STATUS_FALSE_POSITIVE ? LBL(p, L_FALSE_POSITIVE) : LBL(p, L_FAIL);
    case IMGB_V_ERROR: return LBL(p, L_ERROR);
    case IMGB_V_INCOMPLETE: return LBL(p, L_INCOMPLETE);
    case IMGB_V_NOT_APPLICABLE: return LBL(p, L_NA);
    default: return LBL(p, L_PASS);
    }
}

/* ---- text layout ---------------------------------------------------------------------- */

/* Text from the image (file and account names, values, warnings) may hold control
 * characters: an ESC sequence in a file name must not drive the user's terminal. */
static void put_safe(imgb_buf *o, const char *s)
{
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if (*u < 0x20 || *u == 0x7f)
            imgb_buf_printf(o, "\\x%02x", *u);
        else
            imgb_buf_putc(o, (char)*u);
    }
}

/* Terminal columns of one UTF-8 character starting at `u` (East Asian wide: two). */
static int char_width(const unsigned char *u)
{
    return (*u & 0xC0) == 0x80 ? 0 : *u >= 0xE1 ? 2 : 1;
}

static int display_width(const char *s)
{
    int w = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++)
        w += char_width(u);
    return w;
}

static void put_padded(imgb_buf *o, const char *s, int width)
{
    imgb_buf_puts(o, s);
    for (int w = display_width(s); w < width; w++)
        imgb_buf_putc(o, ' ');
}

static int table_width(const imgb_report_params *p)
{
    return p->width == 0 ? TABLE_WIDTH : p->width < 0 ? 1 << 30 : p->width < 40 ? 40 : p->width;
}

/*
 * Append `line` (one logical line, already made safe, no newline) wrapped at `width`
 * columns: the first physical line starts at column `indent`, continuations at `cont`.
 * Breaks at spaces; a word longer than a whole line is cut (paths, digests).
 */
static void put_wrapped(imgb_buf *o, const char *line, int indent, int cont, int width)
{
    int col = indent;
    for (int i = 0; i < indent; i++)
        imgb_buf_putc(o, ' ');
    const char *s = line;
    bool first_word = true;
    while (*s) {
        const char *w = s;
        while (*w == ' ')
            w++;
        const char *e = w;
        while (*e && *e != ' ')
            e++;
        int ww = 0;
        for (const unsigned char *u = (const unsigned char *)w; u < (const unsigned char *)e; u++)
            ww += char_width(u);
        int gap = first_word ? 0 : (int)(w - s);
        if (!first_word && col + gap + ww > width) {
            imgb_buf_putc(o, '\n');
            for (int i = 0; i < cont; i++)
                imgb_buf_putc(o, ' ');
            col = cont;
            gap = 0;
        }
        for (int i = 0; i < gap; i++)
            imgb_buf_putc(o, ' ');
        col += gap;
        /* a word wider than the line: hard breaks */
        for (const unsigned char *u = (const unsigned char *)w; u < (const unsigned char *)e;) {
            const unsigned char *next = u + 1;
            while (next < (const unsigned char *)e && (*next & 0xC0) == 0x80)
                next++;
            int cw = char_width(u);
            if (col + cw > width && col > cont) {
                imgb_buf_putc(o, '\n');
                for (int i = 0; i < cont; i++)
                    imgb_buf_putc(o, ' ');
                col = cont;
            }
            imgb_buf_put(o, u, (size_t)(next - u));
            col += cw;
            u = next;
        }
        first_word = false;
        s = e;
    }
    imgb_buf_putc(o, '\n');
}

/* The build step that wrote the evidence's file, and whether the base image or the image's
 * own layers did: "{layer 2, own: /bin/sh -c ...}" (created_by cut at 100 bytes). */
static void put_layer(imgb_buf *o, const imgb_report_params *p, const imgb_evidence *ev)
{
    if (ev->layer < 0 || !ev->file)
        return;
    bool en = p->lang == IMGB_LANG_EN;
    imgb_buf_printf(o, en ? " {layer %d, %s" : " {第 %d 层, %s", ev->layer,
                    ev->origin == IMGB_ORIGIN_BASE  ? (en ? "base image" : "基础镜像")
                    : ev->origin == IMGB_ORIGIN_OWN ? (en ? "own layer" : "自有层")
                                                    : (en ? "origin unknown" : "来源未知"));
    if (ev->layer_cmd) {
        size_t n = strlen(ev->layer_cmd);
        char *cut = imgb_xstrndup(ev->layer_cmd, n > 100 ? 100 : n);
        imgb_buf_puts(o, ": ");
        put_safe(o, cut);
        imgb_buf_puts(o, n > 100 ? "...}" : "}");
        free(cut);
    } else {
        imgb_buf_putc(o, '}');
    }
}

/* The Dockerfile snippet under the evidence, one line per snippet line (not wrapped: a
 * shell command must stay copyable). */
static void put_fix(imgb_buf *o, const imgb_report_params *p, const imgb_evidence *ev)
{
    char *fix = imgb_report_fix_snippet(ev, p->lang);
    if (!fix)
        return;
    char *save = NULL;
    const char *label = p->lang == IMGB_LANG_EN ? "fix: " : "修复: ";
    for (char *l = strtok_r(fix, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        imgb_buf_printf(o, "%*s%s", IND_FIX, "", label);
        put_safe(o, l);
        imgb_buf_putc(o, '\n');
        label = p->lang == IMGB_LANG_EN ? "     " : "      ";
    }
    free(fix);
}

/* One piece of evidence as one logical line; false when it has nothing to say. */
static bool evidence_line(imgb_buf *o, const imgb_report_params *p, const imgb_evidence *ev,
                          const imgb_ignore_entry *ignored, int diff)
{
    /* diff mode: "+" a new finding, "=" one the old image had, "-" one it fixed */
    imgb_buf_puts(o, diff == IMGB_DIFF_NEW         ? "+ "
                     : diff == IMGB_DIFF_UNCHANGED ? "= "
                     : diff == IMGB_DIFF_FIXED     ? "- "
                                                   : "");
    size_t base = o->len;
    if (ev->file) {
        put_safe(o, ev->file);
        if (ev->line > 0)
            imgb_buf_printf(o, ":%d", ev->line);
        else if (ev->offset >= 0)
            imgb_buf_printf(o, "@%lld", (long long)ev->offset);
    } else if (ev->history_index >= 0) {
        imgb_buf_printf(o, "history[%d]", ev->history_index);
    }
    if (ev->account) {
        imgb_buf_puts(o, o->len > base ? "  " : "");
        put_safe(o, ev->account);
    }
    const char *what = ev->message ? ev->message : ev->value ? ev->value
                       : !ev->file ? ev->layer_cmd : NULL;
    if (what) {
        imgb_buf_puts(o, o->len > base ? (ev->account ? ": " : "  ") : "");
        put_safe(o, what);
    }
    if (ev->expected) {
        imgb_buf_printf(o, " (%s: ", LBL(p, L_EXPECTED));
        put_safe(o, ev->expected);
        imgb_buf_putc(o, ')');
    }
    if (ev->source && !ev->message) {
        imgb_buf_puts(o, " [");
        put_safe(o, ev->source);
        imgb_buf_putc(o, ']');
    }
    if (ev->layer_removed >= 0 && !ev->message) {
        if (p->lang == IMGB_LANG_EN)
            imgb_buf_printf(o, " (removed in layer %d)", ev->layer_removed);
        else
            imgb_buf_printf(o, " (已在第 %d 层删除)", ev->layer_removed);
    }
    if (o->len == base)
        return false;
    put_layer(o, p, ev);
    if (ignored) {
        imgb_buf_printf(o, " [%s", LBL(p, L_IGNORED_EV));
        if (ignored->reason) {
            imgb_buf_puts(o, ": ");
            put_safe(o, ignored->reason);
        }
        imgb_buf_putc(o, ']');
    }
    return true;
}

/* ---- blocks ---------------------------------------------------------------------------- */

typedef struct table_counts {
    size_t items, fail, sev[3], ignored, pass, na, unjudged;
} table_counts;

static void count_item(table_counts *c, int group, imgb_severity sev)
{
    c->items++;
    switch (group) {
    case IMGB_GROUP_FAILED: c->fail++; c->sev[sev]++; break;
    case IMGB_GROUP_IGNORED: c->ignored++; break;
    case IMGB_GROUP_ERROR: c->unjudged++; break;
    case IMGB_GROUP_NOT_APPLICABLE: c->na++; break;
    default: c->pass++; break;
    }
}

static void put_header(imgb_buf *out, const imgb_scan_result *res, const imgb_report_params *p,
                       int width)
{
    imgb_buf line = IMGB_BUF_INIT;
    if (res->image) {
        const imgb_image *img = res->image;
        imgb_buf_printf(&line, "%s: ", LBL(p, L_IMAGE));
        put_safe(&line, img->nrefs ? img->refs[0] : img->path ? img->path : "-");
        imgb_buf_printf(&line, " (%s)%s%s", img->config_digest ? img->config_digest : "-",
                        img->verified ? "" : "  ", img->verified ? "" : LBL(p, L_UNVERIFIED));
        put_wrapped(out, line.ptr, 0, IND_EVIDENCE, width);
        imgb_buf_clear(&line);
    }
    if (res->os) {
        imgb_buf_printf(&line, "%s: ", LBL(p, L_OS));
        put_safe(&line, res->os->pretty_name ? res->os->pretty_name
                        : res->os->id ? res->os->id : "-");
        put_wrapped(out, line.ptr, 0, IND_EVIDENCE, width);
        imgb_buf_clear(&line);
    }
    if (res->incomplete_reason) {
        imgb_buf_printf(&line, "%s: ", LBL(p, L_INCOMPLETE_SCAN));
        put_safe(&line, res->incomplete_reason);
        put_wrapped(out, line.ptr, 0, IND_EVIDENCE, width);
    }
    imgb_buf_dispose(&line);
}

static void put_summary(imgb_buf *out, const imgb_scan_result *res,
                        const imgb_report_params *p, const table_counts *c, int width)
{
    bool en = p->lang == IMGB_LANG_EN;
    imgb_buf line = IMGB_BUF_INIT;
    imgb_buf_printf(&line,
                    en ? "Summary: %zu baselines, %zu items: %zu failed (%zu high, %zu medium, "
                         "%zu low), %zu ignored, %zu passed, %zu not applicable, %zu errors "
                         "or incomplete"
                       : "汇总: %zu 个基线, %zu 个检查项: %zu 未通过 (高危 %zu, 中危 %zu, "
                         "低危 %zu), %zu 已忽略, %zu 通过, %zu 不适用, %zu 错误或未完成",
                    res->nbaselines, c->items, c->fail, c->sev[IMGB_SEV_HIGH],
                    c->sev[IMGB_SEV_MEDIUM], c->sev[IMGB_SEV_LOW], c->ignored, c->pass, c->na,
                    c->unjudged);
    put_wrapped(out, line.ptr, 0, 9, width);
    imgb_buf_dispose(&line);
}

/* The item's status line, its evidence, the reason it is ignored and the advice. */
static void put_item(imgb_buf *out, const imgb_scan_result *res, const imgb_report_params *p,
                     const imgb_report_triage *t, size_t b, size_t i, int group, int width)
{
    bool en = p->lang == IMGB_LANG_EN;
    const imgb_item_result *r = &res->baselines[b].items[i];
    const imgb_item *it = r->item;
    const imgb_ignore_entry *entry = NULL;
    imgb_ignore_status st = imgb_report_item_status(t, b, i, &entry);
    const char *sev = sev_label[it->severity][en];
    imgb_buf line = IMGB_BUF_INIT;

    imgb_buf_puts(out, "  ");
    put_padded(out, status_label(p, r, st), 11);
    if (p->color && group == IMGB_GROUP_FAILED) {
        imgb_buf_puts(out, sev_color[it->severity]);
        imgb_buf_puts(out, sev);
        imgb_buf_puts(out, "\033[0m");
        put_padded(out, "", 7 - display_width(sev));
    } else {
        put_padded(out, sev, 7);
    }
    imgb_buf_printf(&line, "%s  %s", it->id, imgb_report_text(&it->title, p->lang));
    /* the status and severity columns are 2 + 11 + 7 = 20 wide */
    {
        imgb_buf wrapped = IMGB_BUF_INIT;
        put_wrapped(&wrapped, line.ptr, 20, 20, width);
        imgb_buf_puts(out, wrapped.ptr + 20);
        imgb_buf_dispose(&wrapped);
    }
    imgb_buf_clear(&line);
    if (group == IMGB_GROUP_NOT_APPLICABLE || group == IMGB_GROUP_PASSED) {
        imgb_buf_dispose(&line);
        return;
    }

    size_t shown = 0, total = 0;
    for (size_t e = 0; e < r->nevidence; e++) {
        if (r->verdict == IMGB_V_FAIL && !imgb_report_evidence_failing(r, e))
            continue;
        total++;
        if (!p->evidence_all && shown >= TABLE_MAX_EVIDENCE)
            continue;
        const imgb_ignore_entry *ev_entry = NULL;
        bool ev_ignored = r->verdict == IMGB_V_FAIL && st == IMGB_STATUS_UNHANDLED &&
                          imgb_report_evidence_status(t, b, i, e, &ev_entry) !=
                              IMGB_STATUS_UNHANDLED;
        if (evidence_line(&line, p, &r->evidence[e], ev_ignored ? ev_entry : NULL,
                          imgb_report_diff_state(p, r, e))) {
            put_wrapped(out, line.ptr, IND_EVIDENCE, IND_CONT, width);
            put_fix(out, p, &r->evidence[e]);
            shown++;
        }
        imgb_buf_clear(&line);
    }
    if (total > shown) {
        if (p->lang == IMGB_LANG_EN)
            imgb_buf_printf(&line, "%zu more pieces of evidence (--evidence all)", total - shown);
        else
            imgb_buf_printf(&line, "另有 %zu 条证据 (--evidence all 显示全部)", total - shown);
        put_wrapped(out, line.ptr, IND_EVIDENCE, IND_CONT, width);
        imgb_buf_clear(&line);
    }
    if (entry && entry->reason) {
        imgb_buf_printf(&line, "%s: ", LBL(p, L_REASON));
        put_safe(&line, entry->reason);
        put_wrapped(out, line.ptr, IND_EVIDENCE, IND_CONT, width);
        imgb_buf_clear(&line);
    }
    const char *advice = imgb_report_text(&it->advice, p->lang);
    if (group == IMGB_GROUP_FAILED && advice && *advice) {
        imgb_buf_printf(&line, "%s: ", LBL(p, L_ADVICE));
        put_safe(&line, advice);
        put_wrapped(out, line.ptr, IND_EVIDENCE, IND_CONT, width);
    }
    imgb_buf_dispose(&line);
}

/* Count the items of baseline `b` into `c` by display group. */
static void count_baseline(const imgb_scan_result *res, const imgb_report_triage *t, size_t b,
                           table_counts *c)
{
    const imgb_baseline_result *br = &res->baselines[b];
    for (size_t i = 0; i < br->nitems; i++)
        count_item(c, imgb_report_item_group(&br->items[i], imgb_report_item_status(t, b, i, NULL)),
                   br->items[i].item->severity);
}

static void put_baseline(imgb_buf *out, const imgb_scan_result *res, const imgb_report_params *p,
                         const imgb_report_triage *t, size_t b, int width)
{
    const imgb_baseline_result *br = &res->baselines[b];
    const imgb_baseline *bl = br->baseline;
    imgb_buf line = IMGB_BUF_INIT;
    imgb_buf_printf(&line, "== %s (%s)", imgb_report_text(&bl->alias, p->lang),
                    bl->key ? bl->key : "");
    imgb_buf_putc(out, '\n');
    put_wrapped(out, line.ptr, 0, 3, width);
    imgb_buf_clear(&line);
    if (br->reason) {
        imgb_buf_printf(&line, "%s: ", LBL(p, L_APPLIES));
        put_safe(&line, br->reason);
        put_wrapped(out, line.ptr, 3, 5, width);
        imgb_buf_clear(&line);
    }
    table_counts c = { 0 };
    count_baseline(res, t, b, &c);
    size_t *order = imgb_report_item_order(t, res, b);
    for (size_t k = 0; k < br->nitems; k++) {
        size_t i = order[k];
        int group = imgb_report_item_group(&br->items[i], imgb_report_item_status(t, b, i, NULL));
        if (!p->show_passed && group >= IMGB_GROUP_NOT_APPLICABLE)
            continue;
        put_item(out, res, p, t, b, i, group, width);
    }
    if (!p->show_passed && c.pass + c.na) {
        if (p->lang == IMGB_LANG_EN)
            imgb_buf_printf(&line, "%zu passed and %zu not applicable not listed "
                            "(--show-passed)", c.pass, c.na);
        else
            imgb_buf_printf(&line, "另有 %zu 项通过、%zu 项不适用未列出 (--show-passed 显示)",
                            c.pass, c.na);
        put_wrapped(out, line.ptr, IND_ITEM, IND_EVIDENCE, width);
    }
    imgb_buf_dispose(&line);
    free(order);
}

typedef struct table_fixed {
    imgb_buf *out;
    const imgb_report_params *p;
    int width;
} table_fixed;

static int table_fixed_one(const imgb_item_result *r, size_t e, void *payload)
{
    table_fixed *tf = payload;
    const imgb_item *it = r->item;
    imgb_buf line = IMGB_BUF_INIT;
    imgb_buf_printf(&line, "%s  %s  %s", sev_label[it->severity][tf->p->lang == IMGB_LANG_EN],
                    it->id, imgb_report_text(&it->title, tf->p->lang));
    put_wrapped(tf->out, line.ptr, IND_ITEM, IND_EVIDENCE, tf->width);
    imgb_buf_clear(&line);
    if (evidence_line(&line, tf->p, &r->evidence[e], NULL, IMGB_DIFF_FIXED))
        put_wrapped(tf->out, line.ptr, IND_EVIDENCE, IND_CONT, tf->width);
    imgb_buf_dispose(&line);
    return 0;
}

/* Diff mode: what the older image had and this one fixed, and the counts. */
static void put_fixed(imgb_buf *out, const imgb_scan_result *res, const imgb_report_params *p,
                      int width)
{
    bool en = p->lang == IMGB_LANG_EN;
    const imgb_image *old = p->diff_old->image;
    imgb_buf_printf(out, en ? "\n== Fixed since " : "\n== 已修复（相对于 ");
    put_safe(out, old && old->nrefs ? old->refs[0] : old && old->path ? old->path : "-");
    imgb_buf_puts(out, en ? "\n" : "）\n");
    table_fixed tf = { out, p, width };
    size_t nfixed = imgb_report_diff_fixed(res, p, table_fixed_one, &tf);
    size_t nnew, nsame;
    imgb_report_diff_counts(res, p, &nnew, &nsame);
    imgb_buf_printf(out, en ? "\nDiff: %zu new (+), %zu fixed (-), %zu unchanged (=)\n"
                            : "\n对比: 新增 %zu (+), 已修复 %zu (-), 未变 %zu (=)\n",
                    nnew, nfixed, nsame);
}

int imgb_render_table(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    int width = table_width(p);

    put_header(out, res, p, width);
    table_counts total = { 0 };
    for (size_t b = 0; b < res->nbaselines; b++)
        count_baseline(res, t, b, &total);
    put_summary(out, res, p, &total, width);
    if (res->nbaselines == 0)
        imgb_buf_printf(out, "%s\n", LBL(p, L_NONE));
    for (size_t b = 0; b < res->nbaselines; b++)
        put_baseline(out, res, p, t, b, width);

    if (p->diff_old)
        put_fixed(out, res, p, width);

    /* Scan warnings close the report (a file written with -o keeps them); the CLI prints
     * them on stderr only when this table is not what the terminal shows. */
    imgb_buf line = IMGB_BUF_INIT;
    size_t nw = res->nwarnings + (res->image ? res->image->nwarnings : 0);
    if (nw)
        imgb_buf_putc(out, '\n');
    for (size_t w = 0; w < nw; w++) {
        const char *text = w < res->nwarnings ? res->warnings[w]
                                              : res->image->warnings[w - res->nwarnings];
        imgb_buf_printf(&line, "%s: ", LBL(p, L_WARNING));
        put_safe(&line, text);
        put_wrapped(out, line.ptr, 0, 4, width);
        imgb_buf_clear(&line);
    }
    imgb_buf_dispose(&line);
    imgb_report_triage_free(t);
    return 0;
}
