//! The practice calendar's pages: the day and week views, the booking forms and an
//! appointment's own page, and the words for a refused booking.

use crate::time_fmt::{clock, when};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::calendar::{BookingInput, SessionType, Status};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::in_words;
use kapflow_store::calendar::{AppointmentRow, Conflict, ConflictWith, RoomRow};
use time::Date;

/// One appointment as a calendar or a list shows it.
pub struct AppointmentView {
    /// Where its own page is, when the reader may open it.
    pub href: Option<String>,
    pub day: String,
    pub time: String,
    /// The client's name, a hold's title, or "Booked" where the reader may not see the name.
    pub who: String,
    pub kind: String,
    pub clinicians: String,
    pub place: String,
    pub status: Option<&'static str>,
    pub risk: Option<&'static str>,
    pub cancel_reason: Option<String>,
}

impl AppointmentView {
    pub fn from_row(
        r: &AppointmentRow,
        viewer: kapflow_domain::UserId,
        manages_holds: bool,
    ) -> Self {
        let href = match (r.client_id, &r.client_name) {
            (Some(c), Some(_)) => Some(crate::paths::appointment(c, r.id)),
            (None, _)
                if manages_holds
                    || r.clinician_id == viewer
                    || r.second_clinician == Some(viewer) =>
            {
                Some(crate::paths::hold(r.id))
            }
            _ => None,
        };
        let who = match (&r.client_name, &r.title, r.client_id) {
            (Some(n), _, _) => n.clone(),
            (None, Some(t), None) => format!("Held: {t}"),
            _ => "Booked".to_owned(),
        };
        let clinicians = match &r.second_name {
            Some(s) => format!("{} and {s}", r.clinician_name),
            None => r.clinician_name.clone(),
        };
        let place = match (&r.room_name, r.telehealth) {
            (_, true) => "By video".to_owned(),
            (Some(room), false) => room.clone(),
            (None, false) => String::new(),
        };
        AppointmentView {
            href,
            day: in_words(crate::time_fmt::day(r.starts_at)),
            time: format!("{}–{}", clock(r.starts_at), clock(r.ends_at)),
            who,
            kind: r.type_label.clone(),
            clinicians,
            place,
            status: (r.status != Status::Booked).then(|| r.status.label()),
            risk: r.risk.map(|l| l.label()),
            cancel_reason: r.cancel_reason.clone(),
        }
    }
}

/// A refused booking in words, one line per conflict.
pub fn conflict_lines(found: &[Conflict]) -> Vec<String> {
    found
        .iter()
        .map(|c| {
            let span = format!(
                "{} to {}",
                when(c.starts_at),
                clock(c.ends_at)
            );
            match &c.with {
                ConflictWith::Clinician(n) => format!("{n} already has an appointment from {span}."),
                ConflictWith::Room(n) => format!("{n} is already booked from {span}."),
                ConflictWith::Client => {
                    format!("The client already has an appointment from {span}.")
                }
                ConflictWith::TimeOff(n) => format!("{n} is away from {span}."),
                ConflictWith::OutsideHours(n) => format!(
                    "A dosing session from {span} falls outside {n}'s working hours; the therapist stays for the whole session."
                ),
            }
        })
        .collect()
}

/// One column of the week view.
pub struct DayColumn {
    pub heading: String,
    pub today: bool,
    pub items: Vec<AppointmentView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
pub struct CalendarPage {
    pub layout: Layout,
    /// "day" or "week".
    pub view: &'static str,
    pub date: String,
    pub title: String,
    pub who: String,
    /// (value, text) for the choice of whose calendar.
    pub whose: Vec<(String, String)>,
    pub previous: String,
    pub next: String,
    pub today_href: String,
    pub other_view: String,
    pub columns: Vec<DayColumn>,
    pub zone: String,
    pub may_set_up: bool,
    pub notice: Option<&'static str>,
}

/// The booking form's choices and what was typed.
pub struct BookingForm {
    pub action: String,
    pub key: String,
    pub v: BookingInput,
    pub e: FieldErrors,
    pub conflicts: Vec<String>,
    pub types: Vec<(String, String)>,
    pub clinicians: Vec<(String, String)>,
    pub rooms: Vec<(String, String)>,
    pub hold: bool,
    pub zone: String,
    /// The second clinician's choices: none, or any clinician.
    pub second: Vec<(String, String)>,
    pub repeat_choices: Vec<(String, String)>,
}

impl BookingForm {
    pub fn new(
        action: String,
        types: &[SessionType],
        clinicians: Vec<(String, String)>,
        rooms: &[RoomRow],
        hold: bool,
        zone: &str,
    ) -> Self {
        let second = std::iter::once((String::new(), "None".to_owned()))
            .chain(clinicians.iter().cloned())
            .collect();
        let repeat_choices = [
            ("none", "Does not repeat"),
            ("weekly", "Every week"),
            ("fortnightly", "Every two weeks"),
        ]
        .iter()
        .map(|(v, t)| ((*v).to_owned(), (*t).to_owned()))
        .collect();
        BookingForm {
            second,
            repeat_choices,
            action,
            key: crate::routes::clients::form_key(),
            v: BookingInput::default(),
            e: FieldErrors::default(),
            conflicts: Vec::new(),
            types: types
                .iter()
                .filter(|t| t.active)
                .map(|t| {
                    let how = match (t.needs_room, t.telehealth, t.external) {
                        (_, _, true) => "with the prescriber",
                        (true, _, _) => "needs a room",
                        (false, true, _) => "in person or by video",
                        (false, false, _) => "in person",
                    };
                    (
                        t.key.clone(),
                        format!("{} ({} min, {how})", t.label, t.minutes),
                    )
                })
                .collect(),
            clinicians,
            rooms: std::iter::once((String::new(), "No room".to_owned()))
                .chain(rooms.iter().filter(|r| r.active).map(|r| {
                    let name = if r.dosing {
                        format!("{} (dosing)", r.name)
                    } else {
                        r.name.clone()
                    };
                    (r.id.to_string(), name)
                }))
                .collect(),
            hold,
            zone: zone.to_owned(),
        }
    }

    pub fn time_hint(&self) -> String {
        format!(
            "In the practice's time zone ({}).",
            self.zone.replace('_', " ")
        )
    }
}

/// A week's Monday.
pub fn monday_of(d: Date) -> Date {
    d - time::Duration::days(i64::from(d.weekday().number_days_from_monday()))
}
