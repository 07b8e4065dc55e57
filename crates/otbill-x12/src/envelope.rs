//! Envelope checks: ISA/IEA, GS/GE, ST/SE control numbers and counts.
//!
//! [`EnvelopeChecker`] is fed one segment at a time, so it works with both
//! readers and keeps memory bounded (it remembers only the open envelopes
//! and recent control numbers).

use crate::delim::decode;
use crate::finding::{Finding, Position};
use crate::reader::Reader;
use crate::segment::Segment;
use std::collections::HashSet;

/// The segment id as bytes, without `Segment::id`'s memchr and UTF-8 check
/// (ids are two or three bytes).
fn id_bytes<'a>(segment: &Segment<'a>) -> &'a [u8] {
    let raw = segment.as_bytes();
    let sep = segment.delimiters().element;
    let end = raw.iter().take(4).position(|b| *b == sep).unwrap_or(4);
    raw.get(..end).unwrap_or(raw)
}

/// Caps the ST02/ISA13 sets used for duplicate detection.
const MAX_REMEMBERED: usize = 100_000;

#[derive(Debug)]
struct Open {
    control: String,
    position: Position,
    /// Groups in an interchange, transactions in a group, segments in a transaction.
    count: usize,
}

/// Checks envelope structure, control numbers and counts, segment by segment.
///
/// ```
/// use otbill_x12::{EnvelopeChecker, Reader};
///
/// let input = b"ST*835*0001~BPR*I~SE*4*0002~";
/// let mut checker = EnvelopeChecker::default();
/// for segment in Reader::new(input) {
///     checker.push(&segment);
/// }
/// let codes: Vec<_> = checker.finish().iter().map(|f| f.code).collect();
/// assert_eq!(codes, ["X12-ST-OUTSIDE-GS", "X12-SE01-COUNT", "X12-SE02-CONTROL"]);
/// ```
#[derive(Debug, Default)]
pub struct EnvelopeChecker {
    interchange: Option<Open>,
    group: Option<Open>,
    transaction: Option<Open>,
    isa13_seen: HashSet<String>,
    st02_seen: HashSet<String>,
    findings: Vec<Finding>,
}

impl EnvelopeChecker {
    /// Checks one segment, in input order.
    #[inline]
    pub fn push(&mut self, segment: &Segment<'_>) {
        if let Some(st) = &mut self.transaction {
            st.count += 1;
            // Hot path, inlined: inside a transaction only the envelope
            // segments matter (ISA IEA GS GE ST SE: I, G or S, then S, E or T).
            if !matches!(
                segment.as_bytes(),
                [b'I' | b'G' | b'S', b'S' | b'E' | b'T', ..]
            ) {
                return;
            }
        }
        self.envelope(segment);
    }

    /// Everything but the hot path of [`EnvelopeChecker::push`].
    #[inline(never)]
    fn envelope(&mut self, segment: &Segment<'_>) {
        let pos = Some(segment.position());
        match id_bytes(segment) {
            b"ISA" => self.isa(segment),
            b"IEA" => self.iea(segment),
            b"GS" => self.gs(segment),
            b"GE" => self.ge(segment),
            b"ST" => self.st(segment),
            b"SE" => self.se(segment),
            // An interchange acknowledgment sits between ISA and IEA.
            b"TA1" if self.group.is_none() => {}
            _ => {
                if self.transaction.is_none() {
                    let id = segment.id();
                    self.findings.push(Finding::error(
                        "X12-OUTSIDE-ST",
                        format!("segment {id:?} is outside any ST..SE transaction"),
                        pos,
                    ));
                }
            }
        }
    }

    /// Reports envelopes left open, and returns every finding.
    pub fn finish(mut self) -> Vec<Finding> {
        self.close_transaction("end of input");
        self.close_group("end of input");
        if let Some(isa) = self.interchange.take() {
            self.findings.push(Finding::error(
                "X12-IEA-MISSING",
                format!("interchange {} is not closed by an IEA", isa.control),
                Some(isa.position),
            ));
        }
        self.findings
    }

