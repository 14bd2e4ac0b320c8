//! Before the dose: a session is prepared on the day, its pre-dose checks recorded (the person
//! taking the client home, questionnaires skipped with a reason, a hold overridden with a
//! reason), and it opens only when the domain's gates hand back their proof — the same proof
//! the course's state machine needs to enter dosing.

use super::{Dosing, SessionRow, session_for_update};
use crate::lookup::current_course;
use crate::{ClinicalAccess, StoreError, Tx, audit, courses};
use kapflow_domain::dosing::entries::{Phase, RideHome};
use kapflow_domain::dosing::gates::{self, Plan, PreDoseMeasures, StartFacts, StartUnmet};
use kapflow_domain::dosing::presence::Change;
use kapflow_domain::dosing::session::{EndedAs, Status};
use kapflow_domain::dosing::vitals::Thresholds;
use kapflow_domain::pathway::{Stage, Transition};
use kapflow_domain::{Actor, AuditOutcome, DosingSessionId, PrescriptionId, UserId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A session prepared more than this long ago is not today's: its checks (medication brought,
/// the ride home) were made for another day.
const SAME_DAY: Duration = Duration::hours(12);

/// The answer to "prepare today's session".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// A new session, or the one already being prepared or running.
    Session(DosingSessionId),
    /// The course is not at a stage where a session can be held.
    NotNow(Stage),
    NoCourse,
}

/// Why a session did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartRefused {
    NotFound,
    /// It is not waiting to open (already open, closed or cancelled).
    NotPreparing,
    /// Prepared on another day.
    Stale,
    /// Every unmet gate.
    Gates(Vec<StartUnmet>),
    /// The course cannot enter dosing (its stage moved).
    Course(Vec<&'static str>),
}

fn user(actor: &Actor) -> Result<UserId, StoreError> {
    actor
        .user
        .map(|(u, _)| u)
        .ok_or_else(|| StoreError::Corrupt("a dosing entry needs a signed-in person".into()))
}

/// The active prescription's plan on this course, as the gates count it.
async fn plan(
    tx: &mut Tx,
    course: kapflow_domain::CourseId,
) -> Result<Option<(PrescriptionId, Plan)>, StoreError> {
    let n = |v: i64| u16::try_from(v.max(0)).unwrap_or(u16::MAX);
    let zone = tx.zone().await?;
    Ok(crate::prescribing_plan::plan(tx, course).await?.map(|r| {
        (
            r.prescription_id,
            Plan {
                sessions_allowed: n(r.sessions_planned),
                sessions_held: n(r.sessions_held),
                min_days_between: n(r.min_days_between),
                last_session_on: r.last_opened_on(&zone),
            },
        )
    }))
}

/// What the gates read for `s`, now.
pub(crate) async fn start_facts(
    tx: &mut Tx,
    s: &SessionRow,
    now: OffsetDateTime,
) -> Result<(StartFacts, Option<PrescriptionId>), StoreError> {
    let today = tx.zone().await?.today(now);
    let course = current_course(tx, s.client_id)
        .await?
        .filter(|c| c.id == s.course_id)
        .ok_or_else(|| StoreError::Corrupt("a dosing session of a past course".into()))?;
    let cf = courses::facts(tx, &course, today).await?;
    let plan = plan(tx, s.course_id).await?;
    #[derive(sqlx::FromRow)]
    struct Row {
        brought: bool,
        high_alert: bool,
        answered: bool,
    }
    let since = now - SAME_DAY;
    let r: Row = tx
        .fetch_one(
            "SELECT (SELECT COUNT(*) > 0 FROM custody_entries WHERE session_id = $1 AND kind = \
                 'brought') AS brought, (SELECT COUNT(*) > 0 FROM risk_alerts WHERE client_id = \
                 $2 AND level = 'high' AND acknowledged_at IS NULL) AS high_alert, (SELECT \
                 COUNT(*) > 0 FROM measure_responses WHERE client_id = $2 AND submitted_at >= $3) \
                 AS answered",
            args![s.id, s.client_id, since],
        )
        .await?;
    let pre_dose = super::rows::vitals_of(tx, s.id)
        .await?
        .into_iter()
        .rev()
        .find(|v| v.phase == Phase::PreDose)
        .map(|v| v.vitals());
    let facts = StartFacts {
        today,
        kap_consent: cf.kap_consent,
        eligibility: cf.eligibility,
        plan: plan.map(|(_, p)| p),
        medication_logged_today: r.brought,
        pre_dose_vitals: pre_dose,
        vitals_override: s.override_reason.clone(),
        open_high_risk_alert: r.high_alert,
        pre_dose_measures: match (&s.measures_skip_reason, r.answered) {
            (_, true) => PreDoseMeasures::Done,
            (Some(reason), false) => PreDoseMeasures::Skipped {
                reason: reason.clone(),
            },
            (None, false) => PreDoseMeasures::Missing,
        },
        ride_home_confirmed: s.ride_home_confirmed_at.is_some_and(|t| t >= since),
    };
    Ok((facts, plan.map(|(id, _)| id)))
}

