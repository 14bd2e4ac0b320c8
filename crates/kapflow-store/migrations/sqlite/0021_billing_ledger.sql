-- Billing's ledger (issue 18): the fee schedule by service from a date, a client's own rates
-- (a fixed fee or a sliding-scale share, with the reason), and ledger entries. All three are
-- append-only: a fee change is a new row from its date, a correction is a new entry, and a
-- balance is always derived from the entries, never stored.
CREATE TABLE fee_schedule (
    id             BLOB PRIMARY KEY NOT NULL,
    service        TEXT NOT NULL CHECK (length(service) BETWEEN 1 AND 40),
    amount_cents   INTEGER NOT NULL CHECK (amount_cents BETWEEN 0 AND 1000000000),
    effective_from TEXT NOT NULL,
    created_by     BLOB NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    UNIQUE (service, effective_from)
) STRICT;
CREATE TABLE client_rates (
    id             BLOB PRIMARY KEY NOT NULL,
    client_id      BLOB NOT NULL REFERENCES clients (id),
    service        TEXT,
    fixed_cents    INTEGER CHECK (fixed_cents BETWEEN 0 AND 1000000000),
    percent        INTEGER CHECK (percent BETWEEN 0 AND 100),
    reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
    effective_from TEXT NOT NULL,
    created_by     BLOB NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    CHECK ((fixed_cents IS NULL) <> (percent IS NULL))
) STRICT;
CREATE INDEX client_rates_client ON client_rates (client_id, effective_from);
CREATE TABLE ledger_entries (
    id           BLOB PRIMARY KEY NOT NULL,
    client_id    BLOB NOT NULL REFERENCES clients (id),
    kind         TEXT NOT NULL CHECK (kind IN ('charge', 'payment', 'refund', 'adjustment', 'write_off')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents BETWEEN 0 AND 1000000000),
    on_date      TEXT NOT NULL,
    -- The charge a payment, adjustment or write-off is for (the same client's).
    settles      BLOB REFERENCES ledger_entries (id),
    service      TEXT,
    reference    TEXT CHECK (length(reference) <= 120),
    note         TEXT CHECK (length(note) <= 500),
    created_by   BLOB NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    CHECK (settles IS NULL OR kind IN ('payment', 'adjustment', 'write_off'))
) STRICT;
CREATE INDEX ledger_entries_client ON ledger_entries (client_id, on_date);
CREATE TRIGGER fee_schedule_no_update BEFORE UPDATE ON fee_schedule
BEGIN
    SELECT RAISE(ABORT, 'fees change from a date: add a row');
END;
CREATE TRIGGER fee_schedule_no_delete BEFORE DELETE ON fee_schedule
BEGIN
    SELECT RAISE(ABORT, 'fees change from a date: add a row');
END;
CREATE TRIGGER client_rates_no_update BEFORE UPDATE ON client_rates
BEGIN
    SELECT RAISE(ABORT, 'a rate changes from a date: add a row');
END;
CREATE TRIGGER client_rates_no_delete BEFORE DELETE ON client_rates
BEGIN
    SELECT RAISE(ABORT, 'a rate changes from a date: add a row');
END;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: add an entry');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: add an entry');
END;
