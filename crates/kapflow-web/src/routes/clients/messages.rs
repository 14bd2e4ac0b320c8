//! A client's messages, kept on the client: the care team with the prescriber, and the care
//! team with the client (the portal's thread).

use super::OnClient;
use crate::error::AppError;
use crate::views::clients::messages::{MessagesPage, Typed, page};
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::portal::Thread;
use kapflow_domain::prescribing::message_body;
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(OnClient(state, user, access): OnClient) -> Result<MessagesPage, AppError> {
    page(&state, &user, access, Typed::none()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PostForm {
    body: String,
    /// "client" for a reply in the client's thread; anything else is the prescriber's thread.
    thread: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn post(
    OnClient(state, user, access): OnClient,
    Form(f): Form<PostForm>,
) -> Result<Response, AppError> {
    let thread = Thread::parse(&f.thread).unwrap_or(Thread::Team);
    let body = match message_body(&f.body) {
        Ok(b) => b,
        Err(e) => {
            let msg = e.get("body").map(str::to_owned);
            let (field, body, reply) = match thread {
                Thread::Team => ("body", f.body, String::new()),
                Thread::Client => ("reply", String::new(), f.body),
            };
            let typed = Typed {
                body,
                reply,
                e: FieldErrors::of(field, msg),
            };
            let p = page(&state, &user, access, typed).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    if !state
        .store
        .messages()
        .post(
            &access,
            thread,
            &body,
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
