//! `otbill patient payment`, `account` and `refund` through the real binary on a demo
//! ledger: a check is recorded and applied, its receipt PDF written, the account read back
//! as JSON with the payment on it, a card number refused with exit status 2 and nothing
//! stored, and the credit refunded.

mod common;

use std::process::Command;

use common::{ok, otbill};

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).unwrap()
}

fn dec(v: &serde_json::Value) -> rust_decimal::Decimal {
    v.as_str().unwrap_or_else(|| panic!("{v}")).parse().unwrap()
}

#[test]
fn a_payment_recorded_applied_shown_refused_and_refunded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.db").display().to_string();
    ok(&[
        "demo",
        "--dir",
        &dir.path().join("d").display().to_string(),
        "--db",
        &db,
    ]);
    let before = json(&["patient", "--db", &db, "account", "A1003"]);
    let owed = dec(&before["patient_balance"]);
    let receipt = dir.path().join("receipt.pdf");
    let out = json(&[
        "patient",
        "--db",
        &db,
        "payment",
        "A1003",
        "--amount",
        "125.00",
        "--method",
        "check",
        "--reference",
        "1042",
        "--receipt",
        receipt.to_str().unwrap(),
    ]);
    let applied: rust_decimal::Decimal = out["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| dec(&a["amount"]))
        .sum();
    let hundred25: rust_decimal::Decimal = "125".parse().unwrap();
    assert_eq!(applied, owed.min(hundred25));
    assert_eq!(applied + dec(&out["unapplied"]), hundred25);
    let after = json(&["patient", "--db", &db, "account", "A1003"]);
    assert_eq!(dec(&after["total"]), dec(&before["total"]) - hundred25);
    assert_eq!(dec(&after["unapplied_credit"]), hundred25 - applied);
    assert!(after["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "patient_payment" && dec(&e["amount"]) == -hundred25));
    let text = Command::new("pdftotext")
        .args([receipt.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("$125.00") && text.contains("1042") && text.contains("A1003"),
        "{text}"
    );
    // A card number as the reference: refused, exit status 2, the field named, the digits
    // not echoed, nothing stored.
    let bad = otbill(&[
        "patient",
        "--db",
        &db,
        "payment",
        "A1003",
        "--amount",
        "5",
        "--method",
        "card",
        "--reference",
        "4111111111111111",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("payment.reference") && !err.contains("4111"),
        "{err}"
    );
    assert_eq!(json(&["patient", "--db", &db, "account", "A1003"]), after);
    let credit = dec(&after["unapplied_credit"]).to_string();
    ok(&[
        "patient",
        "--db",
        &db,
        "refund",
        "A1003",
        "--amount",
        &credit,
        "--method",
        "check",
        "--reference",
        "5001",
        "--reason",
        "credit balance",
    ]);
    let last = json(&["patient", "--db", &db, "account", "A1003"]);
    assert_eq!(dec(&last["unapplied_credit"]), rust_decimal::Decimal::ZERO);
    assert_eq!(last["credit_flag"], false);
}
