//! One pass over every response: metrics, security headers, and the error page. Kept in one
//! middleware (rather than three) because each layer of `from_fn` costs a boxed future on the
//! hottest path of the app.

use super::{error_pages, security_headers};
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

pub async fn finish(tls: bool, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = crate::metrics::method_label(req.method());
    // A header value clone is a reference count, not a copy.
    let request_id = req.headers().get(super::REQUEST_ID).cloned();
    let start = Instant::now();
    let res = next.run(req).await;
    let id = request_id
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut res = error_pages::render_for(res, id);
    security_headers::set(tls, &mut res);
    crate::metrics::record(method, route, res.status(), start.elapsed());
    res
}
