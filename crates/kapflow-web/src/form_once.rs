//! Every form that creates something records once: a double click, a refresh or a retried
//! request after a dropped connection answers with the first result instead of running again.
//!
//! A form carries a random key (`forms::key`, a hidden `_key` field). Before its handler runs,
//! the key is claimed for the signed-in person; afterwards the answer (where it sent them) is
//! stored under it. A repeat is sent where the first went; one arriving while the first is still
//! running waits for it. A form that was refused (a mistake to fix, a database that could not
//! write) gives its key back, so the corrected form goes through under the same key.
//!
//! Claim and record are two transactions around the handler's own: if the process dies between
//! the handler's commit and the record, the key stays "in progress" and a repeat is refused
//! (409) rather than run twice — at most once, never twice. Forms whose store method claims the
//! key in its own transaction (new clients, inquiries) are exactly once.

use crate::AppState;
use crate::error::AppError;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::time_util::now_utc;
use kapflow_store::idempotency::FormClaim;
use std::time::Duration;

/// How long a repeat waits for the first request with its key to finish.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

/// Runs the form once for `who` (the signed-in person's id) under `key`.
pub async fn run(
    state: &AppState,
    who: &str,
    key: &str,
    request_hash: &[u8],
    req: Request,
    next: Next,
) -> Response {
    let scope = format!("form:{who}");
    let claim = state
        .store
        .claim_form(&scope, key, request_hash, now_utc())
        .await;
    match claim {
        Err(e) => AppError::from(e).into_response(),
        Ok(FormClaim::Fresh) => {
            let res = next.run(req).await;
            let status = res.status();
            let outcome = if status.is_success() || status.is_redirection() {
                let location = res
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                state
                    .store
                    .finish_form(&scope, key, status.as_u16(), location)
                    .await
            } else {
                state.store.release_form(&scope, key).await
            };
            if let Err(e) = outcome {
                // The form itself ran; only its key's record failed. A repeat is then refused,
                // never run twice.
                tracing::warn!(error = %e, "form key not recorded");
            }
            res
        }
        Ok(FormClaim::Done { status, location }) => repeat(status, &location),
        Ok(FormClaim::Pending) => {
            let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
                match state
                    .store
                    .claim_form(&scope, key, request_hash, now_utc())
                    .await
                {
                    Ok(FormClaim::Done { status, location }) => return repeat(status, &location),
                    Ok(FormClaim::Pending) => continue,
                    // Given back (the first was refused): this one may run now.
                    Ok(FormClaim::Fresh) => {
                        let _ = state.store.release_form(&scope, key).await;
                        break;
                    }
                    Ok(FormClaim::KeyReused) | Err(_) => break,
                }
            }
            already_sent()
        }
        Ok(FormClaim::KeyReused) => already_sent(),
    }
}

/// The first answer again: where it sent the person, or "already sent" for a page answer.
fn repeat(status: u16, location: &str) -> Response {
    let redirected = StatusCode::from_u16(status).is_ok_and(|s| s.is_redirection());
    if redirected && location.starts_with('/') {
        Redirect::to(location).into_response()
    } else {
        already_sent()
    }
}

fn already_sent() -> Response {
    AppError::Conflict("this form was already sent".into()).into_response()
}
