//! The web layer's error type. The detail goes to the log (never PHI: store errors carry SQL
//! state, not row content); the person sees a plain page with the request id to quote.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kapflow_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request")]
    BadRequest,
    /// Something with the same key was saved first (usually by another request a moment earlier).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError::Internal(detail.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            AppError::Unavailable(e.to_string())
        } else if e.is_duplicate() {
            AppError::Conflict(e.to_string())
        } else {
            AppError::Internal(e.to_string())
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::Conflict(detail) => {
                tracing::warn!(error = %detail, "refused as a duplicate");
                StatusCode::CONFLICT
            }
            AppError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        // An empty error response: `middleware::error_pages` renders the page for it, with the
        // request id, the same way as for panics, timeouts and refused bodies.
        status.into_response()
    }
}

/// 429 with `Retry-After`: the error-page middleware renders the page around it.
pub fn too_many_requests(retry_after: time::Duration) -> Response {
    let mut res = StatusCode::TOO_MANY_REQUESTS.into_response();
    if let Ok(v) =
        axum::http::HeaderValue::from_str(&retry_after.whole_seconds().max(1).to_string())
    {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_is_a_conflict_and_an_unreachable_database_is_unavailable() {
        let status = |e: StoreError| AppError::from(e).into_response().status();
        assert_eq!(
            status(StoreError::Duplicate("users_email_key".into())),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status(StoreError::Unavailable("disk full".into())),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(StoreError::Corrupt("x".into())),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
