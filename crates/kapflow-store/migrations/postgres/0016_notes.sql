-- Clinical notes (per appointment or free-standing), signed and then never changed; addenda;
-- psychotherapy notes, a separate record kind that only its author reads.

CREATE TABLE clinical_notes (
    id             UUID PRIMARY KEY NOT NULL,
    client_id      UUID NOT NULL REFERENCES clients (id),
    appointment_id UUID UNIQUE REFERENCES appointments (id),
    template       TEXT NOT NULL,
    title          TEXT NOT NULL,
    -- The sections as JSON: [[key, text], ...] in the template's order.
    body           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    author_id      UUID NOT NULL REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    signed_at      TIMESTAMPTZ,
    signed_by      UUID REFERENCES users (id),
    content_sha256 TEXT
);
CREATE INDEX clinical_notes_client ON clinical_notes (client_id, created_at);
CREATE INDEX clinical_notes_unsigned ON clinical_notes (author_id, created_at) WHERE signed_at IS NULL;
-- A signed note never changes and is never removed: the database refuses it too.
CREATE FUNCTION clinical_notes_signed_no_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'clinical notes are never removed';
    END IF;
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'a signed note never changes; add an addendum';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER clinical_notes_signed_no_update BEFORE UPDATE OR DELETE ON clinical_notes
    FOR EACH ROW EXECUTE FUNCTION clinical_notes_signed_no_change();
CREATE TRIGGER clinical_notes_no_truncate BEFORE TRUNCATE ON clinical_notes
    FOR EACH STATEMENT EXECUTE FUNCTION clinical_notes_signed_no_change();

CREATE TABLE note_addenda (
    id             UUID PRIMARY KEY NOT NULL,
    note_id        UUID NOT NULL REFERENCES clinical_notes (id),
    body           TEXT NOT NULL,
    author_id      UUID NOT NULL REFERENCES users (id),
    signed_at      TIMESTAMPTZ NOT NULL,
    content_sha256 TEXT NOT NULL
);
CREATE INDEX note_addenda_note ON note_addenda (note_id, signed_at);
CREATE FUNCTION note_addenda_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'addenda are signed and never change';
END;
$$;
CREATE TRIGGER note_addenda_no_update BEFORE UPDATE OR DELETE ON note_addenda
    FOR EACH ROW EXECUTE FUNCTION note_addenda_append_only();
CREATE TRIGGER note_addenda_no_truncate BEFORE TRUNCATE ON note_addenda
    FOR EACH STATEMENT EXECUTE FUNCTION note_addenda_append_only();

CREATE TABLE psychotherapy_notes (
    id         UUID PRIMARY KEY NOT NULL,
    client_id  UUID NOT NULL REFERENCES clients (id),
    author_id  UUID NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX psychotherapy_notes_author ON psychotherapy_notes (author_id, client_id, created_at);
