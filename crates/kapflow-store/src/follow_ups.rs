//! Questionnaires that go out by themselves: each scheduled questionnaire is emailed when it
//! is due, once, and reminded once if it stays unanswered — only to a client who agreed to be
//! emailed questionnaire links. Each send is a conditional update on the request, so with
//! several instances a questionnaire is emailed once; the link, the email (outbox) and the
//! audit row are written in the same transaction.

use crate::{ClientAccess, StoreError, audit, outbox};
use kapflow_domain::measures::schedule::Channel;
use kapflow_domain::{AuditEntry, ClientId, MeasureRequestId};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Automatic emailing of due questionnaires and their reminders.
    FollowUps
);

/// A questionnaire to email now: the first time, or as the reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToSend {
    pub request: MeasureRequestId,
    pub client: ClientId,
    pub reminder: bool,
}

/// At most this many a round: the worker comes back for the rest.
const BATCH: i64 = 50;

impl FollowUps<'_> {
    /// Records (or withdraws) the client's agreement to receive questionnaire links by email: a
    /// contact preference, so whoever keeps the client's details records it (front desk too).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_email_consent(
        &self,
        access: &ClientAccess,
        agreed: bool,
        actor: &kapflow_domain::Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let entry = actor
            .entry(
                if agreed {
                    "client.email_consent_given"
                } else {
                    "client.email_consent_withdrawn"
                },
                now,
            )
            .record("client", client)
            .client(client);
        let at = agreed.then_some(now);
        audit::change(
            self.store.begin().await?,
            "UPDATE clients SET email_consent_at = $1 WHERE id = $2",
            args![at, client],
            &entry,
        )
        .await
    }

    /// What to email now: questionnaires due by `today` never sent, and (when `remind_after`
    /// is set) automatic ones unanswered that long and not yet reminded — of clients with an
    /// address who agreed to email.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn due(
        &self,
        today: Date,
        remind_after: Option<Duration>,
        now: OffsetDateTime,
    ) -> Result<Vec<ToSend>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(try_from = "Uuid")]
            id: MeasureRequestId,
            #[sqlx(try_from = "Uuid")]
            client_id: ClientId,
            reminder: bool,
        }
        // No reminders: a cut-off before any send, so the condition never holds.
        let remind_before = remind_after.map_or(OffsetDateTime::UNIX_EPOCH, |d| now - d);
        let rows: Vec<Row> = self
            .store
            .db
            .fetch_all(
                "SELECT r.id, r.client_id, r.auto_sent_at IS NOT NULL AS reminder FROM \
                 measure_requests r JOIN clients cl ON cl.id = r.client_id WHERE \
                 r.completed_at IS NULL AND r.cancelled_at IS NULL AND cl.email IS NOT NULL \
                 AND cl.email_consent_at IS NOT NULL AND ((r.auto_sent_at IS NULL AND \
                 r.due_on <= $1 AND NOT EXISTS (SELECT 1 FROM measure_links l WHERE \
                 l.request_id = r.id)) OR (r.auto_sent_at IS NOT NULL AND r.reminded_at IS \
                 NULL AND r.auto_sent_at <= $2)) ORDER BY r.due_on, r.id LIMIT $3",
                args![today, remind_before, BATCH],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ToSend {
                request: r.id,
                client: r.client_id,
                reminder: r.reminder,
            })
            .collect())
    }

    /// Emails one questionnaire (`send` from [`FollowUps::due`]) with a new single-use link:
    /// false when it was sent meanwhile, answered, cancelled, or the client withdrew.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn send(
        &self,
        send: ToSend,
        token_hash: &[u8],
        valid_for: Duration,
        link: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let claim = if send.reminder {
            "UPDATE measure_requests SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL \
             AND auto_sent_at IS NOT NULL AND completed_at IS NULL AND cancelled_at IS NULL"
        } else {
            "UPDATE measure_requests SET auto_sent_at = $1 WHERE id = $2 AND auto_sent_at IS \
             NULL AND completed_at IS NULL AND cancelled_at IS NULL"
        };
        if tx.exec(claim, args![now, send.request]).await? == 0 {
            return Ok(false);
        }
        let to: Option<Option<String>> = tx
            .scalar_optional(
                "SELECT email FROM clients WHERE id = $1 AND email_consent_at IS NOT NULL",
                args![send.client],
            )
            .await?;
        let Some(Some(to)) = to else {
            return Ok(false);
        };
        crate::measures::insert_link(
            &mut tx,
            token_hash,
            send.request,
            Channel::Email,
            None,
            now,
            now + valid_for,
        )
        .await?;
        let message = outbox::Email::MeasureLink {
            to,
            link: link.to_owned(),
        };
        outbox::enqueue(&mut tx, &message, now).await?;
        audit::append(
            &mut tx,
            &AuditEntry::system(
                if send.reminder {
                    "measure.reminder_emailed"
                } else {
                    "measure.link_emailed"
                },
                now,
            )
            .record("measure_request", send.request)
            .client(send.client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
