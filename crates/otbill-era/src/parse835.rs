//! The 835 parser: a push-based state machine over segments.
//!
//! Segments go in one at a time ([`Parser835::push`]); finished claims and
//! remittances come out as [`Event`]s. Being push-based, the same machine
//! serves the whole-slice API and the bounded-memory stream. It knows the
//! 005010X221A1 loop structure only as far as it needs to attach each
//! segment to the header, payer, payee, claim or service line.

use crate::fields::Seg;
use crate::model::*;
use crate::text::Text;
use chrono::NaiveDate;
use otbill_x12::{Finding, Position, Segment};
use rust_decimal::Decimal;

/// Output of the parser.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A finished claim (only when the parser does not keep claims).
    Claim(Box<Claim>),
    /// A finished transaction: header, PLB, balance verdict and findings.
    Remittance(Box<Remittance>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Header,
    Payer,
    Payee,
    Claim,
    Line,
    Plb,
}

/// Push-based 835 parser. Feed it every segment of the input in order.
#[derive(Debug)]
pub struct Parser835 {
    keep_claims: bool,
    remittance: Option<Remittance>,
    /// Boxed so that finishing a claim moves a pointer, not the struct.
    claim: Option<Box<Claim>>,
    line: Option<ServiceLine>,
    ctx: Ctx,
    /// Σ CLP04 of the current transaction.
    sum_paid: Decimal,
    /// Σ line CAS of the current claim.
    claim_line_adjustments: Decimal,
    /// False once an amount that balancing needs could not be read.
    amounts_ok: bool,
    /// Inside a transaction that is not an 835: skip it.
    skipping: bool,
    /// Where the current claim (CLP) and line (SVC) start, for findings.
    claim_pos: Option<Position>,
    line_pos: Option<Position>,
    findings: Vec<Finding>,
}

impl Parser835 {
    /// A parser; with `keep_claims` claims stay in their remittance,
    /// otherwise each is emitted as [`Event::Claim`] when complete.
    pub fn new(keep_claims: bool) -> Parser835 {
        Parser835 {
            keep_claims,
            remittance: None,
            claim: None,
            line: None,
            ctx: Ctx::Header,
            sum_paid: Decimal::ZERO,
            claim_line_adjustments: Decimal::ZERO,
            amounts_ok: true,
            skipping: false,
            claim_pos: None,
            line_pos: None,
            findings: Vec::new(),
        }
    }

