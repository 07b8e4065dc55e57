//! Writing a [`ClaimFile`] as one 837P interchange.
//!
//! Layout: one ISA/GS, then one ST/SE transaction per chunk of at most
//! [`WriteOptions::max_claims_per_transaction`] claims (5000 by default, the TR3's
//! recommended maximum of CLM segments per transaction; clearinghouses reject larger ones).
//! Each transaction repeats the submitter, receiver and billing provider (2000A), then one
//! subscriber HL (2000B) per run of consecutive claims with the same subscriber and payer,
//! and one patient HL (2000C) per run of claims for the same dependent. A run is cut at 100
//! claims, the 2300 loop's repeat limit per HL.
//!
//! Checks run first; claims with an error finding are left out, and a file-level error
//! writes nothing. Envelope segments, counts and control numbers are `otbill-x12`'s job.

use crate::check::{check_file, Finding};
use crate::model::{
    Address, Adjustment, Claim, ClaimFile, LineAdjudication, OtherPayer, Patient, PersonName,
    ProviderName, ServiceLine, Subscriber,
};
use chrono::{Datelike, NaiveDate};
use otbill_x12::{Delimiters, Group, Interchange, WriteError, Writer};
use std::io::Write;

/// GS08 / ST03: the 837P guide version we write (pyx12 validates A1, not A2).
pub const VERSION: &str = "005010X222A1";

/// The 2300 loop repeats at most 100 times per subscriber or patient HL (pyx12 map).
const CLAIMS_PER_HL: usize = 100;

/// Writing choices that are not claim data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Claims per ST/SE transaction; at least 1. Default 5000.
    pub max_claims_per_transaction: usize,
    /// Write a line feed after each segment terminator (easier to read, still valid X12).
    pub newline_after_segment: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            max_claims_per_transaction: 5000,
            newline_after_segment: false,
        }
    }
}

/// What was written and why anything was not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Indexes (into `ClaimFile::claims`) of the claims written, in order.
    pub written: Vec<usize>,
    /// Indexes of the claims refused because of an error finding.
    pub refused: Vec<usize>,
    /// Every finding, errors and warnings, file-level first.
    pub findings: Vec<Finding>,
    /// ST/SE transactions written.
    pub transactions: usize,
}

/// Writing failed for a reason other than the data (I/O, or a writer invariant).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// From the X12 writer, including I/O errors of the output.
    #[error("writing X12 failed: {0}")]
    X12(#[from] WriteError),
}

/// Checks `file`, then writes its good claims to `out` as one interchange.
///
/// Nothing is written when a file-level check fails or when no claim passes; the summary
/// says so. Wrap a file in a `BufWriter`: segments are written one `write_all` each.
pub fn write_837p<W: Write>(
    file: &ClaimFile,
    options: &WriteOptions,
    out: W,
) -> Result<WriteSummary, Error> {
    let findings = check_file(file);
    let file_error = findings.iter().any(|f| f.is_error() && f.claim.is_none());
    let mut bad = vec![false; file.claims.len()];
    for f in findings.iter().filter(|f| f.is_error()) {
        if let Some(c) = f.claim {
            bad[c] = true;
        }
    }
    let mut summary = WriteSummary {
        findings,
        ..WriteSummary::default()
    };
    for (i, is_bad) in bad.iter().enumerate() {
        if *is_bad || file_error {
            summary.refused.push(i);
        } else {
            summary.written.push(i);
        }
    }
    if summary.written.is_empty() {
        return Ok(summary);
    }
    let claims: Vec<&Claim> = summary.written.iter().map(|&i| &file.claims[i]).collect();
    summary.transactions = write_unchecked(file, &claims, options, out)?;
    Ok(summary)
}

