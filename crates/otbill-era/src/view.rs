//! The borrowed claim view: [`ClaimRef`] and its parts, and the
//! [`RemitVisitor`] that receives them.
//!
//! The parser keeps one claim at a time in flat vectors ([`ClaimBuf`]) that
//! are cleared, not freed, between claims, and text as byte ranges into the
//! input (or, when streaming, into a reused copy of the claim's segments).
//! So reading a claim allocates nothing once the vectors have grown; owned
//! [`Claim`]s are built from this view only when a caller wants them.

use crate::model::*;
use crate::text::Text;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Receives an 835 as it is read: each claim as soon as it is complete,
/// then its transaction.
pub trait RemitVisitor {
    /// A complete claim (CLP loop), balanced while read. It borrows the
    /// parser's buffers: copy out what must outlive the call.
    fn claim(&mut self, claim: &ClaimRef<'_>);
    /// A finished transaction: header, PLB, verdict and findings, with
    /// `claims` empty (they went to [`RemitVisitor::claim`]).
    fn remittance(&mut self, remittance: Remittance);
}

/// A byte range of the claim's source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Span {
    /// `range` of a segment whose bytes start at `base` in the source.
    pub(crate) fn at(base: usize, (start, end): (usize, usize)) -> Span {
        Span {
            start: base.saturating_add(start),
            end: base.saturating_add(end),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct AdjRaw {
    pub(crate) group: Span,
    pub(crate) reason: Span,
    pub(crate) amount: Decimal,
    pub(crate) quantity: Option<Decimal>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct PairRaw<T> {
    pub(crate) qualifier: Span,
    pub(crate) value: T,
}

/// A procedure: qualifier, code and its modifiers (`modifiers` indexes).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ProcRaw {
    pub(crate) qualifier: Span,
    pub(crate) code: Span,
    pub(crate) modifiers: (usize, usize),
}

/// One line; its CAS, DTM, AMT, REF and LQ run from these starts to the
/// next line's (they only attach to the last line).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineRaw {
    pub(crate) submitted: ProcRaw,
    pub(crate) charge: Decimal,
    pub(crate) paid: Decimal,
    pub(crate) revenue_code: Span,
    pub(crate) units: Decimal,
    pub(crate) original: Option<ProcRaw>,
    pub(crate) original_units: Option<Decimal>,
    pub(crate) control_number: Option<Span>,
    pub(crate) allowed: Option<Decimal>,
    pub(crate) adjusted: Decimal,
    /// Set when the line is closed.
    pub(crate) balanced: bool,
    pub(crate) starts: [usize; 5],
}

/// The open claim, reused from one claim to the next.
#[derive(Debug, Default)]
pub(crate) struct ClaimBuf {
    /// CLP01, 02, 06, 07, 08, 09.
    pub(crate) text: [Span; 6],
    pub(crate) charge: Decimal,
    pub(crate) paid: Decimal,
    pub(crate) patient_responsibility: Decimal,
    pub(crate) patient: Option<[Span; 3]>,
    pub(crate) balanced: bool,
    pub(crate) adjustments: Vec<AdjRaw>,
    pub(crate) dates: Vec<PairRaw<NaiveDate>>,
    pub(crate) amounts: Vec<PairRaw<Decimal>>,
    pub(crate) references: Vec<PairRaw<Span>>,
    pub(crate) lines: Vec<LineRaw>,
    pub(crate) modifiers: Vec<Span>,
    /// Line-level CAS, DTM, AMT, REF and LQ (see [`LineRaw::starts`]).
    pub(crate) line_adjustments: Vec<AdjRaw>,
    pub(crate) line_dates: Vec<PairRaw<NaiveDate>>,
    pub(crate) line_amounts: Vec<PairRaw<Decimal>>,
    pub(crate) line_references: Vec<PairRaw<Span>>,
    pub(crate) remarks: Vec<Span>,
}

impl ClaimBuf {
    /// Empties the buffer for the next claim, keeping its capacity.
    pub(crate) fn clear(&mut self) {
        self.patient = None;
        self.adjustments.clear();
        self.dates.clear();
        self.amounts.clear();
        self.references.clear();
        self.lines.clear();
        self.modifiers.clear();
        self.line_adjustments.clear();
        self.line_dates.clear();
        self.line_amounts.clear();
        self.line_references.clear();
        self.remarks.clear();
    }

    /// Where the next line's items start in each line-level vector.
    pub(crate) fn line_starts(&self) -> [usize; 5] {
        [
            self.line_adjustments.len(),
            self.line_dates.len(),
            self.line_amounts.len(),
            self.line_references.len(),
            self.remarks.len(),
        ]
    }
}

/// A claim (CLP loop 2100) borrowed from the parser; see [`Claim`] for the
/// meaning of each field. Text is the element's raw bytes.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRef<'a> {
    pub(crate) src: &'a [u8],
    pub(crate) buf: &'a ClaimBuf,
}

/// A qualified value (DTM, AMT or REF) of a claim or line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Qualified<'a, T> {
    /// DTM01, AMT01 or REF01.
    pub qualifier: &'a [u8],
    /// DTM02, AMT02 or REF02.
    pub value: T,
}

