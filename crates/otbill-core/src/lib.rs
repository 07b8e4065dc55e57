//! The otbill coding engine: documented minutes in, billable lines out, every decision
//! explained.
//!
//! This crate is pure. It takes values (a visit, the code catalog, payer profiles) and
//! returns values (a [`CodedVisit`] with [`Finding`]s); it never reads files, the clock or a
//! database. Data files are parsed from strings ([`Catalog::add_toml`],
//! [`Payers::add_toml`]); [`builtin`] gives the files shipped in `data/`.
//!
//! ```
//! use otbill_core::{builtin, code_visit, Visit, VisitInput};
//! let (catalog, payers) = builtin();
//! let json = r#"{"date": "2026-03-02", "payer": "medicare", "discipline": "OT",
//!   "services": [{"code": "97112", "minutes": 24}, {"code": "97110", "minutes": 23}]}"#;
//! let input: VisitInput = serde_json::from_str(json).unwrap();
//! let visit = Visit::resolve(&input, &catalog, &payers).unwrap();
//! let coded = code_visit(&visit);
//! // §20.2 Example 1: 47 minutes → 3 units, 97112 ×2 and 97110 ×1.
//! assert_eq!(coded.total_timed_units, 3);
//! let units: Vec<_> = coded.lines.iter().map(|l| (l.code.as_str(), l.units)).collect();
//! assert_eq!(units, [("97110", 1), ("97112", 2)]);
//! ```

pub mod assistant;
pub mod catalog;
mod engine;
mod fastvisit;
mod finding;
mod input;
mod json;
pub mod payer;
pub mod units;
mod visit;
mod why;

pub use catalog::{Catalog, CodeDef, LookupError, MedicareStatus, TherapyDesignation, Timing};
pub use engine::{code_visit, CodedVisit, Dropped, Line, Modifiers, Reasons};
pub use fastvisit::parse_visit;
pub use finding::{Finding, Severity};
pub use input::parse_json;
pub use payer::{DeMinimis, PayerKind, PayerProfile, Payers, UnitMethod};
pub use visit::{Discipline, InputError, Service, ServiceInput, Visit, VisitInput};
pub use why::Why;

/// The data files shipped in the repository's `data/` folder, compiled in, as
/// `(file name, contents)`. The CLI loads these first, then any files in the user's data
/// directory, which add codes and years or override profiles.
pub const BUILTIN_CODE_FILES: &[(&str, &str)] = &[
    (
        "codes/2025.toml",
        include_str!("../../../data/codes/2025.toml"),
    ),
    (
        "codes/2026.toml",
        include_str!("../../../data/codes/2026.toml"),
    ),
];

/// Built-in payer profiles, as `(file name, contents)`.
pub const BUILTIN_PAYER_FILES: &[(&str, &str)] = &[
    (
        "payers/medicare.toml",
        include_str!("../../../data/payers/medicare.toml"),
    ),
    (
        "payers/commercial.toml",
        include_str!("../../../data/payers/commercial.toml"),
    ),
];

/// The built-in catalog and payer profiles. The shipped files are tested, so a failure
/// here is a build defect, reported by the test suite rather than at run time.
pub fn builtin() -> (Catalog, Payers) {
    let mut catalog = Catalog::default();
    for (name, text) in BUILTIN_CODE_FILES {
        if let Err(e) = catalog.add_toml(name, text) {
            debug_assert!(false, "{e}");
        }
    }
    let mut payers = Payers::default();
    for (name, text) in BUILTIN_PAYER_FILES {
        if let Err(e) = payers.add_toml(name, text) {
            debug_assert!(false, "{e}");
        }
    }
    (catalog, payers)
}
