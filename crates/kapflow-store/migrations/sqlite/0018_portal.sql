-- The client portal: a client's own account, their secure messages with the care team and their
-- integration journal.

-- A portal account belongs to one client record (users with the role 'client'); at most one.
ALTER TABLE users ADD COLUMN client_id BLOB REFERENCES clients (id);
CREATE UNIQUE INDEX users_client ON users (client_id);

-- A portal invitation names the client record the account will belong to.
ALTER TABLE one_time_tokens ADD COLUMN client_id BLOB REFERENCES clients (id);
CREATE INDEX one_time_tokens_client ON one_time_tokens (client_id);

-- A client's messages share the client's message table with the care team's messages to the
-- prescriber, in a thread of their own: 'team' (care team and prescriber) or 'client' (the client
-- and the care team). Unread counts and the dashboard read both; the prescriber only 'team'.
ALTER TABLE client_messages ADD COLUMN thread TEXT NOT NULL DEFAULT 'team' CHECK (thread IN ('team', 'client'));

-- The client's integration journal: private unless the client shares an entry with the care team.
CREATE TABLE journal_entries (
    id         BLOB PRIMARY KEY NOT NULL,
    client_id  BLOB NOT NULL REFERENCES clients (id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    shared_at  TEXT
) STRICT;
CREATE INDEX journal_entries_client ON journal_entries (client_id, created_at);

-- A consent the client signed in the portal (the client's own account stands as the signer);
-- where the practice asks for it, it counts only once a clinician has reviewed it.
ALTER TABLE consent_signatures ADD COLUMN by_client INTEGER NOT NULL DEFAULT 0 CHECK (by_client IN (0, 1));
ALTER TABLE consent_signatures ADD COLUMN review_pending INTEGER NOT NULL DEFAULT 0 CHECK (review_pending IN (0, 1));
ALTER TABLE consent_signatures ADD COLUMN reviewed_by BLOB REFERENCES users (id);
ALTER TABLE consent_signatures ADD COLUMN reviewed_at TEXT;

-- When the client sent their intake from the portal (every answer but the blood pressure taken
-- at the assessment): the clinician completes it.
ALTER TABLE intakes ADD COLUMN sent_by_client_at TEXT;

-- Passkeys (WebAuthn), a second factor beside TOTP for clients and staff. The credential is the
-- relying-party library's JSON (public key, counter, flags); no secret is stored.
CREATE TABLE passkeys (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    credential   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
) STRICT;
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A WebAuthn ceremony in progress (its challenge state), bound to the session that began it,
-- single-use and short-lived; kept in the database so any instance can finish it.
CREATE TABLE webauthn_ceremonies (
    id         BLOB PRIMARY KEY NOT NULL,
    session_id BLOB NOT NULL REFERENCES sessions (id),
    kind       TEXT NOT NULL CHECK (kind IN ('register', 'authenticate')),
    state      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;
