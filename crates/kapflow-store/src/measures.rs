//! Questionnaires: the practice's own instruments, the schedule made from the pathway, single-use
//! links (emailed or handed over in the office), and immutable responses. A submission, its
//! score, the request it completes, any suicide-risk alert and the notices about it are one
//! transaction: an alert cannot be lost between "answered" and "told".

use crate::sql::{OptText, OptUuid};
use crate::{ClinicalAccess, StoreError, Tx, audit, lookup, outbox};
use kapflow_domain::measures::schedule::{
    self, AlertLevel, AlertTiming, Channel, Reason, Via, baseline_instruments,
};
use kapflow_domain::measures::{self, Instrument, Scored};
use kapflow_domain::{Actor, AlertId, ClientId, CourseId, MeasureRequestId, ResponseId, UserId};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Questionnaires: instruments, the schedule, links and responses.
    Measures
);

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

/// A submitted questionnaire.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ResponseId,
    #[sqlx(try_from = "OptUuid")]
    pub course_id: Option<CourseId>,
    pub instrument: String,
    pub version: String,
    pub total: i64,
    pub band: String,
    /// JSON of the [`Scored`] submission.
    pub scored: String,
    #[sqlx(try_from = "String")]
    pub via: Via,
    pub submitted_at: OffsetDateTime,
}

impl ResponseRow {
    pub fn scored(&self) -> Option<Scored> {
        serde_json::from_str(&self.scored).ok()
    }
}

/// One answered questionnaire as the trend charts and the history table show it: no answers,
/// so drawing a client's history copies a few small columns a row, not the whole submission —
/// except for the instruments whose result is more than a total (the PCL-5's clusters and
/// DSM-5 reading, the C-SSRS's risk level and its "yes" answers), whose `Scored` comes along.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponsePoint {
    #[sqlx(try_from = "Uuid")]
    pub id: ResponseId,
    pub instrument: String,
    pub total: i64,
    pub band: String,
    pub submitted_at: OffsetDateTime,
    /// JSON of the [`Scored`] submission, for the PCL-5 and the C-SSRS only.
    detail: Option<String>,
}

/// Stores a single-use link to a questionnaire (its token's hash), made by `by` (none: kapflow
/// itself) at `now`, open until `expires_at`.
pub(crate) async fn insert_link(
    tx: &mut crate::Tx,
    token_hash: &[u8],
    request: MeasureRequestId,
    channel: Channel,
    by: Option<Uuid>,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO measure_links (token_hash, request_id, channel, created_at, created_by, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![token_hash, request, channel, now, by, expires_at],
    )
    .await?;
    Ok(())
}

impl From<&ResponseRow> for ResponsePoint {
    fn from(r: &ResponseRow) -> ResponsePoint {
        ResponsePoint {
            id: r.id,
            instrument: r.instrument.clone(),
            total: r.total,
            band: r.band.clone(),
            submitted_at: r.submitted_at,
            detail: Some(r.scored.clone()),
        }
    }
}

impl ResponsePoint {
    /// The whole scored submission, for the instruments that bring it.
    pub fn detail(&self) -> Option<Scored> {
        self.detail
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
    }
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

/// What a link leads to.
#[derive(Debug, Clone)]
pub enum LinkState {
    Open {
        request: MeasureRequestId,
        client: ClientId,
        instrument: String,
        channel: Channel,
    },
    /// Already answered through this link: show the same confirmation again.
    Submitted {
        alert: bool,
    },
    Expired,
    Unknown,
}

/// What a submission came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    Recorded {
        response: ResponseId,
        alert: bool,
    },
    /// The same link answered before (a double submit, a refresh): nothing new.
    AlreadySubmitted {
        alert: bool,
    },
    Expired,
    Unknown,
}

/// A link with its request, as a submission reads it.
#[derive(sqlx::FromRow)]
struct LinkRow {
    #[sqlx(try_from = "Uuid")]
    request: MeasureRequestId,
    #[sqlx(try_from = "Uuid")]
    client: ClientId,
    #[sqlx(try_from = "OptUuid")]
    course: Option<CourseId>,
    instrument: String,
    #[sqlx(try_from = "String")]
    channel: Channel,
    expires_at: OffsetDateTime,
    used_at: Option<OffsetDateTime>,
}

