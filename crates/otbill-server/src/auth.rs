//! Accounts, sign-in sessions, API tokens, roles and sign-in throttling.
//!
//! - Passwords are hashed with argon2id (PHC strings, per-user salt).
//! - A session is a random 256-bit token in an `HttpOnly; SameSite=Strict` cookie (plus
//!   `Secure` unless turned off for plain-HTTP localhost); the database keeps only its
//!   SHA-256 and the session's CSRF token.
//! - API tokens for EMR integrations are random 256-bit tokens sent as
//!   `Authorization: Bearer …`; only their SHA-256 is stored (they are high-entropy, so a
//!   fast hash is the right one). A token acts as the user it was issued to. Valid tokens
//!   are cached in memory for [`TOKEN_CACHE_TTL`], so the hot coding endpoint does not touch
//!   the database; revoking a token clears the cache.
//! - Sign-in is throttled per user name in the database, so several instances on one
//!   PostgreSQL share the count: [`MAX_FAILURES`] failures within [`THROTTLE_WINDOW_SECS`]
//!   lock the name until the window passes.
//!
//! Roles: a therapist codes and enters visits and reads the clinical side of patients; a
//! biller works claims, payments, denials and reports (and reads patients, whose
//! demographics claims carry); an admin manages users, tokens and settings and reads the
//! audit log, but sees no patient records (least privilege).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use anyhow::Context;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{Action, Entry};
use crate::db::{Conn, Db, Value};
use crate::error::AppError;
use crate::AppState;

/// What a user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Enters and codes visits; reads patients' clinical side.
    Therapist,
    /// Claims, payments, denials, reports.
    Biller,
    /// Users, tokens, settings, rule data, the audit log.
    Admin,
}

impl Role {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Therapist => "therapist",
            Role::Biller => "biller",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored role.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "therapist" => Some(Role::Therapist),
            "biller" => Some(Role::Biller),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A permission a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    /// Code a visit without storing it (no PHI involved).
    Code,
    /// Read patients, plans of care.
    PatientRead,
    /// Register patients and plans of care.
    PatientWrite,
    /// Enter visits and read one's own.
    Visits,
    /// Claims, batches, remittances, denials, reports.
    Billing,
    /// Users, tokens, audit log.
    Admin,
}

impl Perm {
    /// Whether `role` holds this permission.
    pub fn allows(self, role: Role) -> bool {
        use Role::*;
        match self {
            Perm::Code => true,
            Perm::PatientRead => matches!(role, Therapist | Biller),
            Perm::PatientWrite => matches!(role, Therapist | Biller),
            Perm::Visits => role == Therapist,
            Perm::Billing => role == Biller,
            Perm::Admin => role == Admin,
        }
    }
}

/// How a request authenticated.
#[derive(Clone, Debug)]
pub enum Via {
    /// A bearer API token.
    Token,
    /// A session cookie, with the session's CSRF token.
    Session {
        /// The session's CSRF token.
        csrf: String,
    },
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Principal {
    /// User id.
    pub user_id: i64,
    /// User name (staff, not PHI).
    pub username: String,
    /// Role.
    pub role: Role,
    /// How they authenticated.
    pub via: Via,
}

impl Principal {
    /// `Forbidden` unless the role holds `perm`.
    pub fn require(&self, perm: Perm) -> Result<(), AppError> {
        if perm.allows(self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The session's CSRF token (empty for API tokens).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf } => csrf,
            Via::Token => "",
        }
    }
}

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "otbill_session";
/// Name of the pre-sign-in CSRF cookie (double-submit on the sign-in form).
pub const LOGIN_CSRF_COOKIE: &str = "otbill_login_csrf";
/// Session lifetime.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins allowed in the window before the name is locked.
pub const MAX_FAILURES: i64 = 5;
/// The throttling window.
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// How long a validated API token is trusted without asking the database again.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(30);

/// Random 256-bit token, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// SHA-256 of a token, hex: what is stored.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// An argon2id PHC string for a password.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of no one's password, verified against when the user name is unknown so that
/// unknown and known names take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// Checks a user name and password against the rules for new accounts.
pub fn validate_new_user(username: &str, password: &str) -> Result<(), AppError> {
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(AppError::field(
            "username",
            "1 to 64 letters, digits or . _ - @",
        ));
    }
    if password.chars().count() < 10 {
        return Err(AppError::field("password", "at least 10 characters"));
    }
    Ok(())
}

