//! The owned 835 API on top of the borrowed one: [`Parser835`] and its
//! [`Event`]s, built by converting each [`ClaimRef`] to a [`Claim`].

use crate::model::{Claim, Remittance};
use crate::parse835::{Core, Source};
use crate::view::{ClaimRef, RemitVisitor};
use otbill_x12::{Finding, Segment};

/// Output of the owned parser.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A finished claim (only when the parser does not keep claims).
    Claim(Box<Claim>),
    /// A finished transaction: header, PLB, balance verdict and findings.
    Remittance(Box<Remittance>),
}

/// Turns visits into owned events: claims are kept for their remittance
/// or emitted one by one.
#[derive(Debug, Default)]
pub(crate) struct Owned {
    pub(crate) keep_claims: bool,
    pub(crate) claims: Vec<Claim>,
    pub(crate) events: Vec<Event>,
}

impl RemitVisitor for Owned {
    fn claim(&mut self, claim: &ClaimRef<'_>) {
        let claim = claim.to_claim();
        if self.keep_claims {
            self.claims.push(claim);
        } else {
            self.events.push(Event::Claim(Box::new(claim)));
        }
    }

    fn remittance(&mut self, mut remittance: Remittance) {
        if self.keep_claims {
            remittance.claims = std::mem::take(&mut self.claims);
            // Kept claims hold no spare slots (memory, not speed).
            remittance.claims.shrink_to_fit();
        }
        self.events.push(Event::Remittance(Box::new(remittance)));
    }
}

/// Push-based 835 parser with owned output. Feed it every segment of the
/// input in order.
#[derive(Debug)]
pub struct Parser835 {
    core: Core,
    owned: Owned,
}

impl Parser835 {
    /// A parser; with `keep_claims` claims stay in their remittance,
    /// otherwise each is emitted as [`Event::Claim`] when complete.
    pub fn new(keep_claims: bool) -> Parser835 {
        Parser835 {
            core: Core::new(Source::Arena),
            owned: Owned {
                keep_claims,
                ..Owned::default()
            },
        }
    }

    /// Findings outside any transaction (e.g. a transaction that is not an 835).
    pub fn take_findings(&mut self) -> Vec<Finding> {
        self.core.take_findings()
    }

    /// Processes one segment, appending finished claims/remittances to `out`.
    pub fn push(&mut self, segment: &Segment<'_>, out: &mut Vec<Event>) {
        self.core.push(segment, &[], &mut self.owned);
        out.append(&mut self.owned.events);
    }

    /// Ends an unfinished transaction at the end of input.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        self.core.finish(&[], &mut self.owned);
        out.append(&mut self.owned.events);
    }
}
