//! Pre-submission checks that pyx12 does not make (x12.md §2 "rules our generator must
//! enforce itself") plus the element limits that would otherwise surface as a rejected file.
//!
//! Checks never fail: they return [`Finding`]s. A claim with an error finding is not
//! written; a file-level error (envelope, submitter, billing provider) stops the whole file.
//! Messages name fields and codes but never patient data: claims are referred to by their
//! index in the input, not by name or account number.

use crate::model::{Address, Adjustment, Claim, ClaimFile, PersonName, ProviderName, ServiceLine};
use otbill_types::Money;
use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt;

mod cob;

use cob::{cob_paid, line_adjudications, other_payers};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A clearinghouse or payer may object, but the claim is written.
    Warning,
    /// The claim (or, without a claim index, the whole file) is not written.
    Error,
}

/// One problem found before writing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `837P-CLM02-TOTAL`.
    pub code: &'static str,
    /// Error refuses the claim; warning does not.
    pub severity: Severity,
    /// What is wrong, naming the field (never patient data).
    pub message: String,
    /// 0-based index of the claim in the input; `None` for file-level findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<usize>,
    /// 1-based service line number (LX01) within the claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Finding {
    /// Whether this finding stops the claim (or the file).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{severity} {}", self.code)?;
        match (self.claim, self.line) {
            (Some(c), Some(l)) => write!(f, " (claim #{c}, line {l})")?,
            (Some(c), None) => write!(f, " (claim #{c})")?,
            _ => write!(f, " (file)")?,
        }
        write!(f, ": {}", self.message)
    }
}

/// Stable finding codes, one per rule.
pub mod codes {
    /// An NPI failed its check digit or shape (from the JSON loader).
    pub const NPI: &str = "837P-NPI";
    /// An ICD-10-CM code has the wrong shape (from the JSON loader).
    pub const ICD10: &str = "837P-ICD10";
    /// A procedure code or modifier has the wrong shape (from the JSON loader).
    pub const PROCEDURE: &str = "837P-PROCEDURE";
    /// A claim could not be read from JSON for another reason.
    pub const CLAIM_JSON: &str = "837P-CLAIM-JSON";
    /// CLM02 is not the sum of SV102.
    pub const TOTAL: &str = "837P-CLM02-TOTAL";
    /// An SV107 pointer does not point at a diagnosis.
    pub const POINTER: &str = "837P-SV107-POINTER";
    /// No diagnosis, more than 12, or a duplicate.
    pub const DIAGNOSES: &str = "837P-HI-COUNT";
    /// Frequency 7/8 without the payer's original claim number (REF*F8).
    pub const FREQUENCY: &str = "837P-CLM05-F8";
    /// A ZIP code that is not 9 digits (billing provider) or 5/9 digits (others).
    pub const ZIP: &str = "837P-N403-ZIP";
    /// A PO box or lock box in the billing provider address.
    pub const PO_BOX: &str = "837P-2010AA-POBOX";
    /// Units missing or zero.
    pub const UNITS: &str = "837P-SV104-UNITS";
    /// A negative amount or one with more than 2 decimals.
    pub const AMOUNT: &str = "837P-AMOUNT";
    /// More than 4 modifiers.
    pub const MODIFIERS: &str = "837P-SV101-MODIFIERS";
    /// No service lines or more than 50.
    pub const LINES: &str = "837P-2400-COUNT";
    /// A required value is empty.
    pub const REQUIRED: &str = "837P-REQUIRED";
    /// A value is longer than its element allows.
    pub const LENGTH: &str = "837P-LENGTH";
    /// A value holds a delimiter, a control character or non-ASCII text.
    pub const CHARSET: &str = "837P-CHARSET";
    /// A code that is not in its code list (POS, state, SBR01, taxonomy, EIN...).
    pub const CODE: &str = "837P-CODE";
    /// Inconsistent dates.
    pub const DATE: &str = "837P-DATE";
    /// The subscriber is the patient but address, birth date or gender is missing.
    pub const DEMOGRAPHICS: &str = "837P-2010BA-DMG";
    /// An envelope value out of range.
    pub const ENVELOPE: &str = "837P-ENVELOPE";
    /// A secondary or tertiary claim without the other payers' loops (2320/2330).
    pub const COB_MISSING: &str = "837P-2320-MISSING";
    /// An other payer's SBR01 that is not a code, repeats, or equals the claim's own.
    pub const COB_SEQUENCE: &str = "837P-2320-SBR01";
    /// AMT*D is missing, or is not the sum of the 2430 paid amounts less the claim-level
    /// adjustments of that payer.
    pub const COB_PAID: &str = "837P-2320-AMT-D";
    /// An adjudicated other payer without an adjudication date (2330B or 2430 DTP*573).
    pub const COB_DATE: &str = "837P-COB-DTP573";
    /// More than 10 other payers, or more than 15 adjudications on one line.
    pub const COB_COUNT: &str = "837P-COB-COUNT";
    /// A line's paid amount plus its adjustments is not the line charge (2430 balancing).
    pub const LINE_BALANCE: &str = "837P-2430-BALANCE";
    /// An SVD01 that names no 2330B other payer of the claim.
    pub const SVD_PAYER: &str = "837P-SVD01-PAYER";
    /// A CAS adjustment that cannot be sent: group code, reason code, amount, too many.
    pub const CAS: &str = "837P-CAS";
    /// An onset or initial treatment date (2300 DTP*431/454) after the claim's first date
    /// of service, or before 1900.
    pub const CLAIM_DATE: &str = "837P-2300-DTP";
    /// Warning: the onset (DTP*431) is after the initial treatment (DTP*454).
    pub const ONSET_ORDER: &str = "837P-DTP431-ORDER";
}

