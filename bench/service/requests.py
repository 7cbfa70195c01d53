#!/usr/bin/env python3
"""Write wrk request lists for bench/service/run.sh: one request per line as
"METHOD PATH HEADER-LINES" (tab separated).  Alibaba requests are V1-signed here (each with
its own SignatureNonce: the server refuses a reused one), Huawei ones carry X-Auth-Token.
usage: requests.py KIND COUNT OUT ID   (ID: the image id; for KIND page, a scan id)"""
import base64, hashlib, hmac, sys, urllib.parse, uuid
from datetime import datetime, timezone

kind, count, out, image_id = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
enc = lambda s: urllib.parse.quote(s, safe="-_.~")
ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
with open(out, "w") as f:
    for i in range(count):
        if kind.startswith("ali"):
            p = {"Format": "JSON", "Version": "2018-12-03", "AccessKeyId": "benchAK",
                 "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
                 "SignatureNonce": uuid.uuid4().hex, "Timestamp": ts}
            if kind == "ali-check":
                p.update(Action="DescribeImageBaselineCheckResult", ImageUuid=image_id, Lang="en")
            else:
                p.update(Action="DescribeImageListByBuildRisk", PageSize="20", CurrentPage="3")
            canon = "&".join("%s=%s" % (enc(k), enc(v)) for k, v in sorted(p.items()))
            sig = base64.b64encode(hmac.new(b"benchSK&", ("GET&%2F&" + enc(canon)).encode(),
                                            hashlib.sha1).digest()).decode()
            f.write("/?%s&Signature=%s\t\n" % (canon, enc(sig)))
        elif kind == "hw-risk":
            f.write("/v5/p1/image/baseline/risk-configs?image_type=local&limit=20&offset=100\tX-Auth-Token: benchtok\n")
        elif kind == "page":
            f.write("/v1/scans/%s/report.html?lang=en\tX-Auth-Token: benchtok\n" % image_id)
        elif kind == "hw-stat":
            f.write("/v5/p1/image/baseline/statistic?image_type=local\tX-Auth-Token: benchtok\n")
        else:
            f.write("/healthz\t\n")
