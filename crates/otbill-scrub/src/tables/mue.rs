//! Practitioner medically unlikely edits (MUE), from CMS's CSV layout (rules.md §8.4).
//!
//! The first cell is a quoted, multi-line AMA copyright notice; then a header row whose
//! first cell may hold a line break (`"HCPCS/\nCPT Code"`), then rows of code, MUE value,
//! MUE adjudication indicator (MAI: the digit first, e.g. `3 Date of Service Edit:
//! Clinical`) and rationale. The release quarter is the table's effective date: rows carry
//! no dates of their own.

use otbill_types::CptCode;
use serde::Serialize;

use super::{csv_error, csv_reader, record_line, says_sample};
use rustc_hash::FxHashMap as FastMap;

use crate::{LoadError, Source};

/// How an MUE is adjudicated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mai {
    /// 1: claim-line edit; units on each line are checked on their own.
    Line,
    /// 2: date-of-service edit based on policy; absolute, not payable on appeal.
    DatePolicy,
    /// 3: date-of-service edit based on clinical benchmarks; payable on appeal with records.
    DateClinical,
}

impl Mai {
    /// The digit CMS uses.
    pub fn digit(self) -> u8 {
        match self {
            Mai::Line => 1,
            Mai::DatePolicy => 2,
            Mai::DateClinical => 3,
        }
    }
}

/// One MUE row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MueRow {
    /// The code.
    pub code: CptCode,
    /// Most units per line (MAI 1) or per date of service (MAI 2, 3).
    pub max_units: u32,
    /// Adjudication indicator.
    pub mai: Mai,
    /// CMS's rationale text.
    pub rationale: String,
    /// 1-based line in the source file where the row starts.
    pub line: usize,
}

/// A loaded practitioner MUE table.
#[derive(Clone, Debug)]
pub struct MueTable {
    source: Source,
    described: String,
    rows: FastMap<CptCode, MueRow>,
}

