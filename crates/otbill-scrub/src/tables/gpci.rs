//! The GPCI file (CMS "Addendum E", rules.md §5.2): MAC, State, Locality Number, Locality
//! Name, PW GPCI (with 1.0 floor), PE GPCI, MP GPCI. Title lines may come first; columns
//! are found by their header names, footnote rows (text in the first cell only) are
//! skipped.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{csv_error, csv_reader, decimal_cell, record_line, says_sample};
use crate::{LoadError, Source};

/// One payment locality's indices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Locality {
    /// Medicare administrative contractor number.
    pub mac: String,
    /// State abbreviation.
    pub state: String,
    /// Locality number (two digits).
    pub number: String,
    /// Locality name.
    pub name: String,
    /// Work GPCI.
    pub work: Decimal,
    /// Practice-expense GPCI.
    pub pe: Decimal,
    /// Malpractice GPCI.
    pub mp: Decimal,
    /// 1-based line in the source file.
    pub line: usize,
    /// The key used to select a locality: `MAC-NN`, e.g. `01112-05`.
    pub key: String,
}

impl Locality {
    /// The key used to select a locality: `MAC-NN`, e.g. `01112-05`.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A loaded GPCI file.
#[derive(Clone, Debug)]
pub struct GpciTable {
    source: Source,
    described: String,
    localities: Vec<Locality>,
}

impl GpciTable {
    /// Parses the GPCI CSV layout.
    pub fn parse(text: &str, source: Source) -> Result<GpciTable, LoadError> {
        let label = source.label.clone();
        let mut rdr = csv_reader(text.as_bytes());
        let mut cols: Option<[usize; 7]> = None;
        let mut header_text: Vec<String> = Vec::new();
        let mut localities: Vec<Locality> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(&label, &e))?;
            let line = record_line(&rec);
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let Some(c) = cols else {
                header_text.extend(rec.iter().map(str::to_owned));
                if let Some(found) = find_columns(&rec) {
                    cols = Some(found);
                } else if header_text.len() > 200 {
                    return Err(LoadError::new(
                        &label,
                        line,
                        "not a GPCI file: no header with Locality Number and PW/PE/MP GPCI",
                    ));
                }
                continue;
            };
            let rest_empty = rec.iter().skip(1).all(|c| c.trim().is_empty());
            if rest_empty {
                // A footnote such as "* Work GPCI reflects a 1.5 floor in Alaska".
                continue;
            }
            let cell = |i: usize| rec.get(c[i]).unwrap_or("").trim();
            let mac = cell(0);
            if mac.is_empty() || !mac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(LoadError::new(
                    &label,
                    line,
                    format!("MAC {mac:?} should be digits"),
                ));
            }
            let number = cell(2);
            if number.is_empty() || number.len() > 2 || !number.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(LoadError::new(
                    &label,
                    line,
                    format!("Locality Number {number:?} should be one or two digits"),
                ));
            }
            let loc = Locality {
                key: format!("{mac}-{number:0>2}"),
                mac: mac.to_owned(),
                state: cell(1).to_owned(),
                number: format!("{number:0>2}"),
                name: cell(3).to_owned(),
                work: decimal_cell(&label, line, "PW GPCI", cell(4))?,
                pe: decimal_cell(&label, line, "PE GPCI", cell(5))?,
                mp: decimal_cell(&label, line, "MP GPCI", cell(6))?,
                line,
            };
            if let Some(prev) = localities.iter().find(|l| l.key() == loc.key()) {
                return Err(LoadError::new(
                    &label,
                    line,
                    format!(
                        "locality {} is listed twice (first on line {})",
                        loc.key(),
                        prev.line
                    ),
                ));
            }
            localities.push(loc);
        }
        if cols.is_none() {
            return Err(LoadError::new(
                &label,
                0,
                "not a GPCI file: no header with Locality Number and PW/PE/MP GPCI",
            ));
        }
        if localities.is_empty() {
            return Err(LoadError::new(&label, 0, "no GPCI data rows"));
        }
        let mut source = source;
        source.sample |=
            says_sample(header_text.iter().map(String::as_str)) || label.contains("SAMPLE");
        Ok(GpciTable {
            described: source.describe(),
            source,
            localities,
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

    /// A locality by `MAC-NN` key, or by name (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Locality> {
        self.localities.iter().find(|l| l.key() == key).or_else(|| {
            self.localities
                .iter()
                .find(|l| l.name.eq_ignore_ascii_case(key))
        })
    }

    /// All localities.
    pub fn localities(&self) -> &[Locality] {
        &self.localities
    }
}

fn find_columns(rec: &csv::StringRecord) -> Option<[usize; 7]> {
    let find = |pred: &dyn Fn(&str) -> bool| {
        rec.iter()
            .position(|c| pred(&c.trim().to_ascii_uppercase()))
    };
    Some([
        find(&|c| c.contains("CONTRACTOR") || c == "MAC" || c == "CARRIER")?,
        find(&|c| c == "STATE")?,
        find(&|c| c.contains("LOCALITY") && c.contains("NUMBER"))?,
        find(&|c| c.contains("LOCALITY") && c.contains("NAME"))?,
        find(&|c| c.contains("PW GPCI") || c.contains("WORK GPCI"))?,
        find(&|c| c.contains("PE GPCI"))?,
        find(&|c| c.contains("MP GPCI"))?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    fn src() -> Source {
        Source::new(
            "GPCI2025.csv",
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            false,
        )
    }

    const FILE: &str = "ADDENDUM E. FINAL CY 2025 GEOGRAPHIC PRACTICE COST INDICES (GPCIs) BY STATE AND MEDICARE LOCALITY,,,,,,\n\
,,,,,,\n\
Medicare Administrative Contractor (MAC),State,Locality Number,Locality Name,2025 PW GPCI (with 1.0 Floor),2025 PE GPCI,2025 MP GPCI\n\
10112,AL,00,ALABAMA,1.000,0.869,0.575\n\
01112,CA,5,SAN FRANCISCO,1.100,1.300,0.500\n\
\"* A footnote, with a comma\",,,,,,\n";

    #[test]
    fn finds_columns_by_name_and_skips_footnotes() {
        let t = GpciTable::parse(FILE, src()).unwrap();
        assert_eq!(t.localities().len(), 2);
        let sf = t.get("01112-05").unwrap();
        assert_eq!(
            (sf.work, sf.pe, sf.mp),
            (dec!(1.100), dec!(1.300), dec!(0.500))
        );
        assert_eq!(sf.line, 5);
        assert!(t.get("alabama").is_some());
    }

    #[test]
    fn malformed_rows_are_refused_with_their_line() {
        let bad = FILE.replace("0.869", "n/a");
        assert_eq!(GpciTable::parse(&bad, src()).unwrap_err().line, 4);
        let bad = FILE.replace("01112,CA,5,", "01112,CA,123,");
        assert_eq!(GpciTable::parse(&bad, src()).unwrap_err().line, 5);
        assert!(GpciTable::parse("a,b,c\n1,2,3\n", src()).is_err());
    }
}
