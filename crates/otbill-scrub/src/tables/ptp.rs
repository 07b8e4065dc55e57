//! NCCI practitioner procedure-to-procedure (PTP) edits, from CMS's tab-delimited
//! `ccipra-vNNNrN-fN.txt` layout (rules.md §8.3).
//!
//! The file opens with a copyright line and header lines; data rows have seven columns:
//! column 1, column 2, `*` when in existence before 1996, effective date `YYYYMMDD`,
//! deletion date `YYYYMMDD` or `*` (none), modifier indicator (0, 1, 9) and the PTP edit
//! rationale. The same pair may recur with different date windows, so rows are kept per
//! pair and chosen by date of service.
//!
//! Deletion dates are read as the first date the edit no longer applies (the edit is in
//! force for `effective <= date < deletion`). That reading is ours; CMS's file notes do not
//! say it in the sources we have (rules.md Open question 4).

use std::collections::HashMap;

use chrono::NaiveDate;
use otbill_types::CptCode;
use serde::Serialize;

use super::{says_sample, yyyymmdd};
use rustc_hash::FxHashMap as FastMap;

use crate::{LoadError, Source};

/// What the modifier indicator of an edit allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModifierIndicator {
    /// 0: the pair is never payable together; no modifier overrides it.
    NotAllowed,
    /// 1: payable together with an NCCI-associated modifier when the services were distinct.
    Allowed,
    /// 9: not applicable (the edit was deleted retroactively).
    NotApplicable,
}

/// One row of the PTP table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PtpRow {
    /// Column-1 code (paid).
    pub column1: CptCode,
    /// Column-2 code (denied unless an allowed modifier applies).
    pub column2: CptCode,
    /// `*` in the file: the edit existed before 1996.
    pub prior_1996: bool,
    /// First date of service the edit applies to.
    pub effective: NaiveDate,
    /// First date of service it no longer applies to, if deleted.
    pub deletion: Option<NaiveDate>,
    /// The modifier indicator.
    pub modifier: ModifierIndicator,
    /// CMS's rationale text.
    pub rationale: String,
    /// 1-based line in the source file.
    pub line: usize,
}

impl PtpRow {
    /// Whether the edit is in force on a date of service.
    pub fn active_on(&self, date: NaiveDate) -> bool {
        self.effective <= date && self.deletion.is_none_or(|d| date < d)
    }
}

/// A loaded PTP table (one release, possibly several `-fN` files concatenated by the
/// caller into one text, or loaded one by one and merged with [`PtpTable::merge`]).
#[derive(Clone, Debug)]
pub struct PtpTable {
    source: Source,
    described: String,
    rows: Vec<PtpRow>,
    /// (column 1, column 2) → index range into `rows` (rows are sorted by pair then date).
    index: FastMap<(CptCode, CptCode), (u32, u32)>,
}

