//! Messages between the care team and the prescriber about one client, kept on the client.
//! Append-only (trigger): a message is never edited or removed.

use crate::lookup::client_exists;
use crate::{ClientAccess, ClinicalAccess, StoreError, audit, outbox};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::portal::Thread;
use kapflow_domain::{Actor, ClientId, MessageId, Role, UserId};
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

async fn mark_read(
    tx: &mut crate::Tx,
    user: UserId,
    client: ClientId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO message_reads (user_id, client_id, read_at) VALUES ($1, $2, $3) ON \
         CONFLICT (user_id, client_id) DO UPDATE SET read_at = excluded.read_at",
        args![user, client, now],
    )
    .await?;
    Ok(())
}

impl Messages<'_> {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(
        &self,
        access: &ClinicalAccess,
        thread: Thread,
    ) -> Result<Vec<MessageRow>, StoreError> {
        let client = access.client();
        self.store
            .db
            .fetch_all(
                "SELECT m.at, u.display_name AS author, u.role AS author_role, m.body, \
                 m.sensitivity FROM client_messages m JOIN users u ON u.id = m.author_id WHERE \
                 m.client_id = $1 AND m.thread = $2 ORDER BY m.at, m.id",
                args![client, thread],
            )
            .await
    }

    /// Marks the client's messages read by `user` up to `now` (the navigation's unread count
    /// and the dashboard's queue forget them). Bookkeeping of a read that is itself audited.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn mark_read(
        &self,
        access: &ClinicalAccess,
        user: UserId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        mark_read(&mut tx, user, access.client(), now).await?;
        tx.commit().await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    /// A message in `thread`: to the prescriber's side, or (a clinician of the care team only)
    /// to the client in the portal. False when the client is gone or the caller may not write
    /// in that thread.
    #[allow(clippy::too_many_arguments)]
    pub async fn post(
        &self,
        access: &ClientAccess,
        thread: Thread,
        body: &str,
        sensitivity: Sensitivity,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        if thread == Thread::Client && access.role() == Role::Prescriber {
            return Ok(false);
        }
        let mut tx = self.store.begin().await?;
        if !client_exists(&mut tx, client).await? {
            return Ok(false);
        }
        let id = MessageId::new();
        tx.exec(
            "INSERT INTO client_messages (id, client_id, at, author_id, body, sensitivity, \
             thread) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                id,
                client,
                now,
                crate::actor_uuid(actor),
                body,
                sensitivity,
                thread
            ],
        )
        .await?;
        // Whoever writes has read what came before.
        if let Some(author) = actor.user {
            mark_read(&mut tx, author.0, client, now).await?;
        }
        let notice = match thread {
            Thread::Team => outbox::Email::MessagePosted { message_id: id },
            Thread::Client => outbox::Email::PortalMessage { message_id: id },
        };
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
