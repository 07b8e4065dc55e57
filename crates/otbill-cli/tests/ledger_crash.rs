//! Crash safety of the real `otbill` binary: killed (SIGKILL) mid-posting and mid-batch,
//! then run again, every payment is posted once and every claim is in exactly one batch.
//! Also: two processes posting the same 835 at once against PostgreSQL post it once.
//!
//! The binary pauses where `OTBILL_TEST_PAUSE_AT` says (see `otbill_store::pause_at`'s
//! doc: `post:claim:N`, `batch:reserved`, `batch:written`) after printing
//! `OTBILL_PAUSED` on standard error, so the kill lands at a known point.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use otbill_store::sim::{self, RemitSpec, Verdict};
use otbill_store::Store;

fn otbill() -> Command {
    Command::new(env!("CARGO_BIN_EXE_otbill"))
}

fn demo(dir: &Path) -> String {
    let out = otbill().arg("demo").arg("--dir").arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("otbill.db").display().to_string()
}

/// Runs `otbill ARGS` with a pause point, waits until it pauses, and SIGKILLs it.
fn kill_at(db: &str, pause: &str, args: &[&str]) {
    let mut child = otbill()
        .args(args)
        .env("OTBILL_DB", db)
        .env("OTBILL_TEST_PAUSE_AT", pause)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut paused = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.starts_with("OTBILL_PAUSED") {
            paused = true;
            break;
        }
    }
    assert!(paused, "otbill {args:?} never reached {pause}");
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success());
}

fn run_ok(db: &str, args: &[&str]) -> String {
    let out = otbill().args(args).env("OTBILL_DB", db).output().unwrap();
    assert!(
        out.status.success(),
        "otbill {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A new 835 paying every claim of the demo's first batch under a fresh trace number.
fn fresh_835(db: &str, dir: &Path, trace: &str) -> (std::path::PathBuf, i64) {
    let mut s = Store::open(db).unwrap();
    let first = s.batches().unwrap()[0].0;
    let file = s.batch_file(first).unwrap();
    let spec = RemitSpec {
        trace: trace.into(),
        payer_name: "SIMULATED".into(),
        payer_id: "1999999999".into(),
        control_number: 9001,
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
    };
    let bytes = sim::remit_835(&file, &spec, |_, _| Verdict::Paid).unwrap();
    let total: rust_decimal::Decimal = otbill_era::parse_835(&bytes)
        .remittances
        .iter()
        .map(|r| r.payment_amount)
        .sum();
    let path = dir.join(format!("{trace}.835"));
    std::fs::write(&path, bytes).unwrap();
    (
        path,
        i64::try_from((total * rust_decimal::Decimal::ONE_HUNDRED).round()).unwrap(),
    )
}

#[test]
fn killed_mid_posting_posts_once_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    killed_mid_posting(&db, dir.path());
}

/// Issue 15: posting is grouped statements on PostgreSQL; a kill mid-posting still leaves
/// nothing, and the rerun posts once.
#[test]
fn killed_mid_posting_posts_once_on_rerun_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = pg_demo("posting", dir.path()) else {
        return;
    };
    killed_mid_posting(&db, dir.path());
}

fn killed_mid_posting(db: &str, dir: &Path) {
    let (file, amount) = fresh_835(db, dir, "CRASH1");
    let before = Store::open(db).unwrap().total_paid_cents().unwrap();
    let f = file.display().to_string();
    kill_at(db, "post:claim:40", &["post", &f]);
    assert_eq!(
        Store::open(db).unwrap().total_paid_cents().unwrap(),
        before,
        "a killed posting left nothing"
    );
    run_ok(db, &["post", &f]);
    assert_eq!(
        Store::open(db).unwrap().total_paid_cents().unwrap(),
        before + amount,
        "posted exactly once"
    );
    let again = run_ok(db, &["post", &f]);
    assert!(again.contains("\"duplicate\": true"), "{again}");
    assert_eq!(
        Store::open(db).unwrap().total_paid_cents().unwrap(),
        before + amount
    );
}

