#!/usr/bin/env bash
# The Debian package as a user gets it: `cpack -G DEB` from the build tree, then
#   1. dpkg-deb -I: name, version, architecture, and a Depends that names the package of
#      every shared library the ELF files need (each soname looked up with dpkg -S on this
#      system, independently of dpkg-shlibdeps), plus shlibs and the ldconfig trigger;
#   2. dpkg-deb -c: the program, the library, headers, pkg-config file, rules, dictionary,
#      man page, bash and zsh completion, changelog, where Debian puts them;
#   3. lintian: no error (but no-copyright-file: the project states no licence yet);
#   4. apt-get -s install ./DEB: apt can satisfy the Depends;
#   5. dpkg -x into an empty root and a scan of the sample image (umoci + skopeo) by the
#      extracted binary with LD_LIBRARY_PATH on the extracted library: the same counts as
#      the build tree's binary, the extracted rules and dictionary used; the extracted
#      completion works in bash.
# usage: package_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) work=$3
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

(cd "$build" && cpack -G DEB -B "$work/cpack" >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log"; echo "FAIL: cpack -G DEB"; exit 1; }
debs=("$work"/cpack/imgbaseline_*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || { echo "FAIL: expected one .deb: ${debs[*]}"; exit 1; }
deb=${debs[0]}
version=$(sed -n 's/^project(imgbaseline VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
arch=$(dpkg --print-architecture)
[[ $(basename "$deb") == "imgbaseline_${version}_${arch}.deb" ]] || fail "file name $(basename "$deb")"

# ---- 1. control ----------------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == imgbaseline ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$version" ]] || fail "Version: $(field Version), project $version"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture: $(field Architecture)"
depends=$(field Depends)
echo "Depends: $depends"
dpkg-deb -e "$deb" "$work/control"
grep -qx 'activate-noawait ldconfig' "$work/control/triggers" || fail "no ldconfig trigger"
grep -q '^libimgbaseline 0 imgbaseline (>= ' "$work/control/shlibs" || fail "no shlibs entry"

dpkg-deb -x "$deb" "$work/root"
root=$work/root
# every library the ELF files need comes from a package named in Depends
elves=("$root/usr/bin/imgbaseline" "$root"/usr/lib/libimgbaseline.so.*.*)
needed=$(for f in "${elves[@]}"; do objdump -p "$f" | awk '/NEEDED/ {print $2}'; done | sort -u)
for so in $needed; do
    [[ $so == libimgbaseline.so.* ]] && continue
    # awk reads to the end (no 'exit'): ldconfig killed by SIGPIPE fails the pipeline (pipefail)
    path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64|x32|AArch64|64bit/ && !p {p = $NF} END {print p}')
    [[ -z $path ]] && path=$(ldconfig -p | awk -v so="$so" '$1 == so && !p {p = $NF} END {print p}')
    [[ -n $path ]] || { fail "$so: not found on this system"; continue; }
    owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | awk -F: 'NR == 1 {print $1}') ||
        owner=$(dpkg -S "$path" 2>/dev/null | awk -F: 'NR == 1 {print $1}')
    [[ -n $owner ]] || { fail "$so ($path): no package owns it"; continue; }
    [[ ", $depends," == *", $owner "* || ", $depends," == *", $owner,"* ]] ||
        fail "$so comes from $owner, which Depends does not name"
done
# libraries loaded on first use (engine/util/dynlib.h rows: soname and package) are not
# NEEDED: each is a Depends, but libpq (postgresql:// stores only), a Recommends
recommends=$(field Recommends)
for pkg in $(grep -rhoE '\.soname = "[^"]+", \.package = "[^"]+"' "$src/engine" |
             sed -E 's/.*\.package = "([^"]+)"/\1/' | sort -u); do
    if [[ $pkg == libpq5 ]]; then
        [[ ", $recommends," == *", libpq5"[\ ,]* ]] || fail "libpq5 (loaded on use) is not in Recommends"
        [[ ", $depends," != *", libpq5"[\ ,]* ]] || fail "libpq5 is in Depends"
    else
        [[ ", $depends," == *", $pkg"[\ ,]* ]] || fail "$pkg (loaded on use) is not in Depends"
    fi
done
# and nothing of the build: no -dev package, no compiler
[[ $depends != *-dev* ]] || fail "Depends names a -dev package"

# ---- 2. contents ---------------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for f in ./usr/bin/imgbaseline ./usr/lib/libimgbaseline.so.0 ./usr/lib/libimgbaseline.so \
         ./usr/include/imgbaseline/imgbaseline.h ./usr/lib/pkgconfig/imgbaseline.pc \
         ./usr/share/imgbaseline/rules/dict/passwords.txt ./usr/share/imgbaseline/rules/i18n/zh.yaml \
         ./usr/share/man/man1/imgbaseline.1.gz \
         ./usr/share/bash-completion/completions/imgbaseline \
         ./usr/share/zsh/vendor-completions/_imgbaseline \
         ./usr/share/doc/imgbaseline/changelog.gz; do
    grep -qxF "$f" "$work/contents" || fail "$f is not in the package"
done
grep -q '^\./usr/local' "$work/contents" && fail "files under /usr/local"
gzip -t "$root/usr/share/man/man1/imgbaseline.1.gz" || fail "man page is not gzip"
grep -q '^\.TH IMGBASELINE 1' <<<"$(zcat "$root/usr/share/man/man1/imgbaseline.1.gz")" ||
    fail "man page is not the program's"
cmp -s "$root/usr/share/bash-completion/completions/imgbaseline" \
    "$src/tools/completion/imgbaseline.bash" || fail "bash completion differs from the source"

# ---- 3. lintian ------------------------------------------------------------------------------
if command -v lintian >/dev/null; then
    # no-copyright-file: the repository has no licence statement to put in one
    lintian --fail-on error --suppress-tags no-copyright-file --tag-display-limit 0 "$deb" \
        >"$work/lintian.txt" 2>&1 || { cat "$work/lintian.txt"; fail "lintian reports errors"; }
    grep -v 'root privileges' "$work/lintian.txt" || true
else
    fail "lintian is not installed (tools/dev.sh installs it)"
fi

# ---- 4. apt can install it -------------------------------------------------------------------
apt-get install -s "$deb" >"$work/apt.txt" 2>&1 ||
    { cat "$work/apt.txt"; fail "apt-get -s install cannot satisfy the package"; }
grep -q '^Inst imgbaseline ' "$work/apt.txt" || { cat "$work/apt.txt"; fail "apt-get -s did not install it"; }

# ---- 5. the extracted program scans ----------------------------------------------------------
bash "$src/tools/make-sample-image.sh" "$work/img" >/dev/null
img=$work/img/sample-docker.tar
export LD_LIBRARY_PATH=$root/usr/lib
# (the output captured first: grep -q ending the pipe early would fail it under pipefail)
deps=$(ldd "$root/usr/bin/imgbaseline")
grep -q "libimgbaseline.so.0 => $root/usr/lib/" <<<"$deps" ||
    fail "the extracted binary does not load the extracted library"
"$root/usr/bin/imgbaseline" version >"$work/version.txt"
grep -q "rules: $root/usr/bin/../share/imgbaseline/rules" "$work/version.txt" ||
    { cat "$work/version.txt"; fail "version: not the extracted rules"; }
set +e
"$root/usr/bin/imgbaseline" scan "$img" --format json --lang en -q -o "$work/pkg.json"
rc_pkg=$?
"$build/imgbaseline" scan "$img" --format json --lang en -q -o "$work/tree.json"
rc_tree=$?
"$root/usr/bin/imgbaseline" scan "$img" --format junit -q -o "$work/pkg.xml"
rc_junit=$?
set -e
[[ $rc_pkg == "$rc_tree" ]] || fail "exit $rc_pkg from the package, $rc_tree from the build tree"
[[ $rc_junit == "$rc_pkg" ]] || fail "junit exit $rc_junit"
python3 - "$work/pkg.json" "$work/tree.json" "$root" <<'PY' || fail "the packaged scan differs"
import json, sys
pkg, tree = (json.load(open(p)) for p in sys.argv[1:3])
root = sys.argv[3]
assert pkg["summary"] == tree["summary"], (pkg["summary"], tree["summary"])
assert pkg["summary"]["failed"]["total"] > 0 and pkg["summary"]["items"] > 50, pkg["summary"]
dicts = {e.get("source") for b in pkg["baselines"] for i in b["items"]
         for e in i.get("evidence", []) if (e.get("source") or "").startswith("dictionary ")}
assert dicts == {f"dictionary {root}/usr/bin/../share/imgbaseline/rules/dict/passwords.txt"}, dicts
print("packaged scan:", pkg["summary"])
PY
python3 -c "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); \
assert r.tag == 'testsuites' and int(r.get('tests')) > 50" "$work/pkg.xml" ||
    fail "the packaged junit report"
unset LD_LIBRARY_PATH
got=$(bash -c 'source "$1"; COMP_WORDS=(imgbaseline scan --format ju); COMP_CWORD=3; _imgbaseline;
               printf "%s\n" "${COMPREPLY[@]}"' _ "$root/usr/share/bash-completion/completions/imgbaseline")
[[ $got == junit ]] || fail "the packaged bash completion offered '$got'"

if ((fails)); then
    echo "0 passed, $fails failed"
    exit 1
fi
echo "package: $(basename "$deb"), Depends checked against $(wc -w <<<"$needed") sonames"
echo "1 passed, 0 failed"
