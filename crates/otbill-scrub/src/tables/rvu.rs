//! The PPRRVU national relative value file (rules.md §5.5), CSV variant.
//!
//! CMS stacks the column titles over several header rows (`STATUS` over `CODE`, `WORK` over
//! `RVU`, …); the last header row starts `HCPCS,MOD,DESCRIPTION`. Columns are positional
//! in CMS's record layout, so the loader joins each column's header fragments and checks
//! the columns it reads are where the layout says before trusting them.

use chrono::{Datelike, NaiveDate};
use otbill_types::CptCode;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{csv_error, csv_reader, decimal_cell, record_line, says_sample};
use rustc_hash::FxHashMap as FastMap;

use crate::{LoadError, Source};

/// Column positions in the PPRRVU CSV layout, with a word their joined header must hold.
const COLUMNS: &[(usize, &str, &str)] = &[
    (3, "STATUS", "STATUS CODE"),
    (5, "WORK", "WORK RVU"),
    (6, "NON-FAC", "NON-FAC PE RVU"),
    (8, "FACILITY", "FACILITY PE RVU"),
    (10, "MP", "MP RVU"),
    (13, "PCTC", "PCTC IND"),
    (14, "GLOB", "GLOB DAYS"),
    (18, "MULT", "MULT PROC"),
    (24, "CONV", "CONV FACTOR"),
];
const STATUS: usize = 3;
const WORK: usize = 5;
const PE_NONFAC: usize = 6;
const PE_FAC: usize = 8;
const MP: usize = 10;
const PCTC: usize = 13;
const GLOB: usize = 14;
const MULT: usize = 18;
const CONV: usize = 24;

/// One code's row (no modifier).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RvuRow {
    /// The code.
    pub code: CptCode,
    /// Short description as in the file.
    pub description: String,
    /// PFS status code (A, B, I, R, N, T, …).
    pub status: char,
    /// Work RVU.
    pub work: Decimal,
    /// Non-facility practice-expense RVU.
    pub pe_nonfacility: Decimal,
    /// Facility practice-expense RVU.
    pub pe_facility: Decimal,
    /// Malpractice RVU.
    pub mp: Decimal,
    /// PC/TC indicator (7 = therapy service).
    pub pctc: char,
    /// Global days (`ZZZ` = add-on code).
    pub global: String,
    /// Multiple-procedure indicator (5 = therapy MPPR applies).
    pub mult_proc: char,
    /// The conversion factor printed on the row, when present.
    pub conversion_factor: Option<Decimal>,
    /// 1-based line in the source file.
    pub line: usize,
}

impl RvuRow {
    /// Whether Medicare pays the code separately under the PFS (status A, R or T).
    pub fn payable(&self) -> bool {
        matches!(self.status, 'A' | 'R' | 'T')
    }

    /// Whether the therapy MPPR applies (MULT PROC 5), the proxy for "always therapy".
    pub fn mppr(&self) -> bool {
        self.mult_proc == '5'
    }

    /// Whether the code is an add-on code (global `ZZZ`).
    pub fn addon(&self) -> bool {
        self.global == "ZZZ"
    }
}

/// A loaded PPRRVU file: one year's (or quarter's) national RVUs.
#[derive(Clone, Debug)]
pub struct RvuTable {
    source: Source,
    described: String,
    year: i32,
    rows: FastMap<CptCode, RvuRow>,
    modifier_rows: usize,
}

