-- Tokens for the FHIR read API, created by the owner: a name (shown in the audit trail beside
-- every call), a scope (every client, or one), an end date. Only the SHA-256 of the secret is
-- kept; the owner sees the secret once. A token is never deleted: revoking keeps the row so the
-- audit trail's calls still name it.
CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
    token_hash   BLOB NOT NULL UNIQUE,
    scope        TEXT NOT NULL CHECK (scope IN ('all_clients', 'one_client')),
    client_id    BLOB REFERENCES clients (id),
    created_by   BLOB NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    revoked_by   BLOB REFERENCES users (id),
    last_used_at TEXT,
    CHECK ((scope = 'one_client') = (client_id IS NOT NULL)),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
) STRICT;
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens
BEGIN
    SELECT RAISE(ABORT, 'api_tokens are revoked, never deleted');
END;
