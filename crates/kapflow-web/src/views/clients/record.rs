//! The client record: the new-client and edit forms and the overview.

use super::HeaderView;
use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::paths;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::ClientId;
use kapflow_domain::Role;
use kapflow_domain::client::{ClientInput, Sensitivity};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::inquiry::Concern;

#[derive(Template, WebTemplate)]
#[template(path = "client_form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub csrf: String,
    pub action: String,
    pub creating: bool,
    pub cancel: String,
    pub form_key: String,
    pub inquiry: String,
    pub v: ClientInput,
    pub e: FieldErrors,
    pub concerns: Vec<(&'static str, &'static str)>,
    pub sensitivities: Vec<(&'static str, &'static str)>,
    pub clinicians: Vec<(String, String)>,
    pub therapist: String,
    pub can_pick_therapist: bool,
    pub form_error: Option<String>,
}

pub fn concern_options() -> Vec<(&'static str, &'static str)> {
    Concern::ALL
        .iter()
        .map(|c| (c.as_str(), c.label()))
        .collect()
}

pub fn sensitivity_options() -> Vec<(&'static str, &'static str)> {
    Sensitivity::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect()
}

pub async fn clinicians(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
    Ok(state
        .store
        .users()
        .staff()
        .await?
        .into_iter()
        .filter(|s| !s.user.disabled && matches!(s.user.role, Role::Therapist | Role::Owner))
        .map(|s| (s.user.id.to_string(), s.user.display_name))
        .collect())
}

#[allow(clippy::too_many_arguments)]
pub async fn form_page(
    state: &AppState,
    user: &StaffUser,
    v: ClientInput,
    e: FieldErrors,
    inquiry: String,
    therapist: String,
    key: String,
    form_error: Option<String>,
) -> Result<FormPage, AppError> {
    Ok(FormPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        action: paths::CLIENTS.into(),
        creating: true,
        cancel: paths::CLIENTS.into(),
        form_key: key,
        inquiry,
        v,
        e,
        concerns: concern_options(),
        sensitivities: sensitivity_options(),
        clinicians: clinicians(state).await?,
        therapist,
        can_pick_therapist: user.0.role() != Role::Therapist,
        form_error,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "client.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub facts: Vec<(&'static str, String)>,
    pub team: Vec<(String, String, &'static str)>,
    pub can_edit: bool,
    pub can_assign: bool,
    pub clinicians: Vec<(String, String)>,
    /// The owner, not on the team, may join it (with a reason).
    pub can_join: bool,
    pub join_reason: String,
    pub e: kapflow_domain::form::FieldErrors,
    pub courses: Vec<(i64, &'static str, String)>,
    pub has_email: bool,
    /// When the client agreed to questionnaire links by email (a contact preference).
    pub email_consent: Option<String>,
    /// Where the client's portal account stands, in words.
    pub portal: String,
    /// Which portal buttons to offer: an invitation, and withdrawing one that still works.
    pub portal_invite: bool,
    pub portal_withdraw: bool,
    /// The client has an account this reader may switch: Some(whether it is off now).
    pub portal_switch: Option<bool>,
    /// The owner may share this client's records with another system (an API token of theirs).
    pub share_by_api: bool,
    /// The reader may make the client a copy of their record (a clinician of the care team).
    pub copy_record: bool,
}

pub fn or_dash(v: &Option<String>) -> String {
    v.clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".into())
}

pub async fn edit_page(
    state: &AppState,
    user: &StaffUser,
    id: ClientId,
    v: ClientInput,
    e: FieldErrors,
) -> Result<FormPage, AppError> {
    Ok(FormPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        action: crate::paths::client_edit(id),
        creating: false,
        cancel: crate::paths::client(id),
        form_key: String::new(),
        inquiry: String::new(),
        v,
        e,
        concerns: concern_options(),
        sensitivities: sensitivity_options(),
        clinicians: vec![],
        therapist: String::new(),
        can_pick_therapist: false,
        form_error: None,
    })
}
