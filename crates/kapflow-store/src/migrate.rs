//! Embedded migrations, one tree per backend with the same version numbers.
//!
//! Rules (see ARCHITECTURE.md): never edit an applied migration; add a new one to both trees;
//! expand first, contract in a later release, so old and new instances can share a database.

use crate::backend::Db;
use crate::{Store, StoreError};
use sqlx::migrate::Migrator;

pub(crate) static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
pub(crate) static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// Where the database stands against the migrations built into this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub expected: Vec<i64>,
    pub applied: Vec<i64>,
}

impl MigrationStatus {
    /// Every embedded migration applied, and none this binary does not know.
    pub fn is_current(&self) -> bool {
        self.expected == self.applied
    }
}

impl Store {
    /// Applies every pending migration. Safe to run from several instances at once: sqlx holds
    /// an advisory lock on PostgreSQL, and SQLite has one writer.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(p) => SQLITE.run(&**p).await?,
            Db::Pg(p) => POSTGRES.run(p).await?,
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migration_status(&self) -> Result<MigrationStatus, StoreError> {
        let migrator = match &self.db {
            Db::Sqlite(_) => &SQLITE,
            Db::Pg(_) => &POSTGRES,
        };
        let expected: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        // Before the first migration the bookkeeping table does not exist yet: nothing applied.
        const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";
        let applied = match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(APPLIED).fetch_all(&**p).await,
            Db::Pg(p) => sqlx::query_scalar(APPLIED).fetch_all(p).await,
        };
        // Before the first migration the bookkeeping table does not exist yet: nothing applied.
        let applied = match applied {
            Ok(v) => v,
            Err(sqlx::Error::Database(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(MigrationStatus { expected, applied })
    }
}

/// One column of the schema as the database describes it: table, column, and whether it may
/// hold NULL.
pub type Column = (String, String, bool);

impl Store {
    /// Every column of the application's tables (not the migrations' bookkeeping), sorted, as
    /// the database itself reports them: the test that keeps both migration trees in step
    /// compares these.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn columns(&self) -> Result<Vec<Column>, StoreError> {
        let mut cols: Vec<Column> = match &self.db {
            Db::Sqlite(p) => {
                let rows: Vec<(String, String, bool)> = sqlx::query_as(
                    "SELECT m.name, c.name, c.\"notnull\" = 0 \
                     FROM sqlite_master m JOIN pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(&**p)
                .await?;
                rows
            }
            Db::Pg(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text, is_nullable = 'YES' \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
                )
                .fetch_all(p)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }
}

/// Version and description of each embedded migration.
pub type MigrationList = Vec<(i64, String)>;

/// The version numbers and names of both trees, for the test that keeps them in step.
pub fn embedded_versions() -> (MigrationList, MigrationList) {
    let list = |m: &Migrator| {
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect::<Vec<_>>()
    };
    (list(&SQLITE), list(&POSTGRES))
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_trees_have_the_same_versions_and_names() {
        let (sqlite, pg) = super::embedded_versions();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, pg);
    }
}
