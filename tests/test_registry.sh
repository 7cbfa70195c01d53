#!/usr/bin/env bash
# Registry and pipe input end to end (issue 16), with the real tools: Debian's docker-registry
# started here on 127.0.0.1 (plain; htpasswd basic auth; behind a bearer-token realm served by
# tests/support/registry_helper.py), images built with umoci and pushed with skopeo.
#   - docker:// scans give the same verdicts as the scan of the same image's docker-archive:
#     a two-layer image, and both platforms of a two-platform OCI index (--platform);
#     by tag and by digest; anonymous, basic auth (--creds, $REGISTRY_AUTH_FILE), bearer
#   - pipes: cat, gzip -c, a slow producer, a producer killed halfway (truncation error)
#   - errors: wrong password (basic and bearer), no credentials, missing repository, missing
#     tag, a stalling registry, a blob whose bytes do not match its digest, a plain-HTTP
#     registry without --tls-verify=false; each one line, exit 2, no password in any output
# usage: test_registry.sh IMGBASELINE WORKDIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:?usage: test_registry.sh IMGBASELINE WORKDIR}
WORK=${2:?usage: test_registry.sh IMGBASELINE WORKDIR}
H="python3 $ROOT/tests/support/registry_helper.py"
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
PASSWORD='s3cret-Pa55word'

# ---- images --------------------------------------------------------------------------------
mk_layers() { # DIR PERMIT_ROOT
    local d=$1
    mkdir -p "$d/l1" "$d/l2/opt/app"
    cp -a "$ROOT/testdata/sample/layer1/." "$d/l1/"
    chmod -R u=rwX,go=rX "$d/l1"
    # incompressible bytes so that layers are larger than what is cached (streamed, spilled)
    head -c 3000000 /dev/urandom > "$d/l1/opt.bin"
    head -c 1500000 /dev/urandom > "$d/l2/opt/app/data.bin"
    echo "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" > "$d/l2/opt/app/.env"
    if [[ $2 == yes ]]; then
        mkdir -p "$d/l2/etc/ssh"
        cp "$d/l1/etc/ssh/sshd_config" "$d/l2/etc/ssh/sshd_config"
        echo "PermitRootLogin yes" >> "$d/l2/etc/ssh/sshd_config"
        echo "PermitEmptyPasswords yes" >> "$d/l2/etc/ssh/sshd_config"
    fi
}
build() { # OUT FORMAT ARCH LAYERDIR [args]
    local out=$1 fmt=$2 arch=$3 d=$4; shift 4
    bash "$ROOT/tests/support/build-image.sh" --out "$out" --format "$fmt" --ref reg/test:1 \
        --arch "$arch" --layer "$d/l1" --layer "$d/l2" --port 22/tcp "$@" >/dev/null
}
mk_layers amd no
mk_layers arm yes
build amd.tar docker-archive amd64 amd
build arm.tar docker-archive arm64 arm
build amd-oci.tar oci-archive amd64 amd --compress gzip

# ---- registries ----------------------------------------------------------------------------
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
start_registry() { # NAME PORT [auth yaml]
    local name=$1 port=$2 auth=${3:-}
    mkdir -p "$name"
    cat > "$name/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/$name/data
http:
  addr: 127.0.0.1:$port
$auth
EOF
    docker-registry serve "$name/config.yml" > "$name/log" 2>&1 &
    PIDS+=($!)
    wait_port "$port"
}
P1=$($H free-port); P2=$($H free-port); P3=$($H free-port); PT=$($H free-port); PS=$($H free-port)
start_registry plain "$P1"
$H htpasswd tester "$PASSWORD" > htpasswd
start_registry basic "$P2" "auth:
  htpasswd:
    realm: basic-realm
    path: $WORK/htpasswd"
openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.crt -days 2 \
    -subj /CN=token >/dev/null 2>&1
$H token-server "$PT" token.key token.crt "tester:$PASSWORD" test-issuer test-registry &
PIDS+=($!)
wait_port "$PT"
start_registry bearer "$P3" "auth:
  token:
    realm: http://127.0.0.1:$PT/token
    service: test-registry
    issuer: test-issuer
    rootcertbundle: $WORK/token.crt"
$H stall-proxy "$PS" "http://127.0.0.1:$P1" &
PIDS+=($!)
wait_port "$PS"

