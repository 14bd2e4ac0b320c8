//! The inquiry inbox. Every read is audited before it is returned; therapists see only the
//! inquiries assigned to them (scoped in SQL), others get nothing — not even that it exists.

use crate::idempotency::{self, Claim};
use crate::sql::OptUuid;
use crate::{StoreError, audit, outbox};
use kapflow_domain::client::Concerns;
use kapflow_domain::inquiry::{ContactMethod, InquiryStatus, NewInquiry};
use kapflow_domain::{Actor, AuditOutcome, InquiryId, Role, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Inquiries from the public site and the inbox.
    Inquiries
);

/// Whose view of the inbox a query serves.
#[derive(Clone, Copy, Debug)]
pub struct InboxScope {
    pub user: UserId,
    pub role: Role,
}

/// Whether the inquiry exists and the caller may see it, by the inbox's rules (therapists and
/// prescribers only what is assigned to them). Every use of an inquiry id a person sent goes
/// through this, so an id outside one's inbox is "not found" whatever the route.
pub(crate) async fn visible(
    tx: &mut crate::Tx,
    scope: InboxScope,
    id: InquiryId,
) -> Result<bool, StoreError> {
    tx.scalar::<bool>(
        "SELECT COUNT(*) > 0 FROM inquiries WHERE id = $1 AND ($2 IS NULL OR assigned_to = $2)",
        args![id, scope.assigned_only()],
    )
    .await
}

