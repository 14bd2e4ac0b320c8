//! The first-run owner setup link: `GET` shows the form, `POST` creates the owner once.

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::AppError;
use crate::paths;
use crate::views::auth::{SetupDonePage, SetupFormPage, SetupUnavailablePage, SetupValues};
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
use kapflow_domain::{Email, NewPassword};
use kapflow_store::setup::{OwnerSetup, SetupLinkStatus};
use serde::Deserialize;

pub const MAX_NAME_CHARS: usize = 120;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetupForm {
    practice_name: String,
    time_zone: String,
    display_name: String,
    email: String,
    password: String,
    password_confirm: String,
}

fn unavailable(status: SetupLinkStatus) -> Response {
    let (code, reason) = match status {
        SetupLinkStatus::AlreadyUsed => (
            StatusCode::GONE,
            "This practice has already been set up, so the link no longer works. The owner signs in instead.",
        ),
        SetupLinkStatus::Expired => (
            StatusCode::GONE,
            "This setup link has expired. Restart kapflow to print a new one.",
        ),
        SetupLinkStatus::Unknown | SetupLinkStatus::Valid => (
            StatusCode::NOT_FOUND,
            "This is not a setup link kapflow issued. Copy the whole link from the console where kapflow was started.",
        ),
    };
    let page = SetupUnavailablePage {
        layout: Layout::plain("kapflow"),
        reason,
    };
    (code, page).into_response()
}

fn form_page(token: &str, values: SetupValues, e: FieldErrors) -> SetupFormPage {
    SetupFormPage {
        layout: Layout::plain("kapflow"),
        action: paths::setup(token),
        values,
        e,
        min_password: MIN_PASSWORD_CHARS,
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !looks_like_token(&token) {
        return Ok(unavailable(SetupLinkStatus::Unknown));
    }
    let status = state
        .store
        .setup()
        .link_status(&token_hash(&token), now_utc())
        .await?;
    if status != SetupLinkStatus::Valid {
        return Ok(unavailable(status));
    }
    Ok(form_page(&token, SetupValues::default(), FieldErrors::default()).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ClientIp(ip): ClientIp,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    if !looks_like_token(&token) {
        return Ok(unavailable(SetupLinkStatus::Unknown));
    }
    let hash = token_hash(&token);
    let values = SetupValues {
        practice_name: form.practice_name.clone(),
        time_zone: form.time_zone.clone(),
        display_name: form.display_name.clone(),
        email: form.email.clone(),
    };
    let mut errors = FieldErrors::default();
    let practice_name = errors.take(
        "practice_name",
        required_line(&form.practice_name, MAX_NAME_CHARS, "the practice's name"),
    );
    let zone = errors.take(
        "time_zone",
        if form.time_zone.trim().is_empty() {
            Err("Choose the practice's time zone: every date and time is shown in it.".to_owned())
        } else {
            kapflow_domain::zone::PracticeZone::named(&form.time_zone).map_err(|e| e.to_string())
        },
    );
    let display_name = errors.take(
        "display_name",
        required_line(&form.display_name, MAX_NAME_CHARS, "your name"),
    );
    let email = errors.take(
        "email",
        Email::parse(&form.email).map_err(|e| e.to_string()),
    );
    let password = errors.take(
        "password",
        NewPassword::parse(&form.password, &form.password_confirm).map_err(|e| e.to_string()),
    );
    let (Some(practice_name), Some(zone), Some(display_name), Some(email), Some(password)) =
        (practice_name, zone, display_name, email, password)
    else {
        // Check the link first so a spent link never shows a form that cannot succeed.
        let status = state.store.setup().link_status(&hash, now_utc()).await?;
        if status != SetupLinkStatus::Valid {
            return Ok(unavailable(status));
        }
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&token, values, errors),
        )
            .into_response());
    };

    let password_hash = crate::auth::password::hash(password).await?;
    let owner = OwnerSetup {
        practice_name: &practice_name,
        time_zone: Some(zone.name()),
        display_name: &display_name,
        email: &email,
        password_hash: &password_hash,
        ip,
    };
    match state
        .store
        .setup()
        .complete(&hash, &owner, now_utc())
        .await?
    {
        Ok(_) => {
            state.site.invalidate().await;
            Ok(SetupDonePage {
                layout: Layout::plain(practice_name),
                owner_email: email.to_string(),
            }
            .into_response())
        }
        Err(status) => Ok(unavailable(status)),
    }
}
