-- Charges with their service lines (issue 18): a charge comes from an appointment or a dosing
-- session at most once; each line has its code, units, fee, place of service, rendering
-- clinician and up to four ICD-10-CM codes. Payments say how they were made. A client's
-- diagnoses are a list the clinician keeps (a removed one stays, marked removed). Each
-- clinician's billing identity (NPI, licence) is kept for the superbill.
ALTER TABLE ledger_entries ADD COLUMN appointment_id BLOB REFERENCES appointments (id);
ALTER TABLE ledger_entries ADD COLUMN dosing_session_id BLOB REFERENCES dosing_sessions (id);
ALTER TABLE ledger_entries ADD COLUMN method TEXT
    CHECK (method IN ('card', 'cash', 'cheque', 'bank_transfer'));
CREATE UNIQUE INDEX ledger_entries_appointment_charged ON ledger_entries (appointment_id)
    WHERE kind = 'charge' AND appointment_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_entries_session_charged ON ledger_entries (dosing_session_id)
    WHERE kind = 'charge' AND dosing_session_id IS NOT NULL;

CREATE TABLE charge_lines (
    entry_id       BLOB NOT NULL REFERENCES ledger_entries (id),
    position       INTEGER NOT NULL CHECK (position BETWEEN 0 AND 49),
    code           TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    modifier       TEXT CHECK (length(modifier) BETWEEN 2 AND 11),
    units          INTEGER NOT NULL CHECK (units BETWEEN 1 AND 99),
    unit_fee_cents INTEGER NOT NULL CHECK (unit_fee_cents BETWEEN 0 AND 1000000000),
    place          TEXT NOT NULL CHECK (place IN ('11', '10', '02')),
    -- Comma-separated ICD-10-CM codes, at most four, most important first.
    diagnoses      TEXT NOT NULL,
    rendering_id   BLOB REFERENCES users (id),
    PRIMARY KEY (entry_id, position)
) STRICT;
CREATE TRIGGER charge_lines_no_update BEFORE UPDATE ON charge_lines
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: add an entry');
END;
CREATE TRIGGER charge_lines_no_delete BEFORE DELETE ON charge_lines
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: add an entry');
END;

CREATE TABLE client_diagnoses (
    id         BLOB PRIMARY KEY NOT NULL,
    client_id  BLOB NOT NULL REFERENCES clients (id),
    code       TEXT NOT NULL CHECK (length(code) BETWEEN 3 AND 8),
    added_by   BLOB NOT NULL REFERENCES users (id),
    added_at   TEXT NOT NULL,
    removed_by BLOB REFERENCES users (id),
    removed_at TEXT
) STRICT;
CREATE UNIQUE INDEX client_diagnoses_current ON client_diagnoses (client_id, code)
    WHERE removed_at IS NULL;

CREATE TABLE clinician_billing (
    user_id    BLOB PRIMARY KEY NOT NULL REFERENCES users (id),
    npi        TEXT CHECK (length(npi) = 10),
    licence    TEXT CHECK (length(licence) <= 80),
    updated_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL
) STRICT;

-- The code each kind of appointment is billed with (dosing: the monitoring codes from the
-- presence log; none for visits the practice does not bill).
ALTER TABLE session_types ADD COLUMN billing_code TEXT CHECK (length(billing_code) BETWEEN 1 AND 20);
UPDATE session_types SET billing_code = '90791' WHERE key = 'assessment';
UPDATE session_types SET billing_code = '90834' WHERE key IN ('preparation', 'integration');
