//! The request-body limit: small for every route, larger only for the photo uploads. (tower-http's
//! layer has one limit for everything, so this chooses by the matched route.)

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The routes that take photo uploads, and their limit (the photo plus the form around it).
pub const UPLOAD_ROUTES: &[&str] = &[crate::paths::SITE_PHOTOS, crate::paths::DOSING_LABEL];
pub const UPLOAD_LIMIT: usize = crate::photo::MAX_PHOTO_BYTES + 64 * 1024;

/// `Err(413)` when the body is declared or known to be too large for the route; otherwise the
/// request with its body capped at the route's limit (reads pass untouched).
#[allow(clippy::result_large_err)] // the error is the response itself
pub fn apply(default: usize, req: Request) -> Result<Request, Response> {
    // Reads carry no body worth limiting; skip the wrapping on the hottest path.
    if matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) && !req.headers().contains_key(header::CONTENT_LENGTH)
        && !req.headers().contains_key(header::TRANSFER_ENCODING)
    {
        return Ok(req);
    }
    let max = match req.extensions().get::<MatchedPath>() {
        Some(p) if UPLOAD_ROUTES.contains(&p.as_str()) => UPLOAD_LIMIT,
        _ => default,
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // A body whose length is known up front (declared, or exact) is refused before reading.
    let known = axum::body::HttpBody::size_hint(req.body()).lower() as usize;
    if declared.is_some_and(|n| n > max) || known > max {
        return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response());
    }
    Ok(req.map(|b| Body::new(http_body_util::Limited::new(b, max))))
}
