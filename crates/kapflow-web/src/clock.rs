//! The time a dosing session is judged against (minutes since the dose, vitals due, the
//! discharge's minimum observation).
//!
//! A browser test cannot wait two hours for a discharge, and must never sleep: in debug builds
//! only, `KAPFLOW_TEST_CLOCK_FILE` names a file holding a number of seconds added to the real
//! clock, which the test moves forward. Release builds do not read it at all.

use kapflow_domain::time_util::now_utc;
use time::OffsetDateTime;

/// Now, for the dosing pages.
pub fn now() -> OffsetDateTime {
    now_utc() + shift()
}

#[cfg(debug_assertions)]
fn shift() -> time::Duration {
    std::env::var_os("KAPFLOW_TEST_CLOCK_FILE")
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map(time::Duration::seconds)
        .unwrap_or(time::Duration::ZERO)
}

#[cfg(not(debug_assertions))]
fn shift() -> time::Duration {
    time::Duration::ZERO
}
