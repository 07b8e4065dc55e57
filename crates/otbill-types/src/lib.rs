//! Healthcare identifiers and money, parsed once at the edge ("parse, don't validate").
//!
//! Every type here has private fields and a `parse` constructor that documents and enforces
//! its invariant; once a value exists it is known to be well formed. The types know nothing
//! of therapy, X12 or storage, so the coding engine, the claim writer and the ledger can all
//! share them.
//!
//! ```
//! use otbill_types::{CptCode, Npi};
//! let code = CptCode::parse("97530").unwrap();
//! assert_eq!(code.as_str(), "97530");
//! assert!(Npi::parse("1234567893").is_ok()); // CMS's own worked example
//! assert!(Npi::parse("1234567890").is_err()); // wrong check digit
//! ```

mod code;
mod icd10;
mod money;
mod npi;

pub use code::{CptCode, Modifier};
pub use icd10::Icd10;
pub use money::Money;
pub use npi::Npi;

/// Why a value could not be parsed. The message says what was expected; callers add the
/// field name or file position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {value:?} is not valid: {reason}")]
pub struct ParseError {
    kind: &'static str,
    value: String,
    reason: &'static str,
}

impl ParseError {
    pub(crate) fn new(kind: &'static str, value: &str, reason: &'static str) -> Self {
        // Cap the echoed value so a huge bad input cannot flood a log line.
        let value: String = value.chars().take(40).collect();
        ParseError {
            kind,
            value,
            reason,
        }
    }

    /// The kind of identifier that failed, e.g. `"NPI"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// What was wrong with the value.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// Implements `Serialize`/`Deserialize` as a string through `parse` and `as_str`.
macro_rules! string_serde {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $t {
            type Err = $crate::ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::parse(s)
            }
        }
    };
}
pub(crate) use string_serde;
