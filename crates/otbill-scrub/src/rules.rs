//! All loaded rule tables, and the choice of table for a date of service.
//!
//! Several releases of one kind may be loaded at once (each quarter's NCCI files, each
//! year's RVUs). For a date of service the set prefers a **real** table whose dates cover
//! it, then a sample one; callers warn whenever no real table covered the date.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::fees::{ConversionFactors, KxThresholds};
use crate::tables::{gpci::GpciTable, gpci::Locality, mue::MueTable, ptp::PtpTable, rvu::RvuTable};
use crate::{LoadError, Source};

/// The kinds of CMS file the scrubber loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// NCCI practitioner PTP edits (tab-delimited).
    Ptp,
    /// Practitioner MUE table (CSV).
    Mue,
    /// PPRRVU national relative value file (CSV).
    Pprrvu,
    /// GPCI file (CSV).
    Gpci,
}

impl Kind {
    /// All kinds, in status order.
    pub const ALL: [Kind; 4] = [Kind::Ptp, Kind::Mue, Kind::Pprrvu, Kind::Gpci];

    /// Parses `ptp`, `mue`, `pprrvu` (or `rvu`), `gpci`.
    pub fn parse(s: &str) -> Option<Kind> {
        match s.to_ascii_lowercase().as_str() {
            "ptp" | "ncci-ptp" => Some(Kind::Ptp),
            "mue" | "ncci-mue" => Some(Kind::Mue),
            "pprrvu" | "rvu" => Some(Kind::Pprrvu),
            "gpci" => Some(Kind::Gpci),
            _ => None,
        }
    }

    /// The folder under the data directory that holds this kind.
    pub fn dir(self) -> &'static str {
        match self {
            Kind::Ptp => "ncci/ptp",
            Kind::Mue => "ncci/mue",
            Kind::Pprrvu => "fees/pprrvu",
            Kind::Gpci => "fees/gpci",
        }
    }

    /// Default last date a release is meant for: NCCI files are quarterly, RVU and GPCI
    /// files yearly (a later quarter's RVU release replaces an earlier one by date).
    pub fn default_through(self, from: NaiveDate) -> NaiveDate {
        match self {
            Kind::Ptp | Kind::Mue => crate::source::quarter_end(from),
            Kind::Pprrvu | Kind::Gpci => {
                NaiveDate::from_ymd_opt(from.year(), 12, 31).unwrap_or(from)
            }
        }
    }
}

/// One entry of a kind's `manifest.toml`: which file, for which dates, sample or real.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// File name inside the kind's folder.
    pub file: String,
    /// First date of service.
    pub effective_from: NaiveDate,
    /// Last date of service, if bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_through: Option<NaiveDate>,
    /// Synthetic sample data.
    pub sample: bool,
}

impl ManifestEntry {
    /// The source label and dates for the loader.
    pub fn source(&self) -> Source {
        Source {
            label: self.file.clone(),
            effective_from: self.effective_from,
            effective_through: self.effective_through,
            sample: self.sample,
        }
    }
}

/// A kind folder's manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Files, in load order.
    #[serde(default)]
    pub file: Vec<ManifestEntry>,
}

impl Manifest {
    /// Parses `manifest.toml`.
    pub fn parse(label: &str, text: &str) -> Result<Manifest, LoadError> {
        toml::from_str(text).map_err(|e| LoadError::new(label, 0, e.message().to_owned()))
    }

    /// Writes it back as TOML.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Files of this kind, for which dates of service, and whether they are SAMPLE data.\n\
             # Written by `otbill data import`; edit by hand only to correct dates.\n",
        );
        out.push_str(&toml::to_string(self).unwrap_or_default());
        out
    }

    /// Adds or replaces the entry for a file name.
    pub fn upsert(&mut self, entry: ManifestEntry) {
        self.file.retain(|e| e.file != entry.file);
        self.file.push(entry);
    }
}

/// Every loaded table.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    ptp: Vec<PtpTable>,
    mue: Vec<MueTable>,
    rvu: Vec<RvuTable>,
    gpci: Vec<GpciTable>,
    /// Conversion factors.
    pub conversion_factors: ConversionFactors,
    /// KX thresholds.
    pub kx: KxThresholds,
}

/// A table chosen for a date, and whether it is real and covers the date.
#[derive(Clone, Copy, Debug)]
pub struct Chosen<'a, T> {
    /// The table, if any was loaded.
    pub table: Option<&'a T>,
    /// True when a real (non-sample) table covers the date.
    pub real: bool,
}

impl RuleSet {
    /// Adds a PTP table. Parts of the same release (same label stem and dates) may be added
    /// one by one; they are merged.
    pub fn add_ptp(&mut self, table: PtpTable) {
        if let Some(i) = self
            .ptp
            .iter()
            .position(|t| same_release(t.source(), table.source()))
        {
            let existing = self.ptp.swap_remove(i);
            self.ptp.push(existing.merge(table));
        } else {
            self.ptp.push(table);
        }
    }

    /// Adds an MUE table.
    pub fn add_mue(&mut self, table: MueTable) {
        self.mue.push(table);
    }

    /// Adds an RVU table.
    pub fn add_rvu(&mut self, table: RvuTable) {
        self.rvu.push(table);
    }

    /// Adds a GPCI table.
    pub fn add_gpci(&mut self, table: GpciTable) {
        self.gpci.push(table);
    }

    /// Parses and adds a file of the given kind.
    pub fn add_text(&mut self, kind: Kind, text: &str, source: Source) -> Result<(), LoadError> {
        match kind {
            Kind::Ptp => self.add_ptp(PtpTable::parse(text, source)?),
            Kind::Mue => self.add_mue(MueTable::parse(text, source)?),
            Kind::Pprrvu => self.add_rvu(RvuTable::parse(text, source)?),
            Kind::Gpci => self.add_gpci(GpciTable::parse(text, source)?),
        }
        Ok(())
    }

