//! `otbill scrub`: a visit plus its episode context (JSON) in; coded, priced lines and
//! findings out. `--batch FILE.jsonl` scrubs one request per line. See docs/scrub.md.

use std::io::{self, BufRead, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use otbill_scrub::scrub::{scrub, Engine, ScrubInput, Scrubbed};

use crate::tables;

/// Scrub and price a visit: NCCI/MUE edits, documentation rules, fee schedule, KX.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Scrub request JSON file, or `-` for standard input.
    #[arg(value_name = "FILE.json", conflicts_with = "batch")]
    file: Option<PathBuf>,
    /// JSON Lines file with one request per line (`-` for standard input).
    #[arg(long, value_name = "FILE.jsonl")]
    batch: Option<PathBuf>,
    /// Filing date for timely filing when a request has none (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    filing_date: Option<NaiveDate>,
    /// Data directory (else `OTBILL_DATA_DIR`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = tables::data_dir(args.data_dir.as_deref());
    let (catalog, payers) = tables::load_rules(dir.as_deref())?;
    let rules = super::data::load_rules(dir.as_deref())?;
    let engine = Engine {
        catalog: &catalog,
        payers: &payers,
        rules: &rules,
    };
    let filing = args.filing_date.unwrap_or_else(crate::clock::today);
    let one = |text: &str| -> Result<Scrubbed, String> {
        let mut input: ScrubInput = otbill_core::parse_json(text).map_err(|e| e.to_string())?;
        input.claim.filing_date.get_or_insert(filing);
        scrub(&engine, &input).map_err(|e| e.to_string())
    };
    if let Some(path) = &args.batch {
        let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
            Box::new(io::stdin().lock())
        } else {
            Box::new(io::BufReader::new(
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
            ))
        };
        let mut out = BufWriter::new(io::stdout().lock());
        let (mut bad, mut blocked) = (0u64, 0u64);
        for (i, line) in reader.lines().enumerate() {
            let line = line.context("reading the batch")?;
            if line.trim().is_empty() {
                continue;
            }
            match one(&line) {
                Ok(s) => {
                    blocked += u64::from(s.blocked);
                    serde_json::to_writer(&mut out, &s)?;
                    writeln!(out)?;
                }
                Err(e) => {
                    bad += 1;
                    eprintln!("otbill: {}:{}: {e}", path.display(), i + 1);
                }
            }
        }
        out.flush()?;
        return Ok(ExitCode::from(if bad > 0 {
            2
        } else {
            u8::from(blocked > 0)
        }));
    }
    let mut text = String::new();
    match &args.file {
        Some(p) if p.as_os_str() != "-" => {
            text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        }
        _ => {
            io::stdin()
                .read_to_string(&mut text)
                .context("reading standard input")?;
        }
    }
    match one(&text) {
        Ok(s) => {
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &s)?;
            writeln!(out)?;
            Ok(ExitCode::from(u8::from(s.blocked)))
        }
        Err(e) => {
            eprintln!("otbill: {e}");
            Ok(ExitCode::from(2))
        }
    }
}
