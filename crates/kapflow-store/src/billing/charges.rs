//! Charges with their service lines: what is waiting to be charged (held appointments, missed
//! ones, closed dosing sessions), the presence log a dosing session's monitoring hours are
//! counted from, and the charge itself — one ledger entry and its lines in one transaction with
//! its audit row, at most once per appointment or session.

use super::{Billing, Refused};
use crate::sql::OptUuid;
use crate::{ClientAccess, StoreError, audit};
use kapflow_domain::billing::charges::{
    Chargeable, LATE_CANCEL, Line, MAX_POINTERS, NO_SHOW, PlaceOfService, chargeable, total,
};
use kapflow_domain::billing::ledger::EntryKind;
use kapflow_domain::calendar::session_type::DOSING;
use kapflow_domain::calendar::session_type::Status;
use kapflow_domain::dosing::presence::{Change, Event};
use kapflow_domain::{Actor, AppointmentId, DosingSessionId, Role, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What a charge is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Appointment(AppointmentId),
    DosingSession(DosingSessionId),
}

/// A charge to record.
#[derive(Debug, Clone)]
pub struct NewCharge<'a> {
    pub source: Source,
    /// The date of service.
    pub on: Date,
    pub lines: &'a [Line],
}

/// An appointment or closed dosing session of the client with no charge yet.
#[derive(Debug, Clone)]
pub enum ToCharge {
    Appointment(AppointmentToCharge),
    Session(SessionToCharge),
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppointmentToCharge {
    #[sqlx(try_from = "Uuid")]
    pub id: AppointmentId,
    pub session_type: String,
    pub type_label: String,
    pub billing_code: Option<String>,
    pub external: bool,
    #[sqlx(try_from = "Uuid")]
    pub clinician_id: UserId,
    pub clinician_name: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub telehealth: bool,
    #[sqlx(try_from = "String")]
    pub status: Status,
    /// When it was cancelled or marked missed.
    pub changed_at: Option<OffsetDateTime>,
}

impl AppointmentToCharge {
    /// How the appointment is charged at `now` with `notice_hours` of free cancellation, and
    /// the code it is charged with: a held one its kind's code (a dosing appointment is charged
    /// through its session, and a visit held by the partner prescriber not by the practice), a
    /// missed one the missed-appointment fee's.
    pub fn what_to_charge(
        &self,
        notice_hours: u32,
        now: OffsetDateTime,
    ) -> (Chargeable, Option<String>) {
        let kind = chargeable(
            self.status,
            self.starts_at,
            self.ends_at,
            self.changed_at,
            notice_hours,
            now,
        );
        let code = match kind {
            Chargeable::Attended if self.external || self.session_type == DOSING => None,
            Chargeable::Attended => self.billing_code.clone(),
            Chargeable::NoShow => Some(NO_SHOW.to_owned()),
            Chargeable::LateCancel => Some(LATE_CANCEL.to_owned()),
            Chargeable::Nothing => None,
        };
        (kind, code)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionToCharge {
    #[sqlx(try_from = "Uuid")]
    pub id: DosingSessionId,
    pub number: i64,
    pub opened_at: OffsetDateTime,
    pub closed_at: OffsetDateTime,
}

/// One person of a session's presence log, with how they are billed by default.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PresentPerson {
    #[sqlx(try_from = "Uuid")]
    pub id: UserId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

/// A closed session's presence log, for counting its monitoring hours.
#[derive(Debug, Clone)]
pub struct SessionPresence {
    pub session: SessionToCharge,
    pub events: Vec<Event>,
    pub people: Vec<PresentPerson>,
}

/// The columns of a [`ChargeLineRow`], from `charge_lines l`.
pub(super) const LINE_SELECT: &str = "SELECT l.entry_id, l.position, l.code, l.modifier, \
     l.units, l.unit_fee_cents, l.place, l.diagnoses, l.rendering_id, \
     u.display_name AS rendering_name FROM charge_lines l LEFT JOIN users u ON u.id = l.rendering_id";

/// A line of a recorded charge.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChargeLineRow {
    pub entry_id: Uuid,
    pub position: i64,
    pub code: String,
    pub modifier: Option<String>,
    pub units: i64,
    pub unit_fee_cents: i64,
    #[sqlx(try_from = "String")]
    pub place: PlaceOfService,
    /// Comma-separated ICD-10-CM codes.
    pub diagnoses: String,
    #[sqlx(try_from = "OptUuid")]
    pub rendering_id: Option<UserId>,
    pub rendering_name: Option<String>,
}

impl ChargeLineRow {
    pub fn diagnosis_codes(&self) -> Vec<&str> {
        self.diagnoses
            .split(',')
            .filter(|c| !c.is_empty())
            .collect()
    }
}

impl Billing<'_> {
    /// The client's appointments with no charge yet, by start (the caller decides which call for
    /// one with `charges::chargeable`), and their closed dosing sessions with no charge yet.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn to_charge(&self, access: &ClientAccess) -> Result<Vec<ToCharge>, StoreError> {
        let appointments: Vec<AppointmentToCharge> = self
            .store
            .db
            .fetch_all(
                "SELECT a.id, a.session_type, st.label AS type_label, st.billing_code, \
                 st.external, a.clinician_id, u.display_name AS clinician_name, a.starts_at, \
                 a.ends_at, a.telehealth, a.status, a.changed_at FROM appointments a \
                 JOIN session_types st ON st.key = a.session_type \
                 JOIN users u ON u.id = a.clinician_id \
                 WHERE a.client_id = $1 AND NOT EXISTS (SELECT 1 FROM ledger_entries le \
                 WHERE le.appointment_id = a.id AND le.kind = 'charge') ORDER BY a.starts_at",
                args![access.client()],
            )
            .await?;
        let sessions: Vec<SessionToCharge> = self
            .store
            .db
            .fetch_all(
                "SELECT s.id, s.number, s.opened_at, s.closed_at FROM dosing_sessions s \
                 WHERE s.client_id = $1 AND s.status = 'closed' AND s.opened_at IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM ledger_entries le \
                 WHERE le.dosing_session_id = s.id AND le.kind = 'charge') ORDER BY s.opened_at",
                args![access.client()],
            )
            .await?;
        let mut out: Vec<ToCharge> = appointments
            .into_iter()
            .map(ToCharge::Appointment)
            .collect();
        out.extend(sessions.into_iter().map(ToCharge::Session));
        Ok(out)
    }

