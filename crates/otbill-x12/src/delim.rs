//! Delimiter detection from the ISA segment, and input decoding (BOM, UTF-16).
//!
//! The ISA is nominally fixed width (separators at bytes 3, 82, 104 and the
//! terminator at 105), but real files do not always pad it. We find its
//! fields by counting 16 element separators instead, which gives the same
//! answer on padded input and still works on unpadded input.

use crate::finding::{Finding, Position};
use std::borrow::Cow;

/// The four X12 delimiters of one interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delimiters {
    /// Element separator (ISA byte 3), usually `*`.
    pub element: u8,
    /// Component element separator (ISA16), usually `:`.
    pub component: u8,
    /// Repetition separator (ISA11, 5010 and later), usually `^`; `None` in 4010.
    pub repetition: Option<u8>,
    /// Segment terminator (the byte after ISA16), usually `~`.
    pub segment: u8,
}

impl Default for Delimiters {
    /// `*`, `:`, `^`, `~`: what most senders use.
    fn default() -> Self {
        Delimiters {
            element: b'*',
            component: b':',
            repetition: Some(b'^'),
            segment: b'~',
        }
    }
}

impl Delimiters {
    /// Whether `byte` is one of the delimiters (so it cannot appear in data).
    pub fn is_delimiter(&self, byte: u8) -> bool {
        byte == self.element
            || byte == self.component
            || byte == self.segment
            || Some(byte) == self.repetition
    }

    /// Whether the delimiters are usable: pairwise distinct and none of them
    /// alphanumeric or a space.
    pub fn is_valid(&self) -> bool {
        let mut all = vec![self.element, self.component, self.segment];
        all.extend(self.repetition);
        let distinct = all
            .iter()
            .enumerate()
            .all(|(i, a)| all.iter().skip(i + 1).all(|b| a != b));
        distinct && all.iter().all(|b| !b.is_ascii_alphanumeric() && *b != b' ')
    }
}

/// What [`detect`] learnt about an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The delimiters to read with (a guess when there is no usable ISA).
    pub delimiters: Delimiters,
    /// Byte offset of the first segment (after a BOM and leading whitespace).
    pub start: usize,
    /// Whether the input starts with an ISA segment.
    pub has_isa: bool,
    /// Problems found while detecting (BOM, UTF-16, unpadded or missing ISA).
    pub findings: Vec<Finding>,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Returns the input as single-byte text: UTF-16 (LE or BE, with or without
/// a BOM) is transcoded to UTF-8; anything else is borrowed unchanged.
///
/// A UTF-8 BOM is left in place: [`detect`] skips it and reports it.
pub fn decode(input: &[u8]) -> Cow<'_, [u8]> {
    match utf16_order(input) {
        Some((little_endian, skip)) => {
            let units = input
                .get(skip..)
                .unwrap_or_default()
                .chunks_exact(2)
                .map(|pair| {
                    let bytes = [pair[0], pair[1]];
                    if little_endian {
                        u16::from_le_bytes(bytes)
                    } else {
                        u16::from_be_bytes(bytes)
                    }
                });
            let text: String = char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            Cow::Owned(text.into_bytes())
        }
        None => Cow::Borrowed(input),
    }
}

/// `Some((little_endian, bom_len))` when the input looks like UTF-16.
fn utf16_order(input: &[u8]) -> Option<(bool, usize)> {
    match input {
        [0xFF, 0xFE, ..] => Some((true, 2)),
        [0xFE, 0xFF, ..] => Some((false, 2)),
        // No BOM: X12 text starts with ASCII, so one byte of each pair is 0.
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some((true, 0)),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some((false, 0)),
        _ => None,
    }
}

pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C)
}

/// Detects the delimiters of `input` from its ISA segment.
///
/// Never fails: without a usable ISA it guesses (`*`, `:`, `~` or newline)
/// and says so in [`Detection::findings`]. Pass input through [`decode`]
/// first if it may be UTF-16.
pub fn detect(input: &[u8]) -> Detection {
    let mut findings = Vec::new();
    let mut start = 0;
    if input.starts_with(UTF8_BOM) {
        start = UTF8_BOM.len();
        findings.push(Finding::info(
            "X12-BOM",
            "input starts with a UTF-8 byte order mark (skipped)",
            None,
        ));
    }
    if utf16_order(input).is_some() {
        findings.push(Finding::error(
            "X12-UTF16",
            "input is UTF-16; transcode it (otbill_x12::decode) before reading",
            None,
        ));
        return Detection {
            delimiters: Delimiters::default(),
            start: input.len(),
            has_isa: false,
            findings,
        };
    }
    while input.get(start).is_some_and(|b| is_space(*b)) {
        start += 1;
    }
    let rest = input.get(start..).unwrap_or_default();
    let pos = Some(Position {
        segment: 1,
        line: 1 + input[..start].iter().filter(|b| **b == b'\n').count(),
        offset: start,
    });
    if rest.starts_with(b"ISA") {
        if let Some(delimiters) = from_isa(rest, pos, &mut findings) {
            return Detection {
                delimiters,
                start,
                has_isa: true,
                findings,
            };
        }
    } else if !rest.is_empty() {
        findings.push(Finding::error(
            "X12-NO-ISA",
            "input does not start with an ISA segment; delimiters were guessed",
            pos,
        ));
    } else {
        findings.push(Finding::error("X12-EMPTY", "input holds no segments", None));
    }
    Detection {
        delimiters: guess(rest),
        start,
        has_isa: false,
        findings,
    }
}

