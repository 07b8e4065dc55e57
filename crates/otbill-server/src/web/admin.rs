//! Sign-in and sign-out, and the admin's pages: users (with their rendering provider link),
//! API tokens, the audit log.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{csrf_field, esc, page, page_status, WebForm, WebResult, WebUser};
use crate::auth::{self, Perm, Role};
use crate::error::AppError;
use crate::AppState;

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/admin", get(admin_page))
        .route("/admin/users", axum::routing::post(create_user))
        .route("/admin/tokens", axum::routing::post(create_token))
        .route("/admin/audit", get(audit_page))
        .route(
            "/admin/users/{id}/provider",
            axum::routing::post(link_provider),
        )
}

fn login_form(csrf: &str, message: Option<&str>) -> String {
    let msg = message.map_or(String::new(), |m| {
        format!("<p class=\"error\">{}</p>", esc(m))
    });
    format!(
        "{msg}<form method=\"post\" action=\"/login\" class=\"card narrow\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>User name <input name=\"username\" autocomplete=\"username\" required autofocus></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Sign in</button></form>",
        esc(csrf)
    )
}

fn with_login_cookie(mut res: Response, token: &str, secure: bool) -> Response {
    let cookie = format!(
        "{}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        auth::LOGIN_CSRF_COOKIE,
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = cookie.parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn login_page(State(state): State<AppState>) -> Response {
    let token = auth::random_token();
    let res = page("Sign in", None, &login_form(&token, None)).into_response();
    with_login_cookie(res, &token, state.config.secure_cookies)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form: LoginForm = serde_urlencoded::from_bytes(&body).unwrap_or(LoginForm {
        csrf: String::new(),
        username: String::new(),
        password: String::new(),
    });
    let fresh = auth::random_token();
    let secure = state.config.secure_cookies;
    let again = |status: StatusCode, msg: &str| {
        let res = page_status(status, "Sign in", None, &login_form(&fresh, Some(msg)));
        with_login_cookie(res, &fresh, secure)
    };
    let cookie = auth::cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie.is_empty() || !auth::constant_eq(cookie, &form.csrf) {
        return again(
            StatusCode::FORBIDDEN,
            "The form expired; please sign in again.",
        );
    }
    match auth::sign_in(&state.ledger, form.username, form.password).await {
        Ok(s) => {
            let mut res = Redirect::to("/").into_response();
            if let Ok(v) = auth::session_cookie(&s.token, secure).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            if let Ok(v) = auth::clear_cookie(auth::LOGIN_CSRF_COOKIE, secure).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(AppError::Throttled(_)) => again(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins for this user; try again in 15 minutes.",
        ),
        Err(AppError::BadRequest { .. }) => {
            again(StatusCode::BAD_REQUEST, "Wrong user name or password.")
        }
        Err(e) => super::WebError(e, None).into_response(),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn logout(State(state): State<AppState>, headers: HeaderMap, f: WebForm<Empty>) -> WebResult {
    let _ = f.form;
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        auth::sign_out(&state.ledger, token.to_owned())
            .await
            .map_err(|e| f.user.err(e))?;
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = auth::clear_cookie(auth::SESSION_COOKIE, state.config.secure_cookies).parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn admin_page(State(state): State<AppState>, user: WebUser) -> WebResult {
    user.require(Perm::Admin)?;
    Ok(admin_body(&state, &user, None).await?.into_response())
}

async fn admin_body(
    state: &AppState,
    user: &WebUser,
    note: Option<String>,
) -> Result<Response, super::WebError> {
    let rows = user_rows(state, user).await?;
    let csrf = csrf_field(&user.0);
    let note = note.unwrap_or_default();
    let body = format!(
        "{note}<table id=\"users\"><tr><th>User</th><th>Role</th><th>State</th><th>Created</th>\
         <th>Rendering provider</th></tr>{rows}</table>\
         <h2>New user</h2><form method=\"post\" action=\"/admin/users\" class=\"card\">{csrf}\
         <label>User name <input name=\"username\" required></label>\
         <label>Role <select name=\"role\"><option>therapist</option><option>biller</option><option>admin</option></select></label>\
         <label>Password (10+ characters) <input name=\"password\" type=\"password\" required minlength=\"10\"></label>\
         <button>Create</button></form>\
         <h2>API token for an EMR</h2><form method=\"post\" action=\"/admin/tokens\" class=\"card\">{csrf}\
         <label>Acts as user <input name=\"username\" required></label>\
         <label>Label <input name=\"label\" required></label><button>Issue token</button></form>{}",
        super::practices::admin_forms(&csrf)
    );
    Ok(page("Users", Some(&user.0), &body).into_response())
}

fn user_row(u: &auth::UserInfo, provider: &str) -> String {
    format!(
        "<tr data-user=\"{0}\"><td>{0}</td><td>{1}</td><td>{2}</td><td>{3}</td><td>{provider}</td></tr>",
        esc(&u.username),
        u.role.as_str(),
        if u.active { "active" } else { "disabled" },
        esc(&u.created_at)
    )
}

/// The users table's rows; a therapist's row shows their rendering provider and a form to
/// change it.
async fn user_rows(state: &AppState, user: &WebUser) -> Result<String, super::WebError> {
    let (users, linkable) = crate::users::list(state, &user.0)
        .await
        .map_err(|e| user.err(e))?;
    let csrf = csrf_field(&user.0);
    Ok(users
        .iter()
        .map(|u| {
            let shown = match (&u.provider_npi, &u.provider_name) {
                (Some(npi), Some(name)) => {
                    format!("<span class=\"linked\">{} ({})</span>", esc(name), esc(npi))
                }
                _ => "<span class=\"muted\">none</span>".to_owned(),
            };
            if u.user.role != Role::Therapist {
                return user_row(&u.user, &shown);
            }
            let opts: String = linkable
                .iter()
                .map(|(npi, name)| {
                    let sel = if u.provider_npi.as_deref() == Some(npi.as_str()) {
                        " selected"
                    } else {
                        ""
                    };
                    format!(
                        "<option value=\"{}\"{sel}>{} ({})</option>",
                        esc(npi),
                        esc(name),
                        esc(npi)
                    )
                })
                .collect();
            let form = format!(
                "{shown} <form method=\"post\" action=\"/admin/users/{}/provider\" class=\"inline\">{csrf}\
                 <select name=\"provider_npi\" aria-label=\"Rendering provider of {}\">\
                 <option value=\"\">none</option>{opts}</select><button>Link</button></form>",
                u.user.id,
                esc(&u.user.username)
            );
            user_row(&u.user, &form)
        })
        .collect())
}

#[derive(Deserialize)]
struct ProviderLink {
    /// Empty unlinks.
    provider_npi: String,
}

/// Links a therapist to a rendering provider (the checks are [`crate::users::link`]'s).
async fn link_provider(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    f: WebForm<ProviderLink>,
) -> WebResult {
    let user = f.user;
    let linked = crate::users::link(
        &state,
        &user.0,
        "/admin/users/{id}/provider",
        id,
        Some(f.form.provider_npi),
    )
    .await
    .map_err(|e| user.err(e))?;
    let note = match &linked.provider_npi {
        Some(npi) => format!(
            "<p class=\"ok\">Linked {} to {}.</p>",
            esc(&linked.user.username),
            esc(npi)
        ),
        None => format!(
            "<p class=\"ok\">{} has no rendering provider.</p>",
            esc(&linked.user.username)
        ),
    };
    admin_body(&state, &user, Some(note)).await
}

#[derive(Deserialize)]
struct NewUser {
    username: String,
    role: Role,
    password: String,
}

async fn create_user(State(state): State<AppState>, f: WebForm<NewUser>) -> WebResult {
    let user = f.user;
    let new = f.form;
    auth::admin_create_user(
        &state.ledger,
        &user.0,
        "/admin/users",
        new.username.clone(),
        new.role,
        new.password,
    )
    .await
    .map_err(|e| user.err(e))?;
    let note = format!("<p class=\"ok\">Created {}.</p>", esc(&new.username));
    admin_body(&state, &user, Some(note)).await
}

#[derive(Deserialize)]
struct NewToken {
    username: String,
    label: String,
}

async fn create_token(State(state): State<AppState>, f: WebForm<NewToken>) -> WebResult {
    let user = f.user;
    let NewToken { username, label } = f.form;
    let issued = auth::admin_issue_token(&state.ledger, &user.0, "/admin/tokens", username, label)
        .await
        .map_err(|e| user.err(e))?;
    let note = format!(
        "<p class=\"ok\">Token {} issued. Copy it now; it is not shown again:</p><pre class=\"token\">{}</pre>",
        issued.0,
        esc(&issued.1)
    );
    admin_body(&state, &user, Some(note)).await
}

#[derive(Deserialize)]
struct AuditQuery {
    patient_id: Option<i64>,
}

async fn audit_page(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<AuditQuery>,
) -> WebResult {
    user.require(Perm::Admin)?;
    let entries = crate::audit::list(&state.ledger, q.patient_id, 500)
        .await
        .map_err(|e| user.err(e))?;
    let rows: String = entries
        .iter()
        .map(|e| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&e.at),
                esc(&e.username),
                esc(&e.action),
                esc(&e.resource),
                esc(e.resource_id.as_deref().unwrap_or("")),
                e.patient_id.map_or(String::new(), |p| p.to_string()),
                esc(&e.route)
            )
        })
        .collect();
    let body = format!(
        "<p>Append-only: who read or changed which patient's records, and who created users and API tokens, revoked tokens or linked users to providers, newest first.</p>\
         <form method=\"get\" class=\"filters\"><label>Patient id <input name=\"patient_id\" type=\"number\"></label><button>Filter</button></form>\
         <table id=\"audit\"><tr><th>When (UTC)</th><th>Who</th><th>Action</th><th>Record</th><th>Id</th><th>Patient</th><th>Route</th></tr>{rows}</table>"
    );
    Ok(page("Audit log", Some(&user.0), &body).into_response())
}
