//! Many practices in one database, on SQLite and PostgreSQL: every read and write of a
//! store is its practice's, and on PostgreSQL row-level security refuses another
//! practice's rows even to a hand-written query (the second wall).

mod common;

use chrono::NaiveDate;
use otbill_store::accounts::Role;
use otbill_store::sql::Value;
use otbill_store::{demo, Engine, Error, Store, MAIN_PRACTICE};

both!(
    two_practices_share_nothing,
    a_hand_written_query_sees_only_its_practice,
    existing_single_practice_rows_are_the_main_practice,
);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

const NOW: &str = "2026-11-28T09:00:00Z";

/// Practice A (the main one) and B, each with the whole demo run through: the same NPIs,
/// payer ids and account numbers in both, which each practice may reuse.
fn two_practices(url: &str, a: &std::path::Path, b: &std::path::Path) -> (Store, i64) {
    let mut s = Store::open(url).unwrap();
    let r = common::rules();
    demo::run(&mut s, a, &r.engine(), today()).unwrap();
    let pb = s.create_practice("lakeside", "Lakeside OT", NOW).unwrap();
    s.use_practice(pb);
    demo::run(&mut s, b, &r.engine(), today()).unwrap();
    (s, pb)
}

fn two_practices_share_nothing(url: &str) {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut s, pb) = two_practices(url, da.path(), db.path());
    let b_claims = s.claims(None).unwrap();
    let b_patients: Vec<i64> = s.patient_list().unwrap().iter().map(|p| p.id).collect();
    let b_batches = s.batches().unwrap();
    let b_paid = s.total_paid_cents().unwrap();
    s.use_practice(MAIN_PRACTICE);
    let a_claims = s.claims(None).unwrap();
    let a_patients: Vec<i64> = s.patient_list().unwrap().iter().map(|p| p.id).collect();
    let a_batches = s.batches().unwrap();
    assert!(a_claims.len() >= 50 && a_claims.len() == b_claims.len());
    assert!(a_claims.iter().all(|c| !b_claims.contains(c)));
    assert!(a_patients.iter().all(|p| !b_patients.contains(p)));
    // Control numbers are the practice's own: both start at the same ISA13.
    let icn = |s: &mut Store, id: i64| {
        s.batch_file(id)
            .unwrap()
            .envelope
            .interchange_control_number
    };
    let a_first = icn(&mut s, a_batches[0].0);
    s.use_practice(pb);
    assert_eq!(icn(&mut s, b_batches[0].0), a_first);
    // B reaches none of A's records, by id or in a list.
    for &c in &a_claims {
        assert!(matches!(s.claim(c), Err(Error::NotFound(_))), "claim {c}");
        assert!(s.claim_facts(c).unwrap().is_none());
        assert!(s.claim_detail(c).unwrap().0.is_empty());
    }
    for &p in &a_patients {
        assert!(s.patient_record(p).unwrap().is_none(), "patient {p}");
        assert!(s.coverage(p, 1).is_err(), "coverage of {p}");
    }
    assert!(s
        .batches()
        .unwrap()
        .iter()
        .all(|b| !a_batches.iter().any(|x| x.0 == b.0)));
    assert!(s
        .adjustment_list()
        .unwrap()
        .iter()
        .all(|a| b_claims.contains(&a.claim_id)));
    // A's 835 uploaded into B by mistake pays none of B's claims (or A's).
    let a_835 = std::fs::read_dir(da.path().join("inbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "835"))
        .unwrap();
    s.use_practice(MAIN_PRACTICE);
    let a_paid = s.total_paid_cents().unwrap();
    s.use_practice(pb);
    let out = s
        .post_835(&std::fs::read(&a_835).unwrap(), "wrong.835", false)
        .unwrap();
    assert!(out.remittances.iter().all(|r| !r.duplicate), "{out:?}");
    assert!(
        !s.unmatched().unwrap().is_empty(),
        "A's claims are unknown here"
    );
    assert_eq!(s.total_paid_cents().unwrap(), b_paid);
    s.use_practice(MAIN_PRACTICE);
    assert_eq!(s.total_paid_cents().unwrap(), a_paid);
    // A store scoped to no practice sees nothing at all.
    s.use_practice(0);
    assert!(s.claims(None).unwrap().is_empty());
    assert!(s.patient_list().unwrap().is_empty());
    // Roles are per practice: a member of A only is not one of B's users.
    s.use_practice(MAIN_PRACTICE);
    let u = s.create_user("alice", Role::Biller, "h", NOW).unwrap();
    assert_eq!(s.user_role(u).unwrap(), Some(Role::Biller));
    s.use_practice(pb);
    assert_eq!(s.user_role(u).unwrap(), None);
    assert!(s.users().unwrap().iter().all(|x| x.id != u));
    s.set_membership(u, Role::Admin, NOW).unwrap();
    assert_eq!(s.user_role(u).unwrap(), Some(Role::Admin));
    let m = s.memberships(u).unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!((m[0].role, m[1].role), (Role::Biller, Role::Admin));
}

fn a_hand_written_query_sees_only_its_practice(url: &str) {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut s, pb) = two_practices(url, da.path(), db.path());
    let of_a = [Value::Int(MAIN_PRACTICE)];
    let count = |s: &mut Store, sql: &str| s.raw_query(sql, &of_a).unwrap()[0].int(0);
    s.use_practice(MAIN_PRACTICE);
    let a_patients = count(
        &mut s,
        "SELECT COUNT(*) FROM patients WHERE practice_id = $1",
    );
    assert!(a_patients > 0);
    s.use_practice(pb);
    // Scoped to B, a query that asks for A's rows by name...
    let seen = count(
        &mut s,
        "SELECT COUNT(*) FROM patients WHERE practice_id = $1",
    );
    let claims = count(&mut s, "SELECT COUNT(*) FROM claims WHERE practice_id = $1");
    let changed = s
        .raw_exec(
            "UPDATE patients SET last_name = 'X' WHERE practice_id = $1",
            &of_a,
        )
        .unwrap();
    let insert = s.raw_exec(
        "INSERT INTO payers (practice_id, payer_id, name, profile, filing_indicator, created_at) \
         VALUES ($1, 'SNEAK', 'SNEAK', 'medicare', 'MB', 'now')",
        &of_a,
    );
    match s.engine() {
        Engine::Postgres => {
            // ...is refused by the database itself: nothing seen, changed or added.
            assert_eq!((seen, claims, changed), (0, 0, 0));
            let e = insert.expect_err("RLS refuses another practice's row");
            assert!(e.to_string().contains("row-level security"), "{e}");
            // With no practice set at all, nothing is seen either.
            let mut bare = Store::connect(url).unwrap();
            bare.raw_query("SELECT set_config('otbill.practice', '', false)", &[])
                .unwrap();
            let n = bare
                .raw_query("SELECT COUNT(*) FROM patients", &[])
                .unwrap()[0]
                .int(0);
            assert_eq!(n, 0);
        }
        Engine::Sqlite => {
            // SQLite has no second wall: only the store's own conditions keep practices
            // apart, and a hand-written query reaches everything.
            assert_eq!(seen, a_patients);
            assert!(claims > 0 && changed > 0 && insert.is_ok());
        }
    }
    // Either way A's own view is whole.
    s.use_practice(MAIN_PRACTICE);
    assert_eq!(s.patient_list().unwrap().len() as i64, a_patients);
}

