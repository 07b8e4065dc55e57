#!/usr/bin/env bash
# README's test command: formatting, lints, the whole test suite (the conformance tests
# over ../shared/x12-samples run when that folder exists; the store and server tests need
# OTBILL_TEST_PG_URL), then the browser tests of the web app in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --quiet
./e2e/run.sh
