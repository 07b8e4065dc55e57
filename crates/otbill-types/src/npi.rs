//! National Provider Identifier with its check digit (rules.md §11.1).

use crate::{string_serde, ParseError};

/// A 10-digit NPI whose first digit is 1 or 2 and whose last digit is the Luhn check digit
/// computed with the card-issuer prefix 80840 (CMS "Requirements for NPI Check Digit").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Npi([u8; 10]);

impl Npi {
    /// Parses and checks an NPI.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let b = s.trim().as_bytes();
        if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
            return Err(ParseError::new("NPI", s, "expected 10 digits"));
        }
        if b[0] != b'1' && b[0] != b'2' {
            return Err(ParseError::new("NPI", s, "must start with 1 or 2"));
        }
        let mut digits = [0u8; 10];
        digits.copy_from_slice(b);
        if check_digit(&digits[..9]) != digits[9] - b'0' {
            return Err(ParseError::new("NPI", s, "check digit does not match"));
        }
        Ok(Npi(digits))
    }

    /// The NPI as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??????????")
    }
}

/// Luhn check digit over the 9-digit base with the 80840 prefix, whose doubled-digit
/// contribution is the constant 24.
fn check_digit(base: &[u8]) -> u8 {
    let mut sum = 24u32;
    for (i, c) in base.iter().rev().enumerate() {
        let d = u32::from(c - b'0');
        sum += if i % 2 == 0 {
            let x = d * 2;
            x / 10 + x % 10
        } else {
            d
        };
    }
    ((10 - sum % 10) % 10) as u8
}

impl std::fmt::Debug for Npi {
    // NPIs are public registry data, not PHI, so printing them is fine.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Npi({})", self.as_str())
    }
}

string_serde!(Npi);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cms_worked_examples() {
        // rules.md §11.1: base 123456789 gives check digit 3; 1558598797 is valid.
        assert!(Npi::parse("1234567893").is_ok());
        assert!(Npi::parse("1558598797").is_ok());
        assert_eq!(
            Npi::parse("1234567890").unwrap_err().reason(),
            "check digit does not match"
        );
        assert!(Npi::parse("3234567893").is_err());
        assert!(Npi::parse("123456789").is_err());
    }

    proptest::proptest! {
        #[test]
        fn exactly_one_check_digit_is_valid(base in 100_000_000u32..300_000_000) {
            let base = base.to_string();
            let valid = (0..10).filter(|d| Npi::parse(&format!("{base}{d}")).is_ok()).count();
            let expect = if base.starts_with('1') || base.starts_with('2') { 1 } else { 0 };
            proptest::prop_assert_eq!(valid, expect);
        }
    }
}
