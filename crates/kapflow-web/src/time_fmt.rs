//! How times and dates read on a page or in an email: in the practice's time zone (see
//! `practice_zone`), with the zone's abbreviation so a reader elsewhere is never misled.
//! Stored times stay UTC.

use crate::practice_zone;
use kapflow_domain::zone::PracticeZone;
use time::OffsetDateTime;
use time::macros::format_description;

/// A moment, to the minute, in the practice's zone: `2026-12-02 09:05 EST`.
pub fn when(t: OffsetDateTime) -> String {
    when_in(&practice_zone::current(), t)
}

/// A moment, to the minute, in `zone`.
pub fn when_in(zone: &PracticeZone, t: OffsetDateTime) -> String {
    let local = zone.local(t);
    let text = local
        .format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .unwrap_or_default();
    format!("{text} {}", zone.abbreviation(t))
}

/// The time of day only (`09:05`), in the practice's zone: for a calendar already showing
/// the day.
pub fn clock(t: OffsetDateTime) -> String {
    practice_zone::current()
        .local(t)
        .format(format_description!("[hour]:[minute]"))
        .unwrap_or_default()
}

/// The practice's date of a moment (`2026-12-02`).
pub fn day(t: OffsetDateTime) -> time::Date {
    practice_zone::current().today(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn moments_read_to_the_minute_in_the_practice_zone() {
        assert_eq!(
            when(datetime!(2026-12-02 14:05:59 UTC)),
            "2026-12-02 14:05 UTC"
        );
        let ny = PracticeZone::named("America/New_York").expect("zone");
        assert_eq!(
            when_in(&ny, datetime!(2026-12-02 14:05:59 UTC)),
            "2026-12-02 09:05 EST"
        );
        assert_eq!(
            when_in(&ny, datetime!(2026-07-02 14:05 UTC)),
            "2026-07-02 10:05 EDT"
        );
    }
}
