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

/// One delivery round; returns how many outbox rows were delivered.
pub async fn deliver_due(
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
        let result = match item.email() {
            Ok(email) => send(store, ctx, &email).await,
            Err(why) => Err(why.to_owned()),
        };
        match result {
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
                tracing::warn!(error = %e, attempts = item.attempts, "outbox delivery failed; will retry");
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

/// Sends one message to each of its recipients.
async fn send(store: &Store, ctx: &MailContext, email: &Email) -> Result<(), String> {
    let composed = compose(store, ctx, email).await?;
    for msg in messages(ctx, &composed)? {
        ctx.mailer.send(msg).await?;
    }
    Ok(())
}
