//! Messages between the care team and the prescriber about one client, kept on the client.

use super::{Ctx, HeaderView, ctx, may};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::layout::Layout;
use crate::routes::account::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::Role;
use kapflow_domain::access::Action;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::prescribing::message_body;
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

pub struct MessageView {
    pub at: String,
    pub author: String,
    pub role: &'static str,
    pub body: String,
    pub sensitivity: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "messages.html")]
pub struct MessagesPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub messages: Vec<MessageView>,
    pub can_post: bool,
    pub body: String,
    pub error: Option<String>,
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    body: String,
    error: Option<String>,
) -> Result<MessagesPage, AppError> {
    let Ctx { header, .. } = ctx(state, &user.0, access, "/messages").await?;
    Ok(MessagesPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        messages: state
            .store
            .messages(access.client)
            .await?
            .into_iter()
            .map(|m| MessageView {
                at: when(m.at),
                author: m.author,
                role: Role::parse(&m.author_role).map(Role::label).unwrap_or(""),
                body: m.body,
                sensitivity: Sensitivity::parse(&m.sensitivity)
                    .map(Sensitivity::label)
                    .unwrap_or("General"),
            })
            .collect(),
        can_post: may(&user.0, &access, Action::MessageCareTeam),
        body,
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
) -> Result<MessagesPage, AppError> {
    page(&state, &user, access, String::new(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PostForm {
    body: String,
}

pub async fn post(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
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
        .post_message(
            access.client,
            &body,
            Sensitivity::General,
            &user.0.actor(),
            now_utc(),
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/clients/{}/messages", access.client)).into_response())
}
