//! Turns bare error responses (from handlers, panics, timeouts, refused bodies, CSRF refusals)
//! into a page that says what happened in plain words and gives the request id to quote.

use crate::views::error::ErrorPage;
use askama::Template;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::any::Any;

/// Marks a response whose body is already the page to show.
#[derive(Clone, Copy, Debug)]
pub struct ErrorPageRendered;

/// `res`, or the page that explains it when it is a bare error response.
pub fn render_for(res: Response, request_id: &str) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.extensions().get::<ErrorPageRendered>().is_some()
        || is_html_or_json(&res)
    {
        return res;
    }
    let (message, detail) = explain(status);
    let page = ErrorPage {
        // Not the practice's name: an error page must render without the database.
        layout: crate::views::layout::Layout::plain("kapflow"),
        status: status.as_u16(),
        message,
        detail,
        request_id,
    };
    let mut out = match page.render() {
        Ok(html) => (status, Body::from(html)).into_response(),
        Err(_) => (status, message).into_response(),
    };
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Keep what the inner response told the client about retrying.
    if let Some(retry) = res.headers().get(header::RETRY_AFTER) {
        out.headers_mut().insert(header::RETRY_AFTER, retry.clone());
    }
    out.extensions_mut().insert(ErrorPageRendered);
    out
}

/// `res`, or an OperationOutcome that says what happened when it is a bare error response of
/// the FHIR API.
pub fn as_fhir(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_html_or_json(&res) {
        return res;
    }
    let mut out = crate::fhir::bare_error(status);
    if let Some(retry) = res.headers().get(header::RETRY_AFTER) {
        out.headers_mut().insert(header::RETRY_AFTER, retry.clone());
    }
    out
}

fn is_html_or_json(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.contains("json"))
}

fn explain(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => (
            "Page not found",
            "There is nothing at this address. Check the link, or go back to the start.",
        ),
        StatusCode::FORBIDDEN => (
            "Not allowed",
            "This request was refused. If you submitted a form, open the page again from this site and try once more.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Too much data",
            "What you sent is larger than this form accepts.",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "Temporarily unavailable",
            "kapflow could not finish this request in time. Nothing you sent was lost if you see this page: try again in a moment.",
        ),
        // The database is full or out of reach (a full disk, a database restart).
        StatusCode::SERVICE_UNAVAILABLE => (
            "Not saved: the practice's records could not be written",
            "The practice's data could not be saved or read just now. Nothing was lost: what was saved before is safe, and nothing of this request was half-saved. Go back (what you typed is still in the form) and try again in a minute; kapflow recovers by itself. If it keeps happening, tell the practice owner.",
        ),
        StatusCode::CONFLICT => (
            "Not saved: it clashes with another record",
            "Something with the same name or number was saved a moment earlier, perhaps by someone else. Nothing was changed. Go back, reload the page to see what is there now, and try again if it is still needed.",
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            "Too many attempts",
            "Please wait a little before trying again.",
        ),
        s if s.is_client_error() => (
            "The request could not be used",
            "Something in the request was not as expected. Go back and try again.",
        ),
        _ => (
            "Something went wrong",
            "kapflow hit an unexpected problem and did not finish this request. If it happens again, give the request id below to your administrator.",
        ),
    }
}

/// CatchPanicLayer's handler: the panic message stays in the log, never in the page.
pub fn on_panic(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic");
    tracing::error!(panic = %detail, "handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
