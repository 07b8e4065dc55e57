//! Closing the loop on unpaid claims: what each 835 adjustment means, what fixes it, by
//! which route and by when, and the corrected or void claim that carries the fix.
//!
//! **Architecture Invariant:** this crate is pure. Values in, values out: a parsed 835
//! (`otbill_era::Era`), the original `otbill_837p` claim, the date the notice was received
//! and "today" are all passed in; nothing here reads files, the clock or a database. The
//! ledger and the web worklist call the same functions with stored values.
//!
//! - [`catalog`]: CARC/RARC meanings in our own words (`data/carc/`), plus the published
//!   lists when a practice has them.
//! - [`category`]: the denial categories, their fixes, and the [`Route`] a fix takes.
//! - [`classify()`] and [`worklist()`]: adjustments sorted into categories, with deadlines.
//! - [`appeals`]: the five Medicare appeal levels, deadlines and AIC minimums
//!   (`data/appeals/medicare.toml`), timely filing.
//! - [`correct`]: frequency-7 replacement and frequency-8 void claims, and the fixes a
//!   denial suggests.
//!
//! ```
//! use chrono::NaiveDate;
//! use otbill_denials::{worklist, AppealRules, Catalog, Category, Context, Route};
//!
//! let input = b"ST*835*1~BPR*I*0*C*NON~CLP*PCN1*4*135*0*0*MB*ICN1~\
//! SVC*HC:97530*135*0**2~DTM*472*20260302~CAS*CO*4*135~REF*6R*L1~SE*7*1~";
//! let era = otbill_era::parse_835(input);
//! let (catalog, rules) = (Catalog::builtin(), AppealRules::medicare());
//! let d = |s: &str| s.parse::<NaiveDate>().unwrap();
//! let ctx = Context { catalog: &catalog, rules: &rules,
//!     notice_received: d("2026-03-20"), today: d("2026-04-01") };
//! let items = worklist(&ctx, &era, &[]);
//! assert_eq!(items[0].classification.category, Category::Modifier);
//! // Medicare Part B (CLP06 = MB): a missing modifier is fixed by a clerical reopening.
//! assert_eq!(items[0].classification.route, Route::Reopening);
//! assert_eq!(items[0].deadline.as_ref().unwrap().due, d("2027-03-20"));
//! ```

pub mod appeals;
pub mod catalog;
pub mod category;
mod classify;
pub mod correct;
mod moa;

pub use appeals::{timely_filing_limit, AppealRules, Deadline, Level};
pub use catalog::{Catalog, CatalogError, CodeEntry, CodeList};
pub use category::{Category, PayerKind, Route};
pub use classify::{
    claim_items, classify, deadline, sort, worklist, Classification, Context, WorkItem,
};
pub use correct::{replacement, suggested_fixes, void, Corrected, CorrectionError, Fix};
pub use moa::claim_remarks;
