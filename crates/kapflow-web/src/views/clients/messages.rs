//! A client's messages: between the care team and the prescriber, and (for the care team)
//! with the client through the portal, with the journal entries the client shared.

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
use kapflow_domain::portal::Thread;
use kapflow_domain::time_util::now_utc;

pub struct MessageView {
    pub at: String,
    pub author: String,
    pub role: &'static str,
    pub body: String,
    pub sensitivity: &'static str,
    pub file: Option<crate::attachment::FileLink>,
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
    /// The client's thread and shared journal entries: for the care team's clinicians only
    /// (never the prescriber).
    pub portal: Option<PortalThread>,
    pub reply: String,
    pub e: FieldErrors,
}

/// The client's side, as the care team reads it.
pub struct PortalThread {
    pub messages: Vec<MessageView>,
    /// (when written, text) of each entry the client shared.
    pub journal: Vec<(String, String)>,
    pub can_reply: bool,
    /// The largest file a reply may carry (0: none).
    pub max_mb: u32,
    pub accept: &'static str,
}

/// What the person typed into one of the page's two forms, and its refusal.
pub struct Typed {
    pub body: String,
    pub reply: String,
    pub e: FieldErrors,
}

impl Typed {
    pub fn none() -> Typed {
        Typed {
            body: String::new(),
            reply: String::new(),
            e: FieldErrors::default(),
        }
    }
}

fn views(
    client: kapflow_domain::ClientId,
    list: Vec<kapflow_store::messages::MessageRow>,
) -> Vec<MessageView> {
    list.into_iter()
        .map(|m| MessageView {
            file: crate::attachment::link(&m, |f| crate::paths::message_file(client, f)),
            at: when(m.at),
            author: m.author,
            role: m.author_role.label(),
            body: m.body,
            sensitivity: m.sensitivity.label(),
        })
        .collect()
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    typed: Typed,
) -> Result<MessagesPage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, Tab::Messages).await?;
    let clinical = access.clinical_or_404()?;
    let list = state.store.messages().list(&clinical, Thread::Team).await?;
    let portal = if access.sees_client_thread() {
        let thread = state
            .store
            .messages()
            .list(&clinical, Thread::Client)
            .await?;
        let journal = state.store.portal().shared_journal(&clinical).await?;
        Some(PortalThread {
            messages: views(access.client(), thread),
            journal: journal
                .into_iter()
                .map(|j| (when(j.created_at), j.body))
                .collect(),
            can_reply: access.may(Action::MessageCareTeam),
            max_mb: crate::portal_settings::read(&state.store.settings().snapshot().await?)
                .attachment_mb,
            accept: crate::attachment::ACCEPT,
        })
    } else {
        None
    };
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
        messages: views(access.client(), list),
        can_post: access.may(Action::MessageCareTeam),
        body: typed.body,
        portal,
        reply: typed.reply,
        e: typed.e,
    })
}
