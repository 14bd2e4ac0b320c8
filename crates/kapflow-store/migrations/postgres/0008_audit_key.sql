-- The audit chain is keyed (HMAC-SHA-256 under a key kept outside the database; see
-- kapflow_domain::audit). key_gen is the generation of the key that hashed the row; NULL marks
-- a row hashed the plain SHA-256 way before kapflow keyed its trail. Such rows verify only at
-- the start of the chain, so existing trails stay verifiable and nothing is rewritten.
-- In step with ../sqlite/0008_audit_key.sql.
ALTER TABLE audit_log ADD COLUMN key_gen BIGINT;
