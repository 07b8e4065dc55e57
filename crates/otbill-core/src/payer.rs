//! Payer profiles: which time rule and modifier rules a payer's contract uses.
//!
//! Profiles are data (`data/payers/*.toml`); a practice adds its own file per contract.

use std::sync::Arc;

use serde::Deserialize;

/// How minutes become units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitMethod {
    /// Medicare's total-time rule (Pub. 100-04 Ch. 5 §20.2).
    MedicareTotalTime,
    /// CPT's per-code midpoint rule.
    CptMidpoint,
}

/// Which 10% de minimis calculation decides an assistant modifier (86 FR 65170-65171).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeMinimis {
    /// Assistant minutes over 10% of the total (the regulation's own words).
    Percentage,
    /// Total ÷ 10 rounded to the nearest minute, plus 1.
    Simple,
}

/// What kind of payer a profile is for; rules that apply to a program as a whole (Medicare
/// timely filing, the KX threshold, fee schedule pricing) key on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayerKind {
    /// Medicare Part B fee-for-service.
    Medicare,
    /// A Medicare Advantage plan.
    MedicareAdvantage,
    /// A state Medicaid program.
    Medicaid,
    /// A commercial contract.
    Commercial,
    /// Anything else (workers' compensation, auto, self-pay).
    Other,
}

/// A payer's billing rules.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PayerProfile {
    /// Short id used in visits (`medicare`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Medicare, Medicaid, commercial...
    pub kind: PayerKind,
    /// Time rule.
    pub unit_method: UnitMethod,
    /// Whether GO/GP/GN go on therapy lines.
    pub discipline_modifier: bool,
    /// Whether CO/CQ apply to assistant services.
    pub assistant_modifiers: bool,
    /// De minimis calculation for CO/CQ.
    pub de_minimis: DeMinimis,
    /// Whether the Medicare status column applies (97014 invalid, 97010 bundled).
    pub medicare_status: bool,
}

/// Why a payer profile file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("payer profile {source_name}: {message}")]
pub struct PayerError {
    source_name: String,
    message: String,
}

/// The loaded payer profiles.
#[derive(Clone, Debug, Default)]
pub struct Payers {
    // Each id is kept shared so a coded visit names its payer without copying the string.
    profiles: Vec<(Arc<str>, PayerProfile)>,
}

impl Payers {
    /// Parses one profile (TOML) and adds it, replacing a profile with the same id.
    pub fn add_toml(&mut self, source_name: &str, text: &str) -> Result<(), PayerError> {
        let profile: PayerProfile = toml::from_str(text).map_err(|e| PayerError {
            source_name: source_name.to_owned(),
            message: e.to_string(),
        })?;
        self.profiles.retain(|(_, p)| p.id != profile.id);
        self.profiles
            .push((Arc::from(profile.id.as_str()), profile));
        Ok(())
    }

    /// The profile with this id.
    pub fn get(&self, id: &str) -> Option<&PayerProfile> {
        self.get_shared(id).map(|(_, p)| p)
    }

    /// The profile with this id and its id as a shared string.
    pub fn get_shared(&self, id: &str) -> Option<(&Arc<str>, &PayerProfile)> {
        self.profiles
            .iter()
            .find(|(_, p)| p.id == id)
            .map(|(shared, p)| (shared, p))
    }

    /// All profile ids, for messages.
    pub fn ids(&self) -> Vec<&str> {
        self.profiles.iter().map(|(_, p)| p.id.as_str()).collect()
    }
}
