//! pyx12 4.0.0, with the X279A1 maps from pyx12's upstream repository
//! (tools/pyx12-x279/), as the external judge of every 270 we write and of our 271
//! fixtures. Also proves the harness fails on files broken on purpose.
//!
//! Needs `python3` with pyx12 (`python3 -m pip install pyx12==4.0.0`).

mod common;

use otbill_elig::write_270;
use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyx12_check.py")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/271")
}

/// A fresh directory for this test's files.
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pyx12-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the harness; returns (exit code, stdout + stderr).
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

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

#[test]
fn every_270_we_write_passes_pyx12() {
    let dir = temp_dir("270");
    let env = common::envelope();
    let single = write_270(&[common::request(1)], &env).expect("single");
    let dependent = write_270(&[common::dependent_request(2)], &env).expect("dependent");
    let requests = common::batch(500);
    let batch = write_270(&requests, &env).expect("batch");
    // The batch really has several payers, providers (one a person) and dependents.
    assert_eq!(batch.matches("HL*").count(), 3 + 9 + 500 + 100, "{batch}");
    assert_eq!(batch.matches("~NM1*1P*1*TAYLOR*ANN").count(), 3);
    let plan_level = requests
        .iter()
        .filter(|r| r.service_types.is_empty() || r.service_types.iter().any(|t| t == "30"))
        .count();
    assert!(plan_level > 100);
    assert_eq!(batch.matches("~EQ*30~").count(), plan_level);
    let paths = [
        write(&dir, "single.270", &single),
        write(&dir, "dependent.270", &dependent),
        write(&dir, "batch500.270", &batch),
    ];
    let (code, output) = pyx12(&paths);
    assert_eq!(total_errors(&output), 0, "pyx12 found errors:\n{output}");
    assert_eq!(code, 0, "{output}");
}

#[test]
fn the_harness_reports_errors_in_broken_270s() {
    let dir = temp_dir("broken");
    let good = write_270(&[common::request(1)], &common::envelope()).expect("write");
    // An EQ01 that is no service type code.
    let bad_eq = good.replacen("~EQ*AD~", "~EQ*ZZZ~", 1);
    assert_ne!(bad_eq, good);
    // The subscriber's NM1 left out (and SE01 fixed, so only the NM1 is missing).
    let start = good.find("~NM1*IL*").expect("2100C NM1") + 1;
    let end = start + good[start..].find('~').expect("terminator") + 1;
    let no_nm1 = format!("{}{}", &good[..start], &good[end..]);
    let se = no_nm1.find("~SE*").expect("SE") + 4;
    let count: usize = no_nm1[se..no_nm1[se..].find('*').expect("SE01") + se]
        .parse()
        .expect("SE01");
    let no_nm1 = no_nm1.replacen(&format!("~SE*{count}*"), &format!("~SE*{}*", count - 1), 1);
    for (name, text) in [("bad-eq.270", bad_eq), ("no-nm1.270", no_nm1)] {
        let path = write(&dir, name, &text);
        let (code, output) = pyx12(&[path]);
        assert_eq!(code, 1, "{name}: {output}");
        assert!(total_errors(&output) > 0, "{name}: {output}");
    }
}

/// pyx12 4.0.0 does not split repeated simple elements (it reads EB03 `30^AD` as one
/// too-long code), so the judged copy keeps the first repetition of each EB03.
fn first_repetitions(text: &str) -> String {
    text.split('~')
        .map(|seg| {
            if !seg.trim_start().starts_with("EB*") {
                return seg.to_string();
            }
            let mut parts: Vec<String> = seg.split('*').map(str::to_string).collect();
            if let Some(eb03) = parts.get_mut(3) {
                *eb03 = eb03.split('^').next().unwrap_or_default().to_string();
            }
            parts.join("*")
        })
        .collect::<Vec<_>>()
        .join("~")
}

#[test]
fn the_271_fixtures_pass_pyx12() {
    let dir = temp_dir("271");
    let mut judged = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/271")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "x12"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "{names:?}");
    let mut repeated = 0;
    for path in names {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let copy = first_repetitions(&text);
        repeated += usize::from(copy != text);
        judged.push(write(&dir, &name, &copy));
    }
    assert!(repeated >= 4, "EB03 repetitions are in too few fixtures");
    let (code, output) = pyx12(&judged);
    assert_eq!(total_errors(&output), 0, "pyx12 found errors:\n{output}");
    assert_eq!(code, 0, "{output}");
}
