-- Clients, their care teams, courses of treatment and the pathway records: intake, consents,
-- preparation, the partner prescriber's referral, evaluation, prescriptions, shipments,
-- dose-change requests, messages and break-glass grants.
-- In step with ../postgres/0005_clients_and_pathway.sql.

-- The partner medical organisations whose prescribers evaluate and prescribe.
CREATE TABLE partner_orgs (
    id         BLOB PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;

-- A prescriber belongs to one partner organisation.
ALTER TABLE users ADD COLUMN partner_org_id BLOB REFERENCES partner_orgs (id);

CREATE TABLE clients (
    id              BLOB PRIMARY KEY NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    legal_name      TEXT NOT NULL,
    preferred_name  TEXT,
    -- Lower-cased names, for search.
    search_text     TEXT NOT NULL,
    pronouns        TEXT,
    date_of_birth   TEXT NOT NULL,
    email           TEXT,
    phone           TEXT,
    address         TEXT,
    emergency_name  TEXT,
    emergency_phone TEXT,
    support_name    TEXT,
    support_phone   TEXT,
    concerns        TEXT NOT NULL,
    sensitivity     TEXT NOT NULL CHECK (sensitivity IN ('general', 'psychotherapy_note', 'substance_use_disorder')),
    inquiry_id      BLOB UNIQUE REFERENCES inquiries (id),
    created_by      BLOB REFERENCES users (id)
) STRICT;
CREATE INDEX clients_search ON clients (search_text);
CREATE INDEX clients_created ON clients (created_at);

-- The clinicians on a client's care team (their caseload).
CREATE TABLE care_team (
    client_id BLOB NOT NULL REFERENCES clients (id),
    user_id   BLOB NOT NULL REFERENCES users (id),
    added_at  TEXT NOT NULL,
    PRIMARY KEY (client_id, user_id)
) STRICT;
CREATE INDEX care_team_user ON care_team (user_id, client_id);

CREATE TABLE courses (
    id                  BLOB PRIMARY KEY NOT NULL,
    client_id           BLOB NOT NULL REFERENCES clients (id),
    number              INTEGER NOT NULL,
    stage               TEXT NOT NULL CHECK (stage IN ('assessment', 'preparation', 'medical_evaluation', 'medication', 'ready_for_dosing', 'discontinued')),
    opened_at           TEXT NOT NULL,
    closed_at           TEXT,
    UNIQUE (client_id, number)
) STRICT;

-- Every stage change: who, when, from, to, why. Append-only.
CREATE TABLE course_transitions (
    id         BLOB PRIMARY KEY NOT NULL,
    course_id  BLOB NOT NULL REFERENCES courses (id),
    at         TEXT NOT NULL,
    actor_id   BLOB REFERENCES users (id),
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    reason     TEXT NOT NULL
) STRICT;
CREATE INDEX course_transitions_course ON course_transitions (course_id, at);
CREATE TRIGGER course_transitions_no_update BEFORE UPDATE ON course_transitions
BEGIN
    SELECT RAISE(ABORT, 'course_transitions is append-only');
END;
CREATE TRIGGER course_transitions_no_delete BEFORE DELETE ON course_transitions
BEGIN
    SELECT RAISE(ABORT, 'course_transitions is append-only');
END;

-- The assessment intake of a course, as typed (JSON); locked once completed.
CREATE TABLE intakes (
    course_id            BLOB PRIMARY KEY NOT NULL REFERENCES courses (id),
    form_json            TEXT NOT NULL,
    sensitivity          TEXT NOT NULL CHECK (sensitivity IN ('general', 'psychotherapy_note', 'substance_use_disorder')),
    updated_at           TEXT NOT NULL,
    updated_by           BLOB REFERENCES users (id),
    completed_at         TEXT,
    completed_by         BLOB REFERENCES users (id),
    screening_reviewed_at TEXT,
    screening_reviewed_by BLOB REFERENCES users (id)
) STRICT;

-- Versioned consent texts. A version is never edited: a change is a new version.
CREATE TABLE consent_documents (
    id         BLOB PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('kap', 'release_of_information', 'touch')),
    version    INTEGER NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB REFERENCES users (id),
    UNIQUE (kind, version)
) STRICT;
CREATE TRIGGER consent_documents_no_update BEFORE UPDATE ON consent_documents
BEGIN
    SELECT RAISE(ABORT, 'consent_documents are immutable');
END;

-- A client's signature of one exact document version, witnessed by staff. Revocation is the
-- only change, and it is recorded, never erased.
CREATE TABLE consent_signatures (
    id            BLOB PRIMARY KEY NOT NULL,
    client_id     BLOB NOT NULL REFERENCES clients (id),
    document_id   BLOB NOT NULL REFERENCES consent_documents (id),
    typed_name    TEXT NOT NULL CHECK (length(trim(typed_name)) > 0),
    signed_on     TEXT NOT NULL,
    signed_at     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    witness_id    BLOB NOT NULL REFERENCES users (id),
    revoked_at    TEXT,
    revoked_by    BLOB REFERENCES users (id),
    revoke_reason TEXT
) STRICT;
CREATE INDEX consent_signatures_client ON consent_signatures (client_id, signed_at);

CREATE TABLE preparations (
    course_id      BLOB PRIMARY KEY NOT NULL REFERENCES courses (id),
    form_json      TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     BLOB REFERENCES users (id),
    signed_off_at  TEXT,
    signed_off_by  BLOB REFERENCES users (id)
) STRICT;

