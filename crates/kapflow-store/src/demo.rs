//! Demo practices (`kapflow demo-data`): the marker that tells a practice of invented people
//! from a real one, and a loading connection that does not wait for the disk at every commit.
//!
//! The marker is three practice settings written when a load ends: the seed and how many
//! clients and inquiries demo-data has made. A practice holding more than that holds records
//! someone else made, and demo-data refuses it.
//!
//! The loader is a second handle on the same database, with the same audit keys, whose commits
//! are not synced (SQLite `synchronous=OFF`, PostgreSQL `synchronous_commit=off`): every write
//! still goes through the store's own transactions, audit rows and hash chains, but thousands
//! of commits no longer cost an fsync each. A crash of the machine during a load can lose or
//! damage the database being loaded, which is a throwaway demo; [`Demo::finish_load`] makes
//! everything durable before the load reports success.

use crate::backend::Db;
use crate::{Store, StoreError, audit, settings};
use kapflow_domain::Actor;
use sqlx::SqlitePool;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqlitePoolOptions, SqliteSynchronous};
use time::OffsetDateTime;

/// The marker's settings.
pub mod keys {
    /// The seed of the latest load.
    pub const SEED: &str = "demo.seed";
    /// How many clients demo-data has made in this practice, over every load.
    pub const CLIENTS: &str = "demo.clients";
    /// How many inquiries it has made (those that became clients included).
    pub const INQUIRIES: &str = "demo.inquiries";
}

crate::topic!(
    /// Demo practices: the marker and the loader.
    Demo
);

impl Store {
    /// The store's demo-practice topic.
    pub fn demo(&self) -> Demo<'_> {
        Demo { store: self }
    }
}

/// What the practice holds, and how much of it demo-data made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Holdings {
    pub clients: i64,
    pub inquiries: i64,
    /// Clients demo-data made (0 when the practice was never loaded).
    pub demo_clients: i64,
    /// Inquiries demo-data made (those that became clients included).
    pub demo_inquiries: i64,
}

impl Holdings {
    /// Clients someone other than demo-data made.
    pub fn real_clients(&self) -> i64 {
        (self.clients - self.demo_clients).max(0)
    }

    /// Inquiries someone other than demo-data made (through the public site, say).
    pub fn real_inquiries(&self) -> i64 {
        (self.inquiries - self.demo_inquiries).max(0)
    }
}

/// The handle `Db::Sqlite` keeps for a pool, whatever `backend` makes it (the pool itself, or
/// the pool with its readers).
fn sqlite_handle<T: From<SqlitePool>>(pool: SqlitePool) -> T {
    T::from(pool)
}

/// One of the marker's counts (0 when absent or unreadable).
async fn marker_count(tx: &mut crate::Tx, key: &str) -> Result<i64, StoreError> {
    let v: Option<String> = tx
        .scalar_optional(
            "SELECT value FROM practice_settings WHERE key = $1",
            args![key],
        )
        .await?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

impl Demo<'_> {
    /// How many clients and inquiries the practice holds, and the marker's counts.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn holdings(&self) -> Result<Holdings, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let clients: i64 = tx.scalar("SELECT COUNT(*) FROM clients", args![]).await?;
        let inquiries: i64 = tx.scalar("SELECT COUNT(*) FROM inquiries", args![]).await?;
        let demo_clients = marker_count(&mut tx, keys::CLIENTS).await?;
        let demo_inquiries = marker_count(&mut tx, keys::INQUIRIES).await?;
        tx.rollback().await?;
        Ok(Holdings {
            clients,
            inquiries,
            demo_clients,
            demo_inquiries,
        })
    }

    /// A second handle on this database for a bulk load: one connection whose commits are not
    /// synced, the same audit keys. Close it, then call [`Demo::finish_load`] on this store.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn loader(&self) -> Result<Store, StoreError> {
        let db = match &self.store.db {
            Db::Sqlite(pool) => {
                let opts = (*pool.connect_options())
                    .clone()
                    .synchronous(SqliteSynchronous::Off);
                // SQLite has one writer: a second connection would only wait for it.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    // An embedded database's connection cannot go away: no ping per use.
                    .test_before_acquire(false)
                    .connect_with(opts)
                    .await?;
                Db::Sqlite(sqlite_handle(pool))
            }
            Db::Pg(pool) => {
                let opts = (*pool.connect_options())
                    .clone()
                    .options([("synchronous_commit", "off")]);
                // Two: a store call that reads beside its open transaction must not wait forever.
                Db::Pg(
                    PgPoolOptions::new()
                        .max_connections(2)
                        .connect_with(opts)
                        .await?,
                )
            }
        };
        // Everything else (the audit keys above all) is shared with this store.
        Ok(Store {
            db,
            ..self.store.clone()
        })
    }

    /// Ends a load: makes what the loader wrote durable (SQLite: a checkpoint through this
    /// store's synced connection copies the log into the database file and syncs both;
    /// PostgreSQL: this transaction's synced commit flushes the log up to and past the load),
    /// then records the marker with its audit row.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn finish_load(
        &self,
        seed: u64,
        made: Holdings,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if let Db::Sqlite(_) = &self.store.db {
            self.store
                .db
                .exec("PRAGMA wal_checkpoint(TRUNCATE)", args![])
                .await?;
        }
        let before = self.holdings().await?;
        let mut tx = self.store.begin().await?;
        let clients = before.demo_clients + made.clients;
        let inquiries = before.demo_inquiries + made.inquiries;
        settings::put(&mut tx, keys::SEED, &seed.to_string(), now).await?;
        settings::put(&mut tx, keys::CLIENTS, &clients.to_string(), now).await?;
        settings::put(&mut tx, keys::INQUIRIES, &inquiries.to_string(), now).await?;
        audit::append(
            &mut tx,
            &actor.entry("demo.loaded", now).because(format!(
                "invented demo data, seed {seed}: {} clients and {} inquiries",
                made.clients, made.inquiries
            )),
        )
        .await?;
        tx.commit().await
    }
}
