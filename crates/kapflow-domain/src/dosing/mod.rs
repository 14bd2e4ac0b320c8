//! The dosing session's rules (docs/domain.md §3, §5): the vitals thresholds and what a reading
//! means, the gates a session must pass to start, the presence log, when vitals are due, what a
//! typed entry must hold, and the discharge checklist. Pure: the store gathers the facts, these
//! decide. Every threshold is a setting with the source of its default.

pub mod custody;
pub mod discharge;
pub mod entries;
pub mod gates;
pub mod presence;
pub mod schedule;
pub mod session;
pub mod vitals;
