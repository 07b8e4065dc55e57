//! The 835 parser: a push-based state machine over segments.
//!
//! Segments go in one at a time ([`Core::push`]); each finished claim goes
//! to a [`RemitVisitor`] as a borrowed [`ClaimRef`], each finished
//! transaction as a [`Remittance`]. Being push-based, the same machine
//! serves the whole-slice API, the bounded-memory stream and the owned
//! [`crate::Parser835`]. It knows the 005010X221A1 loop structure only as
//! far as it needs to attach each segment to the header, payer, payee,
//! claim or service line.

use crate::fields::{Ends, Seg, MAX};
use crate::model::*;
use crate::numbers::{ccyymmdd, is_balance, parse_decimal, total};
use crate::text::Text;
use crate::view::*;
use chrono::NaiveDate;
use otbill_x12::{Finding, Position, Segment};
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Header,
    Payer,
    Payee,
    Claim,
    Line,
    Plb,
}

/// Where claim text lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// In the input slice given to every [`Core::push`]: no copies.
    Input,
    /// In a copy of the claim's segments (streaming, where segments do not
    /// outlive the call).
    Arena,
}

/// The 835 state machine.
#[derive(Debug)]
pub(crate) struct Core {
    source: Source,
    /// The open claim's segments when `source` is [`Source::Arena`].
    arena: Vec<u8>,
    remittance: Option<Remittance>,
    claim: ClaimBuf,
    claim_open: bool,
    /// The last line of `claim.lines` is still open (SVC seen).
    line_open: bool,
    ctx: Ctx,
    /// Σ CLP04 of the current transaction.
    sum_paid: Decimal,
    /// Σ claim-level CAS of the current claim, summed while reading.
    claim_adjusted: Decimal,
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

impl Core {
    pub(crate) fn new(source: Source) -> Core {
        Core {
            source,
            arena: Vec::new(),
            remittance: None,
            claim: ClaimBuf::default(),
            claim_open: false,
            line_open: false,
            ctx: Ctx::Header,
            sum_paid: Decimal::ZERO,
            claim_adjusted: Decimal::ZERO,
            claim_line_adjustments: Decimal::ZERO,
            amounts_ok: true,
            skipping: false,
            claim_pos: None,
            line_pos: None,
            findings: Vec::new(),
        }
    }

    /// Findings outside any transaction (e.g. a transaction that is not an 835).
    pub(crate) fn take_findings(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.findings)
    }

    /// Processes one segment. With [`Source::Input`], `input` is the whole
    /// input the segment was read from; otherwise it is ignored.
    pub(crate) fn push<V: RemitVisitor>(&mut self, segment: &Segment<'_>, input: &[u8], v: &mut V) {
        let mut ends: Ends = [0; MAX];
        self.push_seg(&Seg::new(segment, &mut ends), input, v);
    }

