//! 999 implementation acknowledgments (005010X231A1) into per-transaction
//! accepted/rejected results with the reported segment and element errors.

use otbill_x12::{decode, EnvelopeChecker, Finding, Reader, Segment};
use serde::Serialize;

/// One 999 transaction: the answer about one functional group we sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Ack999 {
    /// ST02 of the 999.
    pub control_number: String,
    /// AK101 functional id of the acknowledged group (e.g. `HC`).
    pub functional_id: String,
    /// AK102: our GS06.
    pub group_control_number: String,
    /// AK103: the version of the acknowledged group.
    pub version: String,
    /// One result per acknowledged transaction (AK2 loop).
    pub transactions: Vec<TransactionAck>,
    /// AK901: `A` accepted, `E` accepted with errors, `P` partially accepted, `R`/`M`/`W`/`X` rejected.
    pub group_status: String,
    /// AK902-AK904: included, received, accepted transaction counts.
    pub included: String,
    /// AK903.
    pub received: String,
    /// AK904.
    pub accepted: String,
    /// AK905..: functional group syntax error codes.
    pub group_errors: Vec<String>,
}

/// The result for one transaction we sent (AK2..IK5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TransactionAck {
    /// AK201, e.g. `837`.
    pub set_id: String,
    /// AK202: our ST02.
    pub control_number: String,
    /// IK501: `A`, `E`, `R`, `M`, `W`, `X`.
    pub status: String,
    /// Whether IK501 is `A` or `E` (accepted, possibly with noted errors).
    pub accepted: bool,
    /// IK502..: transaction syntax error codes.
    pub error_codes: Vec<String>,
    /// IK3 segment errors.
    pub segment_errors: Vec<SegmentError>,
}

/// An IK3 segment error with its IK4 element errors and CTX context.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SegmentError {
    /// IK301 segment id.
    pub segment_id: String,
    /// IK302 position of the segment in our transaction (ST is 1).
    pub position: String,
    /// IK303 loop id.
    pub loop_id: String,
    /// IK304 error code (`8` = has data element errors...).
    pub code: String,
    /// CTX segments, e.g. `CLM01:PCN1` (business identifier).
    pub context: Vec<String>,
    /// IK4 element errors.
    pub elements: Vec<ElementError>,
}

/// An IK4 element error.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ElementError {
    /// IK401 position (`2` or `2:1`).
    pub position: String,
    /// IK402 data element reference number.
    pub reference: String,
    /// IK403 error code.
    pub code: String,
    /// IK404 the bad value.
    pub value: String,
}

/// Reads every 999 transaction of `input`, with reading and envelope findings.
pub fn parse_999(input: &[u8]) -> (Vec<Ack999>, Vec<Finding>) {
    let input = decode(input);
    let mut reader = Reader::new(&input);
    let mut checker = EnvelopeChecker::default();
    let mut acks: Vec<Ack999> = Vec::new();
    let mut findings = Vec::new();
    let mut in_999 = false;
    for seg in reader.by_ref() {
        checker.push(&seg);
        let id = seg.id();
        if id == "ST" {
            in_999 = seg.str(1) == "999";
            if in_999 {
                acks.push(Ack999 {
                    control_number: text(&seg, 2),
                    ..Ack999::default()
                });
            } else {
                findings.push(Finding::warning(
                    "ACK-NOT-999",
                    format!("transaction set {:?} is not a 999; skipped", seg.str(1)),
                    Some(seg.position()),
                ));
            }
            continue;
        }
        let Some(ack) = acks.last_mut().filter(|_| in_999) else {
            continue;
        };
        push_999(ack, &seg);
    }
    findings.extend(reader.take_findings());
    findings.extend(checker.finish());
    findings.sort_by_key(|f| f.position.map_or(0, |p| p.segment));
    (acks, findings)
}

fn push_999(ack: &mut Ack999, seg: &Segment<'_>) {
    match seg.id() {
        "AK1" => {
            ack.functional_id = text(seg, 1);
            ack.group_control_number = text(seg, 2);
            ack.version = text(seg, 3);
        }
        "AK2" => ack.transactions.push(TransactionAck {
            set_id: text(seg, 1),
            control_number: text(seg, 2),
            ..TransactionAck::default()
        }),
        "IK3" => {
            if let Some(t) = ack.transactions.last_mut() {
                t.segment_errors.push(SegmentError {
                    segment_id: text(seg, 1),
                    position: text(seg, 2),
                    loop_id: text(seg, 3),
                    code: text(seg, 4),
                    ..SegmentError::default()
                });
            }
        }
        "CTX" => {
            if let Some(e) = ack
                .transactions
                .last_mut()
                .and_then(|t| t.segment_errors.last_mut())
            {
                let parts: Vec<String> = seg.elements().map(|e| e.to_string()).collect();
                e.context.push(parts.join(" "));
            }
        }
        "IK4" => {
            if let Some(e) = ack
                .transactions
                .last_mut()
                .and_then(|t| t.segment_errors.last_mut())
            {
                let position: Vec<String> = seg
                    .element(1)
                    .components()
                    .map(|c| c.to_string())
                    .filter(|c| !c.is_empty())
                    .collect();
                e.elements.push(ElementError {
                    position: position.join(":"),
                    reference: text(seg, 2),
                    code: text(seg, 3),
                    value: text(seg, 4),
                });
            }
        }
        "IK5" => {
            if let Some(t) = ack.transactions.last_mut() {
                t.status = text(seg, 1);
                t.accepted = matches!(t.status.as_str(), "A" | "E");
                t.error_codes = (2..=6)
                    .map(|n| text(seg, n))
                    .filter(|c| !c.is_empty())
                    .collect();
            }
        }
        "AK9" => {
            ack.group_status = text(seg, 1);
            ack.included = text(seg, 2);
            ack.received = text(seg, 3);
            ack.accepted = text(seg, 4);
            ack.group_errors = (5..=9)
                .map(|n| text(seg, n))
                .filter(|c| !c.is_empty())
                .collect();
        }
        _ => {}
    }
}

fn text(seg: &Segment<'_>, n: usize) -> String {
    seg.element(n).to_str_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_with_element_error() {
        let input = b"ST*999*0001*005010X231A1~AK1*HC*17*005010X222A1~AK2*837*0001*005010X222A1~\
            IK3*NM1*12*2010BA*8~CTX*CLM01:PCN1~IK4*9*67*7*BAD~IK5*R*5~AK2*837*0002~IK5*A~AK9*P*2*2*1~SE*11*0001~";
        let (acks, _) = parse_999(input);
        let ack = &acks[0];
        assert_eq!(ack.group_control_number, "17");
        assert_eq!(ack.group_status, "P");
        let rejected = &ack.transactions[0];
        assert!(!rejected.accepted);
        assert_eq!(rejected.error_codes, ["5"]);
        let error = &rejected.segment_errors[0];
        assert_eq!(
            (error.segment_id.as_str(), error.code.as_str()),
            ("NM1", "8")
        );
        assert_eq!(error.context, ["CLM01:PCN1"]);
        assert_eq!(error.elements[0].value, "BAD");
        assert!(ack.transactions[1].accepted);
    }
}
