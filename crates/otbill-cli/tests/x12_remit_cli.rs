//! `otbill x12 check` and `otbill remit`: exit codes, the JSON contract and
//! where errors point. See issue #3.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn remit_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../otbill-era/tests/fixtures/remit.835")
}

fn otbill(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otbill"))
        .args(args)
        .output()
        .expect("run otbill")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

#[test]
fn remit_prints_the_contract() {
    let o = otbill(&["remit".as_ref(), remit_fixture().as_os_str()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let r = &json["remittances"][0];
    assert_eq!(r["payment_amount"], "229.50");
    assert_eq!(r["balanced"], true);
    assert_eq!(r["claims"][0]["lines"][0]["units"], 2);
}

#[test]
fn remit_of_something_else_exits_2_naming_the_segment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let claim = write(dir.path(), "claim.837", "ST*837*0001~BHT*0019~SE*3*0001~");
    let o = otbill(&["remit".as_ref(), claim.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ERA-NOT-835") && err.contains("segment 1, line 1"),
        "{err}"
    );
}

#[test]
fn x12_check_exit_status_follows_errors() {
    let clean = otbill(&[
        "x12".as_ref(),
        "check".as_ref(),
        remit_fixture().as_os_str(),
    ]);
    assert_eq!(clean.status.code(), Some(0));
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(remit_fixture()).expect("fixture");
    let broken = write(
        dir.path(),
        "broken.835",
        &text.replace("SE*45*0001", "SE*44*0001"),
    );
    let o = otbill(&["x12".as_ref(), "check".as_ref(), broken.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("X12-SE01-COUNT") && out.contains("segment 47"),
        "{out}"
    );
}

/// The JSON written while reading is what serde writes for `parse_835`'s result, pretty
/// and compact, on the fixture, on an input with text to escape and findings, and on a
/// file large enough to be read on several threads.
#[test]
fn remit_writes_the_serde_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = std::fs::read(remit_fixture()).expect("fixture");
    let odd = write(
        dir.path(),
        "odd.835",
        "ST*835*1~BPR*I*5*C*CHK~N1*PR*A \"QUOTED\" \\ PAYER\t~CLP*P\"1*1*9*5.50~\
         NM1*QC*1*M\u{fc}LLER~SVC*HC:97530:GO*9*5.5**1.5~CAS*CO*45*-0.50*2~LQ*HE*N\\1~\
         DTM*472*20261301~SE*9*1~",
    );
    // A file large enough to be read and written on several threads: the fixture's
    // transaction 5000 times, every seventh unbalanced (findings whose positions are the
    // whole file's), one segment a line.
    let text = String::from_utf8_lossy(&fixture).into_owned();
    let (st, se) = (text.find("ST*").expect("ST"), text.find("GE*").expect("GE"));
    let mut big = text[..st].to_string();
    for i in 0..5000 {
        let transaction = text[st..se].replace("ST*835*0001", &format!("ST*835*{i:04}"));
        let transaction = match i % 7 {
            3 => transaction.replacen("CAS*CO*45*", "CAS*CO*45*1", 1),
            _ => transaction,
        };
        big.push_str(&transaction);
    }
    big.push_str(&text[se..]);
    let big = big.replace('~', "~\n");
    assert!(big.len() > 4 << 20, "{} bytes", big.len());
    let big = write(dir.path(), "big.835", &big);
    for (path, bytes) in [
        (remit_fixture(), fixture),
        (odd.clone(), std::fs::read(&odd).expect("odd")),
        (big.clone(), std::fs::read(&big).expect("big")),
    ] {
        let era = otbill_era::parse_835(&bytes);
        for (flag, mut want) in [
            (None, serde_json::to_vec_pretty(&era).expect("serde")),
            (Some("--compact"), serde_json::to_vec(&era).expect("serde")),
        ] {
            want.push(b'\n');
            let mut args = vec!["remit".as_ref(), path.as_os_str()];
            args.extend(flag.map(std::ffi::OsStr::new));
            let o = otbill(&args);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&want),
                "{} {flag:?}",
                path.display()
            );
        }
    }
}
