//! Courses of treatment and their stage changes. The store gathers the facts
//! (`CourseFacts`) inside the transaction that changes the stage, asks the domain's state
//! machine, and records who, when, from, to and why — or returns every unmet precondition.

use crate::error::UniqueOr;
use crate::lookup::{COURSE_COLUMNS, current_consent, current_course};
use crate::sql::OptText;
use crate::{ClientAccess, ClinicalAccess, StoreError, Tx, audit, measures};
use kapflow_domain::consent::ConsentKind;
use kapflow_domain::pathway::{self, CourseFacts, GateRefused, Stage, Transition};
use kapflow_domain::prescribing::{Decision, eligibility};
use kapflow_domain::{Actor, AuditOutcome, ClientId, CourseId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub use crate::lookup::CourseRow;

crate::topic!(
    /// Courses of treatment and their stages.
    Courses
);

/// One stage change in a course's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransitionRow {
    pub at: OffsetDateTime,
    pub actor_name: Option<String>,
    #[sqlx(try_from = "OptText")]
    pub from_stage: Option<Stage>,
    #[sqlx(try_from = "String")]
    pub to_stage: Stage,
    pub reason: String,
}

/// Opens course `number` of a client at assessment, with its first history row and its
/// baseline questionnaires (inside the caller's transaction).
pub(crate) async fn open(
    tx: &mut Tx,
    client: ClientId,
    number: i64,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<CourseId, StoreError> {
    let id = CourseId::new();
    tx.exec(
        "INSERT INTO courses (id, client_id, number, stage, opened_at) VALUES ($1, $2, $3, $4, \
             $5)",
        args![id, client, number, Stage::Assessment, now],
    )
    .await?;
    tx.exec(
        "INSERT INTO course_transitions (id, course_id, at, actor_id, from_stage, to_stage, \
             reason) VALUES ($1, $2, $3, $4, NULL, $5, 'Course opened')",
        args![
            Uuid::now_v7(),
            id,
            now,
            crate::actor_uuid(actor),
            Stage::Assessment
        ],
    )
    .await?;
    measures::schedule_baseline(tx, client, id, actor, now).await?;
    audit::append(
        tx,
        &actor
            .entry("course.opened", now)
            .record("course", id)
            .client(client),
    )
    .await?;
    Ok(id)
}

/// Everything the gates read, as of now, inside `tx`.
pub(crate) async fn facts(
    tx: &mut Tx,
    course: &CourseRow,
    today: Date,
) -> Result<CourseFacts, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        intake_completed: bool,
        screening_reviewed: bool,
        preparation_signed_off: bool,
        referred: bool,
        active_prescription: bool,
        received: bool,
        support_named: bool,
    }
    let r: Row = tx
        .fetch_one(
            "SELECT (SELECT COUNT(*) > 0 FROM intakes WHERE course_id = $1 AND completed_at IS \
                 NOT NULL) AS intake_completed, (SELECT COUNT(*) > 0 FROM intakes WHERE course_id \
                 = $1 AND screening_reviewed_at IS NOT NULL) AS screening_reviewed, (SELECT \
                 COUNT(*) > 0 FROM preparations WHERE course_id = $1 AND signed_off_at IS NOT \
                 NULL) AS preparation_signed_off, (SELECT COUNT(*) > 0 FROM referrals WHERE \
                 course_id = $1) AS referred, (SELECT COUNT(*) > 0 FROM prescriptions WHERE \
                 course_id = $1 AND superseded_at IS NULL) AS active_prescription, (SELECT \
                 COUNT(*) > 0 FROM shipments s JOIN prescriptions p ON p.id = s.prescription_id \
                 WHERE s.course_id = $1 AND p.superseded_at IS NULL AND s.received_at IS NOT NULL) \
                 AS received, (SELECT COUNT(*) > 0 FROM clients WHERE id = $2 AND support_name IS \
                 NOT NULL) AS support_named",
            args![course.id, course.client_id],
        )
        .await?;
    #[derive(sqlx::FromRow)]
    struct LastEvaluation {
        #[sqlx(try_from = "String")]
        decision: Decision,
        valid_until: Option<Date>,
    }
    let evaluation: Option<LastEvaluation> = tx
        .fetch_optional(
            "SELECT decision, valid_until FROM evaluations WHERE course_id = $1 ORDER BY \
                 recorded_at DESC, id DESC LIMIT 1",
            args![course.id],
        )
        .await?;
    Ok(CourseFacts {
        intake_completed: r.intake_completed,
        screening_reviewed: r.screening_reviewed,
        kap_consent: current_consent(tx, course.client_id, ConsentKind::Kap).await?,
        release_of_information: current_consent(
            tx,
            course.client_id,
            ConsentKind::ReleaseOfInformation,
        )
        .await?,
        preparation_signed_off: r.preparation_signed_off,
        referred: r.referred,
        eligibility: evaluation.and_then(|e| eligibility(e.decision, e.valid_until)),
        active_prescription: r.active_prescription,
        medication_received_by_client: r.received,
        support_person_named: r.support_named,
        today,
    })
}

