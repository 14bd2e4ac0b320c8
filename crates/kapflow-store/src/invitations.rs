//! Staff invitations and password-reset links: single-use, expiring, bound to one address.

use crate::error::UniqueOr;
use crate::sql::OptText;
use crate::users::{self, NewUser};
use crate::{StoreError, audit, outbox};
use kapflow_domain::{Actor, AuditOutcome, ClientId, Email, OrgId, Role, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Staff invitations and password resets.
    Invitations
);

/// What a presented link is worth now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkStatus<T> {
    Valid(T),
    Used,
    Expired,
    Unknown,
    /// An invitation whose address has an account already (made through another link, such as
    /// the first-run setup): accepting it would make a second account for one address.
    AccountExists,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub email: String,
    pub role: Role,
    /// A prescriber's partner organisation, set on the account when the invitation is accepted.
    pub org: Option<OrgId>,
    /// A client's record, which the portal account belongs to once the invitation is accepted.
    pub client: Option<ClientId>,
}

/// A single-use link being issued: the hash of its token (stored), the full link (mailed, then
/// dropped from the outbox), and when it stops working.
pub struct IssuedLink<'a> {
    pub token_hash: &'a [u8],
    pub link: &'a str,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefused {
    /// An account with this address exists already.
    AccountExists,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    email: Option<String>,
    #[sqlx(try_from = "OptText")]
    role: Option<Role>,
    org_id: Option<Uuid>,
    client_id: Option<Uuid>,
    expires_at: OffsetDateTime,
    used_at: Option<OffsetDateTime>,
}

async fn token_row(
    tx: &mut crate::Tx,
    hash: &[u8],
    purpose: &str,
) -> Result<Option<TokenRow>, StoreError> {
    tx.fetch_optional(
        "SELECT email, role, org_id, client_id, expires_at, used_at FROM one_time_tokens WHERE \
         token_hash = $1 \
             AND purpose = $2",
        args![hash, purpose],
    )
    .await
}

fn invitation(r: TokenRow) -> Option<Invitation> {
    Some(Invitation {
        email: r.email?,
        role: r.role?,
        org: r.org_id.map(OrgId::from_uuid),
        client: r.client_id.map(ClientId::from_uuid),
    })
}

async fn account_exists(tx: &mut crate::Tx, email: &str) -> Result<bool, StoreError> {
    tx.scalar(
        "SELECT COUNT(*) > 0 FROM users WHERE email = $1",
        args![email],
    )
    .await
}

/// Whether the invitation's address, or the client record it is for, has an account already.
async fn invitation_taken(tx: &mut crate::Tx, inv: &Invitation) -> Result<bool, StoreError> {
    if account_exists(tx, &inv.email).await? {
        return Ok(true);
    }
    match inv.client {
        Some(client) => {
            tx.scalar(
                "SELECT COUNT(*) > 0 FROM users WHERE client_id = $1",
                args![client],
            )
            .await
        }
        None => Ok(false),
    }
}

fn status_of<T>(
    row: Option<TokenRow>,
    now: OffsetDateTime,
    f: impl FnOnce(TokenRow) -> Option<T>,
) -> LinkStatus<T> {
    match row {
        None => LinkStatus::Unknown,
        Some(r) if r.used_at.is_some() => LinkStatus::Used,
        Some(r) if r.expires_at <= now => LinkStatus::Expired,
        Some(r) => f(r).map(LinkStatus::Valid).unwrap_or(LinkStatus::Unknown),
    }
}

