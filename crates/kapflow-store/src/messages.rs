//! Messages between the care team and the prescriber about one client, kept on the client.
//! Append-only (trigger): a message is never edited or removed.

use crate::lookup::client_exists;
use crate::message_attachments::{self as attachments, AttachmentFile, NewAttachment};
use crate::{ClientAccess, ClinicalAccess, StoreError, audit, outbox};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::portal::Thread;
use kapflow_domain::{Actor, AttachmentId, ClientId, MessageId, Role, UserId};
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
    /// The file sent with it (the client's thread only).
    pub attachment_id: Option<uuid::Uuid>,
    pub attachment_name: Option<String>,
    pub attachment_size: Option<i64>,
}

/// A thread's messages with their files, oldest first (`$1` the client, `$2` the thread).
pub(crate) fn thread_query() -> String {
    format!(
        "SELECT m.at, u.display_name AS author, u.role AS author_role, m.body, m.sensitivity, \
         {} FROM client_messages m JOIN users u ON u.id = m.author_id {} WHERE m.client_id = $1 \
         AND m.thread = $2 ORDER BY m.at, m.id",
        attachments::LIST_COLUMNS,
        attachments::LIST_JOIN
    )
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
            .fetch_all(sqlx::AssertSqlSafe(thread_query()), args![client, thread])
            .await
    }

    /// A file of the client's thread with the care team, for a clinician of the care team
    /// (`None` for the prescriber, who never sees that thread, or another client's file).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn attachment(
        &self,
        access: &ClinicalAccess,
        id: AttachmentId,
    ) -> Result<Option<AttachmentFile>, StoreError> {
        if !access.sees_client_thread() {
            return Ok(None);
        }
        attachments::read(self.store, access.client(), id).await
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
    /// to the client in the portal, where it may carry a file. False when the client is gone or
    /// the caller may not write in that thread (or send a file there).
    #[allow(clippy::too_many_arguments)]
    pub async fn post(
        &self,
        access: &ClientAccess,
        thread: Thread,
        body: &str,
        file: Option<NewAttachment<'_>>,
        sensitivity: Sensitivity,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        if thread == Thread::Client && access.role() == Role::Prescriber {
            return Ok(false);
        }
        if thread == Thread::Team && file.is_some() {
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
        let mut entry = actor
            .entry("message.posted", now)
            .record("message", id)
            .client(client);
        if let Some(file) = &file {
            let sha = attachments::keep(&mut tx, id, client, file).await?;
            entry = entry.because(attachments::audit_note(file, &sha));
        }
        // Whoever writes has read what came before.
        if let Some(author) = actor.user {
            mark_read(&mut tx, author.0, client, now).await?;
        }
        let notice = match thread {
            Thread::Team => outbox::Email::MessagePosted { message_id: id },
            Thread::Client => outbox::Email::PortalMessage { message_id: id },
        };
        outbox::enqueue(&mut tx, &notice, now).await?;
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
