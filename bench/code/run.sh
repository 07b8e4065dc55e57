#!/usr/bin/env bash
# Issue #2 benchmark: coding 1,000,000 generated visits from JSON Lines.
#  1. the bench binary times parse, engine and serialize separately and end to end, in one
#     run on one thread;
#  2. the real `otbill code --batch` binary codes the same file (one process, one thread).
# Usage: bench/code/run.sh [VISITS]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
out=$(realpath -m "${BENCH_OUT:-bench-out}")
mkdir -p "$out"
cargo build --release --quiet --bin otbill
cargo bench --quiet -p otbill-core --bench code_batch -- --visits "$n" --write "$out/visits.jsonl" | tee "$out/code_batch.txt"
start=$(date +%s.%N)
./target/release/otbill code --batch "$out/visits.jsonl" > /dev/null
end=$(date +%s.%N)
awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "otbill code --batch:  %.2fs  %.0f visits/s (real binary, file in, stdout to /dev/null)\n", e - s, n / (e - s) }' | tee -a "$out/code_batch.txt"
