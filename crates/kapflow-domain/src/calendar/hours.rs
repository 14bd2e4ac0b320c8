//! A clinician's working hours: for each weekday, the practice-clock times they work (one
//! stretch a day). Dosing sessions must fall inside them — a three-hour session that runs past
//! the end of the day leaves a client without their therapist.

use crate::form::FieldErrors;
use crate::zone::PracticeZone;
use time::{OffsetDateTime, Weekday};

/// Monday to Sunday, each a stretch in minutes after midnight (start, end), or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeekHours(pub [Option<(u16, u16)>; 7]);

/// The days in the order the form shows them.
pub const DAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// The form's field names for a day's start and end.
pub const START_FIELDS: [&str; 7] = [
    "mon_start",
    "tue_start",
    "wed_start",
    "thu_start",
    "fri_start",
    "sat_start",
    "sun_start",
];
pub const END_FIELDS: [&str; 7] = [
    "mon_end", "tue_end", "wed_end", "thu_end", "fri_end", "sat_end", "sun_end",
];

impl Default for WeekHours {
    /// Until a clinician sets theirs: Monday to Friday, 09:00 to 17:00.
    fn default() -> Self {
        let day = Some((9 * 60, 17 * 60));
        WeekHours([day, day, day, day, day, None, None])
    }
}

impl WeekHours {
    pub fn on(&self, day: Weekday) -> Option<(u16, u16)> {
        self.0[usize::from(day.number_days_from_monday())]
    }

    /// Whether `start`..`end` lies within one working stretch of the practice's day it starts on.
    pub fn covers(&self, zone: &PracticeZone, start: OffsetDateTime, end: OffsetDateTime) -> bool {
        let s = zone.local(start);
        let Some((from, to)) = self.on(s.weekday()) else {
            return false;
        };
        let first = i64::from(s.hour()) * 60 + i64::from(s.minute());
        let last = first + (end - start).whole_minutes();
        first >= i64::from(from) && last <= i64::from(to)
    }

    /// Reads the form: each day's start and end as `HH:MM`, both empty for a day off.
    pub fn parse(values: &dyn Fn(&str) -> String) -> Result<WeekHours, FieldErrors> {
        let mut e = FieldErrors::default();
        let mut days = [None; 7];
        for i in 0..7 {
            let (s, t) = (values(START_FIELDS[i]), values(END_FIELDS[i]));
            match (s.trim().is_empty(), t.trim().is_empty()) {
                (true, true) => {}
                _ => match (clock(&s), clock(&t)) {
                    (Some(a), Some(b)) if a < b => days[i] = Some((a, b)),
                    (Some(_), Some(_)) => {
                        e.add(END_FIELDS[i], "The day must end after it starts.");
                    }
                    (None, _) => e.add(
                        START_FIELDS[i],
                        "Enter the start like 09:00, or leave both times empty for a day off.",
                    ),
                    (_, None) => e.add(
                        END_FIELDS[i],
                        "Enter the end like 17:00, or leave both times empty for a day off.",
                    ),
                },
            }
        }
        if e.is_empty() {
            Ok(WeekHours(days))
        } else {
            Err(e)
        }
    }
}

/// `HH:MM` (what `<input type=time>` sends) as minutes after midnight; 24:00 is the day's end.
pub fn clock(raw: &str) -> Option<u16> {
    let (h, m) = raw.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Minutes after midnight as `HH:MM`.
pub fn clock_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_session_must_fit_inside_the_days_hours_in_the_practice_zone() {
        let ny = PracticeZone::named("America/New_York").expect("zone");
        let h = WeekHours::default();
        // Thursday 3 December 2026, 10:00–13:00 New York (15:00–18:00 UTC).
        assert!(h.covers(
            &ny,
            datetime!(2026-12-03 15:00 UTC),
            datetime!(2026-12-03 18:00 UTC)
        ));
        // 15:00–18:00 New York runs past 17:00.
        assert!(!h.covers(
            &ny,
            datetime!(2026-12-03 20:00 UTC),
            datetime!(2026-12-03 23:00 UTC)
        ));
        // Saturday is a day off.
        assert!(!h.covers(
            &ny,
            datetime!(2026-12-05 15:00 UTC),
            datetime!(2026-12-05 18:00 UTC)
        ));
        // In UTC the same instants are 15:00–18:00: outside.
        assert!(!h.covers(
            &PracticeZone::utc(),
            datetime!(2026-12-03 15:00 UTC),
            datetime!(2026-12-03 18:00 UTC)
        ));
    }

    #[test]
    fn the_form_reads_times_and_days_off() {
        let form = |k: &str| match k {
            "mon_start" => "08:30".into(),
            "mon_end" => "16:00".into(),
            "tue_start" => "10:00".into(),
            "tue_end" => "09:00".into(),
            "wed_start" => "9am".into(),
            "wed_end" => "17:00".into(),
            _ => String::new(),
        };
        let e = WeekHours::parse(&form).expect_err("refused");
        assert!(e.has("tue_end") && e.has("wed_start"));
        let ok = |k: &str| match k {
            "mon_start" => "08:30".into(),
            "mon_end" => "16:00".into(),
            _ => String::new(),
        };
        let h = WeekHours::parse(&ok).expect("ok");
        assert_eq!(h.on(Weekday::Monday), Some((510, 960)));
        assert_eq!(h.on(Weekday::Tuesday), None);
        assert_eq!(
            (clock("24:00"), clock("24:01"), clock_text(510)),
            (Some(1440), None, "08:30".into())
        );
    }
}
