//! Throughput of the X12 reader and the 835 parser on the deterministic
//! ~10 MB inputs of `support/gen.rs` (or the files named by `X12_BENCH_837`
//! and `X12_BENCH_835`). Prints one tab-separated line per measurement,
//! best of `X12_BENCH_RUNS` (default 5) runs. `bench/x12/run.sh` runs it next
//! to the peers.

#[path = "support/gen.rs"]
mod gen;

use std::hint::black_box;
use std::time::Instant;

fn input(
    var: &str,
    make: fn(Vec<u8>, usize) -> Result<Vec<u8>, otbill_x12::WriteError>,
) -> Vec<u8> {
    match std::env::var(var) {
        Ok(path) => std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
        Err(_) => make(Vec::new(), 10_000_000).unwrap_or_else(|e| panic!("generator: {e}")),
    }
}

fn best(runs: usize, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut out = 0;
    for _ in 0..runs {
        let start = Instant::now();
        out = black_box(f());
        best = best.min(start.elapsed().as_secs_f64());
    }
    (best, out)
}

fn report(name: &str, bytes: usize, (secs, count): (f64, usize), unit: &str) {
    println!(
        "{name}\t{bytes}\t{secs:.4}\t{:.1} MB/s\t{count} {unit}",
        bytes as f64 / 1e6 / secs
    );
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing.
    let runs: usize = std::env::var("X12_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let claims = input("X12_BENCH_837", gen::write_837);
    let remits = input("X12_BENCH_835", gen::write_835);

    for (label, bytes) in [("837p", &claims), ("835", &remits)] {
        report(
            &format!("tokenize-segments/{label}"),
            bytes.len(),
            best(runs, || otbill_x12::Reader::new(bytes).count()),
            "segments",
        );
        report(
            &format!("tokenize-elements/{label}"),
            bytes.len(),
            best(runs, || {
                otbill_x12::Reader::new(bytes)
                    .map(|s| s.elements().map(|e| e.as_bytes().len()).sum::<usize>())
                    .sum()
            }),
            "element bytes",
        );
        report(
            &format!("envelope-check/{label}"),
            bytes.len(),
            best(runs, || otbill_x12::check(bytes).len()),
            "findings",
        );
    }
    let era = otbill_era::parse_835(&remits);
    assert!(
        era.balanced() && era.findings.is_empty(),
        "generated 835 must balance"
    );
    report(
        "typed-835-balanced/835",
        remits.len(),
        best(runs, || {
            let era = otbill_era::parse_835(&remits);
            era.remittances.iter().map(|r| r.claims.len()).sum()
        }),
        "claims",
    );
    // The same parse with the result's deallocation kept out of the timing.
    let mut kept = Vec::new();
    let mut best_parse = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let era = otbill_era::parse_835(&remits);
        best_parse = best_parse.min(start.elapsed().as_secs_f64());
        kept.push(era);
    }
    report(
        "typed-835-balanced-nodrop/835",
        remits.len(),
        (best_parse, kept.len()),
        "parses",
    );
    drop(kept);
    report(
        "typed-835-stream/835",
        remits.len(),
        best(runs, || {
            otbill_era::Stream835::new(&remits[..])
                .filter(|e| matches!(e, Ok(otbill_era::Event::Claim(_))))
                .count()
        }),
        "claims",
    );
    report(
        "writer-835/835",
        remits.len(),
        best(runs, || {
            gen::write_835(Vec::with_capacity(remits.len() + 4096), remits.len())
                .map_or(0, |v| v.len())
        }),
        "bytes written",
    );
}
