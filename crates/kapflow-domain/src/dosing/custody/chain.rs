//! The custody log's hash chain: each entry's SHA-256 covers the previous entry's hash, its
//! sequence number and every field, length-prefixed, so changing, removing or reordering an
//! entry breaks the chain from there on. The chain is plain SHA-256 (anyone could recompute
//! it); what makes a rewrite detectable is that every entry's audit row, in the keyed audit
//! trail, names the entry's sequence number and hash ([`audit_reason`]), and `kapflow check`
//! compares the two.

use super::CustodyEntry;
use crate::audit::{ChainHash, GENESIS_HASH};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// Tags the hash input, so a custody hash can never be taken for any other kapflow hash.
const DOMAIN_TAG: &[u8] = b"kapflow-custody-v1";

/// One field of the canonical encoding: absent, text or a whole number, each told apart.
enum Field<'a> {
    Absent,
    Text(&'a str),
    Int(i64),
}

fn text(s: Option<&str>) -> Field<'_> {
    s.map_or(Field::Absent, Field::Text)
}

fn int<'a>(n: Option<i64>) -> Field<'a> {
    n.map_or(Field::Absent, Field::Int)
}

impl CustodyEntry {
    /// The entry's canonical bytes following a hash `prev`: the previous hash, the sequence
    /// number, then every field as a type byte (0 absent, 1 text, 2 integer), its length and
    /// its bytes. No two different entries encode alike.
    pub fn canonical_bytes(&self, prev: &ChainHash) -> Vec<u8> {
        let w = &self.what;
        let at = self.at.format(&Rfc3339).unwrap_or_default();
        let (session, client, by) = (
            self.session_id.to_string(),
            self.client_id.to_string(),
            self.recorded_by.to_string(),
        );
        let witness = w.witness.map(|u| u.to_string());
        let id = self.id.hyphenated().to_string();
        let fields = [
            Field::Text(&id),
            Field::Text(&session),
            Field::Text(&client),
            Field::Text(&self.entry_key),
            Field::Text(&at),
            Field::Text(&by),
            Field::Text(w.kind.as_str()),
            text(w.drug.as_deref()),
            text(w.dose_form.map(|f| f.as_str())),
            int(w.strength_ug),
            int(w.count),
            text(w.pharmacy.as_deref()),
            text(w.rx_number.as_deref()),
            int(w.amount_ug),
            int(w.held_minutes),
            text(w.spat_out.as_deref()),
            text(w.disposal.as_deref()),
            text(witness.as_deref()),
            int(w.corrects_seq),
            Field::Text(&w.note),
        ];
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(prev);
        out.extend_from_slice(&self.seq.to_be_bytes());
        for f in fields {
            let (tag, bytes): (u8, Vec<u8>) = match f {
                Field::Absent => (0, Vec::new()),
                Field::Text(s) => (1, s.as_bytes().to_vec()),
                Field::Int(n) => (2, n.to_be_bytes().to_vec()),
            };
            out.push(tag);
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        out
    }

    /// The entry's hash when it follows an entry whose hash is `prev`.
    pub fn chain_hash(&self, prev: &ChainHash) -> ChainHash {
        let mut h = Sha256::new();
        h.update(DOMAIN_TAG);
        h.update(self.canonical_bytes(prev));
        h.finalize().into()
    }
}

/// The audit row's reason for a logged entry: its number and hash, so the keyed audit trail
/// vouches for the custody chain.
pub fn audit_reason(seq: i64, kind: super::CustodyKind, hash: &[u8]) -> String {
    format!(
        "custody entry {seq} ({}), hash {}",
        kind.as_str(),
        hex::encode(hash)
    )
}

/// The sequence number and hash an [`audit_reason`] names, if it is one.
pub fn parse_audit_reason(reason: &str) -> Option<(i64, Vec<u8>)> {
    let rest = reason.strip_prefix("custody entry ")?;
    let (seq, rest) = rest.split_once(' ')?;
    let (_, hash) = rest.split_once(", hash ")?;
    Some((seq.parse().ok()?, hex::decode(hash).ok()?))
}

/// An entry as stored, with the hashes it was stored with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCustody {
    pub entry: CustodyEntry,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// The first entry that does not match the chain, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyBreak {
    pub seq: i64,
    /// `None` when the entry is missing altogether.
    pub id: Option<Uuid>,
    pub problem: &'static str,
}

impl std::fmt::Display for CustodyBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {}", self.seq)?;
        if let Some(id) = self.id {
            write!(f, " (id {id})")?;
        }
        write!(f, " {}", self.problem)
    }
}

/// Walks stored entries in sequence order from the start, a page at a time.
pub struct CustodyVerifier {
    prev: ChainHash,
    next_seq: i64,
    verified: u64,
}

impl Default for CustodyVerifier {
    fn default() -> Self {
        CustodyVerifier {
            prev: GENESIS_HASH,
            next_seq: 1,
            verified: 0,
        }
    }
}

