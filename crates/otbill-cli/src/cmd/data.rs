//! `otbill data import KIND FILE` and `otbill data status`: CMS rule files for the scrubber.
//!
//! Import validates a file with the scrubber's loader (refusing it, with the line, when
//! malformed), copies it into the data directory under its kind's folder and records its
//! dates and sample flag in that folder's `manifest.toml`. Status shows every table the
//! scrubber would load, for which dates, and whether each is a SAMPLE.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use otbill_scrub::fees::{ConversionFactors, KxThresholds};
use otbill_scrub::rules::{self, Kind, Manifest, ManifestEntry};
use otbill_scrub::{RuleSet, Source};

/// Import or list CMS rule files (NCCI PTP, MUE, PPRRVU, GPCI).
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Validate a CMS file and copy it into the data directory.
    Import {
        /// ptp, mue, pprrvu or gpci.
        kind: String,
        /// The CMS file (PTP .txt, MUE/PPRRVU/GPCI .csv).
        file: PathBuf,
        /// First date of service (else guessed from the file name, e.g. ccipra-v313 → 2025-10-01).
        #[arg(long, value_name = "YYYY-MM-DD")]
        effective: Option<NaiveDate>,
        /// Last date of service (default: quarter end for NCCI, year end for RVU/GPCI).
        #[arg(long, value_name = "YYYY-MM-DD")]
        through: Option<NaiveDate>,
        /// Mark the file as synthetic sample data (files saying SAMPLE always are).
        #[arg(long)]
        sample: bool,
        /// Data directory (else `OTBILL_DATA_DIR`, else `./otbill-data`).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Show the loaded tables, their dates, and sample vs real.
    Status {
        /// Data directory (else `OTBILL_DATA_DIR`, else `./otbill-data`).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.action {
        Action::Import {
            kind,
            file,
            effective,
            through,
            sample,
            data_dir,
        } => import(
            &kind,
            &file,
            effective,
            through,
            sample,
            &dir(data_dir.as_deref()),
        ),
        Action::Status { data_dir } => status(&dir(data_dir.as_deref())),
    }
}

fn dir(flag: Option<&Path>) -> PathBuf {
    crate::tables::data_dir(flag).unwrap_or_else(|| PathBuf::from(crate::tables::DEFAULT_DATA_DIR))
}

