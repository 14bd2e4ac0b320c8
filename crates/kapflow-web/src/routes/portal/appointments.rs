//! The client's appointments: coming and past, one added to their own calendar (.ics), and a
//! request to change one (a message to the care team; the client never books or moves).

use super::OnPortal;
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::portal::{AppointmentView, AppointmentsPage};
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::AppointmentId;
use kapflow_domain::calendar::Status;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::portal::change_request;
use kapflow_domain::time_util::now_utc;
use kapflow_store::portal::PortalAppointment;
use kapflow_store::settings::keys;
use serde::Deserialize;

fn place(a: &PortalAppointment, practice_address: &str) -> String {
    match (a.telehealth, &a.video_link, &a.room_name) {
        (true, Some(link), _) => format!("By video: {link}"),
        (true, None, _) => "By video: your clinician sends the link.".to_owned(),
        _ if practice_address.is_empty() => "At the practice".to_owned(),
        _ => format!("At the practice, {practice_address}"),
    }
}

fn view(a: &PortalAppointment, address: &str) -> AppointmentView {
    AppointmentView {
        id: a.id,
        when: when(a.starts_at),
        what: a.type_label.clone(),
        with: a.clinician_name.clone(),
        place: place(a, address),
        status: a.status.label(),
        booked: a.status == Status::Booked,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SentQuery {
    sent: Option<String>,
}

async fn page(
    on: &OnPortal,
    asking: Option<(AppointmentId, String, FieldErrors)>,
    sent: bool,
) -> Result<AppointmentsPage, AppError> {
    let now = now_utc();
    let settings = on.0.store.settings().snapshot().await?;
    let address = settings.get(keys::ADDRESS).unwrap_or("").trim().to_owned();
    let all = on.0.store.portal().appointments(&on.2).await?;
    let (coming, mut past): (Vec<_>, Vec<_>) = all.iter().partition(|a| a.ends_at > now);
    past.reverse();
    let (asking, reason, e) = match asking {
        Some((id, reason, e)) => (Some(id), reason, e),
        None => (None, String::new(), FieldErrors::default()),
    };
    let (layout, f) = on.frame().await?;
    Ok(AppointmentsPage {
        layout,
        f,
        coming: coming.into_iter().map(|a| view(a, &address)).collect(),
        past: past.into_iter().map(|a| view(a, &address)).collect(),
        asking,
        reason,
        e,
        sent,
        key: crate::routes::clients::form_key(),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(on: OnPortal, Query(q): Query<SentQuery>) -> Result<AppointmentsPage, AppError> {
    page(&on, None, q.sent.is_some()).await
}

/// The appointment as an iCalendar file the client opens in their own calendar: the practice's
/// name and where, nothing about the kind of session.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn ics(on: OnPortal, Path(id): Path<String>) -> Result<Response, AppError> {
    let found = match AppointmentId::parse(&id) {
        Some(id) => on.0.store.portal().appointment(&on.2, id).await?,
        None => None,
    };
    let Some(a) = found.filter(|a| a.status == Status::Booked) else {
        return Err(on.not_theirs("appointment").await);
    };
    let settings = on.0.store.settings().snapshot().await?;
    let practice = settings.get(keys::PRACTICE_NAME).unwrap_or("the practice");
    let address = settings.get(keys::ADDRESS).unwrap_or("").trim().to_owned();
    let host = crate::ical::host_of(&on.0.config.public_url);
    let text = crate::ical::one_appointment(
        practice,
        &host,
        a.id,
        a.starts_at,
        a.ends_at,
        &place(&a, &address),
    );
    let mut res = text.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"appointment.ics\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    reason: String,
}

/// A request to change an appointment goes to the care team as a message in the client's
/// thread; the booking itself stays as it is until staff move it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn ask_change(
    on: OnPortal,
    Path(id): Path<String>,
    Form(f): Form<ChangeForm>,
) -> Result<Response, AppError> {
    let settings = on.0.store.settings().snapshot().await?;
    if !crate::portal_settings::read(&settings).change_requests {
        return Err(AppError::NotFound);
    }
    let found = match AppointmentId::parse(&id) {
        Some(id) => on.0.store.portal().appointment(&on.2, id).await?,
        None => None,
    };
    let Some(a) = found.filter(|a| a.status == Status::Booked && a.starts_at > now_utc()) else {
        return Err(on.not_theirs("appointment").await);
    };
    let id = a.id;
    let reason = match change_request(&f.reason) {
        Ok(r) => r,
        Err(e) => {
            let p = page(&on, Some((id, f.reason, e)), false).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let body = format!(
        "Request to change the appointment on {} ({} with {}):\n{reason}",
        when(a.starts_at),
        a.type_label,
        a.clinician_name
    );
    on.0.store
        .portal()
        .send_message(&on.2, &body, None, &on.1.actor(), now_utc())
        .await?;
    Ok(Redirect::to(&format!("{}?sent=1", crate::paths::PORTAL_APPOINTMENTS)).into_response())
}
