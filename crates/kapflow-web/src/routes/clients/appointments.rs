//! A client's appointments: the list (coming and past), booking (one or a weekly or
//! fortnightly series), and one appointment's page to move it, cancel it with a reason, mark
//! it not attended, or — for a dosing session on its day — go to that day's session.

use super::{OnClient, Showing};
use crate::error::AppError;
use crate::practice_zone;
use crate::routes::calendar::holds::{Posted, booking_form, outcome};
use crate::views::calendar::{AppointmentView, BookingForm, conflict_lines};
use crate::views::clients::{HeaderView, Tab, ctx};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::AppointmentId;
use kapflow_domain::access::Action;
use kapflow_domain::calendar::Status;
use kapflow_domain::calendar::booking::start_time;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::{date, required_line};
use kapflow_domain::time_util::now_utc;
use kapflow_store::calendar::{Changed, On};

#[derive(Template, WebTemplate)]
#[template(path = "appointments.html")]
pub struct AppointmentsPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub coming: Vec<AppointmentView>,
    pub past: Vec<AppointmentView>,
    /// The booking form, shown to those who may book.
    pub f: BookingForm,
    pub may_book: bool,
    pub notice: Option<&'static str>,
}

const NOTICES: &[(&str, &str)] = &[
    ("booked", "Booked."),
    ("moved", "The appointment is moved."),
    ("cancelled", "The appointment is cancelled."),
    ("no-show", "Marked as not attended."),
];

