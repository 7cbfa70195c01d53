#!/usr/bin/env bash
# bench/hostile: growing hostile images, to show that time, peak memory and report size grow
# (at most) linearly with what an attacker controls.
#
#   bench/hostile/run.sh [WORKDIR] [--quick]      (default: build-bench/ in the source tree)
#   IMGB_CLI=build/imgbaseline bench/hostile/run.sh  (use a built binary instead of building)
#
# Three series of docker-archive images (written by bench/hostile/mkimage.py: tar + JSON, no
# registry), each scanned with the shipped rules, `-o` to a file:
#   accounts   /etc/passwd + /etc/shadow of 1k, 10k, 100k accounts, half of them sharing one
#              hash (weak.duplicate_hash was quadratic: 877 MB of JSON at 20k)
#   includes   100, 1k, 10k files under /etc/ssh/inc/, each `Include /etc/ssh/inc/*` (every
#              sshd item copied every problem: 2 GB of JSON at 10k)
#   filesize   an sshd_config of 4, 16, 64 MB of comments ending in PermitEmptyPasswords yes
#              (past the old 4 MiB cap that setting was silently dropped)
# For every step: wall seconds, peak RSS (/usr/bin/time), report bytes, and two ratios: the
# scan against a reference run in the same invocation on the same image (`gzip -dc` of every
# layer, what merely reading it costs), and each quantity against the previous step of its
# series divided by the input growth (about 1 or below: linear or better; the quadratic bugs
# showed 10 and more).  Times are reported, never asserted (tests must not depend on load).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$SRC/build-bench
QUICK=0
for a in "$@"; do
    case $a in
        --quick) QUICK=1 ;;
        *) WORK=$a ;;
    esac
done
mkdir -p "$WORK/hostile"
if [[ -n ${IMGB_CLI:-} ]]; then
    CLI=$IMGB_CLI           # an already built imgbaseline
else
    BUILD=$WORK/build
    echo "== building imgbaseline (RelWithDebInfo) in $BUILD" >&2
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGB_TESTS=OFF >/dev/null
    cmake --build "$BUILD" -j "$(nproc)" --target imgbaseline >/dev/null
    CLI=$BUILD/imgbaseline
fi
MK="python3 $SRC/bench/hostile/mkimage.py"

if ((QUICK)); then
    ACCOUNTS=(1000 4000); INCLUDES=(100 400); SIZES_MB=(4 8)
else
    ACCOUNTS=(1000 10000 100000); INCLUDES=(100 1000 10000); SIZES_MB=(4 16 64)
fi

# arithmetic on decimals (awk: no bc needed)
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

# wall seconds of a command (stdout/stderr dropped)
wall() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
         calc "$t1 - $t0"; }

# reference: decompress every layer of the docker-archive, one after the other
reference() { # image
    local d; d=$(mktemp -d "$WORK/hostile/ref.XXXXXX")
    tar -C "$d" -xf "$1"
    wall sh -c "for l in '$d'/*/layer.tar '$d'/blobs/sha256/*; do [ -f \"\$l\" ] && gzip -dcf \"\$l\"; done >/dev/null"
    rm -rf "$d"
}

printf '%-9s %8s %9s %9s %10s %12s %8s %8s %8s %8s\n' series step scan_s ref_s scan/ref \
    report_B rss_MB t_growth rss_grw rep_grw
run_series() { # name unit steps...
    local name=$1 unit=$2; shift 2
    local prev_n="" prev_t="" prev_rss="" prev_rep=""
    for n in "$@"; do
        local img=$WORK/hostile/$name-$n.tar out=$WORK/hostile/$name-$n.json
        [[ -f $img ]] || $MK "$name" "$n" "$img"
        local ref; ref=$(reference "$img")
        local tf; tf=$(mktemp)
        local t0 t1
        t0=$(date +%s.%N)
        /usr/bin/time -f '%M' -o "$tf" "$CLI" scan "$img" --format json -o "$out" \
            --weak-password-budget 5 >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        local t rss rep
        t=$(calc "$t1 - $t0")
        rss=$(( $(tail -1 "$tf") / 1024 ))
        rep=$(stat -c %s "$out" 2>/dev/null || echo 0)
        rm -f "$tf"
        local tg="-" rg="-" pg="-"
        if [[ -n $prev_n ]]; then
            local grow; grow=$(calc "$n / $prev_n")
            tg=$(printf '%.2f' "$(calc "($t / $prev_t) / $grow")")
            rg=$(printf '%.2f' "$(calc "($rss / $prev_rss) / $grow")")
            pg=$(printf '%.2f' "$(calc "($rep / $prev_rep) / $grow")")
        fi
        printf '%-9s %7s%s %9.2f %9.2f %10.1f %12d %8d %8s %8s %8s\n' "$name" "$n" "$unit" "$t" \
            "$ref" "$(calc "$t / ($ref + 0.001)")" "$rep" "$rss" "$tg" "$rg" "$pg"
        prev_n=$n prev_t=$t prev_rss=$rss prev_rep=$rep
    done
}
run_series accounts "" "${ACCOUNTS[@]}"
run_series includes "" "${INCLUDES[@]}"
run_series filesize M "${SIZES_MB[@]}"
echo "(growth columns: quantity ratio to the previous step / input ratio; ~1 linear, <1 sublinear)"
