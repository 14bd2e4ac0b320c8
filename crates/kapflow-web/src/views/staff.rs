//! The owner's staff page: accounts, invitations and partner organisations.

use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;

pub struct StaffRow {
    pub id: kapflow_domain::UserId,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub mfa: bool,
    pub disabled: bool,
    pub is_self: bool,
    pub last_active: String,
    /// A prescriber's partner organisation (id), empty if none.
    pub org: String,
}

pub struct PendingInvitationRow {
    pub email: String,
    pub role_label: &'static str,
    pub expires: String,
}

/// A message that could not be sent: what it was, never what it said.
pub struct MailTroubleRow {
    pub kind: &'static str,
    pub queued: String,
    pub given_up: bool,
    pub attempts: i32,
    pub last_error: String,
}

impl From<kapflow_store::outbox::MailTrouble> for MailTroubleRow {
    fn from(t: kapflow_store::outbox::MailTrouble) -> MailTroubleRow {
        MailTroubleRow {
            kind: t.kind.unwrap_or("A message kapflow cannot read"),
            queued: crate::time_fmt::when(t.queued_at),
            given_up: t.failed_at.is_some(),
            attempts: t.attempts,
            last_error: t.last_error.unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff.html")]
pub struct StaffPage {
    pub layout: Layout,
    pub csrf: String,
    pub rows: Vec<StaffRow>,
    pub pending: Vec<PendingInvitationRow>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub invite_email: String,
    pub invite_role: &'static str,
    pub e: kapflow_domain::form::FieldErrors,
    pub notice: Option<String>,
    pub orgs: Vec<(String, String)>,
    /// The partner organisation chosen in the invitation form (an id; prescribers only).
    pub invite_org: String,
    /// What was typed as a new organisation's name, kept when it is refused.
    pub org_name: String,
    /// An organisation's new name as typed, kept when the rename is refused: (id, name).
    pub renaming: (String, String),
    /// Mail that failed, newest first.
    pub mail: Vec<MailTroubleRow>,
}

impl StaffPage {
    /// The control the error summary links to: the page refuses one form at a time, and its
    /// controls' ids are not their field names (several forms of a kind on one page).
    pub fn error_target(&self) -> String {
        if self.e.has("org-rename") {
            format!("org-name-{}", self.renaming.0)
        } else if self.e.has("email") {
            "invite-email".to_owned()
        } else {
            String::new()
        }
    }

    /// The name to show in an organisation's rename field: what was typed if that rename was
    /// refused, else its name.
    pub fn org_value<'a>(&'a self, id: &str, name: &'a str) -> &'a str {
        if self.renaming.0 == id {
            &self.renaming.1
        } else {
            name
        }
    }
}
