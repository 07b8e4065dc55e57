//! Patient accounts on SQLite and PostgreSQL, on the demo practice: payments taken at the
//! desk applied to the patient balances the 835s left, credit and its refund, refusals
//! that store nothing, the account agreeing with every claim's balances, and another
//! practice seeing none of it. A property test (SQLite) runs random sequences of money
//! movements and checks that no money appears or vanishes.

mod common;

use chrono::{Days, NaiveDate};
use otbill_837p::synth::npi_from_base;
use otbill_store::patient_accounts::{Account, EntryKind, NewPayment, PaymentMethod};
use otbill_store::records::{Visit, VisitService};
use otbill_store::sql::Value;
use otbill_store::{dollars, Error, Store};
use rust_decimal::Decimal;

both!(
    a_copay_at_check_in_is_credit_linked_to_its_visit,
    a_check_is_applied_oldest_first_across_two_claims,
    an_overpayment_is_credit_then_refunded,
    a_payment_goes_to_the_chosen_claim,
    refusals_name_the_field_and_store_nothing,
    the_account_agrees_with_every_claims_balances,
    another_practice_sees_none_of_it,
    a_lowered_responsibility_takes_the_payment_back_to_credit,
);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn npi(base: u32) -> String {
    npi_from_base(base).unwrap().as_str().to_owned()
}

/// The demo run through, then two more visits of patient A1003 (Aetna) in November,
/// claimed, batched and answered partly paid (20% coinsurance): A1003 has two claims with
/// a patient balance, besides whatever the demo left. Returns the store and A1003's id.
fn setup(url: &str, dir: &std::path::Path) -> (Store, i64) {
    let (mut s, patient, claims) = common::demo_with_patient_balances(url, dir, today());
    for c in claims {
        assert!(s.claim(c).unwrap().patient_balance > Decimal::ZERO);
    }
    (s, patient)
}

fn payment(patient_id: i64, amount: &str, method: PaymentMethod, reference: &str) -> NewPayment {
    NewPayment {
        patient_id,
        received_on: today(),
        amount: d(amount),
        method,
        reference: (!reference.is_empty()).then(|| reference.to_owned()),
        claim_id: None,
        visit_id: None,
        note: None,
    }
}

/// `(claim id, patient balance)` of the patient's claims owing something, oldest date of
/// service first, as `Store::claim` reports them.
fn open_balances(s: &mut Store, patient: i64) -> Vec<(i64, Decimal)> {
    let mut out: Vec<(String, i64, Decimal)> = Vec::new();
    for c in s.claims(None).unwrap() {
        if s.claim_owner(c).unwrap().unwrap().0 != patient {
            continue;
        }
        let v = s.claim(c).unwrap();
        if v.patient_balance > Decimal::ZERO {
            out.push((v.service_date, c, v.patient_balance));
        }
    }
    out.sort();
    out.into_iter().map(|(_, c, b)| (c, b)).collect()
}