async fn list_page(
    on: &OnClient,
    f: Option<BookingForm>,
    notice: Option<&'static str>,
) -> Result<AppointmentsPage, AppError> {
    let OnClient(state, user, access) = on;
    let h = ctx(state, access, Tab::Appointments).await?.header;
    let rows = state.store.calendar().for_client(access).await?;
    let now = now_utc();
    let (mut coming, mut past) = (Vec::new(), Vec::new());
    for r in &rows {
        let v = AppointmentView::from_row(r, user.0.id(), true);
        if r.ends_at > now && r.status == Status::Booked {
            coming.push(v);
        } else {
            past.push(v);
        }
    }
    past.reverse();
    let f = match f {
        Some(f) => f,
        None => {
            let mut f =
                booking_form(state, crate::paths::appointments(access.client()), false).await?;
            // The reader, when they hold sessions; else the first clinician listed.
            let me = user.0.id().to_string();
            if f.clinicians.iter().any(|(id, _)| *id == me) {
                f.v.clinician = me;
            }
            f
        }
    };
    Ok(AppointmentsPage {
        layout: Layout::for_user(state, &user.0).await?,
        h,
        csrf: user.0.csrf().to_owned(),
        coming,
        past,
        f,
        may_book: access.may(Action::EditClientDemographics),
        notice,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(Showing(on, done): Showing) -> Result<AppointmentsPage, AppError> {
    let notice = done.notice(NOTICES);
    list_page(&on, None, notice).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn book(on: OnClient, Form(p): Form<Posted>) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    let mut f = booking_form(state, crate::paths::appointments(access.client()), false).await?;
    if !p.key.is_empty() {
        f.key = p.key;
    }
    let types = state.store.calendar().session_types().await?;
    let today = practice_zone::today(now_utc());
    match p.v.validate(&types, today, false) {
        Ok(b) => {
            let r = state
                .store
                .calendar()
                .book(Some(access), &b, &user.0.actor(), now_utc())
                .await?;
            if outcome(&mut f, r).is_some() {
                // A self-pay client is owed a good-faith estimate once services are booked
                // (every client pays the practice directly: it bills no insurer).
                crate::estimates::after_booking(
                    state,
                    (user.0.id(), &user.0.actor()),
                    access,
                    b.date,
                )
                .await?;
                return Ok(Redirect::to(&crate::paths::done(
                    crate::paths::appointments(access.client()),
                    "booked",
                ))
                .into_response());
            }
        }
        Err(e) => f.e = e,
    }
    f.v = p.v;
    let page = list_page(&on, Some(f), None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "appointment.html")]
pub struct AppointmentPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub id: AppointmentId,
    pub a: AppointmentView,
    pub booked: bool,
    pub may_change: bool,
    /// The appointment's time has come (it may be marked not attended).
    pub started: bool,
    /// A dosing session on today's date: the link to that day's session.
    pub dosing_today: bool,
    pub video_link: Option<String>,
    /// The reader writes the clinical record: the appointment's note starts (or opens) here.
    pub may_note: bool,
    pub move_date: String,
    pub move_time: String,
    pub reason: String,
    pub e: FieldErrors,
    pub conflicts: Vec<String>,
    pub refusal: Option<String>,
}

fn appointment_id(s: &str) -> Result<AppointmentId, AppError> {
    AppointmentId::parse(s).ok_or(AppError::NotFound)
}

async fn one_page(on: &OnClient, id: AppointmentId) -> Result<AppointmentPage, AppError> {
    let OnClient(state, user, access) = on;
    let h = ctx(state, access, Tab::Appointments).await?.header;
    let row = state
        .store
        .calendar()
        .of_client(access, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let zone = practice_zone::current();
    let now = now_utc();
    let local = zone.local(row.starts_at);
    Ok(AppointmentPage {
        layout: Layout::for_user(state, &user.0).await?,
        h,
        csrf: user.0.csrf().to_owned(),
        id,
        booked: row.status == Status::Booked,
        may_change: access.may(Action::EditClientDemographics),
        started: row.starts_at <= now,
        dosing_today: row.session_type == kapflow_domain::calendar::session_type::DOSING
            && zone.today(row.starts_at) == zone.today(now)
            && access.clinical().is_some(),
        video_link: row.video_link.clone(),
        may_note: access.may(Action::EditClinicalRecord) && row.status != Status::Cancelled,
        move_date: local.date().to_string(),
        move_time: format!("{:02}:{:02}", local.hour(), local.minute()),
        a: AppointmentView::from_row(&row, user.0.id(), true),
        reason: String::new(),
        e: FieldErrors::default(),
        conflicts: Vec::new(),
        refusal: None,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
) -> Result<AppointmentPage, AppError> {
    one_page(&on, appointment_id(&id)?).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    move_date: String,
    move_time: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn move_to(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<MoveForm>,
) -> Result<Response, AppError> {
    let id = appointment_id(&id)?;
    let OnClient(state, user, access) = &on;
    let today = practice_zone::today(now_utc());
    let mut e = FieldErrors::default();
    let day = e.take(
        "move_date",
        date(&f.move_date, "the new date").and_then(|d| {
            if d < today {
                Err("Enter today's date or a later one.".to_owned())
            } else {
                Ok(d)
            }
        }),
    );
    let at = e.take("move_time", start_time(&f.move_time));
    let mut conflicts = Vec::new();
    let mut refusal = None;
    if let (Some(d), Some(t)) = (day, at) {
        match state
            .store
            .calendar()
            .reschedule(On::Client(access), id, d, t, &user.0.actor(), now_utc())
            .await?
        {
            Changed::Done => {
                return Ok(Redirect::to(&crate::paths::done(
                    crate::paths::appointments(access.client()),
                    "moved",
                ))
                .into_response());
            }
            Changed::Conflicts(found) => conflicts = conflict_lines(&found),
            Changed::Refused(why) => refusal = Some(why),
            Changed::NotFound => return Err(AppError::NotFound),
        }
    }
    let mut p = one_page(&on, id).await?;
    p.move_date = f.move_date;
    p.move_time = f.move_time;
    p.e = e;
    p.conflicts = conflicts;
    p.refusal = refusal;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    reason: String,
    rest_of_series: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn cancel(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<CancelForm>,
) -> Result<Response, AppError> {
    let id = appointment_id(&id)?;
    let OnClient(state, user, access) = &on;
    match required_line(&f.reason, 200, "why it is cancelled") {
        Ok(reason) => match state
            .store
            .calendar()
            .cancel(
                On::Client(access),
                id,
                &reason,
                f.rest_of_series.is_some(),
                &user.0.actor(),
                now_utc(),
            )
            .await?
        {
            Changed::Done => Ok(Redirect::to(&crate::paths::done(
                crate::paths::appointments(access.client()),
                "cancelled",
            ))
            .into_response()),
            _ => Err(AppError::NotFound),
        },
        Err(m) => {
            let mut p = one_page(&on, id).await?;
            p.reason = f.reason;
            p.e = FieldErrors::of("reason", Some(m));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn no_show(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = appointment_id(&id)?;
    let OnClient(state, user, access) = &on;
    match state
        .store
        .calendar()
        .no_show(On::Client(access), id, &user.0.actor(), now_utc())
        .await?
    {
        Changed::Done => Ok(Redirect::to(&crate::paths::done(
            crate::paths::appointments(access.client()),
            "no-show",
        ))
        .into_response()),
        Changed::Refused(why) => {
            let mut p = one_page(&on, id).await?;
            p.refusal = Some(why);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        _ => Err(AppError::NotFound),
    }
}
