//! Appending to and reading the hash-chained audit trail.

use crate::StoreError;
use crate::backend::Tx;
use kapflow_domain::audit::{ChainBreak, ChainHash, GENESIS_HASH, verify_chain_from};
use kapflow_domain::{AuditEntry, AuditId, AuditOutcome, Role, SessionId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// The hash-chained audit trail.
    Audit
);

/// Serialises appends on PostgreSQL so two transactions never chain onto the same row.
/// (SQLite's IMMEDIATE transactions already have one writer.) An arbitrary, fixed key.
const AUDIT_CHAIN_LOCK: i64 = 0x6b61_7066_6c6f_7701;

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    seq: i64,
    id: Uuid,
    at: OffsetDateTime,
    actor_user_id: Option<Uuid>,
    actor_role: Option<String>,
    session_id: Option<Uuid>,
    ip: Option<String>,
    action: String,
    record_kind: Option<String>,
    record_id: Option<String>,
    client_id: Option<String>,
    outcome: String,
    reason: Option<String>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl AuditRow {
    /// The entry as stored. Unknown role or outcome names are kept visible as a broken row by
    /// mapping them to values that cannot hash to the stored hash.
    fn into_parts(self) -> (i64, AuditEntry, Vec<u8>, Vec<u8>) {
        let mut reason = self.reason;
        let role = self.actor_role.as_deref().map(|r| {
            Role::parse(r).unwrap_or_else(|| {
                reason = Some(format!("<unreadable role {r}>"));
                Role::Client
            })
        });
        let outcome = AuditOutcome::parse(&self.outcome).unwrap_or_else(|| {
            reason = Some(format!("<unreadable outcome {}>", self.outcome));
            AuditOutcome::Failure
        });
        let entry = AuditEntry {
            id: AuditId::from_uuid(self.id),
            at: self.at,
            actor_user_id: self.actor_user_id.map(UserId::from_uuid),
            actor_role: role,
            session_id: self.session_id.map(SessionId::from_uuid),
            ip: self.ip,
            action: self.action,
            record_kind: self.record_kind,
            record_id: self.record_id,
            client_id: self.client_id,
            outcome,
            reason,
        };
        (self.seq, entry, self.prev_hash, self.hash)
    }
}

/// One stored audit row, for viewers.
#[derive(Debug, Clone)]
pub struct StoredAudit {
    pub seq: i64,
    pub entry: AuditEntry,
}

/// Appends `entry` inside `tx`; returns its sequence number. If this fails the caller's whole
/// transaction fails: an unaudited change cannot be committed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn append(tx: &mut Tx, entry: &AuditEntry) -> Result<i64, StoreError> {
    let (seq, prev) = tail(tx).await?;
    insert(tx, entry, seq, &prev).await?;
    Ok(seq)
}

/// One audited change that may find nothing to change: runs `sql`; when it changed a row,
/// appends `entry` and commits. False, with nothing written, when no row matched (dropping
/// `tx` rolls it back).
pub(crate) async fn change(
    mut tx: Tx,
    sql: &'static str,
    args: &[crate::sql::Arg<'_>],
    entry: &AuditEntry,
) -> Result<bool, StoreError> {
    if tx.exec(sql, args).await? == 0 {
        return Ok(false);
    }
    append(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(true)
}

/// Appends `entries` in order inside `tx`, reading the chain's end once.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn append_all(tx: &mut Tx, entries: &[AuditEntry]) -> Result<(), StoreError> {
    let (mut seq, mut prev) = tail(tx).await?;
    for entry in entries {
        prev = insert(tx, entry, seq, &prev).await?;
        seq += 1;
    }
    Ok(())
}

/// The next sequence number and the hash it chains onto. On PostgreSQL this takes the chain's
/// lock for the rest of the transaction, so no other writer chains onto the same row.
async fn tail(tx: &mut Tx) -> Result<(i64, ChainHash), StoreError> {
    if let Tx::Pg(_) = tx {
        tx.exec("SELECT pg_advisory_xact_lock($1)", args![AUDIT_CHAIN_LOCK])
            .await?;
    }
    let last: Option<(i64, Vec<u8>)> = tx
        .fetch_optional(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            args![],
        )
        .await?;
    Ok(match last {
        Some((seq, hash)) => {
            let prev: [u8; 32] = hash.try_into().map_err(|_| {
                StoreError::Corrupt(format!("audit row {seq} has a malformed hash"))
            })?;
            (seq + 1, prev)
        }
        None => (1, GENESIS_HASH),
    })
}

/// Writes one row at `seq` after `prev`; returns its hash.
async fn insert(
    tx: &mut Tx,
    entry: &AuditEntry,
    seq: i64,
    prev: &ChainHash,
) -> Result<ChainHash, StoreError> {
    let hash = entry.chain_hash(seq, prev);
    tx.exec(
        "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_role, session_id, ip, \
             action, record_kind, record_id, client_id, outcome, reason, prev_hash, hash) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        args![
            seq,
            entry.id,
            entry.at,
            entry.actor_user_id,
            entry.actor_role,
            entry.session_id,
            entry.ip.as_deref(),
            entry.action.as_str(),
            entry.record_kind.as_deref(),
            entry.record_id.as_deref(),
            entry.client_id.as_deref(),
            entry.outcome.as_str(),
            entry.reason.as_deref(),
            prev.as_slice(),
            hash.as_slice()
        ],
    )
    .await?;
    Ok(hash)
}

