-- The dosing session (docs/domain.md §3, §5, §6): the prescription's plan, the session and its
-- pre-dose checks, vitals and their alerts, observations, the presence log, the append-only
-- hash-chained medication custody log, and integration sessions between dosing sessions.

-- The prescriber's plan: how many dosing sessions, how far apart, the dose per session (µg),
-- whether it may be taken in parts, and the booster allowed (NULL: none). Older prescriptions
-- take the usual plan and their strength as the dose.
ALTER TABLE prescriptions ADD COLUMN sessions_planned BIGINT NOT NULL DEFAULT 6;
ALTER TABLE prescriptions ADD COLUMN min_days_between BIGINT NOT NULL DEFAULT 7;
ALTER TABLE prescriptions ADD COLUMN dose_ug BIGINT;
ALTER TABLE prescriptions ADD COLUMN split_allowed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE prescriptions ADD COLUMN booster_ug BIGINT;

CREATE TABLE dosing_sessions (
    id                     UUID PRIMARY KEY NOT NULL,
    course_id              UUID NOT NULL REFERENCES courses (id),
    client_id              UUID NOT NULL REFERENCES clients (id),
    number                 BIGINT NOT NULL,
    prescription_id        UUID REFERENCES prescriptions (id),
    status                 TEXT NOT NULL CHECK (status IN ('preparing', 'open', 'closed', 'cancelled')),
    prepared_by            UUID NOT NULL REFERENCES users (id),
    prepared_at            TIMESTAMPTZ NOT NULL,
    ride_home_name         TEXT,
    ride_home_phone        TEXT,
    ride_home_confirmed_at TIMESTAMPTZ,
    measures_skip_reason   TEXT,
    override_reason        TEXT,
    override_by            UUID REFERENCES users (id),
    opened_at              TIMESTAMPTZ,
    opened_by              UUID REFERENCES users (id),
    dosed_at               TIMESTAMPTZ,
    closed_at              TIMESTAMPTZ,
    closed_by              UUID REFERENCES users (id),
    ending                 TEXT CHECK (ending IN ('discharged', 'early_end', 'cancelled')),
    end_reason             TEXT,
    discharge              TEXT,
    UNIQUE (course_id, number)
);
-- One session at a time per client.
CREATE UNIQUE INDEX dosing_sessions_one_live ON dosing_sessions (client_id)
    WHERE status IN ('preparing', 'open');
CREATE INDEX dosing_sessions_client ON dosing_sessions (client_id, prepared_at);

CREATE TABLE session_vitals (
    id               UUID PRIMARY KEY NOT NULL,
    session_id       UUID NOT NULL REFERENCES dosing_sessions (id),
    entry_key        TEXT NOT NULL,
    phase            TEXT NOT NULL CHECK (phase IN ('pre_dose', 'during', 'final')),
    measured_at      TIMESTAMPTZ NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      UUID NOT NULL REFERENCES users (id),
    measured_by      TEXT NOT NULL CHECK (measured_by IN ('therapist', 'client')),
    systolic         BIGINT NOT NULL,
    diastolic        BIGINT NOT NULL,
    heart_rate       BIGINT NOT NULL,
    spo2             BIGINT NOT NULL,
    respiratory_rate BIGINT,
    UNIQUE (session_id, entry_key)
);
CREATE INDEX session_vitals_session ON session_vitals (session_id, measured_at);

CREATE TABLE session_alerts (
    id              UUID PRIMARY KEY NOT NULL,
    session_id      UUID NOT NULL REFERENCES dosing_sessions (id),
    vitals_id       UUID NOT NULL REFERENCES session_vitals (id),
    level           TEXT NOT NULL CHECK (level IN ('hold', 'alert', 'urgent')),
    what            TEXT NOT NULL,
    rule            TEXT NOT NULL,
    source          TEXT NOT NULL,
    raised_at       TIMESTAMPTZ NOT NULL,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by UUID REFERENCES users (id),
    action_taken    TEXT,
    CHECK (acknowledged_at IS NULL OR length(trim(action_taken)) > 0)
);
CREATE INDEX session_alerts_session ON session_alerts (session_id, raised_at);