const LINK: &str = "SELECT r.id AS request, r.client_id AS client, r.course_id AS course, r.instrument, \
     l.channel, l.expires_at, l.used_at FROM measure_links l \
     JOIN measure_requests r ON r.id = l.request_id WHERE l.token_hash = $1";

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

    /// A single-use way in to an open request, valid for `valid_for` (the channel's own
    /// validity, `Channel::valid_for`, in the app). For email, the message (a link only; the subject names no one) is queued in the same
    /// transaction; false if the client has no address or the request is not open.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn issue_link(
        &self,
        access: &ClinicalAccess,
        request: MeasureRequestId,
        token_hash: &[u8],
        channel: Channel,
        valid_for: Duration,
        link: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let open: Option<Option<String>> = tx
            .scalar_optional(
                "SELECT cl.email FROM measure_requests r JOIN clients cl ON cl.id = \
                     r.client_id WHERE r.id = $1 AND r.client_id = $2 AND r.completed_at IS NULL \
                     AND r.cancelled_at IS NULL",
                args![request, client],
            )
            .await?;
        let Some(email) = open else { return Ok(false) };
        if channel == Channel::Email && email.is_none() {
            return Ok(false);
        }
        insert_link(
            &mut tx,
            token_hash,
            request,
            channel,
            crate::actor_uuid(actor),
            now,
            now + valid_for,
        )
        .await?;
        if let (Channel::Email, Some(to)) = (channel, email) {
            let message = outbox::Email::MeasureLink {
                to,
                link: link.to_owned(),
            };
            outbox::enqueue(&mut tx, &message, now).await?;
        }
        audit::append(
            &mut tx,
            &actor
                .entry("measure.link_issued", now)
                .record("measure_request", request)
                .client(client)
                .because(channel.as_str().to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// What a link leads to now.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn link(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<LinkState, StoreError> {
        let row: Option<LinkRow> = self
            .store
            .db
            .fetch_optional(LINK, args![token_hash])
            .await?;
        let Some(row) = row else {
            return Ok(LinkState::Unknown);
        };
        if row.used_at.is_some() {
            let alert: bool = self
                .store
                .db
                .scalar(
                    "SELECT COUNT(*) > 0 FROM risk_alerts a JOIN measure_responses m ON m.id = \
                         a.response_id WHERE m.request_id = $1",
                    args![row.request],
                )
                .await?;
            return Ok(LinkState::Submitted { alert });
        }
        if row.expires_at <= now {
            return Ok(LinkState::Expired);
        }
        Ok(LinkState::Open {
            request: row.request,
            client: row.client,
            instrument: row.instrument,
            channel: row.channel,
        })
    }

    /// Records a scored submission through a link, once; raises an alert for each safety
    /// flag and queues the care team's notice, all in one transaction.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn submit(
        &self,
        token_hash: &[u8],
        scored: &Scored,
        timing: AlertTiming,
        now: OffsetDateTime,
    ) -> Result<Submission, StoreError> {
        let mut tx = self.store.begin().await?;
        let row: Option<LinkRow> = tx.fetch_optional(LINK, args![token_hash]).await?;
        let Some(link) = row else {
            return Ok(Submission::Unknown);
        };
        if link.used_at.is_some() {
            drop(tx);
            return match self.link(token_hash, now).await? {
                LinkState::Submitted { alert } => Ok(Submission::AlreadySubmitted { alert }),
                _ => Ok(Submission::Unknown),
            };
        }
        if link.expires_at <= now || scored.instrument != link.instrument {
            return Ok(Submission::Expired);
        }
        // The link is spent first: a concurrent second submission finds nothing to spend.
        let n = tx
            .exec(
                "UPDATE measure_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS \
                     NULL",
                args![now, token_hash],
            )
            .await?;
        if n == 0 {
            return Ok(Submission::AlreadySubmitted { alert: false });
        }
        let client = link.client;
        let response = ResponseId::new();
        let json = serde_json::to_string(scored).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.exec(
            "INSERT INTO measure_responses (id, client_id, course_id, request_id, instrument, \
                 version, total, band, scored, via, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, \
                 $7, $8, $9, $10, $11)",
            args![
                response,
                client,
                link.course,
                link.request,
                &scored.instrument,
                &scored.version,
                scored.total,
                &scored.band,
                json,
                link.channel.via(),
                now
            ],
        )
        .await?;
        tx.exec(
            "UPDATE measure_requests SET completed_at = $1 WHERE id = $2",
            args![now, link.request],
        )
        .await?;
        let anon = Actor::anonymous(None);
        audit::append(
            &mut tx,
            &anon
                .entry("measure.submitted", now)
                .record("measure_response", response)
                .client(client),
        )
        .await?;
        let mut alert = false;
        for flag in scored.flags.iter().filter(|f| f.kind.is_safety_alert()) {
            alert = true;
            let level = AlertLevel::of(flag);
            let id = AlertId::new();
            tx.exec(
                "INSERT INTO risk_alerts (id, client_id, response_id, level, finding, rule, \
                     source, created_at, escalate_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                args![
                    id,
                    client,
                    response,
                    level,
                    &flag.finding,
                    &flag.rule,
                    &flag.source,
                    now,
                    now + level.escalate_after(timing)
                ],
            )
            .await?;
            outbox::enqueue(&mut tx, &outbox::Email::RiskAlert { alert_id: id }, now).await?;
            audit::append(
                &mut tx,
                &anon
                    .entry("alert.raised", now)
                    .record("risk_alert", id)
                    .client(client),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Submission::Recorded { response, alert })
    }

    /// Every response of the client, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn responses(&self, access: &ClinicalAccess) -> Result<Vec<ResponseRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, course_id, instrument, version, total, band, scored, via, \
                     submitted_at FROM measure_responses WHERE client_id = $1 ORDER BY \
                     submitted_at, id",
                args![access.client()],
            )
            .await
    }

    /// One response of the client, with every answer.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn response(
        &self,
        access: &ClinicalAccess,
        id: ResponseId,
    ) -> Result<Option<ResponseRow>, StoreError> {
        self.store
            .db
            .fetch_optional(
                "SELECT id, course_id, instrument, version, total, band, scored, via, \
                     submitted_at FROM measure_responses WHERE id = $1 AND client_id = $2",
                args![id, access.client()],
            )
            .await
    }

    /// Every response of the client as a point of its trend, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn points(&self, access: &ClinicalAccess) -> Result<Vec<ResponsePoint>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, instrument, total, band, submitted_at, CASE WHEN instrument IN \
                     ('pcl5', 'cssrs') THEN scored END AS detail FROM measure_responses WHERE \
                     client_id = $1 ORDER BY submitted_at, id",
                args![access.client()],
            )
            .await
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
