//! The medication custody log (docs/domain.md §6): append-only, hash-chained over the whole
//! practice like the audit trail, one entry at a time per monitor key. Each entry is checked
//! against the session's state and, for a dose or booster, the prescription
//! (`kapflow_domain::dosing::custody::dose`), and writes its audit row, naming its number and
//! hash, in the same transaction, so the keyed audit trail vouches for the custody chain.
//! [`Custody::verify`] walks both (see `verify.rs`).

mod rows;
mod verify;

use crate::settings::keys;
use crate::{ClinicalAccess, StoreError, Tx, audit};
use kapflow_domain::audit::{ChainHash, GENESIS_HASH};
use kapflow_domain::dosing::custody::chain::audit_reason;
use kapflow_domain::dosing::custody::dose::{DoseAllowance, DoseRefused, Taken, check_dose};
use kapflow_domain::dosing::custody::{CustodyEntry, CustodyKind, NewCustodyEntry};
use kapflow_domain::dosing::session::Status;
use kapflow_domain::time_util::truncate_to_micros;
use kapflow_domain::{Actor, AuditOutcome, ClientId, DosingSessionId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub use rows::CustodyRow;

crate::topic!(
    /// The medication custody log.
    Custody
);

/// Serialises appends on PostgreSQL so two transactions never chain onto the same entry (and
/// a key is looked up and claimed under it). SQLite's IMMEDIATE transactions have one writer.
/// An arbitrary, fixed key, other than the audit trail's.
const CUSTODY_CHAIN_LOCK: i64 = 0x6b61_7066_6c6f_7702;

/// Why an entry was not logged, in a clinician's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustodyRefused {
    /// No such session for this client (or no signed-in person): shown as 404.
    NotFound,
    /// The session's state does not take this kind of entry now.
    NotNow {
        kind: CustodyKind,
        status: Status,
    },
    /// The session has no prescription to measure a dose against.
    NoPrescription,
    DoseRefused(DoseRefused),
    /// The practice requires a witness for what is taken and spat out.
    WitnessRequired,
    /// The witness is not another active staff member.
    WitnessNotStaff,
    /// A correction names an entry that does not exist for this client.
    CorrectsUnknown,
    /// More handed back than was brought.
    ReturnedMoreThanBrought {
        brought: i64,
        returned: i64,
    },
}

impl CustodyRefused {
    pub fn message(&self) -> String {
        match self {
            CustodyRefused::NotFound => "That dosing session does not exist.".into(),
            CustodyRefused::NotNow { status, .. } if *status == Status::Cancelled => {
                "This session was cancelled: nothing more is logged on it.".into()
            }
            CustodyRefused::NotNow { kind, .. } => match kind {
                CustodyKind::Brought => {
                    "The medication brought is logged before or during the session.".into()
                }
                CustodyKind::Dose | CustodyKind::Booster => {
                    "A dose or booster is logged only while the session is open.".into()
                }
                _ => "This is logged once the session has started.".into(),
            },
            CustodyRefused::NoPrescription => {
                "This session has no prescription to give a dose from.".into()
            }
            CustodyRefused::DoseRefused(d) => d.message(),
            CustodyRefused::WitnessRequired => {
                "The practice requires a witness for a dose or booster: choose who watched.".into()
            }
            CustodyRefused::WitnessNotStaff => {
                "The witness must be another member of staff than the person recording.".into()
            }
            CustodyRefused::CorrectsUnknown => {
                "There is no entry with that number in this client's custody log.".into()
            }
            CustodyRefused::ReturnedMoreThanBrought { brought, returned } => format!(
                "That would hand back {returned} in all, but {brought} were logged as brought."
            ),
        }
    }

    /// The form field the refusal belongs beside, if one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CustodyRefused::DoseRefused(_) => Some("amount_mg"),
            CustodyRefused::WitnessRequired | CustodyRefused::WitnessNotStaff => Some("witness"),
            CustodyRefused::CorrectsUnknown => Some("corrects"),
            CustodyRefused::ReturnedMoreThanBrought { .. } => Some("count"),
            _ => None,
        }
    }
}

/// The session an entry goes on, read under the chain's lock.
#[derive(sqlx::FromRow)]
struct SessionFacts {
    status: String,
    prescription_id: Option<Uuid>,
}

/// On PostgreSQL, takes the custody chain's lock for the rest of the transaction.
async fn lock_chain(tx: &mut Tx) -> Result<(), StoreError> {
    if let crate::backend::TxConn::Pg(_) = tx.conn {
        tx.exec(
            "SELECT pg_advisory_xact_lock($1)",
            args![CUSTODY_CHAIN_LOCK],
        )
        .await?;
    }
    Ok(())
}

