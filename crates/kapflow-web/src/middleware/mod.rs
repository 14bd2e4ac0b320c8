//! The one middleware stack, applied to every route, the fallback and static files alike.
//!
//! Outermost first: request id → span, access log, metrics, security headers and error pages
//! (one pass, `response`) → compression → catch-panic → request timeout → body timeout → CSRF origin check. (The per-route body limit is applied
//! in the response pass, before the body is read anywhere.)

mod body_limit;
mod error_pages;
mod request_id;
mod response;
mod security_headers;

use crate::AppState;
use axum::Router;
use axum::http::{HeaderName, StatusCode};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::SetRequestIdLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

pub use body_limit::UPLOAD_ROUTES;
pub use error_pages::ErrorPageRendered;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn wrap(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let config = &state.config;
    let tls = config.served_over_tls();
    let max_body = config.max_body_bytes;
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, request_id::FastUuid))
        .layer(axum::middleware::from_fn(move |req, next| {
            response::finish(tls, max_body, req, next)
        }))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(error_pages::on_panic))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        .layer(RequestBodyTimeoutLayer::new(config.request_timeout))
        // Cross-site state-changing requests get 403 and change nothing (Origin/Sec-Fetch-Site).
        .layer(CsrfLayer::new());
    router.layer(stack)
}
