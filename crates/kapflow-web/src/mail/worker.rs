//! The outbox worker: leases due messages, sends them, records delivery or failure.

use super::MailContext;
use super::compose::{compose, messages};
use kapflow_domain::time_util::now_utc;
use kapflow_store::Store;
use kapflow_store::outbox::Email;
use std::time::Duration;

/// Delivers due `email` outbox rows until `shutdown` resolves. At-least-once: a row is marked
/// delivered only after the transport accepted it; a crash before that redelivers it after
/// the lease runs out (on this instance after a restart, or on another).
pub async fn run_outbox_worker(
    store: Store,
    ctx: MailContext,
    worker_id: String,
    every: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut shutdown = shutdown;
    loop {
        if *shutdown.borrow() {
            return;
        }
        // Unacknowledged alerts past their deadline go to the owner (queued, then delivered
        // in this same round).
        match store.alerts().escalate_due(now_utc()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(escalated = n, "safety alerts escalated"),
            Err(e) => tracing::warn!(error = %e, "alert escalation round failed"),
        }
        // Questionnaires due go out by themselves (queued, then delivered in this round).
        match super::follow_ups::send_due(&store, &ctx, now_utc()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(emailed = n, "questionnaires emailed"),
            Err(e) => tracing::warn!(error = %e, "questionnaire round failed"),
        }
        // Appointment reminders due go out the same way.
        match super::reminders::queue_due(&store, now_utc()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "appointment reminders queued"),
            Err(e) => tracing::warn!(error = %e, "reminder round failed"),
        }
        match deliver_due(&store, &ctx, &worker_id).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(delivered = n, "outbox"),
            Err(e) => tracing::warn!(error = %e, "outbox delivery round failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// One delivery round; returns how many outbox rows were delivered. Emails are composed now,
/// so their times read in the practice's zone as it is set at delivery.
pub async fn deliver_due(
    store: &Store,
    ctx: &MailContext,
    worker_id: &str,
) -> Result<usize, String> {
    crate::practice_zone::within(store, deliver_due_in_zone(store, ctx, worker_id)).await
}

async fn deliver_due_in_zone(
    store: &Store,
    ctx: &MailContext,
    worker_id: &str,
) -> Result<usize, String> {
    let now = now_utc();
    let items = store
        .outbox()
        .lease(worker_id, now, time::Duration::minutes(2), 20)
        .await
        .map_err(|e| e.to_string())?;
    let mut delivered = 0;
    for item in items {
        let email = match item.email() {
            Ok(email) => email,
            Err(why) => {
                // Retrying cannot help a message kapflow cannot read: keep it undelivered,
                // never lease it again, and let the owner and the operator see it.
                tracing::error!(outbox_id = %item.id, reason = why, "outbox message cannot be read; not sent");
                metrics::counter!(UNDELIVERABLE).increment(1);
                store
                    .outbox()
                    .undeliverable(item.id, worker_id, why, now_utc())
                    .await
                    .map_err(|e| e.to_string())?;
                continue;
            }
        };
        match send(store, ctx, &email)
            .await
            .map_err(|e| without_addresses(&e))
        {
            Ok(()) => {
                store
                    .outbox()
                    .delivered(item.id, worker_id, now_utc())
                    .await
                    .map_err(|e| e.to_string())?;
                delivered += 1;
            }
            Err(e) => {
                // Back off: 1, 2, 4 … minutes, at most an hour.
                let backoff = time::Duration::minutes(1i64 << item.attempts.clamp(0, 6));
                tracing::warn!(outbox_id = %item.id, error = %e, attempts = item.attempts, "outbox delivery failed; will retry");
                store
                    .outbox()
                    .failed(item.id, worker_id, &e, now_utc() + backoff)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(delivered)
}

/// Counts messages given up on because they cannot be read (Prometheus).
pub const UNDELIVERABLE: &str = "kapflow_mail_undeliverable_total";

/// `error` with every word that holds an `@` replaced: a mail server's refusal often quotes the
/// recipient's address, which is a client's personal data and belongs in no log.
fn without_addresses(error: &str) -> String {
    error
        .split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sends one message to each of its recipients.
async fn send(store: &Store, ctx: &MailContext, email: &Email) -> Result<(), String> {
    let composed = compose(store, ctx, email).await?;
    for msg in messages(ctx, &composed)? {
        ctx.mailer.send(msg).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_never_reach_a_log_line() {
        assert_eq!(
            super::without_addresses("550 5.1.1 <jo@example.org>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
        assert_eq!(
            super::without_addresses("connection refused"),
            "connection refused"
        );
    }
}
