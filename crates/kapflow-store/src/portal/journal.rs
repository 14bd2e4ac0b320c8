//! The client's integration journal: private unless the client shares an entry, and then the
//! care team reads only the shared ones.

use super::{Portal, PortalAccess};
use crate::{ClinicalAccess, StoreError, audit};
use kapflow_domain::{Actor, JournalEntryId};
use time::OffsetDateTime;
use uuid::Uuid;

/// One journal entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JournalEntry {
    #[sqlx(try_from = "Uuid")]
    pub id: JournalEntryId,
    pub body: String,
    pub created_at: OffsetDateTime,
    pub shared_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "SELECT id, body, created_at, shared_at FROM journal_entries";

impl Portal<'_> {
    /// The client's own entries, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn journal(&self, access: &PortalAccess) -> Result<Vec<JournalEntry>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "{COLUMNS} WHERE client_id = $1 ORDER BY created_at DESC, id DESC"
                )),
                args![access.client],
            )
            .await
    }

    /// The entries the client shared with the care team, newest first (never the private ones).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn shared_journal(
        &self,
        access: &ClinicalAccess,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "{COLUMNS} WHERE client_id = $1 AND shared_at IS NOT NULL ORDER BY \
                     created_at DESC, id DESC"
                )),
                args![access.client()],
            )
            .await
    }

    /// Writes an entry, private unless `shared`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn write_journal(
        &self,
        access: &PortalAccess,
        body: &str,
        shared: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<JournalEntryId, StoreError> {
        let id = JournalEntryId::new();
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO journal_entries (id, client_id, body, created_at, shared_at) VALUES \
             ($1, $2, $3, $4, $5)",
            args![id, access.client, body, now, shared.then_some(now)],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("journal.written", now)
                .record("journal_entry", id)
                .client(access.client)
                .because(if shared { "shared" } else { "private" }.to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Shares an entry with the care team, or makes it private again; false when the entry is
    /// not this client's.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn share_journal(
        &self,
        access: &PortalAccess,
        entry: JournalEntryId,
        shared: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE journal_entries SET shared_at = $1 WHERE id = $2 AND client_id = $3",
                args![shared.then_some(now), entry, access.client],
            )
            .await?;
        if n == 0 {
            return Ok(false);
        }
        let action = if shared {
            "journal.shared"
        } else {
            "journal.unshared"
        };
        audit::append(
            &mut tx,
            &actor
                .entry(action, now)
                .record("journal_entry", entry)
                .client(access.client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
