//! Signing in, lockout, second factors, and the owner's management of staff accounts.

use crate::secrets::Place;
use crate::sessions::{self, NewSession};
use crate::users::{self, NewUser};
use crate::{StoreError, audit, outbox};
use kapflow_domain::{Actor, AuditOutcome, Email, Role, SessionId, UserId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Sign-in, second factors and changes to accounts.
    Accounts
);

/// What the login check needs about an account. The password hash never leaves the store
/// except here.
#[derive(Clone, sqlx::FromRow)]
pub struct LoginRecord {
    #[sqlx(try_from = "Uuid")]
    pub id: UserId,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub password_hash: Option<String>,
    pub disabled_at: Option<OffsetDateTime>,
    pub locked_until: Option<OffsetDateTime>,
    pub failed_logins: i32,
}

impl std::fmt::Debug for LoginRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRecord")
            .field("id", &self.id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The TOTP state of an account, its secret opened with the secrets key.
#[derive(Clone, sqlx::FromRow)]
pub struct TotpRecord {
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
}

/// Says whether there is a secret, never the secret.
impl std::fmt::Debug for TotpRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpRecord")
            .field("enrolled", &self.totp_secret.is_some())
            .field("totp_last_step", &self.totp_last_step)
            .finish()
    }
}

/// After this many wrong passwords in a row an account is locked for `LOCKOUT`.
pub const LOCK_AFTER_FAILURES: i32 = 10;
pub const LOCKOUT: Duration = Duration::minutes(15);

/// Why an owner's change to an account was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChangeRefused {
    NotFound,
    /// The owner cannot disable or demote themself (the practice would have no owner).
    OwnAccount,
}

