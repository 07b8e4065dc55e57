//! Claim edits on a coded visit: NCCI PTP pairs, MUEs, one evaluation per date, payer
//! code status from the RVU file, the discipline modifier, add-on codes without their
//! base code.
//!
//! **Never silently:** an NCCI-associated modifier (59, XE, XS, XP, XU) is added only when
//! the user recorded why the services were distinct, and the finding quotes the reason.

use std::borrow::Cow;

use chrono::NaiveDate;
use otbill_core::{
    Catalog, Discipline, Finding, PayerProfile, Severity, TherapyDesignation, Timing,
};
use otbill_types::{CptCode, Modifier};
use serde::{Deserialize, Serialize};

use crate::payer_rules::DistinctModifier;
use crate::tables::{
    mue::{Mai, MueTable},
    ptp::{ModifierIndicator, PtpTable},
    rvu::RvuTable,
};

/// The user's record that two services were distinct, justifying an NCCI modifier on
/// `code` (the column-2 code).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Distinct {
    /// The code that gets the modifier.
    pub code: CptCode,
    /// 59, XE, XS, XP or XU.
    pub modifier: Modifier,
    /// Why the services were distinct (e.g. separate 15-minute intervals).
    pub reason: String,
}

/// A claim line as the edits see it.
#[derive(Clone, Debug)]
pub struct EditLine {
    /// Code.
    pub code: CptCode,
    /// Units.
    pub units: u32,
    /// Modifiers (edits may add one).
    pub modifiers: otbill_core::Modifiers,
    /// Set when an edit makes the line deny.
    pub denied: Option<&'static str>,
}

/// Everything the edits consult.
#[derive(Clone, Copy)]
pub struct EditContext<'a> {
    /// Date of service.
    pub date: NaiveDate,
    /// Visit discipline.
    pub discipline: Discipline,
    /// Payer profile.
    pub payer: &'a PayerProfile,
    /// Medicare Part B rules apply.
    pub medicare: bool,
    /// Code catalog.
    pub catalog: &'a Catalog,
    /// PTP table for the date, if any.
    pub ptp: Option<&'a PtpTable>,
    /// MUE table for the date, if any.
    pub mue: Option<&'a MueTable>,
    /// RVU table used for pricing.
    pub rvu: Option<&'a RvuTable>,
    /// Distinct-service records.
    pub distinct: &'a [Distinct],
}

fn ncci_modifiers() -> [Modifier; 5] {
    ["59", "XE", "XS", "XP", "XU"].map(|m| Modifier::parse(m).expect("valid NCCI modifier"))
}

fn finding(
    code: &'static str,
    sev: Severity,
    msg: String,
    source: Cow<'static, str>,
    carc: Option<&'static str>,
) -> Finding {
    Finding {
        code: Cow::Borrowed(code),
        severity: sev,
        message: msg,
        source,
        carc: carc.map(Cow::Borrowed),
    }
}

/// A payer rule set's say in the edits: which distinct-service modifier the payer takes.
#[derive(Clone, Copy, Debug, Default)]
pub struct EditPolicy<'a> {
    /// 59 or X{EPSU}, with the source findings about it cite; `None` uses the modifier
    /// the user recorded.
    pub distinct: Option<(DistinctModifier, &'a str)>,
}

/// Runs every edit.
pub fn check(ctx: &EditContext<'_>, lines: &mut [EditLine], out: &mut Vec<Finding>) {
    check_with(ctx, &EditPolicy::default(), lines, out);
}

/// Runs every edit under a payer's policy. Where the NCCI path adds a distinct-service
/// modifier from the user's record, the payer's choice decides: a payer that takes 59
/// gets 59 for a recorded X{EPSU} (each X is a subset of 59); a payer that takes only
/// X{EPSU} gets no modifier for a recorded 59 (which X cannot be guessed), and an error
/// asking for the specific one.
pub fn check_with(
    ctx: &EditContext<'_>,
    policy: &EditPolicy<'_>,
    lines: &mut [EditLine],
    out: &mut Vec<Finding>,
) {
    check_distinct_records(ctx, out);
    if let Some(ptp) = ctx.ptp {
        check_ptp(ctx, policy, ptp, lines, out);
    }
    if let Some(mue) = ctx.mue {
        check_mue(mue, lines, out);
    }
    check_one_evaluation(ctx, lines, out);
    check_status_and_modifiers(ctx, lines, out);
}

