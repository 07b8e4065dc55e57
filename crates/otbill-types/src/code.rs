//! Procedure codes (CPT and HCPCS Level II) and procedure modifiers.
//!
//! Both are short ASCII codes stored inline (`Copy`, no heap) because the coding engine
//! handles millions of them per second.

use crate::{string_serde, ParseError};

/// A CPT or HCPCS Level II procedure code: five characters, either five digits (`97530`),
/// a letter followed by four digits (`G0283`), or four digits followed by a letter
/// (Category II/III, `0001T`). Letters are upper-cased on parse.
///
/// This only checks the shape; whether a code exists on a date is the code catalog's job.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CptCode([u8; 5]);

impl CptCode {
    /// Parses a code, accepting surrounding whitespace and lower-case letters.
    #[inline]
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        // Inlined fast path for the usual unpadded five characters; anything else, or
        // any error, takes the out-of-line path.
        if let [a, b, c, d, e] = *s.as_bytes() {
            if let Some(code) = Self::from_upper([a, b, c, d, e].map(|x| x.to_ascii_uppercase())) {
                return Ok(code);
            }
        }
        Self::parse_slow(s)
    }

    #[cold]
    #[inline(never)]
    fn parse_slow(s: &str) -> Result<Self, ParseError> {
        let b = s.trim().as_bytes();
        let Ok(out) = <[u8; 5]>::try_from(b) else {
            return Err(ParseError::new(
                "procedure code",
                s,
                "expected 5 characters",
            ));
        };
        Self::from_upper(out.map(|x| x.to_ascii_uppercase())).ok_or_else(|| {
            ParseError::new(
                "procedure code",
                s,
                "expected 5 digits, a letter and 4 digits, or 4 digits and a letter",
            )
        })
    }

    /// The code, when upper-cased `out` has one of the three shapes.
    #[inline]
    fn from_upper(out: [u8; 5]) -> Option<Self> {
        let digits = |r: std::ops::Range<usize>| out[r].iter().all(u8::is_ascii_digit);
        let ok = digits(0..5)
            || (out[0].is_ascii_uppercase() && digits(1..5))
            || (digits(0..4) && out[4].is_ascii_uppercase());
        ok.then_some(CptCode(out))
    }

    /// The code's five ASCII bytes.
    pub fn as_bytes(&self) -> &[u8; 5] {
        &self.0
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored, see `parse`.
        std::str::from_utf8(&self.0).unwrap_or("?????")
    }
}

impl std::fmt::Debug for CptCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CptCode({})", self.as_str())
    }
}

string_serde!(CptCode);

/// A two-character procedure modifier such as `GO`, `CO`, `KX`, `59` or `XU`
/// (upper-case letters and digits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Modifier([u8; 2]);

impl Modifier {
    /// Occupational therapy plan of care.
    pub const GO: Modifier = Modifier(*b"GO");
    /// Physical therapy plan of care.
    pub const GP: Modifier = Modifier(*b"GP");
    /// Speech-language pathology plan of care.
    pub const GN: Modifier = Modifier(*b"GN");
    /// OT service furnished in whole or in part by an occupational therapy assistant.
    pub const CO: Modifier = Modifier(*b"CO");
    /// PT service furnished in whole or in part by a physical therapist assistant.
    pub const CQ: Modifier = Modifier(*b"CQ");
    /// Services above the annual therapy threshold, medically necessary.
    pub const KX: Modifier = Modifier(*b"KX");

    /// Parses a modifier, upper-casing letters.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().as_bytes();
        if t.len() != 2 || !t.iter().all(u8::is_ascii_alphanumeric) {
            return Err(ParseError::new(
                "modifier",
                s,
                "expected 2 letters or digits",
            ));
        }
        Ok(Modifier([
            t[0].to_ascii_uppercase(),
            t[1].to_ascii_uppercase(),
        ]))
    }

    /// The modifier's two ASCII bytes.
    pub fn as_bytes(&self) -> &[u8; 2] {
        &self.0
    }

    /// The modifier as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl std::fmt::Debug for Modifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Modifier({})", self.as_str())
    }
}

string_serde!(Modifier);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_each_shape_parse() {
        for ok in ["97530", "G0283", "0001T", " 97110 ", "g0283"] {
            assert!(CptCode::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(CptCode::parse("g0283").unwrap().as_str(), "G0283");
        for bad in [
            "9753",
            "975300",
            "9753A0",
            "AB123",
            "97-30",
            "",
            "９７５３０",
        ] {
            assert!(CptCode::parse(bad).is_err(), "{bad}");
        }
    }

    /// The inlined fast path and the out-of-line path must say the same thing.
    #[test]
    fn fast_and_slow_parse_paths_agree() {
        for (input, want) in [
            ("97110", Ok("97110")),
            ("\t97110\n", Ok("97110")),
            ("0001t", Ok("0001T")),
            (" 9711", Err("expected 5 characters")),
            ("9711 ", Err("expected 5 characters")),
            ("AB123", Err("expected 5 digits")),
            (" AB123 ", Err("expected 5 digits")),
            ("é971", Err("expected 5 digits")),
        ] {
            match (CptCode::parse(input), want) {
                (Ok(code), Ok(want)) => assert_eq!(code.as_str(), want),
                (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{input:?}: {e}"),
                (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn modifiers_parse_and_normalise() {
        assert_eq!(Modifier::parse("go").unwrap(), Modifier::GO);
        assert_eq!(Modifier::parse("59").unwrap().as_str(), "59");
        for bad in ["G", "GOO", "G-", ""] {
            assert!(Modifier::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_goes_through_parse() {
        let c: CptCode = serde_json::from_str("\"97112\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"97112\"");
        assert!(serde_json::from_str::<CptCode>("\"nope\"").is_err());
    }
}
