//! Eligibility benefits as the scrub needs them: what a 271 response said about the
//! patient's coverage on the day it was checked, and the checks it feeds.
//!
//! The values are input (the store reads them from its eligibility records); whether a
//! response is too old to trust is the caller's decision, since this crate has no clock.

use std::borrow::Cow;

use chrono::NaiveDate;
use otbill_core::{Finding, Severity};
use otbill_types::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Benefits from an eligibility (271) response. Every field but the date may be unknown.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Benefits {
    /// The day the eligibility check was answered.
    pub checked_on: NaiveDate,
    /// Whether the coverage is active.
    #[serde(default)]
    pub active: Option<bool>,
    /// Copay per visit.
    #[serde(default)]
    pub copay: Option<Money>,
    /// The patient's coinsurance as a fraction (`0.20` for 20%).
    #[serde(default)]
    pub coinsurance: Option<Decimal>,
    /// Deductible the patient still owes.
    #[serde(default)]
    pub deductible_remaining: Option<Money>,
    /// What is left of the patient's out-of-pocket maximum.
    #[serde(default)]
    pub out_of_pocket_remaining: Option<Money>,
    /// Therapy visits the plan still covers.
    #[serde(default)]
    pub visits_remaining: Option<u32>,
    /// Whether the plan requires an authorization for therapy.
    #[serde(default)]
    pub authorization_required: Option<bool>,
}

impl Benefits {
    /// The source findings from these benefits cite.
    pub fn source(&self) -> String {
        format!("271 eligibility response of {}", self.checked_on)
    }
}

/// Checks a visit against the benefits: inactive coverage, no visits left, an
/// authorization the plan requires but the episode does not have.
pub fn check(benefits: &Benefits, has_authorization: bool, out: &mut Vec<Finding>) {
    let src = || Cow::Owned(benefits.source());
    let mut push = |code: &'static str, message: String, carc: &'static str| {
        out.push(Finding {
            code: Cow::Borrowed(code),
            severity: Severity::Error,
            message,
            source: src(),
            carc: Some(Cow::Borrowed(carc)),
        });
    };
    if benefits.active == Some(false) {
        push(
            "ELIGIBILITY_INACTIVE",
            format!(
                "The eligibility response of {} says the coverage is not active: the payer will deny the claim; check the patient's coverage",
                benefits.checked_on
            ),
            "27",
        );
    }
    if benefits.visits_remaining == Some(0) {
        push(
            "ELIGIBILITY_VISITS_EXHAUSTED",
            format!(
                "The eligibility response of {} shows no therapy visits left on the plan",
                benefits.checked_on
            ),
            "119",
        );
    }
    if benefits.authorization_required == Some(true) && !has_authorization {
        push(
            "ELIGIBILITY_AUTH_REQUIRED",
            format!(
                "The eligibility response of {} says therapy needs an authorization, and none is recorded for this episode",
                benefits.checked_on
            ),
            "197",
        );
    }
}
