//! Dosing sessions: prepared on the day (the pre-dose checks), opened only with the gates'
//! proof, monitored (vitals and their alerts, observations, who is in the room), and closed by
//! discharge or a documented early end. Every entry carries the monitor's key, so an entry sent
//! twice (a retry after a dropped connection, a double tap) records once.

mod close;
mod label_photos;
mod monitor;
mod prepare;
mod rows;

pub use close::Closing;
pub use label_photos::LabelPhoto;
pub use monitor::{EntryRefused, Recorded};
pub use prepare::{Prepared, StartRefused};
pub use rows::{AlertRow, MonitorData, ObservationRow, PresenceRow, SessionRow, VitalsRow};

use crate::{ClientAccess, ClinicalAccess, StoreError, Tx};
use kapflow_domain::DosingSessionId;
use time::OffsetDateTime;

crate::topic!(
    /// Dosing sessions and their monitor.
    Dosing
);

/// The session of this client, locked for this transaction's writes, or `None` when it is not
/// theirs. A no-op update takes the row lock on PostgreSQL (SQLite's write transaction already
/// holds the database), so two entries to one session are decided one after the other.
pub(crate) async fn session_for_update(
    tx: &mut Tx,
    client: kapflow_domain::ClientId,
    id: DosingSessionId,
) -> Result<Option<SessionRow>, StoreError> {
    tx.exec(
        "UPDATE dosing_sessions SET status = status WHERE id = $1 AND client_id = $2",
        args![id, client],
    )
    .await?;
    tx.fetch_optional(
        sqlx::AssertSqlSafe(rows::session_query("WHERE s.id = $1 AND s.client_id = $2")),
        args![id, client],
    )
    .await
}

impl Dosing<'_> {
    /// One session of the client with everything the monitor and the summary show.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn monitor(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
    ) -> Result<Option<MonitorData>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let data = rows::monitor_data(&mut tx, access.client(), id).await?;
        tx.commit().await?;
        Ok(data)
    }

    /// Every dosing session of the client, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self, access: &ClinicalAccess) -> Result<Vec<SessionRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(rows::session_query(
                    "WHERE s.client_id = $1 ORDER BY s.prepared_at DESC",
                )),
                args![access.client()],
            )
            .await
    }

    /// When each of the client's sessions opened, with its number, newest first (as
    /// [`Dosing::list`]): the marks on the measures charts, without the rest of each session.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn opened(
        &self,
        access: &ClinicalAccess,
    ) -> Result<Vec<(i64, OffsetDateTime)>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT number, opened_at FROM dosing_sessions WHERE client_id = $1 AND \
                 opened_at IS NOT NULL ORDER BY prepared_at DESC",
                args![access.client()],
            )
            .await
    }

    /// The client's session being prepared or in progress, if any. Front desk may know that
    /// one exists (not what is in it): this takes the plain client access.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn live(&self, access: &ClientAccess) -> Result<Option<SessionRow>, StoreError> {
        self.store
            .db
            .fetch_optional(
                sqlx::AssertSqlSafe(rows::session_query(
                    "WHERE s.client_id = $1 AND s.status IN ('preparing', 'open')",
                )),
                args![access.client()],
            )
            .await
    }
}
