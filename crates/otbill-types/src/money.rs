//! Money as an exact decimal amount in US dollars.

use rust_decimal::Decimal;

/// A dollar amount held exactly as a decimal (never floating point). It may be negative
/// (refunds, reversals, provider-level adjustments). Serializes as a decimal string.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Money(Decimal);

impl Money {
    /// Zero dollars.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Wraps an exact decimal amount.
    pub fn new(amount: Decimal) -> Self {
        Money(amount)
    }

    /// Parses a plain decimal such as `"123.45"` or `"-5"`.
    pub fn parse(s: &str) -> Result<Self, crate::ParseError> {
        s.trim()
            .parse::<Decimal>()
            .map(Money)
            .map_err(|_| crate::ParseError::new("amount", s, "expected a decimal number"))
    }

    /// The exact amount.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// Rounded to cents, half away from zero (the usual rule for currency).
    pub fn round_cents(self) -> Money {
        Money(
            self.0
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
        )
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(it: I) -> Money {
        it.fold(Money::ZERO, |a, b| a + b)
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero_and_serializes_as_string() {
        let m = Money::parse("34.605").unwrap().round_cents();
        assert_eq!(m.to_string(), "34.61");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"34.61\"");
        assert!(Money::parse("12,00").is_err());
    }
}
