-- Appointment reminders queued to the client, one per appointment, offset and start time (a
-- moved appointment is reminded again at its new time).
CREATE TABLE appointment_reminders (
    appointment_id UUID NOT NULL REFERENCES appointments (id),
    offset_hours   BIGINT NOT NULL,
    starts_at      TIMESTAMPTZ NOT NULL,
    queued_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (appointment_id, offset_hours, starts_at)
);
