//! Eligibility and benefits, 005010X279A1: the 270 inquiry writer and the 271
//! response reader.
//!
//! Before a first visit (and when coverage may have changed) the practice asks the
//! payer whether the patient is covered for occupational therapy (service type `AD`)
//! and what they will owe: [`write_270`] writes the inquiry, [`read_271`] reads the
//! answer into typed [`Response271`]s (coverage, copay, coinsurance, deductible, out of
//! pocket, visit limits, prior authorization, rejections in plain words), and
//! [`Response271::summary`] reduces one to the figures the scrub and the patient page
//! use. [`render_table`] prints a response for people.
//!
//! This crate knows the X279A1 guide and nothing about the ledger; matching an answer
//! to its request is by [`Response271::trace`] (our TRN02, echoed back).
//!
//! **Architecture Invariant:** reading never fails. Truncated files, TA1s, unknown
//! codes and bad numbers are [`Finding`]s with segment positions in
//! [`Read271::findings`].
//!
//! ```
//! let input = b"ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         \
//! *261203*1200*^*00501*000000001*0*T*:~GS*HB*PAYER*CLINIC*20261203*1200*1*X*005010X279A1~\
//! ST*271*0001*005010X279A1~BHT*0022*11*1*20261203*1200~HL*1**20*1~NM1*PR*2*ACME*****PI*12345~\
//! HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1234567893~HL*3*2*22*0~TRN*2*ELIG-1*9123456789~\
//! NM1*IL*1*SMITH*ROBERT****MI*M123~EB*1**30^AD**GOLD PPO~EB*B*IND*AD****25*****Y~\
//! SE*12*0001~GE*1*1~IEA*1*000000001~";
//! let read = otbill_elig::read_271(input);
//! assert!(read.findings.is_empty(), "{:?}", read.findings);
//! let r = &read.responses[0];
//! assert_eq!(r.trace.as_deref(), Some("ELIG-1"));
//! let s = r.summary(&["AD"], true);
//! assert_eq!((s.active, s.plan_name.as_deref()), (Some(true), Some("GOLD PPO")));
//! assert_eq!(s.copay.map(|c| c.to_string()).as_deref(), Some("25"));
//! ```

mod codes;
mod model;
mod read271;
mod summary;
mod table;
mod write270;

pub use codes::{follow_up, reject_reason, BenefitKind, TimePeriod};
pub use model::{Benefit, Delivery, Member, Read271, Rejection, Response271};
pub use otbill_x12::{Finding, Position, Severity};
pub use read271::read_271;
pub use summary::BenefitSummary;
pub use table::render_table;
pub use write270::{write_270, Envelope, Person, Request270, WriteError};
