#!/usr/bin/env bash
# Browser tests: start the e2e server (demo practice, fresh database, free loopback port),
# run e2e/run.mjs in Debian's headless Chromium, stop the server, then search the server's
# log for the test patients' PHI (names, dates of birth, member ids): any hit fails.
#
# Needs: apt chromium; `npm ci` in e2e/. Screenshots: target/test-output/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/test-output}
SHOTS="$OUT/screenshots"
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build -q -p otbill-server --example e2e_server
BIN="$CARGO_TARGET_DIR/debug/examples/e2e_server"

WORK=$(mktemp -d)
cleanup() {
  if [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export E2E_PASSWORD="e2e-password-$$"
RUST_LOG=${RUST_LOG:-debug} "$BIN" "$WORK" >"$WORK/stdout" 2>"$OUT/e2e-server.log" &
PID=$!
BASE=""
for _ in $(seq 1 300); do
  BASE=$(sed -n 's/^E2E_READY //p' "$WORK/stdout" | head -1)
  [ -n "$BASE" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$OUT/e2e-server.log" >&2; exit 2; }
  sleep 0.1
done
[ -n "$BASE" ] || { echo "e2e: the server did not start" >&2; exit 2; }

status=0
BASE_URL="$BASE" ERA_FILE="$WORK/remit.835" SHOTS="$SHOTS" node e2e/run.mjs || status=$?

kill -TERM "$PID" 2>/dev/null || true
wait "$PID" 2>/dev/null || true
PID=""

# No PHI in the logs of the whole run.
if grep -F -f "$WORK/phi.txt" "$OUT/e2e-server.log" >"$OUT/e2e-phi-hits.txt"; then
  echo "e2e: PHI found in the server log:" >&2
  head -5 "$OUT/e2e-phi-hits.txt" >&2
  status=1
else
  echo "e2e: no PHI in $(wc -l <"$OUT/e2e-server.log") log lines ($(wc -l <"$WORK/phi.txt") patterns)"
fi
exit $status
