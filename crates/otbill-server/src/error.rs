//! One error type for every handler, and one JSON shape for every error:
//! `{"error": {"code": "...", "message": "...", "field": "..." | null}}`.
//!
//! Input errors pass their message through and name the offending field. Internal errors
//! never do: the client sees "something went wrong" and the cause is logged by the request
//! log middleware (see [`crate::telemetry`]), which finds it in the response's extensions.
//! Internal messages come from our own code and the database drivers, which report column
//! names, not values, so they carry no PHI.

use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed; `field` names the part at fault.
    #[error("{message}")]
    BadRequest {
        /// Path of the offending field, when one is at fault.
        field: Option<String>,
        /// What is wrong, for people.
        message: String,
    },
    /// No valid session or API token.
    #[error("sign in first")]
    Unauthenticated,
    /// Signed in, but the role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// A form or cookie-authenticated request without the session's CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// No such record (or not one the caller may see).
    #[error("not found")]
    NotFound,
    /// The request conflicts with what is stored (a duplicate, a state that forbids it).
    #[error("{0}")]
    Conflict(String),
    /// Too many failed sign-ins; wait this many seconds.
    #[error("too many failed sign-ins; try again later")]
    Throttled(u64),
    /// The request body is larger than the limit.
    #[error("request body too large")]
    TooLarge,
    /// Anything else: logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The cause of an internal error, kept in the response's extensions for the log.
#[derive(Clone, Debug)]
pub struct InternalCause(pub Arc<String>);

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
}

impl AppError {
    /// A bad request naming a field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// The HTTP status and the stable error code.
    pub fn status_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::BadRequest { .. } => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::Throttled(_) => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The message shown to the client (internal causes hidden).
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "something went wrong; the error has been logged".into(),
            other => other.to_string(),
        }
    }
}

impl From<otbill_core::InputError> for AppError {
    fn from(e: otbill_core::InputError) -> Self {
        AppError::BadRequest {
            field: Some(e.field),
            message: e.message,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_code();
        let message = self.public_message();
        let field = match &self {
            AppError::BadRequest { field, .. } => field.as_deref(),
            _ => None,
        };
        let body = serde_json::to_vec(&Body {
            error: Inner {
                code,
                message: &message,
                field,
            },
        })
        .unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let AppError::Throttled(secs) = &self {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if let AppError::Internal(e) = &self {
            res.extensions_mut()
                .insert(InternalCause(Arc::new(format!("{e:#}"))));
        }
        res
    }
}

/// Handler result.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn body(e: AppError) -> (StatusCode, serde_json::Value) {
        let res = e.into_response();
        let status = res.status();
        let cause = res.extensions().get::<InternalCause>().cloned();
        let bytes = futures_body(res);
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            assert!(
                cause.is_some(),
                "internal errors keep their cause for the log"
            );
        }
        (status, v)
    }

    fn futures_body(res: Response) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        rt.block_on(async {
            axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default()
        })
    }

    #[test]
    fn field_errors_name_the_field() {
        let (status, v) = body(AppError::field(
            "services[0].minutes",
            "must be at most 480",
        ));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"]["code"], "bad_request");
        assert_eq!(v["error"]["field"], "services[0].minutes");
        assert_eq!(v["error"]["message"], "must be at most 480");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let (status, v) = body(AppError::Internal(anyhow::anyhow!(
            "UNIQUE constraint failed: secret_table.col"
        )));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let text = v.to_string();
        assert!(!text.contains("secret_table"), "{text}");
        assert_eq!(v["error"]["code"], "internal");
        assert!(v["error"]["field"].is_null());
    }
}
