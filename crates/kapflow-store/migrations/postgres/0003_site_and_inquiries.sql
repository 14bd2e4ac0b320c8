-- The public site's content (sections with revisions) and the inquiry inbox.
-- In step with ../sqlite/0003_site_and_inquiries.sql.

CREATE TABLE site_sections (
    key      TEXT PRIMARY KEY NOT NULL,
    page     TEXT NOT NULL,
    position INTEGER NOT NULL,
    label    TEXT NOT NULL
);

CREATE TABLE site_revisions (
    id          UUID PRIMARY KEY NOT NULL,
    section_key TEXT NOT NULL REFERENCES site_sections (key),
    title       TEXT NOT NULL,
    body_md     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    author_id   UUID REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX site_revisions_section ON site_revisions (section_key, created_at);

CREATE TABLE inquiries (
    id                 UUID PRIMARY KEY NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    name               TEXT NOT NULL,
    email              TEXT,
    phone              TEXT,
    preferred_contact  TEXT NOT NULL CHECK (preferred_contact IN ('email', 'phone', 'text')),
    preferred_time     TEXT,
    concerns           TEXT NOT NULL,
    message            TEXT NOT NULL,
    heard_from         TEXT,
    consent_at         TIMESTAMPTZ NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('new', 'contacted', 'consultation_booked', 'became_client', 'declined', 'spam')),
    assigned_to        UUID REFERENCES users (id),
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX inquiries_status ON inquiries (status, created_at);
CREATE INDEX inquiries_assigned ON inquiries (assigned_to, created_at);

CREATE TABLE inquiry_events (
    id          UUID PRIMARY KEY NOT NULL,
    inquiry_id  UUID NOT NULL REFERENCES inquiries (id),
    at          TIMESTAMPTZ NOT NULL,
    actor_id    UUID REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('received', 'status', 'assigned', 'note')),
    detail      TEXT NOT NULL
);
CREATE INDEX inquiry_events_inquiry ON inquiry_events (inquiry_id, at);

CREATE FUNCTION inquiry_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'inquiry_events is append-only';
END;
$$;
CREATE TRIGGER inquiry_events_no_update BEFORE UPDATE ON inquiry_events
    FOR EACH ROW EXECUTE FUNCTION inquiry_events_append_only();
CREATE TRIGGER inquiry_events_no_delete BEFORE DELETE ON inquiry_events
    FOR EACH ROW EXECUTE FUNCTION inquiry_events_append_only();