    /// Findings outside any transaction (e.g. a transaction that is not an 835).
    pub fn take_findings(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.findings)
    }

    /// Processes one segment, appending finished claims/remittances to `out`.
    pub fn push(&mut self, segment: &Segment<'_>, out: &mut Vec<Event>) {
        let seg = &Seg::new(segment);
        let id = seg.id();
        if id == "ST" {
            self.start(seg, out);
            return;
        }
        if self.skipping {
            if id == "SE" {
                self.skipping = false;
            }
            return;
        }
        if matches!(id, "ISA" | "GS" | "GE" | "IEA" | "TA1") {
            if self.remittance.is_some() {
                self.end(None, out);
            }
            return;
        }
        if self.remittance.is_none() {
            // Content outside ST..SE: the envelope checker reports it.
            return;
        }
        match id {
            "SE" => self.end(Some(seg), out),
            "BPR" => self.bpr(seg),
            "TRN" => {
                if let Some(r) = &mut self.remittance {
                    r.trace_number = seg.text(2);
                    r.trace_originator = seg.text(3);
                }
            }
            "N1" => {
                self.finish_claim(out);
                let party = Party {
                    name: text(seg, 2),
                    id_qualifier: text(seg, 3),
                    id: text(seg, 4),
                    ..Party::default()
                };
                if let Some(r) = &mut self.remittance {
                    match seg.str(1) {
                        "PR" => {
                            self.ctx = Ctx::Payer;
                            r.payer = party;
                        }
                        "PE" => {
                            self.ctx = Ctx::Payee;
                            r.payee = party;
                        }
                        _ => self.ctx = Ctx::Header,
                    }
                }
            }
            "N3" | "N4" => self.address(seg),
            "LX" => {
                self.finish_claim(out);
                self.ctx = Ctx::Header;
            }
            "CLP" => self.clp(seg, out),
            "CAS" => self.cas(seg),
            "NM1" if self.ctx == Ctx::Claim && seg.str(1) == "QC" => {
                if let Some(c) = &mut self.claim {
                    c.patient = Some(Person {
                        last_name: text(seg, 3),
                        first_name: text(seg, 4),
                        id: text(seg, 9),
                    });
                }
            }
            "SVC" => self.svc(seg),
            "REF" => self.reference(seg),
            "DTM" => self.dtm(seg),
            "AMT" => self.amt(seg),
            "LQ" if self.ctx == Ctx::Line => {
                if let Some(l) = &mut self.line {
                    l.remarks.push(text(seg, 2));
                }
            }
            "PLB" => self.plb(seg, out),
            // CUR, PER, RDM, TS3, TS2, MIA, MOA, QTY...: not modelled.
            _ => {}
        }
    }

    /// Ends an unfinished transaction at the end of input.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        if self.remittance.is_some() {
            self.end(None, out);
        }
    }

    fn start(&mut self, seg: &Seg<'_>, out: &mut Vec<Event>) {
        if self.remittance.is_some() {
            self.end(None, out);
        }
        if seg.str(1) != "835" {
            self.skipping = true;
            self.findings.push(Finding::warning(
                "ERA-NOT-835",
                format!("transaction set {:?} is not an 835; skipped", seg.str(1)),
                Some(seg.position()),
            ));
            return;
        }
        self.skipping = false;
        self.ctx = Ctx::Header;
        self.sum_paid = Decimal::ZERO;
        self.amounts_ok = true;
        self.remittance = Some(Remittance {
            transaction_control_number: seg.text(2),
            ..Remittance::default()
        });
    }

    fn end(&mut self, se: Option<&Seg<'_>>, out: &mut Vec<Event>) {
        self.finish_claim(out);
        let Some(mut r) = self.remittance.take() else {
            return;
        };
        let pos = se.map(|s| s.position());
        let plb = total(r.provider_adjustments.iter().map(|p| p.amount));
        let expected = self.sum_paid.saturating_sub(plb);
        let mut balanced = self.amounts_ok && r.findings.iter().all(|f| !is_balance(f));
        if expected != r.payment_amount {
            balanced = false;
            r.findings.push(Finding::error(
                "ERA-TRANSACTION-BALANCE",
                format!(
                    "claim payments {} minus provider adjustments {plb} = {expected}, but BPR02 is {}",
                    self.sum_paid, r.payment_amount
                ),
                pos,
            ));
        }
        if !self.amounts_ok {
            r.findings.push(Finding::error(
                "ERA-BALANCE-UNVERIFIED",
                "some amounts could not be read, so balancing could not be verified",
                pos,
            ));
        }
        r.balanced = balanced;
        out.push(Event::Remittance(Box::new(r)));
    }

    fn bpr(&mut self, seg: &Seg<'_>) {
        let amount = self.money(seg, 2, true);
        let date = self.date(seg, 16);
        if let Some(r) = &mut self.remittance {
            r.handling_code = text(seg, 1);
            r.payment_amount = amount;
            r.credit_debit = text(seg, 3);
            r.payment_method = text(seg, 4);
            r.payment_date = date;
        }
    }

    fn address(&mut self, seg: &Seg<'_>) {
        let Some(r) = &mut self.remittance else {
            return;
        };
        let party = match self.ctx {
            Ctx::Payer => &mut r.payer,
            Ctx::Payee => &mut r.payee,
            _ => return,
        };
        let address = party.address.get_or_insert_with(Address::default);
        if seg.id() == "N3" {
            address.lines.extend(
                [text(seg, 1), text(seg, 2)]
                    .into_iter()
                    .filter(|l| !l.is_empty()),
            );
        } else {
            address.city = text(seg, 1);
            address.state = text(seg, 2);
            address.postal_code = text(seg, 3);
        }
    }

    fn clp(&mut self, seg: &Seg<'_>, out: &mut Vec<Event>) {
        self.finish_claim(out);
        self.ctx = Ctx::Claim;
        self.claim_pos = Some(seg.position());
        self.claim_line_adjustments = Decimal::ZERO;
        let claim = Box::new(Claim {
            patient_control_number: text(seg, 1),
            status: text(seg, 2),
            charge: self.money(seg, 3, true),
            paid: self.money(seg, 4, true),
            patient_responsibility: self.money(seg, 5, false),
            filing_indicator: text(seg, 6),
            payer_claim_number: text(seg, 7),
            facility_code: text(seg, 8),
            frequency: text(seg, 9),
            balanced: true,
            ..Claim::default()
        });
        self.claim = Some(claim);
    }

    fn cas(&mut self, seg: &Seg<'_>) {
        let group = text(seg, 1);
        let mut adjustments = Vec::new();
        // Up to six (reason, amount, quantity) triples: CAS02-04 ... CAS17-19.
        for k in 0..6 {
            let base = 2 + 3 * k;
            if seg.is_empty(base) && seg.is_empty(base + 1) {
                continue;
            }
            let amount = self.money(seg, base + 1, true);
            let quantity = self.opt_money(seg, base + 2);
            adjustments.push(Adjustment {
                group: group.clone(),
                reason: text(seg, base),
                amount,
                quantity,
            });
        }
        let sum = total(adjustments.iter().map(|a| a.amount));
        match (self.ctx, &mut self.line, &mut self.claim) {
            (Ctx::Line, Some(line), _) => {
                self.claim_line_adjustments = self.claim_line_adjustments.saturating_add(sum);
                line.adjustments.extend(adjustments);
            }
            (Ctx::Claim, _, Some(claim)) => claim.adjustments.extend(adjustments),
            _ => self.finding(Finding::warning(
                "ERA-CAS-PLACEMENT",
                "CAS outside a claim or service line; ignored",
                Some(seg.position()),
            )),
        }
    }

    fn svc(&mut self, seg: &Seg<'_>) {
        if self.claim.is_none() {
            self.finding(Finding::warning(
                "ERA-SVC-PLACEMENT",
                "SVC outside a claim; ignored",
                Some(seg.position()),
            ));
            return;
        }
        self.finish_line();
        self.ctx = Ctx::Line;
        self.line_pos = Some(seg.position());
        let submitted = procedure(seg, 1);
        let original =
            Some(procedure(seg, 6)).filter(|p| !p.code.is_empty() || !p.qualifier.is_empty());
        let units = self.opt_money(seg, 5).unwrap_or(Decimal::ONE);
        let line = ServiceLine {
            qualifier: submitted.qualifier,
            code: submitted.code,
            modifiers: submitted.modifiers,
            charge: self.money(seg, 2, true),
            paid: self.money(seg, 3, true),
            revenue_code: text(seg, 4),
            units,
            original,
            original_units: self.opt_money(seg, 7),
            ..ServiceLine::default()
        };
        if line.code.is_empty() {
            self.finding(Finding::warning(
                "ERA-SVC-CODE",
                "SVC01 has no procedure code (SVC01-2)",
                Some(seg.position()),
            ));
        }
        self.line = Some(line);
    }

    fn reference(&mut self, seg: &Seg<'_>) {
        let reference = Reference {
            qualifier: text(seg, 1),
            value: text(seg, 2),
        };
        match (
            self.ctx,
            &mut self.line,
            &mut self.claim,
            &mut self.remittance,
        ) {
            (Ctx::Line, Some(line), _, _) => {
                if reference.qualifier == "6R" {
                    line.control_number = Some(reference.value);
                } else {
                    line.references.push(reference);
                }
            }
            (Ctx::Claim, _, Some(claim), _) => claim.references.push(reference),
            (Ctx::Payer, _, _, Some(r)) => r.payer.references.push(reference),
            (Ctx::Payee, _, _, Some(r)) => r.payee.references.push(reference),
            _ => {}
        }
    }

    fn dtm(&mut self, seg: &Seg<'_>) {
        let Some(date) = self.date(seg, 2) else {
            return;
        };
        let qualifier = text(seg, 1);
        match (
            self.ctx,
            &mut self.line,
            &mut self.claim,
            &mut self.remittance,
        ) {
            (Ctx::Line, Some(line), _, _) => line.dates.push(DateRef { qualifier, date }),
            (Ctx::Claim, _, Some(claim), _) => claim.dates.push(DateRef { qualifier, date }),
            (Ctx::Header, _, _, Some(r)) if qualifier == "405" => r.production_date = Some(date),
            _ => {}
        }
    }

    fn amt(&mut self, seg: &Seg<'_>) {
        // AMT is information only: a bad amount does not block balancing.
        let Some(amount) = self.opt_money(seg, 2) else {
            return;
        };
        let qualifier = text(seg, 1);
        match (self.ctx, &mut self.line, &mut self.claim) {
            (Ctx::Line, Some(line), _) if qualifier == "B6" => line.allowed = Some(amount),
            (Ctx::Line, Some(line), _) => line.amounts.push(Amount { qualifier, amount }),
            (Ctx::Claim, _, Some(claim)) => claim.amounts.push(Amount { qualifier, amount }),
            _ => {}
        }
    }

    fn plb(&mut self, seg: &Seg<'_>, out: &mut Vec<Event>) {
        self.finish_claim(out);
        self.ctx = Ctx::Plb;
        let provider_id = text(seg, 1);
        let fiscal_period_end = self.date(seg, 2);
        let mut adjustments = Vec::new();
        // Up to six (reason:reference, amount) pairs: PLB03/04 ... PLB13/14.
        for k in 0..6 {
            let base = 3 + 2 * k;
            if seg.is_empty(base) && seg.is_empty(base + 1) {
                continue;
            }
            adjustments.push(ProviderAdjustment {
                provider_id: provider_id.clone(),
                fiscal_period_end,
                reason: seg.components(base).next().unwrap_or_default(),
                reference: seg.components(base).nth(1).unwrap_or_default(),
                amount: self.money(seg, base + 1, true),
            });
        }
        if let Some(r) = &mut self.remittance {
            r.provider_adjustments.extend(adjustments);
        }
    }

    /// Checks line balance and attaches the line to its claim.
    fn finish_line(&mut self) {
        let Some(line) = self.line.take() else {
            return;
        };
        let adjusted = total(line.adjustments.iter().map(|a| a.amount));
        let net = line.charge.saturating_sub(adjusted);
        if net != line.paid {
            let message = format!(
                "claim {:?} line {} {}: charge {} minus adjustments {adjusted} is {}, but paid is {}",
                self.claim.as_ref().map_or("", |c| &c.patient_control_number),
                self.claim.as_ref().map_or(0, |c| c.lines.len() + 1),
                line.code,
                line.charge,
                net,
                line.paid
            );
            if let Some(c) = &mut self.claim {
                c.balanced = false;
            }
            self.finding(Finding::error("ERA-LINE-BALANCE", message, self.line_pos));
        }
        if let Some(c) = &mut self.claim {
            c.lines.push(line);
        }
    }

    /// Checks claim balance, counts its payment and emits or keeps it.
    fn finish_claim(&mut self, out: &mut Vec<Event>) {
        self.finish_line();
        if self.ctx == Ctx::Claim || self.ctx == Ctx::Line {
            self.ctx = Ctx::Header;
        }
        let Some(mut claim) = self.claim.take() else {
            return;
        };
        let adjusted = total(claim.adjustments.iter().map(|a| a.amount))
            .saturating_add(self.claim_line_adjustments);
        let net = claim.charge.saturating_sub(adjusted);
        if net != claim.paid {
            claim.balanced = false;
            self.finding(Finding::error(
                "ERA-CLAIM-BALANCE",
                format!(
                    "claim {:?}: charge {} minus adjustments {adjusted} is {}, but paid is {}",
                    claim.patient_control_number, claim.charge, net, claim.paid
                ),
                self.claim_pos,
            ));
        }
        self.sum_paid = self.sum_paid.saturating_add(claim.paid);
        match &mut self.remittance {
            Some(r) if self.keep_claims => r.claims.push(*claim),
            _ => out.push(Event::Claim(claim)),
        }
    }

    fn finding(&mut self, finding: Finding) {
        match &mut self.remittance {
            Some(r) => r.findings.push(finding),
            None => self.findings.push(finding),
        }
    }

    /// A money element; an invalid one makes balancing unverifiable.
    fn money(&mut self, seg: &Seg<'_>, n: usize, required: bool) -> Decimal {
        let raw = seg.str(n);
        if raw.is_empty() {
            // Missing counts as zero, so the arithmetic can still be checked.
            if required {
                let message = format!("{}{n:02} is missing; read as 0", seg.id());
                self.finding(Finding::warning(
                    "ERA-AMOUNT-MISSING",
                    message,
                    Some(seg.position()),
                ));
            }
            return Decimal::ZERO;
        }
        match parse_decimal(raw) {
            Some(d) => d,
            None => {
                self.amounts_ok = false;
                let message = format!("{}{n:02} {raw:?} is not a decimal amount", seg.id());
                self.finding(Finding::error("ERA-AMOUNT", message, Some(seg.position())));
                Decimal::ZERO
            }
        }
    }

    /// An optional number (quantity, units, AMT): a bad value is a warning.
    fn opt_money(&mut self, seg: &Seg<'_>, n: usize) -> Option<Decimal> {
        let raw = seg.str(n);
        if raw.is_empty() {
            return None;
        }
        let value = parse_decimal(raw);
        if value.is_none() {
            let message = format!("{}{n:02} {raw:?} is not a number", seg.id());
            self.finding(Finding::warning(
                "ERA-NUMBER",
                message,
                Some(seg.position()),
            ));
        }
        value
    }

    fn date(&mut self, seg: &Seg<'_>, n: usize) -> Option<NaiveDate> {
        let raw = seg.str(n);
        if raw.is_empty() {
            return None;
        }
        let date = ccyymmdd(raw);
        if date.is_none() {
            let message = format!("{}{n:02} {raw:?} is not a CCYYMMDD date", seg.id());
            self.finding(Finding::warning("ERA-DATE", message, Some(seg.position())));
        }
        date
    }
}

