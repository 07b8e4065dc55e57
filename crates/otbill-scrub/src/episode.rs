//! The patient's episode of care as the scrubber needs it: plan of care, progress-report
//! count, prior evaluations, the year's allowed therapy amounts, authorizations, visits this
//! plan year and eligibility benefits.
//!
//! These are input values (JSON in `otbill scrub`); the scrubber never looks them up.

use chrono::NaiveDate;
use otbill_core::Discipline;
use otbill_types::{CptCode, Money};
use serde::{Deserialize, Serialize};

use crate::benefits::Benefits;
use crate::evaluation::EvalComponents;

/// Everything about the episode that the visit's rules depend on.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Episode {
    /// The plan of care, when one exists.
    #[serde(default)]
    pub plan_of_care: Option<PlanOfCare>,
    /// Treatment days (evaluation days included) before this visit since the last
    /// progress report, or since the episode began when none was written yet.
    #[serde(default)]
    pub treatment_days_since_progress_report: u32,
    /// A progress report is written with this visit.
    #[serde(default)]
    pub progress_report_today: bool,
    /// Evaluations and re-evaluations billed earlier in this episode.
    #[serde(default)]
    pub prior_evaluations: Vec<PriorEvaluation>,
    /// Why a re-evaluation billed today is indicated, when one is.
    #[serde(default)]
    pub reevaluation_reason: Option<ReevaluationReason>,
    /// Documented evaluation components, when an initial evaluation is billed.
    #[serde(default)]
    pub evaluation: Option<EvalComponents>,
    /// Allowed therapy amounts so far this calendar year, before this visit.
    #[serde(default)]
    pub year_to_date: YearToDate,
    /// The record supports medical necessity above the KX threshold.
    #[serde(default)]
    pub medical_necessity_documented: bool,
    /// An ABN is on file for services that may not be covered.
    #[serde(default)]
    pub abn_on_file: bool,
    /// Part B deductible still owed this year (0 when met).
    #[serde(default)]
    pub deductible_remaining: Money,
    /// Commercial authorization, when the payer requires one.
    #[serde(default)]
    pub authorization: Option<Authorization>,
    /// Visits already billed to this payer since the plan year's start, before this one
    /// (for a payer rule set's `visit_limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visits_this_plan_year: Option<u32>,
    /// Date of the last progress report (for a rule set's `progress_report.every_days`;
    /// the plan of care's start when none was written yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_progress_report: Option<NaiveDate>,
    /// Benefits from the last eligibility (271) response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefits: Option<Benefits>,
}

/// A plan of care and its certification.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanOfCare {
    /// Discipline of the plan.
    pub discipline: Discipline,
    /// First day of treatment in the episode (the evaluation counts).
    pub start: NaiveDate,
    /// Date the plan was written; treatment before it needs the planning clinician.
    #[serde(default)]
    pub established: Option<NaiveDate>,
    /// Date the physician/NPP signed (certified) the plan.
    #[serde(default)]
    pub certified: Option<NaiveDate>,
    /// Last date the certification covers, as written on the plan.
    #[serde(default)]
    pub certified_through: Option<NaiveDate>,
    /// Documented reason for a delayed certification.
    #[serde(default)]
    pub delayed_certification_reason: Option<String>,
    /// Date of the signed and dated order/referral (2025 relief).
    #[serde(default)]
    pub signed_order: Option<NaiveDate>,
    /// Date the plan was sent to the referring physician/NPP (2025 relief).
    #[serde(default)]
    pub plan_sent_to_referrer: Option<NaiveDate>,
    /// Recertifications.
    #[serde(default)]
    pub recertifications: Vec<Recertification>,
    /// Long-term goals.
    #[serde(default)]
    pub goals: Vec<String>,
}

/// One recertification.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recertification {
    /// Date signed.
    pub signed: NaiveDate,
    /// Last date covered.
    pub through: NaiveDate,
}

/// An earlier evaluation or re-evaluation in the episode.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PriorEvaluation {
    /// Date of service.
    pub date: NaiveDate,
    /// Code billed.
    pub code: CptCode,
}

/// Why a re-evaluation is indicated (Pub. 100-02 Ch. 15 §220.3.C).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReevaluationReason {
    /// New clinical findings.
    NewClinicalFindings,
    /// A significant change in condition or function not anticipated in the plan.
    SignificantChange,
    /// The patient is not responding to the planned interventions.
    NotResponding,
    /// Before a planned discharge.
    PlannedDischarge,
    /// Routine or scheduled (e.g. required by a state practice act): not billable.
    Routine,
}

/// Allowed amounts so far this calendar year, per KX accumulator.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct YearToDate {
    /// Occupational therapy.
    #[serde(default)]
    pub ot: Money,
    /// Physical therapy and speech-language pathology combined.
    #[serde(default)]
    pub pt_slp: Money,
}

/// A commercial payer's authorization.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// Authorization number.
    #[serde(default)]
    pub number: Option<String>,
    /// Visits left before this one.
    #[serde(default)]
    pub visits_remaining: Option<u32>,
    /// Units left before this visit.
    #[serde(default)]
    pub units_remaining: Option<u32>,
    /// Last date covered.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}
