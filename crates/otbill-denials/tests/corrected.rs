//! Corrected (frequency 7) and void (frequency 8) claims: built from the original, checked,
//! written by the 837P writer, read back, and validated by pyx12 4.0.0.
//!
//! Needs `python3` with pyx12 (`python3 -m pip install pyx12==4.0.0`, as `.ci/run` does);
//! reuses `crates/otbill-837p/tests/pyx12_check.py`.

use std::path::{Path, PathBuf};
use std::process::Command;

use otbill_837p::model::{ClaimFile, Frequency};
use otbill_837p::{load_json, read_837p, write_837p, WriteOptions};
use otbill_denials::{replacement, void, CorrectionError, Fix};
use otbill_types::{CptCode, Modifier, Money};

fn original() -> ClaimFile {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claim-103.json");
    let loaded = load_json(&std::fs::read_to_string(path).expect("fixture")).expect("loads");
    assert_eq!(loaded.findings, vec![]);
    loaded.file
}

fn fixes() -> Vec<Fix> {
    vec![
        Fix::AddModifier {
            line: "L103-2".into(),
            modifier: Modifier::parse("KX").unwrap(),
        },
        Fix::SetUnits {
            line: "L103-4".into(),
            units: 1,
            charge: Some(Money::parse("30.00").unwrap()),
        },
        Fix::SetProcedure {
            line: "L103-3".into(),
            procedure: CptCode::parse("97535").unwrap(),
        },
    ]
}

fn pyx12(paths: &[PathBuf]) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../otbill-837p/tests/pyx12_check.py");
    let out = Command::new("python3")
        .arg(script)
        .args(paths)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}); install python3 and pyx12==4.0.0"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code, 3,
        "pyx12 is not installed: python3 -m pip install pyx12==4.0.0\n{text}"
    );
    assert!(
        code == 0 || code == 1,
        "pyx12_check.py failed (exit {code}):\n{text}"
    );
    (code, text)
}

#[test]
fn replacement_applies_fixes_and_recomputes_the_total() {
    let file = original();
    let fixed = replacement(&file.claims[0], "2226003", &fixes()).expect("builds");
    assert!(fixed.is_clean(), "{:#?}", fixed.findings);
    let claim = &fixed.claim;
    assert_eq!(claim.frequency, Frequency::Replacement);
    assert_eq!(claim.original_claim_number.as_deref(), Some("2226003"));
    assert_eq!(claim.total_charge, Money::parse("330.00").unwrap());
    let kx: Vec<_> = claim.lines[1]
        .modifiers
        .iter()
        .map(|m| m.as_str())
        .collect();
    assert_eq!(kx, ["GO", "KX"]);
    assert_eq!(claim.lines[2].procedure.as_str(), "97535");
    assert_eq!(claim.lines[3].units, 1);
    // The original is untouched.
    assert_eq!(file.claims[0].frequency, Frequency::Original);
    // Adding a modifier twice does not duplicate it.
    let twice = replacement(&fixed.claim, "2226003", &fixes()[..1]).unwrap();
    assert_eq!(twice.claim.lines[1].modifiers.len(), 2);
}

#[test]
fn corrected_and_void_claims_round_trip_and_pass_pyx12() {
    let mut file = original();
    let fixed = replacement(&file.claims[0], "2226003", &fixes()).unwrap();
    let voided = void(&file.claims[0], "2226003").unwrap();
    assert!(voided.is_clean(), "{:#?}", voided.findings);
    assert_eq!(voided.claim.lines, file.claims[0].lines);
    let mut voided_claim = voided.claim;
    voided_claim.patient_control_number = "PCN-103V".into();
    file.claims = vec![fixed.claim.clone(), voided_claim.clone()];

    let mut out = Vec::new();
    let summary = write_837p(&file, &WriteOptions::default(), &mut out).expect("writes");
    assert_eq!(summary.findings, vec![]);
    assert_eq!(summary.written, [0, 1]);
    let text = String::from_utf8(out.clone()).expect("ASCII");
    assert!(text.contains("*11:B:7*"), "CLM05 frequency 7: {text}");
    assert!(text.contains("*11:B:8*"), "CLM05 frequency 8: {text}");
    assert!(text.contains("REF*F8*2226003~"), "{text}");
    assert!(text.contains("SV1*HC:97110:GO:KX*"), "{text}");

    let back = read_837p(&out);
    let back = back.file.expect("reads back");
    assert_eq!(back.claims, vec![fixed.claim, voided_claim]);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrected.837");
    std::fs::write(&path, &out).unwrap();
    let (code, output) = pyx12(&[path]);
    assert!(
        output.contains("total 0 errors"),
        "pyx12 found errors:\n{output}"
    );
    assert_eq!(code, 0, "{output}");
}

