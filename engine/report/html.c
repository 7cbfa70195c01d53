/*
 * html: the audit report, one self-contained HTML5 file an auditor can hand over.
 *
 * Layout (every label in zh and en, by p->lang):
 *   header    the image (reference, ids, digests, platform, OS, sshd version), the scan
 *             (time, tool and rules versions, complete or not), a verdict line, and an
 *             inline-SVG bar chart of the open failures per baseline by severity with the
 *             numbers written next to each bar (it reads without colour)
 *   baselines one section per applied baseline, starting a new printed page: failed items
 *             first (severity, title, origin, description, evidence with file:line, effective
 *             value, where it came from, origin base / own / unknown, layer and build step;
 *             expected condition, advice, the fix snippet as Dockerfile lines, where to fix,
 *             references), then ignored / false-positive items with reason and expiry,
 *             errors and incomplete checks; passed and not-applicable items folded in
 *             <details> (present in the file, opened for printing)
 *   fixed     diff mode only (imgbaseline diff): the compared image's findings this one no
 *             longer has, on a page of their own; items and evidence rows are marked
 *             "+ new" / "= unchanged" and the verdict line counts them
 *   appendix  baselines that did not apply and why, warnings, expired ignore entries
 *
 * Self-contained: inline CSS, inline SVG, one small inline script (opens the folded parts
 * before printing for browsers without ::details-content), and a Content-Security-Policy
 * that forbids every fetch (default-src 'none'; the script is allowed by its hash), so
 * nothing in the file can reach the network even if text from the image looked like markup.
 * Every string from the image or the rules is escaped; invalid UTF-8, control characters
 * and noncharacters are replaced so that the file is well-formed HTML5.  Secrets arrive
 * masked from the checks and passwords never reach the result (tests/test_secrets.c and
 * tests/test_weak_password.c run this format like every other).
 *
 * Tests: tests/test_report.c (fixtures, escaping, structure via tests/html_check.py) and
 * tests/html_browser.py (chromium headless: screenshots, print to PDF, page count).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "attribution.h"
#include "facts/os.h"
#include "report/report_priv.h"
#include "util/error.h"

/* Evidence rows shown open per item; the rest of the list is folded below them. */
#define HTML_EVIDENCE_OPEN 12
/* Evidence rows written per item at all: a document, not a dump (the JSON report has all). */
#define HTML_EVIDENCE_MAX 400
/* Locations listed under "where to fix" per item. */
#define HTML_FIX_MAX 8
/* Characters of a digest shown after "sha256:" (the full value is in the title attribute). */
#define HTML_DIGEST_SHORT 12

enum {
    L_TITLE, L_IMAGE, L_NO_REF, L_IMAGE_ID, L_MANIFEST, L_ARCHIVE, L_PLATFORM, L_CREATED,
    L_LAYERS, L_OS, L_OS_UNKNOWN, L_SSHD, L_NOT_INSTALLED, L_SCANNED, L_TOOL, L_RULES,
    L_COMPLETENESS, L_COMPLETE, L_UNVERIFIED, L_V_FAIL, L_V_PASS, L_V_INCOMPLETE, L_CHART,
    L_CHART_NONE, L_SEV_HIGH, L_SEV_MEDIUM, L_SEV_LOW, L_G_FAILED, L_G_IGNORED, L_G_ERROR,
    L_G_NA, L_G_PASSED, L_APPLIES, L_LOCATION, L_FINDING, L_LAYER_STEP, L_EXPECTED, L_ADVICE,
    L_FIX, L_REFS, L_IGNORED, L_FALSE_POSITIVE, L_REASON, L_EXPIRES, L_NO_EXPIRY, L_ENTRY,
    L_NOT_APPLIED, L_WARNINGS, L_NO_BASELINE, L_ST_FAIL, L_ST_PASS, L_ST_NA, L_ST_ERROR,
    L_ST_INCOMPLETE, L_SEVERITY, L_ITEM, L_CONTENTS, L_APPENDIX, L_NONE_FAILED, L_ITEMS,
    L_BASELINES, L_CONFIG, L_SKIP_LINK, L_P_PASS, L_P_NA, L_P_ERROR, L_BASE, L_BASE_UNKNOWN,
    L_O_BASE, L_O_OWN, L_O_UNKNOWN, L_FIX_SNIPPET, L_COMPARED, L_D_NEW, L_D_UNCHANGED,
    L_D_FIXED, L_G_FIXED, L_NONE_FIXED, L_COUNT
};

static const char *const labels[L_COUNT][2] = {
    [L_TITLE] = { "容器镜像安全基线检查报告", "Container image security baseline report" },
    [L_IMAGE] = { "镜像", "Image" },
    [L_NO_REF] = { "（无镜像名称）", "(no image reference)" },
    [L_IMAGE_ID] = { "镜像 ID", "Image ID" },
    [L_MANIFEST] = { "清单摘要", "Manifest digest" },
    [L_ARCHIVE] = { "镜像文件", "Archive" },
    [L_PLATFORM] = { "平台", "Platform" },
    [L_CREATED] = { "构建时间", "Created" },
    [L_LAYERS] = { "镜像层", "Layers" },
    [L_OS] = { "操作系统", "Operating system" },
    [L_OS_UNKNOWN] = { "未识别", "not identified" },
    [L_SSHD] = { "OpenSSH 服务端", "OpenSSH server" },
    [L_NOT_INSTALLED] = { "未安装", "not installed" },
    [L_SCANNED] = { "扫描时间", "Scanned" },
    [L_TOOL] = { "扫描工具", "Tool" },
    [L_RULES] = { "规则", "Rules" },
    [L_COMPLETENESS] = { "完整性", "Completeness" },
    [L_COMPLETE] = { "完整：所有适用的检查项均已评估，摘要已校验",
                     "complete: every applicable item was evaluated, digests verified" },
    [L_UNVERIFIED] = { "未校验摘要（--no-verify）", "digests not verified (--no-verify)" },
    [L_V_FAIL] = { "未通过", "FAILED" },
    [L_V_PASS] = { "通过", "PASSED" },
    [L_V_INCOMPLETE] = { "不完整", "INCOMPLETE" },
    [L_CHART] = { "各基线未通过的检查项（按风险等级）", "Failed items per baseline, by severity" },
    [L_CHART_NONE] = { "无未通过项", "no failed items" },
    [L_SEV_HIGH] = { "高危", "high" },
    [L_SEV_MEDIUM] = { "中危", "medium" },
    [L_SEV_LOW] = { "低危", "low" },
    [L_G_FAILED] = { "未通过的检查项", "Failed items" },
    [L_G_IGNORED] = { "已忽略与误报", "Ignored and false positives" },
    [L_G_ERROR] = { "错误与未完成的检查", "Errors and incomplete checks" },
    [L_G_NA] = { "不适用的检查项", "Not applicable items" },
    [L_G_PASSED] = { "通过的检查项", "Passed items" },
    [L_APPLIES] = { "适用原因", "Applies because" },
    [L_LOCATION] = { "位置", "Location" },
    [L_FINDING] = { "发现", "Finding" },
    [L_LAYER_STEP] = { "镜像层 / 构建步骤", "Layer / build step" },
    [L_EXPECTED] = { "期望", "Expected" },
    [L_ADVICE] = { "修复建议", "Advice" },
    [L_FIX] = { "修复位置", "Where to fix" },
    [L_REFS] = { "参考", "References" },
    [L_IGNORED] = { "已忽略", "Ignored" },
    [L_FALSE_POSITIVE] = { "误报", "False positive" },
    [L_REASON] = { "原因", "Reason" },
    [L_EXPIRES] = { "有效期至", "Expires" },
    [L_NO_EXPIRY] = { "长期有效", "no expiry" },
    [L_ENTRY] = { "忽略条目", "Ignore entry" },
    [L_NOT_APPLIED] = { "未应用的基线", "Baselines not applied" },
    [L_WARNINGS] = { "警告", "Warnings" },
    [L_NO_BASELINE] = { "未应用任何基线", "No baseline applied" },
    [L_ST_FAIL] = { "未通过", "FAIL" },
    [L_ST_PASS] = { "通过", "PASS" },
    [L_ST_NA] = { "不适用", "N/A" },
    [L_ST_ERROR] = { "错误", "ERROR" },
    [L_ST_INCOMPLETE] = { "未完成", "INCOMPLETE" },
    [L_SEVERITY] = { "等级", "Severity" },
    [L_ITEM] = { "检查项", "Item" },
    [L_CONTENTS] = { "基线", "Baselines" },
    [L_APPENDIX] = { "附录", "Appendix" },
    [L_NONE_FAILED] = { "本基线没有未通过的检查项。", "No failed items in this baseline." },
    [L_ITEMS] = { "个检查项", "items" },
    [L_BASELINES] = { "个基线", "baselines" },
    [L_CONFIG] = { "镜像配置", "image config" },
    [L_SKIP_LINK] = { "跳到各基线", "Skip to the baselines" },
    [L_P_PASS] = { "通过", "passed" },
    [L_P_NA] = { "不适用", "not applicable" },
    [L_P_ERROR] = { "错误或未完成", "errors or incomplete" },
    [L_BASE] = { "基础镜像", "Base image" },
    [L_BASE_UNKNOWN] = { "未知", "unknown" },
    [L_O_BASE] = { "来自基础镜像", "base image" },
    [L_O_OWN] = { "本镜像自有层", "own layer" },
    [L_O_UNKNOWN] = { "来源未知", "origin unknown" },
    [L_FIX_SNIPPET] = { "修复（Dockerfile）", "Fix (Dockerfile)" },
    [L_COMPARED] = { "对比基准", "Compared with" },
    [L_D_NEW] = { "新增", "new" },
    [L_D_UNCHANGED] = { "未变", "unchanged" },
    [L_D_FIXED] = { "已修复", "fixed" },
    [L_G_FIXED] = { "已修复的问题", "Fixed findings" },
    [L_NONE_FIXED] = { "对比基准中的问题在本镜像中均仍存在。",
                       "Every finding of the compared image is still there." },
};

