#!/usr/bin/env bash
# Load test of `otbill serve`'s visit-coding endpoint with wrk, on loopback only.
#
# Builds the release binary, starts it on a free port with a fresh SQLite database,
# creates a therapist and an API token through the API, runs wrk for DURATION seconds
# (default 15) with CONNECTIONS connections (default 64), prints the figures, stops the
# server. Needs wrk and curl (Debian packages `wrk`, `curl`).
#
#   bench/serve/run.sh            # or DURATION=30 CONNECTIONS=128 bench/serve/run.sh
#
# Exit status is non-zero when any request failed or the targets (>= 5000 req/s, p99 < 20
# ms) were missed and CHECK=1 is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
TARGET=${CARGO_TARGET_DIR:-target}
OUT=${OUT:-bench-out/serve}
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "run.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "run.sh: curl is not installed" >&2; exit 2; }

cargo build --release -q -p otbill-cli
BIN="$TARGET/release/otbill"

WORK=$(mktemp -d)
PASSWORD="bench-admin-password"
cleanup() {
  if [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

OTBILL_ADMIN_PASSWORD=$PASSWORD RUST_LOG=${RUST_LOG:-info} \
  "$BIN" serve --listen 127.0.0.1:0 --db "$WORK/otbill.db" --insecure-cookies \
  2>"$OUT/server.log" &
PID=$!

ADDR=""
for _ in $(seq 1 100); do
  ADDR=$(grep -o 'listening on http://[0-9.:]*' "$OUT/server.log" | head -1 | sed 's|listening on http://||' || true)
  [ -n "$ADDR" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 2; }
  sleep 0.1
done
[ -n "$ADDR" ] || { echo "run.sh: the server did not start" >&2; cat "$OUT/server.log" >&2; exit 2; }
case "$ADDR" in 127.*) ;; *) echo "run.sh: refusing non-loopback address $ADDR" >&2; exit 2 ;; esac
BASE="http://$ADDR"

JAR="$WORK/cookies"
CSRF=$(curl -sf -c "$JAR" -H 'Content-Type: application/json' \
  -d "{\"username\": \"admin\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/session" \
  | sed 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/')
curl -sf -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
  -d '{"username": "bench-emr", "role": "therapist", "password": "bench-therapist-pw"}' \
  "$BASE/api/v1/users" >/dev/null
TOKEN=$(curl -sf -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
  -d '{"username": "bench-emr", "label": "wrk"}' "$BASE/api/v1/tokens" \
  | sed 's/.*"token":"\([^"]*\)".*/\1/')
export OTBILL_BENCH_TOKEN=$TOKEN

# One request by hand first: it must succeed.
curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"date": "2026-03-02", "payer": "medicare", "services": [{"code": "97110", "minutes": 23}]}' \
  "$BASE/api/v1/visits/code" >/dev/null

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s against $BASE/api/v1/visits/code (loopback)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency \
  -s bench/serve/post.lua "$BASE/api/v1/visits/code" | tee "$OUT/wrk.txt"

LINE=$(grep '^otbill:' "$OUT/wrk.txt")
RPS=$(echo "$LINE" | sed 's/.* rps=\([0-9]*\).*/\1/')
P99=$(echo "$LINE" | sed 's/.* p99_ms=\([0-9.]*\).*/\1/')
NON200=$(echo "$LINE" | sed 's/.* non200=\([0-9]*\).*/\1/')
SOCK=$(echo "$LINE" | sed 's/.* socket_errors=\([0-9]*\).*/\1/')
echo "result: ${RPS} req/s, p99 ${P99} ms, non-200 ${NON200}, socket errors ${SOCK}"
if [ "${CHECK:-0}" = 1 ]; then
  awk -v r="$RPS" -v p="$P99" -v n="$NON200" -v s="$SOCK" \
    'BEGIN { exit !(r >= 5000 && p < 20 && n == 0 && s == 0) }' \
    || { echo "run.sh: targets missed (>= 5000 req/s, p99 < 20 ms, no errors)" >&2; exit 1; }
fi
