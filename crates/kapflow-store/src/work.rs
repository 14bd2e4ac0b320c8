//! What each person has to do, as the work queues of their dashboard: each queue a list of
//! rows (whom or what it is about, a name, since when), oldest first, scoped to what the person
//! may see — the care team's clients for a clinician, the referrals with a standing release of
//! information for a prescriber, the whole practice's front-desk work for front desk and owner.

use crate::StoreError;
use crate::access::RELEASE_STANDS;
use kapflow_domain::UserId;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// The dashboard's work queues.
    Work
);

/// One thing waiting: the record it is about (a client, an inquiry, a staff account), its
/// name, and since when it has waited (for a questionnaire, the day it is due).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WorkRow {
    pub id: Uuid,
    pub name: String,
    pub since: OffsetDateTime,
}

/// How far back "recent" reaches for answers and messages a person has not yet seen on the
/// dashboard (the record keeps them all).
pub const RECENT: Duration = Duration::days(14);

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
            "SELECT c.id, c.legal_name AS name, COALESCE(d.opened_at, d.prepared_at) AS since \
             FROM dosing_sessions d JOIN clients c ON c.id = d.client_id WHERE d.status IN \
             ('preparing', 'open') AND {ON_TEAM} ORDER BY since LIMIT $2"
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
            "SELECT c.id, c.legal_name AS name, q.answered_at AS since FROM \
             dose_change_requests q JOIN courses co ON co.id = q.course_id JOIN clients c ON \
             c.id = co.client_id WHERE q.answered_at >= $2 AND {ON_TEAM} ORDER BY since LIMIT $3"
        );
        self.rows(sql, args![user, now - RECENT, LIMIT]).await
    }

    /// Clients with recent messages from someone else: for a clinician, the care team's
    /// clients; for a prescriber (`referred`), the referred ones. The latest message's time.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn messages(
        &self,
        user: UserId,
        prescriber: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<WorkRow>, StoreError> {
        let scope = if prescriber {
            referred()
        } else {
            ON_TEAM.to_owned()
        };
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, MAX(m.at) AS since FROM client_messages m JOIN \
             clients c ON c.id = m.client_id WHERE m.at >= $2 AND m.author_id <> $1 AND {scope} \
             GROUP BY c.id, c.legal_name ORDER BY since LIMIT $3"
        );
        self.rows(sql, args![user, now - RECENT, LIMIT]).await
    }

    /// Referrals to the prescriber's organisation with no evaluation since they were made.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn referrals_waiting(&self, user: UserId) -> Result<Vec<WorkRow>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, r.referred_at AS since FROM referrals r JOIN \
             clients c ON c.id = r.client_id JOIN users u ON u.partner_org_id = r.org_id AND \
             u.id = $1 WHERE {RELEASE_STANDS} AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE \
             e.course_id = r.course_id AND e.recorded_at >= r.referred_at) \
             ORDER BY since LIMIT $2"
        );
        self.rows(sql, args![user, LIMIT]).await
    }

    /// Dose-change requests to the prescriber's organisation not yet answered.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dose_requests(&self, user: UserId) -> Result<Vec<WorkRow>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, q.requested_at AS since FROM \
             dose_change_requests q JOIN referrals r ON r.course_id = q.course_id JOIN users u \
             ON u.partner_org_id = r.org_id AND u.id = $1 JOIN clients c ON c.id = r.client_id \
             WHERE q.answered_at IS NULL AND {RELEASE_STANDS} ORDER BY since LIMIT $2"
        );
        self.rows(sql, args![user, LIMIT]).await
    }

    /// New inquiries nobody has answered yet.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn new_inquiries(&self) -> Result<Vec<WorkRow>, StoreError> {
        let sql = "SELECT id, name, created_at AS since FROM inquiries WHERE status = 'new' \
                   ORDER BY created_at LIMIT $1"
            .to_owned();
        self.rows(sql, args![LIMIT]).await
    }

    /// Clients in an open course without a signed, unrevoked KAP consent or release of
    /// information.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn missing_consents(&self) -> Result<Vec<WorkRow>, StoreError> {
        let signed = |kind: &str| {
            format!(
                "EXISTS (SELECT 1 FROM consent_signatures s JOIN consent_documents d ON d.id = \
                 s.document_id WHERE s.client_id = c.id AND d.kind = '{kind}' AND s.revoked_at \
                 IS NULL)"
            )
        };
        let sql = format!(
            "SELECT c.id, c.legal_name AS name, c.created_at AS since FROM clients c WHERE \
             EXISTS (SELECT 1 FROM courses co WHERE co.client_id = c.id AND co.closed_at IS \
             NULL) AND NOT ({} AND {}) ORDER BY since LIMIT $1",
            signed("kap"),
            signed("release_of_information")
        );
        self.rows(sql, args![LIMIT]).await
    }

    /// Clients in an open course with no way to reach them or no emergency contact.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn missing_contact(&self) -> Result<Vec<WorkRow>, StoreError> {
        let sql = "SELECT c.id, c.legal_name AS name, c.created_at AS since FROM clients c \
                   WHERE EXISTS (SELECT 1 FROM courses co WHERE co.client_id = c.id AND \
                   co.closed_at IS NULL) AND ((c.email IS NULL AND c.phone IS NULL) OR \
                   c.emergency_name IS NULL OR c.emergency_phone IS NULL) ORDER BY since LIMIT $1"
            .to_owned();
        self.rows(sql, args![LIMIT]).await
    }

    /// Staff accounts still without a second factor.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn staff_without_mfa(&self) -> Result<Vec<WorkRow>, StoreError> {
        let sql = "SELECT id, display_name AS name, created_at AS since FROM users WHERE role \
                   <> 'client' AND disabled_at IS NULL AND mfa_enrolled_at IS NULL \
                   ORDER BY created_at LIMIT $1"
            .to_owned();
        self.rows(sql, args![LIMIT]).await
    }
}
