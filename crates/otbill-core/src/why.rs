//! Explanations attached to every coded line and dropped service.
//!
//! A [`Why`] is a small value with numbers in it; its sentence is written only when the
//! coded visit is serialized, so the engine stays cheap when nobody reads the text.

use std::fmt;

use otbill_types::{CptCode, Modifier};

use crate::assistant::Rest;
use crate::payer::DeMinimis;

const S20_2: &str = "Pub. 100-04 Ch. 5 §20.2";
const CPT_TIME: &str = "CPT time rule";
const CQCO_STEP1: &str = "86 FR 65171 Step 1";
const CQCO_LAST: &str = "42 CFR 410.59(a)(4)(iv)";
const CQCO_TWO: &str = "42 CFR 410.59(a)(4)(v)";
const CQCO_DEMIN: &str = "42 CFR 410.59(a)(4)(iii)(B)";
const GMOD: &str = "Pub. 100-04 Ch. 5 §20.1";

/// One reason behind a line's units or modifiers, or behind a dropped service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Untimed code: one unit.
    Untimed {
        /// Minutes documented on it.
        minutes: u32,
    },
    /// Medicare total time: the code's whole units, any leftover unit, and the day's total.
    Pooled {
        /// The code's minutes.
        minutes: u32,
        /// Whether it got one of the leftover units.
        leftover: bool,
        /// Whether that leftover unit was decided by a tie-break.
        tie: bool,
        /// The day's 15-minute timed minutes.
        total: u32,
        /// Units the §20.2 table allows for them.
        total_units: u32,
    },
    /// CPT per-code rule.
    CptMidpoint {
        /// The code's minutes.
        minutes: u32,
        /// Units given.
        units: u32,
        /// Minutes per unit.
        interval: u32,
        /// Minutes at which a unit counts.
        threshold: u32,
    },
    /// Medicare: a code with its own time structure is not pooled.
    NotPooled,
    /// The first unit of a code family (97129, 97550).
    FamilyFirst {
        /// Minutes of the whole family.
        minutes: u32,
        /// Minutes the first unit covers.
        interval: u32,
        /// Minimum minutes for it.
        threshold: u32,
    },
    /// The add-on units of a family (97130, 97551).
    FamilyAddon {
        /// The base code.
        base: CptCode,
        /// Minutes past the base code's interval.
        minutes: u32,
        /// Minutes per add-on unit.
        interval: u32,
        /// Minimum minutes per add-on unit.
        threshold: u32,
    },
    /// Discipline modifier.
    Discipline {
        /// GO, GP or GN.
        modifier: Modifier,
    },
    /// Whole units furnished by the therapist.
    TherapistFull {
        /// Units.
        units: u32,
    },
    /// Whole units furnished by the assistant alone.
    AssistantFull {
        /// Units.
        units: u32,
        /// CO or CQ.
        modifier: Modifier,
    },
    /// How the last one or two units were decided.
    Rest {
        /// The decision.
        rest: Rest,
        /// CO or CQ.
        modifier: Modifier,
        /// The method used for a de minimis test.
        method: DeMinimis,
    },
    /// De minimis on a whole (untimed or non-15-minute) service.
    WholeService {
        /// Assistant's independent minutes.
        assistant: u32,
        /// Therapist's minutes.
        therapist: u32,
        /// Whether the modifier applies.
        exceeded: bool,
        /// CO or CQ.
        modifier: Modifier,
        /// Method used.
        method: DeMinimis,
    },
    /// A timed service alone under 8 minutes (or its pooled total under 8).
    UnderEight {
        /// The minutes.
        minutes: u32,
    },
    /// Counted in the total, but the leftover units went to codes with more minutes.
    LostLeftover {
        /// The code's remaining minutes.
        remainder: u32,
        /// The day's total.
        total: u32,
    },
    /// CPT rule: under the first unit's midpoint.
    UnderMidpoint {
        /// The minutes.
        minutes: u32,
        /// Minutes needed.
        threshold: u32,
    },
    /// Minutes of several entries of one code were added together.
    Merged {
        /// How many entries.
        entries: u32,
    },
}

