//! Questionnaire responses as the client page reads them: whole submissions and lean points
//! for the trend charts.

use super::Measures;
use crate::sql::OptUuid;
use crate::{ClinicalAccess, StoreError};
use kapflow_domain::measures::Scored;
use kapflow_domain::measures::schedule::Via;
use kapflow_domain::{CourseId, ResponseId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A submitted questionnaire.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ResponseId,
    #[sqlx(try_from = "OptUuid")]
    pub course_id: Option<CourseId>,
    pub instrument: String,
    pub version: String,
    pub total: i64,
    pub band: String,
    /// JSON of the [`Scored`] submission.
    pub scored: String,
    #[sqlx(try_from = "String")]
    pub via: Via,
    pub submitted_at: OffsetDateTime,
}

impl ResponseRow {
    pub fn scored(&self) -> Option<Scored> {
        serde_json::from_str(&self.scored).ok()
    }
}

/// One answered questionnaire as the trend charts and the history table show it: no answers,
/// so drawing a client's history copies a few small columns a row, not the whole submission —
/// except for the instruments whose result is more than a total (the PCL-5's clusters and
/// DSM-5 reading, the C-SSRS's risk level and its "yes" answers), whose `Scored` comes along.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponsePoint {
    #[sqlx(try_from = "Uuid")]
    pub id: ResponseId,
    pub instrument: String,
    pub total: i64,
    pub band: String,
    pub submitted_at: OffsetDateTime,
    /// JSON of the [`Scored`] submission, for the PCL-5 and the C-SSRS only.
    detail: Option<String>,
}

impl From<&ResponseRow> for ResponsePoint {
    fn from(r: &ResponseRow) -> ResponsePoint {
        ResponsePoint {
            id: r.id,
            instrument: r.instrument.clone(),
            total: r.total,
            band: r.band.clone(),
            submitted_at: r.submitted_at,
            detail: Some(r.scored.clone()),
        }
    }
}

impl ResponsePoint {
    /// The whole scored submission, for the instruments that bring it.
    pub fn detail(&self) -> Option<Scored> {
        self.detail
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
    }
}

impl Measures<'_> {
    /// Every response of the client, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn responses(&self, access: &ClinicalAccess) -> Result<Vec<ResponseRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, course_id, instrument, version, total, band, scored, via, \
                     submitted_at FROM measure_responses WHERE client_id = $1 ORDER BY \
                     submitted_at, id",
                args![access.client()],
            )
            .await
    }

    /// One response of the client, with every answer.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn response(
        &self,
        access: &ClinicalAccess,
        id: ResponseId,
    ) -> Result<Option<ResponseRow>, StoreError> {
        self.store
            .db
            .fetch_optional(
                "SELECT id, course_id, instrument, version, total, band, scored, via, \
                     submitted_at FROM measure_responses WHERE id = $1 AND client_id = $2",
                args![id, access.client()],
            )
            .await
    }

    /// Every response of the client as a point of its trend, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn points(&self, access: &ClinicalAccess) -> Result<Vec<ResponsePoint>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, instrument, total, band, submitted_at, CASE WHEN instrument IN \
                     ('pcl5', 'cssrs') THEN scored END AS detail FROM measure_responses WHERE \
                     client_id = $1 ORDER BY submitted_at, id",
                args![access.client()],
            )
            .await
    }
}
