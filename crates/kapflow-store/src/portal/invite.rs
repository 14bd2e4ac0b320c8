//! Inviting a client to the portal from their record: a single-use link bound to the address on
//! the record, expiring, withdrawable; and where the client's portal account stands.

use super::Portal;
use crate::invitations::IssuedLink;
use crate::{ClientAccess, StoreError, audit, outbox};
use kapflow_domain::{Actor, UserId};
use time::OffsetDateTime;

/// Where a client's portal account stands, for their record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalStatus {
    /// No account and no invitation that still works.
    None,
    /// An invitation was sent and works until `expires_at`.
    Invited {
        sent_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    },
    /// The client has an account (made at `since`); `disabled` when it was switched off.
    Account {
        since: OffsetDateTime,
        disabled: bool,
    },
}

/// Why an invitation was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalInviteRefused {
    /// The record has no email address to send it to.
    NoEmail,
    /// The client has a portal account already.
    HasAccount,
    /// The address belongs to another account (a member of staff, or another client).
    AddressTaken,
}

impl Portal<'_> {
    /// Where the client's portal account stands.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn status(
        &self,
        access: &ClientAccess,
        now: OffsetDateTime,
    ) -> Result<PortalStatus, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let account: Option<(OffsetDateTime, Option<OffsetDateTime>)> = tx
            .fetch_optional(
                "SELECT created_at, disabled_at FROM users WHERE client_id = $1",
                args![access.client()],
            )
            .await?;
        let invited: Option<(OffsetDateTime, OffsetDateTime)> = tx
            .fetch_optional(
                "SELECT created_at, expires_at FROM one_time_tokens WHERE client_id = $1 AND \
                 purpose = 'invitation' AND used_at IS NULL AND expires_at > $2 ORDER BY \
                 created_at DESC LIMIT 1",
                args![access.client(), now],
            )
            .await?;
        tx.commit().await?;
        Ok(match (account, invited) {
            (Some((since, disabled)), _) => PortalStatus::Account {
                since,
                disabled: disabled.is_some(),
            },
            (None, Some((sent_at, expires_at))) => PortalStatus::Invited {
                sent_at,
                expires_at,
            },
            (None, None) => PortalStatus::None,
        })
    }

    /// Sends the client an invitation to the address on their record (an email that names no
    /// one and says nothing about their care), replacing any earlier one that still works.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn invite(
        &self,
        access: &ClientAccess,
        issued: &IssuedLink<'_>,
        days: u32,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), PortalInviteRefused>, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let email: Option<String> = tx
            .scalar_optional("SELECT email FROM clients WHERE id = $1", args![client])
            .await?
            .flatten();
        let Some(email) = email.filter(|e| !e.trim().is_empty()) else {
            return Ok(Err(PortalInviteRefused::NoEmail));
        };
        let has_account: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM users WHERE client_id = $1",
                args![client],
            )
            .await?;
        if has_account {
            return Ok(Err(PortalInviteRefused::HasAccount));
        }
        let taken: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM users WHERE email = $1",
                args![&email],
            )
            .await?;
        if taken {
            return Ok(Err(PortalInviteRefused::AddressTaken));
        }
        tx.exec(
            "UPDATE one_time_tokens SET used_at = $1 WHERE purpose = 'invitation' AND used_at \
             IS NULL AND (client_id = $2 OR email = $3)",
            args![now, client, &email],
        )
        .await?;
        tx.exec(
            "INSERT INTO one_time_tokens (token_hash, purpose, email, role, created_by, \
             created_at, expires_at, client_id) VALUES ($1, 'invitation', $2, 'client', $3, $4, \
             $5, $6)",
            args![
                issued.token_hash,
                &email,
                crate::actor_uuid(actor),
                now,
                issued.expires_at,
                client
            ],
        )
        .await?;
        let message = outbox::Email::PortalInvitation {
            to: email,
            link: issued.link.to_owned(),
            days,
        };
        outbox::enqueue(&mut tx, &message, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("portal.invited", now)
                .record("client", client)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Switches the client's portal account off (every session of it ends at its next request)
    /// or back on; false when there is no account, or it already stands so.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_access(
        &self,
        access: &ClientAccess,
        on: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let n = if on {
            tx.exec(
                "UPDATE users SET disabled_at = NULL, updated_at = $1 WHERE client_id = $2 AND \
                 role = 'client' AND disabled_at IS NOT NULL",
                args![now, client],
            )
            .await?
        } else {
            tx.exec(
                "UPDATE users SET disabled_at = $1, updated_at = $1 WHERE client_id = $2 AND \
                 role = 'client' AND disabled_at IS NULL",
                args![now, client],
            )
            .await?
        };
        if n == 0 {
            return Ok(false);
        }
        let action = if on {
            "portal.switched_on"
        } else {
            "portal.switched_off"
        };
        audit::append(
            &mut tx,
            &actor
                .entry(action, now)
                .record("client", client)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Clears the second factor of the client's portal account (a lost phone with its passkey or
    /// authenticator and its recovery codes): their sessions end and they enrol again at their
    /// next sign-in. False when the client has no portal account.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reset_second_factor(
        &self,
        access: &ClientAccess,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let user: Option<uuid::Uuid> = tx
            .scalar_optional(
                "SELECT id FROM users WHERE client_id = $1 AND role = 'client'",
                args![client],
            )
            .await?;
        let Some(user) = user.map(UserId::from_uuid) else {
            return Ok(false);
        };
        crate::accounts::clear_second_factors(&mut tx, user, now).await?;
        crate::sessions::end_all(&mut tx, user, None, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("mfa.reset", now)
                .record("user", user)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws the client's invitation that still works; false when there was none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn withdraw(
        &self,
        access: &ClientAccess,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE one_time_tokens SET used_at = $1 WHERE client_id = $2 AND purpose = \
                 'invitation' AND used_at IS NULL AND expires_at > $1",
                args![now, client],
            )
            .await?;
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("portal.invitation_withdrawn", now)
                .record("client", client)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
