//! The typed claim model: what goes into an 837P and what comes back out of one.
//!
//! Identifiers are the shared `otbill-types` newtypes, so a value of this model already has
//! a valid NPI check digit, ICD-10-CM shape, procedure code and modifier shape. Everything
//! else (totals, pointers, ZIP, PO boxes, lengths) is checked by [`crate::check`] and
//! reported as findings, because those rules relate fields to each other or are payer edits.
//!
//! The JSON form is the serde form of these types; `docs/claims-json.md` documents it field
//! by field. Unknown fields are rejected so a typo is not silently dropped.

use chrono::{NaiveDate, NaiveDateTime};
use otbill_types::{CptCode, Icd10, Modifier, Money, Npi};
use serde::{Deserialize, Serialize};

/// One interchange: the envelope, who sends it to whom, one billing provider and its claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimFile {
    /// ISA/GS envelope values chosen by the caller.
    pub envelope: Envelope,
    /// Loop 1000A: who submits the file (the practice or its billing service).
    pub submitter: Submitter,
    /// Loop 1000B: who receives it (the clearinghouse or payer).
    pub receiver: Receiver,
    /// Loop 2000A/2010AA: the provider that bills every claim in the file.
    pub billing_provider: BillingProvider,
    /// Loop 2300: the claims, in the order they are written.
    pub claims: Vec<Claim>,
}

/// Interchange (ISA) and group (GS) values. Control numbers come from the caller, who must
/// never reuse them; transaction numbers (ST02) are assigned 0001, 0002... per interchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// ISA05 sender id qualifier, `ZZ` (mutually defined) unless the receiver says otherwise.
    #[serde(default = "zz")]
    pub sender_qualifier: String,
    /// ISA06 and GS02: our id at the receiver, 1 to 15 characters.
    pub sender_id: String,
    /// ISA07 receiver id qualifier.
    #[serde(default = "zz")]
    pub receiver_qualifier: String,
    /// ISA08 and GS03: the receiver's id, 1 to 15 characters.
    pub receiver_id: String,
    /// ISA13 = IEA02, 1 to 999999999.
    pub interchange_control_number: u32,
    /// GS06 = GE02, 1 to 999999999.
    pub group_control_number: u32,
    /// When the file was created (ISA09/10, GS04/05, BHT04/05); written to the minute.
    pub created: NaiveDateTime,
    /// ISA15: test or production.
    pub usage: Usage,
    /// ISA14: ask the receiver for a TA1 interchange acknowledgment.
    #[serde(default)]
    pub acknowledgment_requested: bool,
}

fn zz() -> String {
    "ZZ".to_owned()
}

/// ISA15 usage indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// `T`: the receiver validates but does not adjudicate.
    Test,
    /// `P`: real claims.
    Production,
}

/// Loop 1000A submitter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submitter {
    /// NM103-NM105: the submitter's name.
    pub name: ProviderName,
    /// NM109: the id the receiver assigned to us (ETIN), 2 to 80 characters.
    pub id: String,
    /// PER: who to call about the file.
    pub contact: Contact,
}

/// PER*IC submitter contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// PER02: contact name.
    pub name: String,
    /// PER04 (qualifier TE): phone number, digits only, e.g. `5035550100`.
    pub phone: String,
}

/// Loop 1000B receiver (always an organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receiver {
    /// NM103: receiver name.
    pub name: String,
    /// NM109: receiver id.
    pub id: String,
}

/// Loop 2000A/2010AA billing provider (and 2010AB pay-to address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingProvider {
    /// NM103-NM105: a practice (organisation) or a sole practitioner (person).
    pub name: ProviderName,
    /// NM109 (qualifier XX).
    pub npi: Npi,
    /// REF*EI: the employer identification number, 9 digits without a dash.
    pub ein: String,
    /// PRV*BI*PXC: NUCC taxonomy, e.g. `225X00000X` occupational therapist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<String>,
    /// N3/N4: a street address. No PO box or lock box; ZIP must have 9 digits.
    pub address: Address,
    /// Loop 2010AB: where payments go when not to `address`; a PO box belongs here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_to_address: Option<Address>,
}

/// A provider or submitter name: an organisation or a person.
///
/// JSON: `{"organization": "NAME"}` or `{"last": "...", "first": "...", "middle": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawName", into = "RawName")]
pub enum ProviderName {
    /// NM102 = 2.
    Organization(String),
    /// NM102 = 1.
    Person(PersonName),
}

/// The JSON shape of [`ProviderName`], kept flat so errors can say which field is wrong.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    middle: Option<String>,
}

