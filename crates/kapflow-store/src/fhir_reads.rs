//! Reads the FHIR mapping needs that no page does: a client's records of one kind across all
//! their courses and sessions in one statement each, and which client a record's UUID
//! belongs to (the FHIR API's `GET <Kind>/<id>`).
//!
//! Nothing here reads psychotherapy notes (`psych_notes` is another topic and another table)
//! or the text of a clinical note that is not signed.

use crate::assessment::{IntakeRecord, IntakeRow};
use crate::courses::TransitionRow;
use crate::dosing::VitalsRow;
use crate::notes::{AddendumRow, NOTE_COLUMNS, NoteRow};
use crate::prescribing::{PrescriptionRow, ShipmentRow};
use crate::prescribing_plan::rx_columns;
use crate::{ClinicalAccess, StoreError};
use kapflow_domain::measures::Instrument;
use kapflow_domain::{ClientId, CourseId, DosingSessionId, NoteId, UserId};
use uuid::Uuid;

crate::topic!(
    /// Whole-record reads for the FHIR mapping.
    FhirReads
);

/// A course's stage change, with its course.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseTransition {
    #[sqlx(try_from = "Uuid")]
    pub course_id: CourseId,
    #[sqlx(flatten)]
    pub transition: TransitionRow,
}

/// A set of vital signs, with the dosing session it was taken in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionVitals {
    #[sqlx(try_from = "Uuid")]
    pub session_id: DosingSessionId,
    #[sqlx(flatten)]
    pub vitals: VitalsRow,
}

/// A signed note's addendum, with its note.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteAddendum {
    #[sqlx(try_from = "Uuid")]
    pub note_id: NoteId,
    #[sqlx(flatten)]
    pub addendum: AddendumRow,
}

/// Every table whose rows become client-level FHIR resources, looked up by primary key (`$1`):
/// the owning client as a UUID in the first column, or, for the audit trail (which stores it
/// as text), in the second. Holds and practice-level audit rows have no client.
const CLIENT_OF_RECORD: &str = "SELECT id AS client_uuid, CAST(NULL AS TEXT) AS client_text \
     FROM clients WHERE id = $1 \
     UNION ALL SELECT client_id, NULL FROM courses WHERE id = $1 \
     UNION ALL SELECT client_id, NULL FROM dosing_sessions WHERE id = $1 \
     UNION ALL SELECT client_id, NULL FROM appointments WHERE id = $1 AND client_id IS NOT NULL \
     UNION ALL SELECT client_id, NULL FROM measure_responses WHERE id = $1 \
     UNION ALL SELECT s.client_id, NULL FROM session_vitals v JOIN dosing_sessions s ON \
       s.id = v.session_id WHERE v.id = $1 \
     UNION ALL SELECT client_id, NULL FROM custody_entries WHERE id = $1 \
     UNION ALL SELECT c.client_id, NULL FROM prescriptions p JOIN courses c ON c.id = p.course_id \
       WHERE p.id = $1 \
     UNION ALL SELECT c.client_id, NULL FROM shipments sh JOIN courses c ON c.id = sh.course_id \
       WHERE sh.id = $1 \
     UNION ALL SELECT client_id, NULL FROM consent_signatures WHERE id = $1 \
     UNION ALL SELECT client_id, NULL FROM clinical_notes WHERE id = $1 \
     UNION ALL SELECT client_id, NULL FROM risk_alerts WHERE id = $1 \
     UNION ALL SELECT NULL, client_id FROM audit_log WHERE id = $1 AND client_id IS NOT NULL \
     LIMIT 1";

