//! The biller's lists on SQLite and PostgreSQL: claims a page at a time in a stable order
//! (no claim on two pages, none missed) sorted by balance with the balances the ledger
//! gives, filters by patient and payer name, and the patient search by name, account,
//! date of birth and member id.

mod common;

use otbill_store::lists::{ClaimQuery, ClaimSort};
use otbill_store::{demo, Store};

both!(
    pages_of_claims_sorted_by_balance_cover_every_claim_once,
    claims_filter_by_patient_payer_and_open_balance,
    patients_are_found_by_name_account_birth_date_and_member_id,
);

fn demo_store(url: &str) -> (Store, tempfile::TempDir) {
    let mut s = Store::open(url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let r = common::rules();
    demo::run(&mut s, dir.path(), &r.engine(), otbill_store::today()).unwrap();
    (s, dir)
}

fn pages_of_claims_sorted_by_balance_cover_every_claim_once(url: &str) {
    let (mut s, _dir) = demo_store(url);
    let all = s.claims(None).unwrap();
    // By date (the ids of a page come from the claims alone): every claim once, newest first.
    let mut by_date = Vec::new();
    for page in 1..=100 {
        let q = ClaimQuery {
            page: Some(page),
            per_page: Some(9),
            ..ClaimQuery::default()
        };
        let p = s.claim_page(&q, otbill_store::today()).unwrap();
        assert_eq!(p.total as usize, all.len());
        if p.rows.is_empty() {
            break;
        }
        by_date.extend(
            p.rows
                .iter()
                .map(|r| (r.service_date.clone(), r.id, r.balance)),
        );
    }
    assert!(
        by_date
            .windows(2)
            .all(|w| (&w[0].0, w[0].1) > (&w[1].0, w[1].1)),
        "not newest first"
    );
    for (_, id, balance) in &by_date {
        let d = s.claim(*id).unwrap();
        assert_eq!(*balance, d.payer_balance + d.patient_balance);
    }
    assert_eq!(by_date.len(), all.len());
    let mut seen = Vec::new();
    let mut last_balance = None;
    for page in 1..=100 {
        let q = ClaimQuery {
            sort: ClaimSort::Balance,
            page: Some(page),
            per_page: Some(7),
            ..ClaimQuery::default()
        };
        let p = s.claim_page(&q, otbill_store::today()).unwrap();
        assert_eq!(p.total as usize, all.len());
        if p.rows.is_empty() {
            break;
        }
        for r in &p.rows {
            // Descending by balance, across page boundaries too.
            assert!(
                last_balance.is_none_or(|b| b >= r.balance),
                "{last_balance:?} then {}",
                r.balance
            );
            last_balance = Some(r.balance);
            let detail = s.claim(r.id).unwrap();
            assert_eq!(
                r.balance,
                detail.payer_balance + detail.patient_balance,
                "claim {}",
                r.pcn
            );
            assert!(!r.patient_name.is_empty() && !r.payer_name.is_empty());
            seen.push(r.id);
        }
    }
    seen.sort_unstable();
    let mut want: Vec<i64> = all.clone();
    want.sort_unstable();
    assert_eq!(seen, want, "every claim once");
}

fn claims_filter_by_patient_payer_and_open_balance(url: &str) {
    let (mut s, _dir) = demo_store(url);
    let q = |patient: &str, payer: &str, open: bool| ClaimQuery {
        patient: Some(patient.into()),
        payer: Some(payer.into()),
        open,
        per_page: Some(200),
        ..ClaimQuery::default()
    };
    let today = otbill_store::today();
    let harris = s.claim_page(&q("harris", "", false), today).unwrap();
    assert!(
        harris.total > 0
            && harris
                .rows
                .iter()
                .all(|r| r.patient_name.starts_with("HARRIS"))
    );
    let aetna = s.claim_page(&q("", "aetna", false), today).unwrap();
    assert!(aetna.total > 0 && aetna.rows.iter().all(|r| r.payer_name == "AETNA"));
    let open = s.claim_page(&q("", "", true), today).unwrap();
    assert!(open.rows.iter().all(|r| !r.balance.is_zero()));
    let every = s.claim_page(&q("", "", false), today).unwrap();
    assert!(open.total < every.total, "some demo claims are settled");
}

fn patients_are_found_by_name_account_birth_date_and_member_id(url: &str) {
    let (mut s, _dir) = demo_store(url);
    let find = |s: &mut Store, q: &str| -> Vec<(String, &'static str)> {
        s.search_patients(q)
            .unwrap()
            .into_iter()
            .map(|h| (h.account, h.matched))
            .collect()
    };
    assert_eq!(find(&mut s, "harris"), vec![("A1001".to_owned(), "name")]);
    assert_eq!(
        find(&mut s, "Harris, Ev"),
        vec![("A1001".to_owned(), "name")]
    );
    assert_eq!(find(&mut s, "a1003"), vec![("A1003".to_owned(), "account")]);
    assert_eq!(
        find(&mut s, "03/14/1948"),
        vec![("A1001".to_owned(), "birth date")]
    );
    assert_eq!(
        find(&mut s, "1948-03-14"),
        vec![("A1001".to_owned(), "birth date")]
    );
    assert_eq!(
        find(&mut s, "1eg4te5mk0007301"),
        vec![("A1001".to_owned(), "member id")]
    );
    assert!(find(&mut s, "nobody here").is_empty());
    assert!(find(&mut s, "  ").is_empty());
}
