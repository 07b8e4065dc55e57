//! The practice's records: practice and billing provider, rendering providers, payers,
//! patients with coverage, plans of care, authorizations, visits with services.
//!
//! Inputs are plain serde structs (the CLI reads them as JSON; the web server will too).
//! Every identifier is checked before anything is written: NPI check digit, taxonomy shape
//! and OT/OTA class, EIN and ZIP digits, ICD-10-CM shape, date order. A bad record is
//! refused whole, naming the field, and error messages never echo patient data.
//!
//! Rendering providers and payers, which are corrected and deactivated rather than deleted,
//! are in [`crate::directory`].

use chrono::NaiveDate;
use otbill_types::{CptCode, Icd10, Npi};
use serde::{Deserialize, Serialize};

use crate::db::{params, Conn, Row};
use crate::{now, Error, Store};

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street line.
    pub line1: String,
    /// Suite, apartment.
    #[serde(default)]
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Two-letter state code.
    pub state: String,
    /// 5 or 9 digits.
    pub zip: String,
}

/// The practice and its billing provider, and how it talks to its clearinghouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    /// Legal name (billing provider NM103).
    pub name: String,
    /// Type 2 (organisation) NPI.
    pub npi: String,
    /// Employer identification number, 9 digits.
    pub ein: String,
    /// NUCC taxonomy of the billing provider.
    pub taxonomy: String,
    /// Street address with a 9-digit ZIP.
    pub address: Address,
    /// Our id at the clearinghouse (ISA06, 1000A).
    pub submitter_id: String,
    /// The clearinghouse's id (ISA08, 1000B).
    pub receiver_id: String,
    /// The clearinghouse's name.
    pub receiver_name: String,
    /// Billing contact.
    pub contact_name: String,
    /// Billing contact phone, digits.
    pub contact_phone: String,
    /// `test` or `production` (ISA15).
    #[serde(default = "test_usage")]
    pub usage: String,
}

fn test_usage() -> String {
    "test".into()
}

/// OT or OTA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Credential {
    /// Occupational therapist.
    OT,
    /// Occupational therapy assistant.
    OTA,
}

impl Credential {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Credential::OT => "OT",
            Credential::OTA => "OTA",
        }
    }
}

/// A rendering provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Type 1 NPI.
    pub npi: String,
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// OT or OTA.
    pub credential: Credential,
    /// NUCC taxonomy: `225X…` for an OT, `224Z…` for an OTA.
    pub taxonomy: String,
    /// The supervising OT's NPI, for an OTA.
    #[serde(default)]
    pub supervisor_npi: Option<String>,
}

/// A payer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    /// The payer id the clearinghouse routes on (2010BB NM109), also the 835 payer key.
    pub payer_id: String,
    /// Name.
    pub name: String,
    /// The coding profile (`medicare`, `commercial`...).
    pub profile: String,
    /// Claim filing indicator (SBR09): `MB`, `CI`, `MC`, `BL`...
    pub filing_indicator: String,
}

/// A rendering provider as stored: its id, whether new visits and plans may name it, and
/// the record. Serialized flat (`{"id", "active", "npi", ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderEntry {
    /// Row id (`/api/v1/providers/{id}`).
    pub id: i64,
    /// False once deactivated: kept with its history, refused for new visits and plans.
    pub active: bool,
    /// The record.
    #[serde(flatten)]
    pub provider: Provider,
}

/// A payer as stored: its id, whether new coverages and claims may use it, and the record.
/// Serialized flat (`{"id", "active", "payer_id", ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayerEntry {
    /// Row id (`/api/v1/payers/{id}`).
    pub id: i64,
    /// False once deactivated: kept with its history, refused for new coverages,
    /// authorizations and claims.
    pub active: bool,
    /// The record.
    #[serde(flatten)]
    pub payer: Payer,
}

/// Which provider: by row id or by NPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKey<'a> {
    /// The row id.
    Id(i64),
    /// The NPI currently on file.
    Npi(&'a str),
}

/// Which payer: by row id or by the payer id the clearinghouse routes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerKey<'a> {
    /// The row id.
    Id(i64),
    /// The payer id currently on file.
    PayerId(&'a str),
}

