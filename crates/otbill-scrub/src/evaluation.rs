//! OT evaluation complexity (97165 / 97166 / 97167) from documented components
//! (rules.md §7).
//!
//! Every component must meet a level to bill it, so the level is the lowest any component
//! supports. The deficit ranges overlap (low 1–3, moderate 3–5, high 5 or more): at 3 and
//! at 5 the count alone cannot decide, and when the other components would allow the
//! higher level the engine offers both codes and flags it for the clinician.

use otbill_core::{Finding, Severity};
use otbill_types::CptCode;
use serde::{Deserialize, Serialize};

/// An evaluation complexity level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 97165.
    Low,
    /// 97166.
    Moderate,
    /// 97167.
    High,
}

impl Level {
    /// The OT evaluation code for the level.
    pub fn code(self) -> CptCode {
        let s = match self {
            Level::Low => "97165",
            Level::Moderate => "97166",
            Level::High => "97167",
        };
        CptCode::parse(s).expect("the three literals are valid codes")
    }
}

/// The documented components of an OT evaluation. Each field holds the level the
/// documentation meets, except the deficit count and comorbidities.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvalComponents {
    /// Occupational profile and history: brief (low), expanded (moderate), extensive (high).
    pub history: Level,
    /// Performance deficits (physical, cognitive, psychosocial) found.
    pub deficits: u32,
    /// Clinical decision making.
    pub decision_making: Level,
    /// Comorbidities affecting occupational performance are present.
    pub comorbidities: bool,
    /// Task modification or assistance needed: none (low), minimal to moderate, significant.
    pub task_modification: Level,
}

/// What the components support.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvalSuggestion {
    /// The code when the components decide it.
    pub suggested: Option<CptCode>,
    /// The codes the clinician may choose between (one when decided).
    pub candidates: Vec<CptCode>,
    /// Why, component by component.
    pub reasons: Vec<String>,
}

/// Suggests the evaluation level. Returns `None` when no deficit is documented.
pub fn suggest(c: &EvalComponents) -> Option<EvalSuggestion> {
    if c.deficits == 0 {
        return None;
    }
    // Comorbidities: none → low only by "None"; present → moderate ("may be") or high.
    let comorb = if c.comorbidities {
        Level::High
    } else {
        Level::Moderate
    };
    let others = [c.history, c.decision_making, comorb, c.task_modification];
    let cap = others.iter().copied().min().unwrap_or(Level::Low);
    let (lo, hi) = match c.deficits {
        1 | 2 => (Level::Low, Level::Low),
        3 => (Level::Low, Level::Moderate),
        4 => (Level::Moderate, Level::Moderate),
        5 => (Level::Moderate, Level::High),
        _ => (Level::High, Level::High),
    };
    let mut reasons = vec![
        format!("history: {:?}", c.history),
        format!(
            "performance deficits: {} (supports {})",
            c.deficits,
            if lo == hi {
                format!("{lo:?}")
            } else {
                format!("{lo:?} or {hi:?}")
            }
        ),
        format!("clinical decision making: {:?}", c.decision_making),
        format!(
            "comorbidities: {}",
            if c.comorbidities { "present" } else { "none" }
        ),
        format!("task modification/assistance: {:?}", c.task_modification),
    ];
    let top = hi.min(cap);
    let bottom = lo.min(cap);
    let candidates: Vec<CptCode> = [Level::Low, Level::Moderate, Level::High]
        .into_iter()
        .filter(|l| *l >= bottom && *l <= top)
        .map(Level::code)
        .collect();
    if candidates.len() > 1 {
        reasons.push(format!(
            "{} deficits fall in two CPT ranges and the other components allow {top:?}: the clinician decides",
            c.deficits
        ));
        Some(EvalSuggestion {
            suggested: None,
            candidates,
            reasons,
        })
    } else {
        reasons.push(format!("the lowest component sets the level: {top:?}"));
        Some(EvalSuggestion {
            suggested: Some(top.code()),
            candidates,
            reasons,
        })
    }
}