#define LBL(h, id) labels[id][(h)->en]

static const int sev_label[3] = { L_SEV_LOW, L_SEV_MEDIUM, L_SEV_HIGH };
/* By imgb_origin (UNKNOWN, BASE, OWN). */
static const int origin_label[3] = { L_O_UNKNOWN, L_O_BASE, L_O_OWN };
static const char *const origin_class[3] = { "unknown", "base", "own" };
static const char *const sev_class[3] = { "low", "medium", "high" };

/*
 * Opens every folded part before printing and closes what it opened afterwards, for
 * browsers that cannot style ::details-content (the print stylesheet does it elsewhere).
 * Allowed by the CSP through its SHA-256, so no other script can run.
 */
static const char print_script[] =
    "addEventListener('beforeprint',function(){document.querySelectorAll('details:not([open])')"
    ".forEach(function(d){d.open=true;d.setAttribute('data-print-opened','')})});"
    "addEventListener('afterprint',function(){document.querySelectorAll('details[data-print-"
    "opened]').forEach(function(d){d.open=false;d.removeAttribute('data-print-opened')})});";

static const char stylesheet[] =
    ":root{--fg:#1c2331;--muted:#5a6374;--line:#d8dde6;--panel:#f5f7fa;--high:#b42318;"
    "--high-bg:#fef3f2;--medium:#b54708;--medium-bg:#fff7e6;--low:#1d5fa8;--low-bg:#eef5ff;"
    "--pass:#067647;--pass-bg:#ecfdf3;--ign:#5a6374;--ign-bg:#f2f4f7}\n"
    "*{box-sizing:border-box}\n"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
    "body{margin:0;color:var(--fg);background:#fff;font:14px/1.55 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Noto Sans\",\"PingFang SC\",\"Hiragino Sans GB\",\"Microsoft YaHei\","
    "\"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\",sans-serif;overflow-wrap:anywhere}\n"
    "code,.mono{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,\"DejaVu Sans Mono\","
    "\"WenQuanYi Micro Hei Mono\",monospace;font-size:.92em}\n"
    ".wrap{max-width:1120px;margin:0 auto;padding:0 28px}\n"
    ".skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px}\n"
    ".top{background:#1c2331;color:#fff;padding:22px 0 18px}\n"
    ".top h1{margin:0;font-size:22px;font-weight:600;letter-spacing:.01em}\n"
    ".top .ref{margin:6px 0 0;font-size:16px;color:#d8dde6;word-break:break-all}\n"
    ".ident{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:0 32px;margin:18px 0 0;"
    "padding:14px 18px;background:var(--panel);border:1px solid var(--line);border-radius:6px}\n"
    ".ident div{display:grid;grid-template-columns:9.5em minmax(0,1fr);gap:8px;padding:4px 0;"
    "border-bottom:1px solid var(--line)}\n"
    ".ident dt{color:var(--muted)}.ident dd{margin:0}\n"
    ".verdict{margin:18px 0 0;padding:14px 18px;border-radius:6px;border:1px solid;"
    "font-size:16px}\n"
    ".verdict strong{font-size:18px;margin-right:.6em;letter-spacing:.03em}\n"
    ".verdict.fail{background:var(--high-bg);border-color:var(--high);color:#7a1a12}\n"
    ".verdict.pass{background:var(--pass-bg);border-color:var(--pass);color:#05502f}\n"
    ".verdict.incomplete{background:var(--medium-bg);border-color:var(--medium);color:#7a3306}\n"
    ".verdict .sub{display:block;font-size:14px;margin-top:4px;color:var(--fg)}\n"
    "h2{font-size:19px;margin:0 0 4px}h3{font-size:15px;margin:22px 0 8px;color:var(--muted);"
    "text-transform:none;border-bottom:1px solid var(--line);padding-bottom:4px}\n"
    ".chart{margin:22px 0 0}\n"
    ".chart h2{font-size:16px}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0 10px;color:var(--muted)}\n"
    ".legend svg{vertical-align:-2px;margin-right:4px}\n"
    ".bars{display:grid;grid-template-columns:minmax(10em,19em) minmax(0,1fr);gap:6px 16px;"
    "align-items:center}\n"
    ".bars .name{text-align:right}.bars .name a{color:inherit;text-decoration:none}\n"
    ".bars .cell{display:flex;align-items:center;gap:10px;min-width:0}\n"
    ".bars svg{flex:0 0 auto;display:block}\n"
    ".bars .nums{white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    ".bars .nums.zero{color:var(--pass)}\n"
    "rect.high{fill:var(--high)}rect.medium{fill:var(--medium)}rect.low{fill:var(--low)}"
    "rect.track{fill:var(--panel)}\n"
    ".baseline{margin:34px 0 0;padding-top:18px;border-top:3px solid var(--fg)}\n"
    ".bl-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px}\n"
    ".bl-head .key{color:var(--muted)}\n"
    ".applies{margin:4px 0;color:var(--muted)}\n"
    ".counts{margin:6px 0 0;display:flex;flex-wrap:wrap;gap:6px}\n"
    ".pill{display:inline-block;padding:1px 9px;border-radius:10px;border:1px solid var(--line);"
    "font-size:12.5px;white-space:nowrap;background:#fff}\n"
    ".pill.high{color:var(--high);border-color:var(--high);background:var(--high-bg)}\n"
    ".pill.medium{color:var(--medium);border-color:var(--medium);background:var(--medium-bg)}\n"
    ".pill.low{color:var(--low);border-color:var(--low);background:var(--low-bg)}\n"
    ".pill.pass{color:var(--pass);border-color:var(--pass);background:var(--pass-bg)}\n"
    ".pill.ign{color:var(--ign);background:var(--ign-bg)}\n"
    ".item{margin:12px 0;border:1px solid var(--line);border-left:5px solid var(--line);"
    "border-radius:4px;padding:10px 14px;break-inside:avoid-page}\n"
    ".item.high{border-left-color:var(--high)}.item.medium{border-left-color:var(--medium)}"
    ".item.low{border-left-color:var(--low)}.item.ignored{border-left-color:var(--ign);"
    "background:#fbfcfd}\n"
    ".item-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 10px}\n"
    ".item h4{margin:0;font-size:15px}\n"
    ".sev{font-weight:700;font-size:12px;padding:1px 7px;border-radius:3px;color:#fff;"
    "white-space:nowrap;text-transform:uppercase;letter-spacing:.04em}\n"
    ".sev.high{background:var(--high)}.sev.medium{background:var(--medium)}"
    ".sev.low{background:var(--low)}\n"
    ".tag{font-size:12px;padding:0 6px;border:1px solid currentColor;border-radius:3px;"
    "white-space:nowrap}\n"
    ".tag.ign{color:var(--ign)}.tag.err{color:var(--medium)}\n"
    ".iid{color:var(--muted);white-space:nowrap;overflow-wrap:normal}\n"
    ".desc{margin:6px 0;color:#364152}\n"
    "table{border-collapse:collapse;width:100%}\n"
    ".ev{margin:8px 0;font-size:13px}\n"
    ".ev th{text-align:left;font-weight:600;color:var(--muted);background:var(--panel)}\n"
    ".ev th,.ev td{border:1px solid var(--line);padding:4px 8px;vertical-align:top}\n"
    ".ev td:first-child{width:32%}.ev td:nth-child(3){width:26%}\n"
    ".muted{color:var(--muted)}\n"
    ".ev tr.ignored td{color:var(--muted);background:#fbfcfd}\n"
    ".facts{display:grid;grid-template-columns:9em minmax(0,1fr);gap:3px 12px;margin:8px 0 0}\n"
    ".facts dt{color:var(--muted);font-weight:600}.facts dd{margin:0}\n"
    ".facts ul{margin:0;padding-left:1.1em}\n"
    "details{margin:10px 0;border:1px solid var(--line);border-radius:4px}\n"
    "details>summary{cursor:pointer;padding:6px 12px;background:var(--panel);font-weight:600}\n"
    "details>.inner{padding:6px 12px}\n"
    ".list td,.list th{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;"
    "vertical-align:top;font-size:13px}\n"
    ".list th{color:var(--muted);font-weight:600}\n"
    ".list td.s,.list th:first-child{white-space:nowrap;width:5.5em}\n"
    ".list td:nth-child(2){width:42%}\n"
    ".appendix{margin:34px 0 0;padding-top:18px;border-top:3px solid var(--fg)}\n"
    ".appendix li{margin:3px 0}\n"
    "footer{margin:30px 0 40px;color:var(--muted);font-size:12.5px;border-top:1px solid "
    "var(--line);padding-top:8px}\n"
    ".org{font-size:12px;padding:0 6px;border-radius:3px;white-space:nowrap;"
    "border:1px solid currentColor}.org.own{color:#6941c6}.org.base{color:var(--muted)}"
    ".org.unknown{color:var(--muted);border-style:dashed}\n"
    ".dm{font-weight:700;font-size:12px;padding:0 5px;border-radius:3px;white-space:nowrap;"
    "border:1px solid currentColor}.dm.new{color:var(--high);background:var(--high-bg)}"
    ".dm.unchanged{color:var(--muted)}.dm.fixed{color:var(--pass);background:var(--pass-bg)}\n"
    "pre.fix{margin:3px 0;padding:6px 10px;background:var(--panel);border:1px solid var(--line);"
    "border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12.5px;"
    "break-inside:avoid-page}\n"
    "@media (max-width:700px){.wrap{padding:0 14px}.ident{grid-template-columns:1fr;"
    "padding:10px 12px}.ident div{grid-template-columns:7.5em minmax(0,1fr)}"
    ".bars{grid-template-columns:1fr;gap:2px}.bars .name{text-align:left;font-weight:600;"
    "margin-top:6px}.bars svg{width:45%}.facts{grid-template-columns:1fr}.facts dd{margin-bottom:"
    "4px}.ev thead{display:none}.ev,.ev tbody,.ev tr,.ev td{display:block;width:auto!important}"
    ".ev tr{border:1px solid var(--line);margin:0 0 6px}.ev td{border:0;border-bottom:1px dotted "
    "var(--line)}.ev td::before{content:attr(data-label);display:block;color:var(--muted);"
    "font-size:12px}.list thead{display:none}.list,.list tbody,.list tr,.list td{display:block;"
    "width:auto!important}.list tr{border-bottom:1px solid var(--line);padding:4px 0}"
    ".list td{border:0;padding:1px 0}.top h1{font-size:19px}}\n"
    "@media print{@page{size:A4;margin:14mm 12mm}body{font-size:10.5pt}"
    ".wrap{max-width:none;padding:0}.top{background:none;color:var(--fg);padding:0 0 6pt;"
    "border-bottom:2px solid var(--fg)}.top .ref{color:var(--fg)}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".baseline,.appendix{break-before:page;margin-top:0;border-top:0;padding-top:0}"
    "h2,h3,h4,summary{break-after:avoid-page}.item,tr{break-inside:avoid-page}"
    "details{border:0}details>summary{list-style:none;background:none;padding:0;"
    "margin:14pt 0 4pt;font-size:11pt;border-bottom:1px solid var(--line)}"
    "details>summary::-webkit-details-marker{display:none}details>.inner{padding:0}"
    "details::details-content{content-visibility:visible;display:block}"
    "a{color:inherit;text-decoration:none}.skip{display:none}}\n";

