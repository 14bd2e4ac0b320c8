//! SQLite's one writer connection, committing the writes that queue up behind each other
//! together (group commit).
//!
//! Why: SQLite takes one writer at a time, and with `synchronous=FULL` every COMMIT waits for
//! an fsync of the log. One commit per write caps a practice at one fsync's worth of writes,
//! however many requests wait. Here every write transaction (a [`Member`]) runs on one
//! connection, inside a savepoint of a transaction the members share (a group). A member that
//! finishes while others wait for the connection releases its savepoint and waits; the last
//! one in line (or the 64th) commits the group, and every member learns the outcome of that
//! one commit. Nothing is acknowledged before it is durable: `commit` returns only after the
//! group's COMMIT did. A member that fails or is dropped rolls back to its own savepoint and
//! takes nobody else's work with it.
//!
//! Members see the writes of earlier members of their group (one connection), which is
//! harmless: if the group fails, all of them fail together, and nobody was told otherwise.
//! Readers on other connections see a group only once it is committed.
//!
//! No crate does this for sqlx's SQLite driver (sqlx commits each transaction alone), so it is
//! written here; sqlx still runs every statement.

use crate::StoreError;
use crate::backend::SQLITE_BUSY_TIMEOUT;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, raw_sql};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// Members committed together at most: bounds how long the first of them waits.
const MAX_MEMBERS: usize = 64;
/// A group older than this commits at the next member's end even while others still wait.
const MAX_AGE: Duration = Duration::from_millis(20);
/// How often a member waiting for its group's commit checks that somebody will make it (a
/// safety net: the member in line normally commits, see [`Writer::settle`]).
const WAIT_CHECK: Duration = Duration::from_millis(200);
/// A temporary table holding the open group's number, rolled back with it: how a member that
/// cannot find its savepoint tells "it was never made" from "SQLite rolled everything back".
const MARK: &str = "kapflow_write_group";

/// The outcome of one group's commit: `None` while it is open.
type Outcome = Option<Result<(), Arc<str>>>;

/// The writer connection and its open group.
pub(crate) struct Writer {
    opts: SqliteConnectOptions,
    state: Arc<Mutex<State>>,
    /// `begin` calls waiting for the connection. While any wait, a finishing member leaves the
    /// group open for them rather than commit it alone.
    queued: AtomicUsize,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

#[derive(Default)]
struct State {
    /// Opened when first needed; dropped after a failed commit, so a fresh one heals the rest.
    conn: Option<SqliteConnection>,
    group: Option<Group>,
    /// A member's savepoint may still be open: a member was dropped or cancelled before it
    /// finished. The next one to hold the connection rolls it back first.
    member_open: bool,
    /// A BEGIN may have run without finishing (cancelled): roll back whatever it began.
    beginning: bool,
    /// Numbers groups on this connection (see [`MARK`]).
    next_group: u64,
    /// Closed: refuses new members (shutdown, tests).
    closed: bool,
}

struct Group {
    number: u64,
    started: Instant,
    /// Members whose savepoints were released into the group and who wait for its commit.
    members: usize,
    done: watch::Sender<Outcome>,
}

/// One write transaction: a savepoint inside the open group, on the writer connection.
/// Dropping it without `commit` rolls it back (by the next one to hold the connection).
pub(crate) struct Member {
    guard: Option<OwnedMutexGuard<State>>,
    writer: Arc<Writer>,
}

impl Writer {
    pub(crate) fn new(opts: SqliteConnectOptions) -> Writer {
        Writer {
            opts,
            state: Arc::new(Mutex::new(State::default())),
            queued: AtomicUsize::new(0),
        }
    }

    /// Begins a write transaction, waiting (up to SQLite's busy timeout) for the connection.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<Member, StoreError> {
        let mut guard = self.wait_in_line().await?;
        match self.start_member(&mut guard).await {
            Ok(()) => Ok(Member {
                guard: Some(guard),
                writer: self.clone(),
            }),
            Err(e) => {
                self.hand_back(guard);
                Err(e)
            }
        }
    }

    /// Closes the connection and refuses new members.
    pub(crate) async fn close(&self) {
        let mut st = self.state.lock().await;
        st.closed = true;
        heal(&mut st).await;
        if st.group.is_some() {
            commit_group(&mut st).await;
        }
        if let Some(conn) = st.conn.take() {
            use sqlx::Connection;
            // Closing lets SQLite checkpoint; a failure here leaves nothing to do.
            let _ = conn.close().await;
        }
    }

