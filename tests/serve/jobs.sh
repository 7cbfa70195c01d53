#!/usr/bin/env bash
# ctest `serve_jobs`: more than one machine's worth of processes on one PostgreSQL 15 (started
# here, tests/support/pg.sh): two `serve` and two `worker` processes take 20 scan jobs; one
# worker is killed with SIGKILL while it holds a job; every job must end done exactly once
# (one recorded scan per job) after the lease expires and another worker retries it.
set -euo pipefail
CLI=$1 SRC=$2 WORK=$3
PSQL=${IMGB_PG_BIN:-/usr/lib/postgresql/15/bin}/psql
rm -rf "$WORK"; mkdir -p "$WORK/images"
PGDIR=$(mktemp -d /tmp/imgb-pgjobs-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    bash "$SRC/tests/support/pg.sh" stop "$PGDIR"
}
trap cleanup EXIT
URL=$(bash "$SRC/tests/support/pg.sh" start "$PGDIR")
sql() { "$PSQL" -X -q -t -A "$URL" -c "$1"; }
bash "$SRC/tools/make-sample-image.sh" "$WORK/images" >/dev/null
# A scan that lasts its whole weak-password budget (2 s): accounts with costly SHA-512 crypt
# hashes (2,000,000 rounds a guess) that no dictionary word opens, so a kill lands mid-job.
mkdir -p "$WORK/slow/etc"
printf 'root:x:0:0:root:/root:/bin/sh\na:x:1000:1000::/home/a:/bin/sh\nb:x:1001:1001::/home/b:/bin/sh\n' > "$WORK/slow/etc/passwd"
h='$6$rounds=2000000$imgbslowsalt$0000000000000000000000000000000000000000000000000000000000000000000000000000000000000'
printf 'root:%s:19000:0:99999:7:::\na:%s:19000:0:99999:7:::\nb:%s:19000:0:99999:7:::\n' "$h" "$h" "$h" > "$WORK/slow/etc/shadow"
printf 'ID=debian\nVERSION_ID="12"\n' > "$WORK/slow/etc/os-release"
bash "$SRC/tests/support/build-image.sh" --out "$WORK/images/slow.tar" --ref test/slow:1 \
    --layer "$WORK/slow" >/dev/null
umask 077
printf 'tenants:\n  - name: t\n    tokens: [tok]\n' > "$WORK/creds.yaml"

start_serve() { # NAME: in this shell, so that PIDS keeps it
    "$CLI" serve --listen 127.0.0.1:0 --store "$URL" --credentials "$WORK/creds.yaml" \
        --images-dir "$WORK/images" --workers 0 >/dev/null 2> "$WORK/$1.log" &
    PIDS+=($!)
}
port_of() { # NAME
    for _ in $(seq 100); do
        port=$(sed -n 's/.*serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/$1.log" 2>/dev/null || true)
        [ -n "$port" ] && { echo "$port"; return; }
        sleep 0.1
    done
    cat "$WORK/$1.log" >&2; exit 1
}
start_serve serve1
start_serve serve2
P1=$(port_of serve1)
P2=$(port_of serve2)

# Worker scans take a few seconds each (the weak-password budget), so a kill lands mid-job.
"$CLI" worker --store "$URL" --lease 3 --weak-password-budget 2 2> "$WORK/worker1.log" &
W1=$!; PIDS+=($W1)
"$CLI" worker --store "$URL" --lease 3 --weak-password-budget 2 2> "$WORK/worker2.log" &
W2=$!; PIDS+=($W2)

IDS=()
for i in $(seq 20); do
    port=$P1; [ $((i % 2)) = 0 ] && port=$P2
    img=slow.tar; [ $((i % 5)) = 0 ] && img=sample-docker.tar; [ $((i % 7)) = 0 ] && img=sample-oci.tar
    resp=$(curl -sS -X POST -H 'X-Auth-Token: tok' -H 'Content-Type: application/json' \
        --data "{\"path\": \"$img\"}" -w ' %{http_code}' "http://127.0.0.1:$port/v1/scans")
    [ "${resp##* }" = 202 ] || { echo "submit $i: $resp" >&2; exit 1; }
    IDS+=("$(echo "${resp% *}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
done

# Kill worker 1 while it holds a job.
# The worker and its scan are stopped before the job is checked again: a job that finished
# between the query and the kill would not be retried (the test failed at random, under load).
victim=
for _ in $(seq 300); do
    v=$(sql "SELECT id FROM jobs WHERE state = 'running' AND worker LIKE '%:$W1:%' LIMIT 1")
    if [ -n "$v" ]; then
        kill -STOP $W1; pkill -STOP -P $W1 || true
        still=$(sql "SELECT count(*) FROM jobs WHERE id = '$v' AND state = 'running' AND worker LIKE '%:$W1:%'")
        [ "$still" = 1 ] && { victim=$v; break; }
        pkill -CONT -P $W1 || true; kill -CONT $W1
    fi
    sleep 0.1
done
[ -n "$victim" ] || { echo "worker 1 never took a job" >&2; exit 1; }
kill -9 $W1
echo "killed worker $W1 holding job $victim"

for _ in $(seq 1200); do
    left=$(sql "SELECT count(*) FROM jobs WHERE state NOT IN ('done', 'failed')")
    [ "$left" = 0 ] && break
    sleep 0.25
done
[ "$left" = 0 ] || { echo "jobs still pending: $(sql "SELECT id, state, worker FROM jobs WHERE state NOT IN ('done','failed')")" >&2; exit 1; }

fail=0
done_n=$(sql "SELECT count(*) FROM jobs WHERE state = 'done'")
scans=$(sql "SELECT count(*) FROM scans")
distinct=$(sql "SELECT count(DISTINCT scan_id) FROM jobs WHERE state = 'done'")
joined=$(sql "SELECT count(*) FROM jobs j JOIN scans s ON s.scan_id = j.scan_id")
retried=$(sql "SELECT attempts FROM jobs WHERE id = '$victim'")
echo "done=$done_n scans=$scans distinct=$distinct joined=$joined victim_attempts=$retried"
[ "$done_n" = 20 ] || { echo "not every job is done" >&2; sql "SELECT id, state, error FROM jobs WHERE state <> 'done'" >&2; fail=1; }
[ "$scans" = 20 ] || { echo "expected 20 recorded scans, got $scans" >&2; fail=1; }
[ "$distinct" = 20 ] && [ "$joined" = 20 ] || { echo "a job is recorded twice or not at all" >&2; fail=1; }
[ "$retried" -ge 2 ] || { echo "the killed worker's job was not retried" >&2; fail=1; }
# The job API answers from either server.
st=$(curl -sS -H 'X-Auth-Token: tok' "http://127.0.0.1:$P2/v1/scans/$victim")
echo "$st" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["state"]=="done" and j["summary"]["image_id"], j' || fail=1
exit $fail
