//! The client record and its course of treatment: caseload, demographics, intake and screening,
//! consents, preparation, the prescriber's evaluation, prescription and shipment, messages and
//! break-glass access. Every route about one client is `Access::Client`: the access check has
//! already decided the caller's relationship and audited the read before a handler runs.

pub mod alerts;
pub mod appointments;
pub mod billing;
pub mod billing_session;
pub mod break_glass;
pub mod caseload;
pub mod consents;
pub mod course;
pub mod dosing;
pub mod dosing_custody;
pub mod dosing_entries;
pub mod intake;
pub mod measures;
pub mod messages;
pub mod note_pdf;
pub mod notes;
pub mod portal_invite;
pub mod preparation;
pub mod prescriber;
pub mod psych_notes;
pub mod record;
pub mod record_copy;
pub(super) mod table;

use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// What every handler of one client's record starts from: the app, the signed-in staff member,
/// and the access check's decision about this client (so a handler cannot forget one of them).
pub struct OnClient(pub AppState, pub StaffUser, pub ClientAccess);

/// A client page being shown, and the confirmation it was sent to show (`?done=…`).
pub struct Showing(pub OnClient, pub DoneQuery);

impl FromRequestParts<AppState> for Showing {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let done = axum::extract::Query::<DoneQuery>::from_request_parts(parts, state)
            .await
            .map(|q| q.0)
            .unwrap_or_default();
        Ok(Showing(
            OnClient::from_request_parts(parts, state).await?,
            done,
        ))
    }
}

impl FromRequestParts<AppState> for OnClient {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(OnClient(
            state.clone(),
            StaffUser::from_request_parts(parts, state).await?,
            ClientAccess::from_request_parts(parts, state).await?,
        ))
    }
}

/// `?done=…` after a redirect: which confirmation the page shows.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

impl DoneQuery {
    /// The confirmation `notices` pairs with `?done=`, if any.
    pub fn notice(&self, notices: &[(&str, &'static str)]) -> Option<&'static str> {
        notices
            .iter()
            .find(|(done, _)| *done == self.done)
            .map(|(_, says)| *says)
    }
}

/// A hidden random key for create forms, so a double submission makes one record.
pub fn form_key() -> String {
    crate::setup_link::new_token()[..32].to_owned()
}
