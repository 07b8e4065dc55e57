//! Eligibility and payer rules, shared by the JSON API (`api/eligibility.rs`) and the
//! pages (`web/eligibility.rs`): 270 requests into the outbox and 271s posted (billers),
//! a patient's latest benefits (anyone who may see the patient), the visit preview with
//! the payer's rule set and the share estimate (therapists and billers), and each payer's
//! rule sets (admins edit; billers read).
//!
//! Each step checks the role, runs its store call as the signed-in user and appends an
//! audit entry (ids and route templates only, never names or member ids).

use chrono::NaiveDate;
use otbill_scrub::scrub::Engine;
use otbill_scrub::PayerRules;
use otbill_store::claims::Preview;
use otbill_store::eligibility::{LatestBenefits, Posted271, RequestOutcome};
use otbill_store::payer_rules::RuleSetRow;
use otbill_store::records::{PayerEntry, PayerKey, Visit};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Entry};
use crate::auth::{Perm, Principal, Role};
use crate::error::{AppError, AppResult};
use crate::{ops, AppState};

/// A 270 request: patients by account, or every covered one.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// Patient accounts.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Every patient with a coverage of `rank` in force on `date`.
    #[serde(default)]
    pub all: bool,
    /// Date of service asked about (default today).
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Coverage rank (default 1).
    #[serde(default)]
    pub rank: Option<u8>,
    /// EQ01 service types (default AD and 30).
    #[serde(default)]
    pub service_types: Vec<String>,
}

/// Writes a 270 into the practice's outbox (billers); one audit entry per patient.
pub async fn request(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    body: RequestBody,
) -> AppResult<RequestOutcome> {
    who.require(Perm::Billing)?;
    if body.all != body.accounts.is_empty() {
        return Err(AppError::field(
            "accounts",
            "name patient accounts, or set all",
        ));
    }
    let outbox = state.config.outbox.clone();
    let out = state
        .ledger
        .run_app(&who.username, move |s| {
            let date = body.date.unwrap_or_else(crate::today);
            let rank = body.rank.unwrap_or(1);
            let ids = if body.all {
                s.patients_covered_on(rank, date)?
            } else {
                let mut ids = Vec::with_capacity(body.accounts.len());
                for (i, a) in body.accounts.iter().enumerate() {
                    ids.push(s.patient_id_by_account(a)?.ok_or_else(|| {
                        AppError::field(format!("accounts[{i}]"), "no patient with this account")
                    })?);
                }
                ids
            };
            if ids.is_empty() {
                return Err(AppError::field(
                    "all",
                    "no patient has that coverage on the date",
                ));
            }
            Ok(s.request_eligibility(&outbox, &ids, rank, date, &body.service_types)?)
        })
        .await?;
    for c in &out.checks {
        audit::record(
            &state.ledger,
            who,
            Entry::new(Action::Create, "eligibility_request", route)
                .on(c.id)
                .patient(c.patient_id),
        )
        .await?;
    }
    Ok(out)
}

/// Posts a 271 (billers); one audit entry per response stored.
pub async fn post_271(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    bytes: Vec<u8>,
) -> AppResult<Posted271> {
    who.require(Perm::Billing)?;
    let out = state
        .ledger
        .run(&who.username, move |s| s.post_271(&bytes))
        .await?;
    for r in &out.stored {
        audit::record(
            &state.ledger,
            who,
            Entry::new(Action::Create, "eligibility_response", route)
                .on(r.id)
                .patient(r.patient_id),
        )
        .await?;
    }
    Ok(out)
}

/// A patient's latest benefits, as the patient page and the API show them.
#[derive(Clone, Debug, Serialize)]
pub struct BenefitsView {
    /// The stored response, when there is one.
    pub latest: Option<LatestBenefits>,
    /// Older than 30 days (check again).
    pub stale: bool,
    /// Visits left this plan year, less the claims made since the check.
    pub visits_left: Option<u32>,
}

/// The latest benefits of a patient's primary coverage on `date` (the caller has checked
/// the patient's scope).
pub async fn benefits(
    state: &AppState,
    who: &Principal,
    patient_id: i64,
    date: NaiveDate,
) -> AppResult<BenefitsView> {
    who.require(Perm::PatientRead)?;
    let latest = state
        .ledger
        .run(&who.username, move |s| {
            s.latest_benefits(patient_id, 1, date)
        })
        .await?;
    let today = crate::today();
    Ok(BenefitsView {
        stale: latest.as_ref().is_some_and(|b| b.stale(today)),
        visits_left: latest.as_ref().and_then(LatestBenefits::visits_left),
        latest,
    })
}

/// The visit preview with everything its claim would be scrubbed with; a therapist only
/// for their own patients (as entering the visit).
pub async fn preview(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    visit: Visit,
) -> AppResult<Preview> {
    if who.role == Role::Admin {
        return Err(AppError::Forbidden);
    }
    ops::check_visit_scope(state, who, &visit, route).await?;
    let st = state.clone();
    state
        .ledger
        .run(&who.username, move |s| {
            let r = &st.rules;
            let engine = Engine {
                catalog: &r.catalog,
                payers: &r.payers,
                rules: &r.rules,
            };
            s.preview_visit(&visit, &engine)
        })
        .await
}

/// A payer's rules: the ones in effect on a date (or the profile's defaults) and the
/// history.
#[derive(Clone, Debug, Serialize)]
pub struct RulesView {
    /// The payer.
    pub payer: PayerEntry,
    /// The date asked about.
    pub date: NaiveDate,
    /// The rules in effect on `date`, or the profile's defaults.
    pub rules: PayerRules,
    /// True when no rule set is in effect on `date` (the rules are the profile's defaults).
    pub defaults: bool,
    /// Every rule set stored, by effective date.
    pub history: Vec<RuleSetRow>,
}

/// A payer's rules (admins and billers).
pub async fn rules_of(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    payer: i64,
    date: NaiveDate,
) -> AppResult<RulesView> {
    if !matches!(who.role, Role::Admin | Role::Biller) {
        return Err(AppError::Forbidden);
    }
    let st = state.clone();
    let view = state
        .ledger
        .run(&who.username, move |s| {
            let entry = s.payer(PayerKey::Id(payer))?;
            let in_effect = s.payer_rules_on(PayerKey::Id(payer), date)?;
            let rules = s.payer_rules_draft(PayerKey::Id(payer), date, &st.rules.payers)?;
            let history = s.payer_rule_history(PayerKey::Id(payer))?;
            Ok(RulesView {
                payer: entry,
                date,
                rules,
                defaults: in_effect.is_none(),
                history,
            })
        })
        .await?;
    audit::record(
        &state.ledger,
        who,
        Entry::new(Action::Read, "payer_rules", route).on(payer),
    )
    .await?;
    Ok(view)
}

/// A new rule set for a payer.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesBody {
    /// First date of service it applies to.
    pub effective: NaiveDate,
    /// The rules.
    pub rules: PayerRules,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

/// Stores a payer's rule set (admins); audited. Returns the row id.
pub async fn set_rules(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    payer: i64,
    body: RulesBody,
) -> AppResult<i64> {
    who.require(Perm::Admin)?;
    let id = state
        .ledger
        .run(&who.username, move |s| {
            s.set_payer_rules(
                PayerKey::Id(payer),
                body.effective,
                &body.rules,
                body.note.as_deref(),
            )
        })
        .await?;
    audit::record(
        &state.ledger,
        who,
        Entry::new(Action::Update, "payer_rules", route).on(payer),
    )
    .await?;
    Ok(id)
}
