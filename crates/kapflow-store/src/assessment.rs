//! The intake (with its screening review) and the preparation of a client's current course.
//! Both are kept as typed, JSON-encoded domain forms; a completed intake and a signed-off
//! preparation are locked, so what the prescriber was shown cannot change underneath them.
//! A stored form this code cannot read is reported as unreadable — never shown as blank — and
//! `kapflow check` lists it.

use crate::lookup::current_course;
use crate::{ClientAccess, ClinicalAccess, StoreError, audit};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::Stage;
use kapflow_domain::preparation::PreparationForm;
use kapflow_domain::{Actor, CourseId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Intake, screening review and preparation.
    Assessment
);

/// A stored form that does not decode into today's type: the page says so and `check`
/// reports it; nothing pretends it is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable;

#[derive(Debug, Clone)]
pub struct IntakeRecord {
    pub course_id: CourseId,
    pub form: Result<IntakeForm, Unreadable>,
    pub sensitivity: Sensitivity,
    pub updated_at: OffsetDateTime,
    pub completed: Option<(OffsetDateTime, String)>,
    pub screening_reviewed: Option<(OffsetDateTime, String)>,
}

#[derive(Debug, Clone)]
pub struct PreparationRecord {
    pub form: Result<PreparationForm, Unreadable>,
    pub updated_at: OffsetDateTime,
    pub signed_off: Option<(OffsetDateTime, String)>,
}

/// What saving a clinical form came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Saved,
    /// Already completed / signed off: changes are refused.
    Locked,
    /// The course is past the stage where this form is filled in, or ended.
    WrongStage,
    NoCourse,
    /// The stored form cannot be read: nothing is saved over it.
    Unreadable,
}

/// How an intake is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kept {
    Draft,
    Complete,
    /// A draft the client sent from the portal, every answer but today's blood pressure in.
    SentByClient,
}

#[derive(sqlx::FromRow)]
pub(crate) struct IntakeRow {
    #[sqlx(try_from = "Uuid")]
    pub(crate) course_id: CourseId,
    pub(crate) form_json: String,
    #[sqlx(try_from = "String")]
    pub(crate) sensitivity: Sensitivity,
    pub(crate) updated_at: OffsetDateTime,
    pub(crate) completed_at: Option<OffsetDateTime>,
    pub(crate) completed_name: Option<String>,
    pub(crate) screening_reviewed_at: Option<OffsetDateTime>,
    pub(crate) reviewed_name: Option<String>,
}

impl IntakeRow {
    /// The record, its form decoded (or `Unreadable`).
    pub(crate) fn record(self) -> IntakeRecord {
        IntakeRecord {
            course_id: self.course_id,
            form: decode(&self.form_json),
            sensitivity: self.sensitivity,
            updated_at: self.updated_at,
            completed: self
                .completed_at
                .map(|t| (t, self.completed_name.unwrap_or_default())),
            screening_reviewed: self
                .screening_reviewed_at
                .map(|t| (t, self.reviewed_name.unwrap_or_default())),
        }
    }
}

#[derive(sqlx::FromRow)]
struct PreparationRow {
    form_json: String,
    updated_at: OffsetDateTime,
    signed_off_at: Option<OffsetDateTime>,
    signed_off_name: Option<String>,
}

/// Decodes a stored form; written by this code from the same types, so a failure means the row
/// was damaged or written by an incompatible version.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, Unreadable> {
    serde_json::from_str(json).map_err(|_| Unreadable)
}

/// Audits a saved form (with its client) and commits: what every successful save ends with.
async fn saved(
    mut tx: crate::Tx,
    access: &ClientAccess,
    entry: kapflow_domain::AuditEntry,
) -> Result<Saved, StoreError> {
    audit::append(&mut tx, &entry.client(access.client())).await?;
    tx.commit().await?;
    Ok(Saved::Saved)
}

/// Where a form of one stage is stored: the stage, and queries for its lock and its JSON.
struct FormTable {
    stage: Stage,
    /// Counts a completion (or sign-off) of the course's form: `$1` is the course.
    locked: &'static str,
    /// The stored JSON of the course's form: `$1` is the course.
    stored: &'static str,
}

