//! The FHIR API's door: a bearer token the owner made, open (not expired, not revoked), or 401.
//! Sessions and cookies play no part here, so a browser's signed-in session never reads the API
//! and a token never opens a page. Every refusal is audited with the token's name when the
//! token is known.

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::AppError;
use crate::fhir::{ApiCaller, outcome, unauthorized};
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kapflow_domain::api_token::looks_like_secret;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{AuditEntry, AuditOutcome};
use kapflow_store::api_tokens::Presented;
use kapflow_store::rate_limit::RateDecision;

/// Refused calls from one address in one window, before the rest are answered 429.
const REFUSALS_PER_WINDOW: i64 = 60;
const REFUSAL_WINDOW: time::Duration = time::Duration::minutes(15);

/// The bearer value of `Authorization`, if there is one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

pub async fn check(state: &AppState, req: Request, next: Next) -> Result<Response, Response> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Err(outcome(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            "This API only reads: use GET.",
        ));
    }
    let (mut parts, body) = req.into_parts();
    let ClientIp(ip) = ClientIp::from_request_parts(&mut parts, state)
        .await
        .unwrap_or(ClientIp(None));
    let mut req = Request::from_parts(parts, body);
    let now = now_utc();
    let refused = |why: &str| {
        AuditEntry::system("fhir.refused", now)
            .ip(ip.clone())
            .outcome(AuditOutcome::Denied, Some(why))
    };
    let (entry, text) = match bearer(req.headers()) {
        None => (
            refused("no token"),
            "Send a kapflow API token as `Authorization: Bearer …`.",
        ),
        Some(secret) if !looks_like_secret(secret) => (
            refused("not a kapflow API token"),
            "That is not a kapflow API token.",
        ),
        Some(secret) => {
            let presented = state
                .store
                .api_tokens()
                .presented(&token_hash(secret), now)
                .await
                .map_err(|e| store_failure(e.into()))?;
            match presented {
                Presented::Open(grant) => {
                    req.extensions_mut().insert(ApiCaller { grant, ip });
                    return Ok(next.run(req).await);
                }
                Presented::Closed { id, name, status } => (
                    refused(&format!("{name}: token {}", status.as_str())).record("api_token", id),
                    "This token has expired or was revoked; ask the practice for a new one.",
                ),
                Presented::Unknown => (
                    refused("unknown token"),
                    "This token is not known to this practice.",
                ),
            }
        }
    };
    // Refusals are audited, so an address sending bad tokens is slowed down before it can
    // fill the trail: past the limit it is answered 429, unaudited, until the window ends.
    let bucket = format!("fhir-refused:{}", ip.as_deref().unwrap_or("unknown"));
    match state
        .store
        .rate_limits()
        .hit(&bucket, now, REFUSAL_WINDOW, REFUSALS_PER_WINDOW)
        .await
    {
        Ok(RateDecision::Limited { retry_after }) => {
            return Err(crate::fhir::bare_error_with_retry(retry_after));
        }
        Ok(RateDecision::Allowed { .. }) => {}
        Err(e) => return Err(store_failure(e.into())),
    }
    if let Err(e) = state.audit_reads().record(entry).await {
        return Err(store_failure(e.into()));
    }
    Err(unauthorized(text))
}

/// A failure of the store while checking a token, as FHIR.
pub fn store_failure(e: AppError) -> Response {
    let status = e.into_response().status();
    crate::fhir::bare_error(status)
}