/// Applies `t` to `course` if its gates allow, recording history and audit in `tx`.
pub(crate) async fn apply(
    tx: &mut Tx,
    course: &CourseRow,
    t: &Transition,
    why: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Result<Stage, GateRefused>, StoreError> {
    let from = course.stage;
    let today = tx.zone().await?.today(now);
    let f = facts(tx, course, today).await?;
    let to = match pathway::transition(from, t, &f) {
        Ok(to) => to,
        Err(refused) => return Ok(Err(refused)),
    };
    // The stage must still be what the facts were read against (another request may have
    // moved it); one writer per row either way.
    let closed = pathway::ended(to).then_some(now);
    let n = tx
        .exec(
            "UPDATE courses SET stage = $1, closed_at = COALESCE($2, closed_at) WHERE id = $3 \
                 AND stage = $4",
            args![to, closed, course.id, from],
        )
        .await?;
    if n != 1 {
        return Ok(Err(GateRefused {
            reasons: vec![pathway::Unmet::NotTheNextStage],
        }));
    }
    tx.exec(
        "INSERT INTO course_transitions (id, course_id, at, actor_id, from_stage, to_stage, \
             reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![
            Uuid::now_v7(),
            course.id,
            now,
            crate::actor_uuid(actor),
            from,
            to,
            why
        ],
    )
    .await?;
    if pathway::ended(to) {
        measures::schedule_follow_ups(tx, course.client_id, course.id, actor, now).await?;
    }
    audit::append(
        tx,
        &actor
            .entry("course.transition", now)
            .record("course", course.id)
            .client(course.client_id)
            .because(format!("{from} -> {to}")),
    )
    .await?;
    Ok(Ok(to))
}

/// Moves the course on if every gate of the next stage is met (after a prescriber's act);
/// otherwise leaves it where it is.
pub(crate) async fn advance_if_ready(
    tx: &mut Tx,
    course: CourseId,
    why: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let course: CourseRow = tx
        .fetch_one(
            sqlx::AssertSqlSafe(format!(
                "SELECT {COURSE_COLUMNS} FROM courses WHERE id = $1"
            )),
            args![course],
        )
        .await?;
    let next = match course.stage {
        Stage::MedicalEvaluation => Stage::Medication,
        Stage::Medication => Stage::ReadyForDosing,
        _ => return Ok(()),
    };
    let _ = apply(tx, &course, &Transition::Advance(next), why, actor, now).await?;
    Ok(())
}

impl Courses<'_> {
    /// The client's current course (its stage shows on every client page).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn current(&self, access: &ClientAccess) -> Result<Option<CourseRow>, StoreError> {
        // One statement: no read transaction (its BEGIN and COMMIT were two more round trips
        // on every client page).
        self.store
            .db
            .fetch_optional(crate::lookup::CURRENT_COURSE, args![access.client()])
            .await
    }

    /// Every course of the client, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn all(&self, access: &ClientAccess) -> Result<Vec<CourseRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, client_id, number, stage, opened_at, closed_at FROM courses WHERE \
                     client_id = $1 ORDER BY number DESC",
                args![access.client()],
            )
            .await
    }

    /// The stage changes of one of the client's courses.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn history(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Vec<TransitionRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT t.at, u.display_name AS actor_name, t.from_stage, t.to_stage, t.reason \
                     FROM course_transitions t JOIN courses c ON c.id = t.course_id LEFT JOIN \
                     users u ON u.id = t.actor_id WHERE t.course_id = $1 AND c.client_id = $2 \
                     ORDER BY t.at, t.id",
                args![course, access.client()],
            )
            .await
    }

    /// The current course's facts, for showing what the next step still needs.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn facts(
        &self,
        access: &ClinicalAccess,
        now: OffsetDateTime,
    ) -> Result<Option<(CourseRow, CourseFacts)>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let Some(course) = current_course(&mut tx, access.client()).await? else {
            return Ok(None);
        };
        let today = tx.zone().await?.today(now);
        let f = facts(&mut tx, &course, today).await?;
        tx.commit().await?;
        Ok(Some((course, f)))
    }

    /// Applies a transition to the client's current course; a refusal lists every unmet
    /// precondition and is audited too.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn transition(
        &self,
        access: &ClientAccess,
        t: &Transition,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Result<Stage, GateRefused>>, StoreError> {
        self.transition_because(access, t, None, actor, now).await
    }

    /// [`Courses::transition`] with the clinician's own words for the history (`why`), in place
    /// of the transition's standard wording.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn transition_because(
        &self,
        access: &ClientAccess,
        t: &Transition,
        why: Option<&str>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Result<Stage, GateRefused>>, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(course) = current_course(&mut tx, client).await? else {
            return Ok(None);
        };
        let why = match (why, t) {
            (Some(why), _) => why.to_owned(),
            (None, Transition::Discontinue { reason }) => reason.clone(),
            (None, Transition::Advance(to)) => {
                format!("Advanced to {}", to.label().to_lowercase())
            }
            (None, Transition::SessionOpened(_)) => "A dosing session opened".to_owned(),
            (None, Transition::SessionClosed) => "The dosing session closed".to_owned(),
            (None, Transition::Complete) => "Course completed".to_owned(),
        };
        let outcome = apply(&mut tx, &course, t, &why, actor, now).await?;
        if let Err(refused) = &outcome {
            let reasons = refused
                .reasons
                .iter()
                .map(|u| u.message())
                .collect::<Vec<_>>()
                .join(" ");
            let entry = actor
                .entry("course.transition", now)
                .record("course", course.id)
                .client(client)
                .outcome(AuditOutcome::Denied, Some(&reasons));
            audit::append(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(Some(outcome))
    }

    /// Opens a new course after the current one ended (completed or discontinued).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn start_new(
        &self,
        access: &ClientAccess,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(course) = current_course(&mut tx, client).await? else {
            return Ok(false);
        };
        if !pathway::ended(course.stage) {
            return Ok(false);
        }
        // A double click can open the same course number twice at once (PostgreSQL): the
        // unique number refuses the second, and the course the first opened is the answer.
        if open(&mut tx, client, course.number + 1, actor, now)
            .await
            .or_duplicate()?
            .is_some()
        {
            tx.commit().await?;
        }
        Ok(true)
    }
}
