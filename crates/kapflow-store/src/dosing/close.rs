//! Closing a session: by discharge when the checklist and a final set of vitals hold, or by
//! the documented early end with its reason. The room empties, the course moves to
//! integration, and the audit row says which.

use super::{Dosing, rows, session_for_update};
use crate::lookup::current_course;
use crate::{ClinicalAccess, StoreError, audit, courses};
use kapflow_domain::dosing::discharge::{
    self, Checklist, DischargeSettings, DischargeUnmet, Ending,
};
use kapflow_domain::dosing::entries::Phase;
use kapflow_domain::dosing::presence::Change;
use kapflow_domain::dosing::session::{EndedAs, Status};
use kapflow_domain::pathway::Transition;
use kapflow_domain::{Actor, DosingSessionId};
use time::OffsetDateTime;
use uuid::Uuid;

/// Why a session did not close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    NotFound,
    NotOpen,
    Unmet(Vec<DischargeUnmet>),
}

impl Dosing<'_> {
    /// Closes an open session as `ending` with the therapist's checklist.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn close(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        ending: &Ending,
        checklist: &Checklist,
        settings: &DischargeSettings,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Closing>, StoreError> {
        let client = access.client();
        let by = actor.user.map(|(u, _)| u);
        let mut tx = self.store.begin().await?;
        let Some(s) = session_for_update(&mut tx, client, id).await? else {
            return Ok(Err(Closing::NotFound));
        };
        if s.status != Status::Open {
            return Ok(Err(Closing::NotOpen));
        }
        let vitals = rows::vitals_of(&mut tx, id).await?;
        let last = |phase: Phase| {
            vitals
                .iter()
                .rev()
                .find(|v| v.phase == phase)
                .map(|v| v.vitals())
        };
        let pre = last(Phase::PreDose)
            .ok_or_else(|| StoreError::Corrupt("an open session without pre-dose vitals".into()))?;
        let from = s.dosed_at.or(s.opened_at).unwrap_or(now);
        let minutes = u32::try_from((now - from).whole_minutes().max(0)).unwrap_or(u32::MAX);
        let facts = discharge::facts(minutes, pre, last(Phase::Final), checklist);
        if let Err(unmet) = discharge::close(&facts, ending, settings) {
            return Ok(Err(Closing::Unmet(unmet)));
        }
        let (ended_as, reason) = match ending {
            Ending::Discharged => (EndedAs::Discharged, None),
            Ending::EarlyEnd { reason } => (EndedAs::EarlyEnd, Some(reason.clone())),
        };
        let checklist_json =
            serde_json::to_string(checklist).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.exec(
            "UPDATE dosing_sessions SET status = $2, closed_at = $3, closed_by = $4, ending = \
                 $5, end_reason = $6, discharge = $7 WHERE id = $1",
            args![
                id,
                Status::Closed,
                now,
                by,
                ended_as,
                reason.as_deref(),
                checklist_json
            ],
        )
        .await?;
        if let Some(by) = by {
            tx.exec(
                "INSERT INTO session_presence (id, session_id, entry_key, at, recorded_by, \
                     change, person_id) VALUES ($1, $2, 'closed', $3, $4, $5, $4)",
                args![Uuid::now_v7(), id, now, by, Change::End],
            )
            .await?;
        }
        let course = current_course(&mut tx, client)
            .await?
            .filter(|c| c.id == s.course_id)
            .ok_or_else(|| StoreError::Corrupt("a session without its course".into()))?;
        let why = match ending {
            Ending::Discharged => "The dosing session closed: discharged".to_owned(),
            Ending::EarlyEnd { reason } => format!("The dosing session ended early: {reason}"),
        };
        // A course discontinued while the session ran stays discontinued; only a course in
        // dosing moves on to integration.
        let _ = courses::apply(
            &mut tx,
            &course,
            &Transition::SessionClosed,
            &why,
            actor,
            now,
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("dosing.closed", now)
                .record("dosing_session", id)
                .client(client)
                .because(reason.map(|r| format!("ended early: {r}"))),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}
