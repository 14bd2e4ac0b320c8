-- Measurement-based care: the practice's own instruments, the schedule of questionnaires,
-- single-use links (emailed or handed over in the office), immutable responses with their
-- server-computed scores, and suicide-risk alerts that stay open until acknowledged.
-- In step with ../sqlite/0006_measures.sql.

-- A practice-defined instrument: one row per version, never edited.
CREATE TABLE custom_instruments (
    id         UUID PRIMARY KEY NOT NULL,
    code       TEXT NOT NULL,
    version    TEXT NOT NULL,
    -- The built `Instrument`, as JSON.
    definition TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID REFERENCES users (id),
    UNIQUE (code, version)
);

-- What a client is due to answer and when: made from the pathway, adjustable by staff.
CREATE TABLE measure_requests (
    id           UUID PRIMARY KEY NOT NULL,
    client_id    UUID NOT NULL REFERENCES clients (id),
    course_id    UUID REFERENCES courses (id),
    instrument   TEXT NOT NULL,
    due_on       DATE NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('baseline', 'pre_dosing', 'integration', 'follow_up_1m', 'follow_up_3m', 'follow_up_6m', 'manual')),
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   UUID REFERENCES users (id),
    completed_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    cancelled_by UUID REFERENCES users (id)
);
CREATE INDEX measure_requests_client ON measure_requests (client_id, due_on);
CREATE INDEX measure_requests_open ON measure_requests (due_on) WHERE completed_at IS NULL AND cancelled_at IS NULL;

-- A single-use way in to one request: emailed link or office kiosk. Only the hash is kept.
CREATE TABLE measure_links (
    token_hash BYTEA PRIMARY KEY NOT NULL,
    request_id UUID NOT NULL REFERENCES measure_requests (id),
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'kiosk', 'link')),
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID REFERENCES users (id),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX measure_links_request ON measure_links (request_id);

-- A submitted questionnaire: item answers and everything computed from them. Immutable.
CREATE TABLE measure_responses (
    id           UUID PRIMARY KEY NOT NULL,
    client_id    UUID NOT NULL REFERENCES clients (id),
    course_id    UUID REFERENCES courses (id),
    request_id   UUID UNIQUE REFERENCES measure_requests (id),
    instrument   TEXT NOT NULL,
    version      TEXT NOT NULL,
    total        BIGINT NOT NULL,
    band         TEXT NOT NULL,
    -- The whole `Scored` value (answers, sub-scores, flags) as JSON.
    scored       TEXT NOT NULL,
    via          TEXT NOT NULL CHECK (via IN ('link', 'kiosk')),
    submitted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX measure_responses_client ON measure_responses (client_id, instrument, submitted_at);
CREATE TRIGGER measure_responses_no_update BEFORE UPDATE ON measure_responses
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('measure_responses are immutable');
CREATE TRIGGER measure_responses_no_delete BEFORE DELETE ON measure_responses
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('measure_responses are immutable');

-- A suicide-risk alert raised by a response, open until a clinician acknowledges it with a note.
CREATE TABLE risk_alerts (
    id              UUID PRIMARY KEY NOT NULL,
    client_id       UUID NOT NULL REFERENCES clients (id),
    response_id     UUID NOT NULL REFERENCES measure_responses (id),
    level           TEXT NOT NULL CHECK (level IN ('flag', 'low', 'moderate', 'high')),
    finding         TEXT NOT NULL,
    rule            TEXT NOT NULL,
    source          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    escalate_at     TIMESTAMPTZ NOT NULL,
    escalated_at    TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by UUID REFERENCES users (id),
    ack_note        TEXT,
    CHECK (acknowledged_at IS NULL OR length(trim(ack_note)) > 0)
);
CREATE INDEX risk_alerts_open ON risk_alerts (escalate_at) WHERE acknowledged_at IS NULL;
CREATE INDEX risk_alerts_client ON risk_alerts (client_id, created_at);
CREATE TRIGGER risk_alerts_fixed_fields BEFORE UPDATE OF client_id, response_id, level, finding, rule, source, created_at ON risk_alerts
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('an alert cannot be changed, only escalated or acknowledged');
CREATE TRIGGER risk_alerts_no_delete BEFORE DELETE ON risk_alerts
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('risk_alerts rows are never deleted');