impl TryFrom<RawName> for ProviderName {
    type Error = &'static str;
    fn try_from(raw: RawName) -> Result<Self, Self::Error> {
        match (raw.organization, raw.last, raw.first) {
            (Some(org), None, None) if raw.middle.is_none() => Ok(ProviderName::Organization(org)),
            (None, Some(last), Some(first)) => Ok(ProviderName::Person(PersonName {
                last,
                first,
                middle: raw.middle,
            })),
            _ => Err("a name is either {\"organization\"} or {\"last\", \"first\"[, \"middle\"]}"),
        }
    }
}

impl From<ProviderName> for RawName {
    fn from(name: ProviderName) -> Self {
        match name {
            ProviderName::Organization(org) => RawName {
                organization: Some(org),
                last: None,
                first: None,
                middle: None,
            },
            ProviderName::Person(p) => RawName {
                organization: None,
                last: Some(p.last),
                first: Some(p.first),
                middle: p.middle,
            },
        }
    }
}

/// A person's name (NM103 last, NM104 first, NM105 middle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    /// NM103, up to 60 characters.
    pub last: String,
    /// NM104, up to 35 characters.
    pub first: String,
    /// NM105, up to 25 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
}

/// A postal address (N3/N4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// N301, up to 55 characters.
    pub line1: String,
    /// N302, up to 55 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// N401, up to 30 characters.
    pub city: String,
    /// N402: two-letter USPS state or territory code.
    pub state: String,
    /// N403: 5 or 9 digits, no dash (9 required for the billing provider).
    pub zip: String,
}

/// One professional claim (loop 2300) with the subscriber, payer and patient it is for.
///
/// Claims that share a subscriber and payer are grouped under one subscriber HL by the
/// writer; reading a file copies them back onto every claim, so the round trip is exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// CLM01: our claim id, echoed in the 835 CLP01 and the 277CA; 1 to 20 characters.
    pub patient_control_number: String,
    /// CLM02: must equal the sum of the line charges.
    pub total_charge: Money,
    /// CLM05-1: CMS place of service code, two digits (`11` office, `12` home...).
    pub place_of_service: String,
    /// CLM05-3: original, replacement or void.
    #[serde(default)]
    pub frequency: Frequency,
    /// REF*F8: the payer's claim control number (835 CLP07) of the claim being replaced or
    /// voided; required for frequency `replacement` and `void`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_claim_number: Option<String>,
    /// CLM06: provider signature on file.
    #[serde(default = "yes")]
    pub provider_signature_on_file: bool,
    /// CLM07: assignment or plan participation.
    #[serde(default)]
    pub assignment: Assignment,
    /// CLM08: benefits assigned to the provider.
    #[serde(default = "yes")]
    pub benefits_assigned: bool,
    /// CLM09: `true` = release of information on file (`Y`), `false` = informed consent
    /// for federally regulated conditions only (`I`).
    #[serde(default = "yes")]
    pub release_of_information: bool,
    /// REF*G1: prior authorization number, when the payer issued one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_authorization: Option<String>,
    /// HI: 1 to 12 ICD-10-CM codes, principal first (ABK, then ABF).
    pub diagnoses: Vec<Icd10>,
    /// Loop 2000B/2010BA: the insured.
    pub subscriber: Subscriber,
    /// Loop 2010BB: the payer.
    pub payer: Payer,
    /// Loop 2000C/2010CA: the patient, only when the patient is not the subscriber.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Patient>,
    /// Loop 2310A: the referring provider (NM1*DN), often the physician who signed the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referring_provider: Option<ReferringProvider>,
    /// Loop 2310B: the rendering provider (NM1*82), when not the billing provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendering_provider: Option<RenderingProvider>,
    /// Loop 2400: 1 to 50 service lines.
    pub lines: Vec<ServiceLine>,
}

fn yes() -> bool {
    true
}

/// CLM05-3 claim frequency (NUBC code source 235).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// `1`: a new claim.
    #[default]
    Original,
    /// `7`: replaces a claim the payer already has.
    Replacement,
    /// `8`: voids a claim the payer already has.
    Void,
}

impl Frequency {
    /// The X12 code.
    pub fn code(self) -> &'static str {
        match self {
            Frequency::Original => "1",
            Frequency::Replacement => "7",
            Frequency::Void => "8",
        }
    }

    /// The frequency for an X12 code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "1" => Some(Frequency::Original),
            "7" => Some(Frequency::Replacement),
            "8" => Some(Frequency::Void),
            _ => None,
        }
    }
}

/// CLM07 assignment or plan participation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// `A`: assigned.
    #[default]
    Assigned,
    /// `B`: assignment accepted on clinical lab services only.
    LabOnly,
    /// `C`: not assigned.
    NotAssigned,
}

