//! Appending to and reading the keyed, hash-chained audit trail.
//!
//! The keys live outside the database: the binary reads them from the data directory or the
//! environment (`audit_files`) and hands them to the store with [`Audit::use_keys`]; every
//! transaction carries them, so `append` keys each row without its callers knowing. A store
//! given no key (other crates' tests) writes the plain SHA-256 rows kapflow wrote before the
//! chain was keyed, and refuses to append to a chain that is already keyed.

use crate::StoreError;
use crate::backend::{Tx, TxConn};
use kapflow_domain::audit::{
    AuditKey, AuditKeyring, ChainBreak, ChainHash, ChainVerifier, GENESIS_HASH, StoredLink,
};
use kapflow_domain::audit_checkpoint::{Checkpoint, CheckpointEvent};
use kapflow_domain::{AuditEntry, AuditId, AuditOutcome, Role, SessionId, UserId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, PoisonError, RwLock};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// The hash-chained audit trail.
    Audit
);

/// Serialises appends on PostgreSQL so two transactions never chain onto the same row.
/// (SQLite's IMMEDIATE transactions already have one writer.) An arbitrary, fixed key.
const AUDIT_CHAIN_LOCK: i64 = 0x6b61_7066_6c6f_7701;

/// Reads the keys again: called when the chain turns out to be keyed with a newer generation
/// than this process holds (`kapflow audit rotate-key` ran while it was serving).
pub type KeyReload = Arc<dyn Fn() -> Result<AuditKeyring, String> + Send + Sync>;

/// The keys a store hashes and verifies with, shared by its clones and its transactions.
#[derive(Clone, Default)]
pub(crate) struct ChainKeys(Arc<KeysInner>);

#[derive(Default)]
struct KeysInner {
    ring: RwLock<Arc<AuditKeyring>>,
    reload: RwLock<Option<KeyReload>>,
}

/// Names the generations held, never a secret.
impl std::fmt::Debug for ChainKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainKeys")
            .field("generations", &self.ring().generations())
            .finish()
    }
}

impl ChainKeys {
    fn ring(&self) -> Arc<AuditKeyring> {
        // A poisoned lock only means a panic elsewhere while swapping an Arc: the value is whole.
        self.0
            .ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, ring: AuditKeyring) {
        *self.0.ring.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(ring);
    }

