//! An 835 cut into runs of whole transactions that can be read apart, for
//! [`crate::write_835_json`] on several threads.
//!
//! Transactions (ST..SE) are independent, so each part is read by its own [`Reader`]
//! and [`Core`] over its own slice, with positions counted from the part's start; the
//! caller adds the part's [`Shift`] once the parts before it are read, which gives the
//! positions of the whole input. What needs the whole input in order, the envelope
//! checks, is replayed from each part's [`Env`] log, which keeps only the segments the
//! checker looks at (the rest are counted).
//!
//! A part starts at an ST that the reader of the whole input would also start a
//! segment at: after a segment terminator and whitespace, and a detection window past
//! any ISA. The delimiters must stay those of the first ISA: when a later ISA brings
//! others ([`delimiters_change`]), the input is read in one piece.

use crate::fields::{Ends, Seg, MAX};
use crate::parse835::{Core, Source};
use crate::view::RemitVisitor;
use otbill_x12::{detect, Delimiters, EnvelopeChecker, Finding, Position, Reader, Segment};
use std::ops::Range;

/// How far [`detect`] reads from an ISA: a part never ends closer than this after one,
/// so a part's reader detects what the whole input's reader does.
const ISA_WINDOW: usize = 512;

/// Where the parts of an input start and end.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The first ISA's delimiters, in force to the end.
    pub(crate) delimiters: Delimiters,
    /// `bounds[i]..bounds[i + 1]` is part `i`; the first is 0, the last the input's length.
    pub(crate) bounds: Vec<usize>,
}

impl Plan {
    pub(crate) fn parts(&self) -> usize {
        self.bounds.len().saturating_sub(1)
    }

    pub(crate) fn range(&self, part: usize) -> Range<usize> {
        let at = |i: usize| self.bounds.get(i).copied().unwrap_or_default();
        at(part)..at(part + 1)
    }
}

/// Cuts `input` (decoded) into parts of about `chunk` bytes at transaction starts, or
/// `None` when it cannot be cut (no ISA, a single transaction). It does not look for a
/// later ISA with other delimiters: [`delimiters_change`] does, and if one does, the
/// plan must not be used.
pub(crate) fn plan(input: &[u8], chunk: usize) -> Option<Plan> {
    let detection = detect(input);
    if !detection.has_isa {
        return None;
    }
    let delimiters = detection.delimiters;
    let terminator = delimiters.segment;
    let isa = memchr::memmem::Finder::new(b"ISA");
    let st = [b'S', b'T', delimiters.element];
    let st = memchr::memmem::Finder::new(&st);
    let mut bounds = vec![0];
    let mut from = detection.start.saturating_add(chunk.max(1));
    while let Some(found) = input.get(from..).and_then(|rest| st.find(rest)) {
        let at = from + found;
        from = at + 1;
        if !starts_segment(input, at, terminator) {
            continue;
        }
        // No ISA within a detection window before: its part would end too close to it.
        let window = at.saturating_sub(ISA_WINDOW).max(detection.start);
        let near = |i: usize| window + i;
        let close_isa = at - detection.start < ISA_WINDOW
            || isa
                .find_iter(input.get(window..at).unwrap_or_default())
                .any(|i| starts_segment(input, near(i), terminator));
        if close_isa {
            continue;
        }
        bounds.push(at);
        from = at.saturating_add(chunk.max(1));
    }
    if bounds.len() < 2 {
        return None;
    }
    bounds.push(input.len());
    Some(Plan { delimiters, bounds })
}

/// Whether an ISA after the first brings delimiters other than `delimiters` (then the
/// reader of the whole input changes delimiters there, and parts cut with the first
/// ones would not be its segments).
pub(crate) fn delimiters_change(input: &[u8], delimiters: Delimiters) -> bool {
    let first = detect(input).start;
    memchr::memmem::find_iter(input, b"ISA").any(|at| {
        if at <= first || !starts_segment(input, at, delimiters.segment) {
            return false;
        }
        let later = detect(input.get(at..).unwrap_or_default());
        later.has_isa && later.delimiters != delimiters
    })
}

/// Whether the reader of the whole input starts a segment at `at`: after the segment
/// terminator, with only whitespace between.
fn starts_segment(input: &[u8], at: usize, terminator: u8) -> bool {
    let before = input.get(..at).unwrap_or_default();
    let space = before.iter().rev().take_while(|b| is_space(**b)).count();
    let gap = before.get(before.len() - space..).unwrap_or_default();
    if is_space(terminator) {
        gap.contains(&terminator)
    } else {
        before.len() > space && before.get(before.len() - space - 1) == Some(&terminator)
    }
}

