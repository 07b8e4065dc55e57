//! A simulated clearinghouse and payer: answers an 837P claim file with a 999 and an 835,
//! written with otbill-x12's `Writer`, and a 270 eligibility request with a 271
//! ([`answer_270`]). Used by `otbill demo`, the tests and the benchmark.
//!
//! Amounts are made up but balance the way a payer's do: the allowed amount is 80% of the
//! charge (CO-45 for the rest); a partly paid claim leaves 20% of the allowed amount to the
//! patient (PR-2); a denied claim pays nothing (CLP02 = 4, CO-`carc` on every line).

use chrono::{NaiveDate, NaiveDateTime};
use otbill_837p::model::Claim;
use otbill_837p::ClaimFile;
use otbill_x12::{Delimiters, Group, Interchange, WriteError, Writer};
use rust_decimal::Decimal;

/// What the payer decides for one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Paid the allowed amount (CO-45 for the rest).
    Paid,
    /// Paid, but the payer dropped the line control numbers and modifiers from the SVC
    /// lines (the ledger matches those lines by procedure code).
    PaidWithoutLineRefs,
    /// Allowed amount split: 80% paid, 20% coinsurance (PR-2), CO-45 for the rest.
    PartlyPaid,
    /// Denied with this CARC (group CO).
    Denied(&'static str),
    /// Not in this 835.
    Skip,
}

/// The 835's own identity.
#[derive(Debug, Clone)]
pub struct RemitSpec {
    /// TRN02 check/EFT trace number.
    pub trace: String,
    /// Payer name and TRN03 / N1*PR id.
    pub payer_name: String,
    /// TRN03, `1` + the payer's EIN by convention.
    pub payer_id: String,
    /// ISA13 of the 835.
    pub control_number: u32,
    /// Payment date (BPR16) and production date.
    pub date: NaiveDate,
}

fn amount(d: Decimal) -> String {
    d.round_dp(2).normalize().to_string()
}

