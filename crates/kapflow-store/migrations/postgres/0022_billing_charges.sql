-- Charges with their service lines (issue 18): a charge comes from an appointment or a dosing
-- session at most once; each line has its code, units, fee, place of service, rendering
-- clinician and up to four ICD-10-CM codes. Payments say how they were made. A client's
-- diagnoses are a list the clinician keeps (a removed one stays, marked removed). Each
-- clinician's billing identity (NPI, licence) is kept for the superbill.
ALTER TABLE ledger_entries ADD COLUMN appointment_id UUID REFERENCES appointments (id);
ALTER TABLE ledger_entries ADD COLUMN dosing_session_id UUID REFERENCES dosing_sessions (id);
ALTER TABLE ledger_entries ADD COLUMN method TEXT
    CHECK (method IN ('card', 'cash', 'cheque', 'bank_transfer'));
CREATE UNIQUE INDEX ledger_entries_appointment_charged ON ledger_entries (appointment_id)
    WHERE kind = 'charge' AND appointment_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_entries_session_charged ON ledger_entries (dosing_session_id)
    WHERE kind = 'charge' AND dosing_session_id IS NOT NULL;

CREATE TABLE charge_lines (
    entry_id       UUID NOT NULL REFERENCES ledger_entries (id),
    position       BIGINT NOT NULL CHECK (position BETWEEN 0 AND 49),
    code           TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    modifier       TEXT CHECK (length(modifier) BETWEEN 2 AND 11),
    units          BIGINT NOT NULL CHECK (units BETWEEN 1 AND 99),
    unit_fee_cents BIGINT NOT NULL CHECK (unit_fee_cents BETWEEN 0 AND 1000000000),
    place          TEXT NOT NULL CHECK (place IN ('11', '10', '02')),
    -- Comma-separated ICD-10-CM codes, at most four, most important first.
    diagnoses      TEXT NOT NULL,
    rendering_id   UUID REFERENCES users (id),
    PRIMARY KEY (entry_id, position)
);
CREATE TRIGGER charge_lines_no_update BEFORE UPDATE ON charge_lines
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER charge_lines_no_delete BEFORE DELETE ON charge_lines
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();

CREATE TABLE client_diagnoses (
    id         UUID PRIMARY KEY NOT NULL,
    client_id  UUID NOT NULL REFERENCES clients (id),
    code       TEXT NOT NULL CHECK (length(code) BETWEEN 3 AND 8),
    added_by   UUID NOT NULL REFERENCES users (id),
    added_at   TIMESTAMPTZ NOT NULL,
    removed_by UUID REFERENCES users (id),
    removed_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX client_diagnoses_current ON client_diagnoses (client_id, code)
    WHERE removed_at IS NULL;

CREATE TABLE clinician_billing (
    user_id    UUID PRIMARY KEY NOT NULL REFERENCES users (id),
    npi        TEXT CHECK (length(npi) = 10),
    licence    TEXT CHECK (length(licence) <= 80),
    updated_by UUID NOT NULL REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL
);

-- The code each kind of appointment is billed with (dosing: the monitoring codes from the
-- presence log; none for visits the practice does not bill).
ALTER TABLE session_types ADD COLUMN billing_code TEXT CHECK (length(billing_code) BETWEEN 1 AND 20);
UPDATE session_types SET billing_code = '90791' WHERE key = 'assessment';
UPDATE session_types SET billing_code = '90834' WHERE key IN ('preparation', 'integration');
