//! The redetermination request letter (appeal level 1), as PDF.
//!
//! 42 CFR 405.944(b) accepts a letter instead of form CMS-20027 when it holds the same
//! required elements (rules.md §9.3): the beneficiary's name, the Medicare number, the
//! services and dates of service at issue, and the name of the party or representative.
//! The letter adds what the form also asks for: the reason for disagreement (drawn from the
//! denial's category), the evidence enclosed (plan of care and its certification, progress
//! reports, the minutes log behind the units), and a signature block.
//!
//! [`RedeterminationRequest::from_claim`] gathers the values from the claim, the worklist
//! items of its remittance and the evidence the record holds; [`render_letter`] draws them.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use otbill_837p::model::{Address, Claim, ClaimFile, ProviderName};
use otbill_denials::{AppealRules, Category, Level, Route, WorkItem};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::pdf::{wrap, Doc, Font, BLACK, PAGE_HEIGHT, PAGE_WIDTH};

/// What the record holds to support the appeal, passed in by the caller (the ledger or a
/// JSON file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// The certified plan of care.
    #[serde(default)]
    pub plan_of_care: Option<PlanOfCare>,
    /// Dates of progress reports.
    #[serde(default)]
    pub progress_reports: Vec<NaiveDate>,
    /// The minutes log behind the units.
    #[serde(default)]
    pub minutes: Vec<MinutesEntry>,
    /// Anything else enclosed (treatment notes, an ABN...), one line each.
    #[serde(default)]
    pub other: Vec<String>,
}

/// A plan of care and its certification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanOfCare {
    /// The day the physician or NPP signed (certified) it.
    pub certified_on: NaiveDate,
    /// Who certified it.
    #[serde(default)]
    pub certified_by: Option<String>,
    /// First day the plan covers.
    pub period_from: NaiveDate,
    /// Last day the plan covers.
    pub period_to: NaiveDate,
}

/// One row of the minutes log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinutesEntry {
    /// Date of service.
    pub date: NaiveDate,
    /// Procedure code.
    pub code: String,
    /// Minutes of direct treatment documented.
    pub minutes: u32,
    /// Units billed.
    pub units: u32,
}

/// One service the request is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceAtIssue {
    /// Date of service.
    pub date: Option<NaiveDate>,
    /// Procedure code and modifiers, e.g. `97165 GO`.
    pub procedure: String,
    /// Units billed.
    pub units: Option<u32>,
    /// Amount denied.
    pub amount: Decimal,
    /// Group, reason and remark codes, e.g. `CO-50 N115`.
    pub adjustment: String,
}

/// The contractor that made the initial determination, as the remittance names it (835
/// loop 1000A); the request is filed with it (42 CFR 405.944(a)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contractor {
    /// Its name; the claim's payer name is used when empty.
    pub name: String,
    /// Its address lines, if the remittance has them.
    pub address: Vec<String>,
}

/// Everything the letter shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedeterminationRequest {
    /// The letter's date.
    pub date: NaiveDate,
    /// The contractor that made the initial determination (835 payer).
    pub contractor: Contractor,
    /// Beneficiary's name (required element 1).
    pub beneficiary_name: String,
    /// Medicare number (required element 2).
    pub medicare_number: String,
    /// Services and dates (required element 3).
    pub services: Vec<ServiceAtIssue>,
    /// The party requesting (required element 4): the provider.
    pub party_name: String,
    /// The party's NPI.
    pub party_npi: String,
    /// The party's address lines.
    pub party_address: Vec<String>,
    /// The party's phone, digits.
    pub party_phone: Option<String>,
    /// The payer's claim number (ICN) of the initial determination.
    pub payer_claim_number: String,
    /// Our claim number (CLM01).
    pub our_claim_number: String,
    /// When the initial determination was received.
    pub notice_received: NaiveDate,
    /// Last day to file this request.
    pub deadline: Option<NaiveDate>,
    /// The reasons for disagreement, one paragraph each.
    pub reasons: Vec<String>,
    /// The evidence enclosed.
    pub evidence: Evidence,
}

/// Why a letter cannot be drafted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LetterError {
    /// None of the claim's adjustments goes to an appeal.
    #[error("claim {0}: no adjustment is appealable by redetermination (see `otbill denials` for its route)")]
    NothingToAppeal(String),
}

