-- Appointment reminders queued to the client, one per appointment, offset and start time (a
-- moved appointment is reminded again at its new time).
CREATE TABLE appointment_reminders (
    appointment_id BLOB NOT NULL REFERENCES appointments (id),
    offset_hours   INTEGER NOT NULL,
    starts_at      TEXT NOT NULL,
    queued_at      TEXT NOT NULL,
    PRIMARY KEY (appointment_id, offset_hours, starts_at)
) STRICT;
