//! The assistant modifiers CO (OT) and CQ (PT): which units of a code were furnished in
//! whole or in part by an assistant.
//!
//! Rules: 42 CFR 410.59(a)(4) and 410.60(a)(4) as amended by the CY 2022 PFS final rule
//! (86 FR 65169–65177); our derivation of the steps is `cqco.md` §3. Minutes the therapist
//! and assistant spend together count as the therapist's.

use crate::payer::DeMinimis;

/// Whether the assistant's independent minutes exceed the 10% de minimis standard, by the
/// chosen method, and whether the other method would have said otherwise.
pub fn exceeds_de_minimis(assistant: u32, therapist: u32, method: DeMinimis) -> (bool, bool) {
    let total = assistant + therapist;
    // Percentage: "exceed 10 percent of the total minutes", exact in integers.
    let percentage = 10 * assistant > total;
    // Simple: total ÷ 10 rounded half up, plus 1; the assistant must meet or exceed it.
    let needed = (total + 5) / 10 + 1;
    let simple = assistant >= needed;
    let chosen = match method {
        DeMinimis::Percentage => percentage,
        DeMinimis::Simple => simple,
    };
    (chosen, percentage != simple)
}

/// How a timed code's units split between plain lines and assistant-modifier lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// Units billed without the assistant modifier.
    pub plain: u32,
    /// Units billed with CO/CQ.
    pub assisted: u32,
    /// Full-interval units the therapist furnished alone (Step 1).
    pub therapist_full: u32,
    /// Full-interval units the assistant furnished alone (Step 1).
    pub assistant_full: u32,
    /// How the remaining units (0, 1 or 2) were decided.
    pub rest: Rest,
    /// The Simple and Percentage methods disagreed on a de minimis test used here.
    pub methods_disagree: bool,
}

/// How the units left after whole-interval units were decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rest {
    /// No units were left.
    None,
    /// The last unit: only the therapist had remaining minutes.
    LastTherapistOnly,
    /// The last unit: therapist had at least the midpoint (8 minutes), so no modifier.
    LastTherapistMidpoint {
        /// Therapist's remaining minutes.
        therapist: u32,
    },
    /// The last unit: assistant had at least 8 and the therapist fewer.
    LastAssistantMidpoint {
        /// Assistant's remaining minutes.
        assistant: u32,
    },
    /// The last unit: both under the midpoint; the de minimis test decided.
    LastDeMinimis {
        /// Assistant's remaining minutes.
        assistant: u32,
        /// Therapist's remaining minutes.
        therapist: u32,
        /// Whether the assistant exceeded 10%.
        exceeded: bool,
    },
    /// Two units left and both furnished minutes: one with the modifier, one without.
    TwoRemaining {
        /// Assistant's remaining minutes.
        assistant: u32,
        /// Therapist's remaining minutes.
        therapist: u32,
        /// Whether the split is one CMS describes (each 9–14, total 23–28).
        cms_split: bool,
    },
    /// Units left only one person could have furnished.
    OnlyOne,
}

/// Splits `units` of a 15-minute code (already set by the time rule) between plain and
/// assistant-modifier units, following the CY 2022 steps.
pub fn split_timed(units: u32, therapist: u32, assistant: u32, method: DeMinimis) -> Split {
    const INTERVAL: u32 = 15;
    const MIDPOINT: u32 = 8;
    let mut therapist_full = therapist / INTERVAL;
    let mut assistant_full = assistant / INTERVAL;
    let (rt, ra) = (therapist % INTERVAL, assistant % INTERVAL);
    // The time rule can give fewer units than whole intervals only if the caller passed
    // fewer units than floor(minutes / 15); trim the assistant's first so the therapist's
    // full units (paid at 100%) are kept.
    while therapist_full + assistant_full > units {
        if assistant_full > 0 {
            assistant_full -= 1;
        } else {
            therapist_full -= 1;
        }
    }
    let left = units - therapist_full - assistant_full;
    let mut methods_disagree = false;
    let (plain, assisted, rest) = match left {
        0 => (0, 0, Rest::None),
        1 if ra == 0 => (1, 0, Rest::LastTherapistOnly),
        1 if rt >= MIDPOINT => (1, 0, Rest::LastTherapistMidpoint { therapist: rt }),
        1 if ra >= MIDPOINT => (0, 1, Rest::LastAssistantMidpoint { assistant: ra }),
        1 => {
            let (exceeded, disagree) = exceeds_de_minimis(ra, rt, method);
            methods_disagree = disagree;
            let rest = Rest::LastDeMinimis {
                assistant: ra,
                therapist: rt,
                exceeded,
            };
            if exceeded {
                (0, 1, rest)
            } else {
                (1, 0, rest)
            }
        }
        2 if ra > 0 && rt > 0 => {
            let cms_split =
                (9..=14).contains(&ra) && (9..=14).contains(&rt) && (23..=28).contains(&(ra + rt));
            (
                1,
                1,
                Rest::TwoRemaining {
                    assistant: ra,
                    therapist: rt,
                    cms_split,
                },
            )
        }
        // Only one person has minutes left (cannot happen with 15-minute arithmetic, but
        // the units must still be billed to someone).
        n if ra == 0 => (n, 0, Rest::OnlyOne),
        n => (0, n, Rest::OnlyOne),
    };
    Split {
        plain: therapist_full + plain,
        assisted: assistant_full + assisted,
        therapist_full,
        assistant_full,
        rest,
        methods_disagree,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeMinimis::*;

    #[test]
    fn de_minimis_methods_and_their_disagreement() {
        // cqco.md §1.5.3: assistant 7, therapist 5; simple 12/10 → 1, +1 = 2; 7 ≥ 2.
        assert_eq!(exceeds_de_minimis(7, 5, Simple), (true, false));
        // cqco.md Open question 3: T = 8 with assistant 1 → 12.5%, simple threshold 2.
        assert_eq!(exceeds_de_minimis(1, 7, Percentage), (true, true));
        assert_eq!(exceeds_de_minimis(1, 7, Simple), (false, true));
        assert_eq!(exceeds_de_minimis(2, 13, Percentage), (true, true));
        assert_eq!(exceeds_de_minimis(3, 25, Simple), (false, true));
        // Exactly 10% does not exceed.
        assert!(!exceeds_de_minimis(2, 18, Percentage).0);
    }

    #[test]
    fn final_rule_examples_a_to_d() {
        // #A: PTA 10, PT 5 → 1 unit with the modifier.
        let a = split_timed(1, 5, 10, Percentage);
        assert_eq!((a.plain, a.assisted), (0, 1));
        // #B: PTA 5, PT 6 → both under 8, de minimis → modifier.
        let b = split_timed(1, 6, 5, Percentage);
        assert_eq!((b.plain, b.assisted), (0, 1));
        // #C: PTA 22, PT 23 → 1 modifier + 2 plain.
        let c = split_timed(3, 23, 22, Percentage);
        assert_eq!((c.plain, c.assisted), (2, 1));
        // #D: 97110 PT 12, PTA 14 with 2 units → 1 + 1, a CMS split.
        let d = split_timed(2, 12, 14, Percentage);
        assert_eq!((d.plain, d.assisted), (1, 1));
        assert!(matches!(
            d.rest,
            Rest::TwoRemaining {
                cms_split: true,
                ..
            }
        ));
    }
}
