#!/usr/bin/env python3
"""ctest `serve_hostile`: hostile requests against `imgbaseline serve` (SQLite store).

Each gets its documented error and the server keeps serving: oversized body and headers,
10,000 query parameters, invalid UTF-8, `path` with `..` or a symlink out of --images-dir,
page sizes out of range, a slow client (dropped after --timeout while others are served),
a wrong method, an unknown path.  Then an archive sent as the body is scanned by the
in-process worker pool and its temporary file removed.

usage: hostile.py CLI SRC WORKDIR
"""
import base64, hashlib, hmac, json, os, re, shutil, socket, subprocess, sys, time, urllib.parse, uuid
from datetime import datetime, timezone

CLI, SRC, WORK = sys.argv[1:4]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK + "/images")
os.makedirs(WORK + "/outside")
subprocess.run(["bash", SRC + "/tools/make-sample-image.sh", WORK + "/images"], check=True,
               stdout=subprocess.DEVNULL)
shutil.copy(WORK + "/images/sample-docker.tar", WORK + "/outside/secret.tar")
os.symlink(WORK + "/outside/secret.tar", WORK + "/images/escape.tar")
store = WORK + "/history.db"
creds = WORK + "/creds.yaml"
with open(os.open(creds, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write("tenants:\n  - name: t\n    aliyun: [{access_key_id: ak, access_key_secret: sk}]\n"
            "    huawei: [{ak: hw, sk: hwsk, project_ids: [p1]}]\n    tokens: [tok]\n")
tmpdir = WORK + "/tmp"
os.makedirs(tmpdir)
log = open(WORK + "/serve.log", "w+")
srv = subprocess.Popen([CLI, "serve", "--listen", "127.0.0.1:0", "--store", store,
                        "--credentials", creds, "--images-dir", WORK + "/images", "--workers", "1",
                        "--timeout", "2", "--max-body", "65536", "--max-upload", "10000000",
                        "--weak-password-budget", "1", "--upload-dir", tmpdir],
                       stderr=log)
port = None
for _ in range(200):
    log.seek(0)
    m = re.search(r"serving on 127\.0\.0\.1:(\d+)", log.read())
    if m:
        port = int(m.group(1))
        break
    if srv.poll() is not None:
        break
    time.sleep(0.05)
if not port:
    log.seek(0)
    sys.exit("serve did not start: " + log.read())

failures = []


def raw(data, timeout=10):
    """Send raw bytes, return (status, body) or (None, b'') when the server closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d+)", buf)
    body = buf.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in buf else b""
    return (int(m.group(1)) if m else None), body


def get(path, headers=None, method="GET", body=b""):
    h = {"Host": "127.0.0.1", "Connection": "close"}
    h.update(headers or {})
    if (body or method == "POST") and "Content-Length" not in h:
        h["Content-Length"] = str(len(body))
    req = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in h.items())
    return raw(req.encode() + b"\r\n" + body)


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)))
    if not cond:
        failures.append(name)


def healthy():
    st, body = get("/healthz")
    return st == 200 and json.loads(body)["status"] == "ok"


def v1(params, secret="sk", method="GET"):
    p = {"Format": "JSON", "Version": "2018-12-03", "AccessKeyId": "ak",
         "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
         "SignatureNonce": uuid.uuid4().hex,
         "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    p.update(params)
    enc = lambda s: urllib.parse.quote(s, safe="-_.~")
    canon = "&".join("%s=%s" % (enc(k), enc(v)) for k, v in sorted(p.items()))
    sts = "%s&%%2F&%s" % (method, enc(canon))
    sig = base64.b64encode(hmac.new((secret + "&").encode(), sts.encode(), hashlib.sha1).digest())
    return canon + "&Signature=" + enc(sig.decode())


# A correct V1 request computed independently of the server (Python's hmac).
st, body = get("/?" + v1({"Action": "DescribeImageListByBuildRisk"}))
check("independently signed V1 request answers", st == 200 and json.loads(body)["Code"] == "200", (st, body))

st, body = get("/?" + v1({"Action": "DescribeImageBaselineCheckResult", "ImageUuid": "ab" * 8,
                          "PageSize": "0"}))
check("PageSize 0: InvalidParameter", st == 400 and json.loads(body)["Code"] == "InvalidParameter", (st, body))
st, body = get("/v5/p1/image/baseline/risk-configs?image_type=local&limit=201", {"X-Auth-Token": "tok"})
check("limit 201: 400 with the documented range", st == 400 and "10-200" in json.loads(body)["error_msg"], (st, body))
st, body = get("/v5/p1/image/baseline/risk-configs?image_type=local&offset=2000001", {"X-Auth-Token": "tok"})
check("offset past 2,000,000: 400", st == 400 and json.loads(body)["error_code"], (st, body))

big = b"a=" + b"x" * 200000
st, body = get("/", {"Content-Type": "application/x-www-form-urlencoded"}, "POST", big)
check("oversized body: 413", st == 413, (st, body[:200]))
st, body = get("/healthz", {"X-Big": "y" * 300000})
check("oversized headers (over 128 KiB): 431, or closed mid-send", st in (431, None), st)
check("served after oversized headers", healthy())
st, body = get("/?" + "&".join("a%d=1" % i for i in range(10000)))
# 10,000 parameters do not fit the 128 KiB a connection may use for its request line, headers
# and parsed arguments: libmicrohttpd answers 414/431 and closes (we may see only the close,
# as it stops reading our request).
check("10,000 query parameters: 414/431 or closed", st in (414, 431, None), (st, body[:200]))
check("served after 10,000 parameters", healthy())
st, body = get("/?" + "&".join("a%d=1" % i for i in range(1000)))
check("1,000 query parameters: 400 InvalidParameter (at most 256)",
      st == 400 and b"too many parameters" in body, (st, body[:200]))
st, body = get("/?Action=%FF%FE&AccessKeyId=ak")
check("invalid UTF-8: 400 InvalidParameter", st == 400 and b"UTF-8" in body, (st, body))
st, body = get("/v5/p1/image/baseline/statistic?image_type=%C0%AF", {"X-Auth-Token": "tok"})
check("invalid UTF-8 (Huawei): 400", st == 400 and json.loads(body)["error_code"], (st, body))

for path, what in (("../outside/secret.tar", "'..'"), ("escape.tar", "symlink"),
                   ("/etc/passwd", "absolute"), ("images/../../x", "'..' inside")):
    st, body = get("/v1/scans", {"X-Auth-Token": "tok", "Content-Type": "application/json"}, "POST",
                   json.dumps({"path": path}).encode())
    check("path %s refused" % what, st == 400 and json.loads(body)["error_code"], (st, body))
st, body = get("/v1/scans", {"Content-Type": "application/json"}, "POST", b'{"path":"sample-docker.tar"}')
check("job API without a token: 401", st == 401, (st, body))
st, body = get("/v1/scans", {"X-Auth-Token": "tok", "Content-Type": "application/octet-stream"}, "POST",
               b"\0" * 10)
garbage = json.loads(body)["id"] if st == 202 else ""
check("garbage upload queued", st == 202, (st, body))
check("a body declared over --max-upload is refused first",
      get("/v1/scans", {"X-Auth-Token": "tok", "Content-Length": "20000000"}, "POST")[0] == 413, "")
st, body = get("/nope")
check("unknown path: 404", st == 404, st)
st, body = get("/v5/p1/image/baseline/statistic", {"X-Auth-Token": "tok"}, "DELETE")
check("wrong method: 405", st == 405, st)

# Slow client: a header dribbled slower than --timeout 2 is dropped; others are served.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
t0 = time.time()
check("served while a slow client hangs", healthy())
dropped = False
s.settimeout(10)
try:
    for _ in range(20):
        time.sleep(0.5)
        s.sendall(b"")
        if s.recv(1024) == b"":
            dropped = True
            break
except (socket.timeout, ConnectionResetError, BrokenPipeError):
    dropped = True
check("slow client dropped after the timeout", dropped and time.time() - t0 < 9, time.time() - t0)
s.close()

# An archive as the body: queued, scanned by the worker pool, temporary file removed.
with open(WORK + "/images/sample-docker.tar", "rb") as f:
    tar = f.read()
st, body = get("/v1/scans", {"X-Auth-Token": "tok", "Content-Type": "application/x-tar"}, "POST", tar)
check("archive upload: 202", st == 202, (st, body))
job = json.loads(body)["id"] if st == 202 else ""
state = None
for _ in range(600):
    st, body = get("/v1/scans/" + job, {"X-Auth-Token": "tok"})
    state = json.loads(body).get("state")
    if state in ("done", "failed"):
        break
    time.sleep(0.1)
check("uploaded archive scanned", state == "done" and json.loads(body)["summary"]["image_id"], body)
st, body = get("/v1/scans/" + garbage, {"X-Auth-Token": "tok"})
j = json.loads(body)
check("garbage upload: failed with a one-line error", j["state"] == "failed" and j["error"]
      and "\n" not in j["error"], j)
for _ in range(50):  # the worker removes the upload right after the scan records the job
    left = [n for root, _, files in os.walk(tmpdir) for n in files]
    if not left:
        break
    time.sleep(0.1)
check("upload removed after the scan", left == [], left)
st, body = get("/v1/scans/" + job, {"X-Auth-Token": "nottok"})
check("job of the tenant only", st == 401, st)

check("still serving at the end", healthy())
srv.terminate()
rc = srv.wait(timeout=20)
check("clean shutdown", rc == 0, rc)
if failures:
    log.seek(0)
    print(log.read()[-3000:])
    sys.exit(1)
