//! Each clinician's working hours and time off.

use super::Calendar;
use crate::StoreError;
use crate::audit;
use crate::backend::Tx;
use kapflow_domain::calendar::WeekHours;
use kapflow_domain::{Actor, TimeOffId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A stretch of time off.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TimeOffRow {
    #[sqlx(try_from = "Uuid")]
    pub id: TimeOffId,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub note: Option<String>,
}

/// `user`'s week (the default week until they set theirs), inside a transaction.
pub(crate) async fn week(tx: &mut Tx, user: UserId) -> Result<WeekHours, StoreError> {
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = tx
        .fetch_all(
            "SELECT weekday, starts_min, ends_min FROM working_hours WHERE user_id = $1",
            args![user],
        )
        .await?;
    Ok(from_rows(&rows))
}

fn from_rows(rows: &[(i64, Option<i64>, Option<i64>)]) -> WeekHours {
    if rows.is_empty() {
        return WeekHours::default();
    }
    let mut days = [None; 7];
    for (day, s, e) in rows {
        let (Ok(i), Some(s), Some(e)) = (usize::try_from(*day), s, e) else {
            continue;
        };
        if let (Some(slot), Ok(s), Ok(e)) = (days.get_mut(i), u16::try_from(*s), u16::try_from(*e))
        {
            *slot = Some((s, e));
        }
    }
    WeekHours(days)
}

impl Calendar<'_> {
    /// `user`'s working week.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn hours(&self, user: UserId) -> Result<WeekHours, StoreError> {
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = self
            .store
            .db
            .fetch_all(
                "SELECT weekday, starts_min, ends_min FROM working_hours WHERE user_id = $1",
                args![user],
            )
            .await?;
        Ok(from_rows(&rows))
    }

    /// Sets `user`'s working week (every day written, a day off as empty times).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_hours(
        &self,
        user: UserId,
        week: &WeekHours,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec("DELETE FROM working_hours WHERE user_id = $1", args![user])
            .await?;
        for (i, day) in week.0.iter().enumerate() {
            let (s, e) = match day {
                Some((s, e)) => (Some(i64::from(*s)), Some(i64::from(*e))),
                None => (None, None),
            };
            tx.exec(
                "INSERT INTO working_hours (user_id, weekday, starts_min, ends_min) VALUES ($1, \
                 $2, $3, $4)",
                args![user, i64::try_from(i).unwrap_or(0), s, e],
            )
            .await?;
        }
        audit::append(
            &mut tx,
            &actor.entry("working_hours.set", now).record("user", user),
        )
        .await?;
        tx.commit().await
    }

    /// `user`'s time off that has not ended by `from`, soonest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn time_off(
        &self,
        user: UserId,
        from: OffsetDateTime,
    ) -> Result<Vec<TimeOffRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, starts_at, ends_at, note FROM time_off WHERE user_id = $1 AND \
                 removed_at IS NULL AND ends_at > $2 ORDER BY starts_at",
                args![user, from],
            )
            .await
    }

    /// Records time off. Refused (with the appointments in the way, as their start times)
    /// while `user` has booked appointments in it: those are moved or cancelled first, so no
    /// client is left expecting someone who is away.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_time_off(
        &self,
        user: UserId,
        span: (OffsetDateTime, OffsetDateTime),
        note: Option<&str>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<TimeOffId, Vec<OffsetDateTime>>, StoreError> {
        let mut tx = self.store.begin().await?;
        super::lock(&mut tx).await?;
        let clashes: Vec<OffsetDateTime> = tx
            .scalars(
                "SELECT starts_at FROM appointments WHERE status = 'booked' AND (clinician_id = \
                 $1 OR second_clinician = $1) AND starts_at < $3 AND ends_at > $2 ORDER BY \
                 starts_at",
                args![user, span.0, span.1],
            )
            .await?;
        if !clashes.is_empty() {
            return Ok(Err(clashes));
        }
        let id = TimeOffId::new();
        tx.exec(
            "INSERT INTO time_off (id, user_id, starts_at, ends_at, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                id,
                user,
                span.0,
                span.1,
                note,
                crate::actor_uuid(actor),
                now
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor.entry("time_off.added", now).record("time_off", id),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Removes time off of `user`; false when there is no such entry of theirs.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn remove_time_off(
        &self,
        user: UserId,
        id: TimeOffId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE time_off SET removed_at = $1 WHERE id = $2 AND user_id = $3 AND \
                 removed_at IS NULL",
                args![now, id, user],
            )
            .await?;
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &actor.entry("time_off.removed", now).record("time_off", id),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