/// A patient with insurance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    /// The practice's account number (unique).
    pub account: String,
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// `F`, `M` or `U`.
    pub gender: String,
    /// Home address.
    pub address: Address,
    /// Insurance, primary first.
    #[serde(default)]
    pub coverages: Vec<Coverage>,
}

/// One insurance of a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// The payer's id ([`Payer::payer_id`]).
    pub payer_id: String,
    /// 1 primary, 2 secondary, 3 tertiary.
    pub rank: u8,
    /// Member id on the card.
    pub member_id: String,
    /// Group or policy number.
    #[serde(default)]
    pub group_number: Option<String>,
    /// The patient's relation to the subscriber: `self`, `spouse`, `child`, `other`.
    #[serde(default = "self_rel")]
    pub relationship: String,
    /// The subscriber, when not the patient.
    #[serde(default)]
    pub subscriber: Option<Subscriber>,
    /// First day covered.
    pub effective: NaiveDate,
    /// Last day covered.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}

fn self_rel() -> String {
    "self".into()
}

/// The insured person when it is not the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// `F`, `M`, `U`.
    pub gender: String,
}

/// A plan of care with its certification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanOfCare {
    /// The patient's account.
    pub patient_account: String,
    /// The OT who wrote the plan.
    pub provider_npi: String,
    /// `OT` (this product bills occupational therapy).
    #[serde(default = "ot")]
    pub discipline: String,
    /// First day of the plan (evaluation).
    pub start: NaiveDate,
    /// When the physician or NPP signed it, if signed.
    #[serde(default)]
    pub certified: Option<NaiveDate>,
    /// Last day the certification covers (at most 90 days for Medicare).
    pub certified_through: NaiveDate,
    /// The certifying physician's NPI.
    pub referring_npi: String,
    /// The certifying physician's last name.
    pub referring_last_name: String,
    /// The certifying physician's first name.
    pub referring_first_name: String,
    /// ICD-10-CM codes, principal first.
    pub diagnoses: Vec<String>,
    /// A progress report is due every this many treatment days (Medicare: 10).
    #[serde(default = "ten")]
    pub progress_every: u32,
}

fn ot() -> String {
    "OT".into()
}

fn ten() -> u32 {
    10
}

/// A prior authorization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// The patient's account.
    pub patient_account: String,
    /// The payer's id.
    pub payer_id: String,
    /// Authorization number.
    pub number: String,
    /// Visits allowed.
    #[serde(default)]
    pub visits_allowed: Option<u32>,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

/// A visit as documented: minutes per service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    /// The patient's account.
    pub patient_account: String,
    /// The treating provider's NPI.
    pub provider_npi: String,
    /// Date of service.
    pub date: NaiveDate,
    /// Place of service, `11` office by default.
    #[serde(default = "office")]
    pub place_of_service: String,
    /// A progress report was written at this visit.
    #[serde(default)]
    pub progress_report: bool,
    /// Services, with minutes for timed codes.
    pub services: Vec<VisitService>,
}

fn office() -> String {
    "11".into()
}

/// One documented service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitService {
    /// CPT/HCPCS code.
    pub code: String,
    /// Minutes (timed codes).
    #[serde(default)]
    pub minutes: Option<u32>,
    /// Minutes furnished by an assistant.
    #[serde(default)]
    pub assistant_minutes: Option<u32>,
}

pub(crate) fn npi(field: &str, s: &str) -> Result<Npi, Error> {
    Npi::parse(s).map_err(|e| Error::invalid(field, e.to_string()))
}

pub(crate) fn taxonomy(field: &str, s: &str) -> Result<(), Error> {
    let ok = s.len() == 10
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && s.ends_with('X');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{s:?} is not a NUCC taxonomy code (10 characters ending in X)"),
        ))
    }
}

fn digits(field: &str, s: &str, lens: &[usize]) -> Result<(), Error> {
    if s.bytes().all(|b| b.is_ascii_digit()) && lens.contains(&s.len()) {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("must be {lens:?} digits")))
    }
}

