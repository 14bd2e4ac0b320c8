-- The dosing session (docs/domain.md §3, §5, §6): the prescription's plan, the session and its
-- pre-dose checks, vitals and their alerts, observations, the presence log, the append-only
-- hash-chained medication custody log, and integration sessions between dosing sessions.

-- The prescriber's plan: how many dosing sessions, how far apart, the dose per session (µg),
-- whether it may be taken in parts, and the booster allowed (NULL: none). Older prescriptions
-- take the usual plan and their strength as the dose.
ALTER TABLE prescriptions ADD COLUMN sessions_planned INTEGER NOT NULL DEFAULT 6;
ALTER TABLE prescriptions ADD COLUMN min_days_between INTEGER NOT NULL DEFAULT 7;
ALTER TABLE prescriptions ADD COLUMN dose_ug INTEGER;
ALTER TABLE prescriptions ADD COLUMN split_allowed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prescriptions ADD COLUMN booster_ug INTEGER;

CREATE TABLE dosing_sessions (
    id                     BLOB PRIMARY KEY NOT NULL,
    course_id              BLOB NOT NULL REFERENCES courses (id),
    client_id              BLOB NOT NULL REFERENCES clients (id),
    number                 INTEGER NOT NULL,
    prescription_id        BLOB REFERENCES prescriptions (id),
    status                 TEXT NOT NULL CHECK (status IN ('preparing', 'open', 'closed', 'cancelled')),
    prepared_by            BLOB NOT NULL REFERENCES users (id),
    prepared_at            TEXT NOT NULL,
    ride_home_name         TEXT,
    ride_home_phone        TEXT,
    ride_home_confirmed_at TEXT,
    measures_skip_reason   TEXT,
    override_reason        TEXT,
    override_by            BLOB REFERENCES users (id),
    opened_at              TEXT,
    opened_by              BLOB REFERENCES users (id),
    dosed_at               TEXT,
    closed_at              TEXT,
    closed_by              BLOB REFERENCES users (id),
    ending                 TEXT CHECK (ending IN ('discharged', 'early_end', 'cancelled')),
    end_reason             TEXT,
    discharge              TEXT,
    UNIQUE (course_id, number)
) STRICT;
-- One session at a time per client.
CREATE UNIQUE INDEX dosing_sessions_one_live ON dosing_sessions (client_id)
    WHERE status IN ('preparing', 'open');
CREATE INDEX dosing_sessions_client ON dosing_sessions (client_id, prepared_at);

CREATE TABLE session_vitals (
    id               BLOB PRIMARY KEY NOT NULL,
    session_id       BLOB NOT NULL REFERENCES dosing_sessions (id),
    entry_key        TEXT NOT NULL,
    phase            TEXT NOT NULL CHECK (phase IN ('pre_dose', 'during', 'final')),
    measured_at      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    recorded_by      BLOB NOT NULL REFERENCES users (id),
    measured_by      TEXT NOT NULL CHECK (measured_by IN ('therapist', 'client')),
    systolic         INTEGER NOT NULL,
    diastolic        INTEGER NOT NULL,
    heart_rate       INTEGER NOT NULL,
    spo2             INTEGER NOT NULL,
    respiratory_rate INTEGER,
    UNIQUE (session_id, entry_key)
) STRICT;
CREATE INDEX session_vitals_session ON session_vitals (session_id, measured_at);

CREATE TABLE session_alerts (
    id              BLOB PRIMARY KEY NOT NULL,
    session_id      BLOB NOT NULL REFERENCES dosing_sessions (id),
    vitals_id       BLOB NOT NULL REFERENCES session_vitals (id),
    level           TEXT NOT NULL CHECK (level IN ('hold', 'alert', 'urgent')),
    what            TEXT NOT NULL,
    rule            TEXT NOT NULL,
    source          TEXT NOT NULL,
    raised_at       TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by BLOB REFERENCES users (id),
    action_taken    TEXT,
    CHECK (acknowledged_at IS NULL OR length(trim(action_taken)) > 0)
) STRICT;
CREATE INDEX session_alerts_session ON session_alerts (session_id, raised_at);

