//! Healthcare X12 replies read into typed results: 835 remittances (with
//! balancing), 999 implementation acknowledgments and 277CA claim
//! acknowledgments.
//!
//! This crate knows the healthcare guides (005010X221A1, X231A1, X214) but
//! nothing about therapy; matching replies to our claims is the caller's job
//! (CLP01, AK202 and 2200D TRN02 all echo our identifiers).
//!
//! **Architecture Invariant:** nothing here fails on bad input. Balancing
//! errors, unreadable amounts and envelope problems are [`Finding`]s inside
//! the result; only I/O can fail.
//!
//! ```
//! let input = b"ISA*00*          *00*          *ZZ*PAYER          *ZZ*PRACTICE       \
//! *261128*1530*^*00501*000000001*0*T*:~GS*HP*PAYER*PRACTICE*20261128*1530*1*X*005010X221A1~\
//! ST*835*0001~BPR*I*90*C*ACH~TRN*1*EFT123*1999999999~N1*PR*ACME~N1*PE*CLINIC*XX*1234567893~\
//! LX*1~CLP*PCN1*1*135*90*10**ICN1~SVC*HC:97530:GO*135*90**2~CAS*CO*45*35~CAS*PR*2*10~\
//! REF*6R*L1~SE*12*0001~GE*1*1~IEA*1*000000001~";
//! let era = otbill_era::parse_835(input);
//! let remit = &era.remittances[0];
//! assert!(remit.balanced);
//! assert_eq!(remit.payment_amount.to_string(), "90");
//! assert_eq!(remit.claims[0].lines[0].modifiers, ["GO"]);
//! assert_eq!(remit.claims[0].lines[0].control_number.as_deref(), Some("L1"));
//! assert!(era.findings.is_empty());
//! ```
//!
//! For inputs too large for memory, [`Stream835`] yields claims one at a
//! time from any [`std::io::Read`]. For the fastest read, [`visit_835`]
//! hands each claim to a [`RemitVisitor`] as a borrowed [`ClaimRef`]
//! (nothing allocated per claim); the owned APIs are built on it, and so is
//! [`write_835_json`], which writes the JSON of [`parse_835`]'s result as it reads.

mod ack277;
mod ack999;
mod fields;
mod json;
mod model;
mod numbers;
mod owned;
mod parse835;
mod split;
mod text;
mod view;

pub use ack277::{parse_277ca, Ack277, ClaimAck, ClaimStatus, Outcome};
pub use ack999::{parse_999, Ack999, ElementError, SegmentError, TransactionAck};
pub use json::{write_835_json, write_835_json_split, JsonStyle, Split, Written};
pub use model::*;
pub use otbill_x12::{Finding, Position, Severity};
pub use owned::{Event, Parser835};
pub use text::Text;
pub use view::{AdjustmentRef, ClaimRef, LineRef, ProcedureRef, Qualified, RemitVisitor};

use fields::{Ends, Seg, MAX};
use otbill_x12::{decode, EnvelopeChecker, Reader, StreamReader};
use owned::Owned;
use parse835::{Core, Source};
use std::collections::VecDeque;
use std::io::{self, Read};

/// Reads a whole 835 input (BOM and UTF-16 handled) into remittances.
pub fn parse_835(input: &[u8]) -> Era {
    let mut owned = Owned {
        keep_claims: true,
        ..Owned::default()
    };
    let mut findings = visit_835(input, &mut owned);
    let remittances: Vec<Remittance> = owned
        .events
        .into_iter()
        .filter_map(|event| match event {
            Event::Remittance(r) => Some(*r),
            Event::Claim(_) => None,
        })
        .collect();
    if remittances.is_empty() {
        no_835_finding(&mut findings);
    }
    Era {
        remittances,
        findings,
    }
}

/// Says that no 835 was found, unless the input was empty (which says it already).
fn no_835_finding(findings: &mut Vec<Finding>) {
    if !findings.iter().any(|f| f.code == "X12-EMPTY") {
        findings.push(Finding::error(
            "ERA-NO-835",
            "no 835 transaction (ST*835) found",
            None,
        ));
    }
}

