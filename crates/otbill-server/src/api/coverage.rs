//! `PUT /api/v1/patients/{id}/coverages/{rank}`: a biller corrects or replaces a patient's
//! coverage (a new plan, a new member id, a payer retired), then the patient's visits held
//! by an error finding (`PAYER_INACTIVE`, no coverage) are coded again with it.
//!
//! The store updates the coverage in place (one per patient and rank): claims already made
//! keep the coverage they were made with. The audit log records who changed which
//! patient's coverage, and each claim the re-run made; never names or member ids.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::put;
use axum::Router;
use otbill_scrub::scrub::Engine;
use otbill_store::claims::ClaimOutcome;
use otbill_store::records::Coverage;
use serde::Serialize;

use super::{body_json, json};
use crate::audit::{self, Action, Entry};
use crate::auth::{ApiUser, Perm, Principal};
use crate::error::{AppError, AppResult};
use crate::AppState;

/// The route template, as audited.
pub const ROUTE: &str = "/api/v1/patients/{id}/coverages/{rank}";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new().route(ROUTE, put(update))
}

/// What changing a coverage did.
#[derive(Clone, Debug, Serialize)]
pub struct CoverageUpdated {
    /// The patient.
    pub patient_id: i64,
    /// The coverage's rank (1 primary, 2 secondary, 3 tertiary).
    pub rank: u8,
    /// The patient's held visits coded again, each with its claim or why it is still held.
    pub reclaimed: Vec<ClaimOutcome>,
}

/// The rank from the path: 1, 2 or 3.
pub fn parse_rank(rank: i64) -> AppResult<u8> {
    u8::try_from(rank)
        .ok()
        .filter(|r| (1..=3).contains(r))
        .ok_or_else(|| AppError::field("rank", "must be 1, 2 or 3"))
}

/// Replaces the coverage, codes the held visits again and writes the audit entries
/// (`route` is the template the request came through). Shared by the API and the page.
pub async fn change(
    state: &AppState,
    who: &Principal,
    patient_id: i64,
    rank: u8,
    coverage: Coverage,
    route: &'static str,
) -> AppResult<CoverageUpdated> {
    who.require(Perm::Billing)?;
    state
        .ledger
        .run(&who.username, move |s| {
            s.update_coverage(patient_id, rank, &coverage)
        })
        .await?;
    audit::record(
        &state.ledger,
        who,
        Entry::new(Action::Update, "coverage", route)
            .on(i64::from(rank))
            .patient(patient_id),
    )
    .await?;
    // The coverage is saved and audited; a visit that fails to code stops the re-run,
    // after the claims already made are audited too.
    let st = state.clone();
    let (reclaimed, failed) = state
        .ledger
        .run(&who.username, move |s| {
            let r = &st.rules;
            let engine = Engine {
                catalog: &r.catalog,
                payers: &r.payers,
                rules: &r.rules,
            };
            let mut out = Vec::new();
            for v in s.held_visits(patient_id)? {
                match s.claim_visit(v, &engine) {
                    Ok(o) => out.push(o),
                    Err(e) => return Ok((out, Some(e))),
                }
            }
            Ok((out, None))
        })
        .await?;
    for claim in reclaimed.iter().filter_map(|o| o.claim_id) {
        audit::record(
            &state.ledger,
            who,
            Entry::new(Action::Create, "claim", route)
                .on(claim)
                .patient(patient_id),
        )
        .await?;
    }
    if let Some(e) = failed {
        return Err(e.into());
    }
    Ok(CoverageUpdated {
        patient_id,
        rank,
        reclaimed,
    })
}

/// `PUT /api/v1/patients/{id}/coverages/{rank}` (billers): the coverage JSON of a patient
/// (`payer_id`, `rank`, `member_id`, `group_number`, `relationship`, `subscriber`,
/// `effective`, `expires`), replacing the one of that rank or adding it.
async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, rank)): Path<(i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let rank = parse_rank(rank)?;
    let coverage: Coverage = body_json(&body)?;
    let done = change(&state, &user, id, rank, coverage, ROUTE).await?;
    json(&done)
}
