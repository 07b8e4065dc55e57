//! `otbill`: the command-line front of the billing engine.
//!
//! Each subcommand lives in its own module under `cmd/` with a clap `Args` struct and a
//! `run` function; this file only parses the command line, dispatches, and decides the exit
//! status in one place (0 ok, 1 findings that block, 2 bad input or failure).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod clock;
mod cmd;
mod tables;

/// Billing and coding engine for occupational therapy practices.
#[derive(Parser)]
#[command(name = "otbill", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Code one visit (or a JSON Lines batch): minutes in, billable lines out.
    Code(cmd::code::Args),
    /// Check X12 envelopes and structure (`otbill x12 check FILE`).
    X12(cmd::x12::Args),
    /// Read an 835 remittance into JSON: payments, claims, lines, adjustments, balancing.
    Remit(cmd::remit::Args),
    /// Write claims (JSON) as an 837P file; refused claims are reported on stderr.
    Claim(cmd::claim::Args),
    /// Scrub and price a visit with its episode: NCCI/MUE edits, documentation, fees, KX.
    Scrub(cmd::scrub::Args),
    /// Import CMS rule files (PTP, MUE, PPRRVU, GPCI) or show what is loaded.
    Data(cmd::data::Args),
    /// The denial worklist of an 835: category, reason, fix, route, deadline, amount.
    Denials(cmd::denials::Args),
    /// Draft a redetermination request letter (PDF) for a denied claim.
    Appeal(cmd::appeal::Args),
    /// Patients with their insurance in the practice ledger.
    Patient(cmd::ledger::records::PatientArgs),
    /// Record visits; code and scrub them into claims.
    Visit(cmd::ledger::records::VisitArgs),
    /// Batch ready claims into 837P files in the outbox.
    Batch(cmd::ledger::ops::BatchArgs),
    /// Post an 835 remittance into the ledger, exactly once.
    Post(cmd::ledger::ops::PostArgs),
    /// Apply a 999 or 277CA acknowledgment.
    Ack(cmd::ledger::ops::AckArgs),
    /// Ledger reports: A/R, denials, KX use, plans coming due.
    Report(cmd::ledger::ops::ReportArgs),
    /// Back up the SQLite ledger.
    Backup(cmd::ledger::ops::BackupArgs),
    /// Practice set-up and claim follow-up (correct, void, appeal, secondary, write-off).
    Ledger(cmd::ledger::records::LedgerArgs),
    /// Eligibility: read a 271, write 270s, post 271s, show a patient's benefits.
    Eligibility(cmd::eligibility::Args),
    /// Each payer's billing rules (unit method, limits, authorization...), effective-dated.
    PayerRules(cmd::eligibility::RulesArgs),
    /// Patient statements: `otbill statements run` makes them and writes their PDFs.
    Statements(cmd::ledger::statements::StatementsArgs),
    /// A demo practice run from visits to posted payments.
    Demo(cmd::ledger::demo::Args),
    /// Serve the HTTP API and the web app (`--listen ADDR --db URL`).
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Code(args) => cmd::code::run(args),
        Command::X12(args) => cmd::x12::run(args),
        Command::Remit(args) => cmd::remit::run(args),
        Command::Claim(args) => cmd::claim::run(args),
        Command::Scrub(args) => cmd::scrub::run(args),
        Command::Data(args) => cmd::data::run(args),
        Command::Denials(args) => cmd::denials::run(args),
        Command::Appeal(args) => cmd::appeal::run(args),
        Command::Patient(args) => cmd::ledger::records::run_patient(args),
        Command::Visit(args) => cmd::ledger::records::run_visit(args),
        Command::Batch(args) => cmd::ledger::ops::run_batch(args),
        Command::Post(args) => cmd::ledger::ops::run_post(args),
        Command::Ack(args) => cmd::ledger::ops::run_ack(args),
        Command::Report(args) => cmd::ledger::ops::run_report(args),
        Command::Backup(args) => cmd::ledger::ops::run_backup(args),
        Command::Ledger(args) => cmd::ledger::records::run_ledger(args),
        Command::Eligibility(args) => cmd::eligibility::run(args),
        Command::PayerRules(args) => cmd::eligibility::run_rules(args),
        Command::Statements(args) => cmd::ledger::statements::run(args),
        Command::Demo(args) => cmd::ledger::demo::run(args),
        Command::Serve(args) => cmd::serve::run(args),
    };
    match res {
        Ok(code) => code,
        // A closed pipe (`otbill ... | head`) is not a failure.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("otbill: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
