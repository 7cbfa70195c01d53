#!/usr/bin/env bash
# A throw-away PostgreSQL 15 for the tests: `pg.sh start DIR` creates a cluster in DIR
# (initdb as a non-root user: postgres refuses to run as root), starts it on a Unix socket
# in DIR only (no TCP), creates database imgb and prints its libpq URL; `pg.sh stop DIR`
# stops it and removes DIR.  Debian's postgresql package provides the binaries.
set -euo pipefail
BIN=${IMGB_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=$1 dir=$2
as_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_user "$BIN/initdb" -D "$dir/data" -U imgb --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    # A port number is still needed for the socket's name; pick one from the directory.
    port=$(( 20000 + $(echo "$dir" | cksum | cut -d' ' -f1) % 20000 ))
    as_user "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir -p $port -c fsync=off -c max_connections=100" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    as_user "$BIN/createdb" -h "$dir" -p "$port" -U imgb imgb
    echo "postgresql:///imgb?host=$dir&port=$port&user=imgb"
    ;;
stop)
    [ -d "$dir/data" ] && as_user "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