/// As the reader skips between segments.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C)
}

/// What the envelope checker needs of a part's segments, in order.
#[derive(Debug)]
pub(crate) enum Env<'a> {
    /// A segment the checker reads (an envelope segment, or one outside ST..SE).
    Segment(Segment<'a>),
    /// This many segments inside a transaction, which the checker only counts.
    Counted(usize),
}

/// A part as read: counts and findings with positions from the part's start.
#[derive(Debug)]
pub(crate) struct Part<'a> {
    /// Segments read.
    pub(crate) segments: usize,
    /// The line the part's last byte is on (1-based, counted as the reader counts).
    pub(crate) end_line: usize,
    pub(crate) reader_findings: Vec<Finding>,
    pub(crate) core_findings: Vec<Finding>,
    pub(crate) envelope: Vec<Env<'a>>,
}

/// Reads part `range` of `input` as [`crate::visit_835`] reads the whole, handing its
/// claims and remittances to `visitor`. The first part detects the delimiters itself
/// (and reports what detection finds); the others start at an ST with `delimiters`.
pub(crate) fn visit_part<'a, V: RemitVisitor>(
    input: &'a [u8],
    range: Range<usize>,
    first: bool,
    delimiters: Delimiters,
    visitor: &mut V,
) -> Part<'a> {
    let slice = input.get(range).unwrap_or_default();
    let mut reader = match first {
        true => Reader::new(slice),
        false => Reader::with_delimiters(slice, delimiters),
    };
    let mut core = Core::new(Source::Input);
    let mut ends: Ends = [0; MAX];
    let mut envelope = Vec::new();
    let mut in_transaction = false;
    let mut counted = 0;
    let mut last: Option<(Position, usize)> = None;
    while let Some((segment, found)) = reader.next_with_separators(&mut ends) {
        let raw = segment.as_bytes();
        // As `EnvelopeChecker::push` sorts segments (ISA IEA GS GE ST SE).
        let envelope_like = matches!(raw, [b'I' | b'G' | b'S', b'S' | b'E' | b'T', ..]);
        if envelope_like || !in_transaction {
            if counted > 0 {
                envelope.push(Env::Counted(std::mem::take(&mut counted)));
            }
            envelope.push(Env::Segment(segment));
            if envelope_like {
                match id(raw, delimiters.element) {
                    b"ST" => in_transaction = true,
                    b"SE" | b"GE" | b"GS" | b"ISA" | b"IEA" => in_transaction = false,
                    _ => {}
                }
            }
        } else {
            counted += 1;
        }
        last = Some((segment.position(), raw.len()));
        core.push_seg(&Seg::located(&segment, &mut ends, found), slice, visitor);
    }
    if counted > 0 {
        envelope.push(Env::Counted(counted));
    }
    core.finish(slice, visitor);
    let (segments, end_line) = match last {
        Some((position, len)) => {
            let end = position.offset.saturating_add(len);
            let rest = slice.get(end..).unwrap_or_default();
            (position.segment, position.line + line_breaks(rest))
        }
        None => (0, 1),
    };
    Part {
        segments,
        end_line,
        reader_findings: reader.take_findings(),
        core_findings: core.take_findings(),
        envelope,
    }
}

/// A segment's id as the envelope checker reads it: up to the first element separator
/// among the first four bytes.
fn id(raw: &[u8], element: u8) -> &[u8] {
    let end = raw.iter().take(4).position(|b| *b == element).unwrap_or(4);
    raw.get(..end).unwrap_or(raw)
}

/// Line breaks as the reader counts them between segments: LF, or CR not followed by LF.
fn line_breaks(bytes: &[u8]) -> usize {
    let mut n = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            n += 1;
        }
    }
    n
}

/// What turns a part's positions into the whole input's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Shift {
    segment: usize,
    line: usize,
    offset: usize,
}

impl Shift {
    /// The shift of the part after this one, which starts at byte `start`.
    pub(crate) fn next(self, part: &Part<'_>, start: usize) -> Shift {
        Shift {
            segment: self.segment + part.segments,
            // The next part's line 1 is this part's last line.
            line: self.line + part.end_line - 1,
            offset: start,
        }
    }

