//! Signed checkpoints of the audit chain's head, kept outside the database.
//!
//! A keyed chain stops anyone without the key from changing or re-hashing rows, but deleting
//! the newest rows leaves a shorter chain that is still whole. So kapflow writes checkpoints
//! (sequence number, head hash, time) signed with the audit key to a file beside the database
//! (`audit-checkpoints.log`), and `kapflow check` compares the database with every checkpoint:
//! a chain that ends before a checkpoint has lost rows, and a row whose hash differs from a
//! checkpoint's was rewritten. One checkpoint is one line:
//!
//! ```text
//! kapflow-checkpoint v1 seq=42 head=<64 hex> time=<unix seconds> key=<generation> event=start sig=<64 hex>
//! ```
//!
//! `sig` is HMAC-SHA-256 under that generation's key over everything before ` sig=`.

use crate::audit::{AuditKey, AuditKeyring, ChainHash};
use hmac::Mac;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The first two words of every checkpoint line (the format's name and version).
const LINE_TAG: &str = "kapflow-checkpoint v1";

crate::named_enum! {
    /// Why a checkpoint was written.
    pub enum CheckpointEvent {
        Start = "start", "Start";
        Stop = "stop", "Clean shutdown";
        Periodic = "periodic", "Periodic";
        /// Around a key rotation: one signed with the old key, one with the new.
        Rotate = "rotate", "Key rotation";
        /// After a command-line change (`kapflow user …`).
        Command = "command", "Command";
        /// The one sent to the owner in the daily digest email.
        Digest = "digest", "Daily digest";
    }
}

/// The chain's head at a moment, as a signed checkpoint says it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The newest row's sequence number (0: the chain was empty).
    pub seq: i64,
    /// That row's hash (all zeroes for an empty chain).
    pub head: ChainHash,
    /// Unix seconds.
    pub at: i64,
    /// The generation of the key that signed it.
    pub generation: u32,
    pub event: CheckpointEvent,
}

/// A line of the checkpoint file that cannot be trusted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadCheckpoint {
    #[error("is not a checkpoint line kapflow wrote (the file was edited)")]
    Malformed,
    #[error(
        "is signed with audit key generation {0}, which this installation does not have (restore its key file, or set KAPFLOW_AUDIT_KEY)"
    )]
    UnknownKey(u32),
    #[error("has a bad signature (it was edited or forged)")]
    BadSignature,
}

impl Checkpoint {
    /// A checkpoint of the head `(seq, head)` at `at`, to be signed with `key`.
    pub fn new(
        seq: i64,
        head: ChainHash,
        at: OffsetDateTime,
        event: CheckpointEvent,
        key: &AuditKey,
    ) -> Checkpoint {
        Checkpoint {
            seq,
            head,
            at: at.unix_timestamp(),
            generation: key.generation(),
            event,
        }
    }

    /// What the signature covers.
    fn body(&self) -> String {
        format!(
            "{LINE_TAG} seq={} head={} time={} key={} event={}",
            self.seq,
            hex::encode(self.head),
            self.at,
            self.generation,
            self.event.as_str()
        )
    }

    fn signature(body: &str, key: &AuditKey) -> crate::audit::HmacSha256 {
        let mut mac = key.mac(b"kapflow-checkpoint-v1\n");
        mac.update(body.as_bytes());
        mac
    }

    /// The line for the checkpoint file (without its newline). `key` must be the key of this
    /// checkpoint's generation; the caller made it with [`Checkpoint::new`] from that key.
    pub fn signed_line(&self, key: &AuditKey) -> String {
        let body = self.body();
        let sig = Checkpoint::signature(&body, key).finalize().into_bytes();
        format!("{body} sig={}", hex::encode(sig))
    }

