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

impl Why {
    /// Appends the sentence to `o`. Plain pushes and `itoa` rather than `write!`: the batch
    /// writer renders millions of these, and `fmt` machinery was most of its cost.
    pub fn render(&self, o: &mut String) {
        let mut t = Text(o);
        match *self {
            Why::Untimed { minutes } => t
                .s("untimed: 1 unit for the visit; its ")
                .n(minutes)
                .s(" min are not timed minutes"),
            Why::Pooled { minutes, leftover, tie, total, total_units } => {
                let full = minutes / 15;
                t.n(minutes).s(" min: ").n(full).s(" full 15-min unit").s(plural(full));
                if leftover {
                    t.s(" + a leftover unit for its ").n(minutes % 15).s(" remaining min");
                    if tie {
                        t.s(" (tie broken, see findings)");
                    }
                }
                t.s("; the day's ")
                    .n(total)
                    .s(" timed min allow ")
                    .n(total_units)
                    .s(" unit")
                    .s(plural(total_units))
            }
            Why::CptMidpoint { minutes, units, interval, threshold } => t
                .n(minutes)
                .s(" min on this code alone: ")
                .n(units)
                .s(" unit")
                .s(plural(units))
                .s(" of ")
                .n(interval)
                .s(" min (a unit from ")
                .n(threshold)
                .s(" min)"),
            Why::NotPooled => t.s(
                "not a standard 15-minute code, so it is counted on its own minutes, outside the day's timed total",
            ),
            Why::FamilyFirst { minutes, interval, threshold } => t
                .s("first unit covers the first ")
                .n(interval)
                .s(" minutes (needs at least ")
                .n(threshold)
                .s("); ")
                .n(minutes)
                .s(" minutes documented"),
            Why::FamilyAddon { base, minutes, interval, threshold } => t
                .s("add-on to ")
                .s(base.as_str())
                .s(": the ")
                .n(minutes)
                .s(" minutes past ")
                .s(base.as_str())
                .s("'s first unit, per ")
                .n(interval)
                .s(" minutes (a unit counts from ")
                .n(threshold)
                .s(")"),
            Why::Discipline { modifier } => {
                let plan = match modifier.as_str() {
                    "GP" => "physical therapy",
                    "GN" => "speech-language pathology",
                    _ => "occupational therapy",
                };
                t.s(modifier.as_str()).s(": ").s(plan).s(" plan of care")
            }
            Why::TherapistFull { units } => t
                .s("therapist furnished ")
                .n(units)
                .s(" full 15-min unit")
                .s(plural(units))
                .s(": no assistant modifier"),
            Why::AssistantFull { units, modifier } => t
                .s(modifier.as_str())
                .s(": assistant furnished ")
                .n(units)
                .s(" full 15-min unit")
                .s(plural(units))
                .s(" alone"),
            Why::Rest { rest, modifier, method } => match rest {
                Rest::None | Rest::OnlyOne => {
                    t.s("remaining units belong to the only person with minutes left")
                }
                Rest::LastTherapistOnly => t.s(
                    "last unit: only the therapist had minutes left, so no assistant modifier",
                ),
                Rest::LastTherapistMidpoint { therapist } => t
                    .s("last unit: the therapist furnished ")
                    .n(therapist)
                    .s(" minutes of it (8 or more), so no ")
                    .s(modifier.as_str())
                    .s(" whatever the assistant did"),
                Rest::LastAssistantMidpoint { assistant } => t
                    .s(modifier.as_str())
                    .s(" on the last unit: the assistant furnished ")
                    .n(assistant)
                    .s(" minutes of it (8 or more) and the therapist fewer than 8"),
                Rest::LastDeMinimis { assistant, therapist, exceeded } => t
                    .s("last unit: both under 8 minutes (assistant ")
                    .n(assistant)
                    .s(", therapist ")
                    .n(therapist)
                    .s("); by the ")
                    .s(method_name(method))
                    .s(" the assistant's share ")
                    .verdict(exceeded, modifier),
                Rest::TwoRemaining { assistant, therapist, cms_split } => t
                    .s("two units left with assistant ")
                    .n(assistant)
                    .s(" and therapist ")
                    .n(therapist)
                    .s(" minutes: one unit with ")
                    .s(modifier.as_str())
                    .s(", one without")
                    .s(if cms_split { "" } else { " (a split CMS does not describe; see findings)" }),
            },
            Why::WholeService { assistant, therapist, exceeded, modifier, method } => t
                .s("assistant furnished ")
                .n(assistant)
                .s(" of ")
                .n(assistant + therapist)
                .s(" minutes independently; by the ")
                .s(method_name(method))
                .s(" that ")
                .verdict(exceeded, modifier),
            Why::UnderEight { minutes } => t
                .n(minutes)
                .s(" min: the day's timed minutes are under 8, so no unit"),
            Why::LostLeftover { remainder, total } => t
                .s("its ")
                .n(remainder)
                .s(" remaining min count in the day's ")
                .n(total)
                .s(" timed min, but the leftover units went to codes with more"),
            Why::UnderMidpoint { minutes, threshold } => t
                .n(minutes)
                .s(" min: under the ")
                .n(threshold)
                .s(" min this code needs for a unit"),
            Why::Merged { entries } => t
                .n(entries)
                .s(" entries of this code were added together: one line per code per date"),
        };
    }
}

/// A string being rendered.
struct Text<'a>(&'a mut String);

impl Text<'_> {
    fn s(&mut self, s: &str) -> &mut Self {
        self.0.push_str(s);
        self
    }

    fn n(&mut self, n: u32) -> &mut Self {
        self.0.push_str(itoa::Buffer::new().format(n));
        self
    }

    /// "exceeds 10%, so CO applies" or "does not exceed 10%, so no CO".
    fn verdict(&mut self, exceeded: bool, modifier: Modifier) -> &mut Self {
        if exceeded {
            self.s("exceeds 10%, so ")
                .s(modifier.as_str())
                .s(" applies")
        } else {
            self.s("does not exceed 10%, so no ").s(modifier.as_str())
        }
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(128);
        self.render(&mut text);
        f.write_str(&text)
    }
}

impl serde::Serialize for Why {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // Render into one reused buffer, then hand the serializer a single string: JSON
        // escaping per formatting fragment (`collect_str`) cost more than the rendering.
        thread_local! {
            static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        TEXT.with(|cell| {
            let mut text = cell.borrow_mut();
            text.clear();
            // Writing to a String cannot fail.
            self.render(&mut text);
            let mut st = s.serialize_struct("Why", 2)?;
            st.serialize_field("text", text.as_str())?;
            st.serialize_field("source", self.source())?;
            st.end()
        })
    }
}
