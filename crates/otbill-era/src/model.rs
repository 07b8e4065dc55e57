//! The typed remittance (835) model. Serializes to the public JSON contract
//! of `otbill remit`: money as decimal strings, dates as `YYYY-MM-DD`.

use crate::text::Text;
use chrono::NaiveDate;
use otbill_x12::Finding;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

/// Everything read from one 835 input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Era {
    /// One remittance per ST..SE transaction.
    pub remittances: Vec<Remittance>,
    /// Reading and envelope findings (delimiters, control numbers, counts).
    pub findings: Vec<Finding>,
}

impl Era {
    /// The finding that makes the input unreadable as an 835, if any: no
    /// 835 transaction could be found in it.
    pub fn unreadable(&self) -> Option<&Finding> {
        if !self.remittances.is_empty() {
            return None;
        }
        unreadable_in(&self.findings)
    }

    /// Whether every remittance balances.
    pub fn balanced(&self) -> bool {
        self.remittances.iter().all(|r| r.balanced)
    }
}

/// Of the findings of an input without remittances, the one that says most about why.
pub(crate) fn unreadable_in(findings: &[Finding]) -> Option<&Finding> {
    // A transaction of another type says most about what the input is.
    let not_835 = findings.iter().find(|f| f.code == "ERA-NOT-835");
    not_835
        .or_else(|| {
            findings
                .iter()
                .find(|f| f.severity == otbill_x12::Severity::Error)
        })
        .or(findings.first())
}

/// One 835 transaction (ST..SE): one payment or notification.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Remittance {
    /// ST02.
    pub transaction_control_number: Text,
    /// BPR01 handling code: `C` payment with remittance, `I` remittance only, `H` notification only...
    pub handling_code: Text,
    /// BPR02 total actual provider payment.
    pub payment_amount: Decimal,
    /// BPR03 `C` credit or `D` debit.
    pub credit_debit: Text,
    /// BPR04: `ACH`, `CHK`, `BOP`, `FWT`, `NON`.
    pub payment_method: Text,
    /// BPR16 check issue or EFT effective date.
    pub payment_date: Option<NaiveDate>,
    /// TRN02 check or EFT trace number (the reassociation key).
    pub trace_number: Text,
    /// TRN03 payer identifier (usually `1` + EIN).
    pub trace_originator: Text,
    /// DTM*405 production date.
    pub production_date: Option<NaiveDate>,
    /// 1000A payer.
    pub payer: Party,
    /// 1000B payee.
    pub payee: Party,
    /// 2100 claims, in input order. Empty when read with [`crate::Stream835`].
    pub claims: Vec<Claim>,
    /// PLB provider-level adjustments.
    pub provider_adjustments: Vec<ProviderAdjustment>,
    /// Whether every balancing rule held (line, claim, transaction) and
    /// every amount in them could be read.
    pub balanced: bool,
    /// Balancing and content findings of this transaction.
    pub findings: Vec<Finding>,
}

/// A payer or payee (N1 loop).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Party {
    /// N102.
    pub name: Text,
    /// N103, e.g. `XX` (NPI), `FI` (TIN), `XV` (plan id).
    pub id_qualifier: Text,
    /// N104.
    pub id: Text,
    /// N3/N4.
    pub address: Option<Address>,
    /// REF segments of the loop.
    pub references: Vec<Reference>,
}

/// N3/N4 address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Address {
    /// N301, N302.
    pub lines: Vec<Text>,
    /// N401.
    pub city: Text,
    /// N402.
    pub state: Text,
    /// N403.
    pub postal_code: Text,
}

/// A qualified reference number (REF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// REF01.
    pub qualifier: Text,
    /// REF02.
    pub value: Text,
}

/// A qualified date (DTM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateRef {
    /// DTM01, e.g. `472` service, `232`/`233` statement from/to, `050` received.
    pub qualifier: Text,
    /// DTM02.
    pub date: NaiveDate,
}

/// A qualified amount (AMT).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amount {
    /// AMT01, e.g. `AU` coverage amount, `B6` allowed.
    pub qualifier: Text,
    /// AMT02.
    pub amount: Decimal,
}

/// One adjustment triple of a CAS segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adjustment {
    /// CAS01 group: `CO`, `PR`, `OA`, `PI` (`CR` in 4010).
    pub group: Text,
    /// Claim adjustment reason code (CARC).
    pub reason: Text,
    /// Positive amounts reduce the payment.
    pub amount: Decimal,
    /// Adjusted quantity, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
}

