//! Questionnaires: the practice's own instruments, the schedule made from the pathway, single-use
//! links (emailed or handed over in the office), and immutable responses. A submission, its
//! score, the request it completes, any suicide-risk alert and the notices about it are one
//! transaction: an alert cannot be lost between "answered" and "told".

use crate::{Store, StoreError, Tx, audit, outbox};
use kapflow_domain::inquiry::Concern;
use kapflow_domain::measures::{self, Instrument, RiskLevel, Scored};
use kapflow_domain::{Actor, ClientId, UserId};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// Why a questionnaire is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Baseline,
    PreDosing,
    Integration,
    FollowUp1m,
    FollowUp3m,
    FollowUp6m,
    Manual,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::Baseline,
        Reason::PreDosing,
        Reason::Integration,
        Reason::FollowUp1m,
        Reason::FollowUp3m,
        Reason::FollowUp6m,
        Reason::Manual,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Baseline => "baseline",
            Reason::PreDosing => "pre_dosing",
            Reason::Integration => "integration",
            Reason::FollowUp1m => "follow_up_1m",
            Reason::FollowUp3m => "follow_up_3m",
            Reason::FollowUp6m => "follow_up_6m",
            Reason::Manual => "manual",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Reason::Baseline => "Baseline (assessment)",
            Reason::PreDosing => "Before a dosing session",
            Reason::Integration => "Integration session",
            Reason::FollowUp1m => "1 month after the course",
            Reason::FollowUp3m => "3 months after the course",
            Reason::FollowUp6m => "6 months after the course",
            Reason::Manual => "Added by the care team",
        }
    }
    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub instrument: String,
    pub due_on: Date,
    pub reason: String,
    pub completed_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    pub id: Uuid,
    pub course_id: Option<Uuid>,
    pub instrument: String,
    pub version: String,
    pub total: i64,
    pub band: String,
    pub scored: String,
    pub via: String,
    pub submitted_at: OffsetDateTime,
}

impl ResponseRow {
    pub fn scored(&self) -> Option<Scored> {
        serde_json::from_str(&self.scored).ok()
    }
}

/// A due or overdue questionnaire on a clinician's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueRow {
    pub request_id: Uuid,
    pub client_id: Uuid,
    pub legal_name: String,
    pub instrument: String,
    pub due_on: Date,
}

/// What a link leads to.
#[derive(Debug, Clone)]
pub enum LinkState {
    Open {
        request: Uuid,
        client: ClientId,
        instrument: String,
        channel: String,
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
        response: Uuid,
        alert: bool,
    },
    /// The same link answered before (a double submit, a refresh): nothing new.
    AlreadySubmitted {
        alert: bool,
    },
    Expired,
    Unknown,
}

/// Escalation delays for unacknowledged alerts.
#[derive(Debug, Clone, Copy)]
pub struct AlertTiming {
    pub escalate_after: Duration,
    pub escalate_high_after: Duration,
}

/// The published instruments each new course starts with (domain reference §4: baseline at
/// assessment): depression and anxiety for everyone, suicide risk screening, and PTSD when it
/// is a primary concern.
pub fn baseline_instruments(concerns: &[Concern]) -> Vec<&'static str> {
    let mut v = vec![
        measures::phq9::CODE,
        measures::gad7::CODE,
        measures::cssrs::CODE,
    ];
    if concerns.contains(&Concern::Ptsd) {
        v.push(measures::pcl5::CODE);
    }
    v
}

/// The follow-ups after a course ends: 1, 3 and 6 months (§4), symptom measures only.
pub fn follow_up_instruments(concerns: &[Concern]) -> Vec<&'static str> {
    let mut v = vec![measures::phq9::CODE, measures::gad7::CODE];
    if concerns.contains(&Concern::Ptsd) {
        v.push(measures::pcl5::CODE);
    }
    v
}

