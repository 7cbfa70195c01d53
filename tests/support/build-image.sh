#!/usr/bin/env bash
# Build a test image with the real tools: each layer is a directory tarred by GNU tar, added
# with `umoci raw add-layer` (umoci 0.4.7's `umoci insert` writes truncated tar streams for
# small layers), config and history set with `umoci config`, then `skopeo copy` writes it.
#
# usage: build-image.sh --out PATH [--format docker-archive|oci-archive|oci] [--ref NAME:TAG]
#          [--compress gzip|zstd] [--user U] [--env K=V]... [--port 22/tcp]... [--cmd C]
#          [--os OS] [--arch ARCH] [--config-history TEXT]
#          --layer DIR [--created-by TEXT] [--layer DIR [--created-by TEXT]]...
#   --format      skopeo destination transport (default docker-archive); "oci" writes a
#                 layout directory at PATH
#   --compress    --dest-compress-format for skopeo (layers of oci/oci-archive)
#   --created-by  history created_by of the layer before it (default: "tar -C DIR .")
#   --config-history  add a history entry (empty_layer) for the config step
# Layer contents are taken verbatim (names "./etc/...", numeric owners); put whiteout files
# (".wh.NAME", ".wh..wh..opq") in the directory to get whiteouts.
set -euo pipefail

out= format=docker-archive ref=test:latest compress= cfg_hist= os= arch=
cfg_args=()
layers=()
created=()
while (($#)); do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --format) format=$2; shift 2 ;;
        --ref) ref=$2; shift 2 ;;
        --compress) compress=$2; shift 2 ;;
        --user) cfg_args+=(--config.user "$2"); shift 2 ;;
        --env) cfg_args+=(--config.env "$2"); shift 2 ;;
        --port) cfg_args+=(--config.exposedports "$2"); shift 2 ;;
        --cmd) cfg_args+=(--config.cmd "$2"); shift 2 ;;
        --os) os=$2; shift 2 ;;
        --arch) arch=$2; shift 2 ;;
        --config-history) cfg_hist=$2; shift 2 ;;
        --layer) layers+=("$2"); created+=("tar -C $2 ."); shift 2 ;;
        --created-by) created[${#created[@]}-1]=$2; shift 2 ;;
        *) echo "build-image.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ -n $out ]] || { echo "build-image.sh: --out is required" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/build-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
img="$work/oci:img"
umoci init --layout "$work/oci"
umoci new --image "$img"
for i in "${!layers[@]}"; do
    tar --numeric-owner -C "${layers[$i]}" -cf "$work/layer$i.tar" .
    umoci raw add-layer --image "$img" --history.created_by "${created[$i]}" "$work/layer$i.tar"
done
[[ -n $os ]] && cfg_args+=(--os "$os")
[[ -n $arch ]] && cfg_args+=(--architecture "$arch")
if [[ -n $cfg_hist ]]; then
    cfg_args+=(--history.created_by "$cfg_hist")
else
    cfg_args+=(--no-history)
fi
umoci config --image "$img" "${cfg_args[@]}"

copy_args=()
[[ -n $compress ]] && copy_args+=(--dest-compress --dest-compress-format "$compress")
rm -rf "$out"
skopeo copy -q "${copy_args[@]}" "oci:$work/oci:img" "$format:$out:$ref"
