//! An online, consistent copy of the embedded database, taken while kapflow serves (for
//! `kapflow backup`). SQLite's `VACUUM INTO` reads one snapshot of the database in a read
//! transaction, so writers go on (WAL) and the copy holds exactly the commits before it began;
//! the copy is compact and has no WAL of its own.

use crate::backend::Db;
use crate::{Store, StoreError};
use std::path::Path;

/// Why a snapshot was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "a PostgreSQL practice is backed up with pg_dump (README, \"Backups\"), not with a copy of a database file"
    )]
    NotEmbedded,
    #[error("{0} exists already; a snapshot never overwrites a file")]
    Exists(String),
    #[error("the snapshot's path is not valid UTF-8")]
    Path,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Writes a consistent copy of the embedded database to `path` (a new file).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn snapshot_into(&self, path: &Path) -> Result<(), SnapshotError> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(SnapshotError::NotEmbedded);
        };
        if path.exists() {
            return Err(SnapshotError::Exists(path.display().to_string()));
        }
        let target = path.to_str().ok_or(SnapshotError::Path)?;
        // `VACUUM INTO` takes any expression for its file name, so the path is a bound value.
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&**pool)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}