#[allow(clippy::too_many_arguments)]
async fn insert_request(
    tx: &mut Tx,
    client: Uuid,
    course: Option<Uuid>,
    instrument: &str,
    due_on: Date,
    reason: Reason,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO measure_requests (id, client_id, course_id, instrument, due_on, reason, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ).bind(id).bind(client).bind(course).bind(instrument).bind(due_on).bind(reason.as_str()).bind(now).bind(by)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(id)
}

async fn concerns_of(tx: &mut Tx, client: Uuid) -> Result<Vec<Concern>, StoreError> {
    let text: String = on_tx!(tx, c => sqlx::query_scalar("SELECT concerns FROM clients WHERE id = $1")
        .bind(client).fetch_one(c).await)?;
    Ok(kapflow_domain::client::concerns_from_text(&text))
}

/// Baseline questionnaires for a course that has just opened (same transaction).
pub(crate) async fn schedule_baseline(
    tx: &mut Tx,
    client: Uuid,
    course: Uuid,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let today = kapflow_domain::pathway::today(now);
    for code in baseline_instruments(&concerns_of(tx, client).await?) {
        insert_request(
            tx,
            client,
            Some(course),
            code,
            today,
            Reason::Baseline,
            by,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Follow-ups 1, 3 and 6 months after a course ends (same transaction as the ending); open
/// requests of the ended course are cancelled, since they can no longer be taken in time.
pub(crate) async fn schedule_follow_ups(
    tx: &mut Tx,
    client: Uuid,
    course: Uuid,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE measure_requests SET cancelled_at = $1, cancelled_by = $2 \
         WHERE course_id = $3 AND completed_at IS NULL AND cancelled_at IS NULL AND reason NOT LIKE 'follow_up%'"
    ).bind(now).bind(by).bind(course).execute(c).await.map(|r| r.rows_affected()))?;
    let today = kapflow_domain::pathway::today(now);
    let concerns = concerns_of(tx, client).await?;
    for (days, reason) in [
        (30, Reason::FollowUp1m),
        (91, Reason::FollowUp3m),
        (182, Reason::FollowUp6m),
    ] {
        for code in follow_up_instruments(&concerns) {
            insert_request(
                tx,
                client,
                Some(course),
                code,
                today + Duration::days(days),
                reason,
                by,
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// A link with its request, as a submission reads it.
type LinkRow = (
    Uuid,
    Uuid,
    Option<Uuid>,
    String,
    String,
    OffsetDateTime,
    Option<OffsetDateTime>,
);

impl Store {
    /// A published instrument, or the latest version of the practice's own.
    pub async fn instrument(&self, code: &str) -> Result<Option<Instrument>, StoreError> {
        if let Some(i) = measures::builtin(code) {
            return Ok(Some(i));
        }
        let def: Option<String> = on_db!(self, c => sqlx::query_scalar(
            "SELECT definition FROM custom_instruments WHERE code = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
        ).bind(code).fetch_optional(c).await)?;
        def.map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// Every instrument a request may name: the published ones and the practice's own.
    pub async fn instruments(&self) -> Result<Vec<Instrument>, StoreError> {
        let mut all = measures::builtins();
        let defs: Vec<String> = on_db!(self, c => sqlx::query_scalar(
            "SELECT definition FROM custom_instruments d WHERE created_at = \
             (SELECT MAX(created_at) FROM custom_instruments x WHERE x.code = d.code) ORDER BY code"
        ).fetch_all(c).await)?;
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
        let mut tx = self.begin().await?;
        let id = Uuid::now_v7();
        let n = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO custom_instruments (id, code, version, definition, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (code, version) DO NOTHING"
        ).bind(id).bind(&i.code).bind(&i.version).bind(json).bind(now).bind(crate::actor_uuid(actor)).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(false);
        }
        let mut entry = actor
            .entry("instrument.added", now)
            .record("instrument", &i.code);
        entry.reason = Some(format!("version {}", i.version));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn measure_requests(&self, client: ClientId) -> Result<Vec<RequestRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, instrument, due_on, reason, completed_at, cancelled_at FROM measure_requests \
             WHERE client_id = $1 ORDER BY due_on, instrument, id"
        ).bind(client.as_uuid()).fetch_all(c).await)?)
    }

    /// The care team adds a questionnaire to a client's schedule.
    pub async fn add_measure_request(
        &self,
        client: ClientId,
        instrument: &str,
        due_on: Date,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        if !crate::clients::client_exists(&mut tx, client).await? {
            return Ok(false);
        }
        let course = crate::courses::current_course_tx(&mut tx, client)
            .await?
            .map(|c| c.id);
        let id = insert_request(
            &mut tx,
            client.as_uuid(),
            course,
            instrument,
            due_on,
            Reason::Manual,
            crate::actor_uuid(actor),
            now,
        )
        .await?;
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
    pub async fn change_measure_request(
        &self,
        client: ClientId,
        request: Uuid,
        due_on: Option<Date>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = match due_on {
            Some(d) => on_tx!(&mut tx, c => sqlx::query(
                "UPDATE measure_requests SET due_on = $1 WHERE id = $2 AND client_id = $3 AND completed_at IS NULL AND cancelled_at IS NULL"
            ).bind(d).bind(request).bind(client.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?,
            None => on_tx!(&mut tx, c => sqlx::query(
                "UPDATE measure_requests SET cancelled_at = $1, cancelled_by = $2 WHERE id = $3 AND client_id = $4 \
                 AND completed_at IS NULL AND cancelled_at IS NULL"
            ).bind(now).bind(crate::actor_uuid(actor)).bind(request).bind(client.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?,
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

    /// A single-use way in to an open request. For `email`, the message (a link only; the
    /// subject names no one) is queued in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_measure_link(
        &self,
        client: ClientId,
        request: Uuid,
        token_hash: &[u8],
        channel: &str,
        valid_for: Duration,
        email_link: Option<&str>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let open: Option<Option<String>> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT cl.email FROM measure_requests r JOIN clients cl ON cl.id = r.client_id \
             WHERE r.id = $1 AND r.client_id = $2 AND r.completed_at IS NULL AND r.cancelled_at IS NULL"
        ).bind(request).bind(client.as_uuid()).fetch_optional(c).await)?;
        let Some(email) = open else { return Ok(false) };
        if channel == "email" && email.is_none() {
            return Ok(false);
        }
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO measure_links (token_hash, request_id, channel, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
        ).bind(token_hash).bind(request).bind(channel).bind(now).bind(crate::actor_uuid(actor)).bind(now + valid_for)
            .execute(c).await.map(|r| r.rows_affected()))?;
        if let (Some(to), Some(link)) = (email, email_link) {
            let payload = serde_json::json!({ "template": "measure_link", "to": to, "link": link });
            outbox::enqueue(&mut tx, "email", &payload.to_string(), now).await?;
        }
        let mut entry = actor
            .entry("measure.link_issued", now)
            .record("measure_request", request)
            .client(client);
        entry.reason = Some(channel.to_owned());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn measure_link(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<LinkState, StoreError> {
        let row: Option<(
            Uuid,
            Uuid,
            String,
            String,
            OffsetDateTime,
            Option<OffsetDateTime>,
        )> = on_db!(self, c => sqlx::query_as(
            "SELECT r.id, r.client_id, r.instrument, l.channel, l.expires_at, l.used_at FROM measure_links l \
             JOIN measure_requests r ON r.id = l.request_id WHERE l.token_hash = $1"
        ).bind(token_hash).fetch_optional(c).await)?;
        let Some((request, client, instrument, channel, expires, used)) = row else {
            return Ok(LinkState::Unknown);
        };
        if used.is_some() {
            let alert: bool = on_db!(self, c => sqlx::query_scalar::<_, bool>(
                "SELECT COUNT(*) > 0 FROM risk_alerts a JOIN measure_responses m ON m.id = a.response_id WHERE m.request_id = $1"
            ).bind(request).fetch_one(c).await)?;
            return Ok(LinkState::Submitted { alert });
        }
        if expires <= now {
            return Ok(LinkState::Expired);
        }
        Ok(LinkState::Open {
            request,
            client: ClientId::from_uuid(client),
            instrument,
            channel,
        })
    }

    /// Records a scored submission through a link, once; raises an alert for each safety
    /// flag and queues the care team's notice, all in one transaction.
    pub async fn submit_measure(
        &self,
        token_hash: &[u8],
        scored: &Scored,
        timing: AlertTiming,
        now: OffsetDateTime,
    ) -> Result<Submission, StoreError> {
        let mut tx = self.begin().await?;
        let row: Option<LinkRow> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT r.id, r.client_id, r.course_id, r.instrument, l.channel, l.expires_at, l.used_at FROM measure_links l \
             JOIN measure_requests r ON r.id = l.request_id WHERE l.token_hash = $1"
        ).bind(token_hash).fetch_optional(&mut *c).await)?;
        let Some((request, client, course, instrument, channel, expires, used)) = row else {
            return Ok(Submission::Unknown);
        };
        if used.is_some() {
            drop(tx);
            return match self.measure_link(token_hash, now).await? {
                LinkState::Submitted { alert } => Ok(Submission::AlreadySubmitted { alert }),
                _ => Ok(Submission::Unknown),
            };
        }
        if expires <= now || scored.instrument != instrument {
            return Ok(Submission::Expired);
        }
        // The link is spent first: a concurrent second submission finds nothing to spend.
        let n = on_tx!(&mut tx, c => sqlx::query("UPDATE measure_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
            .bind(now).bind(token_hash).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(Submission::AlreadySubmitted { alert: false });
        }
        let response = Uuid::now_v7();
        let json = serde_json::to_string(scored).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let via = if channel == "kiosk" { "kiosk" } else { "link" };
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO measure_responses (id, client_id, course_id, request_id, instrument, version, total, band, scored, via, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ).bind(response).bind(client).bind(course).bind(request).bind(&scored.instrument).bind(&scored.version)
            .bind(i64::from(scored.total)).bind(&scored.band).bind(json).bind(via).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE measure_requests SET completed_at = $1 WHERE id = $2")
            .bind(now).bind(request).execute(c).await.map(|r| r.rows_affected()))?;
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
            let level = match flag.risk {
                None => "flag",
                Some(RiskLevel::None | RiskLevel::Low) => "low",
                Some(RiskLevel::Moderate) => "moderate",
                Some(RiskLevel::High) => "high",
            };
            let after = if level == "high" {
                timing.escalate_high_after
            } else {
                timing.escalate_after
            };
            let id = Uuid::now_v7();
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO risk_alerts (id, client_id, response_id, level, finding, rule, source, created_at, escalate_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ).bind(id).bind(client).bind(response).bind(level).bind(&flag.finding).bind(&flag.rule).bind(&flag.source)
                .bind(now).bind(now + after).execute(c).await.map(|r| r.rows_affected()))?;
            let payload =
                serde_json::json!({ "template": "risk_alert", "alert_id": id.to_string() });
            outbox::enqueue(&mut tx, "email", &payload.to_string(), now).await?;
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

    pub async fn measure_responses(
        &self,
        client: ClientId,
    ) -> Result<Vec<ResponseRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, course_id, instrument, version, total, band, scored, via, submitted_at FROM measure_responses \
             WHERE client_id = $1 ORDER BY submitted_at, id"
        ).bind(client.as_uuid()).fetch_all(c).await)?)
    }

    /// Open questionnaires due by `until` for the clients on `user`'s care team (all clients
    /// for `everyone`).
    pub async fn due_measures(
        &self,
        user: UserId,
        everyone: bool,
        until: Date,
    ) -> Result<Vec<DueRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT r.id AS request_id, r.client_id, cl.legal_name, r.instrument, r.due_on FROM measure_requests r \
             JOIN clients cl ON cl.id = r.client_id \
             WHERE r.completed_at IS NULL AND r.cancelled_at IS NULL AND r.due_on <= $1 \
             AND ($2 OR EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = r.client_id AND t.user_id = $3)) \
             ORDER BY r.due_on, cl.legal_name LIMIT 200"
        ).bind(until).bind(everyone).bind(user.as_uuid()).fetch_all(c).await)?)
    }
}
