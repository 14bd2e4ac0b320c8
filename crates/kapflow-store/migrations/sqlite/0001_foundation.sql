-- The foundation every later feature stands on. Kept in step with ../postgres/0001_foundation.sql:
-- same tables, columns and rules; only the types differ (UUID -> BLOB, timestamptz -> TEXT in UTC,
-- bytea -> BLOB, boolean -> INTEGER 0/1).

-- Practice-wide settings as key/value rows: a new setting needs no migration.
CREATE TABLE practice_settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id             BLOB PRIMARY KEY NOT NULL,
    email          TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('owner', 'therapist', 'front_desk', 'prescriber', 'client')),
    password_hash  TEXT,
    totp_secret    BLOB,
    totp_last_step INTEGER,
    disabled_at    TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

-- Server-side sessions. Only the SHA-256 of the cookie's token is stored.
CREATE TABLE sessions (
    id            BLOB PRIMARY KEY NOT NULL,
    token_hash    BLOB NOT NULL UNIQUE,
    user_id       BLOB NOT NULL REFERENCES users (id),
    csrf_token    TEXT NOT NULL,
    mfa_verified  INTEGER NOT NULL DEFAULT 0 CHECK (mfa_verified IN (0, 1)),
    ip            TEXT,
    user_agent    TEXT,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    ended_at      TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Single-use links: the first-run owner setup, staff invitations, password resets.
CREATE TABLE one_time_tokens (
    token_hash BLOB PRIMARY KEY NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('owner_setup', 'invitation', 'password_reset')),
    email      TEXT,
    role       TEXT,
    created_by BLOB REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;

-- The audit trail: append-only (triggers below) and hash-chained (each row's hash covers the
-- row and the previous row's hash; see kapflow_domain::audit).
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY NOT NULL,
    id            BLOB NOT NULL UNIQUE,
    at            TEXT NOT NULL,
    actor_user_id BLOB,
    actor_role    TEXT,
    session_id    BLOB,
    ip            TEXT,
    action        TEXT NOT NULL,
    record_kind   TEXT,
    record_id     TEXT,
    client_id     TEXT,
    outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
    reason        TEXT,
    prev_hash     BLOB NOT NULL,
    hash          BLOB NOT NULL
) STRICT;
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, seq);
CREATE INDEX audit_log_client ON audit_log (client_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Idempotency keys of create forms: a repeat returns the first result.
CREATE TABLE idempotency_keys (
    scope           TEXT NOT NULL,
    key             TEXT NOT NULL,
    request_hash    BLOB NOT NULL,
    response_status INTEGER,
    response_body   TEXT,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;

-- Notifications and alerts, written in the same transaction as what caused them and delivered
-- at least once by a leased worker.
CREATE TABLE outbox (
    id           BLOB PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    available_at TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    locked_by    TEXT,
    delivered_at TEXT,
    last_error   TEXT
) STRICT;
CREATE INDEX outbox_pending ON outbox (delivered_at, available_at);

-- Fixed-window counters for login, inquiry and export limits, shared by every instance.
CREATE TABLE rate_limit_buckets (
    bucket       TEXT PRIMARY KEY NOT NULL,
    window_start TEXT NOT NULL,
    hits         INTEGER NOT NULL
) STRICT;
