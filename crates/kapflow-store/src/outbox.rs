//! The outbox: notifications and alerts written with what caused them, delivered at least once.
//!
//! Every message is one [`Email`] variant, serialised with its template name, so a message
//! kapflow cannot send cannot be queued. Workers lease due rows for a while; a worker that dies
//! loses its lease and another instance (or the same one after a restart) delivers the row.
//! PostgreSQL leases with `FOR UPDATE SKIP LOCKED` so instances never wait on each other;
//! SQLite has one writer.

use crate::StoreError;
use crate::backend::{Backend, Tx};
use kapflow_domain::{
    AlertId, ClientId, DoseRequestId, GrantId, InquiryId, MessageId, OrgId, OutboxId, UserId,
};
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
    /// A client's invitation to the portal: the single-use link, to the address on their
    /// record; it says nothing about their care.
    PortalInvitation { to: String, link: String, days: u32 },
    /// The care team wrote to a client in the portal: to the client's account, saying only
    /// that there is a message.
    PortalMessage { message_id: MessageId },
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
    /// Someone put themselves on a client's care team: to the others on it.
    CareTeamJoined {
        client_id: ClientId,
        user_id: UserId,
    },
    /// The daily audit digest: one signed checkpoint line (a sequence number, a hash, a time,
    /// no client data), to the owners, who keep it outside this machine.
    AuditDigest { line: String },
    /// A dose-change request: to the prescribers of the organisation the client was referred
    /// to (a person can switch it off).
    DoseChangeRequested { request_id: DoseRequestId },
    /// The prescriber's answer to a dose-change request: to the client's care team.
    DoseChangeAnswered { request_id: DoseRequestId },
    /// A message about a client: to the other side (the care team, or the referred
    /// organisation's prescribers), never its author.
    MessagePosted { message_id: MessageId },
    /// An inquiry given to someone: to them.
    InquiryAssigned {
        inquiry_id: InquiryId,
        user_id: UserId,
    },
    /// A reminder of an appointment, to the client's address: composed when sent, so a
    /// cancelled or moved appointment sends nothing.
    AppointmentReminder {
        to: String,
        appointment_id: kapflow_domain::AppointmentId,
        starts_at: time::OffsetDateTime,
    },
    /// A good-faith estimate is ready: to the client's address, a link to the portal, where
    /// it is (nothing of it in the email).
    EstimateReady { to: String, link: String },
    /// A client's charges reached $400 over their good-faith estimate: to the owners, a link
    /// to the client's billing page (an id, not a name).
    EstimateExceeded { client_id: kapflow_domain::ClientId },
}

impl Email {
    /// What kind of message this is, in the practice's words.
    pub fn label(&self) -> &'static str {
        match self {
            Email::Invitation { .. } => "Staff invitation",
            Email::PasswordReset { .. } => "Password reset link",
            Email::PortalInvitation { .. } => "Portal invitation to a client",
            Email::PortalMessage { .. } => "New message notice to a client",
            Email::NewInquiry { .. } => "New inquiry notice",
            Email::BreakGlass { .. } => "Emergency access notice",
            Email::Referral { .. } => "Referral to the prescriber",
            Email::MeasureLink { .. } => "Questionnaire link to a client",
            Email::RiskAlert { .. } => "Safety alert to the care team",
            Email::RiskAlertEscalated { .. } => "Escalated safety alert",
            Email::AccountLocked { .. } => "Account locked notice",
            Email::CareTeamJoined { .. } => "Care team change notice",
            Email::AuditDigest { .. } => "Audit trail digest",
            Email::DoseChangeRequested { .. } => "Dose-change request to the prescriber",
            Email::DoseChangeAnswered { .. } => "Dose-change answer to the care team",
            Email::MessagePosted { .. } => "New message notice",
            Email::InquiryAssigned { .. } => "Inquiry assigned notice",
            Email::AppointmentReminder { .. } => "Appointment reminder to a client",
            Email::EstimateReady { .. } => "Good-faith estimate notice to a client",
            Email::EstimateExceeded { .. } => "Charges over a good-faith estimate",
        }
    }
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

