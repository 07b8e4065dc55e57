//! `otbill serve`: the HTTP API and the server-rendered web app over the practice ledger.
//!
//! **API Boundary:** this is the only crate that knows HTTP. It turns requests into calls
//! on the pure engines (`otbill-core`, `otbill-scrub`) and the ledger (`otbill-store`), and
//! their results and errors into JSON or HTML.
//!
//! Code map:
//! - [`app`] builds the [`Router`] from an [`AppState`]; [`serve`] binds, serves and shuts
//!   down gracefully on Ctrl-C or SIGTERM.
//! - [`error`]: one [`AppError`] and one JSON error shape.
//! - [`telemetry`]: the subscriber and the per-request log (no PHI).
//! - [`ledger`]: the one data layer, a pool of `otbill_store::Store` connections; every
//!   table (the ledger's, the accounts', the audit log) is read and written through it.
//! - [`auth`]: users, sessions, API tokens, roles, throttling. [`audit`]: the audit log.
//! - [`api`]: the JSON API under `/api/v1/`. [`web`]: the HTML pages.
//! - [`ops`]: the use cases both fronts share; [`followup`]: the denial worklist's actions;
//!   [`settings`]: the practice, its providers and payers (admin); [`users`]: a user's link
//!   to a rendering provider (admin).
//!
//! **Architecture Invariant:** no handler logs a request body, a query string or a
//! patient field; the only request log is [`telemetry::log_requests`], which logs the
//! route template.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let config = otbill_server::Config::new("127.0.0.1:8080".parse()?, "otbill.db");
//! let state = otbill_server::AppState::new(&config, otbill_server::Rules::builtin()?)?;
//! let listener = tokio::net::TcpListener::bind(config.listen).await?;
//! otbill_server::serve_on(listener, state, std::future::pending()).await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use otbill_core::{Catalog, Payers};
use otbill_scrub::RuleSet;
use tower_http::timeout::TimeoutLayer;

pub mod api;
pub mod audit;
pub mod auth;
pub mod eligibility;
pub mod error;
pub mod followup;
pub mod ledger;
pub mod ops;
pub mod payments;
pub mod practices;
pub mod settings;
pub mod telemetry;
pub mod users;
pub mod web;

pub use error::{AppError, AppResult};

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Database URL: an SQLite path or `postgres://…`.
    pub db_url: String,
    /// Mark cookies `Secure` (off only for plain-HTTP localhost use).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Longest a request may take before a 408.
    pub request_timeout: Duration,
    /// Log format.
    pub log_format: telemetry::LogFormat,
    /// Folder 837P batch files are written to.
    pub outbox: std::path::PathBuf,
}

impl Config {
    /// Defaults: secure cookies, 2 MiB bodies (an 835 fits), 30-second requests.
    /// The outbox is `outbox/` beside an SQLite file, or in the working directory.
    pub fn new(listen: SocketAddr, db_url: impl Into<String>) -> Config {
        let db_url = db_url.into();
        let outbox = if db_url.starts_with("postgres") {
            std::path::PathBuf::from("outbox")
        } else {
            std::path::Path::new(sqlite_path(&db_url))
                .parent()
                .map_or_else(|| "outbox".into(), |p| p.join("outbox"))
        };
        Config {
            listen,
            outbox,
            db_url,
            secure_cookies: true,
            body_limit: 2 << 20,
            request_timeout: Duration::from_secs(30),
            log_format: telemetry::LogFormat::Text,
        }
    }
}

/// The SQLite file a database URL names.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// The rule data the engines consult.
#[derive(Debug)]
pub struct Rules {
    /// Code catalog.
    pub catalog: Catalog,
    /// Payer profiles.
    pub payers: Payers,
    /// NCCI, MUE, fee schedule, KX tables.
    pub rules: RuleSet,
}

impl Rules {
    /// The tables shipped in the binary.
    pub fn builtin() -> anyhow::Result<Rules> {
        let (catalog, payers) = otbill_core::builtin();
        let rules = otbill_scrub::rules::builtin().context("loading the built-in rule tables")?;
        Ok(Rules {
            catalog,
            payers,
            rules,
        })
    }
}

/// Shared state: rule data, the database, settings.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What [`AppState`] holds.
pub struct Inner {
    /// Rule data.
    pub rules: Rules,
    /// The database: every table, through `Store` methods.
    pub ledger: ledger::Ledger,
    /// Validated API tokens.
    pub tokens: auth::TokenCache,
    /// Settings.
    pub config: Config,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppState")
    }
}

impl AppState {
    /// Opens the database (applying its migrations).
    pub fn new(config: &Config, rules: Rules) -> anyhow::Result<AppState> {
        let ledger = ledger::Ledger::open(&config.db_url)?;
        Ok(AppState(Arc::new(Inner {
            rules,
            ledger,
            tokens: auth::TokenCache::default(),
            config: config.clone(),
        })))
    }
}

