#!/usr/bin/env bash
# Weak-password benchmark: hash rates per format (engine vs raw crypt_rn) and a side-by-side
# run against John the Ripper on the same seven-account shadow with John's password.lst.
#
#   bench/weak_password/run.sh [BUILD_DIR]      (default build-bench, Release)
#   env: REPS (3) runs per tool and shadow, RATE_SECONDS (1) per rate measurement,
#        JOBS (2) threads for imgbaseline; John uses its default OpenMP threads.
#
# John 1.9.0 (Debian) has no --pot option and keeps its pot in ~/.john of the passwd entry,
# so it runs in a private mount namespace with a temp dir bind-mounted over that home; where
# that is not possible it runs as is (every run hashes with fresh salts, so an old pot
# never answers for it).  Neither tool's recovered passwords are printed: John's output goes
# to a temp file and only account names are taken from `john --show`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build-bench}
REPS=${REPS:-3}
RATE_SECONDS=${RATE_SECONDS:-1}
JOBS=${JOBS:-2}
list=/usr/share/john/password.lst

command -v john >/dev/null || { echo "run.sh: john is not installed (apt-get install john)" >&2; exit 2; }
[ -r "$list" ] || { echo "run.sh: $list missing (john-data)" >&2; exit 2; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DIMGB_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target wp_bench >/dev/null
bench=$build/bench/weak_password/wp_bench

tmp=$(mktemp -d /tmp/imgb-wpbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
home=$(getent passwd "$(id -u)" | cut -d: -f6)

echo "## machine"
echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "libxcrypt: $(dpkg-query -W -f='${Version}' libcrypt1 2>/dev/null || echo '?'), john: $(dpkg-query -W -f='${Version}' john 2>/dev/null || echo '?')"
echo

echo "## candidates per second (strong password, dictionary sized to ~${RATE_SECONDS} s per run)"
"$bench" rates "$RATE_SECONDS"
echo

# run_john SHADOW: prints "<wall> <user> <sys> <found-count> <names...>"
run_john() {
    local shadow=$1 jhome=$tmp/john-home
    rm -rf "$jhome" "$tmp"/john-session*
    mkdir -p "$jhome"
    local script="cd '$tmp' && /usr/bin/time -f '%e %U %S' -o '$tmp/john.time' \
        john --format=crypt --wordlist='$list' --session='$tmp/john-session' '$shadow' \
        >'$tmp/john.out' 2>&1; john --show '$shadow' 2>/dev/null | grep : | cut -d: -f1 \
        >'$tmp/john.found'"
    if unshare -m --propagation private true 2>/dev/null; then
        unshare -m --propagation private sh -c "mount --bind '$jhome' '$home' && $script"
    else
        sh -c "$script"
    fi
    echo "$(cat "$tmp/john.time") $(wc -l <"$tmp/john.found") $(sort "$tmp/john.found" | tr '\n' ' ')"
}

# run_ours SHADOW: same shape
run_ours() {
    local shadow=$1
    /usr/bin/time -f '%e %U %S' -o "$tmp/ours.time" "$bench" crack "$shadow" "$list" "$JOBS" 600 \
        >"$tmp/ours.out"
    local names
    names=$(awk '$1 == "account" && $4 == "found" { print $2 }' "$tmp/ours.out" | sort | tr '\n' ' ')
    echo "$(cat "$tmp/ours.time") $(wc -w <<<"$names") $names"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for strong in '$1$' '$6$'; do
    echo "## versus John the Ripper: seven accounts, the strong one in $strong"
    "$bench" mkshadow "$tmp/shadow" "$strong"
    echo "accounts (user, format, rank of the weak password in password.lst):"
    grep -v -e '^#!comment:' -e '^$' "$list" >"$tmp/words"   # as the engine loads it
    for a in "root:password" "admin:letmein" "www:abc123" "backup:qwerty" "ftp:dragon" \
             "legacy:monkey"; do
        user=${a%%:*}; word=${a#*:}
        fmt=$(grep "^$user:" "$tmp/shadow" | cut -d: -f2 | cut -c1-3); [[ $fmt == \$* ]] || fmt=DES
        echo "  $user $fmt rank $(grep -n -x -F -- "$word" "$tmp/words" | head -1 | cut -d: -f1)"
    done
    echo "  ops $(grep '^ops:' "$tmp/shadow" | cut -d: -f2 | cut -c1-3) strong (not in the list)"
    : >"$tmp/ours.walls"; : >"$tmp/john.walls"; : >"$tmp/ours.cpu"; : >"$tmp/john.cpu"
    for ((r = 1; r <= REPS; r++)); do
        "$bench" mkshadow "$tmp/shadow" "$strong"   # fresh salts every run
        o=$(run_ours "$tmp/shadow")
        j=$(run_john "$tmp/shadow")
        echo "  run $r: imgbaseline wall/user/sys $(cut -d' ' -f1-3 <<<"$o") s, found $(cut -d' ' -f4- <<<"$o")"
        echo "  run $r: john        wall/user/sys $(cut -d' ' -f1-3 <<<"$j") s, found $(cut -d' ' -f4- <<<"$j")"
        cut -d' ' -f1 <<<"$o" >>"$tmp/ours.walls"
        cut -d' ' -f1 <<<"$j" >>"$tmp/john.walls"
        awk '{ print $2 + $3 }' <<<"$o" >>"$tmp/ours.cpu"
        awk '{ print $2 + $3 }' <<<"$j" >>"$tmp/john.cpu"
    done
    ow=$(median <"$tmp/ours.walls"); jw=$(median <"$tmp/john.walls")
    oc=$(median <"$tmp/ours.cpu"); jc=$(median <"$tmp/john.cpu")
    echo "median wall: imgbaseline ${ow} s, john ${jw} s, ratio $(awk -v a="$jw" -v b="$ow" 'BEGIN { printf "%.1f", a / b }')x"
    echo "median cpu:  imgbaseline ${oc} s, john ${jc} s, ratio $(awk -v a="$jc" -v b="$oc" 'BEGIN { printf "%.1f", a / b }')x"
    echo "imgbaseline verdicts of the last run:"
    sed 's/^/  /' "$tmp/ours.out"
    echo
done
