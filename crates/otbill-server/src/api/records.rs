//! The ledger's records over JSON: patients, plans of care, visits, claims, batches,
//! acknowledgments and remittances, the denials worklist, reports.
//!
//! Each handler checks the role, does the work, and appends to the audit log before it
//! answers (a read of a patient's data is logged like a write). Writes go through
//! `otbill-store`; reads it has no method for go through [`crate::reads`].

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use super::{body_json, json};
use crate::audit::{self, Action, Entry};
use crate::auth::{ApiUser, Perm, Principal};
use crate::error::{AppError, AppResult};
use crate::{ops, AppState};

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/patients", get(list_patients).post(add_patient))
        .route("/api/v1/patients/{id}", get(get_patient))
        .route("/api/v1/plans", post(add_plan))
        .route("/api/v1/visits", get(list_visits).post(add_visit))
        .route("/api/v1/visits/{id}", get(get_visit))
        .route("/api/v1/claims", get(list_claims))
        .route("/api/v1/claims/{id}", get(get_claim))
        .route("/api/v1/batches", get(list_batches).post(build_batches))
        .route("/api/v1/batches/{id}/837", get(download_batch))
        .route("/api/v1/remittances", post(post_remittance))
        .route("/api/v1/acks", post(post_ack))
        .route("/api/v1/denials", get(denials))
        .route("/api/v1/reports/{name}", get(report))
}

/// Appends an audit entry for `who`.
pub async fn log(state: &AppState, who: &Principal, entry: Entry<'_>) -> AppResult<()> {
    audit::record(&state.ledger, who, entry).await?;
    Ok(())
}

fn created(value: &impl Serialize) -> AppResult<Response> {
    let mut res = json(value)?;
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

async fn list_patients(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Response> {
    user.require(Perm::PatientRead)?;
    let rows = ops::patients_for(&state, &user).await?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "patient_list", "/api/v1/patients"),
    )
    .await?;
    json(&rows)
}

async fn get_patient(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    user.require(Perm::PatientRead)?;
    ops::check_patient_scope(&state, &user, id, "/api/v1/patients/{id}").await?;
    let view = ops::patient_view(&state, id).await?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "patient", "/api/v1/patients/{id}")
            .on(id)
            .patient(id),
    )
    .await?;
    json(&view)
}

async fn add_patient(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::PatientWrite)?;
    let patient: otbill_store::records::Patient = body_json(&body)?;
    let id = state
        .ledger
        .run(&user.username, move |s| s.add_patient(&patient))
        .await?;
    log(
        &state,
        &user,
        Entry::new(Action::Create, "patient", "/api/v1/patients")
            .on(id)
            .patient(id),
    )
    .await?;
    created(&serde_json::json!({ "id": id }))
}

async fn add_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::PatientWrite)?;
    let plan: otbill_store::records::PlanOfCare = body_json(&body)?;
    let account = plan.patient_account.clone();
    let id = state
        .ledger
        .run(&user.username, move |s| s.add_plan(&plan))
        .await?;
    let patient = state
        .ledger
        .run(&user.username, move |s| s.patient_id_by_account(&account))
        .await?;
    log(
        &state,
        &user,
        Entry::new(Action::Create, "plan_of_care", "/api/v1/plans")
            .on(id)
            .patient(patient),
    )
    .await?;
    created(&serde_json::json!({ "id": id }))
}

async fn list_visits(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Response> {
    user.require(Perm::Visits)?;
    let me = user.username.clone();
    let rows = state
        .ledger
        .run(&user.username, move |s| s.visit_list(Some(&me)))
        .await?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "visit_list", "/api/v1/visits"),
    )
    .await?;
    json(&rows)
}

