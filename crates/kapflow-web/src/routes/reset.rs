//! Forgotten passwords: an emailed, single-use, one-hour link. The request page says the same
//! thing whether or not the address has an account.

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::AppError;
use crate::routes::invite::link_unusable;
use crate::views::auth::{ForgotPage, ResetPage};
use crate::views::layout::Layout;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::password::MIN_PASSWORD_CHARS;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::{looks_like_token, token_hash};
use kapflow_domain::{Actor, Email, NewPassword};
use kapflow_store::invitations::{IssuedLink, LinkStatus};
use kapflow_store::rate_limit::RateDecision;
use serde::Deserialize;
use time::Duration;

pub const RESET_LIFETIME: Duration = Duration::hours(1);

#[tracing::instrument(level = "debug", skip_all)]
pub async fn forgot_show(State(state): State<AppState>) -> Result<ForgotPage, AppError> {
    Ok(ForgotPage {
        layout: Layout::public(&state).await?,
        sent: false,
        email: String::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn forgot_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(form): Form<ForgotForm>,
) -> Result<Response, AppError> {
    let now = now_utc();
    let bucket = format!("reset-ip:{}", ip.as_deref().unwrap_or("unknown"));
    if let RateDecision::Limited { retry_after } = state
        .store
        .rate_limits()
        .hit(&bucket, now, Duration::minutes(15), 10)
        .await?
    {
        return Ok(crate::error::too_many_requests(retry_after));
    }
    if let Ok(email) = Email::parse(&form.email) {
        let token = crate::setup_link::new_token();
        let link = format!("{}{}", state.config.public_url, crate::paths::reset(&token));
        state
            .store
            .invitations()
            .request_password_reset(
                &email,
                &IssuedLink {
                    token_hash: &token_hash(&token),
                    link: &link,
                    expires_at: now + RESET_LIFETIME,
                },
                &Actor::anonymous(ip),
                now,
            )
            .await?;
    }
    Ok(ForgotPage {
        layout: Layout::public(&state).await?,
        sent: true,
        email: String::new(),
    }
    .into_response())
}

async fn usable(state: &AppState, token: &str) -> Result<LinkStatus<String>, AppError> {
    if !looks_like_token(token) {
        return Ok(LinkStatus::Unknown);
    }
    Ok(state
        .store
        .invitations()
        .reset_link_status(&token_hash(token), now_utc())
        .await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn reset_show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match usable(&state, &token).await? {
        LinkStatus::Valid(_) => Ok(ResetPage {
            layout: Layout::public(&state).await?,
            action: crate::paths::reset(&token),
            e: FieldErrors::default(),
            min_password: MIN_PASSWORD_CHARS,
        }
        .into_response()),
        other => link_unusable(&state, &other).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    password: String,
    password_confirm: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn reset_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let status = usable(&state, &token).await?;
    if !matches!(status, LinkStatus::Valid(_)) {
        return link_unusable(&state, &status).await;
    }
    let password = match NewPassword::parse(&form.password, &form.password_confirm) {
        Ok(p) => p,
        Err(e) => {
            let page = ResetPage {
                layout: Layout::public(&state).await?,
                action: crate::paths::reset(&token),
                e: FieldErrors::of("password", Some(e.to_string())),
                min_password: MIN_PASSWORD_CHARS,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let hash = crate::auth::password::hash(password).await?;
    match state
        .store
        .invitations()
        .complete_password_reset(&token_hash(&token), &hash, &Actor::anonymous(ip), now_utc())
        .await?
    {
        LinkStatus::Valid(_) => {
            Ok(Redirect::to(&format!("{}?reset=1", crate::paths::LOGIN)).into_response())
        }
        other => link_unusable(&state, &other).await,
    }
}