/// Creates a user; their id.
pub fn create_user(
    conn: &mut Conn,
    username: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<i64> {
    let phc = hash_password(password)?;
    let row = conn
        .one(
            "INSERT INTO server_users (username, role, password_hash, active, created_at)
             VALUES ($1, $2, $3, 1, $4) RETURNING id",
            &[
                username.into(),
                role.as_str().into(),
                phc.into(),
                crate::now().into(),
            ],
        )?
        .context("insert returned no id")?;
    Ok(row.int(0))
}

/// Creates the user, or sets the password and role of an existing one (the demo's
/// sign-ins); their id.
pub fn upsert_user(
    conn: &mut Conn,
    username: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<i64> {
    let existing = conn.one(
        "SELECT id FROM server_users WHERE username = $1",
        &[username.into()],
    )?;
    match existing {
        Some(r) => {
            conn.exec(
                "UPDATE server_users SET password_hash = $1, role = $2, active = 1 WHERE id = $3",
                &[
                    hash_password(password)?.into(),
                    role.as_str().into(),
                    r.int(0).into(),
                ],
            )?;
            Ok(r.int(0))
        }
        None => create_user(conn, username, role, password),
    }
}

/// Whether any user exists.
pub fn any_user(conn: &mut Conn) -> anyhow::Result<bool> {
    Ok(conn
        .one("SELECT id FROM server_users LIMIT 1", &[])?
        .is_some())
}

/// One user, as listed to admins.
#[derive(Clone, Debug, Serialize)]
pub struct UserInfo {
    /// Id.
    pub id: i64,
    /// User name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Whether they may sign in.
    pub active: bool,
    /// When created.
    pub created_at: String,
    /// The ledger's row id of the rendering provider they are linked to (see
    /// `crate::users`); the API and the page show its NPI instead.
    #[serde(skip)]
    pub provider_id: Option<i64>,
}

/// Every user.
pub fn list_users(conn: &mut Conn) -> anyhow::Result<Vec<UserInfo>> {
    let rows = conn.query(
        "SELECT id, username, role, active, created_at, provider_id FROM server_users \
         ORDER BY username",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| UserInfo {
            id: r.int(0),
            username: r.text(1),
            role: Role::parse(&r.text(2)).unwrap_or(Role::Therapist),
            active: r.int(3) != 0,
            created_at: r.text(4),
            provider_id: r.opt_int(5),
        })
        .collect())
}

/// A new session: `(cookie token, csrf token)`.
pub struct NewSession {
    /// The cookie value (never stored).
    pub token: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// Verifies a password and opens a session, honouring the throttle.
pub async fn sign_in(db: &Db, username: String, password: String) -> Result<NewSession, AppError> {
    let res = db
        .run(move |c| {
            let since = crate::time_offset(-THROTTLE_WINDOW_SECS);
            let failures = c
                .one(
                    "SELECT COUNT(*), MIN(at) FROM server_signin_failures WHERE username = $1 AND at > $2",
                    &[username.as_str().into(), since.as_str().into()],
                )?
                .map_or(0, |r| r.int(0));
            if failures >= MAX_FAILURES {
                return Ok(Err(AppError::Throttled(THROTTLE_WINDOW_SECS as u64)));
            }
            let user = c.one(
                "SELECT id, password_hash, active FROM server_users WHERE username = $1",
                &[username.as_str().into()],
            )?;
            let ok = match &user {
                Some(r) => verify_password(&password, &r.text(1)) && r.int(2) != 0,
                None => {
                    let _ = verify_password(&password, dummy_hash());
                    false
                }
            };
            let Some(user) = user.filter(|_| ok) else {
                c.exec(
                    "INSERT INTO server_signin_failures (username, at) VALUES ($1, $2)",
                    &[username.as_str().into(), crate::now().into()],
                )?;
                return Ok(Err(AppError::BadRequest {
                    field: Some("password".into()),
                    message: "wrong user name or password".into(),
                }));
            };
            c.exec(
                "DELETE FROM server_signin_failures WHERE username = $1 OR at < $2",
                &[username.as_str().into(), since.as_str().into()],
            )?;
            // Expired sessions are of no use to anyone; sweep them on each sign-in.
            c.exec(
                "DELETE FROM server_sessions WHERE expires_at < $1",
                &[crate::now().into()],
            )?;
            let session = NewSession {
                token: random_token(),
                csrf: random_token(),
            };
            c.exec(
                "INSERT INTO server_sessions (token_hash, user_id, csrf, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    token_hash(&session.token).into(),
                    user.int(0).into(),
                    session.csrf.as_str().into(),
                    crate::now().into(),
                    crate::time_offset(SESSION_HOURS * 3600).into(),
                ],
            )?;
            Ok(Ok(session))
        })
        .await?;
    res
}

/// Ends a session.
pub async fn sign_out(db: &Db, token: String) -> anyhow::Result<()> {
    db.run(move |c| {
        c.exec(
            "DELETE FROM server_sessions WHERE token_hash = $1",
            &[token_hash(&token).into()],
        )?;
        Ok(())
    })
    .await
}

/// `POST /api/v1/users`, `/admin/users`: an admin creates a user; their id. Audited as
/// `create` of `user` with the new id (never the password). A taken name is a conflict.
pub async fn admin_create_user(
    db: &Db,
    who: &Principal,
    route: &'static str,
    username: String,
    role: Role,
    password: String,
) -> Result<i64, AppError> {
    who.require(Perm::Admin)?;
    validate_new_user(&username, &password)?;
    crate::audit::admin_change(
        db,
        who,
        move |c| {
            if c.one(
                "SELECT id FROM server_users WHERE username = $1",
                &[username.as_str().into()],
            )?
            .is_some()
            {
                return Ok(Err(AppError::Conflict(
                    "a user with that name exists".into(),
                )));
            }
            create_user(c, &username, role, &password).map(Ok)
        },
        move |id| Entry::new(Action::Create, "user", route).on(*id),
    )
    .await
}

/// `POST /api/v1/tokens`, `/admin/tokens`: an admin issues an API token acting as
/// `username`; its id and the token, shown once. Audited as `create` of `token` with the
/// token's id (never the token or its hash).
pub async fn admin_issue_token(
    db: &Db,
    who: &Principal,
    route: &'static str,
    username: String,
    label: String,
) -> Result<(i64, String), AppError> {
    who.require(Perm::Admin)?;
    let label = label.trim().to_owned();
    if label.is_empty() || label.len() > 100 {
        return Err(AppError::field("label", "1 to 100 characters"));
    }
    crate::audit::admin_change(
        db,
        who,
        move |c| {
            let Some(u) = c.one(
                "SELECT id FROM server_users WHERE username = $1",
                &[username.as_str().into()],
            )?
            else {
                return Ok(Err(AppError::field("username", "no such user")));
            };
            issue_token(c, u.int(0), &label).map(Ok)
        },
        move |(id, _)| Entry::new(Action::Create, "token", route).on(*id),
    )
    .await
}

/// `DELETE /api/v1/tokens/{id}`: an admin revokes an API token. Audited as `update` of
/// `token` with its id (revoked, not deleted: the row stays). An unknown or already
/// revoked token is a 404, and not audited.
pub async fn admin_revoke_token(
    db: &Db,
    tokens: &TokenCache,
    who: &Principal,
    route: &'static str,
    id: i64,
) -> Result<(), AppError> {
    let out = crate::audit::admin_change(
        db,
        who,
        move |c| {
            Ok(if revoke_token(c, id)? {
                Ok(())
            } else {
                Err(AppError::NotFound)
            })
        },
        move |_| Entry::new(Action::Update, "token", route).on(id),
    )
    .await;
    tokens.clear();
    out
}

/// Issues an API token to a user; the token, shown once.
pub fn issue_token(conn: &mut Conn, user_id: i64, label: &str) -> anyhow::Result<(i64, String)> {
    let token = format!("otb_{}", random_token());
    let row = conn
        .one(
            "INSERT INTO server_api_tokens (token_hash, user_id, label, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                token_hash(&token).into(),
                user_id.into(),
                label.into(),
                crate::now().into(),
            ],
        )?
        .context("insert returned no id")?;
    Ok((row.int(0), token))
}

