//! The owner's staff management: invitations, disabling, role changes (with step-up), MFA resets.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::views::layout::Layout;
use crate::views::staff::{PendingInvitationRow, StaffPage, StaffRow};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Email, OrgId, Role, UserId};
use kapflow_store::accounts::AccountChangeRefused;
use kapflow_store::invitations::{InviteRefused, IssuedLink};
use serde::Deserialize;
use time::Duration;

pub const INVITATION_LIFETIME: Duration = Duration::days(3);

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .filter(|r| r.is_staff())
        .map(|r| (r.as_str(), r.label()))
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffQuery {
    done: Option<String>,
}

fn notice_for(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "invited" => "Invitation sent.",
            "disabled" => "The account is disabled and signed out everywhere.",
            "role" => "The role is changed; that person signs in again to use it.",
            "mfa" => "Two-step sign-in was reset; that person sets it up again at next sign-in.",
            "revoked" => "The invitation is withdrawn; its link no longer works.",
            "org" => "Partner organisation added.",
            "org_renamed" => "Partner organisation renamed.",
            "org_member" => "The prescriber's organisation is saved.",
            _ => return None,
        }
        .to_owned(),
    )
}

pub(crate) async fn page(
    state: &AppState,
    owner: &OwnerUser,
    invite_email: String,
    invite_role: &'static str,
    invite_error: Option<String>,
    notice: Option<String>,
) -> Result<StaffPage, AppError> {
    let me = owner.0.id();
    let listing = state.store.users().staff().await?;
    let mut orgs_of = std::collections::HashMap::new();
    for l in listing.iter().filter(|l| l.user.role == Role::Prescriber) {
        if let Some(org) = state.store.partner_orgs().of(l.user.id).await? {
            orgs_of.insert(l.user.id, org.to_string());
        }
    }
    let rows = listing
        .into_iter()
        .filter(|l| l.user.role.is_staff())
        .map(|l| StaffRow {
            org: orgs_of.get(&l.user.id).cloned().unwrap_or_default(),
            id: l.user.id,
            name: l.user.display_name,
            email: l.user.email,
            role: l.user.role.as_str(),
            role_label: l.user.role.label(),
            mfa: l.mfa_enrolled,
            disabled: l.user.disabled,
            is_self: l.user.id == me,
            last_active: l
                .last_seen_at
                .map(crate::time_fmt::when)
                .unwrap_or_else(|| "never".into()),
        })
        .collect();
    Ok(StaffPage {
        layout: Layout::for_user(state, &owner.0).await?,
        csrf: owner.0.csrf().to_owned(),
        rows,
        pending: state
            .store
            .invitations()
            .pending(now_utc())
            .await?
            .into_iter()
            .map(|p| PendingInvitationRow {
                role_label: p.role.label(),
                email: p.email,
                expires: crate::time_fmt::when(p.expires_at),
            })
            .collect(),
        roles: roles(),
        invite_email,
        invite_role,
        e: kapflow_domain::form::FieldErrors::of("email", invite_error),
        notice,
        orgs: crate::views::org_choices(state).await?,
        invite_org: String::new(),
        org_name: String::new(),
        renaming: (String::new(), String::new()),
        mail: state
            .store
            .outbox()
            .troubles(50)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<StaffQuery>,
) -> Result<StaffPage, AppError> {
    page(
        &state,
        &owner,
        String::new(),
        "therapist",
        None,
        notice_for(q.done.as_deref()),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    role: String,
    /// A prescriber's partner organisation (an id), set when they accept.
    org: String,
}

/// Creates an invitation and queues its email; returns the link (the CLI prints it).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_invitation(
    state: &AppState,
    email: &Email,
    role: Role,
    org: Option<OrgId>,
    actor: &kapflow_domain::Actor,
) -> Result<Result<String, InviteRefused>, AppError> {
    let token = crate::setup_link::new_token();
    let link = format!(
        "{}{}",
        state.config.public_url,
        crate::paths::invite(&token)
    );
    let now = now_utc();
    Ok(state
        .store
        .invitations()
        .create(
            email,
            role,
            org,
            &IssuedLink {
                token_hash: &token_hash(&token),
                link: &link,
                expires_at: now + INVITATION_LIFETIME,
            },
            actor,
            now,
        )
        .await?
        .map(|()| link))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn invite(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let role = Role::parse(&form.role).filter(|r| r.is_staff() && *r != Role::Owner);
    let role_str = role.map(Role::as_str).unwrap_or("therapist");
    // The form as it was sent, with the refusal beside its field.
    let refused = async |message: String| -> Result<Response, AppError> {
        let mut p = page(
            &state,
            &owner,
            form.email.clone(),
            role_str,
            Some(message),
            None,
        )
        .await?;
        p.invite_org = form.org.clone();
        Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
    };
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(e) => return refused(e.to_string()).await,
    };
    let Some(role) = role else {
        return refused("Choose a role.".into()).await;
    };
    // Only a prescriber belongs to a partner organisation; the choice is ignored for others.
    let org = match role {
        Role::Prescriber => crate::routes::partner_orgs::chosen(&state, &form.org).await?,
        _ => None,
    };
    match create_invitation(&state, &email, role, org, &owner.0.actor()).await? {
        Ok(_) => Ok(Redirect::to(&format!("{}?done=invited", crate::paths::STAFF)).into_response()),
        Err(InviteRefused::AccountExists) => {
            refused("Someone with this address already has an account.".into()).await
        }
    }
}

fn target(id: &str) -> Result<UserId, AppError> {
    UserId::parse(id).ok_or(AppError::NotFound)
}

fn outcome(r: Result<(), AccountChangeRefused>, done: &str) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(
            Redirect::to(&crate::paths::done(crate::paths::STAFF.to_owned(), done)).into_response(),
        ),
        Err(AccountChangeRefused::NotFound) => Err(AppError::NotFound),
        Err(AccountChangeRefused::OwnAccount) => Err(AppError::Forbidden),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn disable(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let r = state
        .store
        .accounts()
        .disable_user(target(&id)?, &owner.0.actor(), now_utc())
        .await?;
    outcome(r, "disabled")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn change_role(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    let user = target(&id)?;
    let Some(role) = Role::parse(&form.role).filter(|r| r.is_staff()) else {
        return Err(AppError::BadRequest);
    };
    let r = state
        .store
        .accounts()
        .change_role(user, role, &owner.0.actor(), now_utc())
        .await?;
    outcome(r, "role")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn reset_mfa(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let r = state
        .store
        .accounts()
        .reset_mfa(target(&id)?, &owner.0.actor(), now_utc())
        .await?;
    outcome(r, "mfa")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    email: String,
}

/// Withdraws the open invitation(s) of an address.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let email = Email::parse(&form.email).map_err(|_| AppError::BadRequest)?;
    if state
        .store
        .invitations()
        .revoke(&email, &owner.0.actor(), now_utc())
        .await?
        == 0
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("{}?done=revoked", crate::paths::STAFF)).into_response())
}