/// An 835 answering `file`'s claims with `verdict(index, claim)`.
pub fn remit_835(
    file: &ClaimFile,
    spec: &RemitSpec,
    verdict: impl Fn(usize, &Claim) -> Verdict,
) -> Result<Vec<u8>, WriteError> {
    let when: NaiveDateTime = spec.date.and_hms_opt(12, 0, 0).unwrap_or_default();
    let payee = &file.billing_provider;
    let mut w = Writer::new(
        Vec::with_capacity(file.claims.len() * 400 + 1024),
        Delimiters::default(),
    );
    let mut isa = Interchange::new(
        "ZZ",
        &spec.payer_id,
        "ZZ",
        &file.envelope.sender_id,
        spec.control_number,
    );
    isa.date_time = when;
    w.begin_interchange(&isa)?;
    let mut gs = Group::new(
        "HP",
        &spec.payer_id,
        &file.envelope.sender_id,
        spec.control_number,
        "005010X221A1",
    );
    gs.date_time = when;
    w.begin_group(&gs)?;
    w.begin_transaction("835", None)?;
    // The total is known only after the claims: compute it first.
    let decided: Vec<(usize, Verdict)> = file
        .claims
        .iter()
        .enumerate()
        .map(|(i, c)| (i, verdict(i, c)))
        .filter(|(_, v)| *v != Verdict::Skip)
        .collect();
    let mut total = Decimal::ZERO;
    let mut paid_of = Vec::with_capacity(decided.len());
    for &(i, v) in &decided {
        let lines: Vec<(Decimal, Decimal, Decimal)> = file.claims[i]
            .lines
            .iter()
            .map(|l| split(l.charge.amount(), v))
            .collect();
        let paid: Decimal = lines.iter().map(|x| x.0).sum();
        total += paid;
        paid_of.push(lines);
    }
    let date = spec.date.format("%Y%m%d").to_string();
    let method = if total.is_zero() { "NON" } else { "ACH" };
    w.segment(
        "BPR",
        &[
            "I",
            &amount(total),
            "C",
            method,
            "CCP",
            "01",
            "999999999",
            "DA",
            "123456",
            "1512345678",
            "",
            "01",
            "999988880",
            "DA",
            "98765",
            &date,
        ],
    )?;
    w.segment("TRN", &["1", &spec.trace, &spec.payer_id])?;
    w.segment("DTM", &["405", &date])?;
    w.segment("N1", &["PR", &spec.payer_name])?;
    w.segment("N3", &["PO BOX 6700"])?;
    w.segment("N4", &["FARGO", "ND", "581086700"])?;
    w.segment("N1", &["PE", org(&payee.name), "XX", payee.npi.as_str()])?;
    w.segment("LX", &["1"])?;
    for (&(i, v), lines) in decided.iter().zip(&paid_of) {
        let c = &file.claims[i];
        let charge = c.total_charge.amount();
        let paid: Decimal = lines.iter().map(|x| x.0).sum();
        let patient: Decimal = lines.iter().map(|x| x.1).sum();
        let status = match v {
            Verdict::Denied(_) => "4",
            _ => "1",
        };
        let icn = format!("ICN{}", c.patient_control_number);
        w.segment(
            "CLP",
            &[
                &c.patient_control_number,
                status,
                &amount(charge),
                &amount(paid),
                &amount(patient),
                &c.subscriber.claim_filing_indicator,
                &icn,
                &c.place_of_service,
                "1",
            ],
        )?;
        w.segment(
            "NM1",
            &[
                "QC",
                "1",
                &c.subscriber.name.last,
                &c.subscriber.name.first,
                "",
                "",
                "",
                "MI",
                &c.subscriber.member_id,
            ],
        )?;
        for (l, &(lp, lpr, lco)) in c.lines.iter().zip(lines) {
            let mut proc: Vec<&str> = vec!["HC", l.procedure.as_str()];
            if v != Verdict::PaidWithoutLineRefs {
                proc.extend(l.modifiers.iter().map(|m| m.as_str()));
            }
            w.start("SVC")
                .composite(&proc)
                .element(&amount(l.charge.amount()))
                .element(&amount(lp))
                .element("")
                .element(&l.units.to_string())
                .finish()?;
            w.segment(
                "DTM",
                &["472", &l.service_date.format("%Y%m%d").to_string()],
            )?;
            match v {
                Verdict::Denied(carc) => {
                    w.segment("CAS", &["CO", carc, &amount(l.charge.amount())])?
                }
                _ => {
                    if !lco.is_zero() {
                        w.segment("CAS", &["CO", "45", &amount(lco)])?;
                    }
                    if !lpr.is_zero() {
                        w.segment("CAS", &["PR", "2", &amount(lpr)])?;
                    }
                }
            }
            if v != Verdict::PaidWithoutLineRefs {
                w.segment("REF", &["6R", &l.line_control_number])?;
            }
            if !matches!(v, Verdict::Denied(_)) {
                w.segment("AMT", &["B6", &amount(lp + lpr)])?;
            }
        }
    }
    w.end_transaction()?;
    w.end_group()?;
    w.finish()
}

/// `(paid, patient, contractual)` of a line.
fn split(charge: Decimal, v: Verdict) -> (Decimal, Decimal, Decimal) {
    let allowed = (charge * Decimal::new(8, 1)).round_dp(2);
    match v {
        Verdict::Denied(_) | Verdict::Skip => (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO),
        Verdict::Paid | Verdict::PaidWithoutLineRefs => (allowed, Decimal::ZERO, charge - allowed),
        Verdict::PartlyPaid => {
            let patient = (allowed * Decimal::new(2, 1)).round_dp(2);
            (allowed - patient, patient, charge - allowed)
        }
    }
}

