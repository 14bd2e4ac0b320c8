//! The course of treatment: its stage, what the next stage still needs (each unmet
//! precondition in words), the history of every change, and the therapist's acts: advance,
//! refer to the prescriber organisation, discontinue with a reason, open a new course.

use super::{Ctx, DoneQuery, HeaderView, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::layout::Layout;
use crate::time_fmt::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::OrgId;
use kapflow_domain::access::Action;
use kapflow_domain::pathway::{Stage, Transition, unmet_for};
use kapflow_domain::prescribing::reason;
use kapflow_domain::time_util::now_utc;
use kapflow_store::prescribing::Refused;
use serde::Deserialize;

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
    pub reason_error: Option<String>,
}

fn next_of(stage: Stage) -> Option<Stage> {
    match stage {
        Stage::Assessment => Some(Stage::Preparation),
        Stage::Preparation => Some(Stage::MedicalEvaluation),
        Stage::MedicalEvaluation => Some(Stage::Medication),
        Stage::Medication => Some(Stage::ReadyForDosing),
        Stage::ReadyForDosing | Stage::Discontinued => None,
    }
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    notice: Option<&'static str>,
    refusal: Vec<String>,
    reason_typed: String,
    reason_error: Option<String>,
) -> Result<CoursePage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, "/course").await?;
    let clinical = access.clinical().ok_or(AppError::NotFound)?;
    let Some((course, facts)) = state.store.courses().facts(&clinical, now_utc()).await? else {
        return Err(AppError::NotFound);
    };
    let stage = course.stage;
    let next = next_of(stage);
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
    let referral = state
        .store
        .prescribing()
        .referral(&clinical, course.id)
        .await?
        .map(|r| {
            format!(
                "{} on {} by {}",
                r.org_name,
                when(r.referred_at),
                r.referred_by
            )
        });
    Ok(CoursePage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        number: course.number,
        stage: stage.label(),
        ended: stage == Stage::Discontinued,
        next: next.map(|n| (n.as_str(), n.label())),
        still_needed,
        refer_next: next == Some(Stage::MedicalEvaluation),
        orgs: state
            .store
            .partner_orgs()
            .list()
            .await?
            .into_iter()
            .map(|o| (o.id.to_string(), o.name))
            .collect(),
        referral,
        refusal,
        history,
        can_edit: access.may(Action::EditClinicalRecord),
        reason: reason_typed,
        reason_error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Query(q): Query<DoneQuery>,
) -> Result<CoursePage, AppError> {
    let notice = match q.done.as_str() {
        "advanced" => Some("The course moved to its next stage."),
        "referred" => Some("Referred. The prescriber organisation can now see the referral."),
        "discontinued" => Some("The course was discontinued."),
        "new" => Some("A new course was opened at assessment."),
        _ => None,
    };
    page(&state, &user, access, notice, vec![], String::new(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdvanceForm {
    to: String,
}

fn refused(page: CoursePage) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

pub async fn advance(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Form(f): Form<AdvanceForm>,
) -> Result<Response, AppError> {
    let to = Stage::parse(&f.to).ok_or(AppError::BadRequest)?;
    if to == Stage::Discontinued {
        return Err(AppError::BadRequest);
    }
    let outcome = state
        .store
        .courses()
        .transition(
            &access,
            &Transition::Advance(to),
            &user.0.actor(),
            now_utc(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!(
            "/clients/{}/course?done=advanced",
            access.client()
        ))
        .into_response()),
        Err(r) => {
            let reasons = r.reasons.iter().map(|u| u.message().to_owned()).collect();
            Ok(refused(
                page(&state, &user, access, None, reasons, String::new(), None).await?,
            ))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferForm {
    org: String,
}

pub async fn refer(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Form(f): Form<ReferForm>,
) -> Result<Response, AppError> {
    let Some(org) = OrgId::parse(&f.org) else {
        let reasons = vec!["Choose a partner organisation.".to_owned()];
        return Ok(refused(
            page(&state, &user, access, None, reasons, String::new(), None).await?,
        ));
    };
    match state
        .store
        .prescribing()
        .refer(&access, org, &user.0.actor(), now_utc())
        .await?
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/clients/{}/course?done=referred",
            access.client()
        ))
        .into_response()),
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::Because(reasons)) => Ok(refused(
            page(&state, &user, access, None, reasons, String::new(), None).await?,
        )),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DiscontinueForm {
    reason: String,
}

pub async fn discontinue(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Form(f): Form<DiscontinueForm>,
) -> Result<Response, AppError> {
    let why = match reason(&f.reason, "why the course is discontinued") {
        Ok(r) => r,
        Err(e) => {
            let msg = e.get("reason").map(str::to_owned);
            return Ok(refused(
                page(&state, &user, access, None, vec![], f.reason, msg).await?,
            ));
        }
    };
    let outcome = state
        .store
        .courses()
        .transition(
            &access,
            &Transition::Discontinue { reason: why },
            &user.0.actor(),
            now_utc(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!(
            "/clients/{}/course?done=discontinued",
            access.client()
        ))
        .into_response()),
        Err(r) => {
            let reasons = r.reasons.iter().map(|u| u.message().to_owned()).collect();
            Ok(refused(
                page(&state, &user, access, None, reasons, f.reason, None).await?,
            ))
        }
    }
}

pub async fn new_course(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
) -> Result<Response, AppError> {
    if state
        .store
        .courses()
        .start_new(&access, &user.0.actor(), now_utc())
        .await?
    {
        Ok(Redirect::to(&format!("/clients/{}/course?done=new", access.client())).into_response())
    } else {
        let reasons =
            vec!["A new course can be opened only after the current one has ended.".to_owned()];
        Ok(refused(
            page(&state, &user, access, None, reasons, String::new(), None).await?,
        ))
    }
}