const INTAKE: FormTable = FormTable {
    stage: Stage::Assessment,
    locked: "SELECT COUNT(*) > 0 FROM intakes WHERE course_id = $1 AND completed_at IS NOT NULL",
    stored: "SELECT form_json FROM intakes WHERE course_id = $1",
};

const PREPARATION: FormTable = FormTable {
    stage: Stage::Preparation,
    locked: "SELECT COUNT(*) > 0 FROM preparations WHERE course_id = $1 \
             AND signed_off_at IS NOT NULL",
    stored: "SELECT form_json FROM preparations WHERE course_id = $1",
};

/// The client's current course if its form may still change: the course is in the form's
/// stage, the form is not completed yet, and what is stored can be read (a draft this code
/// cannot read is never overwritten, so nothing is lost).
async fn editable_course<T: serde::de::DeserializeOwned>(
    tx: &mut crate::Tx,
    access: &ClientAccess,
    table: &FormTable,
) -> Result<Result<crate::courses::CourseRow, Saved>, StoreError> {
    let Some(course) = current_course(tx, access.client()).await? else {
        return Ok(Err(Saved::NoCourse));
    };
    if course.stage != table.stage {
        return Ok(Err(Saved::WrongStage));
    }
    let locked: bool = tx.scalar(table.locked, args![course.id]).await?;
    if locked {
        return Ok(Err(Saved::Locked));
    }
    let stored: Option<String> = tx.scalar_optional(table.stored, args![course.id]).await?;
    if stored.is_some_and(|json| decode::<T>(&json).is_err()) {
        return Ok(Err(Saved::Unreadable));
    }
    Ok(Ok(course))
}

