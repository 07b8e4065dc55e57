//! Explanations attached to every coded line and dropped service.
//!
//! A [`Why`] is a small value with numbers in it; its sentence is written only when the
//! coded visit is serialized, so the engine stays cheap when nobody reads the text.

use std::fmt;

use otbill_types::{CptCode, Modifier};

use crate::assistant::Rest;
use crate::payer::DeMinimis;

const S20_2: &str = "Pub. 100-04 Ch. 5 §20.2";
const CPT_TIME: &str = "CPT time rule (payer profile: cpt_midpoint)";
const CQCO_STEP1: &str = "86 FR 65171 (CY 2022 PFS), Step 1";
const CQCO_LAST: &str = "42 CFR 410.59(a)(4)(iv); 86 FR 65171-65174";
const CQCO_TWO: &str = "42 CFR 410.59(a)(4)(v); 86 FR 65173 Example #D";
const CQCO_DEMIN: &str = "42 CFR 410.59(a)(4)(iii)(B); 86 FR 65170-65171";
const GMOD: &str = "Pub. 100-04 Ch. 5 §20.1 (payer profile: discipline_modifier)";

/// One reason behind a line's units or modifiers, or behind a dropped service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Untimed code: one unit.
    Untimed {
        /// Minutes documented on it.
        minutes: u32,
    },
    /// The day's pooled timed minutes and the units they allow.
    PooledTotal {
        /// Total 15-minute timed minutes.
        total: u32,
        /// Units the §20.2 table allows.
        units: u32,
    },
    /// Whole 15-minute units in the code's own minutes.
    FullUnits {
        /// The code's minutes.
        minutes: u32,
        /// Whole units in them.
        full: u32,
    },
    /// The code got one of the leftover units.
    Leftover {
        /// Its remaining minutes after whole units.
        remainder: u32,
    },
    /// Equal remaining minutes competed and otbill's rule chose.
    TieChosen {
        /// The shared remainder.
        remainder: u32,
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
            Why::Untimed { .. } => "Pub. 100-04 Ch. 5 §20.2; Pub. 100-02 Ch. 15 §220.3",
            Why::PooledTotal { .. }
            | Why::FullUnits { .. }
            | Why::Leftover { .. }
            | Why::TieChosen { .. }
            | Why::UnderEight { .. }
            | Why::LostLeftover { .. } => S20_2,
            Why::CptMidpoint { .. } | Why::UnderMidpoint { .. } => CPT_TIME,
            Why::NotPooled | Why::FamilyFirst { .. } | Why::FamilyAddon { .. } => {
                "code catalog time structure (rules.md §1); otbill policy for Medicare pooling"
            }
            Why::Discipline { .. } => GMOD,
            Why::TherapistFull { .. } | Why::AssistantFull { .. } => CQCO_STEP1,
            Why::Rest { rest, .. } => match rest {
                Rest::TwoRemaining { .. } => CQCO_TWO,
                Rest::LastDeMinimis { .. } => CQCO_DEMIN,
                _ => CQCO_LAST,
            },
            Why::WholeService { .. } => CQCO_DEMIN,
            Why::Merged { .. } => "FCSO: one line per code per date of service (rules.md §2.1 item 9)",
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
                "untimed code: 1 unit for the visit; its {minutes} minutes count as treatment time, not timed minutes"
            ),
            Why::PooledTotal { total, units } => write!(
                f,
                "the day's 15-minute timed codes total {total} minutes, which allow {units} unit{} in all",
                plural(units)
            ),
            Why::FullUnits { minutes, full } => write!(
                f,
                "{minutes} minutes hold {full} full 15-minute unit{}",
                plural(full)
            ),
            Why::Leftover { remainder } => write!(
                f,
                "got a leftover unit: its {remainder} remaining minutes were among the largest of the day"
            ),
            Why::TieChosen { remainder } => write!(
                f,
                "tied at {remainder} remaining minutes with another code; the manual leaves this to the clinician, and otbill chose this code (therapist's code first, then more minutes, then code order)"
            ),
            Why::CptMidpoint { minutes, units, interval, threshold } => write!(
                f,
                "{minutes} minutes on this code alone give {units} unit{} of {interval} minutes (a unit counts from {threshold} minutes)",
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
                write!(f, "{modifier}: furnished under an outpatient {plan} plan of care")
            }
            Why::TherapistFull { units } => write!(
                f,
                "the therapist furnished {units} full 15-minute unit{}: no assistant modifier",
                plural(units)
            ),
            Why::AssistantFull { units, modifier } => write!(
                f,
                "{modifier}: the assistant furnished {units} full 15-minute unit{} independently",
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
                "{minutes} minutes: a timed service needs 8 minutes (alone or with the day's other timed minutes) for a unit"
            ),
            Why::LostLeftover { remainder, total } => write!(
                f,
                "its {remainder} minutes count in the day's {total} timed minutes, but the leftover units went to codes with more remaining minutes"
            ),
            Why::UnderMidpoint { minutes, threshold } => write!(
                f,
                "{minutes} minutes: under the {threshold} minutes this code needs for a unit"
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
        let mut st = s.serialize_struct("Why", 2)?;
        st.serialize_field("text", &DisplayStr(self))?;
        st.serialize_field("source", self.source())?;
        st.end()
    }
}

/// Serializes a `Display` value as a string without an intermediate allocation.
struct DisplayStr<'a, T>(&'a T);

impl<T: fmt::Display> serde::Serialize for DisplayStr<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}