/// The next sequence number and the hash it chains onto.
async fn tail(tx: &mut Tx) -> Result<(i64, ChainHash), StoreError> {
    let last: Option<(i64, Vec<u8>)> = tx
        .fetch_optional(
            "SELECT seq, hash FROM custody_entries ORDER BY seq DESC LIMIT 1",
            args![],
        )
        .await?;
    match last {
        None => Ok((1, GENESIS_HASH)),
        Some((seq, hash)) => {
            let prev = ChainHash::try_from(hash).map_err(|_| {
                StoreError::Corrupt(format!("custody entry {seq} has a malformed hash"))
            })?;
            Ok((seq + 1, prev))
        }
    }
}

/// The session's earlier entries: kind, amount (doses, boosters) and count (brought,
/// returned), in the order logged.
async fn earlier(
    tx: &mut Tx,
    session: DosingSessionId,
) -> Result<Vec<(String, Option<i64>, Option<i64>)>, StoreError> {
    tx.fetch_all(
        "SELECT kind, amount_ug, count FROM custody_entries WHERE session_id = $1 ORDER BY seq",
        args![session],
    )
    .await
}

impl Custody<'_> {
    /// Logs `entry` on `session` under the monitor's `key` at `now`. The same key again
    /// answers with the entry first logged under it and writes nothing.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record(
        &self,
        access: &ClinicalAccess,
        session: DosingSessionId,
        key: &str,
        entry: &NewCustodyEntry,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<CustodyRow, CustodyRefused>, StoreError> {
        let client = access.client();
        let Some((by, _)) = actor.user else {
            return Ok(Err(CustodyRefused::NotFound));
        };
        // Hashed before it is stored: only what both databases keep.
        let now = truncate_to_micros(now);
        let mut tx = self.store.begin().await?;
        lock_chain(&mut tx).await?;
        let facts: Option<SessionFacts> = tx
            .fetch_optional(
                "SELECT status, prescription_id FROM dosing_sessions WHERE id = $1 AND \
                 client_id = $2",
                args![session, client],
            )
            .await?;
        let Some(facts) = facts else {
            return Ok(Err(CustodyRefused::NotFound));
        };
        if let Some(first) = rows::by_key(&mut tx, session, key).await? {
            return Ok(Ok(first));
        }
        let status = Status::parse(&facts.status).ok_or_else(|| {
            StoreError::Corrupt(format!("dosing session {session} has an unknown status"))
        })?;
        if let Err(refused) = check(&mut tx, client, session, &facts, status, entry, by).await? {
            let mut e = actor
                .entry("custody.refused", now)
                .record("dosing_session", session)
                .client(client);
            e.outcome = AuditOutcome::Denied;
            e.reason = Some(format!("{}: {}", entry.kind.as_str(), refused.message()));
            audit::append(&mut tx, &e).await?;
            tx.commit().await?;
            return Ok(Err(refused));
        }
        let (seq, prev) = tail(&mut tx).await?;
        let logged = CustodyEntry {
            seq,
            id: Uuid::now_v7(),
            session_id: session,
            client_id: client,
            entry_key: key.to_owned(),
            at: now,
            recorded_by: by,
            what: entry.clone(),
        };
        let hash = logged.chain_hash(&prev);
        rows::insert(&mut tx, &logged, &prev, &hash).await?;
        if entry.kind == CustodyKind::Dose {
            // The first dose is the monitor timeline's zero.
            tx.exec(
                "UPDATE dosing_sessions SET dosed_at = COALESCE(dosed_at, $1) WHERE id = $2",
                args![now, session],
            )
            .await?;
        }
        audit::append(
            &mut tx,
            &actor
                .entry("custody.recorded", now)
                .record("custody", seq)
                .client(client)
                .because(audit_reason(seq, entry.kind, &hash)),
        )
        .await?;
        let row = rows::by_key(&mut tx, session, key)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a custody entry just logged is gone".into()))?;
        tx.commit().await?;
        Ok(Ok(row))
    }

    /// A session's entries, in the order they were logged.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn for_session(
        &self,
        access: &ClinicalAccess,
        session: DosingSessionId,
    ) -> Result<Vec<CustodyRow>, StoreError> {
        rows::list(
            &self.store.db,
            rows::Scope::Session(access.client(), session),
        )
        .await
    }

    /// A client's entries logged on the practice's days `from` to `to` (both included), in order.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn for_client(
        &self,
        access: &ClinicalAccess,
        from: Date,
        to: Date,
    ) -> Result<Vec<CustodyRow>, StoreError> {
        let zone = self.store.settings().snapshot().await?.zone().clone();
        let (start, end) = rows::days(&zone, from, to);
        rows::list(
            &self.store.db,
            rows::Scope::Client(access.client(), start, end),
        )
        .await
    }

    /// Every entry of the client, in order (the whole record, for its export).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn of_client(&self, access: &ClinicalAccess) -> Result<Vec<CustodyRow>, StoreError> {
        rows::list(&self.store.db, rows::Scope::Whole(access.client())).await
    }

    /// Every entry of the practice logged on the practice's days `from` to `to` (both included), in
    /// order: the owner's report (the route is the owner's only).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn for_practice(&self, from: Date, to: Date) -> Result<Vec<CustodyRow>, StoreError> {
        let zone = self.store.settings().snapshot().await?.zone().clone();
        let (start, end) = rows::days(&zone, from, to);
        rows::list(&self.store.db, rows::Scope::Practice(start, end)).await
    }
}

