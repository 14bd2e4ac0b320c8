//! The monitor's entries: vitals (with the alerts a reading raises, in the same transaction),
//! acknowledgements with the action taken, observations, and who is in the room. Each entry is
//! keyed by the page that made it: the same key again answers "already recorded".

use super::{Dosing, rows, session_for_update};
use crate::error::UniqueOr;
use crate::{ClinicalAccess, StoreError, audit};
use kapflow_domain::dosing::entries::{Observation, Phase, VitalsEntry};
use kapflow_domain::dosing::presence::{self, Change, Event, PresenceRefused};
use kapflow_domain::dosing::session::Status;
use kapflow_domain::dosing::vitals::{Level, Thresholds, before_dosing, during_session};
use kapflow_domain::{Actor, DosingSessionId, Role, SessionAlertId, UserId, VitalsId};
use time::OffsetDateTime;
use uuid::Uuid;

/// An entry taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New,
    /// The same key was recorded before: nothing more was written.
    Already,
}

/// Why an entry was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryRefused {
    NotFound,
    /// The session is closed or cancelled (or, for the room, not open yet).
    NotTakingEntries,
    Presence(PresenceRefused),
    /// The person named is not a clinician of the practice.
    NotAColleague,
    /// Already acknowledged.
    AlreadyAcknowledged,
}

impl EntryRefused {
    pub fn message(self) -> &'static str {
        match self {
            EntryRefused::NotFound => "That session or alert does not exist.",
            EntryRefused::NotTakingEntries => "This session is not taking that entry now.",
            EntryRefused::Presence(p) => p.message(),
            EntryRefused::NotAColleague => "Choose a clinician of the practice.",
            EntryRefused::AlreadyAcknowledged => "That alert was already acknowledged.",
        }
    }
}

fn user(actor: &Actor) -> Result<UserId, StoreError> {
    actor
        .user
        .map(|(u, _)| u)
        .ok_or_else(|| StoreError::Corrupt("a dosing entry needs a signed-in person".into()))
}

/// Whether `key` was already recorded in `table` for the session.
async fn seen(
    tx: &mut crate::Tx,
    table: &'static str,
    session: DosingSessionId,
    key: &str,
) -> Result<bool, StoreError> {
    let sql = match table {
        "session_vitals" => {
            "SELECT COUNT(*) > 0 FROM session_vitals WHERE session_id = $1 AND entry_key = $2"
        }
        "session_observations" => {
            "SELECT COUNT(*) > 0 FROM session_observations WHERE session_id = $1 AND entry_key \
             = $2"
        }
        _ => "SELECT COUNT(*) > 0 FROM session_presence WHERE session_id = $1 AND entry_key = $2",
    };
    tx.scalar(sql, args![session, key]).await
}

