//! `otbill remit FILE`: an 835 remittance file as JSON (the public contract:
//! `{"remittances": [...]}`, one per ST/SE, money as decimal strings).
//!
//! Balancing problems are findings inside the JSON (exit 0); input that
//! holds no readable 835 is an error naming the segment position (exit 2).

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};

/// Read an 835 remittance into JSON.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// 835 file, or `-` for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print compact JSON (one line) instead of pretty JSON.
    #[arg(long)]
    compact: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut bytes = Vec::new();
    if args.file.as_os_str() == "-" {
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        bytes = std::fs::read(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?;
    }
    let era = otbill_era::parse_835(&bytes);
    if let Some(finding) = era.unreadable() {
        bail!("{}: not a readable 835: {finding}", args.file.display());
    }
    let mut out = BufWriter::new(io::stdout().lock());
    if args.compact {
        serde_json::to_writer(&mut out, &era)?;
    } else {
        serde_json::to_writer_pretty(&mut out, &era)?;
    }
    writeln!(out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
