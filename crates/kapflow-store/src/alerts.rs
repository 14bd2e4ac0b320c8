//! Suicide-risk alerts: raised with the submission that fired them (`measures`), shown to the
//! care team until a clinician acknowledges them with a note, and escalated to the owner when
//! nobody has by the practice's deadline. Escalation is a conditional update, so with several
//! instances each alert escalates once.

use crate::{Store, StoreError, audit, outbox};
use kapflow_domain::{Actor, AuditEntry, ClientId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertRow {
    pub id: Uuid,
    pub client_id: Uuid,
    pub legal_name: String,
    pub instrument: String,
    pub level: String,
    pub finding: String,
    pub rule: String,
    pub source: String,
    pub created_at: OffsetDateTime,
    pub escalated_at: Option<OffsetDateTime>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub acknowledged_by: Option<String>,
    pub ack_note: Option<String>,
}

const SELECT: &str = "SELECT a.id, a.client_id, cl.legal_name, m.instrument, a.level, a.finding, a.rule, a.source, \
     a.created_at, a.escalated_at, a.acknowledged_at, u.display_name AS acknowledged_by, a.ack_note \
     FROM risk_alerts a JOIN clients cl ON cl.id = a.client_id JOIN measure_responses m ON m.id = a.response_id \
     LEFT JOIN users u ON u.id = a.acknowledged_by";

impl Store {
    /// Open alerts for `user`'s care team; the owner (`everyone`) also sees escalated ones.
    pub async fn open_alerts(
        &self,
        user: UserId,
        everyone: bool,
    ) -> Result<Vec<AlertRow>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE a.acknowledged_at IS NULL AND (EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = a.client_id AND t.user_id = $1) \
             OR ($2 AND a.escalated_at IS NOT NULL)) ORDER BY a.created_at"
        );
        Ok(
            on_db!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(user.as_uuid()).bind(everyone).fetch_all(c).await)?,
        )
    }

    pub async fn client_alerts(&self, client: ClientId) -> Result<Vec<AlertRow>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE a.client_id = $1 ORDER BY a.acknowledged_at IS NOT NULL, a.created_at DESC"
        );
        Ok(
            on_db!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(client.as_uuid()).fetch_all(c).await)?,
        )
    }

    /// A clinician closes an alert with a note; false if it is not this client's or is closed.
    pub async fn acknowledge_alert(
        &self,
        client: ClientId,
        alert: Uuid,
        note: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE risk_alerts SET acknowledged_at = $1, acknowledged_by = $2, ack_note = $3 \
             WHERE id = $4 AND client_id = $5 AND acknowledged_at IS NULL"
        ).bind(now).bind(crate::actor_uuid(actor)).bind(note).bind(alert).bind(client.as_uuid())
            .execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("alert.acknowledged", now)
                .record("risk_alert", alert)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Escalates every unacknowledged alert past its deadline to the owner, once each.
    pub async fn escalate_due_alerts(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let due: Vec<(Uuid, Uuid)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id, client_id FROM risk_alerts WHERE acknowledged_at IS NULL AND escalated_at IS NULL AND escalate_at <= $1 \
             ORDER BY escalate_at LIMIT 100"
        ).bind(now).fetch_all(c).await)?;
        let mut count = 0;
        for (id, client) in due {
            let n = on_tx!(&mut tx, c => sqlx::query(
                "UPDATE risk_alerts SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL AND acknowledged_at IS NULL"
            ).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
            if n == 1 {
                let payload = serde_json::json!({ "template": "risk_alert_escalated", "alert_id": id.to_string() });
                outbox::enqueue(&mut tx, "email", &payload.to_string(), now).await?;
                audit::append(
                    &mut tx,
                    &AuditEntry::system("alert.escalated", now)
                        .record("risk_alert", id)
                        .client(client),
                )
                .await?;
                count += 1;
            }
        }
        tx.commit().await?;
        Ok(count)
    }

    /// Who hears of an alert: the client's care team, or the owner when there is none (or
    /// when `escalated`). Returns the addresses and the client's id (for a link, not a name).
    pub async fn alert_recipients(
        &self,
        alert: Uuid,
        escalated: bool,
    ) -> Result<Option<(Vec<String>, Uuid)>, StoreError> {
        let client: Option<Uuid> = on_db!(self, c => sqlx::query_scalar("SELECT client_id FROM risk_alerts WHERE id = $1")
            .bind(alert).fetch_optional(c).await)?;
        let Some(client) = client else {
            return Ok(None);
        };
        let mut to: Vec<String> = if escalated {
            vec![]
        } else {
            on_db!(self, c => sqlx::query_scalar(
                "SELECT u.email FROM care_team t JOIN users u ON u.id = t.user_id WHERE t.client_id = $1 AND u.disabled_at IS NULL ORDER BY u.email"
            ).bind(client).fetch_all(c).await)?
        };
        if to.is_empty() {
            to = self.owner_emails().await?;
        }
        Ok(Some((to, client)))
    }
}