typedef struct bl_counts {
    size_t failed[3];     /* open failures by severity */
    size_t nfailed, ignored, errors, na, passed;
} bl_counts;

typedef struct html_ctx {
    imgb_buf *o;
    const imgb_scan_result *res;
    const imgb_report_params *p;
    imgb_report_triage *t;
    int en;                  /* index into labels: 0 zh, 1 en */
    bl_counts *counts;       /* per applied baseline */
    bl_counts total;
} html_ctx;

/* ---- escaping ------------------------------------------------------------------------- */

/* The code point of the valid UTF-8 sequence of `n` bytes at `u`. */
static unsigned code_point(const unsigned char *u, size_t n)
{
    static const unsigned char lead_mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
    unsigned cp = u[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (u[i] & 0x3Fu);
    return cp;
}

/* Unicode noncharacters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF) are parse errors in HTML. */
static bool is_nonchar(unsigned cp)
{
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp >= 0xFFFE && (cp & 0xFFFE) == 0xFFFE);
}

/* Bidirectional formatting characters: in a file name they reorder what the reader sees
 * ("Trojan Source"), so they are shown, not applied. */
static bool is_bidi(unsigned cp)
{
    return cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Controls: C0 but tab and newline, DEL, C1. */
static bool is_control(unsigned cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp < 0xA0);
}

/*
 * Walk text from the image or the rules: every invalid UTF-8 sequence or noncharacter
 * becomes `bad`, every other character goes to `put` (code point, bytes, length).
 */
static void each_char(imgb_buf *o, const char *s, const char *bad,
                      void (*put)(imgb_buf *o, unsigned cp, const unsigned char *u, size_t n))
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    while (*u) {
        size_t n = imgb_report_utf8_len(u);
        if (n == 0 || is_nonchar(code_point(u, n))) {
            imgb_buf_puts(o, bad);
            u += n ? n : 1;
            continue;
        }
        put(o, code_point(u, n), u, n);
        u += n;
    }
}

/* One character as HTML text or attribute value: markup characters become references,
 * controls a visible \xNN and bidi controls a visible \uNNNN. */
static void html_char(imgb_buf *o, unsigned cp, const unsigned char *u, size_t n)
{
    if (is_control(cp))
        imgb_buf_printf(o, "\\x%02x", cp);
    else if (is_bidi(cp))
        imgb_buf_printf(o, "\\u%04x", cp);
    else if (cp == '&')
        imgb_buf_puts(o, "&amp;");
    else if (cp == '<')
        imgb_buf_puts(o, "&lt;");
    else if (cp == '>')
        imgb_buf_puts(o, "&gt;");
    else if (cp == '"')
        imgb_buf_puts(o, "&quot;");
    else if (cp == '\'')
        imgb_buf_puts(o, "&#39;");
    else
        imgb_buf_put(o, u, n);
}

/* Text from the image or the rules as HTML text: the file stays well-formed and shows what
 * is there (U+FFFD for what is not text). */
static void h_text(imgb_buf *o, const char *s)
{
    each_char(o, s, "\xEF\xBF\xBD", html_char);
}

/* One character inside a CSS string: ASCII but letters, digits and " ._:/@-", controls and
 * bidi controls become hex escapes, so nothing can end the string or the <style> element. */
static void css_char(imgb_buf *o, unsigned cp, const unsigned char *u, size_t n)
{
    bool plain = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                 (cp >= '0' && cp <= '9') || (cp && cp < 0x80 && strchr(" ._:/@-", (int)cp)) ||
                 (cp >= 0xA0 && !is_bidi(cp));
    if (plain)
        imgb_buf_put(o, u, n);
    else
        imgb_buf_printf(o, "\\%x ", cp);
}

static void css_string(imgb_buf *o, const char *s)
{
    imgb_buf_putc(o, '"');
    each_char(o, s, "\\fffd ", css_char);
    imgb_buf_putc(o, '"');
}

/* An id attribute value: item ids are [a-z0-9._-] by convention, anything else becomes '_'
 * so that the fragment links (#item-...) always resolve. */
