#!/usr/bin/env python3
"""The HTML report (engine/report/html.c) rendered for real images and read by a real browser.

usage: html_browser.py --cli IMGBASELINE --source SRC_DIR --out WORK_DIR

1. Images: the sample image (tools/make-sample-image.sh), every testdata/os/<name> fixture
   (its layer*/ or rootfs/ directories, built with umoci and skopeo by
   tests/support/build-image.sh), and a small image scanned against a rule set of this test
   (two baselines of three items, with fix snippets) whose printed length is known in
   advance: a base layer and an own layer (--base-layers 1), and an older version of it for
   `imgbaseline diff --format html`.
2. Each is scanned to JSON (the truth: baselines, item ids, verdicts) and to HTML in zh and
   en; tests/html_check.py checks every HTML file (strict HTML5, nothing external, the
   language, an element and the written id of every failed item).
3. Debian's chromium, headless, network disabled (offline emulation, no proxy, no DNS),
   loads the sample report in both languages and the small one: screenshots at 1280 and
   390 px wide (WORK_DIR/*.png), no horizontal scrolling at 390 px, no console errors, no
   failed requests and no request other than the file itself; printed to PDF (WORK_DIR/*.pdf)
   with and without scripts: pdfinfo's page count is at least cover + one per baseline +
   appendix (exactly that for the small report: every section fits one page), the last
   page's footer says "N / N", and pdftotext finds every item id of the scan, folded ones
   included.
4. Attribution on the small report: every failed item's evidence names its layer, build
   step and origin (base image / own layer), its fix snippet is a <pre> under the advice;
   the diff report marks each failed item and evidence new or unchanged and lists the fixed
   findings on a page of their own (cover, baselines, fixed, appendix).
Exit status 0 when everything holds, 1 with one line per problem.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "support"))
import cdp  # noqa: E402
import html_check  # noqa: E402

SMALL_RULES = """\
baseline:
  key: t_{n}
  class: t_{n}
  alias: {{zh: "测试基线 {n}", en: "Test baseline {n}"}}
  class_alias: {{zh: "测试", en: "Test"}}
items:
{items}
"""
SMALL_ITEM = """\
  - id: t{n}.{flag}
    title: {{zh: "检查 {flag}", en: "Check {flag}"}}
    description: {{zh: "说明", en: "Why it matters"}}
    advice: {{zh: "删除 /flags/{flag}", en: "Remove /flags/{flag}"}}
    fix:
      - run: "RUN rm -f {{file}}"
        note: {{zh: "删除标记文件", en: "remove the flag file"}}
    severity: {sev}
    bucket: security_check
    check: {{kind: file_exists, path: /flags/{flag}, exists: false}}