/// Runs every check on a file. File-level findings have `claim: None`.
pub fn check_file(file: &ClaimFile) -> Vec<Finding> {
    let mut acc = Acc::default();
    check_header(file, &mut acc);
    for (idx, claim) in file.claims.iter().enumerate() {
        acc.claim = Some(idx);
        check_claim(claim, &mut acc);
    }
    acc.findings
}

/// Runs the checks of one claim; `index` is its position in the input.
pub fn check_claim_at(claim: &Claim, index: usize) -> Vec<Finding> {
    let mut acc = Acc {
        claim: Some(index),
        ..Acc::default()
    };
    check_claim(claim, &mut acc);
    acc.findings
}

#[derive(Default)]
struct Acc {
    findings: Vec<Finding>,
    claim: Option<usize>,
    line: Option<usize>,
}

impl Acc {
    fn push(&mut self, code: &'static str, severity: Severity, message: String) {
        self.findings.push(Finding {
            code,
            severity,
            message,
            claim: self.claim,
            line: self.line,
        });
    }

    fn error(&mut self, code: &'static str, message: String) {
        self.push(code, Severity::Error, message);
    }

    fn warn(&mut self, code: &'static str, message: String) {
        self.push(code, Severity::Warning, message);
    }

    /// Required text: present, within `max` characters, plain X12 basic/extended text.
    fn text(&mut self, field: &str, value: &str, max: usize) {
        self.text_in(field, "", value, max);
    }

    /// Like `text` for the field `{parent}.{name}`; the name is only formatted for a
    /// finding, which keeps checking a clean claim free of allocations.
    fn text_in(&mut self, parent: &str, name: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            let field = join(parent, name);
            self.error(codes::REQUIRED, format!("{field} is empty"));
            return;
        }
        self.optional_text(parent, name, value, max);
    }

    fn optional_text(&mut self, parent: &str, name: &str, value: &str, max: usize) {
        // Byte length first: every allowed character is one byte.
        if value.len() > max {
            let len = value.chars().count();
            if len > max {
                let field = join(parent, name);
                self.error(
                    codes::LENGTH,
                    format!("{field} has {len} characters, at most {max} allowed"),
                );
            }
        }
        if let Some(bad) = value.chars().find(|c| !allowed_char(*c)) {
            // Only the offending character is shown, never the value (it may be PHI).
            let field = join(parent, name);
            self.error(
                codes::CHARSET,
                format!("{field} contains {bad:?}, which cannot be sent (delimiter, control or non-ASCII character)"),
            );
        }
    }

    fn opt(&mut self, field: &str, value: Option<&String>, max: usize) {
        self.opt_in(field, "", value, max);
    }

    fn opt_in(&mut self, parent: &str, name: &str, value: Option<&String>, max: usize) {
        if let Some(v) = value {
            self.text_in(parent, name, v, max);
        }
    }
}

