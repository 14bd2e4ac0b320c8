//! kapflow's persistence: one `Store` over SQLite or PostgreSQL, chosen once from the URL.
//!
//! Every SQL text is shared by both backends (`$N` placeholders, `RETURNING`, `ON CONFLICT`);
//! `Db`/`Tx` carry the backend and the `on_db!`/`on_tx!` macros expand one statement for each.
//! Web code calls `Store` methods and never names a backend. Every state change writes its audit
//! row in the same transaction.

#[macro_use]
mod backend;
pub mod accounts;
pub mod alerts;
pub mod assessment;
pub mod audit;
pub mod check;
pub mod clients;
pub mod consents;
pub mod courses;
mod error;
pub mod idempotency;
pub mod inquiries;
pub mod invitations;
pub mod measures;
pub mod messages;
pub mod migrate;
pub mod outbox;
pub mod outcomes;
pub mod partner_orgs;
pub mod photos;
pub mod prescribing;
pub mod rate_limit;
pub mod sessions;
pub mod settings;
pub mod setup;
pub mod site;
pub mod target;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod users;

pub use backend::{Backend, Store, Tx};

/// The acting account's id as stored in `*_by` columns; `None` for the system or anonymous.
pub(crate) fn actor_uuid(actor: &kapflow_domain::Actor) -> Option<uuid::Uuid> {
    actor.user.map(|(u, _)| u.as_uuid())
}
pub use error::StoreError;
pub use target::{DatabaseTarget, TargetError};