async fn get_visit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    user.require(Perm::Visits)?;
    let visit = state
        .ledger
        .run(&user.username, move |s| s.visit_row(id))
        .await?;
    // A therapist reads only their visits (entered by them or naming their provider);
    // any other is "not found", audited as refused.
    ops::check_visit_read(&state, &user, visit.as_ref(), id, "/api/v1/visits/{id}").await?;
    let visit = visit.ok_or(AppError::NotFound)?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "visit", "/api/v1/visits/{id}")
            .on(id)
            .patient(visit.patient_id),
    )
    .await?;
    json(&visit)
}

/// `POST /api/v1/visits`: records the visit, then codes, scrubs and prices it into a
/// claim; answers with the stored outcome and the explanation.
async fn add_visit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Visits)?;
    let visit: otbill_store::records::Visit = body_json(&body)?;
    ops::check_visit_scope(&state, &user, &visit, "/api/v1/visits").await?;
    let posted = ops::post_visit(&state, &user, visit).await?;
    log(
        &state,
        &user,
        Entry::new(Action::Create, "visit", "/api/v1/visits")
            .on(posted.visit_id)
            .patient(posted.patient_id),
    )
    .await?;
    created(&posted)
}

#[derive(Deserialize)]
struct ClaimFilter {
    status: Option<String>,
    payer: Option<String>,
}

async fn list_claims(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(f): Query<ClaimFilter>,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let rows = state
        .ledger
        .run(&user.username, move |s| {
            s.claim_list(f.status.as_deref(), f.payer.as_deref())
        })
        .await?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "claim_list", "/api/v1/claims"),
    )
    .await?;
    json(&rows)
}

async fn get_claim(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let view = ops::claim_page(&state, &user, id).await?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "claim", "/api/v1/claims/{id}")
            .on(id)
            .patient(view.patient_id),
    )
    .await?;
    json(&view)
}

async fn list_batches(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let rows = state.ledger.run(&user.username, |s| s.batches()).await?;
    let list: Vec<_> = rows
        .into_iter()
        .map(|(id, st, file, n)| serde_json::json!({"id": id, "state": st, "file_name": file, "claims": n}))
        .collect();
    json(&list)
}

async fn build_batches(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let outbox = state.config.outbox.clone();
    let res = state
        .ledger
        .run(&user.username, move |s| s.build_batches(&outbox, 5000))
        .await?;
    log(
        &state,
        &user,
        Entry::new(Action::Update, "batch", "/api/v1/batches"),
    )
    .await?;
    created(&res)
}

/// `GET /api/v1/batches/{id}/837`: the 837P file as written to the outbox.
async fn download_batch(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let (name, bytes) = ops::batch_file(&state, &user, id).await?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "batch", "/api/v1/batches/{id}/837").on(id),
    )
    .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/edi-x12".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct FileQuery {
    /// Name recorded with the posting.
    name: Option<String>,
}

/// `POST /api/v1/remittances`: the raw 835 as the body; posts it exactly once.
async fn post_remittance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let name = q.name.unwrap_or_else(|| "upload.835".into());
    let out = ops::post_835(&state, &user, body.to_vec(), name).await?;
    log(
        &state,
        &user,
        Entry::new(Action::Update, "remittance", "/api/v1/remittances"),
    )
    .await?;
    json(&out)
}

/// `POST /api/v1/acks`: a raw 999 or 277CA as the body.
async fn post_ack(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let name = q.name.unwrap_or_else(|| "upload.999".into());
    let bytes = body.to_vec();
    let out = state
        .ledger
        .run(&user.username, move |s| s.apply_ack(&bytes, &name))
        .await?;
    log(
        &state,
        &user,
        Entry::new(Action::Update, "acknowledgment", "/api/v1/acks"),
    )
    .await?;
    json(&out)
}

async fn denials(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let items = ops::denials(&state).await?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "denials", "/api/v1/denials"),
    )
    .await?;
    json(&items)
}

async fn report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
) -> AppResult<Response> {
    user.require(Perm::Billing)?;
    let value = ops::report(&state, &user, &name).await?;
    log(
        &state,
        &user,
        Entry::new(Action::Read, "report", "/api/v1/reports/{name}"),
    )
    .await?;
    json(&value)
}