/// The patient (NM1*QC).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Person {
    /// NM103.
    pub last_name: Text,
    /// NM104.
    pub first_name: Text,
    /// NM109 (member id).
    pub id: Text,
}

/// One claim payment (CLP loop 2100).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Claim {
    /// CLP01: our CLM01.
    pub patient_control_number: Text,
    /// CLP02: `1` primary, `2` secondary, `3` tertiary, `4` denied, `22` reversal...
    pub status: Text,
    /// CLP03 total claim charge.
    pub charge: Decimal,
    /// CLP04 claim payment.
    pub paid: Decimal,
    /// CLP05 patient responsibility (0 when absent).
    pub patient_responsibility: Decimal,
    /// CLP06 claim filing indicator.
    pub filing_indicator: Text,
    /// CLP07 payer claim control number (ICN): REF*F8 of a replacement.
    pub payer_claim_number: Text,
    /// CLP08 facility type / place of service.
    pub facility_code: Text,
    /// CLP09 claim frequency.
    pub frequency: Text,
    /// NM1*QC.
    pub patient: Option<Person>,
    /// Claim-level CAS triples.
    pub adjustments: Vec<Adjustment>,
    /// SVC lines.
    pub lines: Vec<ServiceLine>,
    /// DTM at claim level.
    pub dates: Vec<DateRef>,
    /// AMT at claim level.
    pub amounts: Vec<Amount>,
    /// REF at claim level.
    pub references: Vec<Reference>,
    /// Whether this claim and its lines balance.
    pub balanced: bool,
}

/// A procedure as in SVC01/SVC06: `HC:97530:GO:KX`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Procedure {
    /// Component 1, e.g. `HC`.
    pub qualifier: Text,
    /// Component 2, the code.
    pub code: Text,
    /// Components 3-6.
    pub modifiers: Vec<Text>,
}

/// One service line payment (SVC loop 2110).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ServiceLine {
    /// SVC01-1 qualifier (`HC`).
    pub qualifier: Text,
    /// SVC01-2 procedure code as adjudicated.
    pub code: Text,
    /// SVC01-3..6.
    pub modifiers: Vec<Text>,
    /// SVC02 line charge.
    pub charge: Decimal,
    /// SVC03 line payment.
    pub paid: Decimal,
    /// SVC04 revenue code (institutional).
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub revenue_code: Text,
    /// SVC05 units paid (1 when absent, as the guide says).
    #[serde(serialize_with = "number")]
    pub units: Decimal,
    /// SVC06: the procedure as submitted, when the payer changed it.
    pub original: Option<Procedure>,
    /// SVC07 units as submitted, when they differ.
    #[serde(serialize_with = "opt_number")]
    pub original_units: Option<Decimal>,
    /// REF*6R: our line item control number (837 2400 REF*6R).
    pub control_number: Option<Text>,
    /// AMT*B6 allowed amount (information only, not balanced).
    pub allowed: Option<Decimal>,
    /// Line-level CAS triples.
    pub adjustments: Vec<Adjustment>,
    /// DTM at line level (`472`, `150`, `151`).
    pub dates: Vec<DateRef>,
    /// Other AMT at line level.
    pub amounts: Vec<Amount>,
    /// Other REF at line level.
    pub references: Vec<Reference>,
    /// LQ*HE remark codes (RARC).
    pub remarks: Vec<Text>,
}

/// One PLB adjustment (provider-level, not tied to a claim line).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ProviderAdjustment {
    /// PLB01 provider id.
    pub provider_id: Text,
    /// PLB02 fiscal period end.
    pub fiscal_period_end: Option<NaiveDate>,
    /// Reason code (PLB03-1...), e.g. `WO` overpayment recovery, `L6` interest.
    pub reason: Text,
    /// Reference (PLB03-2...), often the ICN of the recouped claim.
    pub reference: Text,
    /// Positive amounts reduce the payment.
    pub amount: Decimal,
}

/// Units as a JSON number: an integer when whole, else a float.
pub(crate) fn number<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    if value.fract().is_zero() {
        if let Ok(n) = i64::try_from(value.trunc()) {
            return s.serialize_i64(n);
        }
    }
    match f64::try_from(*value) {
        Ok(f) => s.serialize_f64(f),
        Err(_) => s.serialize_str(&value.to_string()),
    }
}

fn opt_number<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => number(v, s),
        None => s.serialize_none(),
    }
}
