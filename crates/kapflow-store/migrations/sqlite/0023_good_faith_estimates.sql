-- Good-faith estimates (No Surprises Act): the services a self-pay client's course is expected
-- to need, with their fees, as given to the client; when the charges exceeded the estimate by
-- $400 or more, when the practice was reminded. An estimate is never changed: a new one is made.
CREATE TABLE good_faith_estimates (
    id          BLOB PRIMARY KEY NOT NULL,
    client_id   BLOB NOT NULL REFERENCES clients (id),
    -- One service a line: code, label, times, units, fee of a unit in cents (tab-separated).
    services    TEXT NOT NULL,
    total_cents INTEGER NOT NULL CHECK (total_cents BETWEEN 0 AND 100000000000),
    -- The first expected service, and the date the law sets for giving it (none when booked
    -- less than three business days ahead).
    starts_on   TEXT NOT NULL,
    due_by      TEXT,
    made_by     BLOB NOT NULL REFERENCES users (id),
    made_at     TEXT NOT NULL,
    reminded_at TEXT
) STRICT;
CREATE INDEX good_faith_estimates_client ON good_faith_estimates (client_id, made_at);
