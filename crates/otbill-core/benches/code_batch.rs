//! Coding throughput on generated JSON Lines visits (issue #2 benchmark).
//!
//! One run measures, on one thread over the same generated visits (best of three rounds
//! for each measurement; the machine is shared):
//! - parse: JSON line → `VisitInput` (`parse_visit`, as the batch does);
//! - engine: `Visit::resolve` + `code_visit` on already-parsed visits;
//! - serialize: coded visit → JSON line (`CodedVisit::write_json`, the batch path);
//! - end to end: all three per line, as `otbill code --batch` does;
//! - the same split measured the streaming way, by difference between loops.
//!
//! `cargo bench -p otbill-core --bench code_batch -- [--visits N] [--mix bench|realistic]
//! [--write FILE]` (`--write` also saves the generated JSON Lines for the binary benchmark
//! in `bench/code/run.sh`). Two generators: `bench`, the original mix (5-45 minutes, 80%
//! Medicare, assistants, untimed codes, all in 2026), and `realistic`, a practice's year
//! (issue #15): shorter services, half commercial, dates over two code-set years.

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

use otbill_core::{builtin, code_visit, Visit, VisitInput};

const TIMED: &[&str] = &[
    "97110", "97112", "97530", "97535", "97140", "97537", "97124", "97760",
];
const UNTIMED: &[&str] = &["97165", "97166", "97168", "97150", "G0283", "97018"];

/// xorshift64: deterministic, dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Realistic visits: 1–4 timed services of 5–45 minutes, sometimes an evaluation or a
/// modality, a quarter with assistant minutes, 80% Medicare.
pub fn generate(n: usize, seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let mut out = String::with_capacity(n * 180);
    for i in 0..n {
        let payer = if rng.below(5) == 0 {
            "commercial"
        } else {
            "medicare"
        };
        let day = 1 + rng.below(28);
        let month = 1 + rng.below(12);
        out.push_str(&format!(
            r#"{{"id":"v{i}","date":"2026-{month:02}-{day:02}","payer":"{payer}","discipline":"OT","services":["#
        ));
        let n_timed = 1 + rng.below(4) as usize;
        let start = rng.below(TIMED.len() as u64) as usize;
        for k in 0..n_timed {
            let code = TIMED[(start + k) % TIMED.len()];
            let minutes = 5 + rng.below(41);
            let assistant = if rng.below(4) == 0 {
                rng.below(minutes + 1)
            } else {
                0
            };
            if k > 0 {
                out.push(',');
            }
            out.push_str(&format!(
                r#"{{"code":"{code}","minutes":{minutes},"assistant_minutes":{assistant}}}"#
            ));
        }
        if rng.below(3) == 0 {
            let code = UNTIMED[rng.below(UNTIMED.len() as u64) as usize];
            out.push_str(&format!(
                r#",{{"code":"{code}","minutes":{}}}"#,
                10 + rng.below(40)
            ));
        }
        out.push_str("]}\n");
    }
    out
}

