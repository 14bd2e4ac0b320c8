//! `kapflow check`: the database's own consistency checks, the audit chain (against its keys
//! and the signed checkpoints kept outside the database), the medication custody log's chain
//! (against the audit rows that vouch for it), and every stored record kapflow keeps as JSON
//! that this version can no longer read.

use crate::backend::Db;
use crate::{Store, StoreError};
use kapflow_domain::audit::ChainBreak;
use kapflow_domain::audit_checkpoint::{AnchorProblem, Checkpoint, compare};
use kapflow_domain::dosing::custody::chain::CustodyBreak;
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::measures::{Instrument, Scored};
use kapflow_domain::preparation::PreparationForm;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A stored record that does not decode: which kind, and its id (never its content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableRecord {
    pub what: &'static str,
    pub id: Uuid,
}

impl std::fmt::Display for UnreadableRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} cannot be read", self.what, self.id)
    }
}

/// Rows read per query while scanning, so a large table never sits in memory whole.
const PAGE: i64 = 500;

#[derive(Debug)]
pub struct CheckReport {
    /// Problems `PRAGMA integrity_check` reported (SQLite); empty when sound.
    pub integrity: Vec<String>,
    /// Rows whose foreign keys point nowhere (SQLite; PostgreSQL enforces them always).
    pub foreign_keys: Vec<String>,
    /// Rows verified, or the first broken audit row.
    pub audit: Result<u64, ChainBreak>,
    /// Rows at the start of the trail hashed before it was keyed (plain SHA-256).
    pub audit_unkeyed: u64,
    /// The trail's last sequence number (0 when empty).
    pub audit_head: i64,
    /// Where the trail disagrees with the checkpoints it was checked against: rows missing
    /// from the end, a row rewritten since a checkpoint signed it.
    pub audit_anchor: Vec<AnchorProblem>,
    /// Custody entries verified, or the first broken or missing entry.
    pub custody: Result<u64, CustodyBreak>,
    /// Intakes, preparations, questionnaire responses, instruments and queued mail whose
    /// stored JSON this version cannot read (the pages say so instead of showing blanks).
    pub unreadable: Vec<UnreadableRecord>,
}

impl CheckReport {
    /// Every problem found, one line each (empty when all is well).
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = self
            .integrity
            .iter()
            .map(|p| format!("integrity: {p}"))
            .chain(
                self.foreign_keys
                    .iter()
                    .map(|p| format!("foreign key: {p}")),
            )
            .chain(self.unreadable.iter().map(|r| format!("unreadable: {r}")))
            .chain(
                self.audit_anchor
                    .iter()
                    .map(|p| format!("audit checkpoints: {p}")),
            )
            .collect();
        if let Err(b) = &self.audit {
            problems.push(format!(
                "audit trail broken at row {} (id {}): {}",
                b.seq, b.id, b.problem
            ));
        }
        if let Err(b) = &self.custody {
            problems.push(format!("custody log broken at {b}"));
        }
        problems
    }

    pub fn is_ok(&self) -> bool {
        self.integrity.is_empty()
            && self.foreign_keys.is_empty()
            && self.audit.is_ok()
            && self.audit_anchor.is_empty()
            && self.custody.is_ok()
            && self.unreadable.is_empty()
    }
}

impl Store {
    /// [`Store::check_against`] with no checkpoints.
    pub async fn check(&self) -> Result<CheckReport, StoreError> {
        self.check_against(&[]).await
    }

    /// Checks everything, comparing the audit trail with `checkpoints` (signatures already
    /// verified by the caller, who read them from outside the database).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn check_against(
        &self,
        checkpoints: &[Checkpoint],
    ) -> Result<CheckReport, StoreError> {
        let (integrity, foreign_keys) = match &self.db {
            Db::Sqlite(p) => {
                let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_all(&**p)
                    .await?
                    .into_iter()
                    .filter(|line: &String| line != "ok")
                    .collect();
                let fk: Vec<(String, Option<i64>, String)> =
                    sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                        .fetch_all(&**p)
                        .await?;
                let fk = fk
                    .into_iter()
                    .map(|(table, rowid, parent)| {
                        format!(
                            "{table} row {} refers to a missing {parent} row",
                            rowid.unwrap_or_default()
                        )
                    })
                    .collect();
                (integrity, fk)
            }
            Db::Pg(_) => (Vec::new(), Vec::new()),
        };
        let wanted = checkpoints.iter().map(|c| c.seq).collect();
        let walk = self.audit().walk(&wanted).await?;
        let audit_anchor = compare(checkpoints, walk.head_seq, &walk.stored);
        let custody = self.custody().verify().await?;
        let mut unreadable = Vec::new();
        self.scan::<IntakeForm>(
            "intake of course",
            "SELECT course_id, form_json FROM intakes WHERE course_id > $1 ORDER BY course_id \
             LIMIT $2",
            &mut unreadable,
        )
        .await?;
        self.scan::<PreparationForm>(
            "preparation of course",
            "SELECT course_id, form_json FROM preparations WHERE course_id > $1 ORDER BY \
             course_id LIMIT $2",
            &mut unreadable,
        )
        .await?;
        self.scan::<Scored>(
            "questionnaire response",
            "SELECT id, scored FROM measure_responses WHERE id > $1 ORDER BY id LIMIT $2",
            &mut unreadable,
        )
        .await?;
        self.scan::<Instrument>(
            "practice instrument",
            "SELECT id, definition FROM custom_instruments WHERE id > $1 ORDER BY id LIMIT $2",
            &mut unreadable,
        )
        .await?;
        self.scan::<crate::outbox::Email>(
            "queued email",
            "SELECT id, payload FROM outbox WHERE id > $1 AND delivered_at IS NULL AND \
             failed_at IS NULL ORDER BY id LIMIT $2",
            &mut unreadable,
        )
        .await?;
        Ok(CheckReport {
            integrity,
            foreign_keys,
            audit: walk.verified,
            audit_unkeyed: walk.unkeyed,
            audit_head: walk.head_seq,
            audit_anchor,
            custody,
            unreadable,
        })
    }

    /// Adds to `out` each row of `page_sql` (id, JSON; `$1` the last id seen, `$2` the page
    /// size) whose JSON does not decode into `T`.
    async fn scan<T: DeserializeOwned>(
        &self,
        what: &'static str,
        page_sql: &'static str,
        out: &mut Vec<UnreadableRecord>,
    ) -> Result<(), StoreError> {
        let mut after = Uuid::nil();
        loop {
            let rows: Vec<(Uuid, String)> = self.db.fetch_all(page_sql, args![after, PAGE]).await?;
            for (id, json) in &rows {
                if serde_json::from_str::<T>(json).is_err() {
                    out.push(UnreadableRecord { what, id: *id });
                }
            }
            match rows.last() {
                Some((id, _)) if rows.len() as i64 == PAGE => after = *id,
                _ => return Ok(()),
            }
        }
    }
}
