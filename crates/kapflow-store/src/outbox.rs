//! The outbox: notifications and alerts written with what caused them, delivered at least once.
//!
//! Workers lease due rows for a while; a worker that dies loses its lease and another instance
//! (or the same one after a restart) delivers the row. PostgreSQL leases with
//! `FOR UPDATE SKIP LOCKED` so instances never wait on each other; SQLite has one writer.

use crate::backend::{Db, Tx};
use crate::{Store, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: Uuid,
    pub kind: String,
    /// JSON; never PHI beyond what delivery needs (ids, not names).
    pub payload: String,
    pub attempts: i32,
}

/// Adds a message inside the caller's transaction.
pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    payload: &str,
    now: OffsetDateTime,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO outbox (id, kind, payload, created_at, available_at) VALUES ($1, $2, $3, $4, $4)"
    ).bind(id).bind(kind).bind(payload).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(id)
}

const LEASE_SQLITE: &str = "UPDATE outbox SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND available_at <= $3 \
     AND (locked_until IS NULL OR locked_until <= $3) ORDER BY available_at, id LIMIT $4) \
     RETURNING id, kind, payload, attempts";
const LEASE_PG: &str = "UPDATE outbox SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND available_at <= $3 \
     AND (locked_until IS NULL OR locked_until <= $3) ORDER BY available_at, id LIMIT $4 \
     FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, payload, attempts";

impl Store {
    /// Leases up to `limit` due messages to `worker` for `lease`.
    pub async fn lease_outbox(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let until = now + lease;
        let items = match &self.db {
            Db::Sqlite(p) => {
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let items = sqlx::query_as(LEASE_SQLITE)
                    .bind(until)
                    .bind(worker)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                items
            }
            Db::Pg(p) => {
                sqlx::query_as(LEASE_PG)
                    .bind(until)
                    .bind(worker)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(p)
                    .await?
            }
        };
        Ok(items)
    }

    /// Marks a leased message delivered and drops its payload (it may hold a link, a secret
    /// that has no business staying at rest); false if the lease was lost to another worker.
    pub async fn outbox_delivered(
        &self,
        id: Uuid,
        worker: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let r = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE outbox SET delivered_at = $1, locked_until = NULL, payload = '{}' \
             WHERE id = $2 AND locked_by = $3 AND delivered_at IS NULL"
        ).bind(now).bind(id).bind(worker).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(r == 1)
    }

    /// Records a failed delivery and when to try again.
    pub async fn outbox_failed(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        retry_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE outbox SET last_error = $1, available_at = $2, locked_until = NULL \
             WHERE id = $3 AND locked_by = $4 AND delivered_at IS NULL"
        ).bind(error).bind(retry_at).bind(id).bind(worker).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// How many messages wait for delivery (for `/metrics` and tests).
    pub async fn outbox_pending(&self) -> Result<i64, StoreError> {
        Ok(on_db!(self, c => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL"
        ).fetch_one(c).await)?)
    }
}
