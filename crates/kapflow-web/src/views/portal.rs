//! The client portal's pages: what each shows the client of their own record, in the frame
//! every portal page shares (the crisis lines and the practice's words on messages).

use crate::AppState;
use crate::auth::{CurrentUser, PortalClient};
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::form::FieldErrors;
use kapflow_store::settings::keys;

/// What every portal page has around its content.
pub struct PortalFrame {
    pub csrf: String,
    /// The name the portal greets the client by.
    pub name: String,
    /// The practice's phone (may be empty) and its `tel:` link.
    pub phone: String,
    pub phone_href: String,
    /// The practice's words on when messages are read.
    pub messages_read: String,
    /// Whether the client may ask to change an appointment.
    pub change_requests: bool,
}

impl PortalFrame {
    pub async fn load(
        state: &AppState,
        user: &CurrentUser,
        portal: &PortalClient,
    ) -> Result<(Layout, PortalFrame), AppError> {
        let settings = state.store.settings().snapshot().await?;
        let phone = settings.get(keys::PHONE).unwrap_or("").trim().to_owned();
        let phone_href = format!(
            "tel:{}",
            phone
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        );
        let portal_settings = crate::portal_settings::read(&settings);
        let frame = PortalFrame {
            csrf: user.csrf().to_owned(),
            name: state.store.portal().greeting_name(portal).await?,
            phone,
            phone_href,
            messages_read: portal_settings.messages_read,
            change_requests: portal_settings.change_requests,
        };
        Ok((Layout::for_user(state, user).await?, frame))
    }
}

/// A line of a list on the home page: what, when, and where it leads.
pub struct HomeItem {
    pub text: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub f: PortalFrame,
    pub next_appointment: Option<HomeItem>,
    pub due: usize,
    pub messages: usize,
}

/// One appointment as the client reads it.
pub struct AppointmentView {
    pub id: kapflow_domain::AppointmentId,
    pub when: String,
    pub what: String,
    pub with: String,
    pub place: String,
    pub status: &'static str,
    pub booked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_appointments.html")]
pub struct AppointmentsPage {
    pub layout: Layout,
    pub f: PortalFrame,
    pub coming: Vec<AppointmentView>,
    pub past: Vec<AppointmentView>,
    /// The appointment a change request was refused for, with what was typed.
    pub asking: Option<kapflow_domain::AppointmentId>,
    pub reason: String,
    pub e: FieldErrors,
    pub sent: bool,
    pub key: String,
}

impl AppointmentsPage {
    /// Whether the refused change request shown is about appointment `id`.
    pub fn asking_for(&self, id: &kapflow_domain::AppointmentId) -> bool {
        self.asking == Some(*id)
    }
}

/// A questionnaire due, as the client sees it.
pub struct DueView {
    pub request: kapflow_domain::MeasureRequestId,
    pub title: String,
    pub due: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_questionnaires.html")]
pub struct QuestionnairesPage {
    pub layout: Layout,
    pub f: PortalFrame,
    pub due: Vec<DueView>,
}

/// A journal entry as the client reads it.
pub struct EntryView {
    pub id: kapflow_domain::JournalEntryId,
    pub at: String,
    pub body: String,
    pub shared: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_journal.html")]
pub struct JournalPage {
    pub layout: Layout,
    pub f: PortalFrame,
    pub entries: Vec<EntryView>,
    pub body: String,
    pub share: bool,
    pub e: FieldErrors,
    pub key: String,
}

/// A message of the client's thread.
pub struct ThreadMessage {
    pub at: String,
    pub author: String,
    pub mine: bool,
    pub body: String,
    pub file: Option<crate::attachment::FileLink>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_messages.html")]
pub struct MessagesPage {
    pub layout: Layout,
    pub f: PortalFrame,
    pub messages: Vec<ThreadMessage>,
    pub body: String,
    pub e: FieldErrors,
    pub key: String,
    /// The largest file a message may carry (0: none).
    pub max_mb: u32,
    pub accept: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_preparation.html")]
pub struct PreparationPage {
    pub layout: Layout,
    pub f: PortalFrame,
    /// The practice's own pages on how KAP works, rendered from its Markdown.
    pub sections: Vec<crate::site::RenderedSection>,
    /// What the therapist goes through with every client before the first dosing session.
    pub expectations: Vec<&'static str>,
    pub food: String,
    /// The aftercare sheet, rendered from the practice's Markdown.
    pub aftercare_html: String,
}