impl Dosing<'_> {
    /// Prepares today's session on the client's current course (or answers with the one being
    /// prepared or running: a second tap finds the first).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn prepare(
        &self,
        access: &ClinicalAccess,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Prepared, StoreError> {
        let client = access.client();
        let by = user(actor)?;
        let mut tx = self.store.begin().await?;
        let Some(course) = current_course(&mut tx, client).await? else {
            return Ok(Prepared::NoCourse);
        };
        let live: Option<SessionRow> = tx
            .fetch_optional(
                sqlx::AssertSqlSafe(super::rows::session_query(
                    "WHERE s.client_id = $1 AND s.status IN ('preparing', 'open')",
                )),
                args![client],
            )
            .await?;
        if let Some(s) = live {
            return Ok(Prepared::Session(s.id));
        }
        if !matches!(course.stage, Stage::ReadyForDosing | Stage::Integration) {
            return Ok(Prepared::NotNow(course.stage));
        }
        let number: i64 = tx
            .scalar(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM dosing_sessions WHERE course_id = $1",
                args![course.id],
            )
            .await?;
        let id = DosingSessionId::new();
        tx.exec(
            "INSERT INTO dosing_sessions (id, course_id, client_id, number, status, \
                 prepared_by, prepared_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![id, course.id, client, number, Status::Preparing, by, now],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("dosing.prepared", now)
                .record("dosing_session", id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(Prepared::Session(id))
    }

    /// Records the person taking the client home, confirmed for today.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn ride_home(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        ride: &RideHome,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.pre_dose_change(
            access,
            id,
            "UPDATE dosing_sessions SET ride_home_name = $2, ride_home_phone = $3, \
                 ride_home_confirmed_at = $4 WHERE id = $1",
            args![id, ride.name.as_str(), ride.phone.as_deref(), now],
            ("dosing.ride_home", None),
            actor,
            now,
        )
        .await
    }

    /// Records why today's pre-dose questionnaires are skipped.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn skip_measures(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        reason: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.pre_dose_change(
            access,
            id,
            "UPDATE dosing_sessions SET measures_skip_reason = $2 WHERE id = $1",
            args![id, reason],
            ("dosing.measures_skipped", Some(reason)),
            actor,
            now,
        )
        .await
    }

    /// Records the therapist's reason to dose despite a pre-dose hold (the route asked for
    /// step-up first; the reason is in the audit row).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn override_hold(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        reason: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let by = user(actor)?;
        self.pre_dose_change(
            access,
            id,
            "UPDATE dosing_sessions SET override_reason = $2, override_by = $3 WHERE id = $1",
            args![id, reason, by],
            ("dosing.vitals_override", Some(reason)),
            actor,
            now,
        )
        .await
    }

    /// One pre-dose field changed on a session still being prepared (`sql` binds `values`,
    /// the session's id first), with its audit row (`action`, and the reason typed, if any).
    #[allow(clippy::too_many_arguments)]
    async fn pre_dose_change(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        sql: &'static str,
        values: &[crate::sql::Arg<'_>],
        (action, why): (&str, Option<&str>),
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let Some(s) = session_for_update(&mut tx, access.client(), id).await? else {
            return Ok(false);
        };
        if s.status != Status::Preparing {
            return Ok(false);
        }
        let n = tx.exec(sql, values).await?;
        if n != 1 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &actor
                .entry(action, now)
                .record("dosing_session", id)
                .client(access.client())
                .because(why.map(str::to_owned)),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The gates for a session being prepared, as of now (the page lists what is still unmet).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn gates(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        thresholds: &Thresholds,
        now: OffsetDateTime,
    ) -> Result<Option<Vec<StartUnmet>>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let Some(s) = tx
            .fetch_optional::<SessionRow>(
                sqlx::AssertSqlSafe(super::rows::session_query(
                    "WHERE s.id = $1 AND s.client_id = $2",
                )),
                args![id, access.client()],
            )
            .await?
        else {
            return Ok(None);
        };
        let (facts, _) = start_facts(&mut tx, &s, now).await?;
        tx.commit().await?;
        Ok(Some(
            gates::start(&facts, thresholds).err().unwrap_or_default(),
        ))
    }

    /// Opens the session if every gate holds: the course enters dosing, the opener is in the
    /// room from this moment, and the audit row names any override. A refusal names every
    /// unmet gate and is audited too.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn start(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        thresholds: &Thresholds,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), StartRefused>, StoreError> {
        let by = user(actor)?;
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(s) = session_for_update(&mut tx, client, id).await? else {
            return Ok(Err(StartRefused::NotFound));
        };
        if s.status != Status::Preparing {
            return Ok(Err(StartRefused::NotPreparing));
        }
        if now - s.prepared_at > SAME_DAY {
            return Ok(Err(StartRefused::Stale));
        }
        let (facts, prescription) = start_facts(&mut tx, &s, now).await?;
        let passed = match gates::start(&facts, thresholds) {
            Ok(p) => p,
            Err(unmet) => {
                let why = unmet
                    .iter()
                    .map(|u| u.message())
                    .collect::<Vec<_>>()
                    .join(" ");
                audit::append(
                    &mut tx,
                    &actor
                        .entry("dosing.opened", now)
                        .record("dosing_session", id)
                        .client(client)
                        .outcome(AuditOutcome::Denied, Some(&why)),
                )
                .await?;
                tx.commit().await?;
                return Ok(Err(StartRefused::Gates(unmet)));
            }
        };
        let course = current_course(&mut tx, client)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a session without its course".into()))?;
        if let Err(r) = courses::apply(
            &mut tx,
            &course,
            &Transition::SessionOpened(passed),
            "A dosing session opened",
            actor,
            now,
        )
        .await?
        {
            return Ok(Err(StartRefused::Course(
                r.reasons.iter().map(|u| u.message()).collect(),
            )));
        }
        tx.exec(
            "UPDATE dosing_sessions SET status = $2, opened_at = $3, opened_by = $4, \
                 prescription_id = $5 WHERE id = $1",
            args![id, Status::Open, now, by, prescription],
        )
        .await?;
        tx.exec(
            "INSERT INTO session_presence (id, session_id, entry_key, at, recorded_by, change, \
                 person_id) VALUES ($1, $2, 'opened', $3, $4, $5, $4)",
            args![Uuid::now_v7(), id, now, by, Change::Start],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("dosing.opened", now)
                .record("dosing_session", id)
                .client(client)
                .because(
                    s.override_reason
                        .clone()
                        .map(|r| format!("vitals hold overridden: {r}")),
                ),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Cancels a session that never opened (the client did not come, a gate cannot be met
    /// today), with the reason.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn cancel(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        reason: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let by = user(actor)?;
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE dosing_sessions SET status = $3, ending = $4, end_reason = $5, \
                     closed_at = $6, closed_by = $7 WHERE id = $1 AND client_id = $2 AND status \
                     = 'preparing'",
                args![
                    id,
                    access.client(),
                    Status::Cancelled,
                    EndedAs::Cancelled,
                    reason,
                    now,
                    by
                ],
            )
            .await?;
        if n != 1 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("dosing.cancelled", now)
                .record("dosing_session", id)
                .client(access.client())
                .because(reason.to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
