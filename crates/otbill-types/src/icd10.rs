//! ICD-10-CM diagnosis codes, shape only (rules.md §11.4).

use crate::{string_serde, ParseError};

/// An ICD-10-CM code stored without the decimal point, as X12 carries it (`I69351`).
///
/// Shape: 3 to 7 characters; a letter, a digit, then a digit or letter, then letters or
/// digits. A decimal point after the third character is accepted on input and dropped.
/// Whether the code exists in the current tabular list is not checked here.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Icd10 {
    bytes: [u8; 7],
    len: u8,
}

impl Icd10 {
    /// Parses a code such as `I69.351`, `i69351` or `R27.8`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let mut bytes = [0u8; 7];
        let mut len = 0usize;
        for (i, c) in t.bytes().enumerate() {
            if c == b'.' {
                if i != 3 {
                    return Err(ParseError::new(
                        "ICD-10-CM code",
                        s,
                        "a decimal point may only follow the third character",
                    ));
                }
                continue;
            }
            if len == 7 || !c.is_ascii_alphanumeric() {
                return Err(ParseError::new(
                    "ICD-10-CM code",
                    s,
                    "expected 3 to 7 letters or digits",
                ));
            }
            bytes[len] = c.to_ascii_uppercase();
            len += 1;
        }
        if len < 3 {
            return Err(ParseError::new(
                "ICD-10-CM code",
                s,
                "expected 3 to 7 letters or digits",
            ));
        }
        if !bytes[0].is_ascii_uppercase() || !bytes[1].is_ascii_digit() {
            return Err(ParseError::new(
                "ICD-10-CM code",
                s,
                "must start with a letter then a digit",
            ));
        }
        if t.ends_with('.') {
            return Err(ParseError::new(
                "ICD-10-CM code",
                s,
                "nothing follows the decimal point",
            ));
        }
        Ok(Icd10 {
            bytes,
            len: len as u8,
        })
    }

    /// The code without a decimal point, as on an X12 claim.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("???")
    }

    /// The code with its decimal point, as people write it (`I69.351`).
    pub fn dotted(&self) -> String {
        let s = self.as_str();
        if s.len() > 3 {
            format!("{}.{}", &s[..3], &s[3..])
        } else {
            s.to_owned()
        }
    }
}

impl std::fmt::Debug for Icd10 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Icd10({})", self.as_str())
    }
}

string_serde!(Icd10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_shapes() {
        for ok in [
            "I69.351", "I69351", "R27.8", "M62.81", "F82", "M1A.0110", "S52.501D", "z47.1",
        ] {
            assert!(Icd10::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Icd10::parse("I69.351").unwrap().as_str(), "I69351");
        assert_eq!(Icd10::parse("i69351").unwrap().dotted(), "I69.351");
    }

    #[test]
    fn rejects_bad_shapes() {
        for bad in [
            "",
            "I6",
            "169.351",
            "II9.351",
            "I69.3511X",
            "I6.9351",
            "I69.",
            "I69 351",
            "7810",
        ] {
            assert!(Icd10::parse(bad).is_err(), "{bad}");
        }
    }
}