impl FhirReads<'_> {
    /// The stage changes of every course of the client, by course, then in order.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn transitions(
        &self,
        access: &ClinicalAccess,
    ) -> Result<Vec<CourseTransition>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT t.course_id, t.at, u.display_name AS actor_name, t.from_stage, \
                 t.to_stage, t.reason FROM course_transitions t JOIN courses c ON c.id = \
                 t.course_id LEFT JOIN users u ON u.id = t.actor_id WHERE c.client_id = $1 \
                 ORDER BY c.number, t.at, t.id",
                args![access.client()],
            )
            .await
    }

    /// The completed intakes of the client's courses (their screening is what the flags
    /// come from), by course. A draft intake is still being answered and is left out.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn completed_intakes(
        &self,
        access: &ClinicalAccess,
    ) -> Result<Vec<IntakeRecord>, StoreError> {
        let rows: Vec<IntakeRow> = self
            .store
            .db
            .fetch_all(
                "SELECT i.course_id, i.form_json, i.sensitivity, i.updated_at, i.completed_at, \
                 cu.display_name AS completed_name, i.screening_reviewed_at, ru.display_name \
                 AS reviewed_name FROM intakes i JOIN courses c ON c.id = i.course_id LEFT JOIN \
                 users cu ON cu.id = i.completed_by LEFT JOIN users ru ON ru.id = \
                 i.screening_reviewed_by WHERE c.client_id = $1 AND i.completed_at IS NOT NULL \
                 ORDER BY c.number",
                args![access.client()],
            )
            .await?;
        Ok(rows.into_iter().map(IntakeRow::record).collect())
    }

    /// The client's primary therapist: kapflow keeps no such mark, so it is the clinician
    /// longest on the care team, a therapist before the owner (an owner joins a care team
    /// to step in, and is the primary only where nobody else is).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn primary_therapist(
        &self,
        access: &ClinicalAccess,
    ) -> Result<Option<UserId>, StoreError> {
        let id: Option<Uuid> = self
            .store
            .db
            .scalar_optional(
                "SELECT t.user_id FROM care_team t JOIN users u ON u.id = t.user_id WHERE \
                 t.client_id = $1 AND u.role IN ('therapist', 'owner') ORDER BY CASE u.role \
                 WHEN 'therapist' THEN 0 ELSE 1 END, t.added_at, t.user_id LIMIT 1",
                args![access.client()],
            )
            .await?;
        Ok(id.map(UserId::from_uuid))
    }

    /// Every set of vital signs taken in the client's dosing sessions, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn vitals(&self, access: &ClinicalAccess) -> Result<Vec<SessionVitals>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT v.session_id, v.id, v.phase, v.measured_at, v.recorded_at, \
                 u.display_name AS recorded_by, v.measured_by, v.systolic, v.diastolic, \
                 v.heart_rate, v.spo2, v.respiratory_rate FROM session_vitals v JOIN \
                 dosing_sessions s ON s.id = v.session_id JOIN users u ON u.id = v.recorded_by \
                 WHERE s.client_id = $1 ORDER BY v.measured_at, v.id",
                args![access.client()],
            )
            .await
    }

    /// Every prescription of every course of the client, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn prescriptions(
        &self,
        access: &ClinicalAccess,
    ) -> Result<Vec<PrescriptionRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                concat!(
                    "SELECT ",
                    rx_columns!(),
                    " FROM prescriptions p JOIN users u ON u.id = p.prescriber_id JOIN courses c \
                     ON c.id = p.course_id WHERE c.client_id = $1 ORDER BY p.prescribed_at, p.id"
                ),
                args![access.client()],
            )
            .await
    }

    /// Every shipment of every course of the client, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn shipments(&self, access: &ClinicalAccess) -> Result<Vec<ShipmentRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT sh.id, sh.prescription_id, sh.carrier, sh.tracking_number, sh.shipped_on, \
                 sh.received_at FROM shipments sh JOIN courses c ON c.id = sh.course_id WHERE \
                 c.client_id = $1 ORDER BY sh.recorded_at, sh.id",
                args![access.client()],
            )
            .await
    }

    /// The client's signed clinical notes, oldest signature first. Drafts are never read:
    /// their text is the clinician's unfinished work.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn signed_notes(&self, access: &ClinicalAccess) -> Result<Vec<NoteRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "{NOTE_COLUMNS} WHERE n.client_id = $1 AND n.signed_at IS NOT NULL ORDER BY \
                     n.signed_at, n.id"
                )),
                args![access.client()],
            )
            .await
    }

    /// The addenda of the client's signed notes, by note, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn addenda(&self, access: &ClinicalAccess) -> Result<Vec<NoteAddendum>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT a.note_id, a.id, a.body, u.display_name AS author_name, a.signed_at, \
                 a.content_sha256 FROM note_addenda a JOIN clinical_notes n ON n.id = a.note_id \
                 JOIN users u ON u.id = a.author_id WHERE n.client_id = $1 AND n.signed_at IS \
                 NOT NULL ORDER BY a.note_id, a.signed_at, a.id",
                args![access.client()],
            )
            .await
    }

    /// Every version of the practice's own instruments (a response is read against the
    /// version the client answered, which may not be the latest), by code and age.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn custom_instrument_versions(&self) -> Result<Vec<Instrument>, StoreError> {
        let defs: Vec<String> = self
            .store
            .db
            .scalars(
                "SELECT definition FROM custom_instruments ORDER BY code, created_at, id",
                args![],
            )
            .await?;
        defs.iter()
            .map(|d| serde_json::from_str(d).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// The client a record belongs to, by the record's UUID, looking in every table whose
    /// rows become client-level FHIR resources: one statement of primary-key lookups. `None`
    /// if no such record has a client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn client_of_record(&self, id: Uuid) -> Result<Option<ClientId>, StoreError> {
        let row: Option<(Option<Uuid>, Option<String>)> = self
            .store
            .db
            .fetch_optional(CLIENT_OF_RECORD, args![id])
            .await?;
        match row {
            Some((Some(client), _)) => Ok(Some(ClientId::from_uuid(client))),
            Some((None, Some(text))) => Uuid::parse_str(&text)
                .map(|u| Some(ClientId::from_uuid(u)))
                .map_err(|_| {
                    StoreError::Corrupt(format!("audit row {id} names no readable client"))
                }),
            _ => Ok(None),
        }
    }
}
