#!/usr/bin/env bash
# The store backends and the registry client are loaded only when used (engine/util/
# dynlib.h): libimgbaseline does not link libpq, SQLite or libcurl; a plain scan maps none of
# them (nor their krb5/LDAP closure); a SQLite store loads SQLite only; and with libpq made
# unloadable (a private mount namespace binds /dev/null over it), a plain scan still works
# while a postgres:// store is one line on stderr naming the library, exit status 2.
# usage: lazy_libs.sh IMGBASELINE LIBIMGBASELINE SOURCE_DIR
set -euo pipefail
BIN=$1 LIB=$2 SRC=$3
W=$(mktemp -d "${TMPDIR:-/tmp}/lazylibs.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
LAZY='libpq\.so|libsqlite3\.so|libcurl\.so|libldap|libkrb5|libgssapi'

needed=$(readelf -d "$LIB" | awk '/NEEDED/ { print $5 }')
if grep -Eq "$LAZY" <<<"$needed"; then fail "libimgbaseline links $(grep -E "$LAZY" <<<"$needed" | tr '\n' ' ')"; fi

bash "$SRC/tools/make-sample-image.sh" "$W/img" >/dev/null 2>&1 || fail "cannot build the sample image"
IMG=$W/img/sample-docker.tar
# the shipped rules without the weak-password kind: its time budget could cut a slow
# (sanitizer) run short and make two reports differ for a reason that is not the libraries
cp -r "$SRC/rules" "$W/rules"
grep -rl 'kind: *weak_password' "$W/rules" --include='*.yaml' | xargs -r rm -f
export IMGBASELINE_RULES=$W/rules

# the libraries a run maps: ld.so's own account of every load, dlopen included
loaded() { # out-file command...
    local out=$1; shift
    LD_DEBUG=files "$@" 2>"$out.ld" >/dev/null || true
    grep -o 'file=[^ ]*' "$out.ld" | sed 's/^file=//; s|.*/||' | sort -u >"$out"
}

loaded "$W/plain" "$BIN" scan "$IMG" --format json -o "$W/plain.json"
grep -q 'libarchive' "$W/plain" || fail "LD_DEBUG=files shows no libraries: cannot tell"
if grep -Eq "$LAZY" "$W/plain"; then fail "a plain scan loads $(grep -E "$LAZY" "$W/plain" | tr '\n' ' ')"; fi
[[ -s $W/plain.json ]] || fail "the plain scan wrote no report"

loaded "$W/lite" "$BIN" scan "$IMG" --format json -o /dev/null --store "$W/history.db"
grep -q '^libsqlite3\.so' "$W/lite" || fail "a SQLite store did not load libsqlite3"
if grep -Eq 'libpq\.so|libcurl\.so' "$W/lite"; then fail "a SQLite store loads $(grep -E 'libpq|libcurl' "$W/lite" | tr '\n' ' ')"; fi
[[ -s $W/history.db ]] || fail "the SQLite store was not written"

# libpq made unloadable for one process tree
# awk reads to the end: an early exit would kill ldconfig with SIGPIPE (pipefail)
pq=$(ldconfig -p | awk '$1 == "libpq.so.5" && /x86-64/ && !p { p = $NF } END { print p }')
[[ -n $pq ]] || fail "libpq.so.5 is not installed (tools/dev.sh installs libpq-dev)"
unshare -m --propagation private true 2>/dev/null || fail "needs root for unshare -m (mount namespace)"
cat >"$W/nopq.sh" <<SH
set -u
mount --bind /dev/null "$pq" || exit 97
"$BIN" scan "$IMG" --format json -o "$W/nopq.json"; echo "plain \$?" >"$W/nopq.rc"
"$BIN" scan "$IMG" --format json -o /dev/null --store postgresql://u@127.0.0.1:1/x \
    2>"$W/nopq.err"; echo "pg \$?" >>"$W/nopq.rc"
SH
unshare -m --propagation private bash "$W/nopq.sh" || fail "could not hide libpq"
rc_plain=$(awk '$1 == "plain" { print $2 }' "$W/nopq.rc")
rc_pg=$(awk '$1 == "pg" { print $2 }' "$W/nopq.rc")
[[ $rc_plain == 0 || $rc_plain == 1 ]] || fail "without libpq a plain scan exits $rc_plain"
# the same report as with libpq present (scan times and stats aside)
same='import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
a.pop("scan"); b.pop("scan")
sys.exit(a != b)'
python3 -c "$same" "$W/nopq.json" "$W/plain.json" || fail "without libpq the plain scan's report differs"
[[ $rc_pg == 2 ]] || fail "a postgres:// store without libpq exits $rc_pg, expected 2"
[[ $(wc -l <"$W/nopq.err") == 1 ]] || fail "expected one line on stderr, got: $(cat "$W/nopq.err")"
grep -q 'libpq\.so\.5' "$W/nopq.err" || fail "the message does not name libpq.so.5: $(cat "$W/nopq.err")"
grep -q 'libpq5' "$W/nopq.err" || fail "the message does not name the package: $(cat "$W/nopq.err")"
echo "ok: $(cat "$W/nopq.err")"
