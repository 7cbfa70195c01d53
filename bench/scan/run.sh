#!/usr/bin/env bash
# bench/scan: how much a full scan costs compared with just reading the image.
#
#   bench/scan/run.sh [WORKDIR]        (default: build-bench/ in the source tree)
#
# Builds (once, cached in WORKDIR) two OCI-layout images from the host's own /usr with GNU tar
# + gzip -6 (what docker/buildah write): "small" (2 layers) and "large" (4 layers, several
# hundred MB).  Then, in one run, for each image:
#   floor     wall time of `gzip -dc` of every layer blob, one after the other
#   scan -j1  `imgbaseline scan` with every rule except weak passwords, one decompression job
#   scan -j2  the same with two jobs
#   peak RSS  of each scan (/usr/bin/time), which must stay flat as the image grows
# and the ak_leak matcher alone (bench/scan/secret_bench.c) in MB/s over the large image's
# content, with and without the keyword prefilter.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-$SRC/build-bench}
mkdir -p "$WORK"
BUILD=$WORK/build

echo "== building imgbaseline (RelWithDebInfo) in $BUILD" >&2
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGB_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target imgbaseline imgb_secret_bench >/dev/null
CLI=$BUILD/imgbaseline

# One OCI layout directory per image; layer i is `tar` of the listed /usr subtrees.
make_image() { # name "dirs of layer 1" "dirs of layer 2" ...
    local name=$1; shift
    local out=$WORK/img-$name
    [[ -f $out/index.json ]] && return 0
    echo "== building image $name from the host's /usr (gzip -6, once)" >&2
    rm -rf "$out" "$out.tmp"
    mkdir -p "$out.tmp/blobs/sha256"
    local i=0 layers=()
    for dirs in "$@"; do
        local tarf=$out.tmp/layer$i.tar
        # shellcheck disable=SC2086
        tar -C / --numeric-owner -cf "$tarf" $dirs 2>/dev/null || true
        local diff; diff=$(sha256sum "$tarf" | cut -d' ' -f1)
        gzip -6 -n -c "$tarf" >"$tarf.gz"
        local dig; dig=$(sha256sum "$tarf.gz" | cut -d' ' -f1)
        mv "$tarf.gz" "$out.tmp/blobs/sha256/$dig"
        layers+=("$dig:$diff:$(stat -c %s "$out.tmp/blobs/sha256/$dig")")
        rm -f "$tarf"
        i=$((i + 1))
    done
    python3 - "$out.tmp" "$name" "${layers[@]}" <<'EOF'
import hashlib, json, os, sys
root, name, layers = sys.argv[1], sys.argv[2], [l.split(":") for l in sys.argv[3:]]
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(root, "blobs", "sha256", d), "wb").write(data)
    return d, len(data)
config = {"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
          "config": {"Env": ["PATH=/usr/bin"], "User": "1000"},
          "rootfs": {"type": "layers", "diff_ids": ["sha256:" + l[1] for l in layers]},
          "history": [{"created_by": "/bin/sh -c #(nop) ADD dir:%s in /usr" % l[1][:12]} for l in layers]}
cd, cs = blob(json.dumps(config).encode())
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + cd, "size": cs},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + l[0], "size": int(l[2])} for l in layers]}
md, ms = blob(json.dumps(manifest).encode())
index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
         "digest": "sha256:" + md, "size": ms, "annotations": {"org.opencontainers.image.ref.name": "bench-" + name}}]}
