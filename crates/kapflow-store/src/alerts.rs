//! Suicide-risk alerts: raised with the submission that fired them (`measures`), shown to the
//! care team until a clinician acknowledges them with a note, and escalated to the owner when
//! nobody has by the practice's deadline. Escalation is a conditional update, so with several
//! instances each alert escalates once.

use crate::{ClientAccess, ClinicalAccess, StoreError, audit, lookup, outbox};
use kapflow_domain::access::{Action, Relationship, decide};
use kapflow_domain::measures::schedule::AlertLevel;
use kapflow_domain::{Actor, AlertId, AuditEntry, ClientId, Role, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Suicide-risk alerts and their escalation.
    Alerts
);

/// One alert with the questionnaire that raised it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertRow {
    #[sqlx(try_from = "Uuid")]
    pub id: AlertId,
    #[sqlx(try_from = "Uuid")]
    pub client_id: ClientId,
    pub legal_name: String,
    pub instrument: String,
    #[sqlx(try_from = "String")]
    pub level: AlertLevel,
    pub finding: String,
    pub rule: String,
    pub source: String,
    pub created_at: OffsetDateTime,
    pub escalated_at: Option<OffsetDateTime>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub acknowledged_by: Option<String>,
    pub ack_note: Option<String>,
}

/// An open alert on a dashboard, and whether the viewer may open the client's record now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenAlert {
    #[sqlx(flatten)]
    pub alert: AlertRow,
    pub reachable: bool,
}

/// Who is told of an alert, the client it links to (by id), and its level — what the notice
/// may say; never the client's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertNotice {
    pub to: Vec<String>,
    pub client: ClientId,
    pub level: AlertLevel,
    /// The notice goes to the owner (escalated, or nobody on the care team), whose way to the
    /// alert is the dashboard: the client's record may be outside the owner's care team.
    pub to_owner: bool,
}

/// The columns of an [`AlertRow`] (and any `$extra` columns), before the `WHERE` of each query.
macro_rules! alert_query {
    ($where:literal) => {
        alert_query!("", $where)
    };
    ($extra:literal, $where:literal) => {
        concat!(
            "SELECT a.id, a.client_id, cl.legal_name, m.instrument, a.level, a.finding, a.rule, a.source, \
             a.created_at, a.escalated_at, a.acknowledged_at, u.display_name AS acknowledged_by, a.ack_note",
            $extra,
            " FROM risk_alerts a JOIN clients cl ON cl.id = a.client_id \
             JOIN measure_responses m ON m.id = a.response_id \
             LEFT JOIN users u ON u.id = a.acknowledged_by ",
            $where
        )
    };
}

/// Orders a client's alerts (aliased `a`) most serious first, then oldest: the one a header or a
/// caseload row names when several are open.
macro_rules! most_serious_first {
    () => {
        "ORDER BY CASE a.level WHEN 'high' THEN 0 WHEN 'moderate' THEN 1 WHEN 'low' THEN 2 \
         ELSE 3 END, a.created_at"
    };
}
pub(crate) use most_serious_first;

/// Whose rows of a list show their risk: those whose clinical record the reader may open, as
/// the domain's access rules decide. A care-team member's rows, where membership lets `role`
/// read the record (never front desk's): the member to match, or `None`.
pub(crate) fn shown_to_member(viewer: UserId, role: Role) -> Option<UserId> {
    decide(
        role,
        Action::ViewClinicalRecord,
        Relationship::AssignedClinician,
    )
    .is_allowed()
    .then_some(viewer)
}

/// Whether a prescriber's rows (all referrals with the release standing) show their risk.
pub(crate) fn shown_to_prescriber() -> bool {
    decide(
        Role::Prescriber,
        Action::ViewClinicalRecord,
        Relationship::ReferredPrescriber,
    )
    .is_allowed()
}

/// The level of the most serious open alert of client `{client}` (an SQL expression), shown
/// only where `shown` (constant SQL or a bound parameter) holds: the rows of a list whose
/// clinical record the reader may open.
pub(crate) fn open_level(client: &str, shown: &str) -> String {
    format!(
        "(SELECT a.level FROM risk_alerts a WHERE a.client_id = {client} AND a.acknowledged_at \
         IS NULL AND {shown} {} LIMIT 1)",
        most_serious_first!()
    )
}

