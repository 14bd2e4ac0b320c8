//! Tokens for the FHIR read API: what one may read, how long it lasts, what it looks like.
//!
//! A token is a bearer secret given to another system (a health information exchange, the
//! client's other clinician's EHR). The owner names it, so every call in the audit trail says
//! who it was for; scopes it to every client or to one; and gives it an end date.

use time::{Duration, OffsetDateTime};

crate::named_enum! {
    /// Which clients a token reads.
    pub enum ApiScope {
        /// Every client of the practice.
        AllClients = "all_clients", "Every client";
        /// One client only; every other client's records are answered as not found.
        OneClient = "one_client", "One client";
    }
}

crate::named_enum! {
    /// Whether a token opens the API now.
    pub enum ApiTokenStatus {
        Active = "active", "Active";
        Expired = "expired", "Expired";
        Revoked = "revoked", "Revoked";
    }
}

/// How long a new token lasts, in days: the owner picks one (a token never lasts for ever).
pub const LIFETIME_DAYS: [i64; 4] = [7, 30, 90, 365];

/// What a token's secret starts with, so a leaked one is recognisable in a scanner or a log.
pub const PREFIX: &str = "kfa_";

/// The secret as given to the other system: the prefix and 64 hex characters (256 random bits,
/// so a fast hash is enough to store it; see `token::token_hash`).
pub fn secret_from(random_hex: &str) -> String {
    format!("{PREFIX}{random_hex}")
}

/// Whether a presented bearer value looks like one of ours, before it is hashed and looked up.
pub fn looks_like_secret(s: &str) -> bool {
    s.strip_prefix(PREFIX)
        .is_some_and(crate::token::looks_like_token)
}

/// The token's name as typed: one line, at most 80 characters.
pub fn checked_name(raw: &str) -> Result<String, String> {
    crate::text::required_line(raw, 80, "a name that says who the token is for")
}

/// The lifetime the form chose, in days; only the offered ones.
pub fn checked_lifetime(raw: &str) -> Result<i64, String> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|d| LIFETIME_DAYS.contains(d))
        .ok_or_else(|| "Choose how long the token lasts.".to_owned())
}

/// When a token made at `now` for `days` stops working.
pub fn expires_at(now: OffsetDateTime, days: i64) -> OffsetDateTime {
    now + Duration::days(days)
}

/// A token's standing at `now`: revoked beats expired (the owner's act is the fact to show).
pub fn status(
    expires_at: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> ApiTokenStatus {
    if revoked_at.is_some() {
        ApiTokenStatus::Revoked
    } else if now >= expires_at {
        ApiTokenStatus::Expired
    } else {
        ApiTokenStatus::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn secrets_have_our_shape() {
        let s = secret_from(&"ab".repeat(32));
        assert!(looks_like_secret(&s));
        assert!(!looks_like_secret(&"ab".repeat(32)));
        assert!(!looks_like_secret("kfa_short"));
        assert!(!looks_like_secret(&format!("kfa_{}", "AB".repeat(32))));
    }

    #[test]
    fn lifetimes_are_the_offered_ones() {
        assert_eq!(checked_lifetime("30"), Ok(30));
        assert!(checked_lifetime("31").is_err());
        assert!(checked_lifetime("").is_err());
        assert!(checked_lifetime("-7").is_err());
    }

    #[test]
    fn status_at_the_edges() {
        let end = datetime!(2026-12-04 12:00 UTC);
        assert_eq!(
            status(end, None, end - Duration::seconds(1)),
            ApiTokenStatus::Active
        );
        assert_eq!(status(end, None, end), ApiTokenStatus::Expired);
        assert_eq!(
            status(end, Some(end - Duration::days(1)), end - Duration::days(2)),
            ApiTokenStatus::Revoked
        );
    }

    #[test]
    fn names_are_one_short_line() {
        assert_eq!(checked_name("  Regional HIE "), Ok("Regional HIE".into()));
        assert!(checked_name("  ").is_err());
        assert!(checked_name(&"x".repeat(81)).is_err());
    }
}
