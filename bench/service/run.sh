#!/usr/bin/env bash
# bench/service: wrk from loopback against `imgbaseline serve` on a history of 10,000 images
# and of 10 images (SQLite store), for every read API and a scan's HTML report page (about
# 80 KB, decompressed per request), with /healthz as the reference in the same run.  Prints
# requests/s, p50/p99 latency, non-2xx answers, and each API's throughput as a ratio of
# /healthz (unauthenticated, no store) and the 10,000/10 statistic ratio.
# usage: bench/service/run.sh [BUILD_DIR] [SECONDS]   (after cmake --build BUILD_DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-build}
SECS=${2:-5}
CLI=$ROOT/$BUILD/imgbaseline
FILL=$ROOT/$BUILD/bench/service/imgb_bench_fill
W=$(mktemp -d /tmp/imgb-bench-service-XXXXXX)
SRV=
trap '[ -n "$SRV" ] && kill $SRV 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
bash tools/make-sample-image.sh "$W" >/dev/null
umask 077
printf 'tenants:\n  - name: bench\n    aliyun: [{access_key_id: benchAK, access_key_secret: benchSK}]\n    huawei: [{ak: hw, sk: hwsk, project_ids: [p1]}]\n    tokens: [benchtok]\n' > "$W/creds.yaml"
echo "filling stores (10,000 and 10 images)..." >&2
"$FILL" "$W/s10000.db" "$W/sample-docker.tar" 10000
"$FILL" "$W/s10.db" "$W/sample-docker.tar" 10

declare -A RPS
printf '%-8s %-10s %10s %9s %9s %8s %7s\n' images api req/s p50_ms p99_ms non2xx ratio
for n in 10000 10; do
    "$CLI" serve --listen 127.0.0.1:0 --store "$W/s$n.db" --credentials "$W/creds.yaml" \
        --workers 0 --threads 2 2> "$W/serve.log" &
    SRV=$!
    for _ in $(seq 100); do
        PORT=$(sed -n 's/.*serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$W/serve.log" 2>/dev/null || true); [ -n "$PORT" ] && break
        sleep 0.1
    done
    # An image from the middle of the history for DescribeImageBaselineCheckResult.
    ID=$(python3 -c "import sqlite3; print(sqlite3.connect('$W/s$n.db').execute('SELECT image_id FROM assets ORDER BY asset LIMIT 1 OFFSET $((n / 2))').fetchone()[0])")
    # And that image's latest scan for its HTML report page (decompressed per request).
    SCAN=$(python3 -c "import sqlite3; print(sqlite3.connect('$W/s$n.db').execute('SELECT last_scan_id FROM assets WHERE image_id = ?', ('$ID',)).fetchone()[0])")
    for kind in healthz hw-stat hw-risk ali-build ali-check page; do
        arg=$ID; [ "$kind" = page ] && arg=$SCAN
        python3 bench/service/requests.py "$kind" $((SECS * 30000)) "$W/$kind.req" "$arg"
        out=$(REQS="$W/$kind.req" wrk -t2 -c16 -d"${SECS}s" --latency -s bench/service/requests.lua \
              "http://127.0.0.1:$PORT" | grep '^RESULT')
        rps=$(sed 's/.*rps=\([0-9]*\).*/\1/' <<<"$out")
        RPS[$n.$kind]=$rps
        ratio=$(python3 -c "print('%.2f' % ($rps / max(1, ${RPS[$n.healthz]})))")
        printf '%-8s %-10s %10s %9s %9s %8s %7s\n' "$n" "$kind" "$rps" \
            "$(sed 's/.*p50_ms=\([0-9.]*\).*/\1/' <<<"$out")" \
            "$(sed 's/.*p99_ms=\([0-9.]*\).*/\1/' <<<"$out")" \
            "$(sed 's/.*non2xx=\([0-9]*\).*/\1/' <<<"$out")" "$ratio"
    done
    kill $SRV; wait $SRV || true; SRV=
done
python3 -c "print('statistic 10,000 vs 10 images: %.2f of the throughput' % (${RPS[10000.hw-stat]} / max(1, ${RPS[10.hw-stat]})))"
