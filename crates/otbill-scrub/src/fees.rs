//! Conversion factors and KX thresholds: small TOML files of ours (`data/fees/`, `data/kx/`),
//! parsed from strings.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::LoadError;

/// Which conversion factor applies (from 2026 CMS publishes two).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CfKind {
    /// Not a qualifying APM participant: most OT practices, the default.
    #[default]
    NonQp,
    /// Qualifying APM participant in an Advanced APM.
    Qp,
}

/// One conversion-factor period.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConversionFactor {
    /// First date of service.
    pub effective_from: NaiveDate,
    /// The factor for non-QPs (and for everyone before 2026).
    pub non_qp: Decimal,
    /// The QP factor, when different.
    #[serde(default)]
    pub qp: Option<Decimal>,
    /// Where the figure comes from.
    pub source: String,
}

impl ConversionFactor {
    /// The factor of the given kind.
    pub fn amount(&self, kind: CfKind) -> Decimal {
        match kind {
            CfKind::NonQp => self.non_qp,
            CfKind::Qp => self.qp.unwrap_or(self.non_qp),
        }
    }
}

/// All conversion factors, by date.
#[derive(Clone, Debug, Default)]
pub struct ConversionFactors {
    periods: Vec<ConversionFactor>,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CfFile {
    factor: Vec<ConversionFactor>,
}

impl ConversionFactors {
    /// Parses `conversion-factors.toml`.
    pub fn parse(label: &str, text: &str) -> Result<Self, LoadError> {
        let file: CfFile = toml::from_str(text).map_err(|e| toml_error(label, text, &e))?;
        let mut periods = file.factor;
        periods.sort_by_key(|p| p.effective_from);
        if let Some(w) = periods
            .windows(2)
            .find(|w| w[0].effective_from == w[1].effective_from)
        {
            return Err(LoadError::new(
                label,
                0,
                format!("two conversion factors start on {}", w[0].effective_from),
            ));
        }
        Ok(ConversionFactors {
            periods,
            label: label.to_owned(),
        })
    }

    /// The period in force on a date of service.
    pub fn on(&self, date: NaiveDate) -> Option<&ConversionFactor> {
        self.periods.iter().rev().find(|p| p.effective_from <= date)
    }

    /// All periods, oldest first.
    pub fn periods(&self) -> &[ConversionFactor] {
        &self.periods
    }

    /// The file label.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// One year's KX thresholds.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct KxYear {
    /// Calendar year.
    pub year: i32,
    /// OT threshold.
    pub ot: Decimal,
    /// PT and SLP combined threshold.
    pub pt_slp: Decimal,
    /// Where the figure comes from.
    pub source: String,
}

/// KX thresholds and the targeted medical review level.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct KxThresholds {
    /// Targeted medical review amount per discipline group and year ($3,000).
    pub targeted_review: Decimal,
    /// Last year the targeted review amount is fixed (indexed after).
    pub targeted_review_fixed_through: i32,
    /// Yearly thresholds.
    pub threshold: Vec<KxYear>,
    /// The file label.
    #[serde(skip)]
    pub label: String,
}

impl KxThresholds {
    /// Parses `kx/thresholds.toml`.
    pub fn parse(label: &str, text: &str) -> Result<Self, LoadError> {
        let mut t: KxThresholds = toml::from_str(text).map_err(|e| toml_error(label, text, &e))?;
        t.threshold.sort_by_key(|y| y.year);
        if let Some(w) = t.threshold.windows(2).find(|w| w[0].year == w[1].year) {
            return Err(LoadError::new(
                label,
                0,
                format!("year {} is listed twice", w[0].year),
            ));
        }
        t.label = label.to_owned();
        Ok(t)
    }

    /// The thresholds for the year of a date of service.
    pub fn for_date(&self, date: NaiveDate) -> Option<&KxYear> {
        self.threshold.iter().find(|y| y.year == date.year())
    }
}

fn toml_error(label: &str, text: &str, e: &toml::de::Error) -> LoadError {
    let line = e.span().map_or(0, |s| {
        text[..s.start.min(text.len())].lines().count().max(1)
    });
    LoadError::new(label, line, e.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn factors_are_chosen_by_date() {
        let text = r#"
[[factor]]
effective_from = "2025-01-01"
non_qp = "32.3465"
source = "x"
[[factor]]
effective_from = "2026-01-01"
non_qp = "33.4009"
qp = "33.5675"
source = "y"
"#;
        let cf = ConversionFactors::parse("cf.toml", text).unwrap();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(
            cf.on(d(2025, 12, 31)).unwrap().amount(CfKind::Qp),
            dec!(32.3465)
        );
        assert_eq!(
            cf.on(d(2026, 1, 1)).unwrap().amount(CfKind::NonQp),
            dec!(33.4009)
        );
        assert_eq!(
            cf.on(d(2026, 1, 1)).unwrap().amount(CfKind::Qp),
            dec!(33.5675)
        );
        assert!(cf.on(d(2024, 12, 31)).is_none());
    }

    #[test]
    fn a_bad_file_names_its_line() {
        let err = ConversionFactors::parse(
            "cf.toml",
            "[[factor]]\neffective_from = \"2025-01-01\"\nnon_qp = \"abc\"\nsource = \"x\"\n",
        )
        .unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }
}