impl RedeterminationRequest {
    /// Gathers the letter from the claim file (the billing provider is the party), one of
    /// its claims, the worklist items of that claim's remittance, and the evidence. Only
    /// items whose route is an appeal are included.
    #[allow(clippy::too_many_arguments)]
    pub fn from_claim(
        file: &ClaimFile,
        claim: &Claim,
        contractor: &Contractor,
        items: &[WorkItem],
        evidence: Evidence,
        notice_received: NaiveDate,
        today: NaiveDate,
        rules: &AppealRules,
    ) -> Result<RedeterminationRequest, LetterError> {
        let appealed: Vec<&WorkItem> = items
            .iter()
            .filter(|i| i.patient_control_number == claim.patient_control_number)
            .filter(|i| i.classification.route == Route::Appeal)
            .collect();
        let Some(first) = appealed.first() else {
            return Err(LetterError::NothingToAppeal(
                claim.patient_control_number.clone(),
            ));
        };
        let services = appealed
            .iter()
            .map(|item| {
                let line = claim.lines.iter().find(|l| {
                    Some(l.line_control_number.as_str()) == item.line_control_number.as_deref()
                });
                let procedure = match line {
                    Some(l) => {
                        let mut p = l.procedure.as_str().to_owned();
                        for m in &l.modifiers {
                            p.push(' ');
                            p.push_str(m.as_str());
                        }
                        p
                    }
                    None => item
                        .procedure
                        .clone()
                        .unwrap_or_else(|| "(whole claim)".to_owned())
                        .replace(':', " "),
                };
                let mut adjustment = format!("{}-{}", item.group, item.reason_code);
                for r in &item.remarks {
                    adjustment.push(' ');
                    adjustment.push_str(r);
                }
                ServiceAtIssue {
                    date: item.service_date.or(line.map(|l| l.service_date)),
                    procedure,
                    units: line.map(|l| l.units),
                    amount: item.amount,
                    adjustment,
                }
            })
            .collect::<Vec<_>>();
        let reasons = reasons(&appealed, &services, &evidence);
        let (beneficiary_name, medicare_number) = beneficiary(claim);
        let provider = &file.billing_provider;
        Ok(RedeterminationRequest {
            date: today,
            contractor: Contractor {
                name: if contractor.name.trim().is_empty() {
                    claim.payer.name.clone()
                } else {
                    contractor.name.clone()
                },
                address: contractor.address.clone(),
            },
            beneficiary_name,
            medicare_number,
            services,
            party_name: provider_name(&provider.name),
            party_npi: provider.npi.as_str().to_owned(),
            party_address: address_lines(&provider.address),
            party_phone: Some(file.submitter.contact.phone.clone()).filter(|p| !p.is_empty()),
            payer_claim_number: first.payer_claim_number.clone(),
            our_claim_number: claim.patient_control_number.clone(),
            notice_received,
            deadline: rules.deadline(Level::Redetermination, notice_received),
            reasons,
            evidence,
        })
    }

    /// The required elements of 42 CFR 405.944(b) that are empty (none, for a letter that
    /// may be sent).
    pub fn missing_elements(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.beneficiary_name.trim().is_empty() {
            missing.push("beneficiary name");
        }
        if self.medicare_number.trim().is_empty() {
            missing.push("Medicare number");
        }
        if self.services.is_empty() || self.services.iter().any(|s| s.date.is_none()) {
            missing.push("services and dates of service");
        }
        if self.party_name.trim().is_empty() {
            missing.push("name of the party");
        }
        missing
    }
}

fn beneficiary(claim: &Claim) -> (String, String) {
    let name = match &claim.patient {
        Some(p) => &p.name,
        None => &claim.subscriber.name,
    };
    let mut full = name.first.clone();
    if let Some(m) = &name.middle {
        full.push(' ');
        full.push_str(m);
    }
    full.push(' ');
    full.push_str(&name.last);
    (full, claim.subscriber.member_id.clone())
}

pub(crate) fn provider_name(name: &ProviderName) -> String {
    match name {
        ProviderName::Organization(o) => o.clone(),
        ProviderName::Person(p) => format!("{} {}", p.first, p.last),
    }
}

pub(crate) fn address_lines(a: &Address) -> Vec<String> {
    let mut lines = vec![a.line1.clone()];
    lines.extend(a.line2.clone());
    lines.push(format!("{}, {} {}", a.city, a.state, zip(&a.zip)));
    lines
}

/// `973021234` as `97302-1234`; anything but 9 digits unchanged.
pub fn zip(z: &str) -> String {
    if z.len() == 9 && z.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &z[..5], &z[5..])
    } else {
        z.to_owned()
    }
}

fn mdy(d: NaiveDate) -> String {
    d.format("%m/%d/%Y").to_string()
}