fn join(parent: &str, name: &str) -> String {
    if name.is_empty() {
        parent.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// Printable ASCII minus the delimiters we write with (`* : ^ ~`).
fn allowed_char(c: char) -> bool {
    (' '..='~').contains(&c) && !matches!(c, '*' | ':' | '^' | '~')
}

fn check_header(file: &ClaimFile, acc: &mut Acc) {
    let env = &file.envelope;
    for (field, v) in [
        ("envelope.sender_qualifier", &env.sender_qualifier),
        ("envelope.receiver_qualifier", &env.receiver_qualifier),
    ] {
        if v.len() != 2 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            acc.error(
                codes::ENVELOPE,
                format!("{field} must be 2 letters or digits"),
            );
        }
    }
    acc.text("envelope.sender_id", &env.sender_id, 15);
    acc.text("envelope.receiver_id", &env.receiver_id, 15);
    for (field, n) in [
        (
            "envelope.interchange_control_number",
            env.interchange_control_number,
        ),
        ("envelope.group_control_number", env.group_control_number),
    ] {
        if !(1..=999_999_999).contains(&n) {
            acc.error(codes::ENVELOPE, format!("{field} must be 1 to 999999999"));
        }
    }
    if !(2000..=9999).contains(&chrono::Datelike::year(&env.created)) {
        acc.error(
            codes::ENVELOPE,
            "envelope.created must be in years 2000-9999".into(),
        );
    }
    let sub = &file.submitter;
    provider_name(acc, "submitter.name", &sub.name);
    acc.text("submitter.id", &sub.id, 80);
    acc.text("submitter.contact.name", &sub.contact.name, 60);
    let phone = &sub.contact.phone;
    if phone.len() != 10 || !phone.bytes().all(|b| b.is_ascii_digit()) {
        acc.error(
            codes::CODE,
            "submitter.contact.phone must be 10 digits".into(),
        );
    }
    acc.text("receiver.name", &file.receiver.name, 60);
    acc.text("receiver.id", &file.receiver.id, 80);

    let bp = &file.billing_provider;
    provider_name(acc, "billing_provider.name", &bp.name);
    if bp.ein.len() != 9 || !bp.ein.bytes().all(|b| b.is_ascii_digit()) {
        acc.error(
            codes::CODE,
            "billing_provider.ein must be 9 digits without a dash".into(),
        );
    }
    taxonomy(acc, "billing_provider.taxonomy", bp.taxonomy.as_deref());
    address(acc, "billing_provider.address", &bp.address, true);
    for (n, line) in std::iter::once(&bp.address.line1)
        .chain(bp.address.line2.iter())
        .enumerate()
    {
        if looks_like_po_box(line) {
            acc.error(
                codes::PO_BOX,
                format!(
                    "billing_provider.address.line{} is a PO box or lock box; put it in pay_to_address (2010AB)",
                    n + 1
                ),
            );
        }
    }
    if let Some(pay_to) = &bp.pay_to_address {
        address(acc, "billing_provider.pay_to_address", pay_to, false);
    }
}

fn check_claim(claim: &Claim, acc: &mut Acc) {
    acc.line = None;
    acc.text("patient_control_number", &claim.patient_control_number, 20);
    pos(acc, "place_of_service", &claim.place_of_service);
    money(acc, "total_charge", claim.total_charge);

    // Frequency 7/8 must name the claim being replaced (x12.md §2, 2300 REF*F8).
    match (claim.frequency.code(), &claim.original_claim_number) {
        ("7" | "8", None) => acc.error(
            codes::FREQUENCY,
            format!(
                "frequency {:?} needs original_claim_number (REF*F8, the payer's claim number from the 835)",
                claim.frequency
            ),
        ),
        ("1", Some(_)) => acc.warn(
            codes::FREQUENCY,
            "original_claim_number is only sent with frequency replacement or void; it is ignored".into(),
        ),
        _ => acc.opt("original_claim_number", claim.original_claim_number.as_ref(), 50),
    }
    acc.opt(
        "prior_authorization",
        claim.prior_authorization.as_ref(),
        50,
    );
    claim_dates(claim, acc);

    // HI: 1..12 codes, no repeats.
    let n_dx = claim.diagnoses.len();
    if n_dx == 0 {
        acc.error(
            codes::DIAGNOSES,
            "diagnoses is empty; an 837P needs a principal diagnosis".into(),
        );
    } else if n_dx > 12 {
        acc.error(
            codes::DIAGNOSES,
            format!("{n_dx} diagnoses; HI holds at most 12"),
        );
    }
    for (i, dx) in claim.diagnoses.iter().enumerate() {
        if claim.diagnoses[..i].contains(dx) {
            acc.error(
                codes::DIAGNOSES,
                format!("diagnosis {} repeats {dx}", i + 1),
            );
        }
    }

    subscriber_and_patient(claim, acc);

    if let Some(r) = &claim.referring_provider {
        person(acc, "referring_provider.name", &r.name);
    }
    if let Some(r) = &claim.rendering_provider {
        provider_name(acc, "rendering_provider.name", &r.name);
        taxonomy(acc, "rendering_provider.taxonomy", r.taxonomy.as_deref());
    }
    other_payers(claim, acc);

    let n_lines = claim.lines.len();
    if n_lines == 0 {
        acc.error(
            codes::LINES,
            "lines is empty; a claim needs at least one service line".into(),
        );
    } else if n_lines > 50 {
        acc.error(
            codes::LINES,
            format!("{n_lines} service lines; an 837P claim holds at most 50"),
        );
    }
    for (i, line) in claim.lines.iter().enumerate() {
        acc.line = Some(i + 1);
        service_line(line, n_dx, acc);
        line_adjudications(claim, line, acc);
    }
    acc.line = None;
    cob_paid(claim, acc);

    // CLM02 = ΣSV102 (TR3 rule that pyx12 does not check).
    let sum: Money = claim.lines.iter().map(|l| l.charge).sum();
    if sum != claim.total_charge {
        acc.error(
            codes::TOTAL,
            format!(
                "total_charge {} is not the sum of the line charges {}",
                claim.total_charge, sum
            ),
        );
    }
}

/// 2300 DTP*431 and DTP*454: neither can be after the first service (a symptom or a course
/// of treatment that began after the visit it explains), and an onset after the initial
/// treatment is suspect (treatment for a condition the patient did not have yet).
fn claim_dates(claim: &Claim, acc: &mut Acc) {
    let first_service = claim.lines.iter().map(|l| l.service_date).min();
    for (field, date) in [
        ("onset_date", claim.onset_date),
        ("initial_treatment_date", claim.initial_treatment_date),
    ] {
        let Some(date) = date else { continue };
        // D8 is CCYYMMDD: a year outside 1900-9999 would not even write as 8 digits.
        if !(1900..=9999).contains(&chrono::Datelike::year(&date)) {
            acc.error(
                codes::CLAIM_DATE,
                format!("{field} must be in years 1900-9999"),
            );
        } else if first_service.is_some_and(|first| date > first) {
            acc.error(
                codes::CLAIM_DATE,
                format!("{field} is after the claim's first service date"),
            );
        }
    }
    if let (Some(onset), Some(initial)) = (claim.onset_date, claim.initial_treatment_date) {
        if onset > initial {
            acc.warn(
                codes::ONSET_ORDER,
                "onset_date is after initial_treatment_date".into(),
            );
        }
    }
}

fn subscriber_and_patient(claim: &Claim, acc: &mut Acc) {
    let sub = &claim.subscriber;
    if !matches!(
        sub.payer_responsibility.as_str(),
        "P" | "S" | "T" | "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "U"
    ) {
        acc.error(
            codes::CODE,
            "subscriber.payer_responsibility must be P, S, T, A-H or U".into(),
        );
    }
    acc.opt("subscriber.group_number", sub.group_number.as_ref(), 50);
    let cfi = &sub.claim_filing_indicator;
    if !(1..=2).contains(&cfi.len()) || !cfi.bytes().all(|b| b.is_ascii_alphanumeric()) {
        acc.error(
            codes::CODE,
            "subscriber.claim_filing_indicator must be a 1-2 character code such as MB or CI"
                .into(),
        );
    }
    person(acc, "subscriber.name", &sub.name);
    acc.text("subscriber.member_id", &sub.member_id, 80);
    if let Some(a) = &sub.address {
        address(acc, "subscriber.address", a, false);
    }
    // DMG carries both or neither; a lone one could not be written faithfully.
    if sub.birth_date.is_some() != sub.gender.is_some() {
        acc.error(
            codes::DEMOGRAPHICS,
            "subscriber.birth_date and subscriber.gender go together (DMG): give both or neither"
                .into(),
        );
    }
    acc.text("payer.name", &claim.payer.name, 60);
    acc.text("payer.payer_id", &claim.payer.payer_id, 80);

    match &claim.patient {
        None => {
            // 2010BA N3/N4/DMG are required when the subscriber is the patient.
            let missing: Vec<&str> = [
                ("address", sub.address.is_none()),
                ("birth_date", sub.birth_date.is_none()),
                ("gender", sub.gender.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(f, _)| *f)
            .collect();
            if !missing.is_empty() {
                acc.error(
                    codes::DEMOGRAPHICS,
                    format!(
                        "the subscriber is the patient, so subscriber.{} is required",
                        missing.join(", subscriber.")
                    ),
                );
            }
            if sub.payer_responsibility.is_empty() {
                acc.error(
                    codes::REQUIRED,
                    "subscriber.payer_responsibility is empty".into(),
                );
            }
        }
        Some(p) => {
            person(acc, "patient.name", &p.name);
            address(acc, "patient.address", &p.address, false);
        }
    }
}

fn service_line(line: &ServiceLine, n_dx: usize, acc: &mut Acc) {
    if line.modifiers.len() > 4 {
        acc.error(
            codes::MODIFIERS,
            format!("{} modifiers; SV101 holds at most 4", line.modifiers.len()),
        );
    }
    money(acc, "charge", line.charge);
    if line.units == 0 {
        acc.error(codes::UNITS, "units must be at least 1".into());
    } else if line.units > 9_999 {
        acc.error(
            codes::UNITS,
            format!("{} units is not plausible", line.units),
        );
    }
    let ptrs = &line.diagnosis_pointers;
    if ptrs.is_empty() || ptrs.len() > 4 {
        acc.error(
            codes::POINTER,
            format!("{} diagnosis pointers; SV107 needs 1 to 4", ptrs.len()),
        );
    }
    for (i, &p) in ptrs.iter().enumerate() {
        if p == 0 || usize::from(p) > n_dx {
            acc.error(
                codes::POINTER,
                format!(
                    "diagnosis pointer {p} does not point at one of the claim's {n_dx} diagnoses"
                ),
            );
        } else if ptrs[..i].contains(&p) {
            acc.error(codes::POINTER, format!("diagnosis pointer {p} is repeated"));
        }
    }
    if let Some(end) = line.service_date_end {
        if end < line.service_date {
            acc.error(
                codes::DATE,
                "service_date_end is before service_date".into(),
            );
        }
    }
    if let Some(p) = &line.place_of_service {
        pos(acc, "place_of_service", p);
    }
    acc.text("line_control_number", &line.line_control_number, 50);
}

/// Payer responsibility codes of SBR01 (2000B and 2320).
const SBR01: [&str; 12] = ["P", "S", "T", "A", "B", "C", "D", "E", "F", "G", "H", "U"];

/// An identifier of 2 to 80 characters (NM109, SVD01).
fn id_text(acc: &mut Acc, parent: &str, name: &str, value: &str) {
    acc.text_in(parent, name, value, 80);
    if value.trim().len() == 1 {
        acc.error(
            codes::LENGTH,
            format!("{parent}.{name} has 1 character, at least 2 required"),
        );
    }
}

/// An amount that may be negative: at most 2 decimals and within range.
fn signed_money(acc: &mut Acc, field: &str, m: Money) {
    let d: Decimal = m.amount();
    if d.scale() > 2 && d.normalize().scale() > 2 {
        acc.error(
            codes::AMOUNT,
            format!("{field} {m} has more than 2 decimals"),
        );
    }
    if d.abs() >= Decimal::from(100_000_000) {
        acc.error(codes::AMOUNT, format!("{field} {m} is too large"));
    }
}

/// An amount that must not be negative, otherwise as [`signed_money`].
fn money(acc: &mut Acc, field: &str, m: Money) {
    let d: Decimal = m.amount();
    if d.is_sign_negative() && !d.is_zero() {
        acc.error(codes::AMOUNT, format!("{field} {m} is negative"));
    }
    signed_money(acc, field, m);
}

fn pos(acc: &mut Acc, field: &str, code: &str) {
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_digit()) || code == "00" {
        acc.error(
            codes::CODE,
            format!("{field} {code:?} is not a two-digit CMS place of service code"),
        );
    }
}

fn taxonomy(acc: &mut Acc, field: &str, code: Option<&str>) {
    // NUCC taxonomy codes are 10 characters: 9 letters or digits and a final X.
    if let Some(code) = code {
        let b = code.as_bytes();
        let ok = b.len() == 10
            && b[..9]
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            && b[9] == b'X';
        if !ok {
            acc.error(
                codes::CODE,
                format!("{field} {code:?} is not a NUCC taxonomy code (like 225X00000X)"),
            );
        }
    }
}

fn person(acc: &mut Acc, field: &str, name: &PersonName) {
    acc.text_in(field, "last", &name.last, 60);
    acc.text_in(field, "first", &name.first, 35);
    acc.opt_in(field, "middle", name.middle.as_ref(), 25);
}

fn provider_name(acc: &mut Acc, field: &str, name: &ProviderName) {
    match name {
        ProviderName::Organization(org) => acc.text_in(field, "organization", org, 60),
        ProviderName::Person(p) => person(acc, field, p),
    }
}

fn address(acc: &mut Acc, field: &str, a: &Address, billing: bool) {
    acc.text_in(field, "line1", &a.line1, 55);
    acc.opt_in(field, "line2", a.line2.as_ref(), 55);
    acc.text_in(field, "city", &a.city, 30);
    if !US_STATES.contains(&a.state.as_str()) {
        acc.error(
            codes::CODE,
            format!(
                "{field}.state {:?} is not a USPS state or territory code",
                a.state
            ),
        );
    }
    let digits = a.zip.bytes().all(|b| b.is_ascii_digit());
    // The billing provider needs ZIP+4 (5010); elsewhere 5 or 9 digits. The value is not
    // echoed: a patient's ZIP is PHI.
    if billing && !(digits && a.zip.len() == 9) {
        acc.error(
            codes::ZIP,
            format!("{field}.zip must be 9 digits (ZIP+4, no dash)"),
        );
    } else if !billing && !(digits && (a.zip.len() == 5 || a.zip.len() == 9)) {
        acc.error(
            codes::ZIP,
            format!("{field}.zip must be 5 or 9 digits, no dash"),
        );
    }
}

/// USPS codes for states, DC, territories and military "states".
const US_STATES: [&str; 62] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE",
];

