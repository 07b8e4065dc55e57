//! `otbill demo`: a realistic practice in a new database, run from visits to posted
//! payments with a simulated 999 and 835, then the reports. See `otbill_store::demo`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use otbill_scrub::scrub::Engine;

use super::rules;

/// Fill a demo practice and run the whole path: visits, claims, 837P, 999, 835, reports.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Folder for the demo database, outbox and inbox (created).
    #[arg(long, default_value = "otbill-demo")]
    dir: PathBuf,
    /// Use this database instead of DIR/otbill.db (SQLite file or postgres:// URL).
    #[arg(long, env = "OTBILL_DEMO_DB")]
    db: Option<String>,
    /// Then serve the web app on the demo practice (prints the address and sign-ins).
    #[arg(long)]
    serve: bool,
    /// Address for `--serve`.
    #[arg(long, default_value = "127.0.0.1:8080", requires = "serve")]
    listen: std::net::SocketAddr,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    let url = args
        .db
        .clone()
        .unwrap_or_else(|| args.dir.join("otbill.db").display().to_string());
    let mut store = otbill_store::Store::open(&url)
        .with_context(|| format!("opening {}", super::redact(&url)))?;
    store.set_actor("demo");
    println!("otbill demo: database {}", super::redact(&url));
    let (catalog, payers, rules) = rules()?;
    let engine = Engine {
        catalog: &catalog,
        payers: &payers,
        rules: &rules,
    };
    let today = otbill_store::today();
    for line in otbill_store::demo::run(&mut store, &args.dir, &engine, today)
        .context("running the demo")?
    {
        println!("{line}");
    }
    println!("\nAccounts receivable (as of {today}):");
    for r in store.report_ar(today)? {
        println!(
            "  {:<10} total {:>10} in {} claims (0-30: {}, 31-60: {})",
            r.owed_by, r.total, r.claims, r.buckets[0], r.buckets[1]
        );
    }
    println!("Denials by CARC:");
    for r in store.report_denials()? {
        println!(
            "  {}-{}: {} claim(s), {}",
            r.group, r.carc, r.claims, r.amount
        );
    }
    let year = chrono::Datelike::year(&otbill_store::demo::demo_month(today).0);
    if let Some(t) = rules.kx.threshold.iter().find(|y| y.year == year) {
        println!("KX threshold use {year} (OT threshold {}):", t.ot);
        for r in store.report_kx(year, t.ot)? {
            println!("  {:<6} {:>9} ({}%)", r.account, r.allowed, r.percent);
        }
    }
    println!("Coming due (14 days):");
    for r in store.report_due(today, 14)? {
        println!(
            "  {:<6} plan {} {}: {}",
            r.account, r.plan_id, r.what, r.detail
        );
    }
    println!(
        "\nTry: otbill report ar --db {0}; otbill ledger claims --db {0}",
        super::redact(&url)
    );
    if args.serve {
        drop(store);
        let rules = otbill_server::Rules {
            catalog,
            payers,
            rules,
        };
        return crate::cmd::serve::serve_demo(&url, args.listen, rules);
    }
    Ok(ExitCode::SUCCESS)
}
