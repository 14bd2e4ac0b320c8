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

/// Ready: the database answers, its schema is exactly what this binary expects, and writes are
/// not being refused (a full disk answers reads but not writes).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.write_health.refusing() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database cannot write\n").into_response();
    }
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
    // Mail counts come from the database at each scrape, so every instance reports the same,
    // whole-practice numbers. Without the database the other metrics still render.
    match state.store.outbox().health().await {
        Ok(h) => {
            metrics::gauge!(crate::metrics::MAIL_WAITING).set(h.waiting as f64);
            metrics::gauge!(crate::metrics::MAIL_FAILING).set(h.failing as f64);
            metrics::gauge!(crate::metrics::MAIL_GIVEN_UP).set(h.given_up as f64);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: mail counts unavailable"),
    }
    let mut res = state.metrics.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
