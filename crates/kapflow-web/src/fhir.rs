//! The FHIR API's framing: answers as `application/fhir+json`, errors as OperationOutcome, and
//! the caller a bearer token made (see `auth::api_token`).
//!
//! The resources themselves come from a `kapflow_store::fhir_api::FhirServer` the binary
//! installs (`AppState::install_fhir`): this crate does not link the FHIR model. The
//! OperationOutcomes written here (refused tokens, failures before any record is read) come
//! from the seam's one builder; the outside validator checks them in kapflow-fhir's API tests.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kapflow_store::api_tokens::ApiGrant;

/// The media type of every answer (FHIR R4 JSON).
pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// The caller of an API route: an open token, and where the call came from.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub grant: ApiGrant,
    pub ip: Option<String>,
}

/// `body` as a FHIR answer with `status`.
pub fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    res
}

/// An OperationOutcome with one issue: `code` from FHIR's issue-type value set (`login`,
/// `not-found`, `not-supported`, `exception`, `transient`…) and a sentence for the person who
/// reads the other system's log. Never PHI.
pub fn outcome(status: StatusCode, code: &str, text: &str) -> Response {
    let severity = if status.is_server_error() {
        "fatal"
    } else {
        "error"
    };
    json(
        status,
        &kapflow_store::fhir_api::outcome(severity, code, text),
    )
}

/// A bare error response of an API route (a timeout, a refused body, a panic) as an
/// OperationOutcome, so a FHIR client never receives an HTML page.
pub fn bare_error(status: StatusCode) -> Response {
    let (code, text) = match status {
        StatusCode::NOT_FOUND => ("not-found", "There is nothing at this address."),
        StatusCode::METHOD_NOT_ALLOWED => ("not-supported", "This API only reads: use GET."),
        StatusCode::PAYLOAD_TOO_LARGE => ("too-costly", "The request is too large."),
        StatusCode::TOO_MANY_REQUESTS => (
            "throttled",
            "Too many refused requests from this address; try again later.",
        ),
        StatusCode::REQUEST_TIMEOUT
        | StatusCode::GATEWAY_TIMEOUT
        | StatusCode::SERVICE_UNAVAILABLE => (
            "transient",
            "The server could not answer in time; try again shortly.",
        ),
        s if s.is_server_error() => (
            "exception",
            "The server failed to answer; the failure is logged.",
        ),
        _ => ("invalid", "The request was refused."),
    };
    outcome(status, code, text)
}

/// 429 as an OperationOutcome, saying when to try again.
pub fn bare_error_with_retry(retry_after: time::Duration) -> Response {
    let mut res = bare_error(StatusCode::TOO_MANY_REQUESTS);
    if let Ok(v) = HeaderValue::from_str(&retry_after.whole_seconds().max(1).to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// 401 with the header a bearer client expects.
pub fn unauthorized(text: &str) -> Response {
    let mut res = outcome(StatusCode::UNAUTHORIZED, "login", text);
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"kapflow\", error=\"invalid_token\""),
    );
    res
}
