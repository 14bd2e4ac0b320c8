-- Tokens for the FHIR read API, created by the owner: a name (shown in the audit trail beside
-- every call), a scope (every client, or one), an end date. Only the SHA-256 of the secret is
-- kept; the owner sees the secret once. A token is never deleted: revoking keeps the row so the
-- audit trail's calls still name it.
CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
    token_hash   BYTEA NOT NULL UNIQUE,
    scope        TEXT NOT NULL CHECK (scope IN ('all_clients', 'one_client')),
    client_id    UUID REFERENCES clients (id),
    created_by   UUID NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    revoked_by   UUID REFERENCES users (id),
    last_used_at TIMESTAMPTZ,
    CHECK ((scope = 'one_client') = (client_id IS NOT NULL)),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE FUNCTION api_tokens_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'api_tokens are revoked, never deleted';
END;
$$;
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION api_tokens_never_deleted();