    /// The connection, counted as waiting while waiting.
    async fn wait_in_line(self: &Arc<Self>) -> Result<OwnedMutexGuard<State>, StoreError> {
        /// Counts a waiter out however the wait ends. One that gives up without the
        /// connection may have been the one its group was left open for: then the group is
        /// committed for it.
        struct InLine<'a> {
            writer: &'a Arc<Writer>,
            served: bool,
        }
        impl Drop for InLine<'_> {
            fn drop(&mut self) {
                let last = self.writer.queued.fetch_sub(1, Ordering::AcqRel) == 1;
                if last && !self.served {
                    self.writer.clone().settle_later(None);
                }
            }
        }
        self.queued.fetch_add(1, Ordering::AcqRel);
        let mut in_line = InLine {
            writer: self,
            served: false,
        };
        let guard = tokio::time::timeout(SQLITE_BUSY_TIMEOUT, self.state.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Unavailable("the database is busy".into()))?;
        in_line.served = true;
        drop(in_line);
        if guard.closed {
            return Err(StoreError::from(sqlx::Error::PoolClosed));
        }
        Ok(guard)
    }

    /// Opens the connection if needed, then the group if none is open, then a savepoint.
    async fn start_member(&self, st: &mut State) -> Result<(), StoreError> {
        heal(st).await;
        if st.conn.is_none() {
            let mut conn = self.opts.connect().await?;
            raw_sql(AssertSqlSafe(format!(
                "CREATE TEMP TABLE IF NOT EXISTS {MARK} (number INTEGER NOT NULL)"
            )))
            .execute(&mut conn)
            .await?;
            st.conn = Some(conn);
        }
        let Some(conn) = st.conn.as_mut() else {
            return Err(StoreError::from(sqlx::Error::PoolClosed));
        };
        st.member_open = true;
        if st.group.is_some() {
            if let Err(e) = raw_sql("SAVEPOINT member").execute(&mut *conn).await {
                let e = StoreError::from(e);
                fail_group(st, &e).await;
                return Err(e);
            }
            return Ok(());
        }
        let number = st.next_group;
        st.next_group += 1;
        st.beginning = true;
        // BEGIN IMMEDIATE: take the write lock now, so a member that reads and then writes
        // cannot fail halfway with "database is locked" (which would bypass busy_timeout).
        raw_sql(AssertSqlSafe(format!(
            "BEGIN IMMEDIATE; DELETE FROM temp.{MARK}; \
             INSERT INTO temp.{MARK} (number) VALUES ({number}); SAVEPOINT member"
        )))
        .execute(&mut *conn)
        .await?;
        st.beginning = false;
        st.group = Some(Group {
            number,
            started: Instant::now(),
            members: 0,
            done: watch::Sender::new(None),
        });
        Ok(())
    }

    /// Gives the connection back after a member ended without waiting for the group (rolled
    /// back, failed, dropped): if nobody is in line, the group must commit now.
    fn hand_back(self: &Arc<Self>, guard: OwnedMutexGuard<State>) {
        if self.queued.load(Ordering::Acquire) == 0 && (guard.group.is_some() || guard.member_open)
        {
            spawn_or_drop(settle(guard));
        }
    }

    /// Commits the open group in a task of its own if nobody is in line for the connection
    /// (or `only` names a group that is still open): the last resort that makes sure a
    /// group left open for a waiter who gave up is committed.
    fn settle_later(self: Arc<Self>, only: Option<u64>) {
        spawn_or_drop(async move {
            let guard = self.state.clone().lock_owned().await;
            let mine = match (only, &guard.group) {
                (Some(n), Some(g)) => g.number == n,
                (None, _) => self.queued.load(Ordering::Acquire) == 0,
                (Some(_), None) => false,
            };
            if mine {
                settle(guard).await;
            }
        });
    }
}

/// Rolls back what an unfinished member or BEGIN left behind.
async fn heal(st: &mut State) {
    let Some(conn) = st.conn.as_mut() else {
        st.beginning = false;
        st.member_open = false;
        return;
    };
    if st.beginning {
        // Nobody else can be in a group that was still beginning.
        let _ = raw_sql("ROLLBACK").execute(&mut *conn).await;
        st.beginning = false;
        st.member_open = false;
        st.group = None;
        return;
    }
    if !st.member_open {
        return;
    }
    st.member_open = false;
    let undone = raw_sql("ROLLBACK TO member; RELEASE member")
        .execute(&mut *conn)
        .await;
    let Err(e) = undone else { return };
    // The savepoint may never have been made (a member cancelled while making it); then the
    // group is intact. Anything else, or a group SQLite rolled back by itself, fails it.
    let never_made = e.to_string().contains("no such savepoint");
    if !(never_made && group_alive(st).await) {
        fail_group(st, &StoreError::from(e)).await;
    }
}

