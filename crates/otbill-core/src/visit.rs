//! A visit as documented, and its resolution against the catalog and payer profiles.
//!
//! [`VisitInput`] mirrors the public JSON exactly (field-level shape only). [`Visit::resolve`]
//! turns it into a [`Visit`] whose codes exist on the date and whose minutes make sense, or
//! an [`InputError`] naming the field. Coding a resolved visit cannot fail.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::NaiveDate;
use otbill_types::{CptCode, Modifier};
use serde::Deserialize;
use smallvec::SmallVec;

use crate::catalog::{Catalog, CodeDef, Timing};
use crate::payer::{PayerProfile, Payers};

/// Most minutes one service may claim: a full clinic day.
pub const MAX_SERVICE_MINUTES: u32 = 480;
/// Most minutes a visit may claim in all.
pub const MAX_VISIT_MINUTES: u32 = 720;

/// The therapy discipline whose plan of care the visit is under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
pub enum Discipline {
    /// Occupational therapy.
    #[serde(rename = "OT")]
    Ot,
    /// Physical therapy.
    #[serde(rename = "PT")]
    Pt,
    /// Speech-language pathology.
    #[serde(rename = "SLP")]
    Slp,
}

impl Discipline {
    /// GO, GP or GN.
    pub fn plan_modifier(self) -> Modifier {
        match self {
            Discipline::Ot => Modifier::GO,
            Discipline::Pt => Modifier::GP,
            Discipline::Slp => Modifier::GN,
        }
    }

    /// The discipline as the JSON writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Discipline::Ot => "OT",
            Discipline::Pt => "PT",
            Discipline::Slp => "SLP",
        }
    }

    /// CO for OT, CQ for PT; Medicare has none for SLP assistants.
    pub fn assistant_modifier(self) -> Option<Modifier> {
        match self {
            Discipline::Ot => Some(Modifier::CO),
            Discipline::Pt => Some(Modifier::CQ),
            Discipline::Slp => None,
        }
    }
}

/// One visit as the public JSON carries it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitInput<'a> {
    /// Caller's own id, echoed back.
    #[serde(default, borrow)]
    pub id: Option<Cow<'a, str>>,
    /// Date of service.
    pub date: NaiveDate,
    /// Payer profile id.
    #[serde(borrow)]
    pub payer: Cow<'a, str>,
    /// Discipline; OT when absent.
    #[serde(default)]
    pub discipline: Option<Discipline>,
    /// Services documented.
    #[serde(borrow)]
    pub services: Vec<ServiceInput<'a>>,
}

/// One documented service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput<'a> {
    /// Procedure code.
    #[serde(borrow)]
    pub code: Cow<'a, str>,
    /// All minutes of the service.
    #[serde(default)]
    pub minutes: Option<u32>,
    /// The part of `minutes` the assistant furnished independently of the therapist.
    #[serde(default)]
    pub assistant_minutes: Option<u32>,
}

/// A visit whose every code and minute has been checked.
#[derive(Debug)]
pub struct Visit<'c> {
    /// Caller's id, borrowed from the input (copied once, into the coded visit).
    pub id: Option<&'c str>,
    /// Date of service.
    pub date: NaiveDate,
    /// The payer's rules.
    pub payer: &'c PayerProfile,
    /// The payer profile's id, shared with the coded visit.
    pub payer_id: &'c Arc<str>,
    /// Discipline.
    pub discipline: Discipline,
    /// Services, in input order.
    pub services: SmallVec<[Service<'c>; 8]>,
}

/// One checked service.
#[derive(Debug, Clone, Copy)]
pub struct Service<'c> {
    /// Its catalog entry for the date; for an add-on code, its base code's entry, since
    /// the family's minutes are counted together.
    pub def: &'c CodeDef,
    /// The code as entered (differs from `def.code` for an add-on code).
    pub entered: CptCode,
    /// All minutes.
    pub minutes: u32,
    /// Assistant's independent minutes (≤ minutes).
    pub assistant_minutes: u32,
}

impl Service<'_> {
    /// The code.
    pub fn code(&self) -> CptCode {
        self.def.code
    }
}

/// Bad input, naming the field (`services[1].minutes`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{field}: {message}")]
pub struct InputError {
    /// Path of the offending field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    /// An error on a field.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl<'c> Visit<'c> {
    /// Checks a visit against the catalog and payer profiles.
    pub fn resolve(
        input: &'c VisitInput<'_>,
        catalog: &'c Catalog,
        payers: &'c Payers,
    ) -> Result<Visit<'c>, InputError> {
        let (payer_id, payer) = payers.get_shared(&input.payer).ok_or_else(|| {
            InputError::new(
                "payer",
                format!(
                    "unknown payer profile {:?} (known: {})",
                    input.payer,
                    payers.ids().join(", ")
                ),
            )
        })?;
        if input.services.is_empty() {
            return Err(InputError::new(
                "services",
                "at least one service is required",
            ));
        }
        let mut services = SmallVec::with_capacity(input.services.len());
        let mut total = 0u32;
        for (i, s) in input.services.iter().enumerate() {
            let field = |name: &str| format!("services[{i}].{name}");
            let code = CptCode::parse(&s.code)
                .map_err(|e| InputError::new(field("code"), e.to_string()))?;
            let lookup = |c| {
                catalog
                    .lookup(c, input.date)
                    .map_err(|e| InputError::new(field("code"), e.to_string()))
            };
            let mut def = lookup(code)?;
            if let Timing::Addon { base } = def.timing {
                def = lookup(base)?;
            }
            let minutes = match (s.minutes, def.timing) {
                (Some(m), _) => m,
                (None, Timing::Untimed) => 0,
                (None, _) => {
                    return Err(InputError::new(
                        field("minutes"),
                        format!("{code} is a timed code: its minutes are required"),
                    ))
                }
            };
            if minutes > MAX_SERVICE_MINUTES {
                return Err(InputError::new(
                    field("minutes"),
                    format!("{minutes} minutes is more than {MAX_SERVICE_MINUTES} for one service"),
                ));
            }
            if def.timing.is_timed() && minutes == 0 {
                return Err(InputError::new(
                    field("minutes"),
                    format!(
                        "{code} is a timed code: 0 minutes cannot be billed; leave the service out"
                    ),
                ));
            }
            let assistant_minutes = s.assistant_minutes.unwrap_or(0);
            if assistant_minutes > minutes {
                return Err(InputError::new(
                    field("assistant_minutes"),
                    format!("{assistant_minutes} is more than the service's {minutes} minutes (assistant minutes are part of them)"),
                ));
            }
            total += minutes;
            services.push(Service {
                def,
                entered: code,
                minutes,
                assistant_minutes,
            });
        }
        if total > MAX_VISIT_MINUTES {
            return Err(InputError::new(
                "services",
                format!("{total} minutes in one visit is more than {MAX_VISIT_MINUTES}"),
            ));
        }
        Ok(Visit {
            id: input.id.as_deref(),
            date: input.date,
            payer,
            payer_id,
            discipline: input.discipline.unwrap_or(Discipline::Ot),
            services,
        })
    }
}
