//! askama views: one struct per page, compiled and auto-escaped. Every page carries a
//! `Layout` (practice name, navigation). URLs of static assets are built here.

use crate::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;

/// Versioned URLs of the stylesheet and scripts, for `base.html`.
pub fn css_href() -> &'static str {
    crate::routes::assets::href("kapflow.css")
}
pub fn htmx_src() -> &'static str {
    crate::routes::assets::href("htmx-4.0.1.min.js")
}
pub fn forms_js_src() -> &'static str {
    crate::routes::assets::href("forms.js")
}
pub fn session_js_src() -> &'static str {
    crate::routes::assets::href("session.js")
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub layout: Layout,
    pub status: u16,
    pub message: &'a str,
    pub detail: &'a str,
    pub request_id: &'a str,
}

/// What the person typed into the setup form (never the passwords), and what was wrong.
#[derive(Default, Debug, Clone)]
pub struct SetupValues {
    pub practice_name: String,
    pub display_name: String,
    pub email: String,
}

#[derive(Default, Debug, Clone)]
pub struct SetupErrors {
    pub practice_name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
}

impl SetupErrors {
    pub fn any(&self) -> bool {
        self.practice_name.is_some()
            || self.display_name.is_some()
            || self.email.is_some()
            || self.password.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_form.html")]
pub struct SetupFormPage {
    pub layout: Layout,
    pub action: String,
    pub values: SetupValues,
    pub errors: SetupErrors,
    pub min_password: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_done.html")]
pub struct SetupDonePage {
    pub layout: Layout,
    pub owner_email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_unavailable.html")]
pub struct SetupUnavailablePage {
    pub layout: Layout,
    pub reason: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub notice: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_login.html")]
pub struct MfaCodePage {
    pub layout: Layout,
    pub heading: &'static str,
    pub action: &'static str,
    pub csrf: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_enrol.html")]
pub struct MfaEnrolPage {
    pub layout: Layout,
    pub csrf: String,
    pub qr_svg: String,
    pub secret_text: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub layout: Layout,
    pub codes: Vec<String>,
    pub next: String,
}

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
    pub client: String,
    pub name: String,
    pub level: &'static str,
    pub raised: String,
    pub escalated: bool,
}

/// A questionnaire due within three days, or overdue.
pub struct DashDue {
    pub client: String,
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

pub struct StaffRow {
    pub id: String,
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
    pub invite_error: Option<String>,
    pub notice: Option<String>,
    pub orgs: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "invite_accept.html")]
pub struct InviteAcceptPage {
    pub layout: Layout,
    pub action: String,
    pub email: String,
    pub role_label: &'static str,
    pub display_name: String,
    pub name_error: Option<String>,
    pub password_error: Option<String>,
    pub min_password: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "forgot.html")]
pub struct ForgotPage {
    pub layout: Layout,
    pub sent: bool,
    pub email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reset.html")]
pub struct ResetPage {
    pub layout: Layout,
    pub action: String,
    pub error: Option<String>,
    pub min_password: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub title: &'static str,
    pub body: &'static str,
    pub link: Option<(&'static str, &'static str)>,
}

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

/// The frame of a public page.
pub struct PublicLayout {
    pub site: crate::site::SiteInfo,
    pub title: String,
    pub description: &'static str,
    pub canonical: String,
    pub json_ld: String,
    /// (path, label, current)
    pub nav: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "public_page.html")]
pub struct PublicPageView {
    pub p: PublicLayout,
    /// (id, alt) of the page's photos.
    pub photos: Vec<(String, String)>,
    pub sections: Vec<crate::site::RenderedSection>,
    pub show_cta: bool,
    pub needs_setup: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "connect.html")]
pub struct ConnectPage {
    pub p: PublicLayout,
    pub sections: Vec<crate::site::RenderedSection>,
    pub form_token: String,
    pub v: kapflow_domain::inquiry::InquiryInput,
    pub e: kapflow_domain::inquiry::InquiryErrors,
    pub form_error: Option<String>,
    pub contact_methods: Vec<(&'static str, &'static str)>,
    pub concern_options: Vec<(&'static str, &'static str)>,
    pub max_message: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "connect_thanks.html")]
pub struct ConnectThanksPage {
    pub p: PublicLayout,
    pub sections: Vec<crate::site::RenderedSection>,
}

pub struct InquiryRowView {
    pub id: String,
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
    pub id: String,
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
    pub note_error: Option<String>,
    pub client: Option<String>,
    pub can_create_client: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "site_sections.html")]
pub struct SiteSectionsPage {
    pub layout: Layout,
    /// (page, label, heading, key)
    pub sections: Vec<(&'static str, String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "site_edit.html")]
pub struct SiteEditPage {
    pub layout: Layout,
    pub csrf: String,
    pub key: String,
    pub label: String,
    pub title: String,
    pub body: String,
    pub title_error: Option<String>,
    pub body_error: Option<String>,
    pub preview_html: String,
    pub has_draft: bool,
    pub notice: Option<String>,
    /// (saved, by, kind, heading, id)
    pub history: Vec<(String, String, &'static str, String, String)>,
}

pub struct SettingField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub csrf: String,
    pub fields: Vec<SettingField>,
    pub saved: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "photos.html")]
pub struct PhotosPage {
    pub layout: Layout,
    pub csrf: String,
    /// (slug, label)
    pub pages: Vec<(&'static str, &'static str)>,
    /// (id, page label, alt, added)
    pub photos: Vec<(String, &'static str, String, String)>,
    pub page_value: String,
    pub alt_value: String,
    pub page_error: Option<String>,
    pub alt_error: Option<String>,
    pub file_error: Option<String>,
    pub max_mb: usize,
    pub notice: Option<&'static str>,
}
