//! The practice's time zone for the work at hand: every request (and every round of the mail
//! worker) runs inside [`scope`], so formatting a time or finding "today" needs no argument
//! threaded through every view — the zone is part of the request's context, like its locale.
//!
//! Outside a scope (a unit test of a view) times read in UTC and say so.

use crate::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use kapflow_domain::zone::PracticeZone;
use kapflow_store::Store;
use time::{Date, OffsetDateTime};

tokio::task_local! {
    static ZONE: PracticeZone;
}

/// The zone of the request or worker round being served (UTC outside one).
pub fn current() -> PracticeZone {
    ZONE.try_with(PracticeZone::clone)
        .unwrap_or_else(|_| PracticeZone::utc())
}

/// The practice's date now.
pub fn today(now: OffsetDateTime) -> Date {
    ZONE.try_with(|z| z.today(now))
        .unwrap_or_else(|_| PracticeZone::utc().today(now))
}

/// Runs `work` in the practice's zone as the settings snapshot holds it. A database that
/// cannot be read leaves UTC (the page or round then reports the database's own error).
pub async fn within<F: Future>(store: &Store, work: F) -> F::Output {
    let zone = match store.settings().snapshot().await {
        Ok(s) => s.zone().clone(),
        Err(_) => PracticeZone::utc(),
    };
    ZONE.scope(zone, work).await
}

/// Middleware: every request runs in the practice's zone.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    within(&state.store, next.run(req)).await
}