/// Writes `claims` without checking them; returns the number of transactions.
fn write_unchecked<W: Write>(
    file: &ClaimFile,
    claims: &[&Claim],
    options: &WriteOptions,
    out: W,
) -> Result<usize, Error> {
    let env = &file.envelope;
    // The terminator stays `~`; an optional newline after it is whitespace readers skip.
    let delimiters = Delimiters::default();
    let out = NewlineAfter {
        inner: out,
        on: options.newline_after_segment,
    };
    let mut w = Writer::new(out, delimiters);
    let mut isa = Interchange::new(
        &env.sender_qualifier,
        &env.sender_id,
        &env.receiver_qualifier,
        &env.receiver_id,
        env.interchange_control_number,
    );
    isa.date_time = env.created;
    isa.production = env.usage == crate::model::Usage::Production;
    isa.ack_requested = env.acknowledgment_requested;
    w.begin_interchange(&isa)?;
    let mut gs = Group::new(
        "HC",
        &env.sender_id,
        &env.receiver_id,
        env.group_control_number,
        VERSION,
    );
    gs.date_time = env.created;
    w.begin_group(&gs)?;

    let per = options.max_claims_per_transaction.max(1);
    let mut n = 0;
    let mut scratch = Scratch::default();
    for chunk in claims.chunks(per) {
        let st02 = w.begin_transaction("837", Some(VERSION))?;
        header(&mut w, file, &st02)?;
        hierarchy(&mut w, chunk, &mut scratch)?;
        w.end_transaction()?;
        n += 1;
    }
    w.end_group()?;
    w.finish()?;
    Ok(n)
}

/// BHT, 1000A submitter, 1000B receiver, 2000A/2010AA billing provider, 2010AB pay-to.
fn header<W: Write>(w: &mut Writer<W>, file: &ClaimFile, st02: &str) -> Result<(), WriteError> {
    let env = &file.envelope;
    let date = d8(env.created.date());
    let time = env.created.format("%H%M").to_string();
    let batch = format!("{}{}", env.interchange_control_number, st02);
    w.segment("BHT", &["0019", "00", &batch, &date, &time, "CH"])?;
    nm1(w, "41", &file.submitter.name, "46", &file.submitter.id)?;
    let contact = &file.submitter.contact;
    w.segment("PER", &["IC", &contact.name, "TE", &contact.phone])?;
    w.segment(
        "NM1",
        &[
            "40",
            "2",
            &file.receiver.name,
            "",
            "",
            "",
            "",
            "46",
            &file.receiver.id,
        ],
    )?;

    let bp = &file.billing_provider;
    w.segment("HL", &["1", "", "20", "1"])?;
    if let Some(tax) = &bp.taxonomy {
        w.segment("PRV", &["BI", "PXC", tax])?;
    }
    nm1(w, "85", &bp.name, "XX", bp.npi.as_str())?;
    address(w, &bp.address)?;
    w.segment("REF", &["EI", &bp.ein])?;
    if let Some(pay_to) = &bp.pay_to_address {
        w.segment("NM1", &["87", "2"])?;
        address(w, pay_to)?;
    }
    Ok(())
}

/// State carried across the HLs of one transaction.
#[derive(Default)]
struct Scratch {
    hl: u32,
}

/// 2000B/2000C HLs and their claims for one transaction.
fn hierarchy<W: Write>(
    w: &mut Writer<W>,
    claims: &[&Claim],
    s: &mut Scratch,
) -> Result<(), WriteError> {
    s.hl = 1;
    let mut i = 0;
    while i < claims.len() {
        let first = claims[i];
        let dependent = first.patient.is_some();
        // A subscriber run: same subscriber and payer, and all for the subscriber or all for
        // dependents.
        let run_len = claims[i..]
            .iter()
            .take_while(|c| {
                c.subscriber == first.subscriber
                    && c.payer == first.payer
                    && c.patient.is_some() == dependent
            })
            .count();
        let run_len = if dependent {
            run_len
        } else {
            run_len.min(CLAIMS_PER_HL)
        };
        let run = &claims[i..i + run_len];
        s.hl += 1;
        let sub_hl = s.hl;
        subscriber(w, first, sub_hl, dependent)?;
        if dependent {
            let mut j = 0;
            while j < run.len() {
                let patient = run[j].patient.as_ref();
                let len = run[j..]
                    .iter()
                    .take(CLAIMS_PER_HL)
                    .take_while(|c| c.patient.as_ref() == patient)
                    .count();
                s.hl += 1;
                if let Some(p) = patient {
                    patient_hl(w, p, s.hl, sub_hl)?;
                }
                for c in &run[j..j + len] {
                    claim(w, c)?;
                }
                j += len;
            }
        } else {
            for c in run {
                claim(w, c)?;
            }
        }
        i += run_len;
    }
    Ok(())
}