/// Whether the open group's transaction still exists (SQLite rolls a transaction back by
/// itself on some errors, such as a full disk).
async fn group_alive(st: &mut State) -> bool {
    let (Some(conn), Some(group)) = (st.conn.as_mut(), st.group.as_ref()) else {
        return false;
    };
    let sql = AssertSqlSafe(format!("SELECT number FROM temp.{MARK}"));
    matches!(
        sqlx::query_scalar::<_, i64>(sql).fetch_optional(&mut *conn).await,
        Ok(Some(n)) if u64::try_from(n).ok() == Some(group.number)
    )
}

/// Commits the open group (healing first) and tells its members.
async fn settle(mut guard: OwnedMutexGuard<State>) {
    heal(&mut guard).await;
    if guard.group.is_some() {
        commit_group(&mut guard).await;
    }
}

/// COMMITs the open group; on failure rolls it back and drops the connection, so a fresh one
/// serves the next member (the failure may have left this one in a state nobody can see).
async fn commit_group(st: &mut State) {
    let Some(group) = st.group.take() else {
        return;
    };
    let outcome = match st.conn.as_mut() {
        Some(conn) => raw_sql("COMMIT")
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(|e| Arc::from(StoreError::from(e).to_string())),
        None => Err(Arc::from("the database connection was lost")),
    };
    if outcome.is_err() {
        rollback_all(st).await;
    }
    group.done.send_replace(Some(outcome));
}

/// Fails the open group: every member waiting for it hears `why`.
async fn fail_group(st: &mut State, why: &StoreError) {
    rollback_all(st).await;
    if let Some(group) = st.group.take() {
        group
            .done
            .send_replace(Some(Err(Arc::from(why.to_string()))));
    }
}

async fn rollback_all(st: &mut State) {
    if let Some(mut conn) = st.conn.take() {
        let _ = raw_sql("ROLLBACK").execute(&mut conn).await;
    }
    st.member_open = false;
    st.beginning = false;
}

/// Runs `task` on the runtime if there is one (a drop outside it has nobody to finish for).
fn spawn_or_drop<F: std::future::Future<Output = ()> + Send + 'static>(task: F) {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(task);
    }
}

impl Member {
    pub(crate) fn conn(&mut self) -> Result<&mut SqliteConnection, StoreError> {
        self.guard
            .as_mut()
            .and_then(|g| g.conn.as_mut())
            .ok_or_else(|| StoreError::from(sqlx::Error::PoolClosed))
    }

    /// Makes this member's writes durable: returns once the group holding them committed.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        let Some(mut guard) = self.guard.take() else {
            return Err(StoreError::from(sqlx::Error::PoolClosed));
        };
        let writer = self.writer.clone();
        let Some(group) = guard.group.as_ref() else {
            return Err(StoreError::Unavailable("the write was rolled back".into()));
        };
        let mut done = group.done.subscribe();
        let number = group.number;
        let now = writer.queued.load(Ordering::Acquire) == 0
            || group.members + 1 >= MAX_MEMBERS
            || group.started.elapsed() >= MAX_AGE;
        if now {
            // COMMIT covers this member's savepoint. In a task of its own, so the commit and
            // what it tells the members cannot be cut off halfway by this request going away.
            guard.member_open = false;
            spawn_or_drop(async move {
                commit_group(&mut guard).await;
            });
        } else {
            let released = match guard.conn.as_mut() {
                Some(conn) => raw_sql("RELEASE member").execute(&mut *conn).await,
                None => Err(sqlx::Error::PoolClosed),
            };
            if let Err(e) = released {
                let e = StoreError::from(e);
                fail_group(&mut guard, &e).await;
                writer.hand_back(guard);
                return Err(e);
            }
            guard.member_open = false;
            if let Some(g) = guard.group.as_mut() {
                g.members += 1;
            }
            writer.hand_back(guard);
        }
        loop {
            match tokio::time::timeout(WAIT_CHECK, done.wait_for(Option::is_some)).await {
                Ok(Ok(outcome)) => {
                    return match outcome.as_ref() {
                        Some(Ok(())) => Ok(()),
                        Some(Err(why)) => Err(StoreError::Unavailable(why.to_string())),
                        None => Err(StoreError::Unavailable("no outcome".into())),
                    };
                }
                Ok(Err(_)) => {
                    return Err(StoreError::Unavailable(
                        "the write's outcome is unknown".into(),
                    ));
                }
                Err(_) => writer.clone().settle_later(Some(number)),
            }
        }
    }

    /// Undoes this member's writes; the group and its other members carry on.
    pub(crate) async fn rollback(mut self) -> Result<(), StoreError> {
        let Some(mut guard) = self.guard.take() else {
            return Ok(());
        };
        heal(&mut guard).await;
        self.writer.hand_back(guard);
        Ok(())
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take() {
            // Still open (`member_open`): the next holder rolls it back.
            self.writer.hand_back(guard);
        }
    }
}