    /// The key to hash a row with that follows a row hashed with generation `tail` (`None`: an
    /// empty chain or a row from before the key). Never an older generation than the tail's.
    fn for_append(&self, tail: Option<u32>) -> Result<Option<AuditKey>, StoreError> {
        let ring = self.ring();
        let current = ring.current().cloned();
        let Some(newest) = tail else {
            return Ok(current);
        };
        if current.as_ref().is_some_and(|k| k.generation() >= newest) {
            return Ok(current);
        }
        let reload = self
            .0
            .reload
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(reload) = reload {
            match reload() {
                Ok(ring) => {
                    let key = ring.current().cloned();
                    if key.as_ref().is_some_and(|k| k.generation() >= newest) {
                        tracing::info!(
                            generation = newest,
                            "audit key rotated elsewhere: using the new key"
                        );
                        self.set(ring);
                        return Ok(key);
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read the audit keys again"),
            }
        }
        Err(StoreError::AuditKey(match current {
            Some(k) => format!(
                "the audit trail is keyed with key generation {newest} and this process has only up to generation {}; restart it with the current key",
                k.generation()
            ),
            None => "the audit trail is keyed and this process has no audit key".to_owned(),
        }))
    }
}

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
    key_gen: Option<i64>,
}

/// Every column of a row, in [`AuditRow`]'s order.
macro_rules! audit_columns {
    () => {
        "seq, id, at, actor_user_id, actor_role, session_id, ip, action, record_kind, record_id, \
         client_id, outcome, reason, prev_hash, hash, key_gen"
    };
}

impl AuditRow {
    /// The row as stored. Unknown role or outcome names are kept visible as a broken row by
    /// mapping them to values that cannot hash to the stored hash.
    fn into_link(self) -> StoredLink {
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
        StoredLink {
            seq: self.seq,
            entry,
            key_gen: self.key_gen,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
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
    let tail = tail(tx).await?;
    let key = tx.audit_keys.for_append(tail.generation)?;
    insert(tx, entry, tail.seq, &tail.prev, key.as_ref()).await?;
    Ok(tail.seq)
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
    let tail = tail(tx).await?;
    let key = tx.audit_keys.for_append(tail.generation)?;
    let (mut seq, mut prev) = (tail.seq, tail.prev);
    for entry in entries {
        prev = insert(tx, entry, seq, &prev, key.as_ref()).await?;
        seq += 1;
    }
    Ok(())
}

/// Where the next row goes.
struct Tail {
    /// The next sequence number.
    seq: i64,
    /// The hash it chains onto.
    prev: ChainHash,
    /// The key generation of the row before it, if that row is keyed.
    generation: Option<u32>,
}

/// On PostgreSQL, takes the chain's lock for the rest of the transaction, so no other writer
/// chains onto the same row.
async fn lock_chain(tx: &mut Tx) -> Result<(), StoreError> {
    if let TxConn::Pg(_) = tx.conn {
        tx.exec("SELECT pg_advisory_xact_lock($1)", args![AUDIT_CHAIN_LOCK])
            .await?;
    }
    Ok(())
}

/// The end of the chain, under the chain's lock.
async fn tail(tx: &mut Tx) -> Result<Tail, StoreError> {
    lock_chain(tx).await?;
    let last: Option<(i64, Vec<u8>, Option<i64>)> = tx
        .fetch_optional(
            "SELECT seq, hash, key_gen FROM audit_log ORDER BY seq DESC LIMIT 1",
            args![],
        )
        .await?;
    Ok(match last {
        Some((seq, hash, key_gen)) => {
            let prev: [u8; 32] = hash.try_into().map_err(|_| {
                StoreError::Corrupt(format!("audit row {seq} has a malformed hash"))
            })?;
            let generation = key_gen
                .map(|g| {
                    u32::try_from(g).map_err(|_| {
                        StoreError::Corrupt(format!(
                            "audit row {seq} has a malformed key generation"
                        ))
                    })
                })
                .transpose()?;
            Tail {
                seq: seq + 1,
                prev,
                generation,
            }
        }
        None => Tail {
            seq: 1,
            prev: GENESIS_HASH,
            generation: None,
        },
    })
}

/// Writes one row at `seq` after `prev`, keyed with `key` (plain SHA-256 without one); returns
/// its hash.
async fn insert(
    tx: &mut Tx,
    entry: &AuditEntry,
    seq: i64,
    prev: &ChainHash,
    key: Option<&AuditKey>,
) -> Result<ChainHash, StoreError> {
    let hash = match key {
        Some(k) => entry.keyed_hash(seq, prev, k),
        None => entry.chain_hash(seq, prev),
    };
    tx.exec(
        "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_role, session_id, ip, \
             action, record_kind, record_id, client_id, outcome, reason, prev_hash, hash, \
             key_gen) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
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
            hash.as_slice(),
            key.map(AuditKey::generation)
        ],
    )
    .await?;
    Ok(hash)
}

/// Rows fetched per query while walking the chain, so a long trail never sits in memory whole.
const VERIFY_PAGE: i64 = 2_000;

/// The whole chain walked once: whether it verifies, where it ends, and the stored hashes of the
/// rows asked for (those checkpoints name), read even past a break.
#[derive(Debug, Clone)]
pub struct ChainWalk {
    /// Rows verified, or the first broken row.
    pub verified: Result<u64, ChainBreak>,
    /// Rows at the start hashed before the chain was keyed (plain SHA-256).
    pub unkeyed: u64,
    /// The last sequence number (0 for an empty chain).
    pub head_seq: i64,
    /// Stored hash by sequence number, for the rows asked for that exist.
    pub stored: BTreeMap<i64, Vec<u8>>,
}

/// What [`Audit::adopt_key`] found at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAdoption {
    /// The store has no key: rows stay plain SHA-256 (only other crates' tests run so).
    NoKey,
    /// No rows yet: the first one will be keyed.
    Empty,
    /// Already keyed, and the newest row verifies with this process's key of its generation.
    Keyed { generation: u32 },
    /// The trail had only rows from before the key; `audit.chain_keyed` was appended at `seq`,
    /// and rows `1..seq` stay plain SHA-256.
    Adopted { seq: i64 },
}

impl Audit<'_> {
    /// Hashes new rows with `ring`'s newest key and verifies with all of them. `reload` reads
    /// the keys again when another process rotated them (see [`KeyReload`]).
    pub fn use_keys(&self, ring: AuditKeyring, reload: Option<KeyReload>) {
        let keys = &self.store.audit_keys;
        keys.set(ring);
        *keys
            .0
            .reload
            .write()
            .unwrap_or_else(PoisonError::into_inner) = reload;
    }