impl CustodyVerifier {
    /// Checks the next entry; after a break the verifier should not be fed further.
    pub fn push(&mut self, row: &StoredCustody) -> Result<(), CustodyBreak> {
        let broken = |problem| CustodyBreak {
            seq: row.entry.seq,
            id: Some(row.entry.id),
            problem,
        };
        if row.entry.seq != self.next_seq {
            return Err(CustodyBreak {
                seq: self.next_seq,
                id: None,
                problem: "is missing (the entries are not numbered one after another)",
            });
        }
        if row.prev_hash.as_slice() != self.prev.as_slice() {
            return Err(broken(
                "does not follow the entry before it (an entry was removed, inserted or changed)",
            ));
        }
        let expected = row.entry.chain_hash(&self.prev);
        if row.hash.as_slice() != expected.as_slice() {
            return Err(broken("does not match its hash (the entry was changed)"));
        }
        self.prev = expected;
        self.next_seq += 1;
        self.verified += 1;
        Ok(())
    }

    pub fn verified(&self) -> u64 {
        self.verified
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CustodyKind, NewCustodyEntry};
    use super::*;
    use crate::prescribing::DoseForm;
    use crate::{ClientId, DosingSessionId, UserId};
    use proptest::prelude::*;

    fn entry(seq: i64) -> CustodyEntry {
        let mut what = NewCustodyEntry::empty(CustodyKind::Brought);
        what.drug = Some("Ketamine HCl".into());
        what.dose_form = Some(DoseForm::Troche);
        what.strength_ug = Some(100_000);
        what.count = Some(6);
        what.pharmacy = Some("Main St Pharmacy".into());
        what.rx_number = Some("RX-1".into());
        CustodyEntry {
            seq,
            id: Uuid::now_v7(),
            session_id: DosingSessionId::new(),
            client_id: ClientId::new(),
            entry_key: format!("k{seq}"),
            at: crate::time_util::now_utc(),
            recorded_by: UserId::new(),
            what,
        }
    }

    fn chain(n: i64) -> Vec<StoredCustody> {
        let mut prev = GENESIS_HASH;
        (1..=n)
            .map(|seq| {
                let entry = entry(seq);
                let hash = entry.chain_hash(&prev);
                let row = StoredCustody {
                    entry,
                    prev_hash: prev.to_vec(),
                    hash: hash.to_vec(),
                };
                prev = hash;
                row
            })
            .collect()
    }

    fn verify(rows: &[StoredCustody]) -> Result<u64, CustodyBreak> {
        let mut v = CustodyVerifier::default();
        for r in rows {
            v.push(r)?;
        }
        Ok(v.verified())
    }

    /// Changes field `i` (of those an entry has) of `e` to something else.
    fn change(e: &mut CustodyEntry, i: usize) {
        let w = &mut e.what;
        match i {
            0 => e.id = Uuid::now_v7(),
            1 => e.session_id = DosingSessionId::new(),
            2 => e.client_id = ClientId::new(),
            3 => e.entry_key.push('x'),
            4 => e.at += time::Duration::microseconds(1),
            5 => e.recorded_by = UserId::new(),
            6 => w.kind = CustodyKind::Dose,
            7 => w.drug = None,
            8 => w.dose_form = Some(DoseForm::RapidDissolveTablet),
            9 => w.strength_ug = w.strength_ug.map(|s| s + 1),
            10 => w.count = Some(5),
            11 => w.pharmacy = Some("Other".into()),
            12 => w.rx_number = Some("RX-2".into()),
            13 => w.amount_ug = Some(1),
            14 => w.held_minutes = Some(0),
            15 => w.spat_out = Some(String::new()),
            16 => w.disposal = Some("x".into()),
            17 => w.witness = Some(UserId::new()),
            18 => w.corrects_seq = Some(1),
            19 => w.note.push(' '),
            _ => e.seq += 1,
        }
    }

    #[test]
    fn a_whole_chain_verifies_and_the_audit_reason_reads_back() {
        let rows = chain(5);
        assert_eq!(verify(&rows), Ok(5));
        let r = &rows[2];
        let reason = audit_reason(r.entry.seq, r.entry.what.kind, &r.hash);
        assert_eq!(parse_audit_reason(&reason), Some((3, r.hash.clone())));
        assert_eq!(parse_audit_reason("something else"), None);
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut rows = chain(4);
        rows.remove(1);
        let b = verify(&rows).expect_err("broken");
        assert_eq!((b.seq, b.id), (2, None));
    }

    #[test]
    fn absent_and_empty_text_and_numbers_encode_apart() {
        let mut a = entry(1);
        let b = a.clone();
        a.what.spat_out = Some(String::new());
        assert_ne!(a.chain_hash(&GENESIS_HASH), b.chain_hash(&GENESIS_HASH));
    }

    proptest! {
        /// Any one changed field of any entry is found, at that entry.
        #[test]
        fn the_chain_detects_any_changed_field(n in 1i64..6, at in 0usize..6, field in 0usize..21) {
            let mut rows = chain(n);
            let at = at % rows.len();
            change(&mut rows[at].entry, field);
            let b = verify(&rows).expect_err("a changed field breaks the chain");
            prop_assert_eq!(b.seq, rows[at].entry.seq.min(at as i64 + 1));
        }

        /// A changed hash, or a changed link to the entry before, is found too.
        #[test]
        fn the_chain_detects_changed_hashes(n in 2i64..6, at in 0usize..6, byte in 0usize..32) {
            let mut rows = chain(n);
            let at = at % rows.len();
            rows[at].hash[byte] ^= 1;
            let b = verify(&rows).expect_err("broken");
            prop_assert_eq!(b.seq, at as i64 + 1);
        }
    }
}
