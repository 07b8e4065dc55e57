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
    claim: Option<Claim>,
    /// The last line of `claim.lines` is still open (SVC seen).
    line_open: bool,
    ctx: Ctx,
    /// Σ CLP04 of the current transaction.
    sum_paid: Decimal,
    /// Σ claim-level CAS of the current claim, summed while reading.
    claim_adjusted: Decimal,
    /// Σ line CAS of the current claim.
    claim_line_adjustments: Decimal,
    /// Σ CAS of the open line.
    line_adjusted: Decimal,
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
            line_open: false,
            ctx: Ctx::Header,
            sum_paid: Decimal::ZERO,
            claim_adjusted: Decimal::ZERO,
            claim_line_adjustments: Decimal::ZERO,
            line_adjusted: Decimal::ZERO,
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
        if id == b"ST" {
            self.start(seg, out);
            return;
        }
        if self.skipping {
            if id == b"SE" {
                self.skipping = false;
            }
            return;
        }
        if matches!(id, b"ISA" | b"GS" | b"GE" | b"IEA" | b"TA1") {
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
            b"SVC" => self.svc(seg),
            b"CAS" => self.cas(seg),
            b"DTM" => self.dtm(seg),
            b"REF" => self.reference(seg),
            b"AMT" => self.amt(seg),
            b"CLP" => self.clp(seg, out),
            b"NM1" if self.ctx == Ctx::Claim && seg.bytes(1) == b"QC" => {
                if let Some(c) = &mut self.claim {
                    c.patient = Some(Person {
                        last_name: seg.text(3),
                        first_name: seg.text(4),
                        id: seg.text(9),
                    });
                }
            }
            b"LQ" if self.ctx == Ctx::Line => {
                if let Some(l) = self.open_line() {
                    l.remarks.push(seg.text(2));
                }
            }
            b"SE" => self.end(Some(seg), out),
            b"BPR" => self.bpr(seg),
            b"TRN" => {
                if let Some(r) = &mut self.remittance {
                    r.trace_number = seg.text(2);
                    r.trace_originator = seg.text(3);
                }
            }
            b"N1" => {
                self.finish_claim(out);
                let party = Party {
                    name: seg.text(2),
                    id_qualifier: seg.text(3),
                    id: seg.text(4),
                    ..Party::default()
                };
                if let Some(r) = &mut self.remittance {
                    match seg.bytes(1) {
                        b"PR" => {
                            self.ctx = Ctx::Payer;
                            r.payer = party;
                        }
                        b"PE" => {
                            self.ctx = Ctx::Payee;
                            r.payee = party;
                        }
                        _ => self.ctx = Ctx::Header,
                    }
                }
            }
            b"N3" | b"N4" => self.address(seg),
            b"LX" => {
                self.finish_claim(out);
                self.ctx = Ctx::Header;
            }
            b"PLB" => self.plb(seg, out),
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

    /// The open service line, if any.
    fn open_line(&mut self) -> Option<&mut ServiceLine> {
        match (self.line_open, &mut self.claim) {
            (true, Some(c)) => c.lines.last_mut(),
            _ => None,
        }
    }

    fn start(&mut self, seg: &Seg<'_>, out: &mut Vec<Event>) {
        if self.remittance.is_some() {
            self.end(None, out);
        }
        if seg.bytes(1) != b"835" {
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
        r.claims.shrink_to_fit();
        out.push(Event::Remittance(Box::new(r)));
    }

    fn bpr(&mut self, seg: &Seg<'_>) {
        let amount = self.money(seg, 2, true);
        let date = self.date(seg, 16);
        if let Some(r) = &mut self.remittance {
            r.handling_code = seg.text(1);
            r.payment_amount = amount;
            r.credit_debit = seg.text(3);
            r.payment_method = seg.text(4);
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
        if seg.id() == b"N3" {
            address.lines.extend(
                [seg.text(1), seg.text(2)]
                    .into_iter()
                    .filter(|l| !l.is_empty()),
            );
        } else {
            address.city = seg.text(1);
            address.state = seg.text(2);
            address.postal_code = seg.text(3);
        }
    }

    fn clp(&mut self, seg: &Seg<'_>, out: &mut Vec<Event>) {
        self.finish_claim(out);
        self.ctx = Ctx::Claim;
        self.claim_pos = Some(seg.position());
        self.claim_adjusted = Decimal::ZERO;
        self.claim_line_adjustments = Decimal::ZERO;
        let charge = self.money(seg, 3, true);
        let paid = self.money(seg, 4, true);
        let patient_responsibility = self.money(seg, 5, false);
        self.claim = Some(Claim {
            patient_control_number: seg.text(1),
            status: seg.text(2),
            charge,
            paid,
            patient_responsibility,
            filing_indicator: seg.text(6),
            payer_claim_number: seg.text(7),
            facility_code: seg.text(8),
            frequency: seg.text(9),
            balanced: true,
            // Most claims have a few lines: one allocation up front.
            lines: Vec::with_capacity(4),
            ..Claim::default()
        });
    }

    fn cas(&mut self, seg: &Seg<'_>) {
        #[derive(PartialEq)]
        enum Dest {
            Line,
            Claim,
            Nowhere,
        }
        let dest = match (self.ctx, self.line_open, &self.claim) {
            (Ctx::Line, true, Some(_)) => Dest::Line,
            (Ctx::Claim, _, Some(_)) => Dest::Claim,
            _ => Dest::Nowhere,
        };
        // Taken out so that amount findings can be recorded while filling it.
        let mut adjustments = match (&dest, &mut self.claim) {
            (Dest::Line, Some(c)) => c
                .lines
                .last_mut()
                .map(|l| std::mem::take(&mut l.adjustments))
                .unwrap_or_default(),
            (Dest::Claim, Some(c)) => std::mem::take(&mut c.adjustments),
            _ => Vec::new(),
        };
        // Exact capacity: a whole-input parse keeps every vector.
        let present = (0..6)
            .map(|k| 2 + 3 * k)
            .take_while(|base| *base < seg.len())
            .filter(|base| !seg.is_empty(*base) || !seg.is_empty(base + 1))
            .count();
        adjustments.reserve_exact(present);
        let group = seg.text(1);
        let mut sum = Decimal::ZERO;
        // Up to six (reason, amount, quantity) triples: CAS02-04 ... CAS17-19.
        for k in 0..6 {
            let base = 2 + 3 * k;
            if base >= seg.len() {
                break;
            }
            if seg.is_empty(base) && seg.is_empty(base + 1) {
                continue;
            }
            let amount = self.money(seg, base + 1, true);
            let quantity = self.opt_money(seg, base + 2);
            sum = sum.saturating_add(amount);
            adjustments.push(Adjustment {
                group: group.clone(),
                reason: seg.text(base),
                amount,
                quantity,
            });
        }
        match (dest, &mut self.claim) {
            (Dest::Line, Some(c)) => {
                if let Some(l) = c.lines.last_mut() {
                    l.adjustments = adjustments;
                }
                self.line_adjusted = self.line_adjusted.saturating_add(sum);
                self.claim_line_adjustments = self.claim_line_adjustments.saturating_add(sum);
            }
            (Dest::Claim, Some(c)) => {
                c.adjustments = adjustments;
                self.claim_adjusted = self.claim_adjusted.saturating_add(sum);
            }
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
        self.line_adjusted = Decimal::ZERO;
        let submitted = procedure(seg, 1);
        let original = if seg.is_empty(6) {
            None
        } else {
            Some(procedure(seg, 6)).filter(|p| !p.code.is_empty() || !p.qualifier.is_empty())
        };
        let units = self.opt_money(seg, 5).unwrap_or(Decimal::ONE);
        let charge = self.money(seg, 2, true);
        let paid = self.money(seg, 3, true);
        let original_units = self.opt_money(seg, 7);
        let line = ServiceLine {
            qualifier: submitted.qualifier,
            code: submitted.code,
            modifiers: submitted.modifiers,
            charge,
            paid,
            revenue_code: seg.text(4),
            units,
            original,
            original_units,
            ..ServiceLine::default()
        };
        if line.code.is_empty() {
            self.finding(Finding::warning(
                "ERA-SVC-CODE",
                "SVC01 has no procedure code (SVC01-2)",
                Some(seg.position()),
            ));
        }
        if let Some(c) = &mut self.claim {
            c.lines.push(line);
            self.line_open = true;
        }
    }

    fn reference(&mut self, seg: &Seg<'_>) {
        let qualifier = seg.bytes(1);
        if self.ctx == Ctx::Line && qualifier == b"6R" {
            if let Some(line) = self.open_line() {
                line.control_number = Some(seg.text(2));
                return;
            }
        }
        let reference = Reference {
            qualifier: Text::from_bytes(qualifier),
            value: seg.text(2),
        };
        match self.ctx {
            Ctx::Line => {
                if let Some(line) = self.open_line() {
                    line.references.push(reference);
                }
            }
            Ctx::Claim => {
                if let Some(claim) = &mut self.claim {
                    claim.references.push(reference);
                }
            }
            Ctx::Payer => {
                if let Some(r) = &mut self.remittance {
                    r.payer.references.push(reference);
                }
            }
            Ctx::Payee => {
                if let Some(r) = &mut self.remittance {
                    r.payee.references.push(reference);
                }
            }
            _ => {}
        }
    }

    fn dtm(&mut self, seg: &Seg<'_>) {
        let Some(date) = self.date(seg, 2) else {
            return;
        };
        let qualifier = seg.bytes(1);
        match self.ctx {
            Ctx::Line => {
                if let Some(line) = self.open_line() {
                    line.dates.reserve_exact(1);
                    line.dates.push(DateRef {
                        qualifier: Text::from_bytes(qualifier),
                        date,
                    });
                }
            }
            Ctx::Claim => {
                if let Some(claim) = &mut self.claim {
                    claim.dates.reserve_exact(1);
                    claim.dates.push(DateRef {
                        qualifier: Text::from_bytes(qualifier),
                        date,
                    });
                }
            }
            Ctx::Header if qualifier == b"405" => {
                if let Some(r) = &mut self.remittance {
                    r.production_date = Some(date);
                }
            }
            _ => {}
        }
    }

    fn amt(&mut self, seg: &Seg<'_>) {
        // AMT is information only: a bad amount does not block balancing.
        let Some(amount) = self.opt_money(seg, 2) else {
            return;
        };
        let qualifier = seg.bytes(1);
        match self.ctx {
            Ctx::Line => {
                if let Some(line) = self.open_line() {
                    if qualifier == b"B6" {
                        line.allowed = Some(amount);
                    } else {
                        line.amounts.push(Amount {
                            qualifier: Text::from_bytes(qualifier),
                            amount,
                        });
                    }
                }
            }
            Ctx::Claim => {
                if let Some(claim) = &mut self.claim {
                    claim.amounts.push(Amount {
                        qualifier: Text::from_bytes(qualifier),
                        amount,
                    });
                }
            }
            _ => {}
        }
    }

    fn plb(&mut self, seg: &Seg<'_>, out: &mut Vec<Event>) {
        self.finish_claim(out);
        self.ctx = Ctx::Plb;
        let provider_id = seg.text(1);
        let fiscal_period_end = self.date(seg, 2);
        let mut adjustments = Vec::new();
        // Up to six (reason:reference, amount) pairs: PLB03/04 ... PLB13/14.
        for k in 0..6 {
            let base = 3 + 2 * k;
            if seg.is_empty(base) && seg.is_empty(base + 1) {
                continue;
            }
            let mut parts = seg.components(base);
            let reason = parts.next().map(Text::from_bytes).unwrap_or_default();
            let reference = parts.next().map(Text::from_bytes).unwrap_or_default();
            adjustments.push(ProviderAdjustment {
                provider_id: provider_id.clone(),
                fiscal_period_end,
                reason,
                reference,
                amount: self.money(seg, base + 1, true),
            });
        }
        if let Some(r) = &mut self.remittance {
            r.provider_adjustments.extend(adjustments);
        }
    }

    /// Checks the open line's balance (its CAS were summed while reading).
    fn finish_line(&mut self) {
        if !std::mem::take(&mut self.line_open) {
            return;
        }
        let Some(c) = &mut self.claim else {
            return;
        };
        let Some(line) = c.lines.last() else {
            return;
        };
        let adjusted = self.line_adjusted;
        let net = line.charge.saturating_sub(adjusted);
        if net != line.paid {
            let message = format!(
                "claim {:?} line {} {}: charge {} minus adjustments {adjusted} is {}, but paid is {}",
                c.patient_control_number.as_str(),
                c.lines.len(),
                line.code,
                line.charge,
                net,
                line.paid
            );
            c.balanced = false;
            self.finding(Finding::error("ERA-LINE-BALANCE", message, self.line_pos));
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
        let adjusted = self
            .claim_adjusted
            .saturating_add(self.claim_line_adjustments);
        let net = claim.charge.saturating_sub(adjusted);
        if net != claim.paid {
            claim.balanced = false;
            self.finding(Finding::error(
                "ERA-CLAIM-BALANCE",
                format!(
                    "claim {:?}: charge {} minus adjustments {adjusted} is {}, but paid is {}",
                    claim.patient_control_number.as_str(),
                    claim.charge,
                    net,
                    claim.paid
                ),
                self.claim_pos,
            ));
        }
        self.sum_paid = self.sum_paid.saturating_add(claim.paid);
        match &mut self.remittance {
            Some(r) if self.keep_claims => {
                // Kept claims hold no spare line slots (memory, not speed).
                claim.lines.shrink_to_fit();
                r.claims.push(claim);
            }
            _ => out.push(Event::Claim(Box::new(claim))),
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
        let raw = seg.bytes(n);
        if !raw.is_empty() {
            if let Some(d) = parse_decimal(raw) {
                return d;
            }
        }
        // Bytes that are not UTF-8 read as missing, like an empty element.
        let raw = seg.str(n);
        if raw.is_empty() {
            // Missing counts as zero, so the arithmetic can still be checked.
            if required {
                let message = format!("{}{n:02} is missing; read as 0", seg.str(0));
                self.finding(Finding::warning(
                    "ERA-AMOUNT-MISSING",
                    message,
                    Some(seg.position()),
                ));
            }
            return Decimal::ZERO;
        }
        self.amounts_ok = false;
        let message = format!("{}{n:02} {raw:?} is not a decimal amount", seg.str(0));
        self.finding(Finding::error("ERA-AMOUNT", message, Some(seg.position())));
        Decimal::ZERO
    }

    /// An optional number (quantity, units, AMT): a bad value is a warning.
    fn opt_money(&mut self, seg: &Seg<'_>, n: usize) -> Option<Decimal> {
        let raw = seg.bytes(n);
        if raw.is_empty() {
            return None;
        }
        let value = parse_decimal(raw);
        let text = if value.is_none() { seg.str(n) } else { "" };
        if !text.is_empty() {
            let message = format!("{}{n:02} {text:?} is not a number", seg.str(0));
            self.finding(Finding::warning(
                "ERA-NUMBER",
                message,
                Some(seg.position()),
            ));
        }
        value
    }

    fn date(&mut self, seg: &Seg<'_>, n: usize) -> Option<NaiveDate> {
        let raw = seg.bytes(n);
        if raw.is_empty() {
            return None;
        }
        let date = ccyymmdd(raw);
        let text = if date.is_none() { seg.str(n) } else { "" };
        if !text.is_empty() {
            let message = format!("{}{n:02} {text:?} is not a CCYYMMDD date", seg.str(0));
            self.finding(Finding::warning("ERA-DATE", message, Some(seg.position())));
        }
        date
    }
}

/// `CCYYMMDD` without chrono's format parser (which is slow per call).
fn ccyymmdd(b: &[u8]) -> Option<NaiveDate> {
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
fn parse_decimal(bytes: &[u8]) -> Option<Decimal> {
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

fn procedure(seg: &Seg<'_>, n: usize) -> Procedure {
    let mut parts = seg.components(n);
    let qualifier = parts.next().map(Text::from_bytes).unwrap_or_default();
    let code = parts.next().map(Text::from_bytes).unwrap_or_default();
    let modifiers = parts.take(4).filter(|m| !m.is_empty());
    // Counted first for an exact allocation (usually one modifier).
    let mut out = Vec::with_capacity(modifiers.clone().count());
    out.extend(modifiers.map(Text::from_bytes));
    Procedure {
        qualifier,
        code,
        modifiers: out,
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
        .map(|raw| parse_decimal(raw.as_bytes()).map(|d| d.to_string()))
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
