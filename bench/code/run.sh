#!/usr/bin/env bash
# Issues #2 and #15 benchmark: coding 1,000,000 generated visits from JSON Lines, on two
# generators: `bench` (the original mix) and `realistic` (1-4 timed codes of 3-40 minutes,
# Medicare and commercial, dates over a year; see crates/otbill-core/benches/code_batch.rs).
#  1. the bench binary times parse, engine and serialize separately and end to end, in one
#     run on one thread, for each mix;
#  2. the real `otbill code --batch` binary codes both files (one process, one thread),
#     best of RUNS (default 3). BEFORE=/path/to/otbill also times another binary (say, an
#     older build) on the same files in the same run.
# Usage: bench/code/run.sh [VISITS]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
RUNS=${RUNS:-3}
out=$(realpath -m "${BENCH_OUT:-bench-out}")
mkdir -p "$out"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release --quiet --bin otbill
: > "$out/code_batch.txt"
for mix in bench realistic; do
  cargo bench --quiet -p otbill-core --bench code_batch -- --visits "$n" --mix "$mix" \
    --write "$out/visits-$mix.jsonl" | tee -a "$out/code_batch.txt"
done

# Best of RUNS wall-clock runs of `$1 code --batch FILE > /dev/null`, as visits/s.
time_binary() {
  local bin=$1 label=$2 mix=$3 best=
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s.%N)
    "$bin" code --batch "$out/visits-$mix.jsonl" > /dev/null
    end=$(date +%s.%N)
    best=$(awk -v b="$best" -v s="$start" -v e="$end" 'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }')
  done
  awk -v n="$n" -v t="$best" -v l="$label" -v m="$mix" \
    'BEGIN { printf "%-28s %-9s %.2fs  %.0f visits/s (real binary, file in, stdout to /dev/null)\n", l, m, t, n / t }' |
    tee -a "$out/code_batch.txt"
}
for mix in bench realistic; do
  time_binary "$CARGO_TARGET_DIR/release/otbill" "otbill code --batch:" "$mix"
  if [ -n "${BEFORE:-}" ]; then
    time_binary "$BEFORE" "before ($(basename "$BEFORE")):" "$mix"
  fi
done
