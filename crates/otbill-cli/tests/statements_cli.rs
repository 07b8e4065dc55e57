//! `otbill statements run` through the real binary on a demo ledger: the statement PDFs
//! and the batch are written, pdftotext reads the amount due back from them, and a second
//! run the same day makes none.

use std::path::Path;
mod common;

use std::process::Command;

use common::ok;

fn pdftotext(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout".as_ref(), path.as_os_str(), "-".as_ref()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): apt-get install poppler-utils"));
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// `$1,234.50` as the statement prints it.
fn printed(amount: &str) -> String {
    let d: rust_decimal::Decimal = amount.parse().unwrap();
    let s = format!("{:.2}", d);
    let (int, frac) = s.split_once('.').unwrap();
    let mut g = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(ch);
    }
    format!("${g}.{frac}")
}

#[test]
fn a_statement_run_writes_each_pdf_and_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.db").display().to_string();
    let out = dir.path().join("out");
    let out_s = out.display().to_string();
    ok(&[
        "demo",
        "--dir",
        &dir.path().join("d").display().to_string(),
        "--db",
        &db,
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["statements", "run", "--db", &db, "--out", &out_s])).unwrap();
    let done = v["statements"].as_array().unwrap();
    assert!(!done.is_empty(), "{v}");
    let batch = pdftotext(&out.join("statements-batch.pdf"));
    for s in done {
        let id = s["id"].as_i64().unwrap();
        let due = printed(s["amount_due"].as_str().unwrap());
        assert_eq!(s["dunning_level"], 1);
        let text = pdftotext(&out.join(format!("statement-{id}.pdf")));
        assert!(text.contains("STATEMENT"), "{text}");
        let row = text
            .lines()
            .find(|l| l.contains("Amount due"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(row.contains(&due), "{due} in {row}");
        assert!(text.contains("Amount enclosed"));
        assert!(batch.contains(&due));
    }
    // The same day again: nothing new, no batch.
    let again: serde_json::Value =
        serde_json::from_str(&ok(&["statements", "run", "--db", &db, "--out", &out_s])).unwrap();
    assert_eq!(again["statements"].as_array().unwrap().len(), 0, "{again}");
    assert!(again["batch"].is_null());
}
