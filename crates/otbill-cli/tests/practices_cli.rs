//! `otbill ledger practices` and `--practice CODE` through the real binary: a second
//! practice is added beside the demo's, and each practice's claims are its own.

use std::process::Command;

fn otbill() -> Command {
    Command::new(env!("CARGO_BIN_EXE_otbill"))
}

fn claims(db: &str, practice: &str) -> Vec<String> {
    let out = otbill()
        .args(["ledger", "--db", db, "--practice", practice, "claims"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One claim a line: id, PCN, status, payer, charge, balance.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split('\t').nth(1).map(str::to_owned))
        .collect()
}

#[test]
fn a_second_practice_is_added_and_worked_in_apart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.db").display().to_string();
    let out = otbill()
        .args(["demo", "--dir"])
        .arg(dir.path().join("a"))
        .args(["--db", &db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let add = otbill()
        .args([
            "ledger",
            "--db",
            &db,
            "practices",
            "--add",
            "lakeside",
            "--name",
            "Lakeside OT",
        ])
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let again = otbill()
        .args([
            "ledger",
            "--db",
            &db,
            "practices",
            "--add",
            "lakeside",
            "--name",
            "Again",
        ])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "a taken code is refused");
    let main = claims(&db, "main");
    assert!(main.len() >= 50 && main.iter().all(|p| p.starts_with("OT0")));
    assert!(claims(&db, "lakeside").is_empty());
    let unknown = otbill()
        .args(["ledger", "--db", &db, "--practice", "nope", "claims"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--practice"));
}
