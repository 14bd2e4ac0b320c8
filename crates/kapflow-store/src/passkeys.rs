//! Passkeys (WebAuthn) as a second factor: each person's registered credentials and the
//! ceremonies in progress. The store keeps the relying-party library's JSON as text and knows
//! nothing of WebAuthn itself; a ceremony is bound to the session that began it, works once
//! and expires, and lives in the database so any instance can finish it.

use crate::{StoreError, audit};
use kapflow_domain::{Actor, SessionId, UserId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Passkeys and WebAuthn ceremonies.
    Passkeys
);

/// How long a ceremony may take: the person's browser asks them once.
pub const CEREMONY_TTL: Duration = Duration::minutes(5);

/// One registered passkey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: Uuid,
    pub name: String,
    /// The library's JSON of the credential.
    pub credential: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// What came of removing a passkey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// Not one of the person's passkeys.
    NotFound,
    /// Their only second factor: kept.
    OnlyFactor,
}

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    Register,
    Authenticate,
}

impl Ceremony {
    fn as_str(self) -> &'static str {
        match self {
            Ceremony::Register => "register",
            Ceremony::Authenticate => "authenticate",
        }
    }
}

impl Passkeys<'_> {
    /// `user`'s passkeys, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self, user: UserId) -> Result<Vec<PasskeyRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, name, credential, created_at, last_used_at FROM passkeys WHERE \
                 user_id = $1 ORDER BY created_at, id",
                args![user],
            )
            .await
    }

    /// Keeps a ceremony's state for the session that began it; its id.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn begin(
        &self,
        session: SessionId,
        kind: Ceremony,
        state: &str,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO webauthn_ceremonies (id, session_id, kind, state, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            args![id, session, kind.as_str(), state, now, now + CEREMONY_TTL],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The state of ceremony `id` of `kind`, begun by `session`, spent now: none when it is
    /// another session's, spent, expired or unknown.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take(
        &self,
        id: Uuid,
        session: SessionId,
        kind: Ceremony,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.store.begin().await?;
        let state: Option<String> = tx
            .scalar_optional(
                "SELECT state FROM webauthn_ceremonies WHERE id = $1 AND session_id = $2 AND \
                 kind = $3 AND used_at IS NULL AND expires_at > $4",
                args![id, session, kind.as_str(), now],
            )
            .await?;
        if state.is_some() {
            tx.exec(
                "UPDATE webauthn_ceremonies SET used_at = $1 WHERE id = $2",
                args![now, id],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(state)
    }

    /// Registers a passkey for `user`; their second factor is then set up.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add(
        &self,
        user: UserId,
        name: &str,
        credential: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO passkeys (id, user_id, name, credential, created_at) VALUES ($1, $2, \
             $3, $4, $5)",
            args![id, user, name, credential, now],
        )
        .await?;
        tx.exec(
            "UPDATE users SET mfa_enrolled_at = COALESCE(mfa_enrolled_at, $1), updated_at = $1 \
             WHERE id = $2",
            args![now, user],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor.entry("mfa.passkey_added", now).record("passkey", id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes `user`'s passkey `id` (a lost or replaced device), unless it is their only
    /// second factor: signing in would then need a factor they no longer have (the practice
    /// resets a second factor instead).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn remove(
        &self,
        user: UserId,
        id: Uuid,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Removal, StoreError> {
        let mut tx = self.store.begin().await?;
        // The user's row first: two removals racing for the last two passkeys take turns.
        let totp: Option<bool> = tx
            .scalar_optional(
                "UPDATE users SET updated_at = $1 WHERE id = $2 RETURNING totp_secret IS NOT NULL",
                args![now, user],
            )
            .await?;
        let Some(has_totp) = totp else {
            return Ok(Removal::NotFound);
        };
        let ids: Vec<Uuid> = tx
            .scalars("SELECT id FROM passkeys WHERE user_id = $1", args![user])
            .await?;
        if !ids.contains(&id) {
            return Ok(Removal::NotFound);
        }
        if ids.len() == 1 && !has_totp {
            return Ok(Removal::OnlyFactor);
        }
        tx.exec(
            "DELETE FROM passkeys WHERE id = $1 AND user_id = $2",
            args![id, user],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("mfa.passkey_removed", now)
                .record("passkey", id),
        )
        .await?;
        tx.commit().await?;
        Ok(Removal::Removed)
    }

    /// After a sign-in with passkey `id` of `user`: its new counter and flags, and when.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn used(
        &self,
        user: UserId,
        id: Uuid,
        credential: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3 AND user_id \
             = $4",
            args![credential, now, id, user],
        )
        .await?;
        tx.commit().await
    }
}
