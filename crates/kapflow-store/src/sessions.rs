//! Server-side sessions. The cookie carries a random token; only its SHA-256 is stored.

use crate::users::User;
use crate::{StoreError, audit};
use kapflow_domain::{Actor, AuditEntry, Role, SessionId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Signed-in sessions.
    Sessions
);

/// A live session and its account, as the web layer's extractor needs them.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: SessionId,
    pub user: User,
    pub mfa_enrolled: bool,
    pub mfa_verified: bool,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub step_up_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(try_from = "Uuid")]
    id: SessionId,
    csrf_token: String,
    mfa_verified: bool,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    step_up_at: Option<OffsetDateTime>,
    #[sqlx(try_from = "Uuid")]
    user_id: UserId,
    email: String,
    display_name: String,
    #[sqlx(try_from = "String")]
    role: Role,
    disabled_at: Option<OffsetDateTime>,
    user_created_at: OffsetDateTime,
    mfa_enrolled_at: Option<OffsetDateTime>,
}

/// One of a person's sessions, for the "your sessions" page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionSummary {
    #[sqlx(try_from = "Uuid")]
    pub id: SessionId,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// What a new session starts with.
pub struct NewSession<'a> {
    pub user: UserId,
    pub token_hash: &'a [u8],
    pub csrf_token: &'a str,
    pub mfa_verified: bool,
    pub step_up: bool,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub(crate) async fn insert(
    tx: &mut crate::Tx,
    s: &NewSession<'_>,
    now: OffsetDateTime,
) -> Result<SessionId, StoreError> {
    let id = SessionId::new();
    let step_up_at = s.step_up.then_some(now);
    tx.exec(
        "INSERT INTO sessions (id, token_hash, user_id, csrf_token, mfa_verified, ip, \
             user_agent, created_at, last_seen_at, expires_at, step_up_at) VALUES ($1, $2, $3, $4, \
             $5, $6, $7, $8, $8, $9, $10)",
        args![
            id,
            s.token_hash,
            s.user,
            s.csrf_token,
            s.mfa_verified,
            s.ip,
            s.user_agent,
            now,
            now + kapflow_domain::session_policy::ABSOLUTE_LIFETIME,
            step_up_at
        ],
    )
    .await?;
    Ok(id)
}

/// Ends every open session of `user` (except `keep`) inside `tx`; returns how many.
pub(crate) async fn end_all(
    tx: &mut crate::Tx,
    user: UserId,
    keep: Option<SessionId>,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let keep = keep.map(|k| k.as_uuid()).unwrap_or_else(Uuid::nil);
    tx.exec(
        "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL AND id <> \
             $3",
        args![now, user, keep],
    )
    .await
}

impl Sessions<'_> {
    /// The open session a cookie's token hash names, with its account; `None` if unknown or ended.
    /// Expiry by time is the web layer's decision (`session_policy`), so it can say why.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn by_token(&self, token_hash: &[u8]) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<SessionRow> = self
            .store
            .db
            .fetch_optional(
                "SELECT s.id, s.csrf_token, s.mfa_verified, s.created_at, s.last_seen_at, \
                 s.step_up_at, u.id AS user_id, u.email, u.display_name, u.role, u.disabled_at, \
                 u.created_at AS user_created_at, u.mfa_enrolled_at FROM sessions s JOIN users u \
                 ON u.id = s.user_id WHERE s.token_hash = $1 AND s.ended_at IS NULL",
                args![token_hash],
            )
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            id: r.id,
            user: User {
                id: r.user_id,
                email: r.email,
                display_name: r.display_name,
                role: r.role,
                disabled: r.disabled_at.is_some(),
                created_at: r.user_created_at,
            },
            mfa_enrolled: r.mfa_enrolled_at.is_some(),
            mfa_verified: r.mfa_verified,
            csrf_token: r.csrf_token,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            step_up_at: r.step_up_at,
        }))
    }

    /// Records activity. Callers skip this when the last touch is recent, so a page view is not
    /// a write on every request.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn touch(&self, id: SessionId, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND ended_at IS NULL",
            args![now, id],
        )
        .await?;
        tx.commit().await
    }

    /// Ends one session (sign-out, or expiry noticed) and audits why.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn end(
        &self,
        id: SessionId,
        actor: &Actor,
        action: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL",
            args![now, id],
        )
        .await?;
        audit::append(&mut tx, &actor.entry(action, now).record("session", id)).await?;
        tx.commit().await
    }

    /// "Sign out everywhere else."
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn end_others(
        &self,
        user: UserId,
        keep: SessionId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = end_all(&mut tx, user, Some(keep), now).await?;
        audit::append(
            &mut tx,
            &actor.entry("session.end_others", now).record("user", user),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self, user: UserId) -> Result<Vec<SessionSummary>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, ip, user_agent, created_at, last_seen_at FROM sessions WHERE \
                     user_id = $1 AND ended_at IS NULL ORDER BY last_seen_at DESC",
                args![user],
            )
            .await
    }

    /// Replaces a session with a new one (new id and token) carrying the raised state: after
    /// the second factor and after a step-up, so a token seen before cannot ride the privilege.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rotate(
        &self,
        old: SessionId,
        new: &NewSession<'_>,
        audit_entry: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<SessionId, StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE sessions SET ended_at = $1 WHERE id = $2",
            args![now, old],
        )
        .await?;
        let id = insert(&mut tx, new, now).await?;
        audit::append(&mut tx, &audit_entry.record("session", id)).await?;
        tx.commit().await?;
        Ok(id)
    }
}