/// One paragraph per category of the appealed items, citing the evidence the record holds.
fn reasons(items: &[&WorkItem], services: &[ServiceAtIssue], evidence: &Evidence) -> Vec<String> {
    let categories: BTreeSet<Category> = items.iter().map(|i| i.classification.category).collect();
    let plan = evidence.plan_of_care.as_ref().map(|p| {
        let by = p
            .certified_by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default();
        format!(
            "under a plan of care certified{by} on {} for {} through {}",
            mdy(p.certified_on),
            mdy(p.period_from),
            mdy(p.period_to)
        )
    });
    let mut out = Vec::new();
    for category in categories {
        let these: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.classification.category == category)
            .map(|(n, _)| n)
            .collect();
        let list = these
            .iter()
            .filter_map(|n| services.get(*n))
            .map(|s| {
                let date = s.date.map(mdy).unwrap_or_default();
                format!("{} on {date} ({})", s.procedure, s.adjustment)
            })
            .collect::<Vec<_>>()
            .join("; ");
        let text = match category {
            Category::MedicalNecessity => format!(
                "The contractor found {list} not medically necessary. These were skilled occupational therapy services furnished {}. The enclosed records show the patient's condition, the skilled interventions that required a therapist, and the measurable functional progress toward the goals of the plan.",
                plan.as_deref().unwrap_or("under the patient's plan of care")
            ),
            Category::MueUnits => {
                let minutes: u32 = evidence.minutes.iter().map(|m| m.minutes).sum();
                let units: u32 = evidence.minutes.iter().map(|m| m.units).sum();
                let log = if evidence.minutes.is_empty() {
                    "The treatment notes document the time of each service.".to_owned()
                } else {
                    format!("The enclosed minutes log documents {minutes} minutes of treatment for {units} units, counted under the 8-minute rule (CMS Pub. 100-04, Ch. 5, §20.2).")
                };
                format!("The contractor denied {list} as more units than supported. The units billed match the documented treatment time. {log}")
            }
            Category::Authorization => format!(
                "The contractor denied {list} for lack of authorization. The enclosed documents show the authorization or notification that was obtained for these services."
            ),
            _ => format!(
                "The contractor denied {list}: {}. We believe the services were billed correctly and ask the contractor to review the enclosed records and pay them.",
                items.get(these[0]).map_or("", |i| i.classification.reason.trim_end_matches('.'))
            ),
        };
        out.push(text);
    }
    out
}

const MARGIN: f32 = 54.0;
const SIZE: f32 = 10.5;
const LEAD: f32 = 13.5;

/// A top-to-bottom writer that starts a new page when the current one is full.
struct Flow {
    doc: Doc,
    y: f32,
}

impl Flow {
    fn new() -> Flow {
        let mut doc = Doc::default();
        doc.new_page();
        Flow { doc, y: MARGIN }
    }

    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN {
            self.doc.new_page();
            self.y = MARGIN;
        }
    }

    fn para(&mut self, font: Font, text: &str) {
        for line in wrap(text, font, SIZE, PAGE_WIDTH - 2.0 * MARGIN) {
            self.room(LEAD);
            self.doc.text(MARGIN, self.y, font, SIZE, BLACK, &line);
            self.y += LEAD;
        }
    }

    fn indented(&mut self, indent: f32, text: &str) {
        for (n, line) in wrap(
            text,
            Font::Regular,
            SIZE,
            PAGE_WIDTH - 2.0 * MARGIN - indent - 10.0,
        )
        .iter()
        .enumerate()
        {
            self.room(LEAD);
            if n == 0 {
                self.doc
                    .text(MARGIN + indent, self.y, Font::Regular, SIZE, BLACK, "-");
            }
            self.doc.text(
                MARGIN + indent + 10.0,
                self.y,
                Font::Regular,
                SIZE,
                BLACK,
                line,
            );
            self.y += LEAD;
        }
    }

    fn gap(&mut self) {
        self.y += LEAD * 0.6;
    }

    /// A row of cells at fixed x offsets.
    fn row(&mut self, font: Font, cells: &[(f32, &str)]) {
        self.room(LEAD);
        for (x, text) in cells {
            self.doc
                .text(MARGIN + x, self.y, font, SIZE - 1.0, BLACK, text);
        }
        self.y += LEAD - 1.0;
    }
}

