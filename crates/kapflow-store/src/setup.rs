//! First run: the one-time owner setup link, and turning it into the owner's account.

use crate::backend::Tx;
use crate::settings::{self, keys};
use crate::users::{self, NewUser};
use crate::{Store, StoreError, audit};
use kapflow_domain::{AuditEntry, AuditOutcome, Email, Role, UserId};
use time::OffsetDateTime;

/// What a presented setup link is worth right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupLinkStatus {
    Valid,
    /// Used, or setup already completed through another link.
    AlreadyUsed,
    Expired,
    Unknown,
}

/// The owner's details as the setup form gives them.
pub struct OwnerSetup<'a> {
    pub practice_name: &'a str,
    pub display_name: &'a str,
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub ip: Option<String>,
}

async fn link_status(
    tx: &mut Tx,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<SetupLinkStatus, StoreError> {
    let row: Option<(OffsetDateTime, Option<OffsetDateTime>)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT expires_at, used_at FROM one_time_tokens WHERE token_hash = $1 AND purpose = 'owner_setup'"
    ).bind(token_hash).fetch_optional(c).await)?;
    let done: bool = on_tx!(tx, c => sqlx::query_scalar::<_, bool>(
        "SELECT COUNT(*) > 0 FROM practice_settings WHERE key = $1"
    ).bind(keys::SETUP_COMPLETED_AT).fetch_one(c).await)?;
    Ok(match row {
        None => SetupLinkStatus::Unknown,
        Some((_, Some(_))) => SetupLinkStatus::AlreadyUsed,
        Some(_) if done => SetupLinkStatus::AlreadyUsed,
        Some((expires, None)) if expires <= now => SetupLinkStatus::Expired,
        Some(_) => SetupLinkStatus::Valid,
    })
}

impl Store {
    /// Whether the practice still needs its owner (no setup has been completed).
    pub async fn needs_setup(&self) -> Result<bool, StoreError> {
        Ok(self.setting(keys::SETUP_COMPLETED_AT).await?.is_none())
    }

    /// Stores the hash of a new setup link's token, valid until `expires_at`, and audits it.
    pub async fn issue_setup_link(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, purpose, created_at, expires_at) \
             VALUES ($1, 'owner_setup', $2, $3)"
        ).bind(token_hash).bind(now).bind(expires_at).execute(c).await.map(|r| r.rows_affected()))?;
        audit::append(&mut tx, &AuditEntry::system("setup.link_issued", now)).await?;
        tx.commit().await
    }

    pub async fn setup_link_status(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<SetupLinkStatus, StoreError> {
        // A read-only look; a transaction keeps the two reads consistent.
        let mut tx = self.begin().await?;
        let status = link_status(&mut tx, token_hash, now).await?;
        tx.rollback().await?;
        Ok(status)
    }

    /// Creates the owner, names the practice and spends the link, all in one transaction with
    /// its audit row. Refuses (and audits the refusal) unless the link is valid.
    pub async fn complete_owner_setup(
        &self,
        token_hash: &[u8],
        owner: &OwnerSetup<'_>,
        now: OffsetDateTime,
    ) -> Result<Result<UserId, SetupLinkStatus>, StoreError> {
        let mut tx = self.begin().await?;
        let status = link_status(&mut tx, token_hash, now).await?;
        if status != SetupLinkStatus::Valid {
            tx.rollback().await?;
            let refused = AuditEntry::system("setup.owner_created", now)
                .ip(owner.ip.clone())
                .outcome(AuditOutcome::Denied, Some(setup_refusal(status)));
            self.audit(&refused).await?;
            return Ok(Err(status));
        }
        // The unique key makes a concurrent second completion (another instance) fail here.
        if !settings::put_once(&mut tx, keys::SETUP_COMPLETED_AT, &now.to_string(), now).await? {
            tx.rollback().await?;
            return Ok(Err(SetupLinkStatus::AlreadyUsed));
        }
        let id = users::insert(
            &mut tx,
            &NewUser {
                email: owner.email,
                display_name: owner.display_name,
                role: Role::Owner,
                password_hash: Some(owner.password_hash),
            },
            now,
        )
        .await?;
        settings::put(&mut tx, keys::PRACTICE_NAME, owner.practice_name, now).await?;
        settings::put(&mut tx, keys::CLINICIAN_NAME, owner.display_name, now).await?;
        crate::site::bump_version(&mut tx, now).await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2"
        ).bind(now).bind(token_hash).execute(c).await.map(|r| r.rows_affected()))?;
        let entry = AuditEntry::system("setup.owner_created", now)
            .actor(id, Role::Owner)
            .ip(owner.ip.clone())
            .record("user", id);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }
}

fn setup_refusal(status: SetupLinkStatus) -> &'static str {
    match status {
        SetupLinkStatus::Valid => "valid",
        SetupLinkStatus::AlreadyUsed => "setup link already used",
        SetupLinkStatus::Expired => "setup link expired",
        SetupLinkStatus::Unknown => "unknown setup link",
    }
}
