//! Inviting a client to the portal from their record (therapist, front desk, owner): a
//! single-use link to the address on the record, valid for the practice's setting; and
//! withdrawing it; switching the client's account off (a lost phone, care that ended) and back
//! on; resetting its second factor when the client has lost it.

use super::OnClient;
use crate::error::AppError;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_store::invitations::IssuedLink;
use kapflow_store::portal::PortalInviteRefused;
use time::Duration;

fn back(access: &crate::auth::ClientAccess, done: &str) -> Response {
    Redirect::to(&format!(
        "{}?done={done}",
        crate::paths::client(access.client())
    ))
    .into_response()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn invite(OnClient(state, user, access): OnClient) -> Result<Response, AppError> {
    let settings = state.store.settings().snapshot().await?;
    let days = crate::portal_settings::read(&settings).invitation_days;
    let token = crate::setup_link::new_token();
    let link = format!(
        "{}{}",
        state.config.public_url,
        crate::paths::invite(&token)
    );
    let now = now_utc();
    let sent = state
        .store
        .portal()
        .invite(
            &access,
            &IssuedLink {
                token_hash: &token_hash(&token),
                link: &link,
                expires_at: now + Duration::days(i64::from(days)),
            },
            days,
            &user.0.actor(),
            now,
        )
        .await?;
    Ok(back(
        &access,
        match sent {
            Ok(()) => "portal-invited",
            Err(PortalInviteRefused::NoEmail) => "portal-no-email",
            Err(PortalInviteRefused::HasAccount) => "portal-has-account",
            Err(PortalInviteRefused::AddressTaken) => "portal-taken",
        },
    ))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AccessForm {
    on: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn access(
    OnClient(state, user, access): OnClient,
    axum::Form(f): axum::Form<AccessForm>,
) -> Result<Response, AppError> {
    let on = f.on == "true";
    state
        .store
        .portal()
        .set_access(&access, on, &user.0.actor(), now_utc())
        .await?;
    Ok(back(&access, if on { "portal-on" } else { "portal-off" }))
}

/// Clears the second factor of the client's portal account (after the staff member has
/// confirmed who is asking, and with a fresh second step of their own): the client enrols a new
/// one at their next sign-in.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn reset_second_factor(
    OnClient(state, user, access): OnClient,
) -> Result<Response, AppError> {
    let reset = state
        .store
        .portal()
        .reset_second_factor(&access, &user.0.actor(), now_utc())
        .await?;
    if !reset {
        return Err(AppError::NotFound);
    }
    Ok(back(&access, "portal-reset"))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn withdraw(OnClient(state, user, access): OnClient) -> Result<Response, AppError> {
    state
        .store
        .portal()
        .withdraw(&access, &user.0.actor(), now_utc())
        .await?;
    Ok(back(&access, "portal-withdrawn"))
}