impl Assignment {
    /// The X12 code.
    pub fn code(self) -> &'static str {
        match self {
            Assignment::Assigned => "A",
            Assignment::LabOnly => "B",
            Assignment::NotAssigned => "C",
        }
    }

    /// The assignment for an X12 code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "A" => Some(Assignment::Assigned),
            "B" => Some(Assignment::LabOnly),
            "C" => Some(Assignment::NotAssigned),
            _ => None,
        }
    }
}

/// Loop 2000B (SBR) and 2010BA (NM1*IL): the insured person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    /// SBR01: `P` primary, `S` secondary, `T` tertiary (also `A`-`H`, `U`).
    #[serde(default = "primary")]
    pub payer_responsibility: String,
    /// SBR03: group or policy number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<String>,
    /// SBR09: claim filing indicator, e.g. `MB` Medicare Part B, `CI` commercial, `MC` Medicaid.
    pub claim_filing_indicator: String,
    /// NM103-NM105.
    pub name: PersonName,
    /// NM109 (qualifier MI): member id.
    pub member_id: String,
    /// N3/N4: required when the subscriber is the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// DMG02: required when the subscriber is the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// DMG03: required when the subscriber is the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
}

fn primary() -> String {
    "P".to_owned()
}

/// DMG03 administrative gender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    /// `F`.
    F,
    /// `M`.
    M,
    /// `U`: unknown.
    U,
}

impl Gender {
    /// The X12 code.
    pub fn code(self) -> &'static str {
        match self {
            Gender::F => "F",
            Gender::M => "M",
            Gender::U => "U",
        }
    }

    /// The gender for an X12 code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "F" => Some(Gender::F),
            "M" => Some(Gender::M),
            "U" => Some(Gender::U),
            _ => None,
        }
    }
}

/// Loop 2010BB payer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    /// NM103: payer name.
    pub name: String,
    /// NM109 (qualifier PI): the payer id the clearinghouse routes on.
    pub payer_id: String,
}

/// Loop 2000C (PAT) and 2010CA (NM1*QC): the patient when not the subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    /// PAT01: relationship of the patient to the subscriber.
    pub relationship: Relationship,
    /// NM103-NM105.
    pub name: PersonName,
    /// N3/N4.
    pub address: Address,
    /// DMG02.
    pub birth_date: NaiveDate,
    /// DMG03.
    pub gender: Gender,
}

/// PAT01 individual relationship code (the values the 837P allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// `01`.
    Spouse,
    /// `19`.
    Child,
    /// `20`.
    Employee,
    /// `21`.
    Unknown,
    /// `39`.
    OrganDonor,
    /// `40`.
    CadaverDonor,
    /// `53`.
    LifePartner,
    /// `G8`: other relationship.
    Other,
}

impl Relationship {
    const CODES: [(Relationship, &'static str); 8] = [
        (Relationship::Spouse, "01"),
        (Relationship::Child, "19"),
        (Relationship::Employee, "20"),
        (Relationship::Unknown, "21"),
        (Relationship::OrganDonor, "39"),
        (Relationship::CadaverDonor, "40"),
        (Relationship::LifePartner, "53"),
        (Relationship::Other, "G8"),
    ];

    /// The X12 code.
    pub fn code(self) -> &'static str {
        Self::CODES
            .iter()
            .find(|(r, _)| *r == self)
            .map_or("21", |(_, c)| c)
    }

    /// The relationship for an X12 code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::CODES
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(r, _)| *r)
    }
}

/// Loop 2310A referring provider (always a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferringProvider {
    /// NM103-NM105.
    pub name: PersonName,
    /// NM109 (qualifier XX).
    pub npi: Npi,
}

/// Loop 2310B rendering provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderingProvider {
    /// NM103-NM105.
    pub name: ProviderName,
    /// NM109 (qualifier XX).
    pub npi: Npi,
    /// PRV*PE*PXC: NUCC taxonomy, e.g. `225X00000X`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<String>,
}

/// Loop 2400: one service line (LX, SV1, DTP*472, REF*6R).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLine {
    /// SV101-2: CPT or HCPCS code (qualifier HC).
    pub procedure: CptCode,
    /// SV101-3..6: up to 4 modifiers, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<Modifier>,
    /// SV102: line charge.
    pub charge: Money,
    /// SV104 (SV103 = UN): units, at least 1.
    pub units: u32,
    /// SV107: 1 to 4 one-based positions in `diagnoses`, the first is primary for the line.
    pub diagnosis_pointers: Vec<u8>,
    /// DTP*472: date of service (D8), or the first day of a range.
    pub service_date: NaiveDate,
    /// DTP*472 RD8: last day when the line covers a range of dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_date_end: Option<NaiveDate>,
    /// SV105: place of service, only when it differs from the claim's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_service: Option<String>,
    /// REF*6R: our line id, echoed in the 835 (2110 REF*6R) for line-level posting.
    pub line_control_number: String,
}
