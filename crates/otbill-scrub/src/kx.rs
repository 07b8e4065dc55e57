//! The Medicare therapy threshold (KX) and targeted medical review level (rules.md §4).
//!
//! Per patient per calendar year, OT separately from PT+SLP, allowed amounts accumulate
//! (deductible and coinsurance included). When this visit takes the year past the
//! threshold, the line where it passes and every later line need KX, if the record
//! supports medical necessity; otherwise the ABN/GA path. Lines are taken in claim order.

use std::borrow::Cow;

use otbill_core::{Finding, Severity};
use otbill_types::{CptCode, Modifier, Money};
use rust_decimal::Decimal;
use serde::Serialize;

const KX_SRC: &str = "SSA §1833(g)(7)(A); Pub. 100-04 Ch. 5 §10.3 (rules.md §4)";
/// The GA modifier: an ABN is on file.
pub fn ga() -> Modifier {
    Modifier::parse("GA").expect("GA is a valid modifier")
}

/// Inputs of the KX check.
#[derive(Clone, Copy, Debug)]
pub struct KxInput {
    /// Allowed so far this year in the visit's accumulator, before this visit.
    pub year_to_date: Decimal,
    /// The year's threshold for the accumulator.
    pub threshold: Decimal,
    /// Targeted medical review level.
    pub targeted_review: Decimal,
    /// The record supports medical necessity.
    pub medical_necessity_documented: bool,
    /// An ABN is on file.
    pub abn_on_file: bool,
    /// `"OT"` or `"PT+SLP"`, for messages.
    pub accumulator: &'static str,
}

/// What the KX check decided.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KxOutcome {
    /// Year-to-date allowed before the visit.
    pub year_to_date_before: Money,
    /// After the visit.
    pub year_to_date_after: Money,
    /// The threshold used.
    pub threshold: Money,
    /// Index of the first line that needs KX (or GA), if any.
    pub first_line: Option<usize>,
    /// Modifier added from that line on: KX, GA, or none.
    pub modifier_added: Option<Modifier>,
}

/// Decides which lines need KX. `lines` are `(code, allowed exact, modifiers)` in claim
/// order; the modifiers of lines from the crossing point get KX (or GA) added.
pub fn check(
    input: &KxInput,
    lines: &mut [(CptCode, Decimal, &mut otbill_core::Modifiers)],
    out: &mut Vec<Finding>,
) -> KxOutcome {
    let visit_total: Decimal = lines.iter().map(|l| l.1).sum();
    let after = input.year_to_date + visit_total;
    let mut outcome = KxOutcome {
        year_to_date_before: Money::new(input.year_to_date).round_cents(),
        year_to_date_after: Money::new(after).round_cents(),
        threshold: Money::new(input.threshold).round_cents(),
        first_line: None,
        modifier_added: None,
    };
    let mut running = input.year_to_date;
    for (i, l) in lines.iter().enumerate() {
        running += l.1;
        if l.1 > Decimal::ZERO && running > input.threshold {
            outcome.first_line = Some(i);
            break;
        }
    }
    let Some(first) = outcome.first_line else {
        if lines.iter().any(|l| l.2.contains(&Modifier::KX)) {
            out.push(Finding::new("KX_NOT_NEEDED", Severity::Warning,
                format!("KX is on the claim but the {} year-to-date allowed amount stays at ${} of the ${} threshold: KX without an indication the threshold will be passed is abusive", input.accumulator, outcome.year_to_date_after.amount(), outcome.threshold.amount()),
                KX_SRC));
        }
        review(input, after, out);
        return outcome;
    };
    let code = lines[first].0;
    let crossing = if input.year_to_date > input.threshold {
        "is already past"
    } else {
        "passes"
    };
    if input.medical_necessity_documented {
        for l in lines[first..].iter_mut() {
            if l.1 > Decimal::ZERO && !l.2.contains(&Modifier::KX) {
                l.2.push(Modifier::KX);
            }
        }
        outcome.modifier_added = Some(Modifier::KX);
        out.push(Finding::new("KX_APPLIED", Severity::Info,
            format!("The {} year-to-date allowed amount {crossing} the ${} threshold at {code} (${} before this visit, ${} after): KX added from that line on, as the record supports medical necessity", input.accumulator, outcome.threshold.amount(), outcome.year_to_date_before.amount(), outcome.year_to_date_after.amount()),
            KX_SRC));
    } else if input.abn_on_file {
        let ga = ga();
        for l in lines[first..].iter_mut() {
            if l.1 > Decimal::ZERO && !l.2.contains(&ga) {
                l.2.push(ga);
            }
        }
        outcome.modifier_added = Some(ga);
        let mut f = Finding::new("KX_ABN_GA", Severity::Warning,
            format!("The {} year-to-date allowed amount {crossing} the ${} threshold at {code}, the record does not support medical necessity, and an ABN is on file: billed with GA; if Medicare denies, the patient is liable", input.accumulator, outcome.threshold.amount()),
            KX_SRC);
        f.carc = Some(Cow::Borrowed("50"));
        out.push(f);
    } else {
        let mut f = Finding::new("KX_NOT_SUPPORTED", Severity::Error,
            format!("The {} year-to-date allowed amount {crossing} the ${} threshold at {code}; without documentation of medical necessity (for KX) or an ABN (for GA) these lines will be denied and the provider is liable", input.accumulator, outcome.threshold.amount()),
            KX_SRC);
        f.carc = Some(Cow::Borrowed("119"));
        out.push(f);
    }
    review(input, after, out);
    outcome
}