push() { skopeo copy -q --dest-tls-verify=false "$@"; }
push docker-archive:amd.tar "docker://127.0.0.1:$P1/team/app:1"
push docker-archive:amd.tar "docker://127.0.0.1:$P2/team/app:1" --dest-creds "tester:$PASSWORD"
push docker-archive:amd.tar "docker://127.0.0.1:$P3/team/app:1" --dest-creds "tester:$PASSWORD"
push docker-archive:amd.tar "docker://127.0.0.1:$P1/multi/app:amd64"
push docker-archive:arm.tar "docker://127.0.0.1:$P1/multi/app:arm64"
entry() { # TAG ARCH
    local raw; raw=$(skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$P1/multi/app:$1")
    local mt; mt=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["mediaType"])' "$raw")
    echo "$mt|sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)|$(printf '%s' "$raw" | wc -c)|$2"
}
$H put-index "http://127.0.0.1:$P1" multi/app 1 "$(entry amd64 amd64)" "$(entry arm64 arm64)"

# ---- helpers -------------------------------------------------------------------------------
# scan NAME ARGS...: report in NAME.json, stderr in NAME.err, status in NAME.rc
scan() { local n=$1; shift; set +e; "$BIN" scan -q --format json "$@" > "$n.json" 2> "$n.err"; echo $? > "$n.rc"; set -e; }
same_verdicts() { # NAME REF
    $H verdicts "$1.json" > "$1.v" 2>/dev/null || true
    $H verdicts "$2.json" > "$2.v"
    if [[ $(cat "$1.rc") == 0 && -s $1.v ]] && cmp -s "$1.v" "$2.v"; then ok "$1: same verdicts as $2"
    else bad "$1: verdicts differ from $2 (rc $(cat "$1.rc")): $(head -c 300 "$1.err")"; diff "$1.v" "$2.v" | head -5; fi
}
fails_with() { # NAME PATTERN
    local lines; lines=$(wc -l < "$1.err")
    if [[ $(cat "$1.rc") == 2 && $lines == 1 ]] && grep -qiE "$2" "$1.err"; then ok "$1: $(cat "$1.err")"
    else bad "$1: expected one line matching '$2' and exit 2, got rc $(cat "$1.rc"): $(head -c 400 "$1.err")"; fi
}
field() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

scan file-amd amd.tar
scan file-arm arm.tar
[[ $(cat file-amd.rc) == 0 && $(cat file-arm.rc) == 0 ]] || { cat file-amd.err file-arm.err; exit 1; }
cmp -s <($H verdicts file-amd.json) <($H verdicts file-arm.json) &&
    bad "the two platforms' images should differ (PermitRootLogin)"

# ---- registry: the same verdicts as the archive ---------------------------------------------
R1="127.0.0.1:$P1"
scan reg-plain "docker://$R1/team/app:1" --tls-verify=false -j 2
same_verdicts reg-plain file-amd
[[ $(field reg-plain.json 'r["image"]["refs"][0]') == "$R1/team/app:1" ]] && ok "reference kept" || bad "refs: $(field reg-plain.json 'r["image"]["refs"]')"
"$BIN" scan -q --format aliyun-build-risk-images "docker://$R1/team/app:1" --tls-verify=false > ali.json 2>/dev/null || true
if [[ $(field ali.json 'r["Data"]["List"][0]["RepoName"]') == app && $(field ali.json 'r["Data"]["List"][0]["RepoNamespace"]') == team && $(field ali.json 'r["Data"]["List"][0]["Tag"]') == 1 ]]; then
    ok "aliyun-build-risk-images: RepoNamespace/RepoName/Tag from the registry reference"
else bad "aliyun-build-risk-images identity: $(head -c 400 ali.json)"; fi
dig=$(field reg-plain.json 'r["image"]["manifest_digest"]')
scan reg-digest "docker://$R1/team/app@$dig" --tls-verify=false
same_verdicts reg-digest file-amd
scan reg-multi-amd "docker://$R1/multi/app:1" --tls-verify=false
same_verdicts reg-multi-amd file-amd
scan reg-multi-arm "docker://$R1/multi/app:1" --tls-verify=false --platform linux/arm64
same_verdicts reg-multi-arm file-arm
scan reg-multi-none "docker://$R1/multi/app:1" --tls-verify=false --platform linux/s390x
fails_with reg-multi-none "no linux/s390x image.*linux/amd64, linux/arm64"

