//! What each person has to do, as the work queues of their dashboard: each queue a list of
//! rows (whom or what it is about, a name, since when), oldest first, scoped to what the person
//! may see — the care team's clients for a clinician, the referrals with a standing release of
//! information for a prescriber, the whole practice's front-desk work for front desk and owner —
//! and the counts the navigation shows (unread messages, new inquiries).

use crate::StoreError;
use crate::access::RELEASE_STANDS;
use crate::alerts::{open_level, shown_to_member, shown_to_prescriber};
use crate::sql::OptText;
use kapflow_domain::measures::schedule::AlertLevel;
use kapflow_domain::{Role, UserId};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// The dashboard's work queues.
    Work
);

/// One thing waiting: the record it is about (a client, an inquiry, a staff account), its
/// name, since when it has waited (for a questionnaire, the day it is due), and — for a client
/// whose clinical record the reader may open — the level of the most serious open risk alert.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WorkRow {
    pub id: Uuid,
    pub name: String,
    pub since: OffsetDateTime,
    #[sqlx(try_from = "OptText")]
    pub risk: Option<AlertLevel>,
}

/// A client with a questionnaire waiting since `due_on` (the earliest of theirs).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueRow {
    pub id: Uuid,
    pub name: String,
    pub due_on: Date,
    #[sqlx(try_from = "OptText")]
    pub risk: Option<AlertLevel>,
}

/// What the navigation counts for a person: messages from others they have not opened, and new
/// inquiries (for those who answer them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct NavCounts {
    pub unread_messages: i64,
    pub new_inquiries: i64,
}

/// How far back "recent" reaches for answers to dose-change requests (the record keeps them
/// all).
pub const RECENT: Duration = Duration::days(14);

/// How far back a message counts as unread: older ones stay in the record but no longer wait on
/// the dashboard. A window keeps the navigation's count (on every page) to the practice's
/// recent messages, however long its history.
pub const UNREAD_FOR: Duration = Duration::days(30);

/// At most this many rows a queue: a dashboard is a place to start, the lists are elsewhere.
const LIMIT: i64 = 50;

/// The care team's clients (aliased `c`) for user `$1`.
const ON_TEAM: &str =
    "EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = c.id AND t.user_id = $1)";

/// The clients (aliased `c`) referred to user `$1`'s organisation with a standing release.
fn referred() -> String {
    format!(
        "EXISTS (SELECT 1 FROM referrals rr JOIN users u ON u.partner_org_id = rr.org_id \
         WHERE rr.client_id = c.id AND u.id = $1) AND {RELEASE_STANDS}"
    )
}

/// The messages (aliased `m`, of client `c`) unread by user `$1`: since `$3`, from someone
/// else, after the last time `$1` opened that client's messages — of a prescriber's referred
/// clients, or of a clinician's care team. The queue and the navigation's count both read
/// this. A clinician's starts from the care team (SQLite keeps a CROSS JOIN's order): a
/// caseload is smaller than the practice's recent messages (about a quarter of the work for the
/// demo practice's busiest therapist).
fn unread_messages(prescriber: bool) -> String {
    const UNREAD: &str = "m.at >= $3 AND m.author_id <> $1 AND NOT EXISTS (SELECT 1 FROM \
                          message_reads r WHERE r.user_id = $1 AND r.client_id = m.client_id \
                          AND r.read_at >= m.at)";
    if prescriber {
        format!(
            "client_messages m JOIN clients c ON c.id = m.client_id WHERE {UNREAD} AND \
             m.thread = 'team' AND {}",
            referred()
        )
    } else {
        format!(
            "care_team t CROSS JOIN client_messages m JOIN clients c ON c.id = m.client_id \
             WHERE t.user_id = $1 AND m.client_id = t.client_id AND {UNREAD}"
        )
    }
}

