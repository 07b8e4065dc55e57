//! The typed 271: what [`crate::read_271`] returns (and `otbill eligibility` prints as JSON).

use crate::codes::{BenefitKind, TimePeriod};
use chrono::NaiveDate;
use otbill_x12::Finding;
use rust_decimal::Decimal;
use serde::Serialize;

/// Everything read from one 271 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Read271 {
    /// One response per patient: per subscriber (2000C), or per dependent (2000D)
    /// when the patient is a dependent; plus one per payer or provider level that was
    /// rejected (AAA) with no subscriber under it.
    pub responses: Vec<Response271>,
    /// Reading, envelope and content problems, in input order.
    pub findings: Vec<Finding>,
}

/// The answer about one patient.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Response271 {
    /// TRN02 of the `TRN*2` in 2000C or 2000D: the trace of our 270 request, echoed.
    pub trace: Option<String>,
    /// 2100A NM103.
    pub payer_name: Option<String>,
    /// 2100A NM109 (`PI` payer id or whatever NM108 says).
    pub payer_id: Option<String>,
    /// 2100B NM109 when NM108 is `XX`.
    pub provider_npi: Option<String>,
    /// 2100B NM103 (and NM104 for a person), as the payer has it.
    pub provider_name: Option<String>,
    /// 2100C, the subscriber.
    pub subscriber: Member,
    /// 2100D, the dependent, when the patient is not the subscriber.
    pub dependent: Option<Member>,
    /// The EB loops (2110C, or 2110D when there is a dependent) of the patient.
    pub benefits: Vec<Benefit>,
    /// AAA segments from the payer (2000A/2100A), provider (2100B), subscriber
    /// (2100C/2110C) and dependent (2100D/2110D) levels above and of this patient.
    pub rejections: Vec<Rejection>,
}

/// A subscriber or dependent as the payer has them (2100C/2100D).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Member {
    /// NM109 (usually with NM108 `MI`).
    pub member_id: Option<String>,
    /// NM103.
    pub last: Option<String>,
    /// NM104.
    pub first: Option<String>,
    /// DMG02 (format `D8`).
    pub birth_date: Option<NaiveDate>,
    /// DMG03 (`M`, `F`, `U`).
    pub gender: Option<String>,
    /// REF*6P REF02, the group number.
    pub group_number: Option<String>,
    /// REF*6P REF03, the group name.
    pub group_name: Option<String>,
    /// Plan begin: DTP*346 (plan begin), else DTP*356 (eligibility begin), else the
    /// start of an RD8 range in DTP*291 (plan), 292 (benefit) or 307 (eligibility).
    pub plan_begin: Option<NaiveDate>,
    /// Plan end: DTP*347, else DTP*357, else the end of such an RD8 range.
    pub plan_end: Option<NaiveDate>,
    /// INS02, the relationship to the subscriber (2100D: `01` spouse, `19` child...).
    pub relationship: Option<String>,
    /// Every REF of the loop as (REF01, REF02).
    pub references: Vec<(String, String)>,
    /// Every DTP of the loop as (DTP01, DTP03).
    pub dates: Vec<(String, String)>,
}

/// One EB loop (2110C/2110D) with its HSD, REF, DTP, AAA, MSG and 2120 entities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Benefit {
    /// EB01.
    pub kind: BenefitKind,
    /// EB02 coverage level: `IND` individual, `FAM` family, `EMP`, `ESP`...
    pub coverage_level: Option<String>,
    /// EB03, each repetition: service type codes (`AD` occupational therapy, `30`
    /// health benefit plan coverage). Empty: the benefit applies to the plan.
    pub service_types: Vec<String>,
    /// EB04 insurance type (`MB` Medicare Part B, `C1` commercial...).
    pub insurance_type: Option<String>,
    /// EB05 plan coverage description.
    pub plan_name: Option<String>,
    /// EB06.
    pub time_period: Option<TimePeriod>,
    /// EB07 monetary amount.
    pub amount: Option<Decimal>,
    /// EB08 percent as a fraction (`0.2` = 20%).
    pub percent: Option<Decimal>,
    /// EB09 (`VS` visits, `DY` days...).
    pub quantity_qualifier: Option<String>,
    /// EB10.
    pub quantity: Option<Decimal>,
    /// EB11: `Y` true, `N` false, `U` (unknown) or absent `None`.
    pub authorization_required: Option<bool>,
    /// EB12: `Y` true, `N` false, `W` (not applicable), `U` or absent `None` (applies
    /// in and out of network).
    pub in_network: Option<bool>,
    /// EB13 composite as text, components joined with `:` (`HC:97530`).
    pub procedure: Option<String>,
    /// DTP segments of the loop as (DTP01, DTP03): `292` benefit, `348`/`349` benefit
    /// begin/end, `346`/`347` plan begin/end...
    pub dates: Vec<(String, String)>,
    /// MSG01 of each MSG segment.
    pub messages: Vec<String>,
    /// The NM1 of each 2120 loop (between LS*2120 and LE*2120), as
    /// `Primary Care Provider: JONES, MARCUS` (entity in plain words, NM103, NM104).
    pub related_entities: Vec<String>,
    /// The first HSD with a quantity: (HSD02, plain words such as `20 visits per
    /// calendar year`).
    pub limit: Option<(Decimal, String)>,
    /// Every HSD of the loop.
    pub delivery: Vec<Delivery>,
    /// REF segments of the loop as (REF01, REF02).
    pub references: Vec<(String, String)>,
}

/// One HSD (health care services delivery) segment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Delivery {
    /// HSD01 quantity qualifier (`VS` visits, `DY` days, `HS` hours, `MN` months, `FL` units).
    pub quantity_qualifier: Option<String>,
    /// HSD02.
    pub quantity: Option<Decimal>,
    /// HSD03 unit or basis (`DA` days, `MO` months, `VS` visits, `WK` week, `YR` years).
    pub unit: Option<String>,
    /// HSD04 sample selection modulus (e.g. 3 a week).
    pub per_unit: Option<Decimal>,
    /// HSD05.
    pub time_period: Option<TimePeriod>,
    /// HSD06 number of periods.
    pub periods: Option<Decimal>,
}

/// One AAA segment: the payer could not answer, or rejected part of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The loop the AAA sits in: `2000A`, `2100A`, `2100B`, `2100C`, `2110C`, `2100D`, `2110D`.
    pub level: String,
    /// AAA01: `Y` the request was valid, `N` it was not.
    pub valid: Option<bool>,
    /// AAA03 reject reason code.
    pub code: String,
    /// AAA03 in plain words (`unknown AAA reason CODE` when the code is not in the TR3 list).
    pub reason: String,
    /// AAA04 follow-up action in plain words (the code itself when unknown).
    pub follow_up: Option<String>,
}
