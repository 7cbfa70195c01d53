#!/usr/bin/env bash
# Layer attribution, base/own origin, --only-own and fix snippets, end to end (issue 14):
# a base image (host tools + a Debian 12 /etc with openssh-server) and a child adding two
# layers, built with umoci and skopeo; every snippet of a failing item is run with the
# image's own tools in the unpacked rootfs (chroot), the image repacked and rescanned, and
# its item must then pass.
# usage: attribution_test.sh IMGBASELINE SOURCE_DIR
set -euo pipefail
BIN=$1 SRC=$2
[[ $(id -u) == 0 ]] || { echo "needs root (chroot)"; exit 1; }
for t in umoci skopeo python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
W=$(mktemp -d "${TMPDIR:-/tmp}/attrib.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# layer 0: the tools the snippets use, from the host, with their libraries
T=$W/l0; mkdir -p $T/usr/bin $T/usr/sbin $T/usr/lib $T/usr/lib64
ln -s usr/bin $T/bin; ln -s usr/sbin $T/sbin; ln -s usr/lib $T/lib; ln -s usr/lib64 $T/lib64
for b in sh sed chmod chown mkdir passwd useradd; do
    p=$(command -v $b); cp -L "$p" $T/usr/bin/
    for l in $(ldd "$p" | grep -o '/[^ ]*'); do mkdir -p "$T$(dirname "$l")"; cp -L "$l" "$T$l"; done
done
# layer 1: Debian 12 with openssh-server (main sshd_config sets X11Forwarding yes)
L1=$W/l1; mkdir -p $L1/etc/ssh/sshd_config.d $L1/usr/sbin $L1/var/lib/dpkg
cp -a $SRC/testdata/os/debian12/layer1/etc/. $L1/etc/
cp $SRC/testdata/os/debian12-dropins/layer1/etc/ssh/sshd_config $L1/etc/ssh/
cp $SRC/testdata/os/debian12-dropins/layer1/var/lib/dpkg/status $L1/var/lib/dpkg/
printf 'sshd binary stand-in\n' > $L1/usr/sbin/sshd; chmod 0755 $L1/usr/sbin/sshd
chmod 0640 $L1/etc/shadow
# layer 2: a weak drop-in; layer 3: an account without a password, /etc/shadow world-readable
L2=$W/l2; mkdir -p $L2/etc/ssh/sshd_config.d
printf 'PermitRootLogin yes\n' > $L2/etc/ssh/sshd_config.d/10-weak.conf
L3=$W/l3; mkdir -p $L3/etc
cp $L1/etc/passwd $L1/etc/shadow $L3/etc/
echo 'app:x:1000:1000::/home/app:/bin/sh' >> $L3/etc/passwd
echo 'app::20780:0:99999:7:::' >> $L3/etc/shadow
chmod 0644 $L3/etc/shadow
STEP2="/bin/sh -c printf 'PermitRootLogin yes\\n' > /etc/ssh/sshd_config.d/10-weak.conf"
SECRET=AKIAZ7Q3XR4LMNB2KDWP
STEP3="/bin/sh -c AWS_ACCESS_KEY_ID=$SECRET useradd app && chmod 0644 /etc/shadow"

BI=$SRC/tests/support/build-image.sh
bash $BI --out $W/base.tar --ref base:1 --layer $T --created-by "ADD rootfs.tar /" \
    --layer $L1 --created-by "/bin/sh -c apt-get install -y openssh-server" >/dev/null
bash $BI --out $W/child.tar --ref child:1 --layer $T --created-by "ADD rootfs.tar /" \
    --layer $L1 --created-by "/bin/sh -c apt-get install -y openssh-server" \
    --layer $L2 --created-by "$STEP2" --layer $L3 --created-by "$STEP3" >/dev/null

scan() { "$BIN" scan "$@" --format json --lang en --weak-password-budget 5 --quiet; }
scan $W/child.tar --base-image $W/base.tar > $W/child.json || fail "scan child"
scan $W/child.tar --base-layers 2 > $W/child2.json || fail "scan child --base-layers"
scan $W/child.tar > $W/child0.json || fail "scan child without base"
scan $W/base.tar --base-layers 2 > $W/base.json || fail "scan base"
grep -q "$SECRET" $W/child.json && fail "created_by secret not masked"

python3 - "$W" "$STEP2" <<'PY' || fail "attribution"
import json, sys
W, step2 = sys.argv[1], sys.argv[2]
def items(p):
    r = json.load(open(p))
    return r, {i["id"]: i for b in r["baselines"] for i in b["items"]}
def failing(it):
    return [e for e in it["evidence"] if e["verdict"] == "fail"]
r, c = items(W + "/child.json")
assert r["base"]["layers"] == 2 and r["base"]["name"].endswith("base:1"), r["base"]
def check(iid, layer, origin, file=None, account=None, fix=None):
    it = c[iid]
    assert it["verdict"] == "fail", (iid, it["verdict"])
    ev = [e for e in failing(it) if account is None or e["account"] == account]
    assert ev, (iid, it["evidence"])
    e = ev[0]
    assert e["layer"] == layer, (iid, e)
    assert e["history_index"] == layer and e["layer_digest"], (iid, e)
    assert e["origin"] == origin and it["origin"] == origin, (iid, e["origin"], it["origin"])
    if file: assert e["file"] == file, (iid, e["file"])
    if fix: assert e["fix"] and fix in e["fix"]["run"], (iid, e["fix"])
    return e
e = check("generic.ssh.permit_root_login", 2, "own",
          "/etc/ssh/sshd_config.d/10-weak.conf",
          fix="/etc/ssh/sshd_config.d/10-weak.conf")
assert e["layer_cmd"] == step2, e["layer_cmd"]
assert e["fix"]["run"].startswith("RUN sed -i"), e["fix"]
assert e["fix"]["dockerfile"].startswith("# "), e["fix"]
check("generic.ssh.x11_forwarding", 1, "base", "/etc/ssh/sshd_config", fix="/etc/ssh/sshd_config")
e = check("generic.pwd.pass_max_days", 1, "base", "/etc/login.defs", fix="PASS_MAX_DAYS 365")
assert "apt-get install" in e["layer_cmd"]
e = check("file.shadow_permissions", 3, "own", "/etc/shadow", fix="root:shadow")
assert "AKIA" not in e["layer_cmd"] and "useradd app" in e["layer_cmd"], e["layer_cmd"]
check("weak.empty_password", 3, "own", "/etc/shadow", account="app", fix="passwd -l app")
# PAM: an item failing on a file of the base
pam = [i for i in c.values() if i["kind"] == "pam" and i["verdict"] == "fail"]
assert pam, "no failing PAM item"
for i in pam:
    for e in failing(i):
        if e["file"] and e["file"].startswith("/etc/pam.d/"):
            assert e["layer"] == 1 and e["origin"] == "base", (i["id"], e)
# --base-layers 2 gives the same attribution; without a boundary every origin is unknown
_, c2 = items(W + "/child2.json")
for k in c:
    assert c[k]["origin"] == c2[k]["origin"], (k, c[k]["origin"], c2[k]["origin"])
r0, c0 = items(W + "/child0.json")
assert r0["base"]["layers"] is None and "unknown" in r0["base"]["source"]
assert all(i["origin"] == "unknown" for i in c0.values())
assert c0["generic.ssh.permit_root_login"]["evidence"][0]["layer"] == 2
# the base alone: PermitRootLogin unset, OpenSSH 9.2 with Include: the drop-in snippet,
# attributed to the layer that installed sshd
_, b = items(W + "/base.json")
e = failing(b["generic.ssh.permit_root_login"])[0]
assert e["layer"] == 1 and e["origin"] == "base" and "compiled-in" in e["source"], e
assert "sshd_config.d/00-hardening.conf" in e["fix"]["run"], e["fix"]
PY

# the gate: --only-own ignores base findings; a boundary that is unknown fails closed
set +e
scan $W/child.tar --base-image $W/base.tar --only-own --fail-on high > /dev/null; rc_own=$?
scan $W/base.tar --base-layers 2 --only-own --fail-on low > /dev/null; rc_base=$?
scan $W/base.tar --only-own --fail-on low > /dev/null; rc_unknown=$?
scan $W/base.tar --base-layers 2 --fail-on low > /dev/null; rc_all=$?
scan $W/child.tar --base-layers 9 > /dev/null 2>$W/err; rc_bad=$?
scan $W/child.tar --base-image $W/child.tar --base-layers 1 > /dev/null 2>&1
scan $W/base.tar --base-image $W/child.tar > /dev/null 2>$W/err2; rc_notbase=$?
set -e
[[ $rc_own == 1 ]] || fail "--only-own on the child: $rc_own (an own high finding: 1)"
[[ $rc_base == 0 ]] || fail "--only-own on the base image: $rc_base (all findings base: 0)"
[[ $rc_unknown == 1 ]] || fail "--only-own without a boundary: $rc_unknown (fails closed: 1)"
[[ $rc_all == 1 ]] || fail "--fail-on without --only-own: $rc_all"
[[ $rc_bad == 2 ]] && grep -q "base-layers 9" $W/err || fail "--base-layers past the end: $rc_bad"
[[ $rc_notbase == 2 ]] && grep -q "not this image's base" $W/err2 || fail "wrong base: $rc_notbase"

# apply every snippet of the failing items above in the image itself and rescan
apply() { # IMAGE_TAR JSON OUT_TAR
    local img=$1 json=$2 out=$3 d=$W/apply
    rm -rf $d; mkdir -p $d
    skopeo copy -q docker-archive:$img oci:$d/oci:x
    umoci unpack --image $d/oci:x $d/bundle >/dev/null
    python3 - "$json" > $d/cmds <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
seen = []
for b in r["baselines"]:
    for i in b["items"]:
        for e in i["evidence"]:
            if e["verdict"] == "fail" and e["fix"] and e["fix"]["run"] not in seen:
                seen.append(e["fix"]["run"])
                print(i["id"] + "\t" + e["fix"]["run"][len("RUN "):])
PY
    [[ -s $d/cmds ]] || fail "no snippets in $json"
    while IFS=$'\t' read -r id cmd; do
        chroot $d/bundle/rootfs /bin/sh -c "$cmd" || fail "snippet of $id failed: $cmd"
    done < $d/cmds
    umoci repack --image $d/oci:x $d/bundle >/dev/null
    skopeo copy -q oci:$d/oci:x docker-archive:$out:fixed:1
    cut -f1 $d/cmds > $out.ids
}
for img in child base; do
    apply $W/$img.tar $W/$img.json $W/$img-fixed.tar
    scan $W/$img-fixed.tar > $W/$img-fixed.json || fail "rescan $img"
    python3 - $W/$img-fixed.json $W/$img-fixed.tar.ids <<'PY' || fail "snippets of $img"
import json, sys
r = json.load(open(sys.argv[1]))
v = {i["id"]: i["verdict"] for b in r["baselines"] for i in b["items"]}
ids = open(sys.argv[2]).read().split()
bad = [(i, v.get(i)) for i in ids if v.get(i) != "pass"]
assert not bad, bad
print("%d snippets applied, items pass" % len(ids))
PY
done

# diff: the child against its base (a regression), the fixed child against the child (a fix)
d() { "$BIN" diff "$@" --lang en --weak-password-budget 5 --quiet; }
set +e
d $W/base.tar $W/child.tar --format json --base-layers 2 --fail-on low > $W/reg.json; rc_reg=$?
d $W/child.tar $W/child-fixed.tar --format json --fail-on low > $W/fix.json; rc_fix=$?
d $W/base.tar $W/child.tar --format sarif -o $W/reg.sarif; rc_sarif=$?
d $W/base.tar $W/child.tar --format table > $W/reg.txt; rc_table=$?
d $W/base.tar $W/child.tar --format aliyun-baseline-check-result > /dev/null 2>&1; rc_api=$?
d $W/base.tar > /dev/null 2>&1; rc_one=$?
set -e
[[ $rc_reg == 1 ]] || fail "diff regression gate: $rc_reg"
[[ $rc_fix == 0 ]] || fail "diff fix gate: $rc_fix"
[[ $rc_sarif == 0 && $rc_table == 0 ]] || fail "diff sarif/table: $rc_sarif $rc_table"
[[ $rc_api == 2 && $rc_one == 2 ]] || fail "diff refuses API formats and one image: $rc_api $rc_one"
python3 - $W/reg.json $W/fix.json $W/reg.sarif <<'PY' || fail "diff content"
import json, sys
reg, fix, sarif = (json.load(open(p)) for p in sys.argv[1:4])
def ev(r, iid):
    for b in r["baselines"]:
        for i in b["items"]:
            if i["id"] == iid:
                return i, [e for e in i["evidence"] if e["verdict"] == "fail"]
    raise AssertionError(iid)
i, e = ev(reg, "weak.empty_password")
assert i["diff"] == "new" and e[0]["diff"] == "new" and e[0]["account"] == "app", (i["diff"], e)
assert e[0]["origin"] == "own"
i, e = ev(reg, "file.shadow_permissions")
assert i["diff"] == "new", i["diff"]
i, e = ev(reg, "generic.pwd.pass_max_days")
assert i["diff"] == "unchanged" and e[0]["origin"] == "base", (i["diff"], e[0]["origin"])
assert reg["diff"]["new"] >= 2 and reg["diff"]["fixed"] == 0, reg["diff"]
assert fix["diff"]["new"] == 0 and fix["diff"]["fixed"] >= 9, fix["diff"]
fixed = {(f["id"], f["evidence"]["account"]) for f in fix["diff"]["fixed_findings"]}
for k in [("weak.empty_password", "app"), ("file.shadow_permissions", None),
          ("generic.ssh.permit_root_login", None), ("generic.pwd.pass_max_days", None)]:
    assert k in fixed, (k, fixed)
states = {(r["ruleId"], r.get("baselineState")) for r in sarif["runs"][0]["results"]}
assert ("weak.empty_password", "new") in states and \
       ("generic.pwd.pass_max_days", "unchanged") in states, states
rel = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "file.shadow_permissions"][0]
assert rel["properties"]["origin"] == "unknown" and "chmod" in rel["properties"]["fix"], rel
assert "useradd app" in rel["relatedLocations"][0]["logicalLocations"][0]["fullyQualifiedName"]
PY
grep -q '^      + .*app' $W/reg.txt && grep -q "Fixed since" $W/reg.txt && grep -q "^               RUN passwd -l app" $W/reg.txt \
    || { cat $W/reg.txt; fail "diff table"; }
echo ok
