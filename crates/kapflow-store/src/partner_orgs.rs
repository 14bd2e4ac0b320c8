//! The partner prescriber organisations and which prescriber belongs to which: a prescriber
//! sees only the clients referred to their organisation.

use crate::{Store, StoreError, audit};
use kapflow_domain::{Actor, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub id: Uuid,
    pub name: String,
}

impl Store {
    pub async fn partner_orgs(&self) -> Result<Vec<OrgRow>, StoreError> {
        Ok(
            on_db!(self, c => sqlx::query_as("SELECT id, name FROM partner_orgs ORDER BY name")
            .fetch_all(c).await)?,
        )
    }

    /// Adds a partner organisation; `None` if the name is taken.
    pub async fn add_partner_org(
        &self,
        name: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut tx = self.begin().await?;
        let id = Uuid::now_v7();
        let n = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO partner_orgs (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING"
        ).bind(id).bind(name).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(None);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("partner_org.added", now)
                .record("partner_org", id),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Puts a prescriber into an organisation (or none).
    pub async fn set_partner_org(
        &self,
        user: UserId,
        org: Option<Uuid>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE users SET partner_org_id = $1 WHERE id = $2 AND role = 'prescriber'"
        ).bind(org).bind(user.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(false);
        }
        let mut entry = actor.entry("user.partner_org", now).record("user", user);
        entry.reason = org.map(|o| o.to_string());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The active prescribers of an organisation, for referral notices.
    pub async fn partner_org_emails(&self, org: Uuid) -> Result<Vec<String>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_scalar(
            "SELECT email FROM users WHERE partner_org_id = $1 AND role = 'prescriber' AND disabled_at IS NULL ORDER BY email"
        ).bind(org).fetch_all(c).await)?)
    }

    pub async fn partner_org_of(&self, user: UserId) -> Result<Option<Uuid>, StoreError> {
        let org: Option<Option<Uuid>> = on_db!(self, c => sqlx::query_scalar(
            "SELECT partner_org_id FROM users WHERE id = $1"
        ).bind(user.as_uuid()).fetch_optional(c).await)?;
        Ok(org.flatten())
    }
}
