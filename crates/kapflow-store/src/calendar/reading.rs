//! The calendar as people read it: a span of days for the practice, one clinician or one
//! room, and a client's own appointments. A client's name shows only to those who may read
//! the client's details (owner, front desk, the care team); others see that the time is
//! booked. Risk shows as everywhere else: to those who may open the clinical record.

use super::Calendar;
use super::week_rows;
use crate::StoreError;
use crate::access::ClientAccess;
use crate::alerts::{open_level, shown_to_member};
use crate::sql::{OptText, OptUuid};
use kapflow_domain::calendar::Status;
use kapflow_domain::measures::schedule::AlertLevel;
use kapflow_domain::{AppointmentId, ClientId, Role, RoomId, SeriesId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who is reading the calendar.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub user: UserId,
    pub role: Role,
}

impl Viewer {
    /// Owner and front desk read every client's name on the calendar.
    fn sees_every_name(self) -> bool {
        matches!(self.role, Role::Owner | Role::FrontDesk)
    }
}

/// Whose appointments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Practice,
    Clinician(UserId),
    Room(RoomId),
}

/// One appointment as the calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppointmentRow {
    #[sqlx(try_from = "Uuid")]
    pub id: AppointmentId,
    #[sqlx(try_from = "OptUuid")]
    pub client_id: Option<ClientId>,
    /// The client's name, where the reader may see it.
    pub client_name: Option<String>,
    /// A hold's title.
    pub title: Option<String>,
    pub session_type: String,
    pub type_label: String,
    #[sqlx(try_from = "Uuid")]
    pub clinician_id: UserId,
    pub clinician_name: String,
    #[sqlx(try_from = "OptUuid")]
    pub second_clinician: Option<UserId>,
    pub second_name: Option<String>,
    #[sqlx(try_from = "OptUuid")]
    pub room_id: Option<RoomId>,
    pub room_name: Option<String>,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub telehealth: bool,
    pub video_link: Option<String>,
    #[sqlx(try_from = "OptUuid")]
    pub series_id: Option<SeriesId>,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub cancel_reason: Option<String>,
    #[sqlx(try_from = "OptText")]
    pub risk: Option<AlertLevel>,
}

impl AppointmentRow {
    /// Whether the row is someone's hold rather than a client's appointment.
    pub fn is_hold(&self) -> bool {
        self.client_id.is_none()
    }
}

/// The columns of an [`AppointmentRow`] for reader `$1` (`$2`: whether they see every name),
/// then `rest`.
fn query(rest: &str, risk_shown: &str) -> String {
    format!(
        "SELECT a.id, a.client_id, {CLIENT_NAME} AS client_name, a.title, a.session_type, \
         st.label AS type_label, a.clinician_id, u.display_name AS clinician_name, \
         a.second_clinician, u2.display_name AS second_name, a.room_id, r.name AS room_name, \
         a.starts_at, a.ends_at, a.telehealth, a.video_link, a.series_id, a.status, \
         a.cancel_reason, {} AS risk {FROM} {rest}",
        open_level("a.client_id", risk_shown)
    )
}

/// The client's name where reader `$1` may read it (`$2`: they see every name).
const CLIENT_NAME: &str = "CASE WHEN a.client_id IS NOT NULL AND ($2 OR EXISTS (SELECT 1 FROM \
     care_team t WHERE t.client_id = a.client_id AND t.user_id = $1)) THEN c.legal_name END";

/// An appointment with its kind, clinicians, room and client.
const FROM: &str = "FROM appointments a JOIN session_types st ON st.key = a.session_type JOIN \
     users u ON u.id = a.clinician_id LEFT JOIN users u2 ON u2.id = a.second_clinician LEFT \
     JOIN rooms r ON r.id = a.room_id LEFT JOIN clients c ON c.id = a.client_id";

/// Risk shows on rows of clients on the reader's care team, where their role reads the record.
fn risk_rule(viewer: Viewer) -> &'static str {
    match shown_to_member(viewer.user, viewer.role) {
        Some(_) => {
            "EXISTS (SELECT 1 FROM care_team t2 WHERE t2.client_id = a.client_id AND t2.user_id = $1)"
        }
        None => "1 = 0",
    }
}

impl Calendar<'_> {
    /// Booked and not-attended appointments starting in `[from, to)`, by start.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn range(
        &self,
        viewer: Viewer,
        filter: Filter,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<AppointmentRow>, StoreError> {
        let whose = match filter {
            Filter::Practice => "",
            Filter::Clinician(_) => " AND (a.clinician_id = $5 OR a.second_clinician = $5)",
            Filter::Room(_) => " AND a.room_id = $5",
        };
        // One aggregated value rather than a row per appointment (see `week_rows`).
        let sql = format!(
            "SELECT {} {FROM} WHERE a.status <> 'cancelled' AND a.starts_at >= $3 AND \
             a.starts_at < $4{whose}",
            week_rows::array_of_row(
                self.store.backend(),
                CLIENT_NAME,
                &open_level("a.client_id", risk_rule(viewer)),
            )
        );
        let sees = viewer.sees_every_name();
        let db = &self.store.db;
        let json: String = match filter {
            Filter::Practice => {
                db.scalar(sqlx::AssertSqlSafe(sql), args![viewer.user, sees, from, to])
                    .await?
            }
            Filter::Clinician(u) => {
                db.scalar(
                    sqlx::AssertSqlSafe(sql),
                    args![viewer.user, sees, from, to, u],
                )
                .await?
            }
            Filter::Room(r) => {
                db.scalar(
                    sqlx::AssertSqlSafe(sql),
                    args![viewer.user, sees, from, to, r],
                )
                .await?
            }
        };
        week_rows::read(&json)
    }

    /// Every appointment of the client, cancelled ones too, by start.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn for_client(
        &self,
        access: &ClientAccess,
    ) -> Result<Vec<AppointmentRow>, StoreError> {
        let viewer = Viewer {
            user: access.user(),
            role: access.role(),
        };
        let sql = query(
            "WHERE a.client_id = $3 ORDER BY a.starts_at",
            risk_rule(viewer),
        );
        // The access check let the caller read this client's details: the name shows.
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(sql),
                args![access.user(), true, access.client()],
            )
            .await
    }

    /// One appointment of the client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn of_client(
        &self,
        access: &ClientAccess,
        id: AppointmentId,
    ) -> Result<Option<AppointmentRow>, StoreError> {
        let viewer = Viewer {
            user: access.user(),
            role: access.role(),
        };
        let sql = query("WHERE a.client_id = $3 AND a.id = $4", risk_rule(viewer));
        self.store
            .db
            .fetch_optional(
                sqlx::AssertSqlSafe(sql),
                args![access.user(), true, access.client(), id],
            )
            .await
    }

    /// One hold (an appointment without a client).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn hold(
        &self,
        viewer: Viewer,
        id: AppointmentId,
    ) -> Result<Option<AppointmentRow>, StoreError> {
        let sql = query("WHERE a.client_id IS NULL AND a.id = $3", "1 = 0");
        self.store
            .db
            .fetch_optional(sqlx::AssertSqlSafe(sql), args![viewer.user, false, id])
            .await
    }
}
