//! First run: the one-time owner setup link, and turning it into the owner's account.

use crate::backend::Tx;
use crate::settings::{self, keys};
use crate::users::{self, NewUser};
use crate::{StoreError, audit};
use kapflow_domain::{AuditEntry, AuditOutcome, Email, Role, UserId};
use time::OffsetDateTime;

crate::topic!(
    /// The first-run setup of the owner's account.
    Setup
);

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
    /// The practice's time zone (an IANA name the caller checked); UTC until one is chosen.
    pub time_zone: Option<&'a str>,
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
    let row: Option<(OffsetDateTime, Option<OffsetDateTime>)> = tx
        .fetch_optional(
            "SELECT expires_at, used_at FROM one_time_tokens WHERE token_hash = $1 AND purpose = \
             'owner_setup'",
            args![token_hash],
        )
        .await?;
    let done: bool = tx
        .scalar::<bool>(
            "SELECT COUNT(*) > 0 FROM practice_settings WHERE key = $1",
            args![keys::SETUP_COMPLETED_AT],
        )
        .await?;
    Ok(match row {
        None => SetupLinkStatus::Unknown,
        Some((_, Some(_))) => SetupLinkStatus::AlreadyUsed,
        Some(_) if done => SetupLinkStatus::AlreadyUsed,
        Some((expires, None)) if expires <= now => SetupLinkStatus::Expired,
        Some(_) => SetupLinkStatus::Valid,
    })
}

impl Setup<'_> {
    /// Whether the practice still needs its owner (no setup has been completed).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn needs_setup(&self) -> Result<bool, StoreError> {
        Ok(self
            .store
            .settings()
            .get(keys::SETUP_COMPLETED_AT)
            .await?
            .is_none())
    }

    /// Stores the hash of a new setup link's token, valid until `expires_at`, and audits it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn issue_link(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO one_time_tokens (token_hash, purpose, created_at, expires_at) VALUES \
                 ($1, 'owner_setup', $2, $3)",
            args![token_hash, now, expires_at],
        )
        .await?;
        audit::append(&mut tx, &AuditEntry::system("setup.link_issued", now)).await?;
        tx.commit().await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn link_status(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<SetupLinkStatus, StoreError> {
        // A read-only look; a transaction keeps the two reads consistent.
        let mut tx = self.store.begin_read().await?;
        let status = link_status(&mut tx, token_hash, now).await?;
        tx.rollback().await?;
        Ok(status)
    }

    /// Creates the owner, names the practice and spends the link, all in one transaction with
    /// its audit row. Refuses (and audits the refusal) unless the link is valid.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn complete(
        &self,
        token_hash: &[u8],
        owner: &OwnerSetup<'_>,
        now: OffsetDateTime,
    ) -> Result<Result<UserId, SetupLinkStatus>, StoreError> {
        let mut tx = self.store.begin().await?;
        let status = link_status(&mut tx, token_hash, now).await?;
        if status != SetupLinkStatus::Valid {
            tx.rollback().await?;
            let refused = AuditEntry::system("setup.owner_created", now)
                .ip(owner.ip.clone())
                .outcome(AuditOutcome::Denied, Some(setup_refusal(status)));
            self.store.audit().record(&refused).await?;
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
        if let Some(zone) = owner.time_zone {
            settings::put(&mut tx, keys::TIME_ZONE, zone, now).await?;
        }
        settings::put(&mut tx, keys::CLINICIAN_NAME, owner.display_name, now).await?;
        crate::site::bump_version(&mut tx, now).await?;
        tx.exec(
            "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2",
            args![now, token_hash],
        )
        .await?;
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