"""

problems = []


def fail(msg):
    problems.append(msg)
    print("html_browser: " + msg, file=sys.stderr)


def run(cmd, ok=(0,), **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode not in ok:
        raise RuntimeError("%s exited %d: %s" % (cmd[0], p.returncode, p.stderr[-2000:]))
    return p


def rpmdb_layer(packages, root):
    """A layer with the fixture's PACKAGES as the rpmdb the OS facts read (the header strings
    an rpmdb holds: name NUL version NUL release NUL), as tests/test_baselines_rhel.c writes it:
    an rpm image without a package database is not identified in full."""
    blob = b"RPMDB\0"
    with open(packages) as f:
        for line in f:
            fields = line.split()
            if not line.startswith("#") and len(fields) == 3:
                blob += b"".join(x.encode() + b"\0" for x in fields)
    os.makedirs(os.path.join(root, "var", "lib", "rpm"), exist_ok=True)
    with open(os.path.join(root, "var", "lib", "rpm", "Packages"), "wb") as f:
        f.write(blob)
    return root


def build_images(src, out):
    images = {}
    run(["bash", os.path.join(src, "tools", "make-sample-image.sh"), os.path.join(out, "sample")])
    images["sample"] = (os.path.join(out, "sample", "sample-docker.tar"), [])
    builder = os.path.join(src, "tests", "support", "build-image.sh")
    for osdir in sorted(glob.glob(os.path.join(src, "testdata", "os", "*"))):
        name = os.path.basename(osdir)
        layers = sorted(glob.glob(os.path.join(osdir, "layer*"))) or [os.path.join(osdir, "rootfs")]
        packages = os.path.join(osdir, "PACKAGES")
        if os.path.exists(packages):
            layers.append(rpmdb_layer(packages, os.path.join(out, name + "-rpmdb")))
        tar = os.path.join(out, name + ".tar")
        args = ["bash", builder, "--out", tar, "--ref", "testdata/%s:1" % name]
        for layer in layers:
            args += ["--layer", layer]
        run(args)
        images[name] = (tar, [])
    # The small image: two baselines, flags for some items, nothing else.
    rules = os.path.join(out, "small-rules")
    os.makedirs(rules, exist_ok=True)
    for n in (1, 2):
        items = "".join(SMALL_ITEM.format(n=n, flag=f, sev=s)
                        for f, s in (("high", "high"), ("medium", "medium"), ("low", "low")))
        with open(os.path.join(rules, "t%d.yaml" % n), "w") as f:
            f.write(SMALL_RULES.format(n=n, items=items))
    def tree(name, flags, os_release):
        root = os.path.join(out, name)
        os.makedirs(os.path.join(root, "flags"), exist_ok=True)
        if os_release:
            os.makedirs(os.path.join(root, "etc"), exist_ok=True)
            with open(os.path.join(root, "etc", "os-release"), "w") as f:
                f.write('ID=debian\nVERSION_ID="10"\n')
            # a package database: a Debian image without one is not identified in full
            os.makedirs(os.path.join(root, "var", "lib", "dpkg"), exist_ok=True)
            with open(os.path.join(root, "var", "lib", "dpkg", "status"), "w") as f:
                f.write("Package: base-files\nStatus: install ok installed\nVersion: 10.3\n\n")
        for flag in flags:
            with open(os.path.join(root, "flags", flag), "w") as f:
                f.write("x\n")
        return root
    # Now: /flags/high from the base layer, /flags/low from its own build step.
    tar = os.path.join(out, "small.tar")
    run(["bash", builder, "--out", tar, "--ref", "registry.example.com/team/small:1",
         "--layer", tree("small-base", ("high",), True), "--created-by", "FROM debian-base",
         "--layer", tree("small-own", ("low",), False), "--created-by", "RUN touch /flags/low"])
    small_rules = ["--no-default-rules", "--rules", rules]
    images["small"] = (tar, small_rules + ["--base-layers", "1"])
    # Before: /flags/high and /flags/medium (medium is fixed now, low is new, high unchanged).
    old = os.path.join(out, "small-old.tar")
    run(["bash", builder, "--out", old, "--ref", "registry.example.com/team/small:0",
         "--layer", tree("small-old", ("high", "medium"), True)])
    images["small-old"] = (old, small_rules)
    return images


def scan(cli, image, extra, fmt, lang, dest):
    run([cli, "scan", image, "--format", fmt, "--lang", lang, "--weak-password-budget", "3",
         "-o", dest, "--quiet", *extra])


def check_rendering(cli, out, name, image, extra):
    """Scan to JSON and HTML (zh, en); check the HTML.  Returns the JSON report."""
    jpath = os.path.join(out, name + ".json")
    scan(cli, image, extra, "json", "en", jpath)
    report = json.load(open(jpath))
    failed = [it["id"] for b in report["baselines"] for it in b["items"] if it["verdict"] == "fail"]
    for lang, html_lang in (("zh", "zh-CN"), ("en", "en")):
        hpath = os.path.join(out, "%s-%s.html" % (name, lang))
        scan(cli, image, extra, "html", lang, hpath)
        for p in html_check.check(hpath, html_lang, failed, []):
            fail("%s: %s" % (hpath, p))
    return report


def html_part(html, ident, until):
    """The markup from the element with id `ident` to the next `until`."""
    a = html.find('id="%s"' % ident)
    if a < 0:
        return ""
    b = html.find(until, a)
    return html[a:b if b > 0 else len(html)]


def check_attribution(cli, out, images):
    """The small report shows layer, build step, origin and fix; the diff report its marks.
    Returns the diff report's JSON (for the page count)."""
    tar, extra = images["small"]
    for lang in ("en", "zh"):
        page = open(os.path.join(out, "small-%s.html" % lang), encoding="utf-8").read()
        words = {"en": ("own layer", "base image", "layer 1", "build step", "Fix (Dockerfile)"),
                 "zh": ("本镜像自有层", "来自基础镜像", "第 1 层", "构建步骤", "修复（Dockerfile）")}[lang]
        for n in (1, 2):
            low, high = html_part(page, "item-t%d.low" % n, "</article>"), \
                html_part(page, "item-t%d.high" % n, "</article>")
            for part, want in ((low, (words[0], words[2], "RUN touch /flags/low", words[4],
                                      '<pre class="fix"><code>')),
                               (high, (words[1], "FROM debian-base"))):
                for w in want:
                    if w not in part:
                        fail("small-%s: item %s has no %r" % (lang, part[4:20], w))
            fix = re.search(r'<pre class="fix"><code>(.*?)</code></pre>', low, re.S)
            if not fix or "RUN rm -f /flags/low" not in fix.group(1):
                fail("small-%s: t%d.low's fix snippet is not RUN rm -f /flags/low" % (lang, n))
            elif low.find("<pre") < low.find(words[4]) or low.find(words[4]) < low.find(
                    {"en": "Advice", "zh": "修复建议"}[lang]):
                fail("small-%s: t%d.low's fix is not under the advice" % (lang, n))
    # diff OLD NEW: t*.low new, t*.high unchanged, t*.medium fixed.
    old, _ = images["small-old"]
    djson = os.path.join(out, "small-diff.json")
    run([cli, "diff", old, tar, "--format", "json", "-o", djson, *extra], ok=(0, 1))
    report = json.load(open(djson))
    for lang, html_lang in (("en", "en"), ("zh", "zh-CN")):
        dpath = os.path.join(out, "small-diff-%s.html" % lang)
        run([cli, "diff", old, tar, "--format", "html", "--lang", lang, "-o", dpath, *extra],
            ok=(0, 1))
        for p in html_check.check(dpath, html_lang, ["t1.low", "t1.high", "t2.low", "t2.high"], []):
            fail("%s: %s" % (dpath, p))
        page = open(dpath, encoding="utf-8").read()
        new, same, fixed = {"en": ("+ new", "= unchanged", "− fixed"),
                            "zh": ("+ 新增", "= 未变", "− 已修复")}[lang]
        for n in (1, 2):
            for ident, mark in (("item-t%d.low" % n, new), ("item-t%d.high" % n, same)):
                part = html_part(page, ident, "</article>")
                # the item's mark and its evidence row's
                if part.count(mark) < 2:
                    fail("small-diff-%s: %s is not marked %r (item and evidence)" % (lang, ident, mark))
        fixed_part = html_part(page, "fixed", "</section>")
        for n in (1, 2):
            if "t%d.medium" % n not in fixed_part or fixed not in fixed_part:
                fail("small-diff-%s: the fixed section does not list t%d.medium" % (lang, n))
        if "t1.low" in fixed_part or "t1.high" in fixed_part:
            fail("small-diff-%s: the fixed section lists a finding that is still there" % lang)
    return report


