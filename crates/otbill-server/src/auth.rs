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

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use sha2::{Digest, Sha256};

use otbill_store::accounts::{Authenticated, NewSession as StoredSession};
pub use otbill_store::accounts::{Role, UserInfo};
use otbill_store::Store;

use crate::audit::{Action, Entry};
use crate::error::AppError;
use crate::ledger::Ledger;
use crate::AppState;

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

/// The signed-in user of a request, in the practice it acts in.
#[derive(Clone, Debug)]
pub struct Principal {
    /// User id.
    pub user_id: i64,
    /// User name (staff, not PHI).
    pub username: String,
    /// Their role in the practice.
    pub role: Role,
    /// The practice: the session's current one, or the one an API token was issued for.
    pub practice_id: i64,
    /// The practices a session's user may switch to, the current one among them (empty
    /// for an API token, which acts in one practice only).
    pub practices: Vec<otbill_store::accounts::Membership>,
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

    /// The name of the practice the request acts in, when known (sessions).
    pub fn practice_name(&self) -> Option<&str> {
        self.practices
            .iter()
            .find(|m| m.practice.id == self.practice_id)
            .map(|m| m.practice.name.as_str())
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
    store: &mut Store,
    username: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<i64> {
    let phc = hash_password(password)?;
    Ok(store.create_user(username, role, &phc, &crate::now())?)
}

/// Creates the user, or sets the password and role of an existing one (the demo's
/// sign-ins); their id.
pub fn upsert_user(
    store: &mut Store,
    username: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<i64> {
    let phc = hash_password(password)?;
    Ok(store.upsert_user(username, role, &phc, &crate::now())?)
}

/// A new session: `(cookie token, csrf token)`.
pub struct NewSession {
    /// The cookie value (never stored).
    pub token: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// Verifies a password and opens a session, honouring the throttle.
pub async fn sign_in(
    ledger: &Ledger,
    username: String,
    password: String,
) -> Result<NewSession, AppError> {
    ledger
        .run_app("sign-in", move |s| {
            let since = crate::time_offset(-THROTTLE_WINDOW_SECS);
            if s.signin_failures(&username, &since)? >= MAX_FAILURES {
                return Err(AppError::Throttled(THROTTLE_WINDOW_SECS as u64));
            }
            let user = s.credentials(&username)?;
            let ok = match &user {
                Some(u) => verify_password(&password, &u.password_hash) && u.active,
                None => {
                    let _ = verify_password(&password, dummy_hash());
                    false
                }
            };
            let Some(user) = user.filter(|_| ok) else {
                s.record_signin_failure(&username, &crate::now())?;
                return Err(AppError::BadRequest {
                    field: Some("password".into()),
                    message: "wrong user name or password".into(),
                });
            };
            let session = NewSession {
                token: random_token(),
                csrf: random_token(),
            };
            s.open_session(
                &username,
                &since,
                &StoredSession {
                    user_id: user.id,
                    token_hash: &token_hash(&session.token),
                    csrf: &session.csrf,
                    now: &crate::now(),
                    expires_at: &crate::time_offset(SESSION_HOURS * 3600),
                },
            )?;
            Ok(session)
        })
        .await
}

/// Ends a session.
pub async fn sign_out(ledger: &Ledger, token: String) -> Result<(), AppError> {
    ledger
        .run("sign-out", move |s| s.close_session(&token_hash(&token)))
        .await
}

/// `POST /api/v1/users`, `/admin/users`: an admin creates a user; their id. Audited as
/// `create` of `user` with the new id (never the password). A taken name is a conflict.
pub async fn admin_create_user(
    ledger: &Ledger,
    who: &Principal,
    route: &'static str,
    username: String,
    role: Role,
    password: String,
) -> Result<i64, AppError> {
    who.require(Perm::Admin)?;
    validate_new_user(&username, &password)?;
    crate::audit::admin_change(
        ledger,
        who,
        move |s| {
            if s.user_id(&username)?.is_some() {
                return Err(AppError::Conflict("a user with that name exists".into()));
            }
            Ok(create_user(s, &username, role, &password)?)
        },
        move |id| Entry::new(Action::Create, "user", route).on(*id),
    )
    .await
}

/// `POST /api/v1/tokens`, `/admin/tokens`: an admin issues an API token acting as
/// `username`; its id and the token, shown once. Audited as `create` of `token` with the
/// token's id (never the token or its hash).
pub async fn admin_issue_token(
    ledger: &Ledger,
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
        ledger,
        who,
        move |s| {
            let Some(id) = s.user_id(&username)? else {
                return Err(AppError::field("username", "no such user"));
            };
            // A token acts in the practice it is issued in: only for one of its members.
            if s.user_role(id)?.is_none() {
                return Err(AppError::field("username", "not a member of this practice"));
            }
            Ok(issue_token(s, id, &label)?)
        },
        move |(id, _)| Entry::new(Action::Create, "token", route).on(*id),
    )
    .await
}

/// `DELETE /api/v1/tokens/{id}`: an admin revokes an API token. Audited as `update` of
/// `token` with its id (revoked, not deleted: the row stays). An unknown or already
/// revoked token is a 404, and not audited.
pub async fn admin_revoke_token(
    ledger: &Ledger,
    tokens: &TokenCache,
    who: &Principal,
    route: &'static str,
    id: i64,
) -> Result<(), AppError> {
    let out = crate::audit::admin_change(
        ledger,
        who,
        move |s| {
            if s.revoke_token(id, &crate::now())? {
                Ok(())
            } else {
                Err(AppError::NotFound)
            }
        },
        move |_| Entry::new(Action::Update, "token", route).on(id),
    )
    .await;
    tokens.clear();
    out
}

/// Issues an API token to a user; its id and the token, shown once.
pub fn issue_token(store: &mut Store, user_id: i64, label: &str) -> anyhow::Result<(i64, String)> {
    let token = format!("otb_{}", random_token());
    let id = store.insert_token(user_id, &token_hash(&token), label, &crate::now())?;
    Ok((id, token))
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

fn principal(a: Authenticated, via: Via) -> Principal {
    Principal {
        user_id: a.user_id,
        username: a.username,
        role: a.role,
        practice_id: a.practice_id,
        practices: Vec::new(),
        via,
    }
}

async fn principal_from_token(state: &AppState, token: &str) -> Result<Principal, AppError> {
    let hash = token_hash(token);
    if let Some(p) = state.tokens.get(&hash) {
        return Ok(p);
    }
    let h = hash.clone();
    let user = state.ledger.run("auth", move |s| s.token_user(&h)).await?;
    let p = principal(user.ok_or(AppError::Unauthenticated)?, Via::Token);
    state.tokens.put(hash, p.clone());
    Ok(p)
}

async fn principal_from_session(state: &AppState, token: &str) -> Result<Principal, AppError> {
    let hash = token_hash(token);
    let (user, practices) = state
        .ledger
        .run("auth", move |s| {
            let Some(user) = s.session_user(&hash, &crate::now())? else {
                return Ok((None, Vec::new()));
            };
            let practices = s.memberships(user.user_id)?;
            Ok((Some(user), practices))
        })
        .await?;
    let user = user.ok_or(AppError::Unauthenticated)?;
    let csrf = user.csrf.clone();
    let mut p = principal(user, Via::Session { csrf });
    p.practices = practices;
    Ok(p)
}

/// Authenticates a request by bearer token or session cookie.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, AppError> {
    let p = authenticate_inner(parts, state).await?;
    if let Some(slot) = parts.extensions.get::<crate::telemetry::UserSlot>() {
        let _ = slot.0.set(p.user_id);
    }
    crate::ledger::enter_practice(p.practice_id);
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
