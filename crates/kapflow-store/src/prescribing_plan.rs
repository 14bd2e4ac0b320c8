//! The prescription's plan for the dosing sessions (docs/domain.md §3) and how far a course has
//! come along it: writing a prescription with its plan, reading the active plan with the
//! sessions held, and the course's dosing sessions as a list. Doses are whole micrograms; a
//! prescription from before plans has no dose stored and reads its strength as the dose.

use crate::{ClinicalAccess, StoreError, Tx};
use kapflow_domain::prescribing::Prescription;
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::{CourseId, DosingSessionId, PrescriptionId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The columns of a `PrescriptionRow` (`p` is `prescriptions`, `u` the prescriber), the dose
/// resolved for prescriptions written before plans.
macro_rules! rx_columns {
    () => {
        "p.id, p.drug, p.form, p.strength_mg, p.quantity, p.directions, p.pharmacy, \
         p.prescribed_at, p.superseded_at, u.display_name AS prescriber, p.sessions_planned, \
         p.min_days_between, COALESCE(p.dose_ug, p.strength_mg * 1000) AS dose_ug, \
         p.split_allowed, p.booster_ug"
    };
}
pub(crate) use rx_columns;

/// The active prescription's plan and the course's progress along it, for the dosing gates.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlanRow {
    #[sqlx(try_from = "Uuid")]
    pub prescription_id: PrescriptionId,
    pub sessions_planned: i64,
    pub min_days_between: i64,
    /// The dose per session in µg (the strength for a prescription written before plans).
    pub dose_ug: i64,
    pub split_allowed: bool,
    /// `None`: no booster.
    pub booster_ug: Option<i64>,
    /// Dosing sessions of this course that opened (whatever became of them after).
    pub sessions_held: i64,
    /// When the last of them opened.
    pub last_opened_at: Option<OffsetDateTime>,
}

impl PlanRow {
    /// The practice's date the last session opened on (the day the gates count from).
    pub fn last_opened_on(&self, zone: &kapflow_domain::zone::PracticeZone) -> Option<Date> {
        self.last_opened_at.map(|t| zone.today(t))
    }

    /// The plan as the domain holds it; `None` if a stored number no longer fits (never
    /// written by kapflow: every plan is validated before it is stored).
    pub fn plan(&self) -> Option<DosingPlan> {
        stored_plan(
            self.sessions_planned,
            self.min_days_between,
            self.dose_ug,
            self.split_allowed,
            self.booster_ug,
        )
    }
}

impl crate::prescribing::PrescriptionRow {
    /// The plan as the domain holds it; `None` only if a stored number no longer fits.
    pub fn plan(&self) -> Option<DosingPlan> {
        stored_plan(
            self.sessions_planned,
            self.min_days_between,
            self.dose_ug,
            self.split_allowed,
            self.booster_ug,
        )
    }
}

/// A plan from its stored columns.
fn stored_plan(
    sessions: i64,
    days: i64,
    dose_ug: i64,
    split_allowed: bool,
    booster_ug: Option<i64>,
) -> Option<DosingPlan> {
    Some(DosingPlan {
        sessions_planned: u32::try_from(sessions).ok()?,
        min_days_between: u32::try_from(days).ok()?,
        dose_ug: u32::try_from(dose_ug).ok()?,
        split_allowed,
        booster_ug: match booster_ug {
            Some(b) => Some(u32::try_from(b).ok()?),
            None => None,
        },
    })
}

/// The active (not superseded) prescription's plan of `course`, with the sessions held so far
/// and when the last one opened; `None` when the course has no active prescription.
pub(crate) async fn plan(tx: &mut Tx, course: CourseId) -> Result<Option<PlanRow>, StoreError> {
    tx.fetch_optional(PLAN_SQL, args![course]).await
}

const PLAN_SQL: &str = "SELECT p.id AS prescription_id, p.sessions_planned, p.min_days_between, \
     COALESCE(p.dose_ug, p.strength_mg * 1000) AS dose_ug, p.split_allowed, p.booster_ug, \
     (SELECT COUNT(*) FROM dosing_sessions d WHERE d.course_id = p.course_id AND d.opened_at IS \
     NOT NULL) AS sessions_held, (SELECT MAX(d.opened_at) FROM dosing_sessions d WHERE \
     d.course_id = p.course_id AND d.opened_at IS NOT NULL) AS last_opened_at FROM \
     prescriptions p WHERE p.course_id = $1 AND p.superseded_at IS NULL";

/// Writes `rx` with its plan as the course's active prescription, superseding the one before.
pub(crate) async fn insert_prescription(
    tx: &mut Tx,
    course: CourseId,
    rx: &Prescription,
    prescriber: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<PrescriptionId, StoreError> {
    tx.exec(
        "UPDATE prescriptions SET superseded_at = $1 WHERE course_id = $2 AND superseded_at IS \
             NULL",
        args![now, course],
    )
    .await?;
    let id = PrescriptionId::new();
    let p = &rx.plan;
    tx.exec(
        "INSERT INTO prescriptions (id, course_id, prescriber_id, drug, form, strength_mg, \
             quantity, directions, pharmacy, prescribed_at, sessions_planned, min_days_between, \
             dose_ug, split_allowed, booster_ug) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15)",
        args![
            id,
            course,
            prescriber,
            &rx.drug,
            rx.form,
            rx.strength_mg,
            rx.quantity,
            &rx.directions,
            &rx.pharmacy,
            now,
            p.sessions_planned,
            p.min_days_between,
            p.dose_ug,
            p.split_allowed,
            p.booster_ug
        ],
    )
    .await?;
    Ok(id)
}

/// One dosing session of a course, as the course page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DosingSessionLine {
    #[sqlx(try_from = "Uuid")]
    pub id: DosingSessionId,
    pub number: i64,
    /// `preparing`, `open`, `closed` or `cancelled`.
    pub status: String,
    pub prepared_at: OffsetDateTime,
    pub opened_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
}

impl crate::prescribing::Prescribing<'_> {
    /// The active prescription's plan of one of the client's courses and the sessions held.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn plan(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Option<PlanRow>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let owned: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM courses WHERE id = $1 AND client_id = $2",
                args![course, access.client()],
            )
            .await?;
        let row = if owned {
            plan(&mut tx, course).await?
        } else {
            None
        };
        tx.commit().await?;
        Ok(row)
    }

    /// The dosing sessions of one of the client's courses, in order.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dosing_sessions(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Vec<DosingSessionLine>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, number, status, prepared_at, opened_at, closed_at FROM \
                 dosing_sessions WHERE course_id = $1 AND client_id = $2 ORDER BY number",
                args![course, access.client()],
            )
            .await
    }
}
