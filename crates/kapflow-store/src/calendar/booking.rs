//! Booking, moving, cancelling and marking appointments, each refused with the reason when it
//! would book a clinician, a room or a client twice, fall in a clinician's time off, or put a
//! dosing session outside working hours.

use super::{Calendar, hours, lock};
use crate::StoreError;
use crate::access::ClientAccess;
use crate::audit;
use crate::backend::Tx;
use kapflow_domain::calendar::{Booking, SessionType, Status};
use kapflow_domain::zone::PracticeZone;
use kapflow_domain::{Actor, AppointmentId, ClientId, Role, RoomId, SeriesId, UserId};
use time::{Date, OffsetDateTime, Time};

/// What stands in the way of an appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictWith {
    /// This clinician (their name) has another appointment then.
    Clinician(String),
    /// This room (its name) is booked then.
    Room(String),
    /// The client has another appointment then.
    Client,
    /// This clinician is away then.
    TimeOff(String),
    /// A dosing session outside this clinician's working hours.
    OutsideHours(String),
}

/// One conflict: what, and the other appointment's (or time off's) time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub with: ConflictWith,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
}

/// What became of a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    Done(Vec<AppointmentId>),
    /// Nothing was booked: every conflict of every appointment of the series.
    Conflicts(Vec<Conflict>),
    /// A choice that is not one (field, message): a clinician who does not see clients, a
    /// room that is retired or not for dosing.
    Refused(&'static str, String),
}

/// What became of a change to one appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    Done,
    Conflicts(Vec<Conflict>),
    /// No such appointment of this client (or hold of this person), or it is no longer booked.
    NotFound,
    /// The change does not apply (a no-show before the appointment's start).
    Refused(String),
}

/// The parts of an appointment a conflict check reads.
struct Slot<'a> {
    kind: &'a SessionType,
    client: Option<ClientId>,
    clinicians: Vec<(UserId, String)>,
    room: Option<(RoomId, String)>,
    /// The appointment being moved, which never conflicts with itself.
    except: Option<AppointmentId>,
}

const OVERLAPS: &str = "status <> 'cancelled' AND starts_at < $2 AND ends_at > $1";

async fn conflicts(
    tx: &mut Tx,
    zone: &PracticeZone,
    slot: &Slot<'_>,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Result<Vec<Conflict>, StoreError> {
    let mut found = Vec::new();
    let except = slot.except.unwrap_or_default();
    let spans = |rows: Vec<(OffsetDateTime, OffsetDateTime)>, with: ConflictWith| {
        rows.into_iter().map(move |(s, e)| Conflict {
            with: with.clone(),
            starts_at: s,
            ends_at: e,
        })
    };
    for (user, name) in &slot.clinicians {
        let rows: Vec<(OffsetDateTime, OffsetDateTime)> = tx
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "SELECT starts_at, ends_at FROM appointments WHERE {OVERLAPS} AND \
                     (clinician_id = $3 OR second_clinician = $3) AND id <> $4 ORDER BY starts_at"
                )),
                args![start, end, *user, except],
            )
            .await?;
        found.extend(spans(rows, ConflictWith::Clinician(name.clone())));
        let away: Vec<(OffsetDateTime, OffsetDateTime)> = tx
            .fetch_all(
                "SELECT starts_at, ends_at FROM time_off WHERE removed_at IS NULL AND starts_at \
                 < $2 AND ends_at > $1 AND user_id = $3 ORDER BY starts_at",
                args![start, end, *user],
            )
            .await?;
        found.extend(spans(away, ConflictWith::TimeOff(name.clone())));
        if slot.kind.is_dosing() && !hours::week(tx, *user).await?.covers(zone, start, end) {
            found.push(Conflict {
                with: ConflictWith::OutsideHours(name.clone()),
                starts_at: start,
                ends_at: end,
            });
        }
    }
    if let Some((room, name)) = &slot.room {
        let rows: Vec<(OffsetDateTime, OffsetDateTime)> = tx
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "SELECT starts_at, ends_at FROM appointments WHERE {OVERLAPS} AND room_id = \
                     $3 AND id <> $4 ORDER BY starts_at"
                )),
                args![start, end, *room, except],
            )
            .await?;
        found.extend(spans(rows, ConflictWith::Room(name.clone())));
    }
    if let Some(client) = slot.client {
        let rows: Vec<(OffsetDateTime, OffsetDateTime)> = tx
            .fetch_all(
                sqlx::AssertSqlSafe(format!(
                    "SELECT starts_at, ends_at FROM appointments WHERE {OVERLAPS} AND client_id \
                     = $3 AND id <> $4 ORDER BY starts_at"
                )),
                args![start, end, client, except],
            )
            .await?;
        found.extend(spans(rows, ConflictWith::Client));
    }
    Ok(found)
}

