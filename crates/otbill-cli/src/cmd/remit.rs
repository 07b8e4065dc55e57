//! `otbill remit FILE`: an 835 remittance file as JSON (the public contract:
//! `{"remittances": [...]}`, one per ST/SE, money as decimal strings).
//!
//! Balancing problems are findings inside the JSON (exit 0); input that
//! holds no readable 835 is an error naming the segment position (exit 2).
//!
//! The JSON is written while the file is read (`otbill_era::write_835_json`): the
//! same bytes as serde_json over `parse_835`'s result, several times faster.

use std::io::{self, Read, Write};
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
    let style = if args.compact {
        otbill_era::JsonStyle::Compact
    } else {
        otbill_era::JsonStyle::Pretty
    };
    // The writer hands stdout a few large writes (a transaction at a time), so it needs
    // no buffer of its own; nothing is written when the input holds no 835.
    let mut out = io::stdout().lock();
    let written = otbill_era::write_835_json(&bytes, style, &mut out)?;
    if let Some(finding) = written.unreadable() {
        bail!("{}: not a readable 835: {finding}", args.file.display());
    }
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
