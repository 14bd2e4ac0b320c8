//! The client's secure messages with their care team: the 'client' thread of the client's
//! messages (the care team's thread with the prescriber is never shown here).

use super::{Portal, PortalAccess};
use crate::message_attachments::{AttachmentFile, NewAttachment};
use crate::messages::MessageRow;
use crate::{StoreError, audit, outbox};
use kapflow_domain::portal::Thread;
use kapflow_domain::{Actor, AttachmentId, MessageId};
use time::OffsetDateTime;

impl Portal<'_> {
    /// The client's thread with the care team, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn messages(&self, access: &PortalAccess) -> Result<Vec<MessageRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(crate::messages::thread_query()),
                args![access.client, Thread::Client],
            )
            .await
    }

    /// One file of the client's own thread (`None` for anyone else's).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn attachment(
        &self,
        access: &PortalAccess,
        id: AttachmentId,
    ) -> Result<Option<AttachmentFile>, StoreError> {
        crate::message_attachments::read(self.store, access.client, id).await
    }

    /// A message from the client to their care team, perhaps with a file; the care team hears
    /// of it by an email that says only that there is a message.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn send_message(
        &self,
        access: &PortalAccess,
        body: &str,
        file: Option<NewAttachment<'_>>,
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
        let mut why = "from the client".to_owned();
        if let Some(file) = &file {
            let sha = crate::message_attachments::keep(&mut tx, id, access.client, file).await?;
            why = format!(
                "{why}, {}",
                crate::message_attachments::audit_note(file, &sha)
            );
        }
        audit::append(
            &mut tx,
            &actor
                .entry("message.posted", now)
                .record("message", id)
                .client(access.client)
                .because(why),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
