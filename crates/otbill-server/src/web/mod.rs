//! The web app: server-rendered HTML from the same binary, no front-end build.
//!
//! Pages are plain `format!` strings; every value that comes from data goes through
//! [`esc`]. Sessions are the cookie of [`crate::auth`]; every POST form carries the
//! session's CSRF token in a hidden `csrf` field and is read through [`WebForm`], which
//! refuses the post when the token is missing or wrong, so no form handler can forget.
//! The sign-in form, which has no session yet, uses a double-submit cookie instead.
//!
//! Responses carry a strict Content-Security-Policy (scripts only from `/static/`), so the
//! one script, the live coding preview of the visit form, is served as a file.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::auth::{self, Perm, Principal, Via};
use crate::error::AppError;
use crate::AppState;

mod account;
mod admin;
mod billing;
mod charts;
mod clinical;
mod coverage;
mod denials;
mod eligibility;
mod payer_rules;
mod practice;
mod practices;

/// Routes of the web app.
pub fn routes() -> Router<AppState> {
    let r = Router::new()
        .route("/", get(home))
        .route("/static/app.css", get(css))
        .route("/static/visit.js", get(visit_js))
        .route("/static/era.js", get(era_js))
        .merge(admin::routes());
    let r = r
        .merge(clinical::routes())
        .merge(billing::routes())
        .merge(denials::routes())
        .merge(practice::routes())
        .merge(practices::routes())
        .merge(coverage::routes())
        .merge(eligibility::routes())
        .merge(account::routes());
    r.layer(axum::middleware::from_fn(security_headers))
}

async fn security_headers(req: Request, next: axum::middleware::Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, "content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'");
    set(h, "x-frame-options", "DENY");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cache-control", "no-store");
    res
}

async fn home(user: WebUser) -> Response {
    let to = match user.0.role {
        auth::Role::Therapist => "/visits/new",
        auth::Role::Biller => "/dashboard",
        auth::Role::Admin => "/admin",
    };
    Redirect::to(to).into_response()
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css")],
        include_str!("app.css"),
    )
        .into_response()
}

async fn visit_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript")],
        include_str!("visit.js"),
    )
        .into_response()
}

async fn era_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript")],
        include_str!("era.js"),
    )
        .into_response()
}

/// HTML-escapes text for element content and quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A full page around `body`, with the navigation the user's role allows.
pub fn page(title: &str, user: Option<&Principal>, body: &str) -> Html<String> {
    let nav = match user {
        None => String::new(),
        Some(u) => {
            let mut links = Vec::new();
            if Perm::Visits.allows(u.role) {
                links.push(("/visits/new", "Enter visit"));
                links.push(("/visits", "My visits"));
            }
            if Perm::PatientRead.allows(u.role) {
                links.push(("/patients", "Patients"));
            }
            if Perm::Billing.allows(u.role) {
                links.push(("/dashboard", "Dashboard"));
                links.push(("/claims", "Claims"));
                links.push(("/era", "ERA upload"));
                links.push(("/eligibility", "Eligibility"));
                links.push(("/denials", "Denials"));
            }
            if Perm::Admin.allows(u.role) {
                links.push(("/admin", "Users"));
                links.push(("/admin/practice", "Practice"));
                links.push(("/admin/audit", "Audit log"));
            }
            let links: String = links
                .iter()
                .map(|(href, label)| format!("<a href=\"{href}\">{label}</a>"))
                .collect();
            let practice = practices::nav_part(u);
            format!(
                "<nav><span class=\"brand\">otbill</span>{practice}{links}<form method=\"post\" action=\"/logout\" class=\"logout\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\"><span>{} ({})</span> <button>Sign out</button></form></nav>",
                esc(u.csrf()),
                esc(&u.username),
                u.role.as_str()
            )
        }
    };
    let csrf = user.map(|u| esc(u.csrf())).unwrap_or_default();
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"csrf-token\" content=\"{csrf}\"><title>{} · otbill</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body>{nav}<main><h1>{}</h1>{body}</main></body></html>",
        esc(title),
        esc(title)
    ))
}

/// A page with a status.
pub fn page_status(
    status: StatusCode,
    title: &str,
    user: Option<&Principal>,
    body: &str,
) -> Response {
    (status, page(title, user, body)).into_response()
}

/// Why a web request was refused, as a page (or a redirect to sign in).
#[derive(Debug)]
pub struct WebError(pub AppError, pub Option<Box<Principal>>);

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError(e, None)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, _) = self.0.status_code();
        match self.0 {
            AppError::Unauthenticated => Redirect::to("/login").into_response(),
            AppError::Internal(_) => {
                // Keep the cause for the request log, show a page.
                let mut res = self.0.into_response();
                let cause = res.extensions_mut().remove::<crate::error::InternalCause>();
                let mut page = page_status(
                    status,
                    "Something went wrong",
                    self.1.as_deref(),
                    "<p>The error has been logged.</p>",
                );
                if let Some(c) = cause {
                    page.extensions_mut().insert(c);
                }
                let _ = res;
                page
            }
            other => {
                let field = match &other {
                    AppError::BadRequest { field: Some(f), .. } => {
                        format!(" <span class=\"field\">({})</span>", esc(f))
                    }
                    _ => String::new(),
                };
                let body = format!(
                    "<p class=\"error\">{}{field}</p><p><a href=\"javascript:history.back()\">Back</a></p>",
                    esc(&other.public_message())
                );
                page_status(status, "Not possible", self.1.as_deref(), &body)
            }
        }
    }
}

/// Web result.
pub type WebResult = Result<Response, WebError>;

/// The signed-in user of a page (session cookie only; API tokens do not open pages).
#[derive(Clone, Debug)]
pub struct WebUser(pub Principal);

impl WebUser {
    /// Refuses with a 403 page unless the role holds `perm`.
    pub fn require(&self, perm: Perm) -> Result<(), WebError> {
        self.0
            .require(perm)
            .map_err(|e| WebError(e, Some(Box::new(self.0.clone()))))
    }

    /// Wraps an error with this user, for the page's navigation.
    pub fn err(&self, e: impl Into<AppError>) -> WebError {
        WebError(e.into(), Some(Box::new(self.0.clone())))
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Err(AppError::Unauthenticated.into());
        }
        let p = auth::authenticate(parts, state).await?;
        Ok(WebUser(p))
    }
}

/// A POST form from a signed-in user whose `csrf` field matched the session's token.
pub struct WebForm<T> {
    /// Who posted.
    pub user: WebUser,
    /// The form.
    pub form: T,
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for WebForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let user = WebUser::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| user.err(AppError::TooLarge))?;
        let sent: CsrfField = serde_urlencoded::from_bytes(&bytes).unwrap_or(CsrfField {
            csrf: String::new(),
        });
        let ok = match &user.0.via {
            Via::Session { csrf } => auth::constant_eq(&sent.csrf, csrf),
            Via::Token => false,
        };
        if !ok {
            return Err(user.err(AppError::Csrf));
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            user.err(AppError::BadRequest {
                field: None,
                message: format!("the form is incomplete: {e}"),
            })
        })?;
        Ok(WebForm { user, form })
    }
}

/// A hidden CSRF field for a form.
pub fn csrf_field(user: &Principal) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(user.csrf())
    )
}

/// Money for people.
pub fn money(d: rust_decimal::Decimal) -> String {
    let d = d.round_dp(2);
    if d.is_sign_negative() && !d.is_zero() {
        format!("-${:.2}", d.abs())
    } else {
        format!("${:.2}", d.abs())
    }
}