impl PtpTable {
    /// Parses the tab-delimited practitioner PTP layout.
    pub fn parse(text: &str, source: Source) -> Result<PtpTable, LoadError> {
        let label = source.label.clone();
        let mut rows = Vec::new();
        let mut header_lines: Vec<&str> = Vec::new();
        let mut saw_column_header = false;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.split('\t').all(|c| c.trim().is_empty()) {
                continue;
            }
            let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
            let looks_like_data = CptCode::parse(cells[0]).is_ok();
            if rows.is_empty() && !looks_like_data {
                if header_lines.len() >= 20 {
                    return Err(LoadError::new(
                        &label,
                        line_no,
                        "no PTP data row within the first 20 header lines",
                    ));
                }
                if line.contains("Column 1") && line.contains("Column 2") {
                    saw_column_header = true;
                }
                header_lines.push(line);
                continue;
            }
            if !saw_column_header {
                return Err(LoadError::new(
                    &label,
                    line_no,
                    "not an NCCI PTP file: no header line naming \"Column 1\" and \"Column 2\" before the data",
                ));
            }
            rows.push(parse_row(&label, line_no, &cells)?);
        }
        if rows.is_empty() {
            return Err(LoadError::new(
                &label,
                text.lines().count(),
                "no PTP data rows",
            ));
        }
        let mut source = source;
        source.sample |= says_sample(header_lines.iter().copied()) || label.contains("SAMPLE");
        Ok(PtpTable::build(source, rows))
    }

    fn build(source: Source, mut rows: Vec<PtpRow>) -> PtpTable {
        rows.sort_by(|a, b| {
            (a.column1, a.column2, a.effective).cmp(&(b.column1, b.column2, b.effective))
        });
        let mut index = FastMap::default();
        let mut start = 0usize;
        while start < rows.len() {
            let key = (rows[start].column1, rows[start].column2);
            let mut end = start + 1;
            while end < rows.len() && (rows[end].column1, rows[end].column2) == key {
                end += 1;
            }
            index.insert(key, (start as u32, end as u32));
            start = end;
        }
        PtpTable {
            described: source.describe(),
            source,
            rows,
            index,
        }
    }

    /// Adds the rows of another file of the same release (CMS splits a release into
    /// `-f1` … `-f4`). The result is a sample if either part is.
    pub fn merge(self, other: PtpTable) -> PtpTable {
        let mut source = self.source;
        source.sample |= other.source.sample;
        if !source.label.contains(&other.source.label) {
            source.label = format!("{} + {}", source.label, other.source.label);
        }
        let mut rows = self.rows;
        rows.extend(other.rows);
        PtpTable::build(source, rows)
    }

    /// Where the table came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The source described for findings, computed once at load.
    pub fn describe(&self) -> &str {
        &self.described
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows (never true for a parsed table).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The edit in force on `date` with `column1` in column 1 and `column2` in column 2.
    /// When windows overlap, the latest effective row wins.
    pub fn lookup(&self, column1: CptCode, column2: CptCode, date: NaiveDate) -> Option<&PtpRow> {
        let &(s, e) = self.index.get(&(column1, column2))?;
        self.rows[s as usize..e as usize]
            .iter()
            .rev()
            .find(|r| r.active_on(date))
    }

    /// All rows, sorted by pair then effective date.
    pub fn rows(&self) -> &[PtpRow] {
        &self.rows
    }

    /// Distinct pairs, for status reports.
    pub fn pair_count(&self) -> usize {
        self.index.len()
    }
}

fn parse_row(label: &str, line: usize, cells: &[&str]) -> Result<PtpRow, LoadError> {
    if cells.len() < 6 {
        return Err(LoadError::new(
            label,
            line,
            format!(
                "expected at least 6 tab-separated columns (Column 1, Column 2, *, Effective Date, Deletion Date, Modifier), found {}",
                cells.len()
            ),
        ));
    }
    let code = |i: usize, what: &str| {
        CptCode::parse(cells[i]).map_err(|e| LoadError::new(label, line, format!("{what}: {e}")))
    };
    let column1 = code(0, "Column 1")?;
    let column2 = code(1, "Column 2")?;
    let prior_1996 = match cells[2] {
        "*" => true,
        "" => false,
        other => {
            return Err(LoadError::new(
                label,
                line,
                format!("\"in existence prior to 1996\" must be * or empty, found {other:?}"),
            ))
        }
    };
    let effective = yyyymmdd(cells[3]).ok_or_else(|| {
        LoadError::new(
            label,
            line,
            format!("Effective Date {:?} is not a YYYYMMDD date", cells[3]),
        )
    })?;
    let deletion = match cells[4] {
        "*" | "" => None,
        s => Some(yyyymmdd(s).ok_or_else(|| {
            LoadError::new(
                label,
                line,
                format!("Deletion Date {s:?} is neither * nor a YYYYMMDD date"),
            )
        })?),
    };
    let modifier = match cells[5] {
        "0" => ModifierIndicator::NotAllowed,
        "1" => ModifierIndicator::Allowed,
        "9" => ModifierIndicator::NotApplicable,
        other => {
            return Err(LoadError::new(
                label,
                line,
                format!("Modifier indicator must be 0, 1 or 9, found {other:?}"),
            ))
        }
    };
    Ok(PtpRow {
        column1,
        column2,
        prior_1996,
        effective,
        deletion,
        modifier,
        rationale: cells.get(6).map_or_else(String::new, |s| (*s).to_owned()),
        line,
    })
}

