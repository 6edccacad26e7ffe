#!/usr/bin/env bash
# A throwaway PostgreSQL server (Debian's postgresql package) for the tests:
#   postgres.sh start DIR   initdb into DIR, start on 127.0.0.1 at a free port, print its URL
#   postgres.sh stop DIR    stop it and remove DIR
# PostgreSQL refuses to run as root: as root the server runs as the postgres user.
set -euo pipefail
command="$1" dir="$2"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "postgresql is not installed (apt-get install postgresql)" >&2; exit 1; }
as_owner=()
[ "$(id -u)" = 0 ] && as_owner=(runuser -u postgres --)
if [ "$command" = stop ]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null || true
    rm -rf "$dir"
    exit 0
fi
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir -F" start >/dev/null
# Trust authentication (127.0.0.1 only, a throwaway cluster); dlt wants a password all the same.
echo "postgresql://postgres:unused@127.0.0.1:$port/postgres"
