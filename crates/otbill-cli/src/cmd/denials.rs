//! `otbill denials FILE.835`: the denial worklist of a remittance.
//!
//! Every denied or reduced line (and claim-level adjustment) with its category, the reason
//! in plain words, the fix, the route (corrected claim, reopening, appeal, resubmit, or no
//! appeal) and its deadline, most urgent first. Expected reductions (CO-45, CO-253, MPPR,
//! patient share) are left out unless `--all`. The output names claims and lines by their
//! control numbers, never by patient. Exit status: 0 listed, 2 unreadable input.

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use otbill_denials::{claim_remarks, worklist, AppealRules, Catalog, CodeList, Context, WorkItem};
use serde::Serialize;

/// Output format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Pretty JSON: `{"notice_received", "today", "items": [...]}`.
    Json,
    /// A table for people.
    Table,
}

/// List what went wrong in an 835, what fixes it, by which route and by when.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// 835 file, or `-` for standard input.
    #[arg(value_name = "FILE.835")]
    file: PathBuf,
    /// The day the remittance was received (deadlines count from it). Default: the 835's
    /// production date (DTM*405), which is never later than receipt, so deadlines err early.
    #[arg(long, value_name = "YYYY-MM-DD")]
    received: Option<NaiveDate>,
    /// Today, for days left (default: the system date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Include expected reductions and patient share (posted, not worked).
    #[arg(long)]
    all: bool,
    /// The published CARC list as CSV `code,description`, for codes we have not annotated.
    #[arg(long, value_name = "FILE.csv")]
    carc_list: Option<PathBuf>,
    /// The published RARC list as CSV `code,description`.
    #[arg(long, value_name = "FILE.csv")]
    rarc_list: Option<PathBuf>,
}

#[derive(Serialize)]
struct Output<'a> {
    notice_received: NaiveDate,
    today: NaiveDate,
    items: Vec<&'a WorkItem>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bytes = read_input(&args.file)?;
    let era = otbill_era::parse_835(&bytes);
    if let Some(finding) = era.unreadable() {
        bail!("{}: not a readable 835: {finding}", args.file.display());
    }
    let catalog = load_catalog(args.carc_list.as_deref(), args.rarc_list.as_deref())?;
    let rules = AppealRules::medicare();
    let today = args.today.unwrap_or_else(crate::clock::today);
    let received = args
        .received
        .or_else(|| era.remittances.iter().find_map(|r| r.production_date))
        .unwrap_or(today);
    let ctx = Context {
        catalog: &catalog,
        rules: &rules,
        notice_received: received,
        today,
    };
    let items = worklist(&ctx, &era, &claim_remarks(&bytes));
    let shown: Vec<&WorkItem> = items
        .iter()
        .filter(|i| args.all || i.needs_work())
        .collect();

    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        Format::Json => {
            let output = Output {
                notice_received: received,
                today,
                items: shown,
            };
            serde_json::to_writer_pretty(&mut out, &output)?;
            writeln!(out)?;
        }
        Format::Table => write_table(&mut out, &shown, received, items.len())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Reads a file, or standard input for `-`.
pub(crate) fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    }
    Ok(bytes)
}

/// The built-in catalog plus the published lists given.
pub(crate) fn load_catalog(carc: Option<&Path>, rarc: Option<&Path>) -> anyhow::Result<Catalog> {
    let mut catalog = Catalog::builtin();
    for (list, path) in [(CodeList::Carc, carc), (CodeList::Rarc, rarc)] {
        if let Some(path) = path {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            catalog.add_published_csv(list, &path.display().to_string(), &text)?;
        }
    }
    Ok(catalog)
}

fn write_table(
    out: &mut impl Write,
    items: &[&WorkItem],
    received: NaiveDate,
    total: usize,
) -> io::Result<()> {
    writeln!(
        out,
        "{} item(s) to work of {total} adjustment(s); deadlines from notice received {received}",
        items.len()
    )?;
    writeln!(
        out,
        "{:>5}  {:<10}  {:<14}  {:<10}  {:<13}  {:<16}  {:>9}  {:<20}  ROUTE",
        "DAYS", "DUE", "CLAIM", "LINE", "PROCEDURE", "ADJ", "AMOUNT", "CATEGORY"
    )?;
    for item in items {
        let (days, due) = match &item.deadline {
            Some(d) => (d.days_left.to_string(), d.due.to_string()),
            None => ("-".to_owned(), "-".to_owned()),
        };
        let mut adj = format!("{}-{}", item.group, item.reason_code);
        for r in &item.remarks {
            adj.push('/');
            adj.push_str(r);
        }
        let c = &item.classification;
        writeln!(
            out,
            "{days:>5}  {due:<10}  {:<14}  {:<10}  {:<13}  {adj:<16}  {:>9}  {:<20}  {}",
            item.patient_control_number,
            item.line_control_number.as_deref().unwrap_or("(claim)"),
            item.procedure.as_deref().unwrap_or("-"),
            format!("{:.2}", item.amount),
            c.category.label(),
            c.route.label(),
        )?;
        writeln!(out, "{:>7}why: {}", "", c.reason)?;
        writeln!(out, "{:>7}fix: {}", "", c.fix)?;
    }
    Ok(())
}