# ---- authentication -------------------------------------------------------------------------
scan basic-creds "docker://127.0.0.1:$P2/team/app:1" --tls-verify=false --creds "tester:$PASSWORD"
same_verdicts basic-creds file-amd
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$P2" "$(printf 'tester:%s' "$PASSWORD" | base64 -w0)" > auth.json
REGISTRY_AUTH_FILE=$WORK/auth.json scan basic-authfile "docker://127.0.0.1:$P2/team/app:1" --tls-verify=false
same_verdicts basic-authfile file-amd
mkdir -p home/.docker; cp auth.json home/.docker/config.json
HOME=$WORK/home XDG_RUNTIME_DIR= scan basic-dockercfg "docker://127.0.0.1:$P2/team/app:1" --tls-verify=false
same_verdicts basic-dockercfg file-amd
scan basic-wrong "docker://127.0.0.1:$P2/team/app:1" --tls-verify=false --creds "tester:wrong-$PASSWORD"
fails_with basic-wrong "refused the credentials.*401"
HOME=$WORK/nohome XDG_RUNTIME_DIR= scan basic-none "docker://127.0.0.1:$P2/team/app:1" --tls-verify=false
fails_with basic-none "authentication required.*401"
scan bearer-creds "docker://127.0.0.1:$P3/team/app:1" --tls-verify=false --creds "tester:$PASSWORD" -j 2
same_verdicts bearer-creds file-amd
scan bearer-wrong "docker://127.0.0.1:$P3/team/app:1" --tls-verify=false --creds "tester:wrong-$PASSWORD"
fails_with bearer-wrong "refused the credentials"
HOME=$WORK/nohome XDG_RUNTIME_DIR= scan bearer-none "docker://127.0.0.1:$P3/team/app:1" --tls-verify=false
fails_with bearer-none "authentication required"

# ---- errors ---------------------------------------------------------------------------------
scan missing-repo "docker://$R1/team/nothere:1" --tls-verify=false
fails_with missing-repo "team/nothere.*404.*no such repository"
scan missing-tag "docker://$R1/team/app:nothere" --tls-verify=false
fails_with missing-tag "nothere.*404"
scan no-tls-flag "docker://$R1/team/app:1"
fails_with no-tls-flag "tls-verify=false"
start=$(date +%s)
scan stall "docker://127.0.0.1:$PS/team/app:1" --tls-verify=false --registry-timeout 1
fails_with stall "stalled"
(( $(date +%s) - start < 60 )) && ok "stall: bounded ($(( $(date +%s) - start )) s)" || bad "stall took too long"

# ---- pipes ----------------------------------------------------------------------------------
pipe() { # NAME PRODUCER...: scan - fed by PRODUCER
    local n=$1; shift
    set +e; "$@" | "$BIN" scan -q --format json - > "$n.json" 2> "$n.err"; echo "${PIPESTATUS[1]}" > "$n.rc"; set -e
}
pipe pipe-cat cat amd.tar
same_verdicts pipe-cat file-amd
pipe pipe-gzip gzip -c amd.tar
same_verdicts pipe-gzip file-amd
pipe pipe-oci cat amd-oci.tar
same_verdicts pipe-oci file-amd
pipe pipe-zstd zstd -q -c amd-oci.tar
same_verdicts pipe-zstd file-amd
pipe pipe-slow $H slow-cat amd.tar 262144 0.05
same_verdicts pipe-slow file-amd
size=$(stat -c %s amd.tar)
pipe pipe-killed head -c $((size / 2)) amd.tar
fails_with pipe-killed "truncated"
pipe pipe-killed-gz sh -c "gzip -c amd.tar | head -c $((size / 3))"
fails_with pipe-killed-gz "truncated|corrupt"
set +e; "$BIN" inspect - < amd.tar > inspect.txt 2>&1; rc=$?; set -e
[[ $rc == 0 ]] && grep -q "docker-archive" inspect.txt && ok "inspect -" || bad "inspect -: $(head -3 inspect.txt)"
# nothing left in TMPDIR by the spill file
mkdir -p tmp
TMPDIR=$WORK/tmp pipe pipe-tmp cat amd.tar
same_verdicts pipe-tmp file-amd
[[ -z $(ls -A tmp) ]] && ok "no temporary file left" || bad "left in TMPDIR: $(ls tmp)"

# ---- explicit transports --------------------------------------------------------------------
scan tr-docker "docker-archive:amd.tar"
same_verdicts tr-docker file-amd
scan tr-oci "oci-archive:amd-oci.tar"
same_verdicts tr-oci file-amd
scan tr-wrong "oci-archive:amd.tar"
fails_with tr-wrong "oci-archive transport was asked for but the image is a docker-archive"
scan tr-daemon "docker-daemon:reg/test:1"
fails_with tr-daemon "not supported"

