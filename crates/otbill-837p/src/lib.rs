//! Health care claims, professional: the 837P (ASC X12 005010X222A1).
//!
//! This crate turns typed claims into 837P files and reads them back. It knows the 837P
//! guide (loops, HL hierarchy, which segment carries what) but nothing about therapy: the
//! claim lines come in already coded. X12 syntax (delimiters, envelopes, counts) is
//! `otbill-x12`'s job.
//!
//! - [`model`]: the claim model (also the JSON format, see `docs/claims-json.md`),
//!   including the other payers' adjudication on secondary claims (loops 2320, 2330A/B
//!   and 2430).
//! - [`check`]: the rules pyx12 does not enforce (NPI check digit, ICD-10-CM shape,
//!   CLM02 = ΣSV102, pointers, REF*F8 on frequency 7/8, 9-digit billing ZIP, no PO box;
//!   for coordination of benefits: other payers on a secondary claim, 2430 line balancing,
//!   AMT*D = ΣSVD02 less claim-level CAS, SVD01 naming a 2330B payer; the onset and
//!   initial treatment dates, DTP*431/454, not after the first service), returned as
//!   [`Finding`]s. **A claim with an error finding is never written.**
//! - [`write_837p`]: one interchange with many claims, split into ST/SE transactions.
//! - [`read_837p`]: the inverse, for round trips and for reading what we sent.
//! - [`load_json`]: the claims JSON, claim by claim, so one bad claim does not stop a batch.
//! - [`synth`]: deterministic synthetic OT claims for tests and benchmarks.
//!
//! ```
//! use otbill_837p::{read_837p, synth, write_837p, WriteOptions};
//!
//! let file = synth::claim_file(7, 3);
//! let mut out = Vec::new();
//! let summary = write_837p(&file, &WriteOptions::default(), &mut out)?;
//! assert_eq!(summary.written.len(), 3);
//! assert!(summary.findings.is_empty());
//! assert!(out.starts_with(b"ISA*00*"));
//!
//! let back = read_837p(&out);
//! assert_eq!(back.file.as_ref(), Some(&file));
//! # Ok::<(), otbill_837p::Error>(())
//! ```

pub mod check;
mod json;
pub mod model;
mod read;
pub mod synth;
mod write;

pub use check::{check_file, Finding, Severity};
pub use json::{load_json, JsonError, Loaded};
pub use model::ClaimFile;
pub use read::{codes as read_codes, read_837p, ReadOutcome};
pub use write::{write_837p, Error, WriteOptions, WriteSummary, VERSION};
