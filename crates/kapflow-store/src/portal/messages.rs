//! The client's secure messages with their care team: the 'client' thread of the client's
//! messages (the care team's thread with the prescriber is never shown here).

use super::{Portal, PortalAccess};
use crate::messages::MessageRow;
use crate::{StoreError, audit, outbox};
use kapflow_domain::{Actor, MessageId};
use time::OffsetDateTime;

impl Portal<'_> {
    /// The client's thread with the care team, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn messages(&self, access: &PortalAccess) -> Result<Vec<MessageRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT m.at, u.display_name AS author, u.role AS author_role, m.body, \
                 m.sensitivity FROM client_messages m JOIN users u ON u.id = m.author_id WHERE \
                 m.client_id = $1 AND m.thread = 'client' ORDER BY m.at, m.id",
                args![access.client],
            )
            .await
    }

    /// A message from the client to their care team; the care team hears of it by an email that
    /// says only that there is a message.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn send_message(
        &self,
        access: &PortalAccess,
        body: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<MessageId, StoreError> {
        let id = MessageId::new();
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO client_messages (id, client_id, at, author_id, body, sensitivity, \
             thread) VALUES ($1, $2, $3, $4, $5, 'general', 'client')",
            args![id, access.client, now, access.user, body],
        )
        .await?;
        outbox::enqueue(
            &mut tx,
            &outbox::Email::MessagePosted { message_id: id },
            now,
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("message.posted", now)
                .record("message", id)
                .client(access.client)
                .because("from the client".to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