static void h_id(imgb_buf *o, const char *prefix, const char *s)
{
    imgb_buf_puts(o, prefix);
    for (const unsigned char *u = (const unsigned char *)(s ? s : ""); *u; u++) {
        bool ok = (*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') ||
                  (*u >= '0' && *u <= '9') || *u == '.' || *u == '_' || *u == '-';
        imgb_buf_putc(o, ok ? (char)*u : '_');
    }
}

/* "sha256:0123456789ab…" with the full digest in the title attribute. */
static void h_digest(imgb_buf *o, const char *d)
{
    if (!d || !*d) {
        imgb_buf_puts(o, "-");
        return;
    }
    const char *hex = strchr(d, ':') ? strchr(d, ':') + 1 : d;
    imgb_buf_puts(o, "<code title=\"");
    h_text(o, d);
    imgb_buf_puts(o, "\">");
    if (strlen(hex) > HTML_DIGEST_SHORT) {
        char *shortd = imgb_xstrndup(d, (size_t)(hex - d) + HTML_DIGEST_SHORT);
        h_text(o, shortd);
        imgb_buf_puts(o, "…");
        free(shortd);
    } else {
        h_text(o, d);
    }
    imgb_buf_puts(o, "</code>");
}

/* " (text)" in the muted colour: a detail after a value. */
static void h_muted(imgb_buf *o, const char *s)
{
    imgb_buf_puts(o, " <span class=\"muted\">(");
    h_text(o, s);
    imgb_buf_puts(o, ")</span>");
}

static void h_utc(imgb_buf *o, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[40];
    if (ms <= 0 || !gmtime_r(&t, &tm) || !strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S UTC", &tm))
        imgb_buf_puts(o, "-");
    else
        imgb_buf_puts(o, s);
}

/* ---- counts and identity -------------------------------------------------------------- */

static void count_items(html_ctx *h)
{
    const imgb_scan_result *res = h->res;
    h->counts = imgb_xcalloc(res->nbaselines ? res->nbaselines : 1, sizeof *h->counts);
    for (size_t b = 0; b < res->nbaselines; b++) {
        bl_counts *c = &h->counts[b];
        const imgb_baseline_result *br = &res->baselines[b];
        for (size_t i = 0; i < br->nitems; i++) {
            imgb_ignore_status st = imgb_report_item_status(h->t, b, i, NULL);
            switch (imgb_report_item_group(&br->items[i], st)) {
            case IMGB_GROUP_FAILED:
                c->failed[br->items[i].item->severity]++;
                c->nfailed++;
                break;
            case IMGB_GROUP_IGNORED: c->ignored++; break;
            case IMGB_GROUP_ERROR: c->errors++; break;
            case IMGB_GROUP_NOT_APPLICABLE: c->na++; break;
            default: c->passed++; break;
            }
        }
        for (int s = 0; s < 3; s++)
            h->total.failed[s] += c->failed[s];
        h->total.nfailed += c->nfailed;
        h->total.ignored += c->ignored;
        h->total.errors += c->errors;
        h->total.na += c->na;
        h->total.passed += c->passed;
    }
}

/*
 * The rules "version": a ruleset has no version number, so the report names it by a digest
 * over what decides verdicts (baseline keys, item ids, severities and check parameters, in
 * load order).  The same rules give the same digest on any machine.
 */
static void rules_digest(const imgb_ruleset *rs, char out[13])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        abort();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t b = 0; b < rs->nbaselines; b++) {
        const imgb_baseline *bl = rs->baselines[b];
        EVP_DigestUpdate(ctx, bl->key, strlen(bl->key) + 1);
        for (size_t i = 0; i < bl->nitems; i++) {
            const imgb_item *it = bl->items[i];
            json_t *params = json_deep_copy(it->params);
            json_object_del(params, "_rules_dir"); /* a host path, not part of the rule */
            char *ps = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
            char *line = imgb_xasprintf("%s\n%d\n%s\n", it->id, (int)it->severity,
                                        ps ? ps : "");
            EVP_DigestUpdate(ctx, line, strlen(line));
            free(line);
            free(ps);
            json_decref(params);
        }
    }
    EVP_DigestFinal_ex(ctx, md, &n);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 6; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void ident_row(html_ctx *h, int label)
{
    imgb_buf_printf(h->o, "<div><dt>%s</dt><dd>", LBL(h, label));
}

static void put_image_rows(html_ctx *h)
{
    const imgb_image *img = h->res->image;
    imgb_buf *o = h->o;
    ident_row(h, L_IMAGE_ID);
    h_digest(o, img ? img->config_digest : NULL);
    imgb_buf_puts(o, "</dd></div>");
    ident_row(h, L_MANIFEST);
    h_digest(o, img ? img->manifest_digest : NULL);
    imgb_buf_puts(o, "</dd></div>");
    if (!img)
        return;
    ident_row(h, L_PLATFORM);
    h_text(o, img->os ? img->os : "?");
    imgb_buf_putc(o, '/');
    h_text(o, img->arch ? img->arch : "?");
    if (img->variant) {
        imgb_buf_putc(o, '/');
        h_text(o, img->variant);
    }
    imgb_buf_puts(o, "</dd></div>");
    ident_row(h, L_CREATED);
    h_text(o, img->created ? img->created : "-");
    imgb_buf_puts(o, "</dd></div>");
    ident_row(h, L_LAYERS);
    uint64_t bytes = 0;
    for (size_t i = 0; i < img->nlayers; i++)
        bytes += img->layers[i].compressed_size;
    imgb_buf_printf(o, "%zu (%.1f MB)", img->nlayers, (double)bytes / 1e6);
    imgb_buf_puts(o, "</dd></div>");
    if (img->path) {
        /* The file name only: the host directory means nothing to the reader. */
        const char *base = strrchr(img->path, '/');
        ident_row(h, L_ARCHIVE);
        h_text(o, base && base[1] ? base + 1 : img->path);
        if (img->format)
            h_muted(o, img->format);
        imgb_buf_puts(o, "</dd></div>");
    }
}

/* Where the base image ends (engine/attribution.c): the origin of every finding depends on
 * it, so the reader sees how it was found or why it is not known. */
static void put_base_row(html_ctx *h)
{
    const imgb_base_info *bi = &h->res->base;
    imgb_buf *o = h->o;
    ident_row(h, L_BASE);
    if (bi->layers >= 0) {
        if (bi->name) {
            h_text(o, bi->name);
            imgb_buf_puts(o, " — ");
        }
        if (bi->layers == 0)
            imgb_buf_puts(o, h->en ? "none: every layer is the image's own"
                                   : "无：所有层均为本镜像自有");
        else if (bi->layers == 1)
            imgb_buf_puts(o, h->en ? "the first layer" : "第 1 层");
        else
            imgb_buf_printf(o, h->en ? "the first %d layers" : "前 %d 层", bi->layers);
        if (bi->digest) {
            imgb_buf_putc(o, ' ');
            h_digest(o, bi->digest);
        }
        if (bi->source)
            h_muted(o, bi->source);
    } else {
        /* The reason says it is unknown and why. */
        h_text(o, bi->source ? bi->source : LBL(h, L_BASE_UNKNOWN));
    }
    imgb_buf_puts(o, "</dd></div>");
}

/* Diff mode: the image this one is compared with. */
static void put_compared_row(html_ctx *h)
{
    const imgb_scan_result *old = h->p->diff_old;
    if (!old)
        return;
    const imgb_image *img = old->image;
    imgb_buf *o = h->o;
    ident_row(h, L_COMPARED);
    if (img && img->nrefs)
        h_text(o, img->refs[0]);
    else if (img && img->path)
        h_text(o, strrchr(img->path, '/') ? strrchr(img->path, '/') + 1 : img->path);
    imgb_buf_putc(o, ' ');
    h_digest(o, img ? img->config_digest : NULL);
    imgb_buf_puts(o, "</dd></div>");
}

static void put_os_rows(html_ctx *h)
{
    const imgb_os_info *os = h->res->os;
    imgb_buf *o = h->o;
    ident_row(h, L_OS);
    if (os && (os->pretty_name || os->id)) {
        h_text(o, os->pretty_name ? os->pretty_name : os->id);
        if (os->source)
            h_muted(o, os->source);
    } else {
        imgb_buf_puts(o, LBL(h, L_OS_UNKNOWN));
    }
    imgb_buf_puts(o, "</dd></div>");
    ident_row(h, L_SSHD);
    if (os && os->has_openssh_server) {
        h_text(o, os->openssh_version ? os->openssh_version : "?");
        if (os->openssh_pkg_version)
            h_muted(o, os->openssh_pkg_version);
    } else {
        imgb_buf_puts(o, LBL(h, L_NOT_INSTALLED));
    }
    imgb_buf_puts(o, "</dd></div>");
}

static size_t item_count(const imgb_ruleset *rs)
{
    size_t n = 0;
    for (size_t b = 0; b < rs->nbaselines; b++)
        n += rs->baselines[b]->nitems;
    return n;
}

static void put_scan_rows(html_ctx *h)
{
    const imgb_scan_result *res = h->res;
    imgb_buf *o = h->o;
    ident_row(h, L_SCANNED);
    h_utc(o, res->started_ms);
    if (res->finished_ms >= res->started_ms && res->started_ms > 0)
        imgb_buf_printf(o, " <span class=\"muted\">(%.1f s)</span>",
                        (double)(res->finished_ms - res->started_ms) / 1000.0);
    imgb_buf_puts(o, "</dd></div>");
    ident_row(h, L_TOOL);
    imgb_buf_puts(o, "imgbaseline ");
    h_text(o, imgb_version());
    imgb_buf_puts(o, "</dd></div>");
    ident_row(h, L_RULES);
    if (res->ruleset) {
        char dg[13];
        rules_digest(res->ruleset, dg);
        imgb_buf_printf(o, "<code>%s</code> <span class=\"muted\">(%zu %s, %zu %s)</span>", dg,
                        res->ruleset->nbaselines, LBL(h, L_BASELINES),
                        item_count(res->ruleset), LBL(h, L_ITEMS));
    } else {
        imgb_buf_puts(o, "-");
    }
    imgb_buf_puts(o, "</dd></div>");
}

static size_t warning_count(const imgb_scan_result *res)
{
    return res->nwarnings + (res->image ? res->image->nwarnings : 0);
}

/* Complete: verified digests, every item evaluated, no reader warnings.  Otherwise say why. */
static void put_completeness(html_ctx *h)
{
    const imgb_scan_result *res = h->res;
    imgb_buf *o = h->o;
    bool unverified = res->image && !res->image->verified;
    size_t nwarn = warning_count(res);
    ident_row(h, L_COMPLETENESS);
    if (!unverified && h->total.errors == 0 && nwarn == 0) {
        imgb_buf_puts(o, LBL(h, L_COMPLETE));
        imgb_buf_puts(o, "</dd></div>");
        return;
    }
    imgb_buf_puts(o, h->en ? "<strong>incomplete</strong>: " : "<strong>不完整</strong>：");
    const char *sep = "";
    if (unverified) {
        imgb_buf_puts(o, LBL(h, L_UNVERIFIED));
        sep = h->en ? "; " : "；";
    }
    if (h->total.errors) {
        imgb_buf_printf(o, h->en ? "%sitems not evaluated (errors or cut short): %zu"
                                 : "%s%zu 个检查项未能完成评估（错误或被截断）",
                        sep, h->total.errors);
        sep = h->en ? "; " : "；";
    }
    if (nwarn)
        imgb_buf_printf(o, h->en ? "%s%zu warnings (see the appendix)" : "%s%zu 条警告（见附录）",
                        sep, nwarn);
    imgb_buf_puts(o, "</dd></div>");
}

/* ---- header: identity, verdict, chart ---------------------------------------------------- */

static void put_ref(html_ctx *h)
{
    const imgb_image *img = h->res->image;
    if (!img || img->nrefs == 0) {
        imgb_buf_puts(h->o, LBL(h, L_NO_REF));
        return;
    }
    for (size_t r = 0; r < img->nrefs; r++) {
        if (r)
            imgb_buf_puts(h->o, ", ");
        h_text(h->o, img->refs[r]);
    }
}

static void put_verdict(html_ctx *h)
{
    imgb_buf *o = h->o;
    const bl_counts *c = &h->total;
    bool unverified = h->res->image && !h->res->image->verified;
    size_t nbl = h->res->nbaselines, nfail_bl = 0;
    for (size_t b = 0; b < nbl; b++)
        nfail_bl += h->counts[b].nfailed > 0;
    const char *cls = c->nfailed ? "fail" : (c->errors || unverified) ? "incomplete" : "pass";
    int word = c->nfailed ? L_V_FAIL : (c->errors || unverified) ? L_V_INCOMPLETE : L_V_PASS;
    imgb_buf_printf(o, "<p class=\"verdict %s\" id=\"verdict\"><strong>%s</strong>", cls,
                    LBL(h, word));
    if (c->nfailed)
        imgb_buf_printf(o, h->en ? "%zu failed items (%zu high, %zu medium, %zu low) in %zu of "
                                   "%zu baselines"
                                 : "%zu 个检查项未通过（高危 %zu，中危 %zu，低危 %zu），涉及 %zu/%zu 个基线",
                        c->nfailed, c->failed[IMGB_SEV_HIGH], c->failed[IMGB_SEV_MEDIUM],
                        c->failed[IMGB_SEV_LOW], nfail_bl, nbl);
    else
        imgb_buf_printf(o, h->en ? "no failed items in %zu baselines" : "%zu 个基线均无未通过的检查项",
                        nbl);
    size_t nitems = c->nfailed + c->ignored + c->errors + c->na + c->passed;
    imgb_buf_printf(o, h->en ? "<span class=\"sub\">%zu items checked: %zu passed, %zu not "
                               "applicable, %zu ignored or false positive, %zu errors or "
                               "incomplete.</span>"
                             : "<span class=\"sub\">共检查 %zu 项：通过 %zu，不适用 %zu，已忽略或误报 %zu，"
                               "错误或未完成 %zu。</span>",
                    nitems, c->passed, c->na, c->ignored, c->errors);
    if (h->p->diff_old) {
        size_t nnew, nsame, nfixed = imgb_report_diff_fixed(h->res, h->p, NULL, NULL);
        imgb_report_diff_counts(h->res, h->p, &nnew, &nsame);
        imgb_buf_printf(o, h->en ? "<span class=\"sub\">Against the compared image: %zu new "
                                   "(+), %zu fixed (−), %zu unchanged (=) findings.</span>"
                                 : "<span class=\"sub\">与对比基准相比：新增 %zu 项 (+)，"
                                   "已修复 %zu 项 (−)，未变 %zu 项 (=)。</span>",
                        nnew, nfixed, nsame);
    }
    imgb_buf_puts(o, "</p>\n");
}

/* A small coloured square for the legend. */
static void put_swatch(imgb_buf *o, const char *cls)
{
    imgb_buf_printf(o, "<svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect class=\"%s\" "
                       "width=\"12\" height=\"12\"/></svg>", cls);
}

/*
 * One bar per baseline: an inline SVG whose stacked rects are the open failures high,
 * medium, low, scaled to the largest total; the numbers are written next to it as text.
 * Percent geometry inside the SVG keeps it sharp at any width without a viewBox.
 */
static void put_bar(html_ctx *h, const bl_counts *c, size_t max)
{
    imgb_buf *o = h->o;
    imgb_buf_puts(o, "<svg width=\"360\" height=\"16\" role=\"presentation\" "
                     "aria-hidden=\"true\"><rect class=\"track\" width=\"100%\" height=\"16\"/>");
    double x = 0;
    for (int s = IMGB_SEV_HIGH; s >= IMGB_SEV_LOW; s--) {
        if (!c->failed[s] || !max)
            continue;
        double w = 100.0 * (double)c->failed[s] / (double)max;
        imgb_buf_printf(o, "<rect class=\"%s\" x=\"%.2f%%\" width=\"%.2f%%\" height=\"16\"/>",
                        sev_class[s], x, w);
        x += w;
    }
    imgb_buf_puts(o, "</svg>");
    if (!c->nfailed) {
        imgb_buf_printf(o, "<span class=\"nums zero\">0 — %s</span>", LBL(h, L_CHART_NONE));
        return;
    }
    int kinds = (c->failed[0] > 0) + (c->failed[1] > 0) + (c->failed[2] > 0);
    imgb_buf_printf(o, "<span class=\"nums\"><strong>%zu</strong>%s", c->nfailed,
                    kinds > 1 ? ": " : " ");
    const char *sep = "";
    for (int s = IMGB_SEV_HIGH; s >= IMGB_SEV_LOW; s--) {
        if (!c->failed[s])
            continue;
        if (kinds > 1)
            imgb_buf_printf(o, "%s%zu %s", sep, c->failed[s], LBL(h, sev_label[s]));
        else
            imgb_buf_puts(o, LBL(h, sev_label[s]));
        sep = " · ";
    }
    imgb_buf_puts(o, "</span>");
}

static void put_chart(html_ctx *h)
{
    imgb_buf *o = h->o;
    const imgb_scan_result *res = h->res;
    size_t max = 0;
    for (size_t b = 0; b < res->nbaselines; b++)
        if (h->counts[b].nfailed > max)
            max = h->counts[b].nfailed;
    imgb_buf_printf(o, "<section class=\"chart\" aria-labelledby=\"chart-h\"><h2 id=\"chart-h\">"
                       "%s</h2>\n<div class=\"legend\">", LBL(h, L_CHART));
    for (int s = IMGB_SEV_HIGH; s >= IMGB_SEV_LOW; s--) {
        imgb_buf_puts(o, "<span>");
        put_swatch(o, sev_class[s]);
        imgb_buf_printf(o, "%s</span>", LBL(h, sev_label[s]));
    }
    imgb_buf_puts(o, "</div>\n<div class=\"bars\">\n");
    for (size_t b = 0; b < res->nbaselines; b++) {
        const imgb_baseline *bl = res->baselines[b].baseline;
        imgb_buf_puts(o, "<div class=\"name\"><a href=\"#");
        h_id(o, "bl-", bl->key);
        imgb_buf_puts(o, "\">");
        h_text(o, imgb_report_text(&bl->alias, h->p->lang));
        imgb_buf_puts(o, "</a></div><div class=\"cell\">");
        put_bar(h, &h->counts[b], max);
        imgb_buf_puts(o, "</div>\n");
    }
    imgb_buf_puts(o, "</div></section>\n");
}

static void put_header(html_ctx *h)
{
    imgb_buf *o = h->o;
    imgb_buf_printf(o, "<header class=\"top\"><div class=\"wrap\"><h1>%s</h1><p class=\"ref\">",
                    LBL(h, L_TITLE));
    put_ref(h);
    imgb_buf_puts(o, "</p></div></header>\n<div class=\"wrap\">\n");
    imgb_buf_printf(o, "<a class=\"skip\" href=\"#baselines\">%s</a>\n", LBL(h, L_SKIP_LINK));
    imgb_buf_puts(o, "<dl class=\"ident\">");
    put_image_rows(h);
    put_base_row(h);
    put_compared_row(h);
    put_os_rows(h);
    put_scan_rows(h);
    put_completeness(h);
    imgb_buf_puts(o, "</dl>\n");
    put_verdict(h);
    put_chart(h);
}

/* ---- evidence ------------------------------------------------------------------------------ */

static void put_location(html_ctx *h, const imgb_evidence *ev)
{
    char *loc = imgb_report_evidence_location(ev);
    if (!loc) {
        imgb_buf_puts(h->o, LBL(h, L_CONFIG));
        return;
    }
    imgb_buf_puts(h->o, "<code>");
    h_text(h->o, loc);
    imgb_buf_puts(h->o, "</code>");
    free(loc);
}

static void put_finding(html_ctx *h, const imgb_evidence *ev)
{
    imgb_buf *o = h->o;
    if (ev->account) {
        imgb_buf_puts(o, "<strong>");
        h_text(o, ev->account);
        imgb_buf_puts(o, "</strong>: ");
    }
    if (ev->message) {
        h_text(o, ev->message);
    } else if (ev->value) {
        imgb_buf_puts(o, "<code>");
        h_text(o, ev->value);
        imgb_buf_puts(o, "</code>");
    }
    /* The message of most kinds already names the source; a bare value needs it. */
    if (ev->source && !ev->message)
        h_muted(o, ev->source);
}

/* Base image, own layer or unknown (the boundary is not known): as a word, not a colour. */
static void put_origin(html_ctx *h, imgb_origin origin)
{
    int k = origin == IMGB_ORIGIN_BASE ? 1 : origin == IMGB_ORIGIN_OWN ? 2 : 0;
    imgb_buf_printf(h->o, "<span class=\"org %s\">%s</span>", origin_class[k],
                    LBL(h, origin_label[k]));
}

/* Diff mode: the mark of a finding, written out so that it reads without colour. */
static void put_diff_mark(html_ctx *h, int state)
{
    static const char *const sign[] = { "+", "−", "=" };
    int label = state == IMGB_DIFF_NEW ? L_D_NEW : state == IMGB_DIFF_FIXED ? L_D_FIXED
                                                                           : L_D_UNCHANGED;
    imgb_buf_printf(h->o, "<span class=\"dm %s\">%s %s</span> ", imgb_report_diff_name(state),
                    sign[state], LBL(h, label));
}

static void put_layer(html_ctx *h, const imgb_evidence *ev)
{
    imgb_buf *o = h->o;
    const imgb_image *img = h->res->image;
    put_origin(h, ev->origin);
    if (ev->layer >= 0 || ev->layer_removed >= 0 || (ev->history_index >= 0 && ev->layer_cmd))
        imgb_buf_puts(o, "<br>");
    if (ev->layer >= 0) {
        imgb_buf_printf(o, h->en ? "layer %d " : "第 %d 层 ", ev->layer);
        const char *dg = ev->layer_digest;
        if (!dg && img && (size_t)ev->layer < img->nlayers)
            dg = img->layers[ev->layer].digest;
        h_digest(o, dg);
    }
    if (ev->layer_removed >= 0)
        imgb_buf_printf(o, h->en ? "<br>removed or replaced in layer %d, still shipped in "
                                   "layer %d"
                                 : "<br>已在第 %d 层删除或覆盖，但仍保留在第 %d 层中",
                        ev->layer_removed, ev->layer);
    if (ev->history_index >= 0 && ev->layer_cmd) {
        imgb_buf_printf(o, h->en ? "%sbuild step #%d: <code>" : "%s构建步骤 #%d：<code>",
                        ev->layer >= 0 ? "<br>" : "", ev->history_index);
        h_text(o, ev->layer_cmd);
        imgb_buf_puts(o, "</code>");
    }
}

static void put_ignore_note(html_ctx *h, const imgb_ignore_entry *e)
{
    imgb_buf *o = h->o;
    imgb_buf_printf(o, "<span class=\"tag ign\">%s</span> ",
                    LBL(h, e->status == IMGB_STATUS_FALSE_POSITIVE ? L_FALSE_POSITIVE
                                                                     : L_IGNORED));
    if (e->reason) {
        h_text(o, e->reason);
        imgb_buf_putc(o, ' ');
    }
    imgb_buf_printf(o, "<span class=\"muted\">(%s ", LBL(h, L_EXPIRES));
    h_text(o, e->expires ? e->expires : LBL(h, L_NO_EXPIRY));
    imgb_buf_puts(o, ")</span>");
}

static void put_evidence_row(html_ctx *h, size_t b, size_t i, size_t e)
{
    imgb_buf *o = h->o;
    const imgb_item_result *r = &h->res->baselines[b].items[i];
    const imgb_evidence *ev = &r->evidence[e];
    const imgb_ignore_entry *entry = NULL;
    imgb_ignore_status st = r->verdict == IMGB_V_FAIL
                                ? imgb_report_evidence_status(h->t, b, i, e, &entry)
                                : IMGB_STATUS_UNHANDLED;
    imgb_buf_printf(o, "<tr%s><td data-label=\"%s\">", st ? " class=\"ignored\"" : "",
                    LBL(h, L_LOCATION));
    int dstate = imgb_report_diff_state(h->p, r, e);
    if (dstate >= 0)
        put_diff_mark(h, dstate);
    put_location(h, ev);
    imgb_buf_printf(o, "</td><td data-label=\"%s\">", LBL(h, L_FINDING));
    put_finding(h, ev);
    if (st && entry) {
        imgb_buf_puts(o, "<br>");
        put_ignore_note(h, entry);
    }
    imgb_buf_printf(o, "</td><td data-label=\"%s\">", LBL(h, L_LAYER_STEP));
    put_layer(h, ev);
    imgb_buf_puts(o, "</td></tr>\n");
}

static void put_evidence_head(html_ctx *h)
{
    imgb_buf_printf(h->o, "<table class=\"ev\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                          "</tr></thead><tbody>\n",
                    LBL(h, L_LOCATION), LBL(h, L_FINDING), LBL(h, L_LAYER_STEP));
}

/* The evidence that explains the verdict: failing evidence of a failed item, all of it
 * otherwise. */
static bool evidence_shown(const imgb_item_result *r, size_t e)
{
    return r->verdict != IMGB_V_FAIL || imgb_report_evidence_failing(r, e);
}

static void put_evidence(html_ctx *h, size_t b, size_t i)
{
    imgb_buf *o = h->o;
    const imgb_item_result *r = &h->res->baselines[b].items[i];
    size_t total = 0, shown = 0;
    /* The third column says where each finding came from: base image, own layer or unknown
     * for every one, and its layer and build step where known. */
    for (size_t e = 0; e < r->nevidence; e++)
        total += evidence_shown(r, e);
    if (!total)
        return;
    put_evidence_head(h);
    for (size_t e = 0; e < r->nevidence && shown < HTML_EVIDENCE_MAX; e++) {
        if (!evidence_shown(r, e))
            continue;
        if (shown == HTML_EVIDENCE_OPEN) {
            size_t rest = (total < HTML_EVIDENCE_MAX ? total : HTML_EVIDENCE_MAX) - shown;
            imgb_buf_printf(o, "</tbody></table><details><summary>%s%zu%s</summary>"
                               "<div class=\"inner\">",
                            h->en ? "" : "另有 ", rest, h->en ? " more" : " 条");
            put_evidence_head(h);
        }
        put_evidence_row(h, b, i, e);
        shown++;
    }
    imgb_buf_puts(o, "</tbody></table>");
    if (shown > HTML_EVIDENCE_OPEN)
        imgb_buf_puts(o, "</div></details>");
    /* The closing "and M more" entry of a capped result is not written when the list is
     * cut here, so the count below includes what it counted. */
    if (total > shown) {
        size_t rest = total - shown + (r->nmore ? r->nmore - 1 : 0);
        imgb_buf_printf(o, h->en ? "<p class=\"muted\">%zu more not listed here; the JSON report "
                                   "(--format json) lists more.</p>"
                                 : "<p class=\"muted\">另有 %zu 条未在此列出；JSON 报告"
                                   "（--format json）列出更多。</p>",
                        rest);
    }
}

/* ---- expected, advice, where to fix, references ----------------------------------------- */

/* Append `s` to `v` unless an equal string is there; takes ownership of `s`. */
static void push_unique(imgb_ptrvec *v, char *s)
{
    for (size_t k = 0; k < v->len; k++)
        if (!strcmp(v->items[k], s)) {
            free(s);
            return;
        }
    imgb_ptrvec_push(v, s);
}

/*
 * Where to change the image so that this evidence goes away, as plain text: the file (and
 * line) where the effective value is set, or the file to add the setting to when the value
 * is a compiled-in default, with the build step that wrote it where known; a file that a
 * later layer deleted must be removed in the layer that adds it; a finding of the image
 * config or history: its build step.
 */
static char *fix_location(html_ctx *h, const imgb_evidence *ev)
{
    bool en = h->en;
    if (ev->layer_removed >= 0 && ev->layer >= 0 && ev->file)
        return imgb_xasprintf(en ? "%s: remove it in the build step of layer %d (deleting it "
                                   "in layer %d leaves it in the image)"
                                 : "%s：在第 %d 层的构建步骤中删除（在第 %d 层删除并不能将其从镜像中移除）",
                              ev->file, ev->layer, ev->layer_removed);
    if (ev->file) {
        char *where = ev->source && ev->source[0] == '/' ? imgb_xstrdup(ev->source)
                                                          : imgb_report_evidence_location(ev);
        if (!where || ev->history_index < 0)
            return where;
        char *s = imgb_xasprintf(en ? "%s (written by build step #%d)"
                                    : "%s（由构建步骤 #%d 写入）", where, ev->history_index);
        free(where);
        return s;
    }
    if (ev->history_index >= 0)
        return imgb_xasprintf(en ? "build step #%d of the image (Dockerfile instruction)"
                                 : "镜像构建步骤 #%d（Dockerfile 指令）",
                              ev->history_index);
    return NULL;
}

static void put_list(imgb_buf *o, const imgb_ptrvec *v, size_t max, bool en)
{
    if (v->len == 1) {
        h_text(o, v->items[0]);
        return;
    }
    imgb_buf_puts(o, "<ul>");
    for (size_t k = 0; k < v->len && k < max; k++) {
        imgb_buf_puts(o, "<li>");
        h_text(o, v->items[k]);
        imgb_buf_puts(o, "</li>");
    }
    if (v->len > max)
        imgb_buf_printf(o, en ? "<li>… %zu more</li>" : "<li>… 另有 %zu 处</li>", v->len - max);
    imgb_buf_puts(o, "</ul>");
}

static void put_references(html_ctx *h, const json_t *refs)
{
    if (!json_is_object(refs) || json_object_size(refs) == 0)
        return;
    imgb_buf *o = h->o;
    imgb_buf_printf(o, "<dt>%s</dt><dd>", LBL(h, L_REFS));
    const char *k;
    const json_t *v;
    const char *sep = "";
    json_object_foreach((json_t *)refs, k, v) {
        imgb_buf_puts(o, sep);
        h_text(o, k);
        imgb_buf_puts(o, " <code>");
        h_text(o, json_is_string(v) ? json_string_value(v) : "?");
        imgb_buf_puts(o, "</code>");
        sep = " · ";
    }
    imgb_buf_puts(o, "</dd>");
}

static void put_facts(html_ctx *h, const imgb_item_result *r, bool with_fix)
{
    imgb_buf *o = h->o;
    const imgb_item *it = r->item;
    imgb_ptrvec expected = IMGB_PTRVEC_INIT, fix = IMGB_PTRVEC_INIT;
    imgb_ptrvec snippets = IMGB_PTRVEC_INIT;
    for (size_t e = 0; e < r->nevidence; e++) {
        const imgb_evidence *ev = &r->evidence[e];
        if (!evidence_shown(r, e))
            continue;
        if (ev->expected)
            push_unique(&expected, imgb_xstrdup(ev->expected));
        char *loc = with_fix ? fix_location(h, ev) : NULL;
        if (loc)
            push_unique(&fix, loc);
        char *snippet = with_fix ? imgb_report_fix_snippet(ev, h->p->lang) : NULL;
        if (snippet)
            push_unique(&snippets, snippet);
    }
    imgb_buf_puts(o, "<dl class=\"facts\">");
    if (expected.len) {
        imgb_buf_printf(o, "<dt>%s</dt><dd>", LBL(h, L_EXPECTED));
        put_list(o, &expected, HTML_FIX_MAX, h->en);
        imgb_buf_puts(o, "</dd>");
    }
    imgb_buf_printf(o, "<dt>%s</dt><dd>", LBL(h, L_ADVICE));
    h_text(o, imgb_report_text(&it->advice, h->p->lang));
    imgb_buf_puts(o, "</dd>");
    if (snippets.len) {
        /* Dockerfile lines to paste, as written (wrapped on screen, never cut in print). */
        imgb_buf_printf(o, "<dt>%s</dt><dd>", LBL(h, L_FIX_SNIPPET));
        for (size_t k = 0; k < snippets.len && k < HTML_FIX_MAX; k++) {
            imgb_buf_puts(o, "<pre class=\"fix\"><code>");
            h_text(o, snippets.items[k]);
            imgb_buf_puts(o, "</code></pre>");
        }
        if (snippets.len > HTML_FIX_MAX)
            imgb_buf_printf(o, h->en ? "<p class=\"muted\">… %zu more (--format json lists "
                                       "every one)</p>"
                                     : "<p class=\"muted\">… 另有 %zu 条（--format json 列出全部）</p>",
                            snippets.len - HTML_FIX_MAX);
        imgb_buf_puts(o, "</dd>");
    }
    if (fix.len) {
        imgb_buf_printf(o, "<dt>%s</dt><dd>", LBL(h, L_FIX));
        put_list(o, &fix, HTML_FIX_MAX, h->en);
        imgb_buf_puts(o, "</dd>");
    }
    put_references(h, it->references);
    imgb_buf_puts(o, "</dl>");
    imgb_ptrvec_dispose(&expected, free);
    imgb_ptrvec_dispose(&fix, free);
    imgb_ptrvec_dispose(&snippets, free);
}

/* ---- items -------------------------------------------------------------------------------- */

static int status_label(const imgb_item_result *r)
{
    switch (r->verdict) {
    case IMGB_V_FAIL: return L_ST_FAIL;
    case IMGB_V_ERROR: return L_ST_ERROR;
    case IMGB_V_INCOMPLETE: return L_ST_INCOMPLETE;
    case IMGB_V_NOT_APPLICABLE: return L_ST_NA;
    default: return L_ST_PASS;
    }
}

/* A failed, ignored or errored item in full. */
static void put_item(html_ctx *h, size_t b, size_t i, imgb_report_group g)
{
    imgb_buf *o = h->o;
    const imgb_item_result *r = &h->res->baselines[b].items[i];
    const imgb_item *it = r->item;
    const imgb_ignore_entry *entry = NULL;
    imgb_report_item_status(h->t, b, i, &entry);
    const char *sev = sev_class[it->severity];
    imgb_buf_printf(o, "<article class=\"item %s%s\" id=\"", sev,
                    g == IMGB_GROUP_IGNORED ? " ignored" : "");
    h_id(o, "item-", it->id);
    imgb_buf_printf(o, "\"><div class=\"item-head\"><span class=\"sev %s\">%s</span>", sev,
                    LBL(h, sev_label[it->severity]));
    if (g == IMGB_GROUP_ERROR)
        imgb_buf_printf(o, "<span class=\"tag err\">%s</span>", LBL(h, status_label(r)));
    int dstate = r->verdict == IMGB_V_FAIL ? imgb_report_diff_item_state(h->p, r) : -1;
    if (dstate >= 0)
        put_diff_mark(h, dstate);
    imgb_buf_puts(o, "<h4>");
    h_text(o, imgb_report_text(&it->title, h->p->lang));
    imgb_buf_puts(o, "</h4><code class=\"iid\">");
    h_text(o, it->id);
    imgb_buf_puts(o, "</code>");
    /* The item's origin (own when any failing evidence is): what --only-own gates on. */
    if (r->verdict == IMGB_V_FAIL)
        put_origin(h, imgb_item_origin(r));
    imgb_buf_puts(o, "</div>\n");
    if (g == IMGB_GROUP_IGNORED && entry) {
        imgb_buf_printf(o, "<p>");
        put_ignore_note(h, entry);
        imgb_buf_printf(o, " <span class=\"muted\">%s: ", LBL(h, L_ENTRY));
        h_text(o, h->p->ignore ? h->p->ignore->file : "");
        imgb_buf_printf(o, ":%d</span></p>", entry->line);
    }
    imgb_buf_puts(o, "<p class=\"desc\">");
    h_text(o, imgb_report_text(&it->description, h->p->lang));
    imgb_buf_puts(o, "</p>\n");
    put_evidence(h, b, i);
    put_facts(h, r, g == IMGB_GROUP_FAILED);
    imgb_buf_puts(o, "</article>\n");
}

/* The first evidence line of a passed or not-applicable item: why it passed / does not apply. */
static void put_brief_evidence(html_ctx *h, const imgb_item_result *r)
{
    for (size_t e = 0; e < r->nevidence; e++) {
        const imgb_evidence *ev = &r->evidence[e];
        if (!ev->message && !ev->value)
            continue;
        put_finding(h, ev);
        if (r->nevidence > 1)
            imgb_buf_printf(h->o, h->en ? " <span class=\"muted\">(+%zu)</span>"
                                        : " <span class=\"muted\">（另 %zu 条）</span>",
                            r->nevidence - 1);
        return;
    }
}

/* Passed or not-applicable items as a compact table inside <details>. */
static void put_folded(html_ctx *h, size_t b, const size_t *order, size_t from, size_t to,
                       int heading)
{
    imgb_buf *o = h->o;
    const imgb_baseline_result *br = &h->res->baselines[b];
    imgb_buf_printf(o, "<details><summary>%s (%zu)</summary><div class=\"inner\">"
                       "<table class=\"list\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                       "</tr></thead><tbody>\n",
                    LBL(h, heading), to - from, LBL(h, L_SEVERITY), LBL(h, L_ITEM),
                    LBL(h, L_FINDING));
    for (size_t k = from; k < to; k++) {
        const imgb_item_result *r = &br->items[order[k]];
        const imgb_item *it = r->item;
        imgb_buf_printf(o, "<tr id=\"");
        h_id(o, "item-", it->id);
        imgb_buf_printf(o, "\"><td class=\"s\">%s</td><td>", LBL(h, sev_label[it->severity]));
        h_text(o, imgb_report_text(&it->title, h->p->lang));
        imgb_buf_puts(o, "<br><code class=\"iid\">");
        h_text(o, it->id);
        imgb_buf_puts(o, "</code></td><td>");
        put_brief_evidence(h, r);
        imgb_buf_puts(o, "</td></tr>\n");
    }
    imgb_buf_puts(o, "</tbody></table></div></details>\n");
}

static void put_counts(html_ctx *h, const bl_counts *c, size_t nitems)
{
    imgb_buf *o = h->o;
    imgb_buf_puts(o, "<p class=\"counts\">");
    for (int s = IMGB_SEV_HIGH; s >= IMGB_SEV_LOW; s--)
        if (c->failed[s])
            imgb_buf_printf(o, "<span class=\"pill %s\">%zu %s</span>", sev_class[s],
                            c->failed[s], LBL(h, sev_label[s]));
    if (c->ignored)
        imgb_buf_printf(o, "<span class=\"pill ign\">%zu %s</span>", c->ignored,
                        LBL(h, L_IGNORED));
    if (c->errors)
        imgb_buf_printf(o, "<span class=\"pill medium\">%zu %s</span>", c->errors,
                        LBL(h, L_P_ERROR));
    imgb_buf_printf(o, "<span class=\"pill pass\">%zu %s</span>", c->passed, LBL(h, L_P_PASS));
    imgb_buf_printf(o, "<span class=\"pill\">%zu %s</span>", c->na, LBL(h, L_P_NA));
    imgb_buf_printf(o, "<span class=\"pill\">%zu %s</span></p>\n", nitems, LBL(h, L_ITEMS));
}

static const int group_heading[IMGB_GROUP_COUNT] = {
    [IMGB_GROUP_FAILED] = L_G_FAILED, [IMGB_GROUP_IGNORED] = L_G_IGNORED,
    [IMGB_GROUP_ERROR] = L_G_ERROR, [IMGB_GROUP_NOT_APPLICABLE] = L_G_NA,
    [IMGB_GROUP_PASSED] = L_G_PASSED,
};

static void put_baseline(html_ctx *h, size_t b)
{
    imgb_buf *o = h->o;
    const imgb_baseline_result *br = &h->res->baselines[b];
    const imgb_baseline *bl = br->baseline;
    imgb_buf_puts(o, "<section class=\"baseline\" id=\"");
    h_id(o, "bl-", bl->key);
    imgb_buf_puts(o, "\"><div class=\"bl-head\"><h2>");
    h_text(o, imgb_report_text(&bl->alias, h->p->lang));
    imgb_buf_puts(o, "</h2><code class=\"key\">");
    h_text(o, bl->key);
    imgb_buf_puts(o, "</code></div>\n");
    if (br->reason) {
        imgb_buf_printf(o, "<p class=\"applies\">%s%s", LBL(h, L_APPLIES), h->en ? ": " : "：");
        h_text(o, br->reason);
        imgb_buf_puts(o, "</p>\n");
    }
    put_counts(h, &h->counts[b], br->nitems);

    size_t *order = imgb_report_item_order(h->t, h->res, b);
    size_t k = 0;
    if (h->counts[b].nfailed == 0)
        imgb_buf_printf(o, "<p class=\"muted\">%s</p>\n", LBL(h, L_NONE_FAILED));
    for (int g = IMGB_GROUP_FAILED; g < IMGB_GROUP_COUNT; g++) {
        size_t from = k;
        while (k < br->nitems &&
               imgb_report_item_group(&br->items[order[k]],
                                      imgb_report_item_status(h->t, b, order[k], NULL)) ==
                   (imgb_report_group)g)
            k++;
        if (k == from)
            continue;
        if (g == IMGB_GROUP_NOT_APPLICABLE || g == IMGB_GROUP_PASSED) {
            put_folded(h, b, order, from, k, group_heading[g]);
            continue;
        }
        imgb_buf_printf(o, "<h3>%s (%zu)</h3>\n", LBL(h, group_heading[g]), k - from);
        for (size_t j = from; j < k; j++)
            put_item(h, b, order[j], (imgb_report_group)g);
    }
    free(order);
    imgb_buf_puts(o, "</section>\n");
}

/* ---- diff: fixed findings ----------------------------------------------------------------- */

typedef struct fixed_rows {
    html_ctx *h;
    size_t written;
} fixed_rows;

static int put_fixed_row(const imgb_item_result *r, size_t e, void *payload)
{
    fixed_rows *fr = payload;
    html_ctx *h = fr->h;
    imgb_buf *o = h->o;
    const imgb_item *it = r->item;
    imgb_buf_printf(o, "<tr><td class=\"s\">%s</td><td>", LBL(h, sev_label[it->severity]));
    put_diff_mark(h, IMGB_DIFF_FIXED);
    h_text(o, imgb_report_text(&it->title, h->p->lang));
    imgb_buf_puts(o, "<br><code class=\"iid\">");
    h_text(o, it->id);
    imgb_buf_puts(o, "</code></td><td>");
    put_location(h, &r->evidence[e]);
    imgb_buf_puts(o, "<br>");
    put_finding(h, &r->evidence[e]);
    imgb_buf_puts(o, "</td></tr>\n");
    return ++fr->written == HTML_EVIDENCE_MAX; /* a document, not a dump */
}

/* Diff mode: the compared image's findings this image no longer has, on a page of their own
 * (a document for a pre-merge review says what got better as plainly as what got worse). */
static void put_fixed(html_ctx *h)
{
    imgb_buf *o = h->o;
    if (!h->p->diff_old)
        return;
    size_t n = imgb_report_diff_fixed(h->res, h->p, NULL, NULL);
    imgb_buf_printf(o, "<section class=\"baseline\" id=\"fixed\"><div class=\"bl-head\">"
                       "<h2>%s (%zu)</h2></div>\n", LBL(h, L_G_FIXED), n);
    if (!n) {
        imgb_buf_printf(o, "<p class=\"muted\">%s</p></section>\n", LBL(h, L_NONE_FIXED));
        return;
    }
    imgb_buf_printf(o, "<table class=\"list\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                       "</tr></thead><tbody>\n",
                    LBL(h, L_SEVERITY), LBL(h, L_ITEM), LBL(h, L_FINDING));
    fixed_rows fr = { h, 0 };
    imgb_report_diff_fixed(h->res, h->p, put_fixed_row, &fr);
    imgb_buf_puts(o, "</tbody></table>");
    if (n > fr.written)
        imgb_buf_printf(o, h->en ? "<p class=\"muted\">%zu more not listed here; the JSON report "
                                   "(--format json) lists every one.</p>"
                                 : "<p class=\"muted\">另有 %zu 条未在此列出；JSON 报告"
                                   "（--format json）列出全部。</p>",
                        n - fr.written);
    imgb_buf_puts(o, "</section>\n");
}

/* ---- appendix ------------------------------------------------------------------------------ */

static void put_line_item(imgb_buf *o, const char *s)
{
    imgb_buf_puts(o, "<li>");
    h_text(o, s);
    imgb_buf_puts(o, "</li>\n");
}

static void put_appendix(html_ctx *h)
{
    imgb_buf *o = h->o;
    const imgb_scan_result *res = h->res;
    size_t nexp = 0;
    char **exp = imgb_report_ignore_lines(res, h->p, &nexp);
    imgb_buf_printf(o, "<section class=\"appendix\" id=\"appendix\"><h2>%s</h2>\n",
                    LBL(h, L_APPENDIX));
    imgb_buf_printf(o, "<details><summary>%s (%zu)</summary><div class=\"inner\"><ul>\n",
                    LBL(h, L_NOT_APPLIED), res->nskipped);
    for (size_t i = 0; i < res->nskipped; i++) {
        imgb_buf_puts(o, "<li><code>");
        h_text(o, res->skipped[i].baseline->key);
        imgb_buf_puts(o, "</code> ");
        h_text(o, imgb_report_text(&res->skipped[i].baseline->alias, h->p->lang));
        imgb_buf_puts(o, ": <span class=\"muted\">");
        h_text(o, res->skipped[i].reason);
        imgb_buf_puts(o, "</span></li>\n");
    }
    imgb_buf_puts(o, "</ul></div></details>\n");
    imgb_buf_printf(o, "<h3>%s (%zu)</h3>\n<ul>\n", LBL(h, L_WARNINGS),
                    warning_count(res) + nexp);
    if (res->image)
        for (size_t w = 0; w < res->image->nwarnings; w++)
            put_line_item(o, res->image->warnings[w]);
    for (size_t w = 0; w < res->nwarnings; w++)
        put_line_item(o, res->warnings[w]);
    for (size_t w = 0; w < nexp; w++)
        put_line_item(o, exp[w]);
    imgb_buf_puts(o, "</ul></section>\n");
    imgb_report_free_lines(exp, nexp);
}

/* ---- document ------------------------------------------------------------------------------ */

/* 'sha256-<base64>' of the inline script, for the Content-Security-Policy. */
static void script_hash(char out[64])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(print_script, strlen(print_script), md, &n, EVP_sha256(), NULL);
    unsigned char b64[48]; /* 44 characters for 32 bytes, and the NUL */
    EVP_EncodeBlock(b64, md, (int)n);
    memcpy(out, "sha256-", 7);
    memcpy(out + 7, b64, sizeof b64);
}

