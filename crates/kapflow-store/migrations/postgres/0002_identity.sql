-- Identity: lockout, MFA enrolment, recovery codes, step-up. In step with ../sqlite/0002_identity.sql.

ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN mfa_enrolled_at TIMESTAMPTZ;

ALTER TABLE sessions ADD COLUMN step_up_at TIMESTAMPTZ;

CREATE TABLE recovery_codes (
    user_id   UUID NOT NULL REFERENCES users (id),
    code_hash BYTEA NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

CREATE INDEX one_time_tokens_email ON one_time_tokens (email, purpose);
CREATE INDEX audit_log_at ON audit_log (at);

ALTER TABLE users ADD COLUMN totp_pending_secret BYTEA;
