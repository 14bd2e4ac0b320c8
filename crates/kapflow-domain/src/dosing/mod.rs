//! The dosing session's rules (docs/domain.md §3, §5): the vitals thresholds and what a reading
//! means, the gates a session must pass to start, and the discharge checklist. Pure: the store
//! gathers the facts, these decide. Every threshold is a setting with the source of its default.

pub mod discharge;
pub mod gates;
pub mod vitals;
