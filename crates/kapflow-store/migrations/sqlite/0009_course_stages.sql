-- no-transaction
-- A course goes on past "ready for dosing": dosing sessions, integration, completed.
-- SQLite cannot change a CHECK in place: the table is rebuilt (sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"), with foreign keys off around one transaction and
-- checked before it commits.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE courses_rebuilt (
    id                  BLOB PRIMARY KEY NOT NULL,
    client_id           BLOB NOT NULL REFERENCES clients (id),
    number              INTEGER NOT NULL,
    stage               TEXT NOT NULL CHECK (stage IN ('assessment', 'preparation', 'medical_evaluation', 'medication', 'ready_for_dosing', 'dosing', 'integration', 'completed', 'discontinued')),
    opened_at           TEXT NOT NULL,
    closed_at           TEXT,
    UNIQUE (client_id, number)
) STRICT;
INSERT INTO courses_rebuilt (id, client_id, number, stage, opened_at, closed_at)
    SELECT id, client_id, number, stage, opened_at, closed_at FROM courses;
DROP TABLE courses;
ALTER TABLE courses_rebuilt RENAME TO courses;
COMMIT;
PRAGMA foreign_keys = ON;