/// Constant SQL: whether a prescriber's rows show their risk.
fn prescriber_reads() -> &'static str {
    if shown_to_prescriber() {
        "1 = 1"
    } else {
        "1 = 0"
    }
}

impl Work<'_> {
    async fn rows(
        &self,
        sql: String,
        args: &[crate::sql::Arg<'_>],
    ) -> Result<Vec<WorkRow>, StoreError> {
        self.store
            .db
            .fetch_all(sqlx::AssertSqlSafe(sql), args)
            .await
    }

    /// Dosing sessions of the care team's clients being prepared or running.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sessions_open(&self, user: UserId) -> Result<Vec<WorkRow>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, COALESCE(d.opened_at, d.prepared_at) AS since, \
             {} AS risk FROM dosing_sessions d JOIN clients c ON c.id = d.client_id WHERE \
             d.status IN ('preparing', 'open') AND {ON_TEAM} ORDER BY since LIMIT $2",
            open_level("c.id", "1 = 1")
        );
        self.rows(sql, args![user, LIMIT]).await
    }

    /// The prescriber's answers to the care team's dose-change requests, lately.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dose_answers(
        &self,
        user: UserId,
        now: OffsetDateTime,
    ) -> Result<Vec<WorkRow>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, q.answered_at AS since, {} AS risk FROM \
             dose_change_requests q JOIN courses co ON co.id = q.course_id JOIN clients c ON \
             c.id = co.client_id WHERE q.answered_at >= $2 AND {ON_TEAM} ORDER BY since LIMIT $3",
            open_level("c.id", "1 = 1")
        );
        self.rows(sql, args![user, now - RECENT, LIMIT]).await
    }

    /// Clients with messages from someone else the person has not read since (within
    /// [`UNREAD_FOR`]): for a clinician, of the care team's clients; for a prescriber, of the
    /// referred ones. Since the oldest unread message.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn messages(
        &self,
        user: UserId,
        prescriber: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<WorkRow>, StoreError> {
        let shown = if prescriber {
            prescriber_reads()
        } else {
            "1 = 1"
        };
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, MIN(m.at) AS since, {} AS risk FROM {} \
             GROUP BY c.id, c.legal_name ORDER BY since LIMIT $2",
            open_level("c.id", shown),
            unread_messages(prescriber)
        );
        self.rows(sql, args![user, LIMIT, now - UNREAD_FOR]).await
    }

    /// The navigation's counts for `user`: unread messages (clinicians and prescribers) and new
    /// inquiries (`inquiries`: those who may read them), in one statement.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn nav_counts(
        &self,
        user: UserId,
        role: Role,
        inquiries: bool,
        now: OffsetDateTime,
    ) -> Result<NavCounts, StoreError> {
        let messages = match role {
            Role::Owner | Role::Therapist => Some(false),
            Role::Prescriber => Some(true),
            Role::FrontDesk | Role::Client => None,
        };
        let unread = match messages {
            Some(prescriber) => format!("(SELECT COUNT(*) FROM {})", unread_messages(prescriber)),
            None => "CAST(0 AS BIGINT)".to_owned(),
        };
        let sql = format!(
            "SELECT {unread} AS unread_messages, CASE WHEN $2 THEN (SELECT COUNT(*) FROM \
             inquiries WHERE status = 'new') ELSE 0 END AS new_inquiries"
        );
        self.store
            .db
            .fetch_one(
                sqlx::AssertSqlSafe(sql),
                args![user, inquiries, now - UNREAD_FOR],
            )
            .await
    }

    /// Referrals to the prescriber's organisation with no evaluation since they were made.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn referrals_waiting(&self, user: UserId) -> Result<Vec<WorkRow>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, r.referred_at AS since, {} AS risk FROM \
             referrals r JOIN clients c ON c.id = r.client_id JOIN users u ON u.partner_org_id = \
             r.org_id AND u.id = $1 WHERE {RELEASE_STANDS} AND NOT EXISTS (SELECT 1 FROM \
             evaluations e WHERE e.course_id = r.course_id AND e.recorded_at >= r.referred_at) \
             ORDER BY since LIMIT $2",
            open_level("c.id", prescriber_reads())
        );
        self.rows(sql, args![user, LIMIT]).await
    }

    /// Dose-change requests to the prescriber's organisation not yet answered.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dose_requests(&self, user: UserId) -> Result<Vec<WorkRow>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, q.requested_at AS since, {} AS risk FROM \
             dose_change_requests q JOIN referrals r ON r.course_id = q.course_id JOIN users u \
             ON u.partner_org_id = r.org_id AND u.id = $1 JOIN clients c ON c.id = r.client_id \
             WHERE q.answered_at IS NULL AND {RELEASE_STANDS} ORDER BY since LIMIT $2",
            open_level("c.id", prescriber_reads())
        );
        self.rows(sql, args![user, LIMIT]).await
    }

    /// New inquiries nobody has answered yet.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn new_inquiries(&self) -> Result<Vec<WorkRow>, StoreError> {
        let sql = "SELECT id, name, created_at AS since, CAST(NULL AS TEXT) AS risk FROM \
                   inquiries WHERE status = 'new' ORDER BY created_at LIMIT $1"
            .to_owned();
        self.rows(sql, args![LIMIT]).await
    }

    /// Clients in an open course without a signed, unrevoked KAP consent or release of
    /// information. Risk shows on the rows of `viewer`'s care team.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn missing_consents(
        &self,
        viewer: UserId,
        role: Role,
    ) -> Result<Vec<WorkRow>, StoreError> {
        let signed = |kind: &str| {
            format!(
                "EXISTS (SELECT 1 FROM consent_signatures s JOIN consent_documents d ON d.id = \
                 s.document_id WHERE s.client_id = c.id AND d.kind = '{kind}' AND s.revoked_at \
                 IS NULL AND NOT s.review_pending)"
            )
        };
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, c.created_at AS since, {} AS risk FROM clients \
             c WHERE EXISTS (SELECT 1 FROM courses co WHERE co.client_id = c.id AND \
             co.closed_at IS NULL) AND NOT ({} AND {}) ORDER BY since LIMIT $2",
            open_level("c.id", ON_TEAM),
            signed("kap"),
            signed("release_of_information")
        );
        self.rows(sql, args![shown_to_member(viewer, role), LIMIT])
            .await
    }

    /// Clients in an open course with no way to reach them or no emergency contact. Risk
    /// shows on the rows of `viewer`'s care team.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn missing_contact(
        &self,
        viewer: UserId,
        role: Role,
    ) -> Result<Vec<WorkRow>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, c.created_at AS since, {} AS risk FROM clients \
             c WHERE EXISTS (SELECT 1 FROM courses co WHERE co.client_id = c.id AND \
             co.closed_at IS NULL) AND ((c.email IS NULL AND c.phone IS NULL) OR \
             c.emergency_name IS NULL OR c.emergency_phone IS NULL) ORDER BY since LIMIT $2",
            open_level("c.id", ON_TEAM)
        );
        self.rows(sql, args![shown_to_member(viewer, role), LIMIT])
            .await
    }

    /// Clients due a questionnaire (by `today`, not yet sent) that cannot go out by itself:
    /// their record has no email address or no agreement to email. Front desk's work: the
    /// address and the agreement are contact details. Names and dates only, never which
    /// questionnaire.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn questionnaires_stuck(
        &self,
        viewer: UserId,
        role: Role,
        today: Date,
    ) -> Result<Vec<DueRow>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, MIN(r.due_on) AS due_on, {} AS risk FROM \
             measure_requests r JOIN clients c ON c.id = r.client_id WHERE r.completed_at IS \
             NULL AND r.cancelled_at IS NULL AND r.due_on <= $2 AND r.auto_sent_at IS NULL AND \
             NOT EXISTS (SELECT 1 FROM measure_links l WHERE l.request_id = r.id) AND (c.email \
             IS NULL OR c.email_consent_at IS NULL) GROUP BY c.id, c.legal_name ORDER BY \
             due_on, name LIMIT $3",
            open_level("c.id", ON_TEAM)
        );
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(sql),
                args![shown_to_member(viewer, role), today, LIMIT],
            )
            .await
    }

    /// Staff accounts still without a second factor.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn staff_without_mfa(&self) -> Result<Vec<WorkRow>, StoreError> {
        let sql = "SELECT id, display_name AS name, created_at AS since, CAST(NULL AS TEXT) AS \
                   risk FROM users WHERE role <> 'client' AND disabled_at IS NULL AND \
                   mfa_enrolled_at IS NULL ORDER BY created_at LIMIT $1"
            .to_owned();
        self.rows(sql, args![LIMIT]).await
    }
}