def pdf_pages(path):
    m = re.search(r"^Pages:\s+(\d+)", run(["pdfinfo", path]).stdout, re.M)
    return int(m.group(1)) if m else -1


def pdf_text(path):
    return re.sub(r"\s+", "", run(["pdftotext", "-enc", "UTF-8", path, "-"]).stdout)


def check_pdf(path, report, exact):
    nb = len(report["baselines"])
    # the cover, one page break per baseline, (diff: the fixed findings,) the appendix
    want = nb + (3 if "diff" in report else 2)
    pages = pdf_pages(path)
    if exact and pages != want:
        fail("%s: %d pages, expected %d (cover, %d baselines, appendix)" % (path, pages, want, nb))
    if not exact and pages < want:
        fail("%s: %d pages, expected at least %d (cover, %d baselines, appendix)"
             % (path, pages, want, nb))
    text = pdf_text(path)
    if "%d/%d" % (pages, pages) not in text:
        fail("%s: the last page has no 'page %d / %d' footer" % (path, pages, pages))
    missing = [it["id"] for b in report["baselines"] for it in b["items"] if it["id"] not in text]
    if missing:
        fail("%s: %d item ids are not in the printed text (folded content lost?): %s"
             % (path, len(missing), ", ".join(missing[:5])))
    return pages


def browse(browser, out, name, report, exact):
    path = os.path.abspath(os.path.join(out, name + ".html"))
    url = "file://" + path
    mark = len(browser.events)
    browser.navigate(url, 1280, 900)
    browser.screenshot(os.path.join(out, name + "-1280.png"), 1280)
    browser.navigate(url, 390, 844, mobile=True)
    width = browser.evaluate("document.documentElement.scrollWidth")
    if width > 390:
        fail("%s: %d px wide at a 390 px viewport (horizontal scrolling)" % (name, width))
    browser.screenshot(os.path.join(out, name + "-390.png"), 390)
    browser.navigate(url, 1280, 900)
    pdf = os.path.join(out, name + ".pdf")
    browser.print_pdf(pdf)
    pages = check_pdf(pdf, report, exact)
    # Without scripts the print stylesheet alone must open the folded parts.
    browser.call("Emulation.setScriptExecutionDisabled", {"value": True})
    browser.navigate(url, 1280, 900)
    noscript = os.path.join(out, name + "-noscript.pdf")
    browser.print_pdf(noscript)
    check_pdf(noscript, report, exact)
    browser.call("Emulation.setScriptExecutionDisabled", {"value": False})
    for p in browser.problems(url, mark):
        fail("%s: %s" % (name, p))
    print("html_browser: %s: %d pages, screenshots and PDF in %s" % (name, pages, out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    for tool in ("umoci", "skopeo", "pdfinfo", "pdftotext"):
        if not shutil.which(tool):
            fail("%s is not installed (tools/dev.sh installs it)" % tool)
    chromium = cdp.find_chromium()
    if not chromium:
        fail("chromium is not installed (tools/dev.sh installs it)")
    if problems:
        return 1
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)

    images = build_images(a.source, a.out)
    reports = {name: check_rendering(a.cli, a.out, name, tar, extra)
               for name, (tar, extra) in images.items()}
    small = reports["small"]
    if [len(b["items"]) for b in small["baselines"]] != [3, 3]:
        fail("the small rule set did not load as two baselines of three items")
    small_diff = check_attribution(a.cli, a.out, images)

    browser = cdp.Browser(chromium)
    try:
        browser.open_page()
        browse(browser, a.out, "sample-en", reports["sample"], exact=False)
        browse(browser, a.out, "sample-zh", reports["sample"], exact=False)
        browse(browser, a.out, "small-en", small, exact=True)
        browse(browser, a.out, "small-diff-en", small_diff, exact=True)
        browse(browser, a.out, "small-diff-zh", small_diff, exact=True)
    finally:
        browser.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
