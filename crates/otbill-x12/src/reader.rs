//! The segment tokenizer, and [`Reader`]: segments out of a byte slice.
//!
//! One `memchr` for the terminator per segment (or one pass that also
//! locates the element separators, [`Reader::next_with_separators`]), then a
//! whitespace skip (for pretty-printed files and CR/LF after terminators).
//! Both [`Reader`] and [`crate::StreamReader`] drive the same [`Tokenizer`].

use crate::delim::{detect, is_space, Delimiters};
use crate::finding::{Finding, Position};
use crate::scan::scan;
use crate::segment::Segment;

/// What the tokenizer found in the buffered bytes.
pub(crate) enum Step {
    /// A segment at `buf[start..end]`; continue at `next`.
    Segment {
        start: usize,
        end: usize,
        position: Position,
    },
    /// The buffered bytes end inside a segment: read more, then call again.
    NeedMore,
    /// Nothing but whitespace is left.
    Done,
}

/// Tokenizer state that survives buffer refills.
#[derive(Debug)]
pub(crate) struct Tokenizer {
    pub(crate) delimiters: Delimiters,
    /// Byte offset of `buf[0]` in the whole input.
    pub(crate) base: usize,
    line: usize,
    segments: usize,
    pub(crate) findings: Vec<Finding>,
}

impl Tokenizer {
    pub(crate) fn new(delimiters: Delimiters, findings: Vec<Finding>) -> Tokenizer {
        Tokenizer {
            delimiters,
            base: 0,
            line: 1,
            segments: 0,
            findings,
        }
    }

    /// Counts line breaks in `bytes` (LF, or a CR not followed by LF).
    fn count_lines(&mut self, bytes: &[u8], after: Option<u8>) {
        if bytes.is_empty() || memchr::memchr2(b'\n', b'\r', bytes).is_none() {
            return;
        }
        for (i, b) in bytes.iter().enumerate() {
            let next = bytes.get(i + 1).copied().or(after);
            if *b == b'\n' || (*b == b'\r' && next != Some(b'\n')) {
                self.line += 1;
            }
        }
    }

    /// Finds the next segment in `buf[*pos..]` and advances `*pos` past it.
    /// With `eof`, a final segment without a terminator is returned too.
    pub(crate) fn step(&mut self, buf: &[u8], pos: &mut usize, eof: bool) -> Step {
        self.step_with(buf, pos, eof, |rest, d| memchr::memchr(d.segment, rest))
    }

    /// [`Tokenizer::step`] with the terminator search given as `find`
    /// (offset of the terminator in `rest`), so a caller can split the
    /// elements in the same pass.
    #[inline]
    pub(crate) fn step_with(
        &mut self,
        buf: &[u8],
        pos: &mut usize,
        eof: bool,
        mut find: impl FnMut(&[u8], Delimiters) -> Option<usize>,
    ) -> Step {
        loop {
            let mut start = *pos;
            while buf.get(start).is_some_and(|b| is_space(*b)) {
                start += 1;
            }
            if start >= buf.len() {
                if !eof {
                    // Keep the whitespace: a CR at the end may pair with a LF.
                    return Step::NeedMore;
                }
                self.count_lines(&buf[*pos..], None);
                *pos = buf.len();
                return Step::Done;
            }
            let rest = &buf[start..];
            // A later ISA may bring other delimiters: re-detect from it.
            if rest.first() == Some(&b'I') && rest.starts_with(b"ISA") && self.segments > 0 {
                if !eof && rest.len() < 512 {
                    return Step::NeedMore;
                }
                let found = detect(rest);
                if found.has_isa && found.delimiters != self.delimiters {
                    self.delimiters = found.delimiters;
                }
            }
            let (end, next) = match find(rest, self.delimiters) {
                Some(len) => (start + len, start + len + 1),
                None if eof => (buf.len(), buf.len()),
                None => return Step::NeedMore,
            };
            // A LF right after a CR terminator is only known once buffered.
            if !eof && next == buf.len() && self.delimiters.segment == b'\r' {
                return Step::NeedMore;
            }
            if start > *pos {
                self.count_lines(&buf[*pos..start], buf.get(start).copied());
            }
            let position = Position {
                segment: self.segments + 1,
                line: self.line,
                offset: self.base + start,
            };
            if end < next && matches!(self.delimiters.segment, b'\n' | b'\r') {
                self.count_lines(&buf[end..next], buf.get(next).copied());
            }
            *pos = next;
            if end == start {
                self.findings.push(Finding::warning(
                    "X12-EMPTY-SEGMENT",
                    "empty segment (two terminators in a row) skipped",
                    Some(position),
                ));
                continue;
            }
            self.segments += 1;
            if next == end && next == buf.len() {
                self.findings.push(Finding::error(
                    "X12-UNTERMINATED",
                    "the last segment has no segment terminator",
                    Some(position),
                ));
            }
            return Step::Segment {
                start,
                end,
                position,
            };
        }
    }
}

