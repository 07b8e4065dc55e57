//! The JSON API under `/api/v1/`, plus `GET /health`.
//!
//! Every route but `/health`, `/api/v1/openapi.json` and `POST /api/v1/session` needs an
//! API token (`Authorization: Bearer …`) or a session cookie; cookie-authenticated writes
//! also need `X-CSRF-Token`. Errors use the one shape of [`crate::error`].

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use otbill_core::{code_visit, InputError, Visit, VisitInput};
use otbill_scrub::scrub::{scrub, ClaimOptions, Engine, ScrubInput};
use serde::Deserialize;

use crate::auth::{ApiUser, Perm};
use crate::error::{AppError, AppResult};
use crate::AppState;

pub mod admin;
pub mod coverage;
pub mod eligibility;
pub mod payments;
pub mod practices;
pub mod records;
pub mod settings;

/// The hand-written OpenAPI 3.1 document.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Routes of the JSON API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/visits/code", post(code))
        .merge(admin::routes())
        .merge(practices::routes())
        .merge(ledger_routes())
}

fn ledger_routes() -> Router<AppState> {
    records::routes()
        .merge(settings::routes())
        .merge(coverage::routes())
        .merge(eligibility::routes())
        .merge(payments::routes())
}

async fn health() -> Response {
    json_bytes(br#"{"status":"ok"}"#.to_vec())
}

async fn openapi() -> Response {
    json_bytes(OPENAPI.as_bytes().to_vec())
}

/// A pre-serialized JSON body.
pub fn json_bytes(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Serializes a value as a JSON response.
pub fn json<T: serde::Serialize>(value: &T) -> AppResult<Response> {
    let body = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.into()))?;
    Ok(json_bytes(body))
}

#[derive(Deserialize)]
struct CodeQuery {
    /// Also scrub and price the visit.
    #[serde(default)]
    scrub: bool,
}

/// `POST /api/v1/visits/code`: the JSON of `otbill code` in, the coded visit out; with
/// `?scrub=true`, the `otbill scrub` result (edits, price, KX) instead. The body may then
/// also be a full scrub request (`{"visit": …, "episode": …, "claim": …}`).
async fn code(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<CodeQuery>,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Code)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::field("(document)", "the body is not UTF-8"))?;
    let rules = &state.rules;
    if q.scrub {
        let scrubbed = scrub_text(&state, text)?;
        return json(&scrubbed);
    }
    let input = parse_visit(text)?;
    let visit = Visit::resolve(&input, &rules.catalog, &rules.payers)?;
    json(&code_visit(&visit))
}

/// Scrubs a bare visit or a full scrub request, filing today when no date is given.
pub fn scrub_text(state: &AppState, text: &str) -> AppResult<otbill_scrub::scrub::Scrubbed> {
    let rules = &state.rules;
    let engine = Engine {
        catalog: &rules.catalog,
        payers: &rules.payers,
        rules: &rules.rules,
    };
    let is_request = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .map(|m| m.contains_key("visit"))
        .unwrap_or(false);
    let mut input: ScrubInput<'_> = if is_request {
        otbill_core::parse_json(text)?
    } else {
        ScrubInput {
            visit: parse_visit(text)?,
            episode: Default::default(),
            claim: ClaimOptions::default(),
            payer_rules: None,
        }
    };
    input.claim.filing_date.get_or_insert_with(crate::today);
    Ok(scrub(&engine, &input)?)
}

/// Parses the visit JSON; on failure, names the field.
pub fn parse_visit(text: &str) -> Result<VisitInput<'_>, InputError> {
    otbill_core::parse_json(text)
}

/// A JSON body parsed into `T`, with errors naming the field.
pub fn body_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::field("(document)", "the body is not UTF-8"))?;
    Ok(otbill_core::parse_json(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_is_json_and_lists_the_coding_endpoint() {
        let v: serde_json::Value =
            serde_json::from_str(OPENAPI).unwrap_or_else(|e| panic!("openapi.json: {e}"));
        assert_eq!(v["openapi"].as_str().map(|s| &s[..2]), Some("3."));
        assert!(v["paths"]["/api/v1/visits/code"]["post"].is_object());
    }

    #[test]
    fn path_errors_name_the_field() {
        let e = parse_visit(
            r#"{"date": "2026-03-02", "payer": "medicare", "services": [{"code": "97110", "minutes": "x"}]}"#,
        )
        .err();
        assert_eq!(e.map(|e| e.field).as_deref(), Some("services[0].minutes"));
        let e = parse_visit(r#"{"payer": "medicare", "services": []}"#).err();
        assert_eq!(e.map(|e| e.field).as_deref(), Some("date"));
    }
}