impl Dosing<'_> {
    /// Records a set of vitals measured at `measured_at` and raises an alert for each finding
    /// (before the dose only urgent findings alert: a hold is the start gate's business).
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn vitals(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        key: &str,
        entry: &VitalsEntry,
        measured_at: OffsetDateTime,
        thresholds: &Thresholds,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<Recorded, EntryRefused>, StoreError> {
        let by = user(actor)?;
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(s) = session_for_update(&mut tx, client, id).await? else {
            return Ok(Err(EntryRefused::NotFound));
        };
        if seen(&mut tx, "session_vitals", id, key).await? {
            return Ok(Ok(Recorded::Already));
        }
        let phase = match (s.status, entry.is_final) {
            (Status::Preparing, _) => Phase::PreDose,
            (Status::Open, false) => Phase::During,
            (Status::Open, true) => Phase::Final,
            _ => return Ok(Err(EntryRefused::NotTakingEntries)),
        };
        let v = entry.vitals;
        let vid = VitalsId::new();
        let inserted = tx
            .exec(
                "INSERT INTO session_vitals (id, session_id, entry_key, phase, measured_at, \
                     recorded_at, recorded_by, measured_by, systolic, diastolic, heart_rate, \
                     spo2, respiratory_rate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                     $11, $12, $13)",
                args![
                    vid,
                    id,
                    key,
                    phase,
                    measured_at,
                    now,
                    by,
                    entry.measured_by,
                    i64::from(v.systolic),
                    i64::from(v.diastolic),
                    i64::from(v.heart_rate),
                    i64::from(v.spo2),
                    v.respiratory_rate.map(i64::from)
                ],
            )
            .await
            .or_duplicate()?;
        if inserted.is_none() {
            return Ok(Ok(Recorded::Already));
        }
        let findings = if phase == Phase::PreDose {
            before_dosing(&v, thresholds)
                .into_iter()
                .filter(|f| f.level == Level::Urgent)
                .collect()
        } else {
            during_session(&v, thresholds)
        };
        for f in &findings {
            tx.exec(
                "INSERT INTO session_alerts (id, session_id, vitals_id, level, what, rule, \
                     source, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                args![
                    SessionAlertId::new(),
                    id,
                    vid,
                    f.level.as_str(),
                    f.what.as_str(),
                    f.rule.as_str(),
                    f.source,
                    now
                ],
            )
            .await?;
        }
        let mut entry = actor
            .entry("dosing.vitals", now)
            .record("dosing_session", id)
            .client(client);
        if let Some(worst) = kapflow_domain::dosing::vitals::worst(&findings) {
            entry = entry.because(format!("{} raised", worst.label().to_lowercase()));
        }
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Ok(Recorded::New))
    }

    /// Acknowledges an alert with the action taken.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn acknowledge(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        alert: SessionAlertId,
        action: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), EntryRefused>, StoreError> {
        let by = user(actor)?;
        let mut tx = self.store.begin().await?;
        if session_for_update(&mut tx, access.client(), id)
            .await?
            .is_none()
        {
            return Ok(Err(EntryRefused::NotFound));
        }
        let n = tx
            .exec(
                "UPDATE session_alerts SET acknowledged_at = $3, acknowledged_by = $4, \
                     action_taken = $5 WHERE id = $1 AND session_id = $2 AND acknowledged_at IS \
                     NULL",
                args![alert, id, now, by, action],
            )
            .await?;
        if n != 1 {
            let exists: bool = tx
                .scalar(
                    "SELECT COUNT(*) > 0 FROM session_alerts WHERE id = $1 AND session_id = $2",
                    args![alert, id],
                )
                .await?;
            return Ok(Err(if exists {
                EntryRefused::AlreadyAcknowledged
            } else {
                EntryRefused::NotFound
            }));
        }
        audit::append(
            &mut tx,
            &actor
                .entry("dosing.alert_acknowledged", now)
                .record("session_alert", alert)
                .client(access.client()),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Records an observation or an adverse event (before or during the session).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn observe(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        key: &str,
        o: &Observation,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<Recorded, EntryRefused>, StoreError> {
        let by = user(actor)?;
        let mut tx = self.store.begin().await?;
        let Some(s) = session_for_update(&mut tx, access.client(), id).await? else {
            return Ok(Err(EntryRefused::NotFound));
        };
        if seen(&mut tx, "session_observations", id, key).await? {
            return Ok(Ok(Recorded::Already));
        }
        if !matches!(s.status, Status::Preparing | Status::Open) {
            return Ok(Err(EntryRefused::NotTakingEntries));
        }
        tx.exec(
            "INSERT INTO session_observations (id, session_id, entry_key, at, recorded_by, kind, \
                 cadss, note, action) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![
                Uuid::now_v7(),
                id,
                key,
                now,
                by,
                o.kind,
                o.cadss.map(i64::from),
                o.note.as_str(),
                o.action.as_str()
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("dosing.observation", now)
                .record("dosing_session", id)
                .client(access.client())
                .because(o.kind.as_str().to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Recorded::New))
    }

    /// Records a change of who is with the client, refused if it would leave them alone.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn presence(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        key: &str,
        change: Change,
        person: UserId,
        taking_over: Option<UserId>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<Recorded, EntryRefused>, StoreError> {
        let by = user(actor)?;
        let mut tx = self.store.begin().await?;
        let Some(s) = session_for_update(&mut tx, access.client(), id).await? else {
            return Ok(Err(EntryRefused::NotFound));
        };
        if seen(&mut tx, "session_presence", id, key).await? {
            return Ok(Ok(Recorded::Already));
        }
        if s.status != Status::Open || matches!(change, Change::Start | Change::End) {
            return Ok(Err(EntryRefused::NotTakingEntries));
        }
        for p in std::iter::once(person).chain(taking_over) {
            let role: Option<String> = tx
                .scalar_optional(
                    "SELECT role FROM users WHERE id = $1 AND disabled_at IS NULL",
                    args![p],
                )
                .await?;
            if !matches!(
                role.as_deref().and_then(Role::parse),
                Some(Role::Owner | Role::Therapist)
            ) {
                return Ok(Err(EntryRefused::NotAColleague));
            }
        }
        let events: Vec<Event> = rows::presence_of(&mut tx, id)
            .await?
            .iter()
            .map(|r| r.event())
            .collect();
        let next = Event {
            at: now,
            change,
            person,
            taking_over: if change == Change::Handover {
                taking_over
            } else {
                None
            },
        };
        if let Err(r) = presence::check(&events, &next) {
            return Ok(Err(EntryRefused::Presence(r)));
        }
        tx.exec(
            "INSERT INTO session_presence (id, session_id, entry_key, at, recorded_by, change, \
                 person_id, taking_over_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![
                Uuid::now_v7(),
                id,
                key,
                now,
                by,
                change,
                person,
                next.taking_over
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("dosing.presence", now)
                .record("dosing_session", id)
                .client(access.client())
                .because(change.as_str().to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Recorded::New))
    }

    /// The clinicians who can be in the room (owner and therapists, active), by name.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn colleagues(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(try_from = "Uuid")]
            id: UserId,
            display_name: String,
        }
        let rows: Vec<Row> = self
            .store
            .db
            .fetch_all(
                "SELECT id, display_name FROM users WHERE role IN ('owner', 'therapist') AND \
                     disabled_at IS NULL ORDER BY display_name, id",
                args![],
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.display_name)).collect())
    }
}
