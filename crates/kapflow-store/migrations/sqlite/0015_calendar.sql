-- The practice calendar: kinds of appointment, rooms, working hours, time off, appointments.

CREATE TABLE session_types (
    key           TEXT PRIMARY KEY NOT NULL,
    label         TEXT NOT NULL,
    minutes       INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    needs_room    INTEGER NOT NULL CHECK (needs_room IN (0, 1)),
    telehealth    INTEGER NOT NULL CHECK (telehealth IN (0, 1)),
    external      INTEGER NOT NULL CHECK (external IN (0, 1)),
    note_template TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position      INTEGER NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
INSERT INTO session_types (key, label, minutes, needs_room, telehealth, external, note_template, position, updated_at) VALUES
    ('assessment', 'Assessment', 50, 0, 1, 0, 'assessment', 1, '2026-12-03 00:00:00.0+00:00'),
    ('preparation', 'Preparation', 50, 0, 1, 0, 'preparation', 2, '2026-12-03 00:00:00.0+00:00'),
    ('dosing', 'Dosing session', 180, 1, 0, 0, 'dosing', 3, '2026-12-03 00:00:00.0+00:00'),
    ('integration', 'Integration', 50, 0, 1, 0, 'integration', 4, '2026-12-03 00:00:00.0+00:00'),
    ('prescriber_visit', 'Prescriber visit', 45, 0, 1, 1, 'general', 5, '2026-12-03 00:00:00.0+00:00');

CREATE TABLE rooms (
    id         BLOB PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    -- Suitable for dosing sessions (a reclining chair, privacy, the therapist's line of sight).
    dosing     INTEGER NOT NULL CHECK (dosing IN (0, 1)),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;

-- Practice-clock minutes after midnight; weekday 0 is Monday. No row: the default week.
CREATE TABLE working_hours (
    user_id    BLOB NOT NULL REFERENCES users (id),
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    starts_min INTEGER,
    ends_min   INTEGER,
    PRIMARY KEY (user_id, weekday)
) STRICT;

CREATE TABLE time_off (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id),
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    note       TEXT,
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    removed_at TEXT
) STRICT;
CREATE INDEX time_off_user ON time_off (user_id, starts_at);

CREATE TABLE appointments (
    id               BLOB PRIMARY KEY NOT NULL,
    -- NULL: a hold (supervision, admin) with a title instead of a client.
    client_id        BLOB REFERENCES clients (id),
    title            TEXT,
    session_type     TEXT NOT NULL REFERENCES session_types (key),
    clinician_id     BLOB NOT NULL REFERENCES users (id),
    second_clinician BLOB REFERENCES users (id),
    room_id          BLOB REFERENCES rooms (id),
    starts_at        TEXT NOT NULL,
    ends_at          TEXT NOT NULL,
    telehealth       INTEGER NOT NULL CHECK (telehealth IN (0, 1)),
    video_link       TEXT,
    series_id        BLOB,
    status           TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'no_show')),
    cancel_reason    TEXT,
    booked_by        BLOB NOT NULL REFERENCES users (id),
    booked_at        TEXT NOT NULL,
    changed_by       BLOB REFERENCES users (id),
    changed_at       TEXT,
    CHECK (client_id IS NOT NULL OR title IS NOT NULL),
    CHECK (ends_at > starts_at)
) STRICT;
CREATE INDEX appointments_starts ON appointments (starts_at);
CREATE INDEX appointments_clinician ON appointments (clinician_id, starts_at);
CREATE INDEX appointments_client ON appointments (client_id, starts_at);
CREATE INDEX appointments_room ON appointments (room_id, starts_at);

-- One row every booking change locks first: bookings are checked for conflicts one at a time
-- (a practice books a few a minute; two requests at once must not both pass the check).
CREATE TABLE calendar_lock (
    id      INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO calendar_lock (id, version) VALUES (1, 0);

-- Each clinician's calendar feed: an unguessable link (only its hash is kept), replaced or
-- withdrawn by its owner.
CREATE TABLE calendar_feeds (
    user_id    BLOB PRIMARY KEY NOT NULL REFERENCES users (id),
    token_hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;
