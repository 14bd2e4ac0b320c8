//! The client portal's side of the store: the proof that a signed-in person is a client and
//! which client record is theirs, and everything the portal reads and writes with it.
//!
//! The client's record comes from their account (`users.client_id`), never from a request: a
//! [`PortalAccess`] can only be made here, from a user id the session vouched for, so every
//! portal read and write is scoped to that one client in SQL.

mod forms;
mod invite;
mod journal;
mod messages;
mod reads;

pub use invite::{PortalInviteRefused, PortalStatus};
pub use journal::JournalEntry;
pub use reads::{DueQuestionnaire, PortalAppointment, ScoreRow};

use crate::StoreError;
use kapflow_domain::{ClientId, UserId};

crate::topic!(
    /// The client portal: invitations, the client's own pages, their journal and messages.
    Portal
);

/// Proof that the signed-in person is the client of this record (only [`Portal::access`]
/// makes one).
#[derive(Clone, Copy, Debug)]
pub struct PortalAccess {
    client: ClientId,
    user: UserId,
}

impl PortalAccess {
    pub fn client(&self) -> ClientId {
        self.client
    }
    pub fn user(&self) -> UserId {
        self.user
    }
    /// The client's reading of their whole designated record set (the right of access: a copy
    /// of everything but psychotherapy notes, which no read taking this proof returns).
    pub fn whole_record(&self) -> crate::ClinicalAccess {
        crate::ClinicalAccess::own_record(self.client, self.user)
    }
}

impl Portal<'_> {
    /// The client record of `user`'s portal account: none for staff, for a disabled account or
    /// for a client account whose record is gone.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn access(&self, user: UserId) -> Result<Option<PortalAccess>, StoreError> {
        let client: Option<uuid::Uuid> = self
            .store
            .db
            .scalar_optional(
                "SELECT u.client_id FROM users u JOIN clients c ON c.id = u.client_id WHERE \
                 u.id = $1 AND u.role = 'client' AND u.disabled_at IS NULL",
                args![user],
            )
            .await?;
        Ok(client.map(|c| PortalAccess {
            client: ClientId::from_uuid(c),
            user,
        }))
    }

    /// The client's legal name (their signature must match it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn legal_name(&self, access: &PortalAccess) -> Result<String, StoreError> {
        self.store
            .db
            .scalar(
                "SELECT legal_name FROM clients WHERE id = $1",
                args![access.client],
            )
            .await
    }

    /// The name the portal greets the client by (their preferred name, else their legal name).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn greeting_name(&self, access: &PortalAccess) -> Result<String, StoreError> {
        self.store
            .db
            .scalar(
                "SELECT COALESCE(NULLIF(preferred_name, ''), legal_name) FROM clients WHERE \
                 id = $1",
                args![access.client],
            )
            .await
    }
}
