#!/usr/bin/env bash
# Prints a PostgreSQL URL the tests may create databases on. Uses the server
# at 127.0.0.1:5432 when it answers; otherwise starts a throwaway cluster in
# target/pg (Debian's postgresql package, trust auth) and prints its URL.
source "$(dirname "$0")/lib.sh"
url=${KASSA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then echo "$url"; exit 0; fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (scripts/tools.sh --test installs it)" >&2; exit 1; }
port=5432
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then port=55432; fi
data=$ROOT/target/pg
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$data/PG_VERSION" ]; then
  log "creating a throwaway PostgreSQL cluster in target/pg"
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres: "$data"
  run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
fi
if ! run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  log "starting it on 127.0.0.1:$port"
  run_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$port/postgres"
