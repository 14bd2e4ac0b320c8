//! A client's diagnoses as the clinician keeps them: ICD-10-CM codes added and removed (a
//! removed one stays on record with who removed it and when), each change audited.

use super::Billing;
use crate::{ClientAccess, StoreError, audit};
use kapflow_domain::billing::icd10::Diagnosis;
use kapflow_domain::{Actor, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

impl Billing<'_> {
    /// Adds `diagnosis` to the client's list; `None` when it is already there.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_diagnosis(
        &self,
        access: &ClientAccess,
        diagnosis: Diagnosis,
        by: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Uuid>, StoreError> {
        use crate::error::UniqueOr;
        let id = Uuid::now_v7();
        let mut tx = self.store.begin().await?;
        let made = tx
            .exec(
                "INSERT INTO client_diagnoses (id, client_id, code, added_by, added_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                args![id, access.client(), diagnosis.code, by, now],
            )
            .await
            .or_duplicate()?;
        if made.is_none() {
            return Ok(None);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("diagnosis.added", now)
                .record("diagnosis", id)
                .client(access.client())
                .because(diagnosis.code.to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Takes `code` off the client's list; `false` when it was not on it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn remove_diagnosis(
        &self,
        access: &ClientAccess,
        code: &str,
        by: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let id: Option<Uuid> = tx
            .scalar_optional(
                "UPDATE client_diagnoses SET removed_by = $1, removed_at = $2 \
                 WHERE client_id = $3 AND code = $4 AND removed_at IS NULL RETURNING id",
                args![by, now, access.client(), code],
            )
            .await?;
        let Some(id) = id else {
            return Ok(false);
        };
        audit::append(
            &mut tx,
            &actor
                .entry("diagnosis.removed", now)
                .record("diagnosis", id)
                .client(access.client())
                .because(code.to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The client's current diagnoses, in the order they were added.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn diagnoses(&self, access: &ClientAccess) -> Result<Vec<String>, StoreError> {
        self.store
            .db
            .scalars(
                "SELECT code FROM client_diagnoses WHERE client_id = $1 AND removed_at IS NULL \
                 ORDER BY added_at, id",
                args![access.client()],
            )
            .await
    }
}
