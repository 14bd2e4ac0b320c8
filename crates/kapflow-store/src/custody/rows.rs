//! Custody entries as stored and read: the row with the names a report shows, the insert,
//! and the reads by key, session, client and practice, always in the order logged.

use crate::backend::Db;
use crate::{StoreError, Tx};
use kapflow_domain::audit::ChainHash;
use kapflow_domain::dosing::custody::chain::StoredCustody;
use kapflow_domain::dosing::custody::{CustodyEntry, CustodyKind, NewCustodyEntry};
use kapflow_domain::prescribing::DoseForm;
use kapflow_domain::zone::PracticeZone;
use kapflow_domain::{ClientId, DosingSessionId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One logged entry with who it concerns, who recorded and witnessed it, and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustodyRow {
    pub entry: CustodyEntry,
    pub hash: Vec<u8>,
    pub client_name: String,
    pub recorded_by_name: String,
    pub witness_name: Option<String>,
    /// The session's number within its course.
    pub session_number: i64,
}

/// Every stored column, in [`Raw`]'s order.
macro_rules! custody_columns {
    () => {
        "c.seq, c.id, c.session_id, c.client_id, c.entry_key, c.at, c.recorded_by, c.kind, \
         c.drug, c.dose_form, c.strength_ug, c.count, c.pharmacy, c.rx_number, c.amount_ug, \
         c.held_minutes, c.spat_out, c.disposal, c.witness_id, c.corrects_seq, c.note, \
         c.prev_hash, c.hash"
    };
}
pub(super) use custody_columns;

/// A row as stored, before its names are read.
#[derive(sqlx::FromRow)]
pub(super) struct Raw {
    seq: i64,
    id: Uuid,
    session_id: Uuid,
    client_id: Uuid,
    entry_key: String,
    at: OffsetDateTime,
    recorded_by: Uuid,
    kind: String,
    drug: Option<String>,
    dose_form: Option<String>,
    strength_ug: Option<i64>,
    count: Option<i64>,
    pharmacy: Option<String>,
    rx_number: Option<String>,
    amount_ug: Option<i64>,
    held_minutes: Option<i64>,
    spat_out: Option<String>,
    disposal: Option<String>,
    witness_id: Option<Uuid>,
    corrects_seq: Option<i64>,
    note: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl Raw {
    pub(super) fn seq(&self) -> i64 {
        self.seq
    }

    pub(super) fn id(&self) -> Uuid {
        self.id
    }

    /// The entry with its hashes; `None` when a kind or form name is not one kapflow writes
    /// (only a changed row has one).
    pub(super) fn into_stored(self) -> Option<StoredCustody> {
        let kind = CustodyKind::parse(&self.kind)?;
        let dose_form = match self.dose_form.as_deref() {
            Some(f) => Some(DoseForm::parse(f)?),
            None => None,
        };
        let what = NewCustodyEntry {
            kind,
            drug: self.drug,
            dose_form,
            strength_ug: self.strength_ug,
            count: self.count,
            pharmacy: self.pharmacy,
            rx_number: self.rx_number,
            amount_ug: self.amount_ug,
            held_minutes: self.held_minutes,
            spat_out: self.spat_out,
            disposal: self.disposal,
            witness: self.witness_id.map(UserId::from_uuid),
            corrects_seq: self.corrects_seq,
            note: self.note,
        };
        Some(StoredCustody {
            entry: CustodyEntry {
                seq: self.seq,
                id: self.id,
                session_id: DosingSessionId::from_uuid(self.session_id),
                client_id: ClientId::from_uuid(self.client_id),
                entry_key: self.entry_key,
                at: self.at,
                recorded_by: UserId::from_uuid(self.recorded_by),
                what,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    raw: Raw,
    client_name: String,
    recorded_by_name: String,
    witness_name: Option<String>,
    session_number: i64,
}

impl Listed {
    fn into_row(self) -> Result<CustodyRow, StoreError> {
        let seq = self.raw.seq;
        let stored = self.raw.into_stored().ok_or_else(|| {
            StoreError::Corrupt(format!("custody entry {seq} has an unknown kind or form"))
        })?;
        Ok(CustodyRow {
            entry: stored.entry,
            hash: stored.hash,
            client_name: self.client_name,
            recorded_by_name: self.recorded_by_name,
            witness_name: self.witness_name,
            session_number: self.session_number,
        })
    }
}

/// The listing's SELECT up to its WHERE clause.
macro_rules! listing {
    ($where:literal) => {
        concat!(
            "SELECT ",
            custody_columns!(),
            ", cl.legal_name AS client_name, r.display_name AS recorded_by_name, \
             w.display_name AS witness_name, s.number AS session_number \
             FROM custody_entries c JOIN clients cl ON cl.id = c.client_id \
             JOIN users r ON r.id = c.recorded_by LEFT JOIN users w ON w.id = c.witness_id \
             JOIN dosing_sessions s ON s.id = c.session_id WHERE ",
            $where,
            " ORDER BY c.seq"
        )
    };
}

/// Whose entries a listing reads.
pub(super) enum Scope {
    Session(ClientId, DosingSessionId),
    /// A client's, at or after the first time and before the second.
    Client(ClientId, OffsetDateTime, OffsetDateTime),
    /// Every entry of a client.
    Whole(ClientId),
    Practice(OffsetDateTime, OffsetDateTime),
}

/// The practice's days `from` to `to` (both included) as a half-open range of times.
pub(super) fn days(zone: &PracticeZone, from: Date, to: Date) -> (OffsetDateTime, OffsetDateTime) {
    (zone.day_bounds(from).0, zone.day_bounds(to).1)
}

pub(super) async fn list(db: &Db, scope: Scope) -> Result<Vec<CustodyRow>, StoreError> {
    let rows: Vec<Listed> = match scope {
        Scope::Session(client, session) => {
            db.fetch_all(
                listing!("c.session_id = $1 AND c.client_id = $2"),
                args![session, client],
            )
            .await?
        }
        Scope::Client(client, start, end) => {
            db.fetch_all(
                listing!("c.client_id = $1 AND c.at >= $2 AND c.at < $3"),
                args![client, start, end],
            )
            .await?
        }
        Scope::Whole(client) => {
            db.fetch_all(listing!("c.client_id = $1"), args![client])
                .await?
        }
        Scope::Practice(start, end) => {
            db.fetch_all(listing!("c.at >= $1 AND c.at < $2"), args![start, end])
                .await?
        }
    };
    rows.into_iter().map(Listed::into_row).collect()
}

/// The entry logged on `session` under `key`, if any.
pub(super) async fn by_key(
    tx: &mut Tx,
    session: DosingSessionId,
    key: &str,
) -> Result<Option<CustodyRow>, StoreError> {
    let row: Option<Listed> = tx
        .fetch_optional(
            listing!("c.session_id = $1 AND c.entry_key = $2"),
            args![session, key],
        )
        .await?;
    row.map(Listed::into_row).transpose()
}

pub(super) async fn insert(
    tx: &mut Tx,
    e: &CustodyEntry,
    prev: &ChainHash,
    hash: &ChainHash,
) -> Result<(), StoreError> {
    let w = &e.what;
    tx.exec(
        "INSERT INTO custody_entries (seq, id, session_id, client_id, entry_key, at, \
         recorded_by, kind, drug, dose_form, strength_ug, count, pharmacy, rx_number, \
         amount_ug, held_minutes, spat_out, disposal, witness_id, corrects_seq, note, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21, $22, $23)",
        args![
            e.seq,
            e.id,
            e.session_id,
            e.client_id,
            e.entry_key.as_str(),
            e.at,
            e.recorded_by,
            w.kind.as_str(),
            w.drug.as_deref(),
            w.dose_form,
            w.strength_ug,
            w.count,
            w.pharmacy.as_deref(),
            w.rx_number.as_deref(),
            w.amount_ug,
            w.held_minutes,
            w.spat_out.as_deref(),
            w.disposal.as_deref(),
            w.witness,
            w.corrects_seq,
            w.note.as_str(),
            prev.as_slice(),
            hash.as_slice()
        ],
    )
    .await?;
    Ok(())
}