impl Alerts<'_> {
    /// Open alerts, the most serious first and each level oldest first: of `user`'s care team,
    /// or of the whole practice for the owner (`everyone`), whom an alert nobody answered
    /// escalates to. Each says whether `user` may open the client's record now (care team or a
    /// running break-glass grant).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open(
        &self,
        user: UserId,
        everyone: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<OpenAlert>, StoreError> {
        self.store
            .db
            .fetch_all(
                concat!(
                    alert_query!(
                        ", EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = a.client_id AND \
                         t.user_id = $1) OR EXISTS (SELECT 1 FROM break_glass_grants g WHERE \
                         g.client_id = a.client_id AND g.user_id = $1 AND g.expires_at > $3) \
                         AS reachable",
                        "WHERE a.acknowledged_at IS NULL AND ($2 OR EXISTS (SELECT 1 FROM \
                         care_team t WHERE t.client_id = a.client_id AND t.user_id = $1)) "
                    ),
                    most_serious_first!()
                ),
                args![user, everyone, now],
            )
            .await
    }

    /// The legal name of `client` while the client has an open alert: emergency access from an
    /// alert needs no search by name and date of birth, the alert names the client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn client_with_open_alert(
        &self,
        client: ClientId,
    ) -> Result<Option<String>, StoreError> {
        self.store
            .db
            .scalar_optional(
                "SELECT cl.legal_name FROM clients cl WHERE cl.id = $1 AND EXISTS (SELECT 1 \
                 FROM risk_alerts a WHERE a.client_id = cl.id AND a.acknowledged_at IS NULL)",
                args![client],
            )
            .await
    }

    /// Every alert of the client, open ones first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn of_client(&self, access: &ClinicalAccess) -> Result<Vec<AlertRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                alert_query!(
                    "WHERE a.client_id = $1 ORDER BY a.acknowledged_at IS NOT NULL, a.created_at DESC"
                ),
                args![access.client()],
            )
            .await
    }

    /// A clinician closes some of the client's open alerts with one note, each audited; the
    /// count closed (alerts of another client, or closed meanwhile, are left alone).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn acknowledge(
        &self,
        access: &ClientAccess,
        alerts: &[AlertId],
        note: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let mut closed = Vec::new();
        for &alert in alerts {
            let n = tx
                .exec(
                    "UPDATE risk_alerts SET acknowledged_at = $1, acknowledged_by = $2, \
                     ack_note = $3 WHERE id = $4 AND client_id = $5 AND acknowledged_at IS NULL",
                    args![now, crate::actor_uuid(actor), note, alert, client],
                )
                .await?;
            if n == 1 {
                closed.push(
                    actor
                        .entry("alert.acknowledged", now)
                        .record("risk_alert", alert)
                        .client(client),
                );
            }
        }
        if closed.is_empty() {
            return Ok(0);
        }
        audit::append_all(&mut tx, &closed).await?;
        tx.commit().await?;
        Ok(closed.len())
    }

    /// Escalates every unacknowledged alert past its deadline to the owner, once each.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn escalate_due(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Due {
            #[sqlx(try_from = "Uuid")]
            id: AlertId,
            #[sqlx(try_from = "Uuid")]
            client_id: ClientId,
        }
        let mut tx = self.store.begin().await?;
        let due: Vec<Due> = tx
            .fetch_all(
                "SELECT id, client_id FROM risk_alerts WHERE acknowledged_at IS NULL AND \
                     escalated_at IS NULL AND escalate_at <= $1 ORDER BY escalate_at LIMIT 100",
                args![now],
            )
            .await?;
        let mut count = 0;
        for Due { id, client_id } in due {
            let n = tx
                .exec(
                    "UPDATE risk_alerts SET escalated_at = $1 WHERE id = $2 AND escalated_at \
                         IS NULL AND acknowledged_at IS NULL",
                    args![now, id],
                )
                .await?;
            if n == 1 {
                let message = outbox::Email::RiskAlertEscalated { alert_id: id };
                outbox::enqueue(&mut tx, &message, now).await?;
                audit::append(
                    &mut tx,
                    &AuditEntry::system("alert.escalated", now)
                        .record("risk_alert", id)
                        .client(client_id),
                )
                .await?;
                count += 1;
            }
        }
        tx.commit().await?;
        Ok(count)
    }

    /// Who hears of an alert: the client's care team, or the owner when there is none (or
    /// when `escalated`), with the client's id (for a link, not a name) and the alert's level.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn recipients(
        &self,
        alert: AlertId,
        escalated: bool,
    ) -> Result<Option<AlertNotice>, StoreError> {
        let mut tx = self.store.begin_read().await?;
        let row: Option<(Uuid, String)> = tx
            .fetch_optional(
                "SELECT client_id, level FROM risk_alerts WHERE id = $1",
                args![alert],
            )
            .await?;
        let Some((client, level)) = row else {
            return Ok(None);
        };
        let client = ClientId::from_uuid(client);
        let level = AlertLevel::try_from(level)
            .map_err(|e| StoreError::Corrupt(format!("risk alert level: {e}")))?;
        let mut to: Vec<String> = if escalated {
            vec![]
        } else {
            tx.scalars(
                "SELECT u.email FROM care_team t JOIN users u ON u.id = t.user_id WHERE \
                     t.client_id = $1 AND u.disabled_at IS NULL ORDER BY u.email",
                args![client],
            )
            .await?
        };
        let to_owner = to.is_empty();
        if to_owner {
            to = lookup::owner_emails(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(Some(AlertNotice {
            to,
            client,
            level,
            to_owner,
        }))
    }
}