fn check_distinct_records(ctx: &EditContext<'_>, out: &mut Vec<Finding>) {
    let allowed = ncci_modifiers();
    for d in ctx.distinct {
        if !allowed.contains(&d.modifier) {
            out.push(finding("DISTINCT_MODIFIER_INVALID", Severity::Error,
                format!("{} is not an NCCI-associated modifier for distinct services: use 59, XE, XS, XP or XU (X modifiers preferred)", d.modifier),
                Cow::Borrowed("NCCI Policy Manual Ch. I §E; CR 8863 (rules.md §3)"), Some("4")));
        } else if d.reason.trim().len() < 10 {
            out.push(finding("DISTINCT_REASON_TOO_SHORT", Severity::Error,
                format!("The reason recorded for {} on {} is too short to show the services were distinct", d.modifier, d.code),
                Cow::Borrowed("NCCI Policy Manual Ch. I §E (rules.md §3)"), Some("236")));
        }
    }
}

fn check_ptp(
    ctx: &EditContext<'_>,
    policy: &EditPolicy<'_>,
    ptp: &PtpTable,
    lines: &mut [EditLine],
    out: &mut Vec<Finding>,
) {
    let ncci = ncci_modifiers();
    let sample = if ptp.source().sample { "SAMPLE " } else { "" };
    for i in 0..lines.len() {
        for j in 0..lines.len() {
            if i == j || lines[i].code == lines[j].code {
                continue;
            }
            let (c1, c2) = (lines[i].code, lines[j].code);
            let Some(row) = ptp.lookup(c1, c2, ctx.date) else {
                continue;
            };
            let source = Cow::Owned(format!(
                "{sample}NCCI PTP {} (effective {}), line {}: {c1}/{c2}, effective {}, modifier indicator {}",
                ptp.source().label, ptp.source().effective_from, row.line, row.effective,
                match row.modifier { ModifierIndicator::NotAllowed => 0, ModifierIndicator::Allowed => 1, ModifierIndicator::NotApplicable => 9 }
            ));
            match row.modifier {
                ModifierIndicator::NotApplicable => {}
                ModifierIndicator::NotAllowed => {
                    lines[j].denied = Some("denied by an NCCI PTP edit (modifier indicator 0)");
                    out.push(finding("PTP_NOT_ALLOWED", Severity::Error,
                        format!("{c2} is never paid with {c1} on the same day (NCCI modifier indicator 0): no modifier can override it; remove {c2}"),
                        source, Some("236")));
                }
                ModifierIndicator::Allowed => {
                    let has = lines[j]
                        .modifiers
                        .iter()
                        .copied()
                        .find(|m| ncci.contains(m));
                    let record = ctx.distinct.iter().find(|d| {
                        d.code == c2 && ncci.contains(&d.modifier) && d.reason.trim().len() >= 10
                    });
                    match (has, record) {
                        (Some(m), Some(r)) => {
                            if let Some((want, src)) = policy.distinct {
                                if !distinct_accepted(want, m) {
                                    out.push(finding("PAYER_DISTINCT_MODIFIER_MISMATCH", Severity::Warning,
                                        format!("{m} is on {c2}, but this payer takes {} for distinct services", want_text(want)),
                                        Cow::Owned(src.to_owned()), None));
                                }
                            }
                            out.push(finding("PTP_MODIFIER_JUSTIFIED", Severity::Info,
                                format!("{c2} with {c1}: {m} on {c2} is justified by the recorded reason: {}", r.reason), source, None));
                        }
                        (Some(m), None) => {
                            lines[j].denied = Some(
                                "denied by an NCCI PTP edit (modifier without a recorded reason)",
                            );
                            out.push(finding("PTP_MODIFIER_UNJUSTIFIED", Severity::Error,
                                format!("{m} is on {c2} to bill it with {c1}, but no reason the services were distinct is recorded: a 59/X modifier must not be used just to bypass the edit"),
                                source, Some("236")));
                        }
                        (None, Some(r)) => {
                            let fifty_nine = Modifier::parse("59").expect("valid NCCI modifier");
                            let add = match policy.distinct {
                                None => Some(r.modifier),
                                Some((want, _)) if distinct_accepted(want, r.modifier) => {
                                    Some(r.modifier)
                                }
                                Some((DistinctModifier::FiftyNine, src)) => {
                                    out.push(finding("PAYER_DISTINCT_MODIFIER_SUBSTITUTED", Severity::Info,
                                        format!("59 instead of the recorded {} on {c2}: this payer takes 59 for distinct services ({} is a subset of 59)", r.modifier, r.modifier),
                                        Cow::Owned(src.to_owned()), None));
                                    Some(fifty_nine)
                                }
                                Some((DistinctModifier::X, src)) => {
                                    lines[j].denied = Some("denied by an NCCI PTP edit (no modifier the payer accepts)");
                                    out.push(finding("PAYER_DISTINCT_MODIFIER_X_REQUIRED", Severity::Error,
                                        format!("{c2} needs a distinct-service modifier to be paid with {c1}, and this payer takes only XE, XS, XP or XU, not the recorded 59: record which of them applies"),
                                        Cow::Owned(src.to_owned()), Some("4")));
                                    None
                                }
                            };
                            if let Some(m) = add {
                                lines[j].modifiers.push(m);
                                out.push(finding("PTP_MODIFIER_ADDED", Severity::Info,
                                    format!("{m} added to {c2} (billed with {c1}) because you recorded: {}", r.reason), source, None));
                            }
                        }
                        (None, None) => {
                            lines[j].denied = Some("denied by an NCCI PTP edit (no modifier)");
                            out.push(finding("PTP_PAIR_NEEDS_MODIFIER", Severity::Error,
                                format!("{c2} is denied when billed with {c1} unless the services were distinct (e.g. separate time intervals): if they were, record the reason and XU/59 for {c2}; otherwise remove {c2}"),
                                source, Some("236")));
                        }
                    }
                }
            }
        }
    }
}

