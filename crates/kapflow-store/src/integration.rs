//! Integration sessions recorded on a course (docs/domain.md §2), and completing the course
//! from integration. A session is checked inside the transaction that writes it: the course's
//! stage, its dates against the course's opening, the therapist against the care team, and
//! its audit row is written with it.

use crate::lookup::current_course;
use crate::{ClientAccess, ClinicalAccess, StoreError, audit};
use kapflow_domain::access::Action;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::integration::{IntegrationInput, may_record};
use kapflow_domain::pathway::{GateRefused, Stage, Transition};
use kapflow_domain::{Actor, CourseId, IntegrationId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Integration sessions, and completing a course.
    Integration
);

/// One integration session as the course page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IntegrationRow {
    #[sqlx(try_from = "Uuid")]
    pub id: IntegrationId,
    pub held_on: Date,
    #[sqlx(try_from = "Uuid")]
    pub therapist_id: UserId,
    pub therapist: String,
    pub summary: String,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
}

/// Why an integration session was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such client or course, or not the caller's to edit: shown as 404.
    NotFound,
    /// A field to fix, shown beside it with what was typed.
    Fields(FieldErrors),
    /// The course is not where integration sessions are recorded.
    Because(String),
}

impl Integration<'_> {
    /// Records an integration session on the client's current course, with its audit row.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record(
        &self,
        access: &ClinicalAccess,
        form: &IntegrationInput,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<IntegrationId, Refused>, StoreError> {
        let client = access.client();
        // Reading is not writing: only a caller who may edit the record gets this far.
        let Some(by) =
            crate::actor_uuid(actor).filter(|_| access.access().may(Action::EditClinicalRecord))
        else {
            return Ok(Err(Refused::NotFound));
        };
        let mut tx = self.store.begin().await?;
        let Some(course) = current_course(&mut tx, client).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if let Err(why) = may_record(course.stage) {
            return Ok(Err(Refused::Because(why)));
        }
        let zone = tx.zone().await?;
        let s = match form.validate(zone.today(now), zone.today(course.opened_at)) {
            Ok(s) => s,
            Err(e) => return Ok(Err(Refused::Fields(e))),
        };
        let on_team: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM care_team t JOIN users u ON u.id = t.user_id WHERE \
                 t.client_id = $1 AND t.user_id = $2 AND u.disabled_at IS NULL",
                args![client, s.therapist],
            )
            .await?;
        if !on_team {
            return Ok(Err(Refused::Fields(FieldErrors::of(
                "therapist",
                Some("Choose a therapist on this client's care team.".to_owned()),
            ))));
        }
        let id = IntegrationId::new();
        tx.exec(
            "INSERT INTO integration_sessions (id, course_id, client_id, held_on, therapist_id, \
             summary, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![
                id,
                course.id,
                client,
                s.held_on,
                s.therapist,
                &s.summary,
                now,
                by
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("integration.recorded", now)
                .record("integration_session", id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The integration sessions of one of the client's courses, by the day they were held.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn for_course(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Vec<IntegrationRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT i.id, i.held_on, i.therapist_id, t.display_name AS therapist, i.summary, \
                 i.recorded_at, r.display_name AS recorded_by FROM integration_sessions i JOIN \
                 users t ON t.id = i.therapist_id JOIN users r ON r.id = i.recorded_by WHERE \
                 i.course_id = $1 AND i.client_id = $2 ORDER BY i.held_on, i.recorded_at, i.id",
                args![course, access.client()],
            )
            .await
    }

    /// Completes the client's current course from integration, keeping the clinician's reason
    /// in its history; the 1, 3 and 6-month follow-ups are scheduled in the same transaction.
    /// A refusal is audited too. `None`: the client has no course.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn complete(
        &self,
        access: &ClientAccess,
        reason: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Result<Stage, GateRefused>>, StoreError> {
        self.store
            .courses()
            .transition_because(access, &Transition::Complete, Some(reason), actor, now)
            .await
    }
}