/// One CAS triple, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdjustmentRef<'a> {
    /// CAS01.
    pub group: &'a [u8],
    /// The reason code (CARC).
    pub reason: &'a [u8],
    /// Positive amounts reduce the payment.
    pub amount: Decimal,
    /// Adjusted quantity, when given.
    pub quantity: Option<Decimal>,
}

/// A procedure (SVC01 or SVC06), borrowed.
#[derive(Debug, Clone, Copy)]
pub struct ProcedureRef<'a> {
    src: &'a [u8],
    modifiers: &'a [Span],
    raw: ProcRaw,
}

/// One service line (SVC loop 2110), borrowed; see [`ServiceLine`].
#[derive(Debug, Clone, Copy)]
pub struct LineRef<'a> {
    claim: ClaimRef<'a>,
    index: usize,
}

fn get(src: &[u8], span: Span) -> &[u8] {
    src.get(span.start..span.end).unwrap_or_default()
}

impl<'a> ClaimRef<'a> {
    fn text(&self, span: Span) -> &'a [u8] {
        get(self.src, span)
    }
    fn adjustment(&self, a: &AdjRaw) -> AdjustmentRef<'a> {
        AdjustmentRef {
            group: self.text(a.group),
            reason: self.text(a.reason),
            amount: a.amount,
            quantity: a.quantity,
        }
    }
    /// CLP01.
    pub fn patient_control_number(&self) -> &'a [u8] {
        self.text(self.buf.text[0])
    }
    /// CLP02.
    pub fn status(&self) -> &'a [u8] {
        self.text(self.buf.text[1])
    }
    /// CLP06.
    pub fn filing_indicator(&self) -> &'a [u8] {
        self.text(self.buf.text[2])
    }
    /// CLP07.
    pub fn payer_claim_number(&self) -> &'a [u8] {
        self.text(self.buf.text[3])
    }
    /// CLP08.
    pub fn facility_code(&self) -> &'a [u8] {
        self.text(self.buf.text[4])
    }
    /// CLP09.
    pub fn frequency(&self) -> &'a [u8] {
        self.text(self.buf.text[5])
    }
    /// CLP03.
    pub fn charge(&self) -> Decimal {
        self.buf.charge
    }
    /// CLP04.
    pub fn paid(&self) -> Decimal {
        self.buf.paid
    }
    /// CLP05 (0 when absent).
    pub fn patient_responsibility(&self) -> Decimal {
        self.buf.patient_responsibility
    }
    /// NM1*QC: last name, first name, member id.
    pub fn patient(&self) -> Option<[&'a [u8]; 3]> {
        self.buf.patient.map(|p| p.map(|s| self.text(s)))
    }
    /// Whether this claim and its lines balance.
    pub fn balanced(&self) -> bool {
        self.buf.balanced
    }
    /// Claim-level CAS triples.
    pub fn adjustments(&self) -> impl ExactSizeIterator<Item = AdjustmentRef<'a>> + 'a {
        let this = *self;
        self.buf.adjustments.iter().map(move |a| this.adjustment(a))
    }
    /// Claim-level DTM.
    pub fn dates(&self) -> impl ExactSizeIterator<Item = Qualified<'a, NaiveDate>> + 'a {
        pairs(self.src, &self.buf.dates, |d| d)
    }
    /// Claim-level AMT.
    pub fn amounts(&self) -> impl ExactSizeIterator<Item = Qualified<'a, Decimal>> + 'a {
        pairs(self.src, &self.buf.amounts, |d| d)
    }
    /// Claim-level REF.
    pub fn references(&self) -> impl ExactSizeIterator<Item = Qualified<'a, &'a [u8]>> + 'a {
        let src = self.src;
        pairs(src, &self.buf.references, move |s| get(src, s))
    }
    /// The service lines, in input order.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = LineRef<'a>> + 'a {
        let claim = *self;
        (0..self.buf.lines.len()).map(move |index| LineRef { claim, index })
    }

    /// The owned [`Claim`] (what [`crate::parse_835`] keeps).
    pub fn to_claim(&self) -> Claim {
        Claim {
            patient_control_number: Text::from_bytes(self.patient_control_number()),
            status: Text::from_bytes(self.status()),
            charge: self.charge(),
            paid: self.paid(),
            patient_responsibility: self.patient_responsibility(),
            filing_indicator: Text::from_bytes(self.filing_indicator()),
            payer_claim_number: Text::from_bytes(self.payer_claim_number()),
            facility_code: Text::from_bytes(self.facility_code()),
            frequency: Text::from_bytes(self.frequency()),
            patient: self.patient().map(|[last, first, id]| Person {
                last_name: Text::from_bytes(last),
                first_name: Text::from_bytes(first),
                id: Text::from_bytes(id),
            }),
            adjustments: owned(self.adjustments(), owned_adjustment),
            lines: owned(self.lines(), |l| l.to_line()),
            dates: owned(self.dates(), owned_date),
            amounts: owned(self.amounts(), owned_amount),
            references: owned(self.references(), owned_reference),
            balanced: self.balanced(),
        }
    }
}

