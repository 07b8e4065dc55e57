#!/usr/bin/env bash
# Ledger benchmark: 837P batch build and 835 posting of N claims (default 100,000) on
# SQLite and on a throw-away PostgreSQL server. Results go to stdout and
# bench-out/ledger.txt.
#
#   bench/ledger/run.sh [CLAIMS]
set -euo pipefail
cd "$(dirname "$0")/../.."
claims="${1:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
eval "$(scripts/pg-test-server.sh)"
trap 'scripts/pg-test-server.sh --stop "$OTBILL_TEST_PG_DIR"' EXIT
mkdir -p bench-out
cargo bench -p otbill-store --bench ledger -- --claims "$claims" --pg "$OTBILL_TEST_PG_URL" | tee bench-out/ledger.txt
