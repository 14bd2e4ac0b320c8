//! One's own pages: the dashboard and the list of one's sessions.

use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub name: String,
    pub role_label: &'static str,
    pub is_owner: bool,
    pub clinician: bool,
    pub alerts: Vec<DashAlert>,
    pub due: Vec<DashDue>,
}

/// An open suicide-risk alert on the dashboard banner.
pub struct DashAlert {
    pub client: kapflow_domain::ClientId,
    pub name: String,
    pub level: &'static str,
    pub raised: String,
    pub escalated: bool,
}

/// A questionnaire due within three days, or overdue.
pub struct DashDue {
    pub client: kapflow_domain::ClientId,
    pub name: String,
    pub instrument: String,
    pub due: String,
    pub overdue: bool,
}

pub struct SessionView {
    pub created: String,
    pub last_seen: String,
    pub ip: String,
    pub user_agent: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "sessions.html")]
pub struct SessionsPage {
    pub layout: Layout,
    pub csrf: String,
    pub sessions: Vec<SessionView>,
    pub ended: Option<u64>,
}
