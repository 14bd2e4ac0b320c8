//! The partner prescriber organisations and which prescriber belongs to which: a prescriber
//! sees only the clients referred to their organisation.

use crate::{StoreError, audit, lookup};
use kapflow_domain::{Actor, OrgId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Partner prescriber organisations.
    PartnerOrgs
);

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    #[sqlx(try_from = "Uuid")]
    pub id: OrgId,
    pub name: String,
}

/// What became of a rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renamed {
    Done,
    /// Another organisation has that name.
    NameTaken,
    NoSuchOrg,
}

impl PartnerOrgs<'_> {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self) -> Result<Vec<OrgRow>, StoreError> {
        self.store
            .db
            .fetch_all("SELECT id, name FROM partner_orgs ORDER BY name", args![])
            .await
    }

    /// Adds a partner organisation; `None` if the name is taken.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add(
        &self,
        name: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<OrgId>, StoreError> {
        let mut tx = self.store.begin().await?;
        let id = OrgId::new();
        let n = tx
            .exec(
                "INSERT INTO partner_orgs (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT \
                 (name) DO NOTHING",
                args![id, name, now],
            )
            .await?;
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
        // The public site names the partner organisation: its pages re-render.
        crate::site::bump_version(&mut tx, now).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Renames a partner organisation (everywhere it is named: the site, consent drafts,
    /// referrals).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rename(
        &self,
        org: OrgId,
        name: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Renamed, StoreError> {
        let mut tx = self.store.begin().await?;
        let taken: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM partner_orgs WHERE name = $1 AND id <> $2",
                args![name, org],
            )
            .await?;
        if taken {
            return Ok(Renamed::NameTaken);
        }
        let n = tx
            .exec(
                "UPDATE partner_orgs SET name = $1 WHERE id = $2",
                args![name, org],
            )
            .await?;
        if n == 0 {
            return Ok(Renamed::NoSuchOrg);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("partner_org.renamed", now)
                .record("partner_org", org),
        )
        .await?;
        crate::site::bump_version(&mut tx, now).await?;
        tx.commit().await?;
        Ok(Renamed::Done)
    }

    /// Puts a prescriber into an organisation (or none).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_member(
        &self,
        user: UserId,
        org: Option<OrgId>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let tx = self.store.begin().await?;
        let entry = actor
            .entry("user.partner_org", now)
            .record("user", user)
            .because(org.map(|o| o.to_string()));
        audit::change(
            tx,
            "UPDATE users SET partner_org_id = $1 WHERE id = $2 AND role = 'prescriber'",
            args![org, user],
            &entry,
        )
        .await
    }

    /// The active prescribers of an organisation, for referral notices.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn emails(&self, org: OrgId) -> Result<Vec<String>, StoreError> {
        self.store
            .db
            .scalars(
                "SELECT email FROM users WHERE partner_org_id = $1 AND role = 'prescriber' AND \
                 disabled_at IS NULL ORDER BY email",
                args![org],
            )
            .await
    }

    /// The partner organisation a prescriber belongs to.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn of(&self, user: UserId) -> Result<Option<OrgId>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let org = lookup::partner_org_of(&mut tx, user).await?;
        tx.commit().await?;
        Ok(org)
    }
}