impl Invitations<'_> {
    /// Records an invitation for `email` as `role` and queues the email carrying `link`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create(
        &self,
        email: &Email,
        role: Role,
        org: Option<OrgId>,
        issued: &IssuedLink<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), InviteRefused>, StoreError> {
        let mut tx = self.store.begin().await?;
        if account_exists(&mut tx, email.as_str()).await? {
            return Ok(Err(InviteRefused::AccountExists));
        }
        // A new invitation replaces any earlier unused one for the same address.
        tx.exec(
            "UPDATE one_time_tokens SET used_at = $1 WHERE email = $2 AND purpose = \
                 'invitation' AND used_at IS NULL",
            args![now, email.as_str()],
        )
        .await?;
        let created_by = actor.user.map(|u| u.0.as_uuid());
        tx.exec(
            "INSERT INTO one_time_tokens (token_hash, purpose, email, role, created_by, \
                 created_at, expires_at, org_id) VALUES ($1, 'invitation', $2, $3, $4, $5, $6, $7)",
            args![
                issued.token_hash,
                email.as_str(),
                role,
                created_by,
                now,
                issued.expires_at,
                org.filter(|_| role == Role::Prescriber)
            ],
        )
        .await?;
        let message = outbox::Email::Invitation {
            to: email.as_str().to_owned(),
            link: issued.link.to_owned(),
        };
        outbox::enqueue(&mut tx, &message, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("user.invited", now)
                .record("invitation", role.as_str())
                .because(format!("role {}", role.as_str())),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn status(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<LinkStatus<Invitation>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let row = token_row(&mut tx, token_hash, "invitation").await?;
        let status = match status_of(row, now, invitation) {
            LinkStatus::Valid(inv) if invitation_taken(&mut tx, &inv).await? => {
                LinkStatus::AccountExists
            }
            other => other,
        };
        tx.commit().await?;
        Ok(status)
    }

    /// Creates the invited account (name and password chosen by the invitee) and spends the link.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn accept(
        &self,
        token_hash: &[u8],
        display_name: &str,
        password_hash: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<LinkStatus<UserId>, StoreError> {
        let mut tx = self.store.begin().await?;
        let row = token_row(&mut tx, token_hash, "invitation").await?;
        let inv = match status_of(row, now, invitation) {
            LinkStatus::Valid(inv) => inv,
            LinkStatus::Used => return Ok(LinkStatus::Used),
            LinkStatus::Expired => return Ok(LinkStatus::Expired),
            LinkStatus::Unknown => return Ok(LinkStatus::Unknown),
            LinkStatus::AccountExists => return Ok(LinkStatus::AccountExists),
        };
        if invitation_taken(&mut tx, &inv).await? {
            return Ok(LinkStatus::AccountExists);
        }
        let email = Email::parse(&inv.email)
            .map_err(|_| StoreError::Corrupt("invitation address".into()))?;
        // Checked just above, but another request may make the account between the check and
        // the insert: the unique address then refuses it, and that is the same answer.
        let inserted = users::insert(
            &mut tx,
            &NewUser {
                email: &email,
                display_name,
                role: inv.role,
                password_hash: Some(password_hash),
            },
            now,
        )
        .await
        .or_duplicate()?;
        let Some(id) = inserted else {
            return Ok(LinkStatus::AccountExists);
        };
        tx.exec(
            "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2",
            args![now, token_hash],
        )
        .await?;
        if let Some(client) = inv.client {
            tx.exec(
                "UPDATE users SET client_id = $1 WHERE id = $2 AND role = 'client'",
                args![client, id],
            )
            .await?;
        }
        if let Some(org) = inv.org {
            tx.exec(
                "UPDATE users SET partner_org_id = $1 WHERE id = $2 AND role = 'prescriber'",
                args![org, id],
            )
            .await?;
        }
        let invitee = Actor {
            user: Some((id, inv.role)),
            ..actor.clone()
        };
        let mut entry = invitee
            .entry("user.invitation_accepted", now)
            .record("user", id);
        if let Some(client) = inv.client {
            entry = entry.client(client);
        }
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(LinkStatus::Valid(id))
    }

    /// Queues a reset link for `email` if such an active account exists. Says nothing either way
    /// (the page shows the same message), but audits what happened.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn request_password_reset(
        &self,
        email: &Email,
        issued: &IssuedLink<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        let user: Option<Uuid> = tx
            .scalar_optional(
                "SELECT id FROM users WHERE email = $1 AND disabled_at IS NULL",
                args![email.as_str()],
            )
            .await?;
        let Some(user) = user else {
            audit::append(
                &mut tx,
                &actor
                    .entry("auth.reset_requested", now)
                    .outcome(AuditOutcome::Failure, Some("no active account")),
            )
            .await?;
            return tx.commit().await;
        };
        tx.exec(
            "INSERT INTO one_time_tokens (token_hash, purpose, email, created_at, expires_at) \
                 VALUES ($1, 'password_reset', $2, $3, $4)",
            args![issued.token_hash, email.as_str(), now, issued.expires_at],
        )
        .await?;
        let message = outbox::Email::PasswordReset {
            to: email.as_str().to_owned(),
            link: issued.link.to_owned(),
        };
        outbox::enqueue(&mut tx, &message, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("auth.reset_requested", now)
                .record("user", user),
        )
        .await?;
        tx.commit().await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reset_link_status(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<LinkStatus<String>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let row = token_row(&mut tx, token_hash, "password_reset").await?;
        tx.commit().await?;
        Ok(status_of(row, now, |r| r.email))
    }

    /// Spends a reset link: sets the password, ends every session. Returns the account.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn complete_password_reset(
        &self,
        token_hash: &[u8],
        password_hash: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<LinkStatus<UserId>, StoreError> {
        let email = match self.reset_link_status(token_hash, now).await? {
            LinkStatus::Valid(e) => e,
            LinkStatus::Used => return Ok(LinkStatus::Used),
            LinkStatus::Expired => return Ok(LinkStatus::Expired),
            // A reset link is for an existing account by design; the status never says this.
            LinkStatus::Unknown | LinkStatus::AccountExists => return Ok(LinkStatus::Unknown),
        };
        let mut tx = self.store.begin().await?;
        // Spend first, conditionally: a second concurrent use finds nothing to spend.
        let spent = tx
            .exec(
                "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS \
                     NULL",
                args![now, token_hash],
            )
            .await?;
        let user: Option<Uuid> = tx
            .scalar_optional(
                "SELECT id FROM users WHERE email = $1",
                args![email.as_str()],
            )
            .await?;
        let (1, Some(user)) = (spent, user) else {
            return Ok(LinkStatus::Used);
        };
        let user = UserId::from_uuid(user);
        tx.exec(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, \
                 updated_at = $2 WHERE id = $3",
            args![password_hash, now, user],
        )
        .await?;
        crate::sessions::end_all(&mut tx, user, None, now).await?;
        audit::append(
            &mut tx,
            &actor.entry("auth.password_reset", now).record("user", user),
        )
        .await?;
        tx.commit().await?;
        Ok(LinkStatus::Valid(user))
    }
}

/// An invitation not yet accepted, for the owner's staff page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingInvitation {
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl Invitations<'_> {
    /// Invitations that can still be accepted, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn pending(&self, now: OffsetDateTime) -> Result<Vec<PendingInvitation>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT email, role, created_at, expires_at FROM one_time_tokens WHERE purpose = \
                 'invitation' AND used_at IS NULL AND expires_at > $1 ORDER BY created_at DESC",
                args![now],
            )
            .await
    }

    /// Withdraws every open invitation for `email`; returns how many. Audited.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke(
        &self,
        email: &Email,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE one_time_tokens SET used_at = $1 WHERE email = $2 AND purpose = \
                 'invitation' AND used_at IS NULL",
                args![now, email.as_str()],
            )
            .await?;
        if n > 0 {
            audit::append(
                &mut tx,
                &actor
                    .entry("user.invitation_revoked", now)
                    .record("invitation", n),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}
