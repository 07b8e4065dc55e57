//! pyx12 4.0.0 as the external judge: every 837P we generate must validate with zero
//! errors. Also proves the harness can fail by feeding it a file we broke on purpose.
//!
//! Needs `python3` with pyx12 (`python3 -m pip install pyx12==4.0.0`, as `.ci/run` does).

mod scenarios;

use otbill_837p::write_837p;
use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyx12_check.py")
}

/// Runs the harness; returns (exit code, stdout). Fails the test with a clear message when
/// python3 or pyx12 is missing.
fn pyx12(paths: &[PathBuf]) -> (i32, String) {
    let out = Command::new("python3")
        .arg(script())
        .args(paths)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}); install python3 and pyx12==4.0.0"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code, 3,
        "pyx12 is not installed: run `python3 -m pip install pyx12==4.0.0`\n{stderr}"
    );
    assert!(
        code == 0 || code == 1,
        "pyx12_check.py failed (exit {code}):\n{stdout}\n{stderr}"
    );
    (code, format!("{stdout}{stderr}"))
}

fn total_errors(output: &str) -> usize {
    output
        .lines()
        .find_map(|l| {
            l.strip_prefix("total ")?
                .strip_suffix(" errors")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no total line in pyx12_check.py output:\n{output}"))
}

#[test]
fn every_generated_837p_passes_pyx12() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    // Secondary and tertiary claims (2320/2330/2430) must be among the judged ones.
    let mut cob_claims = 0;
    let mut cob_files = 0;
    // So are the 2300 claim dates DTP*431 and DTP*454.
    let (mut onset_claims, mut initial_claims) = (0, 0);
    for s in scenarios::all() {
        let n = s
            .file
            .claims
            .iter()
            .filter(|c| !c.other_payers.is_empty())
            .count();
        cob_claims += n;
        cob_files += usize::from(n > 0);
        onset_claims += s
            .file
            .claims
            .iter()
            .filter(|c| c.onset_date.is_some())
            .count();
        initial_claims += s
            .file
            .claims
            .iter()
            .filter(|c| c.initial_treatment_date.is_some())
            .count();
        let mut out = Vec::new();
        let summary = write_837p(&s.file, &s.options, &mut out).expect("write");
        assert!(
            summary.findings.is_empty() && summary.refused.is_empty(),
            "{}: {:#?}",
            s.name,
            summary.findings
        );
        let path = dir.path().join(format!("{}.837", s.name));
        std::fs::write(&path, &out).expect("write temp file");
        paths.push(path);
    }
    // The shipped example, through the JSON loader like `otbill claim` does.
    let json = std::fs::read_to_string(scenarios::example_path()).expect("examples/claims.json");
    let loaded = otbill_837p::load_json(&json).expect("example loads");
    assert_eq!(loaded.findings, vec![]);
    let mut out = Vec::new();
    let summary = write_837p(&loaded.file, &Default::default(), &mut out).expect("write");
    assert_eq!(summary.findings, vec![]);
    let path = dir.path().join("examples_claims.837");
    std::fs::write(&path, &out).expect("write temp file");
    paths.push(path);

    assert!(
        cob_files >= 3 && cob_claims >= 50,
        "too few COB claims for pyx12 to judge: {cob_claims} in {cob_files} files"
    );

    assert!(
        onset_claims >= 50 && initial_claims >= 100,
        "too few claims with DTP*431/454 for pyx12 to judge: {onset_claims}/{initial_claims}"
    );

    let (code, output) = pyx12(&paths);
    assert_eq!(total_errors(&output), 0, "pyx12 found errors:\n{output}");
    assert_eq!(code, 0, "{output}");
    eprintln!(
        "pyx12: {} generated files ({cob_claims} claims with COB loops in {cob_files}), 0 errors",
        paths.len()
    );
}

#[test]
fn the_harness_reports_errors_in_a_broken_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = scenarios::all().swap_remove(0);
    s.file.claims[0].place_of_service = "11".into();
    let mut out = Vec::new();
    write_837p(&s.file, &s.options, &mut out).expect("write");
    let text = String::from_utf8(out).expect("ASCII output");
    // Two faults pyx12 catches: an unknown place of service, and a wrong SE01.
    assert!(text.contains("***11:B:1*"), "{text}");
    let broken = text.replacen("***11:B:1*", "***AA:B:1*", 1);
    let se = broken.find("~SE*").expect("an SE segment") + 4;
    let end = se + broken[se..].find('*').expect("SE01");
    let broken = format!("{}999{}", &broken[..se], &broken[end..]);
    let path = dir.path().join("broken.837");
    std::fs::write(&path, broken).expect("write temp file");
    let (code, output) = pyx12(&[path]);
    assert_eq!(code, 1, "{output}");
    assert!(
        total_errors(&output) >= 2,
        "expected at least 2 errors:\n{output}"
    );
}