#[test]
fn a_void_of_a_void_and_bad_fixes_are_refused() {
    let file = original();
    let claim = &file.claims[0];
    assert_eq!(
        replacement(claim, " ", &[]).unwrap_err(),
        CorrectionError::NoPayerClaimNumber
    );
    let voided = void(claim, "2226003").unwrap().claim;
    assert_eq!(
        void(&voided, "2226003").unwrap_err(),
        CorrectionError::OriginalIsVoid
    );
    let missing = Fix::RemoveLine {
        line: "L999".into(),
    };
    assert_eq!(
        replacement(claim, "2226003", &[missing]).unwrap_err(),
        CorrectionError::NoSuchLine("L999".into())
    );
    let all: Vec<_> = claim
        .lines
        .iter()
        .map(|l| Fix::RemoveLine {
            line: l.line_control_number.clone(),
        })
        .collect();
    assert_eq!(
        replacement(claim, "2226003", &all).unwrap_err(),
        CorrectionError::NoLinesLeft
    );
}

#[test]
fn a_fix_that_breaks_the_claim_is_reported_by_the_837p_checks() {
    let file = original();
    let bad = Fix::SetDiagnosisPointers {
        line: "L103-1".into(),
        pointers: vec![9],
    };
    let fixed = replacement(&file.claims[0], "2226003", &[bad]).unwrap();
    assert!(!fixed.is_clean());
    assert!(
        fixed
            .findings
            .iter()
            .any(|f| f.code == "837P-SV107-POINTER"),
        "{:#?}",
        fixed.findings
    );
}

/// The fixes that need no judgment are suggested from the worklist, and the corrected claim
/// they make passes the 837P checks.
#[test]
fn suggested_fixes_from_the_worklist() {
    use chrono::NaiveDate;
    use otbill_denials::{claim_remarks, suggested_fixes, worklist, AppealRules, Catalog, Context};
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/denials.835"
    ))
    .unwrap();
    let era = otbill_era::parse_835(&bytes);
    let (catalog, rules) = (Catalog::builtin(), AppealRules::medicare());
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let ctx = Context {
        catalog: &catalog,
        rules: &rules,
        notice_received: d("2026-02-02"),
        today: d("2026-02-10"),
    };
    let items = worklist(&ctx, &era, &claim_remarks(&bytes));
    let file = original();
    let claim = &file.claims[0];
    let fixes: Vec<Fix> = items
        .iter()
        .filter(|i| i.patient_control_number == claim.patient_control_number)
        .flat_map(|i| suggested_fixes(i, claim))
        .collect();
    // PCN-103: KX for the CO-119 line only; CO-50, CO-185 and CO-204 need a person.
    assert_eq!(
        fixes,
        [Fix::AddModifier {
            line: "L103-2".into(),
            modifier: Modifier::parse("KX").unwrap()
        }]
    );
    let fixed = replacement(claim, "2226003", &fixes).unwrap();
    assert!(fixed.is_clean(), "{:#?}", fixed.findings);

    // A CO-4 line without GO gets the claim's discipline modifier; 97014 with N657 becomes G0283.
    let mut claim = claim.clone();
    claim.lines[2].modifiers.clear();
    claim.lines[3].procedure = CptCode::parse("97014").unwrap();
    let mut item = items.iter().find(|i| i.reason_code == "4").unwrap().clone();
    item.line_control_number = Some("L103-3".into());
    assert_eq!(
        suggested_fixes(&item, &claim),
        [Fix::AddModifier {
            line: "L103-3".into(),
            modifier: Modifier::parse("GO").unwrap()
        }]
    );
    let mut item = items
        .iter()
        .find(|i| i.reason_code == "96")
        .unwrap()
        .clone();
    item.line_control_number = Some("L103-4".into());
    assert_eq!(
        suggested_fixes(&item, &claim),
        [Fix::SetProcedure {
            line: "L103-4".into(),
            procedure: CptCode::parse("G0283").unwrap()
        }]
    );
}
