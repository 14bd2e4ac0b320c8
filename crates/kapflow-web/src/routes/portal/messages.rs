//! The client's secure messages with their care team. The care team hears of a new message by
//! an email that says only that there is one.

use super::OnPortal;
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::portal::{MessagesPage, ThreadMessage};
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::Role;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::prescribing::message_body;
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

async fn page(on: &OnPortal, body: String, e: FieldErrors) -> Result<MessagesPage, AppError> {
    let list = on.0.store.portal().messages(&on.2).await?;
    let (layout, f) = on.frame().await?;
    Ok(MessagesPage {
        layout,
        f,
        messages: list
            .into_iter()
            .map(|m| ThreadMessage {
                at: when(m.at),
                mine: m.author_role == Role::Client,
                author: m.author,
                body: m.body,
            })
            .collect(),
        body,
        e,
        key: crate::routes::clients::form_key(),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(on: OnPortal) -> Result<MessagesPage, AppError> {
    page(&on, String::new(), FieldErrors::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MessageForm {
    body: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn send(on: OnPortal, Form(f): Form<MessageForm>) -> Result<Response, AppError> {
    let body = match message_body(&f.body) {
        Ok(b) => b,
        Err(e) => {
            let p = page(&on, f.body, e).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    on.0.store
        .portal()
        .send_message(&on.2, &body, &on.1.actor(), now_utc())
        .await?;
    Ok(Redirect::to(crate::paths::PORTAL_MESSAGES).into_response())
}