    /// The PTP table for a date.
    pub fn ptp_for(&self, date: NaiveDate) -> Chosen<'_, PtpTable> {
        choose(&self.ptp, date, PtpTable::source)
    }

    /// The MUE table for a date.
    pub fn mue_for(&self, date: NaiveDate) -> Chosen<'_, MueTable> {
        choose(&self.mue, date, MueTable::source)
    }

    /// The RVU table for a date: the latest release of the date's year in force on the
    /// date; else the latest loaded year (`exact` false: the caller warns).
    pub fn rvu_for(&self, date: NaiveDate) -> Option<(&RvuTable, bool)> {
        let same_year = self
            .rvu
            .iter()
            .filter(|t| t.year() == date.year() && t.effective_from() <= date)
            .max_by_key(|t| (!t.source().sample, t.effective_from()));
        if let Some(t) = same_year {
            return Some((t, true));
        }
        let earlier = self
            .rvu
            .iter()
            .filter(|t| t.effective_from() <= date)
            .max_by_key(|t| (t.year(), t.effective_from()));
        earlier
            .or_else(|| self.rvu.iter().min_by_key(|t| t.effective_from()))
            .map(|t| (t, false))
    }

    /// The locality for a date: from a table covering the date (real first), else from
    /// the latest table that lists it (`covered` false).
    pub fn locality_for(
        &self,
        date: NaiveDate,
        key: &str,
    ) -> Option<(&Locality, &GpciTable, bool)> {
        let rank = |t: &GpciTable| {
            (
                t.source().covers(date),
                !t.source().sample,
                t.source().effective_from,
            )
        };
        self.gpci
            .iter()
            .filter_map(|t| t.get(key).map(|l| (l, t)))
            .max_by_key(|(_, t)| rank(t))
            .map(|(l, t)| (l, t, t.source().covers(date)))
    }

    /// Loaded tables of each kind, for `otbill data status`.
    pub fn sources(&self) -> Vec<(Kind, &Source, usize)> {
        let mut out = Vec::new();
        out.extend(self.ptp.iter().map(|t| (Kind::Ptp, t.source(), t.len())));
        out.extend(self.mue.iter().map(|t| (Kind::Mue, t.source(), t.len())));
        out.extend(self.rvu.iter().map(|t| (Kind::Pprrvu, t.source(), t.len())));
        out.extend(
            self.gpci
                .iter()
                .map(|t| (Kind::Gpci, t.source(), t.localities().len())),
        );
        out
    }
}

fn same_release(a: &Source, b: &Source) -> bool {
    let stem = |s: &str| {
        s.rsplit_once("-f")
            .map_or(s.to_owned(), |(x, _)| x.to_owned())
    };
    a.effective_from == b.effective_from
        && a.effective_through == b.effective_through
        && a.label != b.label
        && stem(&a.label) == stem(&b.label)
}

fn choose<'a, T>(tables: &'a [T], date: NaiveDate, source: fn(&T) -> &Source) -> Chosen<'a, T> {
    let best = |sample: bool| {
        tables
            .iter()
            .filter(|t| source(t).sample == sample && source(t).covers(date))
            .max_by_key(|t| source(t).effective_from)
    };
    if let Some(t) = best(false) {
        return Chosen {
            table: Some(t),
            real: true,
        };
    }
    Chosen {
        table: best(true),
        real: false,
    }
}

/// The data files shipped in the repository's `data/` folder, compiled in:
/// `(kind, manifest entry, contents)`.
pub const BUILTIN_TABLES: &[(Kind, &str, &str)] = &[
    (
        Kind::Pprrvu,
        include_str!("../../../data/fees/pprrvu/manifest.toml"),
        include_str!("../../../data/fees/pprrvu/PPRRVU2025-OT-subset.csv"),
    ),
    (
        Kind::Gpci,
        include_str!("../../../data/fees/gpci/manifest.toml"),
        include_str!("../../../data/fees/gpci/GPCI2025-SAMPLE.csv"),
    ),
    (
        Kind::Ptp,
        include_str!("../../../data/ncci/ptp/manifest.toml"),
        include_str!("../../../data/ncci/ptp/ccipra-SAMPLE-v313r0-f1.txt"),
    ),
    (
        Kind::Mue,
        include_str!("../../../data/ncci/mue/manifest.toml"),
        include_str!("../../../data/ncci/mue/mue-practitioner-2025-q4-SAMPLE.csv"),
    ),
];

/// The shipped conversion factors.
pub const BUILTIN_CONVERSION_FACTORS: &str =
    include_str!("../../../data/fees/conversion-factors.toml");
/// The shipped KX thresholds.
pub const BUILTIN_KX: &str = include_str!("../../../data/kx/thresholds.toml");

/// The shipped rule tables, parsed. Each builtin manifest has one entry; its file name is
/// the one compiled in.
pub fn builtin() -> Result<RuleSet, LoadError> {
    let mut rules = RuleSet::default();
    for (kind, manifest, text) in BUILTIN_TABLES {
        let m = Manifest::parse(kind.dir(), manifest)?;
        let entry = m
            .file
            .first()
            .ok_or_else(|| LoadError::new(kind.dir(), 0, "builtin manifest lists no file"))?;
        rules.add_text(*kind, text, entry.source())?;
    }
    rules.conversion_factors =
        ConversionFactors::parse("fees/conversion-factors.toml", BUILTIN_CONVERSION_FACTORS)?;
    rules.kx = KxThresholds::parse("kx/thresholds.toml", BUILTIN_KX)?;
    Ok(rules)
}