    /// [`Core::push`] for a segment already split.
    #[inline]
    pub(crate) fn push_seg<V: RemitVisitor>(&mut self, seg: &Seg<'_>, input: &[u8], v: &mut V) {
        let id = seg.id();
        if id == b"ST" {
            self.start(seg, input, v);
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
                self.end(None, input, v);
            }
            return;
        }
        if self.remittance.is_none() {
            // Content outside ST..SE: the envelope checker reports it.
            return;
        }
        match id {
            b"SVC" => self.svc(seg, input),
            b"CAS" => self.cas(seg, input),
            b"DTM" => self.dtm(seg, input),
            b"REF" => self.reference(seg, input),
            b"AMT" => self.amt(seg, input),
            b"CLP" => self.clp(seg, input, v),
            b"NM1" if self.ctx == Ctx::Claim && seg.bytes(1) == b"QC" && self.claim_open => {
                let base = self.base(seg, input);
                self.claim.patient = Some([3, 4, 9].map(|n| Span::at(base, seg.range(n))));
            }
            b"LQ" if self.ctx == Ctx::Line && self.line_is_open() => {
                let base = self.base(seg, input);
                self.claim.remarks.push(Span::at(base, seg.range(2)));
            }
            b"SE" => self.end(Some(seg), input, v),
            b"BPR" => self.bpr(seg),
            b"TRN" => {
                if let Some(r) = &mut self.remittance {
                    r.trace_number = seg.text(2);
                    r.trace_originator = seg.text(3);
                }
            }
            b"N1" => {
                self.finish_claim(input, v);
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
                self.finish_claim(input, v);
                self.ctx = Ctx::Header;
            }
            b"PLB" => self.plb(seg, input, v),
            // CUR, PER, RDM, TS3, TS2, MIA, MOA, QTY...: not modelled.
            _ => {}
        }
    }

    /// Ends an unfinished transaction at the end of input.
    pub(crate) fn finish<V: RemitVisitor>(&mut self, input: &[u8], v: &mut V) {
        if self.remittance.is_some() {
            self.end(None, input, v);
        }
    }

    /// Where `seg`'s bytes start in the claim's source; call at most once
    /// per segment, and only for segments whose text the claim keeps.
    fn base(&mut self, seg: &Seg<'_>, input: &[u8]) -> usize {
        let raw = seg.raw();
        match self.source {
            Source::Arena => {
                let base = self.arena.len();
                self.arena.extend_from_slice(raw);
                base
            }
            Source::Input => {
                // Segments of a whole-input read are slices of `input`.
                let offset = (raw.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
                match offset.checked_add(raw.len()) {
                    Some(end) if end <= input.len() => offset,
                    // Never happens; past the end, every span reads empty.
                    _ => input.len().saturating_add(1),
                }
            }
        }
    }

    fn line_is_open(&self) -> bool {
        self.line_open && self.claim_open && !self.claim.lines.is_empty()
    }

    fn open_line(&mut self) -> Option<&mut LineRaw> {
        match (self.line_open, self.claim_open) {
            (true, true) => self.claim.lines.last_mut(),
            _ => None,
        }
    }

    fn start<V: RemitVisitor>(&mut self, seg: &Seg<'_>, input: &[u8], v: &mut V) {
        if self.remittance.is_some() {
            self.end(None, input, v);
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

    fn end<V: RemitVisitor>(&mut self, se: Option<&Seg<'_>>, input: &[u8], v: &mut V) {
        self.finish_claim(input, v);
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
        v.remittance(r);
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

    fn clp<V: RemitVisitor>(&mut self, seg: &Seg<'_>, input: &[u8], v: &mut V) {
        self.finish_claim(input, v);
        self.ctx = Ctx::Claim;
        self.claim_pos = Some(seg.position());
        self.claim_adjusted = Decimal::ZERO;
        self.claim_line_adjustments = Decimal::ZERO;
        let charge = self.money(seg, 3, true);
        let paid = self.money(seg, 4, true);
        let patient_responsibility = self.money(seg, 5, false);
        let base = self.base(seg, input);
        let claim = &mut self.claim;
        claim.text = [1, 2, 6, 7, 8, 9].map(|n| Span::at(base, seg.range(n)));
        claim.charge = charge;
        claim.paid = paid;
        claim.patient_responsibility = patient_responsibility;
        claim.balanced = true;
        self.claim_open = true;
    }

    fn cas(&mut self, seg: &Seg<'_>, input: &[u8]) {
        #[derive(PartialEq)]
        enum Dest {
            Line,
            Claim,
            Nowhere,
        }
        let dest = match (self.ctx, self.line_is_open(), self.claim_open) {
            (Ctx::Line, true, true) => Dest::Line,
            (Ctx::Claim, _, true) => Dest::Claim,
            _ => Dest::Nowhere,
        };
        let base = match dest {
            Dest::Nowhere => 0,
            _ => self.base(seg, input),
        };
        let group = Span::at(base, seg.range(1));
        let mut sum = Decimal::ZERO;
        // Up to six (reason, amount, quantity) triples: CAS02-04 ... CAS17-19.
        for k in 0..6 {
            let at = 2 + 3 * k;
            if at >= seg.len() {
                break;
            }
            if seg.is_empty(at) && seg.is_empty(at + 1) {
                continue;
            }
            let amount = self.money(seg, at + 1, true);
            let quantity = self.opt_money(seg, at + 2);
            sum = sum.saturating_add(amount);
            let adjustment = AdjRaw {
                group,
                reason: Span::at(base, seg.range(at)),
                amount,
                quantity,
            };
            match dest {
                Dest::Line => self.claim.line_adjustments.push(adjustment),
                Dest::Claim => self.claim.adjustments.push(adjustment),
                Dest::Nowhere => {}
            }
        }
        match dest {
            Dest::Line => {
                if let Some(line) = self.claim.lines.last_mut() {
                    line.adjusted = line.adjusted.saturating_add(sum);
                }
                self.claim_line_adjustments = self.claim_line_adjustments.saturating_add(sum);
            }
            Dest::Claim => {
                self.claim_adjusted = self.claim_adjusted.saturating_add(sum);
            }
            Dest::Nowhere => self.finding(Finding::warning(
                "ERA-CAS-PLACEMENT",
                "CAS outside a claim or service line; ignored",
                Some(seg.position()),
            )),
        }
    }

    fn svc(&mut self, seg: &Seg<'_>, input: &[u8]) {
        if !self.claim_open {
            self.finding(Finding::warning(
                "ERA-SVC-PLACEMENT",
                "SVC outside a claim; ignored",
                Some(seg.position()),
            ));
            return;
        }
        self.finish_line(input);
        self.ctx = Ctx::Line;
        self.line_pos = Some(seg.position());
        let base = self.base(seg, input);
        let submitted = self.procedure(seg, base, 1);
        let original = if seg.is_empty(6) {
            None
        } else {
            let mark = self.claim.modifiers.len();
            let p = self.procedure(seg, base, 6);
            if p.code.start == p.code.end && p.qualifier.start == p.qualifier.end {
                self.claim.modifiers.truncate(mark);
                None
            } else {
                Some(p)
            }
        };
        let units = self.opt_money(seg, 5).unwrap_or(Decimal::ONE);
        let charge = self.money(seg, 2, true);
        let paid = self.money(seg, 3, true);
        let original_units = self.opt_money(seg, 7);
        if submitted.code.start == submitted.code.end {
            self.finding(Finding::warning(
                "ERA-SVC-CODE",
                "SVC01 has no procedure code (SVC01-2)",
                Some(seg.position()),
            ));
        }
        let starts = self.claim.line_starts();
        self.claim.lines.push(LineRaw {
            submitted,
            charge,
            paid,
            revenue_code: Span::at(base, seg.range(4)),
            units,
            original,
            original_units,
            control_number: None,
            allowed: None,
            adjusted: Decimal::ZERO,
            balanced: true,
            starts,
        });
        self.line_open = true;
    }

    /// SVC01 or SVC06: qualifier, code and non-empty modifiers 3-6.
    fn procedure(&mut self, seg: &Seg<'_>, base: usize, n: usize) -> ProcRaw {
        let (parts, count) = seg.component_ranges::<6>(n);
        let part = |i: usize| match parts.get(i) {
            Some(range) if i < count => Span::at(base, *range),
            _ => Span::default(),
        };
        let start = self.claim.modifiers.len();
        for i in 2..count {
            let m = part(i);
            if m.start != m.end {
                self.claim.modifiers.push(m);
            }
        }
        ProcRaw {
            qualifier: part(0),
            code: part(1),
            modifiers: (start, self.claim.modifiers.len()),
        }
    }

    fn reference(&mut self, seg: &Seg<'_>, input: &[u8]) {
        let qualifier = seg.bytes(1);
        if self.ctx == Ctx::Line && qualifier == b"6R" && self.line_is_open() {
            let span = Span::at(self.base(seg, input), seg.range(2));
            if let Some(line) = self.open_line() {
                line.control_number = Some(span);
            }
            return;
        }
        match self.ctx {
            Ctx::Line | Ctx::Claim => {
                let open = match self.ctx {
                    Ctx::Line => self.line_is_open(),
                    _ => self.claim_open,
                };
                if !open {
                    return;
                }
                let base = self.base(seg, input);
                let reference = PairRaw {
                    qualifier: Span::at(base, seg.range(1)),
                    value: Span::at(base, seg.range(2)),
                };
                match self.ctx {
                    Ctx::Line => self.claim.line_references.push(reference),
                    _ => self.claim.references.push(reference),
                }
            }
            Ctx::Payer | Ctx::Payee => {
                let reference = Reference {
                    qualifier: Text::from_bytes(qualifier),
                    value: seg.text(2),
                };
                if let Some(r) = &mut self.remittance {
                    match self.ctx {
                        Ctx::Payer => r.payer.references.push(reference),
                        _ => r.payee.references.push(reference),
                    }
                }
            }
            _ => {}
        }
    }

    fn dtm(&mut self, seg: &Seg<'_>, input: &[u8]) {
        let Some(date) = self.date(seg, 2) else {
            return;
        };
        match self.ctx {
            Ctx::Line if self.line_is_open() => {
                let qualifier = Span::at(self.base(seg, input), seg.range(1));
                self.claim.line_dates.push(PairRaw {
                    qualifier,
                    value: date,
                });
            }
            Ctx::Claim if self.claim_open => {
                let qualifier = Span::at(self.base(seg, input), seg.range(1));
                self.claim.dates.push(PairRaw {
                    qualifier,
                    value: date,
                });
            }
            Ctx::Header if seg.bytes(1) == b"405" => {
                if let Some(r) = &mut self.remittance {
                    r.production_date = Some(date);
                }
            }
            _ => {}
        }
    }

    fn amt(&mut self, seg: &Seg<'_>, input: &[u8]) {
        // AMT is information only: a bad amount does not block balancing.
        let Some(amount) = self.opt_money(seg, 2) else {
            return;
        };
        match self.ctx {
            Ctx::Line if self.line_is_open() => {
                if seg.bytes(1) == b"B6" {
                    if let Some(line) = self.open_line() {
                        line.allowed = Some(amount);
                    }
                } else {
                    let qualifier = Span::at(self.base(seg, input), seg.range(1));
                    self.claim.line_amounts.push(PairRaw {
                        qualifier,
                        value: amount,
                    });
                }
            }
            Ctx::Claim if self.claim_open => {
                let qualifier = Span::at(self.base(seg, input), seg.range(1));
                self.claim.amounts.push(PairRaw {
                    qualifier,
                    value: amount,
                });
            }
            _ => {}
        }
    }

    fn plb<V: RemitVisitor>(&mut self, seg: &Seg<'_>, input: &[u8], v: &mut V) {
        self.finish_claim(input, v);
        self.ctx = Ctx::Plb;
        let provider_id = seg.text(1);
        let fiscal_period_end = self.date(seg, 2);
        let mut adjustments = Vec::new();
        // Up to six (reason:reference, amount) pairs: PLB03/04 ... PLB13/14.
        for k in 0..6 {
            let at = 3 + 2 * k;
            if seg.is_empty(at) && seg.is_empty(at + 1) {
                continue;
            }
            let mut parts = seg.components(at);
            let reason = parts.next().map(Text::from_bytes).unwrap_or_default();
            let reference = parts.next().map(Text::from_bytes).unwrap_or_default();
            adjustments.push(ProviderAdjustment {
                provider_id: provider_id.clone(),
                fiscal_period_end,
                reason,
                reference,
                amount: self.money(seg, at + 1, true),
            });
        }
        if let Some(r) = &mut self.remittance {
            r.provider_adjustments.extend(adjustments);
        }
    }

    /// Checks the open line's balance (its CAS were summed while reading).
    fn finish_line(&mut self, input: &[u8]) {
        if !std::mem::take(&mut self.line_open) || !self.claim_open {
            return;
        }
        let Some(line) = self.claim.lines.last() else {
            return;
        };
        let adjusted = line.adjusted;
        let net = line.charge.saturating_sub(adjusted);
        if net != line.paid {
            if let Some(line) = self.claim.lines.last_mut() {
                line.balanced = false;
            }
            let Some(line) = self.claim.lines.last() else {
                return;
            };
            let view = self.view(input);
            let code = Text::from_bytes(get_span(view.src, line.submitted.code));
            let message = format!(
                "claim {:?} line {} {}: charge {} minus adjustments {adjusted} is {}, but paid is {}",
                Text::from_bytes(view.patient_control_number()).as_str(),
                self.claim.lines.len(),
                code,
                line.charge,
                net,
                line.paid
            );
            self.claim.balanced = false;
            self.finding(Finding::error("ERA-LINE-BALANCE", message, self.line_pos));
        }
    }

    fn view<'s>(&'s self, input: &'s [u8]) -> ClaimRef<'s> {
        ClaimRef {
            src: match self.source {
                Source::Input => input,
                Source::Arena => &self.arena,
            },
            buf: &self.claim,
        }
    }

    /// Checks claim balance, counts its payment and hands it to `v`.
    fn finish_claim<V: RemitVisitor>(&mut self, input: &[u8], v: &mut V) {
        self.finish_line(input);
        if self.ctx == Ctx::Claim || self.ctx == Ctx::Line {
            self.ctx = Ctx::Header;
        }
        if !std::mem::take(&mut self.claim_open) {
            return;
        }
        let adjusted = self
            .claim_adjusted
            .saturating_add(self.claim_line_adjustments);
        let (charge, paid) = (self.claim.charge, self.claim.paid);
        let net = charge.saturating_sub(adjusted);
        if net != paid {
            self.claim.balanced = false;
            let pcn = Text::from_bytes(self.view(input).patient_control_number());
            self.finding(Finding::error(
                "ERA-CLAIM-BALANCE",
                format!(
                    "claim {:?}: charge {charge} minus adjustments {adjusted} is {net}, but paid is {paid}",
                    pcn.as_str(),
                ),
                self.claim_pos,
            ));
        }
        self.sum_paid = self.sum_paid.saturating_add(paid);
        v.claim(&self.view(input));
        self.claim.clear();
        self.arena.clear();
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

fn get_span(src: &[u8], span: Span) -> &[u8] {
    src.get(span.start..span.end).unwrap_or_default()
}