/// Whether a payer that takes `want` accepts `m` for distinct services.
fn distinct_accepted(want: DistinctModifier, m: Modifier) -> bool {
    let is_59 = m.as_str() == "59";
    match want {
        DistinctModifier::FiftyNine => is_59,
        DistinctModifier::X => !is_59,
    }
}

fn want_text(want: DistinctModifier) -> &'static str {
    match want {
        DistinctModifier::FiftyNine => "59",
        DistinctModifier::X => "XE, XS, XP or XU",
    }
}

fn check_mue(mue: &MueTable, lines: &mut [EditLine], out: &mut Vec<Finding>) {
    let sample = if mue.source().sample { "SAMPLE " } else { "" };
    for i in 0..lines.len() {
        let code = lines[i].code;
        if lines[..i].iter().any(|l| l.code == code) {
            continue; // a code's lines are judged together at its first line
        }
        let Some(row) = mue.get(code) else { continue };
        let total: u32 = lines
            .iter()
            .filter(|l| l.code == code)
            .map(|l| l.units)
            .sum();
        let source = || {
            Cow::Owned(format!(
                "{sample}NCCI practitioner MUE {} (effective {}), line {}: {code} MUE {}, MAI {}",
                mue.source().label,
                mue.source().effective_from,
                row.line,
                row.max_units,
                row.mai.digit()
            ))
        };
        match row.mai {
            Mai::Line => {
                for l in lines
                    .iter_mut()
                    .filter(|l| l.code == code && l.units > row.max_units)
                {
                    l.denied = Some("denied by an MUE (line edit)");
                    out.push(finding("MUE_LINE_EXCEEDED", Severity::Error,
                        format!("{} units of {code} on one line exceed the MUE of {} (MAI 1, line edit)", l.units, row.max_units),
                        source(), Some("151")));
                }
            }
            Mai::DatePolicy | Mai::DateClinical if total > row.max_units => {
                for l in lines.iter_mut().filter(|l| l.code == code) {
                    l.denied = Some("denied by an MUE (date of service)");
                }
                let (c, msg) = if row.mai == Mai::DatePolicy {
                    ("MUE_DATE_POLICY_EXCEEDED", format!("{total} units of {code} on this date exceed the MUE of {} (MAI 2, policy): absolute, not payable even on appeal", row.max_units))
                } else {
                    ("MUE_DATE_CLINICAL_EXCEEDED", format!("{total} units of {code} on this date exceed the MUE of {} (MAI 3, clinical): the line denies, payable on appeal only with records supporting the units", row.max_units))
                };
                out.push(finding(c, Severity::Error, msg, source(), Some("151")));
            }
            _ => {}
        }
    }
}