fn count(s: &mut Store, table: &str) -> i64 {
    s.raw_query(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .unwrap()[0]
        .int(0)
}

/// What every account must satisfy: the running balance ends at the total, the total is
/// insurance + patient − credit, and each claim's balances are `Store::claim`'s.
fn check_account(s: &mut Store, a: &Account) {
    let sum: Decimal = a.entries.iter().map(|e| e.amount).sum();
    assert_eq!(sum, a.total);
    assert_eq!(
        a.entries.last().map_or(Decimal::ZERO, |e| e.balance),
        a.total
    );
    assert_eq!(
        a.insurance_balance + a.patient_balance - a.unapplied_credit,
        a.total
    );
    assert!(a.unapplied_credit >= Decimal::ZERO);
    for w in a.entries.windows(2) {
        assert!(w[0].date <= w[1].date, "entries in date order");
    }
    for b in &a.claims {
        let v = s.claim(b.claim_id).unwrap();
        assert_eq!(
            (b.insurance, b.patient),
            (v.payer_balance, v.patient_balance),
            "claim {}",
            b.claim_id
        );
    }
}

fn a_copay_at_check_in_is_credit_linked_to_its_visit(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = setup(url, dir.path());
    let patient = s.patient_id_by_account("A1004").unwrap().unwrap();
    let before = s.patient_account(patient).unwrap();
    let visit = s
        .add_visit(&Visit {
            patient_account: "A1004".into(),
            provider_npi: npi(134_567_891),
            date: today(),
            place_of_service: "11".into(),
            progress_report: false,
            services: vec![VisitService {
                code: "97530".into(),
                minutes: Some(30),
                assistant_minutes: None,
            }],
        })
        .unwrap();
    let mut p = payment(patient, "30.00", PaymentMethod::Card, "ch_3PXa91");
    p.visit_id = Some(visit);
    let out = s.record_patient_payment(&p).unwrap();
    assert!(
        out.applied.is_empty(),
        "no claim for the visit yet: {out:?}"
    );
    assert_eq!(out.unapplied, d("30"));
    let a = s.patient_account(patient).unwrap();
    check_account(&mut s, &a);
    assert_eq!(a.unapplied_credit, before.unapplied_credit + d("30"));
    assert_eq!(a.total, before.total - d("30"));
    let rec = a.payments.iter().find(|x| x.id == out.payment_id).unwrap();
    assert_eq!(
        (rec.visit_id, rec.method, rec.amount),
        (Some(visit), PaymentMethod::Card, d("30"))
    );
    let e = a
        .entries
        .iter()
        .find(|e| e.payment_id == Some(out.payment_id))
        .unwrap();
    assert_eq!(
        (e.kind, e.amount, e.date),
        (EntryKind::PatientPayment, d("-30"), today())
    );
    // A visit of another patient is refused.
    let other = s.patient_id_by_account("A1003").unwrap().unwrap();
    let mut q = payment(other, "5", PaymentMethod::Cash, "");
    q.visit_id = Some(visit);
    match s.record_patient_payment(&q) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "payment.visit_id"),
        r => panic!("{r:?}"),
    }
}

fn a_check_is_applied_oldest_first_across_two_claims(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, patient) = setup(url, dir.path());
    let open = open_balances(&mut s, patient);
    assert!(open.len() >= 2, "{open:?}");
    let (first, second) = (open[0], open[1]);
    // All of the oldest and one cent short of the second.
    let amount = first.1 + second.1 - d("0.01");
    let before = s.patient_account(patient).unwrap();
    let out = s
        .record_patient_payment(&payment(
            patient,
            &amount.to_string(),
            PaymentMethod::Check,
            "1042",
        ))
        .unwrap();
    let got: Vec<(i64, Decimal)> = out.applied.iter().map(|a| (a.claim_id, a.amount)).collect();
    assert_eq!(got, vec![first, (second.0, second.1 - d("0.01"))]);
    assert_eq!(out.unapplied, Decimal::ZERO);
    assert_eq!(s.claim(first.0).unwrap().patient_balance, Decimal::ZERO);
    assert_eq!(s.claim(second.0).unwrap().patient_balance, d("0.01"));
    let a = s.patient_account(patient).unwrap();
    check_account(&mut s, &a);
    assert_eq!(a.patient_balance, before.patient_balance - amount);
    assert_eq!(a.insurance_balance, before.insurance_balance);
    assert_eq!(a.total, before.total - amount);
    assert_eq!(a.payments.last().unwrap().applied.len(), 2);
    // The same check number again for the same patient (a second check from the same
    // book is a different number; the same number is the same check) is allowed.
    s.record_patient_payment(&payment(patient, "0.01", PaymentMethod::Check, "1042"))
        .unwrap();
    assert_eq!(s.claim(second.0).unwrap().patient_balance, Decimal::ZERO);
}