/// A fresh PostgreSQL database on `OTBILL_TEST_PG_URL` with the demo run into it, or
/// `None` when PostgreSQL tests are skipped (`OTBILL_SKIP_PG=1`).
fn pg_demo(tag: &str, dir: &Path) -> Option<String> {
    let Ok(base) = std::env::var("OTBILL_TEST_PG_URL") else {
        if std::env::var("OTBILL_SKIP_PG").as_deref() == Ok("1") {
            eprintln!("SKIPPED: PostgreSQL test (OTBILL_SKIP_PG=1)");
            return None;
        }
        panic!("OTBILL_TEST_PG_URL is not set: start a server with scripts/pg-test-server.sh, or set OTBILL_SKIP_PG=1 to skip");
    };
    let name = format!("otbill_cli_{tag}_{}", std::process::id());
    otbill_store::Store::connect(&base)
        .unwrap()
        .raw_exec(&format!("CREATE DATABASE {name}"), &[])
        .unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let out = otbill()
        .args(["demo", "--dir"])
        .arg(dir)
        .args(["--db", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(url)
}

fn void_some(db: &str, n: usize) -> Vec<i64> {
    let mut s = Store::open(db).unwrap();
    let paid = s.claims(Some("paid")).unwrap();
    paid.iter()
        .take(n)
        .map(|&id| s.void_claim(id).unwrap())
        .collect()
}

fn check_batches(db: &str, outbox: &Path, voids: &[i64]) {
    let mut s = Store::open(db).unwrap();
    let batches = s.batches().unwrap();
    for (_, state, file, _) in &batches {
        assert_eq!(state, "written");
        assert!(outbox.join(file).exists(), "{file} missing");
    }
    for &v in voids {
        let c = s.claim(v).unwrap();
        assert_eq!(c.status, "batched", "claim {v}");
        let submitted = c.events.iter().filter(|e| e.2 == "submitted").count();
        assert_eq!(submitted, 1, "claim {v} submitted once");
    }
    // Every voided claim appears in exactly one 837P file of the outbox.
    let text: String = batches
        .iter()
        .map(|b| std::fs::read_to_string(outbox.join(&b.2)).unwrap())
        .collect();
    for &v in voids {
        let pcn = s.claim(v).unwrap().pcn;
        assert_eq!(
            text.matches(&format!("CLM*{pcn}*")).count(),
            1,
            "{pcn} in exactly one file"
        );
    }
}

#[test]
fn killed_mid_batch_completes_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    killed_mid_batch(&db, &dir.path().join("outbox"));
}

/// Issue 15: batch reservation is one grouped update on PostgreSQL; the crash points keep
/// their meaning there too.
#[test]
fn killed_mid_batch_completes_on_rerun_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = pg_demo("batch", dir.path()) else {
        return;
    };
    killed_mid_batch(&db, &dir.path().join("outbox"));
}

fn killed_mid_batch(db: &str, outbox: &Path) {
    let o = outbox.display().to_string();
    let voids = void_some(db, 5);
    kill_at(db, "batch:written", &["batch", "--outbox", &o]);
    {
        let mut s = Store::open(db).unwrap();
        let b = s.batches().unwrap();
        let last = b.last().unwrap();
        assert_eq!(last.1, "reserved", "killed before the batch was recorded");
        assert!(
            !outbox.join(&last.2).exists(),
            "no file under the final name before the rename"
        );
    }
    let out = run_ok(db, &["batch", "--outbox", &o]);
    assert!(out.contains("finished an interrupted batch"), "{out}");
    check_batches(db, outbox, &voids);

    // Killed right after reserving: the rerun writes that batch, with the same numbers.
    let more = void_some(db, 3);
    kill_at(db, "batch:reserved", &["batch", "--outbox", &o]);
    let reserved = Store::open(db)
        .unwrap()
        .batches()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(reserved.1, "reserved");
    run_ok(db, &["batch", "--outbox", &o]);
    let after = Store::open(db).unwrap().batches().unwrap();
    assert_eq!(
        after.last().unwrap().2,
        reserved.2,
        "same file name, same ISA13"
    );
    assert_eq!(after.last().unwrap().1, "written");
    let all: Vec<i64> = voids.iter().chain(&more).copied().collect();
    check_batches(db, outbox, &all);
    assert_eq!(
        run_ok(db, &["batch", "--outbox", &o]).trim(),
        "no ready claims"
    );
}

