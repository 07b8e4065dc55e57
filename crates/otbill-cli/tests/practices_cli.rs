//! `otbill ledger practices` and `--practice CODE` through the real binary: a second
//! practice is added beside the demo's, and each practice's claims are its own.

use std::process::{Command, Output};

/// Runs the binary with `args`.
fn otbill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otbill"))
        .args(args)
        .output()
        .unwrap()
}

/// [`otbill`], which must succeed.
fn ok(args: &[&str]) -> Output {
    let out = otbill(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The PCNs of a practice's claims (`otbill ledger claims`: one claim a line, id, PCN,
/// status, payer, charge, balance).
fn pcns(db: &str, practice: &str) -> Vec<String> {
    let out = ok(&["ledger", "--db", db, "--practice", practice, "claims"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split('\t').nth(1).map(str::to_owned))
        .collect()
}

#[test]
fn a_second_practice_is_added_and_worked_in_apart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.db").display().to_string();
    let demo_dir = dir.path().join("a").display().to_string();
    ok(&["demo", "--dir", &demo_dir, "--db", &db]);
    let add = [
        "ledger",
        "--db",
        &db,
        "practices",
        "--add",
        "lakeside",
        "--name",
    ];
    ok(&[&add[..], &["Lakeside OT"]].concat());
    let again = otbill(&[&add[..], &["Again"]].concat());
    assert_eq!(again.status.code(), Some(2), "a taken code is refused");
    let main = pcns(&db, "main");
    assert!(main.len() >= 50 && main.iter().all(|p| p.starts_with("OT0")));
    assert!(pcns(&db, "lakeside").is_empty());
    let unknown = otbill(&["ledger", "--db", &db, "--practice", "nope", "claims"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--practice"));
}
