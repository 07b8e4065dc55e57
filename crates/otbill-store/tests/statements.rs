//! Statement runs on SQLite and PostgreSQL, on the demo practice with a patient payment
//! for part of a balance: who gets a statement and for how much (to the cent, as the
//! patient account says), no second statement within the days asked, the second and final
//! notices when nothing is paid, back to a first notice after a payment, append-only
//! statements, and another practice's run making nothing of this one's patients.

mod common;

use chrono::{Days, NaiveDate};
use otbill_store::patient_accounts::{NewPayment, PaymentMethod};
use otbill_store::statements::{StatementDone, StatementRun};
use otbill_store::Store;
use rust_decimal::Decimal;

both!(
    a_first_run_bills_every_patient_over_the_minimum_to_the_cent,
    a_second_run_the_same_day_makes_none,
    unpaid_statements_become_second_then_final_notices,
    statements_are_append_only,
    another_practice_run_makes_nothing_of_ours,
);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn run_on(date: NaiveDate) -> StatementRun {
    StatementRun {
        date,
        min_balance: Decimal::new(5, 0),
        min_days_since_last: 30,
        due_in_days: 21,
    }
}

fn patients(s: &mut Store) -> Vec<i64> {
    s.raw_query(
        "SELECT id FROM patients WHERE practice_id = $P ORDER BY id",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.int(0))
    .collect()
}

/// The demo, then two more visits of patient A1003 (Aetna) in November, claimed, batched
/// and answered partly paid (20% coinsurance), so that two patients owe something; then a
/// check from the first patient owing more than $20 for $10 of it. Returns the store and
/// that patient.
fn setup(url: &str, dir: &std::path::Path) -> (Store, i64) {
    let (mut s, _, _) = common::demo_with_patient_balances(url, dir, today());
    let mut payer = None;
    for p in patients(&mut s) {
        let a = s.patient_account(p).unwrap();
        if a.patient_balance > Decimal::new(20, 0) {
            payer = Some((p, a.patient_balance));
            break;
        }
    }
    let (patient, balance) = payer.expect("the demo leaves a patient balance over $20");
    s.record_patient_payment(&NewPayment {
        patient_id: patient,
        received_on: today(),
        amount: Decimal::new(1000, 2),
        method: PaymentMethod::Check,
        reference: Some("5501".into()),
        claim_id: None,
        visit_id: None,
        note: None,
    })
    .unwrap();
    let after = s.patient_account(patient).unwrap().patient_balance;
    assert_eq!(after, balance - Decimal::new(10, 0));
    (s, patient)
}

fn a_first_run_bills_every_patient_over_the_minimum_to_the_cent(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, paid) = setup(url, dir.path());
    let done = s.statement_run(&run_on(today())).unwrap();
    assert!(done.len() >= 2, "{done:?}");
    for p in patients(&mut s) {
        let a = s.patient_account(p).unwrap();
        let owes = a.patient_balance - a.unapplied_credit;
        let mine: Vec<&StatementDone> = done.iter().filter(|d| d.patient_id == p).collect();
        if owes <= Decimal::new(5, 0) {
            assert!(mine.is_empty(), "patient {p} owes {owes}");
            assert!(s.statements_of(p).unwrap().is_empty());
            continue;
        }
        assert_eq!(mine.len(), 1, "patient {p}");
        assert_eq!(mine[0].amount_due, owes);
        assert_eq!(mine[0].dunning_level, 1);
        let st = s.statement(mine[0].id).unwrap();
        assert_eq!(s.statements_of(p).unwrap(), vec![st.clone()]);
        assert_eq!(st.amount_due, owes);
        assert_eq!(st.previous_balance, Decimal::ZERO);
        assert_eq!(st.statement_date, today());
        assert_eq!(st.due_date, today() + Days::new(21));
        // One line per claim with a patient balance, owing what the claim owes.
        let open: Vec<_> = a
            .claims
            .iter()
            .filter(|c| c.patient > Decimal::ZERO)
            .collect();
        assert_eq!(st.lines.len(), open.len());
        for (l, c) in st.lines.iter().zip(&open) {
            assert_eq!(
                (l.claim_id, l.service_date, l.patient_owes),
                (c.claim_id, c.service_date, c.patient)
            );
            assert!(l.charge > Decimal::ZERO);
            // Every dollar of the charge is accounted for: paid, adjusted, owed by the
            // patient, or still with the payer.
            assert_eq!(
                l.charge,
                l.insurance_paid + l.adjustments + l.patient_paid + l.patient_owes + c.insurance,
                "{l:?}"
            );
        }
        let paid_total: Decimal = a.payments.iter().map(|x| x.amount).sum();
        assert_eq!(st.payments, paid_total);
        let line_paid: Decimal = st.lines.iter().map(|l| l.patient_paid).sum();
        if p == paid {
            assert_eq!(st.payments, Decimal::new(10, 0));
            assert_eq!(line_paid, Decimal::new(10, 0));
        }
        let doc = s.statement_document(st.id).unwrap();
        assert_eq!(doc.account, a.account);
        assert_eq!(doc.statement, st);
        assert!(!doc.practice_name.is_empty());
    }
    assert!(done.iter().any(|d| d.patient_id == paid));
}

