//! Medicare Part A/B appeal levels, their filing deadlines and the amount-in-controversy
//! (AIC) minimums, plus the timely-filing limit (rules.md §9).
//!
//! Deadlines count calendar days from the date the notice of the previous decision was
//! **received**; the caller passes that date (and "today"), this module never reads the
//! clock. The 5-day receipt presumption of 42 CFR 405.942 was not verified, so it is not
//! applied: pass the real receipt date, or the notice date to be conservative.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The five levels of a Part A/B appeal, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 1. Redetermination by the MAC.
    Redetermination,
    /// 2. Reconsideration by the QIC.
    Reconsideration,
    /// 3. Hearing before an administrative law judge (OMHA).
    AljHearing,
    /// 4. Review by the Medicare Appeals Council.
    AppealsCouncil,
    /// 5. Judicial review in federal district court.
    JudicialReview,
}

impl Level {
    /// All levels, in order.
    pub const ALL: [Level; 5] = [
        Level::Redetermination,
        Level::Reconsideration,
        Level::AljHearing,
        Level::AppealsCouncil,
        Level::JudicialReview,
    ];

    /// The level after this one.
    pub fn next(self) -> Option<Level> {
        let idx = Level::ALL.iter().position(|l| *l == self)?;
        Level::ALL.get(idx + 1).copied()
    }

    /// A short name.
    pub fn label(self) -> &'static str {
        match self {
            Level::Redetermination => "redetermination",
            Level::Reconsideration => "reconsideration",
            Level::AljHearing => "ALJ hearing",
            Level::AppealsCouncil => "Appeals Council review",
            Level::JudicialReview => "judicial review",
        }
    }
}

/// One level as data: who decides and how long one has to file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRule {
    /// The level.
    pub level: Level,
    /// Who decides.
    pub who: String,
    /// Days from receipt of the previous notice.
    pub days: u32,
}

/// AIC minimums of one calendar year. Levels not named have no minimum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AicYear {
    /// Calendar year in which the request is filed.
    pub year: i32,
    /// Minimum for an ALJ hearing.
    pub alj_hearing: Decimal,
    /// Minimum for judicial review.
    pub judicial_review: Decimal,
}

/// The appeal rules: levels and AIC minimums by year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealRules {
    /// The levels, in order.
    pub level: Vec<LevelRule>,
    /// AIC minimums by year.
    pub aic: Vec<AicYear>,
}

/// The shipped Medicare rules file.
pub const MEDICARE_RULES: &str = include_str!("../../../data/appeals/medicare.toml");

/// Why an appeal rules file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("appeal rules: {0}")]
pub struct RulesError(String);

impl AppealRules {
    /// Parses a rules file (the layout of `data/appeals/medicare.toml`).
    pub fn from_toml(text: &str) -> Result<AppealRules, RulesError> {
        let rules: AppealRules =
            toml::from_str(text).map_err(|e| RulesError(e.message().to_owned()))?;
        for level in Level::ALL {
            if !rules.level.iter().any(|l| l.level == level) {
                return Err(RulesError(format!("level {} is missing", level.label())));
            }
        }
        Ok(rules)
    }

    /// The shipped Medicare rules (tested, so this cannot fail in a released build).
    pub fn medicare() -> AppealRules {
        AppealRules::from_toml(MEDICARE_RULES).unwrap_or_else(|_| AppealRules {
            level: Vec::new(),
            aic: Vec::new(),
        })
    }

    /// The rule of a level.
    pub fn rule(&self, level: Level) -> Option<&LevelRule> {
        self.level.iter().find(|l| l.level == level)
    }

    /// The last day to file `level`, given the day the previous notice was received.
    pub fn deadline(&self, level: Level, notice_received: NaiveDate) -> Option<NaiveDate> {
        let rule = self.rule(level)?;
        notice_received.checked_add_days(Days::new(u64::from(rule.days)))
    }

    /// The AIC minimum for a level in a year: `Some(0)` for levels without one, `None` when
    /// the year's amounts are not in the data (so the caller can say so).
    pub fn aic_minimum(&self, level: Level, year: i32) -> Option<Decimal> {
        match level {
            Level::AljHearing | Level::JudicialReview => {
                let row = self.aic.iter().find(|a| a.year == year)?;
                Some(if level == Level::AljHearing {
                    row.alj_hearing
                } else {
                    row.judicial_review
                })
            }
            _ => Some(Decimal::ZERO),
        }
    }

