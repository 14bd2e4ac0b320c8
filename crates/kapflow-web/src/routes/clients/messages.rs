//! Messages between the care team and the prescriber about one client, kept on the client.

use super::OnClient;
use crate::error::AppError;
use crate::views::clients::messages::{MessagesPage, page};
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::prescribing::message_body;
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(OnClient(state, user, access): OnClient) -> Result<MessagesPage, AppError> {
    page(&state, &user, access, String::new(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PostForm {
    body: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn post(
    OnClient(state, user, access): OnClient,
    Form(f): Form<PostForm>,
) -> Result<Response, AppError> {
    let body = match message_body(&f.body) {
        Ok(b) => b,
        Err(e) => {
            let msg = e.get("body").map(str::to_owned);
            let p = page(&state, &user, access, f.body, msg).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    if !state
        .store
        .messages()
        .post(
            &access,
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
