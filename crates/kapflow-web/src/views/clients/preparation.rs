//! Preparation and the readiness sign-off.

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
use kapflow_domain::pathway::Stage;
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};

#[derive(Template, WebTemplate)]
#[template(path = "preparation.html")]
pub struct PreparationPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub v: PreparationForm,
    pub e: FieldErrors,
    pub checklist: &'static [(&'static str, &'static str)],
    pub editable: bool,
    pub signed_off: Option<String>,
    pub stage_note: Option<&'static str>,
    pub form_error: Option<&'static str>,
    /// The stored preparation could not be read: say so instead of showing blanks.
    pub unreadable: bool,
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    typed: Option<PreparationForm>,
    e: FieldErrors,
    notice: Option<&'static str>,
    form_error: Option<&'static str>,
) -> Result<PreparationPage, AppError> {
    let Ctx { header, course, .. } = ctx(state, &access, Tab::Preparation).await?;
    let course = course.ok_or(AppError::NotFound)?;
    let clinical = access.clinical().ok_or(AppError::NotFound)?;
    let stored = state
        .store
        .assessment()
        .preparation(&clinical, course.id)
        .await?;
    let unreadable = stored.as_ref().is_some_and(|s| s.form.is_err());
    let signed_off = stored
        .as_ref()
        .and_then(|s| s.signed_off.clone())
        .map(|(t, who)| format!("{} by {who}", when(t)));
    let in_stage = course.stage == Stage::Preparation;
    let editable =
        access.may(Action::EditClinicalRecord) && !unreadable && signed_off.is_none() && in_stage;
    Ok(PreparationPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        v: typed.unwrap_or_else(|| stored.and_then(|s| s.form.ok()).unwrap_or_default()),
        e,
        checklist: CHECKLIST,
        editable,
        stage_note: (!in_stage && signed_off.is_none())
            .then_some("Preparation is recorded while the course is in the preparation stage."),
        signed_off,
        form_error,
        unreadable,
    })
}
