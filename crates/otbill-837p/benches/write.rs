//! 837P writing throughput (target: at least 200,000 claims/s).
//!
//! `cargo bench -p otbill-837p --bench write` prints claims/s and MB/s (10^6 bytes) for
//! checking plus writing (what `write_837p` does) over deterministic synthetic OT claims
//! (`synth::claim_file`, 1-4 lines each, 5000 claims per ST), best of several runs.

use otbill_837p::{check_file, synth, write_837p, WriteOptions};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn best_of(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        bytes = black_box(f());
        best = best.min(start.elapsed());
    }
    (best, bytes)
}

fn report(what: &str, claims: usize, (time, bytes): (Duration, usize)) {
    let secs = time.as_secs_f64();
    println!(
        "{what:<28} {claims:>7} claims  {:>8.1} ms  {:>10.0} claims/s  {:>7.1} MB/s",
        secs * 1e3,
        claims as f64 / secs,
        bytes as f64 / secs / 1e6,
    );
}

fn main() {
    // `cargo test --benches` passes `--bench`-less args; keep that run short.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 2_000 } else { 200_000 };
    let runs = if quick { 1 } else { 7 };
    let file = synth::claim_file(42, n);
    let options = WriteOptions::default();
    let mut buf = Vec::with_capacity(n * 600);

    report(
        "check + write (write_837p)",
        n,
        best_of(runs, || {
            buf.clear();
            let summary = write_837p(&file, &options, &mut buf).expect("write");
            assert_eq!(summary.written.len(), n);
            buf.len()
        }),
    );
    report(
        "checks only (check_file)",
        n,
        best_of(runs, || check_file(&file).len() + buf.len()),
    );
}
