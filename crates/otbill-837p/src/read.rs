//! Reading an 837P back into the claim model (the inverse of [`crate::write_837p`]).
//!
//! The reader walks the segments from `otbill-x12` with a small loop-state machine and
//! copies the subscriber, payer and patient of each HL onto every claim under it. It reads
//! the segments the model has and reports the rest: a segment the model does not carry is a
//! warning (the claim would not round-trip), a value that does not parse (bad NPI, date,
//! amount) is an error and its claim is left out. Envelope findings come from
//! `otbill_x12::check`. Reading never fails and never panics.
//!
//! Inside a claim an SBR opens a 2320 other-payer loop (its NM1*IL and NM1*PR are 2330A
//! and 2330B), and an SVD after a line's REF*6R opens a 2430 line adjudication; CAS, AMT
//! and DTP*573 belong to whichever of them is open. DTP*431 and DTP*454 before the lines
//! are the claim's onset and initial treatment dates; a line's own DTP*454 (2400) is not
//! modelled and is reported as ignored.

use crate::model::{
    Address, Adjustment, Assignment, BillingProvider, Claim, ClaimFile, Contact, Envelope,
    Frequency, Gender, LineAdjudication, OtherPayer, OtherPayerName, OtherSubscriber,
    OutpatientAdjudication, Patient, Payer, PersonName, ProviderName, Receiver, ReferringProvider,
    Relationship, RenderingProvider, ServiceLine, Submitter, Subscriber, Usage,
};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use otbill_types::{CptCode, Icd10, Modifier, Money, Npi};
use otbill_x12::{Finding, Position, Reader, Segment};
use rust_decimal::Decimal;

mod cob;

/// What reading an 837P produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOutcome {
    /// The claims read, or `None` when the input has no ISA/GS/ST to read from.
    pub file: Option<ClaimFile>,
    /// Envelope and content findings, in input order.
    pub findings: Vec<Finding>,
}

/// Finding codes of the reader.
pub mod codes {
    /// A value that does not parse (NPI, ICD-10-CM, date, amount, code).
    pub const VALUE: &str = "837P-READ-VALUE";
    /// A required segment or element is missing.
    pub const MISSING: &str = "837P-READ-MISSING";
    /// A segment the claim model does not carry (ignored).
    pub const IGNORED: &str = "837P-READ-IGNORED";
    /// A segment where the 837P structure does not allow it.
    pub const STRUCTURE: &str = "837P-READ-STRUCTURE";
    /// Parts of the file disagree (e.g. two billing providers).
    pub const CONFLICT: &str = "837P-READ-CONFLICT";
}

/// Reads an 837P from bytes (UTF-8 or UTF-16, any delimiters).
pub fn read_837p(input: &[u8]) -> ReadOutcome {
    let text = otbill_x12::decode(input);
    let mut findings = otbill_x12::check(&text);
    let mut st = State::default();
    let mut reader = Reader::new(&text);
    for seg in reader.by_ref() {
        st.segment(&seg);
    }
    st.end_claim();
    findings.extend(st.findings);
    findings.sort_by_key(|f| f.position.map_or(0, |p| p.segment));
    let file = match (st.envelope, st.header) {
        (Some(envelope), Some(h)) => Some(ClaimFile {
            envelope,
            submitter: h.submitter,
            receiver: h.receiver,
            billing_provider: h.billing,
            claims: st.claims,
        }),
        _ => None,
    };
    ReadOutcome { file, findings }
}

/// Which entity the last NM1 named: N3/N4/DMG/PER/PRV apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Ctx {
    #[default]
    None,
    Submitter,
    Billing,
    PayTo,
    Subscriber,
    Payer,
    Patient,
    Rendering,
    /// 2330A, the other payer's subscriber.
    OtherSubscriber,
    /// 2330B, the other payer.
    OtherPayer,
    Other,
}

/// A 2320 loop being read; 2330A and 2330B must both appear before it ends.
struct OtherDraft {
    other: OtherPayer,
    subscriber_seen: bool,
    payer_seen: bool,
    position: Position,
}

/// Submitter, receiver and billing provider of one transaction.
#[derive(Debug, Clone, PartialEq)]
struct Header {
    submitter: Submitter,
    receiver: Receiver,
    billing: BillingProvider,
}