/// A note its author has not signed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnsignedNote {
    #[sqlx(try_from = "Uuid")]
    pub note: kapflow_domain::NoteId,
    #[sqlx(try_from = "Uuid")]
    pub client: kapflow_domain::ClientId,
    pub name: String,
    pub title: String,
    pub since: OffsetDateTime,
    #[sqlx(try_from = "OptText")]
    pub risk: Option<AlertLevel>,
}

/// An appointment of the person's today.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TodayRow {
    #[sqlx(try_from = "Uuid")]
    pub appointment: kapflow_domain::AppointmentId,
    #[sqlx(try_from = "crate::sql::OptUuid")]
    pub client: Option<kapflow_domain::ClientId>,
    /// The client's name (the person is on the care team) or a hold's title.
    pub name: Option<String>,
    pub kind: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    #[sqlx(try_from = "OptText")]
    pub risk: Option<AlertLevel>,
}

impl Work<'_> {
    /// The author's notes still unsigned that were started before `before`, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn unsigned_notes(
        &self,
        author: UserId,
        before: OffsetDateTime,
    ) -> Result<Vec<UnsignedNote>, StoreError> {
        let sql = format!(
            "SELECT n.id AS note, c.id AS client, c.legal_name AS name, n.title, n.created_at AS \
             since, {} AS risk FROM clinical_notes n JOIN clients c ON c.id = n.client_id WHERE \
             n.author_id = $1 AND n.signed_at IS NULL AND n.created_at < $2 AND {ON_TEAM} ORDER \
             BY n.created_at LIMIT $3",
            open_level("c.id", "1 = 1")
        );
        self.store
            .db
            .fetch_all(sqlx::AssertSqlSafe(sql), args![author, before, LIMIT])
            .await
    }

    /// The person's booked appointments starting in `[from, to)` (their day), by start.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn appointments_today(
        &self,
        user: UserId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<TodayRow>, StoreError> {
        let sql = format!(
            "SELECT a.id AS appointment, a.client_id AS client, COALESCE(CASE WHEN EXISTS \
             (SELECT 1 FROM care_team t WHERE t.client_id = a.client_id AND t.user_id = $1) THEN \
             c.legal_name END, a.title) AS name, st.label AS kind, a.starts_at, a.ends_at, {} AS \
             risk FROM appointments a JOIN session_types st ON st.key = a.session_type LEFT JOIN \
             clients c ON c.id = a.client_id WHERE (a.clinician_id = $1 OR a.second_clinician = \
             $1) AND a.status = 'booked' AND a.starts_at >= $2 AND a.starts_at < $3 ORDER BY \
             a.starts_at LIMIT $4",
            open_level(
                "a.client_id",
                "EXISTS (SELECT 1 FROM care_team t2 WHERE t2.client_id = a.client_id AND t2.user_id = $1)"
            )
        );
        self.store
            .db
            .fetch_all(sqlx::AssertSqlSafe(sql), args![user, from, to, LIMIT])
            .await
    }
}
