//! Explanations attached to every coded line and dropped service.
//!
//! A [`Why`] is a small value with numbers in it; its sentence is written only when the
//! coded visit is serialized, so the engine stays cheap when nobody reads the text.

use std::fmt;

use otbill_types::{CptCode, Modifier};

use crate::assistant::Rest;
use crate::payer::DeMinimis;

// Sources are written to JSON as they are: `plain` proves at compile time that they need
// no escaping.
const S20_2: &str = plain("Pub. 100-04 Ch. 5 §20.2");
const CPT_TIME: &str = plain("CPT time rule");
const CQCO_STEP1: &str = plain("86 FR 65171 Step 1");
const CQCO_LAST: &str = plain("42 CFR 410.59(a)(4)(iv)");
const CQCO_TWO: &str = plain("42 CFR 410.59(a)(4)(v)");
const CQCO_DEMIN: &str = plain("42 CFR 410.59(a)(4)(iii)(B)");
const GMOD: &str = plain("Pub. 100-04 Ch. 5 §20.1");
const TIME_STRUCTURE: &str = plain("code catalog time structure");
const ONE_LINE: &str = plain("FCSO: one line per code per date of service (rules.md §2.1 item 9)");

/// Whether serde_json would write `s` between quotes as it is (no quote, backslash or
/// control character).
pub(crate) const fn json_plain(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x20 || c == b'"' || c == b'\\' {
            return false;
        }
        i += 1;
    }
    true
}

/// `s`, when it needs no JSON escaping; used in constants, so a failure stops the build.
const fn plain(s: &'static str) -> &'static str {
    assert!(json_plain(s), "a `why` text must need no JSON escaping");
    s
}

/// A piece of a sentence: a literal checked at compile time by [`lit!`].
#[derive(Clone, Copy)]
struct Lit(&'static str);

/// A [`Lit`] from a string literal, checked while compiling.
macro_rules! lit {
    ($s:literal) => {{
        const L: Lit = Lit(plain($s));
        L
    }};
}

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
            Why::NotPooled | Why::FamilyFirst { .. } | Why::FamilyAddon { .. } => TIME_STRUCTURE,
            Why::Discipline { .. } => GMOD,
            Why::TherapistFull { .. } | Why::AssistantFull { .. } => CQCO_STEP1,
            Why::Rest { rest, .. } => match rest {
                Rest::TwoRemaining { .. } => CQCO_TWO,
                Rest::LastDeMinimis { .. } => CQCO_DEMIN,
                _ => CQCO_LAST,
            },
            Why::WholeService { .. } => CQCO_DEMIN,
            Why::Merged { .. } => ONE_LINE,
        }
    }
}

fn plural(n: u32) -> Lit {
    if n == 1 {
        lit!("")
    } else {
        lit!("s")
    }
}

fn method_name(m: DeMinimis) -> Lit {
    match m {
        DeMinimis::Percentage => lit!("percentage method"),
        DeMinimis::Simple => lit!("simple method"),
    }
}

impl Why {
    /// Appends the sentence to `o`. Plain pushes and `itoa` rather than `write!`: the batch
    /// writer renders millions of these, and `fmt` machinery was most of its cost.
    pub fn render(&self, o: &mut String) {
        self.render_to(o);
    }

