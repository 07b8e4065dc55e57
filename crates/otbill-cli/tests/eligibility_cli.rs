//! `otbill eligibility` and `otbill payer-rules` through the real binary, on a demo
//! ledger: a 270 is written, the payer's 271 (the simulated payer's answer to it, with the
//! request's loops) is read as JSON and as a table, posted once, and shown; a payer's
//! rules are shown from the profile's defaults, set, refused when they contradict
//! themselves, and listed.

use std::path::Path;
mod common;

use common::{ok, otbill};

#[test]
fn a_270_written_its_271_read_posted_once_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.db").display().to_string();
    let outbox = dir.path().join("out").display().to_string();
    ok(&[
        "demo",
        "--dir",
        &dir.path().join("d").display().to_string(),
        "--db",
        &db,
    ]);
    let req: serde_json::Value = serde_json::from_str(&ok(&[
        "eligibility",
        "request",
        "A1003",
        "--db",
        &db,
        "--outbox",
        &outbox,
    ]))
    .unwrap();
    let file = req["file"].as_str().unwrap();
    assert!(Path::new(file).starts_with(&outbox), "{file}");
    let request = std::fs::read_to_string(file).unwrap();
    let reply = otbill_store::sim::answer_270(&request, |_| {
        [
            "EB*1*IND*30^AD**GOLD PPO",
            "EB*B*IND*AD***27*30",
            "EB*F*IND*AD***29***VS*7",
            "EB*CB*IND*AD********Y",
        ]
        .map(str::to_owned)
        .to_vec()
    })
    .expect("our own 270");
    let path = dir.path().join("reply.271");
    std::fs::write(&path, &reply).unwrap();
    let path = path.display().to_string();

    let read: serde_json::Value = serde_json::from_str(&ok(&["eligibility", &path])).unwrap();
    assert_eq!(read["findings"].as_array().map(Vec::len), Some(0), "{read}");
    assert_eq!(read["responses"][0]["trace"], req["checks"][0]["trace"]);
    let table = ok(&["eligibility", &path, "--format", "table"]);
    assert!(
        table.contains("GOLD PPO") && table.contains("30"),
        "{table}"
    );

    let posted: serde_json::Value =
        serde_json::from_str(&ok(&["eligibility", "post", &path, "--db", &db])).unwrap();
    assert_eq!(posted["stored"][0]["matched_by"], "trace", "{posted}");
    let again: serde_json::Value =
        serde_json::from_str(&ok(&["eligibility", "post", &path, "--db", &db])).unwrap();
    assert_eq!(again["already_posted"], true);
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&["eligibility", "show", "A1003", "--db", &db])).unwrap();
    assert_eq!(shown["summary"]["copay"], "30", "{shown}");
    assert_eq!(shown["summary"]["visits_remaining"], 7, "{shown}");
    assert_eq!(shown["summary"]["authorization_required"], true, "{shown}");

    // Cut short: findings, exit 1 when read; refused (exit 2, segment named) when posted.
    let cut = dir.path().join("cut.271");
    std::fs::write(&cut, &reply[..reply.find("SE*").unwrap()]).unwrap();
    let cut = cut.display().to_string();
    assert_eq!(otbill(&["eligibility", &cut]).status.code(), Some(1));
    let refused = otbill(&["eligibility", "post", &cut, "--db", &db]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("segment"));
}

#[test]
fn payer_rules_start_from_the_profile_are_set_refused_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.db").display().to_string();
    ok(&[
        "demo",
        "--dir",
        &dir.path().join("d").display().to_string(),
        "--db",
        &db,
    ]);
    let shown = ok(&["payer-rules", "show", "60054", "--db", &db]);
    let mut rules: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(rules["unit_method"], "cpt_midpoint", "{rules}");
    rules["visit_limit"] = serde_json::json!({"visits": 30, "reset": "07-01"});
    let file = dir.path().join("r.json");
    std::fs::write(&file, rules.to_string()).unwrap();
    let file = file.display().to_string();
    let set = ok(&[
        "payer-rules",
        "set",
        "60054",
        &file,
        "--effective",
        "2026-07-01",
        "--db",
        &db,
        "--note",
        "renewal",
    ]);
    assert!(set.contains("stored for 60054 from 2026-07-01"), "{set}");
    let later: serde_json::Value = serde_json::from_str(&ok(&[
        "payer-rules",
        "show",
        "60054",
        "--date",
        "2026-08-01",
        "--db",
        &db,
    ]))
    .unwrap();
    assert_eq!(later["visit_limit"]["visits"], 30);
    rules["units_per_day"] = serde_json::json!([{"code": "97530", "min": 4, "max": 2}]);
    std::fs::write(&file, rules.to_string()).unwrap();
    let bad = otbill(&[
        "payer-rules",
        "set",
        "60054",
        &file,
        "--effective",
        "2026-09-01",
        "--db",
        &db,
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("units_per_day[0]"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let history: serde_json::Value =
        serde_json::from_str(&ok(&["payer-rules", "history", "60054", "--db", &db])).unwrap();
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["note"], "renewal");
}
