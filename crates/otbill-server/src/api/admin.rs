//! Sessions over JSON, and the admin's routes: users (and their rendering provider link,
//! [`crate::users`]), API tokens, the audit log.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde::Deserialize;

use super::{body_json, json};
use crate::auth::{self, ApiUser, Perm, Role};
use crate::error::AppResult;
use crate::AppState;

/// Routes.
pub fn routes() -> Router<AppState> {
    let r = Router::new();
    let r = r.route(
        "/api/v1/users/{id}/provider",
        axum::routing::put(link_provider),
    );
    r.route("/api/v1/session", post(sign_in).delete(sign_out))
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", get(users).post(create_user))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/audit", get(audit_log))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    username: String,
    password: String,
}

/// `POST /api/v1/session`: sets the session cookie and returns the CSRF token that
/// cookie-authenticated writes must send as `X-CSRF-Token`.
async fn sign_in(State(state): State<AppState>, body: Bytes) -> AppResult<Response> {
    let form: SignIn = body_json(&body)?;
    let s = auth::sign_in(&state.ledger, form.username, form.password).await?;
    let mut res = json(&serde_json::json!({ "csrf_token": s.csrf }))?;
    if let Ok(v) = auth::session_cookie(&s.token, state.config.secure_cookies).parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn sign_out(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        auth::sign_out(&state.ledger, token.to_owned()).await?;
    }
    let mut res = axum::http::StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = auth::clear_cookie(auth::SESSION_COOKIE, state.config.secure_cookies).parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn me(ApiUser(user): ApiUser) -> AppResult<Response> {
    json(&serde_json::json!({
        "id": user.user_id, "username": user.username, "role": user.role,
        "practice_id": user.practice_id,
    }))
}

async fn users(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Response> {
    user.require(Perm::Admin)?;
    let list = crate::users::list(&state, &user).await?.0;
    json(&list)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderLink {
    /// `null` unlinks.
    provider_npi: Option<String>,
}

/// `PUT /api/v1/users/{id}/provider`: links the user to an active rendering provider by
/// NPI (`{"provider_npi": null}` unlinks); answers with the user as listed.
async fn link_provider(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Admin)?;
    let link: ProviderLink = body_json(&body)?;
    let route = "/api/v1/users/{id}/provider";
    json(&crate::users::link(&state, &user, route, id, link.provider_npi).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    role: Role,
    password: String,
}

async fn create_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Admin)?;
    let new: NewUser = body_json(&body)?;
    let id = auth::admin_create_user(
        &state.ledger,
        &user,
        "/api/v1/users",
        new.username.clone(),
        new.role,
        new.password,
    )
    .await?;
    let mut res =
        json(&serde_json::json!({ "id": id, "username": new.username, "role": new.role }))?;
    *res.status_mut() = axum::http::StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    username: String,
    label: String,
}

/// `POST /api/v1/tokens`: issues an API token acting as `username`; shown once.
async fn create_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Admin)?;
    let new: NewToken = body_json(&body)?;
    let (id, token) = auth::admin_issue_token(
        &state.ledger,
        &user,
        "/api/v1/tokens",
        new.username,
        new.label,
    )
    .await?;
    let mut res = json(&serde_json::json!({ "id": id, "token": token }))?;
    *res.status_mut() = axum::http::StatusCode::CREATED;
    Ok(res)
}

async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    auth::admin_revoke_token(
        &state.ledger,
        &state.tokens,
        &user,
        "/api/v1/tokens/{id}",
        id,
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct AuditQuery {
    patient_id: Option<i64>,
    limit: Option<i64>,
}

async fn audit_log(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    user.require(Perm::Admin)?;
    let limit = q.limit.unwrap_or(200).clamp(1, 5000);
    let entries = crate::audit::list(&state.ledger, q.patient_id, limit).await?;
    json(&entries)
}
