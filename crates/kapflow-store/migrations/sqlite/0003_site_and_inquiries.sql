-- The public site's content (sections with revisions) and the inquiry inbox.
-- In step with ../postgres/0003_site_and_inquiries.sql.

-- One editable block of the public site. Its text lives in revisions.
CREATE TABLE site_sections (
    key      TEXT PRIMARY KEY NOT NULL,
    page     TEXT NOT NULL,
    position INTEGER NOT NULL,
    label    TEXT NOT NULL
) STRICT;

-- Every saved version of a section: drafts and publications. Never changed; a restore is a
-- new revision with the old text.
CREATE TABLE site_revisions (
    id          BLOB PRIMARY KEY NOT NULL,
    section_key TEXT NOT NULL REFERENCES site_sections (key),
    title       TEXT NOT NULL,
    body_md     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    author_id   BLOB REFERENCES users (id),
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX site_revisions_section ON site_revisions (section_key, created_at);

CREATE TABLE inquiries (
    id                 BLOB PRIMARY KEY NOT NULL,
    created_at         TEXT NOT NULL,
    name               TEXT NOT NULL,
    email              TEXT,
    phone              TEXT,
    preferred_contact  TEXT NOT NULL CHECK (preferred_contact IN ('email', 'phone', 'text')),
    preferred_time     TEXT,
    concerns           TEXT NOT NULL,
    message            TEXT NOT NULL,
    heard_from         TEXT,
    consent_at         TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('new', 'contacted', 'consultation_booked', 'became_client', 'declined', 'spam')),
    assigned_to        BLOB REFERENCES users (id),
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX inquiries_status ON inquiries (status, created_at);
CREATE INDEX inquiries_assigned ON inquiries (assigned_to, created_at);

-- The timeline of an inquiry: status changes, assignments, internal notes. Append-only.
CREATE TABLE inquiry_events (
    id          BLOB PRIMARY KEY NOT NULL,
    inquiry_id  BLOB NOT NULL REFERENCES inquiries (id),
    at          TEXT NOT NULL,
    actor_id    BLOB REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('received', 'status', 'assigned', 'note')),
    detail      TEXT NOT NULL
) STRICT;
CREATE INDEX inquiry_events_inquiry ON inquiry_events (inquiry_id, at);
CREATE TRIGGER inquiry_events_no_update BEFORE UPDATE ON inquiry_events
BEGIN
    SELECT RAISE(ABORT, 'inquiry_events is append-only');
END;
CREATE TRIGGER inquiry_events_no_delete BEFORE DELETE ON inquiry_events
BEGIN
    SELECT RAISE(ABORT, 'inquiry_events is append-only');
END;