fn a_second_run_the_same_day_makes_none(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = setup(url, dir.path());
    let first = s.statement_run(&run_on(today())).unwrap();
    assert!(!first.is_empty());
    assert!(s.statement_run(&run_on(today())).unwrap().is_empty());
    // Still within the 30 days.
    let later = today() + Days::new(30);
    assert!(s.statement_run(&run_on(later)).unwrap().is_empty());
}

fn unpaid_statements_become_second_then_final_notices(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, paid) = setup(url, dir.path());
    let first = s.statement_run(&run_on(today())).unwrap();
    let other = first
        .iter()
        .find(|d| d.patient_id != paid)
        .expect("a second patient billed")
        .clone();
    // The paying patient pays again after the first statement.
    s.record_patient_payment(&NewPayment {
        patient_id: paid,
        received_on: today() + Days::new(2),
        amount: Decimal::new(100, 2),
        method: PaymentMethod::Cash,
        reference: None,
        claim_id: None,
        visit_id: None,
        note: None,
    })
    .unwrap();
    let second = s.statement_run(&run_on(today() + Days::new(31))).unwrap();
    let o2 = second
        .iter()
        .find(|d| d.patient_id == other.patient_id)
        .unwrap();
    assert_eq!(o2.dunning_level, 2);
    assert_eq!(o2.amount_due, other.amount_due);
    let st = s.statement(o2.id).unwrap();
    assert_eq!(st.previous_balance, other.amount_due);
    assert_eq!(st.payments, Decimal::ZERO);
    assert_eq!(st.new_charges, Decimal::ZERO);
    let p1 = first.iter().find(|d| d.patient_id == paid).unwrap();
    let p2 = second.iter().find(|d| d.patient_id == paid).unwrap();
    assert_eq!(p2.dunning_level, 1);
    assert_eq!(p2.amount_due, p1.amount_due - Decimal::ONE);
    let pst = s.statement(p2.id).unwrap();
    assert_eq!(pst.previous_balance, p1.amount_due);
    assert_eq!(pst.payments, Decimal::ONE);
    let third = s.statement_run(&run_on(today() + Days::new(62))).unwrap();
    let o3 = third
        .iter()
        .find(|d| d.patient_id == other.patient_id)
        .unwrap();
    assert_eq!(o3.dunning_level, 3);
    let fourth = s.statement_run(&run_on(today() + Days::new(93))).unwrap();
    let o4 = fourth
        .iter()
        .find(|d| d.patient_id == other.patient_id)
        .unwrap();
    assert_eq!(o4.dunning_level, 3, "the final notice stays final");
    let all = s.statements_of(other.patient_id).unwrap();
    let levels: Vec<u8> = all.iter().map(|x| x.dunning_level).collect();
    assert_eq!(levels, vec![1, 2, 3, 3]);
}

fn statements_are_append_only(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = setup(url, dir.path());
    let done = s.statement_run(&run_on(today())).unwrap();
    let id = done[0].id;
    for sql in [
        "UPDATE statements SET amount_due_cents = 0 WHERE id = $1",
        "DELETE FROM statements WHERE id = $1",
        "UPDATE statement_lines SET patient_owes_cents = 0 WHERE statement_id = $1",
        "DELETE FROM statement_lines WHERE statement_id = $1",
    ] {
        assert!(
            s.raw_exec(sql, &[otbill_store::sql::Value::Int(id)])
                .is_err(),
            "{sql}"
        );
    }
    assert_eq!(s.statement(id).unwrap().amount_due, done[0].amount_due);
}

fn another_practice_run_makes_nothing_of_ours(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, paid) = setup(url, dir.path());
    let ours = patients(&mut s);
    let pa = s.practice_id();
    let pb = s
        .create_practice("lakeside", "Lakeside OT", "2026-11-28T09:00:00Z")
        .unwrap();
    s.use_practice(pb);
    assert!(s.statement_run(&run_on(today())).unwrap().is_empty());
    assert!(s.statements_of(paid).unwrap().is_empty());
    let n = s
        .raw_query(
            "SELECT COUNT(*) FROM statements WHERE practice_id = $P",
            &[],
        )
        .unwrap()[0]
        .int(0);
    assert_eq!(n, 0);
    s.use_practice(pa);
    let done = s.statement_run(&run_on(today())).unwrap();
    assert!(!done.is_empty());
    assert!(done.iter().all(|d| ours.contains(&d.patient_id)));
    s.use_practice(pb);
    assert!(s.statement(done[0].id).is_err(), "not this practice's");
    if s.engine() == otbill_store::Engine::Postgres {
        // Row-level security: not even a query without the practice sees them.
        let n = s.raw_query("SELECT COUNT(*) FROM statements", &[]).unwrap()[0].int(0);
        assert_eq!(n, 0);
    }
}
