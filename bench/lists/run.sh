#!/usr/bin/env bash
# Claims list benchmark: a page of 50 claims out of N (default 1,000,000) on SQLite and on
# a throw-away PostgreSQL server, the queries of the biller's /claims page (first page by
# date, a middle page, a patient filter, first page by balance); p50/p99/max in ms over
# RUNS (default 40) runs each. Output: stdout and bench-out/lists.txt.
#
#   bench/lists/run.sh [CLAIMS]
set -euo pipefail
cd "$(dirname "$0")/../.."
claims="${1:-1000000}"
runs="${RUNS:-40}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
mkdir -p bench-out
pg_dir=""
cleanup() {
  if [[ -n "$pg_dir" ]]; then
    scripts/pg-test-server.sh --stop "$pg_dir" || true
  fi
}
trap cleanup EXIT
cargo bench -p otbill-store --bench lists --no-run >&2
eval "$(scripts/pg-test-server.sh)"
pg_dir="$OTBILL_TEST_PG_DIR"
psql="$(cat "$OTBILL_TEST_PG_DIR/bindir")/psql"
# The superuser creates the database for the ordinary role the store connects as.
"$psql" -q "$OTBILL_TEST_PG_ADMIN_URL" -c "CREATE DATABASE bench_lists OWNER otbill_app"
{
  echo "claims list benchmark, $claims claims, $runs runs, $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  cargo bench -q -p otbill-store --bench lists -- --claims "$claims" --runs "$runs" --pg "${OTBILL_TEST_PG_URL%/*}/bench_lists"
} | tee bench-out/lists.txt
