//! The audit trail's rows, their keyed hash chain, and the keys it is keyed with.
//!
//! Each row's hash covers every field of the row and the previous row's hash, so changing,
//! deleting or reordering any row breaks the chain from that row on; `kapflow check` walks it.
//! A plain hash chain can be recomputed by anyone who can write to the database, so rows are
//! hashed with HMAC-SHA-256 under an [`AuditKey`] that is never stored in the database (a key
//! file in the data directory, or the environment). Rows written before kapflow keyed its
//! trail keep their plain SHA-256 hashes: they may only come first, before the first keyed
//! row (see [`ChainVerifier`]). Deleting the newest rows leaves no break behind; the signed
//! checkpoints in [`crate::audit_checkpoint`], kept outside the database, catch that.

pub use crate::keys::KeyError;
use crate::keys::{Key, KeyKind, Keyring};
use crate::{AuditId, Role, SessionId, UserId};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The hash of one audit row (SHA-256, or HMAC-SHA-256 for keyed rows).
pub type ChainHash = [u8; 32];

/// The chain starts from all zeroes.
pub const GENESIS_HASH: ChainHash = [0; 32];

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The audit trail's kind of key (see [`crate::keys`]).
pub struct AuditKind;

impl KeyKind for AuditKind {
    const TAG: &'static str = KEY_FILE_TAG;
    const NAME: &'static str = "audit key";
}

/// A secret the audit chain is keyed with, and its generation: 1 for the first key, one more
/// at each rotation. Old generations are kept so the rows they hashed still verify.
pub type AuditKey = Key<AuditKind>;

/// Every audit key this installation has, by generation; the newest hashes new rows.
pub type AuditKeyring = Keyring<AuditKind>;

/// The first word of an audit key file, so a file of another kind is never taken for a key.
pub const KEY_FILE_TAG: &str = "kapflow-audit-key";

impl AuditKey {
    /// A MAC under this key, started with `domain` so a row hash, a checkpoint signature and
    /// anything else keyed with it can never be taken for one another.
    pub(crate) fn mac(&self, domain: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length; 32 bytes cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.secret())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(domain);
        mac
    }
}

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

    /// The plain SHA-256 hash of this row at position `seq` following a row whose hash was
    /// `prev`: how rows were hashed before the chain was keyed, and still are by a store that
    /// has no key (tests of other crates). Anyone can recompute it, so `check` accepts such
    /// rows only at the start of the chain, before the first keyed row.
    pub fn chain_hash(&self, seq: i64, prev: &ChainHash) -> ChainHash {
        let mut h = Sha256::new();
        h.update(b"kapflow-audit-v1");
        self.feed(seq, prev, &mut |b| h.update(b));
        h.finalize().into()
    }

    /// The keyed hash of this row: HMAC-SHA-256 under `key` over the key's generation and the
    /// same length-prefixed fields as [`AuditEntry::chain_hash`]. Without the key nobody can
    /// make a row (or re-hash a changed one) that verifies.
    pub fn keyed_hash(&self, seq: i64, prev: &ChainHash, key: &AuditKey) -> ChainHash {
        let mut mac = key.mac(b"kapflow-audit-v2");
        mac.update(&key.generation().to_be_bytes());
        self.feed(seq, prev, &mut |b| mac.update(b));
        mac.finalize().into_bytes().into()
    }

    /// The row's hash input after the domain tag. Every field is length-prefixed, so no two
    /// different rows serialise alike.
    fn feed(&self, seq: i64, prev: &ChainHash, out: &mut dyn FnMut(&[u8])) {
        out(prev);
        out(&seq.to_be_bytes());
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
            out(&[u8::from(present)]);
            out(&(value.len() as u64).to_be_bytes());
            out(value.as_bytes());
        }
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

/// One stored row as the verifier reads it: `key_gen` is `None` for a row hashed before the
/// chain was keyed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoredLink {
    pub seq: i64,
    pub entry: AuditEntry,
    pub key_gen: Option<i64>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Walks stored rows in sequence order from the start of the chain, a page at a time.
///
/// The rules, in order, for each row:
/// - its stored previous hash is the hash of the row before it (nothing removed, inserted or
///   reordered);
/// - a row without a key generation (plain SHA-256) may only come before every keyed row:
///   those are the rows written before kapflow keyed its trail, and once one keyed row exists
///   a plain row can only be a forgery by someone without the key;
/// - key generations never go down: after a rotation, a row made with a retired (perhaps
///   leaked) key is refused;
/// - its hash is the keyed hash under that generation's key (or the plain hash, above).
pub struct ChainVerifier<'k> {
    keys: &'k AuditKeyring,
    prev: ChainHash,
    verified: u64,
    unkeyed: u64,
    generation: Option<u32>,
}