    /// Reads and verifies one line.
    pub fn parse(line: &str, keys: &AuditKeyring) -> Result<Checkpoint, BadCheckpoint> {
        let line = line.trim_end_matches(['\r', '\n']);
        let (body, sig) = line.rsplit_once(" sig=").ok_or(BadCheckpoint::Malformed)?;
        let fields = body
            .strip_prefix(LINE_TAG)
            .ok_or(BadCheckpoint::Malformed)?;
        let mut seq = None;
        let mut head = None;
        let mut at = None;
        let mut generation = None;
        let mut event = None;
        for word in fields.split(' ').skip(1) {
            let (name, value) = word.split_once('=').ok_or(BadCheckpoint::Malformed)?;
            match name {
                "seq" => seq = value.parse::<i64>().ok(),
                "head" => {
                    head = hex::decode(value)
                        .ok()
                        .and_then(|b| ChainHash::try_from(b).ok())
                }
                "time" => at = value.parse::<i64>().ok(),
                "key" => generation = value.parse::<u32>().ok(),
                "event" => event = CheckpointEvent::parse(value),
                _ => return Err(BadCheckpoint::Malformed),
            }
        }
        let (Some(seq), Some(head), Some(at), Some(generation), Some(event)) =
            (seq, head, at, generation, event)
        else {
            return Err(BadCheckpoint::Malformed);
        };
        let checkpoint = Checkpoint {
            seq,
            head,
            at,
            generation,
            event,
        };
        // Only the exact text kapflow writes is accepted, so two spellings of one checkpoint
        // (a leading zero, a reordered field) cannot both pass.
        if checkpoint.body() != body {
            return Err(BadCheckpoint::Malformed);
        }
        let key = keys
            .get(generation)
            .ok_or(BadCheckpoint::UnknownKey(generation))?;
        let sig = hex::decode(sig).map_err(|_| BadCheckpoint::BadSignature)?;
        // verify_slice compares in constant time.
        Checkpoint::signature(body, key)
            .verify_slice(&sig)
            .map_err(|_| BadCheckpoint::BadSignature)?;
        Ok(checkpoint)
    }

    /// When it was written, for people.
    pub fn when(&self) -> String {
        unix_time(self.at)
    }
}

fn unix_time(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("unix time {at}"))
}

/// The checkpoint file read: the checkpoints that verify, and the lines that do not (by line
/// number, from 1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointLog {
    pub good: Vec<Checkpoint>,
    pub bad: Vec<(usize, BadCheckpoint)>,
}

impl CheckpointLog {
    pub fn read(text: &str, keys: &AuditKeyring) -> CheckpointLog {
        let mut log = CheckpointLog::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match Checkpoint::parse(line, keys) {
                Ok(c) => log.good.push(c),
                Err(e) => log.bad.push((i + 1, e)),
            }
        }
        log
    }

    /// The checkpoint that saw the most rows (the latest one, unless the database was put
    /// back to an older copy since).
    pub fn furthest(&self) -> Option<&Checkpoint> {
        self.good.iter().max_by_key(|c| (c.seq, c.at))
    }
}

/// Where the database's chain disagrees with the checkpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorProblem {
    /// The chain ends at `from - 1` but a checkpoint saw row `to`: rows `from..=to` are gone.
    Missing { from: i64, to: i64, at: i64 },
    /// Row `seq` exists but its hash is not the one a checkpoint signed: it, or a row before
    /// it, was rewritten.
    Differs { seq: i64, at: i64 },
}

impl std::fmt::Display for AnchorProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            AnchorProblem::Missing { from, to, at } => write!(
                f,
                "rows {from}..{to} are missing (the checkpoint of {} saw row {to}; the database's trail ends at row {})",
                unix_time(at),
                from - 1
            ),
            AnchorProblem::Differs { seq, at } => write!(
                f,
                "row {seq} does not match the checkpoint of {} (it, or a row before it, was changed or re-hashed)",
                unix_time(at)
            ),
        }
    }
}

