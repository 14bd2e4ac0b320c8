//! The owner's audit trail viewer.

use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Default)]
pub struct AuditFilterValues {
    pub person: String,
    pub client: String,
    pub action: String,
    pub from: String,
    pub to: String,
}

pub struct AuditRowView {
    pub seq: i64,
    pub at: String,
    pub person: String,
    pub role: String,
    pub action: String,
    pub record: String,
    pub client: String,
    pub outcome: &'static str,
    pub reason: String,
    pub ip: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub f: AuditFilterValues,
    pub filter_error: Option<String>,
    pub rows: Vec<AuditRowView>,
    pub next_page: Option<String>,
    pub csv_href: String,
}
