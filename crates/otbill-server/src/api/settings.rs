//! The practice's settings over JSON (admin only): `GET`/`PUT /api/v1/practice`,
//! `GET`/`POST /api/v1/providers`, `GET`/`POST /api/v1/payers`.
//!
//! Bodies are the store's `Practice`, `Provider` and `Payer` JSON (unknown fields refused).
//! The role check, the store call and the audit entry live in [`crate::settings`], which
//! the admin page shares; these handlers only parse and answer.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::de::DeserializeOwned;

use super::{body_json, json};
use crate::auth::{ApiUser, Perm, Principal};
use crate::error::AppResult;
use crate::{settings, AppState};

const PRACTICE: &str = "/api/v1/practice";
const PROVIDERS: &str = "/api/v1/providers";
const PAYERS: &str = "/api/v1/payers";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PRACTICE, get(get_practice).put(put_practice))
        .route(PROVIDERS, get(list_providers).post(add_provider))
        .route(PAYERS, get(list_payers).post(add_payer))
}

/// `GET /api/v1/practice`: 404 until the practice is set.
async fn get_practice(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Response> {
    json(&settings::practice(&state, &user, PRACTICE).await?)
}

/// `PUT /api/v1/practice`: replaces the practice whole; answers with it as stored.
async fn put_practice(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    let p = admin_body(&user, &body)?;
    json(&settings::set_practice(&state, &user, PRACTICE, p).await?)
}

async fn list_providers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Response> {
    json(&settings::providers(&state, &user, PROVIDERS).await?)
}

async fn add_provider(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    let p = admin_body(&user, &body)?;
    let id = settings::add_provider(&state, &user, PROVIDERS, p).await?;
    created(id)
}

async fn list_payers(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Response> {
    json(&settings::payers(&state, &user, PAYERS).await?)
}

async fn add_payer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    let p = admin_body(&user, &body)?;
    let id = settings::add_payer(&state, &user, PAYERS, p).await?;
    created(id)
}

/// The body as `T`, for an admin only: a non-admin is refused before the body is read, so
/// a 403 never depends on what was sent.
fn admin_body<T: DeserializeOwned>(user: &Principal, body: &[u8]) -> AppResult<T> {
    user.require(Perm::Admin)?;
    body_json(body)
}

/// `201 Created` with `{"id": ...}`.
fn created(id: i64) -> AppResult<Response> {
    let mut res = json(&serde_json::json!({ "id": id }))?;
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_lists_the_settings_routes() {
        let doc: serde_json::Value =
            serde_json::from_str(super::super::OPENAPI).unwrap_or_else(|e| panic!("{e}"));
        for (path, method) in [
            (super::PRACTICE, "get"),
            (super::PRACTICE, "put"),
            (super::PROVIDERS, "get"),
            (super::PROVIDERS, "post"),
            (super::PAYERS, "get"),
            (super::PAYERS, "post"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
        for schema in ["Practice", "Address", "Provider", "Payer"] {
            assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
        }
    }
}