/// Reads a whole 835 input without building owned claims: each claim goes
/// to `visitor` as a [`ClaimRef`] borrowing the input, its lines and
/// adjustments held in buffers reused from claim to claim, balanced while
/// read. Returns the reading and envelope findings (what [`Era::findings`]
/// holds, less `ERA-NO-835`).
///
/// ```
/// struct Paid(rust_decimal::Decimal);
/// impl otbill_era::RemitVisitor for Paid {
///     fn claim(&mut self, claim: &otbill_era::ClaimRef<'_>) {
///         assert_eq!(claim.patient_control_number(), b"A");
///         self.0 += claim.paid();
///     }
///     fn remittance(&mut self, r: otbill_era::Remittance) {
///         assert!(r.balanced);
///     }
/// }
/// let mut paid = Paid(Default::default());
/// otbill_era::visit_835(b"ST*835*1~BPR*I*5*C*CHK~CLP*A*1*5*5~SE*4*1~", &mut paid);
/// assert_eq!(paid.0.to_string(), "5");
/// ```
pub fn visit_835<V: RemitVisitor>(input: &[u8], visitor: &mut V) -> Vec<Finding> {
    let input = decode(input);
    let mut reader = Reader::new(&input);
    let mut checker = EnvelopeChecker::default();
    let mut core = Core::new(Source::Input);
    let mut ends: Ends = [0; MAX];
    while let Some((segment, found)) = reader.next_with_separators(&mut ends) {
        checker.push(&segment);
        core.push_seg(&Seg::located(&segment, &mut ends, found), &input, visitor);
    }
    core.finish(&input, visitor);
    let mut findings = reader.take_findings();
    findings.extend(checker.finish());
    findings.extend(core.take_findings());
    findings.sort_by_key(|f| f.position.map_or(0, |p| p.segment));
    findings
}

/// Streams an 835 from a reader in bounded memory: claims are yielded as
/// soon as they are complete ([`Event::Claim`]), then each transaction's
/// header, PLB and balance verdict ([`Event::Remittance`], with `claims`
/// empty).
///
/// ```
/// let input = &b"ST*835*1~BPR*I*5*C*CHK~CLP*A*1*5*5~SE*4*1~"[..];
/// let mut stream = otbill_era::Stream835::new(input);
/// let mut claims = 0;
/// for event in stream.by_ref() {
///     match event? {
///         otbill_era::Event::Claim(_) => claims += 1,
///         otbill_era::Event::Remittance(r) => assert!(r.balanced),
///     }
/// }
/// assert_eq!(claims, 1);
/// assert_eq!(stream.findings()[0].code, "X12-NO-ISA");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Stream835<R> {
    reader: StreamReader<R>,
    core: Core,
    checker: Option<EnvelopeChecker>,
    queue: VecDeque<Event>,
    owned: Owned,
    findings: Vec<Finding>,
}

impl<R: Read> Stream835<R> {
    /// A stream over `inner`.
    pub fn new(inner: R) -> Stream835<R> {
        Stream835 {
            reader: StreamReader::new(inner),
            core: Core::new(Source::Arena),
            checker: Some(EnvelopeChecker::default()),
            queue: VecDeque::new(),
            owned: Owned::default(),
            findings: Vec::new(),
        }
    }

    /// Reading and envelope findings; complete once the stream has ended.
    pub fn findings(&mut self) -> &[Finding] {
        self.findings.extend(self.reader.take_findings());
        &self.findings
    }

    fn pump(&mut self) -> io::Result<bool> {
        match self.reader.next_segment()? {
            Some(segment) => {
                if let Some(checker) = &mut self.checker {
                    checker.push(&segment);
                }
                self.core.push(&segment, &[], &mut self.owned);
            }
            None => {
                self.core.finish(&[], &mut self.owned);
                self.findings.extend(self.reader.take_findings());
                if let Some(checker) = self.checker.take() {
                    self.findings.extend(checker.finish());
                }
                self.findings.extend(self.core.take_findings());
                self.queue.extend(self.owned.events.drain(..));
                return Ok(false);
            }
        }
        if !self.owned.events.is_empty() {
            self.queue.extend(self.owned.events.drain(..));
        }
        Ok(true)
    }
}

impl<R: Read> Iterator for Stream835<R> {
    type Item = io::Result<Event>;

    fn next(&mut self) -> Option<io::Result<Event>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(Ok(event));
            }
            self.checker.as_ref()?;
            match self.pump() {
                Ok(_) => {}
                Err(e) => {
                    // An I/O error ends the stream.
                    self.checker = None;
                    return Some(Err(e));
                }
            }
        }
    }
}
