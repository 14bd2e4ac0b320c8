//! The client's intake, filled in at home: saved as often as they like, then sent to the care
//! team with every required answer in; the therapist takes the blood pressure at the assessment
//! and completes it (which is the review before it counts).

use super::OnPortal;
use crate::error::AppError;
use crate::form_fields::Fields;
use crate::time_fmt::when;
use crate::views::portal_forms::IntakePage;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::intake::{IntakeForm, QUESTIONS};
use kapflow_domain::time_util::now_utc;
use kapflow_store::assessment::Saved;

/// The fields the therapist fills in at the assessment, not the client.
const IN_OFFICE: &[&str] = &["bp_systolic", "bp_diastolic"];

async fn page(
    on: &OnPortal,
    typed: Option<IntakeForm>,
    e: FieldErrors,
    refusal: Option<&'static str>,
    saved: bool,
) -> Result<IntakePage, AppError> {
    let portal = on.0.store.portal();
    let record = portal.intake(&on.2).await?;
    let sent = portal.intake_sent(&on.2).await?;
    let completed = record.as_ref().and_then(|r| r.completed.clone());
    let status = match (&completed, sent) {
        (Some((at, _)), _) => format!(
            "Your intake was completed on {}. Your care team has it; it no longer changes here.",
            when(*at)
        ),
        (None, Some(at)) => format!(
            "You sent it to your care team on {}. You can still add to it until your assessment.",
            when(at)
        ),
        (None, None) => {
            "Fill it in before your assessment: save as often as you like, then send it.".into()
        }
    };
    let stored = record.and_then(|r| r.form.ok()).unwrap_or_default();
    let (layout, f) = on.frame().await?;
    Ok(IntakePage {
        layout,
        f,
        v: typed.unwrap_or(stored),
        e,
        questions: QUESTIONS,
        status,
        editable: completed.is_none(),
        refusal,
        saved,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(on: OnPortal, Query(q): Query<SavedQuery>) -> Result<IntakePage, AppError> {
    page(&on, None, FieldErrors::default(), None, q.saved.is_some()).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(on: OnPortal, f: Fields) -> Result<Response, AppError> {
    let form = crate::routes::clients::intake::form_from(&f);
    let send = f.get("intent") == "send";
    let e = if send {
        form.check_complete().without(IN_OFFICE)
    } else {
        form.check_draft()
    };
    if !e.is_empty() {
        let p = page(&on, Some(form), e, None, false).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    let outcome =
        on.0.store
            .portal()
            .save_intake(&on.2, &form, send, &on.1.actor(), now_utc())
            .await?;
    let refusal = match outcome {
        Saved::Saved => {
            return Ok(
                Redirect::to(&format!("{}?saved=1", crate::paths::PORTAL_INTAKE)).into_response(),
            );
        }
        Saved::Locked => "Your intake is completed and can no longer change here.",
        Saved::WrongStage | Saved::NoCourse => {
            "Your intake is not open now. Your care team opens it for your assessment."
        }
        Saved::Unreadable => {
            "Your intake could not be saved just now. Please tell your care team; nothing you typed is lost here."
        }
    };
    let p = page(
        &on,
        Some(form),
        FieldErrors::default(),
        Some(refusal),
        false,
    )
    .await?;
    Ok((StatusCode::CONFLICT, p).into_response())
}