/// `CCYYMMDD` without chrono's format parser (which is slow per call).
fn ccyymmdd(raw: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b.get(r).map_or(0, |d| {
            d.iter().fold(0u32, |acc, x| acc * 10 + u32::from(x - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)).ok()?, num(4..6), num(6..8))
}

fn is_balance(f: &Finding) -> bool {
    matches!(f.code, "ERA-LINE-BALANCE" | "ERA-CLAIM-BALANCE")
}

/// Sums without overflow panics (amounts are capped, but inputs are not).
fn total(amounts: impl Iterator<Item = Decimal>) -> Decimal {
    amounts.fold(Decimal::ZERO, Decimal::saturating_add)
}

/// An X12 `R` value: optional minus, at most 18 characters of digits and one
/// point, no exponent. The cap also keeps every sum far from `Decimal`'s
/// range, so balancing arithmetic cannot overflow.
fn parse_decimal(raw: &str) -> Option<Decimal> {
    let bytes = raw.as_bytes();
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut scale: Option<u32> = None;
    let mut seen_digit = false;
    for (i, b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + i64::from(b - b'0');
                seen_digit = true;
            }
            b'.' if scale.is_none() => {
                scale = Some(u32::try_from(digits.len() - i - 1).unwrap_or(0));
            }
            _ => return None,
        }
    }
    let mantissa = if negative { -mantissa } else { mantissa };
    seen_digit.then(|| Decimal::new(mantissa, scale.unwrap_or(0)))
}

fn text(seg: &Seg<'_>, n: usize) -> Text {
    seg.text(n)
}

fn procedure(seg: &Seg<'_>, n: usize) -> Procedure {
    let mut parts = seg.components(n);
    Procedure {
        qualifier: parts.next().unwrap_or_default(),
        code: parts.next().unwrap_or_default(),
        modifiers: parts.take(4).filter(|m| !m.is_empty()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn x12_decimals() {
        let got: Vec<Option<String>> = [
            "135",
            "92.25",
            "-5",
            ".5",
            "5.",
            "0",
            "123456789012345678",
            "1234567890123456789",
            "1e5",
            "",
            "-",
            ".",
            "1.2.3",
            "+1",
            "9x",
        ]
        .iter()
        .map(|raw| parse_decimal(raw).map(|d| d.to_string()))
        .collect();
        let expected: Vec<Option<String>> = [
            Some("135"),
            Some("92.25"),
            Some("-5"),
            Some("0.5"),
            Some("5"),
            Some("0"),
            Some("123456789012345678"),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ]
        .iter()
        .map(|s| s.map(String::from))
        .collect();
        assert_eq!(got, expected);
    }
}
