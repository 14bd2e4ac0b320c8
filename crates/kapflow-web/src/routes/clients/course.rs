//! The course of treatment: its stage, what the next stage still needs (each unmet
//! precondition in words), the history of every change, and the therapist's acts: advance,
//! refer to the prescriber organisation, record an integration session, complete the course
//! from integration or discontinue it with a reason, open a new course.

use super::{OnClient, Showing};
use crate::error::AppError;
use crate::views::clients::course::{CoursePage, Typed, page};
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::OrgId;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::integration::IntegrationInput;
use kapflow_domain::pathway::{Stage, Transition};
use kapflow_domain::prescribing::reason;
use kapflow_domain::time_util::now_utc;
use kapflow_store::integration::Refused as NotRecorded;
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
    ("integration", "Integration session recorded."),
    (
        "completed",
        "The course is complete. Follow-up questionnaires are scheduled for 1, 3 and 6 months.",
    ),
];

/// The refusals of a step, with nothing typed to keep.
fn refusal(reasons: Vec<String>) -> Typed {
    Typed {
        refusal: reasons,
        ..Typed::default()
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    Showing(OnClient(state, user, access), q): Showing,
) -> Result<CoursePage, AppError> {
    page(&state, &user, access, q.notice(NOTICES), Typed::default()).await
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
        Typed::default(),
    )
    .await
}

/// Moves the course on (or ends it) and shows where it went, or every reason it could not;
/// `typed` is what was typed, kept on a refusal.
async fn apply(
    OnClient(state, user, access): OnClient,
    t: Transition,
    done: &str,
    typed: Typed,
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
            let t = Typed {
                refusal: reasons,
                ..typed
            };
            Ok(refused(page(&state, &user, access, None, t).await?))
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
        let t = refusal(vec!["Choose a partner organisation.".to_owned()]);
        return Ok(refused(page(&state, &user, access, None, t).await?));
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
            page(&state, &user, access, None, refusal(reasons)).await?,
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
            let t = Typed {
                reason: f.reason,
                e,
                ..Typed::default()
            };
            return Ok(refused(page(&state, &user, access, None, t).await?));
        }
    };
    let typed = Typed {
        reason: f.reason,
        ..Typed::default()
    };
    apply(
        OnClient(state, user, access),
        Transition::Discontinue { reason: why },
        "discontinued",
        typed,
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
        let t = refusal(vec![
            "A new course can be opened only after the current one has ended.".to_owned(),
        ]);
        Ok(refused(page(&state, &user, access, None, t).await?))
    }
}

/// Records an integration session on the current course; a refusal keeps what was typed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_integration(
    OnClient(state, user, access): OnClient,
    Form(v): Form<IntegrationInput>,
) -> Result<Response, AppError> {
    let clinical = access.clinical_or_404()?;
    match state
        .store
        .integration()
        .record(&clinical, &v, &user.0.actor(), now_utc())
        .await?
    {
        Ok(_) => Ok(Redirect::to(&crate::paths::done(
            crate::paths::course(access.client()),
            "integration",
        ))
        .into_response()),
        Err(NotRecorded::NotFound) => Err(AppError::NotFound),
        Err(NotRecorded::Fields(e)) => {
            let t = Typed {
                integration: v,
                open: "integration",
                e,
                ..Typed::default()
            };
            Ok(refused(page(&state, &user, access, None, t).await?))
        }
        Err(NotRecorded::Because(why)) => {
            let t = Typed {
                refusal: vec![why],
                integration: v,
                open: "integration",
                ..Typed::default()
            };
            Ok(refused(page(&state, &user, access, None, t).await?))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CompleteForm {
    complete_reason: String,
    confirm: String,
}

/// The fields of the completion form, in the page's order.
const COMPLETE_FIELDS: &[&str] = &["complete_reason", "confirm"];

/// Completes the course from integration, with the clinician's reason and confirmation; the
/// follow-up questionnaires are scheduled with it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn complete(
    OnClient(state, user, access): OnClient,
    Form(f): Form<CompleteForm>,
) -> Result<Response, AppError> {
    let mut e = FieldErrors::in_form_order(COMPLETE_FIELDS);
    let why = match reason(&f.complete_reason, "why the course is complete") {
        Ok(r) => Some(r),
        Err(r) => {
            if let Some(m) = r.get("reason") {
                e.add("complete_reason", m);
            }
            None
        }
    };
    let confirmed = f.confirm == "yes";
    if !confirmed {
        e.add(
            "confirm",
            "Tick the box to confirm this course is complete.",
        );
    }
    let typed = Typed {
        complete_reason: f.complete_reason,
        complete_confirm: confirmed,
        open: "complete",
        ..Typed::default()
    };
    let Some(why) = why.filter(|_| e.is_empty()) else {
        let t = Typed { e, ..typed };
        return Ok(refused(page(&state, &user, access, None, t).await?));
    };
    match state
        .store
        .integration()
        .complete(&access, &why, &user.0.actor(), now_utc())
        .await?
        .ok_or(AppError::NotFound)?
    {
        Ok(_) => Ok(Redirect::to(&crate::paths::done(
            crate::paths::course(access.client()),
            "completed",
        ))
        .into_response()),
        Err(r) => {
            let t = Typed {
                refusal: r.reasons.iter().map(|u| u.message().to_owned()).collect(),
                ..typed
            };
            Ok(refused(page(&state, &user, access, None, t).await?))
        }
    }
}