/// The whole application: API, web pages, middleware.
pub fn app(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let timeout = state.config.request_timeout;
    Router::new()
        .merge(api::routes())
        .merge(web::routes())
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(map_rejections))
        .layer(axum::middleware::from_fn(ledger::scope_requests))
        .layer(axum::middleware::from_fn(telemetry::log_requests))
        .with_state(state)
}

/// Gives framework rejections (body too large, timeouts, bad content type) the app's JSON
/// error shape instead of plain text.
async fn map_rejections(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let res = next.run(req).await;
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if is_json || res.status().is_success() || res.status().is_redirection() {
        return res;
    }
    match res.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge.into_response(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest {
            field: None,
            message: "expected Content-Type: application/json".into(),
        }
        .into_response(),
        StatusCode::METHOD_NOT_ALLOWED => {
            let mut r = AppError::BadRequest {
                field: None,
                message: "method not allowed".into(),
            }
            .into_response();
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r
        }
        s if s.is_client_error() => AppError::BadRequest {
            field: None,
            message: s.canonical_reason().unwrap_or("bad request").into(),
        }
        .into_response(),
        _ => res,
    }
}

/// Serves `app(state)` on a bound listener until `shutdown` completes, then finishes the
/// requests in flight.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")
}

/// Binds `config.listen` and serves until Ctrl-C or SIGTERM. `on_ready` receives the
/// bound address (useful with port 0).
pub async fn serve(
    config: Config,
    rules: Rules,
    on_ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    // The database drivers are blocking (PostgreSQL's runs a runtime of its own), so the
    // state is opened, and finally dropped, on a blocking thread, never on a worker.
    let cfg = config.clone();
    let state = tokio::task::spawn_blocking(move || AppState::new(&cfg, rules))
        .await
        .context("opening the database")??;
    let keep = state.clone();
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    on_ready(addr);
    let res = serve_on(listener, state, shutdown_signal()).await;
    let _ = tokio::task::spawn_blocking(move || drop(keep)).await;
    res?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// The current time as stored: UTC, ISO-8601, seconds (sorts as text).
pub fn now() -> String {
    time_offset(0)
}

/// The time `secs` from now, as [`now`] formats it.
pub fn time_offset(secs: i64) -> String {
    let t =
        chrono::DateTime::<chrono::Utc>::from(SystemTime::now()) + chrono::Duration::seconds(secs);
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Today's date (UTC).
pub fn today() -> chrono::NaiveDate {
    chrono::DateTime::<chrono::Utc>::from(SystemTime::now()).date_naive()
}

/// Installs logging, builds a multi-threaded runtime and runs [`serve`] on it (for the
/// CLI, which has no runtime of its own).
pub fn run_blocking(
    config: Config,
    rules: Rules,
    on_ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    telemetry::init(config.log_format);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(serve(config, rules, on_ready))
}

/// Runs `f` on a store opened on `db_url` (migrating it first), for the CLI's account
/// commands before the server starts.
fn with_store<T>(
    db_url: &str,
    f: impl FnOnce(&mut otbill_store::Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut store = otbill_store::Store::open(db_url)
        .map_err(|e| anyhow::anyhow!("opening the database: {e}"))?;
    let res = f(&mut store);
    ledger::drop_off_runtime(store);
    res
}

/// Creates the first admin when the database has no user yet; whether one was created.
pub fn bootstrap_admin(db_url: &str, username: &str, password: &str) -> anyhow::Result<bool> {
    auth::validate_new_user(username, password).map_err(|e| anyhow::anyhow!("{e}"))?;
    with_store(db_url, |s| {
        if s.any_user()? {
            return Ok(false);
        }
        auth::create_user(s, username, auth::Role::Admin, password)?;
        Ok(true)
    })
}

/// Creates or resets the demo's sign-ins (`demo-therapist`, `demo-biller`, `demo-admin`)
/// with one new random password, which it returns; the therapist is linked to a demo
/// rendering provider (their patients are that provider's).
pub fn demo_users(db_url: &str) -> anyhow::Result<String> {
    let password = format!("demo-{}", &auth::random_token()[..16]);
    with_store(db_url, |s| {
        for (name, role) in [
            ("demo-therapist", auth::Role::Therapist),
            ("demo-biller", auth::Role::Biller),
            ("demo-admin", auth::Role::Admin),
        ] {
            auth::upsert_user(s, name, role, &password)?;
        }
        s.link_demo_therapist("demo-therapist")?;
        Ok(())
    })?;
    Ok(password)
}

/// Whether the database has any user (the CLI warns when it has none).
pub fn has_users(db_url: &str) -> anyhow::Result<bool> {
    with_store(db_url, |s| Ok(s.any_user()?))
}
