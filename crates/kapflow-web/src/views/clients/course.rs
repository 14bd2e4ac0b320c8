//! The course page: stage, what the next stage still needs, history.

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
use kapflow_domain::pathway::{Stage, unmet_for};
use kapflow_domain::time_util::now_utc;

pub struct HistoryView {
    pub at: String,
    pub who: String,
    pub from: &'static str,
    pub to: &'static str,
    pub why: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "course.html")]
pub struct CoursePage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub number: i64,
    pub stage: &'static str,
    pub ended: bool,
    /// The next stage and, for each of its preconditions, whether it is met.
    pub next: Option<(&'static str, &'static str)>,
    pub still_needed: Vec<&'static str>,
    pub refer_next: bool,
    pub orgs: Vec<(String, String)>,
    pub referral: Option<String>,
    pub refusal: Vec<String>,
    pub history: Vec<HistoryView>,
    pub can_edit: bool,
    pub reason: String,
    pub e: FieldErrors,
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    notice: Option<&'static str>,
    refusal: Vec<String>,
    reason_typed: String,
    reason_error: Option<String>,
) -> Result<CoursePage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, Tab::Course).await?;
    let clinical = access.clinical().ok_or(AppError::NotFound)?;
    let Some((course, facts)) = state.store.courses().facts(&clinical, now_utc()).await? else {
        return Err(AppError::NotFound);
    };
    let stage = course.stage;
    let next = kapflow_domain::pathway::next(stage);
    let still_needed = next
        .map(|n| unmet_for(n, &facts))
        .unwrap_or_default()
        .into_iter()
        // Referring is the act that moves preparation on; it is not "missing".
        .filter(|u| *u != kapflow_domain::pathway::Unmet::NotReferred)
        .map(|u| u.message())
        .collect();
    let history = state
        .store
        .courses()
        .history(&clinical, course.id)
        .await?
        .into_iter()
        .map(|t| HistoryView {
            at: when(t.at),
            who: t.actor_name.unwrap_or_else(|| "system".into()),
            from: t.from_stage.map(Stage::label).unwrap_or("—"),
            to: t.to_stage.label(),
            why: t.reason,
        })
        .collect();
    let referral = super::referral_line(state, &clinical, course.id).await?;
    Ok(CoursePage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        number: course.number,
        stage: stage.label(),
        ended: kapflow_domain::pathway::ended(stage),
        next: next.map(|n| (n.as_str(), n.label())),
        still_needed,
        refer_next: next == Some(Stage::MedicalEvaluation),
        orgs: crate::views::org_choices(state).await?,
        referral,
        refusal,
        history,
        can_edit: access.may(Action::EditClinicalRecord),
        reason: reason_typed,
        e: FieldErrors::of("reason", reason_error),
    })
}
