//! Accepting a staff invitation: the invitee chooses their name and password.

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::AppError;
use crate::routes::setup::MAX_NAME_CHARS;
use crate::views::auth::{InviteAcceptPage, MessagePage};
use crate::views::layout::Layout;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::password::MIN_PASSWORD_CHARS;
use kapflow_domain::text::required_line;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::{looks_like_token, token_hash};
use kapflow_domain::{Actor, NewPassword};
use kapflow_store::invitations::{Invitation, LinkStatus};
use serde::Deserialize;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn link_unusable<T>(
    state: &AppState,
    status: &LinkStatus<T>,
) -> Result<Response, AppError> {
    let (code, title, body) = match status {
        LinkStatus::Used => (
            StatusCode::GONE,
            "This link has been used",
            "Each link works once. If you still need access, ask the practice for a new one.",
        ),
        LinkStatus::Expired => (
            StatusCode::GONE,
            "This link has expired",
            "Ask the practice for a new one.",
        ),
        LinkStatus::AccountExists => (
            StatusCode::CONFLICT,
            "You already have an account",
            "An account with this email address exists already, so this invitation cannot make another. Sign in with it; if you have forgotten its password, choose “Forgot your password?” on the sign-in page.",
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "Copy the whole link from the email, or ask the practice for a new one.",
        ),
    };
    let link =
        matches!(status, LinkStatus::AccountExists).then_some((crate::paths::LOGIN, "Sign in"));
    let page = MessagePage {
        layout: Layout::public(state).await?,
        title,
        body,
        link,
    };
    Ok((code, page).into_response())
}

async fn status(state: &AppState, token: &str) -> Result<LinkStatus<Invitation>, AppError> {
    if !looks_like_token(token) {
        return Ok(LinkStatus::Unknown);
    }
    Ok(state
        .store
        .invitations()
        .status(&token_hash(token), now_utc())
        .await?)
}

fn form_page(
    layout: Layout,
    token: &str,
    inv: &Invitation,
    display_name: String,
    name_error: Option<String>,
    password_error: Option<String>,
) -> InviteAcceptPage {
    InviteAcceptPage {
        layout,
        action: crate::paths::invite(token),
        email: inv.email.clone(),
        role_label: if inv.role == kapflow_domain::Role::Client {
            "a client of the practice"
        } else {
            inv.role.label()
        },
        display_name,
        e: {
            let mut e = FieldErrors::of("display_name", name_error);
            if let Some(m) = password_error {
                e.add("password", m);
            }
            e
        },
        min_password: MIN_PASSWORD_CHARS,
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match status(&state, &token).await? {
        LinkStatus::Valid(inv) => Ok(form_page(
            Layout::public(&state).await?,
            &token,
            &inv,
            String::new(),
            None,
            None,
        )
        .into_response()),
        other => link_unusable(&state, &other).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AcceptForm {
    display_name: String,
    password: String,
    password_confirm: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, AppError> {
    let inv = match status(&state, &token).await? {
        LinkStatus::Valid(inv) => inv,
        other => return link_unusable(&state, &other).await,
    };
    let name = required_line(&form.display_name, MAX_NAME_CHARS, "your name");
    let password =
        NewPassword::parse(&form.password, &form.password_confirm).map_err(|e| e.to_string());
    let (Ok(name), Ok(password)) = (&name, password.clone()) else {
        let page = form_page(
            Layout::public(&state).await?,
            &token,
            &inv,
            form.display_name,
            name.err(),
            password.err(),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let hash = crate::auth::password::hash(password).await?;
    match state
        .store
        .invitations()
        .accept(
            &token_hash(&token),
            name,
            &hash,
            &Actor::anonymous(ip),
            now_utc(),
        )
        .await?
    {
        LinkStatus::Valid(_) => {
            let page = MessagePage {
                layout: Layout::public(&state).await?,
                title: "Your account is ready",
                body: "Sign in now. You will then set up two-step sign-in with an authenticator app; staff accounts need it before they can see anything.",
                link: Some((crate::paths::LOGIN, "Sign in")),
            };
            Ok(page.into_response())
        }
        other => link_unusable(&state, &other).await,
    }
}
