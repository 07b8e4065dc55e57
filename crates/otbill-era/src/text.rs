//! [`Text`]: a string that stores up to 22 bytes inline.
//!
//! An 835 is mostly short codes (`CO`, `45`, `97530`, `6R`); as `String`s
//! they cost one allocation each, and allocation dominated parsing time.

use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Deref;

const INLINE: usize = 22;

/// Immutable text, inline when short. Derefs to `str`; serializes as a string.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Text(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// Bytes past `len` are always zero, so derived equality is content equality.
    Inline {
        len: u8,
        buf: [u8; INLINE],
    },
    Heap(Box<str>),
}

impl Text {
    /// The text as `&str`.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, buf } => {
                std::str::from_utf8(buf.get(..usize::from(*len)).unwrap_or_default()).unwrap_or("")
            }
            Repr::Heap(s) => s,
        }
    }

    /// Text from raw bytes: copied as is when short ASCII (nearly every
    /// X12 element), else validated with invalid UTF-8 replaced.
    pub fn from_bytes(bytes: &[u8]) -> Text {
        if bytes.len() <= INLINE && bytes.is_ascii() {
            let mut buf = [0; INLINE];
            buf[..bytes.len()].copy_from_slice(bytes);
            return Text(Repr::Inline {
                len: bytes.len() as u8,
                buf,
            });
        }
        Text::from(String::from_utf8_lossy(bytes).as_ref())
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Repr::Inline { len, .. } => *len == 0,
            Repr::Heap(s) => s.is_empty(),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text(Repr::Inline {
            len: 0,
            buf: [0; INLINE],
        })
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut buf = [0; INLINE];
            if let Some(dst) = buf.get_mut(..s.len()) {
                dst.copy_from_slice(s.as_bytes());
            }
            Text(Repr::Inline {
                len: s.len() as u8,
                buf,
            })
        } else {
            Text(Repr::Heap(s.into()))
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            Text::from(s.as_str())
        } else {
            Text(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap() {
        let short = Text::from("97530");
        let long = Text::from("A PAYER NAME LONGER THAN 22 BYTES");
        assert_eq!(short, "97530");
        assert_eq!(long.as_str(), "A PAYER NAME LONGER THAN 22 BYTES");
        assert_eq!(Text::from(String::from("97530")), short);
        assert_eq!(Text::from_bytes(b"97530"), short);
        assert_eq!(Text::from_bytes(b"M\xFCLLER").as_str(), "M\u{FFFD}LLER");
        assert_eq!(Text::from("X".repeat(22).as_str()).len(), 22);
        assert!(Text::default().is_empty());
        assert_eq!(std::mem::size_of::<Text>(), 24);
        assert_eq!(format!("{short:?} {short}"), "\"97530\" 97530");
    }
}
