//! Kinds of appointment and rooms, as the owner sets them up.

use super::Calendar;
use crate::StoreError;
use crate::audit;
use kapflow_domain::calendar::{NoteTemplate, SessionType};
use kapflow_domain::{Actor, RoomId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
struct TypeRow {
    key: String,
    label: String,
    minutes: i64,
    needs_room: bool,
    telehealth: bool,
    external: bool,
    #[sqlx(try_from = "String")]
    note_template: NoteTemplate,
    active: bool,
}

impl From<TypeRow> for SessionType {
    fn from(r: TypeRow) -> Self {
        SessionType {
            key: r.key,
            label: r.label,
            minutes: u32::try_from(r.minutes).unwrap_or(0),
            needs_room: r.needs_room,
            telehealth: r.telehealth,
            external: r.external,
            note_template: r.note_template,
            active: r.active,
        }
    }
}

/// A room of the practice.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoomRow {
    #[sqlx(try_from = "Uuid")]
    pub id: RoomId,
    pub name: String,
    /// Suitable for dosing sessions.
    pub dosing: bool,
    pub active: bool,
}

/// What became of a room's save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomSaved {
    Done(RoomId),
    NameTaken,
    NoSuchRoom,
}

/// One kind of appointment, inside a transaction.
pub(crate) async fn session_type(
    tx: &mut crate::backend::Tx,
    key: &str,
) -> Result<Option<SessionType>, StoreError> {
    let row: Option<TypeRow> = tx
        .fetch_optional(
            "SELECT key, label, minutes, needs_room, telehealth, external, note_template, active              FROM session_types WHERE key = $1",
            args![key],
        )
        .await?;
    Ok(row.map(SessionType::from))
}

impl Calendar<'_> {
    /// Every kind of appointment, in the practice's order (retired ones too: their past
    /// appointments still name them).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn session_types(&self) -> Result<Vec<SessionType>, StoreError> {
        let rows: Vec<TypeRow> = self
            .store
            .db
            .fetch_all(
                "SELECT key, label, minutes, needs_room, telehealth, external, note_template, \
                 active FROM session_types ORDER BY position, label",
                args![],
            )
            .await?;
        Ok(rows.into_iter().map(SessionType::from).collect())
    }

    /// Saves a kind of appointment: an existing key is updated, a new one added last.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save_session_type(
        &self,
        t: &SessionType,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE session_types SET label = $1, minutes = $2, needs_room = $3, telehealth = \
                 $4, note_template = $5, active = $6, updated_at = $7 WHERE key = $8",
                args![
                    t.label.as_str(),
                    t.minutes,
                    t.needs_room,
                    t.telehealth,
                    t.note_template,
                    t.active,
                    now,
                    t.key.as_str()
                ],
            )
            .await?;
        if n == 0 {
            tx.exec(
                "INSERT INTO session_types (key, label, minutes, needs_room, telehealth, \
                 external, note_template, active, position, updated_at) SELECT $1, $2, $3, $4, \
                 $5, $6, $7, $8, COALESCE(MAX(position), 0) + 1, $9 FROM session_types",
                args![
                    t.key.as_str(),
                    t.label.as_str(),
                    t.minutes,
                    t.needs_room,
                    t.telehealth,
                    t.external,
                    t.note_template,
                    t.active,
                    now
                ],
            )
            .await?;
        }
        audit::append(
            &mut tx,
            &actor
                .entry("session_type.saved", now)
                .record("session_type", &t.key),
        )
        .await?;
        tx.commit().await
    }

    /// Every room, active ones first, by name.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rooms(&self) -> Result<Vec<RoomRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, name, dosing, active FROM rooms ORDER BY active DESC, name",
                args![],
            )
            .await
    }

    /// Adds a room (`None` id) or changes one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save_room(
        &self,
        id: Option<RoomId>,
        name: &str,
        dosing: bool,
        active: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<RoomSaved, StoreError> {
        let mut tx = self.store.begin().await?;
        let taken: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM rooms WHERE lower(name) = lower($1) AND id <> $2",
                args![name, id.unwrap_or_default()],
            )
            .await?;
        if taken {
            return Ok(RoomSaved::NameTaken);
        }
        let (room, action) = match id {
            Some(room) => {
                let n = tx
                    .exec(
                        "UPDATE rooms SET name = $1, dosing = $2, active = $3 WHERE id = $4",
                        args![name, dosing, active, room],
                    )
                    .await?;
                if n == 0 {
                    return Ok(RoomSaved::NoSuchRoom);
                }
                (room, "room.changed")
            }
            None => {
                let room = RoomId::new();
                tx.exec(
                    "INSERT INTO rooms (id, name, dosing, active, created_at) VALUES ($1, $2, \
                     $3, $4, $5)",
                    args![room, name, dosing, active, now],
                )
                .await?;
                (room, "room.added")
            }
        };
        audit::append(&mut tx, &actor.entry(action, now).record("room", room)).await?;
        tx.commit().await?;
        Ok(RoomSaved::Done(room))
    }
}
