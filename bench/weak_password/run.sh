#!/usr/bin/env bash
# Weak-password benchmark: hash rates per format (engine vs raw crypt_rn) and a side-by-side
# run against John the Ripper on the same seven-account shadow with John's password.lst.
#
#   bench/weak_password/run.sh [BUILD_DIR]      (default build-bench, Release)
#   env: REPS (3) runs per tool and shadow, RATE_SECONDS (1) per rate measurement (0: skip
#        the rates), JOBS (2) threads for imgbaseline; John uses its default OpenMP threads;
#        DEPTH: the dictionary depth of the product run (default: the `depth` the shipped
#        rule rules/common/weak_password.yaml sets for weak.password).
#
# imgbaseline runs twice per shadow: as a scan runs it (the shipped rule's depth: that many
# popularity-ordered words plus the user-name guesses) and exhaustively (depth 0, the whole
# list, like john).
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
DEPTH=${DEPTH:-$(awk '/^  - id: weak.password$/ { on = 1 } on && /depth:/ { print $2; exit }' \
                     "$root/rules/common/weak_password.yaml")}
DEPTH=${DEPTH:-0}
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

if [ "$RATE_SECONDS" != 0 ]; then
    echo "## candidates per second (strong password, dictionary sized to ~${RATE_SECONDS} s per run)"
    "$bench" rates "$RATE_SECONDS"
    echo "load average after the rates: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
fi

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

# run_ours SHADOW DEPTH: same shape
run_ours() {
    local shadow=$1 depth=$2
    /usr/bin/time -f '%e %U %S' -o "$tmp/ours.time" "$bench" crack "$shadow" "$list" "$JOBS" 600 \
        "$depth" >"$tmp/ours.out"
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
    for a in "root:password" "admin:admin" "www:welcome" "backup:changeme" "ftp:tomcat" \
             "legacy:secret"; do
        user=${a%%:*}; word=${a#*:}
        fmt=$(grep "^$user:" "$tmp/shadow" | cut -d: -f2 | cut -c1-3); [[ $fmt == \$* ]] || fmt=DES
        echo "  $user $fmt rank $(grep -n -x -F -- "$word" "$tmp/words" | head -1 | cut -d: -f1)$([ "$user" = "$word" ] && echo ' (= the user name)')"
    done
    echo "  ops $(grep '^ops:' "$tmp/shadow" | cut -d: -f2 | cut -c1-3) strong (not in the list)"
    for k in prod full john; do : >"$tmp/$k.walls"; : >"$tmp/$k.cpu"; done
    for ((r = 1; r <= REPS; r++)); do
        "$bench" mkshadow "$tmp/shadow" "$strong"   # fresh salts every run
        p=$(run_ours "$tmp/shadow" "$DEPTH"); cp "$tmp/ours.out" "$tmp/prod.out"
        o=$(run_ours "$tmp/shadow" 0); cp "$tmp/ours.out" "$tmp/full.out"
        j=$(run_john "$tmp/shadow")
        echo "  run $r: imgbaseline depth $DEPTH wall/user/sys $(cut -d' ' -f1-3 <<<"$p") s, found $(cut -d' ' -f4- <<<"$p")"
        echo "  run $r: imgbaseline depth 0    wall/user/sys $(cut -d' ' -f1-3 <<<"$o") s, found $(cut -d' ' -f4- <<<"$o")"
        echo "  run $r: john                   wall/user/sys $(cut -d' ' -f1-3 <<<"$j") s, found $(cut -d' ' -f4- <<<"$j")   (load $(cut -d' ' -f1 /proc/loadavg))"
        for k in prod:"$p" full:"$o" john:"$j"; do
            v=${k#*:}
            cut -d' ' -f1 <<<"$v" >>"$tmp/${k%%:*}.walls"
            awk '{ print $2 + $3 }' <<<"$v" >>"$tmp/${k%%:*}.cpu"
        done
    done
    jw=$(median <"$tmp/john.walls"); jc=$(median <"$tmp/john.cpu")
    for k in prod full; do
        ow=$(median <"$tmp/$k.walls"); oc=$(median <"$tmp/$k.cpu")
        label="depth $DEPTH (shipped rule)"; [ $k = full ] && label="depth 0 (whole list)"
        echo "median $label: wall imgbaseline ${ow} s, john ${jw} s, ratio $(awk -v a="$jw" -v b="$ow" 'BEGIN { printf "%.1f", a / b }')x; cpu ${oc} s vs ${jc} s, ratio $(awk -v a="$jc" -v b="$oc" 'BEGIN { printf "%.1f", a / b }')x"
    done
    echo "imgbaseline verdicts of the last run, depth $DEPTH:"
    sed 's/^/  /' "$tmp/prod.out"
    echo "imgbaseline verdicts of the last run, depth 0:"
    sed 's/^/  /' "$tmp/full.out"
    echo
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
