#!/usr/bin/env bash
# The README's two set-up commands, for a fresh Debian 12 machine (run as root):
#   tools/dev.sh demo   install what is missing, build, build a sample image with umoci and
#                       skopeo from testdata, and scan it
#   tools/dev.sh test   install what is missing, build (normal and ASan+UBSan), run every suite
# (chromium, poppler-utils and a CJK font drive and read the HTML report test, html_browser;
#  xmllint checks the junit format; file, lintian, bash-completion and zsh the .deb and the
#  shell completion tests; python3-yaml the README's CI examples)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PKGS=(build-essential cmake pkg-config libarchive-dev libyaml-dev libpcre2-dev libjansson-dev
      check libcrypt-dev libssl-dev umoci skopeo tar gzip zstd python3 valgrind
      python3-jsonschema libsqlite3-dev libpq-dev postgresql libmicrohttpd-dev wrk nodejs npm curl
      libisal-dev libzstd-dev zlib1g-dev python3-html5lib chromium poppler-utils
      fonts-wqy-microhei
      libcurl4-openssl-dev docker-registry openssl
      libxml2-dev libxml2-utils file lintian bash-completion zsh python3-yaml)

install_deps() {
    local missing=()
    for p in "${PKGS[@]}"; do
        # nodejs from NodeSource bundles npm (Debian's npm package would conflict with it).
        [ "$p" = npm ] && command -v npm >/dev/null && continue
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "dev.sh: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

build() { # build DIR [cmake args...]
    local dir=$1; shift
    cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j "$(nproc)"
}

cmd_demo() {
    install_deps
    build "$ROOT/build"
    local out="$ROOT/build/demo"
    rm -rf "$out"; mkdir -p "$out"
    bash "$ROOT/tools/make-sample-image.sh" "$out"
    "$ROOT/build/imgbaseline" inspect "$out/sample-docker.tar"
    if "$ROOT/build/imgbaseline" scan --help >/dev/null 2>&1; then
        "$ROOT/build/imgbaseline" scan "$out/sample-docker.tar" --format table || true
    fi
}

# The vendors' SDKs for tests/serve/sdk.sh, from the npm registry, into <build dir>/npm.
npm_deps() { # npm_deps BUILD_DIR
    local dir=$1/npm
    [ -d "$dir/node_modules/@huaweicloud/huaweicloud-sdk-core" ] && return
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-audit --no-fund --silent --no-save \
        @alicloud/pop-core@1.8.0 @alicloud/openapi-client@0.4.15 @alicloud/tea-util \
        @huaweicloud/huaweicloud-sdk-core@3.1.211 uuid >/dev/null)
}

cmd_test() {
    install_deps
    build "$ROOT/build"
    npm_deps "$ROOT/build"
    (cd "$ROOT/build" && ctest --output-on-failure -j "$(nproc)")
    build "$ROOT/build-asan" -DIMGB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    npm_deps "$ROOT/build-asan"
    (cd "$ROOT/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -j "$(nproc)")
}

case "${1:-}" in
    demo) cmd_demo ;;
    test) cmd_test ;;
    *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac
