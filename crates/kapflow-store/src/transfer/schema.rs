//! The tables a practice owns, read from the database itself (so a new migration's table is in
//! the export without a list to keep), their columns and what each holds, in an order where
//! every table comes after the tables it refers to.

use crate::StoreError;
use crate::backend::Db;
use std::collections::{BTreeMap, BTreeSet};

/// What a column holds, as its database declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole number (PostgreSQL `bigint`/`integer`; SQLite `INTEGER`, booleans too).
    Int,
    /// PostgreSQL `integer` (4 bytes).
    Int4,
    Bool,
    Text,
    Time,
    Date,
    Bytes,
    Uuid,
}

impl Kind {
    fn of_sqlite(declared: &str) -> Option<Kind> {
        Some(match declared.to_ascii_uppercase().as_str() {
            "INTEGER" => Kind::Int,
            "TEXT" => Kind::Text,
            "BLOB" => Kind::Bytes,
            _ => return None,
        })
    }

    fn of_postgres(data_type: &str) -> Option<Kind> {
        Some(match data_type {
            "bigint" => Kind::Int,
            "integer" => Kind::Int4,
            "boolean" => Kind::Bool,
            "text" => Kind::Text,
            "timestamp with time zone" => Kind::Time,
            "date" => Kind::Date,
            "bytea" => Kind::Bytes,
            "uuid" => Kind::Uuid,
            _ => return None,
        })
    }

    /// The PostgreSQL type a parameter is cast to.
    pub(crate) fn pg_type(self) -> &'static str {
        match self {
            Kind::Int => "bigint",
            Kind::Int4 => "integer",
            Kind::Bool => "boolean",
            Kind::Text => "text",
            Kind::Time => "timestamptz",
            Kind::Date => "date",
            Kind::Bytes => "bytea",
            Kind::Uuid => "uuid",
        }
    }
}

/// One table and its columns in their declared order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
}

impl Table {
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// The references that close a loop between tables (a client's portal account names the
/// client; the client record names the staff account that made it): `(table, column, the
/// table it refers to)`. Such a column is loaded empty and filled in once every table is in,
/// so the loop is no obstacle to loading tables in order.
pub(crate) const LOADED_LAST: &[(&str, &str, &str)] = &[("users", "client_id", "clients")];

/// sqlx's own bookkeeping is the migration version, not practice data.
const NOT_PRACTICE_DATA: &str = "_sqlx_migrations";

/// Every table of the practice, each after the ones it refers to.
pub(crate) async fn tables(db: &Db) -> Result<Vec<Table>, StoreError> {
    let sqlite = matches!(db, Db::Sqlite(_));
    let (names_sql, columns_sql, refs_sql) = if sqlite {
        (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> $1 ORDER BY name",
            "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name <> $1 ORDER BY m.name, p.cid",
            "SELECT m.name, f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND m.name <> $1",
        )
    } else {
        (
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \
             current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1 ORDER BY 1",
            "SELECT table_name::text, column_name::text, data_type::text FROM \
             information_schema.columns WHERE table_schema = current_schema() AND table_name <> $1 \
             ORDER BY table_name, ordinal_position",
            "SELECT cl.relname::text, rf.relname::text FROM pg_constraint c \
             JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class rf ON rf.oid = c.confrelid \
             WHERE c.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace \
             AND cl.relname <> $1",
        )
    };
    let names: Vec<(String,)> = db.fetch_all(names_sql, args![NOT_PRACTICE_DATA]).await?;
    let columns: Vec<(String, String, String)> =
        db.fetch_all(columns_sql, args![NOT_PRACTICE_DATA]).await?;
    let refs: Vec<(String, String)> = db.fetch_all(refs_sql, args![NOT_PRACTICE_DATA]).await?;
    let mut by_table: BTreeMap<String, Vec<(String, Kind)>> = BTreeMap::new();
    for (table, column, declared) in columns {
        let kind = if sqlite {
            Kind::of_sqlite(&declared)
        } else {
            Kind::of_postgres(&declared)
        }
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "{table}.{column} is of type {declared}, which the export does not carry"
            ))
        })?;
        by_table.entry(table).or_default().push((column, kind));
    }
    let mut after: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (table, target) in &refs {
        let later = LOADED_LAST
            .iter()
            .any(|(t, _, to)| t == table && to == target);
        if table != target && !later {
            after.entry(table).or_default().insert(target);
        }
    }
    let names: Vec<String> = names.into_iter().map(|(n,)| n).collect();
    Ok(in_dependency_order(&names, &after)
        .into_iter()
        .map(|name| Table {
            columns: by_table.remove(&name).unwrap_or_default(),
            name,
        })
        .collect())
}

/// `names` so each comes after those it refers to (alphabetical among equals, so the order is
/// the same on both databases).
fn in_dependency_order(names: &[String], after: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<String> {
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(names.len());
    while out.len() < names.len() {
        let ready = names.iter().find(|n| {
            !placed.contains(n.as_str())
                && after.get(n.as_str()).is_none_or(|deps| {
                    deps.iter()
                        .all(|d| placed.contains(d) || !names.iter().any(|x| x == d))
                })
        });
        // A cycle (none in kapflow's schema): what is left keeps its alphabetical order.
        let next = ready
            .or_else(|| names.iter().find(|n| !placed.contains(n.as_str())))
            .cloned()
            .unwrap_or_default();
        placed.insert(
            names
                .iter()
                .find(|n| **n == next)
                .map_or("", |n| n.as_str()),
        );
        out.push(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_comes_after_what_it_refers_to() {
        let names: Vec<String> = ["audit", "clients", "notes", "users"]
            .map(String::from)
            .into();
        let mut after = BTreeMap::new();
        after.insert("notes", BTreeSet::from(["clients", "users"]));
        after.insert("clients", BTreeSet::from(["users"]));
        assert_eq!(
            in_dependency_order(&names, &after),
            ["audit", "users", "clients", "notes"].map(String::from)
        );
    }
}