impl Accounts<'_> {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn login_record(&self, email: &Email) -> Result<Option<LoginRecord>, StoreError> {
        self.store
            .db
            .fetch_optional(
                "SELECT id, role, password_hash, disabled_at, locked_until, failed_logins FROM \
                 users WHERE email = $1",
                args![email.as_str()],
            )
            .await
    }

    /// Counts a wrong password; at the threshold locks the account for a while and queues a
    /// notice to its address (no detail in it). Audited either way.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_login_failure(
        &self,
        user: Option<UserId>,
        actor: &Actor,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        let mut entry = actor
            .entry("auth.login", now)
            .outcome(AuditOutcome::Failure, Some(reason));
        if let Some(user) = user {
            entry = entry.record("user", user);
            let failures: i32 = tx
                .scalar(
                    "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING \
                     failed_logins",
                    args![user],
                )
                .await?;
            if failures == LOCK_AFTER_FAILURES {
                tx.exec(
                    "UPDATE users SET locked_until = $1, failed_logins = 0 WHERE id = $2",
                    args![now + LOCKOUT, user],
                )
                .await?;
                outbox::enqueue(
                    &mut tx,
                    &outbox::Email::AccountLocked { user_id: user },
                    now,
                )
                .await?;
                audit::append(
                    &mut tx,
                    &Actor::anonymous(actor.ip.clone())
                        .entry("auth.account_locked", now)
                        .record("user", user),
                )
                .await?;
            }
        }
        audit::append(&mut tx, &entry).await?;
        tx.commit().await
    }

    /// A correct password: clears the failure count and opens a session that still needs the
    /// second factor (or its enrolment).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn start_session_after_password(
        &self,
        new: &NewSession<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<SessionId, StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
            args![new.user],
        )
        .await?;
        let id = sessions::insert(&mut tx, new, now).await?;
        audit::append(
            &mut tx,
            &actor.entry("auth.password_ok", now).record("session", id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn totp_record(&self, user: UserId) -> Result<TotpRecord, StoreError> {
        let mut record: TotpRecord = self
            .store
            .db
            .fetch_one(
                "SELECT totp_secret, totp_last_step FROM users WHERE id = $1",
                args![user],
            )
            .await?;
        if let Some(stored) = record.totp_secret.take() {
            record.totp_secret = Some(self.store.secret_keys.open(Place::Totp, user, &stored)?);
        }
        Ok(record)
    }

    /// Accepts a TOTP time step only if it is later than the last accepted one (no replays);
    /// atomic, so two racing requests with the same code cannot both pass.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn accept_totp_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_secret IS NOT \
                     NULL AND (totp_last_step IS NULL OR totp_last_step < $1)",
                args![step, user],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// The secret shown while enrolling, created on first request and kept until enrolment, so
    /// a reload (or another instance) shows the same QR code.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn pending_totp_secret(
        &self,
        user: UserId,
        fresh: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let fresh = self
            .store
            .secret_keys
            .seal(Place::PendingTotp, user, fresh)?;
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE users SET totp_pending_secret = $1 WHERE id = $2 AND totp_pending_secret \
                 IS NULL",
            args![fresh.as_slice(), user],
        )
        .await?;
        let secret: Option<Vec<u8>> = tx
            .scalar(
                "SELECT totp_pending_secret FROM users WHERE id = $1",
                args![user],
            )
            .await?;
        tx.commit().await?;
        let secret =
            secret.ok_or_else(|| StoreError::Corrupt("pending TOTP secret vanished".into()))?;
        self.store
            .secret_keys
            .open(Place::PendingTotp, user, &secret)
    }

    /// Enrols a TOTP secret (after the person proved it with a code at `step`) with fresh
    /// recovery codes (hashes), replacing any old ones.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn enrol_totp(
        &self,
        user: UserId,
        secret: &[u8],
        step: i64,
        recovery_code_hashes: &[Vec<u8>],
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let sealed = self.store.secret_keys.seal(Place::Totp, user, secret)?;
        let mut tx = self.store.begin().await?;
        tx.exec(
            "UPDATE users SET totp_secret = $1, totp_last_step = $2, mfa_enrolled_at = $3, \
                 updated_at = $3, totp_pending_secret = NULL WHERE id = $4",
            args![sealed.as_slice(), step, now, user],
        )
        .await?;
        tx.exec("DELETE FROM recovery_codes WHERE user_id = $1", args![user])
            .await?;
        for h in recovery_code_hashes {
            tx.exec(
                "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)",
                args![user, h.as_slice()],
            )
            .await?;
        }
        audit::append(
            &mut tx,
            &actor.entry("mfa.enrolled", now).record("user", user),
        )
        .await?;
        tx.commit().await
    }

    /// Spends one recovery code; false if it is not one of the account's unused codes.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND \
                 used_at IS NULL",
                args![now, user, code_hash],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn unused_recovery_codes(&self, user: UserId) -> Result<i64, StoreError> {
        self.store
            .db
            .scalar::<i64>(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                args![user],
            )
            .await
    }

    /// Disables an account; every session it has ends at once.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn disable_user(
        &self,
        target: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), AccountChangeRefused>, StoreError> {
        self.owner_change(target, actor, now, "user.disabled", |tx, now| {
            Box::pin(async move {
                tx.exec(
                    "UPDATE users SET disabled_at = $1, updated_at = $1 WHERE id = $2",
                    args![now, target],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Changes an account's role (the caller has checked step-up); its sessions end, so the new
    /// role applies from a fresh sign-in.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn change_role(
        &self,
        target: UserId,
        role: Role,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), AccountChangeRefused>, StoreError> {
        self.owner_change(target, actor, now, "user.role_changed", move |tx, now| {
            Box::pin(async move {
                tx.exec(
                    "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3",
                    args![role, now, target],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Clears an account's second factors (TOTP, passkeys) and recovery codes; it must enrol
    /// again at next sign-in.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reset_mfa(
        &self,
        target: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), AccountChangeRefused>, StoreError> {
        self.owner_change(target, actor, now, "mfa.reset", |tx, now| {
            Box::pin(clear_second_factors(tx, target, now))
        })
        .await
    }

    /// The frame of every owner change to another account: the target exists and is not the
    /// owner themself; the change, the end of the target's sessions and the audit row commit
    /// together.
    async fn owner_change<F>(
        &self,
        target: UserId,
        actor: &Actor,
        now: OffsetDateTime,
        action: &str,
        change: F,
    ) -> Result<Result<(), AccountChangeRefused>, StoreError>
    where
        F: for<'t> FnOnce(
            &'t mut crate::Tx,
            OffsetDateTime,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), StoreError>> + Send + 't>,
        >,
    {
        if actor.user.map(|u| u.0) == Some(target) {
            return Ok(Err(AccountChangeRefused::OwnAccount));
        }
        let mut tx = self.store.begin().await?;
        let exists: bool = tx
            .scalar::<bool>(
                "SELECT COUNT(*) > 0 FROM users WHERE id = $1",
                args![target],
            )
            .await?;
        if !exists {
            return Ok(Err(AccountChangeRefused::NotFound));
        }
        change(&mut tx, now).await?;
        sessions::end_all(&mut tx, target, None, now).await?;
        audit::append(&mut tx, &actor.entry(action, now).record("user", target)).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Creates an account directly (the CLI's `user add` goes through invitations instead; this
    /// is for tests and demo data).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_user(
        &self,
        new: &NewUser<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<UserId, StoreError> {
        let mut tx = self.store.begin().await?;
        let id = users::insert(&mut tx, new, now).await?;
        audit::append(
            &mut tx,
            &actor.entry("user.created", now).record("user", id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// Clears `user`'s second factors (TOTP, passkeys) and recovery codes inside `tx`: they enrol
/// again at their next sign-in. (The caller ends their sessions and writes the audit row.)
pub(crate) async fn clear_second_factors(
    tx: &mut crate::Tx,
    user: UserId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "UPDATE users SET totp_secret = NULL, totp_last_step = NULL, mfa_enrolled_at = NULL, \
         totp_pending_secret = NULL, updated_at = $1 WHERE id = $2",
        args![now, user],
    )
    .await?;
    tx.exec("DELETE FROM recovery_codes WHERE user_id = $1", args![user])
        .await?;
    tx.exec("DELETE FROM passkeys WHERE user_id = $1", args![user])
        .await?;
    Ok(())
}
