-- A file sent with a message in the client's thread (a photo or a PDF, type sniffed from its
-- bytes, a photo's metadata removed), one per message. Append-only like the message itself; its
-- SHA-256 is in the audit row that recorded the message.
CREATE TABLE message_attachments (
    id           BLOB PRIMARY KEY NOT NULL,
    message_id   BLOB NOT NULL UNIQUE REFERENCES client_messages (id),
    client_id    BLOB NOT NULL REFERENCES clients (id),
    file_name    TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 120),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    size_bytes   INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256       TEXT NOT NULL,
    bytes        BLOB NOT NULL
) STRICT;
CREATE INDEX message_attachments_client ON message_attachments (client_id);
CREATE TRIGGER message_attachments_no_update BEFORE UPDATE ON message_attachments
BEGIN
    SELECT RAISE(ABORT, 'message_attachments is append-only');
END;
CREATE TRIGGER message_attachments_no_delete BEFORE DELETE ON message_attachments
BEGIN
    SELECT RAISE(ABORT, 'message_attachments is append-only');
END;
