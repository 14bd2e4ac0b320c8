-- Mail kapflow cannot send at all (a message it cannot read): kept, never retried, shown to
-- the owner. In step with ../sqlite/0007_outbox_failures.sql.
ALTER TABLE outbox ADD COLUMN failed_at TIMESTAMPTZ;
