//! [`Seg`]: a segment split into its elements once, for the 835 parser.
//!
//! `Segment::element(n)` rescans the segment on every call and validates
//! UTF-8 per element; the parser reads most elements of most segments, so
//! one pass and one UTF-8 check per segment are much cheaper.

use crate::text::Text;
use otbill_x12::{Delimiters, Position, Segment};

/// Elements kept per segment (835 segments have at most 24 in use).
const MAX: usize = 32;

/// A segment with its elements located.
pub(crate) struct Seg<'a> {
    raw: &'a [u8],
    /// The whole segment as text, when it is UTF-8 (nearly always).
    whole: Option<&'a str>,
    /// End offset of each element; element `n` starts after `ends[n - 1]`.
    ends: [u32; MAX],
    count: usize,
    delimiters: Delimiters,
    position: Position,
}

impl<'a> Seg<'a> {
    pub(crate) fn new(segment: &Segment<'a>) -> Seg<'a> {
        let raw = segment.as_bytes();
        let delimiters = segment.delimiters();
        let mut ends = [0u32; MAX];
        let mut count = 0;
        // A plain loop beats memchr on segments this short.
        for (i, b) in raw.iter().enumerate() {
            if *b == delimiters.element {
                if let Some(slot) = ends.get_mut(count) {
                    *slot = i as u32;
                    count += 1;
                }
            }
        }
        if let Some(slot) = ends.get_mut(count) {
            *slot = raw.len() as u32;
            count += 1;
        }
        Seg {
            raw,
            whole: std::str::from_utf8(raw).ok(),
            ends,
            count,
            delimiters,
            position: segment.position(),
        }
    }

    fn range(&self, n: usize) -> Option<std::ops::Range<usize>> {
        if n >= self.count {
            return None;
        }
        let start = match n {
            0 => 0,
            _ => *self.ends.get(n - 1)? as usize + 1,
        };
        Some(start..*self.ends.get(n)? as usize)
    }

    fn bytes(&self, n: usize) -> &'a [u8] {
        self.range(n)
            .and_then(|r| self.raw.get(r))
            .unwrap_or_default()
    }

    pub(crate) fn id(&self) -> &'a str {
        self.str(0)
    }

    pub(crate) fn position(&self) -> Position {
        self.position
    }

    /// Element `n` (0 is the id) as text: `""` when missing or not UTF-8.
    pub(crate) fn str(&self, n: usize) -> &'a str {
        let Some(range) = self.range(n) else {
            return "";
        };
        match self.whole {
            // Slicing the validated segment needs no second UTF-8 check.
            Some(text) => text.get(range).unwrap_or(""),
            None => std::str::from_utf8(self.raw.get(range).unwrap_or_default()).unwrap_or(""),
        }
    }

    pub(crate) fn is_empty(&self, n: usize) -> bool {
        self.range(n).is_none_or(|r| r.is_empty())
    }

    /// Element `n` as owned text (invalid UTF-8 replaced).
    pub(crate) fn text(&self, n: usize) -> Text {
        let s = self.str(n);
        if !s.is_empty() || self.is_empty(n) {
            return Text::from(s);
        }
        Text::from(String::from_utf8_lossy(self.bytes(n)).as_ref())
    }

    /// The components of element `n` (first repetition).
    pub(crate) fn components(&self, n: usize) -> impl Iterator<Item = Text> + 'a {
        let mut raw = self.bytes(n);
        if let Some(rep) = self.delimiters.repetition {
            if let Some(end) = raw.iter().position(|b| *b == rep) {
                raw = raw.get(..end).unwrap_or_default();
            }
        }
        let component = self.delimiters.component;
        raw.split(move |b| *b == component)
            .map(|part| Text::from(String::from_utf8_lossy(part).as_ref()))
    }
}