/// Counts of mail not yet delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct MailHealth {
    /// Still to be sent (including those being retried).
    pub waiting: i64,
    /// Of those, refused at least once and being retried.
    pub failing: i64,
    /// Never to be sent: kapflow could not read them.
    pub given_up: i64,
}

/// A message that could not be sent yet, or ever, as the owner sees it: its kind, never its
/// content (which may hold an address or a live link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailTrouble {
    pub id: OutboxId,
    /// What kind of message it is ([`Email::label`]), when it can be read.
    pub kind: Option<&'static str>,
    pub queued_at: OffsetDateTime,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Set when kapflow gave up on it.
    pub failed_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct TroubleRow {
    #[sqlx(try_from = "Uuid")]
    id: OutboxId,
    payload: String,
    created_at: OffsetDateTime,
    attempts: i32,
    last_error: Option<String>,
    failed_at: Option<OffsetDateTime>,
}

impl From<TroubleRow> for MailTrouble {
    fn from(r: TroubleRow) -> MailTrouble {
        MailTrouble {
            id: r.id,
            kind: serde_json::from_str::<Email>(&r.payload)
                .ok()
                .map(|e| e.label()),
            queued_at: r.created_at,
            attempts: r.attempts,
            last_error: r.last_error,
            failed_at: r.failed_at,
        }
    }
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
     WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL \
     AND available_at <= $3 AND (locked_until IS NULL OR locked_until <= $3) \
     ORDER BY available_at, id LIMIT $4) \
     RETURNING id, payload, attempts";
const LEASE_PG: &str = "UPDATE outbox SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL \
     AND available_at <= $3 AND (locked_until IS NULL OR locked_until <= $3) \
     ORDER BY available_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
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

    /// Gives up on a leased message that can never be sent (kapflow cannot read it): it stays,
    /// undelivered and never leased again, for the owner to see. `reason` must hold no PHI.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn undeliverable(
        &self,
        id: OutboxId,
        worker: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE outbox SET failed_at = $1, last_error = $2, locked_until = NULL WHERE id = \
                 $3 AND locked_by = $4 AND delivered_at IS NULL",
            args![now, reason, id, worker],
        )
        .await?;
        tx.commit().await
    }

    /// How many messages wait for delivery (for `/metrics` and tests); given-up ones do not.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn pending(&self) -> Result<i64, StoreError> {
        self.store
            .db
            .scalar(
                "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL",
                args![],
            )
            .await
    }

    /// Messages waiting, of which failing (tried and refused at least once), and given up.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn health(&self) -> Result<MailHealth, StoreError> {
        self.store
            .db
            .fetch_one(
                "SELECT COALESCE(SUM(CASE WHEN failed_at IS NULL THEN 1 ELSE 0 END), 0) AS \
                     waiting, COALESCE(SUM(CASE WHEN failed_at IS NULL AND last_error IS NOT \
                     NULL THEN 1 ELSE 0 END), 0) AS failing, COALESCE(SUM(CASE WHEN failed_at \
                     IS NOT NULL THEN 1 ELSE 0 END), 0) AS given_up FROM outbox WHERE \
                     delivered_at IS NULL",
                args![],
            )
            .await
    }

    /// Undelivered messages that failed at least once, newest first: what the owner is shown.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn troubles(&self, limit: i64) -> Result<Vec<MailTrouble>, StoreError> {
        let rows: Vec<TroubleRow> = self
            .store
            .db
            .fetch_all(
                "SELECT id, payload, created_at, attempts, last_error, failed_at FROM outbox \
                     WHERE delivered_at IS NULL AND (failed_at IS NOT NULL OR last_error IS NOT \
                     NULL) ORDER BY created_at DESC, id LIMIT $1",
                args![limit],
            )
            .await?;
        Ok(rows.into_iter().map(MailTrouble::from).collect())
    }
}
