//! The two backends behind one `Store`, and the transaction type repositories write through.

use crate::error::StoreError;
use crate::target::DatabaseTarget;
use sqlx::postgres::{PgPoolOptions, Postgres};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Sqlite};
use std::time::Duration;

/// Which database a store runs on (for `check` and operator messages only; never for branching
/// in web code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(crate::sqlite_readers::SqliteDb),
    Pg(PgPool),
}

/// The practice's database. Cheap to clone (it is a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    /// The audit chain's keys (never stored in the database), shared by every clone.
    pub(crate) audit_keys: crate::audit::ChainKeys,
    /// The key second-factor secrets are sealed with (never stored in the database).
    pub(crate) secret_keys: crate::secrets::SealKeys,
    /// The practice settings as last read, shared by every clone (see `settings_snapshot`).
    pub(crate) settings_cache: crate::settings_snapshot::SettingsCache,
}

/// An open write transaction. Dropping it without `commit` rolls it back.
pub struct Tx {
    pub(crate) conn: TxConn,
    /// The store's audit keys, so `audit::append` can key the rows it writes in this
    /// transaction without every caller passing them.
    pub(crate) audit_keys: crate::audit::ChainKeys,
    /// The store's settings snapshot, forgotten when this transaction commits a setting.
    pub(crate) settings_cache: crate::settings_snapshot::SettingsCache,
    /// Whether a setting was written in this transaction.
    pub(crate) settings_changed: bool,
}

/// The open transaction on whichever backend.
pub(crate) enum TxConn {
    /// A write on SQLite's writer connection, committed with whatever queued beside it.
    SqliteWrite(crate::sqlite_writer::Member),
    /// A read transaction on SQLite (pooled connection).
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Pg(sqlx::Transaction<'static, Postgres>),
}

/// SQLite waits this long for the single writer before giving up (at least 5 s, so a burst of writers queues rather than fails).
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Rows sqlx may queue between an SQLite connection's thread and the reader without waiting.
const ROW_BUFFER: usize = 1024;

/// Whether a pooled connection may be used again: not if it still counts an open transaction.
///
/// When SQLite cannot COMMIT (a full disk), it may roll the transaction back by itself; sqlx's
/// ROLLBACK on drop then fails with "no transaction is active" and its transaction count stays
/// at one. Such a connection, back in the pool, refuses every later `BEGIN` with
/// "attempted to call begin_with at non-zero transaction depth" — every write fails until a
/// restart (sqlx issue #3932 is the same family). Closing it instead lets the pool open a fresh
/// one, so writes heal as soon as the disk has room again.
fn clean<C: sqlx::Connection>(conn: &mut C) -> bool {
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("closing a database connection left inside a failed transaction");
    }
    clean
}

impl Store {
    /// Opens the database a target names, with the settings every connection must have.
    /// Does not migrate; call [`Store::migrate`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connect(target: &DatabaseTarget) -> Result<Store, StoreError> {
        let db = match target {
            DatabaseTarget::Sqlite { path, create } => {
                let opts = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(*create)
                    .journal_mode(SqliteJournalMode::Wal)
                    // NORMAL can lose acknowledged commits on power loss.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // sqlx hands rows from the connection's thread to the request through a
                    // bounded channel (50 by default): past that, every further row was a thread
                    // wake-up on each side (the calendar's week reads ~250). A page's rows fit.
                    .row_buffer_size(ROW_BUFFER);
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    // sqlx pings a pooled connection before every checkout; for an embedded
                    // database that is a round trip to the connection's thread that can never
                    // find a peer gone, and it doubled the cost of every standalone read.
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_release(|conn, _| Box::pin(async move { Ok(clean(conn)) }))
                    .before_acquire(|conn, _| Box::pin(async move { Ok(clean(conn)) }))
                    .connect_with(opts)
                    .await?;
                Db::Sqlite(pool.into())
            }
            DatabaseTarget::Postgres { url } => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_release(|conn, _| Box::pin(async move { Ok(clean(conn)) }))
                    .before_acquire(|conn, _| Box::pin(async move { Ok(clean(conn)) }))
                    .connect(url)
                    .await?;
                Db::Pg(pool)
            }
        };
        Ok(Store {
            db,
            audit_keys: Default::default(),
            secret_keys: Default::default(),
            settings_cache: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// Begins a write transaction. On SQLite it is a member of the writer's group (see
    /// `sqlite_writer`): its commit returns once a group commit made it durable.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let conn = match &self.db {
            Db::Sqlite(db) => TxConn::SqliteWrite(db.writer.begin().await?),
            Db::Pg(p) => TxConn::Pg(p.begin().await?),
        };
        Ok(self.tx(conn))
    }

    /// A transaction for reads that belong together (no write lock taken up front on SQLite).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        let conn = match &self.db {
            Db::Sqlite(p) => TxConn::Sqlite(p.begin().await?),
            Db::Pg(p) => TxConn::Pg(p.begin().await?),
        };
        Ok(self.tx(conn))
    }

    fn tx(&self, conn: TxConn) -> Tx {
        Tx {
            conn,
            audit_keys: self.audit_keys.clone(),
            settings_cache: self.settings_cache.clone(),
            settings_changed: false,
        }
    }

    /// Answers whether the database takes a query at all.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.exec("SELECT 1", args![]).await?;
        Ok(())
    }

    /// Closes every pooled connection (graceful shutdown, tests).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(p) => {
                p.writer.close().await;
                p.readers.close().await;
                p.close().await
            }
            Db::Pg(p) => p.close().await,
        }
    }
}

impl Tx {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.conn {
            TxConn::SqliteWrite(m) => m.commit().await?,
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Pg(t) => t.commit().await?,
        }
        if self.settings_changed {
            self.settings_cache.forget();
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.conn {
            TxConn::SqliteWrite(m) => m.rollback().await?,
            TxConn::Sqlite(t) => t.rollback().await?,
            TxConn::Pg(t) => t.rollback().await?,
        }
        Ok(())
    }
}
