#!/usr/bin/env bash
# Many instances (issue #15 point 4): four `otbill serve` processes on one fresh
# PostgreSQL database, two practices, a mixed load for DURATION seconds (default 30) over
# CONNECTIONS connections (default 32); then one process on a fresh SQLite file under the
# same load. Prints requests/s and p50/p99 per route and the checks (no 5xx, each 835
# posted once per practice, no control number reused, no row across practices); results
# go to stdout and bench-out/multi.txt, server logs to bench-out/multi.logs/.
#
#   bench/multi/run.sh            # or DURATION=60 CONNECTIONS=64 INSTANCES=4 bench/multi/run.sh
#
# Starts a throw-away PostgreSQL server (scripts/pg-test-server.sh) unless
# OTBILL_TEST_PG_URL and OTBILL_TEST_PG_ADMIN_URL are set, and stops only the one it
# started. Loopback only. Exit status is non-zero when a check fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-32}
INSTANCES=${INSTANCES:-4}
mkdir -p bench-out

pg_dir=""
cleanup() {
  if [[ -n "$pg_dir" ]]; then
    scripts/pg-test-server.sh --stop "$pg_dir" || true
  fi
}
trap cleanup EXIT

# Build first (release, fat LTO: minutes), so the load does not compete with a compiler.
cargo build --release -q -p otbill-cli
cargo bench -q -p otbill-server --bench multi --no-run

if [[ -z "${OTBILL_TEST_PG_URL:-}" || -z "${OTBILL_TEST_PG_ADMIN_URL:-}" ]]; then
  eval "$(scripts/pg-test-server.sh)"
  pg_dir="$OTBILL_TEST_PG_DIR"
fi

cargo bench -q -p otbill-server --bench multi -- \
  --otbill "$CARGO_TARGET_DIR/release/otbill" \
  --pg "$OTBILL_TEST_PG_URL" --pg-admin "$OTBILL_TEST_PG_ADMIN_URL" \
  --duration "$DURATION" --connections "$CONNECTIONS" --instances "$INSTANCES" \
  --out "$PWD/bench-out/multi.txt"
