//! Group commit for audit rows of reads. Every view of a client's record must be in the audit
//! trail before the page is sent; committing each alone costs one fsync per page view. Requests
//! hand their row to one task that appends whatever has queued up meanwhile in a single
//! transaction and tells each waiting request once it is durable — so a page is still never
//! sent unaudited, but a burst of views shares one commit. Nothing that matters waits here:
//! a row not yet committed belongs to a request that has not answered yet.

use kapflow_domain::AuditEntry;
use kapflow_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

/// Rows committed together at most.
const MAX_BATCH: usize = 256;

type Job = (AuditEntry, oneshot::Sender<Result<(), String>>);

#[derive(Clone)]
pub struct AuditBatcher {
    tx: mpsc::Sender<Job>,
}

impl AuditBatcher {
    /// Starts the committing task (needs a Tokio runtime).
    pub fn spawn(store: Store) -> AuditBatcher {
        let (tx, mut rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let entries: Vec<AuditEntry> = jobs.iter().map(|(e, _)| e.clone()).collect();
                let result = store
                    .audit()
                    .record_many(&entries)
                    .await
                    .map_err(|e| e.to_string());
                for (_, reply) in jobs {
                    let _ = reply.send(result.clone());
                }
            }
        });
        AuditBatcher { tx }
    }

    /// Returns once `entry` is committed.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), StoreError> {
        let (reply, done) = oneshot::channel();
        self.tx
            .send((entry, reply))
            .await
            .map_err(|_| StoreError::Unavailable("audit writer stopped".into()))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Unavailable(e)),
            Err(_) => Err(StoreError::Unavailable("audit writer stopped".into())),
        }
    }
}
