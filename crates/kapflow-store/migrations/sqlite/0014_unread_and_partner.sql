-- Up to when each person has read a client's messages: later messages from others are unread
-- for them (the navigation's count, the dashboard's queue).
CREATE TABLE message_reads (
    user_id   BLOB NOT NULL REFERENCES users (id),
    client_id BLOB NOT NULL REFERENCES clients (id),
    read_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, client_id)
) STRICT;

-- Unread messages are counted over a recent window, found by time.
CREATE INDEX client_messages_at ON client_messages (at);

-- An invitation for a prescriber can name their partner organisation, set when they accept.
ALTER TABLE one_time_tokens ADD COLUMN org_id BLOB REFERENCES partner_orgs (id);

-- The partner organisation's name was typed twice: as a website detail and in the list of
-- partner organisations. The list is now the one place; a practice that had only the website
-- detail keeps that name as its first organisation.
INSERT INTO partner_orgs (id, name, created_at)
SELECT randomblob(16), trim(value), updated_at FROM practice_settings
WHERE key = 'partner.name' AND trim(value) <> '' AND NOT EXISTS (SELECT 1 FROM partner_orgs);
DELETE FROM practice_settings WHERE key = 'partner.name';