impl MueTable {
    /// Parses the practitioner MUE CSV layout.
    pub fn parse(text: &str, source: Source) -> Result<MueTable, LoadError> {
        let label = source.label.clone();
        let mut rdr = csv_reader(text.as_bytes());
        let mut rows: FastMap<CptCode, MueRow> = FastMap::default();
        let mut header_cells: Vec<String> = Vec::new();
        let mut saw_header = false;
        let mut pre_header = 0usize;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(&label, &e))?;
            let line = record_line(&rec);
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if !saw_header {
                let first: String = rec
                    .get(0)
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_lowercase();
                header_cells.extend(rec.iter().map(str::to_owned));
                if first.starts_with("hcpcs") && first.contains("cpt") {
                    if rec.len() < 3 {
                        return Err(LoadError::new(
                            &label,
                            line,
                            "MUE header has fewer than 3 columns (code, MUE value, adjudication indicator)",
                        ));
                    }
                    saw_header = true;
                } else {
                    pre_header += 1;
                    if pre_header > 10 {
                        return Err(LoadError::new(
                            &label,
                            line,
                            "not a practitioner MUE file: no \"HCPCS/CPT Code\" header within the first 10 records",
                        ));
                    }
                }
                continue;
            }
            let row = parse_row(&label, line, &rec)?;
            if let Some(prev) = rows.get(&row.code) {
                return Err(LoadError::new(
                    &label,
                    line,
                    format!("{} is listed twice (first on line {})", row.code, prev.line),
                ));
            }
            rows.insert(row.code, row);
        }
        if !saw_header {
            return Err(LoadError::new(
                &label,
                0,
                "not a practitioner MUE file: no \"HCPCS/CPT Code\" header",
            ));
        }
        if rows.is_empty() {
            return Err(LoadError::new(&label, 0, "no MUE data rows"));
        }
        let mut source = source;
        source.sample |=
            says_sample(header_cells.iter().map(String::as_str)) || label.contains("SAMPLE");
        Ok(MueTable {
            described: source.describe(),
            source,
            rows,
        })
    }

    /// Where the table came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The source described for findings, computed once at load.
    pub fn describe(&self) -> &str {
        &self.described
    }

    /// The MUE for a code, when the table lists it.
    pub fn get(&self, code: CptCode) -> Option<&MueRow> {
        self.rows.get(&code)
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table is empty (never true for a parsed table).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

fn parse_row(label: &str, line: usize, rec: &csv::StringRecord) -> Result<MueRow, LoadError> {
    if rec.len() < 3 {
        return Err(LoadError::new(
            label,
            line,
            format!(
                "expected code, MUE value and adjudication indicator, found {} cells",
                rec.len()
            ),
        ));
    }
    let code = CptCode::parse(&rec[0])
        .map_err(|e| LoadError::new(label, line, format!("HCPCS/CPT Code: {e}")))?;
    let value = rec[1].trim();
    let max_units: u32 = value.parse().map_err(|_| {
        LoadError::new(
            label,
            line,
            format!("MUE value {value:?} is not a whole number of units"),
        )
    })?;
    let mai_cell = rec[2].trim();
    let mai = match mai_cell.chars().next() {
        Some('1') => Mai::Line,
        Some('2') => Mai::DatePolicy,
        Some('3') => Mai::DateClinical,
        _ => {
            return Err(LoadError::new(
                label,
                line,
                format!("MUE Adjudication Indicator {mai_cell:?} does not start with 1, 2 or 3"),
            ))
        }
    };
    Ok(MueRow {
        code,
        max_units,
        mai,
        rationale: rec.get(3).unwrap_or("").trim().to_owned(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn src() -> Source {
        Source::new(
            "mue-test.csv",
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
            false,
        )
    }

    const FILE: &str = "\"CPT codes and descriptions only are copyright 2024 American Medical Association.\nAll Rights Reserved.\nApplicable FARS/DFARS Apply.\",,,\n\
\"HCPCS/\nCPT Code\",Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n\
97110,6,3 Date of Service Edit: Clinical,Clinical: Data\n\
97168,1,2 Date of Service Edit: Policy,Code Descriptor / CPT Instruction\n\
97530,4,1 Line Edit,Clinical: Data\n";

    #[test]
    fn loads_the_copyright_cell_and_broken_header() {
        let t = MueTable::parse(FILE, src()).unwrap();
        assert_eq!(t.len(), 3);
        let r = t.get(CptCode::parse("97110").unwrap()).unwrap();
        assert_eq!((r.max_units, r.mai), (6, Mai::DateClinical));
        // The copyright cell spans lines 1-3 and the header lines 4-5: data starts on 6.
        assert_eq!(r.line, 6);
        assert_eq!(
            t.get(CptCode::parse("97168").unwrap()).unwrap().mai,
            Mai::DatePolicy
        );
        assert_eq!(
            t.get(CptCode::parse("97530").unwrap()).unwrap().mai,
            Mai::Line
        );
        assert!(!t.source().sample);
    }

    #[test]
    fn malformed_rows_are_refused_with_their_line() {
        let bad = FILE.replace("97168,1,2 Date", "97168,one,2 Date");
        assert_eq!(MueTable::parse(&bad, src()).unwrap_err().line, 7);
        let bad = FILE.replace("1 Line Edit", "Line Edit");
        let err = MueTable::parse(&bad, src()).unwrap_err();
        assert_eq!(err.line, 8);
        assert!(err.reason.contains("1, 2 or 3"));
        let bad = format!("{FILE}97110,8,3 Date of Service Edit: Clinical,x\n");
        let err = MueTable::parse(&bad, src()).unwrap_err();
        assert_eq!(err.line, 9);
        assert!(err.reason.contains("line 6"));
        let bad = format!("{FILE}\"unterminated,1,1\n");
        assert!(MueTable::parse(&bad, src()).is_err());
    }

    #[test]
    fn a_ptp_file_is_not_an_mue_file() {
        let ptp = "copyright\nColumn 1\tColumn 2\n97530\t97150\t\t20200101\t*\t1\tx\n";
        assert!(MueTable::parse(ptp, src()).is_err());
    }

    #[test]
    fn sample_in_the_copyright_cell_marks_a_sample() {
        let text = FILE.replace("All Rights Reserved.", "SAMPLE values, not CMS's.");
        assert!(MueTable::parse(&text, src()).unwrap().source().sample);
    }
}