/// Iterator over the segments of a byte slice, borrowing from it.
///
/// Detects the delimiters from the ISA (see [`crate::detect`]); pass UTF-16
/// input through [`crate::decode`] first. Problems met while reading
/// (missing ISA, no terminator on the last segment, empty segments) are
/// collected in [`Reader::findings`]: the iterator itself never fails.
#[derive(Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    has_isa: bool,
    tokenizer: Tokenizer,
}

impl<'a> Reader<'a> {
    /// A reader over `input`, with delimiters detected from its ISA.
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        let detection = detect(input);
        Reader {
            input,
            pos: detection.start,
            has_isa: detection.has_isa,
            tokenizer: Tokenizer::new(detection.delimiters, detection.findings),
        }
    }

    /// A reader over `input` with known delimiters and no detection.
    pub fn with_delimiters(input: &'a [u8], delimiters: Delimiters) -> Reader<'a> {
        Reader {
            input,
            pos: 0,
            has_isa: input.starts_with(b"ISA"),
            tokenizer: Tokenizer::new(delimiters, Vec::new()),
        }
    }

    /// The delimiters in use (they change if a later ISA brings new ones).
    pub fn delimiters(&self) -> Delimiters {
        self.tokenizer.delimiters
    }

    /// Whether the input starts with an ISA segment.
    pub fn has_isa(&self) -> bool {
        self.has_isa
    }

    /// Problems found so far while reading.
    pub fn findings(&self) -> &[Finding] {
        &self.tokenizer.findings
    }

    /// Takes the findings collected so far, leaving none.
    pub fn take_findings(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.tokenizer.findings)
    }

    /// The next segment, like [`Iterator::next`], with its element
    /// separators located in the same pass: the offsets (in
    /// [`Segment::as_bytes`]) of the first `separators.len()` go into
    /// `separators`, and the count of all of them comes back with the segment
    /// (what [`Segment::separator_offsets`] gives, without a second scan).
    ///
    /// ```
    /// let mut reader = otbill_x12::Reader::new(b"ST*835*1~SE*2*1~");
    /// let mut offsets = [0; 4];
    /// let (st, n) = reader.next_with_separators(&mut offsets).unwrap();
    /// assert_eq!((st.as_bytes(), n, &offsets[..n]), (&b"ST*835*1"[..], 2, &[2, 6][..]));
    /// ```
    #[inline]
    pub fn next_with_separators(&mut self, separators: &mut [u32]) -> Option<(Segment<'a>, usize)> {
        let mut count = 0;
        let step = self
            .tokenizer
            .step_with(self.input, &mut self.pos, true, |rest, d| {
                count = 0;
                scan::<true>(rest, d.element, d.segment, separators, &mut count)
            });
        match step {
            Step::Segment {
                start,
                end,
                position,
            } => Some((
                Segment::new(
                    self.input.get(start..end).unwrap_or_default(),
                    self.tokenizer.delimiters,
                    position,
                ),
                count,
            )),
            Step::NeedMore | Step::Done => None,
        }
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        match self.tokenizer.step(self.input, &mut self.pos, true) {
            Step::Segment {
                start,
                end,
                position,
            } => Some(Segment::new(
                &self.input[start..end],
                self.tokenizer.delimiters,
                position,
            )),
            Step::NeedMore | Step::Done => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(input: &[u8]) -> Vec<(String, usize, usize)> {
        Reader::new(input)
            .map(|s| (s.id().to_string(), s.position().segment, s.position().line))
            .collect()
    }

    const ISA: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261128*1530*^*00501*000000001*0*T*:~";

    #[test]
    fn one_line() {
        let input = format!("{ISA}GS*HC~ST*837*1~SE*2*1~");
        let got = ids(input.as_bytes());
        assert_eq!(got.len(), 4);
        assert_eq!(got[3], ("SE".to_string(), 4, 1));
    }

    #[test]
    fn pretty_printed_crlf_with_indent() {
        let input = format!("\u{feff}{ISA}\r\n  GS*HC~\r\n    ST*837*1~\r\n\r\n\tSE*2*1~\r\n");
        let got = ids(input.as_bytes());
        let lines: Vec<usize> = got.iter().map(|g| g.2).collect();
        assert_eq!(lines, [1, 2, 3, 5]);
        assert_eq!(got[2].0, "ST");
    }

    #[test]
    fn newline_and_cr_terminators() {
        let lf = ISA.replace('~', "\n") + "GS*HC\nST*837*1\nSE*2*1\n";
        let got = ids(lf.as_bytes());
        assert_eq!(got.len(), 4);
        assert_eq!(got[3], ("SE".to_string(), 4, 4));
        let cr = ISA.replace('~', "\r") + "GS*HC\rST*837*1\rSE*2*1\r";
        let got = ids(cr.as_bytes());
        assert_eq!(got[3], ("SE".to_string(), 4, 4));
    }

    #[test]
    fn unterminated_and_empty_segments_are_findings() {
        let input = format!("{ISA}GS*HC~~ST*837*1~SE*2*1");
        let mut reader = Reader::new(input.as_bytes());
        let segments: Vec<_> = reader.by_ref().map(|s| s.as_bytes().to_vec()).collect();
        assert_eq!(segments.last().map(Vec::as_slice), Some(&b"SE*2*1"[..]));
        let codes: Vec<_> = reader.findings().iter().map(|f| f.code).collect();
        assert_eq!(codes, ["X12-EMPTY-SEGMENT", "X12-UNTERMINATED"]);
    }

    #[test]
    fn later_isa_with_other_delimiters() {
        let second = ISA.replace('*', "|").replace('~', "\n");
        let input = format!("{ISA}IEA*0*000000001~{second}GS|HC\nIEA|1|000000001\n");
        let got = ids(input.as_bytes());
        let names: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(names, ["ISA", "IEA", "ISA", "GS", "IEA"]);
    }

    #[test]
    fn next_with_separators_matches_next() {
        let lf = ISA.replace('~', "\n") + "GS*HC\nST*837*1\n\nSE*2*1";
        let pipes = ISA.replace('*', "|").replace('~', "\r\n");
        let long = format!("{ISA}NM1{}~REF*1~~", "*x".repeat(40));
        let inputs = [
            format!("\u{feff}{ISA}\r\n  GS*HC~\r\n    ST*837*1~\r\n\r\n\tSE*2*1~\r\n"),
            lf,
            format!("{ISA}IEA*0*000000001~{pipes}GS|HC|x*y\r\nIEA|1\r\n"),
            long,
            "SE*1*1~GE~~IEA*0".to_string(),
        ];
        for input in inputs {
            let mut plain = Reader::new(input.as_bytes());
            let mut split = Reader::new(input.as_bytes());
            let mut offsets = [0; 32];
            loop {
                let (a, b) = (plain.next(), split.next_with_separators(&mut offsets));
                let Some((b, n)) = b else {
                    assert_eq!(a, None);
                    break;
                };
                assert_eq!(a, Some(b));
                let want: Vec<u32> = b
                    .as_bytes()
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c == b.delimiters().element)
                    .map(|(i, _)| i as u32)
                    .collect();
                assert_eq!(n, want.len());
                assert_eq!(offsets[..n.min(32)], want[..n.min(32)]);
            }
            assert_eq!(plain.findings(), split.findings());
        }
    }

    #[test]
    fn positions_are_offsets() {
        let input = format!("{ISA}GS*HC~");
        let segs: Vec<_> = Reader::new(input.as_bytes()).collect();
        assert_eq!(segs[1].position().offset, 106);
    }
}
