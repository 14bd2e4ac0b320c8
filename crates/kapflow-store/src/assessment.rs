//! The intake (with its screening review) and the preparation of a client's current course.
//! Both are kept as typed, JSON-encoded domain forms; a completed intake and a signed-off
//! preparation are locked, so what the prescriber was shown cannot change underneath them.

use crate::courses::current_course_tx;
use crate::{Store, StoreError, audit};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::Stage;
use kapflow_domain::preparation::PreparationForm;
use kapflow_domain::{Actor, ClientId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct IntakeRecord {
    pub course_id: Uuid,
    pub form: IntakeForm,
    pub sensitivity: Sensitivity,
    pub updated_at: OffsetDateTime,
    pub completed: Option<(OffsetDateTime, String)>,
    pub screening_reviewed: Option<(OffsetDateTime, String)>,
}

#[derive(Debug, Clone)]
pub struct PreparationRecord {
    pub form: PreparationForm,
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
}

#[derive(sqlx::FromRow)]
struct IntakeRow {
    course_id: Uuid,
    form_json: String,
    sensitivity: String,
    updated_at: OffsetDateTime,
    completed_at: Option<OffsetDateTime>,
    completed_name: Option<String>,
    screening_reviewed_at: Option<OffsetDateTime>,
    reviewed_name: Option<String>,
}

fn parse_json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    // Written by this code from the same types; an unreadable row shows as empty rather than
    // failing the whole page, and `check` reports it.
    serde_json::from_str(s).unwrap_or_default()
}

/// The client's current course if its form of `stage` may still change: the course is in that
/// stage and `locked_sql` (a count query on the course id) finds no completion yet.
async fn editable_course(
    tx: &mut crate::Tx,
    client: ClientId,
    stage: Stage,
    locked_sql: &'static str,
) -> Result<Result<crate::courses::CourseRow, Saved>, StoreError> {
    let Some(course) = current_course_tx(tx, client).await? else {
        return Ok(Err(Saved::NoCourse));
    };
    if course.stage() != stage {
        return Ok(Err(Saved::WrongStage));
    }
    let locked: bool = on_tx!(tx, c => sqlx::query_scalar::<_, bool>(locked_sql)
        .bind(course.id).fetch_one(c).await)?;
    Ok(if locked {
        Err(Saved::Locked)
    } else {
        Ok(course)
    })
}

impl Store {
    pub async fn intake(&self, course: Uuid) -> Result<Option<IntakeRecord>, StoreError> {
        let row: Option<IntakeRow> = on_db!(self, c => sqlx::query_as(
            "SELECT i.course_id, i.form_json, i.sensitivity, i.updated_at, i.completed_at, cu.display_name AS completed_name, \
             i.screening_reviewed_at, ru.display_name AS reviewed_name FROM intakes i \
             LEFT JOIN users cu ON cu.id = i.completed_by LEFT JOIN users ru ON ru.id = i.screening_reviewed_by \
             WHERE i.course_id = $1"
        ).bind(course).fetch_optional(c).await)?;
        Ok(row.map(|r| IntakeRecord {
            course_id: r.course_id,
            form: parse_json(&r.form_json),
            sensitivity: Sensitivity::parse(&r.sensitivity).unwrap_or(Sensitivity::General),
            updated_at: r.updated_at,
            completed: r
                .completed_at
                .map(|t| (t, r.completed_name.unwrap_or_default())),
            screening_reviewed: r
                .screening_reviewed_at
                .map(|t| (t, r.reviewed_name.unwrap_or_default())),
        }))
    }