/// Revokes an API token.
pub fn revoke_token(conn: &mut Conn, id: i64) -> anyhow::Result<bool> {
    Ok(conn.exec(
        "UPDATE server_api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &[crate::now().into(), id.into()],
    )? > 0)
}

/// Validated API tokens: hash → (principal, when checked).
#[derive(Debug, Default)]
pub struct TokenCache(RwLock<HashMap<String, (Principal, Instant)>>);

impl TokenCache {
    fn get(&self, hash: &str) -> Option<Principal> {
        let map = self.0.read().ok()?;
        let (p, at) = map.get(hash)?;
        (at.elapsed() < TOKEN_CACHE_TTL).then(|| p.clone())
    }

    fn put(&self, hash: String, p: Principal) {
        if let Ok(mut map) = self.0.write() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(hash, (p, Instant::now()));
        }
    }

    /// Forgets every cached token (after a revocation or a user change).
    pub fn clear(&self) {
        if let Ok(mut map) = self.0.write() {
            map.clear();
        }
    }
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

async fn principal_from_token(state: &AppState, token: &str) -> Result<Principal, AppError> {
    let hash = token_hash(token);
    if let Some(p) = state.tokens.get(&hash) {
        return Ok(p);
    }
    let h = hash.clone();
    let row = state
        .db
        .run(move |c| {
            c.one(
                "SELECT u.id, u.username, u.role FROM server_api_tokens t
                 JOIN server_users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1",
                &[h.into()],
            )
        })
        .await?;
    let row = row.ok_or(AppError::Unauthenticated)?;
    let p = Principal {
        user_id: row.int(0),
        username: row.text(1),
        role: Role::parse(&row.text(2)).ok_or(AppError::Unauthenticated)?,
        via: Via::Token,
    };
    state.tokens.put(hash, p.clone());
    Ok(p)
}

