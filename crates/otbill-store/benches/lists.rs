//! Claims list benchmark: a page of 50 claims out of N (default 1,000,000) on SQLite and,
//! when given a URL, PostgreSQL, the way the biller's `/claims` page asks for it: the
//! first page by date, a deep page, a patient filter, and the first page by balance.
//!
//! ```text
//! cargo bench -p otbill-store --bench lists -- [--claims 1000000] [--runs 40] [--pg postgres://...]
//! ```
//! `bench/lists/run.sh` starts a PostgreSQL server and runs both. Prints one line per
//! query: `engine  query  claims  p50 ms  p99 ms  max ms` (the sort by balance, which sums
//! every claim's ledger rows, runs at most 5 times).

use std::time::Instant;

use otbill_store::lists::{ClaimQuery, ClaimSort};
use otbill_store::records::{Address, Patient};
use otbill_store::Store;

fn main() {
    let mut claims = 1_000_000usize;
    let mut runs = 40usize;
    let mut pg: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--claims" => claims = args.next().and_then(|n| n.parse().ok()).unwrap_or(claims),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            "--pg" => pg = args.next(),
            _ => {}
        }
    }
    let dir = std::env::temp_dir().join(format!("otbill-lists-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite = dir.join("lists.db").display().to_string();
    println!("engine    query                  claims    p50 ms    p99 ms    max ms");
    run("sqlite", &sqlite, claims, runs);
    if let Some(url) = pg {
        run("postgres", &url, claims, runs);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn run(engine: &str, url: &str, n: usize, runs: usize) {
    let mut store = Store::open(url).expect("open");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    otbill_store::demo::fill(&mut store, today).expect("practice");
    // The payers the synthetic claim files name.
    for (name, id, fi) in [
        ("MEDICARE PART B", "04412", "MB"),
        ("CASCADE HEALTH PLAN", "CHP01", "CI"),
        ("STATE MEDICAID", "SKMCD", "MC"),
    ] {
        store
            .add_payer(&otbill_store::records::Payer {
                payer_id: id.into(),
                name: name.into(),
                profile: "commercial".into(),
                filing_indicator: fi.into(),
            })
            .expect("payer");
    }
    // The claims belong to a few hundred patients, imported in chunks.
    let patients = 400;
    for i in 0..patients {
        store
            .add_patient(&Patient {
                account: format!("L{i:05}"),
                last_name: format!("PATIENT{}", i % 97),
                first_name: format!("FIRST{i}"),
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
    }
    let t = Instant::now();
    let chunk = (n / patients).clamp(1, 25_000);
    let mut done = 0;
    let mut k = 0;
    while done < n {
        let size = chunk.min(n - done);
        let mut file = otbill_837p::synth::claim_file(42 + k as u64, size);
        store
            .import_claims(&format!("L{:05}", k % patients), &mut file.claims)
            .expect("import");
        done += size;
        k += 1;
    }
    eprintln!(
        "{engine}: {n} claims imported in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if store.engine() == otbill_store::Engine::Postgres {
        // The steady state of a database that holds these claims: autovacuum analyzes the
        // tables within a minute of a bulk load; a plan made before that, on empty-table
        // statistics, is what nobody would measure.
        store.raw_exec("ANALYZE", &[]).expect("analyze");
    }
    let q = |page: u32, sort: ClaimSort, patient: Option<&str>| ClaimQuery {
        page: Some(page),
        per_page: Some(50),
        sort,
        patient: patient.map(str::to_owned),
        ..ClaimQuery::default()
    };
    let deep = u32::try_from(n / 50 / 2).unwrap_or(1).max(1);
    for (name, query) in [
        ("first page by date", q(1, ClaimSort::Date, None)),
        ("middle page by date", q(deep, ClaimSort::Date, None)),
        ("patient filter", q(1, ClaimSort::Date, Some("patient42"))),
        ("first page by balance", q(1, ClaimSort::Balance, None)),
    ] {
        // Sorting by balance sums every claim's ledger rows: a few runs say enough.
        let runs = if query.sort == ClaimSort::Balance {
            runs.min(5)
        } else {
            runs
        };
        let mut ms: Vec<f64> = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let page = store.claim_page(&query, today).expect("page");
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(page.rows.len() <= 50 && page.total > 0);
        }
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
        println!(
            "{engine:<9} {name:<22} {n:>7} {:>9.1} {:>9.1} {:>9.1}",
            at(0.50),
            at(0.99),
            ms[ms.len() - 1]
        );
    }
}
