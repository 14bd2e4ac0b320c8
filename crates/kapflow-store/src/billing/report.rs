//! What the practice's billing reports are made of: every entry with its client's name and
//! every charge line with its clinician (the owner's reports; the web layer adds them up).

use super::{Billing, ChargeLineRow, EntryRow};
use crate::StoreError;
use kapflow_domain::ClientId;

/// The whole practice's ledger.
#[derive(Debug, Clone, Default)]
pub struct ReportData {
    pub entries: Vec<(ClientId, EntryRow)>,
    /// The name of each client with an entry.
    pub names: Vec<(ClientId, String)>,
    pub lines: Vec<ChargeLineRow>,
}

impl Billing<'_> {
    /// Every entry, client name and charge line of the practice.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn report(&self) -> Result<ReportData, StoreError> {
        let entries = self.all_entries().await?;
        let names: Vec<(uuid::Uuid, String)> = self
            .store
            .db
            .fetch_all(
                "SELECT c.id, c.legal_name FROM clients c WHERE c.id IN \
                 (SELECT client_id FROM ledger_entries) ORDER BY lower(c.legal_name), c.id",
                args![],
            )
            .await?;
        let lines = self
            .store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "{} ORDER BY l.entry_id, l.position",
                    super::charges::LINE_SELECT
                )),
                args![],
            )
            .await?;
        Ok(ReportData {
            entries,
            names: names
                .into_iter()
                .map(|(id, name)| (ClientId::from(id), name))
                .collect(),
            lines,
        })
    }
}
