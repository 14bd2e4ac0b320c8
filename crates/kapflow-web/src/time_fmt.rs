//! How times and dates read on a page or in an email. Stored times are UTC; until the practice's
//! own time zone is a setting, every time a person reads says "UTC" so it is never mistaken.

use time::OffsetDateTime;
use time::macros::format_description;

/// A moment, to the minute: `2026-12-02 14:05 UTC`.
pub fn when(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn moments_read_to_the_minute_in_utc() {
        assert_eq!(
            when(datetime!(2026-12-02 14:05:59 UTC)),
            "2026-12-02 14:05 UTC"
        );
    }
}
