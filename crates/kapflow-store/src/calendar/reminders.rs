//! Appointment reminders: each round of the mail worker queues, for every offset the practice
//! set (48 and 24 hours by default), a reminder of each booked appointment entering that
//! offset's window, to clients with an email address who agreed to email. One per
//! appointment, offset and start time, queued with its outbox email in one transaction. The
//! email is composed when sent, so a cancelled or moved appointment sends nothing.

use super::Calendar;
use crate::StoreError;
use crate::audit;
use crate::outbox::{self, Email};
use kapflow_domain::{Actor, AppointmentId, ClientId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// What a reminder email says about its appointment, read when it is sent.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReminderFacts {
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub booked: bool,
    pub session_type: String,
    pub clinician_name: String,
    pub room_name: Option<String>,
    pub telehealth: bool,
    pub video_link: Option<String>,
}

impl Calendar<'_> {
    /// Queues the reminders due at `now` for `offsets` (hours before the start); how many.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn queue_reminders(
        &self,
        offsets: &[i64],
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let mut offsets: Vec<i64> = offsets.iter().copied().filter(|h| *h > 0).collect();
        offsets.sort_unstable();
        offsets.dedup();
        let mut queued = 0;
        for (i, hours) in offsets.iter().enumerate() {
            // The window of this offset ends where the next smaller one's begins, so an
            // appointment booked late gets the one reminder whose window it is in.
            let nearer = if i == 0 { 0 } else { offsets[i - 1] };
            let (from, to) = (now + Duration::hours(nearer), now + Duration::hours(*hours));
            let due: Vec<(Uuid, Uuid, String, OffsetDateTime)> = self
                .store
                .db
                .fetch_all(
                    "SELECT a.id, c.id, c.email, a.starts_at FROM appointments a JOIN clients c \
                     ON c.id = a.client_id WHERE a.status = 'booked' AND a.starts_at > $1 AND \
                     a.starts_at <= $2 AND c.email IS NOT NULL AND c.email_consent_at IS NOT \
                     NULL AND NOT EXISTS (SELECT 1 FROM appointment_reminders r WHERE \
                     r.appointment_id = a.id AND r.offset_hours = $3 AND r.starts_at = \
                     a.starts_at) ORDER BY a.starts_at LIMIT 200",
                    args![from, to, *hours],
                )
                .await?;
            for (appointment, client, to_address, starts_at) in due {
                let mut tx = self.store.begin().await?;
                let claimed = tx
                    .exec(
                        "INSERT INTO appointment_reminders (appointment_id, offset_hours, \
                         starts_at, queued_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        args![appointment, *hours, starts_at, now],
                    )
                    .await?;
                if claimed == 0 {
                    // Another instance queued it first.
                    continue;
                }
                let email = Email::AppointmentReminder {
                    to: to_address,
                    appointment_id: AppointmentId::from(appointment),
                    starts_at,
                };
                outbox::enqueue(&mut tx, &email, now).await?;
                audit::append(
                    &mut tx,
                    &Actor::anonymous(Some("reminders".into()))
                        .entry("appointment.reminder_queued", now)
                        .record("appointment", appointment)
                        .client(ClientId::from(client)),
                )
                .await?;
                tx.commit().await?;
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// What a reminder of `id` says now (for the mail worker; no person's access).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reminder_facts(
        &self,
        id: AppointmentId,
    ) -> Result<Option<ReminderFacts>, StoreError> {
        self.store
            .db
            .fetch_optional(
                "SELECT a.starts_at, a.ends_at, a.status = 'booked' AS booked, a.session_type, \
                 u.display_name AS clinician_name, r.name AS room_name, a.telehealth, \
                 a.video_link FROM appointments a JOIN users u ON u.id = a.clinician_id LEFT JOIN \
                 rooms r ON r.id = a.room_id WHERE a.id = $1",
                args![id],
            )
            .await
    }
}