fn an_overpayment_is_credit_then_refunded(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, patient) = setup(url, dir.path());
    let owed: Decimal = open_balances(&mut s, patient).iter().map(|x| x.1).sum();
    let amount = owed + d("40");
    let out = s
        .record_patient_payment(&payment(
            patient,
            &amount.to_string(),
            PaymentMethod::Cash,
            "",
        ))
        .unwrap();
    assert_eq!(out.unapplied, d("40"));
    assert!(open_balances(&mut s, patient).is_empty());
    let a = s.patient_account(patient).unwrap();
    check_account(&mut s, &a);
    assert_eq!(a.unapplied_credit, d("40"));
    assert_eq!(a.patient_balance, Decimal::ZERO);
    assert!(a.credit_flag);
    // No claim's patient balance went below zero: credit, never a negative charge.
    assert!(a.claims.iter().all(|b| b.patient >= Decimal::ZERO));
    let refunds = count(&mut s, "patient_refunds");
    match s.refund_credit(
        patient,
        d("40.01"),
        PaymentMethod::Check,
        Some("5001"),
        "credit balance",
    ) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "refund.amount"),
        r => panic!("{r:?}"),
    }
    assert_eq!(count(&mut s, "patient_refunds"), refunds);
    s.refund_credit(
        patient,
        d("40"),
        PaymentMethod::Check,
        Some("5001"),
        "credit balance",
    )
    .unwrap();
    let b = s.patient_account(patient).unwrap();
    check_account(&mut s, &b);
    assert_eq!(b.unapplied_credit, Decimal::ZERO);
    assert!(!b.credit_flag);
    assert_eq!(b.total, a.total + d("40"));
    let e = b
        .entries
        .iter()
        .rfind(|e| e.kind == EntryKind::Refund)
        .unwrap();
    assert_eq!(e.amount, d("40"));
    // Nothing left to refund.
    assert!(s
        .refund_credit(patient, d("0.01"), PaymentMethod::Cash, None, "again")
        .is_err());
}

fn a_payment_goes_to_the_chosen_claim(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, patient) = setup(url, dir.path());
    let open = open_balances(&mut s, patient);
    let (oldest, newest) = (open[0], *open.last().unwrap());
    let mut p = payment(patient, "10.00", PaymentMethod::Other, "MO-77");
    p.claim_id = Some(newest.0);
    let out = s.record_patient_payment(&p).unwrap();
    assert_eq!(out.applied.len(), 1);
    assert_eq!(
        (out.applied[0].claim_id, out.applied[0].amount),
        (newest.0, d("10"))
    );
    assert_eq!(
        s.claim(newest.0).unwrap().patient_balance,
        newest.1 - d("10")
    );
    assert_eq!(s.claim(oldest.0).unwrap().patient_balance, oldest.1);
    // More than the chosen claim owes: the rest is credit, not the other claims'.
    let mut q = payment(
        patient,
        &(newest.1 - d("10") + d("5")).to_string(),
        PaymentMethod::Cash,
        "",
    );
    q.claim_id = Some(newest.0);
    let out = s.record_patient_payment(&q).unwrap();
    assert_eq!(out.unapplied, d("5"));
    assert_eq!(s.claim(oldest.0).unwrap().patient_balance, oldest.1);
    // apply_credit then takes the credit to the oldest balance.
    let moved = s.apply_credit(patient).unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(
        (moved[0].claim_id, moved[0].amount),
        (oldest.0, d("5").min(oldest.1))
    );
    let a = s.patient_account(patient).unwrap();
    check_account(&mut s, &a);
    // Another patient's claim is refused.
    let other = s.patient_id_by_account("A1001").unwrap().unwrap();
    let mut r = payment(other, "1", PaymentMethod::Cash, "");
    r.claim_id = Some(newest.0);
    match s.record_patient_payment(&r) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "payment.claim_id"),
        x => panic!("{x:?}"),
    }
}

