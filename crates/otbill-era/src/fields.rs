//! [`Seg`]: a segment split into its elements once, for the 835 parser.
//!
//! `Segment::element(n)` rescans the segment on every call and validates
//! UTF-8 per element; the parser reads most elements of most segments, so
//! one pass is much cheaper (for a whole input, the reader's own pass:
//! `Reader::next_with_separators`). Elements stay bytes: ids and qualifiers
//! are compared as bytes, amounts parsed from bytes, and only the text that
//! is kept is checked (ASCII fast path in [`Text::from_bytes`]).

use crate::text::Text;
use otbill_x12::{Position, Segment};

/// Elements kept per segment (835 segments have at most 24 in use).
pub(crate) const MAX: usize = 32;

/// Separator offsets buffer for [`Seg`]: one per element kept.
pub(crate) type Ends = [u32; MAX];

/// A segment with its elements located.
pub(crate) struct Seg<'a> {
    raw: &'a [u8],
    /// End offset of each element; element `n` starts after `ends[n - 1]`.
    ends: &'a [u32],
    component: u8,
    repetition: Option<u8>,
    position: Position,
}

impl<'a> Seg<'a> {
    /// Splits `segment`, with `buf` to hold the element ends.
    pub(crate) fn new(segment: &Segment<'a>, buf: &'a mut Ends) -> Seg<'a> {
        let found = segment.separator_offsets(buf);
        Seg::located(segment, buf, found)
    }

    /// A segment whose first separators' offsets are already in `ends`
    /// (`found` of them in all, as from `Reader::next_with_separators`).
    #[inline]
    pub(crate) fn located(segment: &Segment<'a>, ends: &'a mut Ends, found: usize) -> Seg<'a> {
        let raw = segment.as_bytes();
        let mut count = found.min(MAX);
        // The last element ends with the segment (unless it is past `MAX`).
        if let Some(end) = ends.get_mut(count) {
            *end = raw.len() as u32;
            count += 1;
        }
        let delimiters = segment.delimiters();
        Seg {
            raw,
            ends: ends.get(..count).unwrap_or_default(),
            component: delimiters.component,
            repetition: delimiters.repetition,
            position: segment.position(),
        }
    }

    /// Element `n` (0 is the id) as bytes; empty when missing.
    #[inline]
    pub(crate) fn bytes(&self, n: usize) -> &'a [u8] {
        let (start, end) = self.range(n);
        self.raw.get(start..end).unwrap_or_default()
    }

    /// Where element `n` lies in [`Seg::raw`]; `(0, 0)` when missing.
    #[inline]
    pub(crate) fn range(&self, n: usize) -> (usize, usize) {
        let Some(&end) = self.ends.get(n) else {
            return (0, 0);
        };
        let start = match n.checked_sub(1).and_then(|p| self.ends.get(p)) {
            Some(&prev) => prev as usize + 1,
            None => 0,
        };
        (start, end as usize)
    }

    /// The whole segment, without its terminator.
    pub(crate) fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Ranges in [`Seg::raw`] of the first `N` components of element `n`
    /// (first repetition), and how many there are (at most `N`).
    pub(crate) fn component_ranges<const N: usize>(
        &self,
        n: usize,
    ) -> ([(usize, usize); N], usize) {
        let mut out = [(0, 0); N];
        let (start, end) = self.range(n);
        let element = self.raw.get(start..end).unwrap_or_default();
        let mut count = 0;
        let mut from = start;
        for (i, b) in element.iter().enumerate() {
            if Some(*b) == self.repetition {
                break;
            }
            if *b == self.component {
                if let Some(slot) = out.get_mut(count) {
                    *slot = (from, start + i);
                }
                count += 1;
                from = start + i + 1;
            }
        }
        let stop = element
            .iter()
            .position(|b| Some(*b) == self.repetition)
            .map_or(end, |p| start + p);
        if let Some(slot) = out.get_mut(count) {
            *slot = (from, stop);
        }
        count += 1;
        (out, count.min(N))
    }

    pub(crate) fn id(&self) -> &'a [u8] {
        self.bytes(0)
    }

    pub(crate) fn position(&self) -> Position {
        self.position
    }

    /// Element `n` as text for messages: `""` when not UTF-8.
    pub(crate) fn str(&self, n: usize) -> &'a str {
        std::str::from_utf8(self.bytes(n)).unwrap_or("")
    }

    /// Number of elements, the id included.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn is_empty(&self, n: usize) -> bool {
        self.bytes(n).is_empty()
    }

    /// Element `n` as owned text (invalid UTF-8 replaced).
    pub(crate) fn text(&self, n: usize) -> Text {
        Text::from_bytes(self.bytes(n))
    }

    /// The components of element `n` (first repetition).
    pub(crate) fn components(&self, n: usize) -> impl Iterator<Item = &'a [u8]> + Clone + 'a {
        let mut raw = self.bytes(n);
        if let Some(rep) = self.repetition {
            if let Some(end) = raw.iter().position(|b| *b == rep) {
                raw = raw.get(..end).unwrap_or_default();
            }
        }
        let component = self.component;
        raw.split(move |b| *b == component)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otbill_x12::Delimiters;

    fn ends(raw: &[u8]) -> Vec<Vec<u8>> {
        let segment = Segment::new(raw, Delimiters::default(), Position::default());
        let mut buf = [0; MAX];
        let seg = Seg::new(&segment, &mut buf);
        (0..seg.len()).map(|n| seg.bytes(n).to_vec()).collect()
    }

    #[test]
    fn splits_like_slice_split() {
        for raw in [
            &b"SVC*HC:97530:GO*135*90**2"[..],
            b"CAS*CO*45*35",
            b"LX",
            b"",
            b"*",
            b"********",
            b"AB*+*++*\x80\xff*\x2a+*x",
            b"0123456*",
            b"01234567*89",
        ] {
            let want: Vec<Vec<u8>> = raw.split(|b| *b == b'*').map(<[u8]>::to_vec).collect();
            assert_eq!(ends(raw), want, "{raw:?}");
        }
        let long = [b'*'; 40];
        assert_eq!(ends(&long).len(), MAX);
        let segment = Segment::new(
            b"SVC*HC:97530::GO^X:Y*1",
            Delimiters::default(),
            Position::default(),
        );
        let mut buf = [0; MAX];
        let seg = Seg::new(&segment, &mut buf);
        let (ranges, n) = seg.component_ranges::<6>(1);
        let parts: Vec<&[u8]> = ranges[..n]
            .iter()
            .map(|(s, e)| &seg.raw()[*s..*e])
            .collect();
        let want: Vec<&[u8]> = seg.components(1).collect();
        assert_eq!(parts, want);
        assert_eq!(seg.component_ranges::<2>(1).1, 2);
        assert_eq!(ends(&long).len(), MAX);
    }
}
