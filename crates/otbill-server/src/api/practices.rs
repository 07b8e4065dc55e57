//! The practices of a deployment over JSON: which the caller belongs to, switching a
//! session's practice, an admin creating a practice or adding a member (the rules are in
//! [`crate::practices`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;

use super::{body_json, json};
use crate::auth::{self, ApiUser, Perm, Role};
use crate::error::AppResult;
use crate::{practices, AppState};

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/practices", get(list).post(create))
        .route("/api/v1/session/practice", put(switch))
        .route("/api/v1/members", post(add_member))
}

/// `GET /api/v1/practices`: the caller's practices, with their role in each and which one
/// this request acts in.
async fn list(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Response> {
    let list = practices::mine(&state, &user).await?;
    let out: Vec<serde_json::Value> = list
        .iter()
        .map(|m| {
            serde_json::json!({
                "id": m.practice.id, "code": m.practice.code, "name": m.practice.name,
                "role": m.role, "current": m.practice.id == user.practice_id,
            })
        })
        .collect();
    json(&out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Switch {
    practice_id: i64,
}

/// `PUT /api/v1/session/practice`: moves the session to another of the user's practices.
async fn switch(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let to: Switch = body_json(&body)?;
    let token = auth::cookie(&headers, auth::SESSION_COOKIE).map(str::to_owned);
    practices::switch(&state, &user, token, to.practice_id).await?;
    json(&serde_json::json!({ "practice_id": to.practice_id }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPractice {
    code: String,
    name: String,
}

/// `POST /api/v1/practices`: an admin creates a practice and becomes its admin.
async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Admin)?;
    let new: NewPractice = body_json(&body)?;
    let id = practices::create(&state, &user, "/api/v1/practices", new.code, new.name).await?;
    let mut res = json(&serde_json::json!({ "id": id }))?;
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMember {
    username: String,
    role: Role,
}

/// `POST /api/v1/members`: an admin makes an existing user a member of their current
/// practice with a role (or changes it).
async fn add_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> AppResult<Response> {
    user.require(Perm::Admin)?;
    let new: NewMember = body_json(&body)?;
    let id =
        practices::add_member(&state, &user, "/api/v1/members", new.username, new.role).await?;
    json(&serde_json::json!({ "user_id": id, "role": new.role }))
}
