//! Ledger benchmark: build an 837P batch of N claims, then post an 835 of N claims, on
//! SQLite (a temporary file) and, when given a URL, on PostgreSQL.
//!
//! ```text
//! cargo bench -p otbill-store --bench ledger -- [--claims 100000] [--pg postgres://...]
//! ```
//! `bench/ledger/run.sh` starts a PostgreSQL server and runs both. Prints one line per
//! measure: `engine  step  claims  seconds  claims/s`.

use std::time::Instant;

use otbill_store::records::{Address, Patient, Payer};
use otbill_store::sim::{self, RemitSpec, Verdict};
use otbill_store::Store;

fn main() {
    let mut claims = 100_000usize;
    let mut pg: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--claims" => claims = args.next().and_then(|n| n.parse().ok()).unwrap_or(claims),
            "--pg" => pg = args.next(),
            _ => {}
        }
    }
    let dir = std::env::temp_dir().join(format!("otbill-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite = dir.join("bench.db").display().to_string();
    println!("engine    step                 claims   seconds   claims/s");
    run("sqlite", &sqlite, claims, &dir);
    if let Some(url) = pg {
        run("postgres", &url, claims, &dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn report(engine: &str, step: &str, n: usize, t: Instant) {
    let s = t.elapsed().as_secs_f64();
    println!(
        "{engine:<9} {step:<20} {n:>7} {s:>9.2} {:>10.0}",
        n as f64 / s
    );
}

fn run(engine: &str, url: &str, n: usize, dir: &std::path::Path) {
    let mut store = Store::open(url).expect("open");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    otbill_store::demo::fill(&mut store, today).expect("practice");
    for (name, id, fi) in [
        ("MEDICARE PART B", "04412", "MB"),
        ("CASCADE HEALTH PLAN", "CHP01", "CI"),
        ("STATE MEDICAID", "SKMCD", "MC"),
    ] {
        store
            .add_payer(&Payer {
                payer_id: id.into(),
                name: name.into(),
                profile: "commercial".into(),
                filing_indicator: fi.into(),
            })
            .expect("payer");
    }
    store
        .add_patient(&Patient {
            account: "BENCH".into(),
            last_name: "BENCH".into(),
            first_name: "PATIENT".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1950, 1, 1).expect("date"),
            gender: "F".into(),
            address: Address {
                line1: "1 MAIN ST".into(),
                line2: None,
                city: "SALEM".into(),
                state: "OR".into(),
                zip: "97301".into(),
            },
            coverages: Vec::new(),
        })
        .expect("patient");
    let mut file = otbill_837p::synth::claim_file(42, n);
    let t = Instant::now();
    store
        .import_claims("BENCH", &mut file.claims)
        .expect("import");
    report(engine, "import (ready)", n, t);

    let outbox = dir.join(format!("outbox-{engine}"));
    let t = Instant::now();
    let batches = store.build_batches(&outbox, n).expect("batch");
    report(
        engine,
        "837P batch build",
        batches.iter().map(|b| b.claims).sum(),
        t,
    );

    let batch = store
        .batches()
        .expect("batches")
        .last()
        .map(|b| b.0)
        .expect("a batch");
    let file = store.batch_file(batch).expect("file");
    let spec = RemitSpec {
        trace: format!("BENCH{n}"),
        payer_name: "BENCH PAYER".into(),
        payer_id: "1999999999".into(),
        control_number: 1,
        date: today,
    };
    let remit = sim::remit_835(&file, &spec, |i, _| match i % 20 {
        0 => Verdict::Denied("50"),
        1 | 2 => Verdict::PartlyPaid,
        3 => Verdict::PaidWithoutLineRefs,
        _ => Verdict::Paid,
    })
    .expect("835");
    let t = Instant::now();
    let out = store.post_835(&remit, "bench.835", false).expect("post");
    let posted: usize = out.remittances.iter().map(|r| r.claims_posted).sum();
    report(engine, "835 posting", posted, t);
    assert_eq!(posted, file.claims.len());
    let t = Instant::now();
    let again = store
        .post_835(&remit, "bench.835", false)
        .expect("post again");
    assert!(again.remittances.iter().all(|r| r.duplicate));
    report(engine, "835 re-post (dup)", posted, t);
}