fn import(
    kind: &str,
    file: &Path,
    effective: Option<NaiveDate>,
    through: Option<NaiveDate>,
    sample: bool,
    data_dir: &Path,
) -> anyhow::Result<ExitCode> {
    let Some(kind) = Kind::parse(kind) else {
        bail!("unknown kind {kind:?}: use ptp, mue, pprrvu or gpci");
    };
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .context("the file needs a UTF-8 file name")?
        .to_owned();
    let Some(from) = effective.or_else(|| otbill_scrub::source::guess_effective_from(&name)) else {
        bail!("cannot tell the release's first date of service from {name:?}: pass --effective YYYY-MM-DD");
    };
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    // CMS files are ASCII/Latin-1; accept Latin-1 bytes rather than refusing the file.
    let text = String::from_utf8(bytes.clone())
        .unwrap_or_else(|_| bytes.iter().map(|&b| char::from(b)).collect());
    let source = Source {
        label: name.clone(),
        effective_from: from,
        effective_through: Some(through.unwrap_or_else(|| kind.default_through(from))),
        sample,
    };
    let mut check = RuleSet::default();
    if let Err(e) = check.add_text(kind, &text, source) {
        eprintln!("otbill: refused, nothing imported: {e}");
        return Ok(ExitCode::from(2));
    }
    let (_, loaded, rows) = check
        .sources()
        .into_iter()
        .next()
        .context("the loader returned no table")?;
    let entry = ManifestEntry {
        file: name.clone(),
        effective_from: loaded.effective_from,
        effective_through: loaded.effective_through,
        sample: loaded.sample,
    };
    let folder = data_dir.join(kind.dir());
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let manifest_path = folder.join("manifest.toml");
    let mut manifest = read_manifest(&manifest_path)?;
    std::fs::write(folder.join(&name), &bytes)
        .with_context(|| format!("copying into {}", folder.display()))?;
    manifest.upsert(entry);
    std::fs::write(&manifest_path, manifest.to_toml())
        .with_context(|| format!("writing {}", manifest_path.display()))?;
    println!(
        "imported {} {name}: {rows} rows, {} to {}{}",
        format!("{kind:?}").to_ascii_uppercase(),
        loaded.effective_from,
        loaded
            .effective_through
            .map_or("open".into(), |d| d.to_string()),
        if loaded.sample { " (SAMPLE)" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

fn read_manifest(path: &Path) -> anyhow::Result<Manifest> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Manifest::parse(&path.display().to_string(), &t)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The shipped tables plus those in the data directory (a directory file with the same
/// name as a shipped one replaces it).
pub(crate) fn load_rules(data_dir: Option<&Path>) -> anyhow::Result<RuleSet> {
    let mut rules = RuleSet::default();
    for kind in Kind::ALL {
        let folder = data_dir.map(|d| d.join(kind.dir()));
        let manifest = match &folder {
            Some(f) => read_manifest(&f.join("manifest.toml"))?,
            None => Manifest::default(),
        };
        let on_disk: Vec<&str> = manifest.file.iter().map(|e| e.file.as_str()).collect();
        for (k, m, text) in rules::BUILTIN_TABLES {
            let m = Manifest::parse(k.dir(), m)?;
            for e in m
                .file
                .iter()
                .filter(|e| *k == kind && !on_disk.contains(&e.file.as_str()))
            {
                rules.add_text(kind, text, e.source())?;
            }
        }
        for e in &manifest.file {
            let Some(folder) = &folder else { break };
            let path = folder.join(&e.file);
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let text = String::from_utf8(bytes.clone())
                .unwrap_or_else(|_| bytes.iter().map(|&b| char::from(b)).collect());
            rules.add_text(kind, &text, e.source())?;
        }
    }
    let read_or = |rel: &str, builtin: &str| {
        data_dir
            .and_then(|d| std::fs::read_to_string(d.join(rel)).ok())
            .unwrap_or_else(|| builtin.to_owned())
    };
    let cf_text = read_or(
        "fees/conversion-factors.toml",
        rules::BUILTIN_CONVERSION_FACTORS,
    );
    rules.conversion_factors = ConversionFactors::parse("fees/conversion-factors.toml", &cf_text)?;
    let kx_text = read_or("kx/thresholds.toml", rules::BUILTIN_KX);
    rules.kx = KxThresholds::parse("kx/thresholds.toml", &kx_text)?;
    Ok(rules)
}

fn status(data_dir: &Path) -> anyhow::Result<ExitCode> {
    let rules = load_rules(Some(data_dir))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "data directory: {} (plus the tables shipped in the binary)",
        data_dir.display()
    )?;
    writeln!(
        out,
        "{:<7} {:<8} {:<12} {:<12} {:>9}  file",
        "kind", "", "from", "through", "rows"
    )?;
    for (kind, src, rows) in rules.sources() {
        writeln!(
            out,
            "{:<7} {:<8} {:<12} {:<12} {:>9}  {}",
            format!("{kind:?}").to_ascii_lowercase(),
            if src.sample { "SAMPLE" } else { "real" },
            src.effective_from.to_string(),
            src.effective_through
                .map_or("open".to_owned(), |d| d.to_string()),
            rows,
            src.label
        )?;
    }
    for cf in rules.conversion_factors.periods() {
        let qp = cf.qp.map_or(String::new(), |q| format!(", QP {q}"));
        writeln!(
            out,
            "cf      real     {:<12} {:<12} {:>9}  non-QP {}{qp}",
            cf.effective_from.to_string(),
            "",
            "",
            cf.non_qp
        )?;
    }
    let years: Vec<String> = rules
        .kx
        .threshold
        .iter()
        .map(|y| format!("{} ${}", y.year, y.ot))
        .collect();
    writeln!(
        out,
        "kx      thresholds {}; targeted review ${}",
        years.join(", "),
        rules.kx.targeted_review
    )?;
    let sample_ncci = rules
        .sources()
        .iter()
        .any(|(k, s, _)| matches!(k, Kind::Ptp | Kind::Mue) && s.sample);
    if sample_ncci {
        writeln!(out, "note: SAMPLE NCCI tables are synthetic; every scrub on a date without a real table warns.")?;
    }
    Ok(ExitCode::SUCCESS)
}
