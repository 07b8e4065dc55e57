//! `otbill code`: one visit (JSON) or a batch (JSON Lines) in, coded visits out.

use std::io::{self, BufRead, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use otbill_core::{code_visit, Catalog, CodedVisit, InputError, Payers, Visit, VisitInput};

use crate::tables;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// The public JSON contract (pretty for one visit, one line per visit in batch mode).
    Json,
    /// A table for people.
    Table,
}

/// Code a visit: documented minutes in, billable lines with units and modifiers out.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Visit JSON file, or `-` for standard input.
    #[arg(value_name = "FILE", conflicts_with = "batch")]
    file: Option<PathBuf>,
    /// JSON Lines file with one visit per line (`-` for standard input).
    #[arg(long, value_name = "FILE.jsonl")]
    batch: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Directory with extra `codes/*.toml` and `payers/*.toml` (else `OTBILL_DATA_DIR`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = tables::data_dir(args.data_dir.as_deref());
    let (catalog, payers) = tables::load_rules(dir.as_deref())?;
    match &args.batch {
        Some(path) => batch(path, args.format, &catalog, &payers),
        None => single(args.file.as_ref(), args.format, &catalog, &payers),
    }
}

fn open(path: Option<&PathBuf>) -> anyhow::Result<Box<dyn Read>> {
    Ok(match path {
        None => Box::new(io::stdin()),
        Some(p) if p.as_os_str() == "-" => Box::new(io::stdin()),
        Some(p) => {
            Box::new(std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?)
        }
    })
}

fn single(
    path: Option<&PathBuf>,
    format: Format,
    catalog: &Catalog,
    payers: &Payers,
) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    open(path)?
        .read_to_string(&mut text)
        .context("reading the visit")?;
    let name = path.map_or("stdin".into(), |p| p.display().to_string());
    let coded = match code_one(&text, catalog, payers) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("otbill: {name}: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut out = io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &coded)?;
            writeln!(out)?;
        }
        Format::Table => write_table(&mut out, &coded)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses, resolves and codes one visit. JSON errors name the field by path (the fast
/// reader leaves every input it does not take to serde, so errors are serde's).
pub(crate) fn code_one(
    text: &str,
    catalog: &Catalog,
    payers: &Payers,
) -> Result<CodedVisit, InputError> {
    let input: VisitInput = otbill_core::parse_visit(text)?;
    let visit = Visit::resolve(&input, catalog, payers)?;
    Ok(code_visit(&visit))
}

/// An error line in batch output, so output lines stay one-to-one with input lines.
#[derive(serde::Serialize)]
struct BatchError<'a> {
    line: u64,
    error: &'a InputError,
}

fn batch(
    path: &PathBuf,
    format: Format,
    catalog: &Catalog,
    payers: &Payers,
) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(io::BufReader::with_capacity(
            1 << 16,
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
        ))
    };
    let progress = (io::stderr().is_terminal() && size > 0).then(|| {
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let (mut errors, mut coded_n, mut bytes) = (0u64, 0u64, 0u64);
    let mut reader = reader;
    let mut line = String::new();
    let mut buf = Vec::with_capacity(4096);
    let mut line_no = 0u64;
    loop {
        line.clear();
        let n = reader.read_line(&mut line).context("reading the batch")?;
        if n == 0 {
            break;
        }
        line_no += 1;
        bytes += n as u64;
        if line.trim().is_empty() {
            continue;
        }
        match code_one(&line, catalog, payers) {
            Ok(coded) => {
                coded_n += 1;
                match format {
                    Format::Json => {
                        buf.clear();
                        coded.write_json(&mut buf);
                        buf.push(b'\n');
                        out.write_all(&buf)?;
                    }
                    Format::Table => {
                        writeln!(out, "# line {line_no}")?;
                        write_table(&mut out, &coded)?;
                    }
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("otbill: {}:{line_no}: {e}", path.display());
                if format == Format::Json {
                    serde_json::to_writer(
                        &mut out,
                        &BatchError {
                            line: line_no,
                            error: &e,
                        },
                    )?;
                    out.write_all(b"\n")?;
                }
            }
        }
        if let Some(bar) = &progress {
            if line_no.is_multiple_of(4096) {
                bar.set_position(bytes);
            }
        }
    }
    out.flush()?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if errors > 0 {
        eprintln!("otbill: coded {coded_n} visits; {errors} had errors");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn write_table(out: &mut impl Write, c: &CodedVisit) -> io::Result<()> {
    writeln!(
        out,
        "{} {} {}  total timed: {} min, {} units",
        c.date,
        c.payer,
        c.discipline.as_str(),
        c.total_timed_minutes,
        c.total_timed_units
    )?;
    writeln!(
        out,
        "  {:<6} {:>5} {:<10} {:>7}  why",
        "code", "units", "modifiers", "minutes"
    )?;
    for l in &c.lines {
        let mods: Vec<&str> = l.modifiers.iter().map(|m| m.as_str()).collect();
        let mut why = l.why.iter();
        let first = why.next().map(ToString::to_string).unwrap_or_default();
        writeln!(
            out,
            "  {:<6} {:>5} {:<10} {:>7}  {first}",
            l.code,
            l.units,
            mods.join(","),
            l.minutes
        )?;
        for w in why {
            writeln!(out, "  {:31} {w}", "")?;
        }
    }
    for d in &c.dropped {
        let why: Vec<String> = d.why.iter().map(ToString::to_string).collect();
        writeln!(
            out,
            "  {:<6} {:>5} {:<10} {:>7}  not billed: {}",
            d.code,
            0,
            "-",
            d.minutes,
            why.join("; ")
        )?;
    }
    for f in &c.findings {
        writeln!(
            out,
            "  [{:?}] {}: {} ({})",
            f.severity, f.code, f.message, f.source
        )?;
    }
    Ok(())
}