/// Findings comparing the billed evaluation code with what the components support.
pub fn check(
    c: &EvalComponents,
    billed: Option<CptCode>,
    out: &mut Vec<Finding>,
) -> Option<EvalSuggestion> {
    const SRC: &str = "CPT 97165-97167 descriptors (rules.md §7)";
    let Some(s) = suggest(c) else {
        out.push(Finding::new(
            "EVAL_NO_DEFICITS",
            Severity::Warning,
            "No performance deficit is documented: an OT evaluation needs at least one",
            SRC,
        ));
        return None;
    };
    if s.suggested.is_none() {
        let codes: Vec<&str> = s.candidates.iter().map(CptCode::as_str).collect();
        out.push(Finding::new("EVAL_COMPLEXITY_OVERLAP", Severity::Warning,
            format!("{} performance deficits fit both {}: the clinician must choose the level from the whole evaluation", c.deficits, codes.join(" and ")),
            SRC));
    }
    if let Some(b) = billed {
        if !s.candidates.contains(&b) {
            let codes: Vec<&str> = s.candidates.iter().map(CptCode::as_str).collect();
            out.push(Finding::new(
                "EVAL_LEVEL_MISMATCH",
                Severity::Warning,
                format!(
                    "{b} is billed but the documented components support {}",
                    codes.join(" or ")
                ),
                SRC,
            ));
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Level::*;

    fn comps(
        history: Level,
        deficits: u32,
        dm: Level,
        comorbidities: bool,
        task: Level,
    ) -> EvalComponents {
        EvalComponents {
            history,
            deficits,
            decision_making: dm,
            comorbidities,
            task_modification: task,
        }
    }
    fn code(s: &str) -> CptCode {
        CptCode::parse(s).unwrap()
    }

    #[test]
    fn the_decision_table() {
        // (components, expected suggestion, expected candidates)
        let cases = [
            (comps(Low, 1, Low, false, Low), Some("97165"), vec!["97165"]),
            (
                comps(Low, 2, High, true, High),
                Some("97165"),
                vec!["97165"],
            ),
            (
                comps(Moderate, 4, Moderate, false, Moderate),
                Some("97166"),
                vec!["97166"],
            ),
            (
                comps(High, 4, High, true, High),
                Some("97166"),
                vec!["97166"],
            ),
            (
                comps(High, 6, High, true, High),
                Some("97167"),
                vec!["97167"],
            ),
            // No comorbidities caps at moderate.
            (
                comps(High, 7, High, false, High),
                Some("97166"),
                vec!["97166"],
            ),
            // One low component makes the whole evaluation low.
            (
                comps(High, 6, High, true, Low),
                Some("97165"),
                vec!["97165"],
            ),
            // Overlap at 3: low or moderate when the rest allow moderate.
            (
                comps(Moderate, 3, Moderate, false, Moderate),
                None,
                vec!["97165", "97166"],
            ),
            // ... but the rest capping at low decides it.
            (
                comps(Low, 3, Moderate, false, Moderate),
                Some("97165"),
                vec!["97165"],
            ),
            // Overlap at 5: moderate or high when the rest allow high.
            (
                comps(High, 5, High, true, High),
                None,
                vec!["97166", "97167"],
            ),
            (
                comps(Moderate, 5, High, true, High),
                Some("97166"),
                vec!["97166"],
            ),
        ];
        for (c, want, cands) in cases {
            let s = suggest(&c).unwrap();
            assert_eq!(
                s.suggested.map(|x| x.as_str().to_owned()).as_deref(),
                want,
                "{c:?}"
            );
            let got: Vec<&str> = s.candidates.iter().map(CptCode::as_str).collect();
            assert_eq!(got, cands, "{c:?}");
        }
    }

    #[test]
    fn overlap_and_mismatch_are_flagged_not_decided() {
        let mut out = Vec::new();
        check(
            &comps(High, 5, High, true, High),
            Some(code("97167")),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].code, "EVAL_COMPLEXITY_OVERLAP");
        let mut out = Vec::new();
        check(
            &comps(Low, 2, Low, false, Low),
            Some(code("97167")),
            &mut out,
        );
        assert_eq!(out[0].code, "EVAL_LEVEL_MISMATCH");
        let mut out = Vec::new();
        assert!(check(&comps(Low, 0, Low, false, Low), None, &mut out).is_none());
        assert_eq!(out[0].code, "EVAL_NO_DEFICITS");
    }
}
