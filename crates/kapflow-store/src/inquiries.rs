//! The inquiry inbox. Every read is audited before it is returned; therapists see only the
//! inquiries assigned to them (scoped in SQL), others get nothing — not even that it exists.

use crate::idempotency::{self, Claim};
use crate::{Store, StoreError, audit, outbox};
use kapflow_domain::inquiry::{InquiryStatus, NewInquiry};
use kapflow_domain::{Actor, AuditOutcome, Role, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// Whose view of the inbox a query serves.
#[derive(Clone, Copy, Debug)]
pub struct InboxScope {
    pub user: UserId,
    pub role: Role,
}

impl InboxScope {
    /// `Some(user)` when the rows must be assigned to this user.
    fn assigned_only(&self) -> Option<Uuid> {
        match self.role {
            Role::Owner | Role::FrontDesk => None,
            _ => Some(self.user.as_uuid()),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InquirySummary {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub name: String,
    pub status: String,
    pub concerns: String,
    pub assigned_name: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InquiryDetail {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_contact: String,
    pub preferred_time: Option<String>,
    pub concerns: String,
    pub message: String,
    pub heard_from: Option<String>,
    pub status: String,
    pub assigned_to: Option<Uuid>,
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
    Created(Uuid),
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
    inquiry: Uuid,
    actor: Option<UserId>,
    kind: &str,
    detail: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO inquiry_events (id, inquiry_id, at, actor_id, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)"
    ).bind(Uuid::now_v7()).bind(inquiry).bind(now).bind(actor.map(|u| u.as_uuid())).bind(kind).bind(detail)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

impl Store {
    /// Records a public inquiry once per form key, within the sender's limit, notifies staff
    /// through the outbox (a link only), and audits it, all in one transaction.
    pub async fn submit_inquiry(
        &self,
        form_key: &str,
        request_hash: &[u8],
        inquiry: &NewInquiry,
        limit: &crate::rate_limit::RateLimit<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Submitted, StoreError> {
        // One transaction, one commit: the limit's count, the inquiry and everything with it.
        let mut tx = self.begin().await?;
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
        let id = Uuid::now_v7();
        let concerns = inquiry
            .concerns
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",");
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO inquiries (id, created_at, name, email, phone, preferred_contact, preferred_time, concerns, \
             message, heard_from, consent_at, status, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $2, 'new', $2)"
        )
        .bind(id).bind(now).bind(inquiry.name.as_str()).bind(inquiry.email.as_ref().map(|e| e.as_str()))
        .bind(inquiry.phone.as_deref()).bind(inquiry.preferred_contact.as_str()).bind(inquiry.preferred_time.as_deref())
        .bind(concerns.as_str()).bind(inquiry.message.as_str()).bind(inquiry.heard_from.as_deref())
        .execute(c).await.map(|r| r.rows_affected()))?;
        event(
            &mut tx,
            id,
            None,
            "received",
            "Received through the website",
            now,
        )
        .await?;
        let payload =
            serde_json::json!({ "template": "new_inquiry", "inquiry_id": id.to_string() });
        outbox::enqueue(&mut tx, "email", &payload.to_string(), now).await?;
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
    pub async fn list_inquiries(
        &self,
        scope: InboxScope,
        status: Option<InquiryStatus>,
        search: Option<&str>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Vec<InquirySummary>, StoreError> {
        let pattern = search.map(like_pattern);
        let mut tx = self.begin().await?;
        let rows: Vec<InquirySummary> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT i.id, i.created_at, i.name, i.status, i.concerns, u.display_name AS assigned_name \
             FROM inquiries i LEFT JOIN users u ON u.id = i.assigned_to \
             WHERE ($1 IS NULL OR i.assigned_to = $1) AND ($2 IS NULL OR i.status = $2) \
             AND ($3 IS NULL OR lower(i.name) LIKE $3 ESCAPE '\\' OR lower(COALESCE(i.email, '')) LIKE $3 ESCAPE '\\' \
                  OR lower(COALESCE(i.phone, '')) LIKE $3 ESCAPE '\\' OR lower(i.message) LIKE $3 ESCAPE '\\') \
             ORDER BY i.created_at DESC, i.id DESC LIMIT 200"
        )
        .bind(scope.assigned_only()).bind(status.map(InquiryStatus::as_str)).bind(pattern.as_deref())
        .fetch_all(c).await)?;
        let action = if search.is_some() {
            "inquiry.search"
        } else {
            "inquiry.list"
        };
        let mut entry = actor.entry(action, now).record("inquiries", rows.len());
        entry.reason = status.map(|s| format!("status {}", s.as_str()));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One inquiry with its timeline, if the caller may see it; the view (or the refusal) is
    /// audited before anything is returned.
    pub async fn view_inquiry(
        &self,
        scope: InboxScope,
        id: Uuid,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<(InquiryDetail, Vec<InquiryEvent>)>, StoreError> {
        let mut tx = self.begin().await?;
        let detail: Option<InquiryDetail> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id, created_at, name, email, phone, preferred_contact, preferred_time, concerns, message, heard_from, \
             status, assigned_to FROM inquiries WHERE id = $1 AND ($2 IS NULL OR assigned_to = $2)"
        ).bind(id).bind(scope.assigned_only()).fetch_optional(c).await)?;
        let Some(detail) = detail else {
            let entry = actor
                .entry("inquiry.view", now)
                .record("inquiry", id)
                .outcome(AuditOutcome::Denied, Some("not found or not assigned"));
            audit::append(&mut tx, &entry).await?;
            tx.commit().await?;
            return Ok(None);
        };
        let events: Vec<InquiryEvent> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT e.at, u.display_name AS actor_name, e.kind, e.detail FROM inquiry_events e \
             LEFT JOIN users u ON u.id = e.actor_id WHERE e.inquiry_id = $1 ORDER BY e.at, e.id"
        ).bind(id).fetch_all(c).await)?;
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
        id: Uuid,
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
        let mut tx = self.begin().await?;
        let visible: bool = on_tx!(&mut tx, c => sqlx::query_scalar::<_, bool>(
            "SELECT COUNT(*) > 0 FROM inquiries WHERE id = $1 AND ($2 IS NULL OR assigned_to = $2)"
        ).bind(id).bind(scope.assigned_only()).fetch_one(c).await)?;
        if !visible {
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

    pub async fn set_inquiry_status(
        &self,
        scope: InboxScope,
        id: Uuid,
        status: InquiryStatus,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let who = scope.user;
        self.change_inquiry(scope, id, actor, "inquiry.status", now, move |tx| Box::pin(async move {
            on_tx!(tx, c => sqlx::query("UPDATE inquiries SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str()).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
            event(tx, id, Some(who), "status", status.label(), now).await
        })).await
    }

    /// Assigns to a therapist or owner (or nobody). Refuses accounts that cannot hold inquiries.
    pub async fn assign_inquiry(
        &self,
        scope: InboxScope,
        id: Uuid,
        to: Option<(UserId, String)>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let who = scope.user;
        self.change_inquiry(scope, id, actor, "inquiry.assigned", now, move |tx| Box::pin(async move {
            on_tx!(tx, c => sqlx::query("UPDATE inquiries SET assigned_to = $1, updated_at = $2 WHERE id = $3")
                .bind(to.as_ref().map(|t| t.0.as_uuid())).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
            let detail = to.map(|t| format!("Assigned to {}", t.1)).unwrap_or_else(|| "Unassigned".into());
            event(tx, id, Some(who), "assigned", &detail, now).await
        })).await
    }

    pub async fn add_inquiry_note(
        &self,
        scope: InboxScope,
        id: Uuid,
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
    pub async fn inbox_recipients(&self) -> Result<Vec<String>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_scalar(
            "SELECT email FROM users WHERE role IN ('owner', 'front_desk') AND disabled_at IS NULL ORDER BY email"
        ).fetch_all(c).await)?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("50%_a\\B"), "%50\\%\\_a\\\\b%");
    }
}