-- One referral per course to one partner organisation.
CREATE TABLE referrals (
    course_id   BLOB PRIMARY KEY NOT NULL REFERENCES courses (id),
    client_id   BLOB NOT NULL REFERENCES clients (id),
    org_id      BLOB NOT NULL REFERENCES partner_orgs (id),
    referred_at TEXT NOT NULL,
    referred_by BLOB NOT NULL REFERENCES users (id)
) STRICT;
CREATE INDEX referrals_org ON referrals (org_id, referred_at);
CREATE INDEX referrals_client ON referrals (client_id, org_id);

-- The prescriber's decisions; the latest counts. Append-only.
CREATE TABLE evaluations (
    id            BLOB PRIMARY KEY NOT NULL,
    course_id     BLOB NOT NULL REFERENCES courses (id),
    prescriber_id BLOB NOT NULL REFERENCES users (id),
    decision      TEXT NOT NULL CHECK (decision IN ('eligible', 'not_eligible', 'more_information_needed')),
    reasons       TEXT NOT NULL,
    valid_until   TEXT,
    recorded_at   TEXT NOT NULL,
    CHECK (decision <> 'eligible' OR valid_until IS NOT NULL)
) STRICT;
CREATE INDEX evaluations_course ON evaluations (course_id, recorded_at);
CREATE TRIGGER evaluations_no_update BEFORE UPDATE ON evaluations
BEGIN
    SELECT RAISE(ABORT, 'evaluations are append-only');
END;

-- Prescriptions: a dose change is a new prescription that supersedes the old one.
CREATE TABLE prescriptions (
    id            BLOB PRIMARY KEY NOT NULL,
    course_id     BLOB NOT NULL REFERENCES courses (id),
    prescriber_id BLOB NOT NULL REFERENCES users (id),
    drug          TEXT NOT NULL,
    form          TEXT NOT NULL CHECK (form IN ('troche', 'rdt')),
    strength_mg   INTEGER NOT NULL CHECK (strength_mg > 0),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    directions    TEXT NOT NULL,
    pharmacy      TEXT NOT NULL,
    prescribed_at TEXT NOT NULL,
    superseded_at TEXT
) STRICT;
CREATE INDEX prescriptions_course ON prescriptions (course_id, prescribed_at);

CREATE TABLE shipments (
    id              BLOB PRIMARY KEY NOT NULL,
    prescription_id BLOB NOT NULL REFERENCES prescriptions (id),
    course_id       BLOB NOT NULL REFERENCES courses (id),
    carrier         TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    shipped_on      TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    recorded_by     BLOB NOT NULL REFERENCES users (id),
    received_at     TEXT,
    received_by     BLOB REFERENCES users (id)
) STRICT;
CREATE INDEX shipments_course ON shipments (course_id, recorded_at);

CREATE TABLE dose_change_requests (
    id                  BLOB PRIMARY KEY NOT NULL,
    course_id           BLOB NOT NULL REFERENCES courses (id),
    prescription_id     BLOB NOT NULL REFERENCES prescriptions (id),
    request             TEXT NOT NULL,
    requested_at        TEXT NOT NULL,
    requested_by        BLOB NOT NULL REFERENCES users (id),
    answer              TEXT CHECK (answer IN ('approved', 'declined')),
    answer_note         TEXT,
    answered_at         TEXT,
    answered_by         BLOB REFERENCES users (id),
    new_prescription_id BLOB REFERENCES prescriptions (id)
) STRICT;
CREATE INDEX dose_change_requests_course ON dose_change_requests (course_id, requested_at);

-- Messages between the care team and the prescriber about a client. Append-only.
CREATE TABLE client_messages (
    id          BLOB PRIMARY KEY NOT NULL,
    client_id   BLOB NOT NULL REFERENCES clients (id),
    at          TEXT NOT NULL,
    author_id   BLOB NOT NULL REFERENCES users (id),
    body        TEXT NOT NULL,
    sensitivity TEXT NOT NULL CHECK (sensitivity IN ('general', 'psychotherapy_note', 'substance_use_disorder'))
) STRICT;
CREATE INDEX client_messages_client ON client_messages (client_id, at);
CREATE TRIGGER client_messages_no_update BEFORE UPDATE ON client_messages
BEGIN
    SELECT RAISE(ABORT, 'client_messages is append-only');
END;

-- Time-boxed, reasoned, read-only access outside one's caseload.
CREATE TABLE break_glass_grants (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id),
    client_id  BLOB NOT NULL REFERENCES clients (id),
    reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    opened_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX break_glass_user ON break_glass_grants (user_id, client_id, expires_at);

-- What was signed never changes (only the revocation columns may be set), and nothing of the
-- pathway's record is ever deleted.
CREATE TRIGGER consent_signatures_signed_fields BEFORE UPDATE OF client_id, document_id, typed_name, signed_on, signed_at, sha256, witness_id ON consent_signatures
BEGIN
    SELECT RAISE(ABORT, 'a signature cannot be changed, only revoked');
END;
CREATE TRIGGER consent_signatures_no_delete BEFORE DELETE ON consent_signatures
BEGIN
    SELECT RAISE(ABORT, 'consent_signatures rows are never deleted');
END;
CREATE TRIGGER evaluations_no_delete BEFORE DELETE ON evaluations
BEGIN
    SELECT RAISE(ABORT, 'evaluations rows are never deleted');
END;
CREATE TRIGGER prescriptions_no_delete BEFORE DELETE ON prescriptions
BEGIN
    SELECT RAISE(ABORT, 'prescriptions rows are never deleted');
END;
CREATE TRIGGER client_messages_no_delete BEFORE DELETE ON client_messages
BEGIN
    SELECT RAISE(ABORT, 'client_messages rows are never deleted');
END;
CREATE TRIGGER break_glass_grants_no_delete BEFORE DELETE ON break_glass_grants
BEGIN
    SELECT RAISE(ABORT, 'break_glass_grants rows are never deleted');
END;