char *imgb_report_html_csp(void)
{
    char hash[64];
    script_hash(hash);
    return imgb_xasprintf("default-src 'none'; style-src 'unsafe-inline'; script-src '%s'; "
                          "img-src data:; base-uri 'none'; form-action 'none'", hash);
}

static void put_head(html_ctx *h)
{
    imgb_buf *o = h->o;
    char *csp = imgb_report_html_csp();
    imgb_buf_printf(o, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n"
                       "<meta name=\"generator\" content=\"imgbaseline ",
                    h->en ? "en" : "zh-CN", csp);
    free(csp);
    h_text(o, imgb_version());
    imgb_buf_printf(o, "\">\n<title>%s — ", LBL(h, L_TITLE));
    put_ref(h);
    imgb_buf_printf(o, "</title>\n<style>\n%s", stylesheet);
    /* Every printed page names the report, the image and the page: a loose page of a
     * handed-over PDF still says where it belongs. */
    imgb_buf_printf(o, "@page{@bottom-left{content:\"%s · \" ", LBL(h, L_TITLE));
    const imgb_image *img = h->res->image;
    css_string(o, img && img->nrefs ? img->refs[0] : img ? imgb_report_image_id(h->res) : "");
    imgb_buf_puts(o, ";font:8pt sans-serif;color:#5a6374}@bottom-right{content:counter(page) "
                     "\" / \" counter(pages);font:8pt sans-serif;color:#5a6374}}\n");
    imgb_buf_printf(o, "</style>\n<script>%s</script>\n</head>\n<body>\n", print_script);
}

int imgb_render_html(const imgb_scan_result *res, const imgb_report_params *p, imgb_buf *out)
{
    html_ctx h = { .o = out, .res = res, .p = p, .en = p->lang == IMGB_LANG_EN };
    h.t = imgb_report_triage_new(res, p);
    count_items(&h);
    put_head(&h);
    put_header(&h);
    imgb_buf_puts(out, "<main id=\"baselines\">\n");
    if (res->nbaselines == 0)
        imgb_buf_printf(out, "<p>%s</p>\n", LBL(&h, L_NO_BASELINE));
    for (size_t b = 0; b < res->nbaselines; b++)
        put_baseline(&h, b);
    put_fixed(&h);
    put_appendix(&h);
    imgb_buf_puts(out, "</main>\n<footer>");
    imgb_buf_printf(out, h.en ? "Generated by imgbaseline %s at " : "由 imgbaseline %s 生成于 ",
                    imgb_version());
    h_utc(out, imgb_report_last_scan_ms(res));
    imgb_buf_puts(out, ".</footer>\n</div>\n</body>\n</html>\n");
    free(h.counts);
    imgb_report_triage_free(h.t);
    return 0;
}