fn refusals_name_the_field_and_store_nothing(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, patient) = setup(url, dir.path());
    let other = s.patient_id_by_account("A1002").unwrap().unwrap();
    s.record_patient_payment(&payment(other, "12.00", PaymentMethod::Check, "2001"))
        .unwrap();
    let tables = [
        "patient_payments",
        "payment_applications",
        "ledger",
        "patient_refunds",
    ];
    let before: Vec<i64> = tables.iter().map(|t| count(&mut s, t)).collect();
    let account = s.patient_account(patient).unwrap();
    let future = otbill_store::today() + Days::new(1);
    let cases: Vec<(NewPayment, &str)> = vec![
        (
            payment(patient, "10.005", PaymentMethod::Cash, ""),
            "payment.amount",
        ),
        (
            payment(patient, "0", PaymentMethod::Cash, ""),
            "payment.amount",
        ),
        (
            payment(patient, "-5", PaymentMethod::Cash, ""),
            "payment.amount",
        ),
        (
            NewPayment {
                received_on: future,
                ..payment(patient, "10", PaymentMethod::Cash, "")
            },
            "payment.received_on",
        ),
        (
            payment(patient, "10", PaymentMethod::Check, "2001"),
            "payment.reference",
        ),
        (
            payment(patient, "10", PaymentMethod::Check, ""),
            "payment.reference",
        ),
        (
            payment(patient, "10", PaymentMethod::Card, "4111 1111 1111 1111"),
            "payment.reference",
        ),
        (
            payment(
                patient,
                "10",
                PaymentMethod::Other,
                "ref 5500-0000-0000-0004",
            ),
            "payment.reference",
        ),
        (
            payment(-1, "10", PaymentMethod::Cash, ""),
            "payment.patient_id",
        ),
    ];
    for (p, field) in cases {
        match s.record_patient_payment(&p) {
            Err(e @ Error::Invalid { .. }) => {
                let Error::Invalid { field: f, .. } = &e else {
                    unreachable!()
                };
                assert_eq!(f, field, "{p:?}");
                // The message carries no value: no card digits, no check number.
                let text = e.to_string();
                assert!(!text.contains("4111") && !text.contains("2001"), "{text}");
            }
            r => panic!("{p:?}: {r:?}"),
        }
    }
    match s.refund_credit(patient, d("1.001"), PaymentMethod::Cash, None, "x") {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "refund.amount"),
        r => panic!("{r:?}"),
    }
    match s.refund_credit(
        patient,
        d("1"),
        PaymentMethod::Card,
        Some("4012888888881881"),
        "x",
    ) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "refund.reference"),
        r => panic!("{r:?}"),
    }
    let after: Vec<i64> = tables.iter().map(|t| count(&mut s, t)).collect();
    assert_eq!(before, after);
    assert_eq!(s.patient_account(patient).unwrap(), account);
    // A processor's reference and a short check number are fine.
    s.record_patient_payment(&payment(
        patient,
        "1",
        PaymentMethod::Card,
        "ch_1042 last4 1111",
    ))
    .unwrap();
    // The tables are append-only.
    assert!(s
        .raw_exec("UPDATE patient_payments SET amount_cents = 1", &[])
        .is_err());
    assert!(s.raw_exec("DELETE FROM payment_applications", &[]).is_err());
}

fn the_account_agrees_with_every_claims_balances(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, patient) = setup(url, dir.path());
    s.record_patient_payment(&payment(patient, "7.50", PaymentMethod::Cash, ""))
        .unwrap();
    let open = open_balances(&mut s, patient);
    s.write_off(open[0].0, "patient", "small balance").unwrap();
    let mut seen = 0;
    for (id, account) in s.patient_accounts().unwrap() {
        let a = s.patient_account(id).unwrap();
        assert_eq!(a.account, account);
        check_account(&mut s, &a);
        let ids: Vec<i64> = s
            .claims(None)
            .unwrap()
            .into_iter()
            .filter(|c| s.claim_owner(*c).unwrap().unwrap().0 == id)
            .collect();
        assert_eq!(a.claims.len(), ids.len());
        seen += ids.len();
        // Every charge on the account is a claim line's charge.
        let charges: Decimal = a
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::Charge)
            .map(|e| e.amount)
            .sum();
        let lines: Decimal = ids.iter().map(|c| s.claim(*c).unwrap().charge).sum();
        assert_eq!(charges, lines);
        // The child's insurance belongs to a parent: the guarantor for statements.
        if account == "A1006" {
            let g = a.guarantor.as_ref().expect("guarantor");
            assert_eq!(
                (g.last_name.as_str(), g.first_name.as_str()),
                ("BROOKS", "MARCUS")
            );
        } else if account == "A1001" {
            assert!(a.guarantor.is_none());
        }
    }
    assert_eq!(seen, s.claims(None).unwrap().len());
    let a = s.patient_account(patient).unwrap();
    assert!(a.entries.iter().any(|e| e.kind == EntryKind::WriteOff));
    assert!(a
        .entries
        .iter()
        .any(|e| e.kind == EntryKind::TransferToPatient));
    assert!(a.entries.iter().any(|e| e.kind == EntryKind::PayerPayment));
    assert!(a.entries.iter().any(|e| e.kind == EntryKind::Adjustment));
}