async fn principal_from_session(state: &AppState, token: &str) -> Result<Principal, AppError> {
    let hash = token_hash(token);
    let row = state
        .db
        .run(move |c| {
            c.one(
                "SELECT u.id, u.username, u.role, s.csrf FROM server_sessions s
                 JOIN server_users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
                &[hash.into(), Value::Text(crate::now())],
            )
        })
        .await?;
    let row = row.ok_or(AppError::Unauthenticated)?;
    Ok(Principal {
        user_id: row.int(0),
        username: row.text(1),
        role: Role::parse(&row.text(2)).ok_or(AppError::Unauthenticated)?,
        via: Via::Session { csrf: row.text(3) },
    })
}

/// Authenticates a request by bearer token or session cookie.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, AppError> {
    let p = authenticate_inner(parts, state).await?;
    if let Some(slot) = parts.extensions.get::<crate::telemetry::UserSlot>() {
        let _ = slot.0.set(p.user_id);
    }
    Ok(p)
}

async fn authenticate_inner(parts: &Parts, state: &AppState) -> Result<Principal, AppError> {
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AppError::Unauthenticated)?;
        return principal_from_token(state, token.trim()).await;
    }
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
    principal_from_session(state, token).await
}

/// The caller of a JSON API route. A cookie-authenticated request that changes anything
/// must carry the session's CSRF token in `X-CSRF-Token` (the web app's scripts do).
#[derive(Clone, Debug)]
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let p = authenticate(parts, state).await?;
        if let Via::Session { csrf } = &p.via {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            if !safe && !sent.is_some_and(|s| constant_eq(s, csrf)) {
                return Err(AppError::Csrf);
            }
        }
        Ok(ApiUser(p))
    }
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A `Set-Cookie` value for the session cookie.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes a cookie.
pub fn clear_cookie(name: &str, secure: bool) -> String {
    format!(
        "{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_hashes_are_salted() {
        let a = hash_password("correct horse battery").unwrap_or_default();
        let b = hash_password("correct horse battery").unwrap_or_default();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b);
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("wrong horse battery", &a));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn roles_match_the_matrix() {
        assert!(Perm::Visits.allows(Role::Therapist));
        assert!(!Perm::Visits.allows(Role::Biller));
        assert!(!Perm::Billing.allows(Role::Therapist));
        assert!(!Perm::PatientRead.allows(Role::Admin));
        assert!(Perm::Admin.allows(Role::Admin));
        assert!(!Perm::Admin.allows(Role::Biller));
        assert!(Perm::Code.allows(Role::Admin));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
        assert_eq!(token_hash("abc").len(), 64);
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "ab"));
    }

    #[test]
    fn session_cookie_is_locked_down() {
        let c = session_cookie("t", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!session_cookie("t", false).contains("Secure"));
    }
}
