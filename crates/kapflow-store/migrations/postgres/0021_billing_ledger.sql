-- Billing's ledger (issue 18): the fee schedule by service from a date, a client's own rates
-- (a fixed fee or a sliding-scale share, with the reason), and ledger entries. All three are
-- append-only: a fee change is a new row from its date, a correction is a new entry, and a
-- balance is always derived from the entries, never stored.
CREATE TABLE fee_schedule (
    id             UUID PRIMARY KEY NOT NULL,
    service        TEXT NOT NULL CHECK (length(service) BETWEEN 1 AND 40),
    amount_cents   BIGINT NOT NULL CHECK (amount_cents BETWEEN 0 AND 1000000000),
    effective_from DATE NOT NULL,
    created_by     UUID NOT NULL REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (service, effective_from)
);
CREATE TABLE client_rates (
    id             UUID PRIMARY KEY NOT NULL,
    client_id      UUID NOT NULL REFERENCES clients (id),
    service        TEXT,
    fixed_cents    BIGINT CHECK (fixed_cents BETWEEN 0 AND 1000000000),
    percent        BIGINT CHECK (percent BETWEEN 0 AND 100),
    reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
    effective_from DATE NOT NULL,
    created_by     UUID NOT NULL REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL,
    CHECK ((fixed_cents IS NULL) <> (percent IS NULL))
);
CREATE INDEX client_rates_client ON client_rates (client_id, effective_from);
CREATE TABLE ledger_entries (
    id           UUID PRIMARY KEY NOT NULL,
    client_id    UUID NOT NULL REFERENCES clients (id),
    kind         TEXT NOT NULL CHECK (kind IN ('charge', 'payment', 'refund', 'adjustment', 'write_off')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents BETWEEN 0 AND 1000000000),
    on_date      DATE NOT NULL,
    -- The charge a payment, adjustment or write-off is for (the same client's).
    settles      UUID REFERENCES ledger_entries (id),
    service      TEXT,
    reference    TEXT CHECK (length(reference) <= 120),
    note         TEXT CHECK (length(note) <= 500),
    created_by   UUID NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK (settles IS NULL OR kind IN ('payment', 'adjustment', 'write_off'))
);
CREATE INDEX ledger_entries_client ON ledger_entries (client_id, on_date);
CREATE FUNCTION billing_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: add a row', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER fee_schedule_no_update BEFORE UPDATE ON fee_schedule
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER fee_schedule_no_delete BEFORE DELETE ON fee_schedule
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER client_rates_no_update BEFORE UPDATE ON client_rates
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER client_rates_no_delete BEFORE DELETE ON client_rates
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
