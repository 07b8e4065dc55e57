#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the otbill-store tests and benchmark.
#
#   eval "$(scripts/pg-test-server.sh)"     # exports OTBILL_TEST_PG_URL (an ordinary role, so
#                                            # row-level security applies), OTBILL_TEST_PG_ADMIN_URL
#                                            # (the superuser) and OTBILL_TEST_PG_DIR
#   cargo test -p otbill-store
#   scripts/pg-test-server.sh --stop "$OTBILL_TEST_PG_DIR"
#
# Installs Debian's postgresql package when no server binaries are found, initialises a
# cluster in a temporary folder, and starts it on a free loopback port (as the `postgres`
# user when run as root: the server refuses to run as root). Only the export lines go to
# standard output; progress goes to standard error.
set -euo pipefail

if [[ "${1:-}" == "--stop" ]]; then
  dir="${2:?usage: pg-test-server.sh --stop DIR}"
  bin="$(cat "$dir/bindir")"
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u "$(stat -c %U "$dir/data")" -- "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2
  else
    "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2
  fi
  rm -rf "$dir"
  exit 0
fi

find_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
}

bin="$(find_bin)"
if [[ -z "$bin" ]]; then
  echo "pg-test-server: installing PostgreSQL (Debian package)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin="$(find_bin)"
fi
[[ -n "$bin" ]] || { echo "pg-test-server: no initdb found after installing postgresql" >&2; exit 1; }

dir="$(mktemp -d /tmp/otbill-pg.XXXXXX)"
chmod 755 "$dir"
echo "$bin" > "$dir/bindir"
run=()
if [[ "$(id -u)" == 0 ]]; then
  user=postgres
  id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  chown "$user" "$dir"
  run=(runuser -u "$user" --)
fi

# A free port: ask the kernel for one.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))"

"${run[@]}" "$bin/initdb" -D "$dir/data" -U otbill --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >&2 \
  || { cat "$dir/server.log" >&2; exit 1; }

# The tests connect as an ordinary role, as a deployment should: a superuser (or a
# BYPASSRLS role) is above row-level security, so the practice policies would go untested.
"$bin/psql" -q -h 127.0.0.1 -p "$port" -U otbill -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE otbill_app LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS" >&2
url="postgres://otbill_app@127.0.0.1:$port/postgres"
echo "pg-test-server: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port (data in $dir)" >&2
echo "export OTBILL_TEST_PG_URL=$url"
echo "export OTBILL_TEST_PG_ADMIN_URL=postgres://otbill@127.0.0.1:$port/postgres"
echo "export OTBILL_TEST_PG_DIR=$dir"
