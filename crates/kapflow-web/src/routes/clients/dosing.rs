//! A client's dosing sessions: the list, preparing today's, the session page, and the steps
//! before the dose (the person taking the client home, questionnaires skipped with a reason, a
//! hold overridden with a reason after step-up, opening through the gates, cancelling).
//! The monitor's entries are in `dosing_entries`, the custody log's in `dosing_custody`.

use super::{OnClient, Showing};
use crate::error::AppError;
use crate::views::clients::dosing::{
    DosingListPage, Refusal, SessionPage, Typed, Which, list_page, session_page,
};
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::DosingSessionId;
use kapflow_domain::dosing::entries::{RideHomeInput, reason};
use kapflow_domain::form::FieldErrors;
use kapflow_store::dosing::{Prepared, StartRefused};
use serde::Deserialize;

/// What the session page confirms after each `?done=`.
pub const NOTICES: &[(&str, &str)] = &[
    (
        "prepared",
        "Today's session is ready for its pre-dose checks.",
    ),
    ("ride", "The person taking the client home is recorded."),
    (
        "skipped",
        "The pre-dose questionnaires are marked skipped, with the reason.",
    ),
    (
        "override",
        "The vitals hold is overridden, with the reason.",
    ),
    (
        "opened",
        "The session is open. The timeline starts with the dose.",
    ),
    ("cancelled", "The session was cancelled."),
    ("vitals", "Vitals saved."),
    ("acknowledged", "Alert acknowledged."),
    ("observed", "Observation saved."),
    ("presence", "Who is in the room was updated."),
    ("custody", "Custody entry saved."),
    (
        "closed",
        "The session is closed. The course moved to integration.",
    ),
];

/// The session id from the path (the client's is checked by the access layer).
pub fn session_id(raw: &str) -> Result<DosingSessionId, AppError> {
    DosingSessionId::parse(raw).ok_or(AppError::NotFound)
}

/// Back to the session page with its confirmation, at the part of the page that changed.
pub fn back(on: &OnClient, id: DosingSessionId, done: &str, anchor: &str) -> Response {
    let path = crate::paths::done(crate::paths::dosing_session(on.2.client(), id), done);
    Redirect::to(&format!("{path}#{anchor}")).into_response()
}