    /// A closed, uncharged dosing session of the client with its presence log and the people
    /// in it: the times only, never the session's clinical content.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn session_presence(
        &self,
        access: &ClientAccess,
        session: DosingSessionId,
    ) -> Result<Option<SessionPresence>, StoreError> {
        let found: Option<SessionToCharge> = self
            .store
            .db
            .fetch_optional(
                "SELECT s.id, s.number, s.opened_at, s.closed_at FROM dosing_sessions s \
                 WHERE s.id = $1 AND s.client_id = $2 AND s.status = 'closed' \
                 AND s.opened_at IS NOT NULL",
                args![session, access.client()],
            )
            .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        let rows: Vec<(OffsetDateTime, String, Uuid, Option<Uuid>)> = self
            .store
            .db
            .fetch_all(
                "SELECT at, change, person_id, taking_over_id FROM session_presence \
                 WHERE session_id = $1 ORDER BY at, id",
                args![session],
            )
            .await?;
        let mut events = Vec::with_capacity(rows.len());
        for (at, change, person, taking_over) in rows {
            events.push(Event {
                at,
                change: Change::try_from(change).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                person: person.into(),
                taking_over: taking_over.map(UserId::from),
            });
        }
        let people: Vec<PresentPerson> = self
            .store
            .db
            .fetch_all(
                "SELECT u.id, u.display_name AS name, u.role FROM users u WHERE u.id IN \
                 (SELECT person_id FROM session_presence WHERE session_id = $1 UNION \
                 SELECT taking_over_id FROM session_presence WHERE session_id = $1) \
                 ORDER BY u.display_name",
                args![session],
            )
            .await?;
        Ok(Some(SessionPresence {
            session: found,
            events,
            people,
        }))
    }

    /// Records a charge for an appointment or a dosing session: refused when it is not the
    /// client's, already charged, has no lines, or a line points to a diagnosis the client does
    /// not have (or to more than four).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn charge(
        &self,
        access: &ClientAccess,
        new: &NewCharge<'_>,
        by: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<Uuid, Refused>, StoreError> {
        use crate::error::UniqueOr;
        let Some(amount) = total(new.lines) else {
            return Ok(Err(Refused::BadCharge("The charge is too large.")));
        };
        if new.lines.is_empty() || new.lines.iter().any(|l| l.units == 0) {
            return Ok(Err(Refused::BadCharge(
                "A charge needs at least one service with at least one unit.",
            )));
        }
        let mut tx = self.store.begin().await?;
        let (appointment, session) = match new.source {
            Source::Appointment(a) => (Some(a), None),
            Source::DosingSession(s) => (None, Some(s)),
        };
        let theirs: bool = match new.source {
            Source::Appointment(a) => {
                tx.scalar(
                    "SELECT COUNT(*) > 0 FROM appointments WHERE id = $1 AND client_id = $2",
                    args![a, access.client()],
                )
                .await?
            }
            Source::DosingSession(s) => {
                tx.scalar(
                    "SELECT COUNT(*) > 0 FROM dosing_sessions WHERE id = $1 AND client_id = $2 \
                     AND status = 'closed'",
                    args![s, access.client()],
                )
                .await?
            }
        };
        if !theirs {
            return Ok(Err(Refused::BadCharge(
                "That appointment or session is not this client's.",
            )));
        }
        let diagnoses: Vec<String> = tx
            .scalars(
                "SELECT code FROM client_diagnoses WHERE client_id = $1 AND removed_at IS NULL",
                args![access.client()],
            )
            .await?;
        if new.lines.iter().any(|l| {
            l.diagnoses.len() > MAX_POINTERS || l.diagnoses.iter().any(|d| !diagnoses.contains(d))
        }) {
            return Ok(Err(Refused::BadCharge(
                "Each service points to at most four of the client's diagnoses.",
            )));
        }
        let id = Uuid::now_v7();
        let made = tx
            .exec(
                "INSERT INTO ledger_entries (id, client_id, kind, amount_cents, on_date, service, \
                 appointment_id, dosing_session_id, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                args![
                    id,
                    access.client(),
                    EntryKind::Charge.as_str(),
                    amount.0,
                    new.on,
                    new.lines[0].code.as_str(),
                    appointment,
                    session,
                    by,
                    now
                ],
            )
            .await
            .or_duplicate()?;
        if made.is_none() {
            return Ok(Err(Refused::AlreadyCharged));
        }
        for (position, line) in new.lines.iter().enumerate() {
            tx.exec(
                "INSERT INTO charge_lines (entry_id, position, code, modifier, units, \
                 unit_fee_cents, place, diagnoses, rendering_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                args![
                    id,
                    i64::try_from(position).unwrap_or(i64::MAX),
                    line.code.as_str(),
                    line.modifier.as_deref(),
                    i64::from(line.units),
                    line.unit_fee.0,
                    line.place.as_str(),
                    line.diagnoses.join(","),
                    line.rendering
                ],
            )
            .await?;
        }
        let codes: Vec<String> = new
            .lines
            .iter()
            .map(|l| format!("{} x{}", l.code, l.units))
            .collect();
        audit::append(
            &mut tx,
            &actor
                .entry("ledger.charge", now)
                .record("ledger_entry", id)
                .client(access.client())
                .because(format!("Charge {amount}: {}", codes.join(", "))),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The lines of every charge of the client, by charge and position.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn charge_lines(
        &self,
        access: &ClientAccess,
    ) -> Result<Vec<ChargeLineRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "{LINE_SELECT} WHERE l.entry_id IN (SELECT id FROM ledger_entries \
                     WHERE client_id = $1) ORDER BY l.entry_id, l.position"
                )),
                args![access.client()],
            )
            .await
    }
}