    /// Where a deadline stands on `today`.
    pub fn status(
        &self,
        level: Level,
        notice_received: NaiveDate,
        today: NaiveDate,
    ) -> Option<Deadline> {
        let due = self.deadline(level, notice_received)?;
        Some(Deadline::new(format!("file {}", level.label()), due, today))
    }
}

/// A dated task: what must be filed by when, and how many days are left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// What must be done, e.g. "file redetermination".
    pub what: String,
    /// The last day.
    pub due: NaiveDate,
    /// Days from today to the due date; negative once missed.
    pub days_left: i64,
}

impl Deadline {
    /// A deadline seen from `today`.
    pub fn new(what: String, due: NaiveDate, today: NaiveDate) -> Deadline {
        Deadline {
            what,
            days_left: (due - today).num_days(),
            due,
        }
    }

    /// Whether the last day has passed.
    pub fn missed(&self) -> bool {
        self.days_left < 0
    }
}

/// The last day to file a Medicare claim for a date of service: one calendar year later
/// (42 CFR 424.44); a 29 February date of service ends on 28 February.
pub fn timely_filing_limit(service_date: NaiveDate) -> NaiveDate {
    let year = service_date.year() + 1;
    service_date
        .with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(service_date)
}

/// The last day for a clerical reopening: one year from the initial determination
/// (42 CFR 405.980(b)(1); not in rules.md, so treat as a default a payer may shorten).
pub fn reopening_limit(initial_determination: NaiveDate) -> NaiveDate {
    timely_filing_limit(initial_determination)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_five_deadlines_count_from_receipt() {
        let rules = AppealRules::medicare();
        let received = d(2026, 3, 2);
        let due: Vec<_> = Level::ALL
            .iter()
            .map(|l| rules.deadline(*l, received).unwrap())
            .collect();
        assert_eq!(
            due,
            [
                d(2026, 6, 30), // +120
                d(2026, 8, 29), // +180
                d(2026, 5, 1),  // +60
                d(2026, 5, 1),  // +60
                d(2026, 5, 1),  // +60
            ]
        );
        assert_eq!(Level::Redetermination.next(), Some(Level::Reconsideration));
        assert_eq!(Level::JudicialReview.next(), None);
    }

    #[test]
    fn aic_minimums_for_2025_and_2026() {
        let rules = AppealRules::medicare();
        let dec = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(rules.aic_minimum(Level::AljHearing, 2025), Some(dec("190")));
        assert_eq!(rules.aic_minimum(Level::AljHearing, 2026), Some(dec("200")));
        assert_eq!(
            rules.aic_minimum(Level::JudicialReview, 2025),
            Some(dec("1900"))
        );
        assert_eq!(
            rules.aic_minimum(Level::JudicialReview, 2026),
            Some(dec("1960"))
        );
        assert_eq!(
            rules.aic_minimum(Level::Redetermination, 2026),
            Some(Decimal::ZERO)
        );
        assert_eq!(rules.aic_minimum(Level::AljHearing, 2031), None);
    }

    #[test]
    fn deadline_status_counts_days_left() {
        let rules = AppealRules::medicare();
        let s = rules
            .status(Level::Redetermination, d(2026, 1, 5), d(2026, 5, 1))
            .unwrap();
        assert_eq!(s.due, d(2026, 5, 5));
        assert_eq!(s.days_left, 4);
        assert!(!s.missed());
        let late = Deadline::new("x".into(), d(2026, 1, 1), d(2026, 1, 3));
        assert_eq!(late.days_left, -2);
        assert!(late.missed());
    }

    #[test]
    fn timely_filing_is_one_calendar_year_and_feb_29_ends_feb_28() {
        assert_eq!(timely_filing_limit(d(2025, 3, 14)), d(2026, 3, 14));
        assert_eq!(timely_filing_limit(d(2024, 2, 29)), d(2025, 2, 28));
    }

    #[test]
    fn a_rules_file_without_every_level_is_refused() {
        let err = AppealRules::from_toml("level = []\naic = []\n").unwrap_err();
        assert!(err.to_string().contains("redetermination"), "{err}");
    }
}
