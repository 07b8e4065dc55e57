//! `otbill batch`, `otbill post`, `otbill ack`, `otbill report` and `otbill backup`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;

use super::{print_json, DbArgs};

/// Batch ready claims into 837P files in the outbox (finishing any interrupted batch).
#[derive(clap::Args, Debug)]
pub(crate) struct BatchArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Outbox folder.
    #[arg(long, default_value = "outbox")]
    outbox: PathBuf,
    /// Claims per file.
    #[arg(long, default_value_t = 5000)]
    max_claims: usize,
}

pub(crate) fn run_batch(args: BatchArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    let res = store
        .build_batches(&args.outbox, args.max_claims)
        .context("building batches")?;
    if res.is_empty() {
        println!("no ready claims");
    }
    for b in &res {
        println!(
            "batch {}: {} claims in {} (ISA13 {}){}",
            b.batch_id,
            b.claims,
            b.file.display(),
            b.interchange_control,
            if b.resumed {
                ", finished an interrupted batch"
            } else {
                ""
            }
        );
        for (pcn, msg) in &b.refused {
            eprintln!("otbill: claim {pcn} refused: {msg}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Post an 835 remittance into the ledger (exactly once).
#[derive(clap::Args, Debug)]
pub(crate) struct PostArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The 835 file.
    file: PathBuf,
    /// Post remittances that do not balance.
    #[arg(long)]
    allow_unbalanced: bool,
}

pub(crate) fn run_post(args: PostArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let out = store
        .post_835(
            &bytes,
            &args.file.display().to_string(),
            args.allow_unbalanced,
        )
        .with_context(|| format!("posting {}", args.file.display()))?;
    print_json(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Apply a 999 or 277CA acknowledgment.
#[derive(clap::Args, Debug)]
pub(crate) struct AckArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The 999 or 277CA file.
    file: PathBuf,
}

pub(crate) fn run_ack(args: AckArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let out = store
        .apply_ack(&bytes, &args.file.display().to_string())
        .context("applying the acknowledgment")?;
    print_json(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Reports: A/R by age and payer, denials by CARC, KX use, plans of care coming due.
#[derive(clap::Args, Debug)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    which: Report,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Report {
    /// Accounts receivable by age bucket and who owes.
    Ar {
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Denials by group and CARC with amounts.
    Denials,
    /// Each Medicare patient's KX threshold use for a year.
    Kx {
        #[arg(long)]
        year: Option<i32>,
    },
    /// Recertifications and progress reports coming due.
    Due {
        #[arg(long)]
        as_of: Option<NaiveDate>,
        #[arg(long, default_value_t = 14)]
        within_days: i64,
    },
}

pub(crate) fn run_report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    let today = otbill_store::today();
    match args.which {
        Report::Ar { as_of } => {
            let rows = store.report_ar(as_of.unwrap_or(today))?;
            if args.json {
                return print_json(&rows).map(|()| ExitCode::SUCCESS);
            }
            println!(
                "{:<10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>11} {:>6}",
                "owed by", "0-30", "31-60", "61-90", "91-120", "120+", "total", "claims"
            );
            for r in rows {
                let b = r.buckets;
                println!(
                    "{:<10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>11} {:>6}",
                    r.owed_by, b[0], b[1], b[2], b[3], b[4], r.total, r.claims
                );
            }
        }
        Report::Denials => {
            let rows = store.report_denials()?;
            if args.json {
                return print_json(&rows).map(|()| ExitCode::SUCCESS);
            }
            println!(
                "{:<6} {:<6} {:>7} {:>11}",
                "group", "CARC", "claims", "amount"
            );
            for r in rows {
                println!(
                    "{:<6} {:<6} {:>7} {:>11}",
                    r.group, r.carc, r.claims, r.amount
                );
            }
        }
        Report::Kx { year } => {
            let year = year.unwrap_or_else(|| chrono::Datelike::year(&today));
            let rules = otbill_scrub::rules::builtin().context("loading the KX thresholds")?;
            let threshold = rules
                .kx
                .threshold
                .iter()
                .find(|y| y.year == year)
                .map(|y| y.ot)
                .with_context(|| format!("no KX threshold for {year}"))?;
            let rows = store.report_kx(year, threshold)?;
            if args.json {
                return print_json(&rows).map(|()| ExitCode::SUCCESS);
            }
            println!(
                "{:<10} {:>11} {:>11} {:>7}",
                "account", "allowed", "threshold", "used %"
            );
            for r in rows {
                println!(
                    "{:<10} {:>11} {:>11} {:>7}",
                    r.account, r.allowed, r.threshold, r.percent
                );
            }
        }
        Report::Due { as_of, within_days } => {
            let rows = store.report_due(as_of.unwrap_or(today), within_days)?;
            if args.json {
                return print_json(&rows).map(|()| ExitCode::SUCCESS);
            }
            for r in rows {
                let left = r
                    .days_left
                    .map_or(String::new(), |d| format!(" ({d} days left)"));
                println!(
                    "{:<10} plan {:<4} {:<16} {}{left}",
                    r.account, r.plan_id, r.what, r.detail
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Copy the SQLite ledger to a file, consistently, while others may be writing.
#[derive(clap::Args, Debug)]
pub(crate) struct BackupArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Destination file (must not exist).
    dest: PathBuf,
}

pub(crate) fn run_backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    store.backup(&args.dest).context("backing up")?;
    println!("backed up to {}", args.dest.display());
    Ok(ExitCode::SUCCESS)
}
