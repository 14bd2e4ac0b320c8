//! Each clinician's billing identity — the NPI and licence a superbill names — kept by the
//! owner, every change audited.

use super::Billing;
use crate::{StoreError, audit};
use kapflow_domain::{Actor, Role, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A clinician with their billing identity, where set.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClinicianBilling {
    #[sqlx(try_from = "Uuid")]
    pub id: UserId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub npi: Option<String>,
    pub licence: Option<String>,
}

impl Billing<'_> {
    /// The practice's clinicians (owner and therapists, active or not: a past superbill still
    /// names them) with their NPI and licence.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn clinicians(&self) -> Result<Vec<ClinicianBilling>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT u.id, u.display_name AS name, u.role, b.npi, b.licence FROM users u \
                 LEFT JOIN clinician_billing b ON b.user_id = u.id \
                 WHERE u.role IN ('owner', 'therapist') ORDER BY u.display_name, u.id",
                args![],
            )
            .await
    }

    /// Sets a clinician's NPI and licence (checked by the caller).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_clinician_billing(
        &self,
        clinician: UserId,
        npi: Option<&str>,
        licence: Option<&str>,
        by: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO clinician_billing (user_id, npi, licence, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET npi = $2, \
             licence = $3, updated_by = $4, updated_at = $5",
            args![clinician, npi, licence, by, now],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("clinician_billing.set", now)
                .record("user", clinician.as_uuid()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
