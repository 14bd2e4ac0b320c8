//! The caseload list.

use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;

pub struct Row {
    pub id: kapflow_domain::ClientId,
    pub name: String,
    pub age: i32,
    pub stage: &'static str,
    pub since: String,
    /// The most serious open risk alert's level, where the caller reads clinical records.
    pub risk: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "clients.html")]
pub struct ListPage {
    pub layout: Layout,
    pub csrf: String,
    pub q: String,
    pub sort: &'static str,
    pub sorts: Vec<(&'static str, &'static str)>,
    pub rows: Vec<Row>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub can_create: bool,
    pub can_break_glass: bool,
    pub prescriber: bool,
}