# ---- several images in one run ---------------------------------------------------------------
printf '# images\ndocker://%s/team/app:1\n\narm.tar\n' "$R1" > list.txt
set +e
"$BIN" scan -q --format json amd.tar missing.tar --images-from list.txt --tls-verify=false > many.jsonl 2> many.err
rc=$?
set -e
python3 - "$WORK" <<'PY' && ok "several images: JSON Lines in order, the bad one reported" || bad "several images: $(cat many.err)"
import json, sys
lines = open(sys.argv[1] + "/many.jsonl").read().splitlines()
assert len(lines) == 4, len(lines)
docs = [json.loads(l) for l in lines]
assert docs[0]["image"]["path"] == "amd.tar"
assert docs[1] == {"image": {"path": "missing.tar"}, "error": docs[1]["error"]} and "missing.tar" in docs[1]["error"]
assert docs[2]["image"]["format"] == "registry" and docs[3]["image"]["path"] == "arm.tar"
PY
[[ $rc == 2 && $(wc -l < many.err) == 1 ]] && grep -q missing.tar many.err && ok "several images: exit 2 for the bad one" || bad "several images: rc $rc, $(cat many.err)"
for i in 0 2 3; do python3 -c "import json,sys; print(json.dumps(json.loads(open('many.jsonl').read().splitlines()[$i])))" > "many$i.json"; done
echo 0 > many0.rc; echo 0 > many2.rc; echo 0 > many3.rc
same_verdicts many0 file-amd
same_verdicts many2 file-amd
same_verdicts many3 file-arm
set +e
"$BIN" scan -q --format aliyun-build-risk-images amd.tar arm.tar "docker://$R1/team/app:1" --tls-verify=false --page-size 2 > many-ali.json 2> many-ali.err
rc=$?
"$BIN" scan -q --format huawei-baseline-statistic --image-type local amd.tar arm.tar > many-hw.json 2>/dev/null
"$BIN" scan -q --format huawei-baseline-statistic --image-type local arm.tar > one-hw.json 2>/dev/null
"$BIN" scan -q --format huawei-baseline-statistic --image-type local amd.tar > one-hw2.json 2>/dev/null
"$BIN" scan -q --fail-on low --exit-code 5 amd.tar arm.tar > /dev/null 2>&1; rc5=$?
set -e
if [[ $rc == 0 && $(field many-ali.json 'r["Data"]["PageInfo"]["TotalCount"]') == 3 && $(field many-ali.json 'len(r["Data"]["List"])') == 2 ]]; then
    ok "aliyun-build-risk-images lists the three images (page of 2)"
else bad "aliyun-build-risk-images over three images: rc $rc $(head -c 300 many-ali.json) $(cat many-ali.err)"; fi
sum=$(python3 -c 'import json; a,b,c=[json.load(open(f)) for f in ("many-hw.json","one-hw.json","one-hw2.json")]; print(all(a[k]==b[k]+c[k] for k in a))')
[[ $sum == True ]] && ok "huawei-baseline-statistic sums the images" || bad "huawei-baseline-statistic: $(cat many-hw.json)"
[[ $rc5 == 5 ]] && ok "several images: the findings exit code" || bad "several images: exit $rc5, want 5"

# last: it spoils the blob for every later use
# corrupt one layer blob in the registry's storage: same size, other bytes
blob=$(field reg-plain.json 'r["image"]["layers"][1]["digest"]'); blob=${blob#sha256:}
data="plain/data/docker/registry/v2/blobs/sha256/${blob:0:2}/$blob/data"
printf 'XXXX' | dd of="$data" bs=1 seek=2000 conv=notrunc status=none
scan digest-bad "docker://$R1/team/app:1" --tls-verify=false
# the gzip stream may break before the digest is compared: either is a failed read
fails_with digest-bad "does not match its digest|gzip"
cfg=$(field reg-plain.json 'r["image"]["config_digest"]'); cfg=${cfg#sha256:}
printf ' ' | dd of="plain/data/docker/registry/v2/blobs/sha256/${cfg:0:2}/$cfg/data" bs=1 seek=1 conv=notrunc status=none
scan digest-bad-config "docker://$R1/team/app:1" --tls-verify=false
fails_with digest-bad-config "config blob.*does not match its digest"
for n in *.err *.json *.jsonl; do
    if grep -q -- "$PASSWORD" "$n"; then bad "$n shows the password"; fi
done
ok "no output shows the password"
echo "$fails failure(s)"
((fails == 0))
