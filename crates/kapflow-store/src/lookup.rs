//! The few reads many topics need inside their own transactions: does a client exist, which is
//! their current course, which consents stand, what are their concerns, who owns the practice.
//! Topics call these instead of each other, so clients, courses and measures depend on this
//! module and not in a circle.

use crate::sql::OptUuid;
use crate::{StoreError, Tx};
use kapflow_domain::client::Concerns;
use kapflow_domain::consent::ConsentKind;
use kapflow_domain::pathway::Stage;
use kapflow_domain::{ClientId, CourseId, OrgId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// One course of treatment of a client.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseRow {
    #[sqlx(try_from = "Uuid")]
    pub id: CourseId,
    #[sqlx(try_from = "Uuid")]
    pub client_id: ClientId,
    pub number: i64,
    #[sqlx(try_from = "String")]
    pub stage: Stage,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

pub(crate) const COURSE_COLUMNS: &str = "id, client_id, number, stage, opened_at, closed_at";

pub(crate) async fn client_exists(tx: &mut Tx, client: ClientId) -> Result<bool, StoreError> {
    tx.scalar(
        "SELECT COUNT(*) > 0 FROM clients WHERE id = $1",
        args![client],
    )
    .await
}

/// The client's current (latest) course.
pub(crate) async fn current_course(
    tx: &mut Tx,
    client: ClientId,
) -> Result<Option<CourseRow>, StoreError> {
    tx.fetch_optional(CURRENT_COURSE, args![client]).await
}

/// The client's latest course (`$1` the client), for [`current_course`] and for reads that
/// stand alone.
pub(crate) const CURRENT_COURSE: &str = "SELECT id, client_id, number, stage, opened_at, \
     closed_at FROM courses WHERE client_id = $1 ORDER BY number DESC LIMIT 1";

/// Whether the client has a signed, unrevoked signature of the latest version of `kind` (one
/// the client gave in the portal counts once reviewed, where the practice asks for review).
pub(crate) async fn current_consent(
    tx: &mut Tx,
    client: ClientId,
    kind: ConsentKind,
) -> Result<bool, StoreError> {
    tx.scalar(
        "SELECT COUNT(*) > 0 FROM consent_signatures s JOIN consent_documents d ON d.id = \
             s.document_id WHERE s.client_id = $1 AND d.kind = $2 AND s.revoked_at IS NULL AND \
             NOT s.review_pending AND d.version = (SELECT MAX(version) FROM consent_documents WHERE kind = $2)",
        args![client, kind],
    )
    .await
}

/// The client's primary concerns.
pub(crate) async fn concerns(tx: &mut Tx, client: ClientId) -> Result<Concerns, StoreError> {
    let text: String = tx
        .scalar("SELECT concerns FROM clients WHERE id = $1", args![client])
        .await?;
    Concerns::try_from(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) const OWNER_EMAILS: &str =
    "SELECT email FROM users WHERE role = 'owner' AND disabled_at IS NULL ORDER BY email";

/// The active owners' addresses (notices that go to the practice's owner).
pub(crate) async fn owner_emails(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    tx.scalars(OWNER_EMAILS, args![]).await
}

/// The partner organisation a prescriber belongs to.
pub(crate) async fn partner_org_of(tx: &mut Tx, user: UserId) -> Result<Option<OrgId>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(try_from = "OptUuid")]
        partner_org_id: Option<OrgId>,
    }
    let row: Option<Row> = tx
        .fetch_optional(
            "SELECT partner_org_id FROM users WHERE id = $1",
            args![user],
        )
        .await?;
    Ok(row.and_then(|r| r.partner_org_id))
}
