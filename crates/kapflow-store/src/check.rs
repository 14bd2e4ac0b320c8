//! `kapflow check`: the database's own consistency checks and the audit chain.

use crate::backend::Db;
use crate::{Store, StoreError};
use kapflow_domain::audit::ChainBreak;

#[derive(Debug)]
pub struct CheckReport {
    /// Problems `PRAGMA integrity_check` reported (SQLite); empty when sound.
    pub integrity: Vec<String>,
    /// Rows whose foreign keys point nowhere (SQLite; PostgreSQL enforces them always).
    pub foreign_keys: Vec<String>,
    /// Rows verified, or the first broken audit row.
    pub audit: Result<u64, ChainBreak>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.integrity.is_empty() && self.foreign_keys.is_empty() && self.audit.is_ok()
    }
}

impl Store {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn check(&self) -> Result<CheckReport, StoreError> {
        let (integrity, foreign_keys) = match &self.db {
            Db::Sqlite(p) => {
                let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_all(p)
                    .await?
                    .into_iter()
                    .filter(|line: &String| line != "ok")
                    .collect();
                let fk: Vec<(String, Option<i64>, String)> =
                    sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                        .fetch_all(p)
                        .await?;
                let fk = fk
                    .into_iter()
                    .map(|(table, rowid, parent)| {
                        format!(
                            "{table} row {} refers to a missing {parent} row",
                            rowid.unwrap_or_default()
                        )
                    })
                    .collect();
                (integrity, fk)
            }
            Db::Pg(_) => (Vec::new(), Vec::new()),
        };
        let audit = self.audit().verify_chain().await?;
        Ok(CheckReport {
            integrity,
            foreign_keys,
            audit,
        })
    }
}
