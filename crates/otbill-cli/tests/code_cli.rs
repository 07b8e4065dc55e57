//! Runs the real `otbill code` binary: the public JSON contract, batch mode, bad input,
//! and next year's code file added without touching code.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn otbill(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_otbill"))
        .args(args)
        .env_remove("OTBILL_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("otbill runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("otbill finishes")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const ISSUE_EXAMPLE: &str = r#"{"date": "2026-03-02", "payer": "medicare", "discipline": "OT",
  "services": [{"code": "97112", "minutes": 24, "assistant_minutes": 0}, {"code": "97110", "minutes": 23}, {"code": "97165"}]}"#;

#[test]
fn single_visit_follows_the_public_contract() {
    let out = otbill(&["code", "-"], ISSUE_EXAMPLE);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total_timed_minutes"], 47);
    assert_eq!(v["total_timed_units"], 3);
    let lines = v["lines"].as_array().unwrap();
    let l97112 = lines.iter().find(|l| l["code"] == "97112").unwrap();
    assert_eq!(l97112["units"], 2);
    assert_eq!(l97112["modifiers"], serde_json::json!(["GO"]));
    assert_eq!(l97112["minutes"], 24);
    assert!(!l97112["why"].as_array().unwrap().is_empty());
    assert!(lines
        .iter()
        .any(|l| l["code"] == "97165" && l["units"] == 1));
    assert_eq!(v["findings"], serde_json::json!([]));
}

#[test]
fn reads_a_file_and_prints_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("visit.json");
    std::fs::write(&path, ISSUE_EXAMPLE).unwrap();
    let out = otbill(&["code", "--format", "table", path.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(
        t.contains("97112") && t.contains("GO") && t.contains("47 min, 3 units"),
        "{t}"
    );
}

#[test]
fn batch_codes_good_lines_and_names_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("visits.jsonl");
    let good = ISSUE_EXAMPLE.replace('\n', " ");
    let batch = format!(
        "{good}\n{}\n{good}\n{}\n",
        r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97112","minutes":-3}]}"#,
        r#"{"date":"2026-03-02","payer":"nobody","services":[{"code":"97112","minutes":3}]}"#
    );
    std::fs::write(&path, batch).unwrap();
    let out = otbill(&["code", "--batch", path.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "one output line per input line");
    assert_eq!(lines[0]["total_timed_units"], 3);
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["error"]["field"], "services[0].minutes");
    assert_eq!(lines[2]["total_timed_units"], 3);
    assert_eq!(lines[3]["error"]["field"], "payer");
    let err = text(&out.stderr);
    assert!(
        err.contains(":2: services[0].minutes") && err.contains(":4: payer"),
        "{err}"
    );
}

#[test]
fn bad_input_names_the_field_and_exits_2() {
    let cases = [
        ("{\"date\": \"2026-03-02\",", "(document)"),
        (
            r#"{"payer":"medicare","services":[{"code":"97110","minutes":20}]}"#,
            "date",
        ),
        (
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97127"}]}"#,
            "services[0].code",
        ),
        (
            r#"{"date":"2024-06-01","payer":"medicare","services":[{"code":"97110","minutes":20}]}"#,
            "services[0].code",
        ),
        (
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"9711X","minutes":20}]}"#,
            "services[0].code",
        ),
        (
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97110","minutes":9000}]}"#,
            "services[0].minutes",
        ),
        (
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97110"}]}"#,
            "services[0].minutes",
        ),
        (
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97150","minutes":600}]}"#,
            "services[0].minutes",
        ),
        (
            r#"{"date":"2026-03-02","payer":"medicare","services":[{"code":"97110","minutes":10,"assistant_minutes":11}]}"#,
            "services[0].assistant_minutes",
        ),
        (
            r#"{"date":"2026-02-30","payer":"medicare","services":[]}"#,
            "date",
        ),
    ];
    for (input, field) in cases {
        let out = otbill(&["code", "-"], input);
        assert_eq!(out.status.code(), Some(2), "{input}");
        let err = text(&out.stderr);
        assert!(err.contains(&format!(": {field}: ")), "{input} → {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn next_years_code_file_needs_no_code_change() {
    let visit =
        r#"{"date":"2027-02-01","payer":"medicare","services":[{"code":"97530","minutes":30}]}"#;
    assert_eq!(otbill(&["code", "-"], visit).status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("codes")).unwrap();
    let y2027 = include_str!("../../../data/codes/2026.toml")
        .replace("year = 2026", "year = 2027")
        .replace("effective = \"2026-01-01\"", "effective = \"2027-01-01\"")
        .replace("end = \"2026-12-31\"", "end = \"2027-12-31\"");
    std::fs::write(dir.path().join("codes/2027.toml"), y2027).unwrap();
    let out = otbill(
        &["code", "--data-dir", dir.path().to_str().unwrap(), "-"],
        visit,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lines"][0]["units"], 2);
}

#[test]
fn a_practice_adds_its_own_payer_profile() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("payers")).unwrap();
    std::fs::write(
        dir.path().join("payers/acme.toml"),
        "id = \"acme\"\nname = \"Acme Health\"\nkind = \"commercial\"\nunit_method = \"cpt_midpoint\"\ndiscipline_modifier = false\nassistant_modifiers = false\nde_minimis = \"percentage\"\nmedicare_status = false\n",
    )
    .unwrap();
    let visit = r#"{"date":"2026-02-01","payer":"acme","services":[{"code":"97530","minutes":10},{"code":"97110","minutes":10}]}"#;
    let out = otbill(
        &["code", "--data-dir", dir.path().to_str().unwrap(), "-"],
        visit,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // CPT rule: 10 + 10 minutes → a unit each, and no discipline modifier for this payer.
    assert_eq!(v["total_timed_units"], 2);
    assert_eq!(v["lines"][0]["modifiers"], serde_json::json!([]));
}
