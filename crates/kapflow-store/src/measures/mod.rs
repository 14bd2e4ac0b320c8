//! Questionnaires: the practice's own instruments, the schedule made from the pathway, single-use
//! links (emailed or handed over in the office), and immutable responses. A submission, its
//! score, the request it completes, any suicide-risk alert and the notices about it are one
//! transaction: an alert cannot be lost between "answered" and "told".

use crate::sql::OptText;
use crate::{ClinicalAccess, StoreError, Tx, audit, lookup};
use kapflow_domain::measures::schedule::{self, AlertLevel, Reason, baseline_instruments};
use kapflow_domain::measures::{self, Instrument};
use kapflow_domain::{Actor, ClientId, CourseId, MeasureRequestId, UserId};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Questionnaires: instruments, the schedule, links and responses.
    Measures
);
mod links;
mod responses;

pub(crate) use links::insert_link;
pub use links::{LinkState, Submission};
pub use responses::{ResponsePoint, ResponseRow};

/// A questionnaire on a client's schedule.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    #[sqlx(try_from = "Uuid")]
    pub id: MeasureRequestId,
    pub instrument: String,
    pub due_on: Date,
    #[sqlx(try_from = "String")]
    pub reason: Reason,
    pub completed_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
}

/// A due or overdue questionnaire on a clinician's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueRow {
    #[sqlx(try_from = "Uuid")]
    pub request_id: MeasureRequestId,
    #[sqlx(try_from = "Uuid")]
    pub client_id: ClientId,
    pub legal_name: String,
    pub instrument: String,
    pub due_on: Date,
    /// The client's most serious open risk alert (rows of the caller's care team).
    #[sqlx(try_from = "OptText")]
    pub risk: Option<AlertLevel>,
}

/// One questionnaire due on `due_on` for `why`.
struct NewRequest<'a> {
    client: ClientId,
    course: Option<CourseId>,
    instrument: &'a str,
    due_on: Date,
    reason: Reason,
}

async fn insert_request(
    tx: &mut Tx,
    r: &NewRequest<'_>,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<MeasureRequestId, StoreError> {
    let id = MeasureRequestId::new();
    tx.exec(
        "INSERT INTO measure_requests (id, client_id, course_id, instrument, due_on, reason, \
             created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![
            id,
            r.client,
            r.course,
            r.instrument,
            r.due_on,
            r.reason,
            now,
            crate::actor_uuid(actor)
        ],
    )
    .await?;
    Ok(id)
}

/// Baseline questionnaires for a course that has just opened (same transaction).
pub(crate) async fn schedule_baseline(
    tx: &mut Tx,
    client: ClientId,
    course: CourseId,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let concerns = lookup::concerns(tx, client).await?;
    let today = tx.zone().await?.today(now);
    for instrument in baseline_instruments(&concerns.0) {
        let request = NewRequest {
            client,
            course: Some(course),
            instrument,
            due_on: today,
            reason: Reason::Baseline,
        };
        insert_request(tx, &request, actor, now).await?;
    }
    Ok(())
}

/// Follow-ups 1, 3 and 6 months after a course ends (same transaction as the ending); open
/// requests of the ended course are cancelled, since they can no longer be taken in time.
pub(crate) async fn schedule_follow_ups(
    tx: &mut Tx,
    client: ClientId,
    course: CourseId,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "UPDATE measure_requests SET cancelled_at = $1, cancelled_by = $2 WHERE course_id = $3 \
             AND completed_at IS NULL AND cancelled_at IS NULL AND reason NOT IN ($4, $5, $6)",
        args![
            now,
            crate::actor_uuid(actor),
            course,
            Reason::FollowUp1m,
            Reason::FollowUp3m,
            Reason::FollowUp6m
        ],
    )
    .await?;
    let today = tx.zone().await?.today(now);
    let concerns = lookup::concerns(tx, client).await?;
    for (days, reason, instrument) in schedule::follow_up_schedule(&concerns.0) {
        let request = NewRequest {
            client,
            course: Some(course),
            instrument,
            due_on: today + Duration::days(days),
            reason,
        };
        insert_request(tx, &request, actor, now).await?;
    }
    Ok(())
}

