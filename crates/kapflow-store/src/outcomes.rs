//! The data behind the practice outcome report: for each course and symptom instrument, the
//! first score (baseline) and the last later one (post-course). Statistics are computed in
//! `kapflow_domain::measures::report`; this only reads, scoped to a caseload when asked.

use crate::StoreError;
use kapflow_domain::client::Concerns;
use kapflow_domain::{ClientId, CourseId, UserId};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// The data behind the practice outcome report.
    Outcomes
);

/// One course's baseline and post-course score on one instrument.
#[derive(Debug, Clone)]
pub struct OutcomePair {
    pub client_id: ClientId,
    pub course_id: CourseId,
    pub concerns: Concerns,
    pub date_of_birth: Date,
    pub instrument: String,
    pub baseline: i64,
    pub baseline_at: OffsetDateTime,
    pub post: i64,
    pub post_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(try_from = "Uuid")]
    client_id: ClientId,
    #[sqlx(try_from = "Uuid")]
    course_id: CourseId,
    #[sqlx(try_from = "String")]
    concerns: Concerns,
    date_of_birth: Date,
    instrument: String,
    total: i64,
    submitted_at: OffsetDateTime,
}

impl Outcomes<'_> {
    /// Baseline/post pairs for the symptom instruments (PHQ-9, GAD-7, PCL-5), for every client
    /// or only those on `caseload_of`'s care team.
    pub async fn pairs(&self, caseload_of: Option<UserId>) -> Result<Vec<OutcomePair>, StoreError> {
        let rows: Vec<Row> = self
            .store
            .db
            .fetch_all(
                "SELECT m.client_id, m.course_id, cl.concerns, cl.date_of_birth, m.instrument, \
                 m.total, m.submitted_at FROM measure_responses m JOIN clients cl ON cl.id = \
                 m.client_id WHERE m.course_id IS NOT NULL AND m.instrument IN ('phq9', 'gad7', \
                 'pcl5') AND ($1 IS NULL OR EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = \
                 m.client_id AND t.user_id = $1)) ORDER BY m.course_id, m.instrument, \
                 m.submitted_at, m.id",
                args![caseload_of],
            )
            .await?;
        let mut groups: BTreeMap<(CourseId, String), Vec<Row>> = BTreeMap::new();
        for r in rows {
            groups
                .entry((r.course_id, r.instrument.clone()))
                .or_default()
                .push(r);
        }
        Ok(groups
            .into_values()
            .filter_map(|g| {
                let (first, last) = (g.first()?, g.last()?);
                (g.len() >= 2).then(|| OutcomePair {
                    client_id: first.client_id,
                    course_id: first.course_id,
                    concerns: first.concerns.clone(),
                    date_of_birth: first.date_of_birth,
                    instrument: first.instrument.clone(),
                    baseline: first.total,
                    baseline_at: first.submitted_at,
                    post: last.total,
                    post_at: last.submitted_at,
                })
            })
            .collect())
    }
}
