//! Number and date parsing from element bytes, without `String`s: X12 `R`
//! decimals and `CCYYMMDD` dates. Both return `None` on anything else.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// `CCYYMMDD` without chrono's format parser (which is slow per call).
pub(crate) fn ccyymmdd(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b.get(r).map_or(0, |d| {
            d.iter().fold(0u32, |acc, x| acc * 10 + u32::from(x - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)).ok()?, num(4..6), num(6..8))
}

pub(crate) fn is_balance(f: &otbill_x12::Finding) -> bool {
    matches!(f.code, "ERA-LINE-BALANCE" | "ERA-CLAIM-BALANCE")
}

/// Sums without overflow panics (amounts are capped, but inputs are not).
pub(crate) fn total(amounts: impl Iterator<Item = Decimal>) -> Decimal {
    amounts.fold(Decimal::ZERO, Decimal::saturating_add)
}

/// An X12 `R` value: optional minus, at most 18 characters of digits and one
/// point, no exponent. The cap also keeps every sum far from `Decimal`'s
/// range, so balancing arithmetic cannot overflow.
pub(crate) fn parse_decimal(bytes: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut scale: Option<u32> = None;
    let mut seen_digit = false;
    for (i, b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + i64::from(b - b'0');
                seen_digit = true;
            }
            b'.' if scale.is_none() => {
                scale = Some(u32::try_from(digits.len() - i - 1).unwrap_or(0));
            }
            _ => return None,
        }
    }
    let mantissa = if negative { -mantissa } else { mantissa };
    seen_digit.then(|| Decimal::new(mantissa, scale.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn x12_decimals() {
        let got: Vec<Option<String>> = [
            "135",
            "92.25",
            "-5",
            ".5",
            "5.",
            "0",
            "123456789012345678",
            "1234567890123456789",
            "1e5",
            "",
            "-",
            ".",
            "1.2.3",
            "+1",
            "9x",
        ]
        .iter()
        .map(|raw| parse_decimal(raw.as_bytes()).map(|d| d.to_string()))
        .collect();
        let expected: Vec<Option<String>> = [
            Some("135"),
            Some("92.25"),
            Some("-5"),
            Some("0.5"),
            Some("5"),
            Some("0"),
            Some("123456789012345678"),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ]
        .iter()
        .map(|s| s.map(String::from))
        .collect();
        assert_eq!(got, expected);
    }
}
