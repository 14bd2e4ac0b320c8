//! What the monitor and the summary read: the session, its vitals, alerts, observations and
//! presence log, each in the order it happened.

use crate::sql::{OptText, OptUuid};
use crate::{StoreError, Tx};
use kapflow_domain::dosing::entries::{MeasuredBy, ObservationKind, Phase};
use kapflow_domain::dosing::presence::{Change, Event};
use kapflow_domain::dosing::session::{EndedAs, Status};
use kapflow_domain::dosing::vitals::{Level, Vitals};
use kapflow_domain::{
    ClientId, CourseId, DosingSessionId, PrescriptionId, SessionAlertId, UserId, VitalsId,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// One dosing session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    #[sqlx(try_from = "Uuid")]
    pub id: DosingSessionId,
    #[sqlx(try_from = "Uuid")]
    pub course_id: CourseId,
    #[sqlx(try_from = "Uuid")]
    pub client_id: ClientId,
    pub number: i64,
    #[sqlx(try_from = "OptUuid")]
    pub prescription_id: Option<PrescriptionId>,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub prepared_at: OffsetDateTime,
    pub prepared_by: String,
    pub ride_home_name: Option<String>,
    pub ride_home_phone: Option<String>,
    pub ride_home_confirmed_at: Option<OffsetDateTime>,
    pub measures_skip_reason: Option<String>,
    pub override_reason: Option<String>,
    pub opened_at: Option<OffsetDateTime>,
    pub dosed_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    #[sqlx(try_from = "OptText")]
    pub ending: Option<EndedAs>,
    pub end_reason: Option<String>,
    /// The discharge checklist as confirmed (JSON), when discharged.
    pub discharge: Option<String>,
}

/// The columns of a [`SessionRow`] and the `WHERE`/`ORDER` that follows.
pub(crate) fn session_query(rest: &str) -> String {
    format!(
        "SELECT s.id, s.course_id, s.client_id, s.number, s.prescription_id, s.status, \
         s.prepared_at, u.display_name AS prepared_by, s.ride_home_name, s.ride_home_phone, \
         s.ride_home_confirmed_at, s.measures_skip_reason, s.override_reason, s.opened_at, \
         s.dosed_at, s.closed_at, s.ending, s.end_reason, s.discharge FROM dosing_sessions s \
         JOIN users u ON u.id = s.prepared_by {rest}"
    )
}

/// One set of vital signs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VitalsRow {
    #[sqlx(try_from = "Uuid")]
    pub id: VitalsId,
    #[sqlx(try_from = "String")]
    pub phase: Phase,
    pub measured_at: OffsetDateTime,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    #[sqlx(try_from = "String")]
    pub measured_by: MeasuredBy,
    pub systolic: i64,
    pub diastolic: i64,
    pub heart_rate: i64,
    pub spo2: i64,
    pub respiratory_rate: Option<i64>,
}

impl VitalsRow {
    /// The reading as the domain judges it.
    pub fn vitals(&self) -> Vitals {
        let n = |v: i64| u16::try_from(v).unwrap_or(u16::MAX);
        Vitals {
            systolic: n(self.systolic),
            diastolic: n(self.diastolic),
            heart_rate: n(self.heart_rate),
            spo2: u8::try_from(self.spo2).unwrap_or(u8::MAX),
            respiratory_rate: self.respiratory_rate.map(n),
        }
    }
}

/// A vitals alert and, once acknowledged, what was done.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertRow {
    #[sqlx(try_from = "Uuid")]
    pub id: SessionAlertId,
    #[sqlx(try_from = "Uuid")]
    pub vitals_id: VitalsId,
    #[sqlx(try_from = "String")]
    pub level: Level,
    pub what: String,
    pub rule: String,
    pub source: String,
    pub raised_at: OffsetDateTime,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub acknowledged_by: Option<String>,
    pub action_taken: Option<String>,
}

