//! `otbill denials`, `otbill appeal` and `otbill claim --pdf`, run as a user would. See
//! issue #7. PDF checks need `pdftotext` (Debian `poppler-utils`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../otbill-denials/tests/fixtures")
        .join(name)
}

fn otbill(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otbill"))
        .args(args)
        .output()
        .expect("run otbill")
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args([path.as_os_str(), os("-")])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): apt-get install poppler-utils"));
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn denials(extra: &[&str]) -> Output {
    let f = fixture("denials.835");
    let mut args = vec![
        os("denials"),
        f.as_os_str(),
        os("--received"),
        os("2026-02-02"),
    ];
    args.extend([os("--today"), os("2026-02-10")]);
    args.extend(extra.iter().map(|s| os(s)));
    otbill(&args)
}

#[test]
fn denials_json_lists_the_work_most_urgent_first() {
    let o = denials(&[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let items = json["items"].as_array().expect("items");
    assert_eq!(items.len(), 14, "expected reductions are left out");
    assert_eq!(items[0]["reason_code"], "151");
    assert_eq!(items[0]["route"], "appeal");
    assert_eq!(items[0]["deadline"]["due"], "2026-06-02");
    assert_eq!(items[0]["deadline"]["days_left"], 112);
    assert!(items.iter().all(|i| i["category"] != "contractual"));
    let all = denials(&["--all"]);
    let json: serde_json::Value = serde_json::from_slice(&all.stdout).expect("JSON");
    assert_eq!(json["items"].as_array().unwrap().len(), 22);
}

#[test]
fn denials_table_says_why_and_how_to_fix() {
    let o = denials(&["--format", "table"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("14 item(s) to work of 22 adjustment(s)"),
        "{text}"
    );
    for needle in [
        "CO-151/N362",
        "MUE/units",
        "why: ",
        "fix: ",
        "cannot be appealed",
        "CO-29/N211",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
}

#[test]
fn denials_of_a_file_that_is_not_an_835_fail_with_exit_2() {
    let f = fixture("claim-103.json");
    let o = otbill(&[os("denials"), f.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a readable 835"));
}

#[test]
fn appeal_writes_the_letter() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("letter.pdf");
    let (claim, remit, ev) = (
        fixture("claim-103.json"),
        fixture("denials.835"),
        fixture("evidence-103.json"),
    );
    let o = otbill(&[
        os("appeal"),
        claim.as_os_str(),
        os("--remit"),
        remit.as_os_str(),
        os("--received"),
        os("2026-02-02"),
        os("--today"),
        os("2026-02-10"),
        os("--evidence"),
        ev.as_os_str(),
        os("-o"),
        out.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("file by 2026-06-02 (112 days left)"),
        "{stderr}"
    );
    let text = pdf_text(&out);
    for needle in [
        "ANA RIVERA",
        "1EG4TE5MK73",
        "01/20/2026",
        "97165",
        "Request for Redetermination",
        "MEDICARE PART B CONTRACTOR",
        "FARGO, ND 58108-6700",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
}

#[test]
fn appeal_refuses_a_claim_with_nothing_to_appeal() {
    let dir = tempfile::tempdir().unwrap();
    let remit = dir.path().join("paid.835");
    std::fs::write(
        &remit,
        "ST*835*1~BPR*I*300*C*ACH~CLP*PCN-103*1*360*300*0*MB*X1~CAS*CO*45*60~SE*5*1~",
    )
    .unwrap();
    let out = dir.path().join("letter.pdf");
    let claim = fixture("claim-103.json");
    let o = otbill(&[
        os("appeal"),
        claim.as_os_str(),
        os("--remit"),
        remit.as_os_str(),
        os("--received"),
        os("2026-02-02"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists());
}

#[test]
fn claim_pdf_prints_the_cms1500() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, x12) = (dir.path().join("claims.pdf"), dir.path().join("claims.837"));
    let claim = fixture("claim-103.json");
    let o = otbill(&[
        os("claim"),
        claim.as_os_str(),
        os("-o"),
        x12.as_os_str(),
        os("--pdf"),
        pdf.as_os_str(),
        os("--form"),
        os("full"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(x12.exists());
    let text = pdf_text(&pdf);
    for needle in [
        "HEALTH INSURANCE CLAIM FORM",
        "RIVERA, ANA",
        "97165",
        "01 20 26",
        "360 00",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    // Without -o only the PDF is written.
    let pdf2 = dir.path().join("red.pdf");
    let o = otbill(&[
        os("claim"),
        claim.as_os_str(),
        os("--pdf"),
        pdf2.as_os_str(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!pdf_text(&pdf2).contains("HEALTH INSURANCE CLAIM FORM"));
}