fn another_practice_sees_none_of_it(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, patient) = setup(url, dir.path());
    s.record_patient_payment(&payment(patient, "500", PaymentMethod::Check, "3003"))
        .unwrap();
    s.refund_credit(patient, d("1"), PaymentMethod::Cash, None, "test")
        .unwrap();
    assert!(count(&mut s, "patient_payments") > 0);
    let pb = s
        .create_practice("lakeside", "Lakeside OT", "2026-11-28T09:00:00Z")
        .unwrap();
    s.use_practice(pb);
    for t in [
        "patient_payments",
        "payment_applications",
        "patient_refunds",
    ] {
        let n = s
            .raw_query(
                &format!("SELECT COUNT(*) FROM {t} WHERE practice_id = $P"),
                &[],
            )
            .unwrap()[0]
            .int(0);
        assert_eq!(n, 0, "{t}");
        if s.engine() == otbill_store::Engine::Postgres {
            // Row-level security: not even a query without the practice sees them.
            assert_eq!(count(&mut s, t), 0, "{t}");
            let rls = s
                .raw_query(
                    "SELECT COUNT(*) FROM pg_class WHERE relname = $1 AND relrowsecurity AND relforcerowsecurity",
                    &[otbill_store::sql::Value::from(t)],
                )
                .unwrap()[0]
                .int(0);
            assert_eq!(rls, 1, "{t}");
        }
    }
    assert!(matches!(
        s.patient_account(patient),
        Err(Error::NotFound(_))
    ));
    match s.record_patient_payment(&payment(patient, "5", PaymentMethod::Cash, "")) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "payment.patient_id"),
        r => panic!("{r:?}"),
    }
    assert!(s.apply_credit(patient).is_err());
    assert!(s
        .refund_credit(patient, d("1"), PaymentMethod::Cash, None, "x")
        .is_err());
}

fn a_lowered_responsibility_takes_the_payment_back_to_credit(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, patient) = setup(url, dir.path());
    let open = open_balances(&mut s, patient);
    let (claim, owed) = *open.last().unwrap();
    let mut p = payment(patient, &owed.to_string(), PaymentMethod::Cash, "");
    p.claim_id = Some(claim);
    let paid = s.record_patient_payment(&p).unwrap();
    assert_eq!(paid.unapplied, Decimal::ZERO);
    assert_eq!(s.claim(claim).unwrap().patient_balance, Decimal::ZERO);
    // A later 835 lowers the patient's responsibility by 5.00 (as a reversal and repost
    // does): the claim's patient balance is -5.00, the patient paid too much on it.
    for (party, cents) in [("payer", 500), ("patient", -500)] {
        s.raw_exec(
            "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, at, actor) VALUES ($P, $1, $2, 'patient_responsibility', $3, '2026-11-28T10:00:00Z', 'test')",
            &[Value::Int(claim), Value::from(party), Value::Int(cents)],
        )
        .unwrap();
    }
    let before = s.patient_account(patient).unwrap();
    check_account(&mut s, &before);
    let others: Decimal = open.iter().filter(|x| x.0 != claim).map(|x| x.1).sum();
    let moved = s.apply_credit(patient).unwrap();
    assert_eq!((moved[0].claim_id, moved[0].amount), (claim, d("-5")));
    let reapplied: Decimal = moved[1..].iter().map(|a| a.amount).sum();
    assert_eq!(reapplied, d("5").min(others));
    assert!(moved[1..].iter().all(|a| a.claim_id != claim));
    let a = s.patient_account(patient).unwrap();
    check_account(&mut s, &a);
    assert_eq!(s.claim(claim).unwrap().patient_balance, Decimal::ZERO);
    assert_eq!(a.unapplied_credit, d("5") - reapplied);
    // Moving money between claims and credit changes nothing owed.
    assert_eq!(a.total, before.total);
    let n = s
        .raw_query(
            "SELECT COUNT(*) FROM payment_applications WHERE kind = 'unapply'",
            &[],
        )
        .unwrap()[0]
        .int(0);
    assert_eq!(n, 1);
}

