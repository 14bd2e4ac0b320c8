//! How long a signed-in session lives (ASVS 5.0 §7.3; HIPAA automatic logoff).

use crate::Role;
use time::{Duration, OffsetDateTime};

/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_LIFETIME: Duration = Duration::hours(12);
/// Default idle limits: staff 30 minutes, clients 15.
pub const STAFF_IDLE: Duration = Duration::minutes(30);
pub const CLIENT_IDLE: Duration = Duration::minutes(15);
/// The page warns this long before an idle session ends.
pub const IDLE_WARNING: Duration = Duration::minutes(2);
/// A step-up confirmation counts for this long (signing, custody entries, exports, role changes).
pub const STEP_UP_VALID: Duration = Duration::minutes(5);

pub fn idle_limit(role: Role) -> Duration {
    if role.is_staff() {
        STAFF_IDLE
    } else {
        CLIENT_IDLE
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Active,
    IdleExpired,
    LifetimeExpired,
}

pub fn session_state(
    role: Role,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    now: OffsetDateTime,
) -> SessionState {
    if now >= created_at + ABSOLUTE_LIFETIME {
        SessionState::LifetimeExpired
    } else if now >= last_seen_at + idle_limit(role) {
        SessionState::IdleExpired
    } else {
        SessionState::Active
    }
}

/// A step-up confirmed at `at` still covers a sensitive action at `now`.
pub fn step_up_fresh(at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    at.is_some_and(|t| now < t + STEP_UP_VALID && now >= t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn idle_and_absolute_limits() {
        let t0 = datetime!(2026-01-01 08:00 UTC);
        assert_eq!(
            session_state(Role::Therapist, t0, t0, t0 + Duration::minutes(29)),
            SessionState::Active
        );
        assert_eq!(
            session_state(Role::Therapist, t0, t0, t0 + Duration::minutes(30)),
            SessionState::IdleExpired
        );
        assert_eq!(
            session_state(Role::Client, t0, t0, t0 + Duration::minutes(15)),
            SessionState::IdleExpired
        );
        let busy = t0 + Duration::hours(12);
        assert_eq!(
            session_state(Role::Owner, t0, busy, busy),
            SessionState::LifetimeExpired
        );
    }

    #[test]
    fn step_up_lasts_five_minutes() {
        let t0 = datetime!(2026-01-01 08:00 UTC);
        assert!(step_up_fresh(Some(t0), t0 + Duration::minutes(4)));
        assert!(!step_up_fresh(Some(t0), t0 + Duration::minutes(5)));
        assert!(!step_up_fresh(None, t0));
    }
}
