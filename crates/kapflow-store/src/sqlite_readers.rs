//! Connections for the SQLite reads that stand alone, checked out without sqlx's pool.
//!
//! Why not the pool: sqlx's pool (0.9) pings every connection when it comes back, in a task it
//! spawns for the purpose (`PoolConnection::return_to_pool`), and by default once more before
//! it goes out. On an embedded database a ping is a round trip to the connection's worker
//! thread that can never find a peer gone; profiled, the pings doubled the round trips of a
//! client page (each read that stands alone is one checkout) and added a task per read. Here
//! the connections are a stack behind a semaphore: a checkout pops one (opening it the first
//! time it is needed), and the guard pushes it back when dropped. A connection whose statement
//! failed is closed instead of returned, so whatever broke it is not handed to the next reader.
//! Writes go to the writer (`sqlite_writer`), read transactions to the pool, and only
//! statements that read are sent here
//! (see [`reads_only`]).

use crate::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, SqlitePool};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How many connections serve standalone reads (besides the pool's). Each is a thread and a
/// page cache; four keep both cores busy while the pool's connections write.
pub(crate) const READERS: usize = 4;

/// The SQLite database: the writer for writes (see `sqlite_writer`), the readers for reads
/// that stand alone, the pool for read transactions and maintenance.
#[derive(Clone, Debug)]
pub(crate) struct SqliteDb {
    pool: SqlitePool,
    pub(crate) readers: Arc<Readers>,
    pub(crate) writer: Arc<crate::sqlite_writer::Writer>,
}

impl SqliteDb {
    /// Readers and the writer open with the pool's own options, so they share its pragmas.
    pub(crate) fn new(pool: SqlitePool) -> SqliteDb {
        let opts = (*pool.connect_options()).clone();
        SqliteDb {
            pool,
            readers: Arc::new(Readers::new(opts.clone(), READERS)),
            writer: Arc::new(crate::sqlite_writer::Writer::new(opts)),
        }
    }
}

impl From<SqlitePool> for SqliteDb {
    fn from(pool: SqlitePool) -> SqliteDb {
        SqliteDb::new(pool)
    }
}

impl std::ops::Deref for SqliteDb {
    type Target = SqlitePool;
    fn deref(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Idle reader connections, at most `max` in existence.
pub(crate) struct Readers {
    opts: SqliteConnectOptions,
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Semaphore,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Readers")
    }
}

impl Readers {
    fn new(opts: SqliteConnectOptions, max: usize) -> Readers {
        Readers {
            opts,
            idle: Mutex::new(Vec::with_capacity(max)),
            permits: Semaphore::new(max),
        }
    }

    /// A connection of its own until the guard is dropped.
    pub(crate) async fn get(&self) -> Result<Reader<'_>, StoreError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::from(sqlx::Error::PoolClosed))?;
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(c) => c,
            None => self.opts.connect().await?,
        };
        Ok(Reader {
            conn: Some(conn),
            readers: self,
            _permit: permit,
        })
    }

    /// Closes the idle connections and refuses new checkouts (shutdown, tests).
    pub(crate) async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for conn in idle {
            // Closing lets SQLite checkpoint; a failure here leaves nothing to do.
            let _ = conn.close().await;
        }
    }
}

/// A checked-out reader connection; back on the stack when dropped.
pub(crate) struct Reader<'a> {
    conn: Option<SqliteConnection>,
    readers: &'a Readers,
    _permit: SemaphorePermit<'a>,
}

impl Reader<'_> {
    pub(crate) fn conn(&mut self) -> Result<&mut SqliteConnection, StoreError> {
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::from(sqlx::Error::PoolClosed))
    }

    /// Drops the connection instead of returning it (after a failed statement).
    pub(crate) fn discard(&mut self) {
        self.conn = None;
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.readers.permits.is_closed() {
                return;
            }
            self.readers
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
        }
    }
}

/// Whether a statement outside a transaction must not run inside one (a pragma, a VACUUM):
/// it goes to the pool rather than into the writer's group.
pub(crate) fn outside_transactions(sql: &str) -> bool {
    let head = sql.trim_start().as_bytes();
    let starts =
        |word: &[u8]| head.len() >= word.len() && head[..word.len()].eq_ignore_ascii_case(word);
    starts(b"PRAGMA") || starts(b"VACUUM")
}

/// Whether a statement only reads (a `SELECT`, or a `WITH` that selects), so it may run on a
/// reader. Anything else — `INSERT … RETURNING` through a read call — goes to the writer
/// (a pragma to the pool), which is always correct, only slower.
pub(crate) fn reads_only(sql: &str) -> bool {
    let head = sql.trim_start().as_bytes();
    let starts =
        |word: &[u8]| head.len() >= word.len() && head[..word.len()].eq_ignore_ascii_case(word);
    if starts(b"SELECT") {
        return true;
    }
    // A CTE may end in a write; only a plain SELECT-only CTE counts.
    starts(b"WITH") && {
        let upper = sql.to_ascii_uppercase();
        !["INSERT", "UPDATE", "DELETE", "REPLACE"]
            .iter()
            .any(|w| upper.contains(w))
    }
}

#[cfg(test)]
mod tests {
    use super::reads_only;

    #[test]
    fn only_reading_statements_go_to_the_readers() {
        assert!(reads_only("SELECT 1"));
        assert!(reads_only("  select id FROM clients"));
        assert!(reads_only("WITH x AS (SELECT 1) SELECT * FROM x"));
        assert!(!reads_only("WITH x AS (SELECT 1) UPDATE t SET a = 1"));
        assert!(!reads_only("INSERT INTO t VALUES (1) RETURNING id"));
        assert!(!reads_only("UPDATE t SET a = 1 RETURNING a"));
        assert!(!reads_only("PRAGMA wal_checkpoint(TRUNCATE)"));
        assert!(!reads_only("DELETE FROM t RETURNING id"));
    }
}
