//! The assessment intake and its contraindication screening: saved as a draft or completed
//! (every required answer present), flags shown with the rule and its source, and the
//! therapist's review of the screening. The screening never decides eligibility.

use super::{Ctx, DoneQuery, FlagView, HeaderView, ctx, flags_of};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::form_fields::Fields;
use crate::layout::Layout;
use crate::time_fmt::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::access::Action;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::intake::{IntakeForm, QUESTIONS};
use kapflow_domain::pathway::Stage;
use kapflow_domain::time_util::now_utc;
use kapflow_store::assessment::Saved;

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
    pub completed: Option<String>,
    pub reviewed: Option<String>,
    pub can_review: bool,
    pub flags: Vec<FlagView>,
    pub form_error: Option<&'static str>,
    /// The stored intake could not be read: say so instead of showing blank answers.
    pub unreadable: bool,
}

#[allow(clippy::too_many_arguments)]
async fn page(
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
    } = ctx(state, &access, "/intake").await?;
    let course = course.ok_or(AppError::NotFound)?;
    let clinical = access.clinical().ok_or(AppError::NotFound)?;
    let stored = state
        .store
        .assessment()
        .intake(&clinical, course.id)
        .await?;
    let unreadable = stored.as_ref().is_some_and(|s| s.form.is_err());
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
    let flags = flags_of(state, &clinical, &client, Some(&course)).await?;
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
        can_review: can_edit && completed.is_some() && reviewed.is_none(),
        completed,
        reviewed,
        flags: flags.iter().map(FlagView::from).collect(),
        form_error,
        unreadable,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Query(q): Query<DoneQuery>,
) -> Result<IntakePage, AppError> {
    let notice = match q.done.as_str() {
        "draft" => Some("Draft saved."),
        "completed" => Some("Intake completed. Review the screening below."),
        "reviewed" => Some("Screening marked as reviewed."),
        _ => None,
    };
    page(
        &state,
        &user,
        access,
        None,
        FieldErrors::default(),
        notice,
        None,
    )
    .await
}

/// The form as typed: text fields as strings, each yes/no box on when sent.
fn form_from(f: &Fields) -> IntakeForm {
    let mut map = serde_json::Map::new();
    for key in [
        "medical_history",
        "psychiatric_history",
        "current_medications",
        "allergies",
        "substance_use",
        "prior_ketamine",
        "bp_history",
        "bp_systolic",
        "bp_diastolic",
        "goals",
        "concerns",
    ] {
        map.insert(key.into(), serde_json::Value::String(f.get(key)));
    }
    for (key, _) in QUESTIONS {
        map.insert((*key).into(), serde_json::Value::Bool(f.on(key)));
    }
    serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default()
}

pub async fn save(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = Fields::parse(&body);
    let form = form_from(&f);
    let sensitivity_raw = f.get("sensitivity");
    let complete = f.get("intent") == "complete";
    let mut e = if complete {
        form.check_complete()
    } else {
        form.check_draft()
    };
    let sensitivity = Sensitivity::parse(&sensitivity_raw);
    if sensitivity.is_none() {
        e.add("sensitivity", "Choose a label from the list.");
    }
    let Some(sensitivity) = sensitivity.filter(|_| e.is_empty()) else {
        let p = page(
            &state,
            &user,
            access,
            Some((form, sensitivity_raw)),
            e,
            None,
            Some("Nothing was completed: see the marked answers. Your answers are kept below."),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let outcome = state
        .store
        .assessment()
        .save_intake(
            &access,
            &form,
            sensitivity,
            complete,
            &user.0.actor(),
            now_utc(),
        )
        .await?;
    let msg = match outcome {
        Saved::Saved => {
            let done = if complete { "completed" } else { "draft" };
            return Ok(
                Redirect::to(&format!("/clients/{}/intake?done={done}", access.client()))
                    .into_response(),
            );
        }
        Saved::Locked => "This intake is completed and can no longer be changed.",
        Saved::WrongStage => "The intake can be changed only while the course is in assessment.",
        Saved::NoCourse => return Err(AppError::NotFound),
        Saved::Unreadable => UNREADABLE,
    };
    let p = page(
        &state,
        &user,
        access,
        Some((form, sensitivity_raw)),
        FieldErrors::default(),
        None,
        Some(msg),
    )
    .await?;
    Ok((StatusCode::CONFLICT, p).into_response())
}

/// Said when the stored intake cannot be read; nothing is written over it.
const UNREADABLE: &str = "The stored intake could not be read, so nothing was saved over it. \
     Tell the practice owner: the record needs checking before anyone edits it.";

pub async fn review(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
) -> Result<Response, AppError> {
    match state
        .store
        .assessment()
        .review_screening(&access, &user.0.actor(), now_utc())
        .await?
    {
        Saved::Saved => Ok(Redirect::to(&format!(
            "/clients/{}/intake?done=reviewed",
            access.client()
        ))
        .into_response()),
        Saved::NoCourse => Err(AppError::NotFound),
        _ => {
            let p = page(
                &state,
                &user,
                access,
                None,
                FieldErrors::default(),
                None,
                Some("Complete the intake before reviewing its screening."),
            )
            .await?;
            Ok((StatusCode::CONFLICT, p).into_response())
        }
    }
}