CREATE TABLE session_observations (
    id          UUID PRIMARY KEY NOT NULL,
    session_id  UUID NOT NULL REFERENCES dosing_sessions (id),
    entry_key   TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    recorded_by UUID NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('dissociation', 'nausea', 'vomiting', 'anxiety', 'adverse_event', 'other')),
    cadss       BIGINT,
    note        TEXT NOT NULL,
    action      TEXT NOT NULL,
    UNIQUE (session_id, entry_key)
);
CREATE INDEX session_observations_session ON session_observations (session_id, at);

-- Who is with the client: 'start' (the session opens with them), 'join', 'leave' (only while
-- someone else stays), 'handover' (person leaves, taking_over stays).
CREATE TABLE session_presence (
    id             UUID PRIMARY KEY NOT NULL,
    session_id     UUID NOT NULL REFERENCES dosing_sessions (id),
    entry_key      TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    recorded_by    UUID NOT NULL REFERENCES users (id),
    change         TEXT NOT NULL CHECK (change IN ('start', 'join', 'leave', 'handover', 'end')),
    person_id      UUID NOT NULL REFERENCES users (id),
    taking_over_id UUID REFERENCES users (id),
    UNIQUE (session_id, entry_key)
);
CREATE INDEX session_presence_session ON session_presence (session_id, at);

-- The medication custody log: append-only, hash-chained over the whole practice like the
-- audit trail; a correction is a new entry naming the one it corrects.
CREATE TABLE custody_entries (
    seq          BIGINT PRIMARY KEY NOT NULL,
    id           UUID NOT NULL UNIQUE,
    session_id   UUID NOT NULL REFERENCES dosing_sessions (id),
    client_id    UUID NOT NULL REFERENCES clients (id),
    entry_key    TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    recorded_by  UUID NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('brought', 'dose', 'booster', 'returned', 'attested', 'correction')),
    drug         TEXT,
    dose_form    TEXT,
    strength_ug  BIGINT,
    count        BIGINT,
    pharmacy     TEXT,
    rx_number    TEXT,
    amount_ug    BIGINT,
    held_minutes BIGINT,
    spat_out     TEXT,
    disposal     TEXT,
    witness_id   UUID REFERENCES users (id),
    corrects_seq BIGINT REFERENCES custody_entries (seq),
    note         TEXT NOT NULL,
    prev_hash    BYTEA NOT NULL,
    hash         BYTEA NOT NULL,
    UNIQUE (session_id, entry_key)
);
CREATE INDEX custody_entries_client ON custody_entries (client_id, at);
CREATE INDEX custody_entries_at ON custody_entries (at);
CREATE FUNCTION custody_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'custody_entries is append-only';
END;
$$;
CREATE TRIGGER custody_entries_no_update BEFORE UPDATE ON custody_entries
    FOR EACH ROW EXECUTE FUNCTION custody_entries_append_only();
CREATE TRIGGER custody_entries_no_delete BEFORE DELETE ON custody_entries
    FOR EACH ROW EXECUTE FUNCTION custody_entries_append_only();
CREATE TRIGGER custody_entries_no_truncate BEFORE TRUNCATE ON custody_entries
    FOR EACH STATEMENT EXECUTE FUNCTION custody_entries_append_only();

CREATE TABLE integration_sessions (
    id           UUID PRIMARY KEY NOT NULL,
    course_id    UUID NOT NULL REFERENCES courses (id),
    client_id    UUID NOT NULL REFERENCES clients (id),
    held_on      DATE NOT NULL,
    therapist_id UUID NOT NULL REFERENCES users (id),
    summary      TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    recorded_by  UUID NOT NULL REFERENCES users (id)
);
CREATE INDEX integration_sessions_course ON integration_sessions (course_id, held_on);
