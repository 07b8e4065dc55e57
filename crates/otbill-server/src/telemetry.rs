//! Structured logs without PHI.
//!
//! [`init`] installs a `tracing` subscriber (JSON lines or compact text, filtered by
//! `RUST_LOG`, default `info`). [`log_requests`] logs one event per request with the
//! method, the *matched route template* (`/api/v1/patients/{id}`, never the raw path or
//! query string, which could carry identifiers), the status, the latency and the user id
//! when known. Bodies, headers and patient fields are never logged. An internal error's
//! cause, kept by [`crate::error::AppError`] in the response's extensions, is logged with
//! its request.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::InternalCause;

/// Log output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Compact `key=value` text.
    #[default]
    Text,
}

/// Installs the global subscriber writing to standard error; a second call does nothing.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.compact().with_ansi(false).try_init(),
    };
}

/// Where the authentication extractors leave the signed-in user's id for the log.
#[derive(Clone, Debug, Default)]
pub struct UserSlot(pub Arc<OnceLock<i64>>);

/// Logs each request once, after the response.
pub async fn log_requests(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let slot = UserSlot::default();
    let mut req = req;
    req.extensions_mut().insert(slot.clone());
    let res = next.run(req).await;
    let micros = started.elapsed().as_micros() as u64;
    let status = res.status().as_u16();
    let user = slot.0.get().copied();
    if let Some(cause) = res.extensions().get::<InternalCause>() {
        tracing::error!(method = %method, route = %route, status, micros, user, cause = %cause.0, "request failed");
    } else if status >= 500 {
        tracing::error!(method = %method, route = %route, status, micros, user, "request");
    } else {
        tracing::info!(method = %method, route = %route, status, micros, user, "request");
    }
    res
}
