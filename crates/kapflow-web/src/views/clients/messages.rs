//! Messages between the care team and the prescriber.

use super::{Ctx, HeaderView, Tab, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::access::Action;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::time_util::now_utc;

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
    pub e: FieldErrors,
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    body: String,
    error: Option<String>,
) -> Result<MessagesPage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, Tab::Messages).await?;
    let clinical = access.clinical_or_404()?;
    let list = state.store.messages().list(&clinical).await?;
    // Read now: the navigation's count (built below) and the dashboard forget them.
    let messages = state.store.messages();
    messages
        .mark_read(&clinical, user.0.id(), now_utc())
        .await?;
    state.nav_counts.changed();
    Ok(MessagesPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        messages: list
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
        e: FieldErrors::of("body", error),
    })
}
