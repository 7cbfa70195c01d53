#!/usr/bin/env python3
"""ctest `serve_report_html`: GET /v1/scans/{id}/report.html from a real `imgbaseline serve`,
on a SQLite store and on a PostgreSQL 15 started here (tests/support/pg.sh).

For each store: a scan recorded by `scan --store --format html` (the page served must be the
very bytes that command wrote) and a scan recorded by the server's worker from POST /v1/scans
(its page, fetched by the job id, must be what `scan --format html` renders for the same
image, scan times aside).  The served page passes tests/html_check.py (well-formed HTML5,
nothing remote, every failed item's id).  Headers: text/html; charset=utf-8, a
Content-Security-Policy that forbids every fetch, nosniff.  Credentials: a token
(X-Auth-Token or Bearer) or a Huawei SDK-HMAC-SHA256 signature; none or a wrong one is 401;
another tenant's scan, a malformed id, an unknown id and a scan recorded before the store
kept pages are 404 with a JSON error; lang other than zh/en is 400.

usage: report_html.py CLI SRC WORKDIR
"""
import hashlib, hmac, http.client, json, os, re, shutil, sqlite3, subprocess, sys, time
from datetime import datetime, timezone

CLI, SRC, WORK = sys.argv[1:4]
PSQL = os.environ.get("IMGB_PG_BIN", "/usr/lib/postgresql/15/bin") + "/psql"
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK + "/images")
subprocess.run(["bash", SRC + "/tools/make-sample-image.sh", WORK + "/images"], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
creds = WORK + "/creds.yaml"
with open(os.open(creds, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write("tenants:\n  - name: t\n    tokens: [tok]\n"
            "    huawei: [{ak: hw, sk: hwsk, project_ids: [p1]}]\n"
            "  - name: u\n    tokens: [tok-u]\n")
BUDGET = ["--weak-password-budget", "1"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


def cli_html(image, lang, out, *extra):
    r = subprocess.run([CLI, "scan", WORK + "/images/" + image, "--format", "html",
                        "--lang", lang, "-o", out] + BUDGET + list(extra),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1):
        sys.exit("scan %s failed (%d): %s" % (image, r.returncode, r.stderr))
    return open(out, "rb").read()


def unstamp(page):
    """The page without the scan's own times (start, duration, generation)."""
    page = re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", b"TIME", page)
    return re.sub(rb"\(\d+\.\d s\)", b"(D s)", page)


def hw_auth(port, path, query, ak="hw", sk="hwsk"):
    """Huawei's SDK-HMAC-SHA256 (the scheme of @huaweicloud/huaweicloud-sdk-core's signer)."""
    date = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    host = "127.0.0.1:%d" % port
    uri = path if path.endswith("/") else path + "/"
    canonical = "\n".join(["GET", uri, query, "host:%s\nx-sdk-date:%s\n" % (host, date),
                           "host;x-sdk-date", hashlib.sha256(b"").hexdigest()])
    sts = "SDK-HMAC-SHA256\n%s\n%s" % (date, hashlib.sha256(canonical.encode()).hexdigest())
    sig = hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
    return {"Host": host, "X-Sdk-Date": date,
            "Authorization": "SDK-HMAC-SHA256 Access=%s, SignedHeaders=host;x-sdk-date, "
                             "Signature=%s" % (ak, sig)}


class Server:
    def __init__(self, store, tag):
        self.log = open("%s/serve-%s.log" % (WORK, tag), "w+")
        self.proc = subprocess.Popen([CLI, "serve", "--listen", "127.0.0.1:0", "--store", store,
                                      "--credentials", creds, "--images-dir", WORK + "/images",
                                      "--workers", "1"] + BUDGET, stderr=self.log)
        self.port = None
        for _ in range(300):
            self.log.seek(0)
            m = re.search(r"serving on 127\.0\.0\.1:(\d+)", self.log.read())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.log.seek(0)
        sys.exit("serve did not start: " + self.log.read())

    def get(self, path, headers=None, method="GET", body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def json_error(status, body, code, text, what):
    try:
        j = json.loads(body)
    except ValueError:
        return check(False, "%s: the %d body is not JSON: %r" % (what, status, body[:200]))
    return check(j.get("error_code") == code and text in j.get("error_msg", ""),
                 "%s: %r has no %s / %r" % (what, j, code, text))


def run(kind, store, sql):
    print("== %s" % kind)
    d = "%s/%s" % (WORK, kind)
    os.makedirs(d)
    # Recorded by the CLI: the page it wrote is the page served.
    cli_en = cli_html("sample-docker.tar", "en", d + "/cli-en.html", "--store", store,
                      "--tenant", "t")
    scan_id = sql("SELECT scan_id FROM scans ORDER BY finished_ms DESC LIMIT 1")
    srv = Server(store, kind)
    try:
        base = "/v1/scans/%s/report.html" % scan_id
        st, h, page = srv.get(base + "?lang=en", {"X-Auth-Token": "tok"})
        check(st == 200, "%s: GET with a token: %d %r" % (kind, st, page[:200]))
        check(page == cli_en, "%s: the served page is not what scan --format html wrote" % kind)
        check(h.get("content-type") == "text/html; charset=utf-8",
              "%s: Content-Type %r" % (kind, h.get("content-type")))
        check(h.get("x-content-type-options") == "nosniff", "%s: no nosniff" % kind)
        csp = h.get("content-security-policy", "")
        check(csp.startswith("default-src 'none';") and "frame-ancestors 'none'" in csp and
              "connect-src" not in csp and "http" not in csp,
              "%s: Content-Security-Policy %r" % (kind, csp))
        # The header repeats the page's own policy: the page needs nothing more.
        meta = re.search(rb'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
        check(meta and csp.startswith(meta.group(1).decode()),
              "%s: header policy %r is not the page's %r" % (kind, csp, meta and meta.group(1)))
        with open(d + "/served-en.html", "wb") as f:
            f.write(page)
        ids = sorted(set(re.findall(r'<article class="item (?:high|medium|low)" id="item-([^"]+)"',
                                    page.decode())))
        check(len(ids) > 3, "%s: only %d failed items on the page" % (kind, len(ids)))
        hc = subprocess.run([sys.executable, SRC + "/tests/html_check.py", d + "/served-en.html",
                             "--lang", "en"] + sum((["--id", i] for i in ids), []),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(hc.returncode == 0, "%s: html_check: %s" % (kind, hc.stdout))

        # Default language: the APIs' (zh), as the CLI renders it (scan times aside).
        st, h, zh = srv.get(base, {"Authorization": "Bearer tok"})
        cli_zh = cli_html("sample-docker.tar", "zh", d + "/cli-zh.html")
        check(st == 200 and b'<html lang="zh-CN">' in zh, "%s: default lang: %d" % (kind, st))
        check(unstamp(zh) == unstamp(cli_zh), "%s: zh page differs from the CLI's" % kind)

        # A Huawei signature is as good as a token; a bad one is not.
        st, _, signed = srv.get(base + "?lang=en", hw_auth(srv.port, base, "lang=en"))
        check(st == 200 and signed == cli_en, "%s: signed GET: %d" % (kind, st))
        st, _, b = srv.get(base + "?lang=en", hw_auth(srv.port, base, "lang=en", sk="wrong"))
        check(st == 401, "%s: wrong signature: %d" % (kind, st)) and \
            json_error(st, b, "IMGB.401", "signature", kind)

        st, h, b = srv.get(base)
        check(st == 401, "%s: no credentials: %d" % (kind, st)) and \
            json_error(st, b, "IMGB.401", "X-Auth-Token", kind)
        check(h.get("content-type", "").startswith("application/json"), "%s: 401 type" % kind)
        st, _, b = srv.get(base, {"X-Auth-Token": "nope"})
        check(st == 401, "%s: bad token: %d" % (kind, st))
        # Another tenant's scan reads exactly like one that does not exist.
        st, _, other = srv.get(base, {"X-Auth-Token": "tok-u"})
        check(st == 404, "%s: another tenant's scan: %d" % (kind, st)) and \
            json_error(st, other, "IMGB.404", "no recorded scan", kind)
        st, _, none = srv.get(base.replace(scan_id, "0" * 32), {"X-Auth-Token": "tok"})
        check(st == 404 and json.loads(none)["error_msg"].replace("0" * 32, scan_id) ==
              json.loads(other)["error_msg"], "%s: unknown id: %d %r" % (kind, st, none))
        for bad in ("nothex", scan_id.upper(), scan_id + "0", "%2e%2e", "x" * 300):
            st, _, b = srv.get("/v1/scans/%s/report.html" % bad, {"X-Auth-Token": "tok"})
            check(st == 404, "%s: id %r: %d" % (kind, bad[:40], st)) and \
                json_error(st, b, "IMGB.404", "no recorded scan", kind)
        st, _, b = srv.get(base + "?lang=fr", {"X-Auth-Token": "tok"})
        check(st == 400, "%s: lang=fr: %d" % (kind, st)) and \
            json_error(st, b, "IMGB.400", "zh, en", kind)
        st, _, _ = srv.get(base, {"X-Auth-Token": "tok"}, method="POST", body=b"")
        check(st == 405, "%s: POST: %d" % (kind, st))

        # Recorded by the server's worker: the page by the job's id.
        st, _, b = srv.get("/v1/scans", {"X-Auth-Token": "tok", "Content-Type": "application/json"},
                           method="POST", body=json.dumps({"path": "sample-oci.tar"}).encode())
        check(st == 202, "%s: submit: %d %r" % (kind, st, b))
        job = json.loads(b)["id"]
        st, _, b = srv.get("/v1/scans/%s/report.html" % job, {"X-Auth-Token": "tok"})
        check(st in (200, 404), "%s: page of a pending job: %d" % (kind, st))
        if st == 404:
            json_error(st, b, "IMGB.404", "job", kind)
        for _ in range(600):
            st, _, b = srv.get("/v1/scans/" + job, {"X-Auth-Token": "tok"})
            if json.loads(b).get("state") in ("done", "failed"):
                break
            time.sleep(0.1)
        check(json.loads(b).get("state") == "done", "%s: job: %r" % (kind, b))
        st, h, wpage = srv.get("/v1/scans/%s/report.html" % job, {"X-Auth-Token": "tok"})
        cli_oci = cli_html("sample-oci.tar", "zh", d + "/cli-oci-zh.html")
        check(st == 200 and unstamp(wpage) == unstamp(cli_oci),
              "%s: the worker's page differs from the CLI's (%d)" % (kind, st))
        st, _, _ = srv.get("/v1/scans/%s/report.html" % job, {"X-Auth-Token": "tok-u"})
        check(st == 404, "%s: another tenant's job: %d" % (kind, st))

        # A scan recorded before the store kept pages: 404 that says so, not 500.
        sql("UPDATE scans SET page_zh = NULL, page_en = NULL, page_csp = NULL"
            " WHERE scan_id = '%s'" % scan_id)
        st, _, b = srv.get(base, {"X-Auth-Token": "tok"})
        check(st == 404, "%s: pre-migration scan: %d" % (kind, st)) and \
            json_error(st, b, "IMGB.404", "recorded before", kind)
        st, _, _ = srv.get("/healthz")
        check(st == 200, "%s: the server stopped serving" % kind)
    finally:
        srv.stop()


# SQLite
db = WORK + "/history.db"


def lite(q):
    c = sqlite3.connect(db)
    try:
        rows = c.execute(q).fetchall()
        c.commit()
        return rows[0][0] if rows else None
    finally:
        c.close()


run("sqlite", db, lite)

# PostgreSQL
pgdir = subprocess.run(["mktemp", "-d", "/tmp/imgb-pghtml-XXXXXX"], stdout=subprocess.PIPE,
                       text=True, check=True).stdout.strip()
try:
    url = subprocess.run(["bash", SRC + "/tests/support/pg.sh", "start", pgdir],
                         stdout=subprocess.PIPE, text=True, check=True).stdout.strip()

    def pg(q):
        out = subprocess.run([PSQL, "-X", "-q", "-t", "-A", url, "-c", q], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.strip()
        return out.splitlines()[0] if out else None

    run("postgresql", url, pg)
finally:
    subprocess.run(["bash", SRC + "/tests/support/pg.sh", "stop", pgdir])

if failures:
    sys.exit("%d failure(s)" % len(failures))
print("ok")