fn subscriber<W: Write>(
    w: &mut Writer<W>,
    claim: &Claim,
    hl: u32,
    has_children: bool,
) -> Result<(), WriteError> {
    let sub: &Subscriber = &claim.subscriber;
    let hl_id = hl.to_string();
    w.segment(
        "HL",
        &[&hl_id, "1", "22", if has_children { "1" } else { "0" }],
    )?;
    let group = sub.group_number.as_deref().unwrap_or("");
    // SBR02 = 18 (self) only when the subscriber is the patient.
    let rel = if has_children { "" } else { "18" };
    w.segment(
        "SBR",
        &[
            &sub.payer_responsibility,
            rel,
            group,
            "",
            "",
            "",
            "",
            "",
            &sub.claim_filing_indicator,
        ],
    )?;
    person_nm1(w, "IL", &sub.name, "MI", &sub.member_id)?;
    if let Some(a) = &sub.address {
        address(w, a)?;
    }
    if let Some(dob) = sub.birth_date {
        let gender = sub.gender.map_or("U", |g| g.code());
        w.segment("DMG", &["D8", &d8(dob), gender])?;
    }
    payer_nm1(w, &claim.payer.name, &claim.payer.payer_id)
}

fn patient_hl<W: Write>(
    w: &mut Writer<W>,
    p: &Patient,
    hl: u32,
    parent: u32,
) -> Result<(), WriteError> {
    w.segment("HL", &[&hl.to_string(), &parent.to_string(), "23", "0"])?;
    w.segment("PAT", &[p.relationship.code()])?;
    w.segment(
        "NM1",
        &[
            "QC",
            "1",
            &p.name.last,
            &p.name.first,
            p.name.middle.as_deref().unwrap_or(""),
        ],
    )?;
    address(w, &p.address)?;
    w.segment("DMG", &["D8", &d8(p.birth_date), p.gender.code()])
}

/// Loop 2300 and its 2310A/B and 2400 loops.
fn claim<W: Write>(w: &mut Writer<W>, c: &Claim) -> Result<(), WriteError> {
    let total = c.total_charge.to_string();
    w.start("CLM")
        .element(&c.patient_control_number)
        .element(&total)
        .element("")
        .element("")
        .composite(&[&c.place_of_service, "B", c.frequency.code()])
        .element(yn(c.provider_signature_on_file))
        .element(c.assignment.code())
        .element(yn(c.benefits_assigned))
        .element(if c.release_of_information { "Y" } else { "I" })
        .finish()?;
    // 2300 DTP (map position 1350, after CLM and before PWK/REF/HI); the map lists 431
    // before 454.
    if let Some(d) = c.onset_date {
        w.segment("DTP", &["431", "D8", &d8(d)])?;
    }
    if let Some(d) = c.initial_treatment_date {
        w.segment("DTP", &["454", "D8", &d8(d)])?;
    }
    // TR3 order within 2300: REF*G1 (prior authorization) before REF*F8.
    if let Some(auth) = &c.prior_authorization {
        w.segment("REF", &["G1", auth])?;
    }
    if c.frequency.code() != "1" {
        if let Some(orig) = &c.original_claim_number {
            w.segment("REF", &["F8", orig])?;
        }
    }
    let mut hi = w.start("HI");
    for (i, dx) in c.diagnoses.iter().enumerate() {
        hi = hi.composite(&[if i == 0 { "ABK" } else { "ABF" }, dx.as_str()]);
    }
    hi.finish()?;
    if let Some(r) = &c.referring_provider {
        person_nm1(w, "DN", &r.name, "XX", r.npi.as_str())?;
    }
    if let Some(r) = &c.rendering_provider {
        nm1(w, "82", &r.name, "XX", r.npi.as_str())?;
        if let Some(tax) = &r.taxonomy {
            w.segment("PRV", &["PE", "PXC", tax])?;
        }
    }
    for other in &c.other_payers {
        other_payer(w, other)?;
    }
    for (i, line) in c.lines.iter().enumerate() {
        service_line(w, line, i + 1)?;
    }
    Ok(())
}

