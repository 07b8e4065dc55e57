//! `otbill claim`: exit codes, refused claims, and where findings point. See issue #3.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/claims.json")
}

fn otbill(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otbill"))
        .arg("claim")
        .args(args)
        .output()
        .expect("run otbill")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_example_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("claims.837");
    let o = otbill(&[example().as_os_str(), "-o".as_ref(), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let x12 = std::fs::read_to_string(&out).unwrap();
    assert!(x12.starts_with("ISA*00*"));
    assert_eq!(x12.matches("~CLM*").count(), 4);
    assert!(x12.contains("~REF*F8*2026301556789~"));
}

#[test]
fn refused_claims_are_named_by_their_json_index() {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    json["claims"][0]["rendering_provider"]["npi"] = "1000000005".into();
    json["claims"][2]["total_charge"] = "1.00".into();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.json");
    std::fs::write(&input, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let out = dir.path().join("bad.837");
    let o = otbill(&[input.as_os_str(), "-o".as_ref(), out.as_os_str()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error 837P-NPI (claim #0)"), "{err}");
    // Claim 0 was dropped while reading, yet the total finding still says #2.
    assert!(err.contains("error 837P-CLM02-TOTAL (claim #2)"), "{err}");
    let x12 = std::fs::read_to_string(&out).unwrap();
    assert_eq!(x12.matches("~CLM*").count(), 2);
}

#[test]
fn unreadable_input_exits_2_naming_the_line() {
    let text = std::fs::read_to_string(example()).unwrap();
    let broken = text.replacen("\"units\": 2,", "\"units\": \"two\",", 1);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("broken.json");
    std::fs::write(&input, &broken).unwrap();
    let out = dir.path().join("broken.837");
    let o = otbill(&[input.as_os_str(), "-o".as_ref(), out.as_os_str()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let line = broken.lines().position(|l| l.contains("\"two\"")).unwrap() + 1;
    assert!(err.contains(&format!("at line {line} ")), "{err}");
    assert!(!out.exists());
}
