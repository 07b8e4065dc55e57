//! Many instances (issue #15 point 4): several `otbill serve` processes on one PostgreSQL
//! database, two practices at once, under a mixed load; then one process on SQLite for
//! comparison. Reports requests/s overall and per route with p50/p99 latency, and checks
//! what must hold however the requests interleave (see `checks.rs`): no 5xx, each
//! 835 posted once per practice, no control number reused, no row across practices.
//!
//! ```text
//! cargo bench -p otbill-server --bench multi -- --otbill target/release/otbill \
//!     [--pg postgres://otbill_app@127.0.0.1:PORT/postgres --pg-admin postgres://...] \
//!     [--duration 30] [--connections 32] [--instances 4] [--max-requests 200000] \
//!     [--only pg|sqlite] [--out bench-out/multi.txt]
//! ```
//!
//! `bench/multi/run.sh` builds the release binary, starts a throw-away PostgreSQL server
//! and runs this. Only loopback addresses are used; every worker stops after `--duration`
//! seconds or `--max-requests` requests. Exits non-zero when a check fails.
//!
//! The mix (weights in `load.rs`): visit entry, coding, claim lists and claim pages,
//! another practice's claim by id, ERA uploads (each 835 raced over all instances when it
//! is released, then uploaded again as a duplicate) and batch builds. Patient statement
//! runs are not in it: otbill has none yet.

mod checks;
mod client;
mod load;
mod setup;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use load::{Outcome, Plan, Route};

struct Args {
    otbill: PathBuf,
    pg: Option<String>,
    pg_admin: Option<String>,
    duration: u64,
    connections: usize,
    instances: usize,
    max_requests: usize,
    only: Option<String>,
    out: PathBuf,
}

