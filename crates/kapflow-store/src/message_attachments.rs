//! Files sent with messages in the client's thread (the portal): kept with the message they
//! came with, append-only, each one's SHA-256 in the audit row of its message. Only the client
//! and the clinicians of their care team read them; the prescriber never sees the client's
//! thread.

use crate::StoreError;
use kapflow_domain::{AttachmentId, ClientId, MessageId};

/// A file to keep with a message (type already sniffed, a photo's metadata already removed).
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// An attachment as it is downloaded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Keeps `file` with `message`; its SHA-256 for the message's audit row.
pub(crate) async fn keep(
    tx: &mut crate::Tx,
    message: MessageId,
    client: ClientId,
    file: &NewAttachment<'_>,
) -> Result<String, StoreError> {
    let sha = kapflow_domain::digest::sha256_hex(file.bytes);
    tx.exec(
        "INSERT INTO message_attachments (id, message_id, client_id, file_name, content_type, \
         size_bytes, sha256, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![
            AttachmentId::new(),
            message,
            client,
            file.file_name,
            file.content_type,
            file.bytes.len() as i64,
            sha.as_str(),
            file.bytes
        ],
    )
    .await?;
    Ok(sha)
}

/// The words the message's audit row carries about its file.
pub(crate) fn audit_note(file: &NewAttachment<'_>, sha: &str) -> String {
    format!(
        "with a file: {}, {} bytes, sha256 {sha}",
        file.content_type,
        file.bytes.len()
    )
}

/// One attachment of `client`'s thread with the care team, if it is theirs.
pub(crate) async fn read(
    store: &crate::Store,
    client: ClientId,
    id: AttachmentId,
) -> Result<Option<AttachmentFile>, StoreError> {
    store
        .db
        .fetch_optional(
            "SELECT a.file_name, a.content_type, a.bytes FROM message_attachments a JOIN \
             client_messages m ON m.id = a.message_id WHERE a.id = $1 AND a.client_id = $2 AND \
             m.client_id = $2 AND m.thread = 'client'",
            args![id, client],
        )
        .await
}

/// The columns a thread's list adds for each message's file (none: NULLs).
pub(crate) const LIST_COLUMNS: &str =
    "a.id AS attachment_id, a.file_name AS attachment_name, a.size_bytes AS attachment_size";
/// The join that brings them.
pub(crate) const LIST_JOIN: &str = "LEFT JOIN message_attachments a ON a.message_id = m.id";
