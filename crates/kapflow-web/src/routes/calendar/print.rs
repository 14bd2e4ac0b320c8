//! One day's schedule as a PDF, for the practice, a clinician or a room: what the day view
//! shows, in the practice's time zone, with the same names hidden and the same reading audited.

use super::{CalendarQuery, parse_who, read_range, whose_label};
use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::practice_zone;
use crate::print;
use crate::views::calendar::AppointmentView;
use axum::extract::{Query, State};
use axum::response::Response;
use kapflow_domain::text::in_words;
use kapflow_domain::time_util::now_utc;
use kapflow_pdf::Block;
use time::Duration;

/// An appointment's line beside its time.
fn line(a: &AppointmentView) -> String {
    let mut parts = vec![format!("{}: {}", a.who, a.kind), a.clinicians.clone()];
    if !a.place.is_empty() {
        parts.push(a.place.clone());
    }
    let mut text = parts.join(" · ");
    if let Some(s) = a.status {
        text.push_str(&format!(" ({s}"));
        if let Some(r) = &a.cancel_reason {
            text.push_str(&format!(": {r}"));
        }
        text.push(')');
    }
    if let Some(r) = a.risk {
        text.push_str(&format!(" · Open risk alert: {r}"));
    }
    text
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn day_pdf(
    State(state): State<AppState>,
    user: StaffUser,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, AppError> {
    let zone = practice_zone::current();
    let date = kapflow_domain::text::date(&q.date, "the date").unwrap_or(zone.today(now_utc()));
    let filter = parse_who(&q.who, user.0.id(), user.0.role());
    let rows = read_range(&state, &user, filter, date, date + Duration::days(1)).await?;
    let manages = super::runs_the_calendar(user.0.role());
    let title = format!("Schedule, {} {}", date.weekday(), in_words(date));
    let mut doc = print::document(&state, &title).await?;
    doc.push(Block::Title(title.clone()));
    doc.field("Calendar", &whose_label(&state, filter).await?)
        .field(
            "Times",
            &format!(
                "in the practice's time zone ({})",
                zone.name().replace('_', " ")
            ),
        )
        .push(Block::Rule);
    if rows.is_empty() {
        doc.push(Block::Text("Nothing is booked on this day.".into()));
    }
    for r in &rows {
        let a = AppointmentView::from_row(r, user.0.id(), manages);
        doc.push(Block::Entry(a.time.clone(), line(&a)));
    }
    Ok(print::pdf(&doc, &format!("schedule-{date}.pdf")))
}
