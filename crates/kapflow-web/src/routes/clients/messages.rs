//! A client's messages, kept on the client: the care team with the prescriber, and the care
//! team with the client (the portal's thread, where a reply may carry a photo or a PDF).

use super::OnClient;
use crate::attachment::{download, message_and_file};
use crate::error::AppError;
use crate::upload::Posted;
use crate::views::clients::messages::{MessagesPage, Typed, page};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::AttachmentId;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::portal::Thread;
use kapflow_domain::time_util::now_utc;
use kapflow_store::message_attachments::NewAttachment;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(OnClient(state, user, access): OnClient) -> Result<MessagesPage, AppError> {
    page(&state, &user, access, Typed::none()).await
}

/// The form's fields: `body`, `thread` ("client" for a reply in the client's thread; anything
/// else is the prescriber's thread) and, in the client's thread, `file`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn post(
    OnClient(state, user, access): OnClient,
    posted: Posted,
) -> Result<Response, AppError> {
    let thread = Thread::parse(posted.text("thread")).unwrap_or(Thread::Team);
    if thread == Thread::Team && posted.file.is_some() {
        // The prescriber's thread has no file field; only a hand-made request sends one.
        return Err(AppError::BadRequest);
    }
    let settings = state.store.settings().snapshot().await?;
    let max_mb = crate::portal_settings::read(&settings).attachment_mb;
    let (body, file, e) = message_and_file(&posted, max_mb);
    let Some(body) = body.filter(|_| e.is_empty()) else {
        let typed = posted.text("body").to_owned();
        let typed = match thread {
            Thread::Team => Typed {
                body: typed,
                reply: String::new(),
                e,
            },
            // The reply's text box is `reply` on a page with two message boxes.
            Thread::Client => {
                let mut renamed = FieldErrors::in_form_order(&["reply", "file"]);
                for (field, m) in e.iter() {
                    renamed.add(if field == "body" { "reply" } else { field }, m);
                }
                Typed {
                    body: String::new(),
                    reply: typed,
                    e: renamed,
                }
            }
        };
        let p = page(&state, &user, access, typed).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let file = file.as_ref().map(|c| NewAttachment {
        file_name: &c.file_name,
        content_type: c.content_type,
        bytes: &c.bytes,
    });
    if !state
        .store
        .messages()
        .post(
            &access,
            thread,
            &body,
            file,
            Sensitivity::General,
            &user.0.actor(),
            now_utc(),
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&crate::paths::messages(access.client())).into_response())
}

/// A file of the client's thread, to a clinician of the care team (the prescriber never sees
/// that thread: 404, as for another client's file).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn file(
    OnClient(state, _, access): OnClient,
    Path((_, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = AttachmentId::parse(&file).ok_or(AppError::NotFound)?;
    let clinical = access.clinical_or_404()?;
    let found = state.store.messages().attachment(&clinical, id).await?;
    found.map(download).ok_or(AppError::NotFound)
}