pub(crate) fn nonempty(field: &str, s: &str, max: usize) -> Result<(), Error> {
    if s.trim().is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    if s.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    // These go into X12 elements: refuse the delimiters we and common receivers use.
    if s.contains(['*', '~', ':', '^', '\n', '\r']) {
        return Err(Error::invalid(
            field,
            "contains a character X12 reserves (* ~ : ^ or a line break)",
        ));
    }
    Ok(())
}

fn address(field: &str, a: &Address, zip9: bool) -> Result<(), Error> {
    nonempty(&format!("{field}.line1"), &a.line1, 55)?;
    if let Some(l2) = &a.line2 {
        nonempty(&format!("{field}.line2"), l2, 55)?;
    }
    nonempty(&format!("{field}.city"), &a.city, 30)?;
    if a.state.len() != 2 || !a.state.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(
            format!("{field}.state"),
            "must be a two-letter code",
        ));
    }
    digits(
        &format!("{field}.zip"),
        &a.zip,
        if zip9 { &[9] } else { &[5, 9] },
    )
}

fn gender(field: &str, g: &str) -> Result<(), Error> {
    if matches!(g, "F" | "M" | "U") {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be F, M or U"))
    }
}

impl Store {
    /// Sets the settings of the practice the store is scoped to, replacing what was there.
    pub fn set_practice(&mut self, p: &Practice) -> Result<(), Error> {
        nonempty("practice.name", &p.name, 60)?;
        npi("practice.npi", &p.npi)?;
        digits("practice.ein", &p.ein, &[9])?;
        taxonomy("practice.taxonomy", &p.taxonomy)?;
        address("practice.address", &p.address, true)?;
        nonempty("practice.submitter_id", &p.submitter_id, 15)?;
        nonempty("practice.receiver_id", &p.receiver_id, 15)?;
        nonempty("practice.receiver_name", &p.receiver_name, 60)?;
        nonempty("practice.contact_name", &p.contact_name, 60)?;
        digits("practice.contact_phone", &p.contact_phone, &[10])?;
        if !matches!(p.usage.as_str(), "test" | "production") {
            return Err(Error::invalid(
                "practice.usage",
                "must be test or production",
            ));
        }
        let actor = self.actor.clone();
        self.tx(|c| {
            c.exec("DELETE FROM practice WHERE id = $P", params![])?;
            c.exec(
                "INSERT INTO practice (id, name, npi, ein, taxonomy, line1, line2, city, state, zip, \
                 submitter_id, receiver_id, receiver_name, contact_name, contact_phone, usage, \
                 updated_at, updated_by) VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 $12, $13, $14, $15, $16, $17)",
                params![&p.name, &p.npi, &p.ein, &p.taxonomy, &p.address.line1, p.address.line2.clone(),
                    &p.address.city, &p.address.state, &p.address.zip, &p.submitter_id, &p.receiver_id,
                    &p.receiver_name, &p.contact_name, &p.contact_phone, &p.usage, now(), actor],
            )?;
            Ok(())
        })
    }

    /// The settings of the practice the store is scoped to, if set.
    pub fn practice(&mut self) -> Result<Option<Practice>, Error> {
        let row = self.conn.one(
            "SELECT name, npi, ein, taxonomy, line1, line2, city, state, zip, submitter_id, \
             receiver_id, receiver_name, contact_name, contact_phone, usage FROM practice WHERE id = $P",
            params![],
        )?;
        Ok(row.map(|r| Practice {
            name: r.text(0),
            npi: r.text(1),
            ein: r.text(2),
            taxonomy: r.text(3),
            address: Address {
                line1: r.text(4),
                line2: r.opt_text(5),
                city: r.text(6),
                state: r.text(7),
                zip: r.text(8),
            },
            submitter_id: r.text(9),
            receiver_id: r.text(10),
            receiver_name: r.text(11),
            contact_name: r.text(12),
            contact_phone: r.text(13),
            usage: r.text(14),
        }))
    }

