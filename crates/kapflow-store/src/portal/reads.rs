//! What the portal shows the client of their own record: appointments, questionnaires due,
//! their answered questionnaires' scores; and opening a due questionnaire.

use super::{Portal, PortalAccess};
use crate::{StoreError, audit};
use kapflow_domain::measures::schedule::Channel;
use kapflow_domain::{Actor, AppointmentId, MeasureRequestId};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// One of the client's appointments, as the client sees it (no notes, no other client).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PortalAppointment {
    #[sqlx(try_from = "Uuid")]
    pub id: AppointmentId,
    pub type_label: String,
    pub session_type: String,
    pub clinician_name: String,
    pub room_name: Option<String>,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub telehealth: bool,
    pub video_link: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: kapflow_domain::calendar::Status,
}

/// A questionnaire due for the client to answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueQuestionnaire {
    #[sqlx(try_from = "Uuid")]
    pub request: MeasureRequestId,
    pub instrument: String,
    pub due_on: Date,
}

/// One answered questionnaire's result, for the client's own download.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoreRow {
    pub instrument: String,
    pub total: i64,
    pub band: String,
    pub submitted_at: OffsetDateTime,
}

const APPOINTMENTS: &str = "SELECT a.id, st.label AS type_label, a.session_type, \
     u.display_name AS clinician_name, r.name AS room_name, a.starts_at, a.ends_at, \
     a.telehealth, a.video_link, a.status FROM appointments a JOIN session_types st ON st.key = \
     a.session_type JOIN users u ON u.id = a.clinician_id LEFT JOIN rooms r ON r.id = a.room_id \
     WHERE a.client_id = $1";

/// How long a questionnaire opened from the portal stays open: time to answer it now.
pub const OPENED_FOR: Duration = Duration::hours(2);

impl Portal<'_> {
    /// Every appointment of the client, cancelled ones too, by start.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn appointments(
        &self,
        access: &PortalAccess,
    ) -> Result<Vec<PortalAppointment>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(format!("{APPOINTMENTS} ORDER BY a.starts_at")),
                args![access.client],
            )
            .await
    }

    /// One appointment of the client; none when it is not theirs.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn appointment(
        &self,
        access: &PortalAccess,
        id: AppointmentId,
    ) -> Result<Option<PortalAppointment>, StoreError> {
        self.store
            .db
            .fetch_optional(
                sqlx::AssertSqlSafe(format!("{APPOINTMENTS} AND a.id = $2")),
                args![access.client, id],
            )
            .await
    }

    /// The client's open questionnaires due by `today`, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn due(
        &self,
        access: &PortalAccess,
        today: Date,
    ) -> Result<Vec<DueQuestionnaire>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id AS request, instrument, due_on FROM measure_requests WHERE client_id \
                 = $1 AND completed_at IS NULL AND cancelled_at IS NULL AND due_on <= $2 ORDER \
                 BY due_on, id",
                args![access.client, today],
            )
            .await
    }

    /// The results of the client's answered questionnaires, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn scores(&self, access: &PortalAccess) -> Result<Vec<ScoreRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT instrument, total, band, submitted_at FROM measure_responses WHERE \
                 client_id = $1 ORDER BY submitted_at, id",
                args![access.client],
            )
            .await
    }

    /// Opens a due questionnaire of the client's: a single-use link (its token's hash) valid
    /// for [`OPENED_FOR`]; false when the request is not this client's or not open.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open_questionnaire(
        &self,
        access: &PortalAccess,
        request: MeasureRequestId,
        token_hash: &[u8],
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let open: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM measure_requests WHERE id = $1 AND client_id = $2 AND \
                 completed_at IS NULL AND cancelled_at IS NULL",
                args![request, access.client],
            )
            .await?;
        if !open {
            return Ok(false);
        }
        crate::measures::insert_link(
            &mut tx,
            token_hash,
            request,
            Channel::Link,
            Some(access.user.as_uuid()),
            now,
            now + OPENED_FOR,
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("measure.link_issued", now)
                .record("measure_request", request)
                .client(access.client)
                .because("opened in the portal".to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
