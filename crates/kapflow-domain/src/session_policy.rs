//! How long a signed-in session lives (ASVS 5.0 §7.3; HIPAA automatic logoff).

use crate::Role;
use time::{Duration, OffsetDateTime};

/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_LIFETIME: Duration = Duration::hours(12);
/// Default (and maximum) idle limits: staff 30 minutes, clients 15.
pub const STAFF_IDLE: Duration = Duration::minutes(30);
pub const CLIENT_IDLE: Duration = Duration::minutes(15);
/// The page warns this long before an idle session ends.
pub const IDLE_WARNING: Duration = Duration::minutes(2);
/// A step-up confirmation counts for this long (signing, custody entries, exports, role changes).
pub const STEP_UP_VALID: Duration = Duration::minutes(5);

/// The practice's idle limits (settings), never longer than the defaults above, which are the
/// maxima the security baseline allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdleLimits {
    staff: Duration,
    client: Duration,
}

impl Default for IdleLimits {
    fn default() -> Self {
        IdleLimits {
            staff: STAFF_IDLE,
            client: CLIENT_IDLE,
        }
    }
}

impl IdleLimits {
    /// Clamped to between 5 minutes and the maximum for each kind of account.
    pub fn new(staff: Duration, client: Duration) -> IdleLimits {
        let min = Duration::minutes(5);
        IdleLimits {
            staff: staff.clamp(min, STAFF_IDLE),
            client: client.clamp(min, CLIENT_IDLE),
        }
    }

    pub fn for_role(&self, role: Role) -> Duration {
        if role.is_staff() {
            self.staff
        } else {
            self.client
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Active,
    IdleExpired,
    LifetimeExpired,
}

pub fn session_state(
    limits: &IdleLimits,
    role: Role,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    now: OffsetDateTime,
) -> SessionState {
    if now >= created_at + ABSOLUTE_LIFETIME {
        SessionState::LifetimeExpired
    } else if now >= last_seen_at + limits.for_role(role) {
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
        let l = IdleLimits::default();
        let at = |role, seen, now| session_state(&l, role, t0, seen, now);
        assert_eq!(
            at(Role::Therapist, t0, t0 + Duration::minutes(29)),
            SessionState::Active
        );
        assert_eq!(
            at(Role::Therapist, t0, t0 + Duration::minutes(30)),
            SessionState::IdleExpired
        );
        assert_eq!(
            at(Role::Client, t0, t0 + Duration::minutes(15)),
            SessionState::IdleExpired
        );
        let busy = t0 + Duration::hours(12);
        assert_eq!(at(Role::Owner, busy, busy), SessionState::LifetimeExpired);
        let short = IdleLimits::new(Duration::minutes(10), Duration::minutes(10));
        assert_eq!(
            session_state(&short, Role::Therapist, t0, t0, t0 + Duration::minutes(10)),
            SessionState::IdleExpired
        );
    }

    #[test]
    fn settings_cannot_exceed_the_maxima() {
        let l = IdleLimits::new(Duration::hours(5), Duration::minutes(1));
        assert_eq!(l.for_role(Role::Owner), STAFF_IDLE);
        assert_eq!(l.for_role(Role::Client), Duration::minutes(5));
    }

    #[test]
    fn step_up_lasts_five_minutes() {
        let t0 = datetime!(2026-01-01 08:00 UTC);
        assert!(step_up_fresh(Some(t0), t0 + Duration::minutes(4)));
        assert!(!step_up_fresh(Some(t0), t0 + Duration::minutes(5)));
        assert!(!step_up_fresh(None, t0));
    }
}
