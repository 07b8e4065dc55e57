//! Shared test helpers: a fresh database per test on each engine.
//!
//! SQLite: a file in a temporary folder. PostgreSQL: a new database on the server named by
//! `OTBILL_TEST_PG_URL` (see `scripts/pg-test-server.sh`). When that variable is unset the
//! PostgreSQL tests fail, unless `OTBILL_SKIP_PG=1` says to skip them (they then print that
//! they were skipped).

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use otbill_scrub::scrub::Engine;

/// A fresh database: its URL and what keeps it alive.
pub struct Fresh {
    /// The database URL or SQLite path.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite file.
pub fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = dir.path().join("t.db").display().to_string();
    Fresh {
        url,
        _dir: Some(dir),
    }
}

/// A new PostgreSQL database, or `None` when skipping was asked for explicitly.
pub fn postgres() -> Option<Fresh> {
    let Ok(base) = std::env::var("OTBILL_TEST_PG_URL") else {
        if std::env::var("OTBILL_SKIP_PG").as_deref() == Ok("1") {
            eprintln!("SKIPPED: PostgreSQL test (OTBILL_SKIP_PG=1)");
            return None;
        }
        panic!("OTBILL_TEST_PG_URL is not set: start a server with scripts/pg-test-server.sh, or set OTBILL_SKIP_PG=1 to skip the PostgreSQL tests");
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "otbill_t_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin =
        postgres::Client::connect(&base, postgres::NoTls).expect("connect to OTBILL_TEST_PG_URL");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database name");
    Some(Fresh {
        url: format!("{prefix}/{name}"),
        _dir: None,
    })
}

/// Runs `f` on both engines' fresh databases.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { let db = $crate::common::sqlite(); super::$name(&db.url); })*
        }
        mod postgres {
            $(#[test] fn $name() { if let Some(db) = $crate::common::postgres() { super::$name(&db.url); } })*
        }
    };
}

/// The built-in coding and scrubbing rules.
pub struct Rules {
    /// Codes.
    pub catalog: otbill_core::Catalog,
    /// Payer profiles.
    pub payers: otbill_core::Payers,
    /// Rule tables.
    pub rules: otbill_scrub::RuleSet,
}

/// Loads the built-in rules.
pub fn rules() -> Rules {
    let (catalog, payers) = otbill_core::builtin();
    Rules {
        catalog,
        payers,
        rules: otbill_scrub::rules::builtin().expect("builtin rules"),
    }
}

impl Rules {
    /// The scrub engine over these rules.
    pub fn engine(&self) -> Engine<'_> {
        Engine {
            catalog: &self.catalog,
            payers: &self.payers,
            rules: &self.rules,
        }
    }
}

/// The demo run through on `today`, then two more visits of patient A1003 (Aetna) in
/// November 2026, claimed, batched and answered partly paid (20% coinsurance), so that
/// A1003 has two claims with a patient balance besides what the demo left. Returns the
/// store, A1003's id and the two claims.
pub fn demo_with_patient_balances(
    url: &str,
    dir: &std::path::Path,
    today: chrono::NaiveDate,
) -> (otbill_store::Store, i64, Vec<i64>) {
    use otbill_store::records::{Visit, VisitService};
    use otbill_store::sim::{self, RemitSpec, Verdict};
    let mut s = otbill_store::Store::open(url).unwrap();
    let r = rules();
    otbill_store::demo::run(&mut s, dir, &r.engine(), today).unwrap();
    let patient = s.patient_id_by_account("A1003").unwrap().unwrap();
    let npi = otbill_837p::synth::npi_from_base(134_567_890)
        .unwrap()
        .as_str()
        .to_owned();
    let mut claims = Vec::new();
    for day in [3, 10] {
        let v = s
            .add_visit(&Visit {
                patient_account: "A1003".into(),
                provider_npi: npi.clone(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
                place_of_service: "11".into(),
                progress_report: false,
                services: vec![VisitService {
                    code: "97530".into(),
                    minutes: Some(38),
                    assistant_minutes: None,
                }],
            })
            .unwrap();
        let o = s.claim_visit(v, &r.engine()).unwrap();
        assert!(!o.blocked, "{:?}", o.findings);
        claims.push(o.claim_id.unwrap());
    }
    let batches = s.build_batches(&dir.join("outbox2"), 5000).unwrap();
    assert_eq!(batches.len(), 1);
    let file = s.batch_file(batches[0].batch_id).unwrap();
    let remit = sim::remit_835(
        &file,
        &RemitSpec {
            trace: "EFTNOV0001".into(),
            payer_name: "AETNA".into(),
            payer_id: "1000060054".into(),
            control_number: 990_001,
            date: today,
        },
        |_, _| Verdict::PartlyPaid,
    )
    .unwrap();
    s.post_835(&remit, "nov.835", false).unwrap();
    (s, patient, claims)
}
