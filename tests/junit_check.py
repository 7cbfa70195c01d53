#!/usr/bin/env python3
"""Check a JUnit report of `imgbaseline scan -f junit` against the native JSON report of the
same scan (one report, or JSON Lines with one per image), with Python's own XML parser:

- the document parses; every count attribute (testsuites and each testsuite) equals the
  children actually there;
- one testsuite per applied baseline of each image, in order, named after its key (prefixed
  with the image when there are several), with one testcase per item whose classname is the
  baseline key and whose name starts with the item id;
- each testcase's element follows the item's verdict: fail -> <failure type=severity> (or
  <skipped> when --ignored names it), error/incomplete -> <error type=verdict>,
  not_applicable -> <skipped>, pass -> nothing; a failure's text holds every failing
  piece of evidence's message (up to the ones stored), and --partial ITEM:MARK items show
  MARK (the ignored-evidence marker) in it;
- --scan-suite yes|no: whether the "imgbaseline.scan" suite must be there (and it is an
  <error> when the native report says the image was not read in full).

usage: junit_check.py REPORT.xml NATIVE.json [--ignored ID]... [--partial ID:MARK]...
                      [--scan-suite yes|no|any]
Prints one line per problem and exits 1 on any; prints a summary and exits 0 otherwise.
"""
import argparse
import json
import sys
import xml.etree.ElementTree as ET

SCAN_SUITE = "imgbaseline.scan"
problems = []


def problem(msg):
    problems.append(msg)


def counts_of(cases):
    c = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for tc in cases:
        c["tests"] += 1
        for tag, key in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            if tc.find(tag) is not None:
                c[key] += 1
    return c


def check_attrs(elem, want, what):
    for k, v in want.items():
        got = elem.get(k)
        if got != str(v):
            problem(f"{what}: {k}={got!r}, expected {v}")


def load_reports(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def image_name(rep):
    img = rep.get("image") or {}
    refs = img.get("refs") or img.get("references") or []
    return refs[0] if refs else img.get("path", "-")


def check_case(tc, item, key, ignored, partial):
    what = f"testcase {key}/{item['id']}"
    if tc.get("classname") != key:
        problem(f"{what}: classname {tc.get('classname')!r}")
    if not (tc.get("name") or "").startswith(item["id"] + ": "):
        problem(f"{what}: name {tc.get('name')!r} does not start with the item id")
    kids = [k.tag for k in tc]
    if len(kids) > 1:
        problem(f"{what}: more than one child {kids}")
    v = item["verdict"]
    if v == "fail" and item["id"] in ignored:
        want = "skipped"
    else:
        want = {"fail": "failure", "error": "error", "incomplete": "error",
                "not_applicable": "skipped", "pass": None}[v]
    got = kids[0] if kids else None
    if got != want:
        problem(f"{what}: verdict {v} gave <{got}>, expected <{want}>")
        return
    if want == "failure":
        f = tc.find("failure")
        if f.get("type") != item["severity"]:
            problem(f"{what}: failure type {f.get('type')!r}, severity {item['severity']!r}")
        body = f.text or ""
        failing = [e for e in item.get("evidence", []) if e.get("verdict") == "fail"]
        for e in failing or item.get("evidence", []):
            msg = e.get("message") or e.get("value")
            if msg and msg not in body:
                problem(f"{what}: evidence {msg!r} is not in the failure text")
        if item["id"] in partial and partial[item["id"]] not in body:
            problem(f"{what}: the ignored evidence is not marked {partial[item['id']]!r}")
    if want == "error" and tc.find("error").get("type") != v:
        problem(f"{what}: error type {tc.find('error').get('type')!r}, verdict {v!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("junit")
    ap.add_argument("native")
    ap.add_argument("--ignored", action="append", default=[])
    ap.add_argument("--partial", action="append", default=[])
    ap.add_argument("--scan-suite", choices=("yes", "no", "any"), default="any")
    a = ap.parse_args()
    partial = dict(p.split(":", 1) for p in a.partial)
    root = ET.parse(a.junit).getroot()
    if root.tag != "testsuites":
        print(f"root element <{root.tag}>, expected <testsuites>")
        return 1
    reports = load_reports(a.native)
    suites = root.findall("testsuite")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for s in suites:
        c = counts_of(s.findall("testcase"))
        check_attrs(s, c, f"testsuite {s.get('name')}")
        for k in total:
            total[k] += c[k]
    check_attrs(root, total, "testsuites")

    pos = 0
    for rep in reports:
        prefix = f"{image_name(rep)}: " if len(reports) > 1 else ""
        for bl in rep["baselines"]:
            if pos >= len(suites):
                problem(f"no testsuite for baseline {bl['key']}")
                break
            s = suites[pos]
            pos += 1
            if s.get("name") != prefix + bl["key"]:
                problem(f"testsuite {s.get('name')!r}, expected {prefix + bl['key']!r}")
                continue
            cases = s.findall("testcase")
            if len(cases) != len(bl["items"]):
                problem(f"testsuite {bl['key']}: {len(cases)} testcases for "
                        f"{len(bl['items'])} items")
                continue
            for tc, item in zip(cases, bl["items"]):
                check_case(tc, item, bl["key"], set(a.ignored), partial)
        has_scan = pos < len(suites) and suites[pos].get("name") == prefix + SCAN_SUITE
        if a.scan_suite == "yes" and not has_scan:
            problem(f"{prefix}no {SCAN_SUITE} suite")
        if a.scan_suite == "no" and has_scan:
            problem(f"{prefix}an unexpected {SCAN_SUITE} suite")
        unjudged = any(i["verdict"] in ("error", "incomplete")
                       for bl in rep["baselines"] for i in bl["items"])
        image_incomplete = rep.get("complete") is False and not unjudged
        if image_incomplete and not has_scan:
            problem(f"{prefix}the image was not read in full and there is no {SCAN_SUITE} suite")
        if has_scan:
            case = suites[pos].find("testcase")
            err = case is not None and case.find("error") is not None
            if err and rep.get("complete") is not False:
                problem(f"{prefix}{SCAN_SUITE}: an error for a scan the native report calls "
                        "complete")
            if image_incomplete and not err:
                problem(f"{prefix}{SCAN_SUITE}: the image was not read in full, no <error>")
            pos += 1
    if pos != len(suites):
        problem(f"{len(suites) - pos} testsuites more than the native report's baselines")

    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"junit_check: {len(suites)} testsuites, {total['tests']} testcases "
          f"({total['failures']} failures, {total['errors']} errors, {total['skipped']} "
          f"skipped) match {len(reports)} native report(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