    /// Adds a patient with their coverages in one transaction; returns the patient id.
    pub fn add_patient(&mut self, p: &Patient) -> Result<i64, Error> {
        nonempty("patient.account", &p.account, 20)?;
        nonempty("patient.last_name", &p.last_name, 60)?;
        nonempty("patient.first_name", &p.first_name, 35)?;
        gender("patient.gender", &p.gender)?;
        if p.birth_date > crate::today() {
            return Err(Error::invalid("patient.birth_date", "is in the future"));
        }
        address("patient.address", &p.address, false)?;
        let mut payer_ids = Vec::new();
        for (i, c) in p.coverages.iter().enumerate() {
            let id = self.check_coverage(&format!("patient.coverages[{i}]"), c)?;
            payer_ids.push(id);
        }
        let (p, now, actor) = (p.clone(), now(), self.actor.clone());
        self.tx(|c| {
            let id = c.insert(
                "INSERT INTO patients (practice_id, account, last_name, first_name, birth_date, gender, line1, line2, \
                 city, state, zip, created_at, created_by) VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11, $12) RETURNING id",
                params![p.account, p.last_name, p.first_name, p.birth_date.to_string(), p.gender,
                    p.address.line1, p.address.line2, p.address.city, p.address.state, p.address.zip,
                    now, actor],
            ).map_err(|e| match e {
                Error::Conflict(_) => Error::Conflict("a patient with this account number".into()),
                e => e,
            })?;
            for (cov, payer) in p.coverages.iter().zip(payer_ids) {
                let s = cov.subscriber.as_ref();
                c.exec(
                    "INSERT INTO coverages (practice_id, patient_id, payer_id, rank, member_id, group_number, \
                     relationship, subscriber_last, subscriber_first, subscriber_birth_date, \
                     subscriber_gender, effective, expires) VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, \
                     $9, $10, $11, $12)",
                    params![id, payer, i64::from(cov.rank), &cov.member_id, cov.group_number.clone(),
                        &cov.relationship, s.map(|s| s.last_name.clone()), s.map(|s| s.first_name.clone()),
                        s.map(|s| s.birth_date.to_string()), s.map(|s| s.gender.clone()),
                        cov.effective.to_string(), cov.expires.map(|d| d.to_string())],
                )?;
            }
            Ok(id)
        })
    }

    /// The checks of one coverage, errors naming `f.member_id`, `f.rank`...; returns the row
    /// id of its (active) payer.
    fn check_coverage(&mut self, f: &str, c: &Coverage) -> Result<i64, Error> {
        nonempty(&format!("{f}.member_id"), &c.member_id, 80)?;
        if !(1..=3).contains(&c.rank) {
            return Err(Error::invalid(format!("{f}.rank"), "must be 1, 2 or 3"));
        }
        if !matches!(
            c.relationship.as_str(),
            "self" | "spouse" | "child" | "other"
        ) {
            return Err(Error::invalid(
                format!("{f}.relationship"),
                "must be self, spouse, child or other",
            ));
        }
        if (c.relationship == "self") != c.subscriber.is_none() {
            return Err(Error::invalid(
                format!("{f}.subscriber"),
                "is given exactly when relationship is not self",
            ));
        }
        if let Some(s) = &c.subscriber {
            gender(&format!("{f}.subscriber.gender"), &s.gender)?;
        }
        if c.expires.is_some_and(|e| e < c.effective) {
            return Err(Error::invalid(
                format!("{f}.expires"),
                "is before effective",
            ));
        }
        self.active_payer(&format!("{f}.payer_id"), &c.payer_id)
    }

