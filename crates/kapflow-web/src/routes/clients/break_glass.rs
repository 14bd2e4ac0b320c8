//! Break-glass: a clinician opens a client outside their caseload — exact legal name and date
//! of birth (or the client a safety alert names), a reason — for a limited time (a setting, 4 hours by default), read-only. The owner
//! is told (no PHI), and every access in the window is marked in the audit trail.

use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::views::clients::break_glass::{
    BreakGlassInput, BreakGlassPage, alert_client, hours, min_reason, page,
};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::AuditOutcome;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::prescribing::break_glass_reason;
use kapflow_domain::text::{date, required_line};
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Query(q): Query<ForClient>,
) -> Result<BreakGlassPage, AppError> {
    let v = BreakGlassInput {
        client: q.client,
        ..BreakGlassInput::default()
    };
    page(&state, &user, v, FieldErrors::default()).await
}

/// `?client=…`: emergency access to the client a safety alert names.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForClient {
    client: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn open(
    State(state): State<AppState>,
    user: StaffUser,
    Form(v): Form<BreakGlassInput>,
) -> Result<Response, AppError> {
    let mut e = FieldErrors::default();
    // From a safety alert the alert names the client; otherwise the exact legal name and date
    // of birth find them.
    let from_alert = alert_client(&state, &v.client).await?.map(|(id, _)| id);
    let (name, dob) = if from_alert.is_some() {
        (None, None)
    } else {
        (
            e.take(
                "legal_name",
                required_line(&v.legal_name, 120, "the client's legal name"),
            ),
            e.take("date_of_birth", date(&v.date_of_birth, "the date of birth")),
        )
    };
    let reason = match break_glass_reason(&v.reason, min_reason(&state).await?) {
        Ok(r) => Some(r),
        Err(re) => {
            if let Some(m) = re.get("reason") {
                e.add("reason", m.to_owned());
            }
            None
        }
    };
    let now = now_utc();
    let (client, reason) = match (from_alert, name, dob, reason) {
        (Some(id), _, _, Some(reason)) => (id, reason),
        (None, Some(name), Some(dob), Some(reason)) => {
            match state.store.access().find_client_exact(&name, dob).await? {
                Some(id) => (id, reason),
                None => {
                    let entry = user
                        .0
                        .actor()
                        .entry("break_glass.opened", now)
                        .outcome(AuditOutcome::Failure, Some("no client matched"));
                    state.store.audit().record(&entry).await?;
                    e.add(
                        "legal_name",
                        "No client has exactly this legal name and date of birth.",
                    );
                    let p = page(&state, &user, v, e).await?;
                    return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
                }
            }
        }
        _ => {
            let p = page(&state, &user, v, e).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let hours = hours(&state).await?;
    state
        .store
        .access()
        .open_break_glass(user.0.id(), client, &reason, hours, &user.0.actor(), now)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&crate::paths::client(client)).into_response())
}
