//! Courses of treatment and their stage changes. The store gathers the facts
//! (`CourseFacts`) inside the transaction that changes the stage, asks the domain's state
//! machine, and records who, when, from, to and why — or returns every unmet precondition.

use crate::{Store, StoreError, Tx, audit};
use kapflow_domain::pathway::{self, CourseFacts, GateRefused, Stage, Transition};
use kapflow_domain::prescribing::{Decision, eligibility};
use kapflow_domain::{Actor, AuditOutcome, ClientId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseRow {
    pub id: Uuid,
    pub client_id: Uuid,
    pub number: i64,
    pub stage: String,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

impl CourseRow {
    pub fn stage(&self) -> Stage {
        // The CHECK constraint admits only known names.
        Stage::parse(&self.stage).unwrap_or(Stage::Discontinued)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransitionRow {
    pub at: OffsetDateTime,
    pub actor_name: Option<String>,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub reason: String,
}

pub(crate) async fn current_course_tx(
    tx: &mut Tx,
    client: ClientId,
) -> Result<Option<CourseRow>, StoreError> {
    Ok(on_tx!(tx, c => sqlx::query_as(
        "SELECT id, client_id, number, stage, opened_at, closed_at FROM courses WHERE client_id = $1 ORDER BY number DESC LIMIT 1"
    ).bind(client.as_uuid()).fetch_optional(c).await)?)
}

/// Whether the client has a signed, unrevoked signature of the latest version of `kind`.
pub(crate) async fn current_consent(
    tx: &mut Tx,
    client: ClientId,
    kind: &str,
) -> Result<bool, StoreError> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, bool>(
        "SELECT COUNT(*) > 0 FROM consent_signatures s JOIN consent_documents d ON d.id = s.document_id \
         WHERE s.client_id = $1 AND d.kind = $2 AND s.revoked_at IS NULL \
         AND d.version = (SELECT MAX(version) FROM consent_documents WHERE kind = $2)"
    ).bind(client.as_uuid()).bind(kind).fetch_one(c).await)?)
}

/// Everything the gates read, as of now, inside `tx`.
pub(crate) async fn facts(
    tx: &mut Tx,
    course: &CourseRow,
    today: Date,
) -> Result<CourseFacts, StoreError> {
    let client = ClientId::from_uuid(course.client_id);
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
    let r: Row = on_tx!(tx, c => sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) > 0 FROM intakes WHERE course_id = $1 AND completed_at IS NOT NULL) AS intake_completed, \
           (SELECT COUNT(*) > 0 FROM intakes WHERE course_id = $1 AND screening_reviewed_at IS NOT NULL) AS screening_reviewed, \
           (SELECT COUNT(*) > 0 FROM preparations WHERE course_id = $1 AND signed_off_at IS NOT NULL) AS preparation_signed_off, \
           (SELECT COUNT(*) > 0 FROM referrals WHERE course_id = $1) AS referred, \
           (SELECT COUNT(*) > 0 FROM prescriptions WHERE course_id = $1 AND superseded_at IS NULL) AS active_prescription, \
           (SELECT COUNT(*) > 0 FROM shipments s JOIN prescriptions p ON p.id = s.prescription_id \
              WHERE s.course_id = $1 AND p.superseded_at IS NULL AND s.received_at IS NOT NULL) AS received, \
           (SELECT COUNT(*) > 0 FROM clients WHERE id = $2 AND support_name IS NOT NULL) AS support_named"
    ).bind(course.id).bind(course.client_id).fetch_one(c).await)?;
    let evaluation: Option<(String, Option<Date>)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT decision, valid_until FROM evaluations WHERE course_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT 1"
    ).bind(course.id).fetch_optional(c).await)?;
    Ok(CourseFacts {
        intake_completed: r.intake_completed,
        screening_reviewed: r.screening_reviewed,
        kap_consent: current_consent(tx, client, "kap").await?,
        release_of_information: current_consent(tx, client, "release_of_information").await?,
        preparation_signed_off: r.preparation_signed_off,
        referred: r.referred,
        eligibility: evaluation
            .and_then(|(d, until)| Decision::parse(&d).and_then(|d| eligibility(d, until))),
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
    let from = course.stage();
    let f = facts(tx, course, pathway::today(now)).await?;
    let to = match pathway::transition(from, t, &f) {
        Ok(to) => to,
        Err(refused) => return Ok(Err(refused)),
    };
    // The stage must still be what the facts were read against (another request may have
    // moved it); one writer per row either way.
    let closed = (to == Stage::Discontinued).then_some(now);
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE courses SET stage = $1, closed_at = COALESCE($2, closed_at) WHERE id = $3 AND stage = $4"
    ).bind(to.as_str()).bind(closed).bind(course.id).bind(from.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(Err(GateRefused {
            reasons: vec![pathway::Unmet::NotTheNextStage],
        }));
    }
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO course_transitions (id, course_id, at, actor_id, from_stage, to_stage, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ).bind(Uuid::now_v7()).bind(course.id).bind(now).bind(crate::actor_uuid(actor))
        .bind(from.as_str()).bind(to.as_str()).bind(why).execute(c).await.map(|r| r.rows_affected()))?;
    if to == Stage::Discontinued {
        crate::measures::schedule_follow_ups(
            tx,
            course.client_id,
            course.id,
            crate::actor_uuid(actor),
            now,
        )
        .await?;
    }
    let mut entry = actor
        .entry("course.transition", now)
        .record("course", course.id)
        .client(course.client_id);
    entry.reason = Some(format!("{} -> {}", from.as_str(), to.as_str()));
    audit::append(tx, &entry).await?;
    Ok(Ok(to))
}

