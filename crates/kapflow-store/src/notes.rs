//! Clinical notes: drafts saved with the version they edited (a stale save from a second
//! window is refused with the stored text, so neither is lost), signed by their author (the
//! signer, the time and the SHA-256 of the text; the database refuses any later change), and
//! addenda, signed as they are written.

use crate::StoreError;
use crate::access::ClinicalAccess;
use crate::audit;
use crate::backend::Tx;
use crate::sql::OptUuid;
use kapflow_domain::calendar::NoteTemplate;
use kapflow_domain::notes::{NoteBody, content_hash};
use kapflow_domain::{Actor, AddendumId, AppointmentId, ClientId, NoteId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Clinical notes and their addenda.
    Notes
);

/// A clinical note as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoteRow {
    #[sqlx(try_from = "Uuid")]
    pub id: NoteId,
    #[sqlx(try_from = "Uuid")]
    pub client_id: ClientId,
    #[sqlx(try_from = "OptUuid")]
    pub appointment_id: Option<AppointmentId>,
    #[sqlx(try_from = "String")]
    pub template: NoteTemplate,
    pub title: String,
    body: String,
    pub version: i64,
    #[sqlx(try_from = "Uuid")]
    pub author_id: UserId,
    pub author_name: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub signed_at: Option<OffsetDateTime>,
    pub signer_name: Option<String>,
    pub content_sha256: Option<String>,
}

impl NoteRow {
    /// The sections as written; a body kapflow cannot read is an error, never an empty note.
    pub fn body(&self) -> Result<NoteBody, StoreError> {
        serde_json::from_str(&self.body)
            .map_err(|_| StoreError::Corrupt("a clinical note's text cannot be read".into()))
    }

    pub fn is_signed(&self) -> bool {
        self.signed_at.is_some()
    }

    /// A note as the store reads it, for tests of code that maps notes (the FHIR crate's):
    /// signed at `signed_at` by its author when given, with the hash signing stores.
    #[cfg(feature = "testkit")]
    pub fn for_tests(
        client_id: ClientId,
        template: NoteTemplate,
        body: &NoteBody,
        author: (UserId, &str),
        signed_at: Option<OffsetDateTime>,
    ) -> NoteRow {
        let created_at = signed_at.unwrap_or_else(kapflow_domain::time_util::now_utc);
        NoteRow {
            id: NoteId::new(),
            client_id,
            appointment_id: None,
            template,
            title: format!("{} note", template.label()),
            body: serde_json::to_string(body).unwrap_or_default(),
            version: 2,
            author_id: author.0,
            author_name: author.1.to_owned(),
            created_at,
            updated_at: created_at,
            signed_at,
            signer_name: signed_at.map(|_| author.1.to_owned()),
            content_sha256: signed_at.map(|_| content_hash(&body.canonical(template))),
        }
    }
}

/// A signed addendum.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AddendumRow {
    #[sqlx(try_from = "Uuid")]
    pub id: AddendumId,
    pub body: String,
    pub author_name: String,
    pub signed_at: OffsetDateTime,
    pub content_sha256: String,
}

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Saved; the note's new version.
    Done(i64),
    /// Someone (another window) saved since the version this save edited: nothing was
    /// written, and this is the note as it stands.
    Stale(Box<NoteRow>),
    /// The note is signed: a change is an addendum.
    Signed,
    /// Only the note's author writes it.
    NotAuthor,
    NotFound,
}

/// What became of a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signing {
    Done,
    Stale(Box<NoteRow>),
    /// Nothing is written yet.
    Empty,
    AlreadySigned,
    NotAuthor,
    NotFound,
}

/// A note to start: of an appointment (or free-standing), its template, title and first text.
#[derive(Clone, Copy, Debug)]
pub struct NewNote<'a> {
    pub appointment: Option<AppointmentId>,
    pub template: NoteTemplate,
    pub title: &'a str,
    pub body: &'a NoteBody,
}

pub(crate) const NOTE_COLUMNS: &str = "SELECT n.id, n.client_id, n.appointment_id, n.template, n.title, \
     n.body, n.version, n.author_id, u.display_name AS author_name, n.created_at, n.updated_at, \
     n.signed_at, s.display_name AS signer_name, n.content_sha256 FROM clinical_notes n JOIN \
     users u ON u.id = n.author_id LEFT JOIN users s ON s.id = n.signed_by";

async fn note(tx: &mut Tx, client: ClientId, id: NoteId) -> Result<Option<NoteRow>, StoreError> {
    tx.fetch_optional(
        sqlx::AssertSqlSafe(format!(
            "{NOTE_COLUMNS} WHERE n.id = $1 AND n.client_id = $2"
        )),
        args![id, client],
    )
    .await
}