/// One step of the property test, on patient A1003's claims (`claim` is an index into
/// them).
#[derive(Debug, Clone)]
enum Step {
    /// A payment from the patient, to a chosen claim or oldest first.
    Pay { cents: i64, claim: Option<usize> },
    /// More of a claim's charge moved to the patient (as an 835's PR does).
    ToPatient { claim: usize, cents: i64 },
    /// A later 835 lowering the patient's responsibility (a reversal and repost).
    Reverse { claim: usize, cents: i64 },
    /// A new charge on a claim (a late line).
    Charge { claim: usize, cents: i64 },
    /// A contractual adjustment on a claim.
    Adjust { claim: usize, cents: i64 },
    /// What is open written off.
    WriteOff { claim: usize, patient: bool },
    /// Credit applied.
    ApplyCredit,
    /// A refund (refused when above the credit).
    Refund { cents: i64 },
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        3 => (1i64..20_000, proptest::option::of(0usize..8)).prop_map(|(cents, claim)| Step::Pay { cents, claim }),
        2 => (0usize..8, 1i64..5_000).prop_map(|(claim, cents)| Step::ToPatient { claim, cents }),
        1 => (0usize..8, 1i64..5_000).prop_map(|(claim, cents)| Step::Reverse { claim, cents }),
        1 => (0usize..8, 1i64..10_000).prop_map(|(claim, cents)| Step::Charge { claim, cents }),
        1 => (0usize..8, 1i64..3_000).prop_map(|(claim, cents)| Step::Adjust { claim, cents }),
        1 => (0usize..8, any::<bool>()).prop_map(|(claim, patient)| Step::WriteOff { claim, patient }),
        1 => Just(Step::ApplyCredit),
        1 => (1i64..10_000).prop_map(|cents| Step::Refund { cents }),
    ]
}

/// A demo database with [`setup`]'s extra claims, built once and copied for each case.
fn template() -> &'static std::path::Path {
    static T: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    &T.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("build.db");
        let (mut s, _) = setup(db.to_str().unwrap(), dir.path());
        let out = dir.path().join("template.db");
        s.backup(&out).unwrap();
        (dir, out)
    })
    .1
}

fn sum(s: &mut Store, sql: &str, patient: i64) -> i64 {
    s.raw_query(sql, &[Value::Int(patient)]).unwrap()[0].int(0)
}

/// Ledger rows a test adds for an 835's effect (the door tests have; the store's own
/// posting is tested elsewhere).
fn ledger_row(s: &mut Store, claim: i64, party: &str, kind: &str, cents: i64) {
    s.raw_exec(
        "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, at, actor) VALUES ($P, $1, $2, $3, $4, '2026-11-28T10:00:00Z', 'prop')",
        &[Value::Int(claim), Value::from(party), Value::from(kind), Value::Int(cents)],
    )
    .unwrap();
}

