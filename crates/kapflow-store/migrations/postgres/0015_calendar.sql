-- The practice calendar: kinds of appointment, rooms, working hours, time off, appointments.

CREATE TABLE session_types (
    key           TEXT PRIMARY KEY NOT NULL,
    label         TEXT NOT NULL,
    minutes       BIGINT NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    needs_room    BOOLEAN NOT NULL,
    telehealth    BOOLEAN NOT NULL,
    external      BOOLEAN NOT NULL,
    note_template TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    position      BIGINT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
INSERT INTO session_types (key, label, minutes, needs_room, telehealth, external, note_template, position, updated_at) VALUES
    ('assessment', 'Assessment', 50, FALSE, TRUE, FALSE, 'assessment', 1, '2026-12-03 00:00:00+00'),
    ('preparation', 'Preparation', 50, FALSE, TRUE, FALSE, 'preparation', 2, '2026-12-03 00:00:00+00'),
    ('dosing', 'Dosing session', 180, TRUE, FALSE, FALSE, 'dosing', 3, '2026-12-03 00:00:00+00'),
    ('integration', 'Integration', 50, FALSE, TRUE, FALSE, 'integration', 4, '2026-12-03 00:00:00+00'),
    ('prescriber_visit', 'Prescriber visit', 45, FALSE, TRUE, TRUE, 'general', 5, '2026-12-03 00:00:00+00');

CREATE TABLE rooms (
    id         UUID PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    -- Suitable for dosing sessions (a reclining chair, privacy, the therapist's line of sight).
    dosing     BOOLEAN NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- Practice-clock minutes after midnight; weekday 0 is Monday. No row: the default week.
CREATE TABLE working_hours (
    user_id    UUID NOT NULL REFERENCES users (id),
    weekday    BIGINT NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    starts_min BIGINT,
    ends_min   BIGINT,
    PRIMARY KEY (user_id, weekday)
);

CREATE TABLE time_off (
    id         UUID PRIMARY KEY NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (id),
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    note       TEXT,
    created_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ
);
CREATE INDEX time_off_user ON time_off (user_id, starts_at);

CREATE TABLE appointments (
    id               UUID PRIMARY KEY NOT NULL,
    -- NULL: a hold (supervision, admin) with a title instead of a client.
    client_id        UUID REFERENCES clients (id),
    title            TEXT,
    session_type     TEXT NOT NULL REFERENCES session_types (key),
    clinician_id     UUID NOT NULL REFERENCES users (id),
    second_clinician UUID REFERENCES users (id),
    room_id          UUID REFERENCES rooms (id),
    starts_at        TIMESTAMPTZ NOT NULL,
    ends_at          TIMESTAMPTZ NOT NULL,
    telehealth       BOOLEAN NOT NULL,
    video_link       TEXT,
    series_id        UUID,
    status           TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'no_show')),
    cancel_reason    TEXT,
    booked_by        UUID NOT NULL REFERENCES users (id),
    booked_at        TIMESTAMPTZ NOT NULL,
    changed_by       UUID REFERENCES users (id),
    changed_at       TIMESTAMPTZ,
    CHECK (client_id IS NOT NULL OR title IS NOT NULL),
    CHECK (ends_at > starts_at)
);
CREATE INDEX appointments_starts ON appointments (starts_at);
CREATE INDEX appointments_clinician ON appointments (clinician_id, starts_at);
CREATE INDEX appointments_client ON appointments (client_id, starts_at);
CREATE INDEX appointments_room ON appointments (room_id, starts_at);

-- One row every booking change locks first: bookings are checked for conflicts one at a time
-- (a practice books a few a minute; two requests at once must not both pass the check).
CREATE TABLE calendar_lock (
    id      BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO calendar_lock (id, version) VALUES (1, 0);

-- Each clinician's calendar feed: an unguessable link (only its hash is kept), replaced or
-- withdrawn by its owner.
CREATE TABLE calendar_feeds (
    user_id    UUID PRIMARY KEY NOT NULL REFERENCES users (id),
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
