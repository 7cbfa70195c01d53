#!/usr/bin/env bash
# bench/registry: registry and pipe input against their references, in one run (issue 16).
#
#   bench/registry/run.sh [WORKDIR]     (default: build-bench/ in the source tree; REPS=3)
#
# Builds (once, cached) a 4-layer image from the host's /usr with umoci + skopeo
# (tests/support/build-image.sh, gzip layers), pushes it to a docker-registry started on
# 127.0.0.1 (plain HTTP), then measures, interleaved, REPS times each (median wall time):
#   skopeo     skopeo copy docker://REGISTRY/bench/usr:1 oci:DIR  (the reference)
#   registry   imgbaseline scan docker://REGISTRY/bench/usr:1 -j 2
#   file       imgbaseline scan IMAGE.tar                          (docker-archive, the reference)
#   pipe       cat IMAGE.tar | imgbaseline scan -
# and prints registry/skopeo and pipe/file (goals: <= 1.0 and <= 1.1).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-$SRC/build-bench}
REPS=${REPS:-3}
mkdir -p "$WORK"
BUILD=$WORK/build
echo "== building imgbaseline (RelWithDebInfo) in $BUILD" >&2
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGB_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target imgbaseline >/dev/null
CLI=$BUILD/imgbaseline
IMG=$WORK/registry-usr.tar
if [[ ! -f $IMG ]]; then
    echo "== building the image from /usr (once)" >&2
    bash "$SRC/tests/support/build-image.sh" --out "$IMG.tmp" --format docker-archive \
        --ref bench/usr:1 --layer /usr/include --layer /usr/lib/python3 --layer /usr/sbin \
        --layer /usr/libexec >/dev/null
    mv "$IMG.tmp" "$IMG"
fi
PORT=$(python3 "$SRC/tests/support/registry_helper.py" free-port)
REG=$WORK/registry-data
rm -rf "$REG"; mkdir -p "$REG"
printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$REG/data" "$PORT" > "$REG/config.yml"
docker-registry serve "$REG/config.yml" > "$REG/log" 2>&1 &
RPID=$!
trap 'kill $RPID 2>/dev/null || true; rm -rf "$REG" "$WORK/registry-oci"' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
REF=docker://127.0.0.1:$PORT/bench/usr:1
# gzip layers in the registry, as real registries hold them
skopeo copy -q --dest-tls-verify=false --dest-compress docker-archive:"$IMG" "$REF"
echo "== image: $(du -m "$IMG" | cut -f1) MB docker-archive; layers in the registry (gzip):" >&2
skopeo inspect --raw --tls-verify=false "$REF" | python3 -c 'import json,sys; print("  ", [round(l["size"]/1e6,1) for l in json.load(sys.stdin)["layers"]], "MB")' >&2

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }
declare -A T
for r in $(seq "$REPS"); do
    rm -rf "$WORK/registry-oci"
    T[skopeo]+="$(t skopeo copy -q --src-tls-verify=false "$REF" "oci:$WORK/registry-oci:x") "
    T[registry]+="$(t "$CLI" scan -q -j 2 --format json --tls-verify=false "$REF") "
    T[file]+="$(t "$CLI" scan -q --format json "$IMG") "
    T[pipe]+="$(t sh -c "cat '$IMG' | '$CLI' scan -q --format json -") "
done
med() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for k in skopeo registry file pipe; do printf '%-9s %s s  (runs: %s)\n' "$k" "$(echo "${T[$k]}" | med)" "${T[$k]}"; done
rs=$(echo "${T[skopeo]}" | med); rr=$(echo "${T[registry]}" | med)
rf=$(echo "${T[file]}" | med); rp=$(echo "${T[pipe]}" | med)
printf 'registry / skopeo copy = %.2f (goal <= 1.00)\n' "$(echo "$rr / $rs" | bc -l)"
printf 'pipe / file            = %.2f (goal <= 1.10)\n' "$(echo "$rp / $rf" | bc -l)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
