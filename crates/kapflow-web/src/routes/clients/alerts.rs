//! Closing a client's open suicide-risk alerts with one note — from the client's Measures page
//! (the care team) or from the dashboard (the care team, and the owner for any client: alerts
//! nobody answers escalate to the owner).

use super::OnClient;
use crate::error::AppError;
use crate::views::alerts::AckRefusal;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kapflow_domain::AlertId;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::required_text;
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AckInput {
    /// The alerts this note closes (one field per ticked box).
    alert: Vec<String>,
    note: String,
    /// `dashboard` when sent from the dashboard; otherwise the Measures page.
    from: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn acknowledge(
    OnClient(state, user, access): OnClient,
    Form(f): Form<AckInput>,
) -> Result<Response, AppError> {
    let dashboard = f.from == "dashboard";
    let chosen: Vec<AlertId> = f.alert.iter().filter_map(|a| AlertId::parse(a)).collect();
    let mut e = FieldErrors::default();
    if chosen.is_empty() {
        e.add("alert", "Tick at least one alert this note closes.");
    }
    let note = e.take(
        "note",
        required_text(&f.note, 2000, "what you did (a note is required)"),
    );
    let Some(note) = note.filter(|_| e.is_empty()) else {
        let refusal = AckRefusal {
            client: access.client(),
            chosen,
            note: f.note,
            e,
        };
        let page = if dashboard {
            crate::routes::account::dashboard_page(&state, &user.0, None, Some(refusal))
                .await?
                .into_response()
        } else {
            crate::views::clients::measures::page(
                &state,
                &user,
                access,
                None,
                None,
                Some(refusal),
                None,
            )
            .await?
            .into_response()
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let closed = state
        .store
        .alerts()
        .acknowledge(&access, &chosen, &note, &user.0.actor(), now_utc())
        .await?;
    let done = if closed == 0 {
        "already-acknowledged"
    } else {
        "acknowledged"
    };
    let to = if dashboard {
        crate::paths::DASHBOARD.to_owned()
    } else {
        crate::paths::measures(access.client())
    };
    Ok(Redirect::to(&crate::paths::done(to, done)).into_response())
}
