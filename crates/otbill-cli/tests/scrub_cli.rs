//! Runs the real `otbill scrub` and `otbill data` binaries: a priced, scrubbed visit with
//! its findings; an NCCI file imported in the CMS layout; a malformed one refused with its
//! line number and nothing copied.

use std::process::{Command, Output};

fn otbill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otbill"))
        .args(args)
        .env_remove("OTBILL_DATA_DIR")
        .output()
        .expect("otbill runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The documented example of docs/scrub.md: Medicare, an OTA unit, the year's OT amount
/// just under the 2025 KX threshold.
const REQUEST: &str = r#"{
  "visit": {"id": "v1", "date": "2025-06-02", "payer": "medicare", "discipline": "OT",
            "services": [{"code": "97530", "minutes": 30},
                         {"code": "97110", "minutes": 15, "assistant_minutes": 15}]},
  "episode": {
    "plan_of_care": {"discipline": "OT", "start": "2025-05-01", "established": "2025-05-01",
                     "certified": "2025-05-05", "certified_through": "2025-07-29",
                     "goals": ["Dress independently"]},
    "treatment_days_since_progress_report": 4,
    "prior_evaluations": [{"date": "2025-05-01", "code": "97166"}],
    "year_to_date": {"ot": "2380.00", "pt_slp": "0"},
    "medical_necessity_documented": true,
    "deductible_remaining": "0"
  },
  "claim": {"filing_date": "2025-06-10", "sequestration": true}
}"#;

#[test]
fn scrub_prices_codes_and_applies_kx() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("visit.json");
    std::fs::write(&path, REQUEST).unwrap();
    let out = otbill(&["scrub", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["blocked"], false);
    // rules.md §5.3: 97530 x2 + 97110 x1 with MPPR at the national rate = $81.03 allowed.
    assert_eq!(v["totals"]["allowed"], "81.03");
    let lines = v["lines"].as_array().unwrap();
    let co = lines.iter().find(|l| l["code"] == "97110").unwrap();
    assert_eq!(co["modifiers"], serde_json::json!(["GO", "CO"]));
    // $2,380 so far plus this visit passes the 2025 OT threshold of $2,410.
    assert!(lines
        .iter()
        .any(|l| l["modifiers"].as_array().unwrap().contains(&"KX".into())));
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"NCCI_PTP_NOT_REAL"),
        "sample tables must be flagged: {codes:?}"
    );
}

#[test]
fn scrub_blocks_a_late_progress_report_and_names_bad_fields() {
    let late = REQUEST.replace(
        "\"treatment_days_since_progress_report\": 4",
        "\"treatment_days_since_progress_report\": 10",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.json");
    std::fs::write(&path, late).unwrap();
    let out = otbill(&["scrub", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["blocked"], true);

    let bad = REQUEST.replace("\"minutes\": 30}", "\"minutes\": -30}");
    std::fs::write(&path, bad).unwrap();
    let out = otbill(&["scrub", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("visit.services[0].minutes"),
        "{}",
        text(&out.stderr)
    );
}

const PTP_HEADER: &str = "CPT only copyright 2025 American Medical Association. All rights reserved.\n\
Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\tModifier\tPTP Edit Rationale\n\
\t\t\t\t*=no data\t0=not allowed\t\n\
\t\t\t\t\t1=allowed\t\n\
\t\t\t\t\t9=not applicable\t\n";

#[test]
fn data_import_takes_a_cms_layout_and_refuses_a_malformed_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let good = dir.path().join("ccipra-v321r0-f1.txt");
    std::fs::write(
        &good,
        format!("{PTP_HEADER}97530\t97150\t\t20260101\t*\t1\tMutually exclusive procedures\n"),
    )
    .unwrap();
    let out = otbill(&[
        "data",
        "import",
        "ptp",
        good.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--effective",
        "2026-01-01",
    ]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let status = otbill(&["data", "status", "--data-dir", data.to_str().unwrap()]);
    assert!(
        text(&status.stdout).contains("ccipra-v321r0-f1.txt"),
        "{}",
        text(&status.stdout)
    );

    let bad = dir.path().join("ccipra-v322r0-f1.txt");
    std::fs::write(&bad, format!("{PTP_HEADER}97530\t97150\t\t20260101\t*\t1\tok\n97110\tnot-a-code\t\t2026XX01\t*\t7\tbad\n")).unwrap();
    let out = otbill(&[
        "data",
        "import",
        "ptp",
        bad.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--effective",
        "2026-04-01",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("line 7"), "the error names the line: {err}");
    let copied: Vec<_> = walk(&data)
        .into_iter()
        .filter(|p| p.ends_with("ccipra-v322r0-f1.txt"))
        .collect();
    assert!(copied.is_empty(), "nothing copied: {copied:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}
