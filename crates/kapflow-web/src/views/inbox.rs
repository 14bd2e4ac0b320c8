//! The inquiry inbox: the list and one inquiry with its timeline.

use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::form::FieldErrors;

pub struct InquiryRowView {
    pub id: kapflow_domain::InquiryId,
    pub received: String,
    pub name: String,
    pub concerns: String,
    pub status: &'static str,
    pub assigned: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "inquiries.html")]
pub struct InquiriesPage {
    pub layout: Layout,
    pub csrf: String,
    pub q: String,
    pub status: String,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub rows: Vec<InquiryRowView>,
}

pub struct InquiryView {
    pub id: kapflow_domain::InquiryId,
    pub name: String,
    pub received: String,
    pub status: &'static str,
    pub status_value: String,
    pub preferred_contact: &'static str,
    pub email: String,
    pub phone: String,
    pub preferred_time: String,
    pub concerns: String,
    pub heard_from: String,
    pub message: String,
    pub assigned: String,
    pub assigned_id: String,
}

pub struct EventView {
    pub at: String,
    pub who: String,
    pub kind: String,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "inquiry.html")]
pub struct InquiryPage {
    pub layout: Layout,
    pub csrf: String,
    pub d: InquiryView,
    pub events: Vec<EventView>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub clinicians: Vec<(String, String)>,
    pub can_assign: bool,
    pub notice: Option<String>,
    pub note: String,
    pub e: FieldErrors,
    pub client: Option<kapflow_domain::ClientId>,
    pub can_create_client: bool,
}
