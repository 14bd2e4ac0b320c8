//! Moving a whole practice between databases: every table out as rows of [`Cell`]s (the binary
//! writes them as CSV with a manifest), and back into an empty database of either kind. This is
//! how a practice moves from the embedded database to PostgreSQL, and how PostgreSQL is backed
//! up by kapflow itself. Values travel as the embedded database stores them, so an export of
//! the same practice is byte for byte the same from either database.

mod cell;
mod read;
mod schema;
mod write;

pub use cell::Cell;
pub use schema::{Kind, Table};

/// Where an export's rows go, one at a time (the binary's CSV writers).
pub type RowSink<'a> = dyn FnMut(&Table, Vec<Cell>) -> Result<(), String> + Send + 'a;

use crate::StoreError;
use crate::backend::{Db, Tx};

crate::topic!(
    /// Export and import of the whole practice.
    Transfer
);

/// The tables a fresh migration fills (the built-in session types, the calendar's lock row):
/// a new database has rows only here, and an import replaces them with the practice's own.
const SEEDED_BY_MIGRATIONS: [&str; 2] = ["calendar_lock", "session_types"];

/// An import under way: one transaction; nothing is visible until [`Import::finish`].
pub struct Import {
    tx: Tx,
    pg: bool,
    /// Values of the columns loaded last: (table, column, row id, value).
    later: Vec<(String, String, Cell, Cell)>,
}

impl Transfer<'_> {
    /// Every table of the practice with its columns, each after the tables it refers to.
    pub async fn tables(&self) -> Result<Vec<Table>, StoreError> {
        schema::tables(&self.store.db).await
    }

    /// Streams every row of every table, from one consistent snapshot, to `each`; returns the
    /// number of rows per table.
    pub async fn export(
        &self,
        tables: &[Table],
        each: &mut RowSink<'_>,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        read::each_table(&self.store.db, tables, each).await
    }

    /// The newest migration applied: an export is loaded only where the schema is the same.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let v: Option<i64> = self
            .store
            .db
            .scalar("SELECT MAX(version) FROM _sqlx_migrations", args![])
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// The number of rows in each of `tables`.
    pub async fn counts(&self, tables: &[Table]) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::with_capacity(tables.len());
        for t in tables {
            let n: i64 = self
                .store
                .db
                .scalar(
                    sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{}\"", t.name)),
                    args![],
                )
                .await?;
            out.push((t.name.clone(), u64::try_from(n).unwrap_or(0)));
        }
        Ok(out)
    }

    /// Starts loading an export; refused unless the database is new (just migrated: every
    /// table empty but the ones its migrations fill, whose rows the export's replace), never a
    /// practice in use.
    pub async fn begin_import(&self, tables: &[Table]) -> Result<Import, StoreError> {
        if let Some((name, n)) = self
            .counts(tables)
            .await?
            .into_iter()
            .find(|(name, n)| *n > 0 && !SEEDED_BY_MIGRATIONS.contains(&name.as_str()))
        {
            return Err(StoreError::Corrupt(format!(
                "the target database is not empty ({name} has {n} rows): import only into a new one"
            )));
        }
        let mut tx = self.store.begin().await?;
        for name in SEEDED_BY_MIGRATIONS {
            tx.exec(
                sqlx::AssertSqlSafe(format!("DELETE FROM \"{name}\"")),
                args![],
            )
            .await?;
        }
        Ok(Import {
            tx,
            pg: matches!(self.store.db, Db::Pg(_)),
            later: Vec::new(),
        })
    }
}

impl Import {
    /// Adds `rows` of `table` (tables in the order [`Transfer::tables`] gives).
    pub async fn rows(&mut self, table: &Table, rows: &[Vec<Cell>]) -> Result<(), StoreError> {
        let deferred: Vec<(usize, &str)> = schema::LOADED_LAST
            .iter()
            .filter(|(t, _, _)| *t == table.name)
            .filter_map(|(_, c, _)| {
                table
                    .columns
                    .iter()
                    .position(|(name, _)| name == c)
                    .map(|i| (i, *c))
            })
            .collect();
        if deferred.is_empty() {
            return write::insert(&mut self.tx, table, rows, self.pg).await;
        }
        let id = table
            .columns
            .iter()
            .position(|(name, _)| name == "id")
            .ok_or_else(|| StoreError::Corrupt(format!("{} has no id column", table.name)))?;
        let mut first = rows.to_vec();
        for row in &mut first {
            for (i, column) in &deferred {
                let value = std::mem::replace(&mut row[*i], Cell::Null);
                if value != Cell::Null {
                    self.later.push((
                        table.name.clone(),
                        (*column).to_owned(),
                        row[id].clone(),
                        value,
                    ));
                }
            }
        }
        write::insert(&mut self.tx, table, &first, self.pg).await
    }

    /// Rows a batch should hold for `table`.
    pub fn batch(table: &Table) -> usize {
        write::batch_rows(table.columns.len()) * 4
    }

    /// Fills in the columns loaded last, then commits the whole import.
    pub async fn finish(mut self, tables: &[Table]) -> Result<(), StoreError> {
        for (table, column, id, value) in std::mem::take(&mut self.later) {
            let t = tables
                .iter()
                .find(|t| t.name == table)
                .ok_or_else(|| StoreError::Corrupt(format!("no table {table}")))?;
            write::set_one(&mut self.tx, t, &column, &id, &value, self.pg).await?;
        }
        self.tx.commit().await
    }
}
