//! `otbill x12 check FILE`: envelope and structure findings of any X12 file.
//!
//! Streams the file (bounded memory), so it works on inputs of any size.
//! Exit status: 0 clean or warnings only, 1 when a finding is an error.

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use otbill_x12::{EnvelopeChecker, Finding, Severity, StreamReader};

/// Read or check X12 files.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: X12Command,
}

#[derive(clap::Subcommand, Debug)]
enum X12Command {
    /// Report delimiter, envelope (control numbers, SE/GE/IEA counts) and structure findings.
    Check {
        /// X12 file, or `-` for standard input.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Print findings as JSON instead of one line each.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        X12Command::Check { file, json } => check(&file, json),
    }
}

fn check(path: &PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?)
    };
    let mut reader = StreamReader::new(io::BufReader::with_capacity(1 << 16, input));
    let mut checker = EnvelopeChecker::default();
    let mut segments = 0usize;
    while let Some(segment) = reader
        .next_segment()
        .with_context(|| format!("reading {}", path.display()))?
    {
        segments += 1;
        checker.push(&segment);
    }
    let mut findings: Vec<Finding> = reader.take_findings();
    findings.extend(checker.finish());
    findings.sort_by_key(|f| f.position.map_or(0, |p| p.segment));
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();

    let mut out = BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &findings)?;
        writeln!(out)?;
    } else {
        for finding in &findings {
            writeln!(out, "{}: {finding}", path.display())?;
        }
        writeln!(
            out,
            "{}: {segments} segments, {errors} errors, {} other findings",
            path.display(),
            findings.len() - errors
        )?;
    }
    out.flush()?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
