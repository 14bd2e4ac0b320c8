//! UTC timestamps at the precision both databases store.

use time::OffsetDateTime;

/// Now, in UTC, truncated to whole microseconds: PostgreSQL keeps microseconds, so a value
/// hashed before it is stored must be the value read back (the audit chain depends on it).
pub fn now_utc() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

pub fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    let micros = t.microsecond();
    t.replace_microsecond(micros).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_drops_sub_microseconds_and_keeps_utc() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.123456789 +02:00);
        let u = truncate_to_micros(t);
        assert_eq!(u.offset(), time::UtcOffset::UTC);
        assert_eq!(u.nanosecond(), 123_456_000);
        assert!(u <= t && t - u < time::Duration::microseconds(1));
        assert!(now_utc().nanosecond().is_multiple_of(1000));
    }
}
