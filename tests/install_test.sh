#!/usr/bin/env bash
# The install as a user does it: `cmake --install` into a temporary prefix, a small C program
# outside the tree compiled with `pkg-config --cflags --libs imgbaseline` that scans the
# sample image and prints its counts, the same counts from the installed binary (which must
# find its installed rules), and a moved binary that says where it looked for them.
# usage: install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

pc=$(dirname "$(find "$prefix" -name imgbaseline.pc | head -n1)")
[[ -f $pc/imgbaseline.pc ]] || { echo "FAIL: no imgbaseline.pc installed"; exit 1; }
for f in bin/imgbaseline include/imgbaseline/imgbaseline.h include/imgbaseline/scan.h \
         share/imgbaseline/rules/dict/passwords.txt share/man/man1/imgbaseline.1.gz \
         share/bash-completion/completions/imgbaseline share/zsh/vendor-completions/_imgbaseline; do
    [[ -e $prefix/$f ]] || { echo "FAIL: $f not installed"; exit 1; }
done
lib=$(find "$prefix" -name 'libimgbaseline.so.*' -type f | head -n1)
[[ -n $lib ]] || { echo "FAIL: libimgbaseline.so.N not installed"; exit 1; }
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[[ $soname == libimgbaseline.so.0 ]] || { echo "FAIL: SONAME '$soname'"; exit 1; }
# only the public API is exported
if nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^imgb_' | grep -q .; then
    echo "FAIL: symbols outside imgb_ exported:"; nm -D --defined-only "$lib" | grep -v ' imgb_'
    exit 1
fi
if nm -D --defined-only "$lib" | grep -q ' imgb_view_apply$'; then
    echo "FAIL: an engine-internal symbol is exported"; exit 1
fi

cat > "$work/counts.c" <<'C'
#include <stdio.h>
#include <imgbaseline/imgbaseline.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    const char *dirs[] = { argv[1] };
    imgb_ruleset *rs;
    if (imgb_ruleset_load(&rs, dirs, 1, NULL, NULL) < 0) {
        fprintf(stderr, "%s\n", imgb_error_last());
        return 2;
    }
    imgb_scan_options o;
    imgb_scan_options_init(&o, IMGB_SCAN_OPTIONS_VERSION);
    o.jobs = 2;
    imgb_scan_result *res;
    if (imgb_scan(&res, rs, argv[2], &o) < 0) {
        fprintf(stderr, "%s\n", imgb_error_last());
        imgb_ruleset_free(rs);
        return 2;
    }
    printf("%zu %zu %zu %zu %zu\n", imgb_result_count(res, IMGB_COUNT_ITEMS),
           imgb_result_count(res, IMGB_COUNT_FAILED_HIGH),
           imgb_result_count(res, IMGB_COUNT_FAILED_MEDIUM),
           imgb_result_count(res, IMGB_COUNT_FAILED_LOW),
           imgb_result_count(res, IMGB_COUNT_PASSED));
    imgb_scan_result_free(res);
    imgb_ruleset_free(rs);
    return 0;
}
C
export PKG_CONFIG_PATH=$pc
cc -std=c11 -Wall -Wextra -Werror "$work/counts.c" $(pkg-config --cflags --libs imgbaseline) \
    -Wl,-rpath,"$(dirname "$lib")" -o "$work/counts"

bash "$src/tools/make-sample-image.sh" "$work/img" >/dev/null
mine=$("$work/counts" "$prefix/share/imgbaseline/rules" "$work/img/sample-docker.tar")
# --lang en: the dictionary's source is matched in English below
"$prefix/bin/imgbaseline" scan "$work/img/sample-docker.tar" --format json --lang en \
    -o "$work/report.json"
theirs=$(python3 - "$work/report.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(s["items"], s["failed"]["high"], s["failed"]["medium"], s["failed"]["low"], s["passed"])
PY
)
[[ $mine == "$theirs" ]] || { echo "FAIL: library says '$mine', installed CLI says '$theirs'"; exit 1; }
grep -q "dictionary $prefix/bin/../share/imgbaseline/rules/dict/passwords.txt" "$work/report.json" ||
    { echo "FAIL: the installed binary did not use its installed rules"; exit 1; }

# A binary copied away from its rules says where it looked, and fails.
mkdir -p "$work/moved/bin"
cp "$prefix/bin/imgbaseline" "$work/moved/bin/"
set +e
err=$(LD_LIBRARY_PATH=$(dirname "$lib") "$work/moved/bin/imgbaseline" scan \
      "$work/img/sample-docker.tar" 2>&1 >/dev/null)
rc=$?
set -e
[[ $rc == 2 ]] || { echo "FAIL: moved binary exit $rc"; exit 1; }
[[ $err == *"looked in $work/moved/bin/../share/imgbaseline/rules"* ]] ||
    { echo "FAIL: moved binary said: $err"; exit 1; }
echo "install: $mine (items high medium low passed) from the library and the installed CLI"
echo "1 passed, 0 failed"