CREATE TABLE session_observations (
    id          BLOB PRIMARY KEY NOT NULL,
    session_id  BLOB NOT NULL REFERENCES dosing_sessions (id),
    entry_key   TEXT NOT NULL,
    at          TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('dissociation', 'nausea', 'vomiting', 'anxiety', 'adverse_event', 'other')),
    cadss       INTEGER,
    note        TEXT NOT NULL,
    action      TEXT NOT NULL,
    UNIQUE (session_id, entry_key)
) STRICT;
CREATE INDEX session_observations_session ON session_observations (session_id, at);

-- Who is with the client: 'start' (the session opens with them), 'join', 'leave' (only while
-- someone else stays), 'handover' (person leaves, taking_over stays).
CREATE TABLE session_presence (
    id             BLOB PRIMARY KEY NOT NULL,
    session_id     BLOB NOT NULL REFERENCES dosing_sessions (id),
    entry_key      TEXT NOT NULL,
    at             TEXT NOT NULL,
    recorded_by    BLOB NOT NULL REFERENCES users (id),
    change         TEXT NOT NULL CHECK (change IN ('start', 'join', 'leave', 'handover', 'end')),
    person_id      BLOB NOT NULL REFERENCES users (id),
    taking_over_id BLOB REFERENCES users (id),
    UNIQUE (session_id, entry_key)
) STRICT;
CREATE INDEX session_presence_session ON session_presence (session_id, at);

-- The medication custody log: append-only, hash-chained over the whole practice like the
-- audit trail; a correction is a new entry naming the one it corrects.
CREATE TABLE custody_entries (
    seq          INTEGER PRIMARY KEY NOT NULL,
    id           BLOB NOT NULL UNIQUE,
    session_id   BLOB NOT NULL REFERENCES dosing_sessions (id),
    client_id    BLOB NOT NULL REFERENCES clients (id),
    entry_key    TEXT NOT NULL,
    at           TEXT NOT NULL,
    recorded_by  BLOB NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('brought', 'dose', 'booster', 'returned', 'attested', 'correction')),
    drug         TEXT,
    dose_form    TEXT,
    strength_ug  INTEGER,
    count        INTEGER,
    pharmacy     TEXT,
    rx_number    TEXT,
    amount_ug    INTEGER,
    held_minutes INTEGER,
    spat_out     TEXT,
    disposal     TEXT,
    witness_id   BLOB REFERENCES users (id),
    corrects_seq INTEGER REFERENCES custody_entries (seq),
    note         TEXT NOT NULL,
    prev_hash    BLOB NOT NULL,
    hash         BLOB NOT NULL,
    UNIQUE (session_id, entry_key)
) STRICT;
CREATE INDEX custody_entries_client ON custody_entries (client_id, at);
CREATE INDEX custody_entries_at ON custody_entries (at);
CREATE TRIGGER custody_entries_no_update BEFORE UPDATE ON custody_entries
BEGIN
    SELECT RAISE(ABORT, 'custody_entries is append-only');
END;
CREATE TRIGGER custody_entries_no_delete BEFORE DELETE ON custody_entries
BEGIN
    SELECT RAISE(ABORT, 'custody_entries is append-only');
END;

CREATE TABLE integration_sessions (
    id           BLOB PRIMARY KEY NOT NULL,
    course_id    BLOB NOT NULL REFERENCES courses (id),
    client_id    BLOB NOT NULL REFERENCES clients (id),
    held_on      TEXT NOT NULL,
    therapist_id BLOB NOT NULL REFERENCES users (id),
    summary      TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  BLOB NOT NULL REFERENCES users (id)
) STRICT;
CREATE INDEX integration_sessions_course ON integration_sessions (course_id, held_on);
