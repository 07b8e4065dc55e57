//! Per-payer billing rule sets as data: which time rule, how many minutes a unit needs,
//! visit limits, authorizations, progress-report cadence, certification period, timely
//! filing, units per code per day, modifiers, and which payer's rule wins when two cover
//! the claim.
//!
//! A rule set is plain data (JSON, `data/payers/rules/*.json` for the defaults the office
//! starts from); the ledger keeps its dated history per payer, and the caller hands the
//! scrub the one in force on the date of service ([`rules_on`]). This module only parses,
//! validates, merges and picks: the checks themselves live in [`crate::scrub`] and
//! [`crate::documentation`], and every finding a rule set produces names the rule set and
//! the field ([`DatedRules::source_of`]).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use otbill_core::{PayerKind, PayerProfile, UnitMethod};
use otbill_types::CptCode;
use serde::{Deserialize, Serialize};

/// A payer's billing rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerRules {
    /// Which minutes-to-units rule codes the visit (replaces the payer profile's).
    pub unit_method: UnitMethod,
    /// "Required minutes": the first unit of a standard 15-minute timed code needs at
    /// least this many minutes of that code, and each further unit 15 more (unit *k* needs
    /// `min + 15 × (k − 1)` minutes). `None` leaves the unit method's own rule (8 minutes).
    /// Units beyond what the minutes support are cut, each cut with a finding.
    #[serde(default)]
    pub min_minutes_per_unit: Option<u32>,
    /// A limit on visits per plan year.
    #[serde(default)]
    pub visit_limit: Option<VisitLimit>,
    /// Whether the payer requires a prior authorization.
    #[serde(default)]
    pub authorization: AuthorizationRule,
    /// How often a progress report is required.
    #[serde(default)]
    pub progress_report: ProgressCadence,
    /// Length of a certification period in days, counted from the first treatment day
    /// (`None`: the payer sets none).
    #[serde(default)]
    pub recertification_days: Option<u32>,
    /// Days after the date of service within which the claim must be filed.
    pub timely_filing_days: u32,
    /// Units per code per day, beyond the MUEs.
    #[serde(default)]
    pub units_per_day: Vec<UnitLimit>,
    /// Modifier rules.
    #[serde(default)]
    pub modifiers: ModifierRules,
    /// Which payer's rule wins when this payer is primary and a secondary payer's rules
    /// disagree.
    #[serde(default)]
    pub coordination: Coordination,
}

/// A limit on the visits a payer covers per plan year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitLimit {
    /// Visits covered per plan year (at least 1).
    pub visits: u32,
    /// The day the plan year starts, `"MM-DD"` (`"01-01"` for a calendar year).
    pub reset: MonthDay,
}

/// A month and day without a year, such as a plan year's start. Written `"MM-DD"`; any day
/// that exists in a leap year is accepted (`"02-29"` too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

/// Why a `"MM-DD"` text is not a month and day.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MonthDayError(String);

impl MonthDay {
    /// Parses `"MM-DD"` (two digits each), refusing days no year has (`"02-30"`, `"13-01"`).
    pub fn parse(text: &str) -> Result<MonthDay, MonthDayError> {
        let bad = || {
            MonthDayError(format!(
                "{text:?} is not a month and day written MM-DD (e.g. \"01-01\")"
            ))
        };
        let b = text.as_bytes();
        if b.len() != 5 || b[2] != b'-' {
            return Err(bad());
        }
        let two = |s: &[u8]| -> Option<u32> {
            s.iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let (Some(month), Some(day)) = (two(&b[..2]), two(&b[3..])) else {
            return Err(bad());
        };
        // 2024 is a leap year: every month-day some year has exists in it.
        if NaiveDate::from_ymd_opt(2024, month, day).is_none() {
            return Err(MonthDayError(format!(
                "{text:?} is not a day of the year (month 01-12, and a day that month has)"
            )));
        }
        Ok(MonthDay { month, day })
    }

    /// The month, 1-12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u32 {
        self.day
    }

    /// This month-day in `year`; Feb 29 falls back to Feb 28 in a year without it.
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day - 1))
            .unwrap_or(NaiveDate::MIN)
    }

    /// The plan year's start for `date`: the last time this month-day came round on or
    /// before `date` (Feb 29 resets fall on Feb 28 in non-leap years).
    pub fn plan_year_start(self, date: NaiveDate) -> NaiveDate {
        let this_year = self.in_year(date.year());
        if this_year <= date {
            this_year
        } else {
            self.in_year(date.year() - 1)
        }
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl FromStr for MonthDay {
    type Err = MonthDayError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MonthDay::parse(s)
    }
}

