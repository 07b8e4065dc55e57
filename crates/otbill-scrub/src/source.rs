//! Where a loaded table came from: its label, the dates it is meant for, and whether it
//! is a shipped **sample** (synthetic rows in the CMS layout) or a real CMS release.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Provenance of one loaded rule table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The file name or another label that identifies the release.
    pub label: String,
    /// First date of service the release is meant for (e.g. the quarter's first day).
    pub effective_from: NaiveDate,
    /// Last date of service the release is meant for; `None` means open-ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_through: Option<NaiveDate>,
    /// True for synthetic sample data. A file whose header says `SAMPLE` is always a
    /// sample, whatever the caller claimed.
    pub sample: bool,
}

impl Source {
    /// A source valid from `effective_from` with no end date.
    pub fn new(label: impl Into<String>, effective_from: NaiveDate, sample: bool) -> Self {
        Source {
            label: label.into(),
            effective_from,
            effective_through: None,
            sample,
        }
    }

    /// The same source with an end date.
    pub fn through(mut self, last: NaiveDate) -> Self {
        self.effective_through = Some(last);
        self
    }

    /// Whether a date of service falls inside the release's dates.
    pub fn covers(&self, date: NaiveDate) -> bool {
        date >= self.effective_from && self.effective_through.is_none_or(|t| date <= t)
    }

    /// A short description for findings, e.g. `SAMPLE ncci-ptp-SAMPLE.txt (from 2025-10-01)`.
    pub fn describe(&self) -> String {
        let kind = if self.sample { "SAMPLE " } else { "" };
        match self.effective_through {
            Some(t) => format!("{kind}{} ({}..{})", self.label, self.effective_from, t),
            None => format!("{kind}{} (from {})", self.label, self.effective_from),
        }
    }
}

/// The last day of the calendar quarter that contains `date`.
pub fn quarter_end(date: NaiveDate) -> NaiveDate {
    let q_last_month = (date.month0() / 3) * 3 + 3;
    let (y, m) = if q_last_month == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), q_last_month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(date)
}

/// Guesses a release's first effective date from a CMS file name, when the name follows
/// CMS's conventions:
///
/// - NCCI PTP `ccipra-v313r0-f1.txt`: version 31.3 → 2025 (version − 1994), 4th quarter.
/// - MUE `...-2025-q4-...`: 2025, 4th quarter.
/// - PPRRVU `PPRRVU2025_Oct.csv` / `PPRRVU25_JAN.csv`, GPCI `GPCI2025.csv`: the year and
///   the month named, else January 1.
///
/// Returns `None` when nothing recognisable is in the name.
pub fn guess_effective_from(file_name: &str) -> Option<NaiveDate> {
    let lower = file_name.to_ascii_lowercase();
    // NCCI version: "v" + 3 digits ("v313" = 31.3).
    if let Some(pos) = lower.find("-v") {
        let digits: String = lower[pos + 2..].chars().take(3).collect();
        if digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()) {
            let major: i32 = digits[..2].parse().ok()?;
            let minor: u32 = digits[2..].parse().ok()?;
            if minor <= 3 {
                return NaiveDate::from_ymd_opt(1994 + major, minor * 3 + 1, 1);
            }
        }
    }
    let year = find_year(&lower)?;
    for (q, m) in [("q1", 1), ("q2", 4), ("q3", 7), ("q4", 10)] {
        if lower.contains(&format!("-{q}")) || lower.contains(&format!("_{q}")) {
            return NaiveDate::from_ymd_opt(year, m, 1);
        }
    }
    for (name, m) in [("jan", 1), ("apr", 4), ("jul", 7), ("oct", 10)] {
        if lower.contains(name) {
            return NaiveDate::from_ymd_opt(year, m, 1);
        }
    }
    NaiveDate::from_ymd_opt(year, 1, 1)
}

/// The first 4-digit year 2000–2099 in the name, or a 2-digit one after `pprrvu`.
fn find_year(lower: &str) -> Option<i32> {
    let b = lower.as_bytes();
    for i in 0..b.len().saturating_sub(3) {
        let w = &b[i..i + 4];
        if w[0] == b'2' && w[1] == b'0' && w[2..].iter().all(u8::is_ascii_digit) {
            let before_digit = i > 0 && b[i - 1].is_ascii_digit();
            let after_digit = b.get(i + 4).is_some_and(u8::is_ascii_digit);
            if !before_digit && !after_digit {
                return lower[i..i + 4].parse().ok();
            }
        }
    }
    let pos = lower.find("pprrvu")? + 6;
    let yy: i32 = lower.get(pos..pos + 2)?.parse().ok()?;
    Some(2000 + yy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn file_names_give_release_dates() {
        assert_eq!(
            guess_effective_from("ccipra-v313r0-f1.txt"),
            Some(d(2025, 10, 1))
        );
        assert_eq!(
            guess_effective_from("ccipra-v320r0-f2.txt"),
            Some(d(2026, 1, 1))
        );
        assert_eq!(
            guess_effective_from("medicare-ncci-2025-q4-practitioner-services-mue-table.csv"),
            Some(d(2025, 10, 1))
        );
        assert_eq!(
            guess_effective_from("PPRRVU2025_Oct.csv"),
            Some(d(2025, 10, 1))
        );
        assert_eq!(
            guess_effective_from("PPRRVU25_JAN.csv"),
            Some(d(2025, 1, 1))
        );
        assert_eq!(guess_effective_from("GPCI2025.csv"), Some(d(2025, 1, 1)));
        assert_eq!(guess_effective_from("table.csv"), None);
    }

    #[test]
    fn quarters_end_where_expected() {
        assert_eq!(quarter_end(d(2025, 11, 3)), d(2025, 12, 31));
        assert_eq!(quarter_end(d(2025, 1, 1)), d(2025, 3, 31));
        assert_eq!(quarter_end(d(2024, 5, 31)), d(2024, 6, 30));
    }

    #[test]
    fn coverage_is_inclusive() {
        let s = Source::new("x", d(2025, 10, 1), false).through(d(2025, 12, 31));
        assert!(s.covers(d(2025, 10, 1)) && s.covers(d(2025, 12, 31)));
        assert!(!s.covers(d(2025, 9, 30)) && !s.covers(d(2026, 1, 1)));
    }
}