fn service_line<W: Write>(
    w: &mut Writer<W>,
    line: &ServiceLine,
    n: usize,
) -> Result<(), WriteError> {
    w.segment("LX", &[&n.to_string()])?;
    let mut proc: [&str; 6] = ["HC", line.procedure.as_str(), "", "", "", ""];
    for (slot, m) in proc[2..].iter_mut().zip(&line.modifiers) {
        *slot = m.as_str();
    }
    let mut ptrs: [&str; 4] = [""; 4];
    for (slot, p) in ptrs.iter_mut().zip(&line.diagnosis_pointers) {
        *slot = POINTERS.get(usize::from(*p)).copied().unwrap_or("");
    }
    let charge = line.charge.to_string();
    let units = line.units.to_string();
    w.start("SV1")
        .composite(&proc)
        .element(&charge)
        .element("UN")
        .element(&units)
        .element(line.place_of_service.as_deref().unwrap_or(""))
        .element("")
        .composite(&ptrs)
        .finish()?;
    // RD8 whenever an end date is given (even the same day) so the model reads back as is.
    match line.service_date_end {
        Some(end) => {
            let range = format!("{}-{}", d8(line.service_date), d8(end));
            w.segment("DTP", &["472", "RD8", &range])?;
        }
        _ => w.segment("DTP", &["472", "D8", &d8(line.service_date)])?,
    }
    w.segment("REF", &["6R", &line.line_control_number])?;
    for adj in &line.adjudications {
        line_adjudication(w, adj)?;
    }
    Ok(())
}

/// Loop 2320 and its 2330A other subscriber and 2330B other payer.
fn other_payer<W: Write>(w: &mut Writer<W>, o: &OtherPayer) -> Result<(), WriteError> {
    let rel = o.patient_relationship.map_or("18", |r| r.code());
    w.segment(
        "SBR",
        &[
            &o.payer_responsibility,
            rel,
            o.group_number.as_deref().unwrap_or(""),
            "",
            "",
            "",
            "",
            "",
            &o.claim_filing_indicator,
        ],
    )?;
    cas(w, &o.adjustments)?;
    // TR3 order of the 2320 AMT segments: D (payer paid), A8 (non-covered), EAF.
    if let Some(paid) = o.paid_amount {
        w.segment("AMT", &["D", &paid.to_string()])?;
    }
    if let Some(left) = o.remaining_patient_liability {
        w.segment("AMT", &["EAF", &left.to_string()])?;
    }
    // OI03 benefits assignment and OI06 release of information; OI01/02/05 are not used.
    w.segment(
        "OI",
        &[
            "",
            "",
            yn(o.benefits_assigned),
            "",
            "",
            if o.release_of_information { "Y" } else { "I" },
        ],
    )?;
    if let Some(moa) = &o.outpatient_adjudication {
        let rate = moa.reimbursement_rate.map(|r| r.to_string());
        let payable = moa.hcpcs_payable_amount.map(|a| a.to_string());
        let mut seg = w
            .start("MOA")
            .element(rate.as_deref().unwrap_or(""))
            .element(payable.as_deref().unwrap_or(""));
        for remark in moa.remarks.iter().take(5) {
            seg = seg.element(remark);
        }
        seg.finish()?;
    }
    let sub = &o.subscriber;
    person_nm1(w, "IL", &sub.name, "MI", &sub.member_id)?;
    if let Some(a) = &sub.address {
        address(w, a)?;
    }
    let payer = &o.payer;
    payer_nm1(w, &payer.name, &payer.payer_id)?;
    if let Some(date) = payer.adjudication_date {
        w.segment("DTP", &["573", "D8", &d8(date)])?;
    }
    if let Some(icn) = &payer.claim_number {
        w.segment("REF", &["F8", icn])?;
    }
    Ok(())
}

