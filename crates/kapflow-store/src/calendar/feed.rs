//! Each clinician's calendar feed (an iCalendar subscription for their phone or desktop): an
//! unguessable link whose hash alone is stored, replaced or withdrawn by its owner. What the
//! feed says about each appointment carries no client's name: "Session" by default, or the
//! kind and the client's initials where the practice chose that.

use super::Calendar;
use crate::StoreError;
use crate::audit;
use kapflow_domain::calendar::Status;
use kapflow_domain::{Actor, AppointmentId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// One appointment as the feed carries it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedItem {
    #[sqlx(try_from = "Uuid")]
    pub id: AppointmentId,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub type_label: String,
    /// The client's legal name, only to make initials from (never written to the feed).
    pub client_name: Option<String>,
    pub hold_title: Option<String>,
    pub room_name: Option<String>,
    pub telehealth: bool,
    /// When it was last moved, cancelled or marked.
    pub changed_at: Option<OffsetDateTime>,
}

impl Calendar<'_> {
    /// Whether `user` has a feed link now.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn has_feed(&self, user: UserId) -> Result<bool, StoreError> {
        self.store
            .db
            .scalar(
                "SELECT COUNT(*) > 0 FROM calendar_feeds WHERE user_id = $1",
                args![user],
            )
            .await
    }

    /// Gives `user` a new feed link (the old one stops working at once).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn new_feed(
        &self,
        user: UserId,
        token_hash: &[u8],
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        tx.exec("DELETE FROM calendar_feeds WHERE user_id = $1", args![user])
            .await?;
        tx.exec(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)",
            args![user, token_hash, now],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor.entry("calendar_feed.made", now).record("user", user),
        )
        .await?;
        tx.commit().await
    }

    /// Withdraws `user`'s feed link; false if there was none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn withdraw_feed(
        &self,
        user: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec("DELETE FROM calendar_feeds WHERE user_id = $1", args![user])
            .await?;
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("calendar_feed.withdrawn", now)
                .record("user", user),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The appointments of the clinician whose feed link hashes to `token_hash`, starting in
    /// `[from, to)` (cancelled ones too, so a subscribed calendar drops them); `None` for a
    /// link that is not (or no longer) one, or whose clinician's account is disabled.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn feed(
        &self,
        token_hash: &[u8],
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Option<(UserId, Vec<FeedItem>)>, StoreError> {
        let user: Option<Uuid> = self
            .store
            .db
            .scalar_optional(
                "SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE \
                 f.token_hash = $1 AND u.disabled_at IS NULL",
                args![token_hash],
            )
            .await?;
        let Some(user) = user.map(UserId::from) else {
            return Ok(None);
        };
        let items = self
            .store
            .db
            .fetch_all(
                "SELECT a.id, a.starts_at, a.ends_at, a.status, st.label AS type_label, \
                 c.legal_name AS client_name, a.title AS hold_title, r.name AS room_name, \
                 a.telehealth, a.changed_at FROM appointments a JOIN \
                 session_types st ON st.key = a.session_type LEFT JOIN clients c ON c.id = \
                 a.client_id LEFT JOIN rooms r ON r.id = a.room_id WHERE (a.clinician_id = $1 OR \
                 a.second_clinician = $1) AND a.starts_at >= $2 AND a.starts_at < $3 ORDER BY \
                 a.starts_at",
                args![user, from, to],
            )
            .await?;
        Ok(Some((user, items)))
    }
}
