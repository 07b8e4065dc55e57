//! The otbill claim scrubber: a coded visit plus its episode context in; priced lines and
//! findings out.
//!
//! **Architecture Invariant:** this crate is pure. It parses CMS rule files from strings
//! ([`tables`]), and scrubs values; it never reads files, the clock or a database. The CLI
//! reads the files and passes "today" in.
//!
//! Pieces, each usable alone:
//! - [`tables`]: loaders for CMS's own layouts (NCCI PTP, MUE, PPRRVU, GPCI), effective-dated,
//!   refusing malformed files with the line number, remembering sample vs real.
//! - [`fees`]: conversion factors and KX thresholds (our small TOML files).
//! - [`RuleSet`]: every loaded table, choosing the right one per date of service.
//! - [`pricing`]: the PFS formula, therapy MPPR, CO/CQ 85%, deductible, coinsurance and
//!   sequestration, with the arithmetic shown per line.
//! - [`kx`], [`documentation`], [`evaluation`], [`edits`]: the rule checks, which return
//!   findings as data.
//! - [`payer_rules`]: per-payer billing rule sets as data (dated, validated, merged for
//!   coordination of benefits), which the scrub applies when the caller gives one.
//! - [`benefits`], [`estimate`]: eligibility benefits and the patient's share estimate.
//! - [`scrub`]: all of it for one visit.

pub mod error;

pub mod fees;
pub mod source;
pub mod tables;

pub use error::LoadError;
pub use source::Source;
pub mod pricing;
#[cfg(test)]
mod pricing_tests;
pub mod rules;

pub use payer_rules::{rules_on, DatedRules, PayerRules, RuleError};
pub use rules::{Kind, RuleSet};
pub mod benefits;
pub mod documentation;
pub mod edits;
pub mod episode;
pub mod estimate;
pub mod evaluation;
pub mod kx;
mod payer_checks;
pub mod payer_rules;
pub mod scrub;