impl Serialize for MonthDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MonthDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        MonthDay::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Whether the payer requires a prior authorization.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationRule {
    /// Treatment needs an authorization on file.
    #[serde(default)]
    pub required: bool,
    /// The evaluation needs one too (otherwise an evaluation-only visit is exempt).
    #[serde(default)]
    pub evaluation_needs_one: bool,
}

/// How often a progress report is required; either limit, or both (then each applies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressCadence {
    /// At least once every this many treatment days (visits).
    #[serde(default)]
    pub every_visits: Option<u32>,
    /// At least once every this many calendar days.
    #[serde(default)]
    pub every_days: Option<u32>,
}

/// A payer's limit on one code's units per day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitLimit {
    /// The code.
    pub code: CptCode,
    /// Fewest units the payer expects when the code is billed.
    #[serde(default)]
    pub min: Option<u32>,
    /// Most units the payer pays per day.
    #[serde(default)]
    pub max: Option<u32>,
}

/// Modifier rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifierRules {
    /// GO/GP/GN on every line, even when the payer profile does not add them.
    #[serde(default)]
    pub discipline_always: bool,
    /// Which modifier marks a distinct service where an NCCI edit allows one.
    #[serde(default)]
    pub distinct: DistinctModifier,
    /// Whether the KX threshold logic applies.
    #[serde(default)]
    pub kx: bool,
}

impl Default for ModifierRules {
    fn default() -> Self {
        ModifierRules {
            discipline_always: false,
            distinct: DistinctModifier::FiftyNine,
            kx: false,
        }
    }
}

/// Which modifier marks a distinct service (rules.md §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DistinctModifier {
    /// 59 (what most commercial payers recognize).
    #[default]
    #[serde(rename = "59")]
    FiftyNine,
    /// XE, XS, XP or XU (CR 8863; Medicare prefers them to 59).
    #[serde(rename = "X")]
    X,
}

/// Which payer's rule wins when the primary and the secondary payer's rules disagree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coordination {
    /// The primary payer's rules.
    #[default]
    Primary,
    /// The secondary payer's rules.
    Secondary,
    /// Field by field, the stricter of the two ([`PayerRules::merge`]).
    Stricter,
}

