//! The client record and its course of treatment: caseload, demographics, intake and screening,
//! consents, preparation, the prescriber's evaluation, prescription and shipment, messages and
//! break-glass access. Every route about one client is `Access::Client`: the access check has
//! already decided the caller's relationship and audited the read before a handler runs.

pub mod break_glass;
pub mod caseload;
pub mod consents;
pub mod course;
pub mod intake;
pub mod measures;
pub mod messages;
pub mod preparation;
pub mod prescriber;
pub mod record;

/// `?done=…` after a redirect: which confirmation the page shows.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

/// A hidden random key for create forms, so a double submission makes one record.
pub fn form_key() -> String {
    crate::setup_link::new_token()[..32].to_owned()
}
