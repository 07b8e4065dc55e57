//! The practice's settings over JSON (admin only): `GET`/`PUT /api/v1/practice`,
//! `GET`/`POST /api/v1/providers`, `GET`/`PUT /api/v1/providers/{id}`,
//! `POST /api/v1/providers/{id}/deactivate` and `/reactivate`, and the same for
//! `/api/v1/payers`.
//!
//! Bodies are the store's `Practice`, `Provider` and `Payer` JSON (unknown fields refused);
//! a `PUT` replaces the record whole with the checks of a `POST` and never changes the
//! active flag, which only `deactivate` and `reactivate` do. Lists and single records are
//! answered with the row `id` and `active` beside the record's fields.
//! The role check, the store call and the audit entry live in [`crate::settings`], which
//! the admin page shares; these handlers only parse and answer.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;

use super::{body_json, json};
use crate::auth::{ApiUser, Perm, Principal};
use crate::error::AppResult;
use crate::{settings, AppState};

const PRACTICE: &str = "/api/v1/practice";
const PROVIDERS: &str = "/api/v1/providers";
const PAYERS: &str = "/api/v1/payers";
const PROVIDER: &str = "/api/v1/providers/{id}";
const PROVIDER_DEACTIVATE: &str = "/api/v1/providers/{id}/deactivate";
const PROVIDER_REACTIVATE: &str = "/api/v1/providers/{id}/reactivate";
const PAYER: &str = "/api/v1/payers/{id}";
const PAYER_DEACTIVATE: &str = "/api/v1/payers/{id}/deactivate";
const PAYER_REACTIVATE: &str = "/api/v1/payers/{id}/reactivate";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PRACTICE, get(get_practice).put(put_practice))
        .route(PROVIDERS, get(list_providers).post(add_provider))
        .route(PAYERS, get(list_payers).post(add_payer))
        .route(PROVIDER, get(get_provider).put(put_provider))
        .route(PROVIDER_DEACTIVATE, post(toggle::<false, false>))
        .route(PROVIDER_REACTIVATE, post(toggle::<false, true>))
        .route(PAYER, get(get_payer).put(put_payer))
        .route(PAYER_DEACTIVATE, post(toggle::<true, false>))
        .route(PAYER_REACTIVATE, post(toggle::<true, true>))
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

async fn get_provider(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    json(&settings::provider(&state, &user, PROVIDER, id).await?)
}

/// `PUT /api/v1/providers/{id}`: corrects the provider; answers with it as stored.
async fn put_provider(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let p = admin_body(&user, &body)?;
    json(&settings::update_provider(&state, &user, PROVIDER, id, p).await?)
}

async fn get_payer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    json(&settings::payer(&state, &user, PAYER, id).await?)
}

/// `PUT /api/v1/payers/{id}`: corrects the payer; answers with it as stored.
async fn put_payer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let p = admin_body(&user, &body)?;
    json(&settings::update_payer(&state, &user, PAYER, id, p).await?)
}

/// `POST /api/v1/{providers|payers}/{id}/{deactivate|reactivate}` (`PAYER` picks payers):
/// sets the active flag; answers with the record as stored.
async fn toggle<const PAYER: bool, const ACTIVE: bool>(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let route = match (PAYER, ACTIVE) {
        (false, false) => PROVIDER_DEACTIVATE,
        (false, true) => PROVIDER_REACTIVATE,
        (true, false) => PAYER_DEACTIVATE,
        (true, true) => PAYER_REACTIVATE,
    };
    if PAYER {
        json(&settings::set_payer_active(&state, &user, route, id, ACTIVE).await?)
    } else {
        json(&settings::set_provider_active(&state, &user, route, id, ACTIVE).await?)
    }
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
            (super::PROVIDER, "get"),
            (super::PROVIDER, "put"),
            (super::PROVIDER_DEACTIVATE, "post"),
            (super::PROVIDER_REACTIVATE, "post"),
            (super::PAYER, "get"),
            (super::PAYER, "put"),
            (super::PAYER_DEACTIVATE, "post"),
            (super::PAYER_REACTIVATE, "post"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
        for schema in [
            "Practice",
            "Address",
            "Provider",
            "Payer",
            "ProviderEntry",
            "PayerEntry",
        ] {
            assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
        }
    }
}
