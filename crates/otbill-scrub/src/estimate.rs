//! The patient's share of a visit's allowed amount, estimated from eligibility benefits.
//!
//! Rules, in order:
//! 1. **Deductible first:** the patient pays `min(allowed, deductible remaining)`.
//! 2. **Then a copay, if the plan has one** (a copay above zero): the patient pays
//!    `min(copay, rest)`, where `rest = allowed − deductible`; no coinsurance is added.
//! 3. **Otherwise coinsurance:** `coinsurance × rest`, rounded to cents half away from
//!    zero (the crate's rounding rule, [`crate::pricing::ROUNDING_RULE`]), never more than
//!    `rest`.
//! 4. **Out-of-pocket cap:** the patient's total is at most the out-of-pocket maximum's
//!    remainder; what the cap removes comes off the coinsurance first, then the copay,
//!    then the deductible, so the three parts always add up to the patient's share.
//! 5. The payer pays `allowed − patient`.
//!
//! Unknown benefits count as zero (no deductible, copay or coinsurance) and an unknown
//! out-of-pocket remainder as no cap. Negative amounts in the input are taken as zero, and
//! a coinsurance above 1 as 1. Amounts are exact decimals; the estimate is one, since the
//! payer's adjudication decides.

use otbill_types::Money;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::benefits::Benefits;

/// The estimated split of a visit's allowed amount between patient and payer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShareEstimate {
    /// The allowed amount the estimate splits.
    pub allowed: Money,
    /// The part the patient pays toward the deductible.
    pub deductible: Money,
    /// The patient's copay.
    pub copay: Money,
    /// The patient's coinsurance.
    pub coinsurance: Money,
    /// The patient's share: deductible + copay + coinsurance.
    pub patient: Money,
    /// What the payer pays: allowed − patient.
    pub payer: Money,
    /// Each step in words, with its arithmetic.
    pub steps: Vec<String>,
}

fn nonneg(m: Option<Money>) -> Option<Decimal> {
    m.map(|m| m.amount().max(Decimal::ZERO))
}

fn cents(d: Decimal) -> Decimal {
    Money::new(d).round_cents().amount()
}

/// Estimates the patient's share of `allowed` under `benefits` (rules in the module doc).
pub fn estimate_share(allowed: Money, benefits: &Benefits) -> ShareEstimate {
    let mut steps = Vec::new();
    let total = allowed.amount();
    let base = total.max(Decimal::ZERO);
    if total < Decimal::ZERO {
        steps.push(format!(
            "allowed {total} is below zero: the patient owes nothing"
        ));
    }

    let ded_left = nonneg(benefits.deductible_remaining).unwrap_or(Decimal::ZERO);
    let mut deductible = base.min(ded_left);
    steps.push(format!(
        "deductible: min(allowed {base}, deductible remaining {ded_left}) = {deductible}"
    ));
    let rest = base - deductible;

    let mut copay = Decimal::ZERO;
    let mut coinsurance = Decimal::ZERO;
    match nonneg(benefits.copay).filter(|c| *c > Decimal::ZERO) {
        Some(c) => {
            copay = c.min(rest);
            steps.push(format!(
                "copay: min(copay {c}, rest {base} − {deductible} = {rest}) = {copay}; no coinsurance with a copay"
            ));
        }
        None => {
            let rate = benefits
                .coinsurance
                .unwrap_or(Decimal::ZERO)
                .clamp(Decimal::ZERO, Decimal::ONE);
            let exact = rest * rate;
            coinsurance = cents(exact).min(rest);
            steps.push(format!(
                "coinsurance: {} × rest {rest} = {}, rounded to cents = {coinsurance}",
                rate.normalize(),
                exact.normalize()
            ));
        }
    }

    let mut patient = deductible + copay + coinsurance;
    if let Some(cap) = nonneg(benefits.out_of_pocket_remaining) {
        if patient > cap {
            let mut over = patient - cap;
            for part in [&mut coinsurance, &mut copay, &mut deductible] {
                let cut = over.min(*part);
                *part -= cut;
                over -= cut;
            }
            steps.push(format!(
                "out-of-pocket cap: min(patient {patient}, out-of-pocket remaining {cap}) = {cap}; the excess comes off coinsurance, then copay, then deductible"
            ));
            patient = cap;
        }
    }
    let payer = total - patient;
    steps.push(format!(
        "patient: {deductible} + {copay} + {coinsurance} = {patient}; payer: {total} − {patient} = {payer}"
    ));
    ShareEstimate {
        allowed,
        deductible: Money::new(deductible),
        copay: Money::new(copay),
        coinsurance: Money::new(coinsurance),
        patient: Money::new(patient),
        payer: Money::new(payer),
        steps,
    }
}