/// Issue 15: a batch killed after its file was written (synced, not yet renamed) is
/// written again by the next run, byte for byte: same claims, same control numbers and
/// ST02s, same creation time.
#[test]
fn killed_before_the_rename_is_rewritten_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    rewritten_byte_for_byte(&db, &dir.path().join("outbox"));
}

#[test]
fn killed_before_the_rename_is_rewritten_byte_for_byte_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = pg_demo("bytes", dir.path()) else {
        return;
    };
    rewritten_byte_for_byte(&db, &dir.path().join("outbox"));
}

fn rewritten_byte_for_byte(db: &str, outbox: &Path) {
    let o = outbox.display().to_string();
    void_some(db, 4);
    kill_at(db, "batch:written", &["batch", "--outbox", &o]);
    let temps: Vec<_> = std::fs::read_dir(outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert_eq!(temps.len(), 1, "the killed run's synced file: {temps:?}");
    let killed = std::fs::read(&temps[0]).unwrap();
    let name = Store::open(db)
        .unwrap()
        .batches()
        .unwrap()
        .last()
        .unwrap()
        .2
        .clone();
    assert!(!outbox.join(&name).exists());
    let out = run_ok(db, &["batch", "--outbox", &o]);
    assert!(out.contains("finished an interrupted batch"), "{out}");
    assert_eq!(
        std::fs::read(outbox.join(&name)).unwrap(),
        killed,
        "the rerun wrote the same bytes"
    );
}

#[test]
fn two_processes_post_the_same_835_once_on_postgres() {
    let Ok(base) = std::env::var("OTBILL_TEST_PG_URL") else {
        if std::env::var("OTBILL_SKIP_PG").as_deref() == Ok("1") {
            eprintln!("SKIPPED: PostgreSQL test (OTBILL_SKIP_PG=1)");
            return;
        }
        panic!("OTBILL_TEST_PG_URL is not set: start a server with scripts/pg-test-server.sh, or set OTBILL_SKIP_PG=1 to skip");
    };
    let name = format!("otbill_cli_{}", std::process::id());
    otbill_store::Store::connect(&base)
        .unwrap()
        .raw_exec(&format!("CREATE DATABASE {name}"), &[])
        .unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let dir = tempfile::tempdir().unwrap();
    let out = otbill()
        .args(["demo", "--dir"])
        .arg(dir.path())
        .args(["--db", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (file, amount) = fresh_835(&url, dir.path(), "TWOPROC");
    let before = Store::open(&url).unwrap().total_paid_cents().unwrap();
    let f = file.display().to_string();
    let kids: Vec<_> = (0..2)
        .map(|_| {
            otbill()
                .args(["post", &f])
                .env("OTBILL_DB", &url)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<String> = kids
        .into_iter()
        .map(|k| {
            let o = k.wait_with_output().unwrap();
            assert!(o.status.success());
            String::from_utf8_lossy(&o.stdout).into_owned()
        })
        .collect();
    assert_eq!(
        outs.iter()
            .filter(|o| o.contains("\"duplicate\": true"))
            .count(),
        1,
        "{outs:?}"
    );
    assert_eq!(
        Store::open(&url).unwrap().total_paid_cents().unwrap(),
        before + amount
    );
}
