//! The outbox: notifications and alerts written with what caused them, delivered at least once.
//!
//! Every message is one [`Email`] variant, serialised with its template name, so a message
//! kapflow cannot send cannot be queued. Workers lease due rows for a while; a worker that dies
//! loses its lease and another instance (or the same one after a restart) delivers the row.
//! PostgreSQL leases with `FOR UPDATE SKIP LOCKED` so instances never wait on each other;
//! SQLite has one writer.

use crate::StoreError;
use crate::backend::{Backend, Tx};
use kapflow_domain::{AlertId, GrantId, InquiryId, OrgId, OutboxId, UserId};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Queued messages and their delivery.
    Outbox
);

/// Every email kapflow sends. Each carries ids and links only — never a client's name or
/// anything else about them; the mail worker looks up the recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Email {
    /// A staff invitation: the single-use link, to the invited address.
    Invitation { to: String, link: String },
    /// A password reset link, to the account's address.
    PasswordReset { to: String, link: String },
    /// A new inquiry: a link to the inbox, to everyone who reads it.
    NewInquiry { inquiry_id: InquiryId },
    /// Someone opened a record outside their caseload: to the owner.
    BreakGlass { grant_id: GrantId },
    /// A client was referred: to the organisation's prescribers.
    Referral { org_id: OrgId },
    /// A questionnaire link, to the client's address.
    MeasureLink { to: String, link: String },
    /// A suicide-risk alert: to the care team (the owner when there is none).
    RiskAlert { alert_id: AlertId },
    /// An alert nobody acknowledged in time: to the owner.
    RiskAlertEscalated { alert_id: AlertId },
    /// An account was locked after wrong passwords: to the account.
    AccountLocked { user_id: UserId },
}

/// A leased message.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxItem {
    #[sqlx(try_from = "Uuid")]
    pub id: OutboxId,
    /// JSON of an [`Email`].
    pub payload: String,
    pub attempts: i32,
}

impl OutboxItem {
    /// The message, or why it cannot be read (without quoting the payload, which may hold an
    /// address or a link).
    pub fn email(&self) -> Result<Email, &'static str> {
        serde_json::from_str(&self.payload).map_err(|_| "unreadable message")
    }
}

/// Adds a message inside the caller's transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn enqueue(
    tx: &mut Tx,
    email: &Email,
    now: OffsetDateTime,
) -> Result<OutboxId, StoreError> {
    let id = OutboxId::new();
    let payload = serde_json::to_string(email).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.exec(
        "INSERT INTO outbox (id, kind, payload, created_at, available_at) VALUES ($1, 'email', \
             $2, $3, $3)",
        args![id, payload, now],
    )
    .await?;
    Ok(id)
}

const LEASE_SQLITE: &str = "UPDATE outbox SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND available_at <= $3 \
     AND (locked_until IS NULL OR locked_until <= $3) ORDER BY available_at, id LIMIT $4) \
     RETURNING id, payload, attempts";
const LEASE_PG: &str = "UPDATE outbox SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND available_at <= $3 \
     AND (locked_until IS NULL OR locked_until <= $3) ORDER BY available_at, id LIMIT $4 \
     FOR UPDATE SKIP LOCKED) \
     RETURNING id, payload, attempts";

impl Outbox<'_> {
    /// Leases up to `limit` due messages to `worker` for `lease`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn lease(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let args = args![now + lease, worker, now, limit];
        match self.store.backend() {
            Backend::Sqlite => {
                let mut tx = self.store.begin().await?;
                let items = tx.fetch_all(LEASE_SQLITE, args).await?;
                tx.commit().await?;
                Ok(items)
            }
            Backend::Postgres => self.store.db.fetch_all(LEASE_PG, args).await,
        }
    }

    /// Marks a leased message delivered and drops its payload (it may hold a link, a secret
    /// that has no business staying at rest); false if the lease was lost to another worker.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delivered(
        &self,
        id: OutboxId,
        worker: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE outbox SET delivered_at = $1, locked_until = NULL, payload = '{}' \
                     WHERE id = $2 AND locked_by = $3 AND delivered_at IS NULL",
                args![now, id, worker],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Records a failed delivery and when to try again.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn failed(
        &self,
        id: OutboxId,
        worker: &str,
        error: &str,
        retry_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE outbox SET last_error = $1, available_at = $2, locked_until = NULL WHERE \
                 id = $3 AND locked_by = $4 AND delivered_at IS NULL",
            args![error, retry_at, id, worker],
        )
        .await?;
        tx.commit().await
    }

    /// How many messages wait for delivery (for `/metrics` and tests).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn pending(&self) -> Result<i64, StoreError> {
        self.store
            .db
            .scalar(
                "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL",
                args![],
            )
            .await
    }
}