fn check_one_evaluation(ctx: &EditContext<'_>, lines: &[EditLine], out: &mut Vec<Finding>) {
    let evals: Vec<&EditLine> = lines
        .iter()
        .filter(|l| {
            ctx.catalog
                .lookup(l.code, ctx.date)
                .is_ok_and(|d| d.evaluation)
        })
        .collect();
    let units: u32 = evals.iter().map(|l| l.units).sum();
    if units > 1 {
        let codes: Vec<&str> = evals.iter().map(|l| l.code.as_str()).collect();
        out.push(finding("EVAL_MORE_THAN_ONE", Severity::Error,
            format!("Only one evaluation or re-evaluation per discipline per date is payable; this visit bills {units} ({})", codes.join(", ")),
            Cow::Borrowed("NCCI Policy Manual Ch. XI §P (rules.md §8.2)"), Some("97")));
    }
}

fn check_status_and_modifiers(ctx: &EditContext<'_>, lines: &[EditLine], out: &mut Vec<Finding>) {
    let own = ctx.discipline.plan_modifier();
    let others = [Modifier::GO, Modifier::GP, Modifier::GN];
    for l in lines {
        let def = ctx.catalog.lookup(l.code, ctx.date).ok();
        let rvu = ctx.rvu.and_then(|t| t.get(l.code));
        if ctx.medicare {
            match rvu {
                None => out.push(finding("CODE_NOT_IN_RVU_FILE", Severity::Warning,
                    format!("{} is not in the loaded RVU file: it cannot be priced and may be invalid for the date", l.code),
                    Cow::Owned(ctx.rvu.map_or_else(|| "PPRRVU (none loaded)".to_owned(), |t| format!("PPRRVU {}", t.source().label))), None)),
                Some(r) if !r.payable() && def.is_none_or(|d| d.medicare_status == otbill_core::MedicareStatus::A) => {
                    // The catalog (and so the coding engine) did not flag it: the RVU file does.
                    out.push(finding("RVU_STATUS_NOT_PAYABLE", Severity::Warning,
                        format!("{} has PFS status {} in the RVU file: Medicare does not pay it separately", l.code, r.status),
                        Cow::Owned(format!("PPRRVU {} line {}", ctx.rvu.map_or("", |t| t.source().label.as_str()), r.line)), Some("96")));
                }
                _ => {}
            }
        }
        if ctx.payer.discipline_modifier {
            let therapy = match def.map(|d| d.therapy) {
                Some(TherapyDesignation::Always) => true,
                Some(TherapyDesignation::Sometimes) => true, // under a therapy plan of care
                Some(TherapyDesignation::Never) => false,
                None => rvu.is_some_and(|r| r.mppr() || r.pctc == '7'),
            };
            if therapy {
                if !l.modifiers.contains(&own) {
                    out.push(finding("DISCIPLINE_MODIFIER_MISSING", Severity::Error,
                        format!("{} needs {own}: therapy lines under a {:?} plan of care carry the discipline modifier", l.code, ctx.discipline),
                        Cow::Borrowed("Pub. 100-04 Ch. 5 §20.1 (rules.md §3)"), Some("4")));
                }
                if let Some(wrong) = l
                    .modifiers
                    .iter()
                    .find(|m| others.contains(m) && **m != own)
                {
                    out.push(finding(
                        "DISCIPLINE_MODIFIER_WRONG",
                        Severity::Error,
                        format!(
                            "{} carries {wrong} but the visit is {:?} ({own})",
                            l.code, ctx.discipline
                        ),
                        Cow::Borrowed("Pub. 100-04 Ch. 5 §20.1 (rules.md §3)"),
                        Some("4"),
                    ));
                }
            }
        }
        if let Some(Timing::Addon { base }) = def.map(|d| d.timing) {
            if !lines.iter().any(|o| o.code == base) {
                out.push(finding("ADDON_WITHOUT_BASE", Severity::Error,
                    format!("{} is an add-on code: it is billed only with its base code {base}, which is not on the claim", l.code),
                    Cow::Borrowed("CPT add-on code convention; NCCI add-on code edits"), Some("107")));
            }
        }
    }
}
