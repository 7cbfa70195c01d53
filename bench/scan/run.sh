#!/usr/bin/env bash
# bench/scan: what a scan costs against references run in the same invocation (issue 15).
#
#   bench/scan/run.sh [IMAGE...]
#   env: WORK (build-bench/ in the source tree), REPS (5, medians reported), ROOTFS (a
#        Debian-like root directory to build the default images from; default: a Debian 12
#        minbase root made once with debootstrap from deb.debian.org, apt lists and caches
#        removed as in the official image), JOHN (1: also the weak-password comparison),
#        SECRETS (1: also the ak_leak matcher alone, bench/scan/secret_bench.c, MB/s),
#        CPUS (taskset -c list every measured command runs on; default 0,1 on a machine with
#        more than two cores, so that -j2 is measured on two cores as here, else none),
#        BEFORE (a git revision: also build it and measure it interleaved, "before" rows),
#        MASSIF (1: heap peak of a -j1 scan under valgrind massif), IDLE / IDLE_WAIT (90, 5:
#        before each measured run wait up to 5 s for 90% of the CPUs to be idle; IDLE=0: no
#        wait; the idle share seen is reported).
#
# Images: the arguments (docker-archive or oci-archive files with plain/gzip/zstd layers,
# the whole file plain, gzip or zstd), else three built (once, cached) with umoci + skopeo
# from ROOTFS: "deb12-1" (the root as one gzip layer), "deb12-4" (the same files in four
# layers of similar size) and "deb12-4.tar.gz" (deb12-4 compressed whole, as
# `docker save | gzip` is).  For each, in one run, REPS times each, interleaved:
#   gzip -dc   of every layer blob, one after the other (the floor the issue measures against)
#   scan -j1   `imgbaseline scan` with every shipped rule except the weak-password kind
#   scan -j2   the same with two jobs
# then medians of wall and CPU (user + sys) time (and the best wall: on a machine others load,
# the run that was least disturbed), the load average before and after, the
# ratios scan/gzip and -j1/-j2, peak RSS, and scan.stats of the last scan (passes, bytes
# read against the file size, bytes inflated against the layers' uncompressed size).
# Memory: the resting RSS (peak RSS of `imgbaseline --version`: the libraries and the
# shipped rules, no image), medians of REPS.
# Weak passwords (JOHN=1, needs john): the deb12 root plus a layer with the seven-account
# shadow of bench/weak_password (six weak passwords from John's password.lst, one strong),
# a whole scan with the shipped rules (-j2) against John the Ripper on the same shadow
# (--format=crypt, password.lst, 2 OpenMP threads), medians of REPS runs, fresh salts each.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$SRC/build-bench}
REPS=${REPS:-5}
IDLE=${IDLE:-90}
IDLE_WAIT=${IDLE_WAIT:-5}
MASSIF=${MASSIF:-1}
BEFORE=${BEFORE:-}
if [[ -z ${CPUS+x} ]]; then
    CPUS=$( (($(nproc) > 2)) && echo 0,1 || true)