#[derive(Default)]
struct PatientDraft {
    relationship: Option<Relationship>,
    name: Option<PersonName>,
    address: Option<Address>,
    birth_date: Option<NaiveDate>,
    gender: Option<Gender>,
}

#[derive(Default)]
struct State {
    findings: Vec<Finding>,
    envelope: Option<Envelope>,
    isa_date: Option<NaiveDateTime>,
    /// The first transaction's header; later ones must agree.
    header: Option<Header>,
    /// The header being read in the current transaction.
    cur: Option<Header>,
    billing_npi_seen: bool,
    ctx: Ctx,
    n3: Option<(String, Option<String>)>,
    subscriber: Option<Subscriber>,
    payer: Option<Payer>,
    patient_hl: bool,
    patient_draft: PatientDraft,
    patient: Option<Patient>,
    claim: Option<Claim>,
    claim_bad: bool,
    line: Option<ServiceLine>,
    line_has_date: bool,
    /// The 2320 loop being read.
    other: Option<OtherDraft>,
    /// The 2430 loop being read, and whether it had its DTP*573.
    adjudication: Option<(LineAdjudication, bool)>,
    claims: Vec<Claim>,
}

fn empty_address() -> Address {
    Address {
        line1: String::new(),
        line2: None,
        city: String::new(),
        state: String::new(),
        zip: String::new(),
    }
}

fn empty_header() -> Header {
    Header {
        submitter: Submitter {
            name: ProviderName::Organization(String::new()),
            id: String::new(),
            contact: Contact {
                name: String::new(),
                phone: String::new(),
            },
        },
        receiver: Receiver {
            name: String::new(),
            id: String::new(),
        },
        billing: BillingProvider {
            name: ProviderName::Organization(String::new()),
            // Replaced by NM1*85; a missing one is reported at the end of the header.
            npi: placeholder_npi(),
            ein: String::new(),
            taxonomy: None,
            address: empty_address(),
            pay_to_address: None,
        },
    }
}

