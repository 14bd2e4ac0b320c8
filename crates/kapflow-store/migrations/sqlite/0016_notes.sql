-- Clinical notes (per appointment or free-standing), signed and then never changed; addenda;
-- psychotherapy notes, a separate record kind that only its author reads.

CREATE TABLE clinical_notes (
    id             BLOB PRIMARY KEY NOT NULL,
    client_id      BLOB NOT NULL REFERENCES clients (id),
    appointment_id BLOB UNIQUE REFERENCES appointments (id),
    template       TEXT NOT NULL,
    title          TEXT NOT NULL,
    -- The sections as JSON: [[key, text], ...] in the template's order.
    body           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    author_id      BLOB NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    signed_at      TEXT,
    signed_by      BLOB REFERENCES users (id),
    content_sha256 TEXT
) STRICT;
CREATE INDEX clinical_notes_client ON clinical_notes (client_id, created_at);
CREATE INDEX clinical_notes_unsigned ON clinical_notes (author_id, created_at) WHERE signed_at IS NULL;
-- A signed note never changes and is never removed: the database refuses it too.
CREATE TRIGGER clinical_notes_signed_no_update BEFORE UPDATE ON clinical_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a signed note never changes; add an addendum');
END;
CREATE TRIGGER clinical_notes_no_delete BEFORE DELETE ON clinical_notes
BEGIN
    SELECT RAISE(ABORT, 'clinical notes are never removed');
END;

CREATE TABLE note_addenda (
    id             BLOB PRIMARY KEY NOT NULL,
    note_id        BLOB NOT NULL REFERENCES clinical_notes (id),
    body           TEXT NOT NULL,
    author_id      BLOB NOT NULL REFERENCES users (id),
    signed_at      TEXT NOT NULL,
    content_sha256 TEXT NOT NULL
) STRICT;
CREATE INDEX note_addenda_note ON note_addenda (note_id, signed_at);
CREATE TRIGGER note_addenda_no_update BEFORE UPDATE ON note_addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are signed and never change');
END;
CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are signed and never change');
END;

CREATE TABLE psychotherapy_notes (
    id         BLOB PRIMARY KEY NOT NULL,
    client_id  BLOB NOT NULL REFERENCES clients (id),
    author_id  BLOB NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX psychotherapy_notes_author ON psychotherapy_notes (author_id, client_id, created_at);