fn existing_single_practice_rows_are_the_main_practice(url: &str) {
    // A database of the release before practices (ledger schema 2), with one practice's
    // settings, a provider, a payer and a patient with coverage, written as that release
    // wrote them.
    let mut old = Store::open_at_version(url, 2).unwrap();
    for sql in [
        "INSERT INTO practice (id, name, npi, ein, taxonomy, line1, city, state, zip, submitter_id, \
         receiver_id, receiver_name, contact_name, contact_phone, usage, updated_at, updated_by) \
         VALUES (1, 'OLD PRACTICE', '1234567893', '931234567', '225X00000X', '1 MAIN ST', 'SALEM', \
         'OR', '973011234', 'SUB', 'RCV', 'CLEARING', 'BILLING', '5035550100', 'test', 'now', 'x')",
        "INSERT INTO providers (npi, last_name, first_name, credential, taxonomy, created_at) \
         VALUES ('1245319599', 'LOPEZ', 'MARIA', 'OT', '225X00000X', 'now')",
        "INSERT INTO payers (payer_id, name, profile, filing_indicator, created_at) \
         VALUES ('MEDICARE01', 'MEDICARE', 'medicare', 'MB', 'now')",
        "INSERT INTO patients (account, last_name, first_name, birth_date, gender, line1, city, \
         state, zip, created_at, created_by) VALUES ('A1', 'DOE', 'JANE', '1950-01-02', 'F', \
         '2 OAK ST', 'SALEM', 'OR', '973011234', 'now', 'x')",
        "INSERT INTO coverages (patient_id, payer_id, rank, member_id, relationship, effective) \
         SELECT p.id, y.id, 1, '1EG4TE5MK73', 'self', '2026-01-01' FROM patients p, payers y",
        "UPDATE counters SET value = 41 WHERE name = 'claim'",
    ] {
        old.raw_exec(sql, &[]).unwrap();
    }
    drop(old);
    // This release opens it: everything is practice 1's, in place.
    let mut s = Store::open(url).unwrap();
    let practices = s.practices().unwrap();
    assert_eq!(practices.len(), 1);
    assert_eq!((practices[0].id, practices[0].code.as_str()), (1, "main"));
    assert_eq!(practices[0].name, "OLD PRACTICE");
    assert_eq!(
        s.practice().unwrap().map(|p| p.name).as_deref(),
        Some("OLD PRACTICE")
    );
    let patients = s.patient_list().unwrap();
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0].primary_payer.as_deref(), Some("MEDICARE01"));
    assert_eq!(s.providers().unwrap().len(), 1);
    let left = s
        .raw_query(
            "SELECT value FROM counters WHERE practice_id = 1 AND name = 'claim'",
            &[],
        )
        .unwrap();
    assert_eq!(left[0].int(0), 41, "counters keep their place");
    // A new practice may reuse the NPI, payer id and account the first one has.
    let pb = s.create_practice("second", "Second", NOW).unwrap();
    s.use_practice(pb);
    assert!(s.patient_list().unwrap().is_empty());
    for sql in [
        "INSERT INTO providers (practice_id, npi, last_name, first_name, credential, taxonomy, created_at) \
         VALUES ($P, '1245319599', 'LOPEZ', 'MARIA', 'OT', '225X00000X', 'now')",
        "INSERT INTO payers (practice_id, payer_id, name, profile, filing_indicator, created_at) \
         VALUES ($P, 'MEDICARE01', 'MEDICARE', 'medicare', 'MB', 'now')",
    ] {
        s.raw_exec(sql, &[]).unwrap();
    }
    // ...but not twice in one practice.
    assert!(s
        .raw_exec(
            "INSERT INTO payers (practice_id, payer_id, name, profile, filing_indicator, created_at) \
             VALUES ($P, 'MEDICARE01', 'MEDICARE', 'medicare', 'MB', 'now')",
            &[],
        )
        .is_err());
}
