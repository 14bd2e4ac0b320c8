//! Questionnaire links: issuing a single-use link (emailed or handed over), what a link leads
//! to, and a submission with its score, alert and notices in one transaction.

use super::Measures;
use crate::sql::OptUuid;
use crate::{ClinicalAccess, StoreError, audit, outbox};
use kapflow_domain::measures::Scored;
use kapflow_domain::measures::schedule::{AlertLevel, AlertTiming, Channel};
use kapflow_domain::{Actor, AlertId, ClientId, CourseId, MeasureRequestId, ResponseId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

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

impl Measures<'_> {
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
}
