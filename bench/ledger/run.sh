#!/usr/bin/env bash
# Ledger benchmark: claim import, 837P batch build and 835 posting of N claims (default
# 100,000) on SQLite and on a throw-away PostgreSQL server, for this tree and for a base
# commit (before the change) built and run on the same machine in the same run. Prints
# each figure beside the base's and the ratio; results go to stdout and
# bench-out/ledger.txt (raw output of both in bench-out/ledger-{base,new}.txt).
#
#   bench/ledger/run.sh [CLAIMS]
#
# BASE_REV (default 1e5a214, the commit before issue 15's "PostgreSQL at speed") is checked
# out as a detached git worktree in BASE_TARGET_DIR/src and built there with its own target
# directory BASE_TARGET_DIR (default $CARGO_TARGET_DIR/bench-base); both are kept, so a
# rerun does not build the base again (`git worktree remove` it when done). BASE_REV=none
# skips it. ROUNDS (default 1) runs each side that many times, alternating, and keeps the
# best figure of each.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
claims="${1:-100000}"
base_rev="${BASE_REV:-1e5a214}"
rounds="${ROUNDS:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
base_target="${BASE_TARGET_DIR:-$CARGO_TARGET_DIR/bench-base}"
mkdir -p bench-out

pg_dir=""
cleanup() {
  # Only the server this script started.
  if [[ -n "$pg_dir" ]]; then
    scripts/pg-test-server.sh --stop "$pg_dir" || true
  fi
}
trap cleanup EXIT

# Build both first, so neither run competes with a compiler.
echo "building this tree" >&2
cargo bench -p otbill-store --bench ledger --no-run >&2
base_src="$base_target/src"
if [[ "$base_rev" != none ]]; then
  want="$(git rev-parse --verify "$base_rev^{commit}")"
  if [[ -d "$base_src" && "$(git -C "$base_src" rev-parse HEAD 2>/dev/null)" != "$want" ]]; then
    git -C "$root" worktree remove --force "$base_src" >&2
  fi
  if [[ ! -d "$base_src" ]]; then
    git -C "$root" worktree prune
    mkdir -p "$base_target"
    git -C "$root" worktree add --detach "$base_src" "$want" >&2
  fi
  echo "building base $base_rev in $base_src" >&2
  (cd "$base_src" && CARGO_TARGET_DIR="$base_target" cargo bench -p otbill-store --bench ledger --no-run >&2)
fi

eval "$(scripts/pg-test-server.sh)"
pg_dir="$OTBILL_TEST_PG_DIR"
psql="$(cat "$OTBILL_TEST_PG_DIR/bindir")/psql"
prefix="${OTBILL_TEST_PG_URL%/*}"

# run SIDE DIR TARGET ROUND: one benchmark run against a fresh PostgreSQL database.
run() {
  local side="$1" dir="$2" target="$3" round="$4" db="bench_${1}_${4}"
  # The superuser creates the database for the ordinary role the store connects as (so
  # row-level security applies, as in a deployment) and checkpoints between runs.
  "$psql" -q "$OTBILL_TEST_PG_ADMIN_URL" -c "CREATE DATABASE $db OWNER otbill_app" -c "CHECKPOINT"
  (cd "$dir" && CARGO_TARGET_DIR="$target" cargo bench -q -p otbill-store --bench ledger -- \
    --claims "$claims" --pg "$prefix/$db") | tee -a "bench-out/ledger-$side.txt" >&2
  "$psql" -q "$OTBILL_TEST_PG_ADMIN_URL" -c "DROP DATABASE $db"
}

: > bench-out/ledger-new.txt
: > bench-out/ledger-base.txt
for ((r = 1; r <= rounds; r++)); do
  if [[ "$base_rev" != none ]]; then
    echo "round $r: base $base_rev" >&2
    run base "$base_src" "$base_target" "$r"
  fi
  echo "round $r: this tree" >&2
  run new "$root" "$CARGO_TARGET_DIR" "$r"
done

# Best claims/s per engine and step of each side, then one line per engine and step.
{
  echo "ledger benchmark, $claims claims, base $base_rev vs $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates bench || echo '+changes'), best of $rounds"
  awk -v base="$base_rev" '
    FNR == 1 { side = (FILENAME ~ /base/) ? "base" : "new" }
    ($1 == "sqlite" || $1 == "postgres") && $NF ~ /^[0-9.]+$/ {
      step = $2; for (i = 3; i <= NF - 3; i++) step = step " " $i
      key = $1 SUBSEP step
      if (!(key in seen)) { seen[key] = 1; order[++n] = key }
      if ($NF + 0 > best[side, key] + 0) best[side, key] = $NF
    }
    END {
      printf "%-9s %-20s %12s %12s %8s\n", "engine", "step", "before/s", "after/s", "ratio"
      for (i = 1; i <= n; i++) {
        split(order[i], k, SUBSEP)
        b = best["base", order[i]]; a = best["new", order[i]]
        if (b == "") { b = "-"; ratio = "-" } else { ratio = sprintf("%.2fx", a / b) }
        printf "%-9s %-20s %12s %12s %8s\n", k[1], k[2], b, a, ratio
      }
    }' bench-out/ledger-base.txt bench-out/ledger-new.txt
} | tee bench-out/ledger.txt
