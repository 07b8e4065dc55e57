//! Printable claim documents, as PDF: the redetermination request letter, the
//! CMS-1500 (02/12) paper claim, the patient's payment receipt and statement.
//!
//! **Architecture Invariant:** values in, bytes out. Renderers take the claim model of
//! `otbill-837p` (the same data the 837P is written from), the worklist items of
//! `otbill-denials` and the evidence as values, and return the PDF file as bytes; they never
//! read files or the clock. PDFs use only the built-in Helvetica and Courier fonts (no
//! embedding), through `pdf-writer`.
//!
//! - [`letter`]: [`RedeterminationRequest`] and [`render_letter`].
//! - [`cms1500`]: [`render_cms1500`] for the pre-printed red form (data only, positioned
//!   on the form's 10-characters-per-inch, 6-lines-per-inch grid) or a full page with the
//!   form drawn.
//! - [`receipt`]: [`Receipt`] and [`render_receipt`], a patient payment's receipt.
//! - [`statement`]: [`Statement`], [`render_statement`] and [`render_statements`], the
//!   patient statement with its tear-off slip, one or a batch.
//! - [`pdf`]: the small drawing layer they use.
//!
//! ```
//! use otbill_forms::{render_cms1500, FormStyle};
//! let file = otbill_837p::synth::claim_file(7, 2);
//! let pdf = render_cms1500(&file, FormStyle::Full);
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```

pub mod cms1500;
pub mod letter;
pub mod pdf;
pub mod receipt;
pub mod statement;

pub use cms1500::{render_cms1500, FormStyle};
pub use letter::zip;
pub use letter::{
    render_letter, Contractor, Evidence, LetterError, MinutesEntry, PlanOfCare,
    RedeterminationRequest,
};
pub use receipt::{render_receipt, Receipt, ReceiptLine};
pub use statement::{render_statement, render_statements, Statement, StatementLine};
