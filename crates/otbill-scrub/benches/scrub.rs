//! Scrub-and-price throughput: 1,000,000 generated coded visits on one core, with the
//! shipped rule tables plus a synthetic full-size NCCI PTP table (CMS layout, 1,000,000
//! rows) loaded, and the cost of loading the tables.
//!
//! Run: `cargo bench -p otbill-scrub --bench scrub` (optionally `-- 200000` for fewer visits).

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use otbill_core::{CodedVisit, Discipline, Line};
use otbill_scrub::episode::{Episode, PlanOfCare, YearToDate};
use otbill_scrub::scrub::{scrub_coded, ClaimOptions, Engine};
use otbill_scrub::tables::ptp::PtpTable;
use otbill_scrub::{rules, Source};
use otbill_types::{CptCode, Modifier, Money};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn synthetic_ptp(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 60);
    s.push_str("SAMPLE synthetic full-size table for the benchmark\nColumn 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\tModifier\tPTP Edit Rationale\n");
    let mut rng = Rng(7);
    for i in 0..rows {
        let c1 = 10000 + (i % 89_000);
        let c2 = 10000 + rng.below(89_000);
        let del = if i % 5 == 0 { "20230101" } else { "*" };
        s.push_str(&format!(
            "{c1:05}\t{c2:05}\t\t20200101\t{del}\t{}\tMutually exclusive procedures\n",
            i % 2
        ));
    }
    s
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --benches` run a smoke-sized load.
    let args: Vec<String> = std::env::args().collect();
    let default_n = if args.iter().any(|a| a == "--bench") {
        1_000_000
    } else {
        2_000
    };
    let n: usize = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default_n);
    let ptp_rows = if default_n == 2_000 {
        10_000
    } else {
        1_000_000
    };

    let t = Instant::now();
    let (catalog, payers) = otbill_core::builtin();
    let core_ms = t.elapsed().as_secs_f64() * 1e3;

    let t = Instant::now();
    let mut rules = rules::builtin().expect("shipped tables load");
    let shipped_ms = t.elapsed().as_secs_f64() * 1e3;

    let text = synthetic_ptp(ptp_rows);
    let t = Instant::now();
    let big = PtpTable::parse(
        &text,
        Source::new(
            "synthetic-ptp.txt",
            NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
            true,
        ),
    )
    .expect("synthetic table loads");
    let big_ms = t.elapsed().as_secs_f64() * 1e3;
    let mb = text.len() as f64 / 1e6;
    rules.add_ptp(big);

    let payer = payers.get("medicare").expect("medicare profile");
    let engine = Engine {
        catalog: &catalog,
        payers: &payers,
        rules: &rules,
    };
    let pool = [
        "97530", "97110", "97112", "97140", "97535", "97150", "97165", "97168", "97010", "G0283",
        "97129",
    ];
    let pool: Vec<CptCode> = pool.iter().map(|c| CptCode::parse(c).unwrap()).collect();
    let mut rng = Rng(42);
    let mut templates = Vec::with_capacity(4096);
    let mut episodes = Vec::with_capacity(4096);
    for k in 0..4096 {
        let date =
            NaiveDate::from_ymd_opt(2025 + (k % 2), 1 + (k % 12) as u32, 1 + (k % 28) as u32)
                .unwrap();
        let n_lines = 1 + rng.below(4) as usize;
        let mut lines: Vec<Line> = Vec::new();
        for _ in 0..n_lines {
            let code = pool[rng.below(pool.len() as u64) as usize];
            if lines.iter().any(|l| l.code == code) {
                continue;
            }
            let mut modifiers = vec![Modifier::GO];
            if rng.below(4) == 0 {
                modifiers.push(Modifier::CO);
            }
            lines.push(Line {
                code,
                units: 1 + rng.below(3) as u32,
                modifiers: modifiers.into(),
                minutes: 15,
                why: Default::default(),
            });
        }
        lines.sort_by_key(|l| l.code);
        templates.push(CodedVisit {
            id: None,
            date,
            payer: "medicare".into(),
            discipline: Discipline::Ot,
            unit_method: payer.unit_method,
            lines,
            dropped: Vec::new(),
            total_timed_minutes: 45,
            total_timed_units: 3,
            findings: Vec::new(),
        });
        let start = date - chrono::Days::new(rng.below(120));
        episodes.push(Episode {
            plan_of_care: Some(PlanOfCare {
                discipline: Discipline::Ot,
                start,
                established: Some(start),
                certified: Some(start + chrono::Days::new(rng.below(40))),
                certified_through: None,
                delayed_certification_reason: None,
                signed_order: None,
                plan_sent_to_referrer: None,
                recertifications: Vec::new(),
                goals: vec!["goal".into()],
            }),
            treatment_days_since_progress_report: rng.below(12) as u32,
            year_to_date: YearToDate {
                ot: Money::new((rng.below(3200) as i64).into()),
                pt_slp: Money::ZERO,
            },
            medical_necessity_documented: rng.below(2) == 0,
            ..Episode::default()
        });
    }
    let claim = ClaimOptions {
        filing_date: NaiveDate::from_ymd_opt(2026, 3, 1),
        ..ClaimOptions::default()
    };

    // Warm up, then time.
    for i in 0..10_000 {
        black_box(scrub_coded(
            &engine,
            payer,
            templates[i % 4096].clone(),
            &episodes[i % 4096],
            &claim,
            None,
        ));
    }
    let t = Instant::now();
    let mut findings = 0usize;
    let mut cents = rust_decimal::Decimal::ZERO;
    for i in 0..n {
        let s = scrub_coded(
            &engine,
            payer,
            templates[i % 4096].clone(),
            &episodes[i % 4096],
            &claim,
            None,
        );
        findings += s.findings.len();
        cents += s.totals.allowed.amount();
        black_box(&s);
    }
    let secs = t.elapsed().as_secs_f64();
    println!("rule tables: shipped set {shipped_ms:.2} ms; code catalog + payers {core_ms:.2} ms");
    println!("synthetic NCCI PTP table: {ptp_rows} rows, {mb:.1} MB, parsed and indexed in {big_ms:.0} ms ({:.0} rows/s)", ptp_rows as f64 / (big_ms / 1e3));
    println!("scrubbed and priced {n} visits in {secs:.3} s on one thread: {:.0} visits/s ({:.2} µs/visit; clone of the coded visit included)", n as f64 / secs, secs * 1e6 / n as f64);
    println!("checksum: {findings} findings, ${cents} allowed");
}
