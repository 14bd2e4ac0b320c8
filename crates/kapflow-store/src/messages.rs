//! Messages between the care team and the prescriber about one client, kept on the client.
//! Append-only (trigger): a message is never edited or removed.

use crate::clients::client_exists;
use crate::{Store, StoreError, audit};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::{Actor, ClientId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub at: OffsetDateTime,
    pub author: String,
    pub author_role: String,
    pub body: String,
    pub sensitivity: String,
}

impl Store {
    pub async fn messages(&self, client: ClientId) -> Result<Vec<MessageRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT m.at, u.display_name AS author, u.role AS author_role, m.body, m.sensitivity FROM client_messages m \
             JOIN users u ON u.id = m.author_id WHERE m.client_id = $1 ORDER BY m.at, m.id"
        ).bind(client.as_uuid()).fetch_all(c).await)?)
    }

    pub async fn post_message(
        &self,
        client: ClientId,
        body: &str,
        sensitivity: Sensitivity,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        if !client_exists(&mut tx, client).await? {
            return Ok(false);
        }
        let id = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO client_messages (id, client_id, at, author_id, body, sensitivity) VALUES ($1, $2, $3, $4, $5, $6)"
        ).bind(id).bind(client.as_uuid()).bind(now).bind(crate::actor_uuid(actor)).bind(body).bind(sensitivity.as_str())
            .execute(c).await.map(|r| r.rows_affected()))?;
        audit::append(
            &mut tx,
            &actor
                .entry("message.posted", now)
                .record("message", id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