/// Every rule an entry must meet besides its form: the session's state, the witness, the
/// prescription for what is taken, the count brought for what is handed back, the entry a
/// correction names.
async fn check(
    tx: &mut Tx,
    client: ClientId,
    session: DosingSessionId,
    facts: &SessionFacts,
    status: Status,
    entry: &NewCustodyEntry,
    by: UserId,
) -> Result<Result<(), CustodyRefused>, StoreError> {
    let kind = entry.kind;
    if !kind.allowed_while(status) {
        return Ok(Err(CustodyRefused::NotNow { kind, status }));
    }
    match entry.witness {
        Some(w) if w == by => return Ok(Err(CustodyRefused::WitnessNotStaff)),
        Some(w) => {
            let staff: bool = tx
                .scalar(
                    "SELECT COUNT(*) > 0 FROM users WHERE id = $1 AND role <> 'client' AND \
                     disabled_at IS NULL",
                    args![w],
                )
                .await?;
            if !staff {
                return Ok(Err(CustodyRefused::WitnessNotStaff));
            }
        }
        None if kind.is_taken() => {
            let required: Option<String> = tx
                .scalar_optional(
                    "SELECT value FROM practice_settings WHERE key = $1",
                    args![keys::CUSTODY_WITNESS_REQUIRED],
                )
                .await?;
            if required.as_deref().map(str::trim) == Some("true") {
                return Ok(Err(CustodyRefused::WitnessRequired));
            }
        }
        None => {}
    }
    match kind {
        CustodyKind::Dose | CustodyKind::Booster => {
            let Some(rx) = facts.prescription_id else {
                return Ok(Err(CustodyRefused::NoPrescription));
            };
            let allowance: Option<(Option<i64>, i64, bool, Option<i64>)> = tx
                .fetch_optional(
                    "SELECT dose_ug, strength_mg, split_allowed, booster_ug FROM prescriptions \
                     WHERE id = $1",
                    args![rx],
                )
                .await?;
            let Some((dose_ug, strength_mg, split_allowed, booster_ug)) = allowance else {
                return Ok(Err(CustodyRefused::NoPrescription));
            };
            let allowance = DoseAllowance {
                dose_ug: dose_ug.unwrap_or(strength_mg.saturating_mul(1000)),
                split_allowed,
                booster_ug,
            };
            let taken: Vec<Taken> = earlier(tx, session)
                .await?
                .into_iter()
                .filter_map(|(k, amount, _)| {
                    let kind = CustodyKind::parse(&k).filter(|k| k.is_taken())?;
                    Some(Taken {
                        kind,
                        amount_ug: amount.unwrap_or(0),
                    })
                })
                .collect();
            let new = Taken {
                kind,
                amount_ug: entry.amount_ug.unwrap_or(0),
            };
            Ok(check_dose(&allowance, &taken, new).map_err(CustodyRefused::DoseRefused))
        }
        CustodyKind::Returned => {
            let (mut brought, mut returned) = (0i64, entry.count.unwrap_or(0));
            for (k, _, count) in earlier(tx, session).await? {
                match CustodyKind::parse(&k) {
                    Some(CustodyKind::Brought) => brought += count.unwrap_or(0),
                    Some(CustodyKind::Returned) => returned += count.unwrap_or(0),
                    _ => {}
                }
            }
            Ok(if returned > brought {
                Err(CustodyRefused::ReturnedMoreThanBrought { brought, returned })
            } else {
                Ok(())
            })
        }
        CustodyKind::Correction => {
            let known: bool = tx
                .scalar(
                    "SELECT COUNT(*) > 0 FROM custody_entries WHERE seq = $1 AND client_id = $2",
                    args![entry.corrects_seq, client],
                )
                .await?;
            Ok(if known {
                Ok(())
            } else {
                Err(CustodyRefused::CorrectsUnknown)
            })
        }
        CustodyKind::Brought | CustodyKind::Attested => Ok(Ok(())),
    }
}