/// An observation or adverse event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObservationRow {
    pub at: OffsetDateTime,
    pub recorded_by: String,
    #[sqlx(try_from = "String")]
    pub kind: ObservationKind,
    pub cadss: Option<i64>,
    pub note: String,
    pub action: String,
}

/// One change of who is with the client.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PresenceRow {
    pub at: OffsetDateTime,
    #[sqlx(try_from = "String")]
    pub change: Change,
    #[sqlx(try_from = "Uuid")]
    pub person_id: UserId,
    pub person: String,
    #[sqlx(try_from = "OptUuid")]
    pub taking_over_id: Option<UserId>,
    pub taking_over: Option<String>,
    pub recorded_by: String,
}

impl PresenceRow {
    pub fn event(&self) -> Event {
        Event {
            at: self.at,
            change: self.change,
            person: self.person_id,
            taking_over: self.taking_over_id,
        }
    }
}

/// A session with everything recorded in it.
#[derive(Debug, Clone)]
pub struct MonitorData {
    pub session: SessionRow,
    pub vitals: Vec<VitalsRow>,
    pub alerts: Vec<AlertRow>,
    pub observations: Vec<ObservationRow>,
    pub presence: Vec<PresenceRow>,
}

pub(crate) async fn vitals_of(
    tx: &mut Tx,
    id: DosingSessionId,
) -> Result<Vec<VitalsRow>, StoreError> {
    tx.fetch_all(
        "SELECT v.id, v.phase, v.measured_at, v.recorded_at, u.display_name AS recorded_by, \
             v.measured_by, v.systolic, v.diastolic, v.heart_rate, v.spo2, v.respiratory_rate \
             FROM session_vitals v JOIN users u ON u.id = v.recorded_by WHERE v.session_id = $1 \
             ORDER BY v.measured_at, v.id",
        args![id],
    )
    .await
}

pub(crate) async fn presence_of(
    tx: &mut Tx,
    id: DosingSessionId,
) -> Result<Vec<PresenceRow>, StoreError> {
    tx.fetch_all(
        "SELECT p.at, p.change, p.person_id, u.display_name AS person, p.taking_over_id, \
             t.display_name AS taking_over, r.display_name AS recorded_by FROM session_presence \
             p JOIN users u ON u.id = p.person_id LEFT JOIN users t ON t.id = p.taking_over_id \
             JOIN users r ON r.id = p.recorded_by WHERE p.session_id = $1 ORDER BY p.at, p.id",
        args![id],
    )
    .await
}

pub(crate) async fn monitor_data(
    tx: &mut Tx,
    client: ClientId,
    id: DosingSessionId,
) -> Result<Option<MonitorData>, StoreError> {
    let Some(session) = tx
        .fetch_optional::<SessionRow>(
            sqlx::AssertSqlSafe(session_query("WHERE s.id = $1 AND s.client_id = $2")),
            args![id, client],
        )
        .await?
    else {
        return Ok(None);
    };
    let vitals = vitals_of(tx, id).await?;
    let alerts = tx
        .fetch_all(
            "SELECT a.id, a.vitals_id, a.level, a.what, a.rule, a.source, a.raised_at, \
                 a.acknowledged_at, u.display_name AS acknowledged_by, a.action_taken FROM \
                 session_alerts a LEFT JOIN users u ON u.id = a.acknowledged_by WHERE \
                 a.session_id = $1 ORDER BY a.raised_at, a.id",
            args![id],
        )
        .await?;
    let observations = tx
        .fetch_all(
            "SELECT o.at, u.display_name AS recorded_by, o.kind, o.cadss, o.note, o.action FROM \
                 session_observations o JOIN users u ON u.id = o.recorded_by WHERE o.session_id \
                 = $1 ORDER BY o.at, o.id",
            args![id],
        )
        .await?;
    let presence = presence_of(tx, id).await?;
    Ok(Some(MonitorData {
        session,
        vitals,
        alerts,
        observations,
        presence,
    }))
}
