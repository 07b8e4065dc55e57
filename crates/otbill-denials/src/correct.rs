//! Corrected (frequency 7) and void (frequency 8) claims from the original claim.
//!
//! A replacement is the original claim with the fixes applied, `frequency = replacement`
//! and the payer's claim number (835 CLP07) in `original_claim_number` (REF*F8); the total
//! charge is recomputed from the lines. A void is the original unchanged but for the
//! frequency and REF*F8. Both are checked with the 837P checks (`otbill_837p::check`) and
//! the findings returned, so the caller writes them with `write_837p` like any claim.

use otbill_837p::check::{check_claim_at, Finding};
use otbill_837p::model::{Claim, Frequency, ReferringProvider, RenderingProvider};
use otbill_types::{CptCode, Modifier, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One change to the original claim. Lines are named by their line control number
/// (REF*6R), which the 835 echoes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "fix")]
pub enum Fix {
    /// Add a modifier to a line (e.g. KX, 59, XU, GO), if not already there.
    AddModifier {
        /// REF*6R of the line.
        line: String,
        /// The modifier.
        modifier: Modifier,
    },
    /// Replace a line's modifiers.
    SetModifiers {
        /// REF*6R of the line.
        line: String,
        /// The new modifiers, in order.
        modifiers: Vec<Modifier>,
    },
    /// Change a line's units and, optionally, its charge.
    SetUnits {
        /// REF*6R of the line.
        line: String,
        /// The units, at least 1.
        units: u32,
        /// The new line charge; unchanged when `None`.
        charge: Option<Money>,
    },
    /// Replace a line's procedure code (e.g. 97014 → G0283).
    SetProcedure {
        /// REF*6R of the line.
        line: String,
        /// The code.
        procedure: CptCode,
    },
    /// Replace a line's diagnosis pointers.
    SetDiagnosisPointers {
        /// REF*6R of the line.
        line: String,
        /// One-based positions in the claim's diagnoses.
        pointers: Vec<u8>,
    },
    /// Set the claim's place of service.
    SetPlaceOfService {
        /// Two-digit CMS code.
        place_of_service: String,
    },
    /// Set the referring (certifying) provider.
    SetReferringProvider {
        /// Name and NPI.
        provider: ReferringProvider,
    },
    /// Set the rendering provider.
    SetRenderingProvider {
        /// Name, NPI and taxonomy.
        provider: RenderingProvider,
    },
    /// Set the prior authorization number (REF*G1).
    SetPriorAuthorization {
        /// The number.
        number: String,
    },
    /// Remove a line (e.g. a duplicate split line whose units moved to another).
    RemoveLine {
        /// REF*6R of the line.
        line: String,
    },
}

/// Why a corrected or void claim could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    /// The payer's claim number is empty.
    #[error("the payer's claim number (CLP07) is required for a replacement or void")]
    NoPayerClaimNumber,
    /// The original is itself a void: there is nothing left to replace.
    #[error("the original claim is a void")]
    OriginalIsVoid,
    /// A fix names a line the claim does not have.
    #[error("no line with control number {0:?}")]
    NoSuchLine(String),
    /// Removing lines would leave none.
    #[error("a claim needs at least one line; void it instead")]
    NoLinesLeft,
    /// The line charges overflow.
    #[error("the total charge overflows")]
    Overflow,
}

/// A built claim with its 837P check findings (an error finding means `write_837p` will
/// refuse it).
#[derive(Debug, Clone, PartialEq)]
pub struct Corrected {
    /// The claim to send.
    pub claim: Claim,
    /// 837P check findings (claim index 0).
    pub findings: Vec<Finding>,
}

impl Corrected {
    /// Whether the 837P checks pass (no error finding).
    pub fn is_clean(&self) -> bool {
        !self.findings.iter().any(Finding::is_error)
    }
}

/// A frequency-7 replacement of `original` with `fixes` applied.
pub fn replacement(
    original: &Claim,
    payer_claim_number: &str,
    fixes: &[Fix],
) -> Result<Corrected, CorrectionError> {
    let mut claim = start(original, payer_claim_number, Frequency::Replacement)?;
    for fix in fixes {
        apply(&mut claim, fix)?;
    }
    if claim.lines.is_empty() {
        return Err(CorrectionError::NoLinesLeft);
    }
    let mut total = Decimal::ZERO;
    for line in &claim.lines {
        total = total
            .checked_add(line.charge.amount())
            .ok_or(CorrectionError::Overflow)?;
    }
    claim.total_charge = Money::new(total);
    Ok(checked(claim))
}

