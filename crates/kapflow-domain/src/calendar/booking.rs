//! What a booking form must hold before the store looks for conflicts: a kind, a day and time
//! in the practice's zone, the clinicians, a room where the kind needs one, and an optional
//! weekly or fortnightly repeat — laid out as instants that keep their local time across
//! daylight-saving changes.

use super::hours::clock;
use super::session_type::SessionType;
use crate::form::FieldErrors;
use crate::ids::{RoomId, UserId};
use crate::text::{date, days_from, in_words, number_in, optional_line, years_from};
use crate::zone::PracticeZone;
use time::{Date, Duration, OffsetDateTime, Time};

/// How a series repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeat {
    /// 1: weekly; 2: fortnightly.
    pub every_weeks: u8,
    /// How many appointments in all, the first included.
    pub times: u32,
}

/// The most appointments one series books (half a year of weekly sessions).
pub const MAX_TIMES: u32 = 26;

/// The booking form as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct BookingInput {
    #[serde(default)]
    pub session_type: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub clinician: String,
    #[serde(default)]
    pub second_clinician: String,
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub telehealth: Option<String>,
    #[serde(default)]
    pub video_link: String,
    #[serde(default)]
    pub repeat: String,
    #[serde(default)]
    pub times: String,
    /// A hold's title (holds have no client): "Supervision", "Admin".
    #[serde(default)]
    pub title: String,
}

pub const FIELDS: &[&str] = &[
    "title",
    "session_type",
    "date",
    "time",
    "clinician",
    "second_clinician",
    "room",
    "video_link",
    "repeat",
    "times",
];

/// A booking that reads right on its own (conflicts are the store's to find).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    pub session_type: String,
    pub date: Date,
    pub time: Time,
    pub minutes: u32,
    pub clinician: UserId,
    pub second_clinician: Option<UserId>,
    pub room: Option<RoomId>,
    pub telehealth: bool,
    pub video_link: Option<String>,
    pub repeat: Option<Repeat>,
    pub title: Option<String>,
}

impl BookingInput {
    /// Checks the form against the chosen kind (`types` are the practice's) and the practice's
    /// `today`. `hold`: a booking without a client, which needs a title instead.
    pub fn validate(
        &self,
        types: &[SessionType],
        today: Date,
        hold: bool,
    ) -> Result<Booking, FieldErrors> {
        let mut e = FieldErrors::in_form_order(FIELDS);
        let title = if hold {
            e.take(
                "title",
                crate::text::required_line(&self.title, 80, "what the time is held for"),
            )
        } else {
            None
        };
        let kind = e.take(
            "session_type",
            types
                .iter()
                .find(|t| t.key == self.session_type.trim() && t.active)
                .cloned()
                .ok_or_else(|| "Choose the kind of appointment.".to_owned()),
        );
        let day = e.take(
            "date",
            date(&self.date, "the date").and_then(|d| {
                let latest = years_from(today, 2);
                if d < today {
                    Err("Enter today's date or a later one.".to_owned())
                } else if d > latest {
                    Err(format!("Enter a date up to {}.", in_words(latest)))
                } else {
                    Ok(d)
                }
            }),
        );
        let at = e.take("time", start_time(&self.time));
        let clinician = e.take(
            "clinician",
            UserId::parse(self.clinician.trim()).ok_or_else(|| "Choose the clinician.".to_owned()),
        );
        let second = match self.second_clinician.trim() {
            "" => Some(None),
            s => e.take(
                "second_clinician",
                UserId::parse(s)
                    .filter(|s| Some(*s) != clinician)
                    .map(Some)
                    .ok_or_else(|| {
                        "Choose a second clinician other than the first, or none.".to_owned()
                    }),
            ),
        };
        let telehealth = self.telehealth.is_some();
        let room = match (self.room.trim(), &kind) {
            (_, Some(k)) if k.external => Some(None),
            ("", Some(k)) if k.needs_room && !telehealth => {
                e.add(
                    "room",
                    format!("Choose the room: a {} needs one.", k.label.to_lowercase()),
                );
                None
            }
            ("", _) => Some(None),
            (r, _) => e.take(
                "room",
                RoomId::parse(r)
                    .map(Some)
                    .ok_or_else(|| "Choose a room from the list.".to_owned()),
            ),
        };
        if let Some(k) = &kind
            && telehealth
            && !k.telehealth
        {
            e.add(
                "session_type",
                format!("A {} cannot be held by video.", k.label.to_lowercase()),
            );
        }
        let video_link = e.take("video_link", video(&self.video_link)).flatten();
        let repeat = e
            .take("repeat", repeat(&self.repeat, &self.times))
            .flatten();
        match (kind, day, at, clinician, second, room) {
            (
                Some(kind),
                Some(date),
                Some(time),
                Some(clinician),
                Some(second_clinician),
                Some(room),
            ) if e.is_empty() => Ok(Booking {
                session_type: kind.key,
                date,
                time,
                minutes: kind.minutes,
                clinician,
                second_clinician,
                room: if telehealth { None } else { room },
                telehealth,
                video_link,
                repeat,
                title,
            }),
            _ => Err(e),
        }
    }
}

/// A start time typed as `HH:MM`, on a five-minute step.
pub fn start_time(raw: &str) -> Result<Time, String> {
    clock(raw)
        .filter(|m| *m < 24 * 60 && m % 5 == 0)
        .and_then(|m| {
            Time::from_hms(u8::try_from(m / 60).ok()?, u8::try_from(m % 60).ok()?, 0).ok()
        })
        .ok_or_else(|| "Enter the start time like 10:00 (in steps of 5 minutes).".to_owned())
}

