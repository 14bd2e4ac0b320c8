//! The portal's half of the access check: only a client, fully signed in, whose account
//! belongs to a record; the record comes from the account and reaches the handler as
//! `PortalClient`. Also the one way a refusal is audited and answered.

use crate::AppState;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use kapflow_domain::{Actor, AuditOutcome, Role};

/// The store's proof that the signed-in client's record is the one a portal handler acts on,
/// as a handler argument (only `Access::Portal` routes have one).
#[derive(Clone, Copy, Debug)]
pub struct PortalClient(pub kapflow_store::portal::PortalAccess);

impl std::ops::Deref for PortalClient {
    type Target = kapflow_store::portal::PortalAccess;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Records a refusal of `path` and answers it with `status`.
pub(super) async fn refused(
    state: &AppState,
    actor: &Actor,
    path: &str,
    now: time::OffsetDateTime,
    why: &'static str,
    status: AppError,
) -> Response {
    let entry = actor
        .entry("access.denied", now)
        .record("route", path)
        .outcome(AuditOutcome::Denied, Some(why));
    match state.store.audit().record(&entry).await {
        Ok(()) => status.into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// Decides a `Portal` route: only a client whose account belongs to a record. Staff are refused
/// 403; a client account without a record 404; both audited. Every read is audited, committed
/// before the page is sent.
pub(super) async fn portal_check(
    state: &AppState,
    record: &kapflow_store::sessions::SessionRecord,
    actor: &Actor,
    read: bool,
    path: &str,
    now: time::OffsetDateTime,
) -> Result<PortalClient, Response> {
    if record.user.role != Role::Client {
        return Err(refused(
            state,
            actor,
            path,
            now,
            "the portal is for clients",
            AppError::Forbidden,
        )
        .await);
    }
    let access = match state.store.portal().access(record.user.id).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            let why = "no client record for this account";
            return Err(refused(state, actor, path, now, why, AppError::NotFound).await);
        }
        Err(e) => return Err(AppError::from(e).into_response()),
    };
    if read {
        let entry = actor
            .entry("portal.viewed", now)
            .record("route", path)
            .client(access.client());
        if let Err(e) = state.audit_reads().record(entry).await {
            return Err(AppError::from(e).into_response());
        }
    }
    Ok(PortalClient(access))
}

impl<S: Send + Sync> FromRequestParts<S> for PortalClient {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        // Only `Access::Portal` routes carry it; a handler asking elsewhere is a wiring bug.
        parts
            .extensions
            .get::<PortalClient>()
            .copied()
            .ok_or_else(|| AppError::internal("portal route without a portal access check"))
    }
}
