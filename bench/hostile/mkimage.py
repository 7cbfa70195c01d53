#!/usr/bin/env python3
"""Write one hostile docker-archive image for bench/hostile/run.sh.

usage: mkimage.py accounts|includes|filesize N OUT.tar

  accounts N   /etc/passwd and /etc/shadow with N accounts, every other one sharing a hash
  includes N   N files under /etc/ssh/inc/, each "Include /etc/ssh/inc/*" and a bad line
  filesize N   /etc/ssh/sshd_config of N MB of comments, then "PermitEmptyPasswords yes"

Every image is Debian 12 with openssh-server in dpkg's status file, one gzip layer, written
with tarfile and json only (no registry, no daemon).
"""
import gzip
import hashlib
import io
import json
import sys
import tarfile

DPKG = (b"Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2+deb12u3\n\n")


def add(tar, path, data=b"", mode=0o644, kind=tarfile.REGTYPE):
    info = tarfile.TarInfo(path)
    info.type = kind
    info.mode = mode
    info.mtime = 1700000000
    if kind == tarfile.DIRTYPE:
        tar.addfile(info)
        return
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def files(kind, n):
    yield "etc/", None
    yield "etc/os-release", b'ID=debian\nVERSION_ID="12"\n'
    yield "etc/ssh/", None
    yield "var/", None
    yield "var/lib/", None
    yield "var/lib/dpkg/", None
    yield "var/lib/dpkg/status", DPKG
    if kind == "accounts":
        pw = io.BytesIO()
        sp = io.BytesIO()
        pw.write(b"root:x:0:0:root:/root:/bin/bash\n")
        sp.write(b"root:*:19000:0:99999:7:::\n")
        for i in range(n):
            pw.write(b"user%d:x:%d:%d::/home/user%d:/bin/sh\n" % (i, 1000 + i, 1000 + i, i))
            h = b"$6$shared$" + b"A" * 86 if i % 2 else b"$6$s%d$" % i + b"B" * 86
            sp.write(b"user%d:%s:19000:0:99999:7:::\n" % (i, h))
        yield "etc/passwd", pw.getvalue()
        yield "etc/shadow", sp.getvalue()
        yield "etc/ssh/sshd_config", b"PermitRootLogin no\n"
    elif kind == "includes":
        yield "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"
        yield "etc/ssh/sshd_config", b"Include /etc/ssh/inc/*\n"
        yield "etc/ssh/inc/", None
        for i in range(n):
            yield "etc/ssh/inc/f%06d" % i, b"Include /etc/ssh/inc/*\nNoSuchOption%d yes\n" % i
    elif kind == "filesize":
        yield "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"
        line = b"# " + b"padding " * 15 + b"\n"
        body = line * (n * 1000 * 1000 // len(line))
        yield "etc/ssh/sshd_config", body + b"PermitEmptyPasswords yes\n"
    else:
        raise SystemExit("unknown series " + kind)


def main(argv):
    if len(argv) != 4:
        raise SystemExit(__doc__)
    kind, n, out = argv[1], int(argv[2]), argv[3]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as t:
        for path, data in files(kind, n):
            if data is None:
                add(t, path, kind=tarfile.DIRTYPE, mode=0o755)
            else:
                add(t, path, data)
    layer = raw.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    blob = gzip.compress(layer, compresslevel=1, mtime=0)
    blob_hex = hashlib.sha256(blob).hexdigest()
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {"User": "nobody"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "ADD %s-%d /" % (kind, n)}],
    }).encode()
    cfg_hex = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": "%s.json" % cfg_hex, "RepoTags": ["bench/%s:%d" % (kind, n)],
                            "Layers": ["%s/layer.tar" % blob_hex]}]).encode()
    with tarfile.open(out, "w") as t:
        add(t, "%s.json" % cfg_hex, config)
        add(t, "%s/" % blob_hex, kind=tarfile.DIRTYPE, mode=0o755)
        add(t, "%s/layer.tar" % blob_hex, blob)
        add(t, "manifest.json", manifest)


if __name__ == "__main__":
    main(sys.argv)