    /// Replaces a patient's coverage of rank `rank` (1 primary, 2 secondary, 3 tertiary)
    /// whole, or adds it when the patient has none of that rank, with the checks of
    /// [`Store::add_patient`] (errors name `coverage.payer_id`, `coverage.member_id`...;
    /// the payer must be active; `coverage.rank` must be `rank`).
    ///
    /// History rule: the row is updated in place (one coverage per patient and rank), so
    /// claims keep pointing at it. Claims already made keep the coverage they were made
    /// with (`claim_json` is the claim as made, payer and subscriber included); each of
    /// the patient's claims of that rank not yet in a batch gets a `coverage_updated`
    /// event (no values: member ids are PHI). Who changed which patient's coverage and
    /// when is the server's audit log. Visits held (`blocked`, e.g. `PAYER_INACTIVE`) are
    /// not re-run here: [`Store::claim_visit`] codes them again with the new coverage
    /// ([`Store::held_visits`] lists them).
    pub fn update_coverage(
        &mut self,
        patient_id: i64,
        rank: u8,
        cov: &Coverage,
    ) -> Result<(), Error> {
        load_one(
            &mut self.conn,
            "SELECT id FROM patients WHERE patients.practice_id = $P AND id = $1",
            patient_id,
            "patient",
        )?;
        if !(1..=3).contains(&rank) {
            return Err(Error::invalid("rank", "must be 1, 2 or 3"));
        }
        if cov.rank != rank {
            return Err(Error::invalid(
                "coverage.rank",
                "must be the rank in the path",
            ));
        }
        let payer = self.check_coverage("coverage", cov)?;
        let (cov, actor) = (cov.clone(), self.actor.clone());
        self.tx(|c| {
            let s = cov.subscriber.as_ref();
            let existing = c.one(
                "SELECT id FROM coverages WHERE coverages.practice_id = $P AND patient_id = $1 AND rank = $2",
                params![patient_id, i64::from(rank)],
            )?;
            let values = params![patient_id, payer, i64::from(rank), &cov.member_id, cov.group_number.clone(),
                &cov.relationship, s.map(|s| s.last_name.clone()), s.map(|s| s.first_name.clone()),
                s.map(|s| s.birth_date.to_string()), s.map(|s| s.gender.clone()),
                cov.effective.to_string(), cov.expires.map(|d| d.to_string())];
            if existing.is_some() {
                c.exec(
                    "UPDATE coverages SET payer_id = $2, member_id = $4, group_number = $5, \
                     relationship = $6, subscriber_last = $7, subscriber_first = $8, \
                     subscriber_birth_date = $9, subscriber_gender = $10, effective = $11, \
                     expires = $12 WHERE practice_id = $P AND patient_id = $1 AND rank = $3",
                    values,
                )?;
            } else {
                c.exec(
                    "INSERT INTO coverages (practice_id, patient_id, payer_id, rank, member_id, group_number, \
                     relationship, subscriber_last, subscriber_first, subscriber_birth_date, \
                     subscriber_gender, effective, expires) VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, \
                     $9, $10, $11, $12)",
                    values,
                )?;
            }
            let open = c.query(
                "SELECT id FROM claims WHERE claims.practice_id = $P AND patient_id = $1 AND rank = $2 AND batch_id IS NULL \
                 AND status IN ('ready', 'blocked') ORDER BY id",
                params![patient_id, i64::from(rank)],
            )?;
            for r in &open {
                crate::claims::event(
                    c,
                    r.int(0),
                    &actor,
                    "coverage_updated",
                    &format!(
                        "the patient's rank {rank} coverage changed after this claim was made; \
                         the claim keeps the coverage it was made with"
                    ),
                )?;
            }
            Ok(())
        })
    }

