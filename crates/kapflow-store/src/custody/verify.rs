//! Walks the custody chain in pages, and beside it the audit rows that vouch for each entry.
//!
//! The custody chain is plain SHA-256, so someone with the database could rewrite an entry
//! and re-hash everything after it. Each entry's audit row (same transaction, keyed chain)
//! names the entry's number and hash, so a rewritten entry no longer matches its audit row,
//! and entries cut from the end are still named by theirs. Audit rows of custody entries are
//! in the same order as the entries: a writer holds the custody chain's lock from before it
//! reads the chain's end until it commits, its audit row included.

use super::Custody;
use super::rows::{Raw, custody_columns};
use crate::StoreError;
use kapflow_domain::dosing::custody::chain::{CustodyBreak, CustodyVerifier, parse_audit_reason};
use std::collections::VecDeque;

/// Rows read per query, so a long log never sits in memory whole.
const PAGE: i64 = 1_000;

/// The next audit rows of custody entries, read a page at a time.
struct AuditSide {
    after: i64,
    buffered: VecDeque<(i64, Option<String>, Option<String>)>,
    done: bool,
}

impl AuditSide {
    async fn next(
        &mut self,
        c: &Custody<'_>,
    ) -> Result<Option<(Option<String>, Option<String>)>, StoreError> {
        if self.buffered.is_empty() && !self.done {
            let page: Vec<(i64, Option<String>, Option<String>)> = c
                .store
                .db
                .fetch_all(
                    "SELECT seq, record_id, reason FROM audit_log WHERE action = \
                     'custody.recorded' AND seq > $1 ORDER BY seq LIMIT $2",
                    args![self.after, PAGE],
                )
                .await?;
            self.done = (page.len() as i64) < PAGE;
            if let Some((seq, _, _)) = page.last() {
                self.after = *seq;
            }
            self.buffered.extend(page);
        }
        Ok(self
            .buffered
            .pop_front()
            .map(|(_, id, reason)| (id, reason)))
    }
}

impl Custody<'_> {
    /// Walks the whole log: `Ok(n)` when all `n` entries verify and each matches its audit
    /// row, else the first entry that does not (or the first missing one).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify(&self) -> Result<Result<u64, CustodyBreak>, StoreError> {
        const SQL: &str = concat!(
            "SELECT ",
            custody_columns!(),
            " FROM custody_entries c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2"
        );
        let mut chain = CustodyVerifier::default();
        let mut audit = AuditSide {
            after: 0,
            buffered: VecDeque::new(),
            done: false,
        };
        let mut after = 0i64;
        loop {
            let rows: Vec<Raw> = self.store.db.fetch_all(SQL, args![after, PAGE]).await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.seq();
            for raw in rows {
                let (seq, id) = (raw.seq(), raw.id());
                let broken = |problem| CustodyBreak {
                    seq,
                    id: Some(id),
                    problem,
                };
                let Some(stored) = raw.into_stored() else {
                    return Ok(Err(broken(
                        "has a kind or form kapflow never writes (the entry was changed)",
                    )));
                };
                if let Err(b) = chain.push(&stored) {
                    return Ok(Err(b));
                }
                let vouched = match audit.next(self).await? {
                    Some((record, reason)) => {
                        record.as_deref() == Some(seq.to_string().as_str())
                            && reason
                                .as_deref()
                                .and_then(parse_audit_reason)
                                .is_some_and(|(s, h)| s == seq && h == stored.hash)
                    }
                    None => {
                        return Ok(Err(broken(
                            "has no audit row (it was added outside kapflow)",
                        )));
                    }
                };
                if !vouched {
                    return Ok(Err(broken(
                        "does not match the hash the audit trail recorded for it (the log was rewritten)",
                    )));
                }
            }
        }
        // Audit rows left over name entries that are gone.
        if let Some((record, _)) = audit.next(self).await? {
            let seq = record.and_then(|r| r.parse().ok()).unwrap_or(after + 1);
            return Ok(Err(CustodyBreak {
                seq,
                id: None,
                problem: "is missing: the audit trail recorded it (entries were removed from the end)",
            }));
        }
        Ok(Ok(chain.verified()))
    }
}
