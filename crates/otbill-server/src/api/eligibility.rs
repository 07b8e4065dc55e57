//! Eligibility and payer rules over JSON:
//! `POST /api/v1/eligibility/requests` (a 270 into the outbox), `POST
//! /api/v1/eligibility/responses` (a raw 271 posted), `GET /api/v1/patients/{id}/benefits`,
//! `POST /api/v1/visits/preview` (a visit scrubbed as its claim would be, with the share
//! estimate), and `GET`/`POST /api/v1/payers/{id}/rules`. The steps are in
//! [`crate::eligibility`].

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{body_json, json};
use crate::auth::ApiUser;
use crate::eligibility as elig;
use crate::error::AppResult;
use crate::{ops, AppState};

const REQUESTS: &str = "/api/v1/eligibility/requests";
const RESPONSES: &str = "/api/v1/eligibility/responses";
const BENEFITS: &str = "/api/v1/patients/{id}/benefits";
const PREVIEW: &str = "/api/v1/visits/preview";
const RULES: &str = "/api/v1/payers/{id}/rules";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(REQUESTS, post(request))
        .route(RESPONSES, post(respond))
        .route(BENEFITS, get(benefits))
        .route(PREVIEW, post(preview))
        .route(RULES, get(get_rules).post(set_rules))
}

/// `POST /api/v1/eligibility/requests` (billers): `{"accounts": [...]}` or `{"all": true}`,
/// with optional `date`, `rank`, `service_types`; answers with the file and the checks.
async fn request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    let body: elig::RequestBody = body_json(&body)?;
    let out = elig::request(&state, &user, REQUESTS, body).await?;
    Ok((StatusCode::CREATED, json(&out)?).into_response())
}

/// `POST /api/v1/eligibility/responses` (billers): the 271 file as the body.
async fn respond(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    json(&elig::post_271(&state, &user, RESPONSES, body.to_vec()).await?)
}

#[derive(Deserialize)]
struct DateQuery {
    #[serde(default)]
    date: Option<NaiveDate>,
}

/// `GET /api/v1/patients/{id}/benefits[?date=]`: the latest stored benefits.
async fn benefits(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<DateQuery>,
) -> AppResult<Response> {
    ops::check_patient_scope(&state, &user, id, BENEFITS).await?;
    let view = elig::benefits(&state, &user, id, q.date.unwrap_or_else(crate::today)).await?;
    json(&view)
}

/// `POST /api/v1/visits/preview`: a visit (as `POST /api/v1/visits` takes it) scrubbed
/// with its patient's payer rules and episode; nothing is stored.
async fn preview(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    let visit = body_json(&body)?;
    json(&elig::preview(&state, &user, PREVIEW, visit).await?)
}

/// `GET /api/v1/payers/{id}/rules[?date=]` (admins, billers).
async fn get_rules(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<DateQuery>,
) -> AppResult<Response> {
    json(
        &elig::rules_of(
            &state,
            &user,
            RULES,
            id,
            q.date.unwrap_or_else(crate::today),
        )
        .await?,
    )
}

/// `POST /api/v1/payers/{id}/rules` (admins): `{"effective", "rules", "note"}`.
async fn set_rules(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    user.require(crate::auth::Perm::Admin)?;
    let body: elig::RulesBody = body_json(&body)?;
    let id = elig::set_rules(&state, &user, RULES, id, body).await?;
    Ok((StatusCode::CREATED, json(&serde_json::json!({ "id": id }))?).into_response())
}
