//! A patient's account and payments over JSON: `GET /api/v1/patients/{id}/account` (the
//! account ledger with its running balance, per-claim balances, payments, credit) and
//! `POST /api/v1/patients/{id}/payments` (billers: `{received_on, amount, method,
//! reference, claim_id, visit_id, note}`, applied at once). The steps are in
//! [`crate::payments`].

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{body_json, json};
use crate::auth::ApiUser;
use crate::error::AppResult;
use crate::{ops, payments, AppState};

const ACCOUNT: &str = "/api/v1/patients/{id}/account";
const PAYMENTS: &str = "/api/v1/patients/{id}/payments";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ACCOUNT, get(account))
        .route(PAYMENTS, post(pay))
}

async fn account(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    ops::check_patient_scope(&state, &user, id, ACCOUNT).await?;
    json(&payments::account(&state, &user, ACCOUNT, id).await?)
}

/// The body: a payment without its patient (the path names it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    received_on: chrono::NaiveDate,
    amount: rust_decimal::Decimal,
    method: otbill_store::patient_accounts::PaymentMethod,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    claim_id: Option<i64>,
    #[serde(default)]
    visit_id: Option<i64>,
    #[serde(default)]
    note: Option<String>,
}

async fn pay(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    user.require(crate::auth::Perm::Billing)?;
    let b: PaymentBody = body_json(&body)?;
    let payment = otbill_store::patient_accounts::NewPayment {
        patient_id: id,
        received_on: b.received_on,
        amount: b.amount,
        method: b.method,
        reference: b.reference,
        claim_id: b.claim_id,
        visit_id: b.visit_id,
        note: b.note,
    };
    let out = payments::record(&state, &user, PAYMENTS, payment).await?;
    Ok((StatusCode::CREATED, json(&out)?).into_response())
}
