-- Questionnaires that go out by themselves: when the client agreed to receive questionnaire
-- links by email (none: never emailed without a staff member's click), and when a scheduled
-- questionnaire was emailed automatically and reminded.
ALTER TABLE clients ADD COLUMN email_consent_at TEXT;
ALTER TABLE measure_requests ADD COLUMN auto_sent_at TEXT;
ALTER TABLE measure_requests ADD COLUMN reminded_at TEXT;
