//! The request-body limit: small for every route, larger only for the routes that take a file
//! (photos, message attachments). (tower-http's layer has one limit for everything, so this
//! chooses by the matched route.)

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Room for the form around the file (its other fields, the multipart framing).
const FORM_ROOM: usize = 64 * 1024;

/// The routes that take a file, each with its limit (the largest file plus the form around it).
pub const UPLOAD_ROUTES: &[(&str, usize)] = &[
    (
        crate::paths::SITE_PHOTOS,
        crate::photo::MAX_PHOTO_BYTES + FORM_ROOM,
    ),
    (
        crate::paths::DOSING_LABEL,
        crate::photo::MAX_PHOTO_BYTES + FORM_ROOM,
    ),
    (
        crate::paths::PORTAL_MESSAGES,
        crate::attachment::MAX_BYTES + FORM_ROOM,
    ),
    (
        crate::paths::MESSAGES,
        crate::attachment::MAX_BYTES + FORM_ROOM,
    ),
];

/// The limit of the route `path` (a matched route's template).
pub fn limit_of(path: &str, default: usize) -> usize {
    UPLOAD_ROUTES
        .iter()
        .find(|(p, _)| *p == path)
        .map_or(default, |(_, limit)| *limit)
}

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
    let max = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(default, |p| limit_of(p.as_str(), default));
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
