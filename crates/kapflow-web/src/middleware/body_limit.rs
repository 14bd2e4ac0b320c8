//! The request-body limit: small for every route, larger only for the photo upload. (tower-http's
//! layer has one limit for everything, so this chooses by the matched route.)

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The route that takes photo uploads, and its limit (the photo plus the form around it).
pub const UPLOAD_ROUTE: &str = "/site/photos";
pub const UPLOAD_LIMIT: usize = crate::photo::MAX_PHOTO_BYTES + 64 * 1024;

pub async fn limit(default: usize, req: Request, next: Next) -> Response {
    // Reads carry no body worth limiting; skip the wrapping on the hottest path.
    if matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) && !req.headers().contains_key(header::CONTENT_LENGTH)
        && !req.headers().contains_key(header::TRANSFER_ENCODING)
    {
        return next.run(req).await;
    }
    let max = match req.extensions().get::<MatchedPath>() {
        Some(p) if p.as_str() == UPLOAD_ROUTE => UPLOAD_LIMIT,
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
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let req = req.map(|b| Body::new(http_body_util::Limited::new(b, max)));
    next.run(req).await
}
