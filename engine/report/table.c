/*
 * table: the human format (default on a terminal).  One block per applied baseline with
 * the reason it applies, items ordered failed first (unhandled, then ignored / false
 * positive), then errors and incomplete checks, not applicable, passed; within a group by
 * severity.  Failed items show up to TABLE_MAX_EVIDENCE pieces of evidence.  Severity is
 * coloured only when p->color (the CLI sets it for a TTY).  A summary line ends the table.
 * Every label exists in zh and en.
 */
#include <stdlib.h>
#include <string.h>

#include "facts/os.h"
#include "report/report_priv.h"

#define TABLE_MAX_EVIDENCE 5

enum {
    L_IMAGE, L_OS, L_UNVERIFIED, L_APPLIES, L_FAIL, L_IGNORED, L_FALSE_POSITIVE, L_ERROR,
    L_INCOMPLETE, L_NA, L_PASS, L_EXPECTED, L_REASON, L_WARNING, L_NONE, L_COUNT
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

/* Terminal columns of UTF-8 text: East Asian wide characters (U+1100 and up) take two. */
static int display_width(const char *s)
{
    int w = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if ((*u & 0xC0) == 0x80)
            continue;
        w += *u >= 0xE1 ? 2 : 1;
    }
    return w;
}

static void put_padded(imgb_buf *o, const char *s, int width)
{
    imgb_buf_puts(o, s);
    for (int w = display_width(s); w < width; w++)
        imgb_buf_putc(o, ' ');
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

/* The Dockerfile snippet under the evidence, one indented line per snippet line. */
static void put_fix(imgb_buf *o, const imgb_report_params *p, const imgb_evidence *ev)
{
    char *fix = imgb_report_fix_snippet(ev, p->lang);
    if (!fix)
        return;
    char *save = NULL;
    const char *label = p->lang == IMGB_LANG_EN ? "fix: " : "修复: ";
    for (char *l = strtok_r(fix, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        imgb_buf_printf(o, "          %s", label);
        put_safe(o, l);
        imgb_buf_putc(o, '\n');
        label = p->lang == IMGB_LANG_EN ? "     " : "      ";
    }
    free(fix);
}

static void put_evidence(imgb_buf *o, const imgb_report_params *p, const imgb_evidence *ev,
                         int diff)
{
    size_t start = o->len;
    /* diff mode: "+" a new finding, "=" one the old image had, "-" one it fixed */
    imgb_buf_puts(o, diff == IMGB_DIFF_NEW         ? "      + "
                     : diff == IMGB_DIFF_UNCHANGED ? "      = "
                     : diff == IMGB_DIFF_FIXED     ? "      - "
                                                   : "        ");
    size_t base = o->len;
    char *loc = imgb_report_evidence_location(ev);
    if (loc) {
        put_safe(o, loc);
        free(loc);
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
    if (o->len == base) {
        o->len = start; /* nothing to say: no line at all */
        o->ptr[o->len] = '\0';
        return;
    }
    put_layer(o, p, ev);
    imgb_buf_putc(o, '\n');
    put_fix(o, p, ev);
}

typedef struct table_fixed {
    imgb_buf *out;
    const imgb_report_params *p;
} table_fixed;

static int table_fixed_one(const imgb_item_result *r, size_t e, void *payload)
{
    table_fixed *tf = payload;
    const imgb_item *it = r->item;
    imgb_buf_printf(tf->out, "  %-18s%s  %s\n", sev_label[it->severity][tf->p->lang == IMGB_LANG_EN],
                    it->id, imgb_report_text(&it->title, tf->p->lang));
    put_evidence(tf->out, tf->p, &r->evidence[e], IMGB_DIFF_FIXED);
    return 0;
}

static void put_warning(imgb_buf *o, const imgb_report_params *p, const char *w)
{
    imgb_buf_printf(o, "%s: ", LBL(p, L_WARNING));
    put_safe(o, w);
    imgb_buf_putc(o, '\n');
}

int imgb_render_table(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out)
{
    imgb_report_triage *t = imgb_report_triage_new(res, p);
    bool en = p->lang == IMGB_LANG_EN;
    size_t nitems = 0, nfail = 0, nsev[3] = { 0, 0, 0 }, nign = 0, npass = 0, nna = 0, nerr = 0;

    if (res->image) {
        const imgb_image *img = res->image;
        imgb_buf_printf(out, "%s: ", LBL(p, L_IMAGE));
        put_safe(out, img->nrefs ? img->refs[0] : img->path ? img->path : "-");
        imgb_buf_printf(out, " (%s)%s%s\n", img->config_digest ? img->config_digest : "-",
                        img->verified ? "" : "  ", img->verified ? "" : LBL(p, L_UNVERIFIED));
    }
    if (res->os)
        imgb_buf_printf(out, "%s: %s\n", LBL(p, L_OS),
                        res->os->pretty_name ? res->os->pretty_name
                        : res->os->id ? res->os->id : "-");
    if (res->nbaselines == 0)
        imgb_buf_printf(out, "%s\n", LBL(p, L_NONE));

    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline_result *br = &res->baselines[b];
        const imgb_baseline *bl = br->baseline;
        imgb_buf_printf(out, "\n== %s (%s)", imgb_report_text(&bl->alias, p->lang),
                        bl->key ? bl->key : "");
        if (br->reason)
            imgb_buf_printf(out, " — %s: %s", LBL(p, L_APPLIES), br->reason);
        imgb_buf_putc(out, '\n');

        size_t *order = imgb_report_item_order(t, res, b);
        for (size_t k = 0; k < br->nitems; k++) {
            size_t i = order[k];
            const imgb_item_result *r = &br->items[i];
            const imgb_item *it = r->item;
            const imgb_ignore_entry *entry = NULL;
            imgb_ignore_status st = imgb_report_item_status(t, b, i, &entry);
            nitems++;
            switch (imgb_report_item_group(r, st)) {
            case IMGB_GROUP_FAILED: nfail++; nsev[it->severity]++; break;
            case IMGB_GROUP_IGNORED: nign++; break;
            case IMGB_GROUP_ERROR: nerr++; break;
            case IMGB_GROUP_NOT_APPLICABLE: nna++; break;
            default: npass++; break;
            }
            const char *sev = sev_label[it->severity][en];
            imgb_buf_puts(out, "  ");
            put_padded(out, status_label(p, r, st), 11);
            if (p->color && r->verdict == IMGB_V_FAIL && st == IMGB_STATUS_UNHANDLED) {
                imgb_buf_puts(out, sev_color[it->severity]);
                imgb_buf_puts(out, sev);
                imgb_buf_puts(out, "\033[0m");
                put_padded(out, "", 7 - display_width(sev));
            } else {
                put_padded(out, sev, 7);
            }
            imgb_buf_printf(out, "%s  %s\n", it->id, imgb_report_text(&it->title, p->lang));
            if (r->verdict == IMGB_V_FAIL || r->verdict == IMGB_V_ERROR ||
                r->verdict == IMGB_V_INCOMPLETE) {
                size_t shown = 0, total = 0;
                for (size_t e = 0; e < r->nevidence; e++) {
                    if (r->verdict == IMGB_V_FAIL && !imgb_report_evidence_failing(r, e))
                        continue;
                    total++;
                    if (shown < TABLE_MAX_EVIDENCE) {
                        put_evidence(out, p, &r->evidence[e],
                                     imgb_report_diff_state(p, r, e));
                        shown++;
                    }
                }
                if (total > shown) {
                    imgb_buf_puts(out, "        ");
                    imgb_buf_printf(out, en ? "%zu more pieces of evidence" : "另有 %zu 条证据",
                                    total - shown);
                    imgb_buf_putc(out, '\n');
                }
                if (entry && entry->reason) {
                    imgb_buf_printf(out, "        %s: ", LBL(p, L_REASON));
                    put_safe(out, entry->reason);
                    imgb_buf_putc(out, '\n');
                }
            }
        }
        free(order);
    }

    if (p->diff_old) {
        const imgb_image *old = p->diff_old->image;
        imgb_buf_printf(out, en ? "\n== Fixed since " : "\n== 已修复（相对于 ");
        put_safe(out, old && old->nrefs ? old->refs[0] : old && old->path ? old->path : "-");
        imgb_buf_puts(out, en ? "\n" : "）\n");
        table_fixed tf = { out, p };
        size_t nfixed = imgb_report_diff_fixed(res, p, table_fixed_one, &tf);
        size_t nnew, nsame;
        imgb_report_diff_counts(res, p, &nnew, &nsame);
        imgb_buf_printf(out, en ? "\nDiff: %zu new (+), %zu fixed (-), %zu unchanged (=)\n"
                                : "\n对比: 新增 %zu (+), 已修复 %zu (-), 未变 %zu (=)\n",
                        nnew, nfixed, nsame);
    }
    imgb_buf_putc(out, '\n');
    imgb_buf_printf(out,
                    en ? "Summary: %zu baselines, %zu items: %zu failed (%zu high, %zu medium, "
                         "%zu low), %zu ignored, %zu passed, %zu not applicable, %zu errors "
                         "or incomplete"
                       : "汇总: %zu 个基线, %zu 个检查项: %zu 未通过 (高危 %zu, 中危 %zu, "
                         "低危 %zu), %zu 已忽略, %zu 通过, %zu 不适用, %zu 错误或未完成",
                    res->nbaselines, nitems, nfail, nsev[IMGB_SEV_HIGH],
                    nsev[IMGB_SEV_MEDIUM], nsev[IMGB_SEV_LOW], nign, npass, nna, nerr);
    imgb_buf_putc(out, '\n');
    for (size_t w = 0; w < res->nwarnings; w++)
        put_warning(out, p, res->warnings[w]);
    if (res->image)
        for (size_t w = 0; w < res->image->nwarnings; w++)
            put_warning(out, p, res->image->warnings[w]);
    size_t nexp = 0;
    char **exp = imgb_report_ignore_lines(res, p, &nexp);
    for (size_t w = 0; w < nexp; w++)
        put_warning(out, p, exp[w]);
    imgb_report_free_lines(exp, nexp);
    imgb_report_triage_free(t);
    return 0;
}