/// Reads the delimiters from an ISA at the start of `isa`.
fn from_isa(isa: &[u8], pos: Option<Position>, findings: &mut Vec<Finding>) -> Option<Delimiters> {
    let Some(&element) = isa.get(3) else {
        findings.push(Finding::error(
            "X12-ISA-SHORT",
            "input ends inside the ISA segment",
            pos,
        ));
        return None;
    };
    if element.is_ascii_alphanumeric() || is_space(element) {
        findings.push(Finding::error(
            "X12-ISA-SEPARATOR",
            format!("ISA element separator {:?} is not usable", element as char),
            pos,
        ));
        return None;
    }
    // Unpadded ISAs are shorter; 512 bytes bounds the search on garbage.
    let window = &isa[..isa.len().min(512)];
    let separators: Vec<usize> = memchr::memchr_iter(element, window).take(16).collect();
    if separators.len() < 16 {
        findings.push(Finding::error(
            "X12-ISA-SHORT",
            format!(
                "ISA has {} of its 16 element separators; delimiters were guessed",
                separators.len()
            ),
            pos,
        ));
        return None;
    }
    let sep16 = separators[15];
    let (Some(&component), Some(&segment)) = (window.get(sep16 + 1), window.get(sep16 + 2)) else {
        findings.push(Finding::error(
            "X12-ISA-SHORT",
            "input ends inside the ISA segment",
            pos,
        ));
        return None;
    };
    // ISA11 is the repetition separator from 5010 on; in 4010 it is `U`.
    let isa11 = &window[separators[10] + 1..separators[11]];
    let repetition = match isa11 {
        [b] if !b.is_ascii_alphanumeric() && !is_space(*b) => Some(*b),
        _ => None,
    };
    let delimiters = Delimiters {
        element,
        component,
        repetition,
        segment,
    };
    if segment.is_ascii_alphanumeric() || segment == b' ' || !delimiters.is_valid() {
        findings.push(Finding::error(
            "X12-ISA-DELIMITERS",
            format!(
                "ISA delimiters are not usable (element {:?}, component {:?}, segment {:?})",
                element as char, component as char, segment as char
            ),
            pos,
        ));
        // Still the best reading of the ISA: keep going with it.
    }
    if sep16 + 2 != 105 {
        findings.push(Finding::warning(
            "X12-ISA-UNPADDED",
            format!(
                "ISA is {} characters long, not 106: fields are not padded to their fixed widths",
                sep16 + 3
            ),
            pos,
        ));
    }
    Some(delimiters)
}

/// Best guess for input without a usable ISA (e.g. a bare ST..SE fragment).
fn guess(rest: &[u8]) -> Delimiters {
    let mut delimiters = Delimiters::default();
    // A segment id is 2 or 3 alphanumerics; the byte after it separates elements.
    let id_len = rest
        .iter()
        .take(3)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if let Some(&b) = rest.get(id_len) {
        if id_len >= 2 && !b.is_ascii_alphanumeric() && !is_space(b) {
            delimiters.element = b;
        }
    }
    let head = &rest[..rest.len().min(4096)];
    if memchr::memchr(b'~', head).is_none() && memchr::memchr(b'\n', head).is_some() {
        delimiters.segment = b'\n';
    }
    if delimiters.element == b':' {
        delimiters.component = b'>';
    }
    if delimiters.element == b'^' || delimiters.element == b'~' {
        delimiters.repetition = None;
    }
    delimiters
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261128*1530*^*00501*000000001*0*T*:~";

    #[test]
    fn padded_isa() {
        assert_eq!(ISA.len(), 106);
        let d = detect(ISA);
        assert_eq!(d.delimiters, Delimiters::default());
        assert!(d.findings.is_empty(), "{:?}", d.findings);
        assert!(d.has_isa);
    }

    #[test]
    fn unpadded_isa_with_bom_and_newline_terminator() {
        let input = b"\xEF\xBB\xBF\r\n  ISA|00| |00| |ZZ|S|ZZ|R|261128|1530|{|00501|1|0|T|>\nGS|HC";
        let d = detect(input);
        assert_eq!(
            d.delimiters,
            Delimiters {
                element: b'|',
                component: b'>',
                repetition: Some(b'{'),
                segment: b'\n'
            }
        );
        assert_eq!(d.start, 7);
        let codes: Vec<_> = d.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["X12-BOM", "X12-ISA-UNPADDED"]);
    }

    #[test]
    fn version_4010_has_no_repetition_separator() {
        let isa = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261128*1530*U*00401*000000001*0*T*:~";
        assert_eq!(detect(isa).delimiters.repetition, None);
    }

    #[test]
    fn utf16_is_transcoded() {
        let utf16: Vec<u8> = ISA.iter().flat_map(|b| [*b, 0]).collect();
        assert_eq!(detect(&utf16).findings[0].code, "X12-UTF16");
        let decoded = decode(&utf16);
        assert_eq!(&decoded[..], ISA);
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(ISA.iter().flat_map(|b| [0, *b]))
            .collect();
        assert_eq!(&decode(&be)[..], ISA);
    }

    #[test]
    fn fragment_without_isa_is_guessed() {
        let d = detect(b"ST*835*1~BPR*I~SE*3*1~");
        assert_eq!(d.delimiters.element, b'*');
        assert_eq!(d.delimiters.segment, b'~');
        assert_eq!(d.findings[0].code, "X12-NO-ISA");
        let d = detect(b"ST|835|1\nSE|2|1\n");
        assert_eq!((d.delimiters.element, d.delimiters.segment), (b'|', b'\n'));
    }

    #[test]
    fn truncated_isa_does_not_panic() {
        for n in 0..ISA.len() {
            let d = detect(&ISA[..n]);
            assert!(n >= 105 || !d.findings.is_empty());
        }
        assert!(!detect(b"").findings.is_empty());
    }
}
