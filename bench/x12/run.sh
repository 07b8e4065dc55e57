#!/usr/bin/env bash
# X12 benchmarks: otbill-x12 / otbill-era against peers, in one run, on the
# same deterministic ~10 MB 837P and 835 (crates/otbill-era/examples/x12gen.rs),
# then the real `otbill remit FILE > /dev/null` (the whole process: read, parse, JSON
# out) on the same 835, then peak RSS while streaming a generated 1 GB 835.
#
#   bash bench/x12/run.sh            # everything (about 5 minutes)
#   SKIP_1G=1 bash bench/x12/run.sh  # without the 1 GB stream
#   BEFORE=/path/to/otbill bash ...  # also time another `otbill` binary's remit
#
# Peers are installed under bench-out/ (gitignored): node-x12 (npm),
# oxedi (PyPI, in a venv) and the `edi` crate (bench/x12/edi-peer, its own
# workspace because the crate is GPL-3.0). Results: bench-out/x12-results.tsv.
# Machines are noisy 2-core boxes: compare the ratios, not absolute MB/s.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench-out
RUNS=${RUNS:-5}
mkdir -p "$OUT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

# --- inputs and builds --------------------------------------------------------
cargo build --quiet --release -p otbill-era --examples
cargo build --quiet --release --bin otbill
BIN=$CARGO_TARGET_DIR/release/examples
[ -s "$OUT/bench.837" ] || "$BIN/x12gen" 837 10000000 "$OUT/bench.837"
[ -s "$OUT/bench.835" ] || "$BIN/x12gen" 835 10000000 "$OUT/bench.835"
[ -d "$OUT/node_modules/node-x12" ] || (cd "$OUT" && npm install --silent --no-save node-x12@1.7.1 >/dev/null)
[ -x "$OUT/venv/bin/python" ] || python3 -m venv "$OUT/venv"
"$OUT/venv/bin/python" -c 'import oxedi' 2>/dev/null || "$OUT/venv/bin/pip" install --quiet oxedi==0.6.0
CARGO_TARGET_DIR=$PWD/$OUT/edi-target cargo build --quiet --release --manifest-path bench/x12/edi-peer/Cargo.toml

# --- one run: ours, then each peer on the same files --------------------------
RES=$OUT/x12-results.tsv
: > "$RES"
X12_BENCH_RUNS=$RUNS X12_BENCH_837=$PWD/$OUT/bench.837 X12_BENCH_835=$PWD/$OUT/bench.835 \
  cargo bench --quiet -p otbill-era --bench throughput 2>/dev/null | grep 'MB/s' | sed 's/^/otbill\t/' | tee -a "$RES"
"$OUT/edi-target/release/edi-peer" "$RUNS" "$OUT/bench.837" "$OUT/bench.835" | sed 's/^/peer\t/' | tee -a "$RES"
"$OUT/venv/bin/python" bench/x12/oxedi_bench.py 3 "$OUT/bench.835" | sed 's/^/peer\t/' | tee -a "$RES"
NODE_PATH=$PWD/$OUT/node_modules node bench/x12/node_x12.js 2 "$OUT/bench.837" "$OUT/bench.835" | sed 's/^/peer\t/' | tee -a "$RES"

# --- the real binary: `otbill remit FILE > /dev/null`, best of RUNS ---------------
# Prints a line like the others: name, file, bytes, seconds, MB/s.
# The 835 is cut into parts of whole transactions written on every core (up to 8), so
# the figure depends on how many cores are free: the line says how many there are.
time_remit() {
  local bin=$1 name=$2 best= size
  shift 2
  size=$(stat -c %s "$OUT/bench.835")
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s.%N)
    "$bin" remit "$@" "$OUT/bench.835" > /dev/null
    end=$(date +%s.%N)
    best=$(awk -v b="$best" -v s="$start" -v e="$end" 'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }')
  done
  awk -v n="$name" -v f="$OUT/bench.835" -v z="$size" -v t="$best" \
    -v c="$(nproc)" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "%s\t%s\t%d\t%.4f\t%.1f MB/s\t(whole process, JSON to /dev/null; %d cores, load %s)\n", n, f, z, t, z / 1e6 / t, c, l }'
}
time_remit "$CARGO_TARGET_DIR/release/otbill" remit-cli | sed 's/^/otbill\t/' | tee -a "$RES"
time_remit "$CARGO_TARGET_DIR/release/otbill" remit-cli-compact --compact | sed 's/^/otbill\t/' | tee -a "$RES"
if [ -n "${BEFORE:-}" ]; then
  time_remit "$BEFORE" remit-cli-before | sed 's/^/before\t/' | tee -a "$RES"
fi

# --- ratios -------------------------------------------------------------------
mbs() { grep -P "$1" "$RES" | grep -oP '[0-9.]+(?= MB/s)' | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'; }
tok835=$(mbs 'tokenize-segments/835'); typed=$(mbs 'typed-835-balanced/835'); streamed=$(mbs 'typed-835-stream/835')
borrowed=$(mbs 'typed-835-borrowed/835')
edi835=$(mbs 'edi-crate.*bench.835'); ox=$(mbs 'oxedi'); node835=$(mbs 'node-x12.*bench.835')
echo "ratios (835): tokenize vs edi crate $(ratio "$tok835" "$edi835"), vs node-x12 $(ratio "$tok835" "$node835");" \
  "typed+balancing vs oxedi $(ratio "$typed" "$ox") (whole input), $(ratio "$streamed" "$ox") (streamed)," \
  "$(ratio "$borrowed" "$ox") (borrowed view)" | tee -a "$RES"
remit=$(mbs 'remit-cli\t')
compact=$(mbs 'remit-cli-compact\t')
echo "ratio (835): otbill remit, the whole process with JSON out, vs oxedi $(ratio "$remit" "$ox") ($remit vs $ox MB/s);" \
  "--compact $(ratio "$compact" "$ox") ($compact MB/s)" | tee -a "$RES"
if [ -n "${BEFORE:-}" ]; then
  before=$(mbs 'remit-cli-before')
  echo "ratio (835): before binary's otbill remit vs oxedi $(ratio "$before" "$ox") ($before MB/s); after / before $(ratio "$remit" "$before")" | tee -a "$RES"
fi

# --- 1 GB streamed: peak RSS ----------------------------------------------------
if [ -z "${SKIP_1G:-}" ]; then
  BIG=${BIG:-${TMPDIR:-/tmp}/otbill-1g.835}
  [ -s "$BIG" ] || "$BIN/x12gen" 835 1000000000 "$BIG"
  "$BIN/stream835" "$BIG" | sed 's/^/otbill\t/' | tee -a "$RES"
  [ -n "${KEEP_1G:-}" ] || rm -f "$BIG"
fi