/// The session page again with a refusal (422), nothing typed lost.
pub async fn refused(on: OnClient, id: DosingSessionId, r: Refusal) -> Result<Response, AppError> {
    let OnClient(state, user, access) = on;
    let page: SessionPage = session_page(&state, &user, access, id, None, r).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    Showing(OnClient(state, user, access), _): Showing,
) -> Result<DosingListPage, AppError> {
    list_page(&state, &user, access, vec![]).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn prepare(OnClient(state, user, access): OnClient) -> Result<Response, AppError> {
    let clinical = access.clinical_or_404()?;
    let answer = state
        .store
        .dosing()
        .prepare(&clinical, &user.0.actor(), crate::clock::now())
        .await?;
    let why = match answer {
        Prepared::Session(id) => {
            let path = crate::paths::done(
                crate::paths::dosing_session(access.client(), id),
                "prepared",
            );
            return Ok(Redirect::to(&path).into_response());
        }
        Prepared::NoCourse => "The client has no course of treatment.".to_owned(),
        Prepared::NotNow(stage) => format!(
            "A dosing session can be prepared once the course is ready for dosing or in integration; it is at {}.",
            stage.label().to_lowercase()
        ),
    };
    let page = list_page(&state, &user, access, vec![why]).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    Showing(OnClient(state, user, access), q): Showing,
    Path((_, session)): Path<(String, String)>,
) -> Result<SessionPage, AppError> {
    let id = session_id(&session)?;
    session_page(
        &state,
        &user,
        access,
        id,
        q.notice(NOTICES),
        Refusal::default(),
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn ride_home(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<RideHomeInput>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let ride = match f.validate() {
        Ok(r) => r,
        Err(e) => {
            let typed = Typed {
                ride: f,
                ..Default::default()
            };
            return refused(
                on,
                id,
                Refusal {
                    which: Which::Ride,
                    e,
                    typed,
                    ..Default::default()
                },
            )
            .await;
        }
    };
    let clinical = on.2.clinical_or_404()?;
    if !on
        .0
        .store
        .dosing()
        .ride_home(&clinical, id, &ride, &on.1.0.actor(), crate::clock::now())
        .await?
    {
        return not_before_dose(on, id).await;
    }
    Ok(back(&on, id, "ride", "ride-home"))
}

/// A reason typed into one of the page's small forms.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    skip_reason: String,
    override_reason: String,
    cancel_reason: String,
}

/// The page again with `m` beside reason field `field` of form `which`.
async fn bad_reason(
    on: OnClient,
    id: DosingSessionId,
    raw: &str,
    field: &'static str,
    m: String,
    which: Which,
) -> Result<Response, AppError> {
    let typed = Typed {
        reason: raw.to_owned(),
        ..Default::default()
    };
    let e = FieldErrors::of(field, Some(m));
    refused(
        on,
        id,
        Refusal {
            which,
            e,
            typed,
            ..Default::default()
        },
    )
    .await
}

/// The step belongs before the dose and the session is past it.
async fn not_before_dose(on: OnClient, id: DosingSessionId) -> Result<Response, AppError> {
    let reasons = vec!["That step belongs before the dose; this session is past it.".to_owned()];
    refused(
        on,
        id,
        Refusal {
            reasons,
            ..Default::default()
        },
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn skip_measures(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let what = "why the questionnaires are skipped today";
    let why = match reason(&f.skip_reason, what) {
        Ok(r) => r,
        Err(m) => return bad_reason(on, id, &f.skip_reason, "skip_reason", m, Which::Skip).await,
    };
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    if !on
        .0
        .store
        .dosing()
        .skip_measures(&clinical, id, &why, &actor, crate::clock::now())
        .await?
    {
        return not_before_dose(on, id).await;
    }
    Ok(back(&on, id, "skipped", "gates"))
}

/// Overriding a pre-dose hold: the route asks for step-up first (a sensitive clinical act).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn override_hold(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let what = "why you dose despite the hold";
    let why = match reason(&f.override_reason, what) {
        Ok(r) => r,
        Err(m) => {
            return bad_reason(
                on,
                id,
                &f.override_reason,
                "override_reason",
                m,
                Which::Override,
            )
            .await;
        }
    };
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    if !on
        .0
        .store
        .dosing()
        .override_hold(&clinical, id, &why, &actor, crate::clock::now())
        .await?
    {
        return not_before_dose(on, id).await;
    }
    Ok(back(&on, id, "override", "gates"))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn cancel(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let what = "why the session is cancelled";
    let why = match reason(&f.cancel_reason, what) {
        Ok(r) => r,
        Err(m) => {
            return bad_reason(on, id, &f.cancel_reason, "cancel_reason", m, Which::Cancel).await;
        }
    };
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    if !on
        .0
        .store
        .dosing()
        .cancel(&clinical, id, &why, &actor, crate::clock::now())
        .await?
    {
        return not_before_dose(on, id).await;
    }
    Ok(back(&on, id, "cancelled", "top"))
}

/// Opens the session through the gates; a refusal lists every unmet one with where to meet it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn start(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let clinical = on.2.clinical_or_404()?;
    let settings = crate::dosing_settings::load_now(&on.0).await?;
    let actor = on.1.0.actor();
    let outcome =
        on.0.store
            .dosing()
            .start(
                &clinical,
                id,
                &settings.thresholds,
                &actor,
                crate::clock::now(),
            )
            .await?;
    let reasons: Vec<String> = match outcome {
        Ok(()) => return Ok(back(&on, id, "opened", "timeline")),
        Err(StartRefused::NotFound) => return Err(AppError::NotFound),
        Err(StartRefused::NotPreparing) => {
            vec!["This session is already open or has ended.".to_owned()]
        }
        Err(StartRefused::Stale) => vec![
            "This session was prepared on another day: cancel it and prepare today's.".to_owned(),
        ],
        Err(StartRefused::Gates(unmet)) => unmet.iter().map(|u| u.message().to_owned()).collect(),
        Err(StartRefused::Course(r)) => r.into_iter().map(str::to_owned).collect(),
    };
    refused(
        on,
        id,
        Refusal {
            which: Which::Start,
            reasons,
            ..Default::default()
        },
    )
    .await
}

/// The aftercare sheet for one session, to print and hand over.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "aftercare.html")]
pub struct AftercarePage {
    pub layout: crate::views::layout::Layout,
    pub client: String,
    pub ride_home: String,
    pub html: String,
    pub back: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn aftercare(
    OnClient(state, user, access): OnClient,
    Path((_, session)): Path<(String, String)>,
) -> Result<AftercarePage, AppError> {
    let id = session_id(&session)?;
    let clinical = access.clinical_or_404()?;
    let data = state
        .store
        .dosing()
        .monitor(&clinical, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let client = state
        .store
        .clients()
        .get(&access)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = crate::dosing_settings::load(&state).await?;
    let partner = crate::site::SiteInfo::load(&state).await?.partner;
    Ok(AftercarePage {
        layout: crate::views::layout::Layout::for_user(&state, &user.0).await?,
        client: crate::views::clients::display_name(&client),
        ride_home: data.session.ride_home_name.unwrap_or_default(),
        html: crate::markdown::render(&settings.aftercare, &partner),
        back: crate::paths::dosing_session(access.client(), id),
    })
}