/// Counts rows per modifier indicator, for status reports.
pub fn indicator_counts(table: &PtpTable) -> HashMap<&'static str, usize> {
    let mut out = HashMap::new();
    for r in &table.rows {
        let k = match r.modifier {
            ModifierIndicator::NotAllowed => "0",
            ModifierIndicator::Allowed => "1",
            ModifierIndicator::NotApplicable => "9",
        };
        *out.entry(k).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn c(s: &str) -> CptCode {
        CptCode::parse(s).unwrap()
    }
    fn src() -> Source {
        Source::new("ccipra-test.txt", d(2025, 10, 1), false)
    }

    const FILE: &str = "CPT only copyright 2024 American Medical Association. All rights reserved.\n\
Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\tModifier\tPTP Edit Rationale\n\
\t\t\t\t*=no data\t0=not allowed\t\n\
\t\t\t\t\t1=allowed\t\n\
\t\t\t\t\t9=not applicable\t\n\
97530\t97150\t\t20200101\t20200201\t1\tMutually exclusive procedures\n\
97530\t97150\t\t20201001\t*\t0\tMutually exclusive procedures\n\
97140\t97530\t*\t19960101\t*\t1\tMisuse of column two code with column one code\n";

    #[test]
    fn loads_cms_layout_with_recurring_pairs() {
        let t = PtpTable::parse(FILE, src()).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.pair_count(), 2);
        assert!(!t.source().sample);
        let r = t.lookup(c("97530"), c("97150"), d(2020, 1, 15)).unwrap();
        assert_eq!(r.modifier, ModifierIndicator::Allowed);
        // Deleted on 2020-02-01: not in force that day, nor until the re-add.
        assert!(t.lookup(c("97530"), c("97150"), d(2020, 2, 1)).is_none());
        assert!(t.lookup(c("97530"), c("97150"), d(2020, 9, 30)).is_none());
        let r = t.lookup(c("97530"), c("97150"), d(2025, 11, 3)).unwrap();
        assert_eq!(r.modifier, ModifierIndicator::NotAllowed);
        assert_eq!(r.line, 7);
        let r = t.lookup(c("97140"), c("97530"), d(2025, 11, 3)).unwrap();
        assert!(r.prior_1996);
        // Orientation matters.
        assert!(t.lookup(c("97530"), c("97140"), d(2025, 11, 3)).is_none());
    }

    #[test]
    fn sample_header_marks_the_table_as_sample() {
        let text = format!("SAMPLE DATA - not CMS edits\n{FILE}");
        let t = PtpTable::parse(&text, src()).unwrap();
        assert!(t.source().sample);
    }

    #[test]
    fn malformed_rows_are_refused_with_their_line() {
        let bad = FILE.replace("20201001\t*\t0", "20201001\t*\t2");
        let err = PtpTable::parse(&bad, src()).unwrap_err();
        assert_eq!(err.line, 7);
        assert!(err.reason.contains("0, 1 or 9"), "{err}");
        let bad = FILE.replace("19960101", "1996-01-01");
        assert_eq!(PtpTable::parse(&bad, src()).unwrap_err().line, 8);
        let bad = format!("{FILE}97110\tnope\t\t20200101\t*\t1\tx\n");
        assert_eq!(PtpTable::parse(&bad, src()).unwrap_err().line, 9);
        let bad = format!("{FILE}97110\t97530\n");
        assert_eq!(PtpTable::parse(&bad, src()).unwrap_err().line, 9);
    }

    #[test]
    fn a_file_without_the_header_or_rows_is_refused() {
        let no_header = "97530\t97150\t\t20200101\t*\t1\tx\n";
        assert!(PtpTable::parse(no_header, src()).is_err());
        let no_rows = "copyright\nColumn 1\tColumn 2\n";
        assert!(PtpTable::parse(no_rows, src()).is_err());
    }

    #[test]
    fn merging_parts_keeps_both() {
        let a = PtpTable::parse(FILE, src()).unwrap();
        let part2 = "x\nColumn 1\tColumn 2\n97110\t97530\t\t20200101\t*\t1\tx\n";
        let b = PtpTable::parse(part2, Source::new("f2", d(2025, 10, 1), true)).unwrap();
        let m = a.merge(b);
        assert_eq!(m.len(), 4);
        assert!(m.source().sample);
        assert!(m.lookup(c("97110"), c("97530"), d(2025, 1, 1)).is_some());
    }
}
