//! Operator endpoints: liveness, readiness and Prometheus metrics. No PHI in any of them.

use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Alive: the process answers. Never touches the database.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the database answers and its schema is exactly what this binary expects.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response();
    }
    match state.store.migration_status().await {
        Ok(s) if s.is_current() => (StatusCode::OK, "ready\n").into_response(),
        Ok(_) => (StatusCode::SERVICE_UNAVAILABLE, "migrations not current\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: migration status unreadable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut res = state.metrics.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