impl InboxScope {
    /// `Some(user)` when the rows must be assigned to this user.
    fn assigned_only(&self) -> Option<UserId> {
        match self.role {
            Role::Owner | Role::FrontDesk => None,
            _ => Some(self.user),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InquirySummary {
    #[sqlx(try_from = "Uuid")]
    pub id: InquiryId,
    pub created_at: OffsetDateTime,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub status: InquiryStatus,
    #[sqlx(try_from = "String")]
    pub concerns: Concerns,
    pub assigned_name: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InquiryDetail {
    #[sqlx(try_from = "Uuid")]
    pub id: InquiryId,
    pub created_at: OffsetDateTime,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[sqlx(try_from = "String")]
    pub preferred_contact: ContactMethod,
    pub preferred_time: Option<String>,
    #[sqlx(try_from = "String")]
    pub concerns: Concerns,
    pub message: String,
    pub heard_from: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: InquiryStatus,
    #[sqlx(try_from = "OptUuid")]
    pub assigned_to: Option<UserId>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InquiryEvent {
    pub at: OffsetDateTime,
    pub actor_name: Option<String>,
    pub kind: String,
    pub detail: String,
}

/// What the public form's submission came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    Created(InquiryId),
    /// The same form submitted again (double click, refresh): nothing new was made.
    Repeat,
    /// The form's key was used for different content.
    KeyReused,
    /// Over the per-address limit; nothing was stored.
    Limited(time::Duration),
}

/// Escapes `%`, `_` and `\\` for a LIKE pattern with `ESCAPE '\\'`, then wraps in `%…%`.
pub fn like_pattern(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for ch in q.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('%');
    s
}

async fn event(
    tx: &mut crate::Tx,
    inquiry: InquiryId,
    actor: Option<UserId>,
    kind: &str,
    detail: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO inquiry_events (id, inquiry_id, at, actor_id, kind, detail) VALUES ($1, \
             $2, $3, $4, $5, $6)",
        args![Uuid::now_v7(), inquiry, now, actor, kind, detail],
    )
    .await?;
    Ok(())
}

impl Inquiries<'_> {
    /// Records a public inquiry once per form key, within the sender's limit, notifies staff
    /// through the outbox (a link only), and audits it, all in one transaction.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn submit(
        &self,
        form_key: &str,
        request_hash: &[u8],
        inquiry: &NewInquiry,
        limit: &crate::rate_limit::RateLimit<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Submitted, StoreError> {
        // One transaction, one commit: the limit's count, the inquiry and everything with it.
        let mut tx = self.store.begin().await?;
        if let crate::rate_limit::RateDecision::Limited { retry_after } =
            crate::rate_limit::hit(&mut tx, limit, now).await?
        {
            tx.commit().await?;
            return Ok(Submitted::Limited(retry_after));
        }
        match idempotency::claim(&mut tx, "inquiry", form_key, request_hash, now).await? {
            Claim::Fresh => {}
            Claim::Replay { .. } => return Ok(Submitted::Repeat),
            Claim::KeyReused => return Ok(Submitted::KeyReused),
        }
        let id = InquiryId::new();
        let concerns = inquiry
            .concerns
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",");
        tx.exec(
            "INSERT INTO inquiries (id, created_at, name, email, phone, preferred_contact, \
                 preferred_time, concerns, message, heard_from, consent_at, status, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $2, 'new', $2)",
            args![
                id,
                now,
                inquiry.name.as_str(),
                inquiry.email.as_ref().map(|e| e.as_str()),
                inquiry.phone.as_deref(),
                inquiry.preferred_contact,
                inquiry.preferred_time.as_deref(),
                concerns.as_str(),
                inquiry.message.as_str(),
                inquiry.heard_from.as_deref()
            ],
        )
        .await?;
        event(
            &mut tx,
            id,
            None,
            "received",
            "Received through the website",
            now,
        )
        .await?;
        outbox::enqueue(&mut tx, &outbox::Email::NewInquiry { inquiry_id: id }, now).await?;
        audit::append(
            &mut tx,
            &actor.entry("inquiry.received", now).record("inquiry", id),
        )
        .await?;
        idempotency::complete(&mut tx, "inquiry", form_key, 303, &id.to_string()).await?;
        tx.commit().await?;
        Ok(Submitted::Created(id))
    }

    /// The inbox, newest first: optionally one status, optionally matching `search` in name,
    /// email, phone or message. The search is audited (it reads client data).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(
        &self,
        scope: InboxScope,
        status: Option<InquiryStatus>,
        search: Option<&str>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Vec<InquirySummary>, StoreError> {
        let pattern = search.map(like_pattern);
        let mut tx = self.store.begin().await?;
        let rows: Vec<InquirySummary> = tx
            .fetch_all(
                "SELECT i.id, i.created_at, i.name, i.status, i.concerns, u.display_name AS \
                 assigned_name FROM inquiries i LEFT JOIN users u ON u.id = i.assigned_to WHERE \
                 ($1 IS NULL OR i.assigned_to = $1) AND ($2 IS NULL OR i.status = $2) AND ($3 IS \
                 NULL OR lower(i.name) LIKE $3 ESCAPE '\\' OR lower(COALESCE(i.email, '')) LIKE $3 \
                 ESCAPE '\\' OR lower(COALESCE(i.phone, '')) LIKE $3 ESCAPE '\\' OR \
                 lower(i.message) LIKE $3 ESCAPE '\\') ORDER BY i.created_at DESC, i.id DESC LIMIT \
                 200",
                args![scope.assigned_only(), status, pattern.as_deref()],
            )
            .await?;
        let action = if search.is_some() {
            "inquiry.search"
        } else {
            "inquiry.list"
        };
        audit::append(
            &mut tx,
            &actor
                .entry(action, now)
                .record("inquiries", rows.len())
                .because(status.map(|s| format!("status {}", s.as_str()))),
        )
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One inquiry with its timeline, if the caller may see it; the view (or the refusal) is
    /// audited before anything is returned.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn view(
        &self,
        scope: InboxScope,
        id: InquiryId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<(InquiryDetail, Vec<InquiryEvent>)>, StoreError> {
        let mut tx = self.store.begin().await?;
        let detail: Option<InquiryDetail> = tx
            .fetch_optional(
                "SELECT id, created_at, name, email, phone, preferred_contact, preferred_time, \
                 concerns, message, heard_from, status, assigned_to FROM inquiries WHERE id = $1 \
                 AND ($2 IS NULL OR assigned_to = $2)",
                args![id, scope.assigned_only()],
            )
            .await?;
        let Some(detail) = detail else {
            let entry = actor
                .entry("inquiry.view", now)
                .record("inquiry", id)
                .outcome(AuditOutcome::Denied, Some("not found or not assigned"));
            audit::append(&mut tx, &entry).await?;
            tx.commit().await?;
            return Ok(None);
        };
        let events: Vec<InquiryEvent> = tx
            .fetch_all(
                "SELECT e.at, u.display_name AS actor_name, e.kind, e.detail FROM \
                     inquiry_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.inquiry_id = \
                     $1 ORDER BY e.at, e.id",
                args![id],
            )
            .await?;
        audit::append(
            &mut tx,
            &actor.entry("inquiry.view", now).record("inquiry", id),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((detail, events)))
    }

    /// Applies one change to an inquiry the caller may see; false (and a denial audited) if not.
    async fn change_inquiry<F>(
        &self,
        scope: InboxScope,
        id: InquiryId,
        actor: &Actor,
        action: &str,
        now: OffsetDateTime,
        change: F,
    ) -> Result<bool, StoreError>
    where
        F: for<'t> FnOnce(
            &'t mut crate::Tx,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), StoreError>> + Send + 't>,
        >,
    {
        let mut tx = self.store.begin().await?;
        if !visible(&mut tx, scope, id).await? {
            let entry = actor
                .entry(action, now)
                .record("inquiry", id)
                .outcome(AuditOutcome::Denied, Some("not found or not assigned"));
            audit::append(&mut tx, &entry).await?;
            tx.commit().await?;
            return Ok(false);
        }
        change(&mut tx).await?;
        audit::append(&mut tx, &actor.entry(action, now).record("inquiry", id)).await?;
        tx.commit().await?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_status(
        &self,
        scope: InboxScope,
        id: InquiryId,
        status: InquiryStatus,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let who = scope.user;
        self.change_inquiry(scope, id, actor, "inquiry.status", now, move |tx| {
            Box::pin(async move {
                tx.exec(
                    "UPDATE inquiries SET status = $1, updated_at = $2 WHERE id = $3",
                    args![status, now, id],
                )
                .await?;
                event(tx, id, Some(who), "status", status.label(), now).await
            })
        })
        .await
    }

    /// Assigns to a therapist or owner (or nobody). Refuses accounts that cannot hold inquiries.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn assign(
        &self,
        scope: InboxScope,
        id: InquiryId,
        to: Option<(UserId, String)>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let who = scope.user;
        self.change_inquiry(scope, id, actor, "inquiry.assigned", now, move |tx| {
            Box::pin(async move {
                tx.exec(
                    "UPDATE inquiries SET assigned_to = $1, updated_at = $2 WHERE id = $3",
                    args![to.as_ref().map(|t| t.0), now, id],
                )
                .await?;
                // Given to someone else: they are told (a link only).
                if let Some((user, _)) = &to
                    && *user != who
                {
                    let notice = outbox::Email::InquiryAssigned {
                        inquiry_id: id,
                        user_id: *user,
                    };
                    outbox::enqueue(tx, &notice, now).await?;
                }
                let detail = to
                    .map(|t| format!("Assigned to {}", t.1))
                    .unwrap_or_else(|| "Unassigned".into());
                event(tx, id, Some(who), "assigned", &detail, now).await
            })
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_note(
        &self,
        scope: InboxScope,
        id: InquiryId,
        note: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let who = scope.user;
        let note = note.to_owned();
        self.change_inquiry(scope, id, actor, "inquiry.note", now, move |tx| {
            Box::pin(async move { event(tx, id, Some(who), "note", &note, now).await })
        })
        .await
    }

    /// Owner and front desk addresses, for inbox notifications.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn inbox_recipients(&self) -> Result<Vec<String>, StoreError> {
        self.store
            .db
            .scalars(
                "SELECT email FROM users WHERE role IN ('owner', 'front_desk') AND disabled_at IS \
                 NULL ORDER BY email",
                args![],
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("50%_a\\B"), "%50\\%\\_a\\\\b%");
    }
}
