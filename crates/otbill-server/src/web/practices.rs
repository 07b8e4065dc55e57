//! The practice pages: the navigation's practice switcher posts here, and an admin
//! creates a practice or adds an existing user to theirs from the users page (the rules
//! are in [`crate::practices`]).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use super::{esc, WebForm, WebResult};
use crate::auth::{self, Principal, Role};
use crate::error::AppError;
use crate::AppState;

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/practice", post(switch))
        .route("/admin/practices", post(create))
        .route("/admin/members", post(add_member))
}

/// The navigation's practice: its name, and a switcher when the user has several.
pub fn nav_part(u: &Principal) -> String {
    let name = esc(u.practice_name().unwrap_or(""));
    if u.practices.len() < 2 {
        return format!("<span class=\"practice\" id=\"practice\">{name}</span>");
    }
    let opts: String = u
        .practices
        .iter()
        .map(|m| {
            let sel = if m.practice.id == u.practice_id {
                " selected"
            } else {
                ""
            };
            format!(
                "<option value=\"{}\"{sel}>{}</option>",
                m.practice.id,
                esc(&m.practice.name)
            )
        })
        .collect();
    format!(
        "<form method=\"post\" action=\"/practice\" class=\"practice\" id=\"practice\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <select name=\"practice_id\" aria-label=\"Practice\">{opts}</select>\
         <button>Switch</button></form>",
        esc(u.csrf())
    )
}

#[derive(Deserialize)]
struct Switch {
    practice_id: i64,
}

async fn switch(
    State(state): State<AppState>,
    headers: HeaderMap,
    f: WebForm<Switch>,
) -> WebResult {
    let token = auth::cookie(&headers, auth::SESSION_COOKIE).map(str::to_owned);
    crate::practices::switch(&state, &f.user.0, token, f.form.practice_id)
        .await
        .map_err(|e| f.user.err(e))?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
struct NewPractice {
    code: String,
    name: String,
}

async fn create(State(state): State<AppState>, f: WebForm<NewPractice>) -> WebResult {
    let NewPractice { code, name } = f.form;
    crate::practices::create(&state, &f.user.0, "/admin/practices", code, name)
        .await
        .map_err(|e| f.user.err(e))?;
    Ok(Redirect::to("/admin").into_response())
}

#[derive(Deserialize)]
struct NewMember {
    username: String,
    role: String,
}

async fn add_member(State(state): State<AppState>, f: WebForm<NewMember>) -> WebResult {
    let role = Role::parse(&f.form.role).ok_or_else(|| {
        f.user
            .err(AppError::field("role", "therapist, biller or admin"))
    })?;
    let username = f.form.username.trim().to_owned();
    crate::practices::add_member(&state, &f.user.0, "/admin/members", username, role)
        .await
        .map_err(|e| f.user.err(e))?;
    Ok(Redirect::to("/admin").into_response())
}

/// The users page's forms for practices.
pub fn admin_forms(csrf: &str) -> String {
    format!(
        "<h2>Add a member to this practice</h2><form method=\"post\" action=\"/admin/members\" class=\"card\" id=\"add-member\">{csrf}\
         <label>Existing user name <input name=\"username\" required></label>\
         <label>Role <select name=\"role\"><option>therapist</option><option>biller</option><option>admin</option></select></label>\
         <button>Add member</button></form>\
         <h2>New practice</h2><form method=\"post\" action=\"/admin/practices\" class=\"card\" id=\"new-practice\">{csrf}\
         <label>Code <input name=\"code\" required pattern=\"[a-z0-9-]{{1,30}}\"></label>\
         <label>Name <input name=\"name\" required maxlength=\"60\"></label>\
         <button>Create practice</button></form>"
    )
}