json.dump(index, open(os.path.join(root, "index.json"), "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(root, "oci-layout"), "w"))
EOF
    mv "$out.tmp" "$out"
}

make_image small "usr/include" "usr/lib/python3 usr/libexec usr/sbin"
make_image large "usr/bin" "usr/lib/gcc" "usr/include" "usr/lib/python3 usr/libexec usr/sbin"

# Every rule file except those with weak-password items.
RULES=$WORK/rules-no-weakpw
rm -rf "$RULES"; mkdir -p "$RULES"
(cd "$SRC/rules" && find . -name '*.yaml' -print0) | while IFS= read -r -d '' f; do
    grep -q 'kind: *weak_password' "$SRC/rules/$f" && continue
    mkdir -p "$RULES/$(dirname "$f")"
    cp "$SRC/rules/$f" "$RULES/$f"
done

# The reader alone (no content consumer): a baseline with one config-only item.
MINRULES=$WORK/rules-read-only
mkdir -p "$MINRULES"
cat >"$MINRULES/read_only.yaml" <<'EOF'
baseline: {key: bench_read_only, class: bench, alias: {zh: "读取", en: "read only"},
           class_alias: {zh: "读取", en: "read only"}}
items:
  - {id: bench.tag, key: bench_tag, title: {zh: "标签", en: "tag"}, description: {zh: "-", en: "-"},
     advice: {zh: "-", en: "-"}, severity: low, bucket: security_check, check: {kind: build_tag}}
EOF


report() { # name
    local img=$WORK/img-$1 blobs=()
    mapfile -t blobs < <(python3 -c "
import json,sys
r='$img'; idx=json.load(open(r+'/index.json'))
m=json.load(open(r+'/blobs/sha256/'+idx['manifests'][0]['digest'][7:]))
for l in m['layers']: print(r+'/blobs/sha256/'+l['digest'][7:])")
    local usize=0 csize=0
    for b in "${blobs[@]}"; do
        csize=$((csize + $(stat -c %s "$b")))
        usize=$((usize + $(gzip -dc "$b" | wc -c)))
    done
    # wall, CPU (user+sys) and peak RSS of a command, via GNU time
    measure() {
        /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/cmd.err" ||
            [[ $? -eq 1 ]] || { cat "$WORK/cmd.err" >&2; exit 1; }
        read -r wall usr sys rss <"$WORK/time.txt"
        cpu=$(python3 -c "print('%.2f' % ($usr + $sys))")
    }
    printf '%-6s %d layers, %d MB gzip, %d MB uncompressed\n' "$1" "${#blobs[@]}" \
        $((csize / 1000000)) $((usize / 1000000))
    measure bash -c 'for b in "$@"; do gzip -dc "$b" >/dev/null; done' _ "${blobs[@]}"
    local floor=$wall floor_cpu=$cpu
    printf '  %-44s wall %6s s  cpu %6s s\n' "floor: gzip -dc of every layer, in turn" "$wall" "$cpu"
    measure "$CLI" scan "$img" --no-default-rules --rules "$MINRULES" -j 1 --format json -o /dev/null
    printf '  %-44s wall %6s s  cpu %6s s  peak RSS %3d MB\n' "scan -j 1, reader + view only" \
        "$wall" "$cpu" $((rss / 1024))
    for j in 1 2; do
        measure "$CLI" scan "$img" --no-default-rules --rules "$RULES" -j "$j" --format json \
            -o "$WORK/scan-$1-j$j.json"
        printf '  %-44s wall %6s s  cpu %6s s  peak RSS %3d MB  (%s x floor wall, %s x floor cpu)\n' \
            "scan -j $j, all rules but weak passwords" "$wall" "$cpu" $((rss / 1024)) \
            "$(python3 -c "print('%.2f' % ($wall / $floor))")" \
            "$(python3 -c "print('%.2f' % ($cpu / $floor_cpu))")"
    done
}

echo "== scan vs. decompression floor ($(nproc) cores; $(uptime | sed 's/.*load/load/'))"
report small
report large

echo "== ak_leak matcher alone over the large image's content"
"$BUILD/bench/scan/imgb_secret_bench" "$SRC/rules/common/ak_leak.yaml" --limit 2000 --no-prefilter-too \
    /usr/bin /usr/lib/gcc /usr/include /usr/lib/python3 /usr/libexec /usr/sbin | sed 's/^/  /'
