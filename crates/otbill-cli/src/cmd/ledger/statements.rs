//! `otbill statements run`: a statement run over the practice's patients, each statement
//! written as `statement-ID.pdf` and all of them as `statements-batch.pdf` in `--out`; what
//! was made is printed as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use otbill_store::records::Address;
use otbill_store::statements::{StatementDoc, StatementRun};
use rust_decimal::Decimal;

use super::{print_json, DbArgs};

/// Patient statements.
#[derive(clap::Args, Debug)]
pub(crate) struct StatementsArgs {
    #[command(subcommand)]
    command: StatementsCommand,
}

#[derive(Subcommand, Debug)]
enum StatementsCommand {
    /// Make the statements of a run and write their PDFs.
    Run {
        #[command(flatten)]
        db: DbArgs,
        /// The statement date (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Only patients owing more than this (dollars).
        #[arg(long, default_value = "5")]
        min_balance: Decimal,
        /// Only patients with no statement in this many days.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Days from the statement date to the due date.
        #[arg(long, default_value_t = 21)]
        due_days: u32,
        /// Folder for the PDFs.
        #[arg(long, default_value = "statements")]
        out: PathBuf,
    },
}

/// An address as printed lines.
fn address_lines(a: &Address) -> Vec<String> {
    let mut lines = vec![a.line1.clone()];
    lines.extend(a.line2.clone().filter(|l| !l.trim().is_empty()));
    lines.push(format!("{} {} {}", a.city, a.state, a.zip));
    lines
}

/// The printed statement of a stored statement document.
pub(crate) fn printed(doc: &StatementDoc) -> otbill_forms::Statement {
    let s = &doc.statement;
    otbill_forms::Statement {
        practice_name: doc.practice_name.clone(),
        practice_address: doc
            .practice_address
            .as_ref()
            .map(address_lines)
            .unwrap_or_default(),
        recipient_name: doc.recipient_name.clone(),
        recipient_address: address_lines(&doc.recipient_address),
        patient_name: (doc.patient_name != doc.recipient_name).then(|| doc.patient_name.clone()),
        account: doc.account.clone(),
        number: s.id,
        statement_date: s.statement_date,
        due_date: s.due_date,
        previous_balance: s.previous_balance,
        payments: s.payments,
        new_charges: s.new_charges,
        insurance: s.insurance,
        amount_due: s.amount_due,
        dunning_level: s.dunning_level,
        lines: s
            .lines
            .iter()
            .map(|l| otbill_forms::StatementLine {
                service_date: l.service_date,
                charge: l.charge,
                insurance_paid: l.insurance_paid,
                adjustments: l.adjustments,
                patient_paid: l.patient_paid,
                patient_owes: l.patient_owes,
            })
            .collect(),
    }
}

pub(crate) fn run(args: StatementsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        StatementsCommand::Run {
            db,
            date,
            min_balance,
            days,
            due_days,
            out,
        } => {
            let mut store = db.open()?;
            let done = store
                .statement_run(&StatementRun {
                    date: date.unwrap_or_else(crate::clock::today),
                    min_balance,
                    min_days_since_last: days,
                    due_in_days: due_days,
                })
                .context("statement run")?;
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            let mut all = Vec::new();
            for d in &done {
                let doc = store.statement_document(d.id)?;
                let s = printed(&doc);
                let path = out.join(format!("statement-{}.pdf", d.id));
                std::fs::write(&path, otbill_forms::render_statement(&s))
                    .with_context(|| format!("writing {}", path.display()))?;
                all.push(s);
            }
            let batch = out.join("statements-batch.pdf");
            if !all.is_empty() {
                std::fs::write(&batch, otbill_forms::render_statements(&all))
                    .with_context(|| format!("writing {}", batch.display()))?;
            }
            print_json(&serde_json::json!({
                "statements": done,
                "batch": (!all.is_empty()).then(|| batch.display().to_string()),
            }))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
