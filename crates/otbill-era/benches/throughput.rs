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

/// Folds every typed field of the borrowed view into a number that is
/// printed, so none of the parsing can be optimized away.
#[derive(Default, Clone, Copy)]
struct Checksum {
    claims: usize,
    lines: usize,
    adjustments: usize,
    unbalanced: usize,
    hash: u64,
}

impl Checksum {
    fn mix(&mut self, x: u64) {
        self.hash = (self.hash ^ x).wrapping_mul(0x100_0000_01b3);
    }
    fn bytes(&mut self, b: &[u8]) {
        let head = b
            .iter()
            .take(8)
            .fold(0u64, |acc, x| acc << 8 | u64::from(*x));
        self.mix(head ^ b.len() as u64);
    }
    fn money(&mut self, d: rust_decimal::Decimal) {
        self.mix(d.mantissa() as u64 ^ u64::from(d.scale()));
    }
    fn adjustment(&mut self, a: otbill_era::AdjustmentRef<'_>) {
        self.adjustments += 1;
        self.bytes(a.group);
        self.bytes(a.reason);
        self.money(a.amount);
    }
}

impl otbill_era::RemitVisitor for Checksum {
    fn claim(&mut self, c: &otbill_era::ClaimRef<'_>) {
        self.claims += 1;
        self.unbalanced += usize::from(!c.balanced());
        self.bytes(c.patient_control_number());
        self.bytes(c.status());
        self.bytes(c.payer_claim_number());
        self.money(c.charge());
        self.money(c.paid());
        self.money(c.patient_responsibility());
        if let Some([last, first, id]) = c.patient() {
            self.bytes(last);
            self.bytes(first);
            self.bytes(id);
        }
        for a in c.adjustments() {
            self.adjustment(a);
        }
        for d in c.dates() {
            self.bytes(d.qualifier);
            self.mix(chrono::Datelike::num_days_from_ce(&d.value) as u64);
        }
        for l in c.lines() {
            self.lines += 1;
            let p = l.procedure_code();
            self.bytes(p.code());
            for m in p.modifiers() {
                self.bytes(m);
            }
            self.money(l.charge());
            self.money(l.paid());
            self.money(l.units());
            self.mix(u64::from(l.balanced()));
            if let Some(n) = l.control_number() {
                self.bytes(n);
            }
            if let Some(a) = l.allowed() {
                self.money(a);
            }
            for a in l.adjustments() {
                self.adjustment(a);
            }
            for d in l.dates() {
                self.mix(chrono::Datelike::num_days_from_ce(&d.value) as u64);
            }
            for r in l.remarks() {
                self.bytes(r);
            }
        }
    }
    fn remittance(&mut self, r: otbill_era::Remittance) {
        self.unbalanced += usize::from(!r.balanced);
        self.money(r.payment_amount);
    }
}

fn best_sum(runs: usize, mut f: impl FnMut() -> Checksum) -> (f64, Checksum) {
    let mut best = f64::MAX;
    let mut out = Checksum::default();
    for _ in 0..runs {
        let start = Instant::now();
        out = black_box(f());
        best = best.min(start.elapsed().as_secs_f64());
    }
    (best, out)
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing.
    let runs: usize = std::env::var("X12_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    // `X12_BENCH_ONLY=typed-835-borrowed` runs just the lines whose names
    // start so (for callgrind).
    let only = std::env::var("X12_BENCH_ONLY").ok();
    let want = |name: &str| only.as_deref().is_none_or(|o| name.starts_with(o));
    let claims = input("X12_BENCH_837", gen::write_837);
    let remits = input("X12_BENCH_835", gen::write_835);

    for (label, bytes) in [("837p", &claims), ("835", &remits)] {
        if !want("tokenize") {
            continue;
        }
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
    if want("typed-835-balanced") {
        typed(runs, &remits);
    }
    if want("typed-835-stream") {
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
    }
    if want("typed-835-borrowed") {
        borrowed(runs, &remits);
    }
    if want("json-835") {
        // What `otbill remit` does after reading the file, its output thrown away.
        report(
            "json-835-pretty/835",
            remits.len(),
            best(runs, || {
                let mut sink = std::io::sink();
                otbill_era::write_835_json(&remits, otbill_era::JsonStyle::Pretty, &mut sink)
                    .map_or(0, |w| w.remittances)
            }),
            "remittances",
        );
    }
    if want("writer") {
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
}

fn typed(runs: usize, remits: &[u8]) {
    let era = otbill_era::parse_835(remits);
    assert!(
        era.balanced() && era.findings.is_empty(),
        "generated 835 must balance"
    );
    report(
        "typed-835-balanced/835",
        remits.len(),
        best(runs, || {
            let era = otbill_era::parse_835(remits);
            era.remittances.iter().map(|r| r.claims.len()).sum()
        }),
        "claims",
    );
    // The same parse with the result's deallocation kept out of the timing.
    let mut kept = Vec::new();
    let mut best_parse = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let era = otbill_era::parse_835(remits);
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
}

fn borrowed(runs: usize, remits: &[u8]) {
    let (secs, sum) = best_sum(runs, || {
        let mut sum = Checksum::default();
        otbill_era::visit_835(remits, &mut sum);
        sum
    });
    println!(
        "typed-835-borrowed/835\t{}\t{secs:.4}\t{:.1} MB/s\t{} claims, {} lines, {} adjustments, {} unbalanced, checksum {:016x}",
        remits.len(),
        remits.len() as f64 / 1e6 / secs,
        sum.claims,
        sum.lines,
        sum.adjustments,
        sum.unbalanced,
        sum.hash
    );
}