fn body_json(body: &NoteBody) -> Result<String, StoreError> {
    serde_json::to_string(body).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Notes<'_> {
    /// The client's notes, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self, access: &ClinicalAccess) -> Result<Vec<NoteRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "{NOTE_COLUMNS} WHERE n.client_id = $1 ORDER BY n.created_at DESC, n.id"
                )),
                args![access.client()],
            )
            .await
    }

    /// One note of the client with its addenda, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn get(
        &self,
        access: &ClinicalAccess,
        id: NoteId,
    ) -> Result<Option<(NoteRow, Vec<AddendumRow>)>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let Some(n) = note(&mut tx, access.client(), id).await? else {
            return Ok(None);
        };
        let addenda = tx
            .fetch_all(
                "SELECT a.id, a.body, u.display_name AS author_name, a.signed_at, \
                 a.content_sha256 FROM note_addenda a JOIN users u ON u.id = a.author_id WHERE \
                 a.note_id = $1 ORDER BY a.signed_at, a.id",
                args![id],
            )
            .await?;
        tx.commit().await?;
        Ok(Some((n, addenda)))
    }

    /// The note of an appointment of the client, if one was started.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn of_appointment(
        &self,
        access: &ClinicalAccess,
        appointment: AppointmentId,
    ) -> Result<Option<NoteId>, StoreError> {
        let id: Option<Uuid> = self
            .store
            .db
            .scalar_optional(
                "SELECT id FROM clinical_notes WHERE appointment_id = $1 AND client_id = $2",
                args![appointment, access.client()],
            )
            .await?;
        Ok(id.map(NoteId::from))
    }

    /// Starts a note by the caller (of `appointment`, which must be the client's, or
    /// free-standing). An appointment has one note: starting it again opens the first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn start(
        &self,
        access: &ClinicalAccess,
        new: &NewNote<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<NoteId>, StoreError> {
        let NewNote {
            appointment,
            template,
            title,
            body,
        } = *new;
        let mut tx = self.store.begin().await?;
        if let Some(a) = appointment {
            let theirs: bool = tx
                .scalar(
                    "SELECT COUNT(*) > 0 FROM appointments WHERE id = $1 AND client_id = $2",
                    args![a, access.client()],
                )
                .await?;
            if !theirs {
                return Ok(None);
            }
            let existing: Option<Uuid> = tx
                .scalar_optional(
                    "SELECT id FROM clinical_notes WHERE appointment_id = $1",
                    args![a],
                )
                .await?;
            if let Some(id) = existing {
                return Ok(Some(NoteId::from(id)));
            }
        }
        let id = NoteId::new();
        tx.exec(
            "INSERT INTO clinical_notes (id, client_id, appointment_id, template, title, body, \
             version, author_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, \
             $8, $8)",
            args![
                id,
                access.client(),
                appointment,
                template,
                title,
                body_json(body)?,
                access.access().user(),
                now
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("note.started", now)
                .record("clinical_note", id)
                .client(access.client()),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Saves the author's draft, edited from `version`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save(
        &self,
        access: &ClinicalAccess,
        id: NoteId,
        body: &NoteBody,
        version: i64,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.store.begin().await?;
        let Some(n) = note(&mut tx, access.client(), id).await? else {
            return Ok(Saved::NotFound);
        };
        if n.is_signed() {
            return Ok(Saved::Signed);
        }
        if n.author_id != access.access().user() {
            return Ok(Saved::NotAuthor);
        }
        if n.version != version {
            return Ok(Saved::Stale(Box::new(n)));
        }
        let changed = tx
            .exec(
                "UPDATE clinical_notes SET body = $1, version = version + 1, updated_at = $2 WHERE \
                 id = $3 AND version = $4 AND signed_at IS NULL",
                args![body_json(body)?, now, id, version],
            )
            .await?;
        if changed == 0 {
            return Ok(Saved::Stale(Box::new(n)));
        }
        audit::append(
            &mut tx,
            &actor
                .entry("note.saved", now)
                .record("clinical_note", id)
                .client(access.client()),
        )
        .await?;
        tx.commit().await?;
        Ok(Saved::Done(version + 1))
    }

    /// Signs the author's note as it stands at `version`: the signer, the time and the SHA-256
    /// of its text; the note never changes after.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign(
        &self,
        access: &ClinicalAccess,
        id: NoteId,
        version: i64,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Signing, StoreError> {
        let mut tx = self.store.begin().await?;
        let Some(n) = note(&mut tx, access.client(), id).await? else {
            return Ok(Signing::NotFound);
        };
        if n.is_signed() {
            return Ok(Signing::AlreadySigned);
        }
        if n.author_id != access.access().user() {
            return Ok(Signing::NotAuthor);
        }
        if n.version != version {
            return Ok(Signing::Stale(Box::new(n)));
        }
        let body = n.body()?;
        if body.is_empty() {
            return Ok(Signing::Empty);
        }
        let hash = content_hash(&body.canonical(n.template));
        tx.exec(
            "UPDATE clinical_notes SET signed_at = $1, signed_by = $2, content_sha256 = $3 WHERE \
             id = $4 AND version = $5 AND signed_at IS NULL",
            args![now, access.access().user(), hash.as_str(), id, version],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("note.signed", now)
                .record("clinical_note", id)
                .client(access.client()),
        )
        .await?;
        tx.commit().await?;
        Ok(Signing::Done)
    }

    /// Adds a signed addendum to a signed note of the client (by any clinician who may write
    /// the record); `None` when the note is not found or not signed yet.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_addendum(
        &self,
        access: &ClinicalAccess,
        id: NoteId,
        text: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<AddendumId>, StoreError> {
        let mut tx = self.store.begin().await?;
        match note(&mut tx, access.client(), id).await? {
            Some(n) if n.is_signed() => {}
            _ => return Ok(None),
        }
        let add = AddendumId::new();
        tx.exec(
            "INSERT INTO note_addenda (id, note_id, body, author_id, signed_at, content_sha256) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![
                add,
                id,
                text,
                access.access().user(),
                now,
                content_hash(text).as_str()
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("note.addendum", now)
                .record("clinical_note", id)
                .client(access.client()),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(add))
    }
}