fn org(name: &otbill_837p::model::ProviderName) -> &str {
    match name {
        otbill_837p::model::ProviderName::Organization(s) => s,
        otbill_837p::model::ProviderName::Person(p) => &p.last,
    }
}

/// A 999 accepting every transaction of `file` (one per 5,000 claims, as the batch writes).
pub fn ack_999(
    file: &ClaimFile,
    control_number: u32,
    when: NaiveDateTime,
) -> Result<Vec<u8>, WriteError> {
    let env = &file.envelope;
    let mut w = Writer::new(Vec::new(), Delimiters::default());
    let mut isa = Interchange::new("ZZ", &env.receiver_id, "ZZ", &env.sender_id, control_number);
    isa.date_time = when;
    w.begin_interchange(&isa)?;
    let mut gs = Group::new(
        "FA",
        &env.receiver_id,
        &env.sender_id,
        control_number,
        "005010X231A1",
    );
    gs.date_time = when;
    w.begin_group(&gs)?;
    w.begin_transaction("999", Some("005010X231A1"))?;
    let gcn = env.group_control_number.to_string();
    w.segment("AK1", &["HC", &gcn, "005010X222A1"])?;
    let n = file
        .claims
        .len()
        .div_ceil(crate::batch::CLAIMS_PER_TRANSACTION)
        .max(1);
    for t in 1..=n {
        w.segment("AK2", &["837", &format!("{t:04}"), "005010X222A1"])?;
        w.segment("IK5", &["A"])?;
    }
    let n = n.to_string();
    w.segment("AK9", &["A", &n, &n, &n])?;
    w.end_transaction()?;
    w.end_group()?;
    w.finish()
}

/// A 271 answering a 270 as a payer does: the same envelope and loops (the sender and
/// receiver swapped, each subscriber's or dependent's trace echoed as `TRN*2`), each
/// patient's EQ segments replaced by the benefits `benefits(payer_id)` gives, as EB/MSG
/// segment texts written with `*` and `^`. Segment counts are made right. Returns `None`
/// when `request` is not a 270 written with the delimiters otbill writes.
pub fn answer_270(request: &str, benefits: impl Fn(&str) -> Vec<String>) -> Option<String> {
    let detected = otbill_x12::detect(request.as_bytes());
    if !detected.has_isa || detected.delimiters != Delimiters::default() {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut payer = String::new();
    let mut in_transaction = 0;
    for seg in request.split('~').map(str::trim).filter(|s| !s.is_empty()) {
        let e: Vec<&str> = seg.split('*').collect();
        match e[0] {
            "ISA" if e.len() == 17 => {
                let mut e = e.clone();
                e.swap(5, 7);
                e.swap(6, 8);
                out.push(e.join("*"));
            }
            "GS" if e.len() > 3 => {
                let mut e = e.clone();
                e[1] = "HB";
                e.swap(2, 3);
                out.push(e.join("*"));
            }
            "ST" => {
                in_transaction = out.len();
                out.push(seg.replacen("ST*270*", "ST*271*", 1));
            }
            "BHT" => out.push(seg.replacen("BHT*0022*13*", "BHT*0022*11*", 1)),
            "NM1" if e.get(1) == Some(&"PR") => {
                payer = e.get(9).copied().unwrap_or_default().to_owned();
                out.push(seg.to_owned());
            }
            "TRN" => out.push(seg.replacen("TRN*1*", "TRN*2*", 1)),
            // One set of benefits per patient, in place of their first EQ.
            "EQ" if out
                .last()
                .is_some_and(|s| s.starts_with("EB") || s.starts_with("MSG")) => {}
            "EQ" => out.extend(benefits(&payer)),
            "SE" => {
                let n = out.len() - in_transaction + 1;
                out.push(format!("SE*{n}*{}", e.get(2).copied().unwrap_or("0001")));
            }
            _ => out.push(seg.to_owned()),
        }
    }
    Some(out.join("~") + "~\n")
}
