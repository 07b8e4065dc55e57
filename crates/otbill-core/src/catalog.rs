//! The code catalog: which procedure codes exist on a date and how their time is counted.
//!
//! The catalog is data (`data/codes/YEAR.toml`), one file per code-set year, each entry
//! effective-dated. Parsing takes strings so this crate does no IO; the CLI reads files.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;
use otbill_types::CptCode;
use serde::Deserialize;

/// How a code's time turns into units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// One unit per visit whatever the minutes; the minutes are not timed minutes.
    Untimed,
    /// One unit per `interval` minutes, a unit counting from `threshold` minutes (the
    /// midpoint). 15-minute codes share the day's total under Medicare's §20.2 rule.
    Timed {
        /// Minutes per unit.
        interval: u16,
        /// Minutes at which the first unit (and each next one, past whole intervals) counts.
        threshold: u16,
    },
    /// A first unit covering `interval` minutes, then the add-on code per `addon_interval`.
    Initial {
        /// Minutes the first unit covers.
        interval: u16,
        /// Minimum minutes for the first unit.
        threshold: u16,
        /// The add-on code for each further interval.
        addon: CptCode,
        /// Minutes per add-on unit.
        addon_interval: u16,
        /// Minimum minutes for an add-on unit.
        addon_threshold: u16,
    },
    /// An add-on code whose minutes belong to its base code.
    Addon {
        /// The base code that must be billed with it.
        base: CptCode,
    },
}

impl Timing {
    /// True for the standard 15-minute codes that Medicare pools by total time.
    pub fn is_pooled_15(&self) -> bool {
        matches!(self, Timing::Timed { interval: 15, .. })
    }

    /// True when the code's units depend on minutes.
    pub fn is_timed(&self) -> bool {
        !matches!(self, Timing::Untimed)
    }
}

/// Medicare physician fee schedule status of a code (PPRRVU status column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum MedicareStatus {
    /// Active, paid separately.
    A,
    /// Bundled: never paid separately.
    B,
    /// Not valid for Medicare; another code is used.
    I,
    /// Restricted coverage.
    R,
    /// Non-covered.
    N,
    /// Deleted from the code set.
    D,
}

/// Whether CMS lists the code as always or sometimes therapy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TherapyDesignation {
    /// Always a therapy service: always needs GO/GP/GN.
    Always,
    /// A therapy service when furnished under a therapy plan of care.
    Sometimes,
    /// Not a therapy code.
    Never,
}

/// One code as the catalog knows it for a date range.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeDef {
    /// The code.
    pub code: CptCode,
    /// Our own short description (CPT text is not reproduced).
    pub description: String,
    /// How its minutes become units.
    pub timing: Timing,
    /// Medicare fee schedule status.
    pub medicare_status: MedicareStatus,
    /// Therapy designation.
    pub therapy: TherapyDesignation,
    /// An evaluation or re-evaluation code.
    pub evaluation: bool,
    /// A re-evaluation code (billable only when indicated).
    pub reevaluation: bool,
    /// Codes to use instead (for Medicare when status is I, or after deletion).
    pub replaced_by: Vec<CptCode>,
    /// First date of service the entry applies to.
    pub effective: NaiveDate,
    /// Last date of service the entry applies to.
    pub end: NaiveDate,
    /// Which data file the entry came from.
    pub source: String,
}

/// Why a code could not be used on a date.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LookupError {
    /// The code is in no loaded file.
    #[error("{0} is not in the code catalog")]
    Unknown(CptCode),
    /// The code exists, but not on this date.
    #[error("{code} is not valid on {date} (valid {ranges})")]
    NotOnDate {
        /// The code.
        code: CptCode,
        /// The date of service.
        date: NaiveDate,
        /// The ranges it is valid in, for the message.
        ranges: String,
    },
    /// The code was deleted from the code set.
    #[error("{code} was deleted after {end}; use {replaced_by} instead")]
    Deleted {
        /// The code.
        code: CptCode,
        /// Its last valid date.
        end: NaiveDate,
        /// Replacement codes, joined for the message.
        replaced_by: String,
    },
}

