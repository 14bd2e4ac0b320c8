//! iCalendar (RFC 5545) for the calendar feeds, written with the `icalendar` crate. An event
//! carries no client's name: "Session" by default, or the kind and the client's initials where
//! the practice chose that (`calendar.feed_detail` = `kind_initials`). Times are UTC instants,
//! which every calendar shows in its reader's own zone.

use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use kapflow_domain::calendar::Status;
use kapflow_store::calendar::FeedItem;
use time::OffsetDateTime;

/// What an event's title says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedDetail {
    /// "Session" (or "Held" for a hold): nothing about the client.
    Session,
    /// The kind and the client's initials: "Dosing session (A.A.)".
    KindAndInitials,
}

/// The settings key and its values.
pub const DETAIL_KEY: &str = "calendar.feed_detail";

impl FeedDetail {
    pub fn from_setting(v: Option<&str>) -> Self {
        match v {
            Some("kind_initials") => FeedDetail::KindAndInitials,
            _ => FeedDetail::Session,
        }
    }

    pub fn as_setting(self) -> &'static str {
        match self {
            FeedDetail::Session => "session",
            FeedDetail::KindAndInitials => "kind_initials",
        }
    }
}

/// The host part of the practice's public address, which makes event UIDs unique to it.
pub fn host_of(public_url: &str) -> String {
    url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "kapflow".into())
}

/// "Ada Alpha" → "A.A."
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(|c| c.to_uppercase().chain(std::iter::once('.')))
        .collect()
}

fn title(item: &FeedItem, detail: FeedDetail) -> String {
    match (&item.client_name, detail) {
        (None, _) => format!("Held: {}", item.hold_title.as_deref().unwrap_or("time")),
        (Some(_), FeedDetail::Session) => "Session".to_owned(),
        (Some(name), FeedDetail::KindAndInitials) => {
            format!("{} ({})", item.type_label, initials(name))
        }
    }
}

/// Minutes since 2020 of the last change: a sequence that only grows as the event changes.
fn sequence(changed: Option<OffsetDateTime>) -> u32 {
    let base = time::macros::datetime!(2020-01-01 00:00 UTC);
    changed
        .map(|t| u32::try_from((t - base).whole_minutes().max(1)).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

/// A clinician's feed.
pub fn feed(practice: &str, host: &str, items: &[FeedItem], detail: FeedDetail) -> String {
    let mut cal = Calendar::new();
    cal.name(&format!("{practice}: appointments"));
    for item in items {
        let mut e = Event::new();
        e.uid(&format!("{}@{host}", item.id))
            .summary(&title(item, detail))
            .starts(item.starts_at)
            .ends(item.ends_at)
            .sequence(sequence(item.changed_at))
            .status(match item.status {
                Status::Booked => EventStatus::Confirmed,
                Status::Cancelled => EventStatus::Cancelled,
                // Kept on the calendar as it happened; the title says so.
                Status::NoShow => EventStatus::Confirmed,
            });
        if item.status == Status::NoShow {
            e.summary(&format!("{} (did not attend)", title(item, detail)));
        }
        match (&item.room_name, item.telehealth) {
            (_, true) => {
                e.location("By video");
            }
            (Some(room), false) => {
                e.location(room);
            }
            (None, false) => {}
        }
        cal.push(e.done());
    }
    cal.done().to_string()
}

/// A client's own calendar entry for one appointment: the practice's name and where, nothing
/// about the kind of session.
pub fn one_appointment(
    practice: &str,
    host: &str,
    id: kapflow_domain::AppointmentId,
    starts: OffsetDateTime,
    ends: OffsetDateTime,
    place: &str,
) -> String {
    let mut cal = Calendar::new();
    cal.push(
        Event::new()
            .uid(&format!("{id}@{host}"))
            .summary(&format!("Appointment at {practice}"))
            .starts(starts)
            .ends(ends)
            .location(place)
            .status(EventStatus::Confirmed)
            .done(),
    );
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kapflow_domain::AppointmentId;
    use time::macros::datetime;

    fn item(status: Status) -> FeedItem {
        FeedItem {
            id: AppointmentId::new(),
            starts_at: datetime!(2026-12-10 15:00 UTC),
            ends_at: datetime!(2026-12-10 18:00 UTC),
            status,
            type_label: "Dosing session".into(),
            client_name: Some("Ada Alpha".into()),
            hold_title: None,
            room_name: Some("Dosing room".into()),
            telehealth: false,
            changed_at: None,
        }
    }

    #[test]
    fn a_feed_parses_back_and_names_no_client() {
        let text = feed(
            "Practice",
            "kap.example",
            &[item(Status::Booked), item(Status::Cancelled)],
            FeedDetail::Session,
        );
        assert!(!text.contains("Ada") && !text.contains("Alpha"));
        let parsed: Calendar = text.parse().expect("RFC 5545");
        let events: Vec<&Event> = parsed
            .components
            .iter()
            .filter_map(|c| c.as_event())
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].get_summary(), Some("Session"));
        assert_eq!(events[0].get_location(), Some("Dosing room"));
        assert_eq!(events[1].get_status(), Some(EventStatus::Cancelled));
        assert!(text.contains("DTSTART:20261210T150000Z"), "{text}");
        let with = feed(
            "Practice",
            "kap.example",
            &[item(Status::Booked)],
            FeedDetail::KindAndInitials,
        );
        assert!(with.contains("SUMMARY:Dosing session (A.A.)"), "{with}");
    }
}