/// A practice's year (issue #15): 1-4 distinct timed codes per visit of 3-40 minutes
/// each, Medicare and commercial half each, dates over the twelve months from 2025-07-01
/// (so both the 2025 and the 2026 code sets are looked up).
pub fn generate_realistic(n: usize, seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let mut out = String::with_capacity(n * 140);
    let first = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default();
    for i in 0..n {
        let payer = if rng.below(2) == 0 {
            "commercial"
        } else {
            "medicare"
        };
        let date = first + chrono::Days::new(rng.below(365));
        out.push_str(&format!(
            r#"{{"id":"v{i}","date":"{date}","payer":"{payer}","discipline":"OT","services":["#
        ));
        let n_timed = 1 + rng.below(4) as usize;
        let mut codes: Vec<&str> = Vec::with_capacity(n_timed);
        while codes.len() < n_timed {
            let code = TIMED[rng.below(TIMED.len() as u64) as usize];
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        for (k, code) in codes.iter().enumerate() {
            let minutes = 3 + rng.below(38);
            if k > 0 {
                out.push(',');
            }
            out.push_str(&format!(r#"{{"code":"{code}","minutes":{minutes}}}"#));
        }
        out.push_str("]}\n");
    }
    out
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let n: usize = arg("--visits")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mix = arg("--mix").unwrap_or_else(|| "bench".into());
    let t = Instant::now();
    let data = match mix.as_str() {
        "realistic" => generate_realistic(n, 0x0015_2026),
        _ => generate(n, 0x0007_b111),
    };
    eprintln!(
        "generated {n} {mix} visits ({:.1} MB) in {:.2?}",
        data.len() as f64 / 1e6,
        t.elapsed()
    );
    if let Some(path) = arg("--write") {
        std::fs::write(&path, &data).expect("write the generated visits");
        eprintln!("wrote {path}");
    }
    let t = Instant::now();
    let (catalog, payers) = builtin();
    let load = t.elapsed();

    // Phases measured separately on chunks of 1,000 visits: small enough to stay in cache
    // as the streaming batch path does, so each phase is charged its own work. The machine
    // is shared and noisy: every phase (and the end-to-end loop below) runs ROUNDS times
    // and the best round of each is reported, the same treatment for all.
    const ROUNDS: usize = 3;
    let lines: Vec<&str> = data.lines().collect();
    let (mut parse, mut engine, mut ser) = (Duration::MAX, Duration::MAX, Duration::MAX);
    let mut buf = Vec::with_capacity(1 << 20);
    let mut out_bytes = 0usize;
    for _ in 0..ROUNDS {
        let (mut p, mut e, mut w) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        out_bytes = 0;
        for chunk in lines.chunks(1_000) {
            let t = Instant::now();
            let inputs: Vec<VisitInput> = chunk
                .iter()
                .map(|l| otbill_core::parse_visit(l).expect("generated JSON parses"))
                .collect();
            p += t.elapsed();
            let t = Instant::now();
            let coded: Vec<_> = inputs
                .iter()
                .map(|v| {
                    code_visit(
                        &Visit::resolve(v, &catalog, &payers).expect("generated visit resolves"),
                    )
                })
                .collect();
            e += t.elapsed();
            let t = Instant::now();
            for c in &coded {
                buf.clear();
                c.write_json(&mut buf);
                buf.push(b'\n');
                out_bytes += buf.len();
                black_box(&buf);
            }
            w += t.elapsed();
        }
        parse = parse.min(p);
        engine = engine.min(e);
        ser = ser.min(w);
    }

    // End to end, as `otbill code --batch` does it: one line at a time into an output buffer
    // flushed in 64 KiB writes.
    let end_to_end = |serde_path: bool| {
        let t = Instant::now();
        let mut sink = std::io::sink();
        let mut out: Vec<u8> = Vec::with_capacity(1 << 17);
        for l in &lines {
            let input: VisitInput = otbill_core::parse_visit(l).expect("parse");
            let coded = code_visit(&Visit::resolve(&input, &catalog, &payers).expect("resolve"));
            if serde_path {
                serde_json::to_writer(&mut out, &coded).expect("serialize");
            } else {
                coded.write_json(&mut out);
            }
            out.push(b'\n');
            if out.len() >= 1 << 16 {
                sink.write_all(&out).expect("write");
                out.clear();
            }
        }
        sink.write_all(&out).expect("write");
        t.elapsed()
    };
    let e2e = (0..ROUNDS)
        .map(|_| end_to_end(false))
        .min()
        .unwrap_or_default();
    let e2e_serde = (0..ROUNDS)
        .map(|_| end_to_end(true))
        .min()
        .unwrap_or_default();

    // The same split measured the streaming way: one visit at a time, as the batch runs,
    // by difference between a parse-only loop, a parse-and-code loop and the full loop
    // (each value dropped in its own loop, so drops are charged where they belong).
    let parse_only = || {
        let t = Instant::now();
        for l in &lines {
            let input: VisitInput = otbill_core::parse_visit(l).expect("parse");
            black_box(&input);
        }
        t.elapsed()
    };
    let parse_and_code = || {
        let t = Instant::now();
        for l in &lines {
            let input: VisitInput = otbill_core::parse_visit(l).expect("parse");
            let coded = code_visit(&Visit::resolve(&input, &catalog, &payers).expect("resolve"));
            black_box(&coded);
        }
        t.elapsed()
    };
    let s_parse = (0..ROUNDS).map(|_| parse_only()).min().unwrap_or_default();
    let s_code = (0..ROUNDS)
        .map(|_| parse_and_code())
        .min()
        .unwrap_or_default();
    let s_engine = s_code.saturating_sub(s_parse);
    let s_ser = e2e.saturating_sub(s_code);

    let per_s = |d: Duration| n as f64 / d.as_secs_f64();
    let phases = parse + engine + ser;
    let share = |d: Duration| 100.0 * d.as_secs_f64() / phases.as_secs_f64();
    println!("visits:              {n} ({mix} mix)");
    println!(
        "input:               {:.1} MB JSON Lines; output {:.1} MB",
        data.len() as f64 / 1e6,
        out_bytes as f64 / 1e6
    );
    println!("table load:          {load:.2?} (built-in catalog and payer profiles)");
    println!(
        "parse JSON:          {parse:>10.2?}  {:>12.0} visits/s  {:>5.1}%",
        per_s(parse),
        share(parse)
    );
    println!(
        "engine:              {engine:>10.2?}  {:>12.0} visits/s  {:>5.1}%",
        per_s(engine),
        share(engine)
    );
    println!(
        "serialize JSON:      {ser:>10.2?}  {:>12.0} visits/s  {:>5.1}%",
        per_s(ser),
        share(ser)
    );
    println!(
        "end to end:          {e2e:>10.2?}  {:>12.0} visits/s",
        per_s(e2e)
    );
    println!(
        "  with serde output: {e2e_serde:>10.2?}  {:>12.0} visits/s (serde_json::to_writer, for comparison)",
        per_s(e2e_serde)
    );
    println!(
        "engine / parse:      {:.2}",
        engine.as_secs_f64() / parse.as_secs_f64()
    );
    let whole = e2e.as_secs_f64();
    println!("streaming split (by difference, one visit at a time):");
    println!(
        "  parse {s_parse:.2?} ({:.1}%), engine {s_engine:.2?} ({:.1}%), serialize {s_ser:.2?} ({:.1}%), engine / parse {:.2}",
        100.0 * s_parse.as_secs_f64() / whole,
        100.0 * s_engine.as_secs_f64() / whole,
        100.0 * s_ser.as_secs_f64() / whole,
        s_engine.as_secs_f64() / s_parse.as_secs_f64()
    );
}
