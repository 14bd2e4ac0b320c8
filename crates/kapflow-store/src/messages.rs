//! Messages between the care team and the prescriber about one client, kept on the client.
//! Append-only (trigger): a message is never edited or removed.

use crate::lookup::client_exists;
use crate::{ClientAccess, ClinicalAccess, StoreError, audit, outbox};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::{Actor, MessageId, Role};
use time::OffsetDateTime;

crate::topic!(
    /// Messages between the care team and the prescriber.
    Messages
);

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub at: OffsetDateTime,
    pub author: String,
    #[sqlx(try_from = "String")]
    pub author_role: Role,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub sensitivity: Sensitivity,
}

impl Messages<'_> {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self, access: &ClinicalAccess) -> Result<Vec<MessageRow>, StoreError> {
        let client = access.client();
        self.store
            .db
            .fetch_all(
                "SELECT m.at, u.display_name AS author, u.role AS author_role, m.body, \
                 m.sensitivity FROM client_messages m JOIN users u ON u.id = m.author_id WHERE \
                 m.client_id = $1 ORDER BY m.at, m.id",
                args![client],
            )
            .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn post(
        &self,
        access: &ClientAccess,
        body: &str,
        sensitivity: Sensitivity,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        if !client_exists(&mut tx, client).await? {
            return Ok(false);
        }
        let id = MessageId::new();
        tx.exec(
            "INSERT INTO client_messages (id, client_id, at, author_id, body, sensitivity) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            args![id, client, now, crate::actor_uuid(actor), body, sensitivity],
        )
        .await?;
        let notice = outbox::Email::MessagePosted { message_id: id };
        outbox::enqueue(&mut tx, &notice, now).await?;
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