impl<'k> ChainVerifier<'k> {
    pub fn new(keys: &'k AuditKeyring) -> ChainVerifier<'k> {
        ChainVerifier {
            keys,
            prev: GENESIS_HASH,
            verified: 0,
            unkeyed: 0,
            generation: None,
        }
    }

    /// Checks the next row; after a break the verifier should not be fed further.
    pub fn push(&mut self, row: &StoredLink) -> Result<(), ChainBreak> {
        let broken = |problem| ChainBreak {
            seq: row.seq,
            id: row.entry.id,
            problem,
        };
        if row.prev_hash.as_slice() != self.prev.as_slice() {
            return Err(broken(
                "does not follow the row before it (a row was removed, inserted or changed)",
            ));
        }
        let expected = match row.key_gen {
            None if self.generation.is_some() => {
                return Err(broken(
                    "is hashed without the audit key although rows before it are keyed (it was changed and re-hashed without the key)",
                ));
            }
            None => row.entry.chain_hash(row.seq, &self.prev),
            Some(g) => {
                let g = u32::try_from(g).map_err(|_| {
                    broken("names an audit key generation that cannot exist (the row was changed)")
                })?;
                if self.generation.is_some_and(|last| g < last) {
                    return Err(broken(
                        "is hashed with an older audit key than the row before it (a retired key was used after a rotation)",
                    ));
                }
                let Some(key) = self.keys.get(g) else {
                    return Err(broken(
                        "is hashed with an audit key generation this installation does not have (restore the key file, or set KAPFLOW_AUDIT_KEY)",
                    ));
                };
                self.generation = Some(g);
                row.entry.keyed_hash(row.seq, &self.prev, key)
            }
        };
        if row.hash.as_slice() != expected.as_slice() {
            return Err(broken(
                "its content does not match its hash (the row was changed)",
            ));
        }
        if row.key_gen.is_none() {
            self.unkeyed += 1;
        }
        self.prev = expected;
        self.verified += 1;
        Ok(())
    }

    /// Rows verified so far.
    pub fn verified(&self) -> u64 {
        self.verified
    }

    /// Of those, the rows hashed before the chain was keyed (all at its start).
    pub fn unkeyed(&self) -> u64 {
        self.unkeyed
    }
}

/// Verifies a whole chain held in memory; how many rows verified, or the first break.
pub fn verify_chain<'a, I>(keys: &AuditKeyring, rows: I) -> Result<u64, ChainBreak>
where
    I: IntoIterator<Item = &'a StoredLink>,
{
    let mut v = ChainVerifier::new(keys);
    for row in rows {
        v.push(row)?;
    }
    Ok(v.verified())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_util::now_utc;
    use proptest::prelude::*;

    fn key(generation: u32, byte: u8) -> AuditKey {
        AuditKey::new(generation, [byte; 32]).expect("key")
    }

    fn ring() -> AuditKeyring {
        AuditKeyring::new([key(1, 7)]).expect("ring")
    }

    /// `n` rows; the first `unkeyed` hashed the plain way, the rest with `keys`' current key.
    fn chain_with(keys: &AuditKeyring, n: usize, unkeyed: usize) -> Vec<StoredLink> {
        let mut prev = GENESIS_HASH;
        (1..=n as i64)
            .map(|seq| {
                let entry = AuditEntry::system("test.event", now_utc()).record("user", seq);
                let k = keys.current().filter(|_| seq as usize > unkeyed);
                let hash = match k {
                    Some(k) => entry.keyed_hash(seq, &prev, k),
                    None => entry.chain_hash(seq, &prev),
                };
                let row = StoredLink {
                    seq,
                    entry,
                    key_gen: k.map(|k| i64::from(k.generation())),
                    prev_hash: prev.to_vec(),
                    hash: hash.to_vec(),
                };
                prev = hash;
                row
            })
            .collect()
    }

    fn chain(n: usize) -> Vec<StoredLink> {
        chain_with(&ring(), n, 0)
    }

    /// Re-hashes rows from index `from` on the plain SHA-256 way, as someone without the key
    /// would after editing one; `unkeyed` also clears their key generation.
    fn rehash_plain(rows: &mut [StoredLink], from: usize, unkeyed: bool) {
        let mut prev: ChainHash = if from == 0 {
            GENESIS_HASH
        } else {
            rows[from - 1].hash.clone().try_into().expect("32")
        };
        for row in &mut rows[from..] {
            let hash = row.entry.chain_hash(row.seq, &prev);
            row.prev_hash = prev.to_vec();
            row.hash = hash.to_vec();
            if unkeyed {
                row.key_gen = None;
            }
            prev = hash;
        }
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&ring(), &chain(5)), Ok(5));
        assert_eq!(verify_chain(&ring(), &[]), Ok(0));
    }

    #[test]
    fn a_changed_field_is_named_at_its_row() {
        let mut rows = chain(5);
        rows[2].entry.reason = Some("edited".into());
        let err = verify_chain(&ring(), &rows).expect_err("must break");
        assert_eq!(err.seq, 3);
        assert_eq!(err.id, rows[2].entry.id);
    }

    #[test]
    fn a_removed_row_is_detected_at_the_next_one() {
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(verify_chain(&ring(), &rows).expect_err("must break").seq, 3);
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
        let k = key(1, 1);
        assert_ne!(
            e.keyed_hash(1, &GENESIS_HASH, &k),
            f.keyed_hash(1, &GENESIS_HASH, &k)
        );
    }

    #[test]
    fn keyed_hashes_depend_on_the_key_and_its_generation() {
        let e = AuditEntry::system("x", now_utc());
        let plain = e.chain_hash(1, &GENESIS_HASH);
        let a = e.keyed_hash(1, &GENESIS_HASH, &key(1, 1));
        assert_ne!(plain, a);
        assert_ne!(a, e.keyed_hash(1, &GENESIS_HASH, &key(1, 2)));
        assert_ne!(a, e.keyed_hash(1, &GENESIS_HASH, &key(2, 1)));
    }

    #[test]
    fn an_edited_row_rehashed_without_the_key_is_found() {
        // The attack that passed before the chain was keyed: edit, then recompute SHA-256.
        for unkeyed in [false, true] {
            let mut rows = chain(5);
            rows[2].entry.ip = Some("10.9.9.9".into());
            rehash_plain(&mut rows, 2, unkeyed);
            assert_eq!(
                verify_chain(&ring(), &rows).expect_err("must break").seq,
                3,
                "unkeyed: {unkeyed}"
            );
        }
        // Without any key, a plain chain is all `verify_chain` can judge (checkpoints do more).
        let mut rows = chain(3);
        rehash_plain(&mut rows, 0, true);
        assert_eq!(verify_chain(&ring(), &rows), Ok(3));
    }

    #[test]
    fn rows_from_before_the_key_verify_only_at_the_start() {
        let keys = ring();
        let rows = chain_with(&keys, 6, 2);
        let mut v = ChainVerifier::new(&keys);
        for row in &rows {
            v.push(row).expect("verifies");
        }
        assert_eq!((v.verified(), v.unkeyed()), (6, 2));
        // Without the key the keyed part cannot be verified.
        let err = verify_chain(&AuditKeyring::default(), &rows).expect_err("no key");
        assert_eq!(err.seq, 3);
    }

    #[test]
    fn after_a_rotation_old_rows_verify_and_retired_keys_are_refused() {
        let old = ring();
        let new = old.with(key(2, 9)).expect("rotated");
        let mut rows = chain_with(&old, 3, 0);
        let mut prev: ChainHash = rows[2].hash.clone().try_into().expect("32");
        for (seq, generation) in [(4, 2), (5, 2)] {
            let entry = AuditEntry::system("after", now_utc());
            let k = new.get(generation).expect("key");
            let hash = entry.keyed_hash(seq, &prev, k);
            rows.push(StoredLink {
                seq,
                entry,
                key_gen: Some(i64::from(generation)),
                prev_hash: prev.to_vec(),
                hash: hash.to_vec(),
            });
            prev = hash;
        }
        assert_eq!(verify_chain(&new, &rows), Ok(5));
        // A row made with the retired key after the rotation is refused even though it hashes.
        let entry = AuditEntry::system("late", now_utc());
        let k = new.get(1).expect("old key");
        rows.push(StoredLink {
            seq: 6,
            hash: entry.keyed_hash(6, &prev, k).to_vec(),
            entry,
            key_gen: Some(1),
            prev_hash: prev.to_vec(),
        });
        assert_eq!(verify_chain(&new, &rows).expect_err("retired").seq, 6);
    }

    #[test]
    fn key_files_round_trip_and_never_debug_print_the_secret() {
        let k = key(3, 0xab);
        let text = k.to_file_text();
        assert_eq!(AuditKey::from_file_text(&text), Ok(k.clone()));
        assert!(!format!("{k:?}").contains("abab"));
        for bad in [
            "",
            "kapflow-audit-key 1",
            "other 1 00",
            "kapflow-audit-key x ab",
        ] {
            assert!(AuditKey::from_file_text(bad).is_err(), "{bad}");
        }
        assert_eq!(
            AuditKey::from_file_text(&format!("{KEY_FILE_TAG} 0 {}", "00".repeat(32))),
            Err(KeyError::Generation)
        );
        assert_eq!(AuditKey::from_hex(1, "abcd"), Err(KeyError::Malformed));
        assert_eq!(
            AuditKeyring::new([key(1, 1), key(1, 2)]),
            Err(KeyError::Conflict(1))
        );
        let ring = AuditKeyring::new([key(2, 2), key(1, 1), key(1, 1)]).expect("dupes agree");
        assert_eq!(ring.generations(), vec![1, 2]);
        assert_eq!(ring.current().map(AuditKey::generation), Some(2));
    }

    proptest! {
        #[test]
        fn any_single_field_change_breaks_the_chain(idx in 0usize..6, reason in "[a-z]{1,12}") {
            let mut rows = chain(6);
            rows[idx].entry.reason = Some(reason);
            let err = verify_chain(&ring(), &rows).expect_err("must break");
            prop_assert_eq!(err.seq, idx as i64 + 1);
        }
    }
}
