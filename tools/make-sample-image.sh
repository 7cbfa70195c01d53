#!/usr/bin/env bash
# Build the sample image from testdata/sample/ (layer1: a small Debian 10 rootfs with users,
# sshd, login.defs and PAM; layer2: a whiteout, an opaque directory, a symlink) with GNU tar,
# umoci and skopeo (tests/support/build-image.sh), into
#   OUTDIR/sample-docker.tar  (docker-archive)
#   OUTDIR/sample-oci.tar     (oci-archive, zstd layers)
# usage: tools/make-sample-image.sh OUTDIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: make-sample-image.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/imgb-sample.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -a "$ROOT/testdata/sample/." "$work/"
# git keeps only the executable bit: give the files the modes and owners Debian ships.
chmod -R u=rwX,go=rX "$work/layer1" "$work/layer2"
chmod 0640 "$work/layer1/etc/shadow" "$work/layer1/etc/gshadow"
chmod 0755 "$work/layer1/usr/sbin/sshd"
chmod 0700 "$work/layer1/root"
if [[ $(id -u) == 0 ]]; then
    chown -R 0:0 "$work/layer1" "$work/layer2"
    chgrp 42 "$work/layer1/etc/shadow" "$work/layer1/etc/gshadow"
fi

build() { # format output [extra args]
    local fmt=$1 dest=$2; shift 2
    bash "$ROOT/tests/support/build-image.sh" --out "$dest" --format "$fmt" \
        --ref imgbaseline/sample:1.0 --port 22/tcp --cmd /usr/sbin/sshd \
        --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --config-history 'CMD ["/usr/sbin/sshd","-D"]' \
        --layer "$work/layer1" --created-by '/bin/sh -c #(nop) ADD file:debian-10-rootfs.tar in / ' \
        --layer "$work/layer2" --created-by '/bin/sh -c rm -f /etc/motd /opt/app/.env && rm -rf /var/cache/app/* && ln -s /usr/share/zoneinfo/Etc/UTC /etc/localtime' \
        "$@"
}
build docker-archive "$out/sample-docker.tar"
build oci-archive "$out/sample-oci.tar" --compress zstd
echo "sample images: $out/sample-docker.tar $out/sample-oci.tar"
