//! Working hours and time off: each clinician keeps their own; the owner and front desk keep
//! anyone's. Time off is whole days of the practice's calendar.

use super::runs_the_calendar;
use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::practice_zone;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::calendar::WeekHours;
use kapflow_domain::calendar::hours::{DAYS, END_FIELDS, START_FIELDS, clock_text};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::{date_within, days_from, optional_line, years_from};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Role, TimeOffId, UserId};
use std::collections::HashMap;

pub struct DayRow {
    pub name: String,
    pub start_field: &'static str,
    pub end_field: &'static str,
    pub start: String,
    pub end: String,
}

pub struct AwayRow {
    pub id: TimeOffId,
    pub span: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_hours.html")]
pub struct HoursPage {
    pub layout: Layout,
    pub csrf: String,
    pub user: UserId,
    pub name: String,
    /// Whom the reader may choose (owner and front desk), as (id, name).
    pub people: Vec<(String, String)>,
    pub days: Vec<DayRow>,
    pub hours_e: FieldErrors,
    pub away: Vec<AwayRow>,
    pub off_from: String,
    pub off_to: String,
    pub off_note: String,
    pub off_e: FieldErrors,
    pub clashes: Vec<String>,
    pub notice: Option<&'static str>,
    pub zone: String,
    /// The reader's own page (the feed is theirs alone), and whether they have a feed link.
    pub own: bool,
    pub has_feed: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct WhoQuery {
    who: String,
    done: String,
}

/// The person whose hours are read or kept: the reader, or (owner and front desk) the
/// clinician they chose. Anyone else's is refused as not found.
async fn whose(
    state: &AppState,
    user: &StaffUser,
    who: &str,
) -> Result<(UserId, String), AppError> {
    let me = user.0.id();
    let id = if who.trim().is_empty() {
        me
    } else {
        UserId::parse(who.trim()).ok_or(AppError::NotFound)?
    };
    if id != me && !runs_the_calendar(user.0.role()) {
        return Err(AppError::NotFound);
    }
    let person = state
        .store
        .users()
        .list()
        .await?
        .into_iter()
        .find(|u| u.id == id && matches!(u.role, Role::Owner | Role::Therapist | Role::FrontDesk))
        .ok_or(AppError::NotFound)?;
    Ok((id, person.display_name))
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    who: (UserId, String),
    week: Option<(HashMap<String, String>, FieldErrors)>,
) -> Result<HoursPage, AppError> {
    let cal = state.store.calendar();
    let hours = cal.hours(who.0).await?;
    let days = DAYS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (start, end) = match &week {
                Some((typed, _)) => (
                    typed.get(START_FIELDS[i]).cloned().unwrap_or_default(),
                    typed.get(END_FIELDS[i]).cloned().unwrap_or_default(),
                ),
                None => hours
                    .on(*d)
                    .map(|(s, e)| (clock_text(s), clock_text(e)))
                    .unwrap_or_default(),
            };
            DayRow {
                name: d.to_string(),
                start_field: START_FIELDS[i],
                end_field: END_FIELDS[i],
                start,
                end,
            }
        })
        .collect();
    let away = cal
        .time_off(who.0, now_utc())
        .await?
        .into_iter()
        .map(|t| AwayRow {
            id: t.id,
            span: format!("{} to {}", when(t.starts_at), when(t.ends_at)),
            note: t.note.unwrap_or_default(),
        })
        .collect();
    let people = if runs_the_calendar(user.0.role()) {
        super::clinicians(state, false).await?
    } else {
        Vec::new()
    };
    Ok(HoursPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        user: who.0,
        name: who.1.clone(),
        people,
        days,
        hours_e: week.map(|(_, e)| e).unwrap_or_default(),
        away,
        off_from: String::new(),
        off_to: String::new(),
        off_note: String::new(),
        off_e: FieldErrors::default(),
        clashes: Vec::new(),
        notice: None,
        zone: practice_zone::current().name().replace('_', " "),
        own: who.0 == user.0.id(),
        has_feed: cal.has_feed(user.0.id()).await?,
    })
}

fn back(user: UserId, done: &str) -> Response {
    Redirect::to(&format!("{}?who={user}&done={done}", crate::paths::HOURS)).into_response()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Query(q): Query<WhoQuery>,
) -> Result<HoursPage, AppError> {
    let who = whose(&state, &user, &q.who).await?;
    let mut p = page(&state, &user, who, None).await?;
    p.notice = match q.done.as_str() {
        "hours" => Some("Working hours saved."),
        "away" => Some("Time off recorded."),
        "removed" => Some("Time off removed."),
        "feed-withdrawn" => Some("Your calendar feed link is withdrawn."),
        _ => None,
    };
    Ok(p)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_hours(
    State(state): State<AppState>,
    user: StaffUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = whose(
        &state,
        &user,
        form.get("user").map(String::as_str).unwrap_or(""),
    )
    .await?;
    let value = |k: &str| form.get(k).cloned().unwrap_or_default();
    match WeekHours::parse(&value) {
        Ok(week) => {
            state
                .store
                .calendar()
                .set_hours(who.0, &week, &user.0.actor(), now_utc())
                .await?;
            Ok(back(who.0, "hours"))
        }
        Err(e) => {
            let p = page(&state, &user, who, Some((form, e))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AwayForm {
    user: String,
    off_from: String,
    off_to: String,
    off_note: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_time_off(
    State(state): State<AppState>,
    user: StaffUser,
    Form(f): Form<AwayForm>,
) -> Result<Response, AppError> {
    let who = whose(&state, &user, &f.user).await?;
    let zone = practice_zone::current();
    let today = zone.today(now_utc());
    let (earliest, latest) = (days_from(today, -1), years_from(today, 2));
    let mut e = FieldErrors::default();
    let from = e.take(
        "off_from",
        date_within(&f.off_from, "the first day away", earliest, latest),
    );
    let to = e.take(
        "off_to",
        date_within(&f.off_to, "the last day away", earliest, latest),
    );
    let note = e.take("off_note", optional_line(&f.off_note, 200));
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        e.add("off_to", "The last day must be on or after the first.");
    }
    let mut clashes = Vec::new();
    if let (Some(a), Some(b), Some(note), true) = (from, to, note, e.is_empty()) {
        let span = (zone.day_bounds(a).0, zone.day_bounds(b).1);
        match state
            .store
            .calendar()
            .add_time_off(who.0, span, note.as_deref(), &user.0.actor(), now_utc())
            .await?
        {
            Ok(_) => return Ok(back(who.0, "away")),
            Err(times) => {
                clashes = times.into_iter().map(when).collect();
            }
        }
    }
    let mut p = page(&state, &user, who, None).await?;
    p.off_from = f.off_from;
    p.off_to = f.off_to;
    p.off_note = f.off_note;
    p.off_e = e;
    p.clashes = clashes;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RemoveForm {
    user: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_time_off(
    State(state): State<AppState>,
    user: StaffUser,
    Path(entry): Path<String>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    let who = whose(&state, &user, &f.user).await?;
    let id = TimeOffId::parse(&entry).ok_or(AppError::NotFound)?;
    if state
        .store
        .calendar()
        .remove_time_off(who.0, id, &user.0.actor(), now_utc())
        .await?
    {
        Ok(back(who.0, "removed"))
    } else {
        Err(AppError::NotFound)
    }
}