impl Measures<'_> {
    /// A published instrument, or the latest version of the practice's own.
    pub async fn instrument(&self, code: &str) -> Result<Option<Instrument>, StoreError> {
        if let Some(i) = measures::builtin(code) {
            return Ok(Some(i));
        }
        let def: Option<String> = self
            .store
            .db
            .scalar_optional(
                "SELECT definition FROM custom_instruments WHERE code = $1 ORDER BY created_at \
                     DESC, id DESC LIMIT 1",
                args![code],
            )
            .await?;
        def.map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// Every instrument a request may name: the published ones and the practice's own.
    pub async fn instruments(&self) -> Result<Vec<Instrument>, StoreError> {
        let mut all = measures::builtins();
        let defs: Vec<String> = self
            .store
            .db
            .scalars(
                "SELECT definition FROM custom_instruments d WHERE created_at = (SELECT \
                     MAX(created_at) FROM custom_instruments x WHERE x.code = d.code) ORDER BY \
                     code",
                args![],
            )
            .await?;
        for d in defs {
            all.push(serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        Ok(all)
    }

    /// Stores a practice-defined instrument (already validated by `CustomInstrumentSpec::build`);
    /// false if that code and version exist.
    pub async fn add_custom_instrument(
        &self,
        i: &Instrument,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(i).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.store.begin().await?;
        let entry = actor
            .entry("instrument.added", now)
            .record("instrument", &i.code)
            .because(format!("version {}", i.version));
        audit::change(
            tx,
            "INSERT INTO custom_instruments (id, code, version, definition, created_at, \
                     created_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code, version) DO \
                     NOTHING",
            args![
                Uuid::now_v7(),
                &i.code,
                &i.version,
                json,
                now,
                crate::actor_uuid(actor),
            ],
            &entry,
        )
        .await
    }

    /// The client's schedule.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn requests(&self, access: &ClinicalAccess) -> Result<Vec<RequestRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, instrument, due_on, reason, completed_at, cancelled_at FROM \
                     measure_requests WHERE client_id = $1 ORDER BY due_on, instrument, id",
                args![access.client()],
            )
            .await
    }

    /// The care team adds a questionnaire to a client's schedule.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_request(
        &self,
        access: &ClinicalAccess,
        instrument: &str,
        due_on: Date,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        if !lookup::client_exists(&mut tx, client).await? {
            return Ok(false);
        }
        let course = lookup::current_course(&mut tx, client).await?.map(|c| c.id);
        let request = NewRequest {
            client,
            course,
            instrument,
            due_on,
            reason: Reason::Manual,
        };
        let id = insert_request(&mut tx, &request, actor, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("measure.scheduled", now)
                .record("measure_request", id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves an open request to another date, or cancels it (`None`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn change_request(
        &self,
        access: &ClinicalAccess,
        request: MeasureRequestId,
        due_on: Option<Date>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let n = match due_on {
            Some(d) => {
                tx.exec(
                    "UPDATE measure_requests SET due_on = $1 WHERE id = $2 AND client_id = $3 \
                         AND completed_at IS NULL AND cancelled_at IS NULL",
                    args![d, request, client],
                )
                .await?
            }
            None => {
                tx.exec(
                    "UPDATE measure_requests SET cancelled_at = $1, cancelled_by = $2 WHERE id \
                         = $3 AND client_id = $4 AND completed_at IS NULL AND cancelled_at IS NULL",
                    args![now, crate::actor_uuid(actor), request, client],
                )
                .await?
            }
        };
        if n == 0 {
            return Ok(false);
        }
        let action = if due_on.is_some() {
            "measure.rescheduled"
        } else {
            "measure.cancelled"
        };
        audit::append(
            &mut tx,
            &actor
                .entry(action, now)
                .record("measure_request", request)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Open questionnaires due by `until` for the clients on `user`'s care team (all clients
    /// for `everyone`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn due(
        &self,
        user: UserId,
        everyone: bool,
        until: Date,
    ) -> Result<Vec<DueRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "SELECT r.id AS request_id, r.client_id, cl.legal_name, r.instrument, \
                     r.due_on, {ON_TEAM_RISK} AS risk FROM measure_requests r JOIN clients cl \
                     ON cl.id = r.client_id WHERE r.completed_at IS NULL AND r.cancelled_at IS \
                     NULL AND r.due_on <= $1 AND ($2 OR EXISTS (SELECT 1 FROM care_team t WHERE \
                     t.client_id = r.client_id AND t.user_id = $3)) ORDER BY r.due_on, \
                     cl.legal_name LIMIT 200",
                    ON_TEAM_RISK = crate::alerts::open_level(
                        "r.client_id",
                        "EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = r.client_id AND \
                         t.user_id = $3)"
                    )
                )),
                args![until, everyone, user],
            )
            .await
    }
}
