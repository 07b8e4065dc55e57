//! Loaders for CMS's own rule-file layouts: NCCI practitioner PTP edits, practitioner
//! MUEs, the PPRRVU relative value file and the GPCI file.
//!
//! **Architecture Invariant:** every loader takes the file's text (or bytes) and a
//! [`Source`](crate::Source); it builds a brand-new table and returns it only when every
//! line parsed, so a malformed file is refused with its line number and nothing is
//! half-loaded. No loader touches the file system.

pub mod gpci;
pub mod mue;
pub mod ptp;
pub mod rvu;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::LoadError;

/// Whether any of the given header texts marks the file as synthetic sample data.
pub(crate) fn says_sample<'a>(mut texts: impl Iterator<Item = &'a str>) -> bool {
    texts.any(|t| t.contains("SAMPLE"))
}

/// Parses a `YYYYMMDD` date as CMS writes it in NCCI files.
pub(crate) fn yyyymmdd(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y = s[..4].parse().ok()?;
    let m = s[4..6].parse().ok()?;
    let d = s[6..].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Parses a non-negative decimal cell, naming the column in the error.
pub(crate) fn decimal_cell(
    label: &str,
    line: usize,
    column: &str,
    cell: &str,
) -> Result<Decimal, LoadError> {
    let t = cell.trim();
    match t.parse::<Decimal>() {
        Ok(v) if v >= Decimal::ZERO => Ok(v),
        _ => Err(LoadError::new(
            label,
            line,
            format!("{column} {t:?} is not a non-negative number"),
        )),
    }
}

/// The 1-based line where a CSV record starts.
pub(crate) fn record_line(rec: &csv::StringRecord) -> usize {
    rec.position().map_or(0, |p| p.line() as usize)
}

/// A CSV reader over text that accepts records of different lengths (CMS header blocks)
/// and leaves header detection to the caller.
pub(crate) fn csv_reader(text: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
}

/// Turns a CSV library error into a refusal at the right line.
pub(crate) fn csv_error(label: &str, err: &csv::Error) -> LoadError {
    let line = err.position().map_or(0, |p| p.line() as usize);
    LoadError::new(label, line, format!("not readable as CSV: {err}"))
}
