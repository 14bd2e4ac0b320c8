//! The signed-in person, as the access middleware found them, and role-typed extractors: a
//! handler that takes `OwnerUser` cannot run for anyone else, whatever the route table says.

use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kapflow_domain::{Actor, Role, SessionId, UserId};
use kapflow_store::sessions::SessionRecord;

/// Put into the request by `access::enforce` for every route that needs a session.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub session: SessionRecord,
    pub ip: Option<String>,
}

impl CurrentUser {
    pub fn id(&self) -> UserId {
        self.session.user.id
    }
    pub fn role(&self) -> Role {
        self.session.user.role
    }
    pub fn session_id(&self) -> SessionId {
        self.session.id
    }
    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }
    /// The audit actor for what this person does in this request.
    pub fn actor(&self) -> Actor {
        Actor::user(
            self.id(),
            self.role(),
            Some(self.session_id()),
            self.ip.clone(),
        )
    }
    /// Signed in with both factors.
    pub fn fully_signed_in(&self) -> bool {
        self.session.mfa_verified
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Missing only if a route needing a person was registered as public: refuse.
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(AppError::Forbidden)
    }
}

/// A staff member who has passed the second factor.
#[derive(Clone, Debug)]
pub struct StaffUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for StaffUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let u = CurrentUser::from_request_parts(parts, s).await?;
        if u.role().is_staff() && u.fully_signed_in() {
            Ok(StaffUser(u))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The practice's owner, having passed the second factor.
#[derive(Clone, Debug)]
pub struct OwnerUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for OwnerUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let StaffUser(u) = StaffUser::from_request_parts(parts, s).await?;
        if u.role() == Role::Owner {
            Ok(OwnerUser(u))
        } else {
            Err(AppError::Forbidden)
        }
    }
}
