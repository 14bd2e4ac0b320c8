-- Clients, their care teams, courses of treatment and the pathway records: intake, consents,
-- preparation, the partner prescriber's referral, evaluation, prescriptions, shipments,
-- dose-change requests, messages and break-glass grants.
-- In step with ../sqlite/0005_clients_and_pathway.sql.

-- Refuses any change to an append-only or immutable table; the message names the table.
CREATE FUNCTION kapflow_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END;
$$;

-- The partner medical organisations whose prescribers evaluate and prescribe.
CREATE TABLE partner_orgs (
    id         UUID PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- A prescriber belongs to one partner organisation.
ALTER TABLE users ADD COLUMN partner_org_id UUID REFERENCES partner_orgs (id);

CREATE TABLE clients (
    id              UUID PRIMARY KEY NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    legal_name      TEXT NOT NULL,
    preferred_name  TEXT,
    -- Lower-cased names, for search.
    search_text     TEXT NOT NULL,
    pronouns        TEXT,
    date_of_birth   DATE NOT NULL,
    email           TEXT,
    phone           TEXT,
    address         TEXT,
    emergency_name  TEXT,
    emergency_phone TEXT,
    support_name    TEXT,
    support_phone   TEXT,
    concerns        TEXT NOT NULL,
    sensitivity     TEXT NOT NULL CHECK (sensitivity IN ('general', 'psychotherapy_note', 'substance_use_disorder')),
    inquiry_id      UUID UNIQUE REFERENCES inquiries (id),
    created_by      UUID REFERENCES users (id)
);
CREATE INDEX clients_search ON clients (search_text);
CREATE INDEX clients_created ON clients (created_at);

-- The clinicians on a client's care team (their caseload).
CREATE TABLE care_team (
    client_id UUID NOT NULL REFERENCES clients (id),
    user_id   UUID NOT NULL REFERENCES users (id),
    added_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, user_id)
);
CREATE INDEX care_team_user ON care_team (user_id, client_id);

CREATE TABLE courses (
    id                  UUID PRIMARY KEY NOT NULL,
    client_id           UUID NOT NULL REFERENCES clients (id),
    number              BIGINT NOT NULL,
    stage               TEXT NOT NULL CHECK (stage IN ('assessment', 'preparation', 'medical_evaluation', 'medication', 'ready_for_dosing', 'discontinued')),
    opened_at           TIMESTAMPTZ NOT NULL,
    closed_at           TIMESTAMPTZ,
    UNIQUE (client_id, number)
);

-- Every stage change: who, when, from, to, why. Append-only.
CREATE TABLE course_transitions (
    id         UUID PRIMARY KEY NOT NULL,
    course_id  UUID NOT NULL REFERENCES courses (id),
    at         TIMESTAMPTZ NOT NULL,
    actor_id   UUID REFERENCES users (id),
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    reason     TEXT NOT NULL
);
CREATE INDEX course_transitions_course ON course_transitions (course_id, at);
CREATE TRIGGER course_transitions_no_update BEFORE UPDATE ON course_transitions
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('course_transitions is append-only');
CREATE TRIGGER course_transitions_no_delete BEFORE DELETE ON course_transitions
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('course_transitions is append-only');

-- The assessment intake of a course, as typed (JSON); locked once completed.
CREATE TABLE intakes (
    course_id            UUID PRIMARY KEY NOT NULL REFERENCES courses (id),
    form_json            TEXT NOT NULL,
    sensitivity          TEXT NOT NULL CHECK (sensitivity IN ('general', 'psychotherapy_note', 'substance_use_disorder')),
    updated_at           TIMESTAMPTZ NOT NULL,
    updated_by           UUID REFERENCES users (id),
    completed_at         TIMESTAMPTZ,
    completed_by         UUID REFERENCES users (id),
    screening_reviewed_at TIMESTAMPTZ,
    screening_reviewed_by UUID REFERENCES users (id)
);

-- Versioned consent texts. A version is never edited: a change is a new version.
CREATE TABLE consent_documents (
    id         UUID PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('kap', 'release_of_information', 'touch')),
    version    BIGINT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID REFERENCES users (id),
    UNIQUE (kind, version)
);
CREATE TRIGGER consent_documents_no_update BEFORE UPDATE ON consent_documents
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('consent_documents are immutable');

-- A client's signature of one exact document version, witnessed by staff. Revocation is the
-- only change, and it is recorded, never erased.
CREATE TABLE consent_signatures (
    id            UUID PRIMARY KEY NOT NULL,
    client_id     UUID NOT NULL REFERENCES clients (id),
    document_id   UUID NOT NULL REFERENCES consent_documents (id),
    typed_name    TEXT NOT NULL CHECK (length(trim(typed_name)) > 0),
    signed_on     DATE NOT NULL,
    signed_at     TIMESTAMPTZ NOT NULL,
    sha256        TEXT NOT NULL,
    witness_id    UUID NOT NULL REFERENCES users (id),
    revoked_at    TIMESTAMPTZ,
    revoked_by    UUID REFERENCES users (id),
    revoke_reason TEXT
);
CREATE INDEX consent_signatures_client ON consent_signatures (client_id, signed_at);

CREATE TABLE preparations (
    course_id      UUID PRIMARY KEY NOT NULL REFERENCES courses (id),
    form_json      TEXT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    updated_by     UUID REFERENCES users (id),
    signed_off_at  TIMESTAMPTZ,
    signed_off_by  UUID REFERENCES users (id)
);