fn review(input: &KxInput, after: Decimal, out: &mut Vec<Finding>) {
    if after <= input.targeted_review {
        return;
    }
    let (code, msg) = if input.year_to_date <= input.targeted_review {
        ("KX_TARGETED_REVIEW_CROSSED", format!("This visit takes the {} year-to-date allowed amount past ${}: claims above it may be selected for targeted medical review; KX is still used", input.accumulator, input.targeted_review))
    } else {
        ("KX_ABOVE_TARGETED_REVIEW", format!("The {} year-to-date allowed amount is above ${}: claims may be selected for targeted medical review", input.accumulator, input.targeted_review))
    };
    out.push(Finding::new(
        code,
        Severity::Warning,
        msg,
        "BBA 2018 §50202; NGS CY2024 KX article (rules.md §4)",
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn input(ytd: Decimal, documented: bool, abn: bool) -> KxInput {
        KxInput {
            year_to_date: ytd,
            threshold: dec!(2410),
            targeted_review: dec!(3000),
            medical_necessity_documented: documented,
            abn_on_file: abn,
            accumulator: "OT",
        }
    }
    fn c(s: &str) -> CptCode {
        CptCode::parse(s).unwrap()
    }

    fn run(
        inp: KxInput,
        amounts: &[Decimal],
    ) -> (KxOutcome, Vec<otbill_core::Modifiers>, Vec<Finding>) {
        let mut mods: Vec<otbill_core::Modifiers> = amounts
            .iter()
            .map(|_| smallvec::smallvec![Modifier::GO])
            .collect();
        let mut findings = Vec::new();
        let outcome = {
            let mut lines: Vec<(CptCode, Decimal, &mut otbill_core::Modifiers)> = amounts
                .iter()
                .zip(mods.iter_mut())
                .map(|(a, m)| (c("97530"), *a, m))
                .collect();
            check(&inp, &mut lines, &mut findings)
        };
        (outcome, mods, findings)
    }

    #[test]
    fn threshold_crossed_inside_one_visit_marks_the_crossing_line_and_later() {
        // $2,380 before; lines of $20, $20, $20: 2400 (under), 2420 (passes), 2440.
        let (o, mods, f) = run(
            input(dec!(2380), true, false),
            &[dec!(20), dec!(20), dec!(20)],
        );
        assert_eq!(o.first_line, Some(1));
        assert!(!mods[0].contains(&Modifier::KX));
        assert!(mods[1].contains(&Modifier::KX) && mods[2].contains(&Modifier::KX));
        assert_eq!(f[0].code, "KX_APPLIED");
    }

    #[test]
    fn reaching_the_threshold_exactly_is_not_passing_it() {
        let (o, mods, f) = run(input(dec!(2380), true, false), &[dec!(30)]);
        assert_eq!(o.first_line, None);
        assert!(!mods[0].contains(&Modifier::KX));
        assert!(f.is_empty());
        let (o, _, _) = run(input(dec!(2380), true, false), &[dec!(30.01)]);
        assert_eq!(o.first_line, Some(0));
    }

    #[test]
    fn without_documentation_it_is_ga_or_an_error() {
        let (o, mods, f) = run(input(dec!(2400), false, true), &[dec!(20)]);
        assert_eq!(o.modifier_added, Some(ga()));
        assert!(mods[0].contains(&ga()) && !mods[0].contains(&Modifier::KX));
        assert_eq!(f[0].code, "KX_ABN_GA");
        let (_, mods, f) = run(input(dec!(2400), false, false), &[dec!(20)]);
        assert_eq!(mods[0].as_slice(), [Modifier::GO]);
        assert_eq!(
            (f[0].code.as_ref(), f[0].severity, f[0].carc.as_deref()),
            ("KX_NOT_SUPPORTED", Severity::Error, Some("119"))
        );
    }

    #[test]
    fn targeted_review_is_flagged_when_crossed() {
        let (_, _, f) = run(input(dec!(2990), true, false), &[dec!(20)]);
        assert!(f.iter().any(|x| x.code == "KX_TARGETED_REVIEW_CROSSED"));
        let (_, _, f) = run(input(dec!(2970), true, false), &[dec!(30)]);
        assert!(!f
            .iter()
            .any(|x| x.code.starts_with("KX_TARGETED") || x.code == "KX_ABOVE_TARGETED_REVIEW"));
    }

    #[test]
    fn kx_below_the_threshold_is_warned() {
        let mut mods: [otbill_core::Modifiers; 1] =
            [smallvec::smallvec![Modifier::GO, Modifier::KX]];
        let mut f = Vec::new();
        let mut lines: Vec<(CptCode, Decimal, &mut otbill_core::Modifiers)> =
            mods.iter_mut().map(|m| (c("97110"), dec!(20), m)).collect();
        check(&input(dec!(100), true, false), &mut lines, &mut f);
        assert_eq!(f[0].code, "KX_NOT_NEEDED");
    }
}
