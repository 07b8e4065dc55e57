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
use rust_decimal::Decimal;
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
    /// DTP*431: onset of the current illness or symptom (CMS-1500 box 14, qualifier 431).
    /// Which payers want it is payer specific; it is left out of the file when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset_date: Option<NaiveDate>,
    /// DTP*454: initial treatment date, the first day of treatment for this condition
    /// (CMS-1500 box 15, qualifier 454). Some payers and MAC companion guides want it on
    /// therapy claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_treatment_date: Option<NaiveDate>,
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
    /// Loop 2320 (with 2330A/2330B): up to 10 other payers and what they did with the
    /// claim (coordination of benefits). Required on a secondary or tertiary claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_payers: Vec<OtherPayer>,
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
    /// Loop 2430: up to 15 other payers' adjudications of this line (coordination of
    /// benefits), each naming its payer by the 2330B payer id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjudications: Vec<LineAdjudication>,
}

/// Loop 2320 (other subscriber information) with its 2330A other subscriber and 2330B other
/// payer: a payer other than the one billed, typically the primary on a secondary claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherPayer {
    /// SBR01: this payer's responsibility (`P` primary, `S`, `T`, `A`-`H`, `U`); it must
    /// differ from the claim's own and from every other payer's.
    pub payer_responsibility: String,
    /// SBR02: the patient's relationship to the other subscriber; absent means the patient
    /// is the other subscriber (`18`, self).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_relationship: Option<Relationship>,
    /// SBR03: group or policy number with this payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<String>,
    /// SBR09: claim filing indicator with this payer (`MB`, `CI`, `MC`...).
    pub claim_filing_indicator: String,
    /// CAS: claim-level adjustments by this payer (the line-level ones are in 2430). One CAS
    /// segment is written per group code, in the order the groups first appear.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// AMT*D: what this payer paid on the claim; required once the payer has adjudicated it.
    /// Equals the sum of the 2430 line paid amounts less the claim-level adjustments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Money>,
    /// AMT*EAF: what the patient still owes after this payer's adjudication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_patient_liability: Option<Money>,
    /// OI03: benefits assigned to the provider by this payer's insured.
    #[serde(default = "yes")]
    pub benefits_assigned: bool,
    /// OI06: `true` = release of information on file (`Y`), `false` = informed consent only
    /// (`I`).
    #[serde(default = "yes")]
    pub release_of_information: bool,
    /// MOA: Medicare outpatient adjudication information, when this payer sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outpatient_adjudication: Option<OutpatientAdjudication>,
    /// Loop 2330A: the insured with this payer.
    pub subscriber: OtherSubscriber,
    /// Loop 2330B: the payer.
    pub payer: OtherPayerName,
}

/// Loop 2330A (NM1*IL): the other payer's insured person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherSubscriber {
    /// NM103-NM105.
    pub name: PersonName,
    /// NM109 (qualifier MI): member id with the other payer.
    pub member_id: String,
    /// N3/N4, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// Loop 2330B (NM1*PR): the other payer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherPayerName {
    /// NM103: payer name.
    pub name: String,
    /// NM109 (qualifier PI): payer id; the 2430 SVD01 of this payer's lines repeats it.
    pub payer_id: String,
    /// DTP*573: when the payer adjudicated or paid the claim. The TR3 wants it here only
    /// when no 2430 line adjudication is sent for this payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjudication_date: Option<NaiveDate>,
    /// REF*F8: this payer's claim control number (its 835 CLP07).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_number: Option<String>,
}

/// MOA outpatient adjudication information (claim level, from a Medicare 835's MOA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutpatientAdjudication {
    /// MOA01: reimbursement rate, a decimal fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reimbursement_rate: Option<Decimal>,
    /// MOA02: HCPCS payable amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hcpcs_payable_amount: Option<Money>,
    /// MOA03-MOA07: up to 5 claim payment remark codes (RARCs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<String>,
}

/// One CAS adjustment triple: why a payer's payment differs from the charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// CAS01: group code, `CO` contractual, `PR` patient responsibility, `OA` other, `PI`
    /// payer initiated (the map also allows the 4010 `CR`).
    pub group: String,
    /// CAS02/05/...: claim adjustment reason code (CARC), 1 to 5 characters.
    pub reason: String,
    /// CAS03/06/...: the amount; positive reduces the payment, negative increases it.
    pub amount: Money,
    /// CAS04/07/...: units adjusted, when the payer gave them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
}

/// Loop 2430: how one other payer adjudicated one service line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineAdjudication {
    /// SVD01: the other payer's id, equal to a 2330B `payer.payer_id` of the claim.
    pub payer_id: String,
    /// SVD02: what that payer paid on the line; with the line's adjustments it adds up to
    /// the line charge.
    pub paid_amount: Money,
    /// SVD03-2: the procedure the payer adjudicated (qualifier HC).
    pub procedure: CptCode,
    /// SVD03-3..6: its modifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<Modifier>,
    /// SVD05: units paid.
    pub paid_units: u32,
    /// CAS: the line adjustments, one CAS per group code as in 2320.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// DTP*573: when the payer adjudicated or paid the line.
    pub adjudication_date: NaiveDate,
    /// AMT*EAF: what the patient still owes on this line after that payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_patient_liability: Option<Money>,
}