impl Why {
    /// The rule this reason rests on.
    pub fn source(&self) -> &'static str {
        match self {
            Why::Untimed { .. } => S20_2,
            Why::Pooled { .. } | Why::UnderEight { .. } | Why::LostLeftover { .. } => S20_2,
            Why::CptMidpoint { .. } | Why::UnderMidpoint { .. } => CPT_TIME,
            Why::NotPooled | Why::FamilyFirst { .. } | Why::FamilyAddon { .. } => {
                "code catalog time structure"
            }
            Why::Discipline { .. } => GMOD,
            Why::TherapistFull { .. } | Why::AssistantFull { .. } => CQCO_STEP1,
            Why::Rest { rest, .. } => match rest {
                Rest::TwoRemaining { .. } => CQCO_TWO,
                Rest::LastDeMinimis { .. } => CQCO_DEMIN,
                _ => CQCO_LAST,
            },
            Why::WholeService { .. } => CQCO_DEMIN,
            Why::Merged { .. } => {
                "FCSO: one line per code per date of service (rules.md §2.1 item 9)"
            }
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn method_name(m: DeMinimis) -> &'static str {
    match m {
        DeMinimis::Percentage => "percentage method",
        DeMinimis::Simple => "simple method",
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Why::Untimed { minutes } => write!(
                f,
                "untimed: 1 unit for the visit; its {minutes} min are not timed minutes"
            ),
            Why::Pooled { minutes, leftover, tie, total, total_units } => {
                let full = minutes / 15;
                write!(f, "{minutes} min: {full} full 15-min unit{}", plural(full))?;
                if leftover {
                    write!(f, " + a leftover unit for its {} remaining min", minutes % 15)?;
                    if tie {
                        f.write_str(" (tie broken, see findings)")?;
                    }
                }
                write!(f, "; the day's {total} timed min allow {total_units} unit{}", plural(total_units))
            }
            Why::CptMidpoint { minutes, units, interval, threshold } => write!(
                f,
                "{minutes} min on this code alone: {units} unit{} of {interval} min (a unit from {threshold} min)",
                plural(units)
            ),
            Why::NotPooled => f.write_str(
                "not a standard 15-minute code, so it is counted on its own minutes, outside the day's timed total",
            ),
            Why::FamilyFirst { minutes, interval, threshold } => write!(
                f,
                "first unit covers the first {interval} minutes (needs at least {threshold}); {minutes} minutes documented"
            ),
            Why::FamilyAddon { base, minutes, interval, threshold } => write!(
                f,
                "add-on to {base}: the {minutes} minutes past {base}'s first unit, per {interval} minutes (a unit counts from {threshold})"
            ),
            Why::Discipline { modifier } => {
                let plan = match modifier.as_str() {
                    "GP" => "physical therapy",
                    "GN" => "speech-language pathology",
                    _ => "occupational therapy",
                };
                write!(f, "{modifier}: {plan} plan of care")
            }
            Why::TherapistFull { units } => write!(
                f,
                "therapist furnished {units} full 15-min unit{}: no assistant modifier",
                plural(units)
            ),
            Why::AssistantFull { units, modifier } => write!(
                f,
                "{modifier}: assistant furnished {units} full 15-min unit{} alone",
                plural(units)
            ),
            Why::Rest { rest, modifier, method } => match rest {
                Rest::None | Rest::OnlyOne => f.write_str("remaining units belong to the only person with minutes left"),
                Rest::LastTherapistOnly => f.write_str("last unit: only the therapist had minutes left, so no assistant modifier"),
                Rest::LastTherapistMidpoint { therapist } => write!(
                    f,
                    "last unit: the therapist furnished {therapist} minutes of it (8 or more), so no {modifier} whatever the assistant did"
                ),
                Rest::LastAssistantMidpoint { assistant } => write!(
                    f,
                    "{modifier} on the last unit: the assistant furnished {assistant} minutes of it (8 or more) and the therapist fewer than 8"
                ),
                Rest::LastDeMinimis { assistant, therapist, exceeded } => write!(
                    f,
                    "last unit: both under 8 minutes (assistant {assistant}, therapist {therapist}); by the {} the assistant's share {} 10%, so {}",
                    method_name(method),
                    if exceeded { "exceeds" } else { "does not exceed" },
                    if exceeded { format!("{modifier} applies") } else { format!("no {modifier}") }
                ),
                Rest::TwoRemaining { assistant, therapist, cms_split } => write!(
                    f,
                    "two units left with assistant {assistant} and therapist {therapist} minutes: one unit with {modifier}, one without{}",
                    if cms_split { "" } else { " (a split CMS does not describe; see findings)" }
                ),
            },
            Why::WholeService { assistant, therapist, exceeded, modifier, method } => write!(
                f,
                "assistant furnished {assistant} of {} minutes independently; by the {} that {} 10%, so {}",
                assistant + therapist,
                method_name(method),
                if exceeded { "exceeds" } else { "does not exceed" },
                if exceeded { format!("{modifier} applies") } else { format!("no {modifier}") }
            ),
            Why::UnderEight { minutes } => write!(
                f,
                "{minutes} min: the day's timed minutes are under 8, so no unit"
            ),
            Why::LostLeftover { remainder, total } => write!(
                f,
                "its {remainder} remaining min count in the day's {total} timed min, but the leftover units went to codes with more"
            ),
            Why::UnderMidpoint { minutes, threshold } => write!(
                f,
                "{minutes} min: under the {threshold} min this code needs for a unit"
            ),
            Why::Merged { entries } => write!(
                f,
                "{entries} entries of this code were added together: one line per code per date"
            ),
        }
    }
}

impl serde::Serialize for Why {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        use std::fmt::Write;
        // Render into one reused buffer, then hand the serializer a single string: JSON
        // escaping per formatting fragment (`collect_str`) cost more than the rendering.
        thread_local! {
            static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        TEXT.with(|cell| {
            let mut text = cell.borrow_mut();
            text.clear();
            // Writing to a String cannot fail.
            let _ = write!(text, "{self}");
            let mut st = s.serialize_struct("Why", 2)?;
            st.serialize_field("text", text.as_str())?;
            st.serialize_field("source", self.source())?;
            st.end()
        })
    }
}
