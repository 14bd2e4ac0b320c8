//! Preparation: the client's intentions, the expectations the therapist went through with
//! them (checklist from the practice's page and the protocol facts), and the readiness
//! sign-off that the referral needs.

use super::{OnClient, Showing};
use crate::error::AppError;
use crate::form_fields::Fields;
use crate::views::clients::preparation::{PreparationPage, page};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::preparation::PreparationForm;
use kapflow_domain::time_util::now_utc;
use kapflow_store::assessment::Saved;

/// What the page confirms after each `?done=`.
const NOTICES: &[(&str, &str)] = &[
    ("saved", "Preparation saved."),
    (
        "signed_off",
        "Readiness signed off. The client can now be referred.",
    ),
];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    Showing(OnClient(state, user, access), q): Showing,
) -> Result<PreparationPage, AppError> {
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(
    OnClient(state, user, access): OnClient,
    f: Fields,
) -> Result<Response, AppError> {
    let form = PreparationForm {
        intentions: f.get("intentions"),
        discussed: f.all("discussed"),
        notes: f.get("notes"),
    };
    let sign_off = f.get("intent") == "sign_off";
    let e = if sign_off {
        form.check_sign_off()
    } else {
        form.check_draft()
    };
    if !e.is_empty() {
        let p = page(
            &state,
            &user,
            access,
            Some(form),
            e,
            None,
            Some("Not signed off yet: see the marked fields. Everything you typed is kept."),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    let msg = match state
        .store
        .assessment()
        .save_preparation(&access, &form, sign_off, &user.0.actor(), now_utc())
        .await?
    {
        Saved::Saved => {
            let done = if sign_off { "signed_off" } else { "saved" };
            return Ok(Redirect::to(&crate::paths::done(
                crate::paths::preparation(access.client()),
                done,
            ))
            .into_response());
        }
        Saved::Locked => "Readiness is already signed off; preparation can no longer change.",
        Saved::WrongStage => {
            "Preparation is recorded while the course is in the preparation stage."
        }
        Saved::NoCourse => return Err(AppError::NotFound),
        Saved::Unreadable => {
            "The stored preparation could not be read, so nothing was saved over it. \
             Tell the practice owner: the record needs checking before anyone edits it."
        }
    };
    let p = page(
        &state,
        &user,
        access,
        Some(form),
        FieldErrors::default(),
        None,
        Some(msg),
    )
    .await?;
    Ok((StatusCode::CONFLICT, p).into_response())
}
