#!/usr/bin/env bash
# Memcheck over a full scan: "valgrind must report no leaks on a full scan".
# Builds the sample image (tools/make-sample-image.sh: two layers, Debian 10 rootfs with
# users incl. weak passwords, sshd config, PAM, login.defs, a whiteout and a symlink) and runs
# `imgbaseline scan` with --format json, sarif, html and junit (docker-archive, 2 jobs) and
# `imgbaseline inspect` (oci-archive) under valgrind; any definite/indirect leak or memory
# error fails.  IMGB_NO_JIT=1: memcheck cannot follow PCRE2's JIT code (engine/util/regex.h).
# usage: tests/valgrind.sh CLI WORKDIR      (ctest "valgrind", tests/CMakeLists.txt)
set -euo pipefail
cli=${1:?usage: valgrind.sh CLI WORKDIR}
work=${2:?usage: valgrind.sh CLI WORKDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$work"
mkdir -p "$work"
bash "$root/tools/make-sample-image.sh" "$work" >/dev/null
export IMGB_NO_JIT=1
vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --log-file="$work/valgrind.%p.log")
status=0
run() { # label, command...
    local label=$1; shift
    local rc=0
    "${vg[@]}" "$@" >/dev/null 2>"$work/stderr.txt" || rc=$?
    # the scan itself exits 0 (no --fail-on); 99 is valgrind's
    if [[ $rc != 0 ]]; then
        echo "FAIL $label: exit status $rc"
        cat "$work/stderr.txt" "$work"/valgrind.*.log 2>/dev/null | head -80
        status=1
    else
        echo "ok   $label"
    fi
    rm -f "$work"/valgrind.*.log
}
run "scan --format json" "$cli" scan "$work/sample-docker.tar" -q -j 2 \
    --weak-password-budget 1 --format json -o "$work/report.json"
run "scan --format sarif" "$cli" scan "$work/sample-docker.tar" -q -j 2 \
    --weak-password-budget 1 --format sarif -o "$work/report.sarif"
run "scan --format html" "$cli" scan "$work/sample-docker.tar" -q -j 2 \
    --weak-password-budget 1 --format html --lang zh -o "$work/report.html"
run "scan --format junit" "$cli" scan "$work/sample-docker.tar" -q -j 2 \
    --weak-password-budget 1 --format junit --lang zh -o "$work/report.xml"
run "inspect" "$cli" inspect "$work/sample-oci.tar"
# the reports are real: the scan found the sample's weak password and parsed back
python3 -c 'import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))' \
    "$work/report.json" "$work/report.sarif" || status=1
[[ $status == 0 ]] && rm -rf "$work"
exit $status