fi
PIN=()
[[ -n $CPUS ]] && PIN=(taskset -c "$CPUS")
JOHN=${JOHN:-1}
SECRETS=${SECRETS:-1}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
BUILD=$WORK/build
TMP=$(mktemp -d "${TMPDIR:-/tmp}/imgb-scanbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "== building imgbaseline (RelWithDebInfo, as CI builds it) in $BUILD" >&2
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGB_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target imgbaseline wp_bench imgb_secret_bench >/dev/null
CLI=$BUILD/imgbaseline
OLD=
if [[ -n $BEFORE ]]; then
    echo "== building $BEFORE (RelWithDebInfo) in $WORK/before" >&2
    rm -rf "$WORK/before-src"; mkdir -p "$WORK/before-src"
    git -C "$SRC" archive "$BEFORE" | tar -x -C "$WORK/before-src"
    cmake -S "$WORK/before-src" -B "$WORK/before" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DIMGB_TESTS=OFF >/dev/null
    cmake --build "$WORK/before" -j "$(nproc)" --target imgbaseline >/dev/null
    OLD=$WORK/before/imgbaseline
fi

# ---- images ---------------------------------------------------------------------------------

rootfs() {
    if [[ -n ${ROOTFS:-} ]]; then
        echo "$ROOTFS"
        return
    fi
    local r=$WORK/debian12-rootfs
    if [[ ! -f $r/etc/debian_version ]]; then
        command -v debootstrap >/dev/null ||
            { echo "run.sh: set ROOTFS=DIR or install debootstrap" >&2; exit 2; }
        echo "== debootstrap --variant=minbase bookworm (once)" >&2
        rm -rf "$r"
        debootstrap --variant=minbase bookworm "$r" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1
        rm -rf "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*
    fi
    echo "$r"
}

build_image() { # out ref layer-dir...
    local out=$1 ref=$2; shift 2
    local args=()
    for d in "$@"; do args+=(--layer "$d"); done
    bash "$SRC/tests/support/build-image.sh" --out "$out" --format oci-archive --ref "$ref" \
        --compress gzip "${args[@]}" >/dev/null
}

# Split ROOT's files (sorted by path) into four runs of about the same number of bytes.
split4() { # root outdir
    local root=$1 out=$2
    rm -rf "$out"; mkdir -p "$out"
    (cd "$root" && find . -mindepth 1 \( -type f -o -type l \) -printf '%s %p\n' | sort -k2) |
        awk -v out="$out" '{ s[NR] = $1; p[NR] = substr($0, index($0, " ") + 1); t += $1 }
            END { k = 0; acc = 0
                  for (i = 1; i <= NR; i++) { if (acc >= t / 4 * (k + 1) && k < 3) k++
                                              print p[i] > (out "/list" k); acc += s[i] } }'
    for k in 0 1 2 3; do
        mkdir -p "$out/l$k"
        (cd "$root" && tar -cf - --no-recursion -T "$out/list$k") | tar -xf - -C "$out/l$k"
    done
}

default_images() {
    local r
    r=$(rootfs)
    if [[ ! -f $WORK/deb12-1.tar ]]; then
        echo "== building deb12-1 (one gzip layer) from $r" >&2
        build_image "$WORK/deb12-1.tar" bench/debian:12 "$r"
    fi
    if [[ ! -f $WORK/deb12-4.tar ]]; then
        echo "== building deb12-4 (four gzip layers) from $r" >&2
        split4 "$r" "$WORK/split4"
        build_image "$WORK/deb12-4.tar" bench/debian4:12 "$WORK"/split4/l{0,1,2,3}
        rm -rf "$WORK/split4"
    fi
    if [[ ! -f $WORK/deb12-4.tar.gz ]]; then
        gzip -c "$WORK/deb12-4.tar" >"$WORK/deb12-4.tar.gz.part"
        mv "$WORK/deb12-4.tar.gz.part" "$WORK/deb12-4.tar.gz"
    fi
    echo "$WORK/deb12-1.tar" "$WORK/deb12-4.tar" "$WORK/deb12-4.tar.gz"
}

# Layer blobs of an image archive, extracted into DIR, one path a line (in layer order).
layer_blobs() { # image dir
    mkdir -p "$2"
    tar -xf "$1" -C "$2"
    python3 - "$2" <<'EOF'
import json, os, sys
root = sys.argv[1]
def blob(d): return os.path.join(root, "blobs", "sha256", d.split(":", 1)[1])
if os.path.exists(os.path.join(root, "manifest.json")):
    for l in json.load(open(os.path.join(root, "manifest.json")))[0]["Layers"]:
        print(os.path.join(root, l))
else:
    idx = json.load(open(os.path.join(root, "index.json")))
    m = json.load(open(blob(idx["manifests"][0]["digest"])))
    while "manifests" in m:
        m = json.load(open(blob(m["manifests"][0]["digest"])))
    for l in m["layers"]:
        print(blob(l["digest"]))
EOF
}

# Every shipped rule file except those with a weak-password item.
RULES=$WORK/rules-no-weakpw
rm -rf "$RULES"; mkdir -p "$RULES"
(cd "$SRC/rules" && find . -name '*.yaml' -print0) | while IFS= read -r -d '' f; do
    grep -q 'kind: *weak_password' "$SRC/rules/$f" && continue
    mkdir -p "$RULES/$(dirname "$f")"
    cp "$SRC/rules/$f" "$RULES/$f"
done

# ---- measuring ------------------------------------------------------------------------------

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
best() { sort -g | head -n1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Idle share of the machine's CPUs over 0.2 s (/proc/stat), in percent.
idle_pct() {
    local a b
    a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
    sleep 0.2
    b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
        d = y[2] - x[2]; printf "%d\n", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }'
}

# On a machine others share, wait (at most IDLE_WAIT seconds) for a moment when at least
# IDLE percent of the CPUs are idle before a measured run, and note what it was: the runs
# then see close to the idle machine a reviewer reruns on.  IDLE=0 measures at once.
wait_idle() {
    local t0=$SECONDS p=0
    while ((IDLE > 0)); do
        p=$(idle_pct)
        ((p >= IDLE || SECONDS - t0 >= IDLE_WAIT)) && break
    done
    echo "$p" >>"$TMP/idle"
}

# measure NAME CMD...: one run; wall and CPU (user + sys) seconds and peak RSS (KB) appended
# to TMP/NAME.{wall,cpu,rss}.  On a loaded machine CPU time is the steadier figure.
measure() {
    local name=$1; shift
    wait_idle
    /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "${PIN[@]}" "$@" >/dev/null 2>"$TMP/err" ||
        { [[ $? -eq 1 ]] || { cat "$TMP/err" >&2; exit 1; }; }
    read -r wall usr sys rss <"$TMP/time"
    echo "$wall" >>"$TMP/$name.wall"
    awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f\n", u + s }' >>"$TMP/$name.cpu"
    echo "$rss" >>"$TMP/$name.rss"
}

load1() { cut -d' ' -f1 /proc/loadavg; }

row() { # label name ref-wall ref-cpu: one line of medians, ratios against gzip
    local label=$1 name=$2 g=$3 gc=$4 w c
    w=$(median <"$TMP/$name.wall"); c=$(median <"$TMP/$name.cpu")
    printf '  %-40s wall %6s s = %5s x gzip (best %5s s)  cpu %6s s = %5s x gzip  peak RSS %d MB\n' \
        "$label" "$w" "$(ratio "$w" "$g")" "$(best <"$TMP/$name.wall")" "$c" "$(ratio "$c" "$gc")" \
        $(($(median <"$TMP/$name.rss") / 1024))
}

report() { # image
    local img=$1 name blobs=() usize=0 csize=0 load0
    name=$(basename "$img")
    rm -rf "$TMP/x"
    mapfile -t blobs < <(layer_blobs "$img" "$TMP/x")
    for b in "${blobs[@]}"; do
        csize=$((csize + $(stat -c %s "$b")))
        usize=$((usize + $(gzip -dcf <"$b" | wc -c)))
    done
    rm -f "$TMP"/*.wall "$TMP"/*.cpu "$TMP"/*.rss "$TMP/idle"
    local scan=(scan "$img" --no-default-rules --rules "$RULES" --format json)
    load0=$(load1)
    for ((r = 1; r <= REPS; r++)); do
        measure gzip bash -c 'for b in "$@"; do gzip -dcf <"$b" >/dev/null; done' _ "${blobs[@]}"
        for j in 1 2; do
            measure "j$j" "$CLI" "${scan[@]}" -j "$j" -o "$TMP/scan-j$j.json"
            [[ -z $OLD ]] || measure "old$j" "$OLD" "${scan[@]}" -j "$j" -o "$TMP/old-j$j.json"
        done
    done
    local g j1 j2 gc c1 c2
    g=$(median <"$TMP/gzip.wall"); j1=$(median <"$TMP/j1.wall"); j2=$(median <"$TMP/j2.wall")
    gc=$(median <"$TMP/gzip.cpu"); c1=$(median <"$TMP/j1.cpu"); c2=$(median <"$TMP/j2.cpu")
    printf '%s: %d layers, %.1f MB file, %.1f MB blobs, %.1f MB uncompressed (load %s -> %s; ' \
        "$name" "${#blobs[@]}" "$(ratio "$(stat -c %s "$img")" 1e6)" "$(ratio "$csize" 1e6)" \
        "$(ratio "$usize" 1e6)" "$load0" "$(load1)"
    printf 'CPUs idle just before the runs: median %s%%, least %s%%)\n' "$(median <"$TMP/idle")" \
        "$(best <"$TMP/idle")"
    printf '  %-40s wall %6s s              (best %5s s)  cpu %6s s\n' "gzip -dc of every layer" \
        "$g" "$(best <"$TMP/gzip.wall")" "$gc"
    row "scan -j1 (all rules but weak passwords)" j1 "$g" "$gc"
    row "scan -j2" j2 "$g" "$gc"
    echo "  -j1 / -j2: wall $(ratio "$j1" "$j2") x (best of each: $(ratio "$(best <"$TMP/j1.wall")" \
        "$(best <"$TMP/j2.wall")") x), cpu $(ratio "$c1" "$c2") x"
    if [[ -n $OLD ]]; then
        row "before ($BEFORE) scan -j1" old1 "$g" "$gc"
        row "before ($BEFORE) scan -j2" old2 "$g" "$gc"
        echo "  before -j1 / -j2: wall $(ratio "$(median <"$TMP/old1.wall")" \
            "$(median <"$TMP/old2.wall")") x (best of each: $(ratio "$(best <"$TMP/old1.wall")" \
            "$(best <"$TMP/old2.wall")") x)"
    fi
    local f
    for f in "$TMP/scan-j1.json" ${OLD:+"$TMP/old-j1.json"}; do
        python3 - "$f" "$usize" "$(stat -c %s "$img")" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))["scan"]["stats"]
u, size = int(sys.argv[2]), int(sys.argv[3])
who = "before" if "old-" in sys.argv[1] else "-j1"
print("  scan.stats %s: passes %d, bytes read %d (%s the file), inflated %d (%s the layers' "
      "tar), ms %s" % (who, st["passes"], st["bytes_read"],
      "=" if st["bytes_read"] == size else "%.2fx" % (st["bytes_read"] / size),
      st["bytes_inflated"],
      "=" if st["bytes_inflated"] == u else "%.2fx" % (st["bytes_inflated"] / u),
      " ".join("%s %d" % kv for kv in st["ms"].items())))
EOF
    done
    # the report must not change (stats and times aside)
    [[ -z $OLD ]] || python3 - "$TMP/scan-j1.json" "$TMP/scan-j2.json" "$TMP/old-j1.json" <<'EOF'
import json, sys
ds = [json.load(open(f)) for f in sys.argv[1:]]
for d in ds:
    d.pop("scan")
print("  native JSON, stats aside: %s" % ("identical before and after, -j1 and -j2"
      if all(d == ds[0] for d in ds) else "DIFFERS"))
EOF
}

# Resting RSS: the process with its libraries and the shipped rules loaded, no image; and
# the heap peak of a scan (massif).
memory() { # image
    local img=$1 b
    rm -f "$TMP"/rest*
    for ((r = 1; r <= REPS; r++)); do
        measure rest "$CLI" --version
        [[ -z $OLD ]] || measure restold "$OLD" --version
    done
    printf 'memory: resting RSS (imgbaseline --version: libraries + shipped rules, no image) %.1f MB' \
        "$(ratio "$(median <"$TMP/rest.rss")" 1024)"
    [[ -z $OLD ]] || printf ', before (%s) %.1f MB' "$BEFORE" \
        "$(ratio "$(median <"$TMP/restold.rss")" 1024)"
    echo
    for b in "$CLI" ${OLD:+"$OLD"}; do
        printf '  libraries mapped at rest%s: %s\n' "$([[ $b == "$OLD" ]] && echo " (before)")" \
            "$(LD_DEBUG=files "$b" --version 2>&1 >/dev/null | grep -c 'file=.*needed by')"
    done
    [[ $MASSIF == 1 ]] && command -v valgrind >/dev/null || return 0
    for b in "$CLI" ${OLD:+"$OLD"}; do
        valgrind --tool=massif --massif-out-file="$TMP/massif.out" "$b" scan "$img" \
            --no-default-rules --rules "$RULES" -j 1 --format json -o /dev/null \
            >/dev/null 2>&1 || true
        printf '  heap peak of scan -j1 %s (valgrind massif)%s: %.1f MB\n' "$(basename "$img")" \
            "$([[ $b == "$OLD" ]] && echo " (before)")" \
            "$(ms_print "$TMP/massif.out" | awk '$1 ~ /^[0-9]+$/ && NF >= 6 {
                gsub(",", "", $3); if ($3 + 0 > m) m = $3 + 0 } END { print m / 1048576 }')"
    done
}

# ---- weak passwords -------------------------------------------------------------------------

run_john() { # shadow -> "wall found"
    local shadow=$1 jhome=$TMP/john-home home
    home=$(getent passwd "$(id -u)" | cut -d: -f6)
    rm -rf "$jhome" "$TMP"/john-session*; mkdir -p "$jhome"
    local script="cd '$TMP' && OMP_NUM_THREADS=2 /usr/bin/time -f '%e %U %S' -o '$TMP/john.time' \
        john --format=crypt --wordlist=/usr/share/john/password.lst --session='$TMP/john-session' \
        '$shadow' >'$TMP/john.out' 2>&1; john --show '$shadow' 2>/dev/null | grep -c : \
        >'$TMP/john.found' || true"
    # john keeps its pot in ~/.john: a private mount namespace gives every run an empty one
    if unshare -m --propagation private true 2>/dev/null; then
        unshare -m --propagation private sh -c "mount --bind '$jhome' '$home' && $script"
    else
        sh -c "$script"
    fi
    echo "$(cat "$TMP/john.time") $(cat "$TMP/john.found")"
}

weak_passwords() {
    command -v john >/dev/null && [[ -r /usr/share/john/password.lst ]] ||
        { echo "weak passwords: john not installed (apt-get install john): skipped"; return; }
    local r wp=$TMP/wp
    r=$(rootfs)
    rm -rf "$wp"; mkdir -p "$wp/layer/etc"
    rm -f "$TMP"/ours.* "$TMP"/john.wall "$TMP"/john.cpu
    local found_ours=0 found_john=0
    for ((i = 1; i <= REPS; i++)); do
        "$BUILD/bench/weak_password/wp_bench" mkshadow "$wp/shadow" '$1$'   # fresh salts
        cp "$wp/shadow" "$wp/layer/etc/shadow"; chmod 0640 "$wp/layer/etc/shadow"
        { cat "$r/etc/passwd"; cut -d: -f1 "$wp/shadow" | grep -v '^root$' |
              awk '{ printf "%s:x:%d:%d::/home/%s:/bin/sh\n", $1, 2000 + NR, 2000 + NR, $1 }'; } \
            >"$wp/layer/etc/passwd"
        build_image "$TMP/wp.tar" bench/weakpw:1 "$r" "$wp/layer"
        measure ours "$CLI" scan "$TMP/wp.tar" -j 2 --format json -o "$TMP/wp.json"
        found_ours=$(python3 -c "
import json, sys
d = json.load(open('$TMP/wp.json'))
for b in d['baselines']:
    for it in b['items']:
        if it['id'] == 'weak.password':
            print(sum(1 for e in it['evidence'] if e.get('verdict') == 'fail'))")
        read -r jw ju js found_john <<<"$(run_john "$wp/shadow")"
        echo "$jw" >>"$TMP/john.wall"
        awk -v u="$ju" -v s="$js" 'BEGIN { printf "%.2f\n", u + s }' >>"$TMP/john.cpu"
    done
    local ow jw oc jc
    ow=$(median <"$TMP/ours.wall"); jw=$(median <"$TMP/john.wall")
    oc=$(median <"$TMP/ours.cpu"); jc=$(median <"$TMP/john.cpu")
    echo "weak passwords: seven accounts (six weak, in password.lst), medians of $REPS (load $(cut -d' ' -f1 /proc/loadavg))"
    printf '  %-52s wall %6s s  cpu %6s s  %s weak accounts\n' \
        "imgbaseline scan, shipped rules, -j2 (whole scan)" "$ow" "$oc" "$found_ours"
    printf '  %-52s wall %6s s  cpu %6s s  %s cracked\n' \
        "john --format=crypt password.lst, 2 threads" "$jw" "$jc" "$found_john"
    echo "  john / scan: wall $(ratio "$jw" "$ow") x, cpu $(ratio "$jc" "$oc") x"
}

# ---- run ------------------------------------------------------------------------------------

if (($#)); then
    images=("$@")
else
    read -r -a images <<<"$(default_images)"
fi
echo "== $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $REPS runs each interleaved, medians${CPUS:+, taskset -c $CPUS}"
for img in "${images[@]}"; do
    report "$img"
done
memory "${images[0]}"
[[ $JOHN == 1 ]] && weak_passwords
if [[ $SECRETS == 1 ]]; then
    r=$(rootfs)
    echo "ak_leak matcher alone over $r/usr (bench/scan/secret_bench.c)"
    "$BUILD/bench/scan/imgb_secret_bench" "$SRC/rules/common/ak_leak.yaml" --limit 2000 \
        --no-prefilter-too "$r/usr" | sed 's/^/  /'
fi
exit 0
