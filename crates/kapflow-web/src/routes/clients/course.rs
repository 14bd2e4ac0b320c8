//! The course of treatment: its stage, what the next stage still needs (each unmet
//! precondition in words), the history of every change, and the therapist's acts: advance,
//! refer to the prescriber organisation, discontinue with a reason, open a new course.

use super::{OnClient, Showing};
use crate::error::AppError;
use crate::views::clients::course::{CoursePage, page};
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::OrgId;
use kapflow_domain::pathway::{Stage, Transition};
use kapflow_domain::prescribing::reason;
use kapflow_domain::time_util::now_utc;
use kapflow_store::prescribing::Refused;
use serde::Deserialize;

/// What the page confirms after each `?done=`.
const NOTICES: &[(&str, &str)] = &[
    ("advanced", "The course moved to its next stage."),
    (
        "referred",
        "Referred. The prescriber organisation can now see the referral.",
    ),
    ("discontinued", "The course was discontinued."),
    ("new", "A new course was opened at assessment."),
];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    Showing(OnClient(state, user, access), q): Showing,
) -> Result<CoursePage, AppError> {
    page(
        &state,
        &user,
        access,
        q.notice(NOTICES),
        vec![],
        String::new(),
        None,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdvanceForm {
    to: String,
}

fn refused(page: CoursePage) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn advance(
    OnClient(state, user, access): OnClient,
    Form(f): Form<AdvanceForm>,
) -> Result<Response, AppError> {
    let to = Stage::parse(&f.to).ok_or(AppError::BadRequest)?;
    if to == Stage::Discontinued {
        return Err(AppError::BadRequest);
    }
    apply(
        OnClient(state, user, access),
        Transition::Advance(to),
        "advanced",
        String::new(),
    )
    .await
}

/// Moves the course on (or ends it) and shows where it went, or every reason it could not;
/// `typed` is the reason as typed, kept on a refusal.
async fn apply(
    OnClient(state, user, access): OnClient,
    t: Transition,
    done: &str,
    typed: String,
) -> Result<Response, AppError> {
    let outcome = state
        .store
        .courses()
        .transition(&access, &t, &user.0.actor(), now_utc())
        .await?
        .ok_or(AppError::NotFound)?;
    match outcome {
        Ok(_) => Ok(Redirect::to(&crate::paths::done(
            crate::paths::course(access.client()),
            done,
        ))
        .into_response()),
        Err(r) => {
            let reasons = r.reasons.iter().map(|u| u.message().to_owned()).collect();
            Ok(refused(
                page(&state, &user, access, None, reasons, typed, None).await?,
            ))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferForm {
    org: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn refer(
    OnClient(state, user, access): OnClient,
    Form(f): Form<ReferForm>,
) -> Result<Response, AppError> {
    let Some(org) = OrgId::parse(&f.org) else {
        let reasons = vec!["Choose a partner organisation.".to_owned()];
        return Ok(refused(
            page(&state, &user, access, None, reasons, String::new(), None).await?,
        ));
    };
    match state
        .store
        .prescribing()
        .refer(&access, org, &user.0.actor(), now_utc())
        .await?
    {
        Ok(()) => Ok(Redirect::to(&crate::paths::done(
            crate::paths::course(access.client()),
            "referred",
        ))
        .into_response()),
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::Because(reasons)) => Ok(refused(
            page(&state, &user, access, None, reasons, String::new(), None).await?,
        )),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DiscontinueForm {
    reason: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn discontinue(
    OnClient(state, user, access): OnClient,
    Form(f): Form<DiscontinueForm>,
) -> Result<Response, AppError> {
    let why = match reason(&f.reason, "why the course is discontinued") {
        Ok(r) => r,
        Err(e) => {
            let msg = e.get("reason").map(str::to_owned);
            return Ok(refused(
                page(&state, &user, access, None, vec![], f.reason, msg).await?,
            ));
        }
    };
    apply(
        OnClient(state, user, access),
        Transition::Discontinue { reason: why },
        "discontinued",
        f.reason,
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn new_course(OnClient(state, user, access): OnClient) -> Result<Response, AppError> {
    if state
        .store
        .courses()
        .start_new(&access, &user.0.actor(), now_utc())
        .await?
    {
        Ok(Redirect::to(&crate::paths::done(
            crate::paths::course(access.client()),
            "new",
        ))
        .into_response())
    } else {
        let reasons =
            vec!["A new course can be opened only after the current one has ended.".to_owned()];
        Ok(refused(
            page(&state, &user, access, None, reasons, String::new(), None).await?,
        ))
    }
}