/// The letter as a PDF file.
pub fn render_letter(req: &RedeterminationRequest) -> Vec<u8> {
    let mut f = Flow::new();
    f.para(Font::Bold, &req.party_name);
    for line in &req.party_address {
        f.para(Font::Regular, line);
    }
    let mut contact = format!("NPI {}", req.party_npi);
    if let Some(phone) = &req.party_phone {
        contact.push_str(&format!("   Phone {}", phone_format(phone)));
    }
    f.para(Font::Regular, &contact);
    f.gap();
    f.para(Font::Regular, &mdy(req.date));
    f.gap();
    f.para(Font::Regular, &req.contractor.name);
    f.para(Font::Regular, "Attn: Redeterminations");
    for line in &req.contractor.address {
        f.para(Font::Regular, line);
    }
    f.gap();
    f.para(
        Font::Bold,
        "Re: Request for Redetermination (42 CFR 405.944)",
    );
    f.gap();
    let facts = [
        ("Beneficiary name:", req.beneficiary_name.clone()),
        ("Medicare number:", req.medicare_number.clone()),
        ("Claim number (ICN):", req.payer_claim_number.clone()),
        ("Our claim number:", req.our_claim_number.clone()),
        ("Initial determination received:", mdy(req.notice_received)),
        (
            "Requesting party:",
            format!("{} (provider), NPI {}", req.party_name, req.party_npi),
        ),
    ];
    for (label, value) in &facts {
        f.room(LEAD);
        f.doc.text(MARGIN, f.y, Font::Bold, SIZE, BLACK, label);
        for line in wrap(
            value,
            Font::Regular,
            SIZE,
            PAGE_WIDTH - 2.0 * MARGIN - 170.0,
        ) {
            f.room(LEAD);
            f.doc
                .text(MARGIN + 170.0, f.y, Font::Regular, SIZE, BLACK, &line);
            f.y += LEAD;
        }
    }
    f.gap();
    f.para(
        Font::Regular,
        &format!(
            "{} requests a redetermination of the initial determination on the claim above for the following services:",
            req.party_name
        ),
    );
    f.gap();
    let cols = [0.0, 80.0, 170.0, 215.0, 290.0];
    f.row(
        Font::Bold,
        &[
            (cols[0], "Date of service"),
            (cols[1], "Procedure"),
            (cols[2], "Units"),
            (cols[3], "Denied"),
            (cols[4], "Adjustment codes"),
        ],
    );
    for s in &req.services {
        let date = s.date.map(mdy).unwrap_or_default();
        let units = s.units.map(|u| u.to_string()).unwrap_or_default();
        let amount = format!("${:.2}", s.amount);
        f.row(
            Font::Regular,
            &[
                (cols[0], &date),
                (cols[1], &s.procedure),
                (cols[2], &units),
                (cols[3], &amount),
                (cols[4], &s.adjustment),
            ],
        );
    }
    f.gap();
    f.para(Font::Bold, "Reason for disagreement");
    for r in &req.reasons {
        f.para(Font::Regular, r);
        f.gap();
    }
    f.para(Font::Bold, "Evidence enclosed");
    let ev = &req.evidence;
    if let Some(p) = &ev.plan_of_care {
        let by = p
            .certified_by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default();
        f.indented(
            8.0,
            &format!(
                "Plan of care for {} through {}, certified{by} on {}",
                mdy(p.period_from),
                mdy(p.period_to),
                mdy(p.certified_on)
            ),
        );
    }
    for d in &ev.progress_reports {
        f.indented(8.0, &format!("Progress report dated {}", mdy(*d)));
    }
    if !ev.minutes.is_empty() {
        f.indented(8.0, "Minutes log for the dates of service:");
        let c = [28.0, 110.0, 170.0, 230.0];
        f.row(
            Font::Bold,
            &[
                (c[0], "Date"),
                (c[1], "Code"),
                (c[2], "Minutes"),
                (c[3], "Units"),
            ],
        );
        for m in &ev.minutes {
            f.row(
                Font::Regular,
                &[
                    (c[0], &mdy(m.date)),
                    (c[1], &m.code),
                    (c[2], &m.minutes.to_string()),
                    (c[3], &m.units.to_string()),
                ],
            );
        }
    }
    for o in &ev.other {
        f.indented(8.0, o);
    }
    if ev == &Evidence::default() {
        f.indented(
            8.0,
            "(no records listed: attach the plan of care, progress reports and treatment notes)",
        );
    }
    f.gap();
    if let Some(due) = req.deadline {
        f.para(Font::Regular, &format!("This request is filed within 120 days of receipt of the initial determination (due by {}).", mdy(due)));
        f.gap();
    }
    // Keep the signature block on one page.
    f.room(LEAD * 5.0);
    f.para(Font::Regular, "Sincerely,");
    f.gap();
    f.gap();
    f.doc.line((MARGIN, f.y), (MARGIN + 220.0, f.y), 0.6, BLACK);
    f.y += LEAD;
    f.para(
        Font::Regular,
        &format!(
            "Signature of the party or representative, for {}",
            req.party_name
        ),
    );
    f.para(Font::Regular, "Date: ____________________");
    f.doc.finish("Request for Redetermination")
}

fn phone_format(p: &str) -> String {
    if p.len() == 10 && p.bytes().all(|b| b.is_ascii_digit()) {
        format!("({}) {}-{}", &p[..3], &p[3..6], &p[6..])
    } else {
        p.to_owned()
    }
}