    /// Appends the sentence to `o`, a `String` or JSON output. Its pieces are literals that
    /// need no JSON escaping ([`lit!`]), numbers, codes and modifiers (ASCII letters and
    /// digits), so the JSON writer copies it between quotes as it is.
    pub(crate) fn render_to<S: Sink>(&self, o: &mut S) {
        let mut t = Text(o);
        match *self {
            Why::Untimed { minutes } => t
                .s(lit!("untimed: 1 unit for the visit; its "))
                .n(minutes)
                .s(lit!(" min are not timed minutes")),
            Why::Pooled { minutes, leftover, tie, total, total_units } => {
                let full = minutes / 15;
                t.n(minutes).s(lit!(" min: ")).n(full).s(lit!(" full 15-min unit")).s(plural(full));
                if leftover {
                    t.s(lit!(" + a leftover unit for its ")).n(minutes % 15).s(lit!(" remaining min"));
                    if tie {
                        t.s(lit!(" (tie broken, see findings)"));
                    }
                }
                t.s(lit!("; the day's "))
                    .n(total)
                    .s(lit!(" timed min allow "))
                    .n(total_units)
                    .s(lit!(" unit"))
                    .s(plural(total_units))
            }
            Why::CptMidpoint { minutes, units, interval, threshold } => t
                .n(minutes)
                .s(lit!(" min on this code alone: "))
                .n(units)
                .s(lit!(" unit"))
                .s(plural(units))
                .s(lit!(" of "))
                .n(interval)
                .s(lit!(" min (a unit from "))
                .n(threshold)
                .s(lit!(" min)")),
            Why::NotPooled => t.s(lit!(
                "not a standard 15-minute code, so it is counted on its own minutes, outside the day's timed total"
            )),
            Why::FamilyFirst { minutes, interval, threshold } => t
                .s(lit!("first unit covers the first "))
                .n(interval)
                .s(lit!(" minutes (needs at least "))
                .n(threshold)
                .s(lit!("); "))
                .n(minutes)
                .s(lit!(" minutes documented")),
            Why::FamilyAddon { base, minutes, interval, threshold } => t
                .s(lit!("add-on to "))
                .code(base)
                .s(lit!(": the "))
                .n(minutes)
                .s(lit!(" minutes past "))
                .code(base)
                .s(lit!("'s first unit, per "))
                .n(interval)
                .s(lit!(" minutes (a unit counts from "))
                .n(threshold)
                .s(lit!(")")),
            Why::Discipline { modifier } => {
                let plan = match modifier.as_bytes() {
                    b"GP" => lit!("physical therapy"),
                    b"GN" => lit!("speech-language pathology"),
                    _ => lit!("occupational therapy"),
                };
                t.modifier(modifier).s(lit!(": ")).s(plan).s(lit!(" plan of care"))
            }
            Why::TherapistFull { units } => t
                .s(lit!("therapist furnished "))
                .n(units)
                .s(lit!(" full 15-min unit"))
                .s(plural(units))
                .s(lit!(": no assistant modifier")),
            Why::AssistantFull { units, modifier } => t
                .modifier(modifier)
                .s(lit!(": assistant furnished "))
                .n(units)
                .s(lit!(" full 15-min unit"))
                .s(plural(units))
                .s(lit!(" alone")),
            Why::Rest { rest, modifier, method } => match rest {
                Rest::None | Rest::OnlyOne => {
                    t.s(lit!("remaining units belong to the only person with minutes left"))
                }
                Rest::LastTherapistOnly => t.s(lit!(
                    "last unit: only the therapist had minutes left, so no assistant modifier"
                )),
                Rest::LastTherapistMidpoint { therapist } => t
                    .s(lit!("last unit: the therapist furnished "))
                    .n(therapist)
                    .s(lit!(" minutes of it (8 or more), so no "))
                    .modifier(modifier)
                    .s(lit!(" whatever the assistant did")),
                Rest::LastAssistantMidpoint { assistant } => t
                    .modifier(modifier)
                    .s(lit!(" on the last unit: the assistant furnished "))
                    .n(assistant)
                    .s(lit!(" minutes of it (8 or more) and the therapist fewer than 8")),
                Rest::LastDeMinimis { assistant, therapist, exceeded } => t
                    .s(lit!("last unit: both under 8 minutes (assistant "))
                    .n(assistant)
                    .s(lit!(", therapist "))
                    .n(therapist)
                    .s(lit!("); by the "))
                    .s(method_name(method))
                    .s(lit!(" the assistant's share "))
                    .verdict(exceeded, modifier),
                Rest::TwoRemaining { assistant, therapist, cms_split } => t
                    .s(lit!("two units left with assistant "))
                    .n(assistant)
                    .s(lit!(" and therapist "))
                    .n(therapist)
                    .s(lit!(" minutes: one unit with "))
                    .modifier(modifier)
                    .s(lit!(", one without"))
                    .s(if cms_split { lit!("") } else { lit!(" (a split CMS does not describe; see findings)") }),
            },
            Why::WholeService { assistant, therapist, exceeded, modifier, method } => t
                .s(lit!("assistant furnished "))
                .n(assistant)
                .s(lit!(" of "))
                .n(assistant + therapist)
                .s(lit!(" minutes independently; by the "))
                .s(method_name(method))
                .s(lit!(" that "))
                .verdict(exceeded, modifier),
            Why::UnderEight { minutes } => t
                .n(minutes)
                .s(lit!(" min: the day's timed minutes are under 8, so no unit")),
            Why::LostLeftover { remainder, total } => t
                .s(lit!("its "))
                .n(remainder)
                .s(lit!(" remaining min count in the day's "))
                .n(total)
                .s(lit!(" timed min, but the leftover units went to codes with more")),
            Why::UnderMidpoint { minutes, threshold } => t
                .n(minutes)
                .s(lit!(" min: under the "))
                .n(threshold)
                .s(lit!(" min this code needs for a unit")),
            Why::Merged { entries } => t
                .n(entries)
                .s(lit!(" entries of this code were added together: one line per code per date")),
        };
    }
}

/// Where a sentence is rendered: a `String`, or bytes of JSON output.
pub(crate) trait Sink {
    /// Appends text.
    fn text(&mut self, s: &str);
    /// Appends ASCII bytes (a code or a modifier).
    fn ascii(&mut self, b: &[u8]);
}

impl Sink for String {
    fn text(&mut self, s: &str) {
        self.push_str(s);
    }
    fn ascii(&mut self, b: &[u8]) {
        self.extend(b.iter().map(|&c| char::from(c)));
    }
}

impl Sink for Vec<u8> {
    fn text(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
    fn ascii(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
}

/// A sentence being rendered: only checked literals, numbers, codes and modifiers go in.
struct Text<'a, S>(&'a mut S);

impl<S: Sink> Text<'_, S> {
    fn s(&mut self, s: Lit) -> &mut Self {
        self.0.text(s.0);
        self
    }

    fn n(&mut self, n: u32) -> &mut Self {
        self.0.text(itoa::Buffer::new().format(n));
        self
    }

    fn code(&mut self, code: CptCode) -> &mut Self {
        self.0.ascii(code.as_bytes());
        self
    }

    fn modifier(&mut self, modifier: Modifier) -> &mut Self {
        self.0.ascii(modifier.as_bytes());
        self
    }

    /// "exceeds 10%, so CO applies" or "does not exceed 10%, so no CO".
    fn verdict(&mut self, exceeded: bool, modifier: Modifier) -> &mut Self {
        if exceeded {
            self.s(lit!("exceeds 10%, so "))
                .modifier(modifier)
                .s(lit!(" applies"))
        } else {
            self.s(lit!("does not exceed 10%, so no "))
                .modifier(modifier)
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