/// A clinician who may hold `kind`: an active owner or therapist (a prescriber for a visit
/// held outside the practice), with their name.
async fn clinician(
    tx: &mut Tx,
    user: UserId,
    kind: &SessionType,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String, String)> = tx
        .fetch_optional(
            "SELECT display_name, role FROM users WHERE id = $1 AND disabled_at IS NULL",
            args![user],
        )
        .await?;
    Ok(row.and_then(|(name, role)| {
        let role = Role::parse(&role)?;
        let fits = matches!(role, Role::Owner | Role::Therapist)
            || (kind.external && role == Role::Prescriber);
        fits.then_some(name)
    }))
}

use super::setup::session_type;

/// Checks the people and room of a booking; the slot to check, or the refusal.
async fn slot<'a>(
    tx: &mut Tx,
    kind: &'a SessionType,
    client: Option<ClientId>,
    b: &Booking,
) -> Result<Result<Slot<'a>, (&'static str, String)>, StoreError> {
    let mut clinicians = Vec::new();
    for (field, user) in [
        ("clinician", Some(b.clinician)),
        ("second_clinician", b.second_clinician),
    ] {
        let Some(user) = user else { continue };
        match clinician(tx, user, kind).await? {
            Some(name) => clinicians.push((user, name)),
            None => {
                return Ok(Err((
                    field,
                    "Choose a clinician of the practice who sees clients.".into(),
                )));
            }
        }
    }
    let room = match b.room {
        None => None,
        Some(id) => {
            let row: Option<(String, bool, bool)> = tx
                .fetch_optional(
                    "SELECT name, dosing, active FROM rooms WHERE id = $1",
                    args![id],
                )
                .await?;
            match row {
                Some((name, dosing, true)) if dosing || !kind.is_dosing() => Some((id, name)),
                Some((name, false, true)) => {
                    return Ok(Err((
                        "room",
                        format!("{name} is not set up for dosing sessions; choose a dosing room."),
                    )));
                }
                _ => return Ok(Err(("room", "Choose a room from the list.".into()))),
            }
        }
    };
    Ok(Ok(Slot {
        kind,
        client,
        clinicians,
        room,
        except: None,
    }))
}

