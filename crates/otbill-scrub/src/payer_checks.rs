//! The checks a payer rule set ([`crate::payer_rules`]) adds to the scrub: required minutes
//! per unit, the discipline modifier on every line, units per code per day, the visit
//! limit and the authorization requirement. Each finding cites the rule set and the field
//! ([`DatedRules::source_of`]).

use std::borrow::Cow;

use chrono::NaiveDate;
use otbill_core::{Catalog, Discipline, Dropped, Finding, Line, Severity, Why};
use otbill_types::CptCode;

use crate::documentation::Billed;
use crate::edits::EditLine;
use crate::episode::Episode;
use crate::payer_rules::{units_supported, DatedRules};

fn finding(
    code: &'static str,
    severity: Severity,
    message: String,
    source: String,
    carc: Option<&'static str>,
) -> Finding {
    Finding {
        code: Cow::Borrowed(code),
        severity,
        message,
        source: Cow::Owned(source),
        carc: carc.map(Cow::Borrowed),
    }
}

/// The distinct codes of `codes`, in first-seen order.
fn distinct_codes(codes: impl Iterator<Item = CptCode>) -> Vec<CptCode> {
    let mut out: Vec<CptCode> = Vec::new();
    for c in codes {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// `min_minutes_per_unit`: cuts each standard 15-minute timed code's units to what its
/// minutes support (unit *k* needs `min + 15 × (k − 1)` minutes), taking units off the
/// code's last lines first; a line left with no unit becomes a dropped service.
pub(crate) fn cut_units(
    rules: &DatedRules,
    catalog: &Catalog,
    date: NaiveDate,
    lines: &mut Vec<Line>,
    dropped: &mut Vec<Dropped>,
    out: &mut Vec<Finding>,
) {
    let Some(min) = rules.rules.min_minutes_per_unit else {
        return;
    };
    let codes = distinct_codes(lines.iter().map(|l| l.code));
    for code in codes {
        let timed_15 = catalog
            .lookup(code, date)
            .is_ok_and(|d| d.timing.is_pooled_15());
        if !timed_15 {
            continue;
        }
        let (minutes, units) = lines
            .iter()
            .filter(|l| l.code == code)
            .fold((0u32, 0u32), |(m, u), l| {
                (m.saturating_add(l.minutes), u.saturating_add(l.units))
            });
        let supported = units_supported(minutes, min);
        if units <= supported {
            continue;
        }
        let mut excess = units - supported;
        for l in lines.iter_mut().rev().filter(|l| l.code == code) {
            let cut = excess.min(l.units);
            l.units -= cut;
            excess -= cut;
            if excess == 0 {
                break;
            }
        }
        let mut i = 0;
        while i < lines.len() {
            if lines[i].code == code && lines[i].units == 0 {
                let l = lines.remove(i);
                let mut why = otbill_core::Reasons::new();
                why.push(Why::UnderMidpoint {
                    minutes: l.minutes,
                    threshold: min,
                });
                dropped.push(Dropped {
                    code: l.code,
                    minutes: l.minutes,
                    why,
                });
            } else {
                i += 1;
            }
        }
        let cut = units - supported;
        out.push(finding(
            "PAYER_UNITS_CUT",
            Severity::Warning,
            format!(
                "{code}: {minutes} min support {supported} unit{} under this payer's rule that a unit needs at least {min} min of the code (each further unit 15 more): {cut} of {units} unit{} cut",
                if supported == 1 { "" } else { "s" },
                if units == 1 { "" } else { "s" }
            ),
            rules.source_of("min_minutes_per_unit"),
            Some("151"),
        ));
    }
}

/// `modifiers.discipline_always`: GO/GP/GN on every line that lacks it.
pub(crate) fn discipline_always(
    rules: &DatedRules,
    discipline: Discipline,
    lines: &mut [EditLine],
    out: &mut Vec<Finding>,
) {
    if !rules.rules.modifiers.discipline_always {
        return;
    }
    let own = discipline.plan_modifier();
    let mut added = Vec::new();
    for l in lines.iter_mut() {
        if !l.modifiers.contains(&own) {
            l.modifiers.insert(0, own);
            added.push(l.code.as_str().to_owned());
        }
    }
    if !added.is_empty() {
        out.push(finding(
            "PAYER_DISCIPLINE_MODIFIER_ADDED",
            Severity::Info,
            format!(
                "{own} added to {}: this payer wants the discipline modifier on every line",
                added.join(", ")
            ),
            rules.source_of("modifiers.discipline_always"),
            None,
        ));
    }
}

/// `units_per_day`: each limited code's units on the date, all its lines together.
pub(crate) fn units_per_day(rules: &DatedRules, lines: &mut [EditLine], out: &mut Vec<Finding>) {
    for limit in &rules.rules.units_per_day {
        let units: u32 = lines
            .iter()
            .filter(|l| l.code == limit.code)
            .map(|l| l.units)
            .sum();
        if units == 0 {
            continue;
        }
        let code = limit.code;
        if let Some(max) = limit.max.filter(|m| units > *m) {
            for l in lines.iter_mut().filter(|l| l.code == code) {
                l.denied = Some("denied by the payer's units-per-day limit");
            }
            out.push(finding(
                "PAYER_UNITS_ABOVE_MAX",
                Severity::Error,
                format!("{units} units of {code} on this date exceed this payer's limit of {max} per day"),
                rules.source_of("units_per_day"),
                Some("151"),
            ));
        }
        if let Some(min) = limit.min.filter(|m| units < *m) {
            out.push(finding(
                "PAYER_UNITS_BELOW_MIN",
                Severity::Warning,
                format!("{units} unit{} of {code} on this date, fewer than the {min} this payer expects when the code is billed", if units == 1 { "" } else { "s" }),
                rules.source_of("units_per_day"),
                None,
            ));
        }
    }
}

/// `visit_limit`: visits billed this plan year against the limit.
pub(crate) fn visit_limit(
    rules: &DatedRules,
    date: NaiveDate,
    ep: &Episode,
    out: &mut Vec<Finding>,
) {
    let Some(limit) = rules.rules.visit_limit else {
        return;
    };
    let start = limit.reset.plan_year_start(date);
    let src = || rules.source_of("visit_limit");
    let Some(used) = ep.visits_this_plan_year else {
        out.push(finding(
            "PAYER_VISIT_LIMIT_UNCHECKED",
            Severity::Warning,
            format!("This payer covers {} visits per plan year (from {start}), but the visits already billed this plan year were not given: the limit was not checked", limit.visits),
            src(),
            None,
        ));
        return;
    };
    if used >= limit.visits {
        out.push(finding(
            "PAYER_VISIT_LIMIT_REACHED",
            Severity::Error,
            format!("{used} visits were already billed in the plan year that began {start}: this payer covers {} per plan year, so this visit is beyond the limit", limit.visits),
            src(),
            Some("119"),
        ));
    } else if used + 1 == limit.visits {
        out.push(finding(
            "PAYER_VISIT_LIMIT_NEAR",
            Severity::Info,
            format!("This is the last of the {} visits this payer covers in the plan year that began {start} ({used} used before it)", limit.visits),
            src(),
            None,
        ));
    }
}

/// `authorization`: a required authorization is on file (an evaluation-only visit is
/// exempt unless `evaluation_needs_one`).
pub(crate) fn authorization(
    rules: &DatedRules,
    ep: &Episode,
    billed: Billed,
    out: &mut Vec<Finding>,
) {
    let rule = rules.rules.authorization;
    if !rule.required || ep.authorization.is_some() {
        return;
    }
    let evaluation_only = !billed.treatment && (billed.evaluation || billed.reevaluation);
    if evaluation_only && !rule.evaluation_needs_one {
        return;
    }
    let what = if evaluation_only {
        "this payer requires a prior authorization for the evaluation too"
    } else {
        "this payer requires a prior authorization for therapy"
    };
    out.push(finding(
        "PAYER_AUTH_MISSING",
        Severity::Error,
        format!("No authorization is recorded for this episode, and {what}"),
        rules.source_of("authorization"),
        Some("197"),
    ));
}
