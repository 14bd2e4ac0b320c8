-- A photo of the medication's label as the client brought it (optional), kept with the session
-- as evidence: append-only, its SHA-256 in the audit row that recorded it.
CREATE TABLE custody_label_photos (
    id           BLOB PRIMARY KEY NOT NULL,
    session_id   BLOB NOT NULL REFERENCES dosing_sessions (id),
    client_id    BLOB NOT NULL REFERENCES clients (id),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes        BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    uploaded_by  BLOB NOT NULL REFERENCES users (id)
) STRICT;
CREATE INDEX custody_label_photos_session ON custody_label_photos (session_id, uploaded_at);
CREATE TRIGGER custody_label_photos_no_update BEFORE UPDATE ON custody_label_photos
BEGIN
    SELECT RAISE(ABORT, 'custody_label_photos is append-only');
END;
CREATE TRIGGER custody_label_photos_no_delete BEFORE DELETE ON custody_label_photos
BEGIN
    SELECT RAISE(ABORT, 'custody_label_photos is append-only');
END;
