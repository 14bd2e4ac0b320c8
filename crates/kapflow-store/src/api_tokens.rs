//! Tokens of the FHIR read API: made and revoked by the owner, presented by other systems.
//!
//! Only the SHA-256 of a secret is stored (`token::token_hash`). A presented token yields an
//! [`ApiGrant`] only while it is neither expired nor revoked; the grant is the one way to a
//! client's record for the API (`access().for_api_token`), so a token scoped to one client
//! reaches nobody else whatever URL it asks for.

use crate::error::UniqueOr;
use crate::{StoreError, audit};
use kapflow_domain::api_token::{ApiScope, ApiTokenStatus, status};
use kapflow_domain::{Actor, ApiTokenId, ClientId, UserId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Tokens of the FHIR read API.
    ApiTokens
);

/// One token as the owner's list shows it (never its secret or hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ApiTokenId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub scope: ApiScope,
    #[sqlx(try_from = "crate::sql::OptUuid")]
    pub client_id: Option<ClientId>,
    /// The scoped client's name as the record has it (for the owner's list).
    pub client_name: Option<String>,
    pub created_by_name: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
}

impl TokenRow {
    pub fn status(&self, now: OffsetDateTime) -> ApiTokenStatus {
        status(self.expires_at, self.revoked_at, now)
    }
}

/// A token to make: the secret's hash comes from the caller, who shows the secret once.
#[derive(Debug, Clone, Copy)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub client: Option<ClientId>,
    pub expires_at: OffsetDateTime,
    pub hash: &'a [u8],
}

/// What became of a new token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Made(ApiTokenId),
    /// Another token (active or not) has this name: names tell calls apart in the audit trail.
    NameTaken,
    NoSuchClient,
}

/// The standing of a presented token: what the API may read with it. Its fields are private,
/// so only a stored, active token makes one.
#[derive(Debug, Clone)]
pub struct ApiGrant {
    id: ApiTokenId,
    name: String,
    scope: ApiScope,
    client: Option<ClientId>,
    owner: UserId,
    last_used_at: Option<OffsetDateTime>,
}

impl ApiGrant {
    pub fn id(&self) -> ApiTokenId {
        self.id
    }
    /// The name the owner gave it: every call's audit row carries it.
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn scope(&self) -> ApiScope {
        self.scope
    }
    /// The one client a scoped token reads; `None` for a practice-wide token.
    pub fn client(&self) -> Option<ClientId> {
        self.client
    }
    pub(crate) fn owner(&self) -> UserId {
        self.owner
    }
    /// Whether `client` is inside the token's scope (existence is the store's to check).
    pub fn covers(&self, client: ClientId) -> bool {
        self.client.is_none_or(|c| c == client)
    }
}

/// A presented token, as found.
#[derive(Debug, Clone)]
pub enum Presented {
    Open(ApiGrant),
    /// Known but no longer usable: its name and id, for the audit row of the refusal.
    Closed {
        id: ApiTokenId,
        name: String,
        status: ApiTokenStatus,
    },
    Unknown,
}

#[derive(sqlx::FromRow)]
struct Found {
    #[sqlx(try_from = "Uuid")]
    id: ApiTokenId,
    name: String,
    #[sqlx(try_from = "String")]
    scope: ApiScope,
    #[sqlx(try_from = "crate::sql::OptUuid")]
    client_id: Option<ClientId>,
    #[sqlx(try_from = "Uuid")]
    created_by: UserId,
    expires_at: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
    last_used_at: Option<OffsetDateTime>,
}

/// A token's last use is written back at most this often, so reading is not a write per call
/// (every call has its own audit row).
const TOUCH_EVERY: Duration = Duration::seconds(60);

impl ApiTokens<'_> {
    /// Every token, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self) -> Result<Vec<TokenRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT t.id, t.name, t.scope, t.client_id, c.legal_name AS client_name, \
                   u.display_name AS created_by_name, t.created_at, t.expires_at, t.revoked_at, \
                   t.last_used_at \
                 FROM api_tokens t JOIN users u ON u.id = t.created_by \
                 LEFT JOIN clients c ON c.id = t.client_id \
                 ORDER BY t.created_at DESC, t.id DESC",
                args![],
            )
            .await
    }

    /// Makes a token for `owner`; audited with its name and scope (never the secret).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create(
        &self,
        new: NewToken<'_>,
        owner: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Created, StoreError> {
        let mut tx = self.store.begin().await?;
        if let Some(client) = new.client {
            let known: bool = tx
                .scalar(
                    "SELECT COUNT(*) > 0 FROM clients WHERE id = $1",
                    args![client],
                )
                .await?;
            if !known {
                return Ok(Created::NoSuchClient);
            }
        }
        let scope = if new.client.is_some() {
            ApiScope::OneClient
        } else {
            ApiScope::AllClients
        };
        let id = ApiTokenId::new();
        let made = tx
            .exec(
                "INSERT INTO api_tokens (id, name, token_hash, scope, client_id, created_by, \
                   created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                args![
                    id,
                    new.name,
                    new.hash,
                    scope,
                    new.client,
                    owner,
                    now,
                    new.expires_at
                ],
            )
            .await
            .or_duplicate()?;
        if made.is_none() {
            return Ok(Created::NameTaken);
        }
        let mut entry = actor
            .entry("api_token.created", now)
            .record("api_token", id)
            .because(format!(
                "{} · {} · until {}",
                new.name,
                scope.label(),
                new.expires_at.date()
            ));
        if let Some(client) = new.client {
            entry = entry.client(client);
        }
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Created::Made(id))
    }

    /// Revokes a token at once; `false` if there is no such token or it was revoked already.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke(
        &self,
        id: ApiTokenId,
        owner: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let name: Option<String> = tx
            .fetch_optional(
                "UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 \
                 WHERE id = $3 AND revoked_at IS NULL RETURNING name",
                args![now, owner, id],
            )
            .await?
            .map(|(n,): (String,)| n);
        let Some(name) = name else {
            return Ok(false);
        };
        audit::append(
            &mut tx,
            &actor
                .entry("api_token.revoked", now)
                .record("api_token", id)
                .because(name),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The token whose secret hashes to `hash`, as it stands at `now`; an open token's last use
    /// is noted (at most once a minute).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn presented(
        &self,
        hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<Presented, StoreError> {
        let found: Option<Found> = self
            .store
            .db
            .fetch_optional(
                "SELECT id, name, scope, client_id, created_by, expires_at, revoked_at, \
                   last_used_at FROM api_tokens WHERE token_hash = $1",
                args![hash],
            )
            .await?;
        let Some(f) = found else {
            return Ok(Presented::Unknown);
        };
        let standing = status(f.expires_at, f.revoked_at, now);
        if standing != ApiTokenStatus::Active {
            return Ok(Presented::Closed {
                id: f.id,
                name: f.name,
                status: standing,
            });
        }
        if f.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
            self.store
                .db
                .exec(
                    "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                    args![now, f.id],
                )
                .await?;
        }
        Ok(Presented::Open(ApiGrant {
            id: f.id,
            name: f.name,
            scope: f.scope,
            client: f.client_id,
            owner: f.created_by,
            last_used_at: f.last_used_at,
        }))
    }
}

impl ApiGrant {
    /// When the token was last used before this call (to the minute).
    pub fn last_used_at(&self) -> Option<OffsetDateTime> {
        self.last_used_at
    }
}