#[test]
fn money_neither_appears_nor_vanishes() {
    use proptest::prelude::*;
    let config = ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(steps in proptest::collection::vec(step(), 1..14))| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("case.db");
        std::fs::copy(template(), &db).unwrap();
        let mut s = Store::open(db.to_str().unwrap()).unwrap();
        let patient = s.patient_id_by_account("A1003").unwrap().unwrap();
        let claims: Vec<i64> = s.patient_account(patient).unwrap().claims.iter().map(|c| c.claim_id).collect();
        prop_assert!(!claims.is_empty());
        let pick = |i: usize| claims[i % claims.len()];
        for st in &steps {
            match *st {
                Step::Pay { cents, claim } => {
                    let mut p = payment(patient, &dollars(cents).to_string(), PaymentMethod::Cash, "");
                    p.claim_id = claim.map(pick);
                    let before = s.patient_account(patient).unwrap();
                    let out = s.record_patient_payment(&p).unwrap();
                    let applied: Decimal = out.applied.iter().map(|a| a.amount).sum();
                    prop_assert_eq!(applied + out.unapplied, dollars(cents));
                    // Never applied beyond what a claim owed.
                    for a in &out.applied {
                        let was = before.claims.iter().find(|b| b.claim_id == a.claim_id).unwrap().patient;
                        prop_assert!(a.amount > Decimal::ZERO && a.amount <= was);
                    }
                }
                Step::ToPatient { claim, cents } => {
                    ledger_row(&mut s, pick(claim), "payer", "patient_responsibility", -cents);
                    ledger_row(&mut s, pick(claim), "patient", "patient_responsibility", cents);
                }
                Step::Reverse { claim, cents } => {
                    ledger_row(&mut s, pick(claim), "payer", "patient_responsibility", cents);
                    ledger_row(&mut s, pick(claim), "patient", "patient_responsibility", -cents);
                }
                Step::Charge { claim, cents } => ledger_row(&mut s, pick(claim), "payer", "charge", cents),
                Step::Adjust { claim, cents } => ledger_row(&mut s, pick(claim), "payer", "contractual", -cents),
                Step::WriteOff { claim, patient: p } => {
                    // Nothing open is refused; either way the sums below hold.
                    let _ = s.write_off(pick(claim), if p { "patient" } else { "payer" }, "prop");
                }
                Step::ApplyCredit => {
                    s.apply_credit(patient).unwrap();
                    // Afterwards a claim below zero has nothing of the patient's applied.
                    let a = s.patient_account(patient).unwrap();
                    for b in a.claims.iter().filter(|b| b.patient < Decimal::ZERO) {
                        let net: Decimal = a.payments.iter().flat_map(|p| &p.applied).filter(|x| x.claim_id == b.claim_id).map(|x| x.amount).sum();
                        prop_assert_eq!(net, Decimal::ZERO);
                    }
                    prop_assert!(!(a.unapplied_credit > Decimal::ZERO && a.claims.iter().any(|b| b.patient > Decimal::ZERO)));
                }
                Step::Refund { cents } => {
                    let credit = s.patient_account(patient).unwrap().unapplied_credit;
                    let r = s.refund_credit(patient, dollars(cents), PaymentMethod::Check, Some("9001"), "prop");
                    prop_assert_eq!(r.is_ok(), dollars(cents) <= credit);
                }
            }
            let a = s.patient_account(patient).unwrap();
            check_account(&mut s, &a);
            // The patient's money: every payment is applied, credit or refunded.
            let paid = sum(&mut s, "SELECT COALESCE(SUM(amount_cents), 0) FROM patient_payments WHERE practice_id = $P AND patient_id = $1", patient);
            let refunded = sum(&mut s, "SELECT COALESCE(SUM(amount_cents), 0) FROM patient_refunds WHERE practice_id = $P AND patient_id = $1", patient);
            let applied = -sum(&mut s, "SELECT COALESCE(SUM(l.amount_cents), 0) FROM ledger l JOIN claims c ON c.id = l.claim_id WHERE l.practice_id = $P AND c.patient_id = $1 AND l.kind IN ('patient_payment', 'patient_unapplied')", patient);
            prop_assert_eq!(dollars(paid), dollars(applied) + a.unapplied_credit + dollars(refunded));
            // The total is every other ledger row, less the patient's payments, plus refunds.
            let others = sum(&mut s, "SELECT COALESCE(SUM(l.amount_cents), 0) FROM ledger l JOIN claims c ON c.id = l.claim_id WHERE l.practice_id = $P AND c.patient_id = $1 AND l.kind NOT IN ('patient_payment', 'patient_unapplied')", patient);
            prop_assert_eq!(a.total, dollars(others - paid + refunded));
            // Charges minus every credit: the account's charges are the ledger's.
            let charges: Decimal = a.entries.iter().filter(|e| e.kind == EntryKind::Charge).map(|e| e.amount).sum();
            let ledger_charges = sum(&mut s, "SELECT COALESCE(SUM(l.amount_cents), 0) FROM ledger l JOIN claims c ON c.id = l.claim_id WHERE l.practice_id = $P AND c.patient_id = $1 AND l.kind = 'charge'", patient);
            prop_assert_eq!(charges, dollars(ledger_charges));
        }
    });
}
