//! The practice calendar: the day and week views (`show`), holds (`holds`), the owner's kinds
//! of appointment and rooms (`setup`), and each clinician's hours and time off (`hours`).
//! A client's own appointments are booked from the client's record (`clients::appointments`).

pub mod feed;
pub mod holds;
pub mod hours;
pub mod print;
pub mod setup;

use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::practice_zone;
use crate::views::calendar::{AppointmentView, CalendarPage, DayColumn, monday_of};
use crate::views::layout::Layout;
use axum::extract::{Query, State};
use kapflow_domain::text::in_words;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Role, RoomId, UserId};
use kapflow_store::calendar::{AppointmentRow, Filter, Viewer};
use time::{Date, Duration};

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CalendarQuery {
    pub view: String,
    pub date: String,
    /// `practice`, `u-<user id>` or `r-<room id>`; a clinician's own by default.
    pub who: String,
    /// The confirmation after a redirect.
    pub done: String,
}

/// Owner and front desk run the practice's calendar: every hold, everyone's hours.
pub fn runs_the_calendar(role: Role) -> bool {
    matches!(role, Role::Owner | Role::FrontDesk)
}

/// Clinicians a booking may name, as (id, name): owner and therapists, and with
/// `prescribers` the partner prescribers too (for a visit held outside the practice).
pub async fn clinicians(
    state: &AppState,
    prescribers: bool,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(state
        .store
        .users()
        .list()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .filter_map(|u| match u.role {
            Role::Owner | Role::Therapist => Some((u.id.to_string(), u.display_name)),
            Role::Prescriber if prescribers => {
                Some((u.id.to_string(), format!("{} (prescriber)", u.display_name)))
            }
            _ => None,
        })
        .collect())
}

fn parse_who(who: &str, me: UserId, role: Role) -> Filter {
    if let Some(id) = who.strip_prefix("u-").and_then(UserId::parse) {
        return Filter::Clinician(id);
    }
    if let Some(id) = who.strip_prefix("r-").and_then(RoomId::parse) {
        return Filter::Room(id);
    }
    match (who, role) {
        ("practice", _) | ("", Role::Owner | Role::FrontDesk) => Filter::Practice,
        _ => Filter::Clinician(me),
    }
}

fn who_value(f: Filter) -> String {
    match f {
        Filter::Practice => "practice".into(),
        Filter::Clinician(u) => format!("u-{u}"),
        Filter::Room(r) => format!("r-{r}"),
    }
}

/// The appointments of the practice days `first` up to (not including) `last` that `filter`
/// selects, as the reader may see them; the client names read are audited as one read.
async fn read_range(
    state: &AppState,
    user: &StaffUser,
    filter: Filter,
    first: Date,
    last: Date,
) -> Result<Vec<AppointmentRow>, AppError> {
    let zone = practice_zone::current();
    let viewer = Viewer {
        user: user.0.id(),
        role: user.0.role(),
    };
    let rows = state
        .store
        .calendar()
        .range(
            viewer,
            filter,
            zone.day_bounds(first).0,
            zone.day_bounds(last).0,
        )
        .await?;
    let named = rows.iter().filter(|r| r.client_name.is_some()).count();
    if named > 0 {
        let entry = user
            .0
            .actor()
            .entry("calendar.viewed", now_utc())
            .record("appointments", named);
        state.audit_reads().record(entry).await?;
    }
    Ok(rows)
}

/// Whose calendar may be shown, as (value, text): the practice, each clinician, each room.
async fn whose_choices(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
    let mut whose = vec![("practice".to_owned(), "The whole practice".to_owned())];
    for (id, name) in clinicians(state, true).await? {
        whose.push((format!("u-{id}"), name));
    }
    for r in state
        .store
        .calendar()
        .rooms()
        .await?
        .into_iter()
        .filter(|r| r.active)
    {
        whose.push((format!("r-{}", r.id), format!("Room: {}", r.name)));
    }
    Ok(whose)
}

/// The words for whose calendar `filter` shows.
async fn whose_label(state: &AppState, filter: Filter) -> Result<String, AppError> {
    let value = who_value(filter);
    Ok(whose_choices(state)
        .await?
        .into_iter()
        .find(|(v, _)| *v == value)
        .map_or_else(|| "A former clinician or room".to_owned(), |(_, t)| t))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Query(q): Query<CalendarQuery>,
) -> Result<CalendarPage, AppError> {
    let zone = practice_zone::current();
    let today = zone.today(now_utc());
    let date = kapflow_domain::text::date(&q.date, "the date").unwrap_or(today);
    let week = q.view != "day";
    let (first, days) = if week {
        (monday_of(date), 7)
    } else {
        (date, 1)
    };
    let last = first + Duration::days(days);
    let filter = parse_who(&q.who, user.0.id(), user.0.role());
    let rows = read_range(&state, &user, filter, first, last).await?;
    let manages = runs_the_calendar(user.0.role());
    let mut columns: Vec<DayColumn> = (0..days)
        .map(|i| {
            let d = first + Duration::days(i);
            DayColumn {
                heading: format!("{} {}", d.weekday(), in_words(d)),
                today: d == today,
                items: Vec::new(),
            }
        })
        .collect();
    for r in &rows {
        let d = zone.today(r.starts_at);
        let i = usize::try_from((d - first).whole_days()).unwrap_or(0);
        if let Some(col) = columns.get_mut(i) {
            col.items
                .push(AppointmentView::from_row(r, user.0.id(), manages));
        }
    }
    let whose = whose_choices(&state).await?;
    let who = who_value(filter);
    let view = if week { "week" } else { "day" };
    let link = |v: &str, d: Date| format!("{}?view={v}&date={d}&who={who}", crate::paths::CALENDAR);
    let step = Duration::days(days);
    let title = if week {
        format!("Week of {}", in_words(first))
    } else {
        format!("{} {}", first.weekday(), in_words(first))
    };
    Ok(CalendarPage {
        layout: Layout::for_user(&state, &user.0).await?,
        view,
        date: date.to_string(),
        title,
        whose,
        previous: link(view, first - step),
        next: link(view, first + step),
        today_href: link(view, today),
        other_view: link(if week { "day" } else { "week" }, date),
        columns,
        zone: zone.name().replace('_', " "),
        may_set_up: user.0.role() == Role::Owner,
        notice: match q.done.as_str() {
            "held" => Some("The time is held."),
            "cancelled" => Some("The hold is cancelled."),
            _ => None,
        },
        who,
    })
}