    /// Saves the intake of the current course as a draft, or completes it (`complete`; the
    /// caller has checked `IntakeForm::check_complete`). Only during assessment.
    pub async fn save_intake(
        &self,
        client: ClientId,
        form: &IntakeForm,
        sensitivity: Sensitivity,
        complete: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.begin().await?;
        const LOCKED: &str =
            "SELECT COUNT(*) > 0 FROM intakes WHERE course_id = $1 AND completed_at IS NOT NULL";
        let course = match editable_course(&mut tx, client, Stage::Assessment, LOCKED).await? {
            Ok(c) => c,
            Err(refused) => return Ok(refused),
        };
        let json = serde_json::to_string(form).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let by = crate::actor_uuid(actor);
        let done = complete.then_some(now);
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO intakes (course_id, form_json, sensitivity, updated_at, updated_by, completed_at, completed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (course_id) DO UPDATE SET form_json = excluded.form_json, sensitivity = excluded.sensitivity, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by, completed_at = excluded.completed_at, \
             completed_by = excluded.completed_by"
        ).bind(course.id).bind(json).bind(sensitivity.as_str()).bind(now).bind(by).bind(done).bind(done.and(by))
            .execute(c).await.map(|r| r.rows_affected()))?;
        let action = if complete {
            "intake.completed"
        } else {
            "intake.saved"
        };
        audit::append(
            &mut tx,
            &actor
                .entry(action, now)
                .record("intake", course.id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(Saved::Saved)
    }

    /// The therapist confirms they have read the screening flags of the completed intake.
    pub async fn review_screening(
        &self,
        client: ClientId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = current_course_tx(&mut tx, client).await? else {
            return Ok(Saved::NoCourse);
        };
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE intakes SET screening_reviewed_at = $1, screening_reviewed_by = $2 \
             WHERE course_id = $3 AND completed_at IS NOT NULL AND screening_reviewed_at IS NULL"
        ).bind(now).bind(crate::actor_uuid(actor)).bind(course.id).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(Saved::WrongStage);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("screening.reviewed", now)
                .record("intake", course.id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(Saved::Saved)
    }

    pub async fn preparation(&self, course: Uuid) -> Result<Option<PreparationRecord>, StoreError> {
        let row: Option<(
            String,
            OffsetDateTime,
            Option<OffsetDateTime>,
            Option<String>,
        )> = on_db!(self, c => sqlx::query_as(
            "SELECT p.form_json, p.updated_at, p.signed_off_at, u.display_name FROM preparations p \
             LEFT JOIN users u ON u.id = p.signed_off_by WHERE p.course_id = $1"
        ).bind(course).fetch_optional(c).await)?;
        Ok(row.map(|(json, updated_at, at, name)| PreparationRecord {
            form: parse_json(&json),
            updated_at,
            signed_off: at.map(|t| (t, name.unwrap_or_default())),
        }))
    }

    /// Saves preparation of the current course (during preparation), or signs off readiness.
    pub async fn save_preparation(
        &self,
        client: ClientId,
        form: &PreparationForm,
        sign_off: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.begin().await?;
        const LOCKED: &str = "SELECT COUNT(*) > 0 FROM preparations WHERE course_id = $1 AND signed_off_at IS NOT NULL";
        let course = match editable_course(&mut tx, client, Stage::Preparation, LOCKED).await? {
            Ok(c) => c,
            Err(refused) => return Ok(refused),
        };
        let json = serde_json::to_string(form).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let by = crate::actor_uuid(actor);
        let done = sign_off.then_some(now);
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO preparations (course_id, form_json, updated_at, updated_by, signed_off_at, signed_off_by) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (course_id) DO UPDATE SET form_json = excluded.form_json, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by, signed_off_at = excluded.signed_off_at, signed_off_by = excluded.signed_off_by"
        ).bind(course.id).bind(json).bind(now).bind(by).bind(done).bind(done.and(by))
            .execute(c).await.map(|r| r.rows_affected()))?;
        let action = if sign_off {
            "preparation.signed_off"
        } else {
            "preparation.saved"
        };
        audit::append(
            &mut tx,
            &actor
                .entry(action, now)
                .record("preparation", course.id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(Saved::Saved)
    }
}