impl RvuTable {
    /// Parses the PPRRVU CSV layout. The year is the source's effective year.
    pub fn parse(text: &str, source: Source) -> Result<RvuTable, LoadError> {
        let label = source.label.clone();
        let mut rdr = csv_reader(text.as_bytes());
        let mut header_rows: Vec<csv::StringRecord> = Vec::new();
        let mut saw_header = false;
        let mut rows: FastMap<CptCode, RvuRow> = FastMap::default();
        let mut modifier_rows = 0usize;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(&label, &e))?;
            let line = record_line(&rec);
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if !saw_header {
                let is_header = rec.get(0).map(str::trim) == Some("HCPCS")
                    && rec.get(1).map(str::trim) == Some("MOD")
                    && rec.get(2).map(str::trim) == Some("DESCRIPTION");
                header_rows.push(rec.clone());
                if is_header {
                    check_columns(&label, line, &header_rows)?;
                    saw_header = true;
                } else if header_rows.len() > 30 {
                    return Err(LoadError::new(
                        &label,
                        line,
                        "not a PPRRVU file: no header row starting HCPCS,MOD,DESCRIPTION within 30 rows",
                    ));
                }
                continue;
            }
            if rec.len() <= CONV {
                return Err(LoadError::new(
                    &label,
                    line,
                    format!(
                        "expected at least {} columns, found {}",
                        CONV + 1,
                        rec.len()
                    ),
                ));
            }
            let code = CptCode::parse(&rec[0])
                .map_err(|e| LoadError::new(&label, line, format!("HCPCS: {e}")))?;
            if !rec[1].trim().is_empty() {
                // Modifier rows (26, TC, 53) do not price therapy; counted only.
                modifier_rows += 1;
                continue;
            }
            let row = parse_row(&label, line, code, &rec)?;
            if let Some(prev) = rows.get(&code) {
                return Err(LoadError::new(
                    &label,
                    line,
                    format!("{code} is listed twice (first on line {})", prev.line),
                ));
            }
            rows.insert(code, row);
        }
        if !saw_header {
            return Err(LoadError::new(
                &label,
                0,
                "not a PPRRVU file: no header row starting HCPCS,MOD,DESCRIPTION",
            ));
        }
        if rows.is_empty() {
            return Err(LoadError::new(&label, 0, "no RVU data rows"));
        }
        let mut source = source;
        source.sample |=
            says_sample(header_rows.iter().flat_map(|r| r.iter())) || label.contains("SAMPLE");
        Ok(RvuTable {
            described: source.describe(),
            year: source.effective_from.year(),
            source,
            rows,
            modifier_rows,
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

    /// The payment year the RVUs are for.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The row for a code (without modifier).
    pub fn get(&self, code: CptCode) -> Option<&RvuRow> {
        self.rows.get(&code)
    }

    /// Number of codes (without modifier).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table is empty (never true for a parsed table).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Rows with a modifier (skipped for pricing).
    pub fn modifier_rows(&self) -> usize {
        self.modifier_rows
    }

    /// First date of service the table applies to.
    pub fn effective_from(&self) -> NaiveDate {
        self.source.effective_from
    }
}

fn check_columns(
    label: &str,
    line: usize,
    header_rows: &[csv::StringRecord],
) -> Result<(), LoadError> {
    for &(idx, word, name) in COLUMNS {
        let joined: String = header_rows
            .iter()
            .filter_map(|r| r.get(idx))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        if !joined.contains(word) {
            return Err(LoadError::new(
                label,
                line,
                format!(
                    "column {} should be {name} in the PPRRVU layout, but its header reads {:?}",
                    idx + 1,
                    joined.trim()
                ),
            ));
        }
    }
    Ok(())
}

fn parse_row(
    label: &str,
    line: usize,
    code: CptCode,
    rec: &csv::StringRecord,
) -> Result<RvuRow, LoadError> {
    let one_char = |idx: usize, name: &str| -> Result<char, LoadError> {
        let t = rec[idx].trim();
        let mut chars = t.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphanumeric() => Ok(c),
            _ => Err(LoadError::new(
                label,
                line,
                format!("{name} {t:?} should be one letter or digit"),
            )),
        }
    };
    let conv = rec[CONV].trim();
    Ok(RvuRow {
        code,
        description: rec[2].trim().to_owned(),
        status: one_char(STATUS, "STATUS CODE")?,
        work: decimal_cell(label, line, "WORK RVU", &rec[WORK])?,
        pe_nonfacility: decimal_cell(label, line, "NON-FAC PE RVU", &rec[PE_NONFAC])?,
        pe_facility: decimal_cell(label, line, "FACILITY PE RVU", &rec[PE_FAC])?,
        mp: decimal_cell(label, line, "MP RVU", &rec[MP])?,
        pctc: one_char(PCTC, "PCTC IND")?,
        global: rec[GLOB].trim().to_owned(),
        mult_proc: one_char(MULT, "MULT PROC")?,
        conversion_factor: if conv.is_empty() {
            None
        } else {
            Some(decimal_cell(label, line, "CONV FACTOR", conv)?)
        },
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// The real 2025 header block (rows 1-10 of PPRRVU25_JAN.csv) and two of its rows.
    pub(crate) const HEADER: &str = ",,2025 National Physician Fee Schedule Relative Value File January Release,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n\
,,CPT codes and descriptions only are copyright 2024 American Medical Association.  All Rights Reserved.,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n\
,, ,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n\
,,RELEASED 12/23/2024,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n\
,, , ,,,,,,,,,,,,,,,,,,,,,,,,,NON-FACILITY,FACILITY,\n\
,,,,NOT USED,,,,,,,,,,,,,,,,,,,,,PHYSICIAN,,DIAGNOSTIC,PE USED,PE USED,MP USED\n\
,,,,FOR,,,NON-FAC,,FACILITY ,,,,,,,,,,,,,,,,SUPERVISION OF,,IMAGING,FOR OPPS,FOR OPPS,FOR OPPS\n\
,,,STATUS,MEDICARE ,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,PRE,INTRA,POST,MULT,BILAT,ASST,CO-,TEAM,ENDO,CONV,DIAGNOSTIC,CALCULATION,FAMILY,PAYMENT,PAYMENT,PAYMENT\n\
HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,IND,DAYS,OP,OP,OP,PROC,SURG,SURG,SURG,SURG,BASE,FACTOR,PROCEDURES,FLAG,INDICATOR,AMOUNT,AMOUNT,AMOUNT\n";

    fn src() -> Source {
        Source::new(
            "PPRRVU25_JAN.csv",
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            false,
        )
    }

    #[test]
    fn reads_the_stacked_header_layout() {
        let text = format!(
            "{HEADER}97530,,\"Therapeutic activities, ea 15\",A,,0.44,0.62,,0.62,,0.01,1.07,1.07,7,XXX,0.00,0.00,0.00,5,0,0,0,0,,32.3465,09,,99,0.00,0.00,0.00\n\
97130,,Ther ivntj ea addl 15 min,A,,0.48,0.15,,0.15,,0.01,0.64,0.64,0,ZZZ,0.00,0.00,0.00,0,0,0,0,0,,32.3465,09,,99,0.00,0.00,0.00\n\
97530,26,Modifier row,A,,0.44,0.62,,0.62,,0.01,1.07,1.07,7,XXX,0.00,0.00,0.00,5,0,0,0,0,,32.3465,09,,99,0.00,0.00,0.00\n"
        );
        let t = RvuTable::parse(&text, src()).unwrap();
        assert_eq!(t.year(), 2025);
        assert_eq!(t.len(), 2);
        assert_eq!(t.modifier_rows(), 1);
        let r = t.get(CptCode::parse("97530").unwrap()).unwrap();
        assert_eq!(
            (r.work, r.pe_nonfacility, r.mp),
            (dec!(0.44), dec!(0.62), dec!(0.01))
        );
        assert!(r.mppr() && r.payable() && !r.addon());
        assert_eq!(r.description, "Therapeutic activities, ea 15");
        assert_eq!(r.conversion_factor, Some(dec!(32.3465)));
        assert_eq!(r.line, 10);
        assert!(t.get(CptCode::parse("97130").unwrap()).unwrap().addon());
    }

    #[test]
    fn malformed_rows_are_refused_with_their_line() {
        let text = format!(
            "{HEADER}97530,,x,A,,0.44,0.62,,0.62,,0.01,1.07,1.07,7,XXX,0.00,0.00,0.00,5,0,0,0,0,,32.3465\n\
97110,,x,A,,abc,0.43,,0.43,,0.01,0.89,0.89,7,XXX,0.00,0.00,0.00,5,0,0,0,0,,32.3465\n"
        );
        let err = RvuTable::parse(&text, src()).unwrap_err();
        assert_eq!(err.line, 11);
        assert!(err.reason.contains("WORK RVU"), "{err}");
        let short = format!("{HEADER}97530,,x,A,,0.44\n");
        assert_eq!(RvuTable::parse(&short, src()).unwrap_err().line, 10);
    }

    #[test]
    fn a_shifted_layout_is_refused() {
        let shifted = HEADER.replace("HCPCS,MOD,DESCRIPTION,CODE,", "HCPCS,MOD,DESCRIPTION,");
        let shifted = shifted.replace(",,,STATUS,MEDICARE", ",,STATUS,MEDICARE");
        let text = format!("{shifted}97530,,x,A,0.44,0.62,,0.62,,0.01,1.07,1.07,7,XXX,0,0,0,5,0,0,0,0,,32.3465,1\n");
        assert!(RvuTable::parse(&text, src()).is_err());
    }
}
