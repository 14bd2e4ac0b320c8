//! The assessment intake and its contraindication screening: saved as a draft or completed
//! (every required answer present), flags shown with the rule and its source, and the
//! therapist's review of the screening. The screening never decides eligibility.

use super::{OnClient, Showing};
use crate::error::AppError;
use crate::form_fields::Fields;
use crate::views::clients::intake::{IntakePage, page};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::intake::{IntakeForm, QUESTIONS};
use kapflow_domain::time_util::now_utc;
use kapflow_store::assessment::Saved;

/// What the page confirms after each `?done=`.
const NOTICES: &[(&str, &str)] = &[
    ("draft", "Draft saved."),
    ("completed", "Intake completed. Review the screening below."),
    ("reviewed", "Screening marked as reviewed."),
];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    Showing(OnClient(state, user, access), q): Showing,
) -> Result<IntakePage, AppError> {
    page(
        &state,
        &user,
        access,
        None,
        FieldErrors::default(),
        q.notice(NOTICES),
        None,
    )
    .await
}

/// The form as typed: text fields as strings, each yes/no box on when sent.
/// The intake form as sent (the staff page and the portal's).
pub(crate) fn form_from(f: &Fields) -> IntakeForm {
    let mut map = serde_json::Map::new();
    // Every field of the form is text, except the sensitivity label, read on its own.
    for key in IntakeForm::FIELDS.iter().filter(|k| **k != "sensitivity") {
        map.insert((*key).into(), serde_json::Value::String(f.get(key)));
    }
    for (key, _) in QUESTIONS {
        map.insert((*key).into(), serde_json::Value::Bool(f.on(key)));
    }
    serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(
    OnClient(state, user, access): OnClient,
    f: Fields,
) -> Result<Response, AppError> {
    let form = form_from(&f);
    let sensitivity_raw = f.get("sensitivity");
    let complete = f.get("intent") == "complete";
    let mut e = if complete {
        form.check_complete()
    } else {
        form.check_draft()
    };
    let sensitivity = Sensitivity::parse(&sensitivity_raw);
    if sensitivity.is_none() {
        e.add("sensitivity", "Choose a label from the list.");
    }
    let Some(sensitivity) = sensitivity.filter(|_| e.is_empty()) else {
        let p = page(
            &state,
            &user,
            access,
            Some((form, sensitivity_raw)),
            e,
            None,
            Some(if complete {
                "The intake was not completed, and your answers are kept below. Please fix:"
            } else {
                "The draft was not saved, and your answers are kept below. Please fix:"
            }),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let outcome = state
        .store
        .assessment()
        .save_intake(
            &access,
            &form,
            sensitivity,
            complete,
            &user.0.actor(),
            now_utc(),
        )
        .await?;
    let msg = match outcome {
        Saved::Saved => {
            let done = if complete { "completed" } else { "draft" };
            return Ok(Redirect::to(&crate::paths::done(
                crate::paths::intake(access.client()),
                done,
            ))
            .into_response());
        }
        Saved::Locked => "This intake is completed and can no longer be changed.",
        Saved::WrongStage => "The intake can be changed only while the course is in assessment.",
        Saved::NoCourse => return Err(AppError::NotFound),
        Saved::Unreadable => UNREADABLE,
    };
    let p = page(
        &state,
        &user,
        access,
        Some((form, sensitivity_raw)),
        FieldErrors::default(),
        None,
        Some(msg),
    )
    .await?;
    Ok((StatusCode::CONFLICT, p).into_response())
}

/// Said when the stored intake cannot be read; nothing is written over it.
const UNREADABLE: &str = "The stored intake could not be read, so nothing was saved over it. \
     Tell the practice owner: the record needs checking before anyone edits it.";

#[tracing::instrument(level = "debug", skip_all)]
pub async fn review(OnClient(state, user, access): OnClient) -> Result<Response, AppError> {
    match state
        .store
        .assessment()
        .review_screening(&access, &user.0.actor(), now_utc())
        .await?
    {
        Saved::Saved => Ok(Redirect::to(&crate::paths::done(
            crate::paths::intake(access.client()),
            "reviewed",
        ))
        .into_response()),
        Saved::NoCourse => Err(AppError::NotFound),
        other => {
            let why = if other == Saved::Unreadable {
                "The stored intake could not be read, so its screening cannot be reviewed. Tell the practice owner: the record needs checking."
            } else {
                "Complete the intake before reviewing its screening."
            };
            let p = page(
                &state,
                &user,
                access,
                None,
                FieldErrors::default(),
                None,
                Some(why),
            )
            .await?;
            Ok((StatusCode::CONFLICT, p).into_response())
        }
    }
}
