//! Idempotency keys for create forms: a double click or a refresh makes one record.
//!
//! A form carries a random key. The handler claims it inside the transaction that creates the
//! record and stores the response there too, so "created" and "key spent" commit together.

use crate::StoreError;
use crate::backend::Tx;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: go ahead, then call [`complete`] in the same transaction.
    Fresh,
    /// Seen before with the same request: answer with what was answered then.
    Replay { status: u16, body: String },
    /// Seen before with a different request: refuse (a reused key is a client bug or an attack).
    KeyReused,
}

/// Claims `key` within `scope` (such as `inquiry` or `user:<id>`) for a request whose canonical
/// form hashes to `request_hash`. A concurrent claim of the same key waits for this transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim(
    tx: &mut Tx,
    scope: &str,
    key: &str,
    request_hash: &[u8],
    now: OffsetDateTime,
) -> Result<Claim, StoreError> {
    let inserted = tx
        .exec(
            "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, \
             $3, $4) ON CONFLICT (scope, key) DO NOTHING",
            args![scope, key, request_hash, now],
        )
        .await?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let (stored_hash, status, body): (Vec<u8>, Option<i32>, Option<String>) = tx
        .fetch_one(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE scope \
             = $1 AND key = $2",
            args![scope, key],
        )
        .await?;
    if stored_hash != request_hash {
        return Ok(Claim::KeyReused);
    }
    Ok(Claim::Replay {
        status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
        body: body.unwrap_or_default(),
    })
}

/// Stores the answer to a fresh claim; same transaction as the claim.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn complete(
    tx: &mut Tx,
    scope: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), StoreError> {
    tx.exec(
        "UPDATE idempotency_keys SET response_status = $1, response_body = $2 WHERE scope = $3 \
             AND key = $4",
        args![i32::from(status), body, scope, key],
    )
    .await?;
    Ok(())
}

/// Where a form post stands, for forms whose handler does not claim its own key: the web layer
/// claims the form's key before the handler runs and records the answer after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormClaim {
    /// First use: run the form.
    Fresh,
    /// Already run: answer as then (`location` is where it sent the person, if anywhere).
    Done { status: u16, location: String },
    /// Another request with this key is being handled right now.
    Pending,
    /// The key was used for a different form or different answers.
    KeyReused,
}

impl crate::Store {
    /// Claims a form's key in its own transaction (see [`FormClaim`]).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn claim_form(
        &self,
        scope: &str,
        key: &str,
        request_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<FormClaim, StoreError> {
        let mut tx = self.begin().await?;
        let claimed = claim(&mut tx, scope, key, request_hash, now).await?;
        let pending: bool = if claimed == Claim::Fresh {
            false
        } else {
            tx.scalar(
                "SELECT response_status IS NULL FROM idempotency_keys WHERE scope = $1 AND key = $2",
                args![scope, key],
            )
            .await?
        };
        tx.commit().await?;
        Ok(match claimed {
            Claim::Fresh => FormClaim::Fresh,
            Claim::KeyReused => FormClaim::KeyReused,
            Claim::Replay { .. } if pending => FormClaim::Pending,
            Claim::Replay { status, body } => FormClaim::Done {
                status,
                location: body,
            },
        })
    }

    /// Records the answer to a form that ran (its status and where it sent the person).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn finish_form(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        location: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        complete(&mut tx, scope, key, status, location).await?;
        tx.commit().await
    }

    /// Gives a key back when its form was refused (a mistake to fix, a full disk): the person
    /// sends the same form again, corrected, under the same key.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn release_form(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        self.db
            .exec(
                "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND response_status IS \
                 NULL",
                args![scope, key],
            )
            .await?;
        Ok(())
    }
}
