//! Holds: time a clinician keeps free of clients (supervision, admin), booked and cancelled by
//! the person it holds time for, or by the owner and front desk for anyone.

use super::{clinicians, runs_the_calendar};
use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::practice_zone;
use crate::views::calendar::{AppointmentView, BookingForm, conflict_lines};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::AppointmentId;
use kapflow_domain::calendar::BookingInput;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::required_line;
use kapflow_domain::time_util::now_utc;
use kapflow_store::calendar::{Booked, Changed, On, Viewer};

#[derive(Template, WebTemplate)]
#[template(path = "hold_new.html")]
pub struct HoldNewPage {
    pub layout: Layout,
    pub csrf: String,
    pub f: BookingForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "hold.html")]
pub struct HoldPage {
    pub layout: Layout,
    pub csrf: String,
    pub a: AppointmentView,
    pub id: AppointmentId,
    pub booked: bool,
    pub reason: String,
    pub e: FieldErrors,
}

/// The booking form (a client's or a hold) with the practice's choices.
pub async fn booking_form(
    state: &AppState,
    action: String,
    hold: bool,
) -> Result<BookingForm, AppError> {
    let cal = state.store.calendar();
    Ok(BookingForm::new(
        action,
        &cal.session_types().await?,
        clinicians(state, true).await?,
        &cal.rooms().await?,
        hold,
        practice_zone::current().name(),
    ))
}

/// Fills `f` with what a refused booking needs to show; the booked ids otherwise.
pub fn outcome(f: &mut BookingForm, booked: Booked) -> Option<Vec<AppointmentId>> {
    match booked {
        Booked::Done(ids) => Some(ids),
        Booked::Conflicts(found) => {
            f.conflicts = conflict_lines(&found);
            None
        }
        Booked::Refused(field, why) => {
            f.e.add(field, why);
            None
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn new_form(
    State(state): State<AppState>,
    user: StaffUser,
) -> Result<HoldNewPage, AppError> {
    let mut f = booking_form(&state, crate::paths::HOLDS.to_owned(), true).await?;
    f.v.clinician = user.0.id().to_string();
    Ok(HoldNewPage {
        layout: Layout::for_user(&state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        f,
    })
}

/// A posted booking form: its idempotency key (kept when the form is shown again) and fields.
#[derive(serde::Deserialize)]
pub struct Posted {
    #[serde(default, rename = "_key")]
    pub key: String,
    #[serde(flatten)]
    pub v: BookingInput,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(
    State(state): State<AppState>,
    user: StaffUser,
    Form(p): Form<Posted>,
) -> Result<Response, AppError> {
    let mut f = booking_form(&state, crate::paths::HOLDS.to_owned(), true).await?;
    if !p.key.is_empty() {
        f.key = p.key;
    }
    let types = state.store.calendar().session_types().await?;
    let today = practice_zone::today(now_utc());
    let mut booked = None;
    match p.v.validate(&types, today, true) {
        Ok(b) if !runs_the_calendar(user.0.role()) && b.clinician != user.0.id() => {
            f.e.add("clinician", "You can hold time for yourself only.");
        }
        Ok(b) => {
            let r = state
                .store
                .calendar()
                .book(None, &b, &user.0.actor(), now_utc())
                .await?;
            booked = outcome(&mut f, r);
        }
        Err(e) => f.e = e,
    }
    if booked.is_some() {
        return Ok(Redirect::to(&format!("{}?done=held", crate::paths::CALENDAR)).into_response());
    }
    f.v = p.v;
    let page = HoldNewPage {
        layout: Layout::for_user(&state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        f,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn hold_page(
    state: &AppState,
    user: &StaffUser,
    id: &str,
    reason: String,
    e: FieldErrors,
) -> Result<HoldPage, AppError> {
    let id = AppointmentId::parse(id).ok_or(AppError::NotFound)?;
    let viewer = Viewer {
        user: user.0.id(),
        role: user.0.role(),
    };
    let row = state
        .store
        .calendar()
        .hold(viewer, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let manages = runs_the_calendar(user.0.role());
    let a = AppointmentView::from_row(&row, user.0.id(), manages);
    // Someone else's hold: as if there were none.
    if a.href.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(HoldPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        booked: row.status == kapflow_domain::calendar::Status::Booked,
        a,
        id,
        reason,
        e,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<HoldPage, AppError> {
    hold_page(&state, &user, &id, String::new(), FieldErrors::default()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    pub reason: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn cancel(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Form(f): Form<CancelForm>,
) -> Result<Response, AppError> {
    let reason = match required_line(&f.reason, 200, "why it is cancelled") {
        Ok(r) => r,
        Err(m) => {
            let page = hold_page(
                &state,
                &user,
                &id,
                f.reason,
                FieldErrors::of("reason", Some(m)),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let appointment = AppointmentId::parse(&id).ok_or(AppError::NotFound)?;
    let on = On::Hold {
        user: user.0.id(),
        any_hold: runs_the_calendar(user.0.role()),
    };
    match state
        .store
        .calendar()
        .cancel(on, appointment, &reason, false, &user.0.actor(), now_utc())
        .await?
    {
        Changed::Done => {
            Ok(Redirect::to(&format!("{}?done=cancelled", crate::paths::CALENDAR)).into_response())
        }
        _ => Err(AppError::NotFound),
    }
}
