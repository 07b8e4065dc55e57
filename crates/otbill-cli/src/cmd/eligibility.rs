//! `otbill eligibility`: read a 271 (`otbill eligibility FILE.271`), write 270 requests
//! from the ledger, post 271s into it, and show a patient's latest benefits; and
//! `otbill payer-rules`: each payer's billing rules, shown, set from a file and listed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use otbill_store::records::PayerKey;

use crate::cmd::ledger::{print_json, rules, DbArgs};

/// `--format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Format {
    /// JSON.
    #[default]
    Json,
    /// A plain text table per response.
    Table,
}

/// Eligibility: `otbill eligibility FILE.271` prints its benefits; the subcommands work
/// with the ledger.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// A 271 file to read (nothing is stored).
    file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Write a 270 asking about patients' coverage (by account), or `--all` covered ones.
    Request {
        #[command(flatten)]
        db: DbArgs,
        /// Patient accounts.
        accounts: Vec<String>,
        /// Every patient with a coverage of that rank in force on the date.
        #[arg(long, conflicts_with = "accounts")]
        all: bool,
        /// Date of service asked about (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Coverage rank (1 primary).
        #[arg(long, default_value_t = 1)]
        rank: u8,
        /// Service type codes (EQ01), repeated; default AD (OT) and 30.
        #[arg(long = "service-type", value_name = "CODE")]
        service_types: Vec<String>,
        /// Outbox folder.
        #[arg(long, default_value = "outbox")]
        outbox: PathBuf,
    },
    /// Read a 271 file (the same as `otbill eligibility FILE`).
    Read {
        /// The 271 file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Post a 271 into the ledger: each response is kept against the patient's coverage.
    Post {
        #[command(flatten)]
        db: DbArgs,
        /// The 271 file.
        file: PathBuf,
    },
    /// A patient's latest benefits (primary coverage) as stored.
    Show {
        #[command(flatten)]
        db: DbArgs,
        /// Patient account.
        account: String,
        /// On this date (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match (args.command, args.file) {
        (Some(Cmd::Read { file, format }), _) => read(&file, format),
        (None, Some(file)) => read(&file, args.format),
        (None, None) => anyhow::bail!("name a 271 file, or a subcommand (request, post, show)"),
        (
            Some(Cmd::Request {
                db,
                accounts,
                all,
                date,
                rank,
                service_types,
                outbox,
            }),
            _,
        ) => {
            let mut store = db.open()?;
            let date = date.unwrap_or_else(otbill_store::today);
            let ids = if all {
                store.patients_covered_on(rank, date)?
            } else {
                let mut ids = Vec::with_capacity(accounts.len());
                for a in &accounts {
                    ids.push(
                        store
                            .patient_id_by_account(a)?
                            .with_context(|| format!("no patient with the account {a}"))?,
                    );
                }
                ids
            };
            if ids.is_empty() {
                anyhow::bail!("no patient to ask about: name accounts, or --all");
            }
            let out = store
                .request_eligibility(&outbox, &ids, rank, date, &service_types)
                .context("writing the 270")?;
            print_json(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        (Some(Cmd::Post { db, file }), _) => {
            let mut store = db.open()?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let out = store
                .post_271(&bytes)
                .with_context(|| format!("posting {}", file.display()))?;
            print_json(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        (Some(Cmd::Show { db, account, date }), _) => {
            let mut store = db.open()?;
            let id = store
                .patient_id_by_account(&account)?
                .with_context(|| format!("no patient with the account {account}"))?;
            let date = date.unwrap_or_else(otbill_store::today);
            match store.latest_benefits(id, 1, date)? {
                Some(b) => {
                    if b.stale(otbill_store::today()) {
                        eprintln!(
                            "otbill: the latest check is from {}, more than {} days ago: check again",
                            b.checked_on,
                            otbill_store::eligibility::STALE_AFTER_DAYS
                        );
                    }
                    print_json(&b)?;
                }
                None => {
                    println!("no eligibility response stored for this patient's coverage on {date}")
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read(file: &std::path::Path, format: Format) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let read = otbill_elig::read_271(&bytes);
    match format {
        Format::Json => print_json(&read)?,
        Format::Table => print!("{}", otbill_elig::render_table(&read)),
    }
    let blocked = read
        .findings
        .iter()
        .any(|f| f.severity == otbill_x12::Severity::Error);
    Ok(if blocked {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A payer's billing rules in the ledger.
#[derive(clap::Args, Debug)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    command: RulesCmd,
}

#[derive(Subcommand, Debug)]
enum RulesCmd {
    /// The rules in effect for a payer on a date (its profile's defaults when none is set).
    Show {
        #[command(flatten)]
        db: DbArgs,
        /// The payer id.
        payer: String,
        /// On this date (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Store a payer's rules (JSON, as `show` prints them) from a date on.
    Set {
        #[command(flatten)]
        db: DbArgs,
        /// The payer id.
        payer: String,
        /// The rules file (JSON).
        file: PathBuf,
        /// First date of service they apply to.
        #[arg(long)]
        effective: NaiveDate,
        /// Why they changed.
        #[arg(long)]
        note: Option<String>,
    },
    /// Every rule set stored for a payer, with who stored it and when.
    History {
        #[command(flatten)]
        db: DbArgs,
        /// The payer id.
        payer: String,
    },
}

pub(crate) fn run_rules(args: RulesArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RulesCmd::Show { db, payer, date } => {
            let mut store = db.open()?;
            let (_, profiles, _) = rules()?;
            let date = date.unwrap_or_else(otbill_store::today);
            let draft = store.payer_rules_draft(PayerKey::PayerId(&payer), date, &profiles)?;
            print_json(&draft)?;
        }
        RulesCmd::Set {
            db,
            payer,
            file,
            effective,
            note,
        } => {
            let mut store = db.open()?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let parsed = otbill_scrub::PayerRules::from_json(&text)
                .with_context(|| format!("reading {}", file.display()))?;
            let id = store
                .set_payer_rules(
                    PayerKey::PayerId(&payer),
                    effective,
                    &parsed,
                    note.as_deref(),
                )
                .context("storing the payer rules")?;
            println!("payer rule set {id} stored for {payer} from {effective}");
        }
        RulesCmd::History { db, payer } => {
            let mut store = db.open()?;
            print_json(&store.payer_rule_history(PayerKey::PayerId(&payer))?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
