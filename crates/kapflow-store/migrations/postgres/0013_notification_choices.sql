-- The notification emails a person has switched off, as a comma-separated list of kinds
-- (`kapflow_store::notices::Kind`); empty: every notification their role receives.
ALTER TABLE users ADD COLUMN mail_off TEXT NOT NULL DEFAULT '';