/// A video link: the practice's own tool, over HTTPS.
fn video(raw: &str) -> Result<Option<String>, String> {
    let Some(v) = optional_line(raw, 500)? else {
        return Ok(None);
    };
    let ok =
        v.starts_with("https://") && v.len() > "https://".len() && !v.contains(char::is_whitespace);
    if ok {
        Ok(Some(v))
    } else {
        Err("Enter the video link as a full address starting with https://.".into())
    }
}

fn repeat(kind: &str, times: &str) -> Result<Option<Repeat>, String> {
    let every_weeks = match kind.trim() {
        "" | "none" => return Ok(None),
        "weekly" => 1,
        "fortnightly" => 2,
        _ => return Err("Choose how the appointment repeats.".into()),
    };
    let times = number_in(times, 2..=MAX_TIMES, "how many appointments in all")?;
    Ok(Some(Repeat { every_weeks, times }))
}

impl Booking {
    /// The days of the series (one day without a repeat).
    pub fn days(&self) -> Vec<Date> {
        let Some(r) = self.repeat else {
            return vec![self.date];
        };
        (0..r.times)
            .map(|i| days_from(self.date, i64::from(i) * 7 * i64::from(r.every_weeks)))
            .collect()
    }

    /// Each appointment's start and end: the same practice-clock time on every day of the
    /// series, whatever the clocks did in between.
    pub fn occurrences(&self, zone: &PracticeZone) -> Vec<(OffsetDateTime, OffsetDateTime)> {
        self.days()
            .into_iter()
            .map(|d| {
                let start = zone.instant(d, self.time);
                (start, start + Duration::minutes(i64::from(self.minutes)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::session_type::NoteTemplate;
    use time::macros::{date, datetime, time};

    fn types() -> Vec<SessionType> {
        let t = |key: &str, minutes, needs_room, telehealth, external| SessionType {
            key: key.into(),
            label: key.replace('_', " "),
            minutes,
            needs_room,
            telehealth,
            external,
            note_template: NoteTemplate::General,
            active: true,
        };
        vec![
            t("dosing", 180, true, false, false),
            t("integration", 50, false, true, false),
            t("prescriber_visit", 45, false, true, true),
        ]
    }

    fn input(kind: &str) -> BookingInput {
        BookingInput {
            session_type: kind.into(),
            date: "2026-12-10".into(),
            time: "10:00".into(),
            clinician: UserId::new().to_string(),
            ..Default::default()
        }
    }

    const TODAY: Date = date!(2026 - 12 - 03);

    #[test]
    fn a_dosing_session_needs_a_room_and_cannot_be_by_video() {
        let e = input("dosing")
            .validate(&types(), TODAY, false)
            .expect_err("no room");
        assert_eq!(e.get("room"), Some("Choose the room: a dosing needs one."));
        let mut i = input("dosing");
        i.telehealth = Some("on".into());
        let e = i.validate(&types(), TODAY, false).expect_err("video");
        assert_eq!(
            e.get("session_type"),
            Some("A dosing cannot be held by video.")
        );
        let mut i = input("dosing");
        i.room = RoomId::new().to_string();
        let b = i.validate(&types(), TODAY, false).expect("ok");
        assert_eq!(
            (b.minutes, b.date, b.time),
            (180, date!(2026 - 12 - 10), time!(10:00))
        );
    }

    #[test]
    fn dates_times_links_and_clinicians_are_checked_where_typed() {
        let mut i = input("integration");
        i.date = "2026-12-02".into();
        i.time = "10:03".into();
        i.video_link = "zoom.us/j/1".into();
        i.second_clinician = i.clinician.clone();
        i.repeat = "weekly".into();
        i.times = "40".into();
        let e = i.validate(&types(), TODAY, false).expect_err("refused");
        for f in ["date", "time", "video_link", "second_clinician", "times"] {
            assert!(e.has(f) || (f == "times" && e.has("repeat")), "{f}");
        }
        let e = input("integration")
            .validate(&types(), TODAY, true)
            .expect_err("hold");
        assert!(e.has("title"));
        assert!(
            input("unknown")
                .validate(&types(), TODAY, false)
                .expect_err("kind")
                .has("session_type")
        );
    }

    #[test]
    fn a_series_keeps_its_local_time_across_both_clock_changes() {
        let ny = PracticeZone::named("America/New_York").expect("zone");
        let mut i = input("integration");
        i.date = "2026-02-26".into();
        i.repeat = "fortnightly".into();
        i.times = "20".into();
        // 26 February 2026 + 19 fortnights crosses 8 March and 1 November.
        let b = i
            .validate(&types(), date!(2026 - 02 - 01), false)
            .expect("ok");
        let all = b.occurrences(&ny);
        assert_eq!(all.len(), 20);
        assert_eq!(all[0].0, datetime!(2026-02-26 15:00 UTC));
        assert_eq!(all[2].0, datetime!(2026-03-26 14:00 UTC));
        assert_eq!(all[19].0, datetime!(2026-11-19 15:00 UTC));
        for (start, end) in all {
            let local = ny.local(start);
            assert_eq!((local.hour(), local.minute()), (10, 0));
            assert_eq!(end - start, Duration::minutes(50));
        }
    }

    #[test]
    fn external_visits_take_no_room() {
        let mut i = input("prescriber_visit");
        i.room = RoomId::new().to_string();
        assert_eq!(i.validate(&types(), TODAY, false).expect("ok").room, None);
    }
}