impl Assessment<'_> {
    /// The intake of one of the client's courses.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn intake(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Option<IntakeRecord>, StoreError> {
        let row: Option<IntakeRow> = self
            .store
            .db
            .fetch_optional(
                "SELECT i.course_id, i.form_json, i.sensitivity, i.updated_at, i.completed_at, \
                     cu.display_name AS completed_name, i.screening_reviewed_at, ru.display_name \
                     AS reviewed_name FROM intakes i JOIN courses c ON c.id = i.course_id LEFT \
                     JOIN users cu ON cu.id = i.completed_by LEFT JOIN users ru ON ru.id = \
                     i.screening_reviewed_by WHERE i.course_id = $1 AND c.client_id = $2",
                args![course, access.client()],
            )
            .await?;
        Ok(row.map(IntakeRow::record))
    }

    /// Saves the intake of the current course as a draft, or completes it (`complete`; the
    /// caller has checked `IntakeForm::check_complete`). Only during assessment.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save_intake(
        &self,
        access: &ClientAccess,
        form: &IntakeForm,
        sensitivity: Sensitivity,
        complete: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let how = if complete {
            Kept::Complete
        } else {
            Kept::Draft
        };
        self.keep_intake(access, form, sensitivity, how, actor, now)
            .await
    }

    /// Keeps the intake of the current course as `how` says (the portal's "send" is a draft
    /// the client hands to the care team, who complete it at the assessment).
    pub(crate) async fn keep_intake(
        &self,
        access: &ClientAccess,
        form: &IntakeForm,
        sensitivity: Sensitivity,
        how: Kept,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let complete = how == Kept::Complete;
        let mut tx = self.store.begin().await?;
        let course = match editable_course::<IntakeForm>(&mut tx, access, &INTAKE).await? {
            Ok(c) => c,
            Err(refused) => return Ok(refused),
        };
        let json = serde_json::to_string(form).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let by = crate::actor_uuid(actor);
        let done = complete.then_some(now);
        tx.exec(
            "INSERT INTO intakes (course_id, form_json, sensitivity, updated_at, updated_by, \
                 completed_at, completed_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT \
                 (course_id) DO UPDATE SET form_json = excluded.form_json, sensitivity = \
                 excluded.sensitivity, updated_at = excluded.updated_at, updated_by = \
                 excluded.updated_by, completed_at = excluded.completed_at, completed_by = \
                 excluded.completed_by",
            args![course.id, json, sensitivity, now, by, done, done.and(by)],
        )
        .await?;
        if how == Kept::SentByClient {
            tx.exec(
                "UPDATE intakes SET sent_by_client_at = $1 WHERE course_id = $2",
                args![now, course.id],
            )
            .await?;
        }
        let action = match how {
            Kept::Complete => "intake.completed",
            Kept::Draft => "intake.saved",
            Kept::SentByClient => "intake.sent_by_client",
        };
        saved(
            tx,
            access,
            actor.entry(action, now).record("intake", course.id),
        )
        .await
    }

    /// When the client sent the intake of this course from the portal, if they did.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sent_by_client(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let at: Option<Option<OffsetDateTime>> = self
            .store
            .db
            .scalar_optional(
                "SELECT i.sent_by_client_at FROM intakes i JOIN courses c ON c.id = i.course_id \
                 WHERE i.course_id = $1 AND c.client_id = $2",
                args![course, access.client()],
            )
            .await?;
        Ok(at.flatten())
    }

    /// The therapist confirms they have read the screening flags of the completed intake.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn review_screening(
        &self,
        access: &ClientAccess,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.store.begin().await?;
        let Some(course) = current_course(&mut tx, access.client()).await? else {
            return Ok(Saved::NoCourse);
        };
        // A screening nobody can see cannot be reviewed.
        let stored: Option<String> = tx.scalar_optional(INTAKE.stored, args![course.id]).await?;
        if stored.is_some_and(|json| decode::<IntakeForm>(&json).is_err()) {
            return Ok(Saved::Unreadable);
        }
        let n = tx
            .exec(
                "UPDATE intakes SET screening_reviewed_at = $1, screening_reviewed_by = $2 \
                     WHERE course_id = $3 AND completed_at IS NOT NULL AND screening_reviewed_at \
                     IS NULL",
                args![now, crate::actor_uuid(actor), course.id],
            )
            .await?;
        if n == 0 {
            return Ok(Saved::WrongStage);
        }
        saved(
            tx,
            access,
            actor
                .entry("screening.reviewed", now)
                .record("intake", course.id),
        )
        .await
    }

    /// The preparation of one of the client's courses.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn preparation(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Option<PreparationRecord>, StoreError> {
        let row: Option<PreparationRow> = self
            .store
            .db
            .fetch_optional(
                "SELECT p.form_json, p.updated_at, p.signed_off_at, u.display_name AS \
                     signed_off_name FROM preparations p JOIN courses c ON c.id = p.course_id LEFT \
                     JOIN users u ON u.id = p.signed_off_by WHERE p.course_id = $1 AND c.client_id \
                     = $2",
                args![course, access.client()],
            )
            .await?;
        Ok(row.map(|r| PreparationRecord {
            form: decode(&r.form_json),
            updated_at: r.updated_at,
            signed_off: r
                .signed_off_at
                .map(|t| (t, r.signed_off_name.unwrap_or_default())),
        }))
    }

    /// Saves preparation of the current course (during preparation), or signs off readiness.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save_preparation(
        &self,
        access: &ClientAccess,
        form: &PreparationForm,
        sign_off: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.store.begin().await?;
        let course = match editable_course::<PreparationForm>(&mut tx, access, &PREPARATION).await?
        {
            Ok(c) => c,
            Err(refused) => return Ok(refused),
        };
        let json = serde_json::to_string(form).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let by = crate::actor_uuid(actor);
        let done = sign_off.then_some(now);
        tx.exec(
            "INSERT INTO preparations (course_id, form_json, updated_at, updated_by, \
                 signed_off_at, signed_off_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT \
                 (course_id) DO UPDATE SET form_json = excluded.form_json, updated_at = \
                 excluded.updated_at, updated_by = excluded.updated_by, signed_off_at = \
                 excluded.signed_off_at, signed_off_by = excluded.signed_off_by",
            args![course.id, json, now, by, done, done.and(by)],
        )
        .await?;
        let action = if sign_off {
            "preparation.signed_off"
        } else {
            "preparation.saved"
        };
        saved(
            tx,
            access,
            actor.entry(action, now).record("preparation", course.id),
        )
        .await
    }
}
