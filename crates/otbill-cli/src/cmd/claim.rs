//! `otbill claim`: claims JSON in, one 837P interchange out.
//!
//! Claims that fail a pre-submission check are left out of the file and reported on
//! stderr; the rest are written. With `--pdf`, the same claims are also printed as a
//! CMS-1500 (02/12): `--form red` positions the data for the pre-printed red form,
//! `--form full` draws the form too. Exit status: 0 all written, 1 some claim refused (or
//! the file-level data was refused and nothing written), 2 unreadable input.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use otbill_837p::{load_json, write_837p, WriteOptions};

/// Write claims as an 837P (005010X222A1) for a clearinghouse.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Claims JSON file (see docs/claims-json.md), or `-` for standard input.
    #[arg(value_name = "FILE.json")]
    file: PathBuf,
    /// Where to write the 837P, or `-` for standard output. Not created when no claim passes.
    /// Optional with `--pdf`.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE.837",
        required_unless_present = "pdf"
    )]
    output: Option<PathBuf>,
    /// Also print the claims that pass as a CMS-1500 (02/12) PDF.
    #[arg(long, value_name = "FILE.pdf")]
    pdf: Option<PathBuf>,
    /// CMS-1500 layout: `red` (data only, for the pre-printed red form) or `full` (the form drawn).
    #[arg(long, value_enum, default_value_t = Form::Red, requires = "pdf")]
    form: Form,
    /// Claims per ST/SE transaction (clearinghouses commonly cap at 5000).
    #[arg(long, value_name = "N", default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..))]
    claims_per_transaction: u32,
    /// Put a line break after each segment (easier to read; still valid X12).
    #[arg(long)]
    newlines: bool,
}

/// The CMS-1500 layout.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// Data only, positioned for the pre-printed red form.
    Red,
    /// A full page with the form drawn.
    Full,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading claims from stdin")?
    } else {
        std::fs::read_to_string(&args.file).with_context(|| format!("reading {name}"))?
    };
    let loaded = match load_json(&text) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("otbill: {name}: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let options = WriteOptions {
        max_claims_per_transaction: args.claims_per_transaction as usize,
        newline_after_segment: args.newlines,
    };
    let mut out = Vec::new();
    let summary = write_837p(&loaded.file, &options, &mut out).context("writing the 837P")?;

    // Every finding counts claims by their index in the JSON `claims` array.
    let findings = loaded.findings.iter().cloned().chain(
        summary
            .findings
            .iter()
            .map(|f| loaded.to_json_index(f.clone())),
    );
    for f in findings {
        eprintln!("otbill: {name}: {f}");
    }

    // One loader finding per claim it could not read.
    let refused = loaded.findings.len() + summary.refused.len();
    let file_error = summary
        .findings
        .iter()
        .any(|f| f.is_error() && f.claim.is_none());
    if let (Some(output), false) = (&args.output, summary.written.is_empty()) {
        write_output(output, &out)?;
    }
    if let (Some(pdf), false) = (&args.pdf, summary.written.is_empty()) {
        let mut paper = loaded.file.clone();
        paper.claims = summary
            .written
            .iter()
            .filter_map(|i| loaded.file.claims.get(*i).cloned())
            .collect();
        let style = match args.form {
            Form::Red => otbill_forms::FormStyle::Red,
            Form::Full => otbill_forms::FormStyle::Full,
        };
        let bytes = otbill_forms::render_cms1500(&paper, style);
        std::fs::write(pdf, bytes).with_context(|| format!("writing {}", pdf.display()))?;
        eprintln!(
            "otbill: printed {} claim(s) as CMS-1500 to {}",
            paper.claims.len(),
            pdf.display()
        );
    }
    if summary.written.is_empty() {
        eprintln!("otbill: wrote nothing; refused {refused} claim(s)");
    } else if let Some(output) = &args.output {
        eprintln!(
            "otbill: wrote {} claim(s) in {} transaction(s) to {}; refused {refused}",
            summary.written.len(),
            summary.transactions,
            output.display(),
        );
    } else if refused > 0 {
        eprintln!("otbill: refused {refused} claim(s)");
    }
    Ok(if refused == 0 && !file_error {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_output(path: &PathBuf, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(bytes)?;
        return Ok(stdout.flush()?);
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
