#!/usr/bin/env bash
# ctest `serve_sdk`: the vendors' SDKs from npm against `imgbaseline serve` on 127.0.0.1.
# Builds the sample images (tools/make-sample-image.sh), records them with `scan --store`
# for two tenants, starts serve with a 0600 credentials file and runs sdk.test.js.
# The npm packages are installed by tools/dev.sh (npm-deps) into $IMGB_NPM_DIR.
set -euo pipefail
CLI=$1 SRC=$2 WORK=$3 NPM_DIR=$4
STORE=${5:-}
rm -rf "$WORK"; mkdir -p "$WORK"
if [ ! -d "$NPM_DIR/node_modules/@alicloud/pop-core" ]; then
    echo "serve_sdk: the SDKs are not installed in $NPM_DIR: run tools/dev.sh npm-deps" >&2
    exit 1
fi
bash "$SRC/tools/make-sample-image.sh" "$WORK" >/dev/null
[ -n "$STORE" ] || STORE="$WORK/history.db"
"$CLI" scan "$WORK/sample-docker.tar" --store "$STORE" --tenant team-a -q --format json >/dev/null \
    --weak-password-budget 2 || [ $? = 1 ]
"$CLI" scan "$WORK/sample-oci.tar" --store "$STORE" --tenant team-b -q --format json >/dev/null \
    --weak-password-budget 2 || [ $? = 1 ]
ID=$("$CLI" inspect "$WORK/sample-docker.tar" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["image_id"])')
PA=0123456789abcdef0123456789abcdef
PB=fedcba9876543210fedcba9876543210
umask 077
cat > "$WORK/creds.yaml" <<YAML
tenants:
  - name: team-a
    aliyun: [{access_key_id: akA, access_key_secret: skA}]
    huawei: [{ak: hwA, sk: hwSkA, project_ids: ["$PA"]}]
    tokens: [tokA]
  - name: team-b
    aliyun: [{access_key_id: akB, access_key_secret: skB}]
    huawei: [{ak: hwB, sk: hwSkB, project_ids: ["$PB"]}]
    tokens: [tokB]
YAML
"$CLI" serve --listen 127.0.0.1:0 --store "$STORE" --credentials "$WORK/creds.yaml" \
    --workers 0 2> "$WORK/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    PORT=$(sed -n 's/.*serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/serve.log" 2>/dev/null || true)
    [ -n "$PORT" ] && break
    kill -0 $PID 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$PORT" ] || { echo "serve_sdk: serve did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }
# The Huawei SDK writes ~/.huaweicloud/application_id: keep it inside the work dir.
HOME="$WORK" NODE_PATH="$NPM_DIR/node_modules" IMGB_URL="http://127.0.0.1:$PORT" IMGB_CLI="$CLI" \
    IMGB_STORE="$STORE" IMGB_IMAGE_ID="$ID" IMGB_PROJECT_A=$PA IMGB_PROJECT_B=$PB \
    node "$SRC/tests/serve/sdk.test.js"
kill -TERM $PID
rc=0; wait $PID || rc=$?
trap - EXIT
[ $rc = 0 ] || { echo "serve exited with status $rc" >&2; tail -5 "$WORK/serve.log" >&2; exit 1; }
