//! The intake and its screening.

use super::{Ctx, FlagView, HeaderView, Tab, ctx, flags_of};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::access::Action;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::intake::{IntakeForm, QUESTIONS};
use kapflow_domain::pathway::Stage;

#[derive(Template, WebTemplate)]
#[template(path = "intake.html")]
pub struct IntakePage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub v: IntakeForm,
    pub e: FieldErrors,
    pub questions: &'static [(&'static str, &'static str)],
    pub sensitivity: String,
    pub sensitivities: Vec<(&'static str, &'static str)>,
    pub editable: bool,
    /// When the client sent the intake from the portal (the blood pressure is then taken at
    /// the assessment and the clinician completes it).
    pub sent_by_client: Option<String>,
    pub completed: Option<String>,
    pub reviewed: Option<String>,
    pub can_review: bool,
    pub flags: Vec<FlagView>,
    pub form_error: Option<&'static str>,
    /// The stored intake could not be read: say so instead of showing blank answers.
    pub unreadable: bool,
}

#[allow(clippy::too_many_arguments)]
impl IntakePage {
    /// Fixed attributes of the answers: read-only once the intake can no longer change.
    pub fn locked(&self) -> &'static str {
        if self.editable { "" } else { "readonly" }
    }

    pub fn locked_numeric(&self) -> &'static str {
        if self.editable {
            "inputmode=\"numeric\""
        } else {
            "inputmode=\"numeric\" readonly"
        }
    }
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    typed: Option<(IntakeForm, String)>,
    e: FieldErrors,
    notice: Option<&'static str>,
    form_error: Option<&'static str>,
) -> Result<IntakePage, AppError> {
    let Ctx {
        header,
        course,
        client,
        ..
    } = ctx(state, &access, Tab::Intake).await?;
    let course = course.ok_or(AppError::NotFound)?;
    let clinical = access.clinical().ok_or(AppError::NotFound)?;
    let stored = state
        .store
        .assessment()
        .intake(&clinical, course.id)
        .await?;
    let unreadable = stored.as_ref().is_some_and(|s| s.form.is_err());
    let sent_by_client = state
        .store
        .assessment()
        .sent_by_client(&clinical, course.id)
        .await?
        .map(when);
    let can_edit = access.may(Action::EditClinicalRecord);
    let completed = stored
        .as_ref()
        .and_then(|s| s.completed.clone())
        .map(|(t, who)| format!("{} by {who}", when(t)));
    let reviewed = stored
        .as_ref()
        .and_then(|s| s.screening_reviewed.clone())
        .map(|(t, who)| format!("{} by {who}", when(t)));
    let editable =
        can_edit && !unreadable && completed.is_none() && course.stage == Stage::Assessment;
    let flags = flags_of(state, &clinical, &client, Some(&course))
        .await?
        .unwrap_or_default();
    let (v, sensitivity) = match typed {
        Some(t) => t,
        None => stored
            .as_ref()
            .map(|s| {
                let form = s.form.clone().unwrap_or_default();
                (form, s.sensitivity.as_str().to_owned())
            })
            .unwrap_or_else(|| {
                (
                    IntakeForm::default(),
                    client.sensitivity.as_str().to_owned(),
                )
            }),
    };
    Ok(IntakePage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        v,
        e,
        questions: QUESTIONS,
        sensitivity,
        sensitivities: Sensitivity::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        editable,
        sent_by_client,
        can_review: can_edit && !unreadable && completed.is_some() && reviewed.is_none(),
        completed,
        reviewed,
        flags: flags.iter().map(FlagView::from).collect(),
        form_error,
        unreadable,
    })
}