fn args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let mut a = Args {
        otbill: target.join("release/otbill"),
        pg: std::env::var("OTBILL_TEST_PG_URL").ok(),
        pg_admin: std::env::var("OTBILL_TEST_PG_ADMIN_URL").ok(),
        duration: 30,
        connections: 32,
        instances: 4,
        max_requests: 200_000,
        only: None,
        out: root.join("bench-out/multi.txt"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let number = |v: String| -> usize {
            v.parse()
                .unwrap_or_else(|_| panic!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--otbill" => a.otbill = value().into(),
            "--pg" => a.pg = Some(value()),
            "--pg-admin" => a.pg_admin = Some(value()),
            "--duration" => a.duration = number(value()) as u64,
            "--connections" => a.connections = number(value()).max(1),
            "--instances" => a.instances = number(value()).max(1),
            "--max-requests" => a.max_requests = number(value()),
            "--only" => a.only = Some(value()),
            "--out" => a.out = value().into(),
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn main() {
    let a = args();
    assert!(
        a.otbill.is_file(),
        "no otbill binary at {} (cargo build --release -p otbill-cli, or --otbill PATH)",
        a.otbill.display()
    );
    let plan = Plan {
        duration: Duration::from_secs(a.duration),
        connections: a.connections,
        max_requests: a.max_requests,
    };
    let rules = otbill_server::Rules::builtin().expect("the built-in rule tables");
    let logs = a.out.with_extension("logs");
    let mut report = String::new();
    let _ = writeln!(
        report,
        "otbill multi-instance load (issue #15 point 4): {} s, {} connections, {} cores, two practices",
        a.duration,
        a.connections,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let _ = writeln!(
        report,
        "mix: visit entry, coding, claim lists and pages, another practice's claim (404), 835 uploads raced over the instances, batch builds; no statement runs (otbill has none yet)"
    );
    print!("{report}");
    let mut ok = true;
    let want = |engine: &str| a.only.as_deref().is_none_or(|o| o == engine);
    if want("pg") {
        let (Some(pg), Some(admin)) = (a.pg.as_deref(), a.pg_admin.as_deref()) else {
            panic!("PostgreSQL needs --pg and --pg-admin (or OTBILL_TEST_PG_URL and OTBILL_TEST_PG_ADMIN_URL; eval \"$(scripts/pg-test-server.sh)\")");
        };
        assert!(
            is_loopback_url(pg) && is_loopback_url(admin),
            "PostgreSQL must be on 127.0.0.1"
        );
        let name = format!("otbill_multi_{}_{}", std::process::id(), unix_secs());
        otbill_store::Store::connect(pg)
            .and_then(|mut s| s.raw_exec(&format!("CREATE DATABASE {name}"), &[]))
            .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
        let app = swap_db(pg, &name);
        let all = swap_db(admin, &name);
        let label = format!(
            "PostgreSQL, {} instances, one database ({name})",
            a.instances
        );
        // The servers' working directory: their outbox is `outbox/` in it.
        let dir = work_dir("pg");
        ok &= section(
            &mut report,
            &label,
            &app,
            &all,
            Some(&app),
            a.instances,
            plan,
            &a,
            &rules,
            &logs.join("pg"),
            &dir,
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    if want("sqlite") {
        // The outbox is beside the database file.
        let dir = work_dir("sqlite");
        let db = dir.join("otbill.db").display().to_string();
        ok &= section(
            &mut report,
            "SQLite, 1 instance (fresh file)",
            &db,
            &db,
            None,
            1,
            plan,
            &a,
            &rules,
            &logs.join("sqlite"),
            &dir,
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = writeln!(
        report,
        "\nresult: {}",
        if ok {
            "all checks passed"
        } else {
            "CHECKS FAILED"
        }
    );
    println!(
        "\nresult: {}",
        if ok {
            "all checks passed"
        } else {
            "CHECKS FAILED"
        }
    );
    if let Some(d) = a.out.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    std::fs::write(&a.out, &report).unwrap_or_else(|e| panic!("writing {}: {e}", a.out.display()));
    eprintln!(
        "multi: wrote {} (server logs in {})",
        a.out.display(),
        logs.display()
    );
    if !ok {
        std::process::exit(1);
    }
}

/// One engine: prepare, serve, load, stop, check; appends to `report` (and prints it).
/// True when every check passed.
#[allow(clippy::too_many_arguments)]
fn section(
    report: &mut String,
    label: &str,
    db_url: &str,
    all_url: &str,
    app_url: Option<&str>,
    instances: usize,
    plan: Plan,
    a: &Args,
    rules: &otbill_server::Rules,
    logs: &Path,
    dir: &Path,
) -> bool {
    let mut s = String::new();
    let _ = writeln!(s, "\n== {label} ==");
    print!("{s}");
    let t = Instant::now();
    let practices = setup::prepare(db_url, dir, rules).expect("preparing the database");
    let line = format!(
        "setup: {} s; {}",
        fmt_f(t.elapsed().as_secs_f64(), 1),
        practices
            .iter()
            .map(|p| format!(
                "practice {}: {} claims, {} 835 files, {} patients for the therapist",
                p.id,
                p.claims.len(),
                p.remits.len(),
                p.accounts.len()
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    println!("{line}");
    let _ = writeln!(s, "{line}");
    let mut servers =
        setup::start(&a.otbill, db_url, dir, logs, instances).expect("starting the servers");
    let line = format!(
        "servers: {}",
        servers
            .addrs
            .iter()
            .map(|a| format!("http://{a}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("{line}");
    let _ = writeln!(s, "{line}");
    let out = load::run(&servers.addrs, &practices, plan);
    let clean = servers.stop();
    let table = figures(&out);
    print!("{table}");
    s.push_str(&table);
    let checks = checks::run(all_url, &dir.join("outbox"), app_url, &practices, &out)
        .expect("reading the database for the checks");
    let mut ok = clean;
    let mut c = String::from("checks:\n");
    for ch in &checks {
        ok &= ch.ok;
        let _ = writeln!(c, "  {} {}", if ch.ok { "ok  " } else { "FAIL" }, ch.what);
    }
    let _ = writeln!(
        c,
        "  {} servers stopped cleanly on SIGTERM",
        if clean { "ok  " } else { "FAIL" }
    );
    print!("{c}");
    s.push_str(&c);
    report.push_str(&s);
    ok
}

/// The table: per route and overall, requests, requests/s, p50 and p99 in ms, statuses.
fn figures(out: &Outcome) -> String {
    let secs = out.elapsed.as_secs_f64().max(1e-9);
    let mut s = format!(
        "load: {} s\n{:<44} {:>8} {:>9} {:>8} {:>8}  statuses\n",
        fmt_f(secs, 1),
        "route",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms"
    );
    let mut all: Vec<u32> = Vec::new();
    for r in Route::ALL {
        let mut l = out.latencies.get(&r).cloned().unwrap_or_default();
        l.sort_unstable();
        let statuses = out
            .statuses
            .get(&r)
            .map(|m| {
                m.iter()
                    .map(|(c, n)| format!("{c}:{n}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<44} {:>8} {:>9} {:>8} {:>8}  {statuses}",
            r.name(),
            l.len(),
            fmt_f(l.len() as f64 / secs, 1),
            ms(&l, 50),
            ms(&l, 99)
        );
        all.extend(l);
    }
    all.sort_unstable();
    let _ = writeln!(
        s,
        "{:<44} {:>8} {:>9} {:>8} {:>8}  transport errors: {}",
        "all",
        all.len(),
        fmt_f(all.len() as f64 / secs, 1),
        ms(&all, 50),
        ms(&all, 99),
        out.transport_errors
    );
    s
}

/// The `q`th percentile of sorted microseconds, in milliseconds.
fn ms(sorted: &[u32], q: usize) -> String {
    if sorted.is_empty() {
        return "-".into();
    }
    let i = (sorted.len() * q / 100).min(sorted.len() - 1);
    fmt_f(f64::from(sorted[i]) / 1000.0, 2)
}

fn fmt_f(v: f64, places: usize) -> String {
    format!("{v:.places$}")
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A fresh scratch directory for one engine's database, outbox and servers.
fn work_dir(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("otbill-multi-{}-{what}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a scratch directory");
    d
}

/// The same server URL naming database `name`.
fn swap_db(url: &str, name: &str) -> String {
    let (prefix, _) = url
        .rsplit_once('/')
        .expect("a PostgreSQL URL names a database");
    format!("{prefix}/{name}")
}

fn is_loopback_url(url: &str) -> bool {
    let host = url.split('@').next_back().unwrap_or(url);
    let host = host
        .trim_start_matches("postgres://")
        .trim_start_matches("postgresql://");
    host.starts_with("127.0.0.1") || host.starts_with("localhost")
}