    fn isa(&mut self, segment: &Segment<'_>) {
        let pos = Some(segment.position());
        self.close_transaction("the next ISA");
        self.close_group("the next ISA");
        if let Some(prev) = self.interchange.take() {
            self.findings.push(Finding::error(
                "X12-IEA-MISSING",
                format!("interchange {} is not closed by an IEA", prev.control),
                Some(prev.position),
            ));
        }
        if segment.element_count() != 16 {
            self.findings.push(Finding::error(
                "X12-ISA-ELEMENTS",
                format!("ISA has {} elements, not 16", segment.element_count()),
                pos,
            ));
        }
        let control = segment.str(13).trim().to_string();
        if control.len() != 9 || !control.bytes().all(|b| b.is_ascii_digit()) {
            self.findings.push(Finding::error(
                "X12-ISA13-FORMAT",
                format!("ISA13 {control:?} is not a 9-digit control number"),
                pos,
            ));
        }
        if self.isa13_seen.len() < MAX_REMEMBERED && !self.isa13_seen.insert(control.clone()) {
            self.findings.push(Finding::warning(
                "X12-ISA13-DUPLICATE",
                format!("interchange control number {control} is used twice in this input"),
                pos,
            ));
        }
        self.interchange = Some(Open {
            control,
            position: segment.position(),
            count: 0,
        });
    }

    fn iea(&mut self, segment: &Segment<'_>) {
        let pos = Some(segment.position());
        self.close_transaction("IEA");
        self.close_group("IEA");
        let Some(isa) = self.interchange.take() else {
            self.findings.push(Finding::error(
                "X12-IEA-UNEXPECTED",
                "IEA without an ISA",
                pos,
            ));
            return;
        };
        self.check_count(
            "X12-IEA01-COUNT",
            "IEA01",
            "functional groups",
            segment.str(1),
            isa.count,
            pos,
        );
        self.check_control(
            "X12-IEA02-CONTROL",
            "IEA02",
            "ISA13",
            segment.str(2),
            &isa.control,
            pos,
        );
    }

    fn gs(&mut self, segment: &Segment<'_>) {
        let pos = Some(segment.position());
        self.close_transaction("the next GS");
        self.close_group("the next GS");
        match &mut self.interchange {
            Some(isa) => isa.count += 1,
            None => self.findings.push(Finding::error(
                "X12-GS-OUTSIDE-ISA",
                "GS is not inside an ISA..IEA interchange",
                pos,
            )),
        }
        self.st02_seen.clear();
        self.group = Some(Open {
            control: segment.str(6).trim().to_string(),
            position: segment.position(),
            count: 0,
        });
    }

    fn ge(&mut self, segment: &Segment<'_>) {
        let pos = Some(segment.position());
        self.close_transaction("GE");
        let Some(gs) = self.group.take() else {
            self.findings
                .push(Finding::error("X12-GE-UNEXPECTED", "GE without a GS", pos));
            return;
        };
        self.check_count(
            "X12-GE01-COUNT",
            "GE01",
            "transaction sets",
            segment.str(1),
            gs.count,
            pos,
        );
        self.check_control(
            "X12-GE02-CONTROL",
            "GE02",
            "GS06",
            segment.str(2),
            &gs.control,
            pos,
        );
    }

    fn st(&mut self, segment: &Segment<'_>) {
        let pos = Some(segment.position());
        // `push` counted this ST into the previous, unclosed transaction.
        if let Some(st) = &mut self.transaction {
            st.count -= 1;
        }
        self.close_transaction("the next ST");
        match &mut self.group {
            Some(gs) => gs.count += 1,
            None => self.findings.push(Finding::error(
                "X12-ST-OUTSIDE-GS",
                "ST is not inside a GS..GE functional group",
                pos,
            )),
        }
        let control = segment.str(2).trim().to_string();
        if self.st02_seen.len() < MAX_REMEMBERED && !self.st02_seen.insert(control.clone()) {
            self.findings.push(Finding::warning(
                "X12-ST02-DUPLICATE",
                format!("transaction control number {control} is used twice in this group"),
                pos,
            ));
        }
        self.transaction = Some(Open {
            control,
            position: segment.position(),
            count: 1,
        });
    }

    fn se(&mut self, segment: &Segment<'_>) {
        let pos = Some(segment.position());
        let Some(st) = self.transaction.take() else {
            self.findings
                .push(Finding::error("X12-SE-UNEXPECTED", "SE without an ST", pos));
            return;
        };
        self.check_count(
            "X12-SE01-COUNT",
            "SE01",
            "segments from ST to SE",
            segment.str(1),
            st.count,
            pos,
        );
        self.check_control(
            "X12-SE02-CONTROL",
            "SE02",
            "ST02",
            segment.str(2),
            &st.control,
            pos,
        );
    }