fn pairs<'a, T: Copy + 'a, U>(
    src: &'a [u8],
    items: &'a [PairRaw<T>],
    value: impl Fn(T) -> U + 'a,
) -> impl ExactSizeIterator<Item = Qualified<'a, U>> + 'a {
    items.iter().map(move |p| Qualified {
        qualifier: get(src, p.qualifier),
        value: value(p.value),
    })
}

/// Collects an exact-size iterator; most line and claim lists are empty,
/// and skipping the general path for them is measurably cheaper.
fn owned<I: ExactSizeIterator, T>(items: I, f: impl FnMut(I::Item) -> T) -> Vec<T> {
    if items.len() == 0 {
        return Vec::new();
    }
    items.map(f).collect()
}

fn owned_adjustment(a: AdjustmentRef<'_>) -> Adjustment {
    Adjustment {
        group: Text::from_bytes(a.group),
        reason: Text::from_bytes(a.reason),
        amount: a.amount,
        quantity: a.quantity,
    }
}

fn owned_date(d: Qualified<'_, NaiveDate>) -> DateRef {
    DateRef {
        qualifier: Text::from_bytes(d.qualifier),
        date: d.value,
    }
}

fn owned_amount(a: Qualified<'_, Decimal>) -> Amount {
    Amount {
        qualifier: Text::from_bytes(a.qualifier),
        amount: a.value,
    }
}

fn owned_reference(r: Qualified<'_, &[u8]>) -> Reference {
    Reference {
        qualifier: Text::from_bytes(r.qualifier),
        value: Text::from_bytes(r.value),
    }
}

impl<'a> ProcedureRef<'a> {
    /// Component 1, e.g. `HC`.
    pub fn qualifier(&self) -> &'a [u8] {
        get(self.src, self.raw.qualifier)
    }
    /// Component 2, the code.
    pub fn code(&self) -> &'a [u8] {
        get(self.src, self.raw.code)
    }
    /// Components 3-6, empty ones skipped.
    pub fn modifiers(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let (start, end) = self.raw.modifiers;
        let src = self.src;
        self.modifiers
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(move |s| get(src, *s))
    }
    fn owned_modifiers(&self) -> Vec<Text> {
        owned(self.modifiers(), Text::from_bytes)
    }
}