/// A frequency-8 void of `original`.
pub fn void(original: &Claim, payer_claim_number: &str) -> Result<Corrected, CorrectionError> {
    let claim = start(original, payer_claim_number, Frequency::Void)?;
    Ok(checked(claim))
}

/// The fixes that follow from a denial without judgment, for a person to confirm:
///
/// - threshold/KX (CO-119): add KX to the line;
/// - missing modifier (CO-4) on a line without a discipline modifier (GO, GP, GN) when the
///   claim's other lines carry one: add that modifier;
/// - wrong code with N657 on 97014: bill G0283 instead.
///
/// Everything else (59/XU on an NCCI pair, units, diagnoses) needs the record and a person;
/// for those this returns nothing.
pub fn suggested_fixes(item: &crate::WorkItem, original: &Claim) -> Vec<Fix> {
    use crate::Category;
    let Some(id) = item.line_control_number.as_deref() else {
        return Vec::new();
    };
    let Some(line) = original.lines.iter().find(|l| l.line_control_number == id) else {
        return Vec::new();
    };
    let modifier = |code: &str| Modifier::parse(code).ok();
    let discipline = |l: &otbill_837p::model::ServiceLine| {
        l.modifiers
            .iter()
            .copied()
            .find(|m| matches!(m.as_str(), "GO" | "GP" | "GN"))
    };
    let fix = match item.classification.category {
        Category::ThresholdKx => modifier("KX").map(|m| Fix::AddModifier {
            line: id.to_owned(),
            modifier: m,
        }),
        Category::Modifier if discipline(line).is_none() => original
            .lines
            .iter()
            .find_map(discipline)
            .map(|m| Fix::AddModifier {
                line: id.to_owned(),
                modifier: m,
            }),
        Category::WrongCode
            if item.remarks.iter().any(|r| r == "N657") && line.procedure.as_str() == "97014" =>
        {
            CptCode::parse("G0283").ok().map(|p| Fix::SetProcedure {
                line: id.to_owned(),
                procedure: p,
            })
        }
        _ => None,
    };
    fix.into_iter().collect()
}

fn start(
    original: &Claim,
    payer_claim_number: &str,
    frequency: Frequency,
) -> Result<Claim, CorrectionError> {
    let number = payer_claim_number.trim();
    if number.is_empty() {
        return Err(CorrectionError::NoPayerClaimNumber);
    }
    if original.frequency == Frequency::Void {
        return Err(CorrectionError::OriginalIsVoid);
    }
    let mut claim = original.clone();
    claim.frequency = frequency;
    claim.original_claim_number = Some(number.to_owned());
    Ok(claim)
}

fn checked(claim: Claim) -> Corrected {
    let findings = check_claim_at(&claim, 0);
    Corrected { claim, findings }
}

fn line_mut<'a>(
    claim: &'a mut Claim,
    id: &str,
) -> Result<&'a mut otbill_837p::model::ServiceLine, CorrectionError> {
    claim
        .lines
        .iter_mut()
        .find(|l| l.line_control_number == id)
        .ok_or_else(|| CorrectionError::NoSuchLine(id.to_owned()))
}

fn apply(claim: &mut Claim, fix: &Fix) -> Result<(), CorrectionError> {
    match fix {
        Fix::AddModifier { line, modifier } => {
            let l = line_mut(claim, line)?;
            if !l.modifiers.contains(modifier) {
                l.modifiers.push(*modifier);
            }
        }
        Fix::SetModifiers { line, modifiers } => {
            line_mut(claim, line)?.modifiers = modifiers.clone()
        }
        Fix::SetUnits {
            line,
            units,
            charge,
        } => {
            let l = line_mut(claim, line)?;
            l.units = *units;
            if let Some(c) = charge {
                l.charge = *c;
            }
        }
        Fix::SetProcedure { line, procedure } => line_mut(claim, line)?.procedure = *procedure,
        Fix::SetDiagnosisPointers { line, pointers } => {
            line_mut(claim, line)?.diagnosis_pointers = pointers.clone();
        }
        Fix::SetPlaceOfService { place_of_service } => {
            claim.place_of_service = place_of_service.clone();
        }
        Fix::SetReferringProvider { provider } => claim.referring_provider = Some(provider.clone()),
        Fix::SetRenderingProvider { provider } => claim.rendering_provider = Some(provider.clone()),
        Fix::SetPriorAuthorization { number } => claim.prior_authorization = Some(number.clone()),
        Fix::RemoveLine { line } => {
            let before = claim.lines.len();
            claim.lines.retain(|l| &l.line_control_number != line);
            if claim.lines.len() == before {
                return Err(CorrectionError::NoSuchLine(line.clone()));
            }
        }
    }
    Ok(())
}