/// Whether an address line is a post office box or lock box (clearinghouse edit on
/// 2010AA N301/N302). Matches `PO BOX`, `P.O. Box`, `POB 12`, `Post Office Box`,
/// `Lockbox`, `Lock Box`, `Box 123` at the start; not `Boxwood Rd` or `Pobox Street`.
pub fn looks_like_po_box(line: &str) -> bool {
    let norm: String = line
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || c.is_ascii_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let words: Vec<&str> = norm.split_whitespace().collect();
    let numberish = |w: Option<&&str>| w.is_some_and(|w| w.bytes().any(|b| b.is_ascii_digit()));
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1);
        let hit = match *w {
            "PO" | "P" => {
                next == Some(&"BOX")
                    || (*w == "P" && next == Some(&"O") && words.get(i + 2) == Some(&"BOX"))
            }
            "LOCKBOX" => true,
            "POB" | "POBOX" => numberish(next),
            "POST" => next == Some(&"OFFICE") && words.get(i + 2) == Some(&"BOX"),
            "LOCK" => next == Some(&"BOX"),
            "BOX" => i == 0 && numberish(next),
            _ => false,
        };
        if hit {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn po_box_spellings() {
        for yes in [
            "PO BOX 123",
            "P.O. Box 77",
            "p o box 5",
            "POB 12",
            "Post Office Box 9",
            "LOCKBOX 4411",
            "Lock Box 2",
            "BOX 19",
            "1200 Main St, PO Box 4",
            "POBOX 10",
        ] {
            assert!(looks_like_po_box(yes), "{yes}");
        }
        for no in [
            "123 Boxwood Rd",
            "400 Pobox Street",
            "12 Post Road",
            "Suite 200",
            "POB Street",
        ] {
            assert!(!looks_like_po_box(no), "{no}");
        }
    }

    #[test]
    fn allowed_chars() {
        assert!(allowed_char('A') && allowed_char(' ') && allowed_char('#'));
        for c in ['*', ':', '^', '~', '\n', 'é'] {
            assert!(!allowed_char(c), "{c:?}");
        }
    }
}