    fn close_transaction(&mut self, by: &str) {
        if let Some(st) = self.transaction.take() {
            self.findings.push(Finding::error(
                "X12-SE-MISSING",
                format!(
                    "transaction {} is not closed by an SE before {by}",
                    st.control
                ),
                Some(st.position),
            ));
        }
    }

    fn close_group(&mut self, by: &str) {
        if let Some(gs) = self.group.take() {
            self.findings.push(Finding::error(
                "X12-GE-MISSING",
                format!(
                    "functional group {} is not closed by a GE before {by}",
                    gs.control
                ),
                Some(gs.position),
            ));
        }
    }

    fn check_count(
        &mut self,
        code: &'static str,
        element: &str,
        what: &str,
        value: &str,
        actual: usize,
        pos: Option<Position>,
    ) {
        if value.trim().parse::<usize>().ok() != Some(actual) {
            self.findings.push(Finding::error(
                code,
                format!("{element} says {value:?} {what}, counted {actual}"),
                pos,
            ));
        }
    }

    fn check_control(
        &mut self,
        code: &'static str,
        element: &str,
        header: &str,
        value: &str,
        expected: &str,
        pos: Option<Position>,
    ) {
        if value.trim() != expected {
            self.findings.push(Finding::error(
                code,
                format!("{element} {value:?} does not match {header} {expected:?}"),
                pos,
            ));
        }
    }
}

/// Reads all of `input` (BOM and UTF-16 handled) and returns every reading
/// and envelope finding, in input order.
pub fn check(input: &[u8]) -> Vec<Finding> {
    let input = decode(input);
    let mut reader = Reader::new(&input);
    let mut checker = EnvelopeChecker::default();
    for segment in reader.by_ref() {
        checker.push(&segment);
    }
    let mut findings = reader.take_findings();
    findings.extend(checker.finish());
    findings.sort_by_key(|f| f.position.map_or(0, |p| p.segment));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261128*1530*^*00501*000000001*0*T*:~";

    fn codes(input: &str) -> Vec<&'static str> {
        check(input.as_bytes()).iter().map(|f| f.code).collect()
    }

    #[test]
    fn clean_interchange() {
        let input = format!(
            "{ISA}GS*HC*S*R*20261128*1530*7*X*005010X222A1~ST*837*0001~BHT*1~SE*3*0001~\
             ST*837*0002~SE*2*0002~GE*2*7~IEA*1*000000001~"
        );
        assert_eq!(codes(&input), Vec::<&str>::new());
    }

    #[test]
    fn every_count_and_control_mismatch() {
        let input = format!(
            "{ISA}GS*HC*S*R*20261128*1530*7~ST*837*0001~BHT*1~SE*4*0009~GE*2*8~IEA*2*000000002~"
        );
        assert_eq!(
            codes(&input),
            [
                "X12-SE01-COUNT",
                "X12-SE02-CONTROL",
                "X12-GE01-COUNT",
                "X12-GE02-CONTROL",
                "X12-IEA01-COUNT",
                "X12-IEA02-CONTROL"
            ]
        );
    }

    #[test]
    fn missing_trailers_and_duplicates() {
        let input = format!("{ISA}GS*HC*S*R*20261128*1530*7~ST*837*1~ST*837*1~SE*2*1~{ISA}");
        assert_eq!(
            codes(&input),
            [
                "X12-IEA-MISSING",
                "X12-GE-MISSING",
                "X12-SE-MISSING",
                "X12-ST02-DUPLICATE",
                "X12-ISA13-DUPLICATE",
                "X12-IEA-MISSING"
            ]
        );
    }

    #[test]
    fn stray_segments() {
        assert_eq!(
            codes("SE*1*1~GE*0*1~IEA*0*1~NM1*X~"),
            [
                "X12-NO-ISA",
                "X12-SE-UNEXPECTED",
                "X12-GE-UNEXPECTED",
                "X12-IEA-UNEXPECTED",
                "X12-OUTSIDE-ST"
            ]
        );
    }

    #[test]
    fn ta1_inside_interchange_is_fine() {
        let input = format!("{ISA}TA1*000000001*261128*1530*A*000~IEA*0*000000001~");
        assert_eq!(codes(&input), Vec::<&str>::new());
    }
}