/// All loaded code entries, looked up by code and date of service.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    // Sorted by code packed into an integer (listing order).
    keys: Vec<u64>,
    by_code: Vec<Vec<CodeDef>>,
    // Packed code -> position in `keys`: the coding hot path looks up every service, and a
    // binary search is a chain of dependent loads.
    index: HashMap<u64, usize, BuildHasherDefault<PackedCodeHasher>>,
}

/// A code's bytes as one integer with the same order as the code.
fn key(code: CptCode) -> u64 {
    let mut b = [0u8; 8];
    b[..5].copy_from_slice(code.as_bytes());
    u64::from_be_bytes(b)
}

/// Hashes a packed code (see [`key`]) with one multiply: the keys are trusted catalog
/// codes, so flooding resistance buys nothing here.
#[derive(Default)]
struct PackedCodeHasher(u64);

impl Hasher for PackedCodeHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(self.0 << 8 | u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // The code sits in the high bytes: fold them into the low bits the table indexes by.
        self.0 = h ^ (h >> 32);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Why a catalog file could not be read. Names the file and the entry.
#[derive(Debug, thiserror::Error)]
#[error("code catalog {source_name}: {message}")]
pub struct CatalogError {
    source_name: String,
    message: String,
}

impl Catalog {
    /// Parses one catalog file (TOML) and adds its entries. Nothing is added when the file
    /// has an error. `source_name` labels the entries (usually the file name).
    pub fn add_toml(&mut self, source_name: &str, text: &str) -> Result<(), CatalogError> {
        let err = |message: String| CatalogError {
            source_name: source_name.to_owned(),
            message,
        };
        let file: RawFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut defs = Vec::with_capacity(file.code.len());
        for (i, raw) in file.code.into_iter().enumerate() {
            let def = raw
                .resolve(file.effective, file.end, source_name)
                .map_err(|m| err(format!("entry {} ({}): {m}", i + 1, raw_code_hint(&m))))?;
            defs.push(def);
        }
        for def in defs {
            let k = key(def.code);
            let at = match self.keys.binary_search(&k) {
                Ok(at) => at,
                Err(at) => {
                    self.keys.insert(at, k);
                    self.by_code.insert(at, Vec::new());
                    self.index = self.keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
                    at
                }
            };
            let slot = &mut self.by_code[at];
            // A later file for the same dates replaces the earlier entry (a user override).
            slot.retain(|d| d.effective != def.effective || d.end != def.end);
            slot.push(def);
            slot.sort_by_key(|d| d.effective);
        }
        Ok(())
    }

    /// The entry for `code` on `date`.
    #[inline]
    pub fn lookup(&self, code: CptCode, date: NaiveDate) -> Result<&CodeDef, LookupError> {
        let defs = self
            .index
            .get(&key(code))
            .and_then(|&at| self.by_code.get(at));
        match defs.and_then(|defs| defs.iter().find(|d| d.effective <= date && date <= d.end)) {
            Some(def) if def.medicare_status != MedicareStatus::D => Ok(def),
            _ => Err(self.lookup_error(code, date)),
        }
    }

    /// Why `code` has no entry on `date` (kept out of line: the hot path never gets here).
    #[cold]
    fn lookup_error(&self, code: CptCode, date: NaiveDate) -> LookupError {
        let Some(defs) = self
            .index
            .get(&key(code))
            .and_then(|&at| self.by_code.get(at))
        else {
            return LookupError::Unknown(code);
        };
        if let Some(def) = defs.iter().find(|d| d.effective <= date && date <= d.end) {
            // Found on the date, so it is a deleted code.
            return deleted(def);
        }
        if let Some(def) = defs.iter().find(|d| d.medicare_status == MedicareStatus::D) {
            if date > def.end {
                return deleted(def);
            }
        }
        let ranges = defs
            .iter()
            .map(|d| format!("{} to {}", d.effective, d.end))
            .collect::<Vec<_>>()
            .join(", ");
        LookupError::NotOnDate { code, date, ranges }
    }

    /// Every entry, for listing.
    pub fn entries(&self) -> impl Iterator<Item = &CodeDef> {
        self.by_code.iter().flatten()
    }

    /// The first and last dates any entry covers, if any.
    pub fn coverage(&self) -> Option<(NaiveDate, NaiveDate)> {
        let live = || {
            self.entries()
                .filter(|d| d.medicare_status != MedicareStatus::D)
        };
        let first = live().map(|d| d.effective).min()?;
        let last = live().map(|d| d.end).max()?;
        Some((first, last))
    }
}

fn deleted(def: &CodeDef) -> LookupError {
    LookupError::Deleted {
        code: def.code,
        end: def.end,
        replaced_by: join_codes(&def.replaced_by),
    }
}

/// Joins codes as `A, B` for messages.
pub(crate) fn join_codes(codes: &[CptCode]) -> String {
    codes
        .iter()
        .map(CptCode::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn raw_code_hint(m: &str) -> &str {
    m.split(':').next().unwrap_or("")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[allow(dead_code)]
    year: u16,
    effective: NaiveDate,
    end: NaiveDate,
    code: Vec<RawCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    code: String,
    description: String,
    timing: String,
    interval: Option<u16>,
    threshold: Option<u16>,
    addon: Option<String>,
    addon_interval: Option<u16>,
    addon_threshold: Option<u16>,
    base: Option<String>,
    medicare_status: MedicareStatus,
    therapy: TherapyDesignation,
    #[serde(default)]
    evaluation: bool,
    #[serde(default)]
    reevaluation: bool,
    #[serde(default)]
    replaced_by: Vec<String>,
    effective: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

impl RawCode {
    fn resolve(
        &self,
        file_effective: NaiveDate,
        file_end: NaiveDate,
        source: &str,
    ) -> Result<CodeDef, String> {
        let code = CptCode::parse(&self.code).map_err(|e| format!("{}: {e}", self.code))?;
        let at = |e: String| format!("{code}: {e}");
        let parse = |s: &str| CptCode::parse(s).map_err(|e| at(e.to_string()));
        let positive = |name: &str, v: Option<u16>, default: Option<u16>| match v.or(default) {
            Some(0) => Err(at(format!("{name} must be more than 0"))),
            Some(v) => Ok(v),
            None => Err(at(format!(
                "{name} is required for timing {:?}",
                self.timing
            ))),
        };
        let timing = match self.timing.as_str() {
            "untimed" => Timing::Untimed,
            "timed" => {
                let interval = positive("interval", self.interval, Some(15))?;
                let threshold = positive("threshold", self.threshold, Some(interval / 2 + 1))?;
                Timing::Timed {
                    interval,
                    threshold,
                }
            }
            "initial" => {
                let addon = self
                    .addon
                    .as_deref()
                    .ok_or_else(|| at("addon is required for timing \"initial\"".into()))?;
                Timing::Initial {
                    interval: positive("interval", self.interval, None)?,
                    threshold: positive("threshold", self.threshold, None)?,
                    addon: parse(addon)?,
                    addon_interval: positive("addon_interval", self.addon_interval, None)?,
                    addon_threshold: positive("addon_threshold", self.addon_threshold, None)?,
                }
            }
            "addon" => {
                let base = self
                    .base
                    .as_deref()
                    .ok_or_else(|| at("base is required for timing \"addon\"".into()))?;
                Timing::Addon { base: parse(base)? }
            }
            other => {
                return Err(at(format!(
                    "timing {other:?} is not one of untimed, timed, initial, addon"
                )))
            }
        };
        let effective = self.effective.unwrap_or(file_effective);
        let end = self.end.unwrap_or(file_end);
        if end < effective {
            return Err(at(format!("end {end} is before effective {effective}")));
        }
        Ok(CodeDef {
            code,
            description: self.description.clone(),
            timing,
            medicare_status: self.medicare_status,
            therapy: self.therapy,
            evaluation: self.evaluation || self.reevaluation,
            reevaluation: self.reevaluation,
            replaced_by: self
                .replaced_by
                .iter()
                .map(|s| parse(s))
                .collect::<Result<_, _>>()?,
            effective,
            end,
            source: source.to_owned(),
        })
    }
}