-- One referral per course to one partner organisation.
CREATE TABLE referrals (
    course_id   UUID PRIMARY KEY NOT NULL REFERENCES courses (id),
    client_id   UUID NOT NULL REFERENCES clients (id),
    org_id      UUID NOT NULL REFERENCES partner_orgs (id),
    referred_at TIMESTAMPTZ NOT NULL,
    referred_by UUID NOT NULL REFERENCES users (id)
);
CREATE INDEX referrals_org ON referrals (org_id, referred_at);
CREATE INDEX referrals_client ON referrals (client_id, org_id);

-- The prescriber's decisions; the latest counts. Append-only.
CREATE TABLE evaluations (
    id            UUID PRIMARY KEY NOT NULL,
    course_id     UUID NOT NULL REFERENCES courses (id),
    prescriber_id UUID NOT NULL REFERENCES users (id),
    decision      TEXT NOT NULL CHECK (decision IN ('eligible', 'not_eligible', 'more_information_needed')),
    reasons       TEXT NOT NULL,
    valid_until   DATE,
    recorded_at   TIMESTAMPTZ NOT NULL,
    CHECK (decision <> 'eligible' OR valid_until IS NOT NULL)
);
CREATE INDEX evaluations_course ON evaluations (course_id, recorded_at);
CREATE TRIGGER evaluations_no_update BEFORE UPDATE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('evaluations are append-only');

-- Prescriptions: a dose change is a new prescription that supersedes the old one.
CREATE TABLE prescriptions (
    id            UUID PRIMARY KEY NOT NULL,
    course_id     UUID NOT NULL REFERENCES courses (id),
    prescriber_id UUID NOT NULL REFERENCES users (id),
    drug          TEXT NOT NULL,
    form          TEXT NOT NULL CHECK (form IN ('troche', 'rdt')),
    strength_mg   BIGINT NOT NULL CHECK (strength_mg > 0),
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    directions    TEXT NOT NULL,
    pharmacy      TEXT NOT NULL,
    prescribed_at TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ
);
CREATE INDEX prescriptions_course ON prescriptions (course_id, prescribed_at);

CREATE TABLE shipments (
    id              UUID PRIMARY KEY NOT NULL,
    prescription_id UUID NOT NULL REFERENCES prescriptions (id),
    course_id       UUID NOT NULL REFERENCES courses (id),
    carrier         TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    shipped_on      DATE NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    recorded_by     UUID NOT NULL REFERENCES users (id),
    received_at     TIMESTAMPTZ,
    received_by     UUID REFERENCES users (id)
);
CREATE INDEX shipments_course ON shipments (course_id, recorded_at);

CREATE TABLE dose_change_requests (
    id                  UUID PRIMARY KEY NOT NULL,
    course_id           UUID NOT NULL REFERENCES courses (id),
    prescription_id     UUID NOT NULL REFERENCES prescriptions (id),
    request             TEXT NOT NULL,
    requested_at        TIMESTAMPTZ NOT NULL,
    requested_by        UUID NOT NULL REFERENCES users (id),
    answer              TEXT CHECK (answer IN ('approved', 'declined')),
    answer_note         TEXT,
    answered_at         TIMESTAMPTZ,
    answered_by         UUID REFERENCES users (id),
    new_prescription_id UUID REFERENCES prescriptions (id)
);
CREATE INDEX dose_change_requests_course ON dose_change_requests (course_id, requested_at);

-- Messages between the care team and the prescriber about a client. Append-only.
CREATE TABLE client_messages (
    id          UUID PRIMARY KEY NOT NULL,
    client_id   UUID NOT NULL REFERENCES clients (id),
    at          TIMESTAMPTZ NOT NULL,
    author_id   UUID NOT NULL REFERENCES users (id),
    body        TEXT NOT NULL,
    sensitivity TEXT NOT NULL CHECK (sensitivity IN ('general', 'psychotherapy_note', 'substance_use_disorder'))
);
CREATE INDEX client_messages_client ON client_messages (client_id, at);
CREATE TRIGGER client_messages_no_update BEFORE UPDATE ON client_messages
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('client_messages is append-only');

-- Time-boxed, reasoned, read-only access outside one's caseload.
CREATE TABLE break_glass_grants (
    id         UUID PRIMARY KEY NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (id),
    client_id  UUID NOT NULL REFERENCES clients (id),
    reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    opened_at  TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX break_glass_user ON break_glass_grants (user_id, client_id, expires_at);

-- What was signed never changes (only the revocation columns may be set), and nothing of the
-- pathway's record is ever deleted.
CREATE TRIGGER consent_signatures_signed_fields BEFORE UPDATE OF client_id, document_id, typed_name, signed_on, signed_at, sha256, witness_id ON consent_signatures
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('a signature cannot be changed, only revoked');
CREATE TRIGGER consent_signatures_no_delete BEFORE DELETE ON consent_signatures
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('consent_signatures rows are never deleted');
CREATE TRIGGER evaluations_no_delete BEFORE DELETE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('evaluations rows are never deleted');
CREATE TRIGGER prescriptions_no_delete BEFORE DELETE ON prescriptions
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('prescriptions rows are never deleted');
CREATE TRIGGER client_messages_no_delete BEFORE DELETE ON client_messages
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('client_messages rows are never deleted');
CREATE TRIGGER break_glass_grants_no_delete BEFORE DELETE ON break_glass_grants
    FOR EACH ROW EXECUTE FUNCTION kapflow_refuse_change('break_glass_grants rows are never deleted');
