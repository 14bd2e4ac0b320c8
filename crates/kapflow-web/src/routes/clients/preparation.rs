//! Preparation: the client's intentions, the expectations the therapist went through with
//! them (checklist from the practice's page and the protocol facts), and the readiness
//! sign-off that the referral needs.

use super::{Ctx, DoneQuery, HeaderView, ctx};
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
use kapflow_domain::form::FieldErrors;
use kapflow_domain::pathway::Stage;
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};
use kapflow_domain::time_util::now_utc;
use kapflow_store::assessment::Saved;

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

async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    typed: Option<PreparationForm>,
    e: FieldErrors,
    notice: Option<&'static str>,
    form_error: Option<&'static str>,
) -> Result<PreparationPage, AppError> {
    let Ctx { header, course, .. } = ctx(state, &access, "/preparation").await?;
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

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Query(q): Query<DoneQuery>,
) -> Result<PreparationPage, AppError> {
    let notice = match q.done.as_str() {
        "saved" => Some("Preparation saved."),
        "signed_off" => Some("Readiness signed off. The client can now be referred."),
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

pub async fn save(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = Fields::parse(&body);
    let form = PreparationForm {
        intentions: f.get("intentions"),
        discussed: f.all("discussed"),
        notes: f.get("notes"),
    };
    let sign_off = f.get("intent") == "sign_off";
    let e = if sign_off {
        form.check_sign_off()
    } else {
        form.check_draft()
    };
    if !e.is_empty() {
        let p = page(
            &state,
            &user,
            access,
            Some(form),
            e,
            None,
            Some("Not signed off yet: see the marked fields. Everything you typed is kept."),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    let msg = match state
        .store
        .assessment()
        .save_preparation(&access, &form, sign_off, &user.0.actor(), now_utc())
        .await?
    {
        Saved::Saved => {
            let done = if sign_off { "signed_off" } else { "saved" };
            return Ok(Redirect::to(&format!(
                "/clients/{}/preparation?done={done}",
                access.client()
            ))
            .into_response());
        }
        Saved::Locked => "Readiness is already signed off; preparation can no longer change.",
        Saved::WrongStage => {
            "Preparation is recorded while the course is in the preparation stage."
        }
        Saved::NoCourse => return Err(AppError::NotFound),
        Saved::Unreadable => {
            "The stored preparation could not be read, so nothing was saved over it. \
             Tell the practice owner: the record needs checking before anyone edits it."
        }
    };
    let p = page(
        &state,
        &user,
        access,
        Some(form),
        FieldErrors::default(),
        None,
        Some(msg),
    )
    .await?;
    Ok((StatusCode::CONFLICT, p).into_response())
}
