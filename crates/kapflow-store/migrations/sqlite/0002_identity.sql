-- Identity: lockout, MFA enrolment, recovery codes, step-up. In step with ../postgres/0002_identity.sql.

ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;
ALTER TABLE users ADD COLUMN mfa_enrolled_at TEXT;

ALTER TABLE sessions ADD COLUMN step_up_at TEXT;

-- Single-use MFA recovery codes, stored as SHA-256 hashes (they carry 50+ random bits each).
CREATE TABLE recovery_codes (
    user_id   BLOB NOT NULL REFERENCES users (id),
    code_hash BLOB NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
) STRICT;

CREATE INDEX one_time_tokens_email ON one_time_tokens (email, purpose);
CREATE INDEX audit_log_at ON audit_log (at);

-- A TOTP secret shown during enrolment, until the person proves it with a code.
ALTER TABLE users ADD COLUMN totp_pending_secret BLOB;
