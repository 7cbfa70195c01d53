#!/usr/bin/env python3
"""Structural checks of an imgbaseline HTML report (engine/report/html.c).

usage: html_check.py FILE [--lang zh|en] [--id ITEM_ID]... [--forbid TEXT]...

- well-formed HTML5: html5lib (Debian python3-html5lib) in strict mode raises on every parse
  error, so the report must be conforming markup, not merely something a browser recovers;
- self-contained: no http:, https: or protocol-relative URL in any src, href, action, poster
  or other URL attribute, in url() or @import of the stylesheet or a style attribute; no
  external script; the Content-Security-Policy forbids every fetch;
- the document language is --lang; element ids are unique;
- every --id has its item element (id="item-ID") and its id is written in the text;
- no --forbid text (a password, an unmasked secret) appears anywhere in the file.
Exit status 0 when every check passes, 1 with one line per problem otherwise.
"""
import argparse
import re
import sys

import html5lib

URL_ATTRS = {"src", "href", "action", "formaction", "poster", "data", "srcset", "background",
             "cite", "longdesc", "manifest", "ping", "xlink:href", "codebase", "archive"}
REMOTE = re.compile(r"(?i)(https?:|^\s*//)")
CSS_URL = re.compile(r"(?i)url\(\s*['\"]?\s*([^'\")\s]*)")
CSS_IMPORT = re.compile(r"(?i)@import")


def local_name(tag):
    return tag.split("}", 1)[1] if "}" in tag else tag


def check(path, lang, ids, forbid):
    problems = []
    raw = open(path, "rb").read()
    for text in forbid:
        if text.encode() in raw:
            problems.append("forbidden text %r is in the file" % text)
    try:
        data = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return problems + ["not UTF-8: %s" % e]
    if not data.startswith("<!DOCTYPE html>"):
        problems.append("does not start with <!DOCTYPE html>")
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        root = parser.parse(data)
    except html5lib.html5parser.ParseError as e:
        line = data[:max(0, data.find("\n", 0))]
        return problems + ["HTML5 parse error: %s (%s)" % (e, parser.errors[-1:] or line)]

    if root.get("lang") != lang:
        problems.append("html lang is %r, expected %r" % (root.get("lang"), lang))
    seen_ids = {}
    csp = None
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = local_name(el.tag)
        for name, value in el.attrib.items():
            name = local_name(name) if name.startswith("{") else name
            if name in URL_ATTRS and REMOTE.search(value):
                problems.append("<%s %s=%r> points outside the file" % (tag, name, value))
            if name == "style":
                problems += css_problems(value, "style attribute of <%s>" % tag)
            if name == "id":
                if value in seen_ids:
                    problems.append("duplicate id %r" % value)
                seen_ids[value] = el
        if tag == "style":
            problems += css_problems(el.text or "", "<style>")
        if tag == "script" and el.get("src") is not None:
            problems.append("external script %r" % el.get("src"))
        if tag == "link":
            problems.append("<link> element (stylesheets and icons must be inline)")
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "content-security-policy":
            csp = el.get("content") or ""
    if csp is None or "default-src 'none'" not in csp:
        problems.append("no Content-Security-Policy with default-src 'none'")

    text = "".join(root.itertext())
    for item in ids:
        if "item-" + item not in seen_ids:
            problems.append("no element with id item-%s" % item)
        if item not in text:
            problems.append("item id %s is not written in the report" % item)
    return problems


def css_problems(css, where):
    out = []
    for m in CSS_URL.finditer(css):
        if not m.group(1).startswith("data:") and not m.group(1).startswith("#"):
            out.append("%s: url(%s) is not inline" % (where, m.group(1)))
    if CSS_IMPORT.search(css):
        out.append("%s: @import" % where)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--id", action="append", default=[])
    ap.add_argument("--forbid", action="append", default=[])
    a = ap.parse_args()
    problems = check(a.file, a.lang, a.id, a.forbid)
    for p in problems:
        print("%s: %s" % (a.file, p), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