    pub(crate) fn position(self, p: Position) -> Position {
        Position {
            segment: p.segment + self.segment,
            line: p.line + self.line,
            offset: p.offset + self.offset,
        }
    }

    pub(crate) fn finding(self, mut f: Finding) -> Finding {
        f.position = f.position.map(|p| self.position(p));
        f
    }

    /// Feeds the part's envelope log to `checker`, at the whole input's positions.
    pub(crate) fn replay(
        self,
        envelope: &[Env<'_>],
        delimiters: Delimiters,
        checker: &mut EnvelopeChecker,
    ) {
        // Inside a transaction the checker only counts segments that are not envelope
        // segments, so any such segment stands for them.
        let counted = Segment::new(b"X", delimiters, Position::default());
        for env in envelope {
            match env {
                Env::Segment(segment) => checker.push(&Segment::new(
                    segment.as_bytes(),
                    segment.delimiters(),
                    self.position(segment.position()),
                )),
                Env::Counted(n) => {
                    for _ in 0..*n {
                        checker.push(&counted);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_starts() {
        assert!(starts_segment(b"A~ST*1", 2, b'~'));
        assert!(starts_segment(b"A~\r\n  ST*1", 6, b'~'));
        assert!(!starts_segment(b"A*ST*1", 2, b'~'));
        assert!(!starts_segment(b"A* ST*1", 3, b'~'));
        assert!(!starts_segment(b"ST*1", 0, b'~'));
        assert!(starts_segment(b"A\nST*1", 2, b'\n'));
        assert!(starts_segment(b"A\r\n ST*1", 4, b'\r'));
        assert!(!starts_segment(b"A  ST*1", 3, b'\n'));
    }

    const ISA: &str = "ISA*00*          *00*          *ZZ*P              *ZZ*Q              \
*261128*1530*^*00501*000000001*0*T*:~GS*HP*P*Q*20261128*1530*1*X*005010X221A1~";

    fn transactions(n: usize, sep: &str) -> String {
        let mut s = ISA.replace('~', &format!("~{sep}"));
        for i in 0..n {
            s.push_str(&format!("ST*835*{i}~{sep}BPR*I*5*C*CHK~{sep}"));
            s.push_str(&format!("REF*EV*{}~{sep}", "X".repeat(600)));
            s.push_str(&format!("CLP*A*1*5*5~{sep}SE*5*{i}~{sep}"));
        }
        s + "GE*1*1~IEA*1*000000001~"
    }

    #[test]
    fn parts_start_at_transactions() {
        for sep in ["", "\n", "\r\n  "] {
            let input = transactions(5, sep);
            let plan = plan(input.as_bytes(), 1).map(|p| p.bounds);
            let starts: Vec<usize> = input.match_indices("ST*835").map(|(i, _)| i).collect();
            // The first ST is too close to the ISA to start a part.
            let mut want = vec![0];
            want.extend(&starts[1..]);
            want.push(input.len());
            assert_eq!(plan, Some(want), "{sep:?}");
            let plan = plan_or_none(&input, 2000);
            assert_eq!(plan, Some(vec![0, starts[3], input.len()]), "{sep:?}");
        }
        assert_eq!(plan_or_none(&transactions(1, ""), 1), None);
        assert_eq!(plan_or_none(&transactions(5, "")[3..], 1), None);
        let other = transactions(3, "") + &transactions(2, "").replace('*', "|");
        assert!(plan_or_none(&other, 1).is_some());
        assert!(delimiters_change(other.as_bytes(), Delimiters::default()));
        let same = transactions(3, "") + &transactions(2, "");
        assert!(!delimiters_change(same.as_bytes(), Delimiters::default()));
        let same = transactions(3, "") + &transactions(3, "");
        // Neither interchange's first ST starts a part (too close to its ISA).
        assert_eq!(plan_or_none(&same, 1).map(|b| b.len()), Some(6));
    }

    fn plan_or_none(input: &str, chunk: usize) -> Option<Vec<usize>> {
        plan(input.as_bytes(), chunk).map(|p| p.bounds)
    }

    #[test]
    fn line_breaks_as_the_reader() {
        assert_eq!(line_breaks(b"~\r\n\r\n"), 2);
        assert_eq!(line_breaks(b"\r\r\n\n"), 3);
        assert_eq!(line_breaks(b"~~"), 0);
    }
}