impl Calendar<'_> {
    /// Books `b` for the client of `access` (`None`: a hold with a title), every appointment of
    /// a series or none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn book(
        &self,
        access: Option<&ClientAccess>,
        b: &Booking,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Booked, StoreError> {
        let mut tx = self.store.begin().await?;
        lock(&mut tx).await?;
        let zone = tx.zone().await?;
        let Some(kind) = session_type(&mut tx, &b.session_type)
            .await?
            .filter(|k| k.active)
        else {
            return Ok(Booked::Refused(
                "session_type",
                "Choose the kind of appointment.".into(),
            ));
        };
        let client = access.map(ClientAccess::client);
        let slot = match slot(&mut tx, &kind, client, b).await? {
            Ok(s) => s,
            Err((field, why)) => return Ok(Booked::Refused(field, why)),
        };
        let times = b.occurrences(&zone);
        let mut found = Vec::new();
        for (start, end) in &times {
            found.extend(conflicts(&mut tx, &zone, &slot, *start, *end).await?);
        }
        if !found.is_empty() {
            return Ok(Booked::Conflicts(found));
        }
        let series = (times.len() > 1).then(SeriesId::new);
        let mut ids = Vec::new();
        for (start, end) in times {
            let id = AppointmentId::new();
            tx.exec(
                "INSERT INTO appointments (id, client_id, title, session_type, clinician_id, \
                 second_clinician, room_id, starts_at, ends_at, telehealth, video_link, \
                 series_id, status, booked_by, booked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                 $8, $9, $10, $11, $12, 'booked', $13, $14)",
                args![
                    id,
                    client,
                    b.title.as_deref(),
                    kind.key.as_str(),
                    b.clinician,
                    b.second_clinician,
                    b.room,
                    start,
                    end,
                    b.telehealth,
                    b.video_link.as_deref(),
                    series,
                    crate::actor_uuid(actor),
                    now
                ],
            )
            .await?;
            let mut entry = actor
                .entry("appointment.booked", now)
                .record("appointment", id);
            if let Some(c) = client {
                entry = entry.client(c);
            }
            audit::append(&mut tx, &entry).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(Booked::Done(ids))
    }

    /// Moves one booked appointment to another day and time (same length, people and room).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reschedule(
        &self,
        on: On<'_>,
        id: AppointmentId,
        date: Date,
        time: Time,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Changed, StoreError> {
        let mut tx = self.store.begin().await?;
        lock(&mut tx).await?;
        let zone = tx.zone().await?;
        let Some(a) = booked(&mut tx, on, id).await? else {
            return Ok(Changed::NotFound);
        };
        let Some(kind) = session_type(&mut tx, &a.session_type).await? else {
            return Ok(Changed::NotFound);
        };
        let b = Booking {
            session_type: kind.key.clone(),
            date,
            time,
            minutes: u32::try_from((a.ends_at - a.starts_at).whole_minutes())
                .unwrap_or(kind.minutes),
            clinician: a.clinician_id,
            second_clinician: a.second_clinician,
            room: a.room_id,
            telehealth: a.telehealth,
            video_link: None,
            repeat: None,
            title: None,
        };
        let mut slot = match slot(&mut tx, &kind, a.client_id, &b).await? {
            Ok(s) => s,
            Err((_, why)) => return Ok(Changed::Refused(why)),
        };
        slot.except = Some(id);
        let Some((start, end)) = b.occurrences(&zone).into_iter().next() else {
            return Ok(Changed::NotFound);
        };
        let found = conflicts(&mut tx, &zone, &slot, start, end).await?;
        if !found.is_empty() {
            return Ok(Changed::Conflicts(found));
        }
        tx.exec(
            "UPDATE appointments SET starts_at = $1, ends_at = $2, changed_by = $3, changed_at = \
             $4 WHERE id = $5",
            args![start, end, crate::actor_uuid(actor), now, id],
        )
        .await?;
        append(
            &mut tx,
            actor,
            "appointment.moved",
            id,
            a.client_id,
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Changed::Done)
    }

    /// Cancels a booked appointment with the reason given (and, with `rest_of_series`, every
    /// later appointment of its series that is still booked).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn cancel(
        &self,
        on: On<'_>,
        id: AppointmentId,
        reason: &str,
        rest_of_series: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Changed, StoreError> {
        let mut tx = self.store.begin().await?;
        lock(&mut tx).await?;
        let Some(a) = booked(&mut tx, on, id).await? else {
            return Ok(Changed::NotFound);
        };
        let mut ids = vec![id];
        if rest_of_series && let Some(series) = a.series_id {
            let later: Vec<uuid::Uuid> = tx
                .scalars(
                    "SELECT id FROM appointments WHERE series_id = $1 AND status = 'booked' AND \
                     starts_at > $2 ORDER BY starts_at",
                    args![series, a.starts_at],
                )
                .await?;
            ids.extend(later.into_iter().map(AppointmentId::from));
        }
        for one in ids {
            tx.exec(
                "UPDATE appointments SET status = $1, cancel_reason = $2, changed_by = $3, \
                 changed_at = $4 WHERE id = $5",
                args![
                    Status::Cancelled,
                    reason,
                    crate::actor_uuid(actor),
                    now,
                    one
                ],
            )
            .await?;
            append(
                &mut tx,
                actor,
                "appointment.cancelled",
                one,
                a.client_id,
                Some(reason),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Changed::Done)
    }

    /// Marks a booked appointment whose time has come as "did not attend".
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn no_show(
        &self,
        on: On<'_>,
        id: AppointmentId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Changed, StoreError> {
        let mut tx = self.store.begin().await?;
        let Some(a) = booked(&mut tx, on, id).await? else {
            return Ok(Changed::NotFound);
        };
        if a.starts_at > now {
            return Ok(Changed::Refused(
                "An appointment can be marked as not attended once its time has come.".into(),
            ));
        }
        tx.exec(
            "UPDATE appointments SET status = $1, changed_by = $2, changed_at = $3 WHERE id = $4",
            args![Status::NoShow, crate::actor_uuid(actor), now, id],
        )
        .await?;
        append(
            &mut tx,
            actor,
            "appointment.no_show",
            id,
            a.client_id,
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Changed::Done)
    }
}

/// Whose appointment a change may touch: a client's (with the access check's proof) or a hold
/// (the person it holds time for, or anyone when `any_hold`: owner and front desk).
#[derive(Clone, Copy)]
pub enum On<'a> {
    Client(&'a ClientAccess),
    Hold { user: UserId, any_hold: bool },
}

#[derive(sqlx::FromRow)]
struct BookedRow {
    #[sqlx(try_from = "crate::sql::OptUuid")]
    client_id: Option<ClientId>,
    session_type: String,
    #[sqlx(try_from = "uuid::Uuid")]
    clinician_id: UserId,
    #[sqlx(try_from = "crate::sql::OptUuid")]
    second_clinician: Option<UserId>,
    #[sqlx(try_from = "crate::sql::OptUuid")]
    room_id: Option<RoomId>,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    telehealth: bool,
    #[sqlx(try_from = "crate::sql::OptUuid")]
    series_id: Option<SeriesId>,
}

/// The booked appointment `id`, if `on` may change it.
async fn booked(
    tx: &mut Tx,
    on: On<'_>,
    id: AppointmentId,
) -> Result<Option<BookedRow>, StoreError> {
    let row: Option<BookedRow> = tx
        .fetch_optional(
            "SELECT client_id, session_type, clinician_id, second_clinician, room_id, starts_at, \
             ends_at, telehealth, series_id FROM appointments WHERE id = $1 AND status = 'booked'",
            args![id],
        )
        .await?;
    Ok(row.filter(|a| match on {
        On::Client(access) => a.client_id == Some(access.client()),
        On::Hold { user, any_hold } => {
            a.client_id.is_none()
                && (any_hold || a.clinician_id == user || a.second_clinician == Some(user))
        }
    }))
}

async fn append(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    id: AppointmentId,
    client: Option<ClientId>,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let mut entry = actor.entry(action, now).record("appointment", id);
    if let Some(c) = client {
        entry = entry.client(c);
    }
    entry.reason = reason.map(str::to_owned);
    audit::append(tx, &entry).await?;
    Ok(())
}
