//! The client's secure messages with their care team, each perhaps with a photo or a PDF. The
//! care team hears of a new message by an email that says only that there is one.

use super::OnPortal;
use crate::attachment::{ACCEPT, download, link, message_and_file};
use crate::error::AppError;
use crate::time_fmt::when;
use crate::upload::Posted;
use crate::views::portal::{MessagesPage, ThreadMessage};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{AttachmentId, Role};
use kapflow_store::message_attachments::NewAttachment;

async fn page(on: &OnPortal, body: String, e: FieldErrors) -> Result<MessagesPage, AppError> {
    let list = on.0.store.portal().messages(&on.2).await?;
    let (layout, f) = on.frame().await?;
    let settings = on.0.store.settings().snapshot().await?;
    let max_mb = crate::portal_settings::read(&settings).attachment_mb;
    Ok(MessagesPage {
        layout,
        f,
        messages: list
            .into_iter()
            .map(|m| ThreadMessage {
                at: when(m.at),
                mine: m.author_role == Role::Client,
                file: link(&m, crate::paths::portal_message_file),
                author: m.author,
                body: m.body,
            })
            .collect(),
        body,
        e,
        key: crate::routes::clients::form_key(),
        max_mb,
        accept: ACCEPT,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(on: OnPortal) -> Result<MessagesPage, AppError> {
    page(&on, String::new(), FieldErrors::default()).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn send(on: OnPortal, posted: Posted) -> Result<Response, AppError> {
    let typed = posted.text("body").to_owned();
    let settings = on.0.store.settings().snapshot().await?;
    let max_mb = crate::portal_settings::read(&settings).attachment_mb;
    let (body, file, e) = message_and_file(&posted, max_mb);
    let Some(body) = body.filter(|_| e.is_empty()) else {
        let p = page(&on, typed, e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let file = file.as_ref().map(|c| NewAttachment {
        file_name: &c.file_name,
        content_type: c.content_type,
        bytes: &c.bytes,
    });
    on.0.store
        .portal()
        .send_message(&on.2, &body, file, &on.1.actor(), now_utc())
        .await?;
    Ok(Redirect::to(crate::paths::PORTAL_MESSAGES).into_response())
}

/// One file of the client's own thread; another's id is answered as if it did not exist.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn file(on: OnPortal, Path(file): Path<String>) -> Result<Response, AppError> {
    let found = match AttachmentId::parse(&file) {
        Some(id) => on.0.store.portal().attachment(&on.2, id).await?,
        None => None,
    };
    match found {
        Some(f) => Ok(download(f)),
        None => Err(on.not_theirs("message_file").await),
    }
}
