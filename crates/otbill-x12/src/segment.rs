//! Borrowed views of one segment and its elements: no allocation, no copies.
//!
//! Elements are split lazily on access, so a reader that only looks at the
//! segment id costs one `memchr` per segment.

use crate::delim::Delimiters;
use crate::finding::Position;
use crate::scan::scan;
use std::borrow::Cow;
use std::fmt;

/// One segment, borrowed from the input (without its terminator).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    raw: &'a [u8],
    delimiters: Delimiters,
    position: Position,
}

impl<'a> Segment<'a> {
    /// A segment over `raw` (its text without the terminator).
    pub fn new(raw: &'a [u8], delimiters: Delimiters, position: Position) -> Segment<'a> {
        Segment {
            raw,
            delimiters,
            position,
        }
    }

    /// The segment id (`"ISA"`, `"CLP"`...). Empty if it is not ASCII text.
    pub fn id(&self) -> &'a str {
        let end = memchr::memchr(self.delimiters.element, self.raw).unwrap_or(self.raw.len());
        std::str::from_utf8(&self.raw[..end]).unwrap_or("")
    }

    /// Element `n`, 1-based as in the X12 guides (`CLP01` is `element(1)`).
    /// `element(0)` is the segment id. A missing element is empty.
    pub fn element(&self, n: usize) -> Element<'a> {
        let raw = self.raw.split(|b| *b == self.delimiters.element).nth(n);
        Element {
            raw: raw.unwrap_or_default(),
            delimiters: self.delimiters,
        }
    }

    /// Element `n` as text (`""` when missing or not UTF-8).
    pub fn str(&self, n: usize) -> &'a str {
        self.element(n).as_str()
    }

    /// The elements after the id, in order (`elements().next()` is element 1).
    pub fn elements(&self) -> impl Iterator<Item = Element<'a>> + 'a {
        let delimiters = self.delimiters;
        self.raw
            .split(move |b| *b == delimiters.element)
            .skip(1)
            .map(move |raw| Element { raw, delimiters })
    }

    /// Number of elements after the id (trailing empty ones included).
    pub fn element_count(&self) -> usize {
        memchr::memchr_iter(self.delimiters.element, self.raw).count()
    }

    /// Where the element separators are: the offsets in [`Segment::as_bytes`]
    /// of the first `out.len()` go into `out`; returns how many there are
    /// in all (the [`Segment::element_count`]).
    ///
    /// ```
    /// # use otbill_x12::{Delimiters, Position, Segment};
    /// let s = Segment::new(b"CAS*CO*45*10", Delimiters::default(), Position::default());
    /// let mut offsets = [0; 2];
    /// assert_eq!(s.separator_offsets(&mut offsets), 3);
    /// assert_eq!(offsets, [3, 6]);
    /// ```
    pub fn separator_offsets(&self, out: &mut [u32]) -> usize {
        let mut count = 0;
        scan::<false>(self.raw, self.delimiters.element, 0, out, &mut count);
        count
    }

    /// Where the segment is in the input.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The delimiters this segment was read with.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// The raw segment text, without the terminator.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }
}

impl fmt::Debug for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Segment({:?} @ {})",
            String::from_utf8_lossy(self.raw),
            self.position
        )
    }
}

/// One element (or component, or repetition) of a segment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    raw: &'a [u8],
    delimiters: Delimiters,
}

impl<'a> Element<'a> {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// The text; `""` when the bytes are not UTF-8 (see [`Element::to_str_lossy`]).
    pub fn as_str(&self) -> &'a str {
        std::str::from_utf8(self.raw).unwrap_or("")
    }

    /// The text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.raw)
    }

    /// Whether the element is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Component `n`, 1-based (`SVC01-2` is `element(1).component(2)`).
    /// A simple element is its own component 1. Of a repeated element, this
    /// reads the first repetition.
    pub fn component(&self, n: usize) -> Element<'a> {
        let first = self.repetitions().next().unwrap_or(*self);
        let raw = first
            .raw
            .split(|b| *b == self.delimiters.component)
            .nth(n.saturating_sub(1))
            .filter(|_| n > 0);
        Element {
            raw: raw.unwrap_or_default(),
            delimiters: self.delimiters,
        }
    }

    /// The components, in order (one for a simple element).
    pub fn components(&self) -> impl Iterator<Item = Element<'a>> + 'a {
        let delimiters = self.delimiters;
        self.raw
            .split(move |b| *b == delimiters.component)
            .map(move |raw| Element { raw, delimiters })
    }

    /// The repetitions, in order (one when the element does not repeat, or
    /// when there is no repetition separator).
    pub fn repetitions(&self) -> impl Iterator<Item = Element<'a>> + 'a {
        let delimiters = self.delimiters;
        // With no repetition separator split on the element separator,
        // which cannot occur inside an element: one repetition.
        let sep = delimiters.repetition.unwrap_or(delimiters.element);
        self.raw
            .split(move |b| *b == sep)
            .map(move |raw| Element { raw, delimiters })
    }
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.raw))
    }
}

impl fmt::Display for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str_lossy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(raw: &[u8]) -> Segment<'_> {
        Segment::new(raw, Delimiters::default(), Position::default())
    }

    #[test]
    fn elements_components_repetitions() {
        let s = seg(b"SVC*HC:97530:GO:KX*135*98.5**2*HC:97110~x^HC:97112");
        assert_eq!(s.id(), "SVC");
        assert_eq!(s.element(0).as_str(), "SVC");
        assert_eq!(s.element_count(), 6);
        assert_eq!(s.element(1).component(1).as_str(), "HC");
        assert_eq!(s.element(1).component(4).as_str(), "KX");
        assert_eq!(s.element(1).component(5).as_str(), "");
        assert_eq!(s.element(1).component(0).as_str(), "");
        assert_eq!(s.str(3), "98.5");
        assert!(s.element(4).is_empty());
        assert!(s.element(99).is_empty());
        let reps: Vec<String> = s.element(6).repetitions().map(|e| e.to_string()).collect();
        assert_eq!(reps, ["HC:97110~x", "HC:97112"]);
        let comps: Vec<&str> = s.element(1).components().map(|e| e.as_str()).collect();
        assert_eq!(comps, ["HC", "97530", "GO", "KX"]);
        assert_eq!(s.elements().count(), 6);
    }

    #[test]
    fn non_utf8_is_empty_str_but_lossy_text() {
        let s = seg(b"NM1*QC*1*M\xFCLLER");
        assert_eq!(s.str(3), "");
        assert_eq!(s.element(3).to_str_lossy(), "M\u{FFFD}LLER");
        assert_eq!(s.element(3).as_bytes(), b"M\xFCLLER");
    }

    #[test]
    fn no_repetition_separator() {
        let d = Delimiters {
            repetition: None,
            ..Delimiters::default()
        };
        let s = Segment::new(b"X*a^b", d, Position::default());
        assert_eq!(s.element(1).repetitions().count(), 1);
    }
}
