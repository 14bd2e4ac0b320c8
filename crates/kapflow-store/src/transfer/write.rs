//! Loading an export into an empty database: one transaction for the whole practice (all of it
//! lands or none), tables in dependency order, rows in batches of one multi-row `INSERT`, each
//! value bound as the target column's type (PostgreSQL casts every parameter to it).

use super::cell::{Cell, short};
use super::schema::{Kind, Table};
use crate::StoreError;
use crate::backend::Tx;
use crate::sql::Arg;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// At most this many values in one statement (SQLite allows 32,766 parameters).
const PARAMETERS: usize = 30_000;
/// Rows in one statement at most.
const ROWS: usize = 500;

/// Rows per statement for `columns` columns.
pub(crate) fn batch_rows(columns: usize) -> usize {
    (PARAMETERS / columns.max(1)).clamp(1, ROWS)
}

/// Inserts `rows` (each as long as `table` has columns) into `table`.
pub(crate) async fn insert(
    tx: &mut Tx,
    table: &Table,
    rows: &[Vec<Cell>],
    pg: bool,
) -> Result<(), StoreError> {
    let n = table.columns.len();
    for chunk in rows.chunks(batch_rows(n)) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut args: Vec<Arg<'_>> = Vec::with_capacity(chunk.len() * n);
        for row in chunk {
            if row.len() != n {
                return Err(StoreError::Corrupt(format!(
                    "a row of {} has {} values for {n} columns",
                    table.name,
                    row.len()
                )));
            }
            let mut params = Vec::with_capacity(n);
            for ((column, kind), cell) in table.columns.iter().zip(row) {
                args.push(arg(*kind, cell, pg).map_err(|why| {
                    StoreError::Corrupt(format!("{}.{column}: {why}", table.name))
                })?);
                let p = args.len();
                params.push(if pg {
                    format!("${p}::{}", kind.pg_type())
                } else {
                    format!("${p}")
                });
            }
            values.push(format!("({})", params.join(", ")));
        }
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect();
        let sql = format!(
            "INSERT INTO \"{}\" ({}) VALUES {}",
            table.name,
            columns.join(", "),
            values.join(", ")
        );
        tx.exec(sqlx::AssertSqlSafe(sql), &args).await?;
    }
    Ok(())
}

/// Sets `column` of the row of `table` whose id is `id` to `value`.
pub(crate) async fn set_one(
    tx: &mut Tx,
    table: &Table,
    column: &str,
    id: &Cell,
    value: &Cell,
    pg: bool,
) -> Result<(), StoreError> {
    let kind_of = |name: &str| {
        table
            .columns
            .iter()
            .find(|(c, _)| c == name)
            .map(|(_, k)| *k)
            .ok_or_else(|| StoreError::Corrupt(format!("{}.{name} is not a column", table.name)))
    };
    let (value_kind, id_kind) = (kind_of(column)?, kind_of("id")?);
    let bad = |why: String| StoreError::Corrupt(format!("{}.{column}: {why}", table.name));
    let args = [
        arg(value_kind, value, pg).map_err(bad)?,
        arg(id_kind, id, pg).map_err(bad)?,
    ];
    let sql = if pg {
        format!(
            "UPDATE \"{}\" SET \"{column}\" = $1::{} WHERE id = $2::{}",
            table.name,
            value_kind.pg_type(),
            id_kind.pg_type()
        )
    } else {
        format!(
            "UPDATE \"{}\" SET \"{column}\" = $1 WHERE id = $2",
            table.name
        )
    };
    tx.exec(sqlx::AssertSqlSafe(sql), &args).await?;
    Ok(())
}

/// `cell` bound as a value of a `kind` column.
fn arg(kind: Kind, cell: &Cell, pg: bool) -> Result<Arg<'_>, String> {
    let text = || match cell {
        Cell::Text(t) => Ok(Some(t.as_str())),
        Cell::Null => Ok(None),
        Cell::Int(_) | Cell::Bytes(_) => Err("not text".to_owned()),
    };
    Ok(match kind {
        Kind::Int | Kind::Int4 => Arg::Int(cell.int()?),
        Kind::Bool => Arg::Bool(cell.int()?.map(|i| i != 0)),
        Kind::Text if !pg => match cell {
            // SQLite keeps what it is given; a number in a text column stays a number there.
            Cell::Int(i) => Arg::OwnedText(Some(i.to_string())),
            _ => Arg::Text(text()?),
        },
        Kind::Text => Arg::Text(text()?),
        Kind::Time => Arg::Time(
            text()?
                .map(|t| time::OffsetDateTime::parse(t, &Rfc3339))
                .transpose()
                .map_err(|_| "a time that is not RFC 3339".to_owned())?,
        ),
        Kind::Date => Arg::Date(
            text()?
                .map(|t| time::Date::parse(t, format_description!("[year]-[month]-[day]")))
                .transpose()
                .map_err(|_| "a date that is not YYYY-MM-DD".to_owned())?,
        ),
        Kind::Bytes => match cell {
            Cell::Bytes(b) => Arg::Bytes(Some(b)),
            Cell::Null => Arg::Bytes(None),
            Cell::Text(t) => return Err(format!("text `{}` where bytes belong", short(t))),
            Cell::Int(_) => return Err("a number where bytes belong".into()),
        },
        Kind::Uuid => match cell {
            Cell::Bytes(b) => Arg::Uuid(Some(
                uuid::Uuid::from_slice(b).map_err(|_| "an id that is not 16 bytes".to_owned())?,
            )),
            Cell::Null => Arg::Uuid(None),
            _ => return Err("an id that is not bytes".into()),
        },
    })
}
