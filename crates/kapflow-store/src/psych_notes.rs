//! Psychotherapy notes (45 CFR 164.501): a separate record kind that only its author reads —
//! not the owner, not front desk, not the prescriber, never through break-glass. Every query
//! here is scoped to the author as well as the client, and every read is audited.

use crate::StoreError;
use crate::access::ClinicalAccess;
use crate::audit;
use crate::backend::Tx;
use kapflow_domain::{Actor, PsychNoteId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Psychotherapy notes, each its author's alone.
    PsychNotes
);

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PsychNoteRow {
    #[sqlx(try_from = "Uuid")]
    pub id: PsychNoteId,
    pub body: String,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PsychSaved {
    Done(i64),
    /// Saved elsewhere since: nothing written; the note as it stands.
    Stale(Box<PsychNoteRow>),
    NotFound,
}

const COLUMNS: &str = "SELECT id, body, version, created_at, updated_at FROM psychotherapy_notes";

/// The caller's own note `id` of the client, if it is theirs.
async fn own(
    tx: &mut Tx,
    access: &ClinicalAccess,
    id: PsychNoteId,
) -> Result<Option<PsychNoteRow>, StoreError> {
    tx.fetch_optional(
        sqlx::AssertSqlSafe(format!(
            "{COLUMNS} WHERE id = $1 AND client_id = $2 AND author_id = $3"
        )),
        args![id, access.client(), access.access().user()],
    )
    .await
}

/// The audit row of `action` on note `id` (or, for a list, on how many).
async fn audited(
    tx: &mut Tx,
    access: &ClinicalAccess,
    actor: &Actor,
    action: &str,
    record: (&str, String),
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    audit::append(
        tx,
        &actor
            .entry(action, now)
            .record(record.0, record.1)
            .client(access.client()),
    )
    .await?;
    Ok(())
}

impl PsychNotes<'_> {
    /// The caller's own psychotherapy notes about the client, newest first (the read audited).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn mine(
        &self,
        access: &ClinicalAccess,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Vec<PsychNoteRow>, StoreError> {
        let mut tx = self.store.begin().await?;
        let rows: Vec<PsychNoteRow> = tx
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "{COLUMNS} WHERE client_id = $1 AND author_id = $2 ORDER BY created_at DESC"
                )),
                args![access.client(), access.access().user()],
            )
            .await?;
        let count = ("psychotherapy_notes", rows.len().to_string());
        audited(
            &mut tx,
            access,
            actor,
            "psychotherapy_note.listed",
            count,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One of the caller's own notes (the read audited); `None` — also audited, as a refusal —
    /// for anyone else's or none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn one(
        &self,
        access: &ClinicalAccess,
        id: PsychNoteId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<PsychNoteRow>, StoreError> {
        let mut tx = self.store.begin().await?;
        let row = own(&mut tx, access, id).await?;
        let action = if row.is_some() {
            "psychotherapy_note.viewed"
        } else {
            "psychotherapy_note.refused"
        };
        let record = ("psychotherapy_note", id.to_string());
        audited(&mut tx, access, actor, action, record, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Writes a new psychotherapy note by the caller.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn write(
        &self,
        access: &ClinicalAccess,
        body: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<PsychNoteId, StoreError> {
        let mut tx = self.store.begin().await?;
        let id = PsychNoteId::new();
        tx.exec(
            "INSERT INTO psychotherapy_notes (id, client_id, author_id, body, version, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5)",
            args![id, access.client(), access.access().user(), body, now],
        )
        .await?;
        let record = ("psychotherapy_note", id.to_string());
        audited(
            &mut tx,
            access,
            actor,
            "psychotherapy_note.written",
            record,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves the caller's own note, edited from `version`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save(
        &self,
        access: &ClinicalAccess,
        id: PsychNoteId,
        body: &str,
        version: i64,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<PsychSaved, StoreError> {
        let mut tx = self.store.begin().await?;
        let Some(row) = own(&mut tx, access, id).await? else {
            return Ok(PsychSaved::NotFound);
        };
        if row.version != version {
            return Ok(PsychSaved::Stale(Box::new(row)));
        }
        let n = tx
            .exec(
                "UPDATE psychotherapy_notes SET body = $1, version = version + 1, updated_at = \
                 $2 WHERE id = $3 AND version = $4",
                args![body, now, id, version],
            )
            .await?;
        if n == 0 {
            return Ok(PsychSaved::Stale(Box::new(row)));
        }
        let record = ("psychotherapy_note", id.to_string());
        audited(
            &mut tx,
            access,
            actor,
            "psychotherapy_note.saved",
            record,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(PsychSaved::Done(version + 1))
    }
}
