//! Reading every table for an export: one consistent snapshot (a read transaction on SQLite,
//! `REPEATABLE READ` on PostgreSQL), rows streamed — never a whole table in memory — in an
//! order both databases agree on (every column, bytes and text compared bytewise), each value
//! turned into its [`Cell`].

use super::cell::Cell;
use super::schema::{Kind, Table};
use crate::StoreError;
use crate::backend::Db;
use futures_util::TryStreamExt;
use sqlx::{Row, TypeInfo, ValueRef};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// The rows of `table` in export order, one at a time, to `each`.
pub(crate) async fn each_table(
    db: &Db,
    tables: &[Table],
    each: &mut super::RowSink<'_>,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut counts = Vec::with_capacity(tables.len());
    match db {
        Db::Sqlite(pool) => {
            let mut tx = pool.begin().await?;
            for t in tables {
                let sql = select(t, false);
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
                let mut n = 0;
                while let Some(row) = rows.try_next().await? {
                    let cells = (0..t.columns.len())
                        .map(|i| sqlite_cell(&row, i))
                        .collect::<Result<Vec<_>, _>>()?;
                    each(t, cells).map_err(StoreError::Corrupt)?;
                    n += 1;
                }
                counts.push((t.name.clone(), n));
            }
            tx.commit().await?;
        }
        Db::Pg(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            for t in tables {
                let sql = select(t, true);
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
                let mut n = 0;
                while let Some(row) = rows.try_next().await? {
                    let cells = t
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, (_, kind))| pg_cell(&row, i, *kind))
                        .collect::<Result<Vec<_>, _>>()?;
                    each(t, cells).map_err(StoreError::Corrupt)?;
                    n += 1;
                }
                counts.push((t.name.clone(), n));
            }
            tx.commit().await?;
        }
    }
    Ok(counts)
}

/// `SELECT` every column, ordered by all of them; names come from the database's own catalogue.
fn select(t: &Table, pg: bool) -> String {
    let quoted: Vec<String> = t.columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let order: Vec<String> = t
        .columns
        .iter()
        .map(|(c, kind)| {
            if pg && *kind == Kind::Text {
                format!("\"{c}\" COLLATE \"C\"")
            } else {
                format!("\"{c}\"")
            }
        })
        .collect();
    format!(
        "SELECT {} FROM \"{}\" ORDER BY {}",
        quoted.join(", "),
        t.name,
        order.join(", ")
    )
}

fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<Cell, StoreError> {
    let stored = {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            return Ok(Cell::Null);
        }
        raw.type_info().name().to_owned()
    };
    Ok(match stored.as_str() {
        "INTEGER" => Cell::Int(row.try_get(i)?),
        "TEXT" => Cell::Text(row.try_get(i)?),
        "BLOB" => Cell::Bytes(row.try_get(i)?),
        other => {
            return Err(StoreError::Corrupt(format!(
                "a stored {other} value, which the export does not carry"
            )));
        }
    })
}

fn pg_cell(row: &sqlx::postgres::PgRow, i: usize, kind: Kind) -> Result<Cell, StoreError> {
    let cell = match kind {
        Kind::Int => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
        Kind::Int4 => row
            .try_get::<Option<i32>, _>(i)?
            .map(|v| Cell::Int(i64::from(v))),
        Kind::Bool => row
            .try_get::<Option<bool>, _>(i)?
            .map(|b| Cell::Int(i64::from(b))),
        Kind::Text => row.try_get::<Option<String>, _>(i)?.map(Cell::Text),
        Kind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Cell::Bytes),
        Kind::Uuid => row
            .try_get::<Option<uuid::Uuid>, _>(i)?
            .map(|u| Cell::Bytes(u.as_bytes().to_vec())),
        // As the embedded database keeps them (sqlx writes RFC 3339 and `YYYY-MM-DD`).
        Kind::Time => row
            .try_get::<Option<time::OffsetDateTime>, _>(i)?
            .map(|t| t.format(&Rfc3339).map(Cell::Text))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        Kind::Date => row
            .try_get::<Option<time::Date>, _>(i)?
            .map(|d| {
                d.format(format_description!("[year]-[month]-[day]"))
                    .map(Cell::Text)
            })
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    };
    Ok(cell.unwrap_or(Cell::Null))
}
