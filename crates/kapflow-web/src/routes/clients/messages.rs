//! Messages between the care team and the prescriber about one client, kept on the client.

use super::{Ctx, HeaderView, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::layout::Layout;
use crate::time_fmt::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
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
    let Ctx { header, .. } = ctx(state, &access, "/messages").await?;
    Ok(MessagesPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        messages: state
            .store
            .messages()
            .list(&access.clinical_or_404()?)
            .await?
            .into_iter()
            .map(|m| MessageView {
                at: when(m.at),
                author: m.author,
                role: m.author_role.label(),
                body: m.body,
                sensitivity: m.sensitivity.label(),
            })
            .collect(),
        can_post: access.may(Action::MessageCareTeam),
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
    Ok(Redirect::to(&format!("/clients/{}/messages", access.client())).into_response())
}
