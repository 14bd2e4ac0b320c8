//! The audit trail's rows and their hash chain.
//!
//! Each row's hash covers every field of the row and the previous row's hash, so changing,
//! deleting or reordering any row breaks the chain from that row on; `kapflow check` walks it.

use crate::{AuditId, Role, SessionId, UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The hash of one audit row (SHA-256).
pub type ChainHash = [u8; 32];

/// The chain starts from all zeroes.
pub const GENESIS_HASH: ChainHash = [0; 32];

crate::named_enum! {
    /// How an audited action ended.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AuditOutcome {
        Success = "success", "Success";
        /// The caller was not allowed to do it.
        Denied = "denied", "Denied";
        /// The caller was allowed, but it failed (wrong password, refused gate, ...).
        Failure = "failure", "Failure";
    }
}

/// One audit row as the application composes it (the database adds the sequence number).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuditEntry {
    pub id: AuditId,
    /// UTC, microsecond precision (see `time_util::now_utc`).
    pub at: OffsetDateTime,
    pub actor_user_id: Option<UserId>,
    pub actor_role: Option<Role>,
    pub session_id: Option<SessionId>,
    pub ip: Option<String>,
    /// A stable dotted name such as `setup.owner_created` or `client.view`.
    pub action: String,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    /// The client the record belongs to, where there is one.
    pub client_id: Option<String>,
    pub outcome: AuditOutcome,
    /// Why: a refusal's reason, a break-glass justification. Never PHI beyond what the
    /// clinician typed as the reason.
    pub reason: Option<String>,
}

impl AuditEntry {
    /// A successful action by nobody in particular (the system, a CLI operator).
    pub fn system(action: &str, at: OffsetDateTime) -> Self {
        AuditEntry {
            id: AuditId::new(),
            at,
            actor_user_id: None,
            actor_role: None,
            session_id: None,
            ip: None,
            action: action.to_owned(),
            record_kind: None,
            record_id: None,
            client_id: None,
            outcome: AuditOutcome::Success,
            reason: None,
        }
    }

    pub fn record(mut self, kind: &str, id: impl ToString) -> Self {
        self.record_kind = Some(kind.to_owned());
        self.record_id = Some(id.to_string());
        self
    }

    /// The client whose record the action touched, so a client's access history is one query.
    pub fn client(mut self, id: impl ToString) -> Self {
        self.client_id = Some(id.to_string());
        self
    }

    pub fn actor(mut self, user: UserId, role: Role) -> Self {
        self.actor_user_id = Some(user);
        self.actor_role = Some(role);
        self
    }

    /// Why, or the detail that says what changed (no PHI: ids, versions, stage names).
    pub fn because(mut self, reason: impl Into<Option<String>>) -> Self {
        self.reason = reason.into();
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    pub fn outcome(mut self, outcome: AuditOutcome, reason: Option<&str>) -> Self {
        self.outcome = outcome;
        self.reason = reason.map(str::to_owned);
        self
    }

    /// The hash of this row at position `seq` following a row whose hash was `prev`.
    ///
    /// Every field is length-prefixed, so no two different rows serialise alike.
    pub fn chain_hash(&self, seq: i64, prev: &ChainHash) -> ChainHash {
        let mut h = Sha256::new();
        h.update(b"kapflow-audit-v1");
        h.update(prev);
        h.update(seq.to_be_bytes());
        let at = self.at.format(&Rfc3339).unwrap_or_default();
        let opt = |o: Option<String>| o.unwrap_or_default();
        let fields: [(bool, String); 12] = [
            (true, self.id.to_string()),
            (true, at),
            (
                self.actor_user_id.is_some(),
                opt(self.actor_user_id.map(|u| u.to_string())),
            ),
            (
                self.actor_role.is_some(),
                opt(self.actor_role.map(|r| r.as_str().to_owned())),
            ),
            (
                self.session_id.is_some(),
                opt(self.session_id.map(|s| s.to_string())),
            ),
            (self.ip.is_some(), opt(self.ip.clone())),
            (true, self.action.clone()),
            (self.record_kind.is_some(), opt(self.record_kind.clone())),
            (self.record_id.is_some(), opt(self.record_id.clone())),
            (self.client_id.is_some(), opt(self.client_id.clone())),
            (true, self.outcome.as_str().to_owned()),
            (self.reason.is_some(), opt(self.reason.clone())),
        ];
        for (present, value) in fields {
            h.update([u8::from(present)]);
            h.update((value.len() as u64).to_be_bytes());
            h.update(value.as_bytes());
        }
        h.finalize().into()
    }
}

/// Who is acting, for the audit rows a store operation writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<(UserId, Role)>,
    pub session: Option<SessionId>,
    pub ip: Option<String>,
}

