//! A client's questionnaires: suicide-risk alerts (closed in `alerts`), the schedule (made from the
//! pathway, adjustable here), sending a questionnaire by email, as a link to text, or on the
//! office tablet (kiosk: the staff session ends so the client sees only the questionnaire), and
//! one trend chart with its data table per instrument.

use super::{OnClient, Showing};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser, cookie};
use crate::error::AppError;
use crate::practice_zone::today;
use crate::views::clients::measures::{MeasuresPage, Refusal, page};
use crate::views::clients::response::ResponsePage;
use axum::Form;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::measures::schedule::{Channel, due_on};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{MeasureRequestId, ResponseId};
use serde::Deserialize;

/// What the page confirms after each `?done=`.
const NOTICES: &[(&str, &str)] = &[
    ("added", "Questionnaire added to the schedule."),
    ("changed", "Schedule changed."),
    (
        "emailed",
        "Emailed: the client receives a single-use link, valid for 7 days.",
    ),
    ("acknowledged", "Acknowledged, with your note."),
    (
        "email-agreed",
        "Recorded: the client agreed to receive questionnaire links by email.",
    ),
    (
        "email-withdrawn",
        "Recorded: no more questionnaire links by email unless a staff member sends one.",
    ),
    (
        "already-acknowledged",
        "Nothing to close: someone acknowledged these alerts already.",
    ),
];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    Showing(OnClient(state, user, access), q): Showing,
) -> Result<MeasuresPage, AppError> {
    page(&state, &user, access, q.notice(NOTICES), None, None, None).await
}

/// One answered questionnaire with every answer.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn response(
    OnClient(state, user, access): OnClient,
    Path((_, id)): Path<(String, String)>,
) -> Result<ResponsePage, AppError> {
    let id = ResponseId::parse(&id).ok_or(AppError::NotFound)?;
    crate::views::clients::response::page(&state, &user, access, id).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConsentForm {
    /// `yes` when the client agrees to be emailed questionnaire links, `no` when they withdraw.
    agreed: String,
    /// `client` when sent from the client's overview (front desk records it there), else the
    /// Measures page.
    from: String,
}

/// Records the client's agreement to receive questionnaire links by email, or its withdrawal.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn email_consent(
    OnClient(state, user, access): OnClient,
    Form(f): Form<ConsentForm>,
) -> Result<Response, AppError> {
    let agreed = match f.agreed.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::BadRequest),
    };
    if !state
        .store
        .follow_ups()
        .set_email_consent(&access, agreed, &user.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::NotFound);
    }
    let done = if agreed {
        "email-agreed"
    } else {
        "email-withdrawn"
    };
    if f.from == "client" {
        let overview = crate::paths::client(access.client());
        return Ok(Redirect::to(&crate::paths::done(overview, done)).into_response());
    }
    Ok(back(&access, done))
}

fn back(access: &ClientAccess, done: &str) -> Response {
    Redirect::to(&crate::paths::done(
        crate::paths::measures(access.client()),
        done,
    ))
    .into_response()
}

async fn again(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    form: String,
    field: &'static str,
    message: String,
) -> Result<Response, AppError> {
    let refusal = Refusal {
        form,
        field,
        message,
    };
    let p = page(state, user, access, None, Some(refusal), None, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddForm {
    instrument: String,
    due_on: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add(
    OnClient(state, user, access): OnClient,
    Form(f): Form<AddForm>,
) -> Result<Response, AppError> {
    if state
        .store
        .measures()
        .instrument(&f.instrument)
        .await?
        .is_none()
    {
        return again(
            &state,
            &user,
            access,
            "add".into(),
            "instrument",
            "Choose a questionnaire.".into(),
        )
        .await;
    }
    let due = match due_on(&f.due_on, "the date it is due", today(now_utc())) {
        Ok(d) => d,
        Err(m) => return again(&state, &user, access, "add".into(), "due_on", m).await,
    };
    if !state
        .store
        .measures()
        .add_request(
            &access.clinical_or_404()?,
            &f.instrument,
            due,
            &user.0.actor(),
            now_utc(),
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(back(&access, "added"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    due_on: String,
    cancel: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn change(
    OnClient(state, user, access): OnClient,
    Path((_, request)): Path<(String, String)>,
    Form(f): Form<ChangeForm>,
) -> Result<Response, AppError> {
    let request = MeasureRequestId::parse(&request).ok_or(AppError::NotFound)?;
    let due = if f.cancel == "yes" {
        None
    } else {
        match due_on(&f.due_on, "the new date", today(now_utc())) {
            Ok(d) => Some(d),
            Err(m) => {
                let form = format!("due-{request}");
                return again(&state, &user, access, form, "due_on", m).await;
            }
        }
    };
    if !state
        .store
        .measures()
        .change_request(
            &access.clinical_or_404()?,
            request,
            due,
            &user.0.actor(),
            now_utc(),
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(back(&access, "changed"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SendForm {
    channel: String,
}

/// Sends an open questionnaire: by email (a link valid 7 days), as a link to text (shown
/// once), or on this device in kiosk mode (1 hour; the staff member is signed out first).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn send(
    OnClient(state, user, access): OnClient,
    Path((_, request)): Path<(String, String)>,
    Form(f): Form<SendForm>,
) -> Result<Response, AppError> {
    let request = MeasureRequestId::parse(&request).ok_or(AppError::NotFound)?;
    let channel = Channel::parse(&f.channel).ok_or(AppError::BadRequest)?;
    let token = crate::setup_link::new_token();
    let link = format!(
        "{}{}",
        state.config.public_url,
        crate::paths::questionnaire(&token)
    );
    let now = now_utc();
    if !state
        .store
        .measures()
        .issue_link(
            &access.clinical_or_404()?,
            request,
            &token_hash(&token),
            channel,
            channel.valid_for(),
            &link,
            &user.0.actor(),
            now,
        )
        .await?
    {
        if channel == Channel::Email {
            return again(
                &state,
                &user,
                access,
                "send".into(),
                "send",
                "This client has no email address on file, or the questionnaire is no longer open."
                    .into(),
            )
            .await;
        }
        return Err(AppError::NotFound);
    }
    match channel {
        Channel::Email => Ok(back(&access, "emailed")),
        Channel::Link => {
            let p = page(&state, &user, access, None, None, None, Some(link)).await?;
            Ok(p.into_response())
        }
        Channel::Kiosk => {
            // Kiosk: this browser stops being the staff member's before the client holds it.
            state
                .store
                .sessions()
                .end(
                    user.0.session_id(),
                    &user.0.actor(),
                    "session.kiosk_handover",
                    now,
                )
                .await?;
            let mut res = Redirect::to(&crate::paths::questionnaire(&token)).into_response();
            res.headers_mut().insert(
                header::SET_COOKIE,
                cookie::clear(state.config.served_over_tls()),
            );
            Ok(res)
        }
    }
}