/// Loop 2430: SVD, CAS, DTP*573, AMT*EAF.
fn line_adjudication<W: Write>(w: &mut Writer<W>, a: &LineAdjudication) -> Result<(), WriteError> {
    let mut proc: [&str; 6] = ["HC", a.procedure.as_str(), "", "", "", ""];
    for (slot, m) in proc[2..].iter_mut().zip(&a.modifiers) {
        *slot = m.as_str();
    }
    w.start("SVD")
        .element(&a.payer_id)
        .element(&a.paid_amount.to_string())
        .composite(&proc)
        .element("")
        .element(&a.paid_units.to_string())
        .finish()?;
    cas(w, &a.adjustments)?;
    w.segment("DTP", &["573", "D8", &d8(a.adjudication_date)])?;
    if let Some(left) = a.remaining_patient_liability {
        w.segment("AMT", &["EAF", &left.to_string()])?;
    }
    Ok(())
}

/// CAS segments: one per group code, in the order the groups first appear, each with up
/// to 6 reason/amount/quantity triples (a group with more continues in another CAS).
fn cas<W: Write>(w: &mut Writer<W>, adjustments: &[Adjustment]) -> Result<(), WriteError> {
    let mut groups: Vec<&str> = Vec::new();
    for a in adjustments {
        if !groups.contains(&a.group.as_str()) {
            groups.push(&a.group);
        }
    }
    for group in groups {
        let of_group: Vec<&Adjustment> = adjustments.iter().filter(|a| a.group == group).collect();
        for chunk in of_group.chunks(6) {
            let mut seg = w.start("CAS").element(group);
            for a in chunk {
                let quantity = a.quantity.map(|q| q.to_string());
                seg = seg
                    .element(&a.reason)
                    .element(&a.amount.to_string())
                    .element(quantity.as_deref().unwrap_or(""));
            }
            seg.finish()?;
        }
    }
    Ok(())
}

const POINTERS: [&str; 13] = [
    "", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];

/// NM1 for a name that may be an organisation or a person.
fn nm1<W: Write>(
    w: &mut Writer<W>,
    entity: &str,
    name: &ProviderName,
    qualifier: &str,
    id: &str,
) -> Result<(), WriteError> {
    match name {
        ProviderName::Organization(org) => {
            w.segment("NM1", &[entity, "2", org, "", "", "", "", qualifier, id])
        }
        ProviderName::Person(p) => person_nm1(w, entity, p, qualifier, id),
    }
}

/// A payer's NM1*PR (2010BB, 2330B).
fn payer_nm1<W: Write>(w: &mut Writer<W>, name: &str, payer_id: &str) -> Result<(), WriteError> {
    w.segment("NM1", &["PR", "2", name, "", "", "", "", "PI", payer_id])
}

fn person_nm1<W: Write>(
    w: &mut Writer<W>,
    entity: &str,
    p: &PersonName,
    qualifier: &str,
    id: &str,
) -> Result<(), WriteError> {
    let middle = p.middle.as_deref().unwrap_or("");
    w.segment(
        "NM1",
        &[
            entity, "1", &p.last, &p.first, middle, "", "", qualifier, id,
        ],
    )
}

fn address<W: Write>(w: &mut Writer<W>, a: &Address) -> Result<(), WriteError> {
    w.segment("N3", &[&a.line1, a.line2.as_deref().unwrap_or("")])?;
    w.segment("N4", &[&a.city, &a.state, &a.zip])
}

fn yn(b: bool) -> &'static str {
    if b {
        "Y"
    } else {
        "N"
    }
}

/// `CCYYMMDD`, without chrono's format-string interpretation (hot path).
pub(crate) fn d8(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// Inserts `\n` after each `~` when asked, so files can be read by people.
struct NewlineAfter<W> {
    inner: W,
    on: bool,
}

impl<W: Write> Write for NewlineAfter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(buf)?;
        // The X12 writer hands over exactly one terminated segment per call.
        if self.on && buf.last() == Some(&b'~') {
            self.inner.write_all(b"\n")?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