/// Rows fetched per query while walking the chain, so a long trail never sits in memory whole.
const VERIFY_PAGE: i64 = 2_000;

impl Audit<'_> {
    /// Records an event that changes nothing else (a read, a denial, a failed login) in its own
    /// transaction. Returns only once the row is committed: a read is audited before it is shown.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        append(&mut tx, entry).await?;
        tx.commit().await
    }

    /// Appends several entries in one transaction (one commit, one fsync): the read-audit
    /// batcher's path. All or none are stored.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_many(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        append_all(&mut tx, entries).await?;
        tx.commit().await
    }

    /// The most recent rows, newest first (the owner's viewer grows filters in the identity issue).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn recent(&self, limit: i64) -> Result<Vec<StoredAudit>, StoreError> {
        const SQL: &str = "SELECT seq, id, at, actor_user_id, actor_role, session_id, ip, action, \
             record_kind, record_id, client_id, outcome, reason, prev_hash, hash FROM audit_log \
             ORDER BY seq DESC LIMIT $1";
        let rows: Vec<AuditRow> = self.store.db.fetch_all(SQL, args![limit]).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let (seq, entry, _, _) = r.into_parts();
                StoredAudit { seq, entry }
            })
            .collect())
    }

    /// Walks the whole chain; `Ok(n)` when all `n` rows verify, else the first broken row.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify_chain(&self) -> Result<Result<u64, ChainBreak>, StoreError> {
        const SQL: &str = "SELECT seq, id, at, actor_user_id, actor_role, session_id, ip, action, \
             record_kind, record_id, client_id, outcome, reason, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2";
        let mut after = 0i64;
        let mut prev = GENESIS_HASH;
        let mut total = 0u64;
        loop {
            let rows: Vec<AuditRow> = self
                .store
                .db
                .fetch_all(SQL, args![after, VERIFY_PAGE])
                .await?;
            if rows.is_empty() {
                return Ok(Ok(total));
            }
            let parts: Vec<_> = rows.into_iter().map(AuditRow::into_parts).collect();
            after = parts.last().map(|p| p.0).unwrap_or(after);
            match verify_chain_from(prev, parts) {
                Ok((n, last)) => {
                    total += n;
                    prev = last;
                }
                Err(b) => return Ok(Err(b)),
            }
        }
    }
}

/// The owner's audit viewer filters; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub client_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<OffsetDateTime>,
    /// Exclusive.
    pub until: Option<OffsetDateTime>,
    /// Rows before this sequence number (keyset pagination, newest first).
    pub before_seq: Option<i64>,
}

/// An audit row with the acting account's address, for display and export.
#[derive(Debug, Clone)]
pub struct AuditListing {
    pub seq: i64,
    pub entry: AuditEntry,
    pub actor_email: Option<String>,
}

impl Audit<'_> {
    /// Rows matching `filter`, newest first, at most `limit`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn query(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditListing>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            row: AuditRow,
            actor_email: Option<String>,
        }
        // One static statement: each filter is "parameter is NULL or matches".
        const SQL: &str = "SELECT a.seq, a.id, a.at, a.actor_user_id, a.actor_role, a.session_id, a.ip, a.action, \
             a.record_kind, a.record_id, a.client_id, a.outcome, a.reason, a.prev_hash, a.hash, u.email AS actor_email \
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id \
             WHERE ($1 IS NULL OR a.actor_user_id = $1) AND ($2 IS NULL OR a.client_id = $2) \
             AND ($3 IS NULL OR a.action = $3) AND ($4 IS NULL OR a.at >= $4) AND ($5 IS NULL OR a.at < $5) \
             AND ($6 IS NULL OR a.seq < $6) ORDER BY a.seq DESC LIMIT $7";
        let rows: Vec<Row> = self
            .store
            .db
            .fetch_all(
                SQL,
                args![
                    filter.actor,
                    filter.client_id.as_deref(),
                    filter.action.as_deref(),
                    filter.from,
                    filter.until,
                    filter.before_seq,
                    limit
                ],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let (seq, entry, _, _) = r.row.into_parts();
                AuditListing {
                    seq,
                    entry,
                    actor_email: r.actor_email,
                }
            })
            .collect())
    }
}
