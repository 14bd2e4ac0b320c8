//! Break-glass: a clinician opens a client outside their caseload — exact legal name and date
//! of birth, a reason — for a limited time (a setting, 4 hours by default), read-only. The owner
//! is told (no PHI), and every access in the window is marked in the audit trail.

use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::views::clients::break_glass::{
    BreakGlassInput, BreakGlassPage, hours, min_reason, page,
};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::AuditOutcome;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::prescribing::break_glass_reason;
use kapflow_domain::text::{date, required_line};
use kapflow_domain::time_util::now_utc;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
) -> Result<BreakGlassPage, AppError> {
    page(
        &state,
        &user,
        BreakGlassInput::default(),
        FieldErrors::default(),
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn open(
    State(state): State<AppState>,
    user: StaffUser,
    Form(v): Form<BreakGlassInput>,
) -> Result<Response, AppError> {
    let mut e = FieldErrors::default();
    let name = e.take(
        "legal_name",
        required_line(&v.legal_name, 120, "the client's legal name"),
    );
    let dob = e.take("date_of_birth", date(&v.date_of_birth, "the date of birth"));
    let reason = match break_glass_reason(&v.reason, min_reason(&state).await?) {
        Ok(r) => Some(r),
        Err(re) => {
            if let Some(m) = re.get("reason") {
                e.add("reason", m.to_owned());
            }
            None
        }
    };
    let (Some(name), Some(dob), Some(reason)) = (name, dob, reason) else {
        let p = page(&state, &user, v, e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let now = now_utc();
    let Some(client) = state.store.access().find_client_exact(&name, dob).await? else {
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