    /// The keys in use (none for a store that was given none).
    pub fn keys(&self) -> Arc<AuditKeyring> {
        self.store.audit_keys.ring()
    }

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
        const SQL: &str = concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log ORDER BY seq DESC LIMIT $1"
        );
        let rows: Vec<AuditRow> = self.store.db.fetch_all(SQL, args![limit]).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let link = r.into_link();
                StoredAudit {
                    seq: link.seq,
                    entry: link.entry,
                }
            })
            .collect())
    }

    /// The client's successful acts on records of the kinds `kinds`, oldest first: the
    /// record's provenance (a read is audited under the route it used, not under a record of
    /// these kinds, and a refusal changed nothing). Kinds left out are never read, so the
    /// caller decides which kinds of record may be disclosed.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn changes_to_records(
        &self,
        access: &crate::ClinicalAccess,
        kinds: &[&str],
    ) -> Result<Vec<StoredAudit>, StoreError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        // Placeholders only: every value is bound.
        let places: Vec<String> = (2..kinds.len() + 2).map(|n| format!("${n}")).collect();
        let sql = format!(
            concat!(
                "SELECT ",
                audit_columns!(),
                " FROM audit_log WHERE client_id = $1 AND outcome = 'success' AND record_kind \
                 IN ({}) ORDER BY seq"
            ),
            places.join(", ")
        );
        let mut args = vec![crate::sql::Arg::from(access.client().to_string())];
        args.extend(kinds.iter().map(|k| crate::sql::Arg::from(*k)));
        let rows: Vec<AuditRow> = self
            .store
            .db
            .fetch_all(sqlx::AssertSqlSafe(sql), &args)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let link = r.into_link();
                StoredAudit {
                    seq: link.seq,
                    entry: link.entry,
                }
            })
            .collect())
    }

    /// Walks the whole chain; `Ok(n)` when all `n` rows verify, else the first broken row.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify_chain(&self) -> Result<Result<u64, ChainBreak>, StoreError> {
        Ok(self.walk(&BTreeSet::new()).await?.verified)
    }

    /// Walks the whole chain in pages, verifying it with this store's keys and keeping the
    /// stored hashes of the rows in `wanted`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn walk(&self, wanted: &BTreeSet<i64>) -> Result<ChainWalk, StoreError> {
        const SQL: &str = concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        );
        let keys = self.keys();
        let mut verifier = ChainVerifier::new(&keys);
        let mut broken = None;
        let mut head_seq = 0i64;
        let mut stored = BTreeMap::new();
        loop {
            let rows: Vec<AuditRow> = self
                .store
                .db
                .fetch_all(SQL, args![head_seq, VERIFY_PAGE])
                .await?;
            if rows.is_empty() {
                break;
            }
            for link in rows.into_iter().map(AuditRow::into_link) {
                if broken.is_none() {
                    broken = verifier.push(&link).err();
                }
                if wanted.contains(&link.seq) {
                    stored.insert(link.seq, link.hash);
                }
                head_seq = link.seq;
            }
        }
        Ok(ChainWalk {
            verified: broken.map_or(Ok(verifier.verified()), Err),
            unkeyed: verifier.unkeyed(),
            head_seq,
            stored,
        })
    }

    /// The newest row's sequence number and stored hash.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn head(&self) -> Result<Option<(i64, ChainHash)>, StoreError> {
        let last: Option<(i64, Vec<u8>)> = self
            .store
            .db
            .fetch_optional(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                args![],
            )
            .await?;
        last.map(|(seq, hash)| {
            let hash = ChainHash::try_from(hash).map_err(|_| {
                StoreError::Corrupt(format!("audit row {seq} has a malformed hash"))
            })?;
            Ok((seq, hash))
        })
        .transpose()
    }

    /// The key generation of the newest keyed row, if any row is keyed: the binary will not
    /// make a fresh key for a trail that already has one (it would never verify).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn newest_key_generation(&self) -> Result<Option<i64>, StoreError> {
        self.store
            .db
            .scalar_optional(
                "SELECT key_gen FROM audit_log WHERE key_gen IS NOT NULL ORDER BY seq DESC LIMIT 1",
                args![],
            )
            .await
    }

    /// A checkpoint of the chain's head now, signed with the current key, and its line for the
    /// checkpoint file; `None` without a key.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn checkpoint(
        &self,
        event: CheckpointEvent,
        at: OffsetDateTime,
    ) -> Result<Option<(Checkpoint, String)>, StoreError> {
        let keys = self.keys();
        let Some(key) = keys.current() else {
            return Ok(None);
        };
        let (seq, head) = self.head().await?.unwrap_or((0, GENESIS_HASH));
        let checkpoint = Checkpoint::new(seq, head, at, event, key);
        let line = checkpoint.signed_line(key);
        Ok(Some((checkpoint, line)))
    }

    /// At start, with the keys installed: makes sure the chain is keyed from here on.
    ///
    /// Migration path for trails written before the key existed (chosen over re-hashing, which
    /// an append-only table cannot do and which would destroy the evidence): those rows keep
    /// their plain SHA-256 hashes and a key generation of NULL, and the first start with a key
    /// appends an `audit.chain_keyed` row, keyed, that chains onto them. The verifier accepts
    /// plain rows only before the first keyed row, and the start checkpoint signs the head
    /// right after it, so rewriting the old rows later breaks the link into that checkpoint.
    ///
    /// A trail that is already keyed has its newest row checked against this process's key, so
    /// an instance started with a different key (several instances on one PostgreSQL need the
    /// same one) refuses to start instead of writing rows nobody can verify.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn adopt_key(&self, now: OffsetDateTime) -> Result<KeyAdoption, StoreError> {
        const SQL: &str = concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log ORDER BY seq DESC LIMIT 1"
        );
        let keys = self.keys();
        let Some(current) = keys.current() else {
            return Ok(KeyAdoption::NoKey);
        };
        // Under the chain's lock, so two instances starting at once add one `chain_keyed` row.
        let mut tx = self.store.begin().await?;
        lock_chain(&mut tx).await?;
        let last = tx.fetch_optional::<AuditRow>(SQL, args![]).await?;
        let Some(last) = last.map(AuditRow::into_link) else {
            tx.rollback().await?;
            return Ok(KeyAdoption::Empty);
        };
        let Some(generation) = last.key_gen else {
            let entry = AuditEntry::system("audit.chain_keyed", now).because(format!(
                "rows 1..{} were hashed without a key, before kapflow keyed its audit trail; \
                 from this row on every row is keyed (key generation {})",
                last.seq,
                current.generation()
            ));
            let seq = append(&mut tx, &entry).await?;
            tx.commit().await?;
            return Ok(KeyAdoption::Adopted { seq });
        };
        // Nothing to write: the rest only reads the row already fetched.
        tx.rollback().await?;
        let known = u32::try_from(generation)
            .ok()
            .and_then(|g| keys.get(g).map(|k| (g, k)));
        let Some((generation, key)) = known else {
            return Err(StoreError::AuditKey(format!(
                "the newest audit row ({}) is hashed with key generation {generation}, which this \
                 process does not have: restore the key file or set KAPFLOW_AUDIT_KEY",
                last.seq
            )));
        };
        let prev = ChainHash::try_from(last.prev_hash.clone()).unwrap_or(GENESIS_HASH);
        if last.entry.keyed_hash(last.seq, &prev, key).as_slice() != last.hash.as_slice() {
            return Err(StoreError::AuditKey(format!(
                "the newest audit row ({}) does not verify with this process's audit key of \
                 generation {generation}: either another instance on this database uses a \
                 different key (every instance needs the same key), or the row was changed; run \
                 `kapflow check`",
                last.seq
            )));
        }
        Ok(KeyAdoption::Keyed { generation })
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
             a.record_kind, a.record_id, a.client_id, a.outcome, a.reason, a.prev_hash, a.hash, a.key_gen, \
             u.email AS actor_email \
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
                let link = r.row.into_link();
                AuditListing {
                    seq: link.seq,
                    entry: link.entry,
                    actor_email: r.actor_email,
                }
            })
            .collect())
    }
}