/// Why a rule set was refused: the field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("payer rules: {field}: {message}")]
pub struct RuleError {
    /// The field's path, e.g. `visit_limit.reset` or `units_per_day[1].code`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl RuleError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> RuleError {
        RuleError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The default rule sets shipped in `data/payers/rules/`, as `(file name, contents)`:
/// [`PayerRules::defaults_for`] of the built-in profiles, for an office to edit.
pub const BUILTIN_RULE_FILES: &[(&str, &str)] = &[
    (
        "payers/rules/medicare.json",
        include_str!("../../../data/payers/rules/medicare.json"),
    ),
    (
        "payers/rules/commercial.json",
        include_str!("../../../data/payers/rules/commercial.json"),
    ),
];

/// Most days a timely filing limit may be (ten years).
pub const MAX_FILING_DAYS: u32 = 3650;

/// `a` or `b`, whichever is `Some` and smaller (a limit is stricter than none).
fn lower(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl PayerRules {
    /// The rules a payer profile implies, for an office to start from.
    ///
    /// Medicare (profile kind `medicare`):
    /// - `unit_method` `medicare_total_time`: Pub. 100-04 Ch. 5 §20.2 (rules.md §2.1);
    ///   `min_minutes_per_unit` none (the 8-minute rule itself).
    /// - no visit limit and no authorization: Part B has neither, only the KX threshold
    ///   (rules.md §4).
    /// - progress report every 10 treatment days: Pub. 100-02 Ch. 15 §220.3.D (rules.md §6;
    ///   the older "or 30 calendar days" FAQ text is not the current manual's, so no
    ///   `every_days`).
    /// - `recertification_days` 90: §220.1.3, "at least every 90 days" (rules.md §6).
    /// - `timely_filing_days` 365: 42 CFR 424.44, 12 months (rules.md §9.1).
    /// - modifiers: GO/GP/GN on every therapy line as the profile says (§20.1), distinct
    ///   services with X{EPSU}, preferred to 59 (CR 8863, rules.md §3), KX on (SSA
    ///   §1833(g)(7)(A), rules.md §4).
    ///
    /// Any other profile (a commercial contract): `cpt_midpoint` (rules.md §2.2), no visit
    /// limit, no authorization, no progress cadence or certification period (contract
    /// terms, not in rules.md), filing 365 days (rules.md has no commercial figure; contracts
    /// often say 90 or 180: set it), 59 for distinct services, no KX.
    ///
    /// The profile's own `unit_method` is kept in both cases, so a Medicare Advantage
    /// profile that follows §20.2 stays on it.
    pub fn defaults_for(profile: &PayerProfile) -> PayerRules {
        if profile.kind == PayerKind::Medicare {
            PayerRules {
                unit_method: profile.unit_method,
                min_minutes_per_unit: None,
                visit_limit: None,
                authorization: AuthorizationRule::default(),
                progress_report: ProgressCadence {
                    every_visits: Some(10),
                    every_days: None,
                },
                recertification_days: Some(90),
                timely_filing_days: 365,
                units_per_day: Vec::new(),
                modifiers: ModifierRules {
                    discipline_always: false,
                    distinct: DistinctModifier::X,
                    kx: true,
                },
                coordination: Coordination::Primary,
            }
        } else {
            PayerRules {
                unit_method: profile.unit_method,
                min_minutes_per_unit: None,
                visit_limit: None,
                authorization: AuthorizationRule::default(),
                progress_report: ProgressCadence::default(),
                recertification_days: None,
                timely_filing_days: 365,
                units_per_day: Vec::new(),
                modifiers: ModifierRules::default(),
                coordination: Coordination::Primary,
            }
        }
    }

    /// Parses a rule set from JSON and validates it. A field the JSON gets wrong (a
    /// negative count, an unknown key, a bad date) is named by its path.
    pub fn from_json(text: &str) -> Result<PayerRules, RuleError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let rules: PayerRules = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "(rule set)".to_owned()
            } else {
                path
            };
            RuleError::new(field, e.into_inner().to_string())
        })?;
        rules.validate()?;
        Ok(rules)
    }

    /// Refuses contradictions and impossible values, naming the field.
    pub fn validate(&self) -> Result<(), RuleError> {
        if let Some(m) = self.min_minutes_per_unit {
            if m == 0 || m > 60 {
                return Err(RuleError::new(
                    "min_minutes_per_unit",
                    format!("{m} is not a number of minutes a unit can need: use 1 to 60"),
                ));
            }
        }
        if let Some(limit) = &self.visit_limit {
            if limit.visits == 0 {
                return Err(RuleError::new(
                    "visit_limit.visits",
                    "a visit limit of 0 covers no visit: remove the limit or give at least 1",
                ));
            }
        }
        if self.progress_report.every_visits == Some(0) {
            return Err(RuleError::new(
                "progress_report.every_visits",
                "must be at least 1 (or absent)",
            ));
        }
        if self.progress_report.every_days == Some(0) {
            return Err(RuleError::new(
                "progress_report.every_days",
                "must be at least 1 (or absent)",
            ));
        }
        if let Some(d) = self.recertification_days {
            if d == 0 || d > MAX_FILING_DAYS {
                return Err(RuleError::new(
                    "recertification_days",
                    format!("{d} days: use 1 to {MAX_FILING_DAYS} (or absent)"),
                ));
            }
        }
        if self.timely_filing_days == 0 || self.timely_filing_days > MAX_FILING_DAYS {
            return Err(RuleError::new(
                "timely_filing_days",
                format!(
                    "{} days: use 1 to {MAX_FILING_DAYS}",
                    self.timely_filing_days
                ),
            ));
        }
        for (i, u) in self.units_per_day.iter().enumerate() {
            if let (Some(min), Some(max)) = (u.min, u.max) {
                if min > max {
                    return Err(RuleError::new(
                        format!("units_per_day[{i}].min"),
                        format!("min {min} is above max {max} for {}", u.code),
                    ));
                }
            }
            if u.min.is_none() && u.max.is_none() {
                return Err(RuleError::new(
                    format!("units_per_day[{i}]"),
                    format!("{} has neither a min nor a max", u.code),
                ));
            }
            if let Some(j) = self.units_per_day[..i]
                .iter()
                .position(|o| o.code == u.code)
            {
                return Err(RuleError::new(
                    format!("units_per_day[{i}].code"),
                    format!(
                        "{} is already limited at units_per_day[{j}]: one entry per code",
                        u.code
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The rules that apply to a claim both payers cover, by `primary.coordination`:
    ///
    /// - `Primary`: the primary's rules; `Secondary`: the secondary's.
    /// - `Stricter`, field by field:
    ///   - `unit_method`: the primary's (neither rule gives fewer units for every visit:
    ///     rules.md §2.2's table has each one lower somewhere);
    ///   - `min_minutes_per_unit`: the larger (none counting as 8);
    ///   - `visit_limit`: the one with fewer visits (a limit beats none), with its reset;
    ///   - `authorization`: required if either requires it, and for evaluations if either
    ///     says so;
    ///   - `progress_report`: each cadence the smaller (a cadence beats none);
    ///   - `recertification_days`: the shorter (a period beats none);
    ///   - `timely_filing_days`: the shorter;
    ///   - `units_per_day`: every code either limits; a code both limit gets the higher min
    ///     and the lower max (a min above that max is lowered to it, so the result stays
    ///     valid);
    ///   - `modifiers`: discipline modifier always if either says so, X{EPSU} if either
    ///     asks for them (X is the more specific, rules.md §3), KX if either uses it;
    ///   - `coordination`: the primary's.
    pub fn merge(primary: &PayerRules, secondary: &PayerRules) -> PayerRules {
        match primary.coordination {
            Coordination::Primary => return primary.clone(),
            Coordination::Secondary => return secondary.clone(),
            Coordination::Stricter => {}
        }
        let (p, s) = (primary, secondary);
        let min_minutes = {
            let eff = |m: Option<u32>| m.unwrap_or(8);
            if eff(s.min_minutes_per_unit) > eff(p.min_minutes_per_unit) {
                s.min_minutes_per_unit
            } else {
                p.min_minutes_per_unit
            }
        };
        let visit_limit = match (p.visit_limit, s.visit_limit) {
            (Some(a), Some(b)) => Some(if b.visits < a.visits { b } else { a }),
            (a, None) => a,
            (None, b) => b,
        };
        let mut units_per_day: Vec<UnitLimit> = p.units_per_day.clone();
        for u in &s.units_per_day {
            match units_per_day.iter_mut().find(|o| o.code == u.code) {
                Some(o) => {
                    o.min = o.min.max(u.min);
                    o.max = lower(o.max, u.max);
                    if let (Some(min), Some(max)) = (o.min, o.max) {
                        o.min = Some(min.min(max));
                    }
                }
                None => units_per_day.push(u.clone()),
            }
        }
        PayerRules {
            unit_method: p.unit_method,
            min_minutes_per_unit: min_minutes,
            visit_limit,
            authorization: AuthorizationRule {
                required: p.authorization.required || s.authorization.required,
                evaluation_needs_one: p.authorization.evaluation_needs_one
                    || s.authorization.evaluation_needs_one,
            },
            progress_report: ProgressCadence {
                every_visits: lower(
                    p.progress_report.every_visits,
                    s.progress_report.every_visits,
                ),
                every_days: lower(p.progress_report.every_days, s.progress_report.every_days),
            },
            recertification_days: lower(p.recertification_days, s.recertification_days),
            timely_filing_days: p.timely_filing_days.min(s.timely_filing_days),
            units_per_day,
            modifiers: ModifierRules {
                discipline_always: p.modifiers.discipline_always || s.modifiers.discipline_always,
                distinct: if p.modifiers.distinct == DistinctModifier::X
                    || s.modifiers.distinct == DistinctModifier::X
                {
                    DistinctModifier::X
                } else {
                    DistinctModifier::FiftyNine
                },
                kx: p.modifiers.kx || s.modifiers.kx,
            },
            coordination: p.coordination,
        }
    }

    /// The payer profile to code a visit with under these rules: the rule set's unit
    /// method, and the discipline modifier on when `modifiers.discipline_always` is.
    pub fn coding_profile(&self, profile: &PayerProfile) -> PayerProfile {
        PayerProfile {
            unit_method: self.unit_method,
            discipline_modifier: profile.discipline_modifier || self.modifiers.discipline_always,
            ..profile.clone()
        }
    }
}

/// A rule set as the ledger keeps it: one payer's rules from a date on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedRules {
    /// The ledger's payer id, for messages.
    pub payer: String,
    /// First date of service the rules apply to.
    pub effective: NaiveDate,
    /// The rules.
    pub rules: PayerRules,
    /// Where the rules come from, e.g. `payer rule set 12 (edited 2026-06-01 by admin)`.
    pub source: String,
}

impl DatedRules {
    /// The source a finding produced by `field` of these rules cites:
    /// `"{source}, effective {effective}: {field}"`.
    pub fn source_of(&self, field: &str) -> String {
        format!("{}, effective {}: {field}", self.source, self.effective)
    }
}

/// The rule set in force on `date`: the latest whose `effective` is on or before it (of
/// two with the same date, the later in `history`). `None` when all start after `date`.
pub fn rules_on(history: &[DatedRules], date: NaiveDate) -> Option<&DatedRules> {
    history
        .iter()
        .filter(|r| r.effective <= date)
        .fold(None, |best: Option<&DatedRules>, r| match best {
            Some(b) if b.effective > r.effective => Some(b),
            _ => Some(r),
        })
}

/// Units of a standard 15-minute timed code that `minutes` support when the first unit
/// needs `min` minutes and each further unit 15 more.
pub fn units_supported(minutes: u32, min: u32) -> u32 {
    if minutes < min {
        0
    } else {
        1 + (minutes - min) / 15
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn month_day_parses_real_days_only() {
        assert_eq!(MonthDay::parse("07-01").unwrap().to_string(), "07-01");
        assert_eq!(MonthDay::parse("02-29").unwrap().day(), 29);
        for bad in [
            "13-01", "02-30", "00-10", "04-31", "7-01", "07/01", "07-1", "", "ab-cd", "07-01x",
        ] {
            assert!(MonthDay::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plan_year_start_is_the_last_reset_on_or_before_the_date() {
        let july = MonthDay::parse("07-01").unwrap();
        assert_eq!(july.plan_year_start(d("2026-06-30")), d("2025-07-01"));
        assert_eq!(july.plan_year_start(d("2026-07-01")), d("2026-07-01"));
        assert_eq!(july.plan_year_start(d("2026-12-31")), d("2026-07-01"));
        let jan = MonthDay::parse("01-01").unwrap();
        assert_eq!(jan.plan_year_start(d("2026-01-01")), d("2026-01-01"));
        assert_eq!(jan.plan_year_start(d("2025-12-31")), d("2025-01-01"));
    }

    #[test]
    fn a_feb_29_reset_falls_on_feb_28_in_other_years() {
        let leap = MonthDay::parse("02-29").unwrap();
        assert_eq!(leap.plan_year_start(d("2024-03-01")), d("2024-02-29"));
        assert_eq!(leap.plan_year_start(d("2024-02-28")), d("2023-02-28"));
        assert_eq!(leap.plan_year_start(d("2026-02-28")), d("2026-02-28"));
        assert_eq!(leap.plan_year_start(d("2026-02-27")), d("2025-02-28"));
    }

    #[test]
    fn month_day_serializes_through_its_text() {
        let m: MonthDay = serde_json::from_str("\"12-31\"").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"12-31\"");
        assert!(serde_json::from_str::<MonthDay>("\"02-30\"").is_err());
    }

    #[test]
    fn units_supported_follows_the_required_minutes() {
        // 8 reproduces the CPT midpoint rule; 15 pays whole units only.
        let cpt: Vec<u32> = [7, 8, 22, 23, 37, 38].map(|m| units_supported(m, 8)).into();
        assert_eq!(cpt, [0, 1, 1, 2, 2, 3]);
        let whole: Vec<u32> = [10, 14, 15, 29, 30].map(|m| units_supported(m, 15)).into();
        assert_eq!(whole, [0, 0, 1, 1, 2]);
    }

    #[test]
    fn rules_on_takes_the_later_of_equal_dates() {
        let p =
            PayerRules::defaults_for(&otbill_core::builtin().1.get("commercial").unwrap().clone());
        let mk = |eff: &str, src: &str| DatedRules {
            payer: "x".into(),
            effective: d(eff),
            rules: p.clone(),
            source: src.into(),
        };
        let h = [
            mk("2026-01-01", "a"),
            mk("2026-01-01", "b"),
            mk("2025-01-01", "c"),
        ];
        assert_eq!(rules_on(&h, d("2026-02-01")).unwrap().source, "b");
        assert_eq!(rules_on(&h, d("2025-06-01")).unwrap().source, "c");
        assert!(rules_on(&h, d("2024-12-31")).is_none());
    }
}