    /// A patient's coverage of one rank as stored (the payer by its payer id), if any; an
    /// unknown patient is `NotFound`.
    pub fn coverage(&mut self, patient_id: i64, rank: u8) -> Result<Option<Coverage>, Error> {
        load_one(
            &mut self.conn,
            "SELECT id FROM patients WHERE patients.practice_id = $P AND id = $1",
            patient_id,
            "patient",
        )?;
        let row = self.conn.one(
            "SELECT p.payer_id, c.member_id, c.group_number, c.relationship, c.subscriber_last, \
             c.subscriber_first, c.subscriber_birth_date, c.subscriber_gender, c.effective, \
             c.expires FROM coverages c JOIN payers p ON p.id = c.payer_id \
             WHERE c.practice_id = $P AND c.patient_id = $1 AND c.rank = $2",
            params![patient_id, i64::from(rank)],
        )?;
        let Some(r) = row else { return Ok(None) };
        let day = |s: String| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|_| Error::Db("bad stored date".into()))
        };
        let subscriber = match (r.opt_text(4), r.opt_text(5), r.opt_text(6), r.opt_text(7)) {
            (Some(last_name), Some(first_name), Some(birth), Some(gender)) => Some(Subscriber {
                last_name,
                first_name,
                birth_date: day(birth)?,
                gender,
            }),
            _ => None,
        };
        Ok(Some(Coverage {
            payer_id: r.text(0),
            rank,
            member_id: r.text(1),
            group_number: r.opt_text(2),
            relationship: r.text(3),
            subscriber,
            effective: day(r.text(8))?,
            expires: r.opt_text(9).map(day).transpose()?,
        }))
    }

    /// A patient's visits held by an error finding (`blocked`), oldest first: the ones to
    /// code again with [`Store::claim_visit`] once the cause (a coverage, a payer) is fixed.
    pub fn held_visits(&mut self, patient_id: i64) -> Result<Vec<i64>, Error> {
        let rows = self.conn.query(
            "SELECT id FROM visits WHERE visits.practice_id = $P AND patient_id = $1 AND status = 'blocked' \
             ORDER BY service_date, id",
            params![patient_id],
        )?;
        Ok(rows.iter().map(|r| r.int(0)).collect())
    }

    pub(crate) fn payer_key(&mut self, payer_id: &str) -> Result<i64, Error> {
        self.conn
            .one(
                "SELECT id FROM payers WHERE payers.practice_id = $P AND payer_id = $1",
                params![payer_id],
            )?
            .map(|r| r.int(0))
            .ok_or_else(|| Error::NotFound(format!("payer {payer_id}")))
    }

    pub(crate) fn patient_id(&mut self, account: &str) -> Result<i64, Error> {
        self.conn
            .one(
                "SELECT id FROM patients WHERE patients.practice_id = $P AND account = $1",
                params![account],
            )?
            .map(|r| r.int(0))
            .ok_or_else(|| Error::NotFound("patient with that account number".into()))
    }

    /// Patients as `(id, account)`, for listings that must not show names.
    pub fn patient_accounts(&mut self) -> Result<Vec<(i64, String)>, Error> {
        let rows = self.conn.query(
            "SELECT id, account FROM patients WHERE patients.practice_id = $P ORDER BY id",
            params![],
        )?;
        Ok(rows.iter().map(|r| (r.int(0), r.text(1))).collect())
    }

    /// Adds a plan of care; returns its id.
    pub fn add_plan(&mut self, p: &PlanOfCare) -> Result<i64, Error> {
        let patient = self
            .patient_id(&p.patient_account)
            .map_err(|_| Error::invalid("plan.patient_account", "no patient with this account"))?;
        let provider = self.active_provider("plan.provider_npi", &p.provider_npi)?;
        npi("plan.referring_npi", &p.referring_npi)?;
        nonempty("plan.referring_last_name", &p.referring_last_name, 60)?;
        nonempty("plan.referring_first_name", &p.referring_first_name, 35)?;
        if p.discipline != "OT" {
            return Err(Error::invalid("plan.discipline", "must be OT"));
        }
        if p.certified_through < p.start {
            return Err(Error::invalid("plan.certified_through", "is before start"));
        }
        if p.certified
            .is_some_and(|c| c < p.start - chrono::Days::new(30))
        {
            return Err(Error::invalid(
                "plan.certified",
                "is more than 30 days before the plan starts",
            ));
        }
        if p.diagnoses.is_empty() || p.diagnoses.len() > 12 {
            return Err(Error::invalid(
                "plan.diagnoses",
                "must list 1 to 12 ICD-10-CM codes",
            ));
        }
        for (i, d) in p.diagnoses.iter().enumerate() {
            Icd10::parse(d)
                .map_err(|e| Error::invalid(format!("plan.diagnoses[{i}]"), e.to_string()))?;
        }
        if p.progress_every == 0 {
            return Err(Error::invalid("plan.progress_every", "must be at least 1"));
        }
        let (p, now) = (p.clone(), now());
        self.tx(|c| {
            c.insert(
                "INSERT INTO plans_of_care (practice_id, patient_id, provider_id, discipline, start_date, certified_date, \
                 certified_through, referring_npi, referring_last, referring_first, diagnoses, \
                 progress_every, created_at) VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 RETURNING id",
                params![patient, provider, p.discipline, p.start.to_string(), p.certified.map(|d| d.to_string()),
                    p.certified_through.to_string(), p.referring_npi, p.referring_last_name,
                    p.referring_first_name, p.diagnoses.join(","), i64::from(p.progress_every), now],
            )
        })
    }

    /// Adds a prior authorization; returns its id.
    pub fn add_authorization(&mut self, a: &Authorization) -> Result<i64, Error> {
        let patient = self.patient_id(&a.patient_account).map_err(|_| {
            Error::invalid(
                "authorization.patient_account",
                "no patient with this account",
            )
        })?;
        let payer = self.active_payer("authorization.payer_id", &a.payer_id)?;
        nonempty("authorization.number", &a.number, 50)?;
        if a.end < a.start {
            return Err(Error::invalid("authorization.end", "is before start"));
        }
        let a = a.clone();
        self.tx(|c| {
            c.insert(
                "INSERT INTO authorizations (practice_id, patient_id, payer_id, number, visits_allowed, start_date, end_date) \
                 VALUES ($P, $1, $2, $3, $4, $5, $6) RETURNING id",
                params![patient, payer, a.number, a.visits_allowed.map(i64::from), a.start.to_string(), a.end.to_string()],
            )
        })
    }

    /// Records a visit as documented (status `entered`); returns its id. Coding it into a
    /// claim is [`Store::claim_visit`].
    pub fn add_visit(&mut self, v: &Visit) -> Result<i64, Error> {
        let patient = self
            .patient_id(&v.patient_account)
            .map_err(|_| Error::invalid("visit.patient_account", "no patient with this account"))?;
        let provider = self.active_provider("visit.provider_npi", &v.provider_npi)?;
        digits("visit.place_of_service", &v.place_of_service, &[2])?;
        if v.services.is_empty() {
            return Err(Error::invalid("visit.services", "is empty"));
        }
        for (i, s) in v.services.iter().enumerate() {
            CptCode::parse(&s.code)
                .map_err(|e| Error::invalid(format!("visit.services[{i}].code"), e.to_string()))?;
            if s.minutes.is_some_and(|m| m > 480) {
                return Err(Error::invalid(
                    format!("visit.services[{i}].minutes"),
                    "more than 480",
                ));
            }
        }
        if v.date > crate::today() + chrono::Days::new(1) {
            return Err(Error::invalid("visit.date", "is in the future"));
        }
        let plan = self
            .conn
            .one(
                "SELECT id FROM plans_of_care WHERE plans_of_care.practice_id = $P AND patient_id = $1 AND start_date <= $2 \
                 ORDER BY start_date DESC LIMIT 1",
                params![patient, v.date.to_string()],
            )?
            .map(|r| r.int(0));
        let (v, now, actor) = (v.clone(), now(), self.actor.clone());
        self.tx(|c| {
            let id = c.insert(
                "INSERT INTO visits (practice_id, patient_id, provider_id, plan_id, service_date, place_of_service, \
                 progress_report, status, created_at, created_by) VALUES ($P, $1, $2, $3, $4, $5, $6, \
                 'entered', $7, $8) RETURNING id",
                params![patient, provider, plan, v.date.to_string(), v.place_of_service,
                    i64::from(v.progress_report), now, actor],
            )?;
            for (i, s) in v.services.iter().enumerate() {
                c.exec(
                    "INSERT INTO visit_services (practice_id, visit_id, seq, code, minutes, assistant_minutes) \
                     VALUES ($P, $1, $2, $3, $4, $5)",
                    params![id, i as i64 + 1, &s.code, s.minutes.map(i64::from), s.assistant_minutes.map(i64::from)],
                )?;
            }
            Ok(id)
        })
    }

    /// Visits in a status (`entered`, `blocked`, `claimed`), oldest first.
    pub fn visits_in(&mut self, status: &str) -> Result<Vec<i64>, Error> {
        let rows = self.conn.query(
            "SELECT id FROM visits WHERE visits.practice_id = $P AND status = $1 ORDER BY service_date, id",
            params![status],
        )?;
        Ok(rows.iter().map(|r| r.int(0)).collect())
    }
}

pub(crate) fn load_one(c: &mut Conn, sql: &'static str, id: i64, what: &str) -> Result<Row, Error> {
    c.one(sql, params![id])?
        .ok_or_else(|| Error::NotFound(format!("{what} {id}")))
}
