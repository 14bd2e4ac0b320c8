//! Server-side sessions. The cookie carries a random token; only its SHA-256 is stored.

use crate::users::User;
use crate::{Store, StoreError, audit};
use kapflow_domain::{Actor, AuditEntry, Role, SessionId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

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
    id: Uuid,
    csrf_token: String,
    mfa_verified: bool,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    step_up_at: Option<OffsetDateTime>,
    user_id: Uuid,
    email: String,
    display_name: String,
    role: String,
    disabled_at: Option<OffsetDateTime>,
    user_created_at: OffsetDateTime,
    mfa_enrolled_at: Option<OffsetDateTime>,
}

/// One of a person's sessions, for the "your sessions" page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionSummary {
    pub id: Uuid,
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
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, csrf_token, mfa_verified, ip, user_agent, \
         created_at, last_seen_at, expires_at, step_up_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)"
    )
    .bind(id.as_uuid())
    .bind(s.token_hash)
    .bind(s.user.as_uuid())
    .bind(s.csrf_token)
    .bind(s.mfa_verified)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(now)
    .bind(now + kapflow_domain::session_policy::ABSOLUTE_LIFETIME)
    .bind(step_up_at)
    .execute(c).await.map(|r| r.rows_affected()))?;
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
    Ok(on_tx!(tx, c => sqlx::query(
        "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL AND id <> $3"
    ).bind(now).bind(user.as_uuid()).bind(keep).execute(c).await.map(|r| r.rows_affected()))?)
}

impl Store {
    /// The open session a cookie's token hash names, with its account; `None` if unknown or ended.
    /// Expiry by time is the web layer's decision (`session_policy`), so it can say why.
    pub async fn session_by_token(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<SessionRow> = on_db!(self, c => sqlx::query_as(
            "SELECT s.id, s.csrf_token, s.mfa_verified, s.created_at, s.last_seen_at, s.step_up_at, \
             u.id AS user_id, u.email, u.display_name, u.role, u.disabled_at, u.created_at AS user_created_at, \
             u.mfa_enrolled_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.ended_at IS NULL"
        ).bind(token_hash).fetch_optional(c).await)?;
        let Some(r) = row else { return Ok(None) };
        let role = Role::parse(&r.role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {}", r.role)))?;
        Ok(Some(SessionRecord {
            id: SessionId::from_uuid(r.id),
            user: User {
                id: UserId::from_uuid(r.user_id),
                email: r.email,
                display_name: r.display_name,
                role,
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
    pub async fn touch_session(
        &self,
        id: SessionId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(now).bind(id.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Ends one session (sign-out, or expiry noticed) and audits why.
    pub async fn end_session(
        &self,
        id: SessionId,
        actor: &Actor,
        action: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(now).bind(id.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?;
        audit::append(&mut tx, &actor.entry(action, now).record("session", id)).await?;
        tx.commit().await
    }

    /// "Sign out everywhere else."
    pub async fn end_other_sessions(
        &self,
        user: UserId,
        keep: SessionId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = end_all(&mut tx, user, Some(keep), now).await?;
        audit::append(
            &mut tx,
            &actor.entry("session.end_others", now).record("user", user),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn list_sessions(&self, user: UserId) -> Result<Vec<SessionSummary>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, ip, user_agent, created_at, last_seen_at FROM sessions \
             WHERE user_id = $1 AND ended_at IS NULL ORDER BY last_seen_at DESC"
        ).bind(user.as_uuid()).fetch_all(c).await)?)
    }

    /// Replaces a session with a new one (new id and token) carrying the raised state: after
    /// the second factor and after a step-up, so a token seen before cannot ride the privilege.
    pub async fn rotate_session(
        &self,
        old: SessionId,
        new: &NewSession<'_>,
        audit_entry: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<SessionId, StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE sessions SET ended_at = $1 WHERE id = $2")
            .bind(now).bind(old.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?;
        let id = insert(&mut tx, new, now).await?;
        audit::append(&mut tx, &audit_entry.record("session", id)).await?;
        tx.commit().await?;
        Ok(id)
    }
}
