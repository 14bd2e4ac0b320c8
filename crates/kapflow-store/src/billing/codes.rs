//! The code each kind of appointment is billed with, kept by the owner beside the fees.

use super::Billing;
use crate::{StoreError, audit};
use kapflow_domain::Actor;
use time::OffsetDateTime;

/// A kind of appointment and the code it is billed with.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TypeCode {
    pub key: String,
    pub label: String,
    pub billing_code: Option<String>,
    pub external: bool,
}

impl Billing<'_> {
    /// Every kind of appointment with its billing code, in the calendar's order.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn type_codes(&self) -> Result<Vec<TypeCode>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT key, label, billing_code, external FROM session_types \
                 ORDER BY position, key",
                args![],
            )
            .await
    }

    /// Sets the code `session_type` is billed with (`None`: not billed by the practice);
    /// `false` for an unknown kind.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_type_code(
        &self,
        session_type: &str,
        code: Option<&str>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE session_types SET billing_code = $1, updated_at = $2 WHERE key = $3",
                args![code, now, session_type],
            )
            .await?;
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("session_type.billing_code_set", now)
                .record("session_type", session_type)
                .because(code.unwrap_or("not billed").to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
