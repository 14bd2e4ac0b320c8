//! The client portal: a client's own pages, each scoped to the record of the signed-in
//! client's account (`Access::Portal`), never to an id in the request.

mod appointments;
mod consents;
mod intake;
mod journal;
mod messages;
mod preparation;
mod questionnaires;
mod record;

use super::Routes;
use crate::AppState;
use crate::auth::{Access, CurrentUser, PortalClient};
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use crate::views::portal::{HomeItem, HomePage, PortalFrame};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kapflow_domain::AuditOutcome;
use kapflow_domain::calendar::Status;
use kapflow_domain::time_util::now_utc;

/// What every portal handler starts from: the app, the signed-in client and the proof of which
/// record is theirs.
pub struct OnPortal(pub AppState, pub CurrentUser, pub PortalClient);

impl FromRequestParts<AppState> for OnPortal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(OnPortal(
            state.clone(),
            CurrentUser::from_request_parts(parts, state).await?,
            PortalClient::from_request_parts(parts, state).await?,
        ))
    }
}

impl OnPortal {
    pub async fn frame(&self) -> Result<(Layout, PortalFrame), AppError> {
        PortalFrame::load(&self.0, &self.1, &self.2).await
    }

    /// An id in the request that is not this client's (or not there at all): answered as if it
    /// did not exist, and audited like every refusal.
    pub async fn not_theirs(&self, kind: &str) -> AppError {
        let entry = self
            .1
            .actor()
            .entry("access.denied", now_utc())
            .record("portal", kind)
            .client(self.2.client())
            .outcome(AuditOutcome::Denied, Some("not the client's own record"));
        match self.0.store.audit().record(&entry).await {
            Ok(()) => AppError::NotFound,
            Err(e) => e.into(),
        }
    }
}

/// The portal's routes.
pub(super) fn routes(routes: Routes) -> Routes {
    use crate::paths::*;
    use Access::Portal;
    routes
        .get(PORTAL, Portal, home)
        .get(PORTAL_APPOINTMENTS, Portal, appointments::list)
        .get(PORTAL_APPOINTMENT_ICS, Portal, appointments::ics)
        .post(PORTAL_APPOINTMENT_CHANGE, Portal, appointments::ask_change)
        .get(PORTAL_QUESTIONNAIRES, Portal, questionnaires::list)
        .post(PORTAL_QUESTIONNAIRE_OPEN, Portal, questionnaires::open)
        .get(PORTAL_JOURNAL, Portal, journal::show)
        .post(PORTAL_JOURNAL, Portal, journal::write)
        .post(PORTAL_JOURNAL_SHARE, Portal, journal::share)
        .get(PORTAL_MESSAGES, Portal, messages::show)
        .post(PORTAL_MESSAGES, Portal, messages::send)
        .get(PORTAL_MESSAGE_FILE, Portal, messages::file)
        .get(PORTAL_PREPARATION, Portal, preparation::show)
        .get(PORTAL_RECORD_CSV, Portal, record::csv)
        .get(PORTAL_RECORD_PDF, Portal, record::pdf)
        .get(PORTAL_ESTIMATE, Portal, record::estimate)
        .get(PORTAL_RECORD_FHIR, Portal, record::fhir)
        .get(PORTAL_INTAKE, Portal, intake::show)
        .post(PORTAL_INTAKE, Portal, intake::save)
        .get(PORTAL_CONSENTS, Portal, consents::show)
        .post(PORTAL_CONSENTS, Portal, consents::sign)
}

#[tracing::instrument(level = "debug", skip_all)]
async fn home(on: OnPortal) -> Result<HomePage, AppError> {
    let now = now_utc();
    let portal = on.0.store.portal();
    let next_appointment = portal
        .appointments(&on.2)
        .await?
        .into_iter()
        .find(|a| a.status == Status::Booked && a.ends_at > now)
        .map(|a| HomeItem {
            text: format!("{}, {}", when(a.starts_at), a.type_label),
            href: crate::paths::PORTAL_APPOINTMENTS.to_owned(),
        });
    let due = portal
        .due(&on.2, crate::practice_zone::today(now))
        .await?
        .len();
    let messages = portal.messages(&on.2).await?.len();
    let (layout, f) = on.frame().await?;
    Ok(HomePage {
        layout,
        f,
        next_appointment,
        due,
        messages,
    })
}