/// Compares the chain in the database (its last sequence number, 0 when empty, and the stored
/// hash of each row a checkpoint names) with the checkpoints. Returns the rows missing from the
/// end, if any, and the first row that differs from a checkpoint, if any.
pub fn compare(
    checkpoints: &[Checkpoint],
    head_seq: i64,
    stored: &BTreeMap<i64, Vec<u8>>,
) -> Vec<AnchorProblem> {
    let mut problems = Vec::new();
    if let Some(c) = checkpoints
        .iter()
        .filter(|c| c.seq > head_seq)
        .max_by_key(|c| (c.seq, c.at))
    {
        problems.push(AnchorProblem::Missing {
            from: head_seq + 1,
            to: c.seq,
            at: c.at,
        });
    }
    if let Some(c) = checkpoints
        .iter()
        .filter(|c| c.seq > 0 && c.seq <= head_seq)
        .filter(|c| stored.get(&c.seq).map(Vec::as_slice) != Some(c.head.as_slice()))
        .min_by_key(|c| (c.seq, c.at))
    {
        problems.push(AnchorProblem::Differs {
            seq: c.seq,
            at: c.at,
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> AuditKeyring {
        AuditKeyring::new([
            AuditKey::new(1, [1; 32]).expect("key"),
            AuditKey::new(2, [2; 32]).expect("key"),
        ])
        .expect("ring")
    }

    fn line(seq: i64, head: u8, generation: u32) -> String {
        let ring = keys();
        let key = ring.get(generation).expect("key");
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000 + seq).expect("time");
        Checkpoint::new(seq, [head; 32], at, CheckpointEvent::Periodic, key).signed_line(key)
    }

    #[test]
    fn a_signed_line_reads_back() {
        let l = line(12, 9, 2);
        let c = Checkpoint::parse(&l, &keys()).expect("verifies");
        assert_eq!((c.seq, c.head, c.generation), (12, [9; 32], 2));
        assert_eq!(c.event, CheckpointEvent::Periodic);
        assert!(l.starts_with("kapflow-checkpoint v1 seq=12 head=0909"));
    }

    #[test]
    fn any_edit_to_a_line_is_refused() {
        let l = line(12, 9, 1);
        for (edited, why) in [
            (
                l.replacen("seq=12", "seq=13", 1),
                BadCheckpoint::BadSignature,
            ),
            (l.replacen("seq=12", "seq=012", 1), BadCheckpoint::Malformed),
            (
                l.replacen("head=09", "head=0a", 1),
                BadCheckpoint::BadSignature,
            ),
            (
                l.replacen("event=periodic", "event=stop", 1),
                BadCheckpoint::BadSignature,
            ),
            (l.replacen("key=1", "key=2", 1), BadCheckpoint::BadSignature),
            (
                l.replacen("key=1", "key=7", 1),
                BadCheckpoint::UnknownKey(7),
            ),
            (l[..l.len() - 2].to_owned(), BadCheckpoint::BadSignature),
            ("garbage".to_owned(), BadCheckpoint::Malformed),
            (format!("{l} extra=1"), BadCheckpoint::BadSignature),
        ] {
            assert_eq!(Checkpoint::parse(&edited, &keys()), Err(why), "{edited}");
        }
        // Signed with another key of the same generation: a forgery.
        let other = AuditKeyring::new([AuditKey::new(1, [3; 32]).expect("key")]).expect("ring");
        assert_eq!(
            Checkpoint::parse(&l, &other),
            Err(BadCheckpoint::BadSignature)
        );
    }

    #[test]
    fn the_log_names_bad_lines_by_number() {
        let text = format!(
            "{}\n\n{}\n{}\n",
            line(1, 1, 1),
            line(2, 2, 1).replacen("seq=2", "seq=5", 1),
            line(3, 3, 2)
        );
        let log = CheckpointLog::read(&text, &keys());
        assert_eq!(log.good.len(), 2);
        assert_eq!(log.bad, vec![(3, BadCheckpoint::BadSignature)]);
        assert_eq!(log.furthest().map(|c| c.seq), Some(3));
    }

    #[test]
    fn rows_deleted_from_the_end_and_rewritten_rows_are_named() {
        let cps: Vec<Checkpoint> = [line(3, 3, 1), line(10, 10, 1)]
            .iter()
            .map(|l| Checkpoint::parse(l, &keys()).expect("ok"))
            .collect();
        let stored: BTreeMap<i64, Vec<u8>> =
            [(3, vec![3; 32]), (10, vec![10; 32])].into_iter().collect();
        assert_eq!(compare(&cps, 10, &stored), vec![]);
        assert_eq!(compare(&cps, 12, &stored), vec![]);
        // The trail now ends at row 7.
        let problems = compare(&cps, 7, &stored);
        assert_eq!(
            problems,
            vec![AnchorProblem::Missing {
                from: 8,
                to: 10,
                at: 1_700_000_010
            }]
        );
        assert!(
            problems[0]
                .to_string()
                .starts_with("rows 8..10 are missing")
        );
        // Row 3 was rewritten (a different hash), so was row 10.
        let rewritten: BTreeMap<i64, Vec<u8>> =
            [(3, vec![4; 32]), (10, vec![11; 32])].into_iter().collect();
        assert_eq!(
            compare(&cps, 10, &rewritten),
            vec![AnchorProblem::Differs {
                seq: 3,
                at: 1_700_000_003
            }]
        );
        // Nothing to compare: no problems.
        assert_eq!(compare(&[], 0, &BTreeMap::new()), vec![]);
    }
}