/// Moves the course on if every gate of the next stage is met (after a prescriber's act);
/// otherwise leaves it where it is.
pub(crate) async fn advance_if_ready(
    tx: &mut Tx,
    course_id: Uuid,
    why: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let course: CourseRow = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, client_id, number, stage, opened_at, closed_at FROM courses WHERE id = $1"
    ).bind(course_id).fetch_one(c).await)?;
    let next = match course.stage() {
        Stage::MedicalEvaluation => Stage::Medication,
        Stage::Medication => Stage::ReadyForDosing,
        _ => return Ok(()),
    };
    let _ = apply(tx, &course, &Transition::Advance(next), why, actor, now).await?;
    Ok(())
}

impl Store {
    pub async fn current_course(&self, client: ClientId) -> Result<Option<CourseRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, client_id, number, stage, opened_at, closed_at FROM courses WHERE client_id = $1 ORDER BY number DESC LIMIT 1"
        ).bind(client.as_uuid()).fetch_optional(c).await)?)
    }

    pub async fn courses(&self, client: ClientId) -> Result<Vec<CourseRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, client_id, number, stage, opened_at, closed_at FROM courses WHERE client_id = $1 ORDER BY number DESC"
        ).bind(client.as_uuid()).fetch_all(c).await)?)
    }

    pub async fn course_history(&self, course: Uuid) -> Result<Vec<TransitionRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT t.at, u.display_name AS actor_name, t.from_stage, t.to_stage, t.reason FROM course_transitions t \
             LEFT JOIN users u ON u.id = t.actor_id WHERE t.course_id = $1 ORDER BY t.at, t.id"
        ).bind(course).fetch_all(c).await)?)
    }

    /// The current course's facts, for showing what the next step still needs.
    pub async fn course_facts(
        &self,
        client: ClientId,
        now: OffsetDateTime,
    ) -> Result<Option<(CourseRow, CourseFacts)>, StoreError> {
        let mut tx = self.begin_read().await?;
        let Some(course) = current_course_tx(&mut tx, client).await? else {
            return Ok(None);
        };
        let f = facts(&mut tx, &course, pathway::today(now)).await?;
        tx.commit().await?;
        Ok(Some((course, f)))
    }

    /// Applies a transition to the client's current course; a refusal lists every unmet
    /// precondition and is audited too.
    pub async fn transition_course(
        &self,
        client: ClientId,
        t: &Transition,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Result<Stage, GateRefused>>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = current_course_tx(&mut tx, client).await? else {
            return Ok(None);
        };
        let why = match t {
            Transition::Discontinue { reason } => reason.clone(),
            Transition::Advance(to) => format!("Advanced to {}", to.label().to_lowercase()),
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

    /// Opens a new course after the current one was discontinued.
    pub async fn start_new_course(
        &self,
        client: ClientId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = current_course_tx(&mut tx, client).await? else {
            return Ok(false);
        };
        if course.stage() != Stage::Discontinued {
            return Ok(false);
        }
        let number = course.number + 1;
        let id = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO courses (id, client_id, number, stage, opened_at) VALUES ($1, $2, $3, 'assessment', $4)"
        ).bind(id).bind(client.as_uuid()).bind(number).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO course_transitions (id, course_id, at, actor_id, from_stage, to_stage, reason) \
             VALUES ($1, $2, $3, $4, NULL, 'assessment', 'Course opened')"
        ).bind(Uuid::now_v7()).bind(id).bind(now).bind(crate::actor_uuid(actor)).execute(c).await.map(|r| r.rows_affected()))?;
        crate::measures::schedule_baseline(
            &mut tx,
            client.as_uuid(),
            id,
            crate::actor_uuid(actor),
            now,
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("course.opened", now)
                .record("course", id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