fn placeholder_npi() -> Npi {
    // CMS's worked example; only a stand-in until NM1*85 is read.
    Npi::parse("1234567893").expect("constant NPI is valid")
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

fn d8(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y%m%d")
        .ok()
        .filter(|_| s.len() == 8)
}

impl State {
    fn error(&mut self, code: &'static str, msg: impl Into<String>, pos: Position) {
        self.findings.push(Finding::error(code, msg, Some(pos)));
    }

    fn warn(&mut self, code: &'static str, msg: impl Into<String>, pos: Position) {
        self.findings.push(Finding::warning(code, msg, Some(pos)));
    }

    /// A bad value inside a claim leaves the claim out.
    fn bad_value(&mut self, msg: String, pos: Position) {
        if self.claim.is_some() {
            self.claim_bad = true;
        }
        self.error(codes::VALUE, msg, pos);
    }

    fn segment(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        match seg.id() {
            "ISA" => self.isa(seg),
            "GS" => self.gs(seg),
            "ST" => {
                self.end_claim();
                if seg.str(1) != "837" {
                    self.error(
                        codes::STRUCTURE,
                        format!("ST01 {:?} is not 837", seg.str(1)),
                        pos,
                    );
                }
                self.cur = Some(empty_header());
                self.billing_npi_seen = false;
                self.ctx = Ctx::None;
            }
            "BHT" | "GE" | "IEA" => {}
            "SE" => {
                self.end_claim();
                self.end_header(pos);
                self.cur = None;
            }
            "NM1" => self.nm1(seg),
            "PER" if self.ctx == Ctx::Submitter => {
                if let Some(h) = &mut self.cur {
                    h.submitter.contact.name = seg.str(2).to_owned();
                    h.submitter.contact.phone = seg.str(4).to_owned();
                }
            }
            "HL" => self.hl(seg),
            "PRV" => self.prv(seg),
            "N3" => self.n3 = Some((seg.str(1).to_owned(), opt(seg.str(2)))),
            "N4" => self.n4(seg),
            "REF" => self.reference(seg),
            "SBR" if self.claim.is_some() => self.other_sbr(seg),
            "CAS" => self.cas(seg),
            "AMT" => self.amt(seg),
            "OI" => self.oi(seg),
            "MOA" => self.moa(seg),
            "SVD" => self.svd(seg),
            "SBR" => {
                self.subscriber = Some(Subscriber {
                    payer_responsibility: seg.str(1).to_owned(),
                    group_number: opt(seg.str(3)),
                    claim_filing_indicator: seg.str(9).to_owned(),
                    name: PersonName {
                        last: String::new(),
                        first: String::new(),
                        middle: None,
                    },
                    member_id: String::new(),
                    address: None,
                    birth_date: None,
                    gender: None,
                });
            }
            "DMG" => self.dmg(seg),
            "PAT" => {
                self.patient_draft.relationship = Relationship::from_code(seg.str(1));
                if self.patient_draft.relationship.is_none() {
                    self.error(
                        codes::VALUE,
                        format!("PAT01 {:?} is not a relationship code", seg.str(1)),
                        pos,
                    );
                }
            }
            "CLM" => self.clm(seg),
            "HI" => self.hi(seg),
            "LX" => {
                self.end_other();
                self.end_line();
                self.ctx = Ctx::None;
                if self.claim.is_none() {
                    self.error(codes::STRUCTURE, "LX outside a claim", pos);
                }
            }
            "SV1" => self.sv1(seg),
            "DTP" => self.dtp(seg),
            other => {
                let id = other.to_owned();
                self.warn(
                    codes::IGNORED,
                    format!("segment {id} is not part of the claim model; ignored"),
                    pos,
                );
            }
        }
    }

    fn isa(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        if self.envelope.is_some() {
            self.warn(
                codes::CONFLICT,
                "more than one interchange; envelope values are taken from the first",
                pos,
            );
            return;
        }
        let date = NaiveDate::parse_from_str(&format!("20{}", seg.str(9)), "%Y%m%d").ok();
        let time = NaiveTime::parse_from_str(seg.str(10), "%H%M").ok();
        self.isa_date = date.zip(time).map(|(d, t)| d.and_time(t));
        let control = seg.str(13).trim().parse::<u32>();
        if control.is_err() {
            self.error(codes::VALUE, "ISA13 is not a number", pos);
        }
        self.envelope = Some(Envelope {
            sender_qualifier: seg.str(5).trim().to_owned(),
            sender_id: seg.str(6).trim().to_owned(),
            receiver_qualifier: seg.str(7).trim().to_owned(),
            receiver_id: seg.str(8).trim().to_owned(),
            interchange_control_number: control.unwrap_or(0),
            group_control_number: 0,
            created: self.isa_date.unwrap_or_default(),
            usage: if seg.str(15) == "P" {
                Usage::Production
            } else {
                Usage::Test
            },
            acknowledgment_requested: seg.str(14) == "1",
        });
    }

    fn gs(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        if seg.str(8) != crate::VERSION {
            self.warn(
                codes::STRUCTURE,
                format!("GS08 {:?} is not {}", seg.str(8), crate::VERSION),
                pos,
            );
        }
        let Some(env) = &mut self.envelope else {
            self.error(codes::STRUCTURE, "GS before ISA", pos);
            return;
        };
        if env.group_control_number != 0 {
            return;
        }
        env.group_control_number = seg.str(6).parse().unwrap_or(0);
        // GS04 has the century; prefer it to ISA09.
        let date = d8(seg.str(4));
        let time = NaiveTime::parse_from_str(seg.str(5), "%H%M").ok();
        if let Some(dt) = date.zip(time).map(|(d, t)| d.and_time(t)) {
            env.created = dt;
        }
    }

    fn end_header(&mut self, pos: Position) {
        let Some(h) = self.cur.take() else { return };
        if !self.billing_npi_seen {
            self.error(
                codes::MISSING,
                "no billing provider NM1*85 in the transaction",
                pos,
            );
            return;
        }
        match &self.header {
            None => self.header = Some(h),
            Some(first) if *first != h => self.error(
                codes::CONFLICT,
                "this transaction's submitter, receiver or billing provider differs from the first; the claims are read with the first",
                pos,
            ),
            Some(_) => {}
        }
    }

    fn nm1(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let name = |seg: &Segment<'_>| -> ProviderName {
            if seg.str(2) == "1" {
                ProviderName::Person(person(seg))
            } else {
                ProviderName::Organization(seg.str(3).to_owned())
            }
        };
        let npi = |st: &mut State, seg: &Segment<'_>| -> Option<Npi> {
            match Npi::parse(seg.str(9)) {
                Ok(n) => Some(n),
                Err(e) => {
                    st.bad_value(format!("NM109: {e}"), pos);
                    None
                }
            }
        };
        self.ctx = Ctx::Other;
        if self.other.is_some() && !matches!(seg.str(1), "IL" | "PR") {
            // 2330C-2330G: the other payer's providers, not the claim's; not modelled.
            let id = seg.str(1).to_owned();
            self.warn(
                codes::IGNORED,
                format!(
                    "NM1*{id} in a 2320 loop (2330C-G) is not part of the claim model; ignored"
                ),
                pos,
            );
            return;
        }
        match seg.str(1) {
            "41" => {
                self.ctx = Ctx::Submitter;
                if let Some(h) = &mut self.cur {
                    h.submitter.name = name(seg);
                    h.submitter.id = seg.str(9).to_owned();
                }
            }
            "40" => {
                if let Some(h) = &mut self.cur {
                    h.receiver = Receiver {
                        name: seg.str(3).to_owned(),
                        id: seg.str(9).to_owned(),
                    };
                }
            }
            "85" => {
                self.ctx = Ctx::Billing;
                let n = npi(self, seg);
                if let (Some(h), Some(n)) = (&mut self.cur, n) {
                    h.billing.name = name(seg);
                    h.billing.npi = n;
                    self.billing_npi_seen = true;
                }
            }
            "87" => self.ctx = Ctx::PayTo,
            "IL" if self.claim.is_some() => {
                self.ctx = Ctx::OtherSubscriber;
                match &mut self.other {
                    Some(d) => {
                        d.other.subscriber.name = person(seg);
                        d.other.subscriber.member_id = seg.str(9).to_owned();
                        d.subscriber_seen = true;
                    }
                    None => self.error(codes::STRUCTURE, "NM1*IL in a claim without SBR", pos),
                }
            }
            "PR" if self.claim.is_some() => {
                self.ctx = Ctx::OtherPayer;
                match &mut self.other {
                    Some(d) => {
                        d.other.payer.name = seg.str(3).to_owned();
                        d.other.payer.payer_id = seg.str(9).to_owned();
                        d.payer_seen = true;
                    }
                    None => self.error(codes::STRUCTURE, "NM1*PR in a claim without SBR", pos),
                }
            }
            "IL" => {
                self.ctx = Ctx::Subscriber;
                match &mut self.subscriber {
                    Some(s) => {
                        s.name = person(seg);
                        s.member_id = seg.str(9).to_owned();
                    }
                    None => self.error(codes::STRUCTURE, "NM1*IL without SBR", pos),
                }
            }
            "PR" => {
                self.ctx = Ctx::Payer;
                self.payer = Some(Payer {
                    name: seg.str(3).to_owned(),
                    payer_id: seg.str(9).to_owned(),
                });
            }
            "QC" => {
                self.ctx = Ctx::Patient;
                self.patient_draft.name = Some(person(seg));
            }
            "DN" => {
                let n = npi(self, seg);
                match (&mut self.claim, n) {
                    (Some(c), Some(npi)) => {
                        c.referring_provider = Some(ReferringProvider {
                            name: person(seg),
                            npi,
                        })
                    }
                    (None, _) => self.error(codes::STRUCTURE, "NM1*DN outside a claim", pos),
                    _ => {}
                }
            }
            "82" => {
                self.ctx = Ctx::Rendering;
                let n = npi(self, seg);
                match (&mut self.claim, n) {
                    (Some(c), Some(npi)) => {
                        c.rendering_provider = Some(RenderingProvider {
                            name: name(seg),
                            npi,
                            taxonomy: None,
                        })
                    }
                    (None, _) => self.error(codes::STRUCTURE, "NM1*82 outside a claim", pos),
                    _ => {}
                }
            }
            other => {
                let id = other.to_owned();
                self.warn(
                    codes::IGNORED,
                    format!("NM1*{id} is not part of the claim model; ignored"),
                    pos,
                );
            }
        }
    }

    fn hl(&mut self, seg: &Segment<'_>) {
        self.end_claim();
        self.ctx = Ctx::None;
        match seg.str(3) {
            "20" => {}
            "22" => {
                self.subscriber = None;
                self.payer = None;
                self.patient_hl = false;
                self.patient = None;
            }
            "23" => {
                self.patient_hl = true;
                self.patient = None;
                self.patient_draft = PatientDraft::default();
            }
            other => {
                let code = other.to_owned();
                self.error(
                    codes::STRUCTURE,
                    format!("HL03 {code:?} is not 20, 22 or 23"),
                    seg.position(),
                );
            }
        }
    }

    fn prv(&mut self, seg: &Segment<'_>) {
        let tax = opt(seg.str(3));
        match (seg.str(1), self.ctx) {
            ("BI", _) => {
                if let Some(h) = &mut self.cur {
                    h.billing.taxonomy = tax;
                }
            }
            ("PE", Ctx::Rendering) => {
                if let Some(r) = self
                    .claim
                    .as_mut()
                    .and_then(|c| c.rendering_provider.as_mut())
                {
                    r.taxonomy = tax;
                }
            }
            _ => self.warn(codes::IGNORED, "PRV not read", seg.position()),
        }
    }

    fn n4(&mut self, seg: &Segment<'_>) {
        let (line1, line2) = self.n3.take().unwrap_or_default();
        let a = Address {
            line1,
            line2,
            city: seg.str(1).to_owned(),
            state: seg.str(2).to_owned(),
            zip: seg.str(3).to_owned(),
        };
        match self.ctx {
            Ctx::Billing => {
                if let Some(h) = &mut self.cur {
                    h.billing.address = a;
                }
            }
            Ctx::PayTo => {
                if let Some(h) = &mut self.cur {
                    h.billing.pay_to_address = Some(a);
                }
            }
            Ctx::Subscriber => {
                if let Some(s) = &mut self.subscriber {
                    s.address = Some(a);
                }
            }
            Ctx::Patient => self.patient_draft.address = Some(a),
            Ctx::OtherSubscriber => {
                if let Some(d) = &mut self.other {
                    d.other.subscriber.address = Some(a);
                }
            }
            _ => self.warn(
                codes::IGNORED,
                "address not read (the model has none here)",
                seg.position(),
            ),
        }
    }

    fn dmg(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let date = d8(seg.str(2));
        let gender = Gender::from_code(seg.str(3));
        if date.is_none() || gender.is_none() {
            self.error(
                codes::VALUE,
                "DMG02 is not a CCYYMMDD date or DMG03 not F/M/U",
                pos,
            );
        }
        match self.ctx {
            Ctx::Subscriber => {
                if let Some(s) = &mut self.subscriber {
                    s.birth_date = date;
                    s.gender = gender;
                }
            }
            Ctx::Patient => {
                self.patient_draft.birth_date = date;
                self.patient_draft.gender = gender;
            }
            _ => self.warn(codes::IGNORED, "DMG not read", pos),
        }
    }

    fn reference(&mut self, seg: &Segment<'_>) {
        let value = seg.str(2).to_owned();
        match seg.str(1) {
            "F8" if self.ctx == Ctx::OtherPayer => {
                if let Some(d) = &mut self.other {
                    d.other.payer.claim_number = Some(value);
                }
            }
            q if self.ctx == Ctx::OtherPayer => {
                let q = q.to_owned();
                self.warn(
                    codes::IGNORED,
                    format!("2330B REF*{q} is not part of the claim model; ignored"),
                    seg.position(),
                );
            }
            "EI" => {
                if let Some(h) = &mut self.cur {
                    h.billing.ein = value;
                }
            }
            "G1" if self.line.is_none() => {
                if let Some(c) = &mut self.claim {
                    c.prior_authorization = Some(value);
                }
            }
            "F8" => {
                if let Some(c) = &mut self.claim {
                    c.original_claim_number = Some(value);
                }
            }
            "6R" => {
                if let Some(l) = &mut self.line {
                    l.line_control_number = value;
                }
            }
            q => {
                let q = q.to_owned();
                self.warn(
                    codes::IGNORED,
                    format!("REF*{q} is not part of the claim model; ignored"),
                    seg.position(),
                );
            }
        }
    }

    fn clm(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        self.end_claim();
        if self.patient_hl && self.patient.is_none() {
            let d = std::mem::take(&mut self.patient_draft);
            match (d.relationship, d.name, d.address, d.birth_date, d.gender) {
                (Some(relationship), Some(name), Some(address), Some(birth_date), Some(gender)) => {
                    self.patient = Some(Patient {
                        relationship,
                        name,
                        address,
                        birth_date,
                        gender,
                    })
                }
                _ => self.error(
                    codes::MISSING,
                    "patient HL lacks PAT, NM1*QC, N3/N4 or DMG",
                    pos,
                ),
            }
        }
        let (Some(subscriber), Some(payer)) = (self.subscriber.clone(), self.payer.clone()) else {
            self.error(
                codes::STRUCTURE,
                "CLM without a subscriber (SBR, NM1*IL) and payer (NM1*PR)",
                pos,
            );
            self.claim_bad = true;
            return;
        };
        self.claim_bad = self.patient_hl && self.patient.is_none();
        let total = Money::parse(seg.str(2));
        let clm05 = seg.element(5);
        let frequency = Frequency::from_code(clm05.component(3).as_str());
        let assignment = Assignment::from_code(seg.str(7));
        self.claim = Some(Claim {
            patient_control_number: seg.str(1).to_owned(),
            total_charge: total.clone().unwrap_or(Money::ZERO),
            place_of_service: clm05.component(1).as_str().to_owned(),
            frequency: frequency.unwrap_or_default(),
            original_claim_number: None,
            provider_signature_on_file: seg.str(6) == "Y",
            assignment: assignment.unwrap_or_default(),
            benefits_assigned: seg.str(8) == "Y",
            release_of_information: seg.str(9) == "Y",
            onset_date: None,
            initial_treatment_date: None,
            prior_authorization: None,
            diagnoses: Vec::new(),
            subscriber,
            payer,
            patient: if self.patient_hl {
                self.patient.clone()
            } else {
                None
            },
            referring_provider: None,
            rendering_provider: None,
            other_payers: Vec::new(),
            lines: Vec::new(),
        });
        if let Err(e) = total {
            self.bad_value(format!("CLM02: {e}"), pos);
        }
        if frequency.is_none() || assignment.is_none() {
            self.bad_value(
                "CLM05-3 is not 1, 7 or 8, or CLM07 not A, B or C".into(),
                pos,
            );
        }
    }

    fn hi(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let mut dx = Vec::new();
        let mut problem = None;
        for (i, el) in seg.elements().enumerate() {
            let qual = el.component(1).as_str();
            let want = if i == 0 { "ABK" } else { "ABF" };
            if qual != want {
                problem = Some(format!(
                    "HI{:02}-1 is {qual:?}, expected {want} (ICD-10-CM)",
                    i + 1
                ));
            }
            match Icd10::parse(el.component(2).as_str()) {
                Ok(code) => dx.push(code),
                Err(e) => problem = Some(format!("HI{:02}-2: {e}", i + 1)),
            }
        }
        if let Some(msg) = problem {
            self.bad_value(msg, pos);
        }
        match &mut self.claim {
            Some(c) => c.diagnoses = dx,
            None => self.error(codes::STRUCTURE, "HI outside a claim", pos),
        }
    }

    fn sv1(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let mut problems = Vec::new();
        let (code, modifiers) = procedure(seg, 1, "SV101", &mut problems);
        let charge = Money::parse(seg.str(2))
            .map_err(|e| problems.push(e.to_string()))
            .ok();
        if seg.str(3) != "UN" {
            problems.push("SV103 is not UN".to_owned());
        }
        let units = seg
            .str(4)
            .parse::<u32>()
            .map_err(|_| problems.push("SV104 is not a whole number of units".to_owned()))
            .ok();
        let mut pointers = Vec::new();
        for p in seg.element(7).components() {
            match p.as_str().parse::<u8>() {
                Ok(n) => pointers.push(n),
                Err(_) => problems.push("SV107 pointer is not a number".to_owned()),
            }
        }
        if self.claim.is_none() {
            self.error(codes::STRUCTURE, "SV1 outside a claim", pos);
            return;
        }
        if !problems.is_empty() {
            self.bad_value(format!("SV1: {}", problems.join("; ")), pos);
        }
        let (Some(procedure), Some(charge), Some(units)) = (code, charge, units) else {
            return;
        };
        self.line = Some(ServiceLine {
            procedure,
            modifiers,
            charge,
            units,
            diagnosis_pointers: pointers,
            service_date: NaiveDate::default(),
            service_date_end: None,
            place_of_service: opt(seg.str(5)),
            line_control_number: String::new(),
            adjudications: Vec::new(),
        });
        self.line_has_date = false;
    }

    fn dtp(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        if seg.str(1) == "573" {
            self.dtp573(seg);
            return;
        }
        // 2400 may carry its own DTP*454; only the claim-level ones (before the lines and
        // the 2320 loops) are in the model.
        if matches!(seg.str(1), "431" | "454") && self.line.is_none() {
            self.claim_date(seg);
            return;
        }
        if seg.str(1) != "472" {
            self.warn(
                codes::IGNORED,
                format!("DTP*{} is not part of the claim model; ignored", seg.str(1)),
                pos,
            );
            return;
        }
        let value = seg.str(3);
        let dates = match seg.str(2) {
            "D8" => d8(value).map(|d| (d, None)),
            "RD8" => value
                .split_once('-')
                .and_then(|(a, b)| Some((d8(a)?, Some(d8(b)?)))),
            _ => None,
        };
        match (dates, &mut self.line) {
            (Some((start, end)), Some(line)) => {
                line.service_date = start;
                line.service_date_end = end;
                self.line_has_date = true;
            }
            (None, _) => self.bad_value("DTP*472 is not a D8 date or RD8 range".into(), pos),
            (_, None) => self.error(codes::STRUCTURE, "DTP*472 outside a service line", pos),
        }
    }

    /// 2300 DTP*431 (onset) or DTP*454 (initial treatment), each at most once per claim.
    fn claim_date(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let qualifier = seg.str(1).to_owned();
        if self.claim.is_none() || self.other.is_some() {
            self.error(
                codes::STRUCTURE,
                format!("DTP*{qualifier} outside loop 2300 (it comes after CLM, before HI)"),
                pos,
            );
            return;
        }
        let date = (seg.str(2) == "D8").then(|| d8(seg.str(3))).flatten();
        let Some(date) = date else {
            self.bad_value(format!("DTP*{qualifier} is not a D8 date"), pos);
            return;
        };
        let Some(c) = &mut self.claim else { return };
        let slot = if qualifier == "431" {
            &mut c.onset_date
        } else {
            &mut c.initial_treatment_date
        };
        if slot.is_some() {
            self.warn(
                codes::CONFLICT,
                format!("a second DTP*{qualifier} in the claim; the first is kept"),
                pos,
            );
            return;
        }
        *slot = Some(date);
    }

    fn end_line(&mut self) {
        self.end_adjudication();
        if let Some(line) = self.line.take() {
            if !self.line_has_date {
                self.claim_bad = true;
                self.findings.push(Finding::error(
                    codes::MISSING,
                    "service line without DTP*472",
                    None,
                ));
            }
            if let Some(c) = &mut self.claim {
                c.lines.push(line);
            }
        }
    }

    fn end_claim(&mut self) {
        self.end_other();
        self.end_line();
        if let Some(c) = self.claim.take() {
            if !self.claim_bad {
                self.claims.push(c);
            }
        }
        self.claim_bad = false;
    }
}

fn person(seg: &Segment<'_>) -> PersonName {
    PersonName {
        last: seg.str(3).to_owned(),
        first: seg.str(4).to_owned(),
        middle: opt(seg.str(5)),
    }
}

/// A composite procedure (SV101 or SVD03): `HC`, the code and up to four modifiers; what
/// is wrong with it goes into `problems`, named by `label`.
fn procedure(
    seg: &Segment<'_>,
    n: usize,
    label: &str,
    problems: &mut Vec<String>,
) -> (Option<CptCode>, Vec<Modifier>) {
    let proc = seg.element(n);
    if proc.component(1).as_str() != "HC" {
        problems.push(format!("{label}-1 is not HC"));
    }
    let code = CptCode::parse(proc.component(2).as_str())
        .map_err(|e| problems.push(e.to_string()))
        .ok();
    let mut modifiers = Vec::new();
    for m in proc.components().skip(2).take(4) {
        match Modifier::parse(m.as_str()) {
            Ok(m) => modifiers.push(m),
            Err(e) => problems.push(e.to_string()),
        }
    }
    (code, modifiers)
}
