//! One pass over every request and response: the body limit, the tracing span and access log
//! line, metrics, the request id on the response, security headers, and the error page. Kept in one
//! middleware (rather than five layers) because each layer costs a boxed future or a body
//! wrapper on the hottest path of the app.
//!
//! The span and log line carry the method, the route template, the status, the latency and the
//! request id: never the raw path (it may hold a link token), the query, headers or bodies.

use super::{error_pages, security_headers};
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

pub async fn finish(tls: bool, max_body: usize, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = crate::metrics::method_label(req.method());
    // A header value clone is a reference count, not a copy.
    let request_id = req.headers().get(super::REQUEST_ID).cloned();
    let id = request_id
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span = tracing::info_span!("request", method, route = %route, request_id = %id);
    let start = Instant::now();
    let res = match super::body_limit::apply(max_body, req) {
        Ok(req) => next.run(req).instrument(span.clone()).await,
        Err(too_large) => too_large,
    };
    let mut res = if route.starts_with(crate::paths::FHIR_BASE) {
        // A FHIR client gets FHIR, never a page.
        error_pages::as_fhir(res)
    } else {
        error_pages::render_for(res, &id)
    };
    security_headers::set(tls, &mut res);
    if let Some(v) = request_id {
        res.headers_mut().insert(super::REQUEST_ID, v);
    }
    let elapsed = start.elapsed();
    let status = res.status();
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(
                status = status.as_u16(),
                latency_ms = elapsed.as_millis() as u64,
                "request failed"
            );
        } else {
            tracing::info!(
                status = status.as_u16(),
                latency_ms = elapsed.as_millis() as u64,
                "request"
            );
        }
    });
    crate::metrics::record(method, route, status, elapsed);
    res
}
