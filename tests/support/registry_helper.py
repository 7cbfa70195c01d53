#!/usr/bin/env python3
"""Helpers for tests/test_registry.sh (only the standard library and the openssl tool).

  free-port                         print a free TCP port on 127.0.0.1
  htpasswd USER PASSWORD            print an htpasswd line (bcrypt, as docker-registry wants)
  token-server PORT KEY CERT USER:PASS ISSUER SERVICE
                                    a bearer-token realm: GET /token?service=&scope= with Basic
                                    credentials USER:PASS gets a JWT (RS256, signed with KEY,
                                    CERT in x5c) granting the asked actions; anyone else gets a
                                    token granting nothing (the registry then answers 401)
  stall-proxy PORT UPSTREAM         forward to UPSTREAM (http://host:port), but for a layer blob
                                    send the headers and 1000 bytes, then nothing
  put-index UPSTREAM REPO TAG MT1|DIGEST1|SIZE1|ARCH1 ...
                                    PUT an OCI index of those manifests as REPO:TAG
  slow-cat FILE CHUNK DELAY         write FILE to stdout CHUNK bytes at a time, DELAY s between
  verdicts REPORT.json              print "baseline item verdict" lines of a native report
"""
import base64
import http.server
import json
import os
import socket
import socketserver
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def htpasswd(user, password):
    import warnings
    warnings.simplefilter("ignore")
    import crypt  # libxcrypt's bcrypt; removed in Python 3.13, present in Debian 12
    print("%s:%s" % (user, crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))))


def token_server(port, key, cert, creds, issuer, service):
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    want = "Basic " + base64.b64encode(creds.encode()).decode()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(u.query)
            ok = self.headers.get("Authorization") == want
            if self.headers.get("Authorization") and not ok:
                self.send_response(401)
                self.end_headers()
                return
            access = []
            for scope in q.get("scope", []):
                parts = scope.split(":")
                if len(parts) == 3 and ok:
                    access.append({"type": parts[0], "name": parts[1],
                                   "actions": parts[2].split(",")})
            now = int(time.time())
            hdr = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode()]}
            claims = {"iss": issuer, "sub": creds.split(":")[0] if ok else "", "aud": service,
                      "exp": now + 600, "nbf": now - 10, "iat": now, "jti": str(now) + u.query,
                      "access": access}
            signing = (b64url(json.dumps(hdr).encode()) + "." +
                       b64url(json.dumps(claims).encode())).encode()
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing,
                                 check=True, capture_output=True).stdout
            body = json.dumps({"token": signing.decode() + "." + b64url(sig)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), H).serve_forever()


def stall_proxy(port, upstream):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            req = urllib.request.Request(upstream + self.path, headers={
                k: v for k, v in self.headers.items() if k.lower() in ("accept", "range")})
            try:
                r = urllib.request.urlopen(req)
                code, hdrs, body = r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                code, hdrs, body = e.code, e.headers, e.read()
            self.send_response(code)
            for k in ("Content-Type", "Docker-Content-Digest"):
                if hdrs.get(k):
                    self.send_header(k, hdrs.get(k))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if "/blobs/" in self.path and len(body) > 100000:
                self.wfile.write(body[:1000])
                self.wfile.flush()
                time.sleep(120)
                return
            self.wfile.write(body)

        do_HEAD = do_GET

    http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), H).serve_forever()


def put_index(upstream, repo, tag, *entries):
    manifests = []
    for e in entries:
        mt, digest, size, arch = e.split("|")
        manifests.append({"mediaType": mt, "digest": digest, "size": int(size),
                          "platform": {"os": "linux", "architecture": arch}})
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                       "manifests": manifests}).encode()
    req = urllib.request.Request("%s/v2/%s/manifests/%s" % (upstream, repo, tag), data=body,
                                 method="PUT",
                                 headers={"Content-Type":
                                          "application/vnd.oci.image.index.v1+json"})
    urllib.request.urlopen(req)


def slow_cat(path, chunk, delay):
    chunk, delay = int(chunk), float(delay)
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            sys.stdout.buffer.write(b)
            sys.stdout.buffer.flush()
            time.sleep(delay)


def verdicts(path):
    r = json.load(open(path))
    for b in r["baselines"]:
        for it in b["items"]:
            print(b["key"], it["id"], it["verdict"])


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"free-port": free_port, "htpasswd": htpasswd, "token-server": token_server,
     "stall-proxy": stall_proxy, "put-index": put_index, "slow-cat": slow_cat,
     "verdicts": verdicts}[cmd](*args)