impl Actor {
    /// An anonymous caller (a login attempt, a public form) from `ip`.
    pub fn anonymous(ip: Option<String>) -> Actor {
        Actor {
            user: None,
            session: None,
            ip,
        }
    }

    pub fn user(user: UserId, role: Role, session: Option<SessionId>, ip: Option<String>) -> Actor {
        Actor {
            user: Some((user, role)),
            session,
            ip,
        }
    }

    /// A successful `action` by this actor at `at`.
    pub fn entry(&self, action: &str, at: OffsetDateTime) -> AuditEntry {
        let mut e = AuditEntry::system(action, at);
        e.actor_user_id = self.user.map(|u| u.0);
        e.actor_role = self.user.map(|u| u.1);
        e.session_id = self.session;
        e.ip = self.ip.clone();
        e
    }
}

/// A stored row that does not match the chain.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChainBreak {
    pub seq: i64,
    pub id: AuditId,
    pub problem: &'static str,
}

/// Walks stored rows in sequence order from the start of the chain, checking each row's stored
/// previous hash and own hash. `rows` yields `(seq, entry, stored_prev_hash, stored_hash)`.
/// Returns how many rows verified, or the first break.
pub fn verify_chain<I>(rows: I) -> Result<u64, ChainBreak>
where
    I: IntoIterator<Item = (i64, AuditEntry, Vec<u8>, Vec<u8>)>,
{
    verify_chain_from(GENESIS_HASH, rows).map(|(n, _)| n)
}

/// Like [`verify_chain`], continuing after a row whose hash was `prev` (for paged walks).
/// Returns the count and the hash of the last row verified.
pub fn verify_chain_from<I>(prev: ChainHash, rows: I) -> Result<(u64, ChainHash), ChainBreak>
where
    I: IntoIterator<Item = (i64, AuditEntry, Vec<u8>, Vec<u8>)>,
{
    let mut prev = prev;
    let mut count = 0u64;
    for (seq, entry, stored_prev, stored_hash) in rows {
        if stored_prev.as_slice() != prev.as_slice() {
            return Err(ChainBreak {
                seq,
                id: entry.id,
                problem: "does not follow the row before it (a row was removed, inserted or changed)",
            });
        }
        let expected = entry.chain_hash(seq, &prev);
        if stored_hash.as_slice() != expected.as_slice() {
            return Err(ChainBreak {
                seq,
                id: entry.id,
                problem: "its content does not match its hash (the row was changed)",
            });
        }
        prev = expected;
        count += 1;
    }
    Ok((count, prev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_util::now_utc;
    use proptest::prelude::*;

    fn chain(n: usize) -> Vec<(i64, AuditEntry, Vec<u8>, Vec<u8>)> {
        let mut prev = GENESIS_HASH;
        (1..=n as i64)
            .map(|seq| {
                let e = AuditEntry::system("test.event", now_utc()).record("user", seq);
                let h = e.chain_hash(seq, &prev);
                let row = (seq, e, prev.to_vec(), h.to_vec());
                prev = h;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(chain(5)), Ok(5));
        assert_eq!(verify_chain(Vec::new()), Ok(0));
    }

    #[test]
    fn a_changed_field_is_named_at_its_row() {
        let mut rows = chain(5);
        rows[2].1.reason = Some("edited".into());
        let err = verify_chain(rows.clone()).expect_err("must break");
        assert_eq!(err.seq, 3);
        assert_eq!(err.id, rows[2].1.id);
    }

    #[test]
    fn a_removed_row_is_detected_at_the_next_one() {
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(verify_chain(rows).expect_err("must break").seq, 3);
    }

    #[test]
    fn absent_and_empty_fields_hash_differently() {
        let e = AuditEntry::system("x", now_utc());
        let mut f = e.clone();
        f.reason = Some(String::new());
        assert_ne!(
            e.chain_hash(1, &GENESIS_HASH),
            f.chain_hash(1, &GENESIS_HASH)
        );
    }

    proptest! {
        #[test]
        fn any_single_field_change_breaks_the_chain(idx in 0usize..6, reason in "[a-z]{1,12}") {
            let mut rows = chain(6);
            rows[idx].1.reason = Some(reason);
            let err = verify_chain(rows).expect_err("must break");
            prop_assert_eq!(err.seq, idx as i64 + 1);
        }
    }
}