impl<'a> LineRef<'a> {
    fn raw(&self) -> &'a LineRaw {
        let lines: &'a [LineRaw] = &self.claim.buf.lines;
        // `index` comes from `ClaimRef::lines`, so it is in range.
        match lines.get(self.index) {
            Some(line) => line,
            None => &EMPTY_LINE,
        }
    }
    /// This line's share of a line-level vector (`which` indexes `starts`).
    fn range(&self, which: usize, len: usize) -> std::ops::Range<usize> {
        let start = self.raw().starts[which];
        let end = self
            .claim
            .buf
            .lines
            .get(self.index + 1)
            .map_or(len, |next| next.starts[which]);
        start..end.max(start)
    }
    fn procedure(&self, raw: ProcRaw) -> ProcedureRef<'a> {
        ProcedureRef {
            src: self.claim.src,
            modifiers: &self.claim.buf.modifiers,
            raw,
        }
    }
    /// SVC01: the procedure as adjudicated.
    pub fn procedure_code(&self) -> ProcedureRef<'a> {
        self.procedure(self.raw().submitted)
    }
    /// SVC06: the procedure as submitted, when the payer changed it.
    pub fn original(&self) -> Option<ProcedureRef<'a>> {
        self.raw().original.map(|p| self.procedure(p))
    }
    /// SVC02.
    pub fn charge(&self) -> Decimal {
        self.raw().charge
    }
    /// SVC03.
    pub fn paid(&self) -> Decimal {
        self.raw().paid
    }
    /// SVC04.
    pub fn revenue_code(&self) -> &'a [u8] {
        get(self.claim.src, self.raw().revenue_code)
    }
    /// SVC05 (1 when absent).
    pub fn units(&self) -> Decimal {
        self.raw().units
    }
    /// SVC07.
    pub fn original_units(&self) -> Option<Decimal> {
        self.raw().original_units
    }
    /// REF*6R.
    pub fn control_number(&self) -> Option<&'a [u8]> {
        self.raw().control_number.map(|s| get(self.claim.src, s))
    }
    /// AMT*B6.
    pub fn allowed(&self) -> Option<Decimal> {
        self.raw().allowed
    }
    /// Whether charge minus this line's CAS equals its payment (checked
    /// while parsing).
    pub fn balanced(&self) -> bool {
        self.raw().balanced
    }
    /// Line-level CAS triples.
    pub fn adjustments(&self) -> impl ExactSizeIterator<Item = AdjustmentRef<'a>> + 'a {
        let buf = self.claim.buf;
        let claim = self.claim;
        let range = self.range(0, buf.line_adjustments.len());
        buf.line_adjustments
            .get(range)
            .unwrap_or_default()
            .iter()
            .map(move |a| claim.adjustment(a))
    }
    /// Line-level DTM.
    pub fn dates(&self) -> impl ExactSizeIterator<Item = Qualified<'a, NaiveDate>> + 'a {
        let items = &self.claim.buf.line_dates;
        pairs(
            self.claim.src,
            items.get(self.range(1, items.len())).unwrap_or_default(),
            |d| d,
        )
    }
    /// Line-level AMT other than B6.
    pub fn amounts(&self) -> impl ExactSizeIterator<Item = Qualified<'a, Decimal>> + 'a {
        let items = &self.claim.buf.line_amounts;
        pairs(
            self.claim.src,
            items.get(self.range(2, items.len())).unwrap_or_default(),
            |d| d,
        )
    }
    /// Line-level REF other than 6R.
    pub fn references(&self) -> impl ExactSizeIterator<Item = Qualified<'a, &'a [u8]>> + 'a {
        let items = &self.claim.buf.line_references;
        let src = self.claim.src;
        pairs(
            src,
            items.get(self.range(3, items.len())).unwrap_or_default(),
            move |s| get(src, s),
        )
    }
    /// LQ*HE remark codes.
    pub fn remarks(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let items = &self.claim.buf.remarks;
        let src = self.claim.src;
        items
            .get(self.range(4, items.len()))
            .unwrap_or_default()
            .iter()
            .map(move |s| get(src, *s))
    }

    /// The owned [`ServiceLine`].
    pub fn to_line(&self) -> ServiceLine {
        let submitted = self.procedure_code();
        ServiceLine {
            qualifier: Text::from_bytes(submitted.qualifier()),
            code: Text::from_bytes(submitted.code()),
            modifiers: submitted.owned_modifiers(),
            charge: self.charge(),
            paid: self.paid(),
            revenue_code: Text::from_bytes(self.revenue_code()),
            units: self.units(),
            original: self.original().map(|p| Procedure {
                qualifier: Text::from_bytes(p.qualifier()),
                code: Text::from_bytes(p.code()),
                modifiers: p.owned_modifiers(),
            }),
            original_units: self.original_units(),
            control_number: self.control_number().map(Text::from_bytes),
            allowed: self.allowed(),
            adjustments: owned(self.adjustments(), owned_adjustment),
            dates: owned(self.dates(), owned_date),
            amounts: owned(self.amounts(), owned_amount),
            references: owned(self.references(), owned_reference),
            remarks: owned(self.remarks(), Text::from_bytes),
        }
    }
}

static EMPTY_LINE: LineRaw = LineRaw {
    submitted: ProcRaw {
        qualifier: Span { start: 0, end: 0 },
        code: Span { start: 0, end: 0 },
        modifiers: (0, 0),
    },
    charge: Decimal::ZERO,
    paid: Decimal::ZERO,
    revenue_code: Span { start: 0, end: 0 },
    units: Decimal::ONE,
    original: None,
    original_units: None,
    control_number: None,
    allowed: None,
    adjusted: Decimal::ZERO,
    balanced: true,
    starts: [0; 5],
};
