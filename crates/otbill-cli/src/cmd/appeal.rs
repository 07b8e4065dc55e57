//! `otbill appeal CLAIM.json --remit FILE.835 --received DATE -o LETTER.pdf`: drafts the
//! redetermination request letter for a denied claim.
//!
//! The claim comes from the claims JSON (the same file `otbill claim` writes the 837P from),
//! the denial from the 835, the evidence (plan of care, progress reports, minutes log) from
//! an optional JSON file. Only lines whose route is an appeal are in the letter; lines to
//! correct or reopen are listed by `otbill denials`. Exit status: 0 written, 1 nothing to
//! appeal or a required element missing (nothing written), 2 unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use otbill_denials::{claim_remarks, worklist, AppealRules, Context, Route};
use otbill_forms::{render_letter, Contractor, Evidence, RedeterminationRequest};

use super::denials::{load_catalog, read_input};
use crate::clock::today;

/// Draft a redetermination request letter (PDF) for a denied claim.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Claims JSON holding the original claim (see docs/claims-json.md).
    #[arg(value_name = "CLAIM.json")]
    claims: PathBuf,
    /// The 835 with the denial.
    #[arg(long, value_name = "FILE.835")]
    remit: PathBuf,
    /// The day the remittance (initial determination) was received; the 120 days count from it.
    #[arg(long, value_name = "YYYY-MM-DD")]
    received: NaiveDate,
    /// Which claim (CLM01 / CLP01); default: the first claim with an appealable denial.
    #[arg(long = "claim", value_name = "ID")]
    claim_id: Option<String>,
    /// Evidence JSON: `{"plan_of_care": {...}, "progress_reports": [...], "minutes": [...], "other": [...]}`.
    #[arg(long, value_name = "FILE.json")]
    evidence: Option<PathBuf>,
    /// The letter's date (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<NaiveDate>,
    /// Where to write the PDF.
    #[arg(short = 'o', long = "output", value_name = "LETTER.pdf")]
    output: PathBuf,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let name = args.claims.display().to_string();
    let text = std::fs::read_to_string(&args.claims).with_context(|| format!("reading {name}"))?;
    let loaded = match otbill_837p::load_json(&text) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("otbill: {name}: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let bytes = read_input(&args.remit)?;
    let era = otbill_era::parse_835(&bytes);
    if let Some(finding) = era.unreadable() {
        bail!("{}: not a readable 835: {finding}", args.remit.display());
    }
    let evidence: Evidence = match &args.evidence {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?
        }
        None => Evidence::default(),
    };
    let catalog = load_catalog(None, None)?;
    let rules = AppealRules::medicare();
    let today = args.today.unwrap_or_else(today);
    let ctx = Context {
        catalog: &catalog,
        rules: &rules,
        notice_received: args.received,
        today,
    };
    let items = worklist(&ctx, &era, &claim_remarks(&bytes));
    let appealable = |pcn: &str| {
        items
            .iter()
            .any(|i| i.patient_control_number == pcn && i.classification.route == Route::Appeal)
    };
    let claim = match &args.claim_id {
        Some(id) => loaded
            .file
            .claims
            .iter()
            .find(|c| &c.patient_control_number == id),
        None => loaded
            .file
            .claims
            .iter()
            .find(|c| appealable(&c.patient_control_number)),
    };
    let Some(claim) = claim else {
        eprintln!(
            "otbill: no claim to appeal: {}",
            match &args.claim_id {
                Some(id) => format!("claim {id} is not in {name}"),
                None => format!("no claim of {name} has a denial whose route is an appeal"),
            }
        );
        return Ok(ExitCode::from(1));
    };
    let contractor = era
        .remittances
        .iter()
        .find(|r| {
            r.claims
                .iter()
                .any(|c| c.patient_control_number.as_str() == claim.patient_control_number)
        })
        .map(|r| contractor(&r.payer))
        .unwrap_or_default();
    let req = match RedeterminationRequest::from_claim(
        &loaded.file,
        claim,
        &contractor,
        &items,
        evidence,
        args.received,
        today,
        &rules,
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("otbill: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let missing = req.missing_elements();
    if !missing.is_empty() {
        eprintln!(
            "otbill: claim {}: the letter lacks required elements (42 CFR 405.944(b)): {}",
            req.our_claim_number,
            missing.join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    let pdf = render_letter(&req);
    std::fs::write(&args.output, pdf)
        .with_context(|| format!("writing {}", args.output.display()))?;
    let due = req.deadline.map_or(String::new(), |d| {
        format!("; file by {d} ({} days left)", (d - today).num_days())
    });
    eprintln!(
        "otbill: wrote the redetermination request for claim {} ({} service(s)) to {}{due}",
        req.our_claim_number,
        req.services.len(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The contractor as the remittance names it (loop 1000A N1/N3/N4).
fn contractor(payer: &otbill_era::Party) -> Contractor {
    let mut address: Vec<String> = Vec::new();
    if let Some(a) = &payer.address {
        address.extend(a.lines.iter().map(|l| l.as_str().to_owned()));
        let zip = otbill_forms::zip(a.postal_code.as_str());
        address.push(format!("{}, {} {zip}", a.city.as_str(), a.state.as_str()));
    }
    Contractor {
        name: payer.name.as_str().to_owned(),
        address,
    }
}
